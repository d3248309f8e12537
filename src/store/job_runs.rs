//! The `job_runs` table (`queries/job_run*.sql`): one row per run of a scheduled or manual job,
//! opened when it starts and completed with its outcome. Jobs, triggers and outcomes are passed
//! as the codes stored (`evaluate`, `schedule`, `ok`…); the scheduler owns their meaning.

use chrono::NaiveDateTime;
use duckdb::{Connection, params};

use super::{Store, StoreError, queries};

/// The `job_runs` table, on one connection.
pub struct JobRuns<'a> {
    conn: &'a Connection,
}

impl Store {
    /// The `job_runs` table on this connection.
    pub fn job_runs(&self) -> JobRuns<'_> {
        JobRuns { conn: &self.conn }
    }
}

/// A row of `job_runs`, as stored.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct JobRunRow {
    pub id: i64,
    pub job: String,
    pub trigger: String,
    pub as_of: NaiveDateTime,
    pub started_at: NaiveDateTime,
    pub finished_at: Option<NaiveDateTime>,
    pub outcome: Option<String>,
    pub message: Option<String>,
}

impl JobRunRow {
    /// The row from the first eight columns of a statement that selects `job_runs`' columns in
    /// table order (`job_runs_list.sql`, `ops_job_runs.sql`).
    pub(super) fn read(r: &duckdb::Row<'_>) -> duckdb::Result<JobRunRow> {
        Ok(JobRunRow {
            id: r.get(0)?,
            job: r.get(1)?,
            trigger: r.get(2)?,
            as_of: r.get(3)?,
            started_at: r.get(4)?,
            finished_at: r.get(5)?,
            outcome: r.get(6)?,
            message: r.get(7)?,
        })
    }
}

impl JobRuns<'_> {
    /// Opens a run when its job starts; returns its id.
    pub fn start(
        &self,
        job: &str,
        trigger: &str,
        as_of: NaiveDateTime,
        started_at: NaiveDateTime,
    ) -> Result<i64, StoreError> {
        Ok(self.conn.query_row(
            queries::JOB_RUN_INSERT,
            params![job, trigger, as_of, started_at],
            |r| r.get::<_, i64>(0),
        )?)
    }

    /// Completes run `id` with its outcome and message.
    pub fn finish(
        &self,
        id: i64,
        finished_at: NaiveDateTime,
        outcome: &str,
        message: &str,
    ) -> Result<(), StoreError> {
        self.conn.execute(
            queries::JOB_RUN_FINISH,
            params![finished_at, outcome, message, id],
        )?;
        Ok(())
    }

    /// Records a run that did not start, whole (outcome `skipped`); returns its id.
    pub fn skipped(
        &self,
        job: &str,
        trigger: &str,
        as_of: NaiveDateTime,
        at: NaiveDateTime,
        message: &str,
    ) -> Result<i64, StoreError> {
        Ok(self.conn.query_row(
            queries::JOB_RUN_SKIPPED,
            params![job, trigger, as_of, at, at, message],
            |r| r.get(0),
        )?)
    }

    /// Closes every unfinished run as `error` with `message`; returns how many.
    pub fn close_unfinished(&self, at: NaiveDateTime, message: &str) -> Result<usize, StoreError> {
        Ok(self
            .conn
            .execute(queries::JOB_RUNS_INTERRUPTED, params![at, message])?)
    }

    /// The latest `limit` runs, most recent first.
    pub fn recent(&self, limit: usize) -> Result<Vec<JobRunRow>, StoreError> {
        let mut stmt = self.conn.prepare(queries::JOB_RUNS_LIST)?;
        let rows = stmt.query_map(params![limit as i64], JobRunRow::read)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}
