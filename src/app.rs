//! The composition root: what wires the store and the whole configuration together for
//! `serve` and `run-job` — the real job runner ([`StoreJobs`], each job on a connection of its
//! own, given only its configuration sections), the scheduler on those jobs, and the web state.
//! Features never see [`Config`]; this module hands each its section.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use chrono::{NaiveDateTime, Utc};

use crate::calendar::Calendar;
use crate::config::{Config, ConfigError};
use crate::engine::Engine;
use crate::evaluation::{EvaluationSummary, evaluate_store};
use crate::indicators::{Definitions, fmt_count, fmt_number};
use crate::ingest::glpi_api::{self, GlpiApiError};
use crate::report::{ReportTarget, write_reports};
use crate::schedule::{JobError, JobName, JobRunner, Scheduler, ingest_folder};
use crate::store::Store;
use crate::store::indicators::entities_in;

/// Runs the jobs against a store with a configuration.
pub struct StoreJobs {
    /// The base connection; every run works on a clone of it (DuckDB connections are not
    /// shared between threads).
    store: Mutex<Store>,
    config: Config,
    engine: Engine,
    definitions: Definitions,
}

/// The machine's wall clock, for bookkeeping columns (`computed_at`), like the ingest runs'
/// `started_at`/`finished_at`: comparing the two tells whether results are older than the data.
pub fn wall_clock() -> NaiveDateTime {
    chrono::Local::now().naive_local()
}

/// Now, as the local wall-clock time of the default calendar.
pub fn now_local(engine: &Engine) -> NaiveDateTime {
    engine.default.local_from_instant(Utc::now().timestamp())
}

impl StoreJobs {
    /// Builds the calendars, the policy and the indicator definitions once; a broken
    /// configuration fails here rather than at the first run.
    pub fn new(store: Store, config: Config) -> Result<StoreJobs, ConfigError> {
        let engine = config.engine()?;
        let definitions = config.definitions()?;
        Ok(StoreJobs {
            store: Mutex::new(store),
            config,
            engine,
            definitions,
        })
    }

    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// The default calendar: the schedule's time zone and business days.
    pub fn calendar(&self) -> Arc<Calendar> {
        self.engine.default.clone()
    }

    fn connection(&self) -> Result<Store, JobError> {
        let base = self.store.lock().unwrap_or_else(|e| e.into_inner());
        Ok(base.try_clone()?)
    }

    fn evaluate(&self, as_of: NaiveDateTime) -> Result<String, JobError> {
        let mut store = self.connection()?;
        let s = evaluate_store(&mut store, &self.engine, as_of, wall_clock())?;
        Ok(evaluation_line(&s, as_of))
    }

    /// The report of the last quarter complete at `as_of`, for every entity with cases in it,
    /// after evaluating at `as_of` (so that a run by hand with `--as-of` is reproducible).
    fn quarterly_report(&self, as_of: NaiveDateTime) -> Result<String, JobError> {
        let mut store = self.connection()?;
        let quarter = crate::report::default_quarter(Some(as_of), as_of);
        if store.counts()?.tickets == 0 {
            return Ok(format!(
                "la base no tiene casos: no se escribió el informe del {quarter}"
            ));
        }
        evaluate_store(&mut store, &self.engine, as_of, wall_clock())?;
        let entities = entities_in(&store, quarter)?;
        if entities.is_empty() {
            return Ok(format!(
                "no hay casos creados ni solucionados en el {quarter}: no se escribió ningún informe"
            ));
        }
        let dir = self
            .config
            .report
            .output_dir
            .clone()
            .unwrap_or_else(|| PathBuf::from("informes"));
        let target = ReportTarget {
            dir: &dir,
            glpi_base_url: self.config.glpi_base_url.as_deref(),
        };
        let files = write_reports(
            &store,
            &self.engine,
            &self.definitions,
            quarter,
            &entities,
            &target,
            |_| {},
        )?;
        let cases: usize = files.iter().map(|f| f.cases).sum();
        let breaches: usize = files.iter().map(|f| f.breaches).sum();
        Ok(format!(
            "Informe del {quarter} ({}) escrito en {} para {} entidad(es): {} casos, {} \
             incumplimientos.",
            quarter.name_es(),
            dir.display(),
            files.len(),
            fmt_count(cases as u64),
            fmt_count(breaches as u64)
        ))
    }

    fn ingest_folder(&self) -> Result<String, JobError> {
        let mut store = self.connection()?;
        let summary = ingest_folder(
            &mut store,
            &self.config.ingest_folder,
            &self.config.dexon,
            SystemTime::now(),
        )?;
        Ok(summary.to_string())
    }

    fn alerts(&self, as_of: NaiveDateTime) -> Result<String, JobError> {
        let mut store = self.connection()?;
        let c = &self.config;
        let summary = crate::alerts::run(
            &mut store,
            &self.engine,
            &c.alerts,
            &c.smtp,
            c.glpi_base_url.as_deref(),
            as_of,
        );
        match summary {
            Ok(summary) => Ok(summary.to_string()),
            // Expected without [smtp]: recorded as `skipped`, its message saying what waits.
            Err(e @ crate::alerts::AlertsError::NoServer { .. }) => {
                Err(JobError::NotConfigured(e.to_string()))
            }
            Err(e) => Err(e.into()),
        }
    }

    fn glpi_sync(&self) -> Result<String, JobError> {
        match glpi_api::sync(&mut self.connection()?, &self.config.glpi_api) {
            Ok(summary) => Ok(summary.to_string()),
            Err(e @ GlpiApiError::NotConfigured(_)) => Err(JobError::NotConfigured(e.to_string())),
            Err(e) => Err(e.into()),
        }
    }
}

/// One line of an evaluation's figures.
fn evaluation_line(s: &EvaluationSummary, as_of: NaiveDateTime) -> String {
    // states[metric] = [met, breached, running, at_risk, no_target]
    let [a, r] = s.states;
    format!(
        "Evaluados {} casos al {}: atención {} cumplidos, {} incumplidos, {} en riesgo; solución \
         {} cumplidos, {} incumplidos, {} en riesgo ({} s).",
        fmt_count(s.tickets as u64),
        as_of.format("%Y-%m-%d %H:%M:%S"),
        fmt_count(a[0] as u64),
        fmt_count(a[1] as u64),
        fmt_count(a[3] as u64),
        fmt_count(r[0] as u64),
        fmt_count(r[1] as u64),
        fmt_count(r[3] as u64),
        fmt_number(s.elapsed.as_secs_f64(), 1)
    )
}

impl JobRunner for StoreJobs {
    fn run(&self, job: JobName, as_of: NaiveDateTime) -> Result<String, JobError> {
        // Every job writes (results, tickets, the outbox): one writer at a time with the
        // server's API, whose store shares the lock.
        let writer = self
            .store
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .write_lock();
        let _one_writer = writer.hold();
        self.run_job(job, as_of)
    }

    fn unavailable(&self, job: JobName) -> Option<String> {
        match job {
            JobName::IngestFolder if self.config.ingest_folder.path.is_none() => {
                Some("no hay carpeta de entrada ([ingest_folder] path)".into())
            }
            JobName::Alerts if self.config.smtp.host.is_none() => {
                Some("el servidor de correo no está configurado ([smtp] host)".into())
            }
            JobName::GlpiSync if self.config.glpi_api.url.is_none() => {
                Some("la API de GLPI no está configurada ([glpi_api] url)".into())
            }
            _ => None,
        }
    }
}

impl StoreJobs {
    /// One job, run by [`JobRunner::run`] as the one writer.
    fn run_job(&self, job: JobName, as_of: NaiveDateTime) -> Result<String, JobError> {
        match job {
            JobName::Evaluate => self.evaluate(as_of),
            JobName::QuarterlyReport => self.quarterly_report(as_of),
            JobName::IngestFolder => self.ingest_folder(),
            JobName::Alerts => self.alerts(as_of),
            JobName::GlpiSync => self.glpi_sync(),
        }
    }
}

/// The scheduler of `serve` on the real jobs, when `[schedule] enabled`; prints what will run.
pub fn start_scheduler(store: &Store, config: &Config) -> anyhow::Result<Option<Scheduler>> {
    use crate::schedule::{SystemClock, close_interrupted};
    if !config.schedule.enabled {
        println!("Trabajos programados desactivados ([schedule] enabled = false).");
        return Ok(None);
    }
    let jobs = StoreJobs::new(store.try_clone()?, config.clone())?;
    let calendar = jobs.calendar();
    let closed = close_interrupted(store, now_local(jobs.engine()))?;
    if closed > 0 {
        println!(
            "{closed} trabajo(s) interrumpido(s) por una parada anterior quedan registrados como error."
        );
    }
    let plan = Scheduler::plan(&config.schedule, &jobs)?;
    let scheduler = Scheduler::new(
        plan.jobs,
        calendar.clone(),
        Arc::new(jobs),
        store.try_clone()?,
        Arc::new(SystemClock),
    );
    println!(
        "Trabajos programados (zona {}):",
        calendar.spec().timezone()
    );
    for (job, expr, next) in scheduler.upcoming() {
        let next = next.map_or("nunca".into(), |t| t.format("%Y-%m-%d %H:%M").to_string());
        println!("  {job:<17} {expr:<26} próxima: {next}");
    }
    for (job, why) in plan.left_out {
        println!("  {job:<17} no se ejecuta: {why}");
    }
    Ok(Some(scheduler))
}

/// The state of the dashboard and API: the engine, the indicator definitions, `[web]` and the
/// GLPI base URL, over `store`.
pub fn web_state(store: Store, config: &Config) -> anyhow::Result<crate::web::AppState> {
    Ok(crate::web::AppState::new(
        store,
        config.engine()?,
        config.definitions()?,
        config.web.clone(),
        config.glpi_base_url.clone(),
    )?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_job_line_writes_numbers_the_colombian_way() {
        let summary = EvaluationSummary {
            tickets: 1_234_567,
            events: 9,
            states: [[1_000, 2, 3, 4_500, 0], [12_345, 6, 7, 8, 0]],
            no_history: 0,
            versions: Vec::new(),
            before_first_version: 0,
            elapsed: std::time::Duration::from_millis(2_340),
        };
        let at = chrono::NaiveDate::from_ymd_opt(2025, 12, 31)
            .and_then(|d| d.and_hms_opt(23, 59, 59))
            .expect("instant");
        assert_eq!(
            evaluation_line(&summary, at),
            "Evaluados 1.234.567 casos al 2025-12-31 23:59:59: atención 1.000 cumplidos, 2 \
             incumplidos, 4.500 en riesgo; solución 12.345 cumplidos, 6 incumplidos, 8 en riesgo \
             (2,3 s)."
        );
    }
}
