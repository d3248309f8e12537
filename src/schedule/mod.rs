//! Scheduled jobs (design §10): their names, the runner that executes one, the `job_runs` record
//! of every run, the triggers (cron expressions or "first business day"), and the scheduler that
//! `serve` starts next to the web server.
//!
//! The pieces are separate so that tests drive them without real time: a [`Clock`] gives "now",
//! [`Scheduler::tick`] runs whatever is due at that instant, and the loop only sleeps between
//! ticks through a [`Sleeper`]. The jobs themselves run through a [`JobRunner`]; the
//! application's runner, wired from the configuration, is `app::StoreJobs`.

mod clock;
mod config;
mod folder;
mod scheduler;
mod trigger;

use std::fmt;
use std::panic::AssertUnwindSafe;
use std::str::FromStr;

use chrono::NaiveDateTime;
use thiserror::Error;

use crate::alerts::AlertsError;
use crate::ingest::IngestError;
use crate::ingest::glpi_api::GlpiApiError;
use crate::report::ReportError;
use crate::store::job_runs::JobRunRow;
use crate::store::{Store, StoreError};

pub use clock::{BoxFuture, Clock, ManualClock, Sleeper, SystemClock, TokioSleeper};
pub use config::{ScheduleConfig, ScheduleError};
pub use folder::{FolderDateFormat, FolderSummary, IngestFolderConfig, ingest_folder};
pub use scheduler::{InFlight, Plan, Planned, Scheduler};
pub use trigger::{Period, Trigger};

/// The jobs the scheduler knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum JobName {
    IngestFolder,
    GlpiSync,
    Evaluate,
    Alerts,
    QuarterlyReport,
}

impl JobName {
    /// Every job, in the order they are listed to users.
    pub const ALL: [JobName; 5] = [
        JobName::IngestFolder,
        JobName::GlpiSync,
        JobName::Evaluate,
        JobName::Alerts,
        JobName::QuarterlyReport,
    ];

    /// The name used on the command line, in the configuration (with `_`) and in `job_runs`.
    pub fn as_str(self) -> &'static str {
        match self {
            JobName::IngestFolder => "ingest-folder",
            JobName::GlpiSync => "glpi-sync",
            JobName::Evaluate => "evaluate",
            JobName::Alerts => "alerts",
            JobName::QuarterlyReport => "quarterly-report",
        }
    }

    /// The key of the job in `[schedule]` (TOML keys use `_`).
    pub fn config_key(self) -> &'static str {
        match self {
            JobName::IngestFolder => "ingest_folder",
            JobName::GlpiSync => "glpi_sync",
            JobName::Evaluate => "evaluate",
            JobName::Alerts => "alerts",
            JobName::QuarterlyReport => "quarterly_report",
        }
    }

    fn names() -> String {
        JobName::ALL.map(JobName::as_str).join(", ")
    }
}

impl fmt::Display for JobName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // `pad` honours width and alignment (`{job:<17}` in tables).
        f.pad(self.as_str())
    }
}

impl FromStr for JobName {
    type Err = JobError;

    /// Accepts the command-line name and, for convenience, the configuration key.
    fn from_str(s: &str) -> Result<JobName, JobError> {
        let wanted = s.trim().to_ascii_lowercase();
        JobName::ALL
            .into_iter()
            .find(|j| j.as_str() == wanted || j.config_key() == wanted)
            .ok_or_else(|| JobError::UnknownJob(s.to_owned()))
    }
}

/// Why a job did not complete.
#[derive(Debug, Error)]
pub enum JobError {
    #[error("trabajo «{0}» desconocido; los trabajos son: {names}", names = JobName::names())]
    UnknownJob(String),
    /// The job cannot run with this configuration: recorded as `skipped`, not as a failure.
    #[error("{0}")]
    NotConfigured(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Ingest(#[from] IngestError),
    #[error(transparent)]
    Report(#[from] ReportError),
    #[error(transparent)]
    Alerts(#[from] AlertsError),
    #[error(transparent)]
    GlpiApi(#[from] GlpiApiError),
    #[error("no se pudo {action} {path}: {source}")]
    Io {
        action: &'static str,
        path: String,
        source: std::io::Error,
    },
    /// The error of a runner other than the application's (another [`JobRunner`]
    /// implementation), with its causes.
    #[error(transparent)]
    Other(Box<dyn std::error::Error + Send + Sync>),
    #[error("el trabajo terminó de forma inesperada (pánico): {0}")]
    Panicked(String),
}

/// Runs one job, blocking. Implementations must be shareable across the blocking pool.
pub trait JobRunner: Send + Sync {
    /// Runs `job` for the instant `as_of` (local time of the calendar) and returns a one-line
    /// Spanish summary, stored in `job_runs.message`.
    fn run(&self, job: JobName, as_of: NaiveDateTime) -> Result<String, JobError>;

    /// Why `job` cannot run with this configuration (the scheduler leaves it out and says so);
    /// `None` when it can.
    fn unavailable(&self, _job: JobName) -> Option<String> {
        None
    }
}

/// Who started a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunTrigger {
    Schedule,
    Manual,
}

impl RunTrigger {
    pub fn as_str(self) -> &'static str {
        match self {
            RunTrigger::Schedule => "schedule",
            RunTrigger::Manual => "manual",
        }
    }
}

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Ok,
    Error,
    /// Not run: the previous run was still going, or the job is not configured.
    Skipped,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Ok => "ok",
            Outcome::Error => "error",
            Outcome::Skipped => "skipped",
        }
    }

    fn parse(text: &str) -> Option<Outcome> {
        match text {
            "ok" => Some(Outcome::Ok),
            "error" => Some(Outcome::Error),
            "skipped" => Some(Outcome::Skipped),
            _ => None,
        }
    }
}

/// What a run did, as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunReport {
    pub job: JobName,
    /// The `job_runs` row, when it could be written.
    pub id: Option<i64>,
    pub outcome: Outcome,
    pub message: String,
}

/// A row of `job_runs`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobRun {
    pub id: i64,
    pub job: String,
    pub trigger: String,
    pub as_of: NaiveDateTime,
    pub started_at: NaiveDateTime,
    pub finished_at: Option<NaiveDateTime>,
    pub outcome: Option<Outcome>,
    pub message: Option<String>,
}

impl From<JobRunRow> for JobRun {
    fn from(r: JobRunRow) -> JobRun {
        JobRun {
            id: r.id,
            job: r.job,
            trigger: r.trigger,
            as_of: r.as_of,
            started_at: r.started_at,
            finished_at: r.finished_at,
            outcome: r.outcome.as_deref().and_then(Outcome::parse),
            message: r.message,
        }
    }
}

/// The text of a panic payload.
fn panic_text(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "sin descripción".into())
}

/// Runs `job`, catching a panic: the outcome and the message to record. A job that is not
/// configured is `skipped`, not an error.
fn run_caught(runner: &dyn JobRunner, job: JobName, as_of: NaiveDateTime) -> (Outcome, String) {
    let result = std::panic::catch_unwind(AssertUnwindSafe(|| runner.run(job, as_of)))
        .unwrap_or_else(|payload| Err(JobError::Panicked(panic_text(payload.as_ref()))));
    let (outcome, message) = match result {
        Ok(summary) => (Outcome::Ok, summary),
        Err(JobError::NotConfigured(why)) => (Outcome::Skipped, why),
        Err(e) => (Outcome::Error, e.to_string()),
    };
    match outcome {
        Outcome::Error => tracing::error!(%job, "trabajo fallido: {message}"),
        _ => tracing::info!(%job, outcome = outcome.as_str(), "{message}"),
    }
    (outcome, message)
}

/// Runs `job` through `runner` and records it in `job_runs` on the `log` connection: the start
/// row first, then the outcome — also when the job fails or panics (the panic is caught here and
/// becomes an `error` run). `now` gives the local wall-clock time for `started_at` and
/// `finished_at`. A failure to write the record is logged and does not stop the job.
pub fn run_recorded(
    log: &Store,
    runner: &dyn JobRunner,
    job: JobName,
    as_of: NaiveDateTime,
    trigger: RunTrigger,
    now: &dyn Fn() -> NaiveDateTime,
) -> RunReport {
    let id = log
        .job_runs()
        .start(job.as_str(), trigger.as_str(), as_of, now())
        .map_err(|e| tracing::error!(%job, "no se pudo registrar el inicio del trabajo: {e}"))
        .ok();
    tracing::info!(%job, %as_of, trigger = trigger.as_str(), "trabajo iniciado");
    let (outcome, message) = run_caught(runner, job, as_of);
    if let Some(id) = id {
        let finished = log.job_runs().finish(id, now(), outcome.as_str(), &message);
        if let Err(e) = finished {
            tracing::error!(%job, "no se pudo registrar el final del trabajo: {e}");
        }
    }
    RunReport {
        job,
        id,
        outcome,
        message,
    }
}

/// Records a run that was not started, whole (`skipped`).
pub fn record_skipped(
    log: &Store,
    job: JobName,
    as_of: NaiveDateTime,
    trigger: RunTrigger,
    at: NaiveDateTime,
    message: &str,
) -> Result<i64, StoreError> {
    log.job_runs()
        .skipped(job.as_str(), trigger.as_str(), as_of, at, message)
}

/// Closes runs left unfinished by a stopped process (as `error`); returns how many.
pub fn close_interrupted(store: &Store, at: NaiveDateTime) -> Result<usize, StoreError> {
    store.job_runs().close_unfinished(
        at,
        "interrumpido: el proceso terminó antes de que el trabajo acabara",
    )
}

/// The latest `limit` job runs, most recent first.
pub fn recent_runs(store: &Store, limit: usize) -> Result<Vec<JobRun>, StoreError> {
    Ok(store
        .job_runs()
        .recent(limit)?
        .into_iter()
        .map(JobRun::from)
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn job_names_round_trip_and_unknown_names_list_the_valid_ones() {
        for job in JobName::ALL {
            assert_eq!(job.as_str().parse::<JobName>().expect("parses"), job);
            assert_eq!(job.config_key().parse::<JobName>().expect("parses"), job);
            assert_eq!(job.to_string(), job.as_str());
        }
        let err = "limpiar".parse::<JobName>().expect_err("unknown");
        assert_eq!(
            err.to_string(),
            "trabajo «limpiar» desconocido; los trabajos son: ingest-folder, glpi-sync, \
             evaluate, alerts, quarterly-report"
        );
    }

    struct Fixed(fn() -> Result<String, JobError>);

    impl JobRunner for Fixed {
        fn run(&self, _job: JobName, _as_of: NaiveDateTime) -> Result<String, JobError> {
            (self.0)()
        }
    }

    fn at(text: &str) -> NaiveDateTime {
        crate::ingest::parse_datetime(text).expect("date")
    }

    #[test]
    fn every_run_is_recorded_with_its_outcome() {
        let store = Store::open_in_memory().expect("store");
        let now = || at("2026-03-02 08:15:00");
        let ok = Fixed(|| Ok("todo bien".into()));
        let failing = Fixed(|| Err(JobError::Other("el servidor no responde".into())));
        let off = Fixed(|| Err(JobError::NotConfigured("sin carpeta".into())));
        let panicking = Fixed(|| panic!("índice fuera de rango"));
        let as_of = at("2026-03-02 08:15:00");
        let reports: Vec<RunReport> = [&ok, &failing, &off, &panicking]
            .into_iter()
            .map(|r| {
                run_recorded(
                    &store,
                    r,
                    JobName::Evaluate,
                    as_of,
                    RunTrigger::Manual,
                    &now,
                )
            })
            .collect();
        let outcomes: Vec<Outcome> = reports.iter().map(|r| r.outcome).collect();
        assert_eq!(
            outcomes,
            [
                Outcome::Ok,
                Outcome::Error,
                Outcome::Skipped,
                Outcome::Error
            ]
        );
        assert!(
            reports[3].message.contains("pánico") && reports[3].message.contains("índice"),
            "{}",
            reports[3].message
        );
        let mut runs = recent_runs(&store, 10).expect("runs");
        runs.reverse();
        assert_eq!(runs.len(), 4);
        for (run, report) in runs.iter().zip(&reports) {
            assert_eq!(Some(run.id), report.id);
            assert_eq!(run.job, "evaluate");
            assert_eq!(run.trigger, "manual");
            assert_eq!(run.as_of, as_of);
            assert_eq!(run.finished_at, Some(now()));
            assert_eq!(run.outcome, Some(report.outcome));
            assert_eq!(run.message.as_deref(), Some(report.message.as_str()));
        }
    }

    #[test]
    fn unfinished_runs_are_closed_as_interrupted() {
        let store = Store::open_in_memory().expect("store");
        let t = at("2026-03-02 08:15:00");
        store
            .job_runs()
            .start("evaluate", "schedule", t, t)
            .expect("insert");
        record_skipped(
            &store,
            JobName::Alerts,
            t,
            RunTrigger::Schedule,
            t,
            "ocupado",
        )
        .expect("skipped");
        assert_eq!(close_interrupted(&store, t).expect("close"), 1);
        let runs = recent_runs(&store, 10).expect("runs");
        assert_eq!(runs[0].outcome, Some(Outcome::Skipped));
        assert_eq!(runs[1].outcome, Some(Outcome::Error));
        assert!(
            runs[1]
                .message
                .as_deref()
                .is_some_and(|m| m.contains("interrumpido"))
        );
    }
}
