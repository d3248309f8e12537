//! The scheduler: the next firing instant of each job, [`Scheduler::tick`] that starts the due
//! ones in the blocking pool, and the loop that `serve` runs between ticks.
//!
//! Rules: a due job starts once even if several of its instants passed while the process was
//! busy or asleep (no catch-up burst); a job never overlaps itself — when it is due while its
//! previous run is still going, a `skipped` run is recorded with the reason, so the gap is
//! visible in `job_runs`; a job that fails or panics is recorded as `error` and the others, and
//! the loop, carry on.

use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, NaiveDateTime, SubsecRound, Utc};
use chrono_tz::Tz;
use tokio::task::JoinHandle;

use super::clock::{Clock, Sleeper};
use super::config::{ScheduleConfig, ScheduleError};
use super::trigger::Trigger;
use super::{
    JobName, JobRunner, Outcome, RunReport, RunTrigger, record_skipped, run_caught, run_recorded,
};
use crate::calendar::Calendar;
use crate::store::Store;

/// The loop wakes at least this often, so that a clock change (suspend, NTP) is noticed.
const MAX_SLEEP: Duration = Duration::from_secs(60);

/// A job and when it fires.
#[derive(Debug, Clone)]
pub struct Planned {
    pub job: JobName,
    pub trigger: Trigger,
}

/// What the configuration schedules.
#[derive(Debug, Clone, Default)]
pub struct Plan {
    pub jobs: Vec<Planned>,
    /// Jobs with an expression that cannot run with this configuration, and why.
    pub left_out: Vec<(JobName, String)>,
}

struct Entry {
    job: JobName,
    trigger: Trigger,
    next: Option<DateTime<Tz>>,
    /// The `as_of` of the run in progress, if any.
    running: Arc<Mutex<Option<NaiveDateTime>>>,
}

/// Clears the "running" mark of a job when its blocking task ends, however it ends.
struct RunningGuard(Arc<Mutex<Option<NaiveDateTime>>>);

impl Drop for RunningGuard {
    fn drop(&mut self) {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = None;
    }
}

/// Counts the blocking tasks a scheduler has started and that have not ended yet.
#[derive(Debug, Clone, Default)]
pub struct InFlight(Arc<AtomicUsize>);

impl InFlight {
    /// Runs (and `skipped` records) started and not yet finished.
    pub fn count(&self) -> usize {
        self.0.load(Ordering::SeqCst)
    }

    fn enter(&self) -> InFlightGuard {
        self.0.fetch_add(1, Ordering::SeqCst);
        InFlightGuard(self.0.clone())
    }
}

struct InFlightGuard(Arc<AtomicUsize>);

impl Drop for InFlightGuard {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

pub struct Scheduler {
    entries: Vec<Entry>,
    in_flight: InFlight,
    calendar: Arc<Calendar>,
    tz: Tz,
    runner: Arc<dyn JobRunner>,
    /// Connection for `job_runs`; every task records on a clone.
    log: Arc<Mutex<Store>>,
    clock: Arc<dyn Clock>,
}

impl Scheduler {
    /// The jobs of the configuration that have an expression and that the runner can run, and
    /// the ones left out with the reason.
    pub fn plan(config: &ScheduleConfig, runner: &dyn JobRunner) -> Result<Plan, ScheduleError> {
        let mut plan = Plan::default();
        for (job, trigger) in config.triggers()? {
            match runner.unavailable(job) {
                Some(why) => plan.left_out.push((job, why)),
                None => plan.jobs.push(Planned { job, trigger }),
            }
        }
        Ok(plan)
    }

    /// A scheduler whose first firings are the first instants after the clock's now, in the
    /// calendar's time zone.
    pub fn new(
        plan: Vec<Planned>,
        calendar: Arc<Calendar>,
        runner: Arc<dyn JobRunner>,
        log: Store,
        clock: Arc<dyn Clock>,
    ) -> Scheduler {
        let tz = calendar.spec().timezone();
        let now = clock.now().with_timezone(&tz);
        let entries = plan
            .into_iter()
            .map(|p| Entry {
                next: p.trigger.next_after(&now, &calendar),
                job: p.job,
                trigger: p.trigger,
                running: Arc::new(Mutex::new(None)),
            })
            .collect();
        Scheduler {
            entries,
            in_flight: InFlight::default(),
            calendar,
            tz,
            runner,
            log: Arc::new(Mutex::new(log)),
            clock,
        }
    }

    /// Each job with its expression and next firing (local time of the calendar).
    pub fn upcoming(&self) -> Vec<(JobName, String, Option<NaiveDateTime>)> {
        self.entries
            .iter()
            .map(|e| {
                (
                    e.job,
                    e.trigger.source().to_owned(),
                    e.next.map(|t| t.naive_local()),
                )
            })
            .collect()
    }

    /// A handle on the number of runs in progress (for health checks and tests).
    pub fn in_flight(&self) -> InFlight {
        self.in_flight.clone()
    }

    /// The earliest next firing of any job.
    pub fn next_due(&self) -> Option<DateTime<Utc>> {
        self.entries
            .iter()
            .filter_map(|e| e.next)
            .min()
            .map(|t| t.with_timezone(&Utc))
    }

    fn local_now(&self) -> NaiveDateTime {
        self.clock
            .now()
            .with_timezone(&self.tz)
            .naive_local()
            .trunc_subsecs(0)
    }

    /// Starts every job due at the clock's now in the blocking pool (must be called inside a
    /// tokio runtime) and moves it to its next firing. The handles end with each run's record;
    /// the loop drops them, tests await them.
    pub fn tick(&mut self) -> Vec<JoinHandle<RunReport>> {
        let now = self.clock.now().with_timezone(&self.tz);
        let as_of = now.naive_local().trunc_subsecs(0);
        let mut handles = Vec::new();
        for entry in &mut self.entries {
            if entry.next.is_none_or(|next| next > now) {
                continue;
            }
            entry.next = entry.trigger.next_after(&now, &self.calendar);
            let job = entry.job;
            let log = self.log.clone();
            let clock = self.clock.clone();
            let tz = self.tz;
            let local_now = move || {
                clock
                    .now()
                    .with_timezone(&tz)
                    .naive_local()
                    .trunc_subsecs(0)
            };
            let mut running = entry.running.lock().unwrap_or_else(|e| e.into_inner());
            if let Some(since) = *running {
                let message = format!(
                    "omitido: la ejecución anterior de «{job}» (del {}) sigue en curso",
                    since.format("%Y-%m-%d %H:%M:%S")
                );
                tracing::warn!(%job, "{message}");
                let counted = self.in_flight.enter();
                handles.push(tokio::task::spawn_blocking(move || {
                    let _counted = counted;
                    let id = clone_log(&log).and_then(|log| {
                        record_skipped(
                            &log,
                            job,
                            as_of,
                            RunTrigger::Schedule,
                            local_now(),
                            &message,
                        )
                        .map_err(|e| tracing::error!(%job, "no se pudo registrar: {e}"))
                        .ok()
                    });
                    RunReport {
                        job,
                        id,
                        outcome: Outcome::Skipped,
                        message,
                    }
                }));
                continue;
            }
            *running = Some(as_of);
            drop(running);
            let guard = RunningGuard(entry.running.clone());
            let runner = self.runner.clone();
            let counted = self.in_flight.enter();
            handles.push(tokio::task::spawn_blocking(move || {
                // Dropped in this order when the run ends: the job is free again, then counted out.
                let _counted = counted;
                let _guard = guard;
                match clone_log(&log) {
                    Some(log) => run_recorded(
                        &log,
                        runner.as_ref(),
                        job,
                        as_of,
                        RunTrigger::Schedule,
                        &local_now,
                    ),
                    // Without a connection the run cannot be recorded; it still runs.
                    None => {
                        let (outcome, message) = run_caught(runner.as_ref(), job, as_of);
                        RunReport {
                            job,
                            id: None,
                            outcome,
                            message,
                        }
                    }
                }
            }));
        }
        handles
    }

    /// Ticks whenever a job is due until `shutdown` completes, sleeping in between through
    /// `sleeper` (at most a minute at a time). Runs are not awaited: a long job never delays
    /// the others.
    pub async fn run(mut self, sleeper: Arc<dyn Sleeper>, shutdown: impl Future<Output = ()>) {
        tokio::pin!(shutdown);
        for (job, expr, next) in self.upcoming() {
            tracing::info!(%job, %expr, next = ?next, "trabajo programado");
        }
        loop {
            drop(self.tick());
            let wait = self
                .next_due()
                .map_or(MAX_SLEEP, |t| {
                    (t - self.clock.now()).to_std().unwrap_or(Duration::ZERO)
                })
                .min(MAX_SLEEP);
            tokio::select! {
                _ = &mut shutdown => break,
                _ = sleeper.sleep(wait) => {}
            }
        }
        tracing::info!(at = %self.local_now(), "programador detenido");
    }
}

fn clone_log(log: &Mutex<Store>) -> Option<Store> {
    log.lock()
        .unwrap_or_else(|e| e.into_inner())
        .try_clone()
        .map_err(|e| tracing::error!("sin conexión para registrar el trabajo: {e}"))
        .ok()
}
