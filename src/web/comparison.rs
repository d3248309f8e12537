//! The comparison between entities: the page `/comparacion?quarter=…`, its JSON
//! `/api/v1/comparison?quarter=…` and its workbook `/descargas/comparacion.xlsx?quarter=…`.
//! Each entity's figures are its cached indicator set — the very set `/api/v1/indicators`
//! serves — lined up and ranked by [`crate::report::comparison`].

use std::sync::Arc;
use std::sync::atomic::Ordering;

use axum::extract::State;
use axum::http::header;
use axum::response::{Html, IntoResponse, Response};
use minijinja::context;
use minijinja::value::{Serde, Value};
use serde::{Deserialize, Serialize};

use super::extract::{PageQuery, Query};
use super::pages::{PageError, light_code, render, value_text};
use super::{ApiError, AppState};
use crate::indicators::Quarter;
use crate::indicators::comparison::{Comparison, fmt_change};
use crate::report::comparison::{self as report_comparison, RANKING_NOTE, direction_text};
use crate::store::indicators::Filters;

/// `?quarter=2025-Q3` (empty or absent: the default quarter of every output).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ComparisonQuery {
    pub quarter: Option<String>,
}

/// The first and last quarter any entity has data in (the last at least the quarter in
/// progress); `None` for an empty store.
async fn span(
    state: &Arc<AppState>,
    current: Quarter,
) -> Result<Option<(Quarter, Quarter)>, ApiError> {
    let mut span: Option<(Quarter, Quarter)> = None;
    for entity in state.entities().await? {
        let known = state.known(&entity).await?;
        let Some(first) = known.first.map(|f| Quarter::containing(f.date())) else {
            continue;
        };
        let last = known
            .last
            .map_or(current, |l| Quarter::containing(l.date()).max(current));
        span = Some(match span {
            Some((a, b)) => (a.min(first), b.max(last)),
            None => (first, last),
        });
    }
    Ok(span)
}

/// The quarter asked for, checked against the store's data (a quarter no entity has data in is
/// a 404 naming the valid span), or the default one; with the quarters the page offers, most
/// recent first.
async fn resolve(
    state: &Arc<AppState>,
    q: &ComparisonQuery,
) -> Result<(Quarter, Vec<Quarter>), ApiError> {
    let now = state
        .engine
        .default
        .local_from_instant(chrono::Utc::now().timestamp());
    let current = Quarter::containing(now.date());
    let span = span(state, current).await?;
    let quarter = match q
        .quarter
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
    {
        None => crate::report::default_quarter(state.evaluated_at().await?, now),
        Some(text) => {
            let quarter = Quarter::parse(text).map_err(|e| ApiError::BadRequest(e.to_string()))?;
            if let Some((first, last)) = span
                && !(first..=last).contains(&quarter)
            {
                return Err(ApiError::NotFound(format!(
                    "ninguna entidad tiene datos en el trimestre {quarter}: elija uno entre \
                     {first} y {last}"
                )));
            }
            quarter
        }
    };
    let mut offered = Vec::new();
    if let Some((first, last)) = span {
        let mut q = last;
        while q >= first {
            offered.push(q);
            q = q.previous();
        }
    }
    if !offered.contains(&quarter) {
        offered.insert(0, quarter);
    }
    Ok((quarter, offered))
}

/// The comparison of a quarter from the cached indicator sets of every entity (computed, once,
/// the first time each is asked for, under the same admission as the overview's).
async fn comparison(state: &Arc<AppState>, quarter: Quarter) -> Result<Comparison, ApiError> {
    let mut sets = Vec::new();
    for entity in state.entities().await? {
        sets.push(
            state
                .indicator_set(entity, quarter, Filters::default())
                .await?,
        );
    }
    let sets: Vec<_> = sets.iter().map(|c| &c.set).collect();
    Ok(report_comparison::line_up(&state.engine, quarter, &sets))
}

pub async fn api(
    State(state): State<Arc<AppState>>,
    Query(q): Query<ComparisonQuery>,
) -> Result<axum::Json<Comparison>, ApiError> {
    let (quarter, _) = resolve(&state, &q).await?;
    Ok(axum::Json(comparison(&state, quarter).await?))
}

/// One cell of the page's table.
#[derive(Serialize)]
struct ShownCell {
    value: String,
    light: &'static str,
    place: String,
    ranked: bool,
    change: String,
}

/// One column header of the page's table.
#[derive(Serialize)]
struct ShownColumn {
    id: String,
    name: String,
    goal: String,
    sense: &'static str,
}

pub async fn page(
    State(state): State<Arc<AppState>>,
    PageQuery(q): PageQuery<ComparisonQuery>,
) -> Result<Html<String>, PageError> {
    let (quarter, offered) = resolve(&state, &q).await?;
    let c = comparison(&state, quarter).await?;
    let columns: Vec<ShownColumn> = c
        .indicators
        .iter()
        .map(|col| ShownColumn {
            id: col.id.clone(),
            name: col.name.clone(),
            goal: col
                .goal
                .map(|g| format!("meta {}", value_text(col.quantity.kind(), Some(g))))
                .unwrap_or_default(),
            sense: direction_text(col),
        })
        .collect();
    let rows: Vec<_> = c
        .entities
        .iter()
        .map(|row| {
            let cells: Vec<ShownCell> = c
                .indicators
                .iter()
                .zip(&row.cells)
                .map(|(col, cell)| ShownCell {
                    value: value_text(col.quantity.kind(), cell.value),
                    light: light_code(cell.light),
                    place: cell.rank.map(|p| format!("{p}.º")).unwrap_or_default(),
                    ranked: col.ranked,
                    change: fmt_change(col.quantity.kind(), cell.change),
                })
                .collect();
            context! {
                name => &row.name,
                entity => &row.entity,
                cells => Value::from(Serde(cells)),
            }
        })
        .collect();
    let now = state
        .engine
        .default
        .local_from_instant(chrono::Utc::now().timestamp());
    let data_at = crate::report::data_instant(c.as_of, now);
    render(
        "comparison.html",
        context! {
            quarter => quarter.to_string(),
            quarter_name => quarter.name_es(),
            previous_quarter => c.previous_quarter.to_string(),
            quarters => offered.iter().map(ToString::to_string).collect::<Vec<_>>(),
            in_progress => crate::report::in_progress(quarter, data_at),
            data_at => data_at.format("%d/%m/%Y %H:%M").to_string(),
            columns => Value::from(Serde(columns)),
            rows,
            note => RANKING_NOTE,
            workbook_url => format!("/descargas/comparacion.xlsx?quarter={quarter}"),
        },
    )
}

pub async fn workbook(
    State(state): State<Arc<AppState>>,
    PageQuery(q): PageQuery<ComparisonQuery>,
) -> Result<Response, PageError> {
    let (quarter, _) = resolve(&state, &q).await?;
    let c = comparison(&state, quarter).await?;
    let admitted = state.admit()?;
    let bytes = state
        .blocking(move |s| {
            let _admitted = admitted;
            let dir = tempfile::tempdir_in(s.downloads.path()).map_err(ApiError::internal)?;
            let path = report_comparison::write_workbook(&c, dir.path())?;
            s.work.workbooks_generated.fetch_add(1, Ordering::Relaxed);
            std::fs::read(path).map_err(ApiError::internal)
        })
        .await?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_owned(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!(
                    "attachment; filename=\"{}\"",
                    report_comparison::file_name(quarter)
                ),
            ),
        ],
        bytes,
    )
        .into_response())
}
