//! HTTP dashboard and JSON API (axum): server-rendered Spanish pages from `dashboards/`, the
//! `/api/v1` API, health and metrics, and the own-store ingest endpoints behind a token.
//! DuckDB work runs in `spawn_blocking` on a connection of its own, never across an `.await`.
//! The connections are served by our own loop (`server.rs`), not `axum::serve`.

mod api;
pub mod auth;
mod comparison;
mod drill;
mod drill_links;
mod error;
mod extract;
mod guard;
mod ola;
mod operations;
mod pages;
pub mod server;
mod state;
mod trend;
mod versions;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::Method;
use axum::routing::{get, post};
use tower_http::timeout::TimeoutLayer;

pub use api::{API_ROUTES, OPENAPI};
pub use error::ApiError;
pub use guard::NO_ROUTE;
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
    #[error(transparent)]
    Limits(#[from] server::LimitsError),
}

/// The application's routes on a state.
pub fn router(state: Arc<AppState>) -> Router {
    Router::new()
        .route("/", get(pages::overview))
        .route("/casos/{source}/{id}", get(pages::ticket))
        .route("/casos", get(drill::page))
        .route("/descargas/casos.csv", get(drill::csv))
        .route("/descargas/casos.xlsx", get(drill::xlsx))
        .route("/api/v1/cases", get(drill::api))
        .route("/graficos/{name}", get(pages::chart))
        .route("/descargas/indicadores.xlsx", get(pages::workbook))
        .route("/comparacion", get(comparison::page))
        .route("/descargas/comparacion.xlsx", get(comparison::workbook))
        .route("/api/v1/comparison", get(comparison::api))
        .route("/operaciones", get(operations::page))
        .route("/api/v1/operations", get(operations::api))
        .route("/static/{file}", get(pages::asset))
        .route("/healthz", get(api::healthz))
        .route("/metrics", get(api::metrics))
        .route("/api/v1/openapi.json", get(api::openapi))
        .route("/api/v1/indicators", get(api::indicators))
        .route("/api/v1/breaches", get(api::breaches))
        .route("/api/v1/at-risk", get(api::at_risk))
        .route("/api/v1/trend", get(trend::api))
        .route("/api/v1/ola", get(ola::api))
        .route("/tendencia", get(trend::page))
        .route("/tendencia/graficos/{file}", get(trend::chart))
        .route("/api/v1/tickets", post(api::post_tickets))
        .route("/api/v1/tickets/{source}/{id}", get(api::ticket))
        .route(
            "/api/v1/tickets/{source}/{id}/events",
            post(api::post_events),
        )
        .fallback(api::not_found)
        .method_not_allowed_fallback(method_not_allowed)
        // In axum 0.8 `layer` wraps each route and the fallback after routing, so the guard
        // sees the matched route template (see guard.rs).
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            guard::guard,
        ))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(TimeoutLayer::with_status_code(
            axum::http::StatusCode::REQUEST_TIMEOUT,
            REQUEST_TIMEOUT,
        ))
        .with_state(state)
}

async fn method_not_allowed(method: Method) -> ApiError {
    ApiError::MethodNotAllowed(method.to_string())
}

/// Refuses to listen beyond loopback without viewer authentication, and unusable `[web]`
/// settings.
pub fn check_bind(addr: SocketAddr, web: &WebConfig) -> Result<(), WebError> {
    auth::validate_users(&web.users)?;
    server::Limits::of(web)?;
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
    serve_until(state, addr, ready, async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await
}

/// Like [`serve`], until `shutdown` completes; then open connections finish their request.
pub async fn serve_until(
    state: Arc<AppState>,
    addr: SocketAddr,
    ready: impl FnOnce(SocketAddr),
    shutdown: impl Future<Output = ()>,
) -> Result<(), WebError> {
    check_bind(addr, &state.web)?;
    let limits = server::Limits::of(&state.web)?;
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|source| WebError::Bind {
            addr: addr.to_string(),
            source,
        })?;
    let local = listener.local_addr().map_err(WebError::Serve)?;
    ready(local);
    server::run(listener, router(state), limits, shutdown).await;
    Ok(())
}
