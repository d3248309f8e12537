//! OLA per technician group: the solution clock's business time split by the group holding the
//! ticket, judged against `[[ola.rule]]` targets.
//!
//! Each stretch in which the solution clock runs (not paused, before it stops, up to the
//! evaluation instant while open) is credited to the group holding the ticket then: the group
//! assigned last and not removed, else [`NO_GROUP`]. The stretches are exactly those the solution
//! clock counts, so a ticket's holds add up to its solution business seconds (the calendar is
//! additive). A group that holds the ticket twice accrues both stretches; a group that held it
//! only while the clock was paused or stopped is not listed, except the one holding an open
//! ticket now (listed with what it accrued, possibly 0).

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};

use super::policy::{PathPattern, Policy, TargetSpec};
use super::{EventKind, TicketClocks};
use crate::calendar::{Calendar, Instant};
use crate::model::{Status, fold};

/// What time without any group is credited to.
pub const NO_GROUP: &str = "(sin grupo)";

/// The `[ola]` table as written.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OlaConfig {
    /// `[ola.levels]`: level name → group names or globs (`N2 = ["Soporte N2*"]`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub levels: BTreeMap<String, Vec<String>>,
    #[serde(default, rename = "rule", skip_serializing_if = "Vec::is_empty")]
    pub rules: Vec<OlaRuleConfig>,
}

/// One `[[ola.rule]]`: a group (name or glob) or a level, and its target.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OlaRuleConfig {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub level: Option<String>,
    pub target: String,
}

/// Validated OLA rules, first match wins.
#[derive(Debug, Clone, Default)]
pub struct OlaPolicy {
    rules: Vec<(Vec<PathPattern>, TargetSpec)>,
}

impl OlaPolicy {
    /// Validates `[ola]`; errors (Spanish) name the rule by its position.
    pub fn from_config(cfg: &OlaConfig) -> Result<OlaPolicy, String> {
        let mut rules = Vec::with_capacity(cfg.rules.len());
        for (i, r) in cfg.rules.iter().enumerate() {
            let n = i + 1;
            let names: Vec<String> = match (&r.group, &r.level) {
                (Some(g), None) => vec![g.clone()],
                (None, Some(l)) => level_groups(cfg, l).map_err(|e| format!("regla {n}: {e}"))?,
                _ => {
                    return Err(format!(
                        "regla {n}: indique «group» o «level» (uno de los dos)"
                    ));
                }
            };
            let target = TargetSpec::parse(&r.target).ok_or_else(|| {
                format!(
                    "regla {n}: meta «{}» inválida (use por ejemplo \"8h\", \"3d\")",
                    r.target
                )
            })?;
            let pats = names
                .iter()
                .map(|g| PathPattern::new(g).map_err(|e| format!("regla {n}: grupo «{g}»: {e}")))
                .collect::<Result<Vec<_>, _>>()?;
            rules.push((pats, target));
        }
        Ok(OlaPolicy { rules })
    }

    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// The target of a group in business seconds (`d` = `day_seconds`), if a rule gives one.
    pub fn target(&self, group: &str, day_seconds: i64) -> Option<i64> {
        self.target_folded(&fold(group), day_seconds)
    }

    fn target_folded(&self, folded: &str, day_seconds: i64) -> Option<i64> {
        self.rules
            .iter()
            .find(|(pats, _)| pats.iter().any(|p| p.matches(folded)))
            .map(|(_, t)| t.resolve(day_seconds))
    }

    /// Every hold of a ticket with its target and state, sorted by group name.
    pub fn judge(&self, groups: &GroupTable, holds: &[Hold], day_seconds: i64) -> Vec<OlaResult> {
        let mut out: Vec<OlaResult> = holds
            .iter()
            .map(|h| {
                let target = self.target_folded(groups.folded(h.group), day_seconds);
                OlaResult {
                    group: h.group,
                    business: h.business,
                    target,
                    state: OlaState::of(h.business, target, h.running),
                }
            })
            .collect();
        out.sort_by(|a, b| groups.name(a.group).cmp(groups.name(b.group)));
        out
    }
}

fn level_groups(cfg: &OlaConfig, level: &str) -> Result<Vec<String>, String> {
    let wanted = fold(level);
    cfg.levels
        .iter()
        .find(|(name, _)| fold(name) == wanted)
        .map(|(_, groups)| groups.clone())
        .ok_or_else(|| {
            let defined: Vec<String> = cfg.levels.keys().cloned().collect();
            format!(
                "el nivel «{level}» no existe. {}",
                crate::model::listing("Niveles definidos en [ola.levels]", &defined, "ninguno")
            )
        })
}

/// A group's name as a source writes it, without GLPI's ` (id)` suffix and surrounding spaces:
/// `"Soporte en Sitio N2 (4)"` → `"Soporte en Sitio N2"`.
pub fn group_name(value: &str) -> &str {
    let value = value.trim();
    if let Some(open) = value.rfind(" (")
        && let Some(id) = value[open + 2..].strip_suffix(')')
        && !id.is_empty()
        && id.bytes().all(|b| b.is_ascii_digit())
    {
        return value[..open].trim_end();
    }
    value
}

/// Group names interned as the ids carried by [`EventKind::GroupAssigned`].
#[derive(Debug, Clone, Default)]
pub struct GroupTable {
    /// `(name, folded name)` per id.
    names: Vec<(String, String)>,
    index: HashMap<String, u32>,
}

impl GroupTable {
    /// The id of a group name (trimmed), adding it when new.
    pub fn intern(&mut self, name: &str) -> u32 {
        let name = name.trim();
        if let Some(&id) = self.index.get(name) {
            return id;
        }
        let id = u32::try_from(self.names.len()).unwrap_or(u32::MAX);
        self.names.push((name.to_owned(), fold(name)));
        self.index.insert(name.to_owned(), id);
        id
    }

    /// How many groups are interned (their ids are `0..len`).
    pub fn len(&self) -> usize {
        self.names.len()
    }

    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// The name of a group id; [`NO_GROUP`] for `None` or an unknown id.
    pub fn name(&self, id: Option<u32>) -> &str {
        id.and_then(|i| self.names.get(i as usize))
            .map_or(NO_GROUP, |(n, _)| n.as_str())
    }

    fn folded(&self, id: Option<u32>) -> &str {
        id.and_then(|i| self.names.get(i as usize))
            .map_or(NO_GROUP, |(_, f)| f.as_str())
    }
}

/// The business seconds one group (or none) accrued on a ticket's solution clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hold {
    pub group: Option<u32>,
    pub business: i64,
    /// The ticket is open (its solution clock runs) and this group holds it now.
    pub running: bool,
}

/// The state of one group's hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OlaState {
    Met,
    Breached,
    Running,
    NoTarget,
}

impl OlaState {
    /// Over target: breached; else running while the group holds an open ticket; else met.
    pub fn of(business: i64, target: Option<i64>, running: bool) -> OlaState {
        match target {
            None => OlaState::NoTarget,
            Some(t) if business > t => OlaState::Breached,
            Some(_) if running => OlaState::Running,
            Some(_) => OlaState::Met,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            OlaState::Met => "met",
            OlaState::Breached => "breached",
            OlaState::Running => "running",
            OlaState::NoTarget => "no_target",
        }
    }
}

/// One judged hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OlaResult {
    /// The group's id in the [`GroupTable`] (its name: [`GroupTable::name`]); `None`: no group.
    pub group: Option<u32>,
    pub business: i64,
    pub target: Option<i64>,
    pub state: OlaState,
}

/// The holds of a ticket as of `as_of`, measured on `cal` (the solution clock's calendar) under
/// `policy`'s pause rules. `initial` is the group holding the ticket at opening (e.g. the list's
/// group for a source without group history), `None` for none.
pub fn holds(
    ticket: &TicketClocks<'_>,
    policy: &Policy,
    cal: &Calendar,
    as_of: Instant,
    initial: Option<u32>,
) -> Vec<Hold> {
    let known = ticket.events.partition_point(|e| e.at <= as_of);
    let events = &ticket.events[..known];
    let (stretches, open) = stretches(ticket, events, policy, as_of);
    let changes = group_changes(ticket.created_at, events, initial);
    split(&stretches, &changes, initial, open, cal)
}

/// The `[start, end)` stretches the solution clock counts, and whether it still runs.
fn stretches(
    ticket: &TicketClocks<'_>,
    events: &[super::Event],
    policy: &Policy,
    as_of: Instant,
) -> (Vec<(Instant, Instant)>, bool) {
    let created = ticket.created_at;
    let mut statuses = events.iter().filter_map(|e| match e.kind {
        EventKind::Status { from, to } => Some((e.at.max(created), from, to)),
        _ => None,
    });
    let Some(first) = statuses.next() else {
        return stretches_without_history(ticket, policy, as_of);
    };
    let mut current = first.1.unwrap_or(Status::New);
    let mut since = created;
    let mut out = Vec::new();
    // Start of the current resolved run, and whether it pauses if reopened.
    let mut resolved: Option<(Instant, bool)> = (!current.is_open()).then_some((created, false));
    for (at, _, to) in std::iter::once(first).chain(statuses) {
        let at = at.max(since);
        if current.is_open() && !policy.pause.contains(current) {
            out.push((since, at));
        }
        match (current.is_open(), to.is_open()) {
            (true, false) => resolved = Some((at, policy.solved_time_pauses)),
            (false, true) => {
                if let Some((from, false)) = resolved {
                    out.push((from, at));
                }
                resolved = None;
            }
            _ => {}
        }
        current = to;
        since = at;
    }
    let open = current.is_open();
    if open && !policy.pause.contains(current) {
        out.push((since, as_of));
    }
    (out, open)
}

/// No status history: the list's status and dates, as the solution clock reads them.
fn stretches_without_history(
    ticket: &TicketClocks<'_>,
    policy: &Policy,
    as_of: Instant,
) -> (Vec<(Instant, Instant)>, bool) {
    let created = ticket.created_at;
    let end = (!ticket.status.is_open())
        .then(|| ticket.solved_at.or(ticket.closed_at))
        .flatten()
        .map(|t| t.max(created))
        .filter(|&t| t <= as_of);
    match end {
        Some(end) => (vec![(created, end)], false),
        None if ticket.status.is_open() && policy.pause.contains(ticket.status) => {
            (Vec::new(), true)
        }
        None => (vec![(created, as_of)], true),
    }
}

/// `(instant, holder after it)` at each group event, instants clamped to be non-decreasing.
fn group_changes(
    created: Instant,
    events: &[super::Event],
    initial: Option<u32>,
) -> Vec<(Instant, Option<u32>)> {
    let mut assigned: Vec<u32> = initial.into_iter().collect();
    let mut since = created;
    let mut out = Vec::new();
    for e in events {
        let (g, add) = match e.kind {
            EventKind::GroupAssigned(g) => (g, true),
            EventKind::GroupRemoved(g) => (g, false),
            _ => continue,
        };
        assigned.retain(|&x| x != g);
        if add {
            assigned.push(g);
        }
        since = e.at.max(since);
        out.push((since, assigned.last().copied()));
    }
    out
}

/// Credits each stretch to the holders over it.
fn split(
    stretches: &[(Instant, Instant)],
    changes: &[(Instant, Option<u32>)],
    initial: Option<u32>,
    open: bool,
    cal: &Calendar,
) -> Vec<Hold> {
    let mut out: Vec<Hold> = Vec::new();
    let mut credit = |group: Option<u32>, secs: i64| match out.iter_mut().find(|h| h.group == group)
    {
        Some(h) => h.business = h.business.saturating_add(secs),
        None => out.push(Hold {
            group,
            business: secs,
            running: false,
        }),
    };
    let (mut holder, mut next) = (initial, 0usize);
    for &(s, e) in stretches.iter().filter(|(s, e)| s < e) {
        while let Some(&(_, h)) = changes.get(next).filter(|c| c.0 <= s) {
            (holder, next) = (h, next + 1);
        }
        let mut cursor = s;
        while let Some(&(at, h)) = changes.get(next).filter(|c| c.0 < e) {
            // Two changes in one instant (a removal and an assignment, as GLPI logs a
            // reassignment): the holder in between held nothing and is not listed.
            if at > cursor {
                credit(holder, cal.business_seconds(cursor, at));
            }
            (cursor, holder, next) = (at, h, next + 1);
        }
        credit(holder, cal.business_seconds(cursor, e));
    }
    let now = changes.last().map_or(initial, |c| c.1);
    if open {
        credit(now, 0);
        for h in out.iter_mut() {
            h.running = h.group == now;
        }
    }
    out
}

#[cfg(test)]
mod tests;
