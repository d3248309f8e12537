//! Delivery side of the alerts outbox (`queries/alerts_due.sql`, `alerts_mark_*.sql`,
//! `alerts_attempt_insert.sql`): the rows due for sending, and each attempt recorded together
//! with its effect on the row. Times are local wall-clock times, stored to the second.

use chrono::NaiveDateTime;
use duckdb::{Connection, params};

use super::{Store, StoreError, queries, ts_param};

/// The alerts outbox, on one connection.
pub struct Outbox<'a> {
    conn: &'a Connection,
}

impl Store {
    /// The alerts outbox on this connection.
    pub fn outbox(&self) -> Outbox<'_> {
        Outbox { conn: &self.conn }
    }
}

/// A pending outbox row due for delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueMessage {
    pub id: i64,
    pub entity: String,
    /// One address per line.
    pub recipients: String,
    pub subject: String,
    pub text: String,
    pub html: String,
    pub message_id: String,
    /// Attempts made so far.
    pub attempts: i32,
}

/// How one delivery attempt ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attempt<'e> {
    /// The server accepted the message: the row is sent.
    Sent,
    /// It failed: the row stays pending until `retry_at`.
    Failed {
        retry_at: NaiveDateTime,
        error: &'e str,
    },
}

/// Local wall-clock time as the outbox's timestamp parameters take it (whole seconds).
fn at_param(t: NaiveDateTime) -> String {
    ts_param(t.and_utc().timestamp())
}

impl Outbox<'_> {
    /// Pending rows whose retry time has come at `now`, oldest first.
    pub fn due(&self, now: NaiveDateTime) -> Result<Vec<DueMessage>, StoreError> {
        let mut stmt = self.conn.prepare(queries::ALERTS_DUE)?;
        let rows = stmt.query_map(params![at_param(now)], |r| {
            Ok(DueMessage {
                id: r.get(0)?,
                entity: r.get(1)?,
                recipients: r.get(2)?,
                subject: r.get(3)?,
                text: r.get(4)?,
                html: r.get(5)?,
                message_id: r.get(6)?,
                attempts: r.get(7)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Records attempt number `attempt` of row `id`, made at `at`, and its effect on the row,
    /// in one transaction.
    pub fn record_attempt(
        &self,
        id: i64,
        attempt: i32,
        at: NaiveDateTime,
        outcome: Attempt<'_>,
    ) -> Result<(), StoreError> {
        let at = at_param(at);
        let tx = self.conn.unchecked_transaction()?;
        let error = match outcome {
            Attempt::Sent => {
                tx.execute(queries::ALERTS_MARK_SENT, params![id, at])?;
                None
            }
            Attempt::Failed { retry_at, error } => {
                tx.execute(
                    queries::ALERTS_MARK_FAILED,
                    params![id, at_param(retry_at), error],
                )?;
                Some(error)
            }
        };
        tx.execute(
            queries::ALERTS_ATTEMPT_INSERT,
            params![
                id,
                attempt,
                at,
                if error.is_none() { "sent" } else { "failed" },
                error
            ],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Alerts and digests still waiting to be delivered.
    pub fn pending_count(&self) -> Result<usize, StoreError> {
        Ok(self
            .conn
            .query_row(queries::ALERTS_PENDING_COUNT, [], |r| r.get::<_, i64>(0))?
            as usize)
    }
}
