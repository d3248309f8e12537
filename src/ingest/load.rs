//! The transactional load shared by every reader: one file is one transaction — run record,
//! staged rows, upsert into the canonical tables, rejects — or nothing at all.

use std::path::Path;

use chrono::NaiveDateTime;

use super::limits::{self, Violation};
use super::{Changes, IngestError, IngestSummary, sha256_file};
use crate::store::Store;
use crate::store::tickets::{Load, Stager};

pub use crate::store::tickets::{EventRow, Reject, SurveyRow, TicketRow};
// The start time of a run record, shared with the DuckDB-native path (`fast.rs`).
pub(super) use crate::store::runs::now;

/// One item produced by a reader.
#[derive(Debug, Clone, PartialEq)]
pub enum Record {
    Ticket(Box<TicketRow>),
    Event(EventRow),
    Survey(SurveyRow),
    Reject(Reject),
    /// A row the reader understood but that carries nothing the store keeps (e.g. a GLPI log
    /// row about a location change): counted, not stored.
    Skip,
}

/// Loads the records of one file in a single transaction. Any error — from the reader (a file
/// that turns out malformed half-way) or from the store — rolls everything back.
pub fn load_file<I>(
    store: &mut Store,
    path: &Path,
    kind: &str,
    records: I,
) -> Result<IngestSummary, IngestError>
where
    I: Iterator<Item = Result<Record, IngestError>>,
{
    let sha = sha256_file(path)?;
    load_records(store, &path.display().to_string(), &sha, kind, records)
}

/// Loads records that do not come from a file (generated data, API payloads) the same way.
pub fn load_records<I>(
    store: &mut Store,
    file: &str,
    sha: &str,
    kind: &str,
    records: I,
) -> Result<IngestSummary, IngestError>
where
    I: Iterator<Item = Result<Record, IngestError>>,
{
    let load = store.begin_load()?;
    let run_id = load.begin_run(file, sha, kind)?;
    let mut staged = load.stage(run_id, |stager| stage_records(stager, records))?;
    tracing::info!(file, read = staged.read, "filas leídas y preparadas");
    let changes = merge_staged(&load, file, &staged)?;
    load.insert_rejects(run_id, &staged.rejects)?;
    let rejected = staged.rejects.len() as u64;
    load.finish_run(run_id, staged.read, staged.accepted, rejected)?;
    load.commit()?;
    staged.rejects.truncate(10);
    Ok(IngestSummary {
        run_id,
        kind: kind.to_owned(),
        file: file.to_owned(),
        rows_read: staged.read,
        accepted: staged.accepted,
        rejected,
        skipped: staged.skipped,
        sample_rejects: staged.rejects,
        changes,
    })
}

/// What the records of one file put in the staging tables.
#[derive(Default)]
struct Staged {
    read: u64,
    accepted: u64,
    skipped: u64,
    tickets: u64,
    events: u64,
    surveys: u64,
    rejects: Vec<Reject>,
}

/// Appends every record to its staging table, keeping the rejects and the counts.
fn stage_records<I>(stager: &mut Stager<'_>, records: I) -> Result<Staged, IngestError>
where
    I: Iterator<Item = Result<Record, IngestError>>,
{
    let mut s = Staged::default();
    for record in records {
        s.read += 1;
        match within_limits(record?) {
            Record::Ticket(t) => {
                stager.ticket(&t)?;
                s.accepted += 1;
                s.tickets += 1;
            }
            Record::Event(e) => {
                stager.event(&e)?;
                s.accepted += 1;
                s.events += 1;
            }
            Record::Survey(v) => {
                stager.survey(&v)?;
                s.accepted += 1;
                s.surveys += 1;
            }
            Record::Reject(r) => s.rejects.push(r),
            Record::Skip => s.skipped += 1,
        }
    }
    Ok(s)
}

/// Moves what was staged into the canonical tables; says what that changed.
fn merge_staged(load: &Load<'_>, file: &str, staged: &Staged) -> Result<Changes, IngestError> {
    let started = std::time::Instant::now();
    let mut changes = Changes::default();
    if staged.tickets > 0 {
        changes.tickets = load.merge_staged_tickets()?;
        tracing::info!(
            file,
            seconds = started.elapsed().as_secs_f64(),
            "casos integrados"
        );
    }
    if staged.events > 0 {
        changes.new_events = load.merge_staged_events()?;
        changes.known_events = staged.events.saturating_sub(changes.new_events);
        tracing::info!(
            file,
            seconds = started.elapsed().as_secs_f64(),
            "eventos integrados"
        );
    }
    if staged.surveys > 0 {
        load.merge_staged_surveys()?;
    }
    Ok(changes)
}

/// The last door before the store: a row that a reader let through outside the domain limits
/// (`limits`) becomes a reject here, whatever produced it (file readers, the GLPI API, generated
/// data). The readers check the same limits first, with their own column names and raw text.
fn within_limits(record: Record) -> Record {
    let problem = match &record {
        Record::Ticket(t) => ticket_problem(t).map(|(c, raw, v)| (t.line, c, raw, v)),
        Record::Event(e) => event_problem(e).map(|(c, raw, v)| (0, c, raw, v)),
        Record::Survey(v) => survey_problem(v).map(|(c, raw, why)| (v.line, c, raw, why)),
        Record::Reject(_) | Record::Skip => None,
    };
    match problem {
        None => record,
        Some((line, column, raw, violation)) => Record::Reject(Reject {
            line,
            column: Some(column.to_owned()),
            raw: Some(raw),
            reason: violation.reason().to_owned(),
        }),
    }
}

type Problem = (&'static str, String, Violation);

fn id_problem(column: &'static str, id: &str) -> Option<Problem> {
    limits::ticket_id(id)
        .err()
        .map(|v| (column, id.chars().take(200).collect(), v))
}

fn date_problem(column: &'static str, d: Option<NaiveDateTime>) -> Option<Problem> {
    let d = d?;
    limits::date(d).err().map(|v| (column, d.to_string(), v))
}

fn ticket_problem(t: &TicketRow) -> Option<Problem> {
    id_problem("ticket_id", &t.ticket_id)
        .or_else(|| date_problem("created_at", Some(t.created_at)))
        .or_else(|| date_problem("taken_at", t.taken_at))
        .or_else(|| date_problem("solved_at", t.solved_at))
        .or_else(|| date_problem("closed_at", t.closed_at))
        .or_else(|| date_problem("last_update", t.last_update))
        .or_else(|| {
            let secs = t.attention_source_seconds?;
            limits::duration(secs)
                .err()
                .map(|v| ("attention_source_seconds", secs.to_string(), v))
        })
        .or_else(|| {
            let x = t.satisfaction?;
            limits::score(x)
                .err()
                .map(|v| ("satisfaction", x.to_string(), v))
        })
}

fn event_problem(e: &EventRow) -> Option<Problem> {
    id_problem("ticket_id", &e.ticket_id).or_else(|| date_problem("at", Some(e.at)))
}

fn survey_problem(v: &SurveyRow) -> Option<Problem> {
    id_problem("ticket_id", &v.ticket_id)
        .or_else(|| date_problem("sent_at", v.sent_at))
        .or_else(|| date_problem("answered_at", v.answered_at))
        .or_else(|| {
            let x = v.score?;
            limits::score(x).err().map(|e| ("score", x.to_string(), e))
        })
}
