//! Server-rendered pages (minijinja templates from `dashboards/`): the overview, the ticket
//! page, chart and workbook downloads, and the static files.

use std::sync::atomic::Ordering;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, SystemTime};

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use minijinja::value::Serde;
use minijinja::{Environment, Value, context};
use serde::Serialize;

use super::api::{self, TicketItem, TicketList, ViewQuery};
// The pages' extractors answer bad parameters with the error page.
use super::extract::{PagePath as Path, PageQuery as Query};
use super::{ApiError, AppState};
use crate::indicators::{Kind, Light, Quarter, fmt_hours, fmt_number, fmt_percent};
use crate::model::{Metric, SlaState, Status, priority_label_es};
use crate::report::charts::CHARTS;

fn templates() -> &'static Environment<'static> {
    static ENV: OnceLock<Environment<'static>> = OnceLock::new();
    ENV.get_or_init(|| {
        let mut env = Environment::new();
        for (name, text) in [
            ("base.html", include_str!("../../dashboards/base.html")),
            (
                "overview.html",
                include_str!("../../dashboards/overview.html"),
            ),
            ("ticket.html", include_str!("../../dashboards/ticket.html")),
            ("cases.html", include_str!("../../dashboards/cases.html")),
            ("error.html", include_str!("../../dashboards/error.html")),
            ("trend.html", include_str!("../../dashboards/trend.html")),
            (
                "filters.html",
                include_str!("../../dashboards/filters.html"),
            ),
            (
                "comparison.html",
                include_str!("../../dashboards/comparison.html"),
            ),
            (
                "operations.html",
                include_str!("../../dashboards/operations.html"),
            ),
        ] {
            // The templates are part of the binary; a syntax error fails the page tests.
            if let Err(e) = env.add_template(name, text) {
                tracing::error!("plantilla {name}: {e}");
            }
        }
        env
    })
}

/// An error shown as a page.
pub struct PageError(ApiError);

impl From<ApiError> for PageError {
    fn from(e: ApiError) -> Self {
        PageError(e)
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let status = self.0.status();
        if let ApiError::Internal(detail) = &self.0 {
            tracing::error!("error interno: {detail}");
        }
        let title = match status {
            StatusCode::NOT_FOUND => "No encontrado",
            StatusCode::BAD_REQUEST => "Solicitud no válida",
            StatusCode::SERVICE_UNAVAILABLE => "Servidor ocupado",
            _ => "Error",
        };
        let body = templates()
            .get_template("error.html")
            .and_then(|t| t.render(context! { title, message => self.0.to_string() }))
            .unwrap_or_else(|_| self.0.to_string());
        let mut response = (status, Html(body)).into_response();
        if status == StatusCode::SERVICE_UNAVAILABLE {
            response.headers_mut().insert(
                header::RETRY_AFTER,
                axum::http::HeaderValue::from(super::error::RETRY_AFTER_SECS),
            );
        }
        response
    }
}

pub(super) fn render(name: &str, ctx: minijinja::Value) -> Result<Html<String>, PageError> {
    templates()
        .get_template(name)
        .and_then(|t| t.render(ctx))
        .map(Html)
        .map_err(|e| PageError(ApiError::internal(e)))
}

#[derive(Serialize)]
struct Tile {
    id: String,
    name: String,
    value: String,
    detail: String,
    light: &'static str,
    /// The lists of cases behind it.
    links: Vec<super::drill_links::Link>,
}

pub(super) fn value_text(kind: Kind, v: Option<f64>) -> String {
    match (kind, v) {
        (_, None) => "—".into(),
        (Kind::Percent, Some(v)) => fmt_percent(v),
        (Kind::Hours, Some(v)) => fmt_hours(v),
        (Kind::Count, Some(v)) => fmt_number(v, 0),
    }
}

pub(super) fn light_code(l: Light) -> &'static str {
    match l {
        Light::Green => "green",
        Light::Yellow => "yellow",
        Light::Red => "red",
        Light::None => "none",
    }
}

#[derive(Serialize)]
struct Row {
    source: String,
    ticket_id: String,
    title: String,
    metric: &'static str,
    priority: &'static str,
    technician: String,
    margin: String,
    at: String,
}

/// The list rows; `no_instant` is said where an item has no instant: an at-risk clock without
/// a deadline is on hold (its deadline moves with the pause), a breach without a stop is open.
fn rows(items: Vec<TicketItem>, no_instant: &'static str) -> Vec<Row> {
    items
        .into_iter()
        .map(|t| Row {
            metric: Metric::from_code(&t.metric).map_or("", |m| m.label_es()),
            priority: t
                .priority
                .and_then(|p| u8::try_from(p).ok())
                .map_or("", priority_label_es),
            margin: t
                .margin_seconds
                .map(|s| fmt_hours(s as f64 / 3600.0))
                .unwrap_or_default(),
            at: t
                .at
                .map(|a| a.format("%d/%m/%Y %H:%M").to_string())
                .unwrap_or_else(|| no_instant.into()),
            source: t.source,
            ticket_id: t.ticket_id,
            title: t.title.unwrap_or_default(),
            technician: t.technician.unwrap_or_default(),
        })
        .collect()
}

/// Query string of a view, for links that keep the filters.
pub(super) fn view_query(v: &api::View) -> String {
    let mut q = vec![
        ("entity", v.entity.clone()),
        ("quarter", v.quarter.to_string()),
    ];
    if let Some(p) = v.filters.priority {
        q.push(("priority", p.to_string()));
    }
    for (k, val) in [
        ("category", &v.filters.category),
        ("group", &v.filters.group),
        ("technician", &v.filters.technician),
    ] {
        if let Some(val) = val {
            q.push((k, val.clone()));
        }
    }
    if let Some(version) = &v.filters.policy_version {
        q.push(("version", version.to_string()));
    }
    q.iter()
        .map(|(k, v)| format!("{k}={}", urlencode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

pub(super) fn urlencode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

pub async fn overview(
    State(state): State<Arc<AppState>>,
    Query(q): Query<ViewQuery>,
) -> Result<Html<String>, PageError> {
    let view = api::resolve(&state, &q).await?;
    let cached = state
        .indicator_set(view.entity.clone(), view.quarter, view.filters.clone())
        .await?;
    let entities = api::entities(&state).await?;
    // The dropdown shows each entity's display name; its value stays the stored name.
    let shown = state.engine.display_names(&entities);
    let entity_name = shown
        .get(&view.entity)
        .cloned()
        .unwrap_or_else(|| state.engine.display_name(&view.entity));
    let entities: Vec<_> = entities
        .iter()
        .map(|e| context! { value => e, label => shown.get(e).unwrap_or(e) })
        .collect();
    // The lists and filter values cost a scan of the store each: cached per view, like the set.
    let key = serde_json::to_string(&view).map_err(ApiError::internal)?;
    let page = state
        .page_data(key, {
            let view = view.clone();
            move |s| page_data(s, &view)
        })
        .await?;
    let PageData {
        at_risk,
        breaches,
        quarters,
        options,
    } = (*page).clone();
    let options =
        super::versions::offer(&state.engine, view.filters.policy_version.as_ref(), options);
    let mut quarters = quarters;
    if !quarters.contains(&view.quarter.to_string()) {
        quarters.insert(0, view.quarter.to_string());
    }
    let set = &cached.set;
    let tiles = tiles(set, &view);
    let query = view_query(&view);
    let charts: Vec<_> = CHARTS
        .iter()
        .map(|(name, title)| {
            context! {
                bars => Value::from(Serde(super::drill_links::chart_bars(set, &view, name))),
                url => format!("/graficos/{name}.svg?{query}"),
                png_url => format!("/graficos/{name}.png?{query}"),
                title => *title
            }
        })
        .collect();
    let priorities: Vec<(u8, &str)> = (1..=6).rev().map(|p| (p, priority_label_es(p))).collect();
    // The instant the tiles describe (the evaluation the set was built on); a quarter not
    // finished by then is marked as in progress.
    let now = state
        .engine
        .default
        .local_from_instant(chrono::Utc::now().timestamp());
    let data_at = crate::report::data_instant(set.as_of, now);
    render(
        "overview.html",
        context! {
            view => Value::from(Serde(&view)),
            entity_name,
            quarter_name => view.quarter.name_es(),
            in_progress => crate::report::in_progress(view.quarter, data_at),
            data_at => data_at.format("%d/%m/%Y %H:%M").to_string(),
            entities,
            quarters,
            priorities => Value::from(Serde(&priorities)),
            options => Value::from(Serde(&options)),
            tiles => Value::from(Serde(&tiles)),
            charts,
            workbook_url => format!("/descargas/indicadores.xlsx?{query}"),
            trend_url => format!("/tendencia?{query}"),
            filters_text => set.filters_text(),
            as_of => set.as_of.map(|t| t.format("%d/%m/%Y %H:%M").to_string()),
            at_risk => Value::from(Serde(rows(at_risk, "en pausa"))),
            breaches => Value::from(Serde(rows(breaches, "abierto"))),
        },
    )
}

/// One tile per indicator of `set`: value, goal and previous quarter, light, drill-down links.
fn tiles(set: &crate::indicators::IndicatorSet, view: &api::View) -> Vec<Tile> {
    set.indicators
        .iter()
        .map(|i| {
            let kind = i.definition.quantity.kind();
            let mut detail = Vec::new();
            if let Some(g) = i.definition.goal {
                detail.push(format!("meta {}", value_text(kind, Some(g))));
            }
            if let Some(p) = i.previous {
                detail.push(format!(
                    "{}: {}",
                    set.previous_quarter,
                    value_text(kind, Some(p))
                ));
            }
            Tile {
                id: i.definition.id.clone(),
                name: i.definition.name.clone(),
                value: value_text(kind, i.current.value),
                detail: detail.join(" · "),
                light: light_code(i.light),
                links: super::drill_links::tile_links(view, i),
            }
        })
        .collect()
}

/// The store-backed parts of the overview besides the indicator set.
#[derive(Clone)]
pub struct PageData {
    at_risk: Vec<TicketItem>,
    breaches: Vec<TicketItem>,
    quarters: Vec<String>,
    options: std::collections::BTreeMap<String, Vec<String>>,
}

fn page_data(s: &crate::store::Store, view: &api::View) -> Result<PageData, ApiError> {
    let at_risk = api::ticket_list(s, TicketList::AtRisk, view, 20)?;
    let breaches = api::ticket_list(s, TicketList::Breaches, view, 20)?;
    let dashboard = s.dashboard();
    let quarters: Vec<String> = dashboard
        .quarters(&view.entity)?
        .into_iter()
        .filter_map(|(y, q)| Quarter::new(y, q as u8).ok())
        .map(|q| q.to_string())
        .collect();
    let options = dashboard.filter_values(&view.entity)?;
    Ok(PageData {
        at_risk,
        breaches,
        quarters,
        options,
    })
}

fn hours_text(secs: i64) -> String {
    fmt_hours(secs as f64 / 3600.0)
}

pub async fn ticket(
    State(state): State<Arc<AppState>>,
    Path((source, id)): Path<(String, String)>,
) -> Result<Html<String>, PageError> {
    let t = api::named_ticket_detail(&state, source, id).await?;
    let paused_since = paused_since(&t);
    let clocks: Vec<_> = t
        .clocks
        .iter()
        .map(|c| {
            context! {
                metric => Metric::from_code(&c.metric).map_or("", |m| m.label_es()),
                target => c.target_seconds.map(hours_text).unwrap_or_else(|| "sin meta".into()),
                business => hours_text(c.business_seconds),
                paused => hours_text(c.paused_seconds),
                outside => hours_text(c.counted.outside_hours),
                weekend => hours_text(c.counted.non_working_day),
                holiday => hours_text(c.counted.holiday),
                closure => hours_text(c.counted.closure),
                state => state_label(&c.state),
                state_code => c.state.clone(),
                due => due_text(c, paused_since),
                excess => c
                    .target_seconds
                    .filter(|&target| c.business_seconds > target)
                    .map(|target| hours_text(c.business_seconds - target))
                    .unwrap_or_default(),
                rule => c.rule.clone().unwrap_or_default(),
                model => clock_model(c),
            }
        })
        .collect();
    let until = t
        .clocks
        .first()
        .map(|c| c.as_of.format("%d/%m/%Y %H:%M").to_string())
        .unwrap_or_default();
    let events = event_rows(&t.events);
    let status = Status::from_code(&t.ticket.status)
        .map_or(t.ticket.status.clone(), |s| s.label_es().into());
    let priority = t
        .ticket
        .priority
        .and_then(|p| u8::try_from(p).ok())
        .map_or("sin prioridad", priority_label_es);
    let no_history = t.clocks.iter().any(|c| c.no_history);
    let mut shown = serde_json::to_value(&t).map_err(ApiError::internal)?;
    shown["status"] = status.into();
    shown["created_at"] = t
        .ticket
        .created_at
        .format("%d/%m/%Y %H:%M")
        .to_string()
        .into();
    for k in ["solved_at", "closed_at"] {
        if let Some(v) = shown[k]
            .as_str()
            .and_then(|s| chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S").ok())
        {
            shown[k] = v.format("%d/%m/%Y %H:%M").to_string().into();
        }
    }
    render(
        "ticket.html",
        context! {
            t => Value::from(Serde(&shown)), priority, clocks, ola => ola_rows(&t), events, until,
            no_history,
        },
    )
}

/// The ticket's history as the page lists it: Spanish kinds and statuses, local times.
fn event_rows(events: &[api::EventItem]) -> Vec<minijinja::Value> {
    events
        .iter()
        .map(|e| {
            let status = |v: &Option<String>| {
                v.as_deref()
                    .map(|s| Status::from_code(s).map_or(s.to_owned(), |x| x.label_es().into()))
                    .unwrap_or_default()
            };
            let kind = match e.kind.as_str() {
                "status" => "Cambio de estado",
                "assign_tech" => "Asignación de técnico",
                "assign_group" => "Asignación de grupo",
                "followup" => "Seguimiento",
                "solution" => "Solución",
                other => other,
            };
            let (old, new) = if e.kind == "status" {
                (status(&e.old_value), status(&e.new_value))
            } else {
                (
                    e.old_value.clone().unwrap_or_default(),
                    e.new_value.clone().unwrap_or_default(),
                )
            };
            context! {
                at => e.at.format("%d/%m/%Y %H:%M:%S").to_string(),
                kind,
                old_value => old,
                new_value => new,
                actor => e.actor.clone().unwrap_or_default(),
            }
        })
        .collect()
}

/// Spanish name of a clock or OLA state code; "Sin meta" for anything else.
fn state_label(code: &str) -> &'static str {
    SlaState::from_code(code).map_or("Sin meta", SlaState::label_es)
}

/// What measured a clock: its calendar, its policy version and, on the solution clock, the
/// nonzero pauses per status in hours.
fn clock_model(c: &api::Clock) -> Value {
    let pauses: Vec<_> = c
        .paused_by
        .iter()
        .flat_map(|p| {
            [
                ("En espera", p.waiting),
                ("Planificado", p.planned),
                ("Resuelto antes de reabrir", p.solved),
            ]
        })
        .filter(|&(_, secs)| secs != 0)
        .map(|(label, secs)| context! { label, hours => hours_text(secs) })
        .collect();
    context! {
        calendar => c.calendar.clone(),
        version => c.policy_version.clone().unwrap_or_else(|| "sin versión".into()),
        before_first_version => c.before_first_version,
        pauses,
    }
}

/// The rows of the «OLA por grupo» table: hours with one decimal, the share in percent.
fn ola_rows(t: &api::TicketDetail) -> Vec<Value> {
    let hours = |secs: i64| fmt_number(secs as f64 / 3600.0, 1);
    t.ola
        .iter()
        .map(|o| {
            context! {
                group => o.hold.group.clone(),
                business => hours(o.hold.business_seconds),
                target => o.hold.target_seconds.map_or_else(|| "—".into(), hours),
                state => state_label(&o.hold.state),
                state_code => o.hold.state.clone(),
                share => o.share.map_or_else(|| "—".into(), fmt_percent),
            }
        })
        .collect()
}

/// When the ticket went on hold, if it is on hold now: its last change of status into
/// waiting.
fn paused_since(t: &api::TicketDetail) -> Option<chrono::NaiveDateTime> {
    if t.ticket.status != "waiting" {
        return None;
    }
    t.events
        .iter()
        .filter(|e| e.kind == "status" && e.new_value.as_deref() == Some("waiting"))
        .map(|e| e.at)
        .max()
}

/// The "Vence" cell of a clock: the instant its target runs out while it runs, "en pausa
/// desde …" while the ticket waits (the deadline moves with the pause), "vencido" once
/// breached, and a dash for a clock that ended or has no target.
fn due_text(c: &api::Clock, paused_since: Option<chrono::NaiveDateTime>) -> String {
    if c.target_seconds.is_none() || c.stopped_at.is_some() {
        return "—".into();
    }
    if c.state == "breached" {
        return "vencido".into();
    }
    match (c.deadline, paused_since) {
        (Some(deadline), _) => deadline.format("%d/%m/%Y %H:%M").to_string(),
        (None, Some(at)) => format!("en pausa desde {}", at.format("%d/%m/%Y %H:%M")),
        (None, None) => "en pausa".into(),
    }
}

pub async fn chart(
    State(state): State<Arc<AppState>>,
    Path(file): Path<String>,
    Query(q): Query<ViewQuery>,
) -> Result<Response, PageError> {
    // `name.svg` for the page, `name.png` (1280×720) to paste into a presentation.
    let (name, png) = match file.rsplit_once('.') {
        Some((n, "png")) => (n.to_owned(), true),
        Some((n, "svg")) => (n.to_owned(), false),
        _ => (file.clone(), false),
    };
    if !CHARTS.iter().any(|(n, _)| *n == name) {
        return Err(ApiError::NotFound(format!("no existe el gráfico «{name}»")).into());
    }
    let view = api::resolve(&state, &q).await?;
    let cached = state
        .indicator_set(view.entity, view.quarter, view.filters)
        .await?;
    if png {
        // plotters encodes PNG to a file: one of its own in the server's temporary folder.
        let file = tempfile::Builder::new()
            .suffix(".png")
            .tempfile_in(state.downloads.path())
            .map_err(ApiError::internal)?;
        let bytes = state
            .blocking(move |_| {
                crate::report::charts::png(&name, &cached.set, file.path())
                    .map_err(ApiError::internal)?;
                std::fs::read(file.path()).map_err(ApiError::internal)
            })
            .await?;
        return Ok(([(header::CONTENT_TYPE, "image/png")], bytes).into_response());
    }
    let svg = state
        .blocking(move |_| {
            crate::report::charts::svg(&name, &cached.set).map_err(ApiError::internal)
        })
        .await?;
    Ok(([(header::CONTENT_TYPE, "image/svg+xml")], svg).into_response())
}

/// A generated workbook is served again for this long.
const WORKBOOK_TTL: Duration = Duration::from_secs(300);

pub async fn workbook(
    State(state): State<Arc<AppState>>,
    Query(q): Query<ViewQuery>,
) -> Result<Response, PageError> {
    let view = api::resolve(&state, &q).await?;
    // The entity's unique slug: entities that share a plain one get distinct files.
    let entity = view.entity.clone();
    let slug = state
        .with_store(move |s, store| Ok(crate::report::entity_slug(store, &s.engine, &entity)?))
        .await?;
    let name = download_name(&slug, &view);
    // The file (and with it the single-flight key) depends on every filter: a digest of them,
    // since two filter values can share a file-name form ("José" and "Jose").
    let path = state
        .downloads
        .path()
        .join(format!("{}_{}", filters_digest(&view.filters), name));
    // One generation per workbook and filters: concurrent downloads of it wait for that one.
    let bytes = state
        .workbook_flights
        .run(path.clone(), || workbook_bytes(&state, view, path))
        .await?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_owned(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        bytes,
    )
        .into_response())
}

/// The downloaded workbook's name: entity, quarter and, when the view is filtered, the
/// filters ("indicadores_alcaldia_2026-Q3_prioridad-alta.xlsx").
fn download_name(slug: &str, view: &api::View) -> String {
    let mut stem = format!("indicadores_{slug}_{}", view.quarter);
    let described = view.filters.describe();
    if !described.is_empty() {
        stem = format!("{stem}_{}", crate::report::slug(&described.join(" ")));
    }
    format!("{stem}.xlsx")
}

/// A short digest of a view's filters, for the generated file's path.
fn filters_digest(filters: &crate::store::indicators::Filters) -> String {
    use sha2::{Digest, Sha256};
    let text = serde_json::to_string(filters).unwrap_or_default();
    Sha256::digest(text.as_bytes())
        .iter()
        .take(8)
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Whether the workbook at `path` was generated less than [`WORKBOOK_TTL`] ago.
fn fresh(path: &std::path::Path) -> bool {
    std::fs::metadata(path)
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| SystemTime::now().duration_since(t).ok())
        .is_some_and(|age| age < WORKBOOK_TTL)
}

/// The workbook of a view, generated again when the copy at `path` is missing or old. It is
/// written in a folder of its own and renamed into place, so `path` only ever holds a
/// complete file.
async fn workbook_bytes(
    state: &Arc<AppState>,
    view: api::View,
    path: std::path::PathBuf,
) -> Result<axum::body::Bytes, ApiError> {
    let admitted = if fresh(&path) {
        None
    } else {
        Some(state.admit()?)
    };
    state
        .with_store(move |s, store| {
            let _admitted = admitted;
            if !fresh(&path) {
                let scratch =
                    tempfile::tempdir_in(s.downloads.path()).map_err(ApiError::internal)?;
                let scope = crate::report::ReportScope {
                    entity: &view.entity,
                    quarter: view.quarter,
                    filters: &view.filters,
                };
                let files = crate::report::write_filtered_report(
                    store,
                    &s.engine,
                    &s.definitions,
                    scope,
                    s.glpi_base_url.as_deref(),
                    scratch.path(),
                )?;
                std::fs::rename(&files.workbook, &path).map_err(ApiError::internal)?;
                s.work.workbooks_generated.fetch_add(1, Ordering::Relaxed);
            }
            std::fs::read(&path)
                .map(axum::body::Bytes::from)
                .map_err(ApiError::internal)
        })
        .await
}

pub async fn asset(Path(file): Path<String>) -> Result<Response, PageError> {
    let (body, kind) = match file.as_str() {
        "style.css" => (
            include_str!("../../dashboards/style.css"),
            "text/css; charset=utf-8",
        ),
        "app.js" => (
            include_str!("../../dashboards/app.js"),
            "text/javascript; charset=utf-8",
        ),
        _ => return Err(ApiError::NotFound("no existe ese archivo".into()).into()),
    };
    Ok(([(header::CONTENT_TYPE, kind)], body).into_response())
}
