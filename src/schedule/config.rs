//! The `[schedule]` table: whether `serve` runs the scheduler, and the expression of each job,
//! validated when the configuration is loaded.

use serde::{Deserialize, Serialize};
use thiserror::Error;

use super::JobName;
use super::trigger::Trigger;

/// A `[schedule]` expression that does not parse.
#[derive(Debug, Error)]
#[error(
    "[schedule] {key} = «{expression}»: {reason}. Use una expresión cron de 5 campos \
     (p. ej. \"*/15 * * * *\"), \"first-business-day 07:00\" u \"off\""
)]
pub struct ScheduleError {
    pub key: &'static str,
    pub expression: String,
    pub reason: String,
}

fn yes() -> bool {
    true
}
fn default_evaluate() -> Option<String> {
    Some("*/15 * * * *".into())
}
fn default_alerts() -> Option<String> {
    Some("*/10 7-18 * * 1-5".into())
}
fn default_ingest_folder() -> Option<String> {
    Some("*/5 * * * *".into())
}
fn default_quarterly_report() -> Option<String> {
    Some("first-business-day 07:00".into())
}

/// `[schedule]`: one expression per job (`"off"` or absent for `glpi_sync`: the job does not
/// run). See [`super::trigger`] for the syntax.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScheduleConfig {
    /// Whether `serve` starts the scheduler (default true).
    #[serde(default = "yes")]
    pub enabled: bool,
    #[serde(default = "default_ingest_folder")]
    pub ingest_folder: Option<String>,
    /// No default: the GLPI API pull runs only when given an expression.
    #[serde(default)]
    pub glpi_sync: Option<String>,
    #[serde(default = "default_evaluate")]
    pub evaluate: Option<String>,
    #[serde(default = "default_alerts")]
    pub alerts: Option<String>,
    #[serde(default = "default_quarterly_report")]
    pub quarterly_report: Option<String>,
}

impl Default for ScheduleConfig {
    fn default() -> Self {
        ScheduleConfig {
            enabled: true,
            ingest_folder: default_ingest_folder(),
            glpi_sync: None,
            evaluate: default_evaluate(),
            alerts: default_alerts(),
            quarterly_report: default_quarterly_report(),
        }
    }
}

impl ScheduleConfig {
    /// The expression configured for a job, as written.
    pub fn expression(&self, job: JobName) -> Option<&str> {
        match job {
            JobName::IngestFolder => self.ingest_folder.as_deref(),
            JobName::GlpiSync => self.glpi_sync.as_deref(),
            JobName::Evaluate => self.evaluate.as_deref(),
            JobName::Alerts => self.alerts.as_deref(),
            JobName::QuarterlyReport => self.quarterly_report.as_deref(),
        }
    }

    /// The trigger of every job that has one (jobs `"off"` are left out).
    pub fn triggers(&self) -> Result<Vec<(JobName, Trigger)>, ScheduleError> {
        let mut out = Vec::new();
        for job in JobName::ALL {
            let Some(text) = self.expression(job) else {
                continue;
            };
            let trigger = Trigger::parse(text).map_err(|reason| ScheduleError {
                key: job.config_key(),
                expression: text.to_owned(),
                reason,
            })?;
            if let Some(t) = trigger {
                out.push((job, t));
            }
        }
        Ok(out)
    }

    /// Checks every expression (at configuration load).
    pub fn validate(&self) -> Result<(), ScheduleError> {
        self.triggers().map(drop)
    }
}
