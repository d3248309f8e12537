//! HTTP dashboard and JSON API (axum): server-rendered Spanish pages from `dashboards/`, the
//! `/api/v1` API, health and metrics, and the own-store ingest endpoints behind a token.
//! DuckDB work runs in `spawn_blocking` on a connection of its own, never across an `.await`.

mod api;
pub mod auth;
mod error;
mod pages;
mod state;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use tower_http::timeout::TimeoutLayer;

pub use api::{API_ROUTES, OPENAPI};
pub use error::ApiError;
pub use state::{AppState, WebConfig};

/// Largest request body accepted (the ingest endpoints): 10 MB.
const BODY_LIMIT: usize = 10 * 1024 * 1024;
/// No request runs longer than this.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);

#[derive(Debug, thiserror::Error)]
pub enum WebError {
    #[error(
        "mesa-sla no se expone en {0} sin autenticación: configure [web] viewer_tokens o \
         [[web.users]] (o use 127.0.0.1)"
    )]
    Unprotected(SocketAddr),
    #[error("no se pudo escuchar en {addr}: {source}")]
    Bind {
        addr: String,
        source: std::io::Error,
    },
    #[error("error del servidor: {0}")]
    Serve(std::io::Error),
    #[error(transparent)]
    Users(#[from] auth::AuthConfigError),
}

/// The application's routes on a state.
pub fn router(state: Arc<AppState>) -> Router {
    Router::new()
        .route("/", get(pages::overview))
        .route("/casos/{source}/{id}", get(pages::ticket))
        .route("/graficos/{name}", get(pages::chart))
        .route("/descargas/indicadores.xlsx", get(pages::workbook))
        .route("/static/{file}", get(pages::asset))
        .route("/healthz", get(api::healthz))
        .route("/metrics", get(api::metrics))
        .route("/api/v1/openapi.json", get(api::openapi))
        .route("/api/v1/indicators", get(api::indicators))
        .route("/api/v1/breaches", get(api::breaches))
        .route("/api/v1/at-risk", get(api::at_risk))
        .route("/api/v1/tickets", post(api::post_tickets))
        .route("/api/v1/tickets/{source}/{id}", get(api::ticket))
        .route(
            "/api/v1/tickets/{source}/{id}/events",
            post(api::post_events),
        )
        .fallback(api::not_found)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            state::guard,
        ))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(TimeoutLayer::with_status_code(
            axum::http::StatusCode::REQUEST_TIMEOUT,
            REQUEST_TIMEOUT,
        ))
        .with_state(state)
}

/// Refuses to listen beyond loopback without viewer authentication.
pub fn check_bind(addr: SocketAddr, web: &WebConfig) -> Result<(), WebError> {
    auth::validate_users(&web.users)?;
    if !addr.ip().is_loopback() && !web.viewers_authenticated() {
        return Err(WebError::Unprotected(addr));
    }
    Ok(())
}

/// Binds `addr` (port 0 picks a free port) and serves until Ctrl-C; `ready` is told the
/// address actually bound.
pub async fn serve(
    state: Arc<AppState>,
    addr: SocketAddr,
    ready: impl FnOnce(SocketAddr),
) -> Result<(), WebError> {
    check_bind(addr, &state.web)?;
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|source| WebError::Bind {
            addr: addr.to_string(),
            source,
        })?;
    let local = listener.local_addr().map_err(WebError::Serve)?;
    ready(local);
    axum::serve(listener, router(state))
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
        .map_err(WebError::Serve)
}
