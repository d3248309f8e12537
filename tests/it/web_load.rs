//! The server under concurrent clients (real server on port 0, parallel tokio tasks): writes
//! serialised (a parallel run leaves the store a sequential one leaves, events stored once),
//! workbooks generated once per key and never served partial, filter values that match
//! nothing refused before any computation, and cold views beyond the limit refused with 503.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use calamine::{Reader, Xlsx};
use mesa_sla::engine::Engine;
use mesa_sla::indicators::Definitions;
use mesa_sla::store::Store;
use mesa_sla::web::{AppState, WebConfig};

use crate::http::{Response, query, send};
use crate::report::{hand_engine, hand_store};
use crate::web::{sample_engine, sample_fill};

const TOKEN: &str = "token-de-carga-concurrente";
const SAMPLE_ENTITY: &str = "Entidad Raíz > Alcaldía de Villa Esperanza";

struct Server {
    addr: String,
    state: Arc<AppState>,
    _dir: tempfile::TempDir,
}

impl Server {
    async fn get(&self, target: &str) -> Response {
        send(&self.addr, "GET", target, None, None).await
    }

    async fn post(&self, target: &str, body: &[u8]) -> Response {
        send(&self.addr, "POST", target, Some(TOKEN), Some(body)).await
    }

    fn count(&self, what: &str) -> u64 {
        let w = &self.state.work;
        match what {
            "sets" => w.sets_computed.load(Ordering::SeqCst),
            "pages" => w.pages_computed.load(Ordering::SeqCst),
            "workbooks" => w.workbooks_generated.load(Ordering::SeqCst),
            _ => w.known_loaded.load(Ordering::SeqCst),
        }
    }
}

/// Starts the real server on a free port over a store that `fill` prepares, with the ingest
/// token, keeping a handle on its state to read what it computed.
async fn start(
    engine: fn() -> Engine,
    fill: fn(&mut Store),
    limits: Option<(usize, usize)>,
) -> Server {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("load.duckdb");
    let store = tokio::task::spawn_blocking(move || {
        let mut store = Store::open(&db).expect("store");
        fill(&mut store);
        store
    })
    .await
    .expect("store task");
    let web = WebConfig {
        ingest_tokens: vec![TOKEN.into()],
        ..WebConfig::default()
    };
    let mut state =
        AppState::new(store, engine(), Definitions::builtin(), web, None).expect("state");
    if let Some((store_tasks, computations)) = limits {
        state = state.with_limits(store_tasks, computations);
    }
    let state = Arc::new(state);
    let (tx, rx) = tokio::sync::oneshot::channel::<SocketAddr>();
    let addr: SocketAddr = "127.0.0.1:0".parse().expect("addr");
    let served = state.clone();
    tokio::spawn(async move {
        let _ = mesa_sla::web::serve(served, addr, move |local| {
            let _ = tx.send(local);
        })
        .await;
    });
    let local = rx.await.expect("server started");
    Server {
        addr: local.to_string(),
        state,
        _dir: dir,
    }
}

/// Sends every request at once (one task each) and returns the responses in request order.
async fn all_at_once(
    addr: &str,
    requests: Vec<(&'static str, String, Option<Vec<u8>>)>,
) -> Vec<Response> {
    let tasks: Vec<_> = requests
        .into_iter()
        .map(|(method, target, body)| {
            let addr = addr.to_owned();
            let token = (method == "POST").then_some(TOKEN);
            tokio::spawn(async move { send(&addr, method, &target, token, body.as_deref()).await })
        })
        .collect();
    let mut out = Vec::new();
    for t in tasks {
        out.push(t.await.expect("client task"));
    }
    out
}

/// A ticket whose every field follows from its number, whichever request carries it.
fn ticket(n: usize) -> serde_json::Value {
    let priority = ["2", "3", "4"][n % 3];
    let category = ["Hardware", "Software"][n % 2];
    serde_json::json!({
        "source": "api", "entity": "Prueba", "ticket_id": format!("C-{n}"),
        "title": format!("Caso concurrente {n}"), "type": "incident",
        "priority": priority, "category": category,
        "status": "new", "created_at": format!("2025-08-{:02} 09:00:00", 1 + n % 28),
        "last_update": format!("2025-08-{:02} 10:00:00", 1 + n % 28)
    })
}

/// Request `i` of 20 carries tickets i..i+5: every ticket but the ends is in several requests.
fn overlapping_body(i: usize) -> Vec<u8> {
    let batch: Vec<_> = (i..i + 5).map(ticket).collect();
    serde_json::to_vec(&batch).expect("json")
}

fn tickets_gauge(metrics: &str) -> Option<u64> {
    metrics
        .lines()
        .find_map(|l| l.strip_prefix("mesa_sla_tickets "))
        .and_then(|n| n.trim().parse().ok())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn parallel_overlapping_ticket_posts_leave_what_a_sequential_run_leaves() {
    let parallel = start(hand_engine, hand_store, None).await;
    let sequential = start(hand_engine, hand_store, None).await;
    let requests = (0..20)
        .map(|i| {
            (
                "POST",
                "/api/v1/tickets".to_owned(),
                Some(overlapping_body(i)),
            )
        })
        .collect();
    let answers = all_at_once(&parallel.addr, requests).await;
    for (i, r) in answers.iter().enumerate() {
        assert_eq!(r.status, 200, "request {i}: {}", r.text());
        assert_eq!(r.json()["accepted"], 5, "request {i}");
    }
    for i in 0..20 {
        let r = sequential
            .post("/api/v1/tickets", &overlapping_body(i))
            .await;
        assert_eq!(r.status, 200, "sequential {i}: {}", r.text());
    }
    // 4 tickets of the fixture and C-0…C-23, in both stores, field by field.
    for server in [&parallel, &sequential] {
        let metrics = server.get("/metrics").await.text();
        assert_eq!(tickets_gauge(&metrics), Some(4 + 24), "{metrics}");
    }
    for n in 0..24 {
        let target = format!("/api/v1/tickets/api/C-{n}");
        let (p, s) = (parallel.get(&target).await, sequential.get(&target).await);
        assert_eq!((p.status, s.status), (200, 200), "C-{n}");
        assert_eq!(p.json(), s.json(), "C-{n}");
        assert_eq!(p.json()["title"], format!("Caso concurrente {n}"));
    }
    assert_eq!(parallel.get("/api/v1/tickets/api/C-24").await.status, 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn identical_event_posts_at_once_store_the_event_once() {
    let server = start(hand_engine, hand_store, None).await;
    let created = server
        .post(
            "/api/v1/tickets",
            &serde_json::to_vec(&ticket(1)).expect("json"),
        )
        .await;
    assert_eq!(created.status, 200, "{}", created.text());
    let event = serde_json::json!({
        "at": "2025-08-02 11:00:00", "kind": "status", "old_value": "new",
        "new_value": "assigned", "actor": "Ana"
    });
    let body = serde_json::to_vec(&event).expect("json");
    let requests = (0..20)
        .map(|_| {
            (
                "POST",
                "/api/v1/tickets/api/C-1/events".to_owned(),
                Some(body.clone()),
            )
        })
        .collect();
    for (i, r) in all_at_once(&server.addr, requests).await.iter().enumerate() {
        assert_eq!(r.status, 200, "request {i}: {}", r.text());
    }
    let t = server.get("/api/v1/tickets/api/C-1").await.json();
    let events = t["events"].as_array().expect("events");
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0]["new_value"], "assigned");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn parallel_downloads_generate_each_workbook_once_and_whole() {
    let server = start(sample_engine, sample_fill, None).await;
    let quarters = ["2025-Q1", "2025-Q2", "2025-Q3"];
    let target = |q: &str| {
        format!(
            "/descargas/indicadores.xlsx?{}",
            query(&[("entity", SAMPLE_ENTITY), ("quarter", q)])
        )
    };
    let requests = (0..36)
        .map(|i| ("GET", target(quarters[i % 3]), None))
        .collect();
    let answers = all_at_once(&server.addr, requests).await;
    for (i, r) in answers.iter().enumerate() {
        assert_eq!(r.status, 200, "download {i}: {}", r.text());
        assert!(
            r.body.starts_with(b"PK\x03\x04"),
            "download {i}: not a zip container"
        );
        let mut book = Xlsx::new(std::io::Cursor::new(r.body.clone()))
            .unwrap_or_else(|e| panic!("download {i} does not open: {e}"));
        let sheets = book.sheet_names();
        assert!(sheets.len() > 1, "download {i}: {sheets:?}");
        for name in sheets {
            book.worksheet_range(&name)
                .unwrap_or_else(|e| panic!("download {i}, sheet {name}: {e}"));
        }
        // Every download of one quarter is the one generated file.
        assert_eq!(r.body, answers[i % 3].body, "download {i}");
    }
    assert_eq!(server.count("workbooks"), 3);
}

/// The error of a response, JSON or page.
fn error_text(r: &Response) -> String {
    serde_json::from_slice::<serde_json::Value>(&r.body)
        .ok()
        .and_then(|v| v["error"].as_str().map(str::to_owned))
        .unwrap_or_else(|| r.text())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn filter_values_that_match_nothing_are_404_before_any_computation() {
    let server = start(hand_engine, hand_store, None).await;
    // The known view: computes its set once, and loads the entity's values once.
    let known = "/api/v1/indicators?entity=Prueba&quarter=2025-Q3";
    assert_eq!(server.get(known).await.status, 200);
    let (sets, known_loads) = (server.count("sets"), server.count("known"));
    assert_eq!((sets, known_loads), (1, 1));
    // Values the hand-computed quarter does not have (tests/fixtures/report/tickets.csv: one
    // entity, Prueba; categories Hardware and Software; groups N1, N2; Ana and Beto;
    // priorities 2, 3 and 4; tickets from June 2025).
    let cases: [(&[(&str, &str)], &str); 6] = [
        (
            &[("entity", "Alcaldia de San Isidro")],
            "Entidades en la base: Prueba.",
        ),
        (
            &[("entity", "Prueba"), ("quarter", "2024-Q1")],
            "elija uno entre 2025-Q2 y",
        ),
        (
            &[("entity", "Prueba"), ("category", "Redes")],
            "Valores con casos: Hardware, Software.",
        ),
        (
            &[("entity", "Prueba"), ("group", "N9")],
            "Valores con casos: N1, N2.",
        ),
        (
            &[("entity", "Prueba"), ("technician", "Zoe")],
            "Valores con casos: Ana, Beto.",
        ),
        (
            &[("entity", "Prueba"), ("priority", "6")],
            "Prioridades con casos: 2 (Baja), 3 (Mediana), 4 (Alta).",
        ),
    ];
    for (pairs, listed) in cases {
        let q = query(pairs);
        for target in [
            format!("/api/v1/indicators?{q}"),
            format!("/api/v1/breaches?{q}"),
            format!("/descargas/indicadores.xlsx?{q}"),
            format!("/graficos/cumplimiento_mensual.svg?{q}"),
        ] {
            let r = server.get(&target).await;
            assert_eq!(r.status, 404, "{target}: {}", r.text());
            assert!(error_text(&r).contains(listed), "{target}: {}", r.text());
        }
        // The dashboard answers with a Spanish page listing the same values.
        let page = server.get(&format!("/?{q}")).await;
        assert_eq!(page.status, 404, "{q}");
        assert!(page.text().contains("No encontrado"), "{}", page.text());
        let text = page.text().replace("&gt;", ">");
        assert!(text.contains(listed), "{q}: {text}");
    }
    // Hundreds of random values later, nothing was computed and nothing more loaded.
    for i in 0..200_u64 {
        let q = query(&[
            ("entity", "Prueba"),
            (
                "category",
                &format!("categoria-{i}-{:08x}", i.wrapping_mul(2_654_435_761_u64)),
            ),
        ]);
        assert_eq!(
            server.get(&format!("/api/v1/indicators?{q}")).await.status,
            404
        );
    }
    assert_eq!(server.count("sets"), sets);
    assert_eq!(server.count("pages"), 0);
    assert_eq!(server.count("workbooks"), 0);
    assert_eq!(server.count("known"), known_loads);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn names_match_ignoring_case_and_accents() {
    let server = start(sample_engine, sample_fill, None).await;
    let exact = query(&[("entity", SAMPLE_ENTITY), ("quarter", "2025-Q3")]);
    let loose = query(&[
        ("entity", "entidad raiz > ALCALDIA de villa esperanza"),
        ("quarter", "2025-Q3"),
    ]);
    let a = server.get(&format!("/api/v1/indicators?{exact}")).await;
    let b = server.get(&format!("/api/v1/indicators?{loose}")).await;
    assert_eq!((a.status, b.status), (200, 200), "{}", b.text());
    assert_eq!(a.json(), b.json());
    // One computation: both name the same view.
    assert_eq!(server.count("sets"), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn cold_views_beyond_the_limit_are_503_with_retry_after() {
    // Two store tasks at once, three computations admitted.
    let server = start(hand_engine, hand_store, Some((2, 3))).await;
    // Entities and the entity's values are cached by a first view.
    assert_eq!(
        server
            .get("/api/v1/indicators?entity=Prueba&quarter=2025-Q3")
            .await
            .status,
        200
    );
    // Ten distinct valid views not computed yet, sent while the store is busy.
    let views: Vec<String> = ["2025-Q2", "2025-Q4", "2026-Q1", "2026-Q2", "2026-Q3"]
        .iter()
        .flat_map(|q| {
            ["2", "4"].map(|p| format!("/api/v1/indicators?entity=Prueba&quarter={q}&priority={p}"))
        })
        .collect();
    assert_eq!(views.len(), 10);
    let hold = server
        .state
        .hold_store_for_tests()
        .await
        .expect("store held");
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    for v in &views {
        let (addr, v, tx) = (server.addr.clone(), v.clone(), tx.clone());
        tokio::spawn(async move {
            let _ = tx.send(send(&addr, "GET", &v, None, None).await);
        });
    }
    // Seven are refused at once while three wait for the store.
    for _ in 0..7 {
        let r = next(&mut rx).await;
        assert_eq!(r.status, 503, "{}", r.text());
        assert_eq!(r.header("retry-after"), Some("2"));
        assert!(error_text(&r).contains("intente de nuevo"), "{}", r.text());
    }
    drop(hold);
    for _ in 0..3 {
        let r = next(&mut rx).await;
        assert_eq!(r.status, 200, "{}", r.text());
    }
    assert_eq!(server.count("sets"), 1 + 3);
    assert!(server.state.work.store_tasks_peak.load(Ordering::SeqCst) <= 2);
    assert_eq!(server.get("/healthz").await.text(), "ok");
    // The refused views are computed when asked again.
    for v in &views {
        assert_eq!(server.get(v).await.status, 200, "{v}");
    }
    assert_eq!(server.count("sets"), 1 + 10);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_requests_for_one_cold_view_compute_it_once() {
    let server = start(hand_engine, hand_store, None).await;
    let view = "/?entity=Prueba&quarter=2025-Q3&priority=4".to_owned();
    let answers = all_at_once(
        &server.addr,
        (0..30).map(|_| ("GET", view.clone(), None)).collect(),
    )
    .await;
    for r in &answers {
        assert_eq!(r.status, 200, "{}", r.text());
    }
    assert_eq!((server.count("sets"), server.count("pages")), (1, 1));
}

/// The next response of the channel, within a minute.
async fn next(rx: &mut tokio::sync::mpsc::UnboundedReceiver<Response>) -> Response {
    tokio::time::timeout(Duration::from_secs(60), rx.recv())
        .await
        .expect("an answer within a minute")
        .expect("a response")
}

/// Waits (up to a minute) until `done` holds.
async fn until(what: &str, done: impl Fn() -> bool) {
    for _ in 0..600 {
        if done() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{what}: not within a minute");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_view_whose_client_left_is_not_computed() {
    use tokio::io::AsyncWriteExt;
    let server = start(hand_engine, hand_store, None).await;
    let first = server
        .get("/api/v1/indicators?entity=Prueba&quarter=2025-Q3")
        .await;
    assert_eq!(first.status, 200);
    let sets = server.count("sets");
    let hold = server
        .state
        .hold_store_for_tests()
        .await
        .expect("store held");
    let mut client = tokio::net::TcpStream::connect(&server.addr)
        .await
        .expect("connects");
    client
        .write_all(
            b"GET /api/v1/indicators?entity=Prueba&quarter=2025-Q2 HTTP/1.1\r\nHost: prueba\r\n\r\n",
        )
        .await
        .expect("request sent");
    let state = server.state.clone();
    until("the view is admitted", || {
        state.computations_admitted() == 1
    })
    .await;
    // The client leaves while its view waits for the store: its place is given back…
    drop(client);
    until("the view is dropped", || state.computations_admitted() == 0).await;
    drop(hold);
    // …and once the store is free, nothing was computed for it.
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(server.count("sets"), sets);
    let again = server
        .get("/api/v1/indicators?entity=Prueba&quarter=2025-Q2")
        .await;
    assert_eq!(again.status, 200);
    assert_eq!(server.count("sets"), sets + 1);
}

/// The categories of the GLPI samples (tests/fixtures/canonical/tickets.csv).
const CATEGORIES: [&str; 9] = [
    "Accesos",
    "Capacitación",
    "Gestión de usuarios",
    "Hardware",
    "Infraestructura",
    "Respaldos",
    "Seguridad",
    "Software > Ofimática",
    "Telecomunicaciones > VPN",
];

/// Threads of a process, from `/proc/<pid>/status` (`None` where there is no `/proc`).
fn threads_of(pid: u32) -> Option<usize> {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()?
        .lines()
        .find_map(|l| l.strip_prefix("Threads:"))
        .and_then(|n| n.trim().parse().ok())
}

/// The real binary (`serve`, with the runtime `main` builds) under 200 clients asking for
/// cold views, valid and not: every answer is 200, 404 or 503 (never a 500 or a dropped
/// connection), the process's threads stay bounded, and it still answers afterwards.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_served_binary_keeps_its_threads_bounded_under_many_cold_views() {
    use std::io::BufRead;
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("s.duckdb");
    tokio::task::spawn_blocking({
        let db = db.clone();
        move || sample_fill(&mut Store::open(&db).expect("store"))
    })
    .await
    .expect("filled");
    let policy = crate::helpers::fixtures().join("samples/policy.toml");
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_mesa-sla"))
        .arg("--config")
        .arg(&policy)
        .arg("--db")
        .arg(&db)
        .args(["serve", "--bind", "127.0.0.1:0"])
        .env_remove("MESA_SLA_DB")
        .env_remove("MESA_SLA_CONFIG")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("serve starts");
    // Kept open to the end: the server may still write to it.
    let mut lines = std::io::BufReader::new(child.stdout.take().expect("stdout")).lines();
    let addr = lines
        .by_ref()
        .map_while(Result::ok)
        .find_map(|l| {
            l.strip_prefix("Tablero en http://")
                .and_then(|rest| rest.split('/').next())
                .map(str::to_owned)
        })
        .expect("the dashboard's address");
    let pid = child.id();
    let before = threads_of(pid);
    // 6 quarters × 6 priorities × 9 categories of the samples, and as many unknown values.
    let mut targets = Vec::new();
    for q in [
        "2024-Q3", "2024-Q4", "2025-Q1", "2025-Q2", "2025-Q3", "2025-Q4",
    ] {
        for p in 1..=6 {
            for (c, category) in CATEGORIES.iter().enumerate() {
                targets.push(format!(
                    "/api/v1/indicators?{}&priority={p}",
                    query(&[
                        ("entity", SAMPLE_ENTITY),
                        ("quarter", q),
                        ("category", category)
                    ]),
                ));
                targets.push(format!(
                    "/?{}&category=no-existe-{q}-{p}-{c}",
                    query(&[("entity", SAMPLE_ENTITY), ("quarter", q)])
                ));
            }
        }
    }
    let peak = Arc::new(std::sync::atomic::AtomicUsize::new(before.unwrap_or(0)));
    let sampling = Arc::new(std::sync::atomic::AtomicBool::new(true));
    let sampler = tokio::spawn({
        let (peak, sampling) = (peak.clone(), sampling.clone());
        async move {
            while sampling.load(Ordering::SeqCst) {
                if let Some(n) = threads_of(pid) {
                    peak.fetch_max(n, Ordering::SeqCst);
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }
    });
    let mut statuses = std::collections::BTreeMap::<u16, usize>::new();
    for chunk in targets.chunks(200) {
        let requests = chunk.iter().map(|t| ("GET", t.clone(), None)).collect();
        for r in all_at_once(&addr, requests).await {
            *statuses.entry(r.status).or_default() += 1;
        }
    }
    sampling.store(false, Ordering::SeqCst);
    sampler.await.expect("sampler");
    let alive = send(&addr, "GET", "/healthz", None, None).await;
    let _ = child.kill();
    let _ = child.wait();
    drop(lines);
    assert_eq!(alive.text(), "ok");
    assert!(
        statuses.keys().all(|s| [200, 404, 503].contains(s)),
        "{statuses:?}"
    );
    assert_eq!(
        statuses.get(&404),
        Some(&(6 * 6 * CATEGORIES.len())),
        "{statuses:?}"
    );
    // Runtime workers and DuckDB's threads (one per core each), the bounded blocking pool,
    // and a margin; unbounded, a burst like this one grows the pool towards 512.
    let cores = std::thread::available_parallelism().map_or(4, usize::from);
    let bound = AppState::MAX_BLOCKING_THREADS + 3 * cores + 16;
    if before.is_some() {
        let peak = peak.load(Ordering::SeqCst);
        eprintln!("threads: {before:?} before, {peak} at most; answers {statuses:?}");
        assert!(
            peak <= bound,
            "{peak} threads (bound {bound}): {statuses:?}"
        );
    }
}
