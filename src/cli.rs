//! Command-line interface definition (clap): global options and subcommands.

use std::path::PathBuf;

use clap::{Args, CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};

/// mesa-sla: medición de ANS (acuerdos de nivel de servicio) de mesas de servicio.
#[derive(Debug, Parser)]
#[command(name = "mesa-sla", version, about, long_about = None)]
pub struct Cli {
    /// Archivo de la base de datos DuckDB [por defecto: mesa-sla.duckdb; para `demo`,
    /// mesa-sla-demo.duckdb].
    #[arg(long, global = true, env = "MESA_SLA_DB")]
    pub db: Option<PathBuf>,

    /// Archivo de configuración TOML (sin archivo se usan los valores por defecto).
    #[arg(long, global = true, env = "MESA_SLA_CONFIG")]
    pub config: Option<PathBuf>,

    /// Más detalle en los mensajes de diagnóstico (-v, -vv).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Escribe un archivo de configuración de ejemplo, comentado.
    Init(InitArgs),
    /// Muestra los festivos y los días y horas hábiles de cada mes de un año.
    Calendar(CalendarArgs),
    /// Carga exportaciones de casos e historial en la base de datos.
    Ingest(IngestArgs),
    /// Calcula los tiempos de atención y solución de todos los casos y guarda los resultados.
    Evaluate(EvaluateArgs),
    /// Genera el libro de Excel de indicadores trimestrales y los gráficos de cada entidad.
    Report(ReportArgs),
    /// Sirve el tablero web y la API JSON, y ejecuta los trabajos programados ([schedule]).
    Serve(ServeArgs),
    /// Calcula el hash argon2 de una contraseña (leída de la entrada estándar) para
    /// `[[web.users]]`.
    HashPassword,
    /// Ejecuta a mano un trabajo programado y lo registra en job_runs.
    RunJob(RunJobArgs),
    /// Genera datos de demostración (dos entidades, varios trimestres) y muestra el cumplimiento.
    Demo(DemoArgs),
    /// Mide el rendimiento del calendario y de la evaluación.
    Bench(BenchArgs),
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// Dónde escribir el archivo.
    #[arg(default_value = "mesa-sla.toml")]
    pub path: PathBuf,
    /// Sobrescribir si ya existe.
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct CalendarArgs {
    /// Año a mostrar (por defecto, el actual).
    #[arg(long)]
    pub year: Option<i32>,
    /// Entidad con calendario propio (por defecto, el calendario general).
    #[arg(long)]
    pub entity: Option<String>,
}

#[derive(Debug, Args)]
pub struct IngestArgs {
    #[command(subcommand)]
    pub format: IngestFormat,
}

#[derive(Debug, Subcommand)]
pub enum IngestFormat {
    /// Lista de casos exportada de GLPI ("Exportar → CSV"), GLPI 10 u 11, cualquier idioma
    /// conocido, UTF-8 o Windows-1252, `;` o `,`.
    GlpiCsv {
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Entidad de todos los casos (por defecto, la columna Entidad del archivo).
        #[arg(long)]
        entity: Option<String>,
        /// Orden de las fechas, solo si el archivo es ambiguo.
        #[arg(long, value_enum)]
        date_format: Option<DateOrder>,
    },
    /// Historial de GLPI (tabla glpi_logs exportada a CSV): estados y asignaciones.
    GlpiLogs {
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Encuestas de satisfacción de GLPI (tabla glpi_ticketsatisfactions exportada a CSV).
    GlpiSatisfaction {
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Reporte de casos de Dexon (CSV o XLSX) y, opcionalmente, su historial de estados.
    Dexon {
        /// Reporte de casos.
        file: PathBuf,
        /// Historial de estados (CSV o XLSX).
        #[arg(long)]
        history: Option<PathBuf>,
        /// Entidad de los casos (por defecto, [dexon] entity de la configuración).
        #[arg(long)]
        entity: Option<String>,
    },
    /// Seguimientos de GLPI (tabla glpi_itilfollowups exportada a CSV).
    GlpiFollowups {
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Sincroniza con la API REST de GLPI ([glpi_api] en la configuración): la primera vez todos
    /// los casos, después solo los modificados desde la última sincronización.
    GlpiApi {
        /// Descargar todos los casos aunque ya haya una sincronización previa.
        #[arg(long)]
        full: bool,
    },
    /// Formato canónico de mesa-sla: casos o eventos, CSV o JSONL (ver README).
    Canonical {
        /// Archivos a cargar (cada uno en su propia transacción).
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Origen a usar cuando el archivo no trae la columna `source`.
        #[arg(long, default_value = "canonical")]
        source: String,
    },
}

/// Date order of a GLPI export.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum DateOrder {
    /// AAAA-MM-DD
    Ymd,
    /// DD-MM-AAAA
    Dmy,
    /// MM-DD-AAAA
    Mdy,
}

#[derive(Debug, Args)]
pub struct EvaluateArgs {
    /// Instante de corte, hora local "AAAA-MM-DD HH:MM:SS" o "AAAA-MM-DD" (el final de ese día;
    /// por defecto, ahora).
    #[arg(long)]
    pub as_of: Option<String>,
    /// Escribe los resultados en este CSV («-»: en la salida estándar, y el resumen en la de
    /// errores).
    #[arg(long)]
    pub export: Option<PathBuf>,
    /// Formato del CSV de --export.
    #[arg(
        long,
        value_enum,
        value_name = "FORMATO",
        default_value = "maquina",
        requires = "export"
    )]
    pub formato: ExportFormatArg,
    /// Escribe en este CSV el tiempo de cada grupo de técnicos en cada caso (OLA):
    /// source,ticket_id,group,business_seconds,target_seconds,state («-»: en la salida estándar,
    /// y el resumen en la de errores).
    #[arg(long, value_name = "ARCHIVO")]
    pub export_ola: Option<PathBuf>,
}

/// Layout of `evaluate --export`.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ExportFormatArg {
    /// Para programas: `,`, encabezados en inglés, códigos y segundos enteros (el de siempre).
    Maquina,
    /// Para abrir con doble clic en Excel: UTF-8 con BOM, `;`, encabezados y estados en
    /// español, horas con coma decimal.
    Excel,
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Trimestre, p. ej. 2025-Q3 (por defecto, el último trimestre terminado).
    #[arg(long)]
    pub quarter: Option<String>,
    /// Solo esta entidad (por defecto, todas las que tienen casos en el trimestre).
    #[arg(long)]
    pub entity: Option<String>,
    /// Carpeta de salida [por defecto: `[report] output_dir` de la configuración, o `informes`].
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Reevaluar los tiempos a este instante, hora local "AAAA-MM-DD HH:MM:SS" (por defecto se
    /// usan los resultados guardados, y se reevalúa a la hora actual solo si faltan o son
    /// anteriores a la última carga).
    #[arg(long)]
    pub as_of: Option<String>,
    /// En lugar de un libro por entidad, un solo libro `comparacion_<trimestre>.xlsx` con todas
    /// las entidades lado a lado, su puesto en cada indicador y la variación frente al
    /// trimestre anterior.
    #[arg(long = "comparar", alias = "compare", conflicts_with = "entity")]
    pub compare: bool,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Dirección de escucha [por defecto: `[web] bind` de la configuración, o 127.0.0.1:8080].
    /// Otra dirección que no sea local exige `[web] viewer_tokens`.
    #[arg(long)]
    pub bind: Option<String>,
}

#[derive(Debug, Args)]
pub struct RunJobArgs {
    /// Trabajo: ingest-folder, glpi-sync, evaluate, alerts o quarterly-report.
    pub name: String,
    /// Instante de corte, hora local "AAAA-MM-DD HH:MM:SS" o "AAAA-MM-DD" (el final de ese día;
    /// por defecto, ahora).
    #[arg(long)]
    pub as_of: Option<String>,
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// No iniciar el tablero al terminar.
    #[arg(long)]
    pub no_serve: bool,
    /// Casos por entidad.
    #[arg(long, default_value_t = 3000)]
    pub tickets: usize,
    /// Semilla de los datos sintéticos.
    #[arg(long, default_value_t = 2026)]
    pub seed: u64,
    /// Instante de corte, hora local "AAAA-MM-DD HH:MM:SS" o "AAAA-MM-DD" (el final de ese día;
    /// por defecto, ahora).
    #[arg(long)]
    pub as_of: Option<String>,
    /// Carpeta donde escribir el informe del último trimestre terminado.
    #[arg(long, default_value = "mesa-sla-demo-informes")]
    pub out: PathBuf,
    /// Dirección del tablero al terminar.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub bind: String,
}

#[derive(Debug, Args)]
pub struct BenchArgs {
    /// Qué medir.
    #[arg(value_enum, value_name = "MEDICION")]
    pub what: BenchTarget,
    /// Casos (evaluate) o consultas (calendar).
    #[arg(long)]
    pub n: Option<usize>,
    /// evaluate, report: base de datos a usar y conservar (se llena solo si está vacía), para
    /// repetir la medición o medir después `mesa-sla --db RUTA evaluate` en un proceso aparte.
    /// ingest: carpeta donde escribir y conservar los archivos (se reutilizan si ya están).
    #[arg(long)]
    pub store: Option<PathBuf>,
    /// ingest: medir también el lector de referencia (Rust, fila por fila) con los mismos archivos.
    #[arg(long)]
    pub referencia: bool,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum BenchTarget {
    /// Consultas de duración hábil sobre instantes aleatorios de diez años.
    Calendar,
    /// Evaluación completa desde la base hasta sla_results.
    Evaluate,
    /// Carga de una lista GLPI 10 y su historial frente a read_csv de DuckDB.
    Ingest,
    /// Informe trimestral (libro de Excel y gráficos) de un trimestre con N casos.
    Report,
}

/// The help page, in Spanish (clap's own headings are English).
const HELP_TEMPLATE: &str = "\
{before-help}{about-with-newline}
Uso: {usage}

{all-args}{after-help}";

/// Parses the command line with help, headings and errors in Spanish; exits as clap does (help
/// and version: 0; a usage error: 2, with a Spanish message and how to see the help).
pub fn parse() -> Cli {
    let mut command = spanish(Cli::command(), true);
    let outcome = command
        .try_get_matches_from_mut(std::env::args_os())
        .and_then(|matches| Cli::from_arg_matches(&matches));
    match outcome {
        Ok(cli) => cli,
        Err(e) => {
            use clap::error::ErrorKind;
            match e.kind() {
                ErrorKind::DisplayVersion => e.exit(),
                ErrorKind::DisplayHelp => {
                    print!("{}", spanish_words(&e.render().to_string()));
                    std::process::exit(0);
                }
                ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
                    eprint!("{}", spanish_words(&e.render().to_string()));
                    std::process::exit(2);
                }
                _ => {
                    eprintln!("error: {}", usage_error(&e));
                    eprintln!("Para ver los comandos y las opciones: mesa-sla --help");
                    std::process::exit(2);
                }
            }
        }
    }
}

/// The placeholder shown for a value, in Spanish (clap derives it from the English field name).
fn value_name_es(name: &str) -> Option<&'static str> {
    Some(match name {
        "AS_OF" => "FECHA",
        "BIND" => "DIRECCION",
        "CONFIG" | "DB" | "EXPORT" | "FILE" => "ARCHIVO",
        "FILES" => "ARCHIVOS",
        "DATE_FORMAT" => "ORDEN",
        "ENTITY" => "ENTIDAD",
        "HISTORY" => "HISTORIAL",
        "NAME" => "NOMBRE",
        "OUT" => "CARPETA",
        "PATH" => "RUTA",
        "QUARTER" => "TRIMESTRE",
        "SEED" => "SEMILLA",
        "SOURCE" => "ORIGEN",
        "STORE" => "RUTA",
        "TICKETS" => "CASOS",
        "YEAR" => "ANIO",
        _ => return None,
    })
}

/// The few English words clap writes into a help page whatever its template says.
fn spanish_words(help: &str) -> String {
    help.replace("[OPTIONS]", "[OPCIONES]")
        .replace("[possible values: ", "[valores posibles: ")
        .replace("Possible values:", "Valores posibles:")
        .replace("[default: ", "[por defecto: ")
        .replace("[aliases: ", "[alias: ")
}

/// Spanish help flags, headings and template on `command` and every subcommand.
fn spanish(command: clap::Command, root: bool) -> clap::Command {
    use clap::{Arg, ArgAction};
    let mut command = command
        .disable_help_flag(true)
        .disable_version_flag(true)
        .disable_help_subcommand(true)
        .help_template(HELP_TEMPLATE)
        .subcommand_help_heading("Comandos")
        .subcommand_value_name("COMANDO")
        .mut_args(|arg| {
            let es = arg
                .get_value_names()
                .and_then(|names| names.first())
                .and_then(|name| value_name_es(name.as_str()));
            let arg = match es {
                Some(es) => arg.value_name(es),
                None => arg,
            };
            match arg.get_help_heading() {
                Some(_) => arg,
                None if arg.is_positional() => arg.help_heading("Argumentos"),
                None => arg.help_heading("Opciones"),
            }
        })
        .arg(
            Arg::new("ayuda")
                .short('h')
                .long("help")
                .action(ArgAction::Help)
                .help("Muestra esta ayuda")
                .help_heading("Opciones"),
        );
    if root {
        command = command.arg(
            Arg::new("version")
                .short('V')
                .long("version")
                .action(ArgAction::Version)
                .help("Muestra la versión")
                .help_heading("Opciones"),
        );
    }
    command.mut_subcommands(|sub| spanish(sub, false))
}

/// A clap usage error said in Spanish, from its context (clap's own text is English).
fn usage_error(e: &clap::Error) -> String {
    use clap::error::{ContextKind, ContextValue, ErrorKind};
    let text = |kind: ContextKind| match e.get(kind) {
        Some(ContextValue::String(s)) => s.clone(),
        Some(ContextValue::Strings(v)) => v.join(", "),
        Some(ContextValue::StyledStr(s)) => s.to_string(),
        Some(ContextValue::StyledStrs(v)) => v
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(", "),
        Some(ContextValue::Number(n)) => n.to_string(),
        _ => String::new(),
    };
    let suggestion = |kind: ContextKind| {
        let s = text(kind);
        if s.is_empty() {
            String::new()
        } else {
            format!("; ¿quiso decir «{s}»?")
        }
    };
    let arg = text(ContextKind::InvalidArg);
    let value = text(ContextKind::InvalidValue);
    match e.kind() {
        ErrorKind::UnknownArgument => format!(
            "argumento desconocido «{arg}»{}",
            suggestion(ContextKind::SuggestedArg)
        ),
        ErrorKind::InvalidSubcommand => format!(
            "comando desconocido «{}»{}",
            text(ContextKind::InvalidSubcommand),
            suggestion(ContextKind::SuggestedSubcommand)
        ),
        ErrorKind::InvalidValue => {
            let valid = text(ContextKind::ValidValue);
            if valid.is_empty() {
                format!("falta el valor de {arg}")
            } else {
                format!("valor «{value}» no válido para {arg}; use uno de: {valid}")
            }
        }
        ErrorKind::ValueValidation => format!("valor «{value}» no válido para {arg}"),
        ErrorKind::MissingRequiredArgument => format!("falta {arg}"),
        ErrorKind::MissingSubcommand => "falta el comando".to_owned(),
        ErrorKind::ArgumentConflict => format!(
            "{arg} no se puede usar junto con {}",
            text(ContextKind::PriorArg)
        ),
        ErrorKind::TooManyValues | ErrorKind::WrongNumberOfValues => {
            format!("número de valores no válido para {arg}")
        }
        ErrorKind::NoEquals => format!("{arg} requiere «=» antes de su valor"),
        ErrorKind::InvalidUtf8 => "la línea de órdenes no es texto UTF-8 válido".to_owned(),
        _ => "línea de órdenes no válida".to_owned(),
    }
}
