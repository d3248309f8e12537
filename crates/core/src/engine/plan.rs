//! What measures one ticket: its policy (version) and, per clock, the calendar and the target.

use std::sync::Arc;

use chrono::NaiveDate;

use super::Engine;
use crate::calendar::{Calendar, Instant};
use crate::sla::ola::{self, GroupTable, OlaResult};
use crate::sla::policy::{Policy, TargetSpec, TicketAttrs};
use crate::sla::versions::Selection;
use crate::sla::{self, Evaluation, Targets, TicketClocks};

/// Where one clock of a ticket takes its rules from.
#[derive(Debug, Clone, Copy)]
pub struct ClockSource<'e> {
    /// The rule's calendar, else the entity's, else `[calendar]`.
    pub calendar: &'e Arc<Calendar>,
    /// See [`Engine::calendar_name`].
    pub calendar_name: &'e str,
    /// The `[[policy.version]]` name; `None`: the unversioned `[policy]`.
    pub policy_version: Option<&'e str>,
    /// Opened before the first version, measured by it anyway (see [`crate::sla::versions`]).
    pub before_first_version: bool,
}

/// How one ticket is measured: `[attention, solution]` sources and targets.
#[derive(Debug, Clone, Copy)]
pub struct TicketPlan<'e> {
    /// The policy (or version) whose targets, pauses and thresholds apply.
    pub policy: &'e Policy,
    pub selection: Selection,
    pub clocks: [ClockSource<'e>; 2],
    pub targets: Targets,
}

impl Engine {
    /// The plan of a ticket opened on the local date `opened`.
    pub fn plan(&self, attrs: &TicketAttrs<'_>, opened: NaiveDate) -> TicketPlan<'_> {
        let selection = self.versions.select(opened);
        let version = selection.version.and_then(|i| self.versions.list.get(i));
        let policy = version.map_or(&self.policy, |v| &v.policy);
        let entity_cal = self.calendar_for(attrs.entity);
        let [a, s] = policy.first_matches(attrs);
        let clock = |m: Option<(TargetSpec, usize)>| {
            let calendar = m
                .and_then(|(_, i)| policy.rules.get(i))
                .and_then(|r| r.calendar.as_deref())
                .and_then(|name| self.calendars.get(name))
                .map_or(entity_cal, |(_, c)| c);
            let source = ClockSource {
                calendar,
                calendar_name: self.calendar_name(calendar),
                policy_version: version.map(|v| v.name.as_str()),
                before_first_version: selection.before_first,
            };
            (
                source,
                m.map(|(spec, i)| (spec.resolve(calendar.day_seconds()), i)),
            )
        };
        let ((ca, ta), (cs, ts)) = (clock(a), clock(s));
        TicketPlan {
            policy,
            selection,
            clocks: [ca, cs],
            targets: Targets {
                attention: ta,
                solution: ts,
            },
        }
    }

    /// The plan of a ticket opened at `created`, dated in its entity calendar's zone.
    pub fn plan_at(&self, attrs: &TicketAttrs<'_>, created: Instant) -> TicketPlan<'_> {
        let opened = self
            .calendar_for(attrs.entity)
            .local_from_instant(created)
            .date();
        self.plan(attrs, opened)
    }

    /// Both clocks of a ticket under its plan, as of `as_of`.
    pub fn evaluate(
        &self,
        ticket: &TicketClocks<'_>,
        plan: &TicketPlan<'_>,
        as_of: Instant,
    ) -> Evaluation {
        let cals = plan.clocks.map(|c| c.calendar.as_ref());
        sla::evaluate_with(ticket, plan.targets, plan.policy, cals, as_of)
    }

    /// The OLA of a ticket: each group's hold on its solution clock, judged against `[ola]`.
    /// `initial` is the group holding the ticket at opening (see [`ola::holds`]).
    pub fn ola(
        &self,
        ticket: &TicketClocks<'_>,
        plan: &TicketPlan<'_>,
        groups: &GroupTable,
        initial: Option<u32>,
        as_of: Instant,
    ) -> Vec<OlaResult> {
        let cal = plan.clocks[1].calendar;
        let holds = ola::holds(ticket, plan.policy, cal, as_of, initial);
        self.ola.judge(groups, &holds, cal.day_seconds())
    }
}
