//! Shared state of the server: the store (a base connection cloned per task), the engine and
//! definitions, the cache of indicator sets, request metrics, and the guard that authenticates
//! and counts every request.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

use super::ApiError;
use crate::config::Engine;
use crate::indicators::{Definitions, IndicatorSet, Quarter};
use crate::store::Store;
use crate::store::indicators::Filters;

/// `[web]` configuration.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebConfig {
    /// Address to listen on (default 127.0.0.1:8080). Another address requires viewer tokens.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bind: Option<String>,
    /// Bearer tokens that may read the dashboard and the API. Empty: open, loopback only.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub viewer_tokens: Vec<String>,
    /// Bearer tokens that may write through `POST /api/v1/tickets…` (none: writing is off).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ingest_tokens: Vec<String>,
}

/// How long an indicator set is served from memory before it is computed again.
const CACHE_TTL: Duration = Duration::from_secs(60);

type SetKey = (String, Quarter, Filters);

/// Request counts and latency, for `/metrics`.
#[derive(Default)]
pub struct Metrics {
    pub requests: Mutex<HashMap<(String, u16), u64>>,
    pub latency_micros: AtomicU64,
    pub latency_count: AtomicU64,
}

pub struct AppState {
    store: Mutex<Store>,
    pub engine: Arc<Engine>,
    pub definitions: Arc<Definitions>,
    pub web: WebConfig,
    pub glpi_base_url: Option<String>,
    cache: Mutex<HashMap<SetKey, (Instant, Arc<CachedSet>)>>,
    pub metrics: Metrics,
    /// Generated workbooks, served again while the results do not change.
    pub downloads: tempfile::TempDir,
}

/// An indicator set with its JSON, ready to serve.
pub struct CachedSet {
    pub set: IndicatorSet,
    pub json: axum::body::Bytes,
}

impl AppState {
    pub fn new(
        store: Store,
        engine: Engine,
        definitions: Definitions,
        web: WebConfig,
        glpi_base_url: Option<String>,
    ) -> Result<AppState, std::io::Error> {
        Ok(AppState {
            store: Mutex::new(store),
            engine: Arc::new(engine),
            definitions: Arc::new(definitions),
            web,
            glpi_base_url,
            cache: Mutex::new(HashMap::new()),
            metrics: Metrics::default(),
            downloads: tempfile::tempdir()?,
        })
    }

    /// Runs `f` on a connection of its own in the blocking pool.
    pub async fn with_store<T, F>(self: &Arc<Self>, f: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&AppState, &Store) -> Result<T, ApiError> + Send + 'static,
    {
        let state = self.clone();
        tokio::task::spawn_blocking(move || {
            let store = state
                .store
                .lock()
                .map_err(|_| ApiError::internal("store lock poisoned"))?
                .try_clone()?;
            f(&state, &store)
        })
        .await
        .map_err(ApiError::internal)?
    }

    /// The indicator set of a view, from the cache when fresh.
    pub async fn indicator_set(
        self: &Arc<Self>,
        entity: String,
        quarter: Quarter,
        filters: Filters,
    ) -> Result<Arc<CachedSet>, ApiError> {
        let key = (entity, quarter, filters);
        if let Some((at, hit)) = self.cache.lock().map_err(ApiError::internal)?.get(&key)
            && at.elapsed() < CACHE_TTL
        {
            return Ok(hit.clone());
        }
        let k = key.clone();
        let fresh = self
            .with_store(move |s, store| {
                let set = crate::report::filtered_indicator_set(
                    store,
                    &s.engine,
                    &s.definitions,
                    &k.0,
                    k.1,
                    &k.2,
                )?;
                let json = serde_json::to_vec(&set).map_err(ApiError::internal)?;
                Ok(Arc::new(CachedSet {
                    set,
                    json: json.into(),
                }))
            })
            .await?;
        self.cache
            .lock()
            .map_err(ApiError::internal)?
            .insert(key, (Instant::now(), fresh.clone()));
        Ok(fresh)
    }

    /// Forgets every cached set (after new data arrives).
    pub fn invalidate(&self) {
        if let Ok(mut c) = self.cache.lock() {
            c.clear();
        }
    }
}

/// Compares a presented token with the configured ones without an early exit on the first
/// different byte.
fn token_matches(presented: &str, allowed: &[String]) -> bool {
    allowed.iter().fold(false, |ok, t| {
        let same = t.len() == presented.len()
            && t.bytes()
                .zip(presented.bytes())
                .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                == 0;
        ok | same
    })
}

fn bearer(req: &Request) -> Option<&str> {
    req.headers()
        .get(axum::http::header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
}

/// Authenticates (viewer tokens for everything but `/healthz`, ingest tokens for writes) and
/// records the request for `/metrics`.
pub async fn guard(State(state): State<Arc<AppState>>, req: Request, next: Next) -> Response {
    let started = Instant::now();
    let path = req.uri().path().to_owned();
    let write = req.method() == axum::http::Method::POST;
    let allowed = if write {
        bearer(&req).is_some_and(|t| token_matches(t, &state.web.ingest_tokens))
    } else {
        path == "/healthz"
            || state.web.viewer_tokens.is_empty()
            || bearer(&req).is_some_and(|t| token_matches(t, &state.web.viewer_tokens))
    };
    let response = if allowed {
        next.run(req).await
    } else {
        ApiError::Unauthorized.into_response()
    };
    // Group ticket paths so that the metric has a bounded set of labels.
    let route = if path.starts_with("/api/v1/tickets/") {
        "/api/v1/tickets/{source}/{id}".to_owned()
    } else if path.starts_with("/casos/") {
        "/casos/{source}/{id}".to_owned()
    } else if path.starts_with("/graficos/") || path.starts_with("/static/") {
        path.rsplit_once('/')
            .map_or(path.clone(), |(d, _)| format!("{d}/…"))
    } else {
        path
    };
    let status = response.status().as_u16();
    if let Ok(mut m) = state.metrics.requests.lock() {
        *m.entry((route, status)).or_default() += 1;
    }
    let micros = started.elapsed().as_micros() as u64;
    state
        .metrics
        .latency_micros
        .fetch_add(micros, Ordering::Relaxed);
    state.metrics.latency_count.fetch_add(1, Ordering::Relaxed);
    response
}

#[cfg(test)]
mod tests {
    use super::token_matches;

    #[test]
    fn tokens_compare_whole() {
        let allowed = vec!["s3cret-token".to_owned()];
        assert!(token_matches("s3cret-token", &allowed));
        assert!(!token_matches("s3cret-tokem", &allowed));
        assert!(!token_matches("s3cret", &allowed));
        assert!(!token_matches("", &[]));
    }
}
