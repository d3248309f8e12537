//! The scheduler with an injected clock (cron timing, the quarterly report on the first business
//! day, no overlap, failure isolation, the loop itself), the `job_runs` record, the
//! `ingest-folder` job on the samples, and `run-job` through the binary.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration as StdDuration, SystemTime};

use chrono::{DateTime, Duration, NaiveDateTime, TimeZone, Utc};
use mesa_sla::app::StoreJobs;
use mesa_sla::config::Config;
use mesa_sla::ingest;
use mesa_sla::schedule::{
    BoxFuture, Clock, IngestFolderConfig, JobError, JobName, JobRun, JobRunner, ManualClock,
    Outcome, Planned, RunReport, Scheduler, Sleeper, Trigger, ingest_folder, recent_runs,
};
use mesa_sla::store::Store;

use crate::helpers::{assert_reproduces, fixtures, run, sample_config, stderr, stdout};

fn local(text: &str) -> NaiveDateTime {
    ingest::parse_datetime(text).expect("date")
}

/// A Bogotá wall-clock time as an instant.
fn bogota(text: &str) -> DateTime<Utc> {
    chrono_tz::America::Bogota
        .from_local_datetime(&local(text))
        .single()
        .expect("unique")
        .with_timezone(&Utc)
}

/// A job runner that records its calls and fails, panics or waits as told.
#[derive(Default)]
struct Fake {
    calls: Mutex<Vec<(JobName, NaiveDateTime)>>,
    fail: Vec<JobName>,
    panic: Vec<JobName>,
    /// When set, each run says it started and waits to be released.
    gate: Option<Gate>,
    active: AtomicUsize,
    max_active: AtomicUsize,
}

struct Gate {
    started: Mutex<mpsc::Sender<()>>,
    release: Mutex<mpsc::Receiver<()>>,
}

impl JobRunner for Fake {
    fn run(&self, job: JobName, as_of: NaiveDateTime) -> Result<String, JobError> {
        self.calls.lock().expect("lock").push((job, as_of));
        let now = self.active.fetch_add(1, Ordering::SeqCst) + 1;
        self.max_active.fetch_max(now, Ordering::SeqCst);
        if let Some(g) = &self.gate {
            g.started
                .lock()
                .expect("lock")
                .send(())
                .expect("test listens");
            g.release
                .lock()
                .expect("lock")
                .recv_timeout(StdDuration::from_secs(120))
                .expect("released by the test");
        }
        self.active.fetch_sub(1, Ordering::SeqCst);
        if self.panic.contains(&job) {
            panic!("fallo simulado de {job}");
        }
        if self.fail.contains(&job) {
            return Err(JobError::Other("servidor caído (simulado)".into()));
        }
        Ok(format!("{job} al {as_of}"))
    }
}

impl Fake {
    fn times(&self, job: JobName) -> Vec<String> {
        self.calls
            .lock()
            .expect("lock")
            .iter()
            .filter(|(j, _)| *j == job)
            .map(|(_, t)| t.format("%Y-%m-%d %H:%M:%S").to_string())
            .collect()
    }
}

fn scheduler(
    jobs: &[(JobName, &str)],
    runner: Arc<Fake>,
    clock: Arc<ManualClock>,
    log: &Store,
) -> Scheduler {
    let plan = jobs
        .iter()
        .map(|(job, expr)| Planned {
            job: *job,
            trigger: Trigger::parse(expr).expect("valid").expect("on"),
        })
        .collect();
    let calendar = Config::default().engine().expect("engine").default;
    Scheduler::new(
        plan,
        calendar,
        runner,
        log.try_clone().expect("clone"),
        clock,
    )
}

async fn settle(handles: Vec<tokio::task::JoinHandle<RunReport>>) -> Vec<RunReport> {
    let mut out = Vec::new();
    for h in handles {
        out.push(h.await.expect("task ends"));
    }
    out
}

/// The runs of `job_runs`, oldest first.
fn runs(store: &Store) -> Vec<JobRun> {
    let mut r = recent_runs(store, 10_000).expect("runs");
    r.reverse();
    r
}

#[tokio::test]
async fn every_quarter_hour_fires_at_the_quarter_hours_and_never_catches_up() {
    let log = Store::open_in_memory().expect("store");
    let clock = Arc::new(ManualClock::new(bogota("2026-03-02 08:07:00")));
    let fake = Arc::new(Fake::default());
    let mut s = scheduler(
        &[(JobName::Evaluate, "*/15 * * * *")],
        fake.clone(),
        clock.clone(),
        &log,
    );
    assert_eq!(s.next_due(), Some(bogota("2026-03-02 08:15:00")));
    clock.set(bogota("2026-03-02 08:14:59"));
    assert!(s.tick().is_empty(), "one second early");
    // One tick a minute for an hour.
    clock.set(bogota("2026-03-02 08:07:00"));
    for _ in 0..60 {
        clock.advance(Duration::minutes(1));
        settle(s.tick()).await;
    }
    assert_eq!(
        fake.times(JobName::Evaluate),
        [
            "2026-03-02 08:15:00",
            "2026-03-02 08:30:00",
            "2026-03-02 08:45:00",
            "2026-03-02 09:00:00"
        ]
    );
    // Two hours without a tick (a suspended machine): one run now, not eight.
    clock.set(bogota("2026-03-02 11:05:30"));
    let reports = settle(s.tick()).await;
    assert_eq!(reports.len(), 1);
    assert_eq!(s.next_due(), Some(bogota("2026-03-02 11:15:00")));
    let rows = runs(&log);
    assert_eq!(rows.len(), 5);
    assert!(rows.iter().all(|r| r.job == "evaluate"
        && r.trigger == "schedule"
        && r.outcome == Some(Outcome::Ok)
        && r.finished_at.is_some()));
    assert_eq!(rows[4].as_of, local("2026-03-02 11:05:30"));
    assert_eq!(
        rows[0].message.as_deref(),
        Some("evaluate al 2026-03-02 08:15:00")
    );
}

#[tokio::test]
async fn the_quarterly_report_runs_at_seven_on_the_first_business_day() {
    let log = Store::open_in_memory().expect("store");
    // 2026-01-01 is a holiday (Thursday): the report waits for Friday the 2nd.
    let clock = Arc::new(ManualClock::new(bogota("2025-12-31 12:00:00")));
    let fake = Arc::new(Fake::default());
    let mut s = scheduler(
        &[(JobName::QuarterlyReport, "first-business-day 07:00")],
        fake.clone(),
        clock.clone(),
        &log,
    );
    for _ in 0..(4 * 24) {
        clock.advance(Duration::hours(1));
        settle(s.tick()).await;
    }
    assert_eq!(
        fake.times(JobName::QuarterlyReport),
        ["2026-01-02 07:00:00"]
    );
    assert_eq!(s.next_due(), Some(bogota("2026-04-01 07:00:00")));
    // 2027 starts on a Friday holiday followed by a weekend: Monday the 4th.
    clock.set(bogota("2026-12-31 08:00:00"));
    let mut s = scheduler(
        &[(JobName::QuarterlyReport, "first-business-day 07:00")],
        fake.clone(),
        clock.clone(),
        &log,
    );
    for _ in 0..(6 * 24) {
        clock.advance(Duration::hours(1));
        settle(s.tick()).await;
    }
    assert_eq!(
        fake.times(JobName::QuarterlyReport),
        ["2026-01-02 07:00:00", "2027-01-04 07:00:00"]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_still_running_is_skipped_not_started_twice() {
    let log = Store::open_in_memory().expect("store");
    let (started_tx, started) = mpsc::channel();
    let (release, release_rx) = mpsc::channel();
    let fake = Arc::new(Fake {
        gate: Some(Gate {
            started: Mutex::new(started_tx),
            release: Mutex::new(release_rx),
        }),
        ..Fake::default()
    });
    let clock = Arc::new(ManualClock::new(bogota("2026-03-02 08:14:00")));
    let mut s = scheduler(
        &[(JobName::Evaluate, "*/15 * * * *")],
        fake.clone(),
        clock.clone(),
        &log,
    );
    clock.set(bogota("2026-03-02 08:15:00"));
    let first = s.tick();
    started
        .recv_timeout(StdDuration::from_secs(120))
        .expect("first run starts");
    // Due again while the first run waits: recorded as skipped, not started.
    clock.set(bogota("2026-03-02 08:30:00"));
    let second = settle(s.tick()).await;
    assert_eq!(second.len(), 1);
    assert_eq!(second[0].outcome, Outcome::Skipped);
    assert!(
        second[0].message.contains(
            "la ejecución anterior de «evaluate» (del 2026-03-02 08:15:00) sigue en curso"
        ),
        "{}",
        second[0].message
    );
    assert_eq!(s.in_flight().count(), 1);
    release.send(()).expect("release");
    let first = settle(first).await;
    assert_eq!(first[0].outcome, Outcome::Ok);
    assert_eq!(s.in_flight().count(), 0);
    // Finished: the next firing runs normally.
    release.send(()).expect("release");
    clock.set(bogota("2026-03-02 08:45:00"));
    let third = settle(s.tick()).await;
    assert_eq!(third[0].outcome, Outcome::Ok);
    assert_eq!(fake.max_active.load(Ordering::SeqCst), 1);
    assert_eq!(
        fake.times(JobName::Evaluate),
        ["2026-03-02 08:15:00", "2026-03-02 08:45:00"]
    );
    let rows: Vec<(String, Option<Outcome>)> = runs(&log)
        .into_iter()
        .map(|r| (r.as_of.format("%H:%M").to_string(), r.outcome))
        .collect();
    assert_eq!(
        rows,
        [
            ("08:15".into(), Some(Outcome::Ok)),
            ("08:30".into(), Some(Outcome::Skipped)),
            ("08:45".into(), Some(Outcome::Ok))
        ]
    );
}

#[tokio::test]
async fn a_failing_or_panicking_job_does_not_stop_the_others() {
    let log = Store::open_in_memory().expect("store");
    let fake = Arc::new(Fake {
        fail: vec![JobName::Alerts],
        panic: vec![JobName::Evaluate],
        ..Fake::default()
    });
    let clock = Arc::new(ManualClock::new(bogota("2026-03-02 08:10:00")));
    let jobs = [
        (JobName::IngestFolder, "*/15 * * * *"),
        (JobName::Evaluate, "*/15 * * * *"),
        (JobName::Alerts, "*/15 * * * *"),
        (JobName::QuarterlyReport, "*/15 * * * *"),
    ];
    let mut s = scheduler(&jobs, fake.clone(), clock.clone(), &log);
    for at in ["2026-03-02 08:15:00", "2026-03-02 08:30:00"] {
        clock.set(bogota(at));
        let reports = settle(s.tick()).await;
        let outcomes: Vec<(JobName, Outcome)> =
            reports.iter().map(|r| (r.job, r.outcome)).collect();
        assert_eq!(
            outcomes,
            [
                (JobName::IngestFolder, Outcome::Ok),
                (JobName::Evaluate, Outcome::Error),
                (JobName::Alerts, Outcome::Error),
                (JobName::QuarterlyReport, Outcome::Ok)
            ]
        );
    }
    let rows = runs(&log);
    assert_eq!(rows.len(), 8);
    let evaluate: Vec<&JobRun> = rows.iter().filter(|r| r.job == "evaluate").collect();
    assert_eq!(evaluate.len(), 2, "the panicking job ran again");
    let message = evaluate[0].message.as_deref().unwrap_or_default();
    assert!(
        message.contains("pánico") && message.contains("fallo simulado de evaluate"),
        "{message}"
    );
    let alerts = rows.iter().find(|r| r.job == "alerts").expect("alerts run");
    assert_eq!(alerts.message.as_deref(), Some("servidor caído (simulado)"));
    assert!(rows.iter().all(|r| r.finished_at.is_some()));
}

/// Sleeps by moving the manual clock, once the runs in progress are done; stops the loop when
/// the next wake-up would pass `until`.
struct FastForward {
    clock: Arc<ManualClock>,
    until: DateTime<Utc>,
    in_flight: mesa_sla::schedule::InFlight,
    stop: Arc<tokio::sync::Notify>,
    sleeps: AtomicUsize,
}

impl Sleeper for FastForward {
    fn sleep(&self, d: StdDuration) -> BoxFuture {
        self.sleeps.fetch_add(1, Ordering::SeqCst);
        let clock = self.clock.clone();
        let until = self.until;
        let in_flight = self.in_flight.clone();
        let stop = self.stop.clone();
        Box::pin(async move {
            while in_flight.count() > 0 {
                tokio::task::yield_now().await;
            }
            let target = clock.now() + Duration::from_std(d).expect("duration");
            if target > until {
                stop.notify_one();
                std::future::pending::<()>().await;
            }
            clock.set(target);
        })
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_loop_runs_a_weekend_of_jobs_without_real_time() {
    let log = Store::open_in_memory().expect("store");
    let fake = Arc::new(Fake {
        panic: vec![JobName::Evaluate],
        ..Fake::default()
    });
    // Friday 17:55 to Monday 07:25 in Bogotá.
    let clock = Arc::new(ManualClock::new(bogota("2026-03-06 17:55:00")));
    let s = scheduler(
        &[
            (JobName::Alerts, "*/10 7-18 * * 1-5"),
            (JobName::Evaluate, "0 */6 * * *"),
        ],
        fake.clone(),
        clock.clone(),
        &log,
    );
    let stop = Arc::new(tokio::sync::Notify::new());
    let sleeper = Arc::new(FastForward {
        clock: clock.clone(),
        until: bogota("2026-03-09 07:25:00"),
        in_flight: s.in_flight(),
        stop: stop.clone(),
        sleeps: AtomicUsize::new(0),
    });
    s.run(sleeper.clone(), async move { stop.notified().await })
        .await;
    assert_eq!(
        fake.times(JobName::Alerts),
        [
            "2026-03-06 18:00:00",
            "2026-03-06 18:10:00",
            "2026-03-06 18:20:00",
            "2026-03-06 18:30:00",
            "2026-03-06 18:40:00",
            "2026-03-06 18:50:00",
            "2026-03-09 07:00:00",
            "2026-03-09 07:10:00",
            "2026-03-09 07:20:00"
        ]
    );
    // Evaluate panics every time and keeps being scheduled: Fri 18:00 … Mon 06:00.
    assert_eq!(fake.times(JobName::Evaluate).len(), 11);
    let rows = runs(&log);
    assert_eq!(rows.len(), 20);
    assert_eq!(
        rows.iter()
            .filter(|r| r.outcome == Some(Outcome::Error))
            .count(),
        11
    );
    // The loop never slept more than a minute at a time: 61.5 hours took thousands of naps.
    assert!(sleeper.sleeps.load(Ordering::SeqCst) > 60 * 60);
}

// ---------------------------------------------------------------------------------------------
// ingest-folder

fn samples() -> PathBuf {
    fixtures().join("samples")
}

fn folder_config(dir: &Path) -> IngestFolderConfig {
    IngestFolderConfig {
        path: Some(dir.to_owned()),
        settle_seconds: Some(0),
        ..IngestFolderConfig::default()
    }
}

fn names(dir: &Path) -> HashSet<String> {
    std::fs::read_dir(dir)
        .expect("folder")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect()
}

fn set(items: &[&str]) -> HashSet<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

/// Ingest run kinds in load order.
fn kinds(store: &Store) -> Vec<String> {
    let mut stmt = store
        .sql_for_tests()
        .prepare("SELECT kind FROM ingest_runs ORDER BY id")
        .expect("prepare");
    stmt.query_map([], |r| r.get::<_, String>(0))
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("rows")
}

#[test]
fn ingest_folder_loads_lists_before_histories_and_files_the_rest_away() {
    let dir = tempfile::tempdir().expect("tempdir");
    let entrada = dir.path().join("entrada");
    std::fs::create_dir_all(&entrada).expect("mkdir");
    // Names that sort the histories first: the order must come from the contents.
    let copy = |from: &str, to: &str| {
        std::fs::copy(samples().join(from), entrada.join(to)).expect("copy");
    };
    copy("glpi_logs.csv", "a_historial.csv");
    copy("followups.csv", "b_seguimientos.csv");
    copy("tickets.csv", "z_casos.csv");
    std::fs::write(
        entrada.join("pagina.html"),
        "<!DOCTYPE html><html><body>Iniciar sesión en GLPI</body></html>",
    )
    .expect("write");
    for ignored in ["~$casos.xlsx", ".oculto.csv", "casos.csv.tmp"] {
        std::fs::write(entrada.join(ignored), "ID;Estado\n").expect("write");
    }
    let mut store = Store::open_in_memory().expect("store");
    let cfg = folder_config(&entrada);
    let summary =
        ingest_folder(&mut store, &cfg, &Default::default(), SystemTime::now()).expect("runs");
    let line = summary.to_string();
    let loaded: u64 = summary.processed.iter().map(|p| p.summary.accepted).sum();
    assert!(
        line.starts_with(&format!(
            "3 archivo(s) procesado(s) ({loaded} filas cargadas, 0 filas rechazadas), 1 \
             archivo(s) rechazado(s)"
        )),
        "{line}"
    );
    assert!(loaded > 300 + 696, "{line}");
    assert!(line.contains("pagina.html: "), "{line}");
    assert_eq!(summary.ignored, 3);
    assert_eq!(
        kinds(&store),
        ["glpi-csv", "glpi-logs", "glpi-followups"],
        "tickets first, then histories"
    );
    assert_eq!(
        names(&entrada.join("procesados")),
        set(&["a_historial.csv", "b_seguimientos.csv", "z_casos.csv"])
    );
    assert_eq!(
        names(&entrada.join("rechazados")),
        set(&["pagina.html", "pagina.html.motivo.txt"])
    );
    let reason =
        std::fs::read_to_string(entrada.join("rechazados/pagina.html.motivo.txt")).expect("read");
    assert!(reason.contains("Archivo: pagina.html"), "{reason}");
    assert!(reason.contains("parece una página HTML"), "{reason}");
    assert!(
        reason.contains("La base de datos no se modificó"),
        "{reason}"
    );
    assert_eq!(
        names(&entrada),
        set(&[
            "procesados",
            "rechazados",
            "~$casos.xlsx",
            ".oculto.csv",
            "casos.csv.tmp"
        ])
    );

    // Files that are not exports change nothing in the store.
    let before = store.counts().expect("counts");
    std::fs::write(entrada.join("otra.csv"), "foo;bar\n1;2\n").expect("write");
    std::fs::write(
        entrada.join("cortado.csv"),
        "\"ID\";\"Estado\";\"Fecha de Apertura\"\n\"1\";\"Nuevo\";\"2025-01-0",
    )
    .expect("write");
    std::fs::write(entrada.join("vacio.csv"), "").expect("write");
    let summary =
        ingest_folder(&mut store, &cfg, &Default::default(), SystemTime::now()).expect("runs");
    assert_eq!((summary.processed.len(), summary.rejected.len()), (0, 3));
    assert_eq!(store.counts().expect("counts"), before);
    let reason = |name: &str| {
        std::fs::read_to_string(entrada.join(format!("rechazados/{name}.motivo.txt")))
            .expect("reason file")
    };
    assert!(
        reason("otra.csv").contains("no se reconoce el tipo de archivo")
            && reason("otra.csv").contains("Columnas encontradas: foo, bar"),
        "{}",
        reason("otra.csv")
    );
    assert!(
        reason("cortado.csv").contains("truncado"),
        "{}",
        reason("cortado.csv")
    );
    assert!(
        reason("vacio.csv").contains("está vacío"),
        "{}",
        reason("vacio.csv")
    );

    // The same export again: loaded (nothing changes) and kept beside the first copy.
    copy("tickets.csv", "z_casos.csv");
    let summary =
        ingest_folder(&mut store, &cfg, &Default::default(), SystemTime::now()).expect("runs");
    assert_eq!(summary.processed.len(), 1);
    let processed = names(&entrada.join("procesados"));
    assert_eq!(processed.len(), 4);
    assert!(
        processed
            .iter()
            .any(|n| n.starts_with("z_casos_") && n.ends_with(".csv")),
        "{processed:?}"
    );
    assert_eq!(store.counts().expect("counts").tickets, before.tickets);

    // What the folder loaded is what the readers load by hand: the reference results.
    assert_reproduces(&mut store, &samples().join("expected.csv"));
}

#[test]
fn ingest_folder_reads_dexon_workbooks_and_waits_for_files_being_copied() {
    let dir = tempfile::tempdir().expect("tempdir");
    let entrada = dir.path().join("entrada");
    std::fs::create_dir_all(&entrada).expect("mkdir");
    for (from, to) in [("historial.xlsx", "1.xlsx"), ("casos.xlsx", "2.xlsx")] {
        std::fs::copy(samples().join("dexon").join(from), entrada.join(to)).expect("copy");
    }
    let mut store = Store::open_in_memory().expect("store");
    let cfg = IngestFolderConfig {
        path: Some(entrada.clone()),
        ..IngestFolderConfig::default()
    };
    // Just written: left for the next run (default: 30 s without changes).
    let now = SystemTime::now();
    let summary = ingest_folder(&mut store, &cfg, &Default::default(), now).expect("runs");
    assert_eq!(summary.waiting, 2);
    assert!(summary.processed.is_empty());
    assert!(summary.to_string().contains("2 en espera"), "{summary}");
    assert_eq!(store.counts().expect("counts").runs, 0);
    // A minute later they are taken.
    let later = now + StdDuration::from_secs(60);
    let summary = ingest_folder(&mut store, &cfg, &Default::default(), later).expect("runs");
    assert_eq!(summary.processed.len(), 2, "{summary}");
    assert_eq!(kinds(&store), ["dexon", "dexon-history"]);
    assert_reproduces(&mut store, &samples().join("dexon/expected.csv"));
}

// ---------------------------------------------------------------------------------------------
// StoreJobs and run-job

#[test]
fn store_jobs_evaluate_and_say_what_they_cannot_do() {
    let store = Store::open_in_memory().expect("store");
    let jobs = StoreJobs::new(store.try_clone().expect("clone"), sample_config()).expect("jobs");
    let line = jobs
        .run(JobName::Evaluate, local("2025-12-31 23:59:59"))
        .expect("evaluates");
    assert!(
        line.starts_with("Evaluados 0 casos al 2025-12-31 23:59:59"),
        "{line}"
    );
    let err = jobs
        .run(JobName::IngestFolder, local("2025-12-31 23:59:59"))
        .expect_err("no folder");
    assert!(matches!(err, JobError::NotConfigured(_)), "{err}");
    assert!(jobs.unavailable(JobName::IngestFolder).is_some());
    assert!(jobs.unavailable(JobName::Evaluate).is_none());
    let line = jobs
        .run(JobName::QuarterlyReport, local("2026-01-02 07:00:00"))
        .expect("nothing to report is not a failure");
    assert!(line.contains("no tiene casos"), "{line}");
}

#[test]
fn run_job_runs_one_job_by_hand_and_records_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let entrada = dir.path().join("entrada");
    std::fs::create_dir_all(&entrada).expect("mkdir");
    for name in ["tickets.csv", "glpi_logs.csv", "followups.csv"] {
        std::fs::copy(samples().join(name), entrada.join(name)).expect("copy");
    }
    let policy = std::fs::read_to_string(samples().join("policy.toml")).expect("policy");
    std::fs::write(
        dir.path().join("mesa-sla.toml"),
        format!(
            "{policy}\n[ingest_folder]\npath = \"entrada\"\nsettle_seconds = 0\n\n\
             [report]\noutput_dir = \"informes\"\n"
        ),
    )
    .expect("config");
    let cli = |args: &[&str]| {
        let mut all = vec!["--config", "mesa-sla.toml", "--db", "s.duckdb"];
        all.extend_from_slice(args);
        run(dir.path(), &all)
    };
    let o = cli(&["run-job", "ingest-folder"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stdout(&o).starts_with("3 archivo(s) procesado(s)"),
        "{}",
        stdout(&o)
    );
    let o = cli(&["run-job", "evaluate", "--as-of", "2025-12-31 23:59:59"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stdout(&o).starts_with("Evaluados 300 casos al 2025-12-31 23:59:59"),
        "{}",
        stdout(&o)
    );
    let o = cli(&[
        "run-job",
        "quarterly-report",
        "--as-of",
        "2026-01-02 07:00:00",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stdout(&o).starts_with("Informe del 2025-Q4"),
        "{}",
        stdout(&o)
    );
    let reports = names(&dir.path().join("informes"));
    assert!(
        reports
            .iter()
            .any(|n| n.starts_with("indicadores_") && n.ends_with("_2025-Q4.xlsx")),
        "{reports:?}"
    );
    // Failures: an unknown job, a bad instant, a job that is not configured.
    let o = cli(&["run-job", "limpiar"]);
    assert!(!o.status.success());
    assert!(
        stderr(&o).contains(
            "trabajo «limpiar» desconocido; los trabajos son: ingest-folder, glpi-sync, \
             evaluate, alerts, quarterly-report"
        ),
        "{}",
        stderr(&o)
    );
    let o = cli(&["run-job", "evaluate", "--as-of", "mañana"]);
    assert!(!o.status.success());
    assert!(
        stderr(&o).contains("no es una fecha válida"),
        "{}",
        stderr(&o)
    );
    // mesa-sla.toml of the working directory would be used without --config: an empty one.
    std::fs::write(dir.path().join("vacia.toml"), "").expect("empty config");
    let o = run(
        dir.path(),
        &[
            "--config",
            "vacia.toml",
            "--db",
            "s.duckdb",
            "run-job",
            "ingest-folder",
        ],
    );
    assert!(!o.status.success());
    assert!(
        stderr(&o)
            .contains("ingest-folder no se ejecutó: la carpeta de entrada no está configurada"),
        "{}",
        stderr(&o)
    );

    let store = Store::open(&dir.path().join("s.duckdb")).expect("store");
    let rows: Vec<(String, String, Option<Outcome>, NaiveDateTime)> = runs(&store)
        .into_iter()
        .map(|r| (r.job, r.trigger, r.outcome, r.as_of))
        .collect();
    assert_eq!(rows.len(), 4, "{rows:?}");
    assert!(rows.iter().all(|r| r.1 == "manual"));
    assert_eq!(
        rows.iter().map(|r| (r.0.as_str(), r.2)).collect::<Vec<_>>(),
        [
            ("ingest-folder", Some(Outcome::Ok)),
            ("evaluate", Some(Outcome::Ok)),
            ("quarterly-report", Some(Outcome::Ok)),
            ("ingest-folder", Some(Outcome::Skipped))
        ]
    );
    assert_eq!(rows[1].3, local("2025-12-31 23:59:59"));
    assert_eq!(rows[2].3, local("2026-01-02 07:00:00"));
}

#[tokio::test]
async fn metrics_show_the_last_run_of_each_job() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("m.duckdb");
    let store = tokio::task::spawn_blocking({
        let db = db.clone();
        move || {
            let store = Store::open(&db).expect("store");
            let fake = Fake {
                fail: vec![JobName::Alerts],
                ..Fake::default()
            };
            let now = || local("2026-03-02 08:15:07");
            for job in [JobName::Evaluate, JobName::Evaluate, JobName::Alerts] {
                mesa_sla::schedule::run_recorded(
                    &store,
                    &fake,
                    job,
                    local("2026-03-02 08:15:00"),
                    mesa_sla::schedule::RunTrigger::Schedule,
                    &now,
                );
            }
            store
        }
    })
    .await
    .expect("store task");
    let config = Config::default();
    let state = mesa_sla::web::AppState::new(
        store,
        config.engine().expect("engine"),
        mesa_sla::indicators::Definitions::builtin(),
        config.web.clone(),
        None,
    )
    .expect("state");
    let (tx, rx) = tokio::sync::oneshot::channel();
    tokio::spawn(async move {
        let addr = "127.0.0.1:0".parse().expect("addr");
        let _ = mesa_sla::web::serve(Arc::new(state), addr, move |local| {
            let _ = tx.send(local);
        })
        .await;
    });
    let addr = rx.await.expect("server started").to_string();
    let metrics = crate::http::send(&addr, "GET", "/metrics", None, None)
        .await
        .text();
    // 2026-03-02 08:15:07 as seconds since the epoch (local time, like the other gauges).
    let at = local("2026-03-02 08:15:07").and_utc().timestamp();
    for line in [
        "mesa_sla_job_runs_total{job=\"evaluate\",outcome=\"ok\"} 2".to_owned(),
        "mesa_sla_job_runs_total{job=\"alerts\",outcome=\"error\"} 1".to_owned(),
        format!("mesa_sla_job_last_run_timestamp_seconds{{job=\"evaluate\",outcome=\"ok\"}} {at}"),
    ] {
        assert!(metrics.contains(&line), "{line}\n{metrics}");
    }
}

/// Starts `serve` on a free port, reads what it prints up to the dashboard's address, stops it.
fn serve_banner(dir: &Path, config: &str) -> String {
    use std::io::BufRead;
    std::fs::write(dir.join("mesa-sla.toml"), config).expect("config");
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_mesa-sla"))
        .args([
            "--config",
            "mesa-sla.toml",
            "--db",
            "s.duckdb",
            "serve",
            "--bind",
            "127.0.0.1:0",
        ])
        .current_dir(dir)
        .env_remove("MESA_SLA_DB")
        .env_remove("MESA_SLA_CONFIG")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("serve starts");
    let out = child.stdout.take().expect("stdout");
    let mut banner = String::new();
    for line in std::io::BufReader::new(out).lines() {
        let line = line.expect("line");
        banner.push_str(&line);
        banner.push('\n');
        if line.starts_with("Tablero en http://") {
            break;
        }
    }
    child.kill().expect("stops");
    child.wait().expect("waits");
    banner
}

#[test]
fn serve_starts_the_scheduler_and_says_what_will_run() {
    let dir = tempfile::tempdir().expect("tempdir");
    // A run left unfinished by a previous process.
    {
        let store = Store::open(&dir.path().join("s.duckdb")).expect("store");
        store
            .sql_for_tests()
            .execute(
                "INSERT INTO job_runs (job, \"trigger\", as_of, started_at) \
                 VALUES ('evaluate', 'schedule', TIMESTAMP '2026-01-01 10:00:00', \
                 TIMESTAMP '2026-01-01 10:00:00')",
                [],
            )
            .expect("insert");
    }
    let banner = serve_banner(
        dir.path(),
        "[schedule]\nevaluate = \"*/15 * * * *\"\nalerts = \"off\"\n",
    );
    assert!(banner.contains("Tablero en http://127.0.0.1:"), "{banner}");
    assert!(
        banner.contains("1 trabajo(s) interrumpido(s) por una parada anterior"),
        "{banner}"
    );
    assert!(
        banner.contains("Trabajos programados (zona America/Bogota):"),
        "{banner}"
    );
    assert!(
        banner.contains("evaluate          */15 * * * *               próxima: "),
        "{banner}"
    );
    assert!(
        banner.contains("quarterly-report  first-business-day 07:00"),
        "{banner}"
    );
    assert!(
        banner.contains("ingest-folder     no se ejecuta: no hay carpeta de entrada"),
        "{banner}"
    );
    assert!(!banner.contains("alerts"), "{banner}");
    let store = Store::open(&dir.path().join("s.duckdb")).expect("store");
    assert_eq!(runs(&store)[0].outcome, Some(Outcome::Error));

    let off = tempfile::tempdir().expect("tempdir");
    let banner = serve_banner(off.path(), "[schedule]\nenabled = false\n");
    assert!(
        banner.contains("Trabajos programados desactivados ([schedule] enabled = false)."),
        "{banner}"
    );
}
