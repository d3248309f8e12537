//! Shared state of the server: the store (a base connection cloned per task), the engine and
//! definitions, the cache of indicator sets and request metrics (counted by `guard.rs`).

use std::collections::HashMap;
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use super::ApiError;
use super::auth::{BasicUsers, WebUser};
use crate::engine::Engine;
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
    /// People who may read the dashboard from a browser (HTTP Basic, argon2 hashes).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub users: Vec<WebUser>,
    /// Seconds a client has to send the headers of a request (default 30); a connection that
    /// has not sent them by then, idle between requests included, is closed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub header_read_timeout_secs: Option<u64>,
    /// Connections open at once at most (default 512); further ones wait to be accepted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_connections: Option<usize>,
}

impl WebConfig {
    /// Whether reading requires credentials (tokens or users).
    pub fn viewers_authenticated(&self) -> bool {
        !self.viewer_tokens.is_empty() || !self.users.is_empty()
    }
}

/// How long an indicator set is served from memory before it is computed again.
const CACHE_TTL: Duration = Duration::from_secs(60);

type SetKey = (String, Quarter, Filters);

/// Request counts (by route template and status) and latency, for `/metrics`.
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
    cache: Mutex<HashMap<SetKey, CacheEntry>>,
    entities: Mutex<Option<(Instant, Vec<String>)>>,
    pages: Mutex<HashMap<String, (Instant, Arc<super::pages::PageData>)>>,
    pub metrics: Metrics,
    pub(super) basic: BasicUsers,
    /// Generated workbooks, served again while the results do not change.
    pub downloads: tempfile::TempDir,
}

struct CacheEntry {
    at: Instant,
    set: Arc<CachedSet>,
    /// A background task is computing the successor of this stale entry.
    refreshing: bool,
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
        let basic = BasicUsers::new(web.users.clone());
        Ok(AppState {
            store: Mutex::new(store),
            engine: Arc::new(engine),
            definitions: Arc::new(definitions),
            web,
            glpi_base_url,
            cache: Mutex::new(HashMap::new()),
            entities: Mutex::new(None),
            pages: Mutex::new(HashMap::new()),
            metrics: Metrics::default(),
            basic,
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

    /// The indicator set of a view. A fresh cached set is served as is; a stale one is served
    /// while one background task computes its successor (a million tickets take seconds, and a
    /// burst of requests must not each start that work); a missing one is computed now.
    pub async fn indicator_set(
        self: &Arc<Self>,
        entity: String,
        quarter: Quarter,
        filters: Filters,
    ) -> Result<Arc<CachedSet>, ApiError> {
        let key = (entity, quarter, filters);
        let stale = {
            let mut cache = self.cache.lock().map_err(ApiError::internal)?;
            match cache.get_mut(&key) {
                Some(entry) if entry.at.elapsed() < CACHE_TTL => return Ok(entry.set.clone()),
                Some(entry) => {
                    let first = !entry.refreshing;
                    entry.refreshing = true;
                    Some((entry.set.clone(), first))
                }
                None => None,
            }
        };
        match stale {
            Some((set, start_refresh)) => {
                if start_refresh {
                    let state = self.clone();
                    tokio::spawn(async move {
                        if let Err(e) = state.compute_set(key.clone()).await {
                            tracing::warn!("no se pudo recalcular los indicadores: {e}");
                            if let Ok(mut c) = state.cache.lock()
                                && let Some(entry) = c.get_mut(&key)
                            {
                                entry.refreshing = false;
                            }
                        }
                    });
                }
                Ok(set)
            }
            None => self.compute_set(key).await,
        }
    }

    async fn compute_set(self: &Arc<Self>, key: SetKey) -> Result<Arc<CachedSet>, ApiError> {
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
        let mut cache = self.cache.lock().map_err(ApiError::internal)?;
        // Views are chosen by visitors: keep the cache bounded.
        if cache.len() > 1000 {
            cache.clear();
        }
        cache.insert(
            key,
            CacheEntry {
                at: Instant::now(),
                set: fresh.clone(),
                refreshing: false,
            },
        );
        Ok(fresh)
    }

    /// The overview's lists for a view (key), cached for the same time as the sets.
    pub async fn page_data<F>(
        self: &Arc<Self>,
        key: String,
        compute: F,
    ) -> Result<Arc<super::pages::PageData>, ApiError>
    where
        F: FnOnce(&Store) -> Result<super::pages::PageData, ApiError> + Send + 'static,
    {
        if let Some((at, data)) = self.pages.lock().map_err(ApiError::internal)?.get(&key)
            && at.elapsed() < CACHE_TTL
        {
            return Ok(data.clone());
        }
        let data = Arc::new(self.with_store(move |_, store| compute(store)).await?);
        let mut pages = self.pages.lock().map_err(ApiError::internal)?;
        // Views are chosen by visitors: keep the cache bounded.
        if pages.len() > 1000 {
            pages.clear();
        }
        pages.insert(key, (Instant::now(), data.clone()));
        Ok(data)
    }

    /// Entities in the store (cached like the sets: the default view needs them on every
    /// request).
    pub async fn entities(self: &Arc<Self>) -> Result<Vec<String>, ApiError> {
        if let Some((at, list)) = self.entities.lock().map_err(ApiError::internal)?.as_ref()
            && at.elapsed() < CACHE_TTL
        {
            return Ok(list.clone());
        }
        let list = self
            .with_store(|_, store| Ok(store.dashboard().entities()?))
            .await?;
        *self.entities.lock().map_err(ApiError::internal)? = Some((Instant::now(), list.clone()));
        Ok(list)
    }

    /// Forgets every cached set (after new data arrives).
    pub fn invalidate(&self) {
        if let Ok(mut c) = self.cache.lock() {
            c.clear();
        }
        if let Ok(mut e) = self.entities.lock() {
            *e = None;
        }
        if let Ok(mut p) = self.pages.lock() {
            p.clear();
        }
    }
}
