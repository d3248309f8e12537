//! GLPI REST API sync against a fake GLPI served by axum on 127.0.0.1:0 that answers like the
//! documented apirest.php: App-Token and user token at initSession, Session-Token on every call,
//! tickets paged with `range` and `Content-Range`, the Log, ITILFollowup, Ticket_User and
//! Group_Ticket sub-items, search/Ticket for incremental pulls, killSession, and the failures of
//! real installations (a 500 once, 401, 403, an HTML login page, an expiring session). The
//! fake serves the shared samples converted to GLPI's JSON shapes, so a sync must reproduce
//! `expected.csv` to the second.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::PathBuf;
use std::process::Command;
use std::sync::{Arc, Mutex, MutexGuard};

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, Method, Uri};
use axum::response::Response;
use mesa_sla::config::Config;
use mesa_sla::ingest::glpi_api::{self, GlpiApiConfig, GlpiApiError, GlpiSyncSummary, SyncOptions};
use mesa_sla::model::{Status, parse_priority};
use mesa_sla::store::Store;
use serde_json::{Value, json};

use crate::helpers::{assert_reproduces, compare, fixtures, stderr, stdout};

const APP_TOKEN: &str = "app-7f3c-prueba";
const USER_TOKEN: &str = "user-91ab-prueba";
const APP_ENV: &str = "MESA_SLA_GLPI_APP_TOKEN";
const USER_ENV: &str = "MESA_SLA_GLPI_USER_TOKEN";

// ---------------------------------------------------------------------------------------------
// The fake GLPI.

/// One request as the fake saw it: endpoint (after `apirest.php/`, no trailing `/`) and the
/// decoded query.
#[derive(Debug, Clone)]
struct Seen {
    endpoint: String,
    query: Vec<(String, String)>,
}

impl Seen {
    fn param(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

#[derive(Default)]
struct Glpi {
    tickets: BTreeMap<i64, Value>,
    logs: HashMap<i64, Vec<Value>>,
    followups: HashMap<i64, Vec<Value>>,
    users: HashMap<i64, Vec<Value>>,
    groups: HashMap<i64, Vec<Value>>,
    sessions: HashSet<String>,
    opened: u32,
    seen: Vec<Seen>,
    killed: Vec<String>,
    /// (endpoint, range) answered 500 the first time.
    fail_once: HashSet<(String, String)>,
    /// Answer a login page to everything, as a proxy in front of GLPI would.
    html: bool,
    /// Endpoints answered 403 ERROR_RIGHT_MISSING.
    forbidden: Vec<String>,
    /// Sessions expire after this many authorised calls.
    expire_every: Option<usize>,
    /// No session is ever valid (a GLPI whose session storage is broken).
    reject_sessions: bool,
    authorised: usize,
}

fn reply(status: u16, body: &Value, headers: &[(&str, String)]) -> Response {
    let mut b = Response::builder()
        .status(status)
        .header("Content-Type", "application/json; charset=UTF-8");
    for (k, v) in headers {
        b = b.header(*k, v);
    }
    b.body(Body::from(body.to_string())).expect("response")
}

fn error(status: u16, code: &str, message: &str) -> Response {
    reply(status, &json!([code, message]), &[])
}

/// A page: its rows, `Content-Range` and status.
type Page = (Vec<Value>, String, u16);
/// GLPI's refusal: status, code, message.
type Refusal = (u16, &'static str, String);

/// GLPI's paging: `range=a-b` (default 0-50), 400 past the end, 206 while partial.
fn paginate(rows: &[Value], range: Option<&str>) -> Result<Page, Refusal> {
    let (a, b) = range
        .unwrap_or("0-50")
        .split_once('-')
        .and_then(|(a, b)| Some((a.parse::<usize>().ok()?, b.parse::<usize>().ok()?)))
        .ok_or((400, "ERROR_RANGE_INVALID", "rango inválido".to_owned()))?;
    let total = rows.len();
    if a > total {
        return Err((
            400,
            "ERROR_RANGE_EXCEED_TOTAL",
            format!("Provided range exceed total count of data: {total}"),
        ));
    }
    let end = b.min(total.saturating_sub(1));
    let page: Vec<Value> = if total == 0 || a >= total {
        Vec::new()
    } else {
        rows[a..=end].to_vec()
    };
    let content_range = format!("{a}-{}/{total}", a as i64 + page.len() as i64 - 1);
    let status = if page.len() < total { 206 } else { 200 };
    Ok((page, content_range, status))
}

impl Glpi {
    fn answer(&mut self, method: &Method, uri: &Uri, headers: &HeaderMap) -> Response {
        let url = reqwest::Url::parse(&format!("http://fake{uri}")).expect("request uri");
        let Some(endpoint) = url.path().strip_prefix("/glpi/apirest.php/") else {
            return error(404, "ERROR", "fuera de apirest.php");
        };
        let endpoint = endpoint.trim_end_matches('/').to_owned();
        let query: Vec<(String, String)> = url.query_pairs().into_owned().collect();
        let seen = Seen {
            endpoint: endpoint.clone(),
            query,
        };
        self.seen.push(seen.clone());
        if self.html {
            return Response::builder()
                .status(200)
                .header("Content-Type", "text/html; charset=UTF-8")
                .body(Body::from(
                    "<!DOCTYPE html><html><head><title>Iniciar sesión</title></head>\
                     <body><form action=\"/login\">Usuario</form></body></html>",
                ))
                .expect("response");
        }
        if method != Method::GET {
            return error(405, "ERROR_METHOD_NOT_ALLOWED", "método no permitido");
        }
        let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
        match header("App-Token") {
            None => {
                return error(
                    400,
                    "ERROR_APP_TOKEN_PARAMETERS_MISSING",
                    "missing parameter app_token",
                );
            }
            Some(t) if t != APP_TOKEN => {
                return error(
                    400,
                    "ERROR_WRONG_APP_TOKEN_PARAMETER",
                    "parameter app_token seems wrong",
                );
            }
            Some(_) => {}
        }
        if let Some(range) = seen.param("range")
            && self.fail_once.remove(&(endpoint.clone(), range.to_owned()))
        {
            return error(500, "ERROR_SQL", "error de base de datos simulado");
        }
        if endpoint == "initSession" {
            return match header("Authorization") {
                None => error(
                    400,
                    "ERROR_LOGIN_PARAMETERS_MISSING",
                    "parameter(s) login, password or user_token are missing",
                ),
                Some(a) if a != format!("user_token {USER_TOKEN}") => error(
                    401,
                    "ERROR_GLPI_LOGIN_USER_TOKEN",
                    "parameter user_token seems invalid",
                ),
                Some(_) => {
                    self.opened += 1;
                    let token = format!("sesion{:04}", self.opened);
                    self.sessions.insert(token.clone());
                    reply(200, &json!({ "session_token": token }), &[])
                }
            };
        }
        let Some(session) = header("Session-Token") else {
            return error(
                400,
                "ERROR_SESSION_TOKEN_MISSING",
                "parameter session_token is missing or empty",
            );
        };
        if self.reject_sessions || !self.sessions.contains(session) {
            return error(
                401,
                "ERROR_SESSION_TOKEN_INVALID",
                "session_token seems invalid",
            );
        }
        if endpoint == "killSession" {
            self.sessions.remove(session);
            self.killed.push(session.to_owned());
            return reply(200, &json!(true), &[]);
        }
        self.authorised += 1;
        if let Some(n) = self.expire_every
            && self.authorised.is_multiple_of(n)
        {
            self.sessions.clear();
            return error(
                401,
                "ERROR_SESSION_TOKEN_INVALID",
                "session_token seems invalid",
            );
        }
        if self.forbidden.contains(&endpoint) {
            return error(
                403,
                "ERROR_RIGHT_MISSING",
                "No tiene permiso para realizar esta acción.",
            );
        }
        self.route(&endpoint, &seen)
    }

    fn route(&self, endpoint: &str, seen: &Seen) -> Response {
        let parts: Vec<&str> = endpoint.split('/').collect();
        let expanded = seen.param("expand_dropdowns") == Some("true");
        let page = |rows: &[Value]| match paginate(rows, seen.param("range")) {
            Ok((page, range, status)) => reply(
                status,
                &Value::Array(page),
                &[
                    ("Content-Range", range),
                    ("Accept-Range", "Ticket 990".into()),
                ],
            ),
            Err((status, code, message)) => error(status, code, &message),
        };
        // The fake only knows the expanded shapes: asking without expansion is a client bug.
        let need_expansion = || error(400, "ERROR_TEST", "la prueba exige expand_dropdowns=true");
        match parts.as_slice() {
            ["Ticket"] if !expanded => need_expansion(),
            ["Ticket"] => page(&self.tickets.values().cloned().collect::<Vec<_>>()),
            ["Ticket", id] => match id.parse::<i64>().ok().and_then(|i| self.tickets.get(&i)) {
                Some(_) if !expanded => need_expansion(),
                Some(t) => reply(200, t, &[]),
                None => error(404, "ERROR_ITEM_NOT_FOUND", "Elemento no encontrado"),
            },
            ["Ticket", id, sub] => {
                let Some(id) = id
                    .parse::<i64>()
                    .ok()
                    .filter(|i| self.tickets.contains_key(i))
                else {
                    return error(404, "ERROR_ITEM_NOT_FOUND", "Elemento no encontrado");
                };
                let rows = match *sub {
                    "Log" => &self.logs,
                    _ if !expanded => return need_expansion(),
                    "ITILFollowup" => &self.followups,
                    "Ticket_User" => &self.users,
                    "Group_Ticket" => &self.groups,
                    _ => {
                        return error(
                            400,
                            "ERROR_ITEMTYPE_NOT_FOUND_NOR_COMMONDBTM",
                            "tipo desconocido",
                        );
                    }
                };
                page(rows.get(&id).map_or(&[][..], Vec::as_slice))
            }
            ["search", "Ticket"] => self.search(seen),
            _ => error(
                400,
                "ERROR_ITEMTYPE_NOT_FOUND_NOR_COMMONDBTM",
                "recurso desconocido",
            ),
        }
    }

    /// `search/Ticket` with one `morethan` criterion on field 19 (last update).
    fn search(&self, seen: &Seen) -> Response {
        let (Some("19"), Some("morethan"), Some(value)) = (
            seen.param("criteria[0][field]"),
            seen.param("criteria[0][searchtype]"),
            seen.param("criteria[0][value]"),
        ) else {
            return error(400, "ERROR_TEST", "criterio inesperado");
        };
        let display: Vec<&str> = seen
            .query
            .iter()
            .filter(|(k, _)| k.starts_with("forcedisplay"))
            .map(|(_, v)| v.as_str())
            .collect();
        if !display.contains(&"2") {
            return error(400, "ERROR_TEST", "falta forcedisplay del ID (2)");
        }
        // Dates in `Y-m-d H:i:s` compare as text.
        let rows: Vec<Value> = self
            .tickets
            .values()
            .filter(|t| t["date_mod"].as_str().is_some_and(|d| d > value))
            .map(|t| json!({"1": t["name"], "2": t["id"], "19": t["date_mod"], "80": t["entities_id"]}))
            .collect();
        match paginate(&rows, seen.param("range")) {
            Ok((page, range, status)) => reply(
                status,
                &json!({
                    "totalcount": rows.len(), "count": page.len(), "sort": [2], "order": ["ASC"],
                    "data": page, "content-type": "application/json"
                }),
                &[("Content-Range", range)],
            ),
            Err((status, code, message)) => error(status, code, &message),
        }
    }

    fn endpoints(&self) -> Vec<String> {
        self.seen.iter().map(|s| s.endpoint.clone()).collect()
    }

    fn count(&self, endpoint: &str) -> usize {
        self.seen.iter().filter(|s| s.endpoint == endpoint).count()
    }
}

async fn handle(
    State(glpi): State<Arc<Mutex<Glpi>>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    glpi.lock()
        .expect("fake state")
        .answer(&method, &uri, &headers)
}

/// The fake, listening on a free loopback port until dropped.
struct FakeGlpi {
    state: Arc<Mutex<Glpi>>,
    url: String,
    _runtime: tokio::runtime::Runtime,
}

impl FakeGlpi {
    fn start(glpi: Glpi) -> FakeGlpi {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime");
        let state = Arc::new(Mutex::new(glpi));
        let app = axum::Router::new()
            .fallback(handle)
            .with_state(state.clone());
        let listener = runtime
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        runtime.spawn(async move {
            axum::serve(listener, app).await.expect("fake GLPI serves");
        });
        FakeGlpi {
            state,
            url: format!("http://{addr}/glpi/apirest.php"),
            _runtime: runtime,
        }
    }

    fn glpi(&self) -> MutexGuard<'_, Glpi> {
        self.state.lock().expect("fake state")
    }

    fn config(&self, page_size: u32) -> GlpiApiConfig {
        GlpiApiConfig {
            url: Some(self.url.clone()),
            page_size,
            ..GlpiApiConfig::default()
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The samples as GLPI API JSON.

fn samples() -> PathBuf {
    fixtures().join("samples")
}

/// `Name (id)` values of the history: the users GLPI knows.
fn user_names(logs: &[HashMap<String, String>]) -> HashMap<String, String> {
    let mut names = HashMap::new();
    for row in logs {
        for col in ["user_name", "old_value", "new_value"] {
            let v = &row[col];
            if let Some((name, rest)) = v.rsplit_once(" (")
                && let Some(id) = rest.strip_suffix(')')
                && id.bytes().all(|b| b.is_ascii_digit())
            {
                names.insert(id.to_owned(), name.to_owned());
            }
        }
    }
    names
}

fn read_table(name: &str) -> Vec<HashMap<String, String>> {
    let mut r = csv::Reader::from_path(samples().join(name)).expect("sample table");
    let headers = r.headers().expect("headers").clone();
    r.records()
        .map(|rec| {
            let rec = rec.expect("record");
            headers
                .iter()
                .zip(rec.iter())
                .map(|(h, v)| (h.to_owned(), v.to_owned()))
                .collect()
        })
        .collect()
}

fn num(v: &str) -> Value {
    v.parse::<i64>().map_or_else(|_| json!(v), Value::from)
}

/// The 300 sample tickets, their history and follow-ups, as GLPI's API would return them with
/// `expand_dropdowns=true`.
fn sample_glpi() -> Glpi {
    let mut list = csv::ReaderBuilder::new()
        .delimiter(b';')
        .flexible(true)
        .from_path(samples().join("tickets.csv"))
        .expect("tickets.csv");
    let mut glpi = Glpi::default();
    let mut requesters: HashMap<i64, String> = HashMap::new();
    let minute = |v: &str| {
        if v.is_empty() {
            Value::Null
        } else {
            json!(format!("{v}:00"))
        }
    };
    for (n, rec) in list.records().enumerate() {
        let rec = rec.expect("ticket row");
        let f = |i: usize| rec.get(i).unwrap_or_default().replace("''", "\"");
        let id: i64 = f(0).trim_start_matches('\u{feff}').parse().expect("id");
        let status = Status::parse(&f(2)).expect("status");
        let code = Status::ALL.iter().position(|s| *s == status).expect("code") + 1;
        let priority = parse_priority(&f(6)).expect("priority");
        let category = f(7);
        // Empty dropdowns come as "&nbsp;" or "" depending on the GLPI version.
        let category = if !category.is_empty() {
            json!(category)
        } else if n % 2 == 0 {
            json!("&nbsp;")
        } else {
            json!("")
        };
        let kind = if f(8) == "Incidencia" { 1 } else { 2 };
        let title = f(1);
        glpi.tickets.insert(
            id,
            json!({
                "id": id, "entities_id": f(12), "name": title, "date": minute(&f(3)),
                "closedate": minute(&f(5)), "solvedate": minute(&f(4)),
                "date_mod": minute(&f(13)), "users_id_lastupdater": "glpi", "status": code,
                "users_id_recipient": f(11), "requesttypes_id": "Helpdesk",
                "content": "&lt;p&gt;Descripción del caso&lt;/p&gt;", "urgency": 3, "impact": 3,
                "priority": priority, "itilcategories_id": category, "type": kind,
                "global_validation": 1, "slas_id_ttr": "&nbsp;", "slas_id_tto": "&nbsp;",
                "takeintoaccount_delay_stat": 0, "actiontime": 0, "is_deleted": 0,
                "date_creation": minute(&f(3))
            }),
        );
        let mut users = Vec::new();
        let requester = f(11);
        if !requester.is_empty() {
            users.push(
                json!({"id": id * 10, "tickets_id": title, "users_id": requester,
                              "type": 1, "use_notification": 1, "alternative_email": ""}),
            );
            requesters.insert(id, requester);
        }
        for (k, tech) in f(9).split("<br>").filter(|t| !t.is_empty()).enumerate() {
            users.push(json!({"id": id * 10 + 1 + k as i64, "tickets_id": title,
                              "users_id": tech, "type": 2, "use_notification": 1,
                              "alternative_email": ""}));
        }
        glpi.users.insert(id, users);
        let group = f(10);
        if !group.is_empty() {
            glpi.groups.insert(
                id,
                vec![json!({"id": id, "tickets_id": title, "groups_id": group, "type": 2})],
            );
        }
    }
    let logs = read_table("glpi_logs.csv");
    let names = user_names(&logs);
    for row in &logs {
        let ticket: i64 = row["items_id"].parse().expect("items_id");
        glpi.logs.entry(ticket).or_default().push(json!({
            "id": num(&row["id"]), "itemtype": row["itemtype"], "items_id": ticket,
            "itemtype_link": row["itemtype_link"], "linked_action": num(&row["linked_action"]),
            "user_name": row["user_name"], "date_mod": row["date_mod"],
            "id_search_option": num(&row["id_search_option"]),
            "old_value": row["old_value"], "new_value": row["new_value"]
        }));
    }
    for row in read_table("followups.csv") {
        let ticket: i64 = row["items_id"].parse().expect("items_id");
        let requester = requesters.get(&ticket).cloned().unwrap_or_default();
        // The API names the author; the requester's own follow-ups carry the requester's name.
        let author = if row["is_requester"] == "1" {
            requester.clone()
        } else {
            names
                .get(&row["users_id"])
                .cloned()
                .unwrap_or_else(|| format!("Usuario {}", row["users_id"]))
        };
        assert!(
            row["is_requester"] == "1" || author != requester,
            "fixture: follow-up {} would pass for the requester's",
            row["id"]
        );
        glpi.followups.entry(ticket).or_default().push(json!({
            "id": num(&row["id"]), "itemtype": "Ticket", "items_id": ticket,
            "date": row["date"], "users_id": author, "users_id_editor": 0,
            "content": "&lt;p&gt;Seguimiento&lt;/p&gt;",
            "is_private": num(&row["is_private"]), "requesttypes_id": "Helpdesk",
            "date_mod": row["date"], "date_creation": row["date"], "timeline_position": 1
        }));
    }
    glpi
}

// ---------------------------------------------------------------------------------------------
// Helpers.

fn tokens(name: &str) -> Option<String> {
    match name {
        APP_ENV => Some(APP_TOKEN.into()),
        USER_ENV => Some(USER_TOKEN.into()),
        _ => None,
    }
}

fn sync(store: &mut Store, cfg: &GlpiApiConfig) -> Result<GlpiSyncSummary, GlpiApiError> {
    glpi_api::sync_with(store, cfg, SyncOptions::default(), &tokens)
}

/// A fingerprint of everything a sync may change.
fn contents(store: &Store) -> Vec<String> {
    let q = |sql: &str| -> String {
        store
            .sql_for_tests()
            .query_row(sql, [], |r| r.get::<_, Option<String>>(0))
            .expect("fingerprint query")
            .unwrap_or_default()
    };
    vec![
        q("SELECT CAST(count(*) AS VARCHAR) FROM tickets"),
        q("SELECT CAST(count(*) AS VARCHAR) FROM ticket_events"),
        q(
            "SELECT CAST(sum(hash(source, ticket_id, entity, title, type, priority, priority_label, \
           category, technician, tech_group, requester, channel, status, created_at, taken_at, \
           solved_at, closed_at, last_update, attention_source_seconds)) AS VARCHAR) FROM tickets",
        ),
        q(
            "SELECT CAST(sum(hash(source, ticket_id, seq, occurred_at, kind, old_value, new_value, \
           actor, is_public, by_requester)) AS VARCHAR) FROM ticket_events",
        ),
        q("SELECT CAST(count(*) AS VARCHAR) FROM ingest_runs"),
        q("SELECT CAST(count(*) AS VARCHAR) FROM ingest_rejects"),
        q(
            "SELECT coalesce(max(CAST(high_water AS VARCHAR)), '-') || ' ' || \
           CAST(count(*) AS VARCHAR) FROM glpi_sync_state",
        ),
    ]
}

fn empty_contents() -> Vec<String> {
    contents(&Store::open_in_memory().expect("store"))
}

fn ticket_field(store: &Store, id: &str, column: &str) -> Option<String> {
    store
        .sql_for_tests()
        .query_row(
            &format!("SELECT CAST({column} AS VARCHAR) FROM tickets WHERE ticket_id = ?"),
            [id],
            |r| r.get(0),
        )
        .expect("ticket query")
}

// ---------------------------------------------------------------------------------------------
// Tests.

#[test]
fn a_full_sync_of_the_samples_reproduces_expected_csv() {
    let fake = FakeGlpi::start(sample_glpi());
    let mut store = Store::open_in_memory().expect("store");
    let s = sync(&mut store, &fake.config(10)).expect("sync");
    assert_eq!((s.tickets, s.rejected, s.since), (300, 0, None));
    assert_eq!(
        s.high_water.map(|d| d.to_string()).as_deref(),
        Some("2025-12-31 21:06:00")
    );
    let counts = store.counts().expect("counts");
    // The same tickets and events as the CSV exports (tests/it/ingest_glpi.rs).
    assert_eq!(
        (counts.tickets, counts.events, counts.rejects),
        (300, 2427, 0)
    );
    assert_eq!(s.events, 2427);
    let (kind, file): (String, String) = store
        .sql_for_tests()
        .query_row("SELECT kind, file_name FROM ingest_runs", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .expect("one run");
    assert_eq!(
        (kind.as_str(), file.as_str()),
        ("glpi-api", fake.url.as_str())
    );
    {
        let g = fake.glpi();
        // 300 tickets in pages of 10, every sub-item list paged too (some logs have 26 rows).
        assert_eq!(g.count("Ticket"), 30);
        assert!(g.seen.iter().all(|r| r.endpoint == "initSession"
            || r.endpoint == "killSession"
            || r.param("range").is_some()));
        assert!(
            g.seen
                .iter()
                .any(|r| r.endpoint.ends_with("/Log") && r.param("range") == Some("20-29"))
        );
        assert_eq!(g.count("initSession"), 1);
        assert_eq!(g.killed, vec!["sesion0001".to_owned()]);
        assert!(g.sessions.is_empty());
        assert_eq!(g.count("search/Ticket"), 0);
    }
    // Spot checks of what the list export does not carry.
    assert_eq!(
        ticket_field(&store, "2179", "technician").as_deref(),
        Some("Andrea Rojas")
    );
    assert_eq!(
        ticket_field(&store, "2179", "requester").as_deref(),
        Some("Gloria Ávila")
    );
    assert_eq!(
        ticket_field(&store, "2177", "tech_group").as_deref(),
        Some("Infraestructura y Redes N3")
    );
    assert_eq!(
        ticket_field(&store, "2190", "category").as_deref(),
        Some("Software > Ofimática")
    );
    assert_reproduces(&mut store, &samples().join("expected.csv"));
}

#[test]
fn syncing_again_leaves_the_tables_identical() {
    let fake = FakeGlpi::start(sample_glpi());
    let mut store = Store::open_in_memory().expect("store");
    sync(&mut store, &fake.config(100)).expect("first sync");
    let first = contents(&store);
    let full = glpi_api::sync_with(
        &mut store,
        &fake.config(100),
        SyncOptions { full: true },
        &tokens,
    )
    .expect("full sync again");
    assert_eq!(full.tickets, 300);
    let second = contents(&store);
    assert_eq!(first[..4], second[..4], "tickets and events unchanged");
    assert_eq!((first[4].as_str(), second[4].as_str()), ("1", "2"));
    assert_eq!(first[6], second[6]);
    // An incremental pull with nothing new records no run at all.
    let s = sync(&mut store, &fake.config(100)).expect("incremental");
    assert_eq!((s.tickets, s.run_id), (0, None));
    assert!(
        s.to_string()
            .contains("sin cambios desde 2025-12-31 21:06:00"),
        "{s}"
    );
    assert_eq!(contents(&store), second);
}

#[test]
fn the_second_run_fetches_only_the_tickets_changed_after_the_mark() {
    let fake = FakeGlpi::start(sample_glpi());
    let mut store = Store::open_in_memory().expect("store");
    sync(&mut store, &fake.config(50)).expect("full sync");
    let events_before = store.counts().expect("counts").events;
    {
        let mut g = fake.glpi();
        // 2179 gets solved on 2 January; 3000 is a new ticket.
        let t = g.tickets.get_mut(&2179).expect("2179");
        t["status"] = json!(5);
        t["solvedate"] = json!("2026-01-02 09:00:00");
        t["date_mod"] = json!("2026-01-02 09:00:00");
        g.logs.entry(2179).or_default().push(json!({
            "id": 90001, "itemtype": "Ticket", "items_id": 2179, "itemtype_link": "",
            "linked_action": 0, "user_name": "Andrea Rojas (12)",
            "date_mod": "2026-01-02 09:00:00", "id_search_option": 12,
            "old_value": "2", "new_value": "5"
        }));
        g.tickets.insert(
            3000,
            json!({
                "id": 3000, "entities_id": "Entidad Raíz > Alcaldía de Villa Esperanza",
                "name": "Nuevo caso por la API", "date": "2026-01-02 10:00:00", "closedate": null,
                "solvedate": null, "date_mod": "2026-01-02 10:00:00", "status": 1, "priority": 4,
                "itilcategories_id": "Accesos", "type": 2
            }),
        );
        g.seen.clear();
    }
    let s = sync(&mut store, &fake.config(50)).expect("incremental sync");
    assert_eq!(
        s.since.map(|d| d.to_string()).as_deref(),
        Some("2025-12-31 21:06:00")
    );
    assert_eq!(s.tickets, 2);
    assert_eq!(
        s.high_water.map(|d| d.to_string()).as_deref(),
        Some("2026-01-02 10:00:00")
    );
    {
        let g = fake.glpi();
        let search: Vec<&Seen> = g
            .seen
            .iter()
            .filter(|r| r.endpoint == "search/Ticket")
            .collect();
        assert_eq!(search.len(), 1);
        // From the second before the mark: 2190, last updated at the mark itself, comes back in
        // the search and is skipped because the first sync already had it at that version.
        assert_eq!(
            search[0].param("criteria[0][value]"),
            Some("2025-12-31 21:05:59")
        );
        let fetched: Vec<String> = g
            .endpoints()
            .into_iter()
            .filter(|e| e.starts_with("Ticket"))
            .collect();
        assert_eq!(g.count("Ticket"), 0, "no full listing");
        let mut tickets: Vec<&str> = fetched.iter().filter_map(|e| e.split('/').nth(1)).collect();
        tickets.sort_unstable();
        tickets.dedup();
        assert_eq!(tickets, ["2179", "3000"], "{fetched:?}");
    }
    assert_eq!(
        ticket_field(&store, "2179", "status").as_deref(),
        Some("solved")
    );
    assert_eq!(
        ticket_field(&store, "3000", "status").as_deref(),
        Some("new")
    );
    assert_eq!(
        ticket_field(&store, "3000", "category").as_deref(),
        Some("Accesos")
    );
    let counts = store.counts().expect("counts");
    assert_eq!(
        (counts.tickets, counts.events, counts.runs),
        (301, events_before + 1, 2)
    );

    // Nothing new: only the search.
    fake.glpi().seen.clear();
    let s = sync(&mut store, &fake.config(50)).expect("third sync");
    assert_eq!((s.tickets, s.run_id), (0, None));
    assert_eq!(
        fake.glpi().endpoints(),
        ["initSession", "search/Ticket", "killSession"]
    );

    // A change within the mark's own second, after the last sync, is not lost.
    {
        let mut g = fake.glpi();
        let t = g.tickets.get_mut(&1900).expect("1900");
        t["name"] = json!("Título corregido en el mismo segundo");
        t["date_mod"] = json!("2026-01-02 10:00:00");
        g.seen.clear();
    }
    let s = sync(&mut store, &fake.config(50)).expect("fourth sync");
    assert_eq!(s.tickets, 1);
    assert_eq!(
        ticket_field(&store, "1900", "title").as_deref(),
        Some("Título corregido en el mismo segundo")
    );
    assert!(!fake.glpi().endpoints().contains(&"Ticket/3000".to_owned()));
}

#[test]
fn a_500_is_retried_and_then_the_sync_goes_on() {
    let mut glpi = sample_glpi();
    glpi.fail_once.insert(("Ticket".into(), "100-199".into()));
    glpi.fail_once
        .insert(("Ticket/1900/Log".into(), "0-99".into()));
    let fake = FakeGlpi::start(glpi);
    let mut store = Store::open_in_memory().expect("store");
    let s = sync(&mut store, &fake.config(100)).expect("sync despite the 500s");
    assert_eq!(s.tickets, 300);
    assert_eq!(store.counts().expect("counts").events, 2427);
    let g = fake.glpi();
    let tries = |endpoint: &str, range: &str| {
        g.seen
            .iter()
            .filter(|r| r.endpoint == endpoint && r.param("range") == Some(range))
            .count()
    };
    assert_eq!(tries("Ticket", "100-199"), 2);
    assert_eq!(tries("Ticket/1900/Log", "0-99"), 2);
    assert!(g.fail_once.is_empty());
}

#[test]
fn without_retries_a_500_fails_and_changes_nothing() {
    let mut glpi = sample_glpi();
    glpi.fail_once.insert(("Ticket".into(), "100-199".into()));
    let fake = FakeGlpi::start(glpi);
    let mut store = Store::open_in_memory().expect("store");
    let mut cfg = fake.config(100);
    cfg.retries = 0;
    let err = sync(&mut store, &cfg).expect_err("the 500 is final");
    let msg = err.to_string();
    assert!(
        msg.contains("GLPI no respondió en Ticket/ después de 1 intento(s)")
            && msg.contains("HTTP 500")
            && msg.contains("ERROR_SQL"),
        "{msg}"
    );
    assert_eq!(contents(&store), empty_contents());
    // The session was closed all the same.
    assert_eq!(fake.glpi().killed.len(), 1);
}

#[test]
fn an_expired_session_is_opened_again() {
    let mut glpi = sample_glpi();
    glpi.expire_every = Some(97);
    let fake = FakeGlpi::start(glpi);
    let mut store = Store::open_in_memory().expect("store");
    let s = sync(&mut store, &fake.config(100)).expect("sync across expiries");
    assert_eq!(s.tickets, 300);
    assert_eq!(store.counts().expect("counts").events, 2427);
    let g = fake.glpi();
    assert!(g.count("initSession") > 5, "{}", g.count("initSession"));
    assert_eq!(g.killed.len(), 1);
}

#[test]
fn a_session_refused_right_after_login_is_an_error_not_a_loop() {
    let mut glpi = sample_glpi();
    glpi.reject_sessions = true;
    let fake = FakeGlpi::start(glpi);
    let mut store = Store::open_in_memory().expect("store");
    let msg = sync(&mut store, &fake.config(100))
        .expect_err("refused")
        .to_string();
    assert!(
        msg.starts_with("GLPI rechazó la autenticación en Ticket/ (HTTP 401, ERROR_SESSION_TOKEN_INVALID: session_token seems invalid)"),
        "{msg}"
    );
    assert_eq!(fake.glpi().count("initSession"), 1);
    assert_eq!(contents(&store), empty_contents());
}

#[test]
fn bad_tokens_give_glpis_code_in_spanish_and_change_nothing() {
    let fake = FakeGlpi::start(sample_glpi());
    let mut store = Store::open_in_memory().expect("store");
    let cfg = fake.config(100);
    let wrong_app = |name: &str| match name {
        APP_ENV => Some("token-equivocado".into()),
        other => tokens(other),
    };
    let msg = glpi_api::sync_with(&mut store, &cfg, SyncOptions::default(), &wrong_app)
        .expect_err("wrong app token")
        .to_string();
    assert!(
        msg.contains("GLPI rechazó la autenticación en initSession (HTTP 400, ERROR_WRONG_APP_TOKEN_PARAMETER: parameter app_token seems wrong)")
            && msg.contains(APP_ENV),
        "{msg}"
    );
    assert!(
        !msg.contains("token-equivocado") && !msg.contains(USER_TOKEN),
        "{msg}"
    );

    let no_app = |name: &str| (name == USER_ENV).then(|| USER_TOKEN.to_owned());
    let msg = glpi_api::sync_with(&mut store, &cfg, SyncOptions::default(), &no_app)
        .expect_err("no app token")
        .to_string();
    assert!(msg.contains("ERROR_APP_TOKEN_PARAMETERS_MISSING"), "{msg}");

    let wrong_user = |name: &str| match name {
        USER_ENV => Some("otro-usuario".into()),
        other => tokens(other),
    };
    let msg = glpi_api::sync_with(&mut store, &cfg, SyncOptions::default(), &wrong_user)
        .expect_err("wrong user token")
        .to_string();
    assert!(
        msg.contains("HTTP 401, ERROR_GLPI_LOGIN_USER_TOKEN") && msg.contains(USER_ENV),
        "{msg}"
    );
    assert!(!msg.contains("otro-usuario"), "{msg}");

    let no_user = |name: &str| (name == APP_ENV).then(|| APP_TOKEN.to_owned());
    let msg = glpi_api::sync_with(&mut store, &cfg, SyncOptions::default(), &no_user)
        .expect_err("no user token")
        .to_string();
    assert!(
        msg.starts_with(
            "GLPI no está configurado: la variable de entorno MESA_SLA_GLPI_USER_TOKEN"
        ),
        "{msg}"
    );
    assert_eq!(contents(&store), empty_contents());
    let g = fake.glpi();
    assert_eq!(g.count("initSession"), 3, "no request without a user token");
    assert!(g.killed.is_empty() && g.sessions.is_empty());
}

#[test]
fn a_403_names_the_missing_right_and_closes_the_session() {
    let mut glpi = sample_glpi();
    glpi.forbidden.push("Ticket/1900/ITILFollowup".into());
    let fake = FakeGlpi::start(glpi);
    let mut store = Store::open_in_memory().expect("store");
    let msg = sync(&mut store, &fake.config(100))
        .expect_err("forbidden")
        .to_string();
    assert!(
        msg.starts_with("GLPI negó el acceso a Ticket/1900/ITILFollowup (HTTP 403, ERROR_RIGHT_MISSING: No tiene permiso para realizar esta acción.)"),
        "{msg}"
    );
    assert_eq!(contents(&store), empty_contents());
    assert_eq!(fake.glpi().killed.len(), 1);
}

#[test]
fn an_html_page_instead_of_json_is_refused_clearly() {
    let mut glpi = sample_glpi();
    glpi.html = true;
    let fake = FakeGlpi::start(glpi);
    let mut store = Store::open_in_memory().expect("store");
    let msg = sync(&mut store, &fake.config(100))
        .expect_err("html")
        .to_string();
    assert!(
        msg.contains("la respuesta de initSession (HTTP 200) es una página HTML, no JSON")
            && msg.contains("apirest.php")
            && msg.contains("Iniciar sesión"),
        "{msg}"
    );
    assert_eq!(contents(&store), empty_contents());
}

#[test]
fn an_unreachable_glpi_is_retried_then_reported() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port();
    let cfg = GlpiApiConfig {
        url: Some(format!("http://127.0.0.1:{port}/glpi/apirest.php")),
        retries: 1,
        timeout_secs: 5,
        ..GlpiApiConfig::default()
    };
    let mut store = Store::open_in_memory().expect("store");
    let msg = sync(&mut store, &cfg)
        .expect_err("nothing listens")
        .to_string();
    assert!(
        msg.starts_with("GLPI no respondió en initSession después de 2 intento(s)"),
        "{msg}"
    );
    assert_eq!(contents(&store), empty_contents());
}

#[test]
fn without_the_section_glpi_is_not_configured() {
    let mut store = Store::open_in_memory().expect("store");
    let msg = glpi_api::sync(&mut store, &Config::default().glpi_api)
        .expect_err("no [glpi_api]")
        .to_string();
    assert!(
        msg.starts_with("GLPI no está configurado: falta `url` en la sección [glpi_api]"),
        "{msg}"
    );
}

#[test]
fn cli_ingest_glpi_api_then_evaluate_reproduces_expected_csv() {
    let fake = FakeGlpi::start(sample_glpi());
    let dir = tempfile::tempdir().expect("tempdir");
    let policy = std::fs::read_to_string(samples().join("policy.toml")).expect("policy");
    let config = dir.path().join("mesa-sla.toml");
    std::fs::write(
        &config,
        format!(
            "{policy}\n[glpi_api]\nurl = \"{}\"\npage_size = 64\n",
            fake.url
        ),
    )
    .expect("config");
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_mesa-sla"))
            .args(["--db", "s.duckdb", "--config"])
            .arg(&config)
            .args(args)
            .current_dir(dir.path())
            .env_remove("MESA_SLA_DB")
            .env_remove("MESA_SLA_CONFIG")
            .env(APP_ENV, APP_TOKEN)
            .env(USER_ENV, USER_TOKEN)
            .output()
            .expect("binary runs")
    };
    let o = run(&["ingest", "glpi-api"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(
        out.contains("sincronización completa, 300 casos y 2427 eventos leídos, 0 rechazados"),
        "{out}"
    );
    assert!(!out.contains(USER_TOKEN) && !stderr(&o).contains(USER_TOKEN));
    // The scheduler's job runs the same incremental pull and records itself.
    let o = run(&["run-job", "glpi-sync"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("sin cambios desde 2025-12-31 21:06:00"),
        "{}",
        stdout(&o)
    );
    {
        let store = Store::open(&dir.path().join("s.duckdb")).expect("store");
        let runs: i64 = store
            .sql_for_tests()
            .query_row(
                "SELECT count(*) FROM job_runs WHERE job = 'glpi-sync' AND outcome = 'ok'",
                [],
                |r| r.get(0),
            )
            .expect("job runs");
        assert_eq!(runs, 1);
    }
    let o = run(&[
        "evaluate",
        "--as-of",
        "2025-12-31 23:59:59",
        "--export",
        "results.csv",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let got = std::fs::read_to_string(dir.path().join("results.csv")).expect("export");
    let want = std::fs::read_to_string(samples().join("expected.csv")).expect("expected");
    compare(&got, &want);
}

#[test]
fn cli_ingest_glpi_api_without_configuration_fails_in_spanish() {
    let dir = tempfile::tempdir().expect("tempdir");
    let o = Command::new(env!("CARGO_BIN_EXE_mesa-sla"))
        .args(["--db", "s.duckdb", "ingest", "glpi-api"])
        .current_dir(dir.path())
        .env_remove("MESA_SLA_DB")
        .env_remove("MESA_SLA_CONFIG")
        .output()
        .expect("binary runs");
    assert!(!o.status.success());
    let err = stderr(&o);
    assert!(
        err.contains("sincronización con GLPI fallida; la base de datos no se modificó")
            && err.contains("GLPI no está configurado"),
        "{err}"
    );
}
