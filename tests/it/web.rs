//! The HTTP server started for real on port 0: pages, JSON equal to the indicator set, hostile
//! filters, authentication, the own-store ingest endpoints, OpenAPI against the routes.

use std::net::SocketAddr;
use std::sync::Arc;

use mesa_sla::indicators::{Definitions, Quarter};
use mesa_sla::report;
use mesa_sla::store::Store;
use mesa_sla::web::{API_ROUTES, AppState, OPENAPI, WebConfig, check_bind};

use crate::helpers::{cut, fixtures, sample_config};
use crate::http::{Response, encode, query, send, send_authorized};
use crate::report::{hand_engine, hand_store};
use mesa_sla::engine::Engine;
use mesa_sla::evaluation::evaluate_store;
use mesa_sla::ingest::{self, canonical};

const INGEST_TOKEN: &str = "token-de-carga-de-prueba";

pub struct App {
    pub addr: String,
    _dir: tempfile::TempDir,
    db: std::path::PathBuf,
}

impl App {
    pub async fn get(&self, target: &str) -> Response {
        send(&self.addr, "GET", target, None, None).await
    }

    async fn get_as(&self, target: &str, token: &str) -> Response {
        send(&self.addr, "GET", target, Some(token), None).await
    }

    async fn post(&self, target: &str, token: Option<&str>, body: &[u8]) -> Response {
        send(&self.addr, "POST", target, token, Some(body)).await
    }
}

/// Starts the real server on a free port over a store holding the hand-computed quarter.
pub async fn spawn_app(web: WebConfig) -> App {
    spawn_app_over(web, hand_engine, hand_store).await
}

/// Starts the real server on a free port over a store that `fill` prepares.
pub async fn spawn_app_over(web: WebConfig, engine: fn() -> Engine, fill: fn(&mut Store)) -> App {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("web.duckdb");
    let store = tokio::task::spawn_blocking({
        let db = db.clone();
        move || {
            let mut store = Store::open(&db).expect("store");
            fill(&mut store);
            store
        }
    })
    .await
    .expect("store task");
    let state = AppState::new(
        store,
        engine(),
        Definitions::builtin(),
        web,
        Some("https://mesa.prueba.gov.co".into()),
    )
    .expect("state");
    let (tx, rx) = tokio::sync::oneshot::channel::<SocketAddr>();
    let addr: SocketAddr = "127.0.0.1:0".parse().expect("addr");
    tokio::spawn(async move {
        let _ = mesa_sla::web::serve(Arc::new(state), addr, move |local| {
            let _ = tx.send(local);
        })
        .await;
    });
    let local = rx.await.expect("server started");
    App {
        addr: local.to_string(),
        _dir: dir,
        db,
    }
}

pub fn sample_engine() -> Engine {
    sample_config().engine().expect("engine")
}

/// The GLPI samples (canonical fixture), evaluated at the samples' cut.
pub fn sample_fill(store: &mut Store) {
    for name in ["tickets.csv", "events.csv"] {
        let path = fixtures().join("canonical").join(name);
        let (kind, records) = canonical::read(&path, "canonical").expect("readable fixture");
        ingest::load_file(store, &path, kind.label(), records).expect("fixture loads");
    }
    evaluate_store(store, &sample_engine(), cut(), cut()).expect("evaluated");
}

const VIEW: &str = "entity=Prueba&quarter=2025-Q3";

fn close(v: &serde_json::Value, want: f64) -> bool {
    v.as_f64().is_some_and(|v| (v - want).abs() < 1e-6)
}

/// The indicator set of the hand-computed quarter (2025-Q3 of `tests/fixtures/report`), each
/// number worked out by hand in its README and in `report::a_hand_computed_quarter`.
fn assert_hand_quarter(set: &serde_json::Value) {
    let total = &set["current"]["total"];
    for (field, want) in [
        ("registered", 3), // tickets 1–3
        ("registered_solved", 2),
        ("attention_met", 2),      // 1 and 3 in 0.5 h
        ("attention_breached", 1), // 2 in 3 h
        ("solved", 3),             // 1 (4 h), 2 (10 h), 4 (9 h)
        ("solution_met", 1),
        ("solution_breached", 2),
        ("closed_in_time", 2), // 1 after 7 h, 4 after 1 h; 2 never closed
        ("closing_decided", 3),
        ("reopened", 1),         // 2
        ("backlog", 1),          // 3
        ("surveys_answered", 2), // 1 (5) and 4 (3)
        ("surveys_satisfied", 1),
        ("surveys_sent", 3),
        ("surveys_sent_answered", 2),
    ] {
        assert_eq!(total[field], want, "{field}: {total}");
    }
    for (field, want) in [
        ("attention_mean", 4.0 / 3.0), // (0.5 + 3 + 0.5) / 3
        ("attention_median", 0.5),
        ("attention_p90", 2.5),        // 0.5 + 0.8 × 2.5
        ("solution_mean", 23.0 / 3.0), // (4 + 10 + 9) / 3
        ("solution_median", 9.0),
    ] {
        assert!(close(&total[field], want), "{field}: {total}");
    }
    // The quarter before: ticket 4, created and attended in time, open at the end of June.
    let previous = &set["previous"]["total"];
    assert_eq!(
        [
            &previous["registered"],
            &previous["attention_met"],
            &previous["backlog"],
            &previous["solved"]
        ],
        [1, 1, 1, 0],
        "{previous}"
    );
    let indicator = |medida: &str| {
        set["indicators"]
            .as_array()
            .and_then(|all| all.iter().find(|i| i["definition"]["medida"] == medida))
            .unwrap_or_else(|| panic!("no indicator {medida}"))
            .clone()
    };
    for (medida, want) in [
        ("registrados", 3.0),
        ("solucionados", 3.0),
        ("pendientes", 1.0),
        ("atencion_en_meta", 200.0 / 3.0),   // 2 of 3
        ("solucion_en_meta", 100.0 / 3.0),   // 1 of 3
        ("resolucion", 200.0 / 3.0),         // 2 of the 3 registered solved
        ("cierre_oportuno", 200.0 / 3.0),    // 2 of 3
        ("reapertura", 100.0 / 3.0),         // 1 of 3
        ("satisfaccion", 50.0),              // 1 of 2 answers is 4–5
        ("respuesta_encuesta", 200.0 / 3.0), // 2 of 3 sent
        ("solucion_mediana", 9.0),
    ] {
        let i = indicator(medida);
        assert!(close(&i["value"], want), "{medida}: {i}");
    }
    assert!(close(&indicator("atencion_en_meta")["previous"], 100.0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn overview_page_and_indicator_json_match_the_indicator_set() {
    let app = spawn_app(WebConfig::default()).await;
    let page = app.get(&format!("/?{VIEW}")).await;
    assert_eq!(page.status, 200);
    let html = page.text();
    assert!(html.contains("<html lang=\"es\">"));
    assert!(html.contains("Prueba") && html.contains("tercer trimestre de 2025"));
    assert!(html.contains("Casos atendidos dentro del ANS"));
    assert!(html.contains("66,7 %"), "attention tile");
    // The breach list links to the ticket pages.
    assert!(html.contains("href=\"/casos/glpi/2\""), "{html}");

    let json = app.get(&format!("/api/v1/indicators?{VIEW}")).await;
    let expected = tokio::task::spawn_blocking({
        let db = app.db.clone();
        move || {
            let store = Store::open(&db).expect("store");
            report::indicator_set(
                &store,
                &hand_engine(),
                &Definitions::builtin(),
                "Prueba",
                Quarter::parse("2025-Q3").expect("quarter"),
            )
            .expect("set")
        }
    })
    .await
    .expect("task");
    // Compared as text: parsing floats back is not exact to the last bit without serde_json's
    // float_roundtrip, while the serialisation of the same set is.
    assert_eq!(json.header("content-type"), Some("application/json"));
    assert!(
        json.text() == serde_json::to_string(&expected).expect("serialise"),
        "the API's indicator set differs from the report's"
    );
    assert_hand_quarter(&json.json());

    // A filter narrows the figures: priority Alta holds tickets 1 and 3.
    let alta = app
        .get(&format!("/api/v1/indicators?{VIEW}&priority=Alta"))
        .await
        .json();
    assert_eq!(alta["current"]["total"]["registered"], 2);
    assert_eq!(alta["current"]["total"]["attention_breached"], 0);

    assert_eq!(
        app.get(&format!("/api/v1/at-risk?{VIEW}")).await.status,
        200
    );
    let breaches = app.get(&format!("/api/v1/breaches?{VIEW}")).await.json();
    assert_eq!(breaches.as_array().map(Vec::len), Some(4));
}

/// Tickets of the samples created in each quarter: a count of `Fecha de Apertura` by quarter
/// over shared/samples/tickets.csv (300 tickets, one entity).
const SAMPLE_QUARTERS: [(&str, u64); 8] = [
    ("2024-Q1", 31),
    ("2024-Q2", 37),
    ("2024-Q3", 35),
    ("2024-Q4", 41),
    ("2025-Q1", 26),
    ("2025-Q2", 35),
    ("2025-Q3", 34),
    ("2025-Q4", 61),
];
const SAMPLE_ENTITY: &str = "Entidad Raíz > Alcaldía de Villa Esperanza";

/// Over the 300 sample tickets: for every quarter, the API's indicator set is the report's and
/// holds the tickets created in it, which the overview shows; each ticket's clocks in the API
/// are the reference results of `expected.csv`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_samples_served_match_the_report_and_the_reference_results() {
    let app = spawn_app_over(WebConfig::default(), sample_engine, sample_fill).await;
    let db = app.db.clone();
    let reports = tokio::task::spawn_blocking(move || {
        let store = Store::open(&db).expect("store");
        SAMPLE_QUARTERS
            .iter()
            .map(|(quarter, _)| {
                let set = report::indicator_set(
                    &store,
                    &sample_engine(),
                    &Definitions::builtin(),
                    SAMPLE_ENTITY,
                    Quarter::parse(quarter).expect("quarter"),
                )
                .expect("set");
                serde_json::to_string(&set).expect("serialise")
            })
            .collect::<Vec<_>>()
    })
    .await
    .expect("task");
    for ((quarter, created), expected) in SAMPLE_QUARTERS.iter().zip(&reports) {
        let q = query(&[("entity", SAMPLE_ENTITY), ("quarter", quarter)]);
        let json = app.get(&format!("/api/v1/indicators?{q}")).await;
        assert_eq!(json.status, 200);
        assert!(
            json.text() == *expected,
            "{quarter}: the API's indicator set differs from the report's"
        );
        assert_eq!(
            json.json()["current"]["total"]["registered"],
            *created,
            "{quarter}"
        );
        let page = app.get(&format!("/?{q}")).await;
        assert_eq!(page.status, 200);
        let html = page.text();
        let tile = html
            .split("data-id=\"registrados\"")
            .nth(1)
            .expect("registered tile");
        let value = tile
            .split("class=\"value\">")
            .nth(1)
            .and_then(|v| v.split('<').next())
            .expect("tile value");
        assert_eq!(value, created.to_string(), "{quarter}");
    }

    let mut expected =
        csv::Reader::from_path(fixtures().join("samples/expected.csv")).expect("expected.csv");
    let mut clocks = 0;
    for row in expected.records() {
        let row = row.expect("row");
        let (source, id, metric, business, state) = (&row[0], &row[1], &row[2], &row[4], &row[6]);
        let t = app
            .get(&format!(
                "/api/v1/tickets/{}/{}",
                encode(source),
                encode(id)
            ))
            .await;
        assert_eq!(t.status, 200, "{source}/{id}");
        let body = t.json();
        let clock = body["clocks"]
            .as_array()
            .and_then(|c| c.iter().find(|c| c["metric"] == metric))
            .unwrap_or_else(|| panic!("{source}/{id}: no {metric} clock in {body}"));
        assert_eq!(clock["state"], state, "{source}/{id} {metric}");
        assert_eq!(
            clock["business_seconds"].to_string(),
            business,
            "{source}/{id} {metric}"
        );
        clocks += 1;
    }
    // 600 rows: attention and solution of the 300 tickets (shared/samples README).
    assert_eq!(clocks, 600);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_parameters_are_bound_never_spliced() {
    let app = spawn_app(WebConfig::default()).await;
    for hostile in [
        "' OR 1=1 --",
        "Hardware'; DROP TABLE tickets; --",
        "%27%20OR%20%271%27%3D%271",
    ] {
        let q = query(&[
            ("entity", "Prueba"),
            ("quarter", "2025-Q3"),
            ("category", hostile),
            ("technician", hostile),
        ]);
        // Values that match nothing are refused before any query runs, the valid ones listed.
        let r = app.get(&format!("/api/v1/indicators?{q}")).await;
        assert_eq!(r.status, 404, "{hostile}");
        let error = r.json()["error"].as_str().unwrap_or_default().to_owned();
        assert!(error.contains("Hardware, Software"), "{error}");
        let e = app
            .get(&format!(
                "/api/v1/breaches?{}",
                query(&[("entity", hostile)])
            ))
            .await;
        assert_eq!(e.status, 404);
        assert!(
            e.text().contains("Entidades en la base: Prueba."),
            "{}",
            e.text()
        );
        let t = app
            .get(&format!("/api/v1/tickets/glpi/{}", encode(hostile)))
            .await;
        assert_eq!(t.status, 404);
    }
    // The tickets are still there.
    let ok = app.get("/api/v1/tickets/glpi/2").await;
    assert_eq!(ok.status, 200);
    let t = ok.json();
    assert_eq!(t["clocks"][1]["state"], "breached");
    // Solution of ticket 2: 11 business hours open, 1 paused (solved before the reopen).
    assert_eq!(t["clocks"][1]["counted"]["open"], 11 * 3600);
    assert_eq!(t["clocks"][1]["paused_seconds"], 3600);
    assert_eq!(
        t["link"],
        "https://mesa.prueba.gov.co/front/ticket.form.php?id=2"
    );

    // Bad values are clear 400s, in Spanish, without internals.
    for (q, message) in [
        ("quarter=2025-Q9", "trimestre «2025-Q9» no válido"),
        (
            "priority=urgent%C3%ADsima",
            "prioridad «urgentísima» desconocida",
        ),
    ] {
        let r = app
            .get(&format!("/api/v1/indicators?entity=Prueba&{q}"))
            .await;
        assert_eq!(r.status, 400, "{q}");
        let body = r.text();
        assert!(body.contains(message), "{body}");
        assert!(!body.contains(".rs") && !body.contains("/tmp"), "{body}");
    }
    assert_eq!(app.get("/no/existe").await.status, 404);
}

/// HTML text with the entities the templates write turned back into characters.
pub fn unescape(html: &str) -> String {
    html.replace("&#x2f;", "/")
        .replace("&#x27;", "'")
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// The hand-computed quarter plus ticket 5, on hold at the cut (2025-12-31 23:59:59): opened
/// Monday 29 December 2025 08:00 (Alta), taken 08:30, waiting since 13:00: 5 h of its 8 h
/// solution target used, past the 50 % warning, so at risk while on hold.
fn hand_store_with_a_ticket_on_hold(store: &mut Store) {
    hand_store(store);
    let dir = tempfile::tempdir().expect("tempdir");
    let tickets = dir.path().join("tickets.csv");
    let events = dir.path().join("events.csv");
    std::fs::write(
        &tickets,
        "source,entity,ticket_id,title,priority,category,technician,tech_group,status,created_at\n\
         glpi,Prueba,5,VPN caída,4,Redes,Ana,N1,waiting,2025-12-29 08:00:00\n",
    )
    .expect("tickets");
    std::fs::write(
        &events,
        "source,ticket_id,seq,at,kind,old_value,new_value,actor\n\
         glpi,5,1,2025-12-29 08:30:00,status,new,assigned,Ana\n\
         glpi,5,2,2025-12-29 13:00:00,status,assigned,waiting,Ana\n",
    )
    .expect("events");
    for path in [tickets, events] {
        let (kind, records) = canonical::read(&path, "canonical").expect("readable");
        let s = ingest::load_file(store, &path, kind.label(), records).expect("loads");
        assert_eq!(s.rejected, 0, "{:?}", s.sample_rejects);
    }
    evaluate_store(store, &hand_engine(), cut(), cut()).expect("evaluates");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ticket_page_shows_when_a_clock_is_due_or_on_hold() {
    let app = spawn_app_over(
        WebConfig::default(),
        hand_engine,
        hand_store_with_a_ticket_on_hold,
    )
    .await;
    let page = unescape(&app.get("/casos/glpi/5").await.text());
    // Attention: 08:00 → 08:30, met, ended. Solution: 08:00 → 13:00 counted (5 h of 8), then on
    // hold until the cut: its deadline moves with the pause, so the page says since when.
    let rows = table_rows(&page, "relojes");
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert!(
        rows[0].starts_with("Atención | 2,0 h | 0,5 h |")
            && rows[0].ends_with("| Cumplido | — |  | General"),
        "{rows:?}"
    );
    assert!(
        rows[1].starts_with("Solución | 8,0 h | 5,0 h |")
            && rows[1].ends_with("| En riesgo | en pausa desde 29/12/2025 13:00 |  | General"),
        "{rows:?}"
    );
    // The footer no longer claims there are no pauses.
    assert!(!page.contains("sin pausas"), "{page}");
    assert!(page.contains("descuenta las pausas"), "{page}");
    // In the overview's at-risk list it is "en pausa", not "abierto": 3 h left, no deadline.
    let overview = unescape(&app.get("/?entity=Prueba&quarter=2025-Q4").await.text());
    let at_risk = table_rows(&overview, "en-riesgo");
    assert_eq!(at_risk.len(), 1, "{at_risk:?}");
    assert!(at_risk[0].ends_with("| 3,0 h | en pausa"), "{at_risk:?}");
}

/// Each body row of the table with that `id`, its cells' text joined by ` | `.
pub fn table_rows(html: &str, id: &str) -> Vec<String> {
    let table = html
        .split(&format!("<table id=\"{id}\">"))
        .nth(1)
        .and_then(|t| t.split("</table>").next())
        .unwrap_or_else(|| panic!("no table {id}"));
    let body = table.split("<tbody>").nth(1).expect("table body");
    body.split("</tr>")
        .filter(|r| r.contains("<td>"))
        .map(|r| {
            let cells: Vec<&str> = r
                .split("<td>")
                .skip(1)
                .map(|c| c.split("</td>").next().unwrap_or_default())
                .collect();
            cells.join(" | ")
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ticket_page_charts_downloads_health_and_metrics() {
    let app = spawn_app(WebConfig::default()).await;
    // Ticket 2 of the hand-computed quarter (tests/fixtures/report/README.md): opened Wednesday
    // 2 July 08:00, taken 11:00 (3 h against 2 h), solved 3 July 08:00, reopened 09:00 and
    // solved 10:00: 11 business hours open, 1 paused, 15 outside hours (17:00 to 08:00).
    let page = unescape(&app.get("/casos/glpi/2").await.text());
    assert!(
        page.contains("Creado el 02/07/2025 08:00 · solucionado el 03/07/2025 10:00"),
        "{page}"
    );
    assert!(page.contains("href=\"https://mesa.prueba.gov.co/front/ticket.form.php?id=2\""));
    // Clock | target | counted | paused | outside hours | weekends | holidays | closures | state |
    // due | excess over the target | rule. Both clocks ended: no due date; 3 − 2 and 10 − 8 h over.
    assert_eq!(
        table_rows(&page, "relojes"),
        [
            "Atención | 2,0 h | 3,0 h | 0,0 h | 0,0 h | 0,0 h | 0,0 h | 0,0 h | Incumplido | — | 1,0 h | General",
            "Solución | 8,0 h | 10,0 h | 1,0 h | 15,0 h | 0,0 h | 0,0 h | 0,0 h | Incumplido | — | 2,0 h | General",
        ]
    );
    // Its history: the four status changes of tests/fixtures/report/events.csv.
    assert_eq!(
        table_rows(&page, "historial"),
        [
            "02/07/2025 11:00:00 | Cambio de estado | Nuevo | En curso (asignado) | Beto",
            "03/07/2025 08:00:00 | Cambio de estado | En curso (asignado) | Resuelto | Beto",
            "03/07/2025 09:00:00 | Cambio de estado | Resuelto | En curso (asignado) | Marta",
            "03/07/2025 10:00:00 | Cambio de estado | En curso (asignado) | Resuelto | Beto",
        ]
    );
    let missing = app.get("/casos/glpi/999").await;
    assert_eq!(missing.status, 404);
    assert!(missing.text().contains("no existe el caso"));

    let svg = app
        .get(&format!("/graficos/cumplimiento_por_prioridad.svg?{VIEW}"))
        .await;
    assert_eq!(svg.status, 200);
    assert_eq!(svg.header("content-type"), Some("image/svg+xml"));
    assert!(svg.text().contains("<svg"));
    let png = app
        .get(&format!("/graficos/cumplimiento_mensual.png?{VIEW}"))
        .await;
    assert_eq!(png.status, 200);
    assert_eq!(png.header("content-type"), Some("image/png"));
    assert!(png.body.starts_with(b"\x89PNG"), "a PNG image");
    assert_eq!(
        app.get(&format!("/graficos/otro.png?{VIEW}")).await.status,
        404
    );
    let xlsx = app
        .get(&format!("/descargas/indicadores.xlsx?{VIEW}"))
        .await;
    assert_eq!(xlsx.status, 200);
    assert!(xlsx.body.starts_with(b"PK"), "a zip container");

    assert_eq!(app.get("/healthz").await.text(), "ok");
    let metrics = app.get("/metrics").await.text();
    assert!(
        metrics.contains(
            "mesa_sla_http_requests_total{route=\"/casos/{source}/{id}\",status=\"200\"} 1"
        ),
        "{metrics}"
    );
    assert!(metrics.contains("mesa_sla_tickets 4"), "{metrics}");
    assert!(metrics.contains("mesa_sla_last_run_timestamp_seconds{job=\"ingest\"}"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openapi_lists_exactly_the_routes() {
    let app = spawn_app(WebConfig::default()).await;
    let doc: serde_json::Value = serde_json::from_str(OPENAPI).expect("valid JSON");
    let mut documented: Vec<(String, String)> = doc["paths"]
        .as_object()
        .expect("paths")
        .iter()
        .flat_map(|(path, ops)| {
            ops.as_object()
                .expect("operations")
                .keys()
                .map(|m| (m.clone(), path.clone()))
                .collect::<Vec<_>>()
        })
        .collect();
    documented.sort();
    let mut routes: Vec<(String, String)> = API_ROUTES
        .iter()
        .map(|(m, p)| ((*m).to_owned(), (*p).to_owned()))
        .collect();
    routes.sort();
    assert_eq!(documented, routes);
    // Every listed route is served (none falls through to the 404 fallback).
    for (method, path) in API_ROUTES {
        let concrete = path.replace("{source}", "glpi").replace("{id}", "1");
        let r = match *method {
            "get" => app.get(&concrete).await,
            _ => app.post(&concrete, None, b"{}").await,
        };
        let fallback = r.status == 404 && r.text().contains("no existe esa dirección");
        assert!(!fallback, "{method} {path} is not routed");
    }
    assert_eq!(app.get("/api/v1/openapi.json").await.json(), doc);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writes_need_the_ingest_token_and_land_in_the_store() {
    let app = spawn_app(WebConfig {
        ingest_tokens: vec![INGEST_TOKEN.into()],
        ..WebConfig::default()
    })
    .await;
    let ticket = serde_json::json!({
        "source": "api", "entity": "Prueba", "ticket_id": "A-1", "title": "Nuevo equipo",
        "type": "request", "priority": "3", "status": "new",
        "created_at": "2025-08-04 09:00:00", "last_update": "2025-08-04 09:00:00"
    })
    .to_string();
    let t = ticket.as_bytes();
    assert_eq!(app.post("/api/v1/tickets", None, t).await.status, 401);
    assert_eq!(
        app.post("/api/v1/tickets", Some("otro-token"), t)
            .await
            .status,
        401
    );
    let ok = app.post("/api/v1/tickets", Some(INGEST_TOKEN), t).await;
    assert_eq!(ok.status, 200, "{}", ok.text());
    assert_eq!(ok.json()["accepted"], 1);

    let event = serde_json::json!([{
        "at": "2025-08-04 10:00:00", "kind": "status", "old_value": "new", "new_value": "assigned"
    }])
    .to_string();
    let ev = app
        .post(
            "/api/v1/tickets/api/A-1/events",
            Some(INGEST_TOKEN),
            event.as_bytes(),
        )
        .await;
    assert_eq!(ev.status, 200, "{}", ev.text());
    let t = app.get("/api/v1/tickets/api/A-1").await.json();
    assert_eq!(t["events"][0]["new_value"], "assigned");

    // A row with an impossible value is rejected with its reason; the rest loads.
    let bad = serde_json::json!([
        { "source": "api", "entity": "Prueba", "ticket_id": "A-2", "status": "new",
          "created_at": "2025-08-05 09:00:00" },
        { "source": "api", "entity": "Prueba", "ticket_id": "A-3", "status": "new",
          "created_at": "ayer" }
    ])
    .to_string();
    let r = app
        .post("/api/v1/tickets", Some(INGEST_TOKEN), bad.as_bytes())
        .await;
    assert_eq!(r.status, 422, "{}", r.text());
    let body = r.json();
    assert_eq!(
        (body["accepted"].as_u64(), body["rejected"].as_u64()),
        (Some(1), Some(1))
    );
    // Not JSON, and too large: refused before anything is written.
    let r = app
        .post("/api/v1/tickets", Some(INGEST_TOKEN), b"<html>login</html>")
        .await;
    assert_eq!(r.status, 400);
    let big = vec![b' '; 11 * 1024 * 1024];
    let r = app.post("/api/v1/tickets", Some(INGEST_TOKEN), &big).await;
    assert_eq!(r.status, 413);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn viewer_tokens_protect_reading_but_not_health() {
    let app = spawn_app(WebConfig {
        viewer_tokens: vec!["lectura".into()],
        ..WebConfig::default()
    })
    .await;
    assert_eq!(app.get("/").await.status, 401);
    assert_eq!(app.get("/api/v1/indicators").await.status, 401);
    assert_eq!(app.get("/healthz").await.status, 200);
    assert_eq!(
        app.get_as(&format!("/?{VIEW}"), "lectura").await.status,
        200
    );
    // Reading rights do not allow writing.
    assert_eq!(
        app.post("/api/v1/tickets", Some("lectura"), b"{}")
            .await
            .status,
        401
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_users_log_in_with_basic_and_argon2() {
    let hash = mesa_sla::web::auth::hash_password("clave-de-calidad").expect("hash");
    let app = spawn_app(WebConfig {
        users: vec![mesa_sla::web::auth::WebUser {
            name: "calidad".into(),
            password_hash: hash,
        }],
        ..WebConfig::default()
    })
    .await;
    // Without credentials a browser is offered Basic, so it asks its user.
    let r = app.get("/").await;
    assert_eq!(r.status, 401);
    let challenges: Vec<&str> = r
        .headers
        .iter()
        .filter(|(k, _)| k.eq_ignore_ascii_case("www-authenticate"))
        .map(|(_, v)| v.as_str())
        .collect();
    assert!(
        challenges.iter().any(|c| c.starts_with("Basic ")),
        "{challenges:?}"
    );
    let as_basic = |user_pass: &str| {
        // base64 of the pair, by the standard alphabet (RFC 4648).
        const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let mut s = String::new();
        for c in user_pass.as_bytes().chunks(3) {
            let n = (c[0] as u32) << 16
                | (*c.get(1).unwrap_or(&0) as u32) << 8
                | *c.get(2).unwrap_or(&0) as u32;
            for i in 0..=c.len() {
                s.push(T[(n >> (18 - 6 * i) & 63) as usize] as char);
            }
        }
        while !s.len().is_multiple_of(4) {
            s.push('=');
        }
        format!("Basic {s}")
    };
    let target = format!("/?{VIEW}");
    let wrong = as_basic("calidad:otra-clave");
    let r = send_authorized(&app.addr, "GET", &target, Some(&wrong), None).await;
    assert_eq!(r.status, 401);
    let right = as_basic("calidad:clave-de-calidad");
    let r = send_authorized(&app.addr, "GET", &target, Some(&right), None).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(
        r.text().contains("data-id=\"registrados\""),
        "the overview is served"
    );
    // A viewer may not write, whatever the credentials.
    let r = send_authorized(
        &app.addr,
        "POST",
        "/api/v1/tickets",
        Some(&right),
        Some(b"{}"),
    )
    .await;
    assert_eq!(r.status, 401);
}

#[test]
fn binding_beyond_loopback_requires_viewer_tokens() {
    let open = WebConfig::default();
    let any: SocketAddr = "0.0.0.0:8080".parse().expect("addr");
    let err = check_bind(any, &open).expect_err("refused");
    assert!(err.to_string().contains("sin autenticación"), "{err}");
    assert!(check_bind("127.0.0.1:8080".parse().expect("addr"), &open).is_ok());
    let protected = WebConfig {
        viewer_tokens: vec!["t".into()],
        ..WebConfig::default()
    };
    assert!(check_bind(any, &protected).is_ok());
    let people = WebConfig {
        users: vec![mesa_sla::web::auth::WebUser {
            name: "calidad".into(),
            password_hash: mesa_sla::web::auth::hash_password("clave-de-calidad").expect("hash"),
        }],
        ..WebConfig::default()
    };
    assert!(check_bind(any, &people).is_ok());
    let typo = WebConfig {
        users: vec![mesa_sla::web::auth::WebUser {
            name: "calidad".into(),
            password_hash: "clave-en-claro".into(),
        }],
        ..WebConfig::default()
    };
    let err = check_bind("127.0.0.1:8080".parse().expect("addr"), &typo).expect_err("bad hash");
    assert!(err.to_string().contains("hash-password"), "{err}");
}
