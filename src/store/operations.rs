//! What the operations page reads (`queries/ops_*.sql`): the latest runs of each job, the
//! alerts outbox (totals and rows) and the latest loads with their rejected rows. Codes are
//! returned as stored (`evaluate`, `ok`, `pending`…); the page says them in Spanish.

use chrono::{NaiveDate, NaiveDateTime};
use duckdb::{Connection, params};
use serde::Serialize;

use super::job_runs::JobRunRow;
use super::{Store, StoreError, queries};

/// The operations reads, on one connection.
pub struct Operations<'a> {
    conn: &'a Connection,
}

impl Store {
    /// The operations reads on this connection.
    pub fn operations(&self) -> Operations<'_> {
        Operations { conn: &self.conn }
    }
}

/// A run of a job, with its duration (its fields read through to the stored row).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct JobRunItem {
    /// `outcome` is `ok`, `error`, `skipped`; `None` while running (or cut short, until the
    /// next start).
    #[serde(flatten)]
    pub run: JobRunRow,
    /// Whole seconds from start to finish.
    pub seconds: Option<i64>,
}

impl std::ops::Deref for JobRunItem {
    type Target = JobRunRow;
    fn deref(&self) -> &JobRunRow {
        &self.run
    }
}

/// The outbox at a glance.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct OutboxSummary {
    pub pending: i64,
    pub sent: i64,
    pub no_recipient: i64,
    /// Failed delivery attempts ever recorded.
    pub failed_attempts: i64,
    /// The earliest retry of a pending row that already failed.
    pub next_retry: Option<NaiveDateTime>,
}

/// One outbox row, without its bodies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OutboxItem {
    pub id: i64,
    /// `alert` or `digest`.
    pub kind: String,
    pub source: Option<String>,
    pub ticket_id: Option<String>,
    pub metric: Option<String>,
    /// `at_risk` or `breached`.
    pub level: Option<String>,
    pub entity: String,
    pub digest_day: Option<NaiveDate>,
    pub decided_at: NaiveDateTime,
    /// One address per line.
    pub recipients: String,
    pub subject: String,
    /// `pending`, `sent` or `no_recipient`.
    pub status: String,
    pub attempts: i32,
    pub next_attempt_at: Option<NaiveDateTime>,
    pub sent_at: Option<NaiveDateTime>,
    pub last_error: Option<String>,
}

/// One load, as recorded in `ingest_runs`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IngestItem {
    pub id: i64,
    pub file_name: String,
    pub kind: String,
    pub rows_read: i64,
    pub rows_accepted: i64,
    pub rows_rejected: i64,
    pub started_at: NaiveDateTime,
    pub finished_at: Option<NaiveDateTime>,
    /// `ok`, or `partial` when rows were rejected.
    pub status: String,
}

/// How many rows of a load were rejected for one reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RejectReason {
    pub run_id: i64,
    pub reason: String,
    pub rows: i64,
    pub first_line: i64,
}

/// One rejected row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RejectItem {
    pub run_id: i64,
    pub line: i64,
    pub column: Option<String>,
    pub value: Option<String>,
    pub reason: String,
}

impl Operations<'_> {
    /// The latest `per_job` runs of each job, jobs by name, most recent first within each.
    pub fn job_runs(&self, per_job: usize) -> Result<Vec<JobRunItem>, StoreError> {
        let mut stmt = self.conn.prepare(queries::OPS_JOB_RUNS)?;
        let rows = stmt.query_map(params![per_job as i64], |r| {
            Ok(JobRunItem {
                run: JobRunRow::read(r)?,
                seconds: r.get(8)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    pub fn outbox_summary(&self) -> Result<OutboxSummary, StoreError> {
        Ok(self.conn.query_row(queries::OPS_OUTBOX_SUMMARY, [], |r| {
            Ok(OutboxSummary {
                pending: r.get(0)?,
                sent: r.get(1)?,
                no_recipient: r.get(2)?,
                failed_attempts: r.get(3)?,
                next_retry: r.get(4)?,
            })
        })?)
    }

    /// Up to `limit` outbox rows: the pending ones first, then the most recent.
    pub fn outbox(&self, limit: usize) -> Result<Vec<OutboxItem>, StoreError> {
        let mut stmt = self.conn.prepare(queries::OPS_OUTBOX_ROWS)?;
        let rows = stmt.query_map(params![limit as i64], |r| {
            Ok(OutboxItem {
                id: r.get(0)?,
                kind: r.get(1)?,
                source: r.get(2)?,
                ticket_id: r.get(3)?,
                metric: r.get(4)?,
                level: r.get(5)?,
                entity: r.get(6)?,
                digest_day: r.get(7)?,
                decided_at: r.get(8)?,
                recipients: r.get(9)?,
                subject: r.get(10)?,
                status: r.get(11)?,
                attempts: r.get(12)?,
                next_attempt_at: r.get(13)?,
                sent_at: r.get(14)?,
                last_error: r.get(15)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The latest `limit` loads, most recent first.
    pub fn ingests(&self, limit: usize) -> Result<Vec<IngestItem>, StoreError> {
        let mut stmt = self.conn.prepare(queries::OPS_INGEST_RUNS)?;
        let rows = stmt.query_map(params![limit as i64], |r| {
            Ok(IngestItem {
                id: r.get(0)?,
                file_name: r.get(1)?,
                kind: r.get(2)?,
                rows_read: r.get(3)?,
                rows_accepted: r.get(4)?,
                rows_rejected: r.get(5)?,
                started_at: r.get(6)?,
                finished_at: r.get(7)?,
                status: r.get(8)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The reasons of the rejected rows of the loads from `from_run` on, most frequent first.
    pub fn reject_reasons(&self, from_run: i64) -> Result<Vec<RejectReason>, StoreError> {
        let mut stmt = self.conn.prepare(queries::OPS_REJECT_REASONS)?;
        let rows = stmt.query_map(params![from_run], |r| {
            Ok(RejectReason {
                run_id: r.get(0)?,
                reason: r.get(1)?,
                rows: r.get(2)?,
                first_line: r.get(3)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The first `per_run` rejected rows of each load from `from_run` on, in file order.
    pub fn rejects(&self, from_run: i64, per_run: usize) -> Result<Vec<RejectItem>, StoreError> {
        let mut stmt = self.conn.prepare(queries::OPS_REJECTS)?;
        let rows = stmt.query_map(params![from_run, per_run as i64], |r| {
            Ok(RejectItem {
                run_id: r.get(0)?,
                line: r.get(1)?,
                column: r.get(2)?,
                value: r.get(3)?,
                reason: r.get(4)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}
