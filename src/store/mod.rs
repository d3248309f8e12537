//! The DuckDB store: opening and migrating the database file, and the small helpers every
//! adapter shares. Connections are synchronous; async callers use one per blocking task.

pub mod arrow_cols;
pub mod bench;
pub mod bulk;
pub mod dashboard;
pub mod drill;
pub mod indicators;
pub mod job_runs;
pub mod ola;
pub mod ola_groups;
mod open;
pub mod operations;
pub mod outbox;
pub mod queries;
pub mod results;
pub mod runs;
pub mod sync_state;
pub mod tickets;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

use duckdb::{Connection, params};
use thiserror::Error;

/// Errors of the storage layer. DuckDB's own text is shown once, never as a source too (a
/// `source` would print it again, followed by the driver's "Error code 1: Unknown error code").
#[derive(Debug, Error)]
pub enum StoreError {
    /// The store could not be opened: `reason` says why and what to do, in Spanish (DuckDB's
    /// text goes to the debug log).
    #[error("no se pudo abrir la base de datos {path}: {reason}")]
    Open { path: String, reason: String },
    #[error("no se pudo aplicar la migración {name}: {error}")]
    Migration { name: String, error: duckdb::Error },
    #[error("error de la base de datos: {0}")]
    Db(duckdb::Error),
    #[error("error de datos en la base: {0}")]
    Arrow(#[from] arrow::error::ArrowError),
    #[error("no se pudo escribir {path}: {}", crate::fs_error::describe(source))]
    Write {
        path: String,
        source: std::io::Error,
    },
    #[error(
        "la base de datos {path} es de una versión más nueva de mesa-sla (migración {version})"
    )]
    TooNew { path: String, version: i32 },
}

impl From<duckdb::Error> for StoreError {
    fn from(e: duckdb::Error) -> Self {
        StoreError::Db(e)
    }
}

impl StoreError {
    /// Whether this is DuckDB refusing a write because another transaction changed the same
    /// rows first ("Conflict on update", a primary key inserted by both): trying again later
    /// may succeed. Recognised by DuckDB's text, its only report of the kind.
    pub fn is_write_conflict(&self) -> bool {
        let StoreError::Db(e) = self else {
            return false;
        };
        let text = e.to_string();
        ["TransactionContext Error", "Conflict on", "Duplicate key"]
            .iter()
            .any(|t| text.contains(t))
    }
}

/// An open, migrated store.
pub struct Store {
    conn: Connection,
    path: Option<PathBuf>,
    /// The one-writer lock, shared by every clone of this store (see [`Store::write_lock`]).
    writer: Arc<Mutex<()>>,
}

impl Store {
    /// Opens (creating if needed) the database file and applies pending migrations. A store
    /// that cannot be opened (held by another process, damaged, a folder, no permission…) is
    /// a [`StoreError::Open`] that says why and what to do.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        let existed = open::check_path(path)?;
        let conn = Connection::open(path).map_err(|e| open::failure(path, &e))?;
        let store = Store {
            conn,
            path: Some(path.to_owned()),
            writer: Arc::default(),
        };
        match store.migrate() {
            // A file that opens but whose catalog cannot be read is damaged (truncated).
            Err(StoreError::Db(e)) if existed => Err(open::damaged(path, &e)),
            other => other.map(|()| store),
        }
    }

    /// An in-memory store (tests, benchmarks).
    pub fn open_in_memory() -> Result<Store, StoreError> {
        let conn = Connection::open_in_memory()?;
        let store = Store {
            conn,
            path: None,
            writer: Arc::default(),
        };
        store.migrate()?;
        Ok(store)
    }

    /// A second connection to the same database, for work on another thread (DuckDB
    /// connections are not shared across threads).
    pub fn try_clone(&self) -> Result<Store, StoreError> {
        Ok(Store {
            conn: self.conn.try_clone()?,
            path: self.path.clone(),
            writer: self.writer.clone(),
        })
    }

    /// The one-writer lock that this store and all its clones share. Writers in one process
    /// (the server's API loads and its scheduled jobs) hold it for their whole write, so that
    /// DuckDB never sees two of them at once: concurrent transactions on the same rows fail
    /// ("Conflict on update") instead of waiting, and two concurrent loads of one event would
    /// both find it missing and both insert it.
    pub fn write_lock(&self) -> WriteLock {
        WriteLock(self.writer.clone())
    }

    /// Where the store lives (`None` in memory).
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// The connection, for the store's adapters and the one ingest path whose SQL has not
    /// moved here yet (`ingest/fast.rs`). Everything else goes through typed methods.
    pub(crate) fn conn(&self) -> &Connection {
        &self.conn
    }

    /// The raw connection, ONLY for the integration tests' own queries (checking what a load or
    /// a job left in the tables). The application never uses it: it goes through the store's
    /// typed methods. Hidden from the documentation for that reason.
    #[doc(hidden)]
    pub fn sql_for_tests(&self) -> &Connection {
        &self.conn
    }

    fn migrate(&self) -> Result<(), StoreError> {
        self.conn.execute_batch(queries::SCHEMA_MIGRATIONS)?;
        let applied: Vec<i32> = self
            .conn
            .prepare(queries::APPLIED_MIGRATIONS)?
            .query_map([], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        let known = queries::MIGRATIONS.last().map_or(0, |m| m.0);
        if let Some(&newest) = applied.iter().max()
            && newest > known
        {
            return Err(StoreError::TooNew {
                path: self
                    .path
                    .as_ref()
                    .map_or_else(|| ":memory:".into(), |p| p.display().to_string()),
                version: newest,
            });
        }
        for &(version, name, sql) in queries::MIGRATIONS {
            if applied.contains(&version) {
                continue;
            }
            let fail = |error| StoreError::Migration {
                name: name.to_owned(),
                error,
            };
            // Each migration and its bookkeeping row commit together.
            self.conn.execute_batch("BEGIN TRANSACTION").map_err(fail)?;
            let result = self.conn.execute_batch(sql).and_then(|_| {
                self.conn
                    .execute(queries::RECORD_MIGRATION, params![version, name])
            });
            match result {
                Ok(_) => self.conn.execute_batch("COMMIT").map_err(fail)?,
                Err(e) => {
                    let _ = self.conn.execute_batch("ROLLBACK");
                    return Err(fail(e));
                }
            }
        }
        Ok(())
    }

    /// Row counts of the main tables (for summaries and tests).
    pub fn counts(&self) -> Result<TableCounts, StoreError> {
        Ok(self.conn.query_row(queries::TABLE_COUNTS, [], |r| {
            Ok(TableCounts {
                tickets: r.get(0)?,
                events: r.get(1)?,
                runs: r.get(2)?,
                rejects: r.get(3)?,
                surveys: r.get(4)?,
                results: r.get(5)?,
            })
        })?)
    }
}

impl Store {
    /// Lowers DuckDB's memory limit to `limit` (e.g. `"1GB"`) for the life of the guard. The limit
    /// is a database-wide setting, so the guard puts back exactly what it found.
    pub fn cap_memory(&self, limit: &str) -> Result<MemoryLimit<'_>, StoreError> {
        let previous: String = self
            .conn
            .query_row(queries::MEMORY_LIMIT_GET, [], |r| r.get(0))?;
        self.conn.execute(queries::MEMORY_LIMIT_SET, [limit])?;
        Ok(MemoryLimit {
            store: self,
            previous,
        })
    }
}

/// DuckDB's memory limit lowered by [`Store::cap_memory`]; restored when dropped.
pub struct MemoryLimit<'a> {
    store: &'a Store,
    previous: String,
}

impl Drop for MemoryLimit<'_> {
    fn drop(&mut self) {
        let restored = self
            .store
            .conn
            .execute(queries::MEMORY_LIMIT_SET, [&self.previous]);
        if let Err(e) = restored {
            tracing::warn!("no se pudo restaurar el límite de memoria de DuckDB: {e}");
        }
    }
}

/// The one-writer lock of a store ([`Store::write_lock`]).
#[derive(Clone)]
pub struct WriteLock(Arc<Mutex<()>>);

impl WriteLock {
    /// Waits for the other writers and holds the lock until the guard is dropped.
    pub fn hold(&self) -> MutexGuard<'_, ()> {
        // The lock guards no data: a writer that panicked leaves nothing half-changed in it.
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Row counts of the main tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TableCounts {
    pub tickets: i64,
    pub events: i64,
    pub runs: i64,
    pub rejects: i64,
    pub surveys: i64,
    pub results: i64,
}

/// Formats local wall-clock seconds as a DuckDB timestamp literal for a bound parameter.
pub fn ts_param(local_seconds: i64) -> String {
    chrono::DateTime::from_timestamp(local_seconds, 0)
        .map(|d| d.naive_utc().format("%Y-%m-%d %H:%M:%S").to_string())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_query_prepares_against_a_migrated_database() {
        let store = Store::open_in_memory().expect("store");
        store
            .conn()
            .execute(queries::EVAL_KEYS_CREATE, params!["2100-01-01 00:00:00"])
            .expect("eval keys");
        for setup in queries::SETUP {
            store.conn().execute_batch(setup).expect("setup statement");
        }
        for (name, sql) in queries::ALL {
            store
                .conn()
                .prepare(sql)
                .unwrap_or_else(|e| panic!("{name} does not prepare: {e}"));
        }
    }

    #[test]
    fn migrations_are_applied_once() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("s.duckdb");
        drop(Store::open(&path).expect("first open"));
        let store = Store::open(&path).expect("second open");
        let n: i64 = store
            .conn()
            .query_row("SELECT count(*) FROM schema_migrations", [], |r| r.get(0))
            .expect("count");
        assert_eq!(n, queries::MIGRATIONS.len() as i64);
    }
}
