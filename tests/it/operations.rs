//! The operations page and `/api/v1/operations` after known work: the alerts fixture loaded,
//! one load with two bad rows, an evaluation (ok, 65 s by the injected clock), a GLPI sync
//! without `[glpi_api]` (skipped) and an alerts run whose SMTP server is down (at 09:45 the
//! fixture's five alerts plus ticket 900 of the bad load, new since 08:00 like 101: six, each
//! tried once and failed, retried a minute later). Both show exactly
//! those runs, counts and reasons, with e-mail addresses masked.

use std::cell::Cell;
use std::net::TcpListener;
use std::sync::Mutex;

use chrono::{Duration, NaiveDateTime};
use mesa_sla::app::StoreJobs;
use mesa_sla::config::Config;
use mesa_sla::engine::Engine;
use mesa_sla::ingest::{self, canonical};
use mesa_sla::schedule::{JobName, RunTrigger, run_recorded};
use mesa_sla::store::Store;
use mesa_sla::web::WebConfig;

use crate::helpers::fixtures;

const MESA: &str = "mesa@entidad.gov.co";
const DIRECTOR: &str = "director.tic@entidad.gov.co";

fn at(text: &str) -> NaiveDateTime {
    ingest::parse_datetime(text).expect("valid instant")
}

fn config() -> Config {
    // Nothing listens on the port once the listener is dropped: every delivery fails.
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free loopback port")
        .port();
    let text = format!(
        r#"
[smtp]
host = "127.0.0.1"
port = {port}
security = "none"
from = "ANS <ans@entidad.gov.co>"
timeout_secs = 5

[[policy.rule]]
attention = "2h"
solution = "8h"

[alerts]
warn_at = 0.75

[[alerts.route]]
to = ["{MESA}"]
escalate_to = ["Director TIC <{DIRECTOR}>"]
"#
    );
    Config::parse(&text, "prueba").expect("config")
}

fn engine() -> Engine {
    config().engine().expect("engine")
}

/// What the fill did, as its own calls reported it.
struct Done {
    /// (job, outcome code, message) of each run, in order.
    runs: Vec<(String, String, String)>,
    /// (line, reason) of each rejected row of the bad load.
    rejects: Vec<(u64, String)>,
    bad_run: i64,
}

static DONE: Mutex<Option<Done>> = Mutex::new(None);

fn known_work(store: &mut Store) {
    for name in ["tickets.csv", "events.csv"] {
        let path = fixtures().join("alerts").join(name);
        let (kind, records) = canonical::read(&path, "canonical").expect("readable");
        let s = ingest::load_file(store, &path, kind.label(), records).expect("loads");
        assert_eq!(s.rejected, 0, "{name}: {:?}", s.sample_rejects);
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let bad = dir.path().join("casos_con_errores.csv");
    std::fs::write(
        &bad,
        "entity,ticket_id,status,created_at\n\
         Prueba,900,new,2025-07-08 08:00:00\n\
         Prueba,901,new,2025-13-45 08:00:00\n\
         Prueba,902,desconocido,2025-07-08 08:00:00\n",
    )
    .expect("write");
    let (kind, records) = canonical::read(&bad, "canonical").expect("readable");
    let s = ingest::load_file(store, &bad, kind.label(), records).expect("loads");
    assert_eq!((s.accepted, s.rejected), (1, 2), "{:?}", s.sample_rejects);
    let rejects = s
        .sample_rejects
        .iter()
        .map(|r| (r.line, r.reason.clone()))
        .collect();

    let jobs = StoreJobs::new(store.try_clone().expect("clone"), config()).expect("jobs");
    // Each run starts at the clock's time and ends 65 s later.
    let clock = Cell::new(at("2025-07-08 09:50:00"));
    let now = || {
        let t = clock.get();
        clock.set(t + Duration::seconds(65));
        t
    };
    let cut = at("2025-07-08 09:45:00");
    let runs = [JobName::Evaluate, JobName::GlpiSync, JobName::Alerts]
        .into_iter()
        .map(|job| {
            let r = run_recorded(store, &jobs, job, cut, RunTrigger::Manual, &now);
            (
                job.as_str().to_owned(),
                r.outcome.as_str().to_owned(),
                r.message,
            )
        })
        .collect();
    *DONE.lock().expect("lock") = Some(Done {
        runs,
        rejects,
        bad_run: s.run_id,
    });
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_page_and_the_json_show_the_runs_the_outbox_and_the_rejects() {
    let app = crate::web::spawn_app_over(WebConfig::default(), engine, known_work).await;
    let done = DONE.lock().expect("lock").take().expect("filled");
    let outcomes: Vec<(&str, &str)> = done
        .runs
        .iter()
        .map(|(j, o, _)| (j.as_str(), o.as_str()))
        .collect();
    assert_eq!(
        outcomes,
        [
            ("evaluate", "ok"),
            ("glpi-sync", "skipped"),
            ("alerts", "ok")
        ]
    );
    assert_eq!(
        done.runs[2].2,
        "6 alertas nuevas, 0 enviadas, 6 pendientes, 6 intentos fallidos"
    );

    let reply = app.get("/api/v1/operations").await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    let json = reply.json();
    let jobs = json["jobs"].as_array().expect("jobs");
    // Every job is listed, also those that never ran.
    assert_eq!(jobs.len(), 5, "{jobs:?}");
    for (job, outcome, message) in &done.runs {
        let entry = jobs.iter().find(|j| j["job"] == job.as_str()).expect(job);
        let runs = entry["runs"].as_array().expect("runs");
        assert_eq!(runs.len(), 1, "{job}");
        assert_eq!(runs[0]["outcome"], outcome.as_str());
        assert_eq!(runs[0]["message"], message.as_str());
        assert_eq!(runs[0]["seconds"], 65, "{job}");
        assert_eq!(runs[0]["trigger"], "manual");
    }
    let never = jobs
        .iter()
        .find(|j| j["job"] == "quarterly-report")
        .expect("listed");
    assert_eq!(never["runs"].as_array().map(Vec::len), Some(0));

    let outbox = &json["outbox"];
    assert_eq!(outbox["pending"], 6);
    assert_eq!(outbox["sent"], 0);
    assert_eq!(outbox["failed_attempts"], 6);
    // One failure each at 09:45 (the alerts run's instant): retried 60 s later.
    assert_eq!(outbox["next_retry"], "2025-07-08T09:46:00");
    let rows = outbox["rows"].as_array().expect("rows");
    assert_eq!(rows.len(), 6);
    for row in rows {
        assert_eq!(row["status"], "pending");
        assert_eq!(row["attempts"], 1);
        let recipients = row["recipients"].as_str().expect("recipients");
        assert!(recipients.contains("m•••@entidad.gov.co"), "{recipients}");
    }

    let ingests = json["ingests"].as_array().expect("ingests");
    assert_eq!(ingests.len(), 3);
    let bad = &ingests[0];
    assert_eq!(bad["id"], done.bad_run);
    assert_eq!(
        (
            &bad["rows_read"],
            &bad["rows_accepted"],
            &bad["rows_rejected"]
        ),
        (&3.into(), &1.into(), &2.into())
    );
    let shown: Vec<(u64, String)> = bad["rejects"]
        .as_array()
        .expect("rejects")
        .iter()
        .map(|r| {
            (
                r["line"].as_u64().expect("line"),
                r["reason"].as_str().expect("reason").to_owned(),
            )
        })
        .collect();
    assert_eq!(shown, done.rejects);
    let counted: i64 = bad["reasons"]
        .as_array()
        .expect("reasons")
        .iter()
        .map(|r| r["rows"].as_i64().expect("rows"))
        .sum();
    assert_eq!(counted, 2);
    for ok in &ingests[1..] {
        assert_eq!(ok["rows_rejected"], 0);
        assert_eq!(ok["reasons"].as_array().map(Vec::len), Some(0));
    }
    assert!(!reply.text().contains(MESA) && !reply.text().contains(DIRECTOR));

    let page = app.get("/operaciones").await;
    assert_eq!(page.status, 200, "{}", page.text());
    let html = crate::web::unescape(&page.text());
    assert!(!html.contains(MESA) && !html.contains(DIRECTOR));
    let jobs = crate::web::table_rows(&html, "trabajos");
    let row = |label: &str| {
        jobs.iter()
            .find(|r| r.contains(label))
            .unwrap_or_else(|| panic!("{label} in {jobs:?}"))
            .clone()
    };
    let evaluation = row("Evaluación de los ANS");
    for needle in [
        "08/07/2025 09:50",
        "08/07/2025 09:45",
        "a mano",
        "Correcto",
        "1 min 05 s",
    ] {
        assert!(evaluation.contains(needle), "{needle}: {evaluation}");
    }
    assert!(row("Sincronización con GLPI").contains("Omitido"));
    let alerts = row("Alertas por correo");
    assert!(alerts.contains(&done.runs[2].2), "{alerts}");
    assert!(html.contains(
        "data-job=\"quarterly-report\"><td><strong>Informe trimestral</strong></td>\
         <td colspan=\"6\">Sin ejecuciones registradas.</td>"
    ));
    let summary = html
        .split("<p id=\"bandeja\"")
        .nth(1)
        .and_then(|t| t.split("</p>").next())
        .expect("outbox summary");
    for needle in [
        "Pendientes: <strong>6</strong>",
        "Enviadas: <strong>0</strong>",
        "Intentos fallidos: <strong>6</strong>",
        "Próximo reintento: <strong>08/07/2025 09:46</strong>",
    ] {
        assert!(summary.contains(needle), "{needle}: {summary}");
    }
    assert_eq!(crate::web::table_rows(&html, "alertas").len(), 6);
    let details = html
        .split(&format!("<details id=\"rechazos-{}\">", done.bad_run))
        .nth(1)
        .and_then(|t| t.split("</details>").next())
        .expect("the bad load's rejects");
    assert!(
        details.contains("Ver por qué se rechazaron 2 filas"),
        "{details}"
    );
    for (line, reason) in &done.rejects {
        assert!(
            details.contains(&format!("<tr><td>{line}</td>")) && details.contains(reason.as_str()),
            "{line} {reason}: {details}"
        );
    }
}
