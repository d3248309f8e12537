//! Shared state of the server: the store (a base connection cloned per task), the engine and
//! definitions, the caches of views, the bounds on the work requests start (store slots,
//! admitted computations, single flights, one writer) and request metrics (counted by
//! `guard.rs`).

use std::collections::HashMap;
use std::future::Future;
use std::hash::Hash;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};
use tokio::sync::{OnceCell, Semaphore};

use super::ApiError;
use super::auth::{BasicUsers, WebUser};
use crate::engine::Engine;
use crate::indicators::{Definitions, IndicatorSet, Quarter};
use crate::store::Store;
use crate::store::dashboard::KnownValues;
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

/// Bounds on the work that requests can start: visitors choose the views, and a view not in
/// the cache costs a scan of the store.
#[derive(Debug, Clone, Copy)]
struct Limits {
    /// Store tasks running at once in the blocking pool, each on a connection of its own.
    store_tasks: usize,
    /// Computations of what is not cached (indicator sets, page lists, workbooks) running or
    /// waiting for the store at once; one more is refused with 503 and `Retry-After`.
    computations: usize,
    /// How long a write waits for the one writer before it is refused with 503.
    write_wait: Duration,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            store_tasks: 4,
            computations: 16,
            write_wait: Duration::from_secs(30),
        }
    }
}

/// What the server computed since it started: lets tests see that a refused request computed
/// nothing and that concurrent requests for one thing computed it once.
#[derive(Debug, Default)]
pub struct WorkCounts {
    pub sets_computed: AtomicU64,
    pub pages_computed: AtomicU64,
    pub workbooks_generated: AtomicU64,
    pub known_loaded: AtomicU64,
    store_tasks_now: AtomicUsize,
    /// The most store tasks that ever ran at once.
    pub store_tasks_peak: AtomicUsize,
}

/// One store task running (counted in [`WorkCounts`] while it lives).
struct Running<'a>(&'a WorkCounts);

impl<'a> Running<'a> {
    fn start(work: &'a WorkCounts) -> Running<'a> {
        let now = work.store_tasks_now.fetch_add(1, Ordering::SeqCst) + 1;
        work.store_tasks_peak.fetch_max(now, Ordering::SeqCst);
        Running(work)
    }
}

impl Drop for Running<'_> {
    fn drop(&mut self) {
        self.0.store_tasks_now.fetch_sub(1, Ordering::SeqCst);
    }
}

pub struct AppState {
    store: Mutex<Store>,
    pub engine: Arc<Engine>,
    pub definitions: Arc<Definitions>,
    pub web: WebConfig,
    pub glpi_base_url: Option<String>,
    cache: Mutex<HashMap<SetKey, CacheEntry>>,
    /// The entities in the store and the instant of the stored evaluation.
    entities: TtlMap<(), Catalog>,
    pages: TtlMap<String, Arc<super::pages::PageData>>,
    known: TtlMap<String, Arc<KnownValues>>,
    trends: TtlMap<String, Arc<super::trend::Trend>>,
    pub metrics: Metrics,
    pub(super) basic: BasicUsers,
    /// Generated workbooks, served again while the results do not change.
    pub downloads: tempfile::TempDir,
    limits: Limits,
    store_slots: Arc<Semaphore>,
    admitted: Arc<AtomicUsize>,
    /// The API's writes queue here (asynchronously) for the store's one-writer lock.
    writes: Arc<tokio::sync::Mutex<()>>,
    set_flights: Flights<SetKey, Result<Arc<CachedSet>, ApiError>>,
    page_flights: Flights<String, Result<Arc<super::pages::PageData>, ApiError>>,
    entity_flights: Flights<(), Result<Catalog, ApiError>>,
    known_flights: Flights<String, Result<Arc<KnownValues>, ApiError>>,
    trend_flights: Flights<String, Result<Arc<super::trend::Trend>, ApiError>>,
    pub(super) workbook_flights: Flights<std::path::PathBuf, Result<Bytes, ApiError>>,
    pub work: WorkCounts,
}

struct CacheEntry {
    at: Instant,
    set: Arc<CachedSet>,
    /// A background task is computing the successor of this stale entry.
    refreshing: bool,
}

/// What every request needs from the store, cached together.
#[derive(Debug, Clone)]
struct Catalog {
    entities: Vec<String>,
    evaluated_at: Option<NaiveDateTime>,
}

/// Where [`AppState::memo`] keeps one kind of value: its map and its flights.
type Slot<V> = for<'a> fn(
    &'a AppState,
) -> (
    &'a TtlMap<String, V>,
    &'a Flights<String, Result<V, ApiError>>,
);

/// An indicator set with its JSON, ready to serve.
pub struct CachedSet {
    pub set: IndicatorSet,
    pub json: axum::body::Bytes,
}

/// Values served for [`CACHE_TTL`] after they were computed. Keys are chosen by visitors, so
/// the map is bounded: a full map starts over.
struct TtlMap<K, V> {
    map: Mutex<HashMap<K, (Instant, V)>>,
}

/// Most entries a [`TtlMap`] holds.
const TTL_MAP_ENTRIES: usize = 1000;

impl<K, V> Default for TtlMap<K, V> {
    fn default() -> Self {
        TtlMap {
            map: Mutex::new(HashMap::new()),
        }
    }
}

impl<K: Eq + Hash, V: Clone> TtlMap<K, V> {
    /// The value of `key` if it is still fresh.
    fn fresh<Q>(&self, key: &Q) -> Option<V>
    where
        K: std::borrow::Borrow<Q>,
        Q: Eq + Hash + ?Sized,
    {
        let map = self.map.lock().ok()?;
        map.get(key)
            .filter(|(at, _)| at.elapsed() < CACHE_TTL)
            .map(|(_, value)| value.clone())
    }

    fn put(&self, key: K, value: V) -> Result<(), ApiError> {
        let mut map = self.map.lock().map_err(ApiError::internal)?;
        if map.len() > TTL_MAP_ENTRIES {
            map.clear();
        }
        map.insert(key, (Instant::now(), value));
        Ok(())
    }

    fn clear(&self) {
        if let Ok(mut map) = self.map.lock() {
            map.clear();
        }
    }
}

/// Single flight: concurrent requests for one key share one computation. The first caller's
/// future computes; the others wait for its value. If that caller goes away (its client left)
/// before the value is there, a waiting one takes over; when nobody waits, nothing runs.
pub(super) struct Flights<K, V> {
    map: Mutex<HashMap<K, Arc<OnceCell<V>>>>,
}

impl<K, V> Default for Flights<K, V> {
    fn default() -> Self {
        Flights {
            map: Mutex::new(HashMap::new()),
        }
    }
}

impl<K: Eq + Hash + Clone, V: Clone> Flights<K, V> {
    pub(super) async fn run<F, Fut>(&self, key: K, compute: F) -> V
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = V>,
    {
        let cell = self
            .map
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(key.clone())
            .or_default()
            .clone();
        let flight = Flight {
            flights: self,
            key,
            cell,
        };
        flight.cell.get_or_init(compute).await.clone()
    }
}

/// One caller's part in a flight: the last one out forgets the key (the value itself lives in
/// the caches), so that the map holds only keys being computed.
struct Flight<'a, K: Eq + Hash, V> {
    flights: &'a Flights<K, V>,
    key: K,
    cell: Arc<OnceCell<V>>,
}

impl<K: Eq + Hash, V> Drop for Flight<'_, K, V> {
    fn drop(&mut self) {
        let Ok(mut map) = self.flights.map.lock() else {
            return;
        };
        // Clones of the cell are taken only under this lock: two references (the map's and
        // this one) mean nobody else waits on it.
        let last = Arc::strong_count(&self.cell) <= 2 || self.cell.initialized();
        if last
            && map
                .get(&self.key)
                .is_some_and(|c| Arc::ptr_eq(c, &self.cell))
        {
            map.remove(&self.key);
        }
    }
}

/// A place among the computations admitted (see [`Limits::computations`]).
pub(super) struct Admission(Arc<AtomicUsize>);

impl Drop for Admission {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// The answer when the computations are at their limit.
fn busy() -> ApiError {
    ApiError::Busy(
        "el servidor está atendiendo muchas consultas a la vez; intente de nuevo en unos \
         segundos"
            .into(),
    )
}

impl AppState {
    /// Threads of the runtime's blocking pool (where the runtime is built): the store tasks,
    /// the one writer and chart drawing, with room to spare.
    pub const MAX_BLOCKING_THREADS: usize = 16;

    pub fn new(
        store: Store,
        engine: Engine,
        definitions: Definitions,
        web: WebConfig,
        glpi_base_url: Option<String>,
    ) -> Result<AppState, std::io::Error> {
        let basic = BasicUsers::new(web.users.clone());
        let limits = Limits::default();
        Ok(AppState {
            store: Mutex::new(store),
            engine: Arc::new(engine),
            definitions: Arc::new(definitions),
            web,
            glpi_base_url,
            cache: Mutex::new(HashMap::new()),
            entities: TtlMap::default(),
            pages: TtlMap::default(),
            known: TtlMap::default(),
            trends: TtlMap::default(),
            metrics: Metrics::default(),
            basic,
            downloads: tempfile::tempdir()?,
            limits,
            store_slots: Arc::new(Semaphore::new(limits.store_tasks)),
            admitted: Arc::default(),
            writes: Arc::default(),
            set_flights: Flights::default(),
            page_flights: Flights::default(),
            entity_flights: Flights::default(),
            known_flights: Flights::default(),
            trend_flights: Flights::default(),
            workbook_flights: Flights::default(),
            work: WorkCounts::default(),
        })
    }

    /// The same state with other bounds: store tasks at once, computations admitted at once
    /// (tests use small ones).
    pub fn with_limits(mut self, store_tasks: usize, computations: usize) -> AppState {
        self.limits.store_tasks = store_tasks.max(1);
        self.limits.computations = computations;
        self.store_slots = Arc::new(Semaphore::new(self.limits.store_tasks));
        self
    }

    /// Takes every store slot until the permit is dropped: nothing reads the store meanwhile.
    /// For tests that need computations to wait.
    #[doc(hidden)]
    pub async fn hold_store_for_tests(&self) -> Option<tokio::sync::OwnedSemaphorePermit> {
        let n = u32::try_from(self.limits.store_tasks.max(1)).ok()?;
        self.store_slots.clone().acquire_many_owned(n).await.ok()
    }

    /// Computations admitted now, running or waiting for the store.
    pub fn computations_admitted(&self) -> usize {
        self.admitted.load(Ordering::SeqCst)
    }

    /// Runs `f` in the blocking pool once a store slot is free. The wait is asynchronous and
    /// cancellable: a request dropped while it waits (its client gone, or timed out) starts
    /// nothing.
    pub async fn blocking<T, F>(self: &Arc<Self>, f: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&AppState) -> Result<T, ApiError> + Send + 'static,
    {
        let permit = self
            .store_slots
            .clone()
            .acquire_owned()
            .await
            .map_err(ApiError::internal)?;
        let state = self.clone();
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            let _running = Running::start(&state.work);
            f(&state)
        })
        .await
        .map_err(ApiError::internal)?
    }

    /// Runs `f` on a connection of its own in the blocking pool (see [`AppState::blocking`]).
    pub async fn with_store<T, F>(self: &Arc<Self>, f: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&AppState, &Store) -> Result<T, ApiError> + Send + 'static,
    {
        self.blocking(move |state| {
            let store = state.connection()?;
            f(state, &store)
        })
        .await
    }

    fn connection(&self) -> Result<Store, ApiError> {
        Ok(self
            .store
            .lock()
            .map_err(|_| ApiError::internal("store lock poisoned"))?
            .try_clone()?)
    }

    /// Runs a write on a connection of its own, one write at a time: the API's writes queue
    /// here without holding a thread, and then take the store's one-writer lock, which the
    /// scheduled jobs share. A write that cannot start within [`Limits::write_wait`] is
    /// refused with 503.
    pub async fn write_store<T, F>(self: &Arc<Self>, f: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&AppState, &mut Store) -> Result<T, ApiError> + Send + 'static,
    {
        let queued = tokio::time::timeout(self.limits.write_wait, self.writes.clone().lock_owned())
            .await
            .map_err(|_| {
                ApiError::Busy(
                    "la base está ocupada con otras escrituras; intente de nuevo en unos segundos"
                        .into(),
                )
            })?;
        let state = self.clone();
        tokio::task::spawn_blocking(move || {
            let _queued = queued;
            let mut store = state.connection()?;
            let writer = store.write_lock();
            let out = {
                let _one_writer = writer.hold();
                f(&state, &mut store)
            };
            // Whatever was written, the views computed before it are stale.
            state.invalidate();
            out
        })
        .await
        .map_err(ApiError::internal)?
    }

    /// A place among the computations, or 503 when they are at their limit.
    pub(super) fn admit(&self) -> Result<Admission, ApiError> {
        let before = self.admitted.fetch_add(1, Ordering::SeqCst);
        let admission = Admission(self.admitted.clone());
        if before >= self.limits.computations {
            return Err(busy());
        }
        Ok(admission)
    }

    fn fresh_set(&self, key: &SetKey) -> Option<Arc<CachedSet>> {
        let cache = self.cache.lock().ok()?;
        cache
            .get(key)
            .filter(|e| e.at.elapsed() < CACHE_TTL)
            .map(|e| e.set.clone())
    }

    /// The indicator set of a view. A fresh cached set is served as is; a stale one is served
    /// while one background task computes its successor (a million tickets take seconds, and a
    /// burst of requests must not each start that work); a missing one is computed now, once
    /// for all the requests that ask for it meanwhile.
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
            None => {
                let flight = key.clone();
                self.set_flights
                    .run(flight, || async move {
                        match self.fresh_set(&key) {
                            // Computed by a flight that ended just before this one began.
                            Some(set) => Ok(set),
                            None => self.compute_set(key).await,
                        }
                    })
                    .await
            }
        }
    }

    async fn compute_set(self: &Arc<Self>, key: SetKey) -> Result<Arc<CachedSet>, ApiError> {
        let admitted = self.admit()?;
        self.with_store(move |s, store| {
            let _admitted = admitted;
            let set = crate::report::filtered_indicator_set(
                store,
                &s.engine,
                &s.definitions,
                &key.0,
                key.1,
                &key.2,
            )?;
            let json = serde_json::to_vec(&set).map_err(ApiError::internal)?;
            let fresh = Arc::new(CachedSet {
                set,
                json: json.into(),
            });
            s.work.sets_computed.fetch_add(1, Ordering::Relaxed);
            // Kept here rather than by the caller: work done for a client that left serves the
            // next one.
            let mut cache = s.cache.lock().map_err(ApiError::internal)?;
            // Views are chosen by visitors: keep the cache bounded.
            if cache.len() > TTL_MAP_ENTRIES {
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
        })
        .await
    }

    /// The overview's lists for a view (key), cached for the same time as the sets and
    /// computed once for concurrent requests.
    pub async fn page_data<F>(
        self: &Arc<Self>,
        key: String,
        compute: F,
    ) -> Result<Arc<super::pages::PageData>, ApiError>
    where
        F: FnOnce(&Store) -> Result<super::pages::PageData, ApiError> + Send + 'static,
    {
        let slot: Slot<_> = |s| (&s.pages, &s.page_flights);
        self.memo(slot, key, move |s, store| {
            let data = Arc::new(compute(store)?);
            s.work.pages_computed.fetch_add(1, Ordering::Relaxed);
            Ok(data)
        })
        .await
    }

    /// The trend of a view (key), cached and computed once like [`AppState::page_data`].
    pub(super) async fn trend<F>(
        self: &Arc<Self>,
        key: String,
        compute: F,
    ) -> Result<Arc<super::trend::Trend>, ApiError>
    where
        F: FnOnce(&AppState, &Store) -> Result<super::trend::Trend, ApiError> + Send + 'static,
    {
        let slot: Slot<_> = |s| (&s.trends, &s.trend_flights);
        self.memo(slot, key, move |s, store| Ok(Arc::new(compute(s, store)?)))
            .await
    }

    /// A value of `slot`'s map: served while fresh, else computed once for every concurrent
    /// request (as an admitted computation on a connection of its own) and kept there.
    async fn memo<V, F>(
        self: &Arc<Self>,
        slot: Slot<V>,
        key: String,
        compute: F,
    ) -> Result<V, ApiError>
    where
        V: Clone + Send + 'static,
        F: FnOnce(&AppState, &Store) -> Result<V, ApiError> + Send + 'static,
    {
        if let Some(value) = slot(self).0.fresh(&key) {
            return Ok(value);
        }
        slot(self)
            .1
            .run(key.clone(), || async move {
                if let Some(value) = slot(self).0.fresh(&key) {
                    return Ok(value);
                }
                let admitted = self.admit()?;
                self.with_store(move |s, store| {
                    let _admitted = admitted;
                    let value = compute(s, store)?;
                    slot(s).0.put(key, value.clone())?;
                    Ok(value)
                })
                .await
            })
            .await
    }

    /// Entities in the store (cached like the sets: every request needs them).
    pub async fn entities(self: &Arc<Self>) -> Result<Vec<String>, ApiError> {
        Ok(self.catalog().await?.entities)
    }

    /// The instant the stored results were evaluated at (`None` before any evaluation): the
    /// instant the figures describe, which picks the default quarter.
    pub async fn evaluated_at(self: &Arc<Self>) -> Result<Option<NaiveDateTime>, ApiError> {
        Ok(self.catalog().await?.evaluated_at)
    }

    async fn catalog(self: &Arc<Self>) -> Result<Catalog, ApiError> {
        if let Some(catalog) = self.entities.fresh(&()) {
            return Ok(catalog);
        }
        self.entity_flights
            .run((), || async move {
                if let Some(catalog) = self.entities.fresh(&()) {
                    return Ok(catalog);
                }
                self.with_store(|s, store| {
                    let catalog = Catalog {
                        entities: store.dashboard().entities()?,
                        evaluated_at: crate::store::indicators::results_status(store)?.as_of,
                    };
                    s.entities.put((), catalog.clone())?;
                    Ok(catalog)
                })
                .await
            })
            .await
    }

    /// The values an entity's views can be filtered by (cached like the sets). Only entities
    /// of the store are asked for, so the cache holds at most one entry per entity.
    pub async fn known(self: &Arc<Self>, entity: &str) -> Result<Arc<KnownValues>, ApiError> {
        if let Some(k) = self.known.fresh(entity) {
            return Ok(k);
        }
        self.known_flights
            .run(entity.to_owned(), || async move {
                if let Some(k) = self.known.fresh(entity) {
                    return Ok(k);
                }
                let name = entity.to_owned();
                self.with_store(move |s, store| {
                    let k = Arc::new(store.dashboard().known_values(&name)?);
                    s.work.known_loaded.fetch_add(1, Ordering::Relaxed);
                    s.known.put(name, k.clone())?;
                    Ok(k)
                })
                .await
            })
            .await
    }

    /// Forgets every cached set (after new data arrives).
    pub fn invalidate(&self) {
        if let Ok(mut c) = self.cache.lock() {
            c.clear();
        }
        self.entities.clear();
        self.pages.clear();
        self.known.clear();
        self.trends.clear();
    }
}
