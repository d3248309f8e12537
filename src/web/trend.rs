//! The trend of the indicators: `/api/v1/trend` (JSON), the `/tendencia` page and its charts
//! (`/tendencia/graficos/{id}.svg`). Each indicator of a view's entity over the last quarters
//! ([`DEFAULT_QUARTERS`], ending at the view's quarter), beside every entity together with the
//! same filters, and its goal. The series are `report::history` and `report::history_of_all`.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::http::header;
use axum::response::{Html, IntoResponse, Response};
use minijinja::value::Serde;
use minijinja::{Value, context};
use serde::Serialize;

use super::api::{self, View, ViewQuery};
use super::extract::{PagePath as Path, PageQuery as Query};
use super::pages::{PageError, render, value_text, view_query};
use super::{ApiError, AppState};
use crate::indicators::history::{DEFAULT_QUARTERS, History};
use crate::indicators::{Quarter, filters_text};
use crate::model::priority_label_es;
use crate::report::charts::trend::{TrendChart, svg};
use crate::report::{ReportScope, history, history_of_all};
use crate::store::Store;

/// The trend of one view, as `/api/v1/trend` answers it.
#[derive(Debug, Clone, Serialize)]
pub struct Trend {
    /// The entity (stored name), the last quarter of the series and the filters.
    #[serde(flatten)]
    pub view: View,
    /// What titles call the entity.
    pub entity_name: String,
    /// The entity's series: `quarters` and `series`.
    #[serde(flatten)]
    pub history: History,
    /// Every entity of the store together, same quarters, definitions and filters.
    pub all_entities: History,
    /// How many entities `all_entities` counts.
    pub entities: usize,
    /// The page's quarter and filter choices (not part of the API).
    #[serde(skip)]
    choices: Choices,
}

#[derive(Debug, Clone, Default)]
struct Choices {
    quarters: Vec<String>,
    options: BTreeMap<String, Vec<String>>,
}

/// The trend of a view, cached like the overview's lists.
async fn trend(state: &Arc<AppState>, view: View) -> Result<Arc<Trend>, ApiError> {
    let entities = api::entities(state).await?.len();
    let key = serde_json::to_string(&view).map_err(ApiError::internal)?;
    state
        .trend(key, move |s, store| compute(s, store, view, entities))
        .await
}

fn compute(
    state: &AppState,
    store: &Store,
    view: View,
    entities: usize,
) -> Result<Trend, ApiError> {
    let (engine, definitions) = (&state.engine, &state.definitions);
    let scope = ReportScope {
        entity: &view.entity,
        quarter: view.quarter,
        filters: &view.filters,
    };
    let history = history(store, engine, definitions, scope, DEFAULT_QUARTERS)?;
    // One entity: every entity together is the same series.
    let all_entities = if entities > 1 {
        history_of_all(
            store,
            engine,
            definitions,
            view.quarter,
            &view.filters,
            DEFAULT_QUARTERS,
        )?
    } else {
        history.clone()
    };
    let dashboard = store.dashboard();
    let choices = Choices {
        quarters: dashboard
            .quarters(&view.entity)?
            .into_iter()
            .filter_map(|(y, q)| Quarter::new(y, q as u8).ok())
            .map(|q| q.to_string())
            .collect(),
        options: super::versions::offer(
            engine,
            view.filters.policy_version.as_ref(),
            dashboard.filter_values(&view.entity)?,
        ),
    };
    Ok(Trend {
        entity_name: engine.display_name(&view.entity),
        view,
        history,
        all_entities,
        entities,
        choices,
    })
}

/// `GET /api/v1/trend`: the view's parameters and validation are those of
/// `/api/v1/indicators`; `quarter` is the last quarter of the series.
pub async fn api(
    State(state): State<Arc<AppState>>,
    super::extract::Query(q): super::extract::Query<ViewQuery>,
) -> Result<Response, ApiError> {
    let view = api::resolve(&state, &q).await?;
    let trend = trend(&state, view).await?;
    Ok(Json(&*trend).into_response())
}

/// `GET /tendencia/graficos/{id}.svg`: one indicator's chart of a view.
pub async fn chart(
    State(state): State<Arc<AppState>>,
    Path(file): Path<String>,
    Query(q): Query<ViewQuery>,
) -> Result<Response, PageError> {
    let id = file.strip_suffix(".svg").unwrap_or(&file).to_owned();
    let view = api::resolve(&state, &q).await?;
    let trend = trend(&state, view).await?;
    if !trend.history.series.iter().any(|s| s.id == id) {
        let valid: Vec<String> = trend.history.series.iter().map(|s| s.id.clone()).collect();
        return Err(ApiError::NotFound(format!(
            "no existe el indicador «{id}». {}",
            crate::model::listing("Indicadores", &valid, "ninguno")
        ))
        .into());
    }
    let text = state
        .blocking(move |_| {
            let find = |h: &History| h.series.iter().find(|s| s.id == id).cloned();
            let (Some(mine), all) = (find(&trend.history), find(&trend.all_entities)) else {
                return Err(ApiError::internal("serie desaparecida"));
            };
            let chart = TrendChart {
                quarters: &trend.history.quarters,
                entity: (trend.entity_name.as_str(), &mine),
                all: all.as_ref().filter(|_| trend.entities > 1),
                subtitle: subtitle(&trend),
            };
            svg(&chart).map_err(ApiError::internal)
        })
        .await?;
    Ok(([(header::CONTENT_TYPE, "image/svg+xml")], text).into_response())
}

/// The line under a chart's title: entity, span and filters.
fn subtitle(t: &Trend) -> String {
    let mut parts = vec![t.entity_name.clone()];
    if let (Some(first), Some(last)) = (t.history.quarters.first(), t.history.quarters.last()) {
        parts.push(format!("{first} a {last}"));
    }
    parts.extend(t.view.filters.describe());
    parts.join(" · ")
}

/// One row of the page's table: an indicator's values in es-CO, "—" where there is none.
#[derive(Serialize)]
struct Row {
    id: String,
    name: String,
    goal: String,
    values: Vec<String>,
    all: Vec<String>,
    chart: String,
}

fn rows(t: &Trend, query: &str) -> Vec<Row> {
    let texts = |h: &History, i: usize| -> Vec<String> {
        h.series.get(i).map_or_else(Vec::new, |s| {
            s.values
                .iter()
                .map(|v| value_text(s.kind, v.value))
                .collect()
        })
    };
    t.history
        .series
        .iter()
        .enumerate()
        .map(|(i, s)| Row {
            id: s.id.clone(),
            name: s.name.clone(),
            goal: s
                .goal
                .map_or_else(|| "—".into(), |g| value_text(s.kind, Some(g))),
            values: texts(&t.history, i),
            all: texts(&t.all_entities, i),
            chart: format!(
                "/tendencia/graficos/{}.svg?{query}",
                super::pages::urlencode(&s.id)
            ),
        })
        .collect()
}

/// `GET /tendencia`: the table of every indicator over the quarters and one chart each.
pub async fn page(
    State(state): State<Arc<AppState>>,
    Query(q): Query<ViewQuery>,
) -> Result<Html<String>, PageError> {
    let view = api::resolve(&state, &q).await?;
    let trend = trend(&state, view).await?;
    let entities = api::entities(&state).await?;
    let shown = state.engine.display_names(&entities);
    let entities: Vec<_> = entities
        .iter()
        .map(|e| context! { value => e, label => shown.get(e).unwrap_or(e) })
        .collect();
    let now = state
        .engine
        .default
        .local_from_instant(chrono::Utc::now().timestamp());
    let data_at = crate::report::data_instant(state.evaluated_at().await?, now);
    let quarters: Vec<_> = trend
        .history
        .quarters
        .iter()
        .enumerate()
        .map(|(i, q)| {
            context! {
                label => q.to_string(),
                in_progress => crate::report::in_progress(*q, data_at),
                gap => trend.history.is_gap(i),
            }
        })
        .collect();
    let mut choices = trend.choices.quarters.clone();
    if !choices.contains(&trend.view.quarter.to_string()) {
        choices.insert(0, trend.view.quarter.to_string());
    }
    let query = view_query(&trend.view);
    let priorities: Vec<(u8, &str)> = (1..=6).rev().map(|p| (p, priority_label_es(p))).collect();
    render(
        "trend.html",
        context! {
            view => Value::from(Serde(&trend.view)),
            entity_name => trend.entity_name.clone(),
            several => trend.entities > 1,
            entities,
            quarters,
            choices,
            priorities => Value::from(Serde(&priorities)),
            options => Value::from(Serde(&trend.choices.options)),
            rows => Value::from(Serde(rows(&trend, &query))),
            filters_text => filters_text(&trend.view.filters.describe()),
            data_at => data_at.format("%d/%m/%Y %H:%M").to_string(),
            overview_url => format!("/?{query}"),
            api_url => format!("/api/v1/trend?{query}"),
        },
    )
}
