//! What the dashboard, the JSON API and the CLI summaries read from the store
//! (`queries/web_*.sql`, `summary_by_quarter.sql`): ticket lists, one ticket with its clocks and
//! history, the values the filters offer, and the figures behind `/metrics` and `/healthz`.

use std::collections::BTreeMap;

use chrono::NaiveDateTime;
use duckdb::{Connection, params};
use serde::Serialize;

use super::indicators::Filters;
use super::{Store, StoreError, queries};
use crate::indicators::Quarter;

/// The dashboard's reads, on one connection.
pub struct Dashboard<'a> {
    conn: &'a Connection,
}

impl Store {
    /// The dashboard's reads on this connection.
    pub fn dashboard(&self) -> Dashboard<'_> {
        Dashboard { conn: &self.conn }
    }
}

/// Most values each dashboard filter offers in its list.
pub const FILTER_OPTIONS: usize = 500;

/// The values an entity's views can be filtered by ([`Dashboard::known_values`]).
#[derive(Debug, Clone, Default)]
pub struct KnownValues {
    /// By dimension (`category`, `group`, `technician`, `priority`, `policy_version`), sorted;
    /// the policy versions of the solution results, `''` for the unversioned `[policy]`.
    pub values: BTreeMap<String, Vec<String>>,
    /// The first and last instant its tickets mention (`None`: no tickets).
    pub first: Option<NaiveDateTime>,
    pub last: Option<NaiveDateTime>,
}

/// A ticket in a list (at risk, breaches).
#[derive(Debug, Clone, Serialize)]
pub struct TicketItem {
    pub source: String,
    pub ticket_id: String,
    pub title: Option<String>,
    pub priority: Option<i64>,
    pub category: Option<String>,
    pub technician: Option<String>,
    pub group: Option<String>,
    pub metric: String,
    pub business_seconds: i64,
    pub target_seconds: Option<i64>,
    /// Business seconds left (at risk) or beyond the target (breaches).
    pub margin_seconds: Option<i64>,
    /// Deadline (at risk) or when the clock stopped (breaches), local time.
    pub at: Option<NaiveDateTime>,
}

/// The fields of one ticket, as stored.
#[derive(Debug, Clone, Serialize)]
pub struct TicketRow {
    pub source: String,
    pub ticket_id: String,
    pub entity: String,
    pub title: Option<String>,
    pub r#type: Option<String>,
    pub priority: Option<i64>,
    pub category: Option<String>,
    pub service: Option<String>,
    pub technician: Option<String>,
    pub group: Option<String>,
    pub status: String,
    pub created_at: NaiveDateTime,
    pub solved_at: Option<NaiveDateTime>,
    pub closed_at: Option<NaiveDateTime>,
}

/// One SLA clock of a ticket, as evaluated.
#[derive(Debug, Clone)]
pub struct ClockRow {
    pub metric: String,
    pub target_seconds: Option<i64>,
    pub business_seconds: i64,
    pub paused_seconds: i64,
    pub state: String,
    pub rule: Option<String>,
    pub stopped_at: Option<NaiveDateTime>,
    pub deadline: Option<NaiveDateTime>,
    pub no_history: bool,
    pub as_of: NaiveDateTime,
    /// The policy version that measured the clock; `None`: the unversioned `[policy]`.
    pub policy_version: Option<String>,
    /// The calendar's name; `None` for results stored before calendars had names.
    pub calendar: Option<String>,
    /// Opened before the first policy version and measured by it anyway.
    pub before_first_version: bool,
    /// Solution clocks: paused seconds per status (waiting, planned, solved before a reopen);
    /// `None` on attention clocks and on results stored before they were recorded.
    pub paused_by: Option<PausedSeconds>,
}

/// A solution clock's paused seconds per status; their sum is its `paused_seconds`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct PausedSeconds {
    pub waiting: i64,
    pub planned: i64,
    pub solved: i64,
}

/// The stored per-status pauses of a clock: none when no status column is filled (attention
/// clocks, older results).
fn paused_by(
    waiting: Option<i64>,
    planned: Option<i64>,
    solved: Option<i64>,
) -> Option<PausedSeconds> {
    if waiting.is_none() && planned.is_none() && solved.is_none() {
        return None;
    }
    Some(PausedSeconds {
        waiting: waiting.unwrap_or(0),
        planned: planned.unwrap_or(0),
        solved: solved.unwrap_or(0),
    })
}

/// One technician group's hold on a ticket's solution clock (a row of `ola_results`).
#[derive(Debug, Clone, Serialize)]
pub struct OlaHold {
    /// The group's name; `(sin grupo)` for time with no group.
    pub group: String,
    pub business_seconds: i64,
    /// The `[[ola.rule]]` target; `None` when no rule names the group.
    pub target_seconds: Option<i64>,
    /// `met`, `breached`, `running` or `no_target`.
    pub state: String,
}

/// One event of a ticket's history.
#[derive(Debug, Clone, Serialize)]
pub struct EventItem {
    pub at: NaiveDateTime,
    pub kind: String,
    pub old_value: Option<String>,
    pub new_value: Option<String>,
    pub actor: Option<String>,
    pub is_public: Option<bool>,
}

/// When the last ingest and evaluation happened (seconds since the epoch of the local
/// timestamps) and how many tickets the store holds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LastRuns {
    pub last_ingest: Option<f64>,
    pub last_evaluation: Option<f64>,
    pub tickets: i64,
}

/// Finished job runs of one job with one outcome.
#[derive(Debug, Clone, PartialEq)]
pub struct JobRunTotal {
    pub job: String,
    pub outcome: String,
    pub runs: i64,
    /// When the last of them finished (seconds since the epoch of the local timestamp).
    pub last_finished: Option<f64>,
}

/// Compliance of one entity in one quarter of creation (stopped clocks).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuarterSummary {
    pub entity: String,
    /// `2025-Q3`.
    pub quarter: String,
    pub tickets: i64,
    pub attention_met: i64,
    pub attention_closed: i64,
    pub solution_met: i64,
    pub solution_closed: i64,
    pub at_risk: i64,
    pub open_breached: i64,
}

impl Dashboard<'_> {
    /// Answers when the database does (`/healthz`).
    pub fn ping(&self) -> Result<(), StoreError> {
        let _: i64 = self
            .conn
            .query_row(queries::HEALTH_CHECK, [], |r| r.get(0))?;
        Ok(())
    }

    /// Every entity in the store, sorted.
    pub fn entities(&self) -> Result<Vec<String>, StoreError> {
        let mut stmt = self.conn.prepare(queries::WEB_ENTITIES)?;
        let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    }

    /// Open clocks at risk of an entity, least business time left first. The list is about
    /// now (the last evaluation): it honours the filters but has no period.
    pub fn at_risk(
        &self,
        entity: &str,
        filters: &Filters,
        limit: usize,
    ) -> Result<Vec<TicketItem>, StoreError> {
        let f = filters.bound();
        let mut stmt = self.conn.prepare(queries::WEB_AT_RISK)?;
        let rows = stmt.query_map(
            params![entity, f[0], f[1], f[2], f[3], limit as i64, f[4]],
            ticket_item,
        )?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    }

    /// Latest breaches of an entity in a quarter, open ones first. A breach is in the quarter
    /// its indicator counts it in (`web_breaches.sql`): attention by the ticket's creation,
    /// solution by when the clock stopped, an open solution clock by the ticket's creation.
    pub fn breaches(
        &self,
        entity: &str,
        quarter: Quarter,
        filters: &Filters,
        limit: usize,
    ) -> Result<Vec<TicketItem>, StoreError> {
        let f = filters.bound();
        let mut stmt = self.conn.prepare(queries::WEB_BREACHES)?;
        let rows = stmt.query_map(
            params![
                entity,
                f[0],
                f[1],
                f[2],
                f[3],
                super::indicators::ts(quarter.start()),
                super::indicators::ts(quarter.end()),
                limit as i64,
                f[4]
            ],
            ticket_item,
        )?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    }

    /// One ticket's fields (`None` when the store does not have it).
    pub fn ticket(&self, source: &str, id: &str) -> Result<Option<TicketRow>, StoreError> {
        let mut stmt = self.conn.prepare(queries::WEB_TICKET)?;
        let mut rows = stmt.query(params![source, id])?;
        let Some(r) = rows.next()? else {
            return Ok(None);
        };
        Ok(Some(TicketRow {
            source: r.get(0)?,
            ticket_id: r.get(1)?,
            entity: r.get(2)?,
            title: r.get(3)?,
            r#type: r.get(4)?,
            priority: r.get(5)?,
            category: r.get(6)?,
            service: r.get(7)?,
            technician: r.get(8)?,
            group: r.get(9)?,
            status: r.get(10)?,
            created_at: r.get(11)?,
            solved_at: r.get(12)?,
            closed_at: r.get(13)?,
        }))
    }

    /// The SLA clocks of one ticket, by metric.
    pub fn ticket_clocks(&self, source: &str, id: &str) -> Result<Vec<ClockRow>, StoreError> {
        let mut stmt = self.conn.prepare(queries::WEB_TICKET_RESULTS)?;
        let rows = stmt.query_map(params![source, id], |r| {
            Ok(ClockRow {
                metric: r.get(0)?,
                target_seconds: r.get(1)?,
                business_seconds: r.get(2)?,
                paused_seconds: r.get(3)?,
                state: r.get(4)?,
                rule: r.get(5)?,
                stopped_at: r.get(6)?,
                deadline: r.get(7)?,
                no_history: r.get(8)?,
                as_of: r.get(9)?,
                policy_version: r.get(13)?,
                calendar: r.get(14)?,
                before_first_version: r.get::<_, Option<bool>>(15)?.unwrap_or(false),
                paused_by: paused_by(r.get(16)?, r.get(17)?, r.get(18)?),
            })
        })?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    }

    /// The OLA holds of one ticket (`ola_results`), by group.
    pub fn ticket_ola(&self, source: &str, id: &str) -> Result<Vec<OlaHold>, StoreError> {
        let mut stmt = self.conn.prepare(queries::WEB_TICKET_OLA)?;
        let rows = stmt.query_map(params![source, id], |r| {
            Ok(OlaHold {
                group: r.get(0)?,
                business_seconds: r.get(1)?,
                target_seconds: r.get(2)?,
                state: r.get(3)?,
            })
        })?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    }

    /// The history of one ticket, as it happened.
    pub fn ticket_events(&self, source: &str, id: &str) -> Result<Vec<EventItem>, StoreError> {
        let mut stmt = self.conn.prepare(queries::WEB_TICKET_EVENTS)?;
        let rows = stmt.query_map(params![source, id], |r| {
            Ok(EventItem {
                at: r.get(0)?,
                kind: r.get(1)?,
                old_value: r.get(2)?,
                new_value: r.get(3)?,
                actor: r.get(4)?,
                is_public: r.get(5)?,
            })
        })?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    }

    /// Quarters with tickets created for an entity, newest first: (year, quarter 1–4).
    pub fn quarters(&self, entity: &str) -> Result<Vec<(i32, i32)>, StoreError> {
        let mut stmt = self.conn.prepare(queries::WEB_QUARTERS)?;
        let rows = stmt.query_map([entity], |r| Ok((r.get::<_, i32>(0)?, r.get::<_, i32>(1)?)))?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    }

    /// The values the filters offer for an entity, by dimension (`category`, `group`,
    /// `technician`), sorted; at most [`FILTER_OPTIONS`] of each.
    pub fn filter_values(&self, entity: &str) -> Result<BTreeMap<String, Vec<String>>, StoreError> {
        let mut options = self.values_by_dimension(entity)?;
        options.remove("priority");
        for values in options.values_mut() {
            values.truncate(FILTER_OPTIONS);
        }
        Ok(options)
    }

    /// Every value an entity's views can be filtered by, and the span of its data: what a
    /// request is checked against before anything is computed for it.
    pub fn known_values(&self, entity: &str) -> Result<KnownValues, StoreError> {
        let values = self.values_by_dimension(entity)?;
        let (first, last) = self.conn.query_row(queries::WEB_DATA_SPAN, [entity], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })?;
        Ok(KnownValues {
            values,
            first,
            last,
        })
    }

    /// Every distinct value of each filter dimension of an entity's tickets, sorted.
    fn values_by_dimension(
        &self,
        entity: &str,
    ) -> Result<BTreeMap<String, Vec<String>>, StoreError> {
        let mut stmt = self.conn.prepare(queries::WEB_KNOWN_VALUES)?;
        let mut values: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for row in stmt.query_map([entity], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
        })? {
            let (dim, value) = row?;
            values.entry(dim).or_default().push(value);
        }
        Ok(values)
    }

    /// The last ingest and evaluation, and the ticket count (`/metrics`).
    pub fn last_runs(&self) -> Result<LastRuns, StoreError> {
        Ok(self.conn.query_row(queries::WEB_LAST_RUNS, [], |r| {
            Ok(LastRuns {
                last_ingest: r.get(0)?,
                last_evaluation: r.get(1)?,
                tickets: r.get(2)?,
            })
        })?)
    }

    /// Finished job runs per job and outcome (`/metrics`).
    pub fn job_run_totals(&self) -> Result<Vec<JobRunTotal>, StoreError> {
        let mut stmt = self.conn.prepare(queries::WEB_JOB_RUNS)?;
        let rows = stmt.query_map([], |r| {
            Ok(JobRunTotal {
                job: r.get(0)?,
                outcome: r.get(1)?,
                runs: r.get(2)?,
                last_finished: r.get(3)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Compliance per entity and quarter of creation, sorted by both.
    pub fn summary_by_quarter(&self) -> Result<Vec<QuarterSummary>, StoreError> {
        let mut stmt = self.conn.prepare(queries::SUMMARY_BY_QUARTER)?;
        let rows = stmt.query_map([], |r| {
            Ok(QuarterSummary {
                entity: r.get(0)?,
                quarter: r.get(1)?,
                tickets: r.get(2)?,
                attention_met: r.get(3)?,
                attention_closed: r.get(4)?,
                solution_met: r.get(5)?,
                solution_closed: r.get(6)?,
                at_risk: r.get(7)?,
                open_breached: r.get(8)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

/// A row of `web_at_risk.sql` or `web_breaches.sql`.
fn ticket_item(r: &duckdb::Row<'_>) -> duckdb::Result<TicketItem> {
    Ok(TicketItem {
        source: r.get(0)?,
        ticket_id: r.get(1)?,
        title: r.get(2)?,
        priority: r.get(3)?,
        category: r.get(4)?,
        technician: r.get(5)?,
        group: r.get(6)?,
        metric: r.get(7)?,
        business_seconds: r.get(8)?,
        target_seconds: r.get(9)?,
        margin_seconds: r.get(10)?,
        at: r.get(11)?,
    })
}
