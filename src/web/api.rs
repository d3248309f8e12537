//! The JSON API under `/api/v1`, `/healthz` and `/metrics`, and the data the pages share with
//! it (views, ticket lists, ticket detail).

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};

use super::extract::{Body, Path, Query};
use super::{ApiError, AppState};
use crate::calendar::{Calendar, StretchKind};
use crate::engine::EntityLookupError;
use crate::indicators::Quarter;
use crate::ingest::{self, FileKind, IngestError, LoadOptions};
use crate::model::{listing, matching, parse_priority, priority_label_es};
use crate::store::Store;
use crate::store::dashboard::{
    ClockRow, JobRunTotal, KnownValues, OlaHold, PausedSeconds, TicketRow,
};
pub use crate::store::dashboard::{EventItem, TicketItem};
use crate::store::indicators::Filters;

/// Every route of the API with its method: the OpenAPI document is tested against this list.
pub const API_ROUTES: &[(&str, &str)] = &[
    ("get", "/api/v1/indicators"),
    ("get", "/api/v1/breaches"),
    ("get", "/api/v1/cases"),
    ("get", "/api/v1/at-risk"),
    ("get", "/api/v1/trend"),
    ("get", "/api/v1/ola"),
    ("get", "/api/v1/tickets/{source}/{id}"),
    ("post", "/api/v1/tickets"),
    ("post", "/api/v1/tickets/{source}/{id}/events"),
    ("get", "/api/v1/openapi.json"),
    ("get", "/api/v1/comparison"),
    ("get", "/api/v1/operations"),
];

/// The OpenAPI document, kept by hand next to the routes.
pub const OPENAPI: &str = include_str!("openapi.json");

/// Query parameters of every view: entity, quarter and filters. Empty values mean "all".
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct ViewQuery {
    pub entity: Option<String>,
    pub quarter: Option<String>,
    pub priority: Option<String>,
    pub category: Option<String>,
    pub group: Option<String>,
    pub technician: Option<String>,
    /// A policy version's name, or «sin versión» ([`crate::store::indicators::UNVERSIONED`]).
    pub version: Option<String>,
    pub limit: Option<usize>,
}

/// A resolved view.
#[derive(Debug, Clone, Serialize)]
pub struct View {
    pub entity: String,
    pub quarter: Quarter,
    pub filters: Filters,
}

fn given(v: &Option<String>) -> Option<String> {
    v.as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

/// Checks the parameters and fills the defaults: the first entity, the last quarter finished
/// at the stored evaluation ([`crate::report::default_quarter`]). A
/// value that matches nothing in the store (an entity, a quarter outside its data, a category,
/// group, technician or priority its tickets do not have) is a 404 that lists the valid ones,
/// answered before anything is computed; a policy version neither the configuration nor the
/// entity's results know is a 400 ([`super::versions::requested`]). Names are matched ignoring
/// case and accents.
pub async fn resolve(state: &Arc<AppState>, q: &ViewQuery) -> Result<View, ApiError> {
    let given_quarter = match given(&q.quarter) {
        Some(text) => Some(Quarter::parse(&text).map_err(|e| ApiError::BadRequest(e.to_string()))?),
        None => None,
    };
    let now = state
        .engine
        .default
        .local_from_instant(chrono::Utc::now().timestamp());
    let current = Quarter::containing(now.date());
    let priority = match given(&q.priority) {
        Some(p) => Some(
            parse_priority(&p)
                .ok_or_else(|| ApiError::BadRequest(crate::sla::policy::unknown_priority(&p)))?,
        ),
        None => None,
    };
    let entities = entities(state).await?;
    // The same default as `report` and `demo`: the last quarter finished at the evaluation.
    let default = crate::report::default_quarter(state.evaluated_at().await?, now);
    let entity = match given(&q.entity) {
        Some(e) => state
            .engine
            .resolve_entity(&entities, &e)
            .map_err(|err| match err {
                EntityLookupError::Unknown(_) => ApiError::NotFound(format!(
                    "no existe la entidad «{e}». {}",
                    listing("Entidades en la base", &entities, "la base no tiene casos")
                )),
                ambiguous => ApiError::NotFound(ambiguous.to_string()),
            })?,
        None => entities.first().cloned().unwrap_or_default(),
    };
    if entity.is_empty() {
        // An empty store: nothing to check against, and nothing costly to compute.
        return Ok(View {
            entity,
            quarter: given_quarter.unwrap_or(default),
            filters: Filters {
                priority,
                category: given(&q.category),
                group: given(&q.group),
                technician: given(&q.technician),
                policy_version: given(&q.version).map(Into::into),
            },
        });
    }
    let known = state.known(&entity).await?;
    if let Some(quarter) = given_quarter {
        check_quarter(&known, &entity, quarter, current)?;
    }
    let mut filters = known_filters(&known, &entity, q, priority)?;
    filters.policy_version = super::versions::requested(&state.engine, &known, given(&q.version))?;
    Ok(View {
        filters,
        entity,
        quarter: given_quarter.unwrap_or(default),
    })
}

/// The filters of a request, each value one the entity's tickets have (its stored spelling).
fn known_filters(
    known: &KnownValues,
    entity: &str,
    q: &ViewQuery,
    priority: Option<u8>,
) -> Result<Filters, ApiError> {
    if let Some(p) = priority
        && !known_values(known, "priority").contains(&p.to_string())
    {
        let valid: Vec<String> = known_values(known, "priority")
            .iter()
            .filter_map(|v| v.parse::<u8>().ok())
            .map(|v| format!("{v} ({})", priority_label_es(v)))
            .collect();
        return Err(ApiError::NotFound(format!(
            "la entidad «{entity}» no tiene casos de prioridad {p} ({}). {}",
            priority_label_es(p),
            listing("Prioridades con casos", &valid, "ninguna")
        )));
    }
    let mut filters = Filters {
        priority,
        ..Filters::default()
    };
    for (dimension, name, value, slot) in [
        (
            "category",
            "la categoría",
            &q.category,
            &mut filters.category,
        ),
        ("group", "el grupo", &q.group, &mut filters.group),
        (
            "technician",
            "el técnico",
            &q.technician,
            &mut filters.technician,
        ),
    ] {
        if let Some(v) = given(value) {
            let valid = known_values(known, dimension);
            let found = matching(valid, &v).ok_or_else(|| {
                ApiError::NotFound(format!(
                    "la entidad «{entity}» no tiene casos con {name} «{v}». {}",
                    listing("Valores con casos", valid, "ninguno")
                ))
            })?;
            *slot = Some(found.to_owned());
        }
    }
    Ok(filters)
}

fn known_values<'a>(known: &'a KnownValues, dimension: &str) -> &'a [String] {
    known.values.get(dimension).map_or(&[], Vec::as_slice)
}

/// A quarter is shown when it lies between the entity's first data and its last data or the
/// quarter in progress, whichever is later; outside that span nothing can be counted.
fn check_quarter(
    known: &KnownValues,
    entity: &str,
    quarter: Quarter,
    current: Quarter,
) -> Result<(), ApiError> {
    let first = known.first.map(|f| Quarter::containing(f.date()));
    let last = known
        .last
        .map_or(current, |l| Quarter::containing(l.date()).max(current));
    match first {
        Some(first) if (first..=last).contains(&quarter) => Ok(()),
        Some(first) => Err(ApiError::NotFound(format!(
            "la entidad «{entity}» no tiene datos en el trimestre {quarter}: elija uno entre \
             {first} y {last}"
        ))),
        None => Err(ApiError::NotFound(format!(
            "la entidad «{entity}» no tiene casos: no hay trimestres que mostrar"
        ))),
    }
}

pub async fn entities(state: &Arc<AppState>) -> Result<Vec<String>, ApiError> {
    state.entities().await
}

pub async fn healthz(State(state): State<Arc<AppState>>) -> Result<&'static str, ApiError> {
    state
        .with_store(|_, store| Ok(store.dashboard().ping()?))
        .await?;
    Ok("ok")
}

pub async fn metrics(State(state): State<Arc<AppState>>) -> Result<Response, ApiError> {
    let last = state
        .with_store(|_, store| Ok(store.dashboard().last_runs()?))
        .await?;
    let (ingest, evaluation, tickets) = (last.last_ingest, last.last_evaluation, last.tickets);
    // Scheduled and manual job runs per job and outcome.
    let job_runs = state
        .with_store(|_, store| Ok(store.dashboard().job_run_totals()?))
        .await?;
    let mut out = String::new();
    out.push_str("# HELP mesa_sla_http_requests_total Solicitudes HTTP atendidas.\n");
    out.push_str("# TYPE mesa_sla_http_requests_total counter\n");
    if let Ok(m) = state.metrics.requests.lock() {
        let mut rows: Vec<_> = m.iter().collect();
        rows.sort();
        for ((route, status), n) in rows {
            let route = route.replace('\\', "\\\\").replace('"', "\\\"");
            out.push_str(&format!(
                "mesa_sla_http_requests_total{{route=\"{route}\",status=\"{status}\"}} {n}\n"
            ));
        }
    }
    let micros = state.metrics.latency_micros.load(Ordering::Relaxed);
    let count = state.metrics.latency_count.load(Ordering::Relaxed);
    out.push_str("# HELP mesa_sla_http_request_duration_seconds Tiempo de respuesta.\n");
    out.push_str("# TYPE mesa_sla_http_request_duration_seconds summary\n");
    out.push_str(&format!(
        "mesa_sla_http_request_duration_seconds_sum {}\nmesa_sla_http_request_duration_seconds_count {count}\n",
        micros as f64 / 1e6
    ));
    out.push_str("# HELP mesa_sla_last_run_timestamp_seconds Última ejecución de cada trabajo (hora local).\n");
    out.push_str("# TYPE mesa_sla_last_run_timestamp_seconds gauge\n");
    for (job, at) in [("ingest", ingest), ("evaluate", evaluation)] {
        if let Some(at) = at {
            out.push_str(&format!(
                "mesa_sla_last_run_timestamp_seconds{{job=\"{job}\"}} {at}\n"
            ));
        }
    }
    out.push_str(
        "# HELP mesa_sla_job_runs_total Ejecuciones terminadas de cada trabajo, por resultado.\n",
    );
    out.push_str("# TYPE mesa_sla_job_runs_total counter\n");
    for JobRunTotal {
        job, outcome, runs, ..
    } in &job_runs
    {
        out.push_str(&format!(
            "mesa_sla_job_runs_total{{job=\"{job}\",outcome=\"{outcome}\"}} {runs}\n"
        ));
    }
    out.push_str("# HELP mesa_sla_job_last_run_timestamp_seconds Fin de la última ejecución de cada trabajo con cada resultado (hora local).\n");
    out.push_str("# TYPE mesa_sla_job_last_run_timestamp_seconds gauge\n");
    for JobRunTotal {
        job,
        outcome,
        last_finished,
        ..
    } in &job_runs
    {
        if let Some(at) = last_finished {
            out.push_str(&format!(
                "mesa_sla_job_last_run_timestamp_seconds{{job=\"{job}\",outcome=\"{outcome}\"}} {at}\n"
            ));
        }
    }
    out.push_str("# HELP mesa_sla_tickets Casos en la base.\n# TYPE mesa_sla_tickets gauge\n");
    out.push_str(&format!("mesa_sla_tickets {tickets}\n"));
    Ok((
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        out,
    )
        .into_response())
}

pub async fn openapi() -> Response {
    ([(header::CONTENT_TYPE, "application/json")], OPENAPI).into_response()
}

pub async fn not_found() -> ApiError {
    ApiError::NotFound("no existe esa dirección".into())
}

pub async fn indicators(
    State(state): State<Arc<AppState>>,
    Query(q): Query<ViewQuery>,
) -> Result<Response, ApiError> {
    let view = resolve(&state, &q).await?;
    let cached = state
        .indicator_set(view.entity, view.quarter, view.filters)
        .await?;
    Ok((
        [(header::CONTENT_TYPE, "application/json")],
        cached.json.clone(),
    )
        .into_response())
}

/// The ticket lists of a view.
#[derive(Debug, Clone, Copy)]
pub enum TicketList {
    /// Open clocks at risk now, least business time left first (no period: the view's quarter
    /// does not apply, its other filters do).
    AtRisk,
    /// Latest breaches of the view's quarter, open ones first.
    Breaches,
}

/// At-risk clocks or latest breaches of a view.
pub fn ticket_list(
    store: &Store,
    list: TicketList,
    view: &View,
    limit: usize,
) -> Result<Vec<TicketItem>, ApiError> {
    let dashboard = store.dashboard();
    Ok(match list {
        TicketList::AtRisk => dashboard.at_risk(&view.entity, &view.filters, limit)?,
        TicketList::Breaches => {
            dashboard.breaches(&view.entity, view.quarter, &view.filters, limit)?
        }
    })
}

fn limit(q: &ViewQuery) -> usize {
    q.limit.unwrap_or(100).clamp(1, 1000)
}

pub async fn breaches(
    State(state): State<Arc<AppState>>,
    Query(q): Query<ViewQuery>,
) -> Result<Json<Vec<TicketItem>>, ApiError> {
    let view = resolve(&state, &q).await?;
    let n = limit(&q);
    let admitted = state.admit()?;
    let items = state
        .with_store(move |_, store| {
            let _admitted = admitted;
            ticket_list(store, TicketList::Breaches, &view, n)
        })
        .await?;
    Ok(Json(items))
}

pub async fn at_risk(
    State(state): State<Arc<AppState>>,
    Query(q): Query<ViewQuery>,
) -> Result<Json<Vec<TicketItem>>, ApiError> {
    let view = resolve(&state, &q).await?;
    let n = limit(&q);
    let admitted = state.admit()?;
    let items = state
        .with_store(move |_, store| {
            let _admitted = admitted;
            ticket_list(store, TicketList::AtRisk, &view, n)
        })
        .await?;
    Ok(Json(items))
}

/// Everything about one ticket: its fields, clocks, history and how the time was counted.
#[derive(Debug, Clone, Serialize)]
pub struct TicketDetail {
    /// The stored fields, serialised at the top level as before.
    #[serde(flatten)]
    pub ticket: TicketRow,
    /// What people see for `entity` (which stays GLPI's full path).
    pub entity_name: String,
    pub clocks: Vec<Clock>,
    /// Each technician group's hold on the solution clock, by group.
    pub ola: Vec<OlaShare>,
    pub events: Vec<EventItem>,
    pub link: Option<String>,
}

/// A group's OLA hold and its share of the solution clock.
#[derive(Debug, Clone, Serialize)]
pub struct OlaShare {
    #[serde(flatten)]
    pub hold: OlaHold,
    /// `business_seconds` in percent of the solution clock's business seconds (as `share` of
    /// `/api/v1/ola`); `None` when that is 0 (or the ticket has no solution clock).
    pub share: Option<f64>,
}

/// One clock and how its seconds were counted between opening and its end.
#[derive(Debug, Clone, Serialize)]
pub struct Clock {
    pub metric: String,
    pub target_seconds: Option<i64>,
    pub business_seconds: i64,
    pub paused_seconds: i64,
    pub state: String,
    pub rule: Option<String>,
    pub stopped_at: Option<NaiveDateTime>,
    pub deadline: Option<NaiveDateTime>,
    pub no_history: bool,
    pub as_of: NaiveDateTime,
    /// The policy version that measured the clock; `None`: the unversioned `[policy]`.
    pub policy_version: Option<String>,
    /// The calendar the clock was measured on (`general`, a `[calendars]` name or the entity's
    /// name for an inline calendar); for older results, the entity's calendar now.
    pub calendar: String,
    /// Opened before the first policy version and measured by it anyway.
    pub before_first_version: bool,
    /// Solution clocks: paused seconds per status; `None` on attention clocks.
    pub paused_by: Option<PausedSeconds>,
    /// Seconds from opening to the end of the clock, by kind: open (business, before pauses),
    /// outside hours, non-working days, holidays, closures.
    pub counted: Counted,
}

impl From<ClockRow> for Clock {
    /// A stored clock, its seconds not yet explained.
    fn from(r: ClockRow) -> Clock {
        Clock {
            metric: r.metric,
            target_seconds: r.target_seconds,
            business_seconds: r.business_seconds,
            paused_seconds: r.paused_seconds,
            state: r.state,
            rule: r.rule,
            stopped_at: r.stopped_at,
            deadline: r.deadline,
            no_history: r.no_history,
            as_of: r.as_of,
            policy_version: r.policy_version,
            calendar: r.calendar.unwrap_or_default(),
            before_first_version: r.before_first_version,
            paused_by: r.paused_by,
            counted: Counted::default(),
        }
    }
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Counted {
    pub open: i64,
    pub outside_hours: i64,
    pub non_working_day: i64,
    pub holiday: i64,
    pub closure: i64,
}

/// How the seconds from `from` to `to` (local times) fall on `cal`, by kind.
fn counted(cal: &Calendar, from: NaiveDateTime, to: NaiveDateTime) -> Counted {
    let mut counted = Counted::default();
    for s in cal.explain(cal.instant_from_local(from), cal.instant_from_local(to)) {
        let secs = s.end - s.start;
        match s.kind {
            StretchKind::Open => counted.open += secs,
            StretchKind::OutsideHours => counted.outside_hours += secs,
            StretchKind::NonWorkingDay => counted.non_working_day += secs,
            StretchKind::Holiday => counted.holiday += secs,
            StretchKind::Closure => counted.closure += secs,
        }
    }
    counted
}

pub fn ticket_detail(
    state: &AppState,
    store: &Store,
    source: &str,
    id: &str,
) -> Result<TicketDetail, ApiError> {
    let dashboard = store.dashboard();
    let Some(row) = dashboard.ticket(source, id)? else {
        return Err(ApiError::NotFound(format!(
            "no existe el caso {source}/{id}"
        )));
    };
    let mut t = TicketDetail {
        entity_name: state.engine.display_name(&row.entity),
        ticket: row,
        clocks: Vec::new(),
        ola: Vec::new(),
        events: Vec::new(),
        link: None,
    };
    if t.ticket.source == "glpi"
        && let Some(base) = &state.glpi_base_url
    {
        t.link = Some(format!(
            "{}/front/ticket.form.php?id={}",
            base.trim_end_matches('/'),
            t.ticket.ticket_id
        ));
    }
    let entity_cal = state.engine.calendar_for(&t.ticket.entity);
    for row in dashboard.ticket_clocks(source, id)? {
        let mut c = Clock::from(row);
        // The clock's own calendar; the entity's when the configuration no longer has it.
        let cal = state
            .engine
            .calendar_named(&c.calendar)
            .unwrap_or(entity_cal);
        if c.calendar.is_empty() {
            c.calendar = state.engine.calendar_name(entity_cal).to_owned();
        }
        c.counted = counted(cal, t.ticket.created_at, c.stopped_at.unwrap_or(c.as_of));
        t.clocks.push(c);
    }
    let solution = t
        .clocks
        .iter()
        .find(|c| c.metric == "solution")
        .map_or(0, |c| c.business_seconds);
    t.ola = dashboard
        .ticket_ola(source, id)?
        .into_iter()
        .map(|hold| OlaShare {
            share: (solution > 0).then(|| 100.0 * hold.business_seconds as f64 / solution as f64),
            hold,
        })
        .collect();
    t.events = dashboard.ticket_events(source, id)?;
    Ok(t)
}

pub async fn ticket(
    State(state): State<Arc<AppState>>,
    Path((source, id)): Path<(String, String)>,
) -> Result<Json<TicketDetail>, ApiError> {
    Ok(Json(named_ticket_detail(&state, source, id).await?))
}

/// [`ticket_detail`] with the entity's display name: the one the dashboard's entity list shows
/// for it (its short name or the last part of its path; the full path when two entities
/// share that).
pub async fn named_ticket_detail(
    state: &Arc<AppState>,
    source: String,
    id: String,
) -> Result<TicketDetail, ApiError> {
    let mut detail = state
        .with_store(move |s, store| ticket_detail(s, store, &source, &id))
        .await?;
    let entity = &detail.ticket.entity;
    detail.entity_name = state
        .engine
        .display_names(&entities(state).await?)
        .remove(entity)
        .unwrap_or_else(|| state.engine.display_name(entity));
    Ok(detail)
}

/// What an ingest request did.
#[derive(Debug, Serialize)]
pub struct IngestReply {
    pub run_id: i64,
    pub accepted: u64,
    pub rejected: u64,
    pub rejects: Vec<serde_json::Value>,
}

/// Loads JSON objects through the canonical reader, as one file (`ingest::load_path` on a
/// temporary JSONL file): one transaction, rejects recorded, the run in `ingest_runs`. Runs
/// as the one writer ([`AppState::write_store`]); should DuckDB still refuse the transaction
/// for a conflict, it is tried again, and then answered 503 (never with DuckDB's text).
fn ingest_json(
    store: &mut Store,
    kind: FileKind,
    name: &str,
    objects: Vec<serde_json::Value>,
) -> Result<IngestReply, ApiError> {
    if objects.is_empty() {
        return Err(ApiError::BadRequest(
            "el cuerpo no trae ningún registro".into(),
        ));
    }
    let dir = tempfile::tempdir().map_err(ApiError::internal)?;
    let path = dir.path().join(name);
    let mut text = String::new();
    for o in &objects {
        text.push_str(&o.to_string());
        text.push('\n');
    }
    std::fs::write(&path, text).map_err(ApiError::internal)?;
    let opts = LoadOptions {
        source: "api".into(),
        ..LoadOptions::default()
    };
    let mut attempt = 1;
    let summary = loop {
        match ingest::load_path(store, kind, &path, &opts) {
            Ok(summary) => break summary,
            Err(IngestError::Store(e)) if e.is_write_conflict() && attempt < WRITE_ATTEMPTS => {
                tracing::warn!("conflicto de escritura (intento {attempt}): {e}");
                attempt += 1;
                std::thread::sleep(Duration::from_millis(50 * attempt));
            }
            Err(IngestError::Store(e)) if e.is_write_conflict() => {
                tracing::warn!("conflicto de escritura tras {attempt} intentos: {e}");
                return Err(ApiError::Busy(
                    "otra escritura cambió los mismos casos al mismo tiempo; no se guardó nada: \
                     envíe de nuevo la solicitud en unos segundos"
                        .into(),
                ));
            }
            // The store's own failures are internal; the rest describe the input, in Spanish.
            Err(IngestError::Store(e)) => return Err(ApiError::internal(e)),
            Err(e) => return Err(ApiError::Unprocessable(e.to_string())),
        }
    };
    Ok(IngestReply {
        run_id: summary.run_id,
        accepted: summary.accepted,
        rejected: summary.rejected,
        rejects: summary
            .sample_rejects
            .iter()
            .map(|r| {
                serde_json::json!({
                    "registro": r.line,
                    "columna": r.column,
                    "valor": r.raw,
                    "motivo": r.reason,
                })
            })
            .collect(),
    })
}

/// How many times a write refused for a conflict is tried.
const WRITE_ATTEMPTS: u64 = 3;

fn objects(body: &Bytes) -> Result<Vec<serde_json::Value>, ApiError> {
    let value: serde_json::Value = serde_json::from_slice(body)
        .map_err(|e| ApiError::BadRequest(format!("JSON inválido: {e}")))?;
    match value {
        serde_json::Value::Array(items) if items.iter().all(|i| i.is_object()) => Ok(items),
        o @ serde_json::Value::Object(_) => Ok(vec![o]),
        _ => Err(ApiError::BadRequest(
            "se espera un objeto JSON o una lista de objetos".into(),
        )),
    }
}

fn reply(r: IngestReply) -> Response {
    let status = if r.rejected > 0 {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    (status, Json(r)).into_response()
}

pub async fn post_tickets(
    State(state): State<Arc<AppState>>,
    Body(body): Body,
) -> Result<Response, ApiError> {
    let items = objects(&body)?;
    let r = state
        .write_store(move |_, store| {
            ingest_json(
                store,
                FileKind::CanonicalTickets,
                "api-tickets.jsonl",
                items,
            )
        })
        .await?;
    Ok(reply(r))
}

pub async fn post_events(
    State(state): State<Arc<AppState>>,
    Path((source, id)): Path<(String, String)>,
    Body(body): Body,
) -> Result<Response, ApiError> {
    let mut items = objects(&body)?;
    // The path names the ticket: it wins over whatever the body says.
    for item in &mut items {
        if let Some(o) = item.as_object_mut() {
            o.insert("source".into(), source.clone().into());
            o.insert("ticket_id".into(), id.clone().into());
        }
    }
    let r = state
        .write_store(move |_, store| {
            ingest_json(store, FileKind::CanonicalEvents, "api-events.jsonl", items)
        })
        .await?;
    Ok(reply(r))
}
