//! The middleware every request passes after routing: authentication (viewer tokens or Basic
//! users for reading, ingest tokens for writing, failed log-ins limited) and the request counts
//! of `/metrics`, labelled by route template only.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use axum::extract::{ConnectInfo, MatchedPath, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::auth::{Login, bearer, token_matches};
use super::state::Metrics;
use super::{ApiError, AppState};

/// The `/metrics` label of requests that matched no route (the 404 fallback).
pub const NO_ROUTE: &str = "(sin ruta)";

/// Authenticates (viewer tokens or users for everything but `/healthz`, ingest tokens for
/// writes) and records the request for `/metrics`.
///
/// It is added with `Router::layer`, which in axum 0.8 wraps each route and the fallback after
/// routing: the matched template (`MatchedPath`) is known here, and a request that matched no
/// route has none, whatever its path. The path itself never becomes a label.
pub async fn guard(State(state): State<Arc<AppState>>, req: Request, next: Next) -> Response {
    let started = Instant::now();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or(NO_ROUTE, MatchedPath::as_str)
        .to_owned();
    // The head alone crosses the `.await` (the body is not `Sync`).
    let (head, body) = req.into_parts();
    let response = match authorize(&state, &head).await {
        Ok(()) => next.run(Request::from_parts(head, body)).await,
        Err(refused) => refused,
    };
    state
        .metrics
        .record(route, response.status().as_u16(), started.elapsed());
    response
}

/// `Ok` when the request may go on; otherwise the response that refuses it (401 or 429).
async fn authorize(state: &AppState, req: &Parts) -> Result<(), Response> {
    let headers = &req.headers;
    let write = req.method == Method::POST;
    if write {
        if bearer(headers).is_some_and(|t| token_matches(t, &state.web.ingest_tokens)) {
            return Ok(());
        }
        return Err(ApiError::Unauthorized.into_response());
    }
    if req.uri.path() == "/healthz"
        || !state.web.viewers_authenticated()
        || bearer(headers).is_some_and(|t| token_matches(t, &state.web.viewer_tokens))
    {
        return Ok(());
    }
    // The client's address (from the server loop); absent only when the router is called
    // directly, as in unit tests.
    let client = req
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |c| c.0.ip());
    match state.basic.check(headers, client).await {
        Login::Allowed => Ok(()),
        Login::Limited(retry_after) => {
            Err(ApiError::TooManyAttempts { retry_after }.into_response())
        }
        Login::Absent | Login::Denied => {
            let mut response = ApiError::Unauthorized.into_response();
            // A browser asks its user for a name and password only when offered Basic.
            if !state.basic.is_empty() {
                response.headers_mut().append(
                    header::WWW_AUTHENTICATE,
                    HeaderValue::from_static("Basic realm=\"mesa-sla\", charset=\"UTF-8\""),
                );
            }
            Err(response)
        }
    }
}

impl Metrics {
    /// Counts one request of `route` (a template or [`NO_ROUTE`]) answered with `status`.
    pub fn record(&self, route: String, status: u16, took: Duration) {
        if let Ok(mut m) = self.requests.lock() {
            *m.entry((route, status)).or_default() += 1;
        }
        let micros = u64::try_from(took.as_micros()).unwrap_or(u64::MAX);
        self.latency_micros.fetch_add(micros, Ordering::Relaxed);
        self.latency_count.fetch_add(1, Ordering::Relaxed);
    }
}
