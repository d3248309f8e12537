//! The TOML configuration: its documented defaults, validation into domain types, and the
//! commented example written by `mesa-sla init`. The domain sections (`[calendar]`, `[[entity]]`,
//! `[policy]`) and their validation into the engine live in the core crate (`crates/core`).
//!
//! Each feature module owns the type of its section (`[alerts]`, `[smtp]`, `[glpi_api]`,
//! `[schedule]`, `[web]`…) and takes only that section; this module composes them and no module
//! it imports imports it back. The composition root (`app.rs`) hands the sections to the features.

mod locate;

use std::path::Path;

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::engine::Engine;
use crate::sla::policy::{Policy, PolicyConfig};
pub use mesa_sla_core::config::{
    CalendarConfig, DayConfig, EngineConfigError, EntityConfig, HoursConfig,
};

/// The commented example configuration (`mesa-sla init`).
pub const EXAMPLE: &str = include_str!("config_example.toml");

/// Errors reading or validating the configuration.
#[derive(Debug, Error)]
pub enum ConfigError {
    #[error(
        "no se pudo leer el archivo de configuración {path}: {}",
        crate::fs_error::describe(source)
    )]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("archivo de configuración {path}{}: {message}", position.map(|(l, c)| format!(", línea {l}, columna {c}")).unwrap_or_default())]
    Parse {
        path: String,
        /// Line and column (1-based) of the offending text, when the parser knows it.
        position: Option<(usize, usize)>,
        message: String,
    },
    /// The calendar or policy sections of a file, checked when it is loaded.
    #[error("archivo de configuración {path}{}: {source}", line.map(|l| format!(", línea {l}")).unwrap_or_default())]
    Domain {
        path: String,
        /// The line of the table the error is about, when it can be told.
        line: Option<usize>,
        source: Box<EngineConfigError>,
    },
    /// The calendar, entity or policy sections (built by the core crate).
    #[error(transparent)]
    Engine(#[from] EngineConfigError),
    #[error("{path}: {source}")]
    Schedule {
        path: String,
        source: crate::schedule::ScheduleError,
    },
    #[error(transparent)]
    Alerts(#[from] crate::alerts::AlertsConfigError),
}

/// The whole configuration file. Every section is optional.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(default)]
    pub calendar: CalendarConfig,
    #[serde(default)]
    pub policy: PolicyConfig,
    /// Named calendars (`[calendars.<name>]`), for entities and policy rules.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub calendars: std::collections::BTreeMap<String, CalendarConfig>,
    /// Entities with a calendar of their own (others use `[calendar]`).
    #[serde(default, rename = "entity", skip_serializing_if = "Vec::is_empty")]
    pub entities: Vec<EntityConfig>,
    /// OLA targets per technician group (`[ola.levels]`, `[[ola.rule]]`).
    #[serde(default)]
    pub ola: mesa_sla_core::sla::ola::OlaConfig,
    /// Dexon case reports: entity and column names.
    #[serde(default)]
    pub dexon: crate::ingest::dexon::DexonConfig,
    /// Base URL of the GLPI instance, for links to tickets (e.g. `https://mesa.entidad.gov.co`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub glpi_base_url: Option<String>,
    /// Quarterly report: indicator definitions and output folder.
    #[serde(default)]
    pub report: ReportConfig,
    /// Dashboard and API: address and tokens.
    #[serde(default)]
    pub web: crate::web::WebConfig,
    /// GLPI REST API sync: URL, names of the token variables, paging and retries.
    #[serde(default)]
    pub glpi_api: crate::ingest::glpi_api::GlpiApiConfig,
    /// Scheduled jobs of `serve`: one cron expression per job.
    #[serde(default)]
    pub schedule: crate::schedule::ScheduleConfig,
    /// Folder watched by the `ingest-folder` job.
    #[serde(default)]
    pub ingest_folder: crate::schedule::IngestFolderConfig,
    /// SMTP server for e-mail alerts.
    #[serde(default)]
    pub smtp: crate::alerts::SmtpConfig,
    /// E-mail alerts: threshold, recipient routes, quiet hours, digest, retries.
    #[serde(default)]
    pub alerts: crate::alerts::AlertsConfig,
}

/// `[report]`: where the indicator definitions come from and where reports are written.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportConfig {
    /// A copy of `reports/indicadores.toml` edited by the quality team (default: the built-in one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub definitions: Option<std::path::PathBuf>,
    /// Output folder of `report` (default `informes`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_dir: Option<std::path::PathBuf>,
}

impl Config {
    /// Reads a configuration file.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.display().to_string(),
            source,
        })?;
        let origin = path.display().to_string();
        let config = Config::parse(&text, &origin)?;
        // The calendar and policy are checked here too, so their errors name the file.
        config.engine().map_err(|e| match e {
            ConfigError::Engine(source) => ConfigError::Domain {
                path: origin.clone(),
                line: locate::error_line(&text, &source),
                source: Box::new(source),
            },
            other => other,
        })?;
        Ok(config)
    }

    /// The indicator definitions: the configured file, or the built-in ones.
    pub fn definitions(&self) -> Result<crate::indicators::Definitions, ConfigError> {
        match &self.report.definitions {
            None => Ok(crate::indicators::Definitions::builtin()),
            Some(path) => {
                let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
                    path: path.display().to_string(),
                    source,
                })?;
                crate::indicators::Definitions::parse(&text, &path.display().to_string()).map_err(
                    |e| ConfigError::Parse {
                        path: path.display().to_string(),
                        position: None,
                        message: e.to_string(),
                    },
                )
            }
        }
    }

    /// Parses configuration text; `origin` names it in errors.
    pub fn parse(text: &str, origin: &str) -> Result<Config, ConfigError> {
        let config: Config = toml::from_str(text).map_err(|e| ConfigError::Parse {
            path: origin.to_owned(),
            position: e.span().map(|span| line_column(text, span.start)),
            message: toml_message_es(e.message()),
        })?;
        config
            .schedule
            .validate()
            .map_err(|source| ConfigError::Schedule {
                path: origin.to_owned(),
                source,
            })?;
        // Addresses and alert settings are checked at load, not when the first alert is due.
        config.smtp.compile()?;
        config.alerts.compile()?;
        Ok(config)
    }

    /// The validated policy.
    pub fn policy(&self) -> Result<Policy, ConfigError> {
        Ok(Policy::from_config(&self.policy).map_err(EngineConfigError::from)?)
    }

    /// Builds every calendar and the policy, ready for evaluation.
    pub fn engine(&self) -> Result<Engine, ConfigError> {
        Ok(Engine::build_with(mesa_sla_core::engine::Sections {
            calendar: &self.calendar,
            calendars: &self.calendars,
            entities: &self.entities,
            policy: &self.policy,
            ola: &self.ola,
        })?)
    }
}

/// 1-based line and column (in characters) of a byte offset of `text`.
fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().unwrap_or("").chars().count() + 1;
    (line, column)
}

/// The TOML parser's and serde's English message in Spanish. Hand-written: neither crate has
/// translations; the forms are serde's fixed wording (`de::Error::unknown_field`,
/// `invalid_type`, `missing_field`, `unknown_variant`) and anything else is kept after a Spanish
/// lead-in.
fn toml_message_es(message: &str) -> String {
    let message = message.trim();
    let quoted =
        |s: &str| -> Vec<String> { s.split('`').skip(1).step_by(2).map(str::to_owned).collect() };
    let list = |rest: &str| {
        let names = quoted(rest);
        if names.is_empty() {
            "ninguno".to_owned()
        } else {
            names.join(", ")
        }
    };
    if let Some(rest) = message.strip_prefix("unknown field ") {
        let (name, valid) = rest.split_once(", expected").unwrap_or((rest, ""));
        return format!(
            "campo «{}» desconocido (campos válidos: {})",
            name.trim_matches('`'),
            list(valid)
        );
    }
    if let Some(rest) = message.strip_prefix("unknown variant ") {
        let (name, valid) = rest.split_once(", expected").unwrap_or((rest, ""));
        return format!(
            "valor «{}» desconocido (valores válidos: {})",
            name.trim_matches('`'),
            list(valid)
        );
    }
    if let Some(rest) = message.strip_prefix("missing field ") {
        return format!("falta el campo «{}»", rest.trim_matches('`'));
    }
    if let Some(rest) = message.strip_prefix("invalid type: ") {
        let (found, expected) = rest.split_once(", expected ").unwrap_or((rest, "?"));
        return format!(
            "tipo de valor inválido: se encontró {}, se esperaba {}",
            kind_es(found),
            kind_es(expected)
        );
    }
    if let Some(rest) = message.strip_prefix("invalid value: ") {
        let (found, expected) = rest.split_once(", expected ").unwrap_or((rest, "?"));
        return format!(
            "valor inválido: {}, se esperaba {}",
            kind_es(found),
            kind_es(expected)
        );
    }
    format!("sintaxis TOML inválida ({message})")
}

/// serde's names of value kinds in Spanish (`string "x"`, `a sequence`, `integer 3`…).
fn kind_es(text: &str) -> String {
    const KINDS: [(&str, &str); 12] = [
        ("string ", "el texto "),
        ("a string", "un texto"),
        ("a sequence", "una lista"),
        ("sequence", "una lista"),
        ("a map", "una tabla"),
        ("map", "una tabla"),
        ("integer ", "el entero "),
        ("an integer", "un entero"),
        ("floating point ", "el número "),
        ("a float", "un número"),
        ("boolean ", "el booleano "),
        ("a boolean", "un booleano"),
    ];
    for (en, es) in KINDS {
        if let Some(rest) = text.strip_prefix(en) {
            return format!("{es}{rest}");
        }
    }
    text.to_owned()
}

/// The named sections of the example configuration (`[name]` or `[[name]]`, commented or not,
/// each up to the next blank line) with their commented settings uncommented and the prose
/// comments dropped: what a user who enables those sections gets. For the tests of the modules
/// that document a section in the example.
#[cfg(test)]
pub(crate) fn example_sections(names: &[&str]) -> String {
    let is_header = |text: &str| {
        let name = text.trim_start_matches('[').trim_end_matches(']');
        text.starts_with('[') && names.contains(&name)
    };
    // A TOML line rather than prose: a table header or `key = value` with a plain key.
    let is_setting = |text: &str| {
        text.starts_with('[')
            || text.split_once(" = ").is_some_and(|(k, _)| {
                !k.is_empty() && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            })
    };
    let mut out = String::new();
    let mut inside = false;
    for line in EXAMPLE.lines() {
        let text = line.strip_prefix("# ").unwrap_or(line);
        if line.trim().is_empty() {
            inside = false;
        } else if is_header(text) {
            inside = true;
        }
        if inside && (line.starts_with("# ") && is_setting(text) || !line.starts_with('#')) {
            out.push_str(text);
            out.push('\n');
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schedule::{JobName, ScheduleConfig};

    #[test]
    fn the_example_parses_and_builds() {
        let cfg = Config::parse(EXAMPLE, "ejemplo").expect("example parses");
        let engine = cfg.engine().expect("example builds");
        assert!(!engine.policy.rules.is_empty());
    }

    #[test]
    fn the_examples_calendars_versions_and_ola_build_together() {
        let text = example_sections(&[
            "calendars.continuo",
            "policy.version",
            "policy.version.rule",
            "ola.levels",
            "ola.rule",
        ]);
        let engine = Config::parse(&text, "ejemplo")
            .expect("sections parse")
            .engine()
            .expect("sections build");
        assert_eq!(engine.versions.list.len(), 1, "{text}");
        assert_eq!(engine.calendars.names(), vec!["continuo".to_owned()]);
        assert!(!engine.ola.is_empty());
    }

    #[test]
    fn bad_values_give_spanish_errors() {
        let err = Config::parse("[calendar]\ntimezone = \"Marte/Olympus\"\n", "x")
            .expect("parses")
            .engine()
            .expect_err("unknown zone");
        assert!(
            err.to_string().contains("zona horaria desconocida"),
            "{err}"
        );
        let err = Config::parse("[calendario]\n", "x").expect_err("unknown section");
        assert!(
            err.to_string()
                .contains("x, línea 1, columna 2: campo «calendario» desconocido"),
            "{err}"
        );
        let err = Config::parse(
            "[calendar]\nhours = [{ days = [\"lunes\"], from = \"17:00\", to = \"08:00\" }]\n",
            "x",
        )
        .expect("parses")
        .engine()
        .expect_err("inverted hours");
        assert!(err.to_string().contains("franja horaria inválida"), "{err}");
    }

    // The sections owned by the feature modules, as the whole file reads them.

    #[test]
    fn defaults_schedule_everything_but_the_glpi_pull() {
        let cfg = Config::parse("", "x").expect("parses");
        assert_eq!(cfg.schedule, ScheduleConfig::default());
        let jobs: Vec<JobName> = cfg
            .schedule
            .triggers()
            .expect("valid")
            .into_iter()
            .map(|(j, _)| j)
            .collect();
        assert_eq!(
            jobs,
            [
                JobName::IngestFolder,
                JobName::Evaluate,
                JobName::Alerts,
                JobName::QuarterlyReport
            ]
        );
    }

    #[test]
    fn the_commented_schedule_example_sections_are_valid_when_uncommented() {
        // The `# [schedule]` and `# [ingest_folder]` blocks of `mesa-sla init`, uncommented.
        let text = example_sections(&["schedule", "ingest_folder"]);
        assert!(text.contains("quarterly_report"), "{text}");
        let cfg = Config::parse(&text, "ejemplo").expect("example sections parse");
        assert_eq!(cfg.schedule.glpi_sync.as_deref(), Some("*/30 * * * *"));
        assert_eq!(
            cfg.ingest_folder.path.as_deref(),
            Some(std::path::Path::new("entrada"))
        );
        assert_eq!(cfg.schedule.triggers().expect("valid").len(), 5);
    }

    #[test]
    fn bad_schedule_expressions_are_refused_at_load_naming_the_job() {
        let err = Config::parse("[schedule]\nevaluate = \"*/15 * * *\"\n", "conf.toml")
            .expect_err("four fields");
        let text = err.to_string();
        assert!(text.contains("conf.toml"), "{text}");
        assert!(
            text.contains("[schedule] evaluate = «*/15 * * *»: tiene 4 campo(s)"),
            "{text}"
        );
        let err = Config::parse("[schedule]\nquarterly_report = \"primer dia\"\n", "c")
            .expect_err("unknown words");
        assert!(err.to_string().contains("quarterly_report"), "{err}");
        let cfg = Config::parse(
            "[schedule]\nalerts = \"off\"\nglpi_sync = \"0 * * * *\"\n",
            "c",
        )
        .expect("valid");
        let jobs: Vec<JobName> = cfg
            .schedule
            .triggers()
            .expect("valid")
            .into_iter()
            .map(|(j, _)| j)
            .collect();
        assert!(jobs.contains(&JobName::GlpiSync) && !jobs.contains(&JobName::Alerts));
    }

    #[test]
    fn the_commented_alerts_example_is_valid_once_uncommented() {
        let example = EXAMPLE;
        let text = example_sections(&["smtp", "alerts", "alerts.route"]);
        let cfg = Config::parse(&text, "ejemplo").expect("parses");
        let smtp = cfg.smtp.compile().expect("valid").expect("configured");
        assert_eq!(
            (smtp.port, smtp.security),
            (587, crate::alerts::config::Security::StartTls)
        );
        assert_eq!(smtp.username.as_deref(), Some("ans@entidad.gov.co"));
        let a = cfg.alerts.compile().expect("valid");
        assert_eq!(a.routes.len(), 2);
        assert_eq!(
            a.daily_digest.map(|t| t.to_string()).as_deref(),
            Some("07:30:00")
        );
        assert_eq!(a.default_to.len(), 1);
        assert_eq!(a.retry_max, std::time::Duration::from_secs(3600));
        // As shipped (all commented but [alerts]), the example configures no server.
        let shipped = Config::parse(example, "ejemplo").expect("parses");
        assert!(shipped.smtp.compile().expect("valid").is_none());
        assert_eq!(shipped.alerts.compile().expect("valid").warn_at, 0.75);
    }

    #[test]
    fn the_commented_glpi_api_example_section_is_valid() {
        let section = example_sections(&["glpi_api"]);
        let cfg = Config::parse(&section, "ejemplo").expect("uncommented parses");
        assert_eq!(
            cfg.glpi_api.url.as_deref(),
            Some("https://mesa.entidad.gov.co/apirest.php")
        );
        assert_eq!(cfg.glpi_api.page_size, 500);
        assert!(cfg.glpi_api.ca_cert.is_some() && cfg.glpi_api.entity.is_some());
    }
}
