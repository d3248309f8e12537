//! The canonical rows of the `tickets`, `ticket_events` and `ticket_surveys` tables and the
//! transactional load that puts one file's rows there: run record, staging tables, upsert,
//! rejects — committed together or not at all.

use chrono::NaiveDateTime;
use duckdb::{Appender, Connection, Transaction, params};

use super::{Store, StoreError, queries, runs};
use crate::model::{Status, TicketType};

/// A ticket in canonical form.
#[derive(Debug, Clone, PartialEq)]
pub struct TicketRow {
    pub source: String,
    pub ticket_id: String,
    pub entity: String,
    pub title: Option<String>,
    pub ticket_type: Option<TicketType>,
    pub priority: Option<u8>,
    pub priority_label: Option<String>,
    pub category: Option<String>,
    pub service: Option<String>,
    pub technician: Option<String>,
    pub tech_group: Option<String>,
    pub requester: Option<String>,
    pub channel: Option<String>,
    pub status: Status,
    pub status_label: Option<String>,
    pub created_at: NaiveDateTime,
    pub taken_at: Option<NaiveDateTime>,
    pub solved_at: Option<NaiveDateTime>,
    pub closed_at: Option<NaiveDateTime>,
    pub last_update: Option<NaiveDateTime>,
    pub satisfaction: Option<f64>,
    /// Take-into-account time computed by the source (seconds), for tickets without history.
    pub attention_source_seconds: Option<i64>,
    /// Line of the source file (later lines win over earlier ones for the same key).
    pub line: u64,
}

/// An event in canonical form.
#[derive(Debug, Clone, PartialEq)]
pub struct EventRow {
    pub source: String,
    pub ticket_id: String,
    pub seq: i64,
    pub at: NaiveDateTime,
    pub kind: String,
    pub old_value: Option<String>,
    pub new_value: Option<String>,
    pub actor: Option<String>,
    pub is_public: Option<bool>,
    pub by_requester: Option<bool>,
}

/// A satisfaction survey in canonical form.
#[derive(Debug, Clone, PartialEq)]
pub struct SurveyRow {
    pub source: String,
    pub ticket_id: String,
    pub sent_at: Option<NaiveDateTime>,
    pub answered_at: Option<NaiveDateTime>,
    pub score: Option<f64>,
    pub comment: Option<String>,
    pub line: u64,
}

/// A row that could not be loaded, and why (Spanish, for users).
#[derive(Debug, Clone, PartialEq)]
pub struct Reject {
    pub line: u64,
    pub column: Option<String>,
    pub raw: Option<String>,
    pub reason: String,
}

/// The transaction of one file's load ([`Store::begin_load`]): nothing is kept unless
/// [`Load::commit`] is called.
pub struct Load<'a> {
    tx: Transaction<'a>,
}

impl Store {
    /// Opens the transaction of one load.
    pub fn begin_load(&mut self) -> Result<Load<'_>, StoreError> {
        Ok(Load {
            tx: self.conn.transaction()?,
        })
    }
}

impl Load<'_> {
    /// Opens the `ingest_runs` record of the file; returns the run id.
    pub fn begin_run(&self, file: &str, sha: &str, kind: &str) -> Result<i64, StoreError> {
        Ok(runs::begin_run(&self.tx, file, sha, kind)?)
    }

    /// Creates the staging tables and lets `fill` append rows of run `run_id` to them; what it
    /// appended is flushed when it returns `Ok`.
    pub fn stage<T, E: From<StoreError>>(
        &self,
        run_id: i64,
        fill: impl FnOnce(&mut Stager<'_>) -> Result<T, E>,
    ) -> Result<T, E> {
        let mut stager = self.stager(run_id)?;
        let out = fill(&mut stager)?;
        stager.flush()?;
        Ok(out)
    }

    fn stager(&self, run_id: i64) -> Result<Stager<'_>, StoreError> {
        self.tx.execute_batch(queries::STAGING_TICKETS_CREATE)?;
        self.tx.execute_batch(queries::STAGING_EVENTS_CREATE)?;
        self.tx.execute_batch(queries::STAGING_SURVEYS_CREATE)?;
        Ok(Stager {
            tickets: self.tx.appender("staging_tickets")?,
            events: self.tx.appender("staging_events")?,
            surveys: self.tx.appender("staging_surveys")?,
            run_id,
        })
    }

    /// Moves the staged tickets into `tickets` (see [`move_staged_tickets`]).
    pub fn merge_staged_tickets(&self) -> Result<TicketChanges, StoreError> {
        Ok(move_staged_tickets(&self.tx)?)
    }

    /// Adds the staged events not stored yet to `ticket_events`; gives how many were new.
    pub fn merge_staged_events(&self) -> Result<u64, StoreError> {
        Ok(self.tx.execute(queries::EVENTS_INSERT_NEW, [])? as u64)
    }

    /// Upserts the staged surveys.
    pub fn merge_staged_surveys(&self) -> Result<(), StoreError> {
        Ok(self.tx.execute_batch(queries::SURVEYS_UPSERT)?)
    }

    /// Records the rejected rows of the run, in file order.
    pub fn insert_rejects(&self, run_id: i64, rejects: &[Reject]) -> Result<(), StoreError> {
        Ok(runs::insert_rejects(&self.tx, run_id, rejects)?)
    }

    /// Closes the run record with its counts.
    pub fn finish_run(
        &self,
        run_id: i64,
        read: u64,
        accepted: u64,
        rejected: u64,
    ) -> Result<(), StoreError> {
        Ok(runs::finish_run(
            &self.tx, run_id, read, accepted, rejected,
        )?)
    }

    /// Drops the staging tables and commits the load.
    pub fn commit(self) -> Result<(), StoreError> {
        self.tx.execute_batch(queries::STAGING_DROP)?;
        self.tx.commit()?;
        Ok(())
    }
}

/// Appends the canonical rows of one run to the staging tables (see [`Load::stage`]).
pub struct Stager<'a> {
    tickets: Appender<'a>,
    events: Appender<'a>,
    surveys: Appender<'a>,
    run_id: i64,
}

impl Stager<'_> {
    pub fn ticket(&mut self, t: &TicketRow) -> Result<(), StoreError> {
        self.tickets.append_row(params![
            t.source,
            t.ticket_id,
            t.entity,
            t.title,
            t.ticket_type.map(TicketType::code),
            t.priority,
            t.priority_label,
            t.category,
            t.service,
            t.technician,
            t.tech_group,
            t.requester,
            t.channel,
            t.status.code(),
            t.status_label,
            t.created_at,
            t.taken_at,
            t.solved_at,
            t.closed_at,
            t.last_update,
            t.satisfaction,
            self.run_id,
            t.attention_source_seconds,
            t.line as i64,
        ])?;
        Ok(())
    }

    pub fn event(&mut self, e: &EventRow) -> Result<(), StoreError> {
        self.events.append_row(params![
            e.source,
            e.ticket_id,
            e.seq,
            e.at,
            e.kind,
            e.old_value,
            e.new_value,
            e.actor,
            e.is_public,
            e.by_requester,
            self.run_id,
        ])?;
        Ok(())
    }

    pub fn survey(&mut self, v: &SurveyRow) -> Result<(), StoreError> {
        self.surveys.append_row(params![
            v.source,
            v.ticket_id,
            v.sent_at,
            v.answered_at,
            v.score,
            v.comment,
            self.run_id,
            v.line as i64,
        ])?;
        Ok(())
    }

    fn flush(&mut self) -> Result<(), StoreError> {
        self.tickets.flush()?;
        self.events.flush()?;
        self.surveys.flush()?;
        Ok(())
    }
}

/// What moving one file's tickets did to the store, one count per ticket of the file (a ticket
/// repeated in the file counts once, as its last line).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TicketChanges {
    /// Not in the store before.
    pub new: u64,
    /// Replaced a stored ticket that had other data.
    pub updated: u64,
    /// Equal to the stored ticket.
    pub unchanged: u64,
    /// Other data but older than the stored ticket (`last_update`): the stored one was kept.
    pub older: u64,
}

impl TicketChanges {
    /// Every ticket of the file.
    pub fn total(&self) -> u64 {
        self.new + self.updated + self.unchanged + self.older
    }
}

/// Moves `staging_tickets` into `tickets` (tickets_upsert.sql) and says what that changed
/// (tickets_staged_changes.sql). On a first load — no staged key in the store yet, none
/// repeated in the file — a plain insert does the same, much faster than the conflict handling
/// of the upsert, and every ticket is new.
pub(super) fn move_staged_tickets(tx: &Connection) -> Result<TicketChanges, duckdb::Error> {
    let (existing, repeated): (i64, i64) =
        tx.query_row(queries::TICKETS_STAGED_CHECK, [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })?;
    if existing == 0 && repeated == 0 {
        let new = tx.execute(queries::TICKETS_INSERT_STAGED, [])?;
        return Ok(TicketChanges {
            new: new as u64,
            ..TicketChanges::default()
        });
    }
    let counts: [i64; 4] = tx.query_row(queries::TICKETS_STAGED_CHANGES, [], |r| {
        Ok([r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?])
    })?;
    tx.execute_batch(queries::TICKETS_UPSERT)?;
    let [new, updated, unchanged, older] = counts.map(|n| n.max(0) as u64);
    Ok(TicketChanges {
        new,
        updated,
        unchanged,
        older,
    })
}
