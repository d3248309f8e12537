//! Deciding alerts: which threshold each open clock has crossed, what that means given what was
//! already decided (a pure function), and writing new alerts to the outbox in the same
//! transaction that records them as decided.

use std::collections::{BTreeMap, HashSet};

use chrono::{NaiveDate, NaiveDateTime};
use lettre::message::Mailbox;
use sha2::{Digest, Sha256};

use super::config::{Alerts, RouteAttrs, Smtp};
use super::message::{self, Facts, Rendered};
use super::{AlertsError, DecideSummary};
use crate::engine::Engine;
use crate::evaluation::evaluate_open;
use crate::model::Metric;
use crate::sla::Measure;
use crate::store::Store;
use crate::store::outbox::{CandidateRow, NewOutboxRow, NewStatus, OutboxKind, StagedClock};

/// How far an open clock has gone, as far as alerts go.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum AlertLevel {
    /// Past the `[alerts] warn_at` share of the target.
    AtRisk = 1,
    /// Past the target.
    Breached = 2,
}

impl AlertLevel {
    pub const ALL: [AlertLevel; 2] = [AlertLevel::AtRisk, AlertLevel::Breached];

    /// Stored code, as the SLA states (`at_risk`, `breached`).
    pub fn code(self) -> &'static str {
        match self {
            AlertLevel::AtRisk => "at_risk",
            AlertLevel::Breached => "breached",
        }
    }

    pub fn label_es(self) -> &'static str {
        match self {
            AlertLevel::AtRisk => "En riesgo",
            AlertLevel::Breached => "Incumplido",
        }
    }

    fn from_number(n: i64) -> Option<AlertLevel> {
        AlertLevel::ALL.into_iter().find(|l| *l as i64 == n)
    }
}

/// The alert level of a clock: `None` when the clock has stopped (a finished metric never
/// alerts), has no target, or is under the threshold. A paused clock still counts: its ticket
/// is still waiting for attention or a solution. "At risk" uses the same comparison as the
/// policy's warning thresholds (reaching the share exactly counts).
pub fn level_of(m: &Measure, warn_at: f64) -> Option<AlertLevel> {
    if m.stopped_at.is_some() {
        return None;
    }
    let target = m.target?;
    if m.business > target {
        Some(AlertLevel::Breached)
    } else if m.business as f64 >= (warn_at * target as f64).ceil() {
        Some(AlertLevel::AtRisk)
    } else {
        None
    }
}

/// What to do about one clock in one run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Crossing {
    /// The one alert to send: for the highest level reached.
    pub emit: AlertLevel,
    /// Every level to record as decided (the emitted one and any lower one skipped over), so a
    /// lower level never alerts later.
    pub mark: Vec<AlertLevel>,
}

/// Given the highest level already decided for a clock and its level now, the alert to send,
/// if any. A clock that went back under a level (its target changed) does not alert again for
/// a level it already crossed.
pub fn crossing(previous: Option<AlertLevel>, current: Option<AlertLevel>) -> Option<Crossing> {
    let current = current?;
    if previous.is_some_and(|p| p >= current) {
        return None;
    }
    Some(Crossing {
        emit: current,
        mark: AlertLevel::ALL
            .into_iter()
            .filter(|l| previous.is_none_or(|p| *l > p) && *l <= current)
            .collect(),
    })
}

/// One clock at or past a threshold, staged for the decision.
struct Staged {
    source: String,
    ticket_id: String,
    metric: Metric,
    level: AlertLevel,
    business: i64,
    target: i64,
    deadline: Option<NaiveDateTime>,
    paused: bool,
}

/// A decided alert, ready to be written.
struct NewRow {
    kind: OutboxKind,
    dedupe_key: String,
    source: Option<String>,
    ticket_id: Option<String>,
    metric: Option<&'static str>,
    level: Option<AlertLevel>,
    entity: String,
    digest_day: Option<NaiveDate>,
    recipients: Vec<Mailbox>,
    rendered: Rendered,
    /// Levels to record as decided with this row.
    mark: Vec<AlertLevel>,
}

/// Evaluates the open tickets as of `as_of` and writes one outbox row per threshold crossed
/// since the last run (and the day's digests when due), all in one transaction.
/// `glpi_base_url` makes the links to GLPI tickets.
pub(crate) fn decide_with(
    store: &mut Store,
    engine: &Engine,
    alerts: &Alerts,
    smtp: Option<&Smtp>,
    glpi_base_url: Option<&str>,
    as_of: NaiveDateTime,
) -> Result<DecideSummary, AlertsError> {
    let staged = open_clocks(store, engine, alerts, as_of)?;
    if staged.is_empty() {
        return Ok(DecideSummary::default());
    }
    let candidates = load_candidates(store, &staged, glpi_base_url)?;
    let new_rows = decide_crossings(&staged, &candidates, alerts, as_of);
    let digests = digest_rows(store, engine, alerts, &candidates, as_of)?;
    let domain = smtp.map_or_else(
        || "mesa-sla.local".to_owned(),
        |s| s.from.email.domain().to_owned(),
    );
    write_outbox(store, new_rows.iter().chain(&digests), &domain, as_of)
}

/// Phase 1: the open tickets evaluated as of `as_of`, and every clock of theirs at or past a
/// threshold.
fn open_clocks(
    store: &Store,
    engine: &Engine,
    alerts: &Alerts,
    as_of: NaiveDateTime,
) -> Result<Vec<Staged>, AlertsError> {
    // Open tickets are evaluated in memory rather than through `sla_results`: alerts then
    // neither depend on the evaluate job having run recently nor overwrite the results the
    // dashboard shows (a `--as-of` replay would otherwise replace them with a past picture),
    // and only the open backlog is read, not the whole history.
    let open = evaluate_open(store, engine, as_of)?;
    let mut staged: Vec<Staged> = Vec::new();
    for t in &open {
        for m in &t.measures {
            let (Some(level), Some(target)) = (level_of(m, alerts.warn_at), m.target) else {
                continue;
            };
            staged.push(Staged {
                source: t.source.clone(),
                ticket_id: t.ticket_id.clone(),
                metric: m.metric,
                level,
                business: m.business,
                target,
                deadline: m.deadline.map(|d| t.calendar.local_from_instant(d)),
                paused: m.paused_now,
            });
        }
    }
    Ok(staged)
}

/// Phase 2: what was decided before for each staged clock, and its ticket's attributes.
fn load_candidates(
    store: &Store,
    staged: &[Staged],
    glpi_base_url: Option<&str>,
) -> Result<Vec<Candidate>, AlertsError> {
    let clocks: Vec<StagedClock<'_>> = staged
        .iter()
        .map(|s| StagedClock {
            source: &s.source,
            ticket_id: &s.ticket_id,
            metric: s.metric.code(),
            level: s.level as i8,
        })
        .collect();
    let rows = store.outbox().candidates(&clocks)?;
    Ok(rows
        .into_iter()
        .filter_map(|row| candidate(row, staged, glpi_base_url))
        .collect())
}

/// Phase 3: one new alert per level crossed since the last decision, with its recipients and
/// its message.
fn decide_crossings(
    staged: &[Staged],
    candidates: &[Candidate],
    alerts: &Alerts,
    as_of: NaiveDateTime,
) -> Vec<NewRow> {
    let mut new_rows: Vec<NewRow> = Vec::new();
    for c in candidates {
        let s = &staged[c.n];
        let Some(cross) = crossing(c.previous, Some(s.level)) else {
            continue;
        };
        let recipients = alerts.recipients(&c.route_attrs(), cross.emit == AlertLevel::Breached);
        let rendered = message::alert(&c.facts, alerts.warn_at, as_of);
        if recipients.to.is_empty() {
            // Counted in the run's summary line; one line each only with -v.
            tracing::info!(
                caso = %s.ticket_id,
                metrica = s.metric.code(),
                nivel = cross.emit.code(),
                "alerta sin destinatario: ninguna regla [[alerts.route]] coincide y no hay [alerts] default_to"
            );
        }
        new_rows.push(NewRow {
            kind: OutboxKind::Alert,
            dedupe_key: format!(
                "alert:{}:{}:{}:{}",
                s.source,
                s.ticket_id,
                s.metric.code(),
                cross.emit.code()
            ),
            source: Some(s.source.clone()),
            ticket_id: Some(s.ticket_id.clone()),
            metric: Some(s.metric.code()),
            level: Some(cross.emit),
            entity: c.facts.entity.clone(),
            digest_day: None,
            recipients: recipients.to,
            rendered,
            mark: cross.mark,
        });
    }
    new_rows
}

/// Phase 4: the new rows into the outbox, each with the levels it records as decided, in one
/// transaction. `domain` is the Message-IDs' right-hand side.
fn write_outbox<'r>(
    store: &Store,
    rows: impl Iterator<Item = &'r NewRow>,
    domain: &str,
    as_of: NaiveDateTime,
) -> Result<DecideSummary, AlertsError> {
    let mut summary = DecideSummary::default();
    let mut outbox_rows = Vec::new();
    for row in rows {
        let status = if row.recipients.is_empty() {
            NewStatus::NoRecipient
        } else {
            NewStatus::Pending
        };
        let recipients: Vec<String> = row.recipients.iter().map(ToString::to_string).collect();
        outbox_rows.push(NewOutboxRow {
            kind: row.kind,
            dedupe_key: &row.dedupe_key,
            source: row.source.as_deref(),
            ticket_id: row.ticket_id.as_deref(),
            metric: row.metric,
            level: row.level.map(AlertLevel::code),
            entity: &row.entity,
            digest_day: row.digest_day,
            recipients: recipients.join("\n"),
            subject: &row.rendered.subject,
            text: &row.rendered.text,
            html: &row.rendered.html,
            message_id: message_id(&row.dedupe_key, domain),
            status,
            decided_levels: row.mark.iter().map(|l| *l as i8).collect(),
        });
        match (row.kind, status) {
            (OutboxKind::Digest, _) => summary.digests += 1,
            (_, NewStatus::NoRecipient) => summary.no_recipient += 1,
            _ => summary.new_alerts += 1,
        }
    }
    store.outbox().record_decided(&outbox_rows, as_of)?;
    Ok(summary)
}

/// A staged clock with its ticket and what was decided for it before.
struct Candidate {
    n: usize,
    previous: Option<AlertLevel>,
    priority: Option<u8>,
    facts: Facts,
}

impl Candidate {
    fn route_attrs(&self) -> RouteAttrs<'_> {
        RouteAttrs {
            entity: &self.facts.entity,
            group: &self.facts.group,
            priority: self.priority,
            category: &self.facts.category,
        }
    }
}

/// A candidate row read back with the staged clock it belongs to; `None` when its index is not
/// one of `staged`.
fn candidate(
    row: CandidateRow,
    staged: &[Staged],
    glpi_base_url: Option<&str>,
) -> Option<Candidate> {
    let s = staged.get(row.n)?;
    let priority = row.priority.and_then(|p| u8::try_from(p).ok());
    Some(Candidate {
        n: row.n,
        previous: row.previous.and_then(AlertLevel::from_number),
        priority,
        facts: Facts {
            link: crate::report::glpi_ticket_url(glpi_base_url, &s.source, &s.ticket_id),
            source: s.source.clone(),
            ticket_id: s.ticket_id.clone(),
            title: row.title.unwrap_or_default(),
            entity: row.entity.unwrap_or_default(),
            priority,
            category: row.category.unwrap_or_default(),
            group: row.group.unwrap_or_default(),
            technician: row.technician.unwrap_or_default(),
            status: row
                .status
                .as_deref()
                .and_then(crate::model::Status::from_code),
            metric: s.metric,
            level: s.level,
            business: s.business,
            target: s.target,
            deadline: s.deadline,
            paused: s.paused,
        },
    })
}

/// The day's digests, one per recipient not yet served today, when the digest time has come on
/// a business day: every open clock at or past a threshold routed to that recipient (breached
/// clocks also to the escalation addresses).
fn digest_rows(
    store: &Store,
    engine: &Engine,
    alerts: &Alerts,
    candidates: &[Candidate],
    as_of: NaiveDateTime,
) -> Result<Vec<NewRow>, AlertsError> {
    let Some(at) = alerts.daily_digest else {
        return Ok(Vec::new());
    };
    let day = as_of.date();
    if as_of.time() < at || engine.default.day_segments(day).is_empty() {
        return Ok(Vec::new());
    }
    let done: HashSet<String> = store.outbox().digests_of_day(day)?;
    // Recipient address → (mailbox, clocks), in address order for a stable output.
    let mut by_recipient: BTreeMap<String, (Mailbox, Vec<&Facts>)> = BTreeMap::new();
    for c in candidates {
        let to = alerts.recipients(&c.route_attrs(), c.facts.level == AlertLevel::Breached);
        for m in to.to {
            let key = m.email.to_string().to_lowercase();
            by_recipient
                .entry(key)
                .or_insert_with(|| (m, Vec::new()))
                .1
                .push(&c.facts);
        }
    }
    Ok(by_recipient
        .into_iter()
        .filter(|(key, _)| !done.contains(&format!("digest:{day}:{key}")))
        .map(|(key, (mailbox, items))| NewRow {
            kind: OutboxKind::Digest,
            dedupe_key: format!("digest:{day}:{key}"),
            source: None,
            ticket_id: None,
            metric: None,
            level: None,
            entity: String::new(),
            digest_day: Some(day),
            recipients: vec![mailbox],
            rendered: message::digest(day, &items, as_of),
            mark: Vec::new(),
        })
        .collect())
}

/// A Message-ID unique to this outbox row and stable across its delivery attempts: a receiver
/// seeing the same message twice (after a crash between the server's acceptance and the commit
/// that records it) can tell it is a resend.
fn message_id(dedupe_key: &str, domain: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let mut h = Sha256::new();
    h.update(dedupe_key.as_bytes());
    h.update(nanos.to_le_bytes());
    h.update(std::process::id().to_le_bytes());
    let hex: String = h
        .finalize()
        .iter()
        .take(12)
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("<ans.{hex}@{domain}>")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::SlaState;
    use AlertLevel::{AtRisk, Breached};

    #[test]
    fn one_alert_per_level_crossed() {
        // First sight at risk, then breached: one alert each.
        assert_eq!(
            crossing(None, Some(AtRisk)),
            Some(Crossing {
                emit: AtRisk,
                mark: vec![AtRisk]
            })
        );
        assert_eq!(
            crossing(Some(AtRisk), Some(Breached)),
            Some(Crossing {
                emit: Breached,
                mark: vec![Breached]
            })
        );
        // Nothing new: no alert, whether the level stayed or went back down.
        assert_eq!(crossing(Some(AtRisk), Some(AtRisk)), None);
        assert_eq!(crossing(Some(Breached), Some(Breached)), None);
        assert_eq!(crossing(Some(Breached), Some(AtRisk)), None);
        assert_eq!(crossing(Some(AtRisk), None), None);
        assert_eq!(crossing(None, None), None);
    }

    #[test]
    fn past_several_thresholds_at_once_alerts_once_for_the_highest() {
        // First run on old data: one breach alert, and "at risk" is marked decided too so
        // it never alerts later.
        assert_eq!(
            crossing(None, Some(Breached)),
            Some(Crossing {
                emit: Breached,
                mark: vec![AtRisk, Breached]
            })
        );
    }

    fn measure(business: i64, target: Option<i64>, stopped: bool) -> Measure {
        Measure {
            metric: Metric::Attention,
            target,
            business,
            paused: 0,
            state: SlaState::Running,
            rule: Some(0),
            stopped_at: stopped.then_some(0),
            paused_now: false,
            deadline: None,
            level: 0,
            no_history: false,
        }
    }

    #[test]
    fn levels_of_clocks() {
        let t = Some(7200);
        assert_eq!(level_of(&measure(5399, t, false), 0.75), None);
        assert_eq!(level_of(&measure(5400, t, false), 0.75), Some(AtRisk));
        assert_eq!(level_of(&measure(7200, t, false), 0.75), Some(AtRisk));
        assert_eq!(level_of(&measure(7201, t, false), 0.75), Some(Breached));
        assert_eq!(level_of(&measure(3600, t, false), 0.5), Some(AtRisk));
        // A finished metric never alerts, even far past its target; nor one without target.
        assert_eq!(level_of(&measure(90_000, t, true), 0.75), None);
        assert_eq!(level_of(&measure(90_000, None, false), 0.75), None);
        // A paused clock past its threshold still alerts.
        let mut paused = measure(6000, t, false);
        paused.paused_now = true;
        assert_eq!(level_of(&paused, 0.75), Some(AtRisk));
    }

    #[test]
    fn message_ids_are_unique_per_row() {
        let a = message_id("alert:glpi:1:attention:at_risk", "entidad.gov.co");
        let b = message_id("alert:glpi:1:attention:breached", "entidad.gov.co");
        assert_ne!(a, b);
        assert!(
            a.starts_with("<ans.") && a.ends_with("@entidad.gov.co>"),
            "{a}"
        );
    }
}
