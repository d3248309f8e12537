//! The subcommands: each one wires configuration, store and domain together and prints a
//! Spanish summary. This is the edge of the application, so errors are `anyhow`.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use chrono::{Datelike, NaiveDateTime, Utc};

use crate::app::{now_local, wall_clock};
use crate::calendar::Calendar;
use crate::calendar::holidays::weekday_es;
use crate::cli::{
    BenchArgs, BenchTarget, CalendarArgs, Cli, Command, DateOrder, DemoArgs, EvaluateArgs,
    ExportFormatArg, IngestArgs, IngestFormat, InitArgs, ReportArgs, RunJobArgs, ServeArgs,
};
use crate::config::{Config, EXAMPLE};
use crate::engine::{Engine, EntityLookupError};
use crate::evaluation::{
    EvaluationSummary, ExportFormat, evaluate_store, export_ola, export_results_as, write_ola,
    write_results,
};
use crate::indicators::{Definitions, Quantity, Quarter, fmt_count, fmt_number, fmt_percent};
use crate::ingest::{self, FileKind, IngestSummary, LoadOptions, Record, glpi, glpi_api};
use crate::model::{entity_leaf, listing};
use crate::report::{data_instant, default_quarter, in_progress};
use crate::store::Store;
use crate::{bench, demo};

/// Default store file.
pub const DEFAULT_DB: &str = "mesa-sla.duckdb";
/// Store file of the demo when `--db` is not given.
pub const DEMO_DB: &str = "mesa-sla-demo.duckdb";

/// Runs a parsed command line, reading the configuration ([`load_config`]) for the commands that
/// use one.
pub fn run(cli: Cli) -> Result<()> {
    let db = cli.db.clone();
    let store_path = || db.clone().unwrap_or_else(|| PathBuf::from(DEFAULT_DB));
    let config = || load_config(cli.config.as_deref());
    match &cli.command {
        Command::Init(args) => init(args),
        Command::HashPassword => hash_password(),
        Command::Calendar(args) => calendar(args, &config()?),
        Command::Ingest(args) => ingest(args, &config()?, &store_path()),
        Command::Evaluate(args) => evaluate(args, &config()?, &store_path()),
        Command::Report(args) => report(args, &config()?, &store_path()),
        Command::Serve(args) => serve(args, &config()?, &store_path()),
        Command::RunJob(args) => run_job(args, &config()?, &store_path()),
        Command::Demo(args) => demo(args, &config()?, db.as_deref()),
        Command::Bench(args) => bench_cmd(args, &config()?),
    }
}

/// The configuration file used when `--config` is not given: the one `init` writes, in the
/// working directory.
pub const LOCAL_CONFIG: &str = "mesa-sla.toml";

/// Reads the configuration: the file of `--config` (or `MESA_SLA_CONFIG`), else
/// [`LOCAL_CONFIG`] in the working directory, else the defaults; and says which on stderr, in
/// one line (stdout stays the command's own output, e.g. `evaluate --export -`).
pub fn load_config(path: Option<&Path>) -> Result<Config> {
    let local = Path::new(LOCAL_CONFIG);
    let (config, used) = match path {
        Some(p) => (Config::load(p)?, p.display().to_string()),
        None if local.is_file() => {
            let shown = std::path::absolute(local).unwrap_or_else(|_| local.to_owned());
            (Config::load(local)?, shown.display().to_string())
        }
        None => {
            let dir = std::env::current_dir().map_or_else(
                |_| "el directorio de trabajo".into(),
                |d| d.display().to_string(),
            );
            let why = format!("valores por defecto (no hay {LOCAL_CONFIG} en {dir})");
            (Config::default(), why)
        }
    };
    eprintln!("Configuración: {used}");
    Ok(config)
}

fn init(args: &InitArgs) -> Result<()> {
    if args.path.exists() && !args.force {
        bail!(
            "{} ya existe; use --force para sobrescribirlo",
            args.path.display()
        );
    }
    std::fs::write(&args.path, EXAMPLE)
        .with_context(|| format!("no se pudo escribir {}", args.path.display()))?;
    if args.path == Path::new(LOCAL_CONFIG) {
        println!(
            "Configuración de ejemplo escrita en {LOCAL_CONFIG}: los comandos la usan cuando se \
             ejecutan en este directorio sin --config."
        );
    } else {
        println!(
            "Configuración de ejemplo escrita en {}. Úsela con --config {} o MESA_SLA_CONFIG.",
            args.path.display(),
            args.path.display()
        );
    }
    Ok(())
}

const MONTHS: [&str; 12] = [
    "enero",
    "febrero",
    "marzo",
    "abril",
    "mayo",
    "junio",
    "julio",
    "agosto",
    "septiembre",
    "octubre",
    "noviembre",
    "diciembre",
];

/// The calendar of an entity named on the command line: one configured in `[[entity]]`, named
/// by its full GLPI path, the last part of the path or its short name, exactly or ignoring case
/// and accents. Any other name is an error listing the valid ones, never the general calendar
/// in silence; a last part shared by two entities asks for the full path.
fn calendar_of<'a>(engine: &'a Engine, wanted: &str) -> Result<&'a std::sync::Arc<Calendar>> {
    let mut names: Vec<String> = engine.by_entity.keys().cloned().collect();
    names.sort();
    let found = match engine.resolve_entity(&names, wanted) {
        Err(EntityLookupError::Unknown(_)) if wanted.contains('>') => {
            engine.resolve_entity(&names, entity_leaf(wanted))
        }
        other => other,
    };
    match found {
        Ok(name) => Ok(engine.calendar_for(&name)),
        Err(EntityLookupError::Unknown(_)) => bail!(
            "no hay calendario propio para la entidad «{wanted}». {}",
            listing(
                "Entidades con calendario propio ([[entity]] en la configuración)",
                &names,
                "ninguna; omita --entity para ver el calendario general"
            )
        ),
        Err(ambiguous) => bail!("{ambiguous}"),
    }
}

/// The entity of the store that `wanted` names (its full path, the last part of the path or its
/// short name, ignoring case and accents); any other name is an error listing the entities in
/// the store, and a shared last part one listing the full paths it could mean.
fn store_entity(store: &Store, engine: &Engine, wanted: &str) -> Result<String> {
    let entities = store.dashboard().entities()?;
    match engine.resolve_entity(&entities, wanted) {
        Ok(name) => Ok(name),
        Err(EntityLookupError::Unknown(_)) => bail!(
            "no existe la entidad «{wanted}» en la base. {}",
            listing("Entidades en la base", &entities, "la base no tiene casos")
        ),
        Err(ambiguous) => bail!("{ambiguous}"),
    }
}

fn calendar(args: &CalendarArgs, config: &Config) -> Result<()> {
    let engine = config.engine()?;
    let cal = match &args.entity {
        Some(e) => calendar_of(&engine, e)?,
        None => &engine.default,
    };
    let year = args.year.unwrap_or_else(|| Utc::now().year());
    let (first, last) = cal.range();
    if year < first.year() || year > last.year() {
        bail!(
            "el año {year} está fuera del rango del calendario ({}–{})",
            first.year(),
            last.year()
        );
    }
    let mut out = std::io::stdout().lock();
    let holidays = cal.holidays_in(year);
    writeln!(
        out,
        "Calendario hábil {year} — zona {}",
        cal.spec().timezone()
    )?;
    writeln!(out)?;
    writeln!(out, "Festivos ({}):", holidays.len())?;
    for h in &holidays {
        writeln!(
            out,
            "  {}  {:<10} {}",
            h.date.format("%Y-%m-%d"),
            weekday_es(h.date.weekday()),
            h.name
        )?;
    }
    writeln!(out)?;
    writeln!(
        out,
        "{:<12} {:>12} {:>12}",
        "Mes", "Días hábiles", "Horas hábiles"
    )?;
    let (mut days, mut secs) = (0u32, 0i64);
    for m in cal.months(year) {
        writeln!(
            out,
            "{:<12} {:>12} {:>12}",
            MONTHS[(m.month - 1) as usize],
            m.business_days,
            hours(m.business_seconds)
        )?;
        days += m.business_days;
        secs += m.business_seconds;
    }
    writeln!(out, "{:<12} {:>12} {:>12}", "Total", days, hours(secs))?;
    Ok(())
}

fn hours(secs: i64) -> String {
    if secs % 3600 == 0 {
        fmt_count((secs / 3600).unsigned_abs())
    } else {
        fmt_number(secs as f64 / 3600.0, 2)
    }
}

fn ingest(args: &IngestArgs, config: &Config, db: &Path) -> Result<()> {
    let mut store = Store::open(db)?;
    // One load per file, each in its own transaction: one bad file does not stop the others.
    let mut opts = LoadOptions::new(config.dexon.clone());
    let all = |files: &[PathBuf], kind: FileKind| -> Vec<(PathBuf, FileKind)> {
        files.iter().map(|f| (f.clone(), kind)).collect()
    };
    let jobs = match &args.format {
        IngestFormat::Canonical { files, source } => {
            opts.source = source.clone();
            // The canonical reader tells tickets from events by the file's columns.
            all(files, FileKind::CanonicalTickets)
        }
        IngestFormat::GlpiCsv {
            files,
            entity,
            date_format,
        } => {
            opts = opts.entity(entity.clone());
            opts.list.date_format = date_format.map(|d| match d {
                DateOrder::Ymd => glpi::DateFormat::Ymd,
                DateOrder::Dmy => glpi::DateFormat::Dmy,
                DateOrder::Mdy => glpi::DateFormat::Mdy,
            });
            all(files, FileKind::GlpiList)
        }
        IngestFormat::GlpiLogs { files } => all(files, FileKind::GlpiLogs),
        IngestFormat::GlpiFollowups { files } => all(files, FileKind::GlpiFollowups),
        IngestFormat::GlpiSatisfaction { files } => all(files, FileKind::GlpiSatisfaction),
        IngestFormat::GlpiApi { full } => return ingest_glpi_api(&mut store, config, *full),
        IngestFormat::Dexon {
            file,
            history,
            entity,
        } => {
            opts = opts.entity(entity.clone());
            let mut jobs = vec![(file.clone(), FileKind::DexonCases)];
            jobs.extend(history.iter().map(|h| (h.clone(), FileKind::DexonHistory)));
            jobs
        }
    };
    let mut refused = 0usize;
    for (file, kind) in &jobs {
        match ingest::load_path(&mut store, *kind, file, &opts) {
            Ok(summary) => print_ingest(&summary),
            Err(e) => {
                refused += 1;
                eprintln!("Rechazado: {e}. La base de datos no se modificó.");
            }
        }
    }
    if refused > 0 {
        bail!("{refused} de {} archivo(s) rechazado(s)", jobs.len());
    }
    Ok(())
}

/// `ingest glpi-api`: one sync with the configured GLPI, tokens from the environment.
fn ingest_glpi_api(store: &mut Store, config: &Config, full: bool) -> Result<()> {
    let summary = glpi_api::sync_with(
        store,
        &config.glpi_api,
        glpi_api::SyncOptions { full },
        &|name| std::env::var(name).ok(),
    )
    .context("sincronización con GLPI fallida; la base de datos no se modificó")?;
    println!("{summary}");
    for r in &summary.sample_rejects {
        println!(
            "  caso {}{}: {}",
            r.line,
            r.raw
                .as_deref()
                .map(|v| format!(" («{v}»)"))
                .unwrap_or_default(),
            r.reason
        );
    }
    Ok(())
}

fn print_ingest(s: &IngestSummary) {
    println!(
        "{}: {} filas leídas; {}; {} rechazadas{} (carga #{}, {}).",
        s.file,
        fmt_count(s.rows_read),
        s.changes.describe(s.accepted),
        fmt_count(s.rejected),
        if s.skipped > 0 {
            format!(", {} sin información de ANS", fmt_count(s.skipped))
        } else {
            String::new()
        },
        s.run_id,
        s.kind
    );
    for r in &s.sample_rejects {
        println!(
            "  línea {}{}{}: {}",
            r.line,
            r.column
                .as_deref()
                .map(|c| format!(", columna {c}"))
                .unwrap_or_default(),
            r.raw
                .as_deref()
                .map(|v| format!(" («{v}»)"))
                .unwrap_or_default(),
            r.reason
        );
    }
    if s.rejected > s.sample_rejects.len() as u64 {
        println!(
            "  … y {} más: consulte la tabla ingest_rejects (run_id = {}).",
            s.rejected - s.sample_rejects.len() as u64,
            s.run_id
        );
    }
}

/// Parses a local `--as-of` value, or takes the current time in the default calendar's zone.
/// A date alone means the end of that day (what "al 31 de diciembre" says).
fn as_of(text: Option<&str>, engine: &Engine) -> Result<NaiveDateTime> {
    match text {
        Some(t) => ingest::parse_datetime(t)
            .or_else(|| {
                chrono::NaiveDate::parse_from_str(t.trim(), "%Y-%m-%d")
                    .ok()
                    .and_then(|d| d.and_hms_opt(23, 59, 59))
            })
            .with_context(|| {
                format!(
                    "--as-of «{t}» no es una fecha válida (use \"AAAA-MM-DD HH:MM:SS\" o \
                     \"AAAA-MM-DD\", que es el final de ese día)"
                )
            }),
        None => Ok(now_local(engine)),
    }
}

fn evaluate(args: &EvaluateArgs, config: &Config, db: &Path) -> Result<()> {
    let stdout_csv = |p: &Option<std::path::PathBuf>| p.as_deref() == Some(Path::new("-"));
    let (results_out, ola_out) = (stdout_csv(&args.export), stdout_csv(&args.export_ola));
    if results_out && ola_out {
        bail!(
            "--export y --export-ola no pueden ir las dos a la salida estándar («-»): escriba una \
             de ellas en un archivo"
        );
    }
    let engine = config.engine()?;
    let cut = as_of(args.as_of.as_deref(), &engine)?;
    let mut store = Store::open(db)?;
    let summary = evaluate_store(&mut store, &engine, cut, wall_clock())?;
    let format = match args.formato {
        ExportFormatArg::Maquina => ExportFormat::Machine,
        ExportFormatArg::Excel => ExportFormat::Excel,
    };
    // A CSV on stdout: everything else on stderr, so that the pipe gets only the CSV.
    let say = |line: String| {
        if results_out || ola_out {
            eprint!("{line}");
        } else {
            print!("{line}");
        }
    };
    say(evaluation_text(&summary, cut));
    match &args.export {
        Some(_) if results_out => {
            let rows = write_results(&store, format, std::io::stdout().lock(), "-")?;
            say(format!(
                "{rows} resultados exportados a la salida estándar.\n"
            ));
        }
        Some(path) => {
            let rows = export_results_as(&store, path, format)?;
            say(format!(
                "{rows} resultados exportados a {}.\n",
                path.display()
            ));
        }
        None => {}
    }
    match &args.export_ola {
        Some(_) if ola_out => {
            let rows = write_ola(&store, std::io::stdout().lock(), "-")?;
            say(format!(
                "{rows} tiempos por grupo (OLA) exportados a la salida estándar.\n"
            ));
        }
        Some(path) => {
            let rows = export_ola(&store, path)?;
            say(format!(
                "{rows} tiempos por grupo (OLA) exportados a {}.\n",
                path.display()
            ));
        }
        None => {}
    }
    Ok(())
}

fn print_evaluation(s: &EvaluationSummary, cut: NaiveDateTime) {
    print!("{}", evaluation_text(s, cut));
}

/// The figures of an evaluation: a first line, a table by metric and state, a warning when
/// some cases have no history.
fn evaluation_text(s: &EvaluationSummary, cut: NaiveDateTime) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Evaluados {} casos ({} eventos) al {} en {} s.",
        fmt_count(s.tickets as u64),
        fmt_count(s.events as u64),
        cut.format("%Y-%m-%d %H:%M:%S"),
        fmt_number(s.elapsed.as_secs_f64(), 2)
    );
    let _ = writeln!(
        out,
        "{:<10} {:>9} {:>11} {:>9} {:>10} {:>9}",
        "Métrica", "Cumplido", "Incumplido", "En curso", "En riesgo", "Sin meta"
    );
    for (label, row) in ["Atención", "Solución"].iter().zip(s.states) {
        let _ = writeln!(
            out,
            "{:<10} {:>9} {:>11} {:>9} {:>10} {:>9}",
            label,
            fmt_count(row[0] as u64),
            fmt_count(row[1] as u64),
            fmt_count(row[2] as u64),
            fmt_count(row[3] as u64),
            fmt_count(row[4] as u64)
        );
    }
    if !s.versions.is_empty() {
        let parts: Vec<String> = s
            .versions
            .iter()
            .map(|(name, n)| {
                let name = name.as_deref().unwrap_or("política sin versión");
                format!("{name}: {}", fmt_count(*n as u64))
            })
            .collect();
        let _ = writeln!(out, "Versiones de la política: {}.", parts.join("; "));
    }
    if s.before_first_version > 0 {
        let _ = writeln!(
            out,
            "Aviso: {} caso(s) abierto(s) antes de la primera versión de la política se \
             midieron con esa versión (la configuración no tiene reglas [[policy.rule]] sin \
             versión).",
            fmt_count(s.before_first_version as u64)
        );
    }
    if s.no_history > 0 {
        let _ = writeln!(
            out,
            "Aviso: {} caso(s) sin historial de estados: sus pausas no se conocen y no se descuentan.",
            s.no_history
        );
    }
    out
}

fn demo(args: &DemoArgs, config: &Config, db: Option<&Path>) -> Result<()> {
    let engine = config.engine()?;
    let cut = as_of(args.as_of.as_deref(), &engine)?;
    let path = match db {
        Some(p) => p.to_owned(),
        None => {
            // The demo owns its default file: start it afresh on every run.
            let p = PathBuf::from(DEMO_DB);
            for f in [p.clone(), PathBuf::from(format!("{DEMO_DB}.wal"))] {
                if f.exists() {
                    std::fs::remove_file(&f)
                        .with_context(|| format!("no se pudo borrar {}", f.display()))?;
                }
            }
            p
        }
    };
    let mut store = Store::open(&path)?;
    if store.counts()?.tickets > 0 {
        bail!(
            "la base {} ya tiene casos; la demostración necesita una base vacía (use otra --db)",
            path.display()
        );
    }
    let opts = demo::DemoOptions::six_quarters(cut, args.tickets, args.seed);
    println!(
        "Generando {} casos de demostración para {} entidades ({} a {})…",
        args.tickets * demo::entity_names().len(),
        demo::entity_names().len(),
        opts.from,
        cut.format("%Y-%m-%d %H:%M")
    );
    let loaded = ingest::load_records(
        &mut store,
        "demo",
        "",
        "demo",
        demo::generate(&opts, &engine).map(Ok::<Record, ingest::IngestError>),
    )?;
    println!(
        "{} registros cargados en {}.",
        loaded.accepted,
        path.display()
    );
    let summary = evaluate_store(&mut store, &engine, cut, wall_clock())?;
    print_evaluation(&summary, cut);
    println!();
    let definitions = config.definitions()?;
    print_quarters(&store, &engine, &definitions, cut)?;
    println!();
    let quarter = default_quarter(Some(cut), cut);
    print_report_title(quarter, cut);
    let entities = crate::store::indicators::entities_in(&store, quarter)?;
    write_reports(
        &store,
        &engine,
        config,
        &definitions,
        quarter,
        &entities,
        &args.out,
    )?;
    if !args.no_serve {
        println!();
        drop(store);
        return serve_store(&path, config, &args.bind);
    }
    Ok(())
}

fn serve(args: &ServeArgs, config: &Config, db: &Path) -> Result<()> {
    let bind = args
        .bind
        .clone()
        .or_else(|| config.web.bind.clone())
        .unwrap_or_else(|| "127.0.0.1:8080".into());
    serve_store(db, config, &bind)
}

/// Reads one password from standard input and prints its argon2id hash for `[[web.users]]`.
fn hash_password() -> Result<()> {
    use std::io::{BufRead, IsTerminal};
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        eprint!("Contraseña (se lee hasta el fin de la línea): ");
        let _ = std::io::stderr().flush();
    }
    let mut line = String::new();
    stdin
        .lock()
        .read_line(&mut line)
        .context("no se pudo leer la contraseña")?;
    let password = line.trim_end_matches(['\r', '\n']);
    if password.chars().count() < 8 {
        bail!("la contraseña debe tener al menos 8 caracteres");
    }
    let hash = crate::web::auth::hash_password(password)?;
    println!("{hash}");
    Ok(())
}

/// Serves the dashboard on a store until Ctrl-C.
fn serve_store(db: &Path, config: &Config, bind: &str) -> Result<()> {
    let addr: std::net::SocketAddr = bind.parse().with_context(|| {
        format!("dirección «{bind}» no válida (use IP:PUERTO, p. ej. 127.0.0.1:8080)")
    })?;
    crate::web::check_bind(addr, &config.web)?;
    let store = Store::open(db)?;
    let scheduler = crate::app::start_scheduler(&store, config)?;
    let state = crate::app::web_state(store, config)?;
    // The blocking pool runs the store's work; bounded, so that no burst of requests can grow
    // it to hundreds of threads (tokio's default is 512).
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .max_blocking_threads(crate::web::AppState::MAX_BLOCKING_THREADS)
        .build()
        .context("no se pudo iniciar el servidor")?;
    let served = runtime.block_on(async move {
        if let Some(scheduler) = scheduler {
            let sleeper = std::sync::Arc::new(crate::schedule::TokioSleeper);
            tokio::spawn(scheduler.run(sleeper, std::future::pending()));
        }
        crate::web::serve(std::sync::Arc::new(state), addr, |local| {
            println!("Tablero en http://{local}/ (Ctrl-C para terminar)");
            let _ = std::io::stdout().flush();
        })
        .await
    });
    // A job still running gets a moment to finish; one cut short is closed as interrupted at
    // the next start.
    runtime.shutdown_timeout(std::time::Duration::from_secs(10));
    served?;
    Ok(())
}

/// Runs one job by hand, recorded in job_runs as `manual`.
fn run_job(args: &RunJobArgs, config: &Config, db: &Path) -> Result<()> {
    use crate::app::StoreJobs;
    use crate::schedule::{JobName, Outcome, RunTrigger, run_recorded};
    let job: JobName = args.name.parse()?;
    let engine = config.engine()?;
    let cut = as_of(args.as_of.as_deref(), &engine)?;
    let store = Store::open(db)?;
    let jobs = StoreJobs::new(store.try_clone()?, config.clone())?;
    let now = || now_local(&engine);
    let report = run_recorded(&store, &jobs, job, cut, RunTrigger::Manual, &now);
    match report.outcome {
        Outcome::Ok => {
            println!("{}", report.message);
            Ok(())
        }
        // `alerts` without [smtp] decides all the same: its message says what, and what waits.
        Outcome::Skipped if job == JobName::Alerts => bail!("{job}: {}", report.message),
        Outcome::Skipped => bail!("{job} no se ejecutó: {}", report.message),
        Outcome::Error => bail!("{job} falló: {}", report.message),
    }
}

fn report(args: &ReportArgs, config: &Config, db: &Path) -> Result<()> {
    let engine = config.engine()?;
    // Checked before anything touches the store: a broken definitions file changes nothing.
    let definitions = config.definitions()?;
    let quarter = args.quarter.as_deref().map(Quarter::parse).transpose()?;
    let mut store = Store::open(db)?;
    let status = crate::store::indicators::results_status(&store)?;
    if status.tickets == 0 {
        bail!(
            "la base {} no tiene casos: cargue exportaciones con `mesa-sla ingest …` primero",
            db.display()
        );
    }
    // Checked before the store is written to: a wrong name changes nothing.
    let entity = args
        .entity
        .as_deref()
        .map(|e| store_entity(&store, &engine, e))
        .transpose()?;
    let now = now_local(&engine);
    let mut evaluated_at = status.as_of;
    if args.as_of.is_some() || status.stale() {
        let cut = as_of(args.as_of.as_deref(), &engine)?;
        evaluated_at = Some(cut);
        if args.as_of.is_none() {
            println!("Los resultados guardados no están al día: se reevalúan al instante actual.");
        }
        let summary = evaluate_store(&mut store, &engine, cut, wall_clock())?;
        print_evaluation(&summary, cut);
    }
    let quarter = quarter.unwrap_or_else(|| default_quarter(evaluated_at, now));
    if args.compare {
        let out = report_dir(args, config);
        print_report_title(quarter, data_instant(evaluated_at, now));
        return write_comparison(&store, &engine, &definitions, quarter, &out);
    }
    let entities = match entity {
        Some(e) => vec![e],
        None => crate::store::indicators::entities_in(&store, quarter)?,
    };
    if entities.is_empty() {
        bail!(
            "no hay casos creados ni solucionados en {quarter} ({})",
            quarter.name_es()
        );
    }
    let out = report_dir(args, config);
    print_report_title(quarter, data_instant(evaluated_at, now));
    write_reports(
        &store,
        &engine,
        config,
        &definitions,
        quarter,
        &entities,
        &out,
    )
}

/// Where `report` writes: `--out`, `[report] output_dir`, or `informes`.
fn report_dir(args: &ReportArgs, config: &Config) -> PathBuf {
    args.out
        .clone()
        .or_else(|| config.report.output_dir.clone())
        .unwrap_or_else(|| PathBuf::from("informes"))
}

/// `report --comparar`: the comparison workbook of every entity, and each entity's place in
/// the two on-time indicators on the console.
fn write_comparison(
    store: &Store,
    engine: &Engine,
    definitions: &Definitions,
    quarter: Quarter,
    out: &Path,
) -> Result<()> {
    use crate::report::comparison;
    let c = comparison::comparison(store, engine, definitions, quarter)?;
    let path = comparison::write_workbook(&c, out)?;
    println!(
        "  Comparación de {} entidades: {}",
        fmt_count(c.entities.len() as u64),
        path.display()
    );
    for q in [Quantity::AttentionOnTime, Quantity::SolutionOnTime] {
        let Some(n) = c.indicators.iter().position(|col| col.quantity == q) else {
            continue;
        };
        println!("    {}:", c.indicators[n].name);
        for (row, cell) in comparison::by_place(&c.entities, n) {
            let place = cell.rank.map_or("—".to_owned(), |p| format!("{p}."));
            let value = cell.value.map_or("sin datos".into(), fmt_percent);
            println!("      {place:>3} {}: {value}", row.name);
        }
    }
    Ok(())
}

/// "Informe del 2025-Q3 (tercer trimestre de 2025):", saying when the quarter had not ended at
/// the instant its figures describe.
fn print_report_title(quarter: Quarter, data_at: NaiveDateTime) {
    let mark = if in_progress(quarter, data_at) {
        format!(
            " — datos al {} · trimestre en curso",
            data_at.format("%Y-%m-%d %H:%M")
        )
    } else {
        String::new()
    };
    println!("Informe del {} ({}){mark}:", quarter, quarter.name_es());
}

/// Writes the workbook and charts of each entity, printing where and the headline figures.
fn write_reports(
    store: &Store,
    engine: &Engine,
    config: &Config,
    definitions: &Definitions,
    quarter: Quarter,
    entities: &[String],
    out: &Path,
) -> Result<()> {
    let target = crate::report::ReportTarget {
        dir: out,
        glpi_base_url: config.glpi_base_url.as_deref(),
    };
    crate::report::write_reports(
        store,
        engine,
        definitions,
        quarter,
        entities,
        &target,
        |files| {
            println!(
                "  {}: {} ({} casos, {} incumplimientos) en {} s",
                engine.display_name(&files.entity),
                files.workbook.display(),
                fmt_count(files.cases as u64),
                fmt_count(files.breaches as u64),
                fmt_number(files.elapsed.as_secs_f64(), 1)
            );
            for q in [Quantity::AttentionOnTime, Quantity::SolutionOnTime] {
                if let Some(i) = files.set.indicator(q) {
                    let value = i.current.value.map_or("sin datos".into(), fmt_percent);
                    println!(
                        "    {}: {value} ({})",
                        i.definition.name,
                        i.light.label_es().to_lowercase()
                    );
                }
            }
        },
    )?;
    println!(
        "  Gráficos (SVG y PNG) en {}.",
        out.join("graficos").display()
    );
    Ok(())
}

/// Prints, per entity and quarter with cases, the figures of the quarterly report: the same
/// indicator set as the workbook (attention by quarter of creation, solution by quarter of
/// solution, the backlog at the quarter's end), so that the console and the workbook agree.
fn print_quarters(
    store: &Store,
    engine: &Engine,
    definitions: &Definitions,
    data_at: NaiveDateTime,
) -> Result<()> {
    println!("Indicadores por entidad y trimestre (los del libro de Excel):");
    println!(
        "{:<38} {:<19} {:>11} {:>12} {:>10} {:>10} {:>11}",
        "Entidad", "Trimestre", "Registrados", "Solucionados", "Atención", "Solución", "Pendientes"
    );
    let pct = |set: &crate::indicators::IndicatorSet, q: Quantity| {
        set.current
            .total
            .value(q)
            .value
            .map_or("—".to_owned(), fmt_percent)
    };
    let entities = store.dashboard().entities()?;
    let shown = engine.display_names(&entities);
    for entity in entities {
        let mut quarters: Vec<Quarter> = store
            .dashboard()
            .quarters(&entity)?
            .into_iter()
            .filter_map(|(y, q)| Quarter::new(y, q as u8).ok())
            .collect();
        quarters.sort();
        for quarter in quarters {
            let set = crate::report::indicator_set(store, engine, definitions, &entity, quarter)?;
            let label = if in_progress(quarter, data_at) {
                format!("{quarter} (en curso)")
            } else {
                quarter.to_string()
            };
            let total = &set.current.total;
            println!(
                "{:<38} {:<19} {:>11} {:>12} {:>10} {:>10} {:>11}",
                shown.get(&entity).unwrap_or(&entity),
                label,
                fmt_count(total.registered),
                fmt_count(total.solved),
                pct(&set, Quantity::AttentionOnTime),
                pct(&set, Quantity::SolutionOnTime),
                fmt_count(total.backlog)
            );
        }
    }
    Ok(())
}

fn bench_cmd(args: &BenchArgs, config: &Config) -> Result<()> {
    let engine = config.engine()?;
    match args.what {
        BenchTarget::Calendar => bench::calendar(&engine, args.n.unwrap_or(50_000_000)),
        BenchTarget::Ingest => bench::ingest(
            &engine,
            args.n.unwrap_or(1_000_000),
            args.store.as_deref(),
            args.referencia,
        ),
        BenchTarget::Evaluate => {
            bench::evaluate(&engine, args.n.unwrap_or(1_000_000), args.store.as_deref())
        }
        BenchTarget::Report => {
            bench::report(&engine, args.n.unwrap_or(1_000_000), args.store.as_deref())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::hours;

    #[test]
    fn business_hours_are_written_the_colombian_way() {
        assert_eq!(hours(2_178 * 3600), "2.178");
        assert_eq!(hours(9 * 3600 + 1800), "9,50");
        assert_eq!(hours(0), "0");
    }
}
