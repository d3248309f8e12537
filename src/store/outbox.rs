//! The alerts outbox. Decision side (`queries/alerts_current_*.sql`, `alerts_candidates.sql`,
//! `alerts_digests_of_day.sql`, `alerts_outbox_insert.sql`, `alerts_decided_insert.sql`): the
//! staged clocks with what was decided before, and new rows written together with the levels
//! they record as decided. Delivery side (`alerts_due.sql`, `alerts_mark_*.sql`,
//! `alerts_attempt_insert.sql`): the rows due for sending, and each attempt recorded together
//! with its effect on the row. Times are local wall-clock times, stored to the second.

use std::collections::HashSet;

use chrono::{NaiveDate, NaiveDateTime};
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

/// An open clock at or past an alert threshold, staged for the decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StagedClock<'a> {
    pub source: &'a str,
    pub ticket_id: &'a str,
    /// Metric code (`attention`, `solution`…).
    pub metric: &'a str,
    /// Level reached, as stored in `alerts_decided` (1 at risk, 2 breached).
    pub level: i8,
}

/// A staged clock with the highest level already decided for it and its ticket's attributes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CandidateRow {
    /// Index of the clock in the staged list.
    pub n: usize,
    /// Highest level decided before (1 at risk, 2 breached), if any.
    pub previous: Option<i64>,
    pub entity: Option<String>,
    pub title: Option<String>,
    pub priority: Option<i64>,
    pub category: Option<String>,
    pub group: Option<String>,
    pub technician: Option<String>,
    /// Status code, as stored.
    pub status: Option<String>,
}

/// What an outbox row is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutboxKind {
    /// One clock crossing one threshold.
    Alert,
    /// A recipient's daily digest.
    Digest,
}

impl OutboxKind {
    /// Stored code.
    pub fn code(self) -> &'static str {
        match self {
            OutboxKind::Alert => "alert",
            OutboxKind::Digest => "digest",
        }
    }
}

/// The delivery state a new outbox row starts in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NewStatus {
    /// Waiting for delivery.
    Pending,
    /// No route gave it a recipient: recorded, never sent.
    NoRecipient,
}

impl NewStatus {
    /// Stored code.
    pub fn code(self) -> &'static str {
        match self {
            NewStatus::Pending => "pending",
            NewStatus::NoRecipient => "no_recipient",
        }
    }
}

/// A decided alert or digest to write to the outbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewOutboxRow<'a> {
    pub kind: OutboxKind,
    pub dedupe_key: &'a str,
    pub source: Option<&'a str>,
    pub ticket_id: Option<&'a str>,
    /// Metric code.
    pub metric: Option<&'a str>,
    /// Level code (`at_risk`, `breached`).
    pub level: Option<&'a str>,
    pub entity: &'a str,
    pub digest_day: Option<NaiveDate>,
    /// One address per line.
    pub recipients: String,
    pub subject: &'a str,
    pub text: &'a str,
    pub html: &'a str,
    pub message_id: String,
    pub status: NewStatus,
    /// Levels (1 at risk, 2 breached) of the clock recorded as decided with this row.
    pub decided_levels: Vec<i8>,
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
    /// Each staged clock (indexed by its place in `clocks`) whose ticket is in the store, with
    /// what was decided for it before and its ticket's attributes, in staging order. The clocks
    /// go through a temporary table so that everything comes back in one join.
    pub fn candidates(&self, clocks: &[StagedClock<'_>]) -> Result<Vec<CandidateRow>, StoreError> {
        self.conn.execute_batch(queries::ALERTS_CURRENT_CREATE)?;
        {
            let mut app = self.conn.appender("alerts_current")?;
            for (n, c) in clocks.iter().enumerate() {
                app.append_row(params![n as i64, c.source, c.ticket_id, c.metric, c.level])?;
            }
            app.flush()?;
        }
        let rows = self.read_candidates();
        self.conn.execute_batch(queries::ALERTS_CURRENT_DROP)?;
        rows
    }

    fn read_candidates(&self) -> Result<Vec<CandidateRow>, StoreError> {
        let mut stmt = self.conn.prepare(queries::ALERTS_CANDIDATES)?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                CandidateRow {
                    n: 0,
                    previous: r.get(1)?,
                    entity: r.get(2)?,
                    title: r.get(3)?,
                    priority: r.get(4)?,
                    category: r.get(5)?,
                    group: r.get(6)?,
                    technician: r.get(7)?,
                    status: r.get(8)?,
                },
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (n, row) = row?;
            if let Ok(n) = usize::try_from(n) {
                out.push(CandidateRow { n, ..row });
            }
        }
        Ok(out)
    }

    /// Dedupe keys of the digests already written for `day` (whatever their delivery state).
    pub fn digests_of_day(&self, day: NaiveDate) -> Result<HashSet<String>, StoreError> {
        let mut stmt = self.conn.prepare(queries::ALERTS_DIGESTS_OF_DAY)?;
        let keys = stmt.query_map(params![day.to_string()], |r| r.get::<_, String>(0))?;
        Ok(keys.collect::<Result<_, _>>()?)
    }

    /// Writes `rows` to the outbox, each with the levels it records as decided, all decided at
    /// `decided_at`, in one transaction.
    pub fn record_decided(
        &self,
        rows: &[NewOutboxRow<'_>],
        decided_at: NaiveDateTime,
    ) -> Result<(), StoreError> {
        let decided_at = at_param(decided_at);
        let tx = self.conn.unchecked_transaction()?;
        {
            // Prepared once: planning dominates a one-row insert in DuckDB.
            let mut insert_outbox = tx.prepare(queries::ALERTS_OUTBOX_INSERT)?;
            let mut insert_decided = tx.prepare(queries::ALERTS_DECIDED_INSERT)?;
            for row in rows {
                let id: i64 = insert_outbox.query_row(
                    params![
                        row.kind.code(),
                        row.dedupe_key,
                        row.source,
                        row.ticket_id,
                        row.metric,
                        row.level,
                        row.entity,
                        row.digest_day.map(|d| d.to_string()),
                        decided_at,
                        row.recipients,
                        row.subject,
                        row.text,
                        row.html,
                        row.message_id,
                        row.status.code(),
                    ],
                    |r| r.get(0),
                )?;
                for level in &row.decided_levels {
                    insert_decided.execute(params![
                        row.source,
                        row.ticket_id,
                        row.metric,
                        level,
                        decided_at,
                        id
                    ])?;
                }
            }
        }
        tx.commit()?;
        Ok(())
    }

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
