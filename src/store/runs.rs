//! The `ingest_runs` record of every load and its `ingest_rejects`: opened inside the load's
//! transaction, closed with the counts. The DuckDB-native ingest path shares these with the
//! staging load of [`super::tickets`].

use chrono::Local;
use duckdb::{Connection, params};

use super::queries;
use super::tickets::Reject;

/// The local time as stored in `ingest_runs`.
pub fn now() -> String {
    Local::now()
        .naive_local()
        .format("%Y-%m-%d %H:%M:%S")
        .to_string()
}

/// Opens the `ingest_runs` record of a file inside its transaction; returns the run id.
pub(super) fn begin_run(
    tx: &Connection,
    file: &str,
    sha: &str,
    kind: &str,
) -> Result<i64, duckdb::Error> {
    tx.query_row(
        queries::INGEST_RUN_INSERT,
        params![file, sha, kind, now()],
        |r| r.get(0),
    )
}

/// Reserves the id of a run before its transaction.
pub(super) fn reserve_run(conn: &Connection) -> Result<i64, duckdb::Error> {
    conn.query_row(queries::INGEST_RUN_NEXT_ID, [], |r| r.get(0))
}

/// Opens the `ingest_runs` record of a file under a reserved id, started at `started` (see
/// [`now`]).
pub(super) fn begin_reserved_run(
    tx: &Connection,
    run_id: i64,
    file: &str,
    sha: &str,
    kind: &str,
    started: &str,
) -> Result<(), duckdb::Error> {
    tx.execute(
        queries::INGEST_RUN_INSERT_ID,
        params![run_id, file, sha, kind, started],
    )?;
    Ok(())
}

/// Closes the run record with its counts: `ok`, or `partial` when rows were rejected.
pub(super) fn finish_run(
    tx: &Connection,
    run_id: i64,
    read: u64,
    accepted: u64,
    rejected: u64,
) -> Result<(), duckdb::Error> {
    let status = if rejected == 0 { "ok" } else { "partial" };
    tx.execute(
        queries::INGEST_RUN_FINISH,
        params![
            read as i64,
            accepted as i64,
            rejected as i64,
            now(),
            status,
            run_id
        ],
    )?;
    Ok(())
}

/// Records the rejected rows of a run, in file order.
pub(super) fn insert_rejects(
    tx: &Connection,
    run_id: i64,
    rejects: &[Reject],
) -> Result<(), duckdb::Error> {
    let mut stmt = tx.prepare(queries::INGEST_REJECT_INSERT)?;
    for r in rejects {
        stmt.execute(params![run_id, r.line as i64, r.column, r.raw, r.reason])?;
    }
    Ok(())
}
