//! SLA engine (domain core, no I/O): from a ticket's dates and ordered history to the attention
//! and solution clocks — business time, paused time, state — under a policy, as of an injected
//! instant. The exact rules are those of `shared/samples/README.md`.

pub mod ola;
pub mod pause;
pub mod policy;
pub mod versions;

use crate::calendar::{Calendar, Instant};
use crate::model::{Metric, SlaState, Status};

pub use pause::{PauseSet, PausedBy};
pub use policy::{Policy, PolicyError, Rule, TicketAttrs};

/// One history event, as far as the clocks care.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventKind {
    /// A status change. `from` is the status the source says the ticket left (used only to learn
    /// the status at creation, which sources do not log).
    Status { from: Option<Status>, to: Status },
    /// A technician was assigned (a removal is not an assignment).
    AssignTech,
    /// A follow-up: `public` when the requester can see it, `by_requester` when they wrote it.
    Followup { public: bool, by_requester: bool },
    /// A technician group was assigned (an id the caller interns, e.g. with
    /// [`ola::GroupTable`]); the group assigned last holds the ticket for the OLA.
    GroupAssigned(u32),
    /// A technician group was removed from the ticket.
    GroupRemoved(u32),
    /// Anything else (priority change…): recorded, but no clock moves.
    Other,
}

/// A history event at an instant. Slices of events are ordered as they happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Event {
    pub at: Instant,
    pub kind: EventKind,
}

/// What the engine knows of a ticket.
#[derive(Debug, Clone, Copy)]
pub struct TicketClocks<'a> {
    pub created_at: Instant,
    /// Status in the ticket list (used when there is no status history).
    pub status: Status,
    /// Take-into-account instant given by the source, if any.
    pub taken_at: Option<Instant>,
    /// Solution and closing instants from the ticket list, used when there is no status history.
    pub solved_at: Option<Instant>,
    pub closed_at: Option<Instant>,
    /// Take-into-account time computed by the source (GLPI's statistics column), in business
    /// seconds from opening; used only when the ticket has no history at all.
    pub attention_source: Option<i64>,
    pub events: &'a [Event],
}

/// The outcome of one clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Measure {
    pub metric: Metric,
    /// Target in business seconds; `None` when no rule gives one.
    pub target: Option<i64>,
    /// Business seconds counted (net of pauses).
    pub business: i64,
    /// Business seconds subtracted because the clock was paused.
    pub paused: i64,
    pub state: SlaState,
    /// Index of the policy rule that gave the target.
    pub rule: Option<usize>,
    /// When the clock stopped; `None` while it runs.
    pub stopped_at: Option<Instant>,
    /// Whether the clock is paused at the evaluation instant (ticket waiting).
    pub paused_now: bool,
    /// For a running clock with time left: the instant the target runs out if nothing pauses it.
    pub deadline: Option<Instant>,
    /// Number of warning thresholds reached (0…), plus one more when breached: alerts fire once
    /// per level crossed.
    pub level: u8,
    /// The status history was missing, so pauses could not be known.
    pub no_history: bool,
}

/// Targets resolved for one ticket: `(seconds, rule index)` per metric.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Targets {
    pub attention: Option<(i64, usize)>,
    pub solution: Option<(i64, usize)>,
}

/// Evaluates both clocks of a ticket as of `as_of`. Events after `as_of` are ignored, so any past
/// instant can be replayed.
pub fn evaluate(
    ticket: &TicketClocks<'_>,
    targets: Targets,
    policy: &Policy,
    cal: &Calendar,
    as_of: Instant,
) -> [Measure; 2] {
    evaluate_with(ticket, targets, policy, [cal, cal], as_of).measures
}

/// Both clocks of a ticket and the solution clock's paused seconds per status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Evaluation {
    pub measures: [Measure; 2],
    pub paused_by: PausedBy,
}

/// Like [`evaluate`], with a calendar per clock (`[attention, solution]`): the pause rules and
/// warning thresholds are `policy`'s (a policy version's, see [`versions`]).
pub fn evaluate_with(
    ticket: &TicketClocks<'_>,
    targets: Targets,
    policy: &Policy,
    cals: [&Calendar; 2],
    as_of: Instant,
) -> Evaluation {
    let created = ticket.created_at;
    let known = ticket.events.partition_point(|e| e.at <= as_of);
    let events = &ticket.events[..known];
    let solution = solution_clock(ticket, events, policy, cals[1], as_of);
    let mut attention = attention_clock(ticket, events, solution.stopped_at, cals[0], as_of);
    // "No history" is a property of the ticket (its status changes are unknown), reported on both.
    attention.no_history = solution.no_history;
    let at =
        |metric, clock, target, cal| finish(metric, clock, target, policy, cal, as_of, created);
    Evaluation {
        measures: [
            at(Metric::Attention, attention, targets.attention, cals[0]),
            at(Metric::Solution, solution, targets.solution, cals[1]),
        ],
        paused_by: solution.paused_by,
    }
}

/// What followed the solution of a ticket: feeds the "closed within N business days of the
/// solution" and "reopened after a solution" indicators.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AfterSolution {
    /// Times the ticket went from solved or closed back to an open status.
    pub reopened: u32,
    /// When the ticket was closed, if it is closed at the evaluation instant.
    pub closed_at: Option<Instant>,
    /// Business seconds from the solution to the closing, or to the evaluation instant while the
    /// ticket is solved but not closed; `None` while there is no solution.
    pub close_business: Option<i64>,
}

/// Reopenings and closing delay as of `as_of`, given the solution measure from [`evaluate`].
pub fn after_solution(
    ticket: &TicketClocks<'_>,
    solution: &Measure,
    cal: &Calendar,
    as_of: Instant,
) -> AfterSolution {
    let known = ticket.events.partition_point(|e| e.at <= as_of);
    let mut reopened = 0u32;
    let mut current: Option<Status> = None;
    let mut closed_since: Option<Instant> = None;
    for ev in &ticket.events[..known] {
        if let EventKind::Status { from, to } = ev.kind {
            let was = current.or(from).unwrap_or(Status::New);
            if !was.is_open() && to.is_open() {
                reopened += 1;
            }
            if to == Status::Closed && was != Status::Closed {
                closed_since = Some(ev.at.max(ticket.created_at));
            } else if to != Status::Closed {
                closed_since = None;
            }
            current = Some(to);
        }
    }
    let closed_at = match current {
        Some(_) => closed_since,
        // No status history: the list says whether and when it was closed.
        None if ticket.status == Status::Closed => ticket
            .closed_at
            .map(|c| c.max(ticket.created_at))
            .filter(|&c| c <= as_of),
        None => None,
    };
    let close_business = solution.stopped_at.map(|solved| {
        let end = closed_at.unwrap_or(as_of).max(solved);
        cal.business_seconds(solved, end)
    });
    AfterSolution {
        reopened,
        closed_at,
        close_business,
    }
}

/// A clock before targets are applied.
#[derive(Debug, Clone, Copy)]
struct Clock {
    business: i64,
    paused: i64,
    stopped_at: Option<Instant>,
    paused_now: bool,
    no_history: bool,
    paused_by: PausedBy,
}

fn attention_clock(
    ticket: &TicketClocks<'_>,
    events: &[Event],
    solution_end: Option<Instant>,
    cal: &Calendar,
    as_of: Instant,
) -> Clock {
    let created = ticket.created_at;
    let mut taken: Option<Instant> = ticket.taken_at;
    let mut take = |at: Instant| {
        if taken.is_none_or(|t| at < t) {
            taken = Some(at);
        }
    };
    if events.is_empty()
        && let Some(secs) = ticket.attention_source
    {
        // A take-over that lands past the calendar's range (a huge or corrupt duration) has
        // not happened by any instant the engine measures: the clock keeps running.
        if let Some(at) = cal.deadline(created, secs) {
            take(at);
        }
    }
    let mut saw_status = false;
    for ev in events {
        match ev.kind {
            EventKind::Status { from, to } => {
                if !saw_status && from.is_some_and(|f| f != Status::New) {
                    // Opened already assigned (or further): taken at opening.
                    take(created);
                }
                saw_status = true;
                if to != Status::New {
                    take(ev.at);
                }
            }
            EventKind::AssignTech => take(ev.at),
            EventKind::Followup {
                public: true,
                by_requester: false,
            } => take(ev.at),
            EventKind::Followup { .. }
            | EventKind::GroupAssigned(_)
            | EventKind::GroupRemoved(_)
            | EventKind::Other => {}
        }
    }
    // Without any status change, infer from the list status — unless the source measured the
    // take-over itself (a list export without history).
    let source_measured = events.is_empty() && ticket.attention_source.is_some();
    if !saw_status && !source_measured {
        if ticket.status.is_open() && ticket.status != Status::New {
            // No status change ever logged and the ticket is past *new*: it was opened so.
            take(created);
        } else if !ticket.status.is_open() {
            // Solved without any recorded take-over: it left *new* when it was solved at the latest.
            if let Some(end) = solution_end {
                take(end);
            }
        }
    }
    match taken.map(|t| t.max(created)).filter(|&t| t <= as_of) {
        Some(t) => Clock {
            business: cal.business_seconds(created, t),
            paused: 0,
            stopped_at: Some(t),
            paused_now: false,
            no_history: false,
            paused_by: PausedBy::default(),
        },
        None => Clock {
            business: cal.business_seconds(created, as_of),
            paused: 0,
            stopped_at: None,
            paused_now: false,
            no_history: false,
            paused_by: PausedBy::default(),
        },
    }
}

fn solution_clock(
    ticket: &TicketClocks<'_>,
    events: &[Event],
    policy: &Policy,
    cal: &Calendar,
    as_of: Instant,
) -> Clock {
    let created = ticket.created_at;
    let mut statuses = events.iter().filter_map(|e| match e.kind {
        EventKind::Status { from, to } => Some((e.at.max(created), from, to)),
        _ => None,
    });
    let Some(first) = statuses.next() else {
        return solution_without_history(ticket, policy.pause, cal, as_of);
    };
    let mut current = first.1.unwrap_or(Status::New);
    let mut since = created;
    let mut by = PausedBy::default();
    let mut last_resolution: Option<Instant> = None;
    // When and in which status the ticket was last resolved, while it stays so.
    let mut resolved_since: Option<(Instant, Status)> = None;
    for (at, _, to) in std::iter::once(first).chain(statuses) {
        let at = at.max(since);
        if current.is_open() && policy.pause.contains(current) {
            by.add(current, cal.business_seconds(since, at));
        }
        match (current.is_open(), to.is_open()) {
            (true, false) => {
                last_resolution = Some(at);
                resolved_since = Some((at, to));
            }
            (false, true) => {
                // Reopened: the time it spent solved does not count, when so configured.
                if policy.solved_time_pauses
                    && let Some((from, status)) = resolved_since
                {
                    by.add(status, cal.business_seconds(from, at));
                }
                resolved_since = None;
            }
            _ => {}
        }
        current = to;
        since = at;
    }
    if current.is_open() {
        let paused_now = policy.pause.contains(current);
        if paused_now {
            by.add(current, cal.business_seconds(since, as_of));
        }
        let paused = by.total();
        let gross = cal.business_seconds(created, as_of);
        Clock {
            business: gross.saturating_sub(paused),
            paused,
            stopped_at: None,
            paused_now,
            no_history: false,
            paused_by: by,
        }
    } else {
        // Solved or closed now; a history that starts already solved has no resolution of its
        // own, so the clock stops at opening.
        let end = last_resolution.unwrap_or(created);
        let gross = cal.business_seconds(created, end);
        let paused = by.total();
        Clock {
            business: gross.saturating_sub(paused),
            paused,
            stopped_at: Some(end),
            paused_now: false,
            no_history: false,
            paused_by: by,
        }
    }
}

/// No status history: trust the ticket list (no pauses can be known).
fn solution_without_history(
    ticket: &TicketClocks<'_>,
    pause: PauseSet,
    cal: &Calendar,
    as_of: Instant,
) -> Clock {
    let created = ticket.created_at;
    let end = if ticket.status.is_open() {
        None
    } else {
        ticket
            .solved_at
            .or(ticket.closed_at)
            .map(|t| t.max(created))
            .filter(|&t| t <= as_of)
    };
    // A ticket whose list status is open and has never changed status: it has been in that status
    // since opening, so a ticket opened *waiting* (or in another pausing status) is paused
    // throughout.
    let waiting = ticket.status.is_open() && pause.contains(ticket.status);
    match end {
        Some(end) => Clock {
            business: cal.business_seconds(created, end),
            paused: 0,
            stopped_at: Some(end),
            paused_now: false,
            no_history: true,
            paused_by: PausedBy::default(),
        },
        None => {
            let gross = cal.business_seconds(created, as_of);
            let paused = if waiting { gross } else { 0 };
            let mut paused_by = PausedBy::default();
            paused_by.add(ticket.status, paused);
            Clock {
                business: gross.saturating_sub(paused),
                paused,
                stopped_at: None,
                paused_now: waiting,
                no_history: !ticket.status.is_open(),
                paused_by,
            }
        }
    }
}

fn finish(
    metric: Metric,
    clock: Clock,
    target: Option<(i64, usize)>,
    policy: &Policy,
    cal: &Calendar,
    as_of: Instant,
    created: Instant,
) -> Measure {
    let open = clock.stopped_at.is_none();
    let (state, level, deadline) = match target {
        None => (SlaState::NoTarget, 0, None),
        Some((secs, _)) => {
            let warn = policy.levels_reached(clock.business, secs);
            let breached = clock.business > secs;
            let state = if breached {
                SlaState::Breached
            } else if !open {
                SlaState::Met
            } else if warn > 0 {
                SlaState::AtRisk
            } else {
                SlaState::Running
            };
            let level = if !open { 0 } else { warn + u8::from(breached) };
            let deadline = (open && !clock.paused_now && !breached)
                .then(|| cal.deadline(as_of.max(created), secs.saturating_sub(clock.business)))
                .flatten();
            (state, level, deadline)
        }
    };
    Measure {
        metric,
        target: target.map(|t| t.0),
        business: clock.business,
        paused: clock.paused,
        state,
        rule: target.map(|t| t.1),
        stopped_at: clock.stopped_at,
        paused_now: clock.paused_now,
        deadline,
        level,
        no_history: clock.no_history,
    }
}

#[cfg(test)]
pub(crate) mod tests;
