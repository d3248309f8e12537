//! The hand-computed fixture `tests/fixtures/model` (issue 13) measured by the engine alone: its
//! seven tickets' clocks and OLA rows, rendered as the CSV exports, against the files the README
//! works out by hand. The end-to-end test (`tests/it/model.rs`) runs the same files through the
//! real CLI.

use chrono::NaiveDateTime;

use super::Engine;
use super::tests_v2::build;
use crate::calendar::Instant;
use crate::model::Status;
use crate::sla::ola::{GroupTable, group_name};
use crate::sla::policy::TicketAttrs;
use crate::sla::{Event, EventKind, TicketClocks};

const POLICY: &str = include_str!("../../../../tests/fixtures/model/policy.toml");
const TICKETS: &str = include_str!("../../../../tests/fixtures/model/tickets.csv");
const EVENTS: &str = include_str!("../../../../tests/fixtures/model/events.csv");
const EXPECTED: &str = include_str!("../../../../tests/fixtures/model/expected_results.csv");
const EXPECTED_OLA: &str = include_str!("../../../../tests/fixtures/model/expected_ola.csv");
const AS_OF: &str = "2025-03-28 12:00:00";

/// The rows of a simple CSV (no quoted cells) as maps from the header's names.
fn rows(text: &str) -> Vec<std::collections::HashMap<&str, &str>> {
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().expect("header").split(',').collect();
    lines
        .map(|l| header.iter().copied().zip(l.split(',')).collect())
        .collect()
}

fn at(e: &Engine, text: &str) -> Instant {
    let local = NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S").expect("local time");
    e.default.instant_from_local(local)
}

/// A ticket's history: status rows, and group rows as a removal of `old_value` and an
/// assignment of `new_value`.
fn history(e: &Engine, id: &str, groups: &mut GroupTable) -> Vec<Event> {
    let mut out = Vec::new();
    for r in rows(EVENTS).into_iter().filter(|r| r["ticket_id"] == id) {
        let (old, new) = (r["old_value"], r["new_value"]);
        let at = at(e, r["at"]);
        match r["kind"] {
            "status" => out.push(Event {
                at,
                kind: EventKind::Status {
                    from: Status::parse(old),
                    to: Status::parse(new).expect("status"),
                },
            }),
            "assign_group" => {
                if !old.is_empty() {
                    let g = groups.intern(group_name(old));
                    out.push(Event {
                        at,
                        kind: EventKind::GroupRemoved(g),
                    });
                }
                if !new.is_empty() {
                    let g = groups.intern(group_name(new));
                    out.push(Event {
                        at,
                        kind: EventKind::GroupAssigned(g),
                    });
                }
            }
            other => panic!("unexpected kind {other}"),
        }
    }
    out
}

/// The results and OLA rows of one ticket, as `evaluate --export` / `--export-ola` write them.
fn measure(e: &Engine, t: &std::collections::HashMap<&str, &str>) -> (Vec<String>, Vec<String>) {
    let id = t["ticket_id"];
    let mut groups = GroupTable::default();
    let events = history(e, id, &mut groups);
    let has_groups = events.iter().any(|ev| {
        matches!(
            ev.kind,
            EventKind::GroupAssigned(_) | EventKind::GroupRemoved(_)
        )
    });
    let initial = (!has_groups && !t["tech_group"].is_empty())
        .then(|| groups.intern(group_name(t["tech_group"])));
    let clocks = TicketClocks {
        created_at: at(e, t["created_at"]),
        status: Status::parse(t["status"]).expect("status"),
        taken_at: None,
        solved_at: None,
        closed_at: None,
        attention_source: None,
        events: &events,
    };
    let attrs = TicketAttrs {
        entity: t["entity"],
        category: t["category"],
        ..Default::default()
    };
    let plan = e.plan_at(&attrs, clocks.created_at);
    let as_of = at(e, AS_OF);
    let opt = |v: Option<i64>| v.map_or(String::new(), |x| x.to_string());
    let results = e
        .evaluate(&clocks, &plan, as_of)
        .measures
        .iter()
        .map(|m| {
            format!(
                "glpi,{id},{},{},{},{},{}",
                m.metric.code(),
                opt(m.target),
                m.business,
                m.paused,
                m.state.code()
            )
        })
        .collect();
    let ola = e
        .ola(&clocks, &plan, &groups, initial, as_of)
        .iter()
        .map(|r| {
            format!(
                "glpi,{id},{},{},{},{}",
                groups.name(r.group),
                r.business,
                opt(r.target),
                r.state.code()
            )
        })
        .collect();
    (results, ola)
}

#[test]
fn the_model_fixture_matches_its_hand_computation() {
    let e = build(POLICY).expect("the fixture's policy builds");
    let mut results = vec![EXPECTED.lines().next().expect("header").to_owned()];
    let mut ola = vec![EXPECTED_OLA.lines().next().expect("header").to_owned()];
    for t in rows(TICKETS) {
        let (r, o) = measure(&e, &t);
        results.extend(r);
        ola.extend(o);
    }
    assert_eq!(results, EXPECTED.lines().collect::<Vec<_>>());
    assert_eq!(ola, EXPECTED_OLA.lines().collect::<Vec<_>>());
}

#[test]
fn the_model_fixture_versions_and_calendars_are_the_readme_table() {
    let e = build(POLICY).expect("the fixture's policy builds");
    let got: Vec<_> = rows(TICKETS)
        .iter()
        .map(|t| {
            let attrs = TicketAttrs {
                entity: t["entity"],
                category: t["category"],
                ..Default::default()
            };
            let plan = e.plan_at(&attrs, at(&e, t["created_at"]));
            let [a, s] = plan.clocks;
            (
                a.policy_version,
                a.before_first_version,
                a.calendar_name,
                s.calendar_name,
            )
        })
        .collect();
    let (v4, v5, g, c) = (Some("v04"), Some("v05"), "general", "continuo");
    assert_eq!(
        got,
        vec![
            (v4, true, g, g),
            (v4, false, g, g),
            (v5, false, g, g),
            (v5, false, g, c),
            (v5, false, g, g),
            (v5, false, g, g),
            (v5, false, g, g),
        ]
    );
}
