//! The `glpi_sync_state` table (`queries/glpi_sync_state_*.sql`): where each GLPI API sync left
//! off, per API URL — the greatest `date_mod` seen and the tickets fetched at that second. Times
//! are GLPI local wall-clock times, stored to the second.

use chrono::NaiveDateTime;
use duckdb::{Connection, OptionalExt, params};

use super::{Store, StoreError, queries};

/// Timestamp parameters' text form (whole seconds).
const SECONDS: &str = "%Y-%m-%d %H:%M:%S";

/// The `glpi_sync_state` table, on one connection.
pub struct GlpiSyncState<'a> {
    conn: &'a Connection,
}

impl Store {
    /// The `glpi_sync_state` table on this connection.
    pub fn glpi_sync_state(&self) -> GlpiSyncState<'_> {
        GlpiSyncState { conn: &self.conn }
    }
}

/// Where a sync of one API URL left off.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncStateRow {
    /// The greatest `date_mod` seen (`None`: nothing seen yet).
    pub high_water: Option<NaiveDateTime>,
    /// Ids of the tickets fetched with `date_mod` equal to `high_water`.
    pub ids_at_mark: Vec<String>,
}

impl GlpiSyncState<'_> {
    /// Where the last sync of `api_url` left off; `None` when it was never synced.
    pub fn get(&self, api_url: &str) -> Result<Option<SyncStateRow>, StoreError> {
        let row: Option<(Option<NaiveDateTime>, String)> = self
            .conn
            .query_row(queries::GLPI_SYNC_STATE_GET, params![api_url], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .optional()?;
        Ok(row.map(|(high_water, ids)| SyncStateRow {
            high_water,
            ids_at_mark: ids
                .split(',')
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect(),
        }))
    }

    /// Records where the sync of `api_url` left off, at `synced_at`; `last_run` (the ingest run
    /// it loaded, if any) keeps the previous one when `None`.
    pub fn put(
        &self,
        api_url: &str,
        high_water: Option<NaiveDateTime>,
        ids_at_mark: &[String],
        synced_at: NaiveDateTime,
        last_run: Option<i64>,
    ) -> Result<(), StoreError> {
        self.conn.execute(
            queries::GLPI_SYNC_STATE_UPSERT,
            params![
                api_url,
                high_water.map(|at| at.format(SECONDS).to_string()),
                ids_at_mark.join(","),
                synced_at.format(SECONDS).to_string(),
                last_run
            ],
        )?;
        Ok(())
    }
}
