//! `GET /api/v1/ola`: the OLA per technician group of a view — the figures of the workbook's
//! «OLA por grupo» sheet ([`crate::store::ola_groups`]), with the view's entity, quarter and
//! filters resolved and validated as for `/api/v1/indicators`.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use super::api::{self, View, ViewQuery};
use super::extract::Query;
use super::{ApiError, AppState};
use crate::store::ola_groups::{OlaGroup, quarter_ola};

/// The answer: the view, then each group (most hours first) and the total.
#[derive(Serialize)]
struct OlaReply {
    #[serde(flatten)]
    view: View,
    groups: Vec<OlaGroup>,
    total: OlaGroup,
}

pub async fn api(
    State(state): State<Arc<AppState>>,
    Query(q): Query<ViewQuery>,
) -> Result<Response, ApiError> {
    let view = api::resolve(&state, &q).await?;
    let reply = state
        .with_store(move |_, store| {
            let ola = quarter_ola(store, Some(&view.entity), view.quarter, &view.filters)?;
            Ok(OlaReply {
                view,
                groups: ola.groups,
                total: ola.total,
            })
        })
        .await?;
    Ok(Json(reply).into_response())
}
