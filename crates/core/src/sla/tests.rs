//! Engine tests on hand-computable tickets.

use super::*;
use crate::calendar::CalendarSpec;
use crate::sla::policy::PolicyConfig;
use chrono::NaiveDate;
use std::sync::OnceLock;

fn cal() -> &'static Calendar {
    static CAL: OnceLock<Calendar> = OnceLock::new();
    CAL.get_or_init(|| Calendar::build(CalendarSpec::default(), 2024, 2026).expect("calendar"))
}

fn policy() -> Policy {
    Policy::from_config(&PolicyConfig {
        warn_at: Some(vec![0.75]),
        ..Default::default()
    })
    .expect("policy")
}

/// Local Bogotá time on March 2025 (3 = Monday … 7 = Friday; 24 March is a holiday).
pub(crate) fn t(d: u32, h: u32, m: u32, s: u32) -> Instant {
    cal().instant_from_local(
        NaiveDate::from_ymd_opt(2025, 3, d)
            .and_then(|x| x.and_hms_opt(h, m, s))
            .expect("valid"),
    )
}

pub(crate) fn status(at: Instant, from: Status, to: Status) -> Event {
    Event {
        at,
        kind: EventKind::Status {
            from: Some(from),
            to,
        },
    }
}

pub(crate) fn ticket(created: Instant, status: Status, events: &[Event]) -> TicketClocks<'_> {
    TicketClocks {
        created_at: created,
        status,
        taken_at: None,
        solved_at: None,
        closed_at: None,
        attention_source: None,
        events,
    }
}

const TWO_H: Targets = Targets {
    attention: Some((7200, 1)),
    solution: Some((4 * 3600, 5)),
};

#[test]
fn simple_ticket_met() {
    let ev = [
        status(t(4, 9, 30, 0), Status::New, Status::Assigned),
        status(t(4, 11, 0, 0), Status::Assigned, Status::Solved),
    ];
    let [a, s] = evaluate(
        &ticket(t(4, 9, 0, 0), Status::Solved, &ev),
        TWO_H,
        &policy(),
        cal(),
        t(31, 0, 0, 0),
    );
    assert_eq!((a.business, a.state), (1800, SlaState::Met));
    assert_eq!((s.business, s.paused, s.state), (7200, 0, SlaState::Met));
    assert_eq!(a.rule, Some(1));
    assert_eq!(s.stopped_at, Some(t(4, 11, 0, 0)));
}

#[test]
fn waiting_pauses_solution_but_not_attention() {
    let ev = [
        status(t(4, 9, 0, 0), Status::New, Status::Assigned),
        status(t(4, 10, 0, 0), Status::Assigned, Status::Waiting),
        // Waits overnight until 10:00 the next day: 7 h + 2 h paused.
        status(t(5, 10, 0, 0), Status::Waiting, Status::Assigned),
        status(t(5, 12, 0, 0), Status::Assigned, Status::Solved),
        status(t(12, 12, 0, 0), Status::Solved, Status::Closed),
    ];
    let [a, s] = evaluate(
        &ticket(t(4, 8, 0, 0), Status::Closed, &ev),
        TWO_H,
        &policy(),
        cal(),
        t(31, 0, 0, 0),
    );
    assert_eq!(a.business, 3600);
    assert_eq!(a.paused, 0);
    assert_eq!(s.paused, 9 * 3600);
    assert_eq!(s.business, 2 * 3600 + 2 * 3600);
    assert_eq!(s.state, SlaState::Met);
}

#[test]
fn reopen_pauses_solved_time_when_configured() {
    let ev = [
        status(t(4, 9, 0, 0), Status::New, Status::Assigned),
        status(t(4, 10, 0, 0), Status::Assigned, Status::Solved),
        status(t(4, 15, 0, 0), Status::Solved, Status::Assigned),
        status(t(4, 16, 0, 0), Status::Assigned, Status::Solved),
    ];
    let clocks = ticket(t(4, 8, 0, 0), Status::Solved, &ev);
    let [_, s] = evaluate(&clocks, TWO_H, &policy(), cal(), t(31, 0, 0, 0));
    assert_eq!((s.business, s.paused), (3 * 3600, 5 * 3600));
    let mut counting = policy();
    counting.solved_time_pauses = false;
    let [_, s] = evaluate(&clocks, TWO_H, &counting, cal(), t(31, 0, 0, 0));
    assert_eq!(
        (s.business, s.paused, s.state),
        (8 * 3600, 0, SlaState::Breached)
    );
}

#[test]
fn created_at_night_starts_next_morning() {
    // Opened Friday 7 March 22:00, taken Monday 10 March 08:30.
    let ev = [status(t(10, 8, 30, 0), Status::New, Status::Assigned)];
    let [a, _] = evaluate(
        &ticket(t(7, 22, 0, 0), Status::Assigned, &ev),
        TWO_H,
        &policy(),
        cal(),
        t(31, 0, 0, 0),
    );
    assert_eq!(a.business, 1800);
}

#[test]
fn a_technician_assignment_takes_the_ticket() {
    let ev = [
        Event {
            at: t(4, 9, 15, 0),
            kind: EventKind::AssignTech,
        },
        status(t(4, 9, 45, 0), Status::New, Status::Assigned),
    ];
    let [a, _] = evaluate(
        &ticket(t(4, 9, 0, 0), Status::Assigned, &ev),
        TWO_H,
        &policy(),
        cal(),
        t(31, 0, 0, 0),
    );
    assert_eq!(a.business, 900);
}

#[test]
fn private_and_requester_followups_do_not_take_the_ticket() {
    let ev = [
        Event {
            at: t(4, 9, 0, 0),
            kind: EventKind::Followup {
                public: false,
                by_requester: false,
            },
        },
        Event {
            at: t(4, 9, 30, 0),
            kind: EventKind::Followup {
                public: true,
                by_requester: true,
            },
        },
        Event {
            at: t(4, 10, 0, 0),
            kind: EventKind::Followup {
                public: true,
                by_requester: false,
            },
        },
        status(t(4, 11, 0, 0), Status::New, Status::Assigned),
    ];
    let [a, _] = evaluate(
        &ticket(t(4, 8, 0, 0), Status::Assigned, &ev),
        TWO_H,
        &policy(),
        cal(),
        t(31, 0, 0, 0),
    );
    assert_eq!(a.business, 2 * 3600);
    assert_eq!(a.stopped_at, Some(t(4, 10, 0, 0)));
}

#[test]
fn opened_already_assigned_is_taken_at_opening() {
    let ev = [status(t(4, 12, 0, 0), Status::Assigned, Status::Solved)];
    let [a, s] = evaluate(
        &ticket(t(4, 9, 0, 0), Status::Solved, &ev),
        TWO_H,
        &policy(),
        cal(),
        t(31, 0, 0, 0),
    );
    assert_eq!(a.business, 0);
    assert_eq!(s.business, 3 * 3600);
}

#[test]
fn open_tickets_run_to_as_of_with_risk_levels() {
    let clocks = ticket(t(4, 8, 0, 0), Status::New, &[]);
    let [a, s] = evaluate(&clocks, TWO_H, &policy(), cal(), t(4, 9, 0, 0));
    assert_eq!((a.business, a.state, a.level), (3600, SlaState::Running, 0));
    assert_eq!(a.deadline, Some(t(4, 10, 0, 0)));
    assert_eq!(s.state, SlaState::Running);
    let [a, _] = evaluate(&clocks, TWO_H, &policy(), cal(), t(4, 9, 30, 0));
    assert_eq!((a.state, a.level), (SlaState::AtRisk, 1));
    let [a, _] = evaluate(&clocks, TWO_H, &policy(), cal(), t(4, 10, 0, 0));
    assert_eq!(
        a.state,
        SlaState::AtRisk,
        "exactly at the target is still at risk"
    );
    let [a, _] = evaluate(&clocks, TWO_H, &policy(), cal(), t(4, 10, 0, 1));
    assert_eq!(
        (a.state, a.level, a.deadline),
        (SlaState::Breached, 2, None)
    );
}

#[test]
fn events_after_as_of_are_ignored_and_waiting_now_is_paused() {
    let ev = [
        status(t(4, 9, 0, 0), Status::New, Status::Waiting),
        status(t(6, 9, 0, 0), Status::Waiting, Status::Solved),
    ];
    let clocks = ticket(t(4, 8, 0, 0), Status::Solved, &ev);
    let [a, s] = evaluate(&clocks, TWO_H, &policy(), cal(), t(5, 8, 0, 0));
    assert_eq!(a.business, 3600);
    assert_eq!(s.stopped_at, None);
    assert!(s.paused_now);
    assert_eq!((s.business, s.paused), (3600, 8 * 3600));
    assert_eq!(s.deadline, None, "a paused clock has no deadline");
}

#[test]
fn no_target_and_no_history() {
    let clocks = TicketClocks {
        solved_at: Some(t(5, 10, 0, 0)),
        ..ticket(t(4, 10, 0, 0), Status::Solved, &[])
    };
    let [a, s] = evaluate(
        &clocks,
        Targets::default(),
        &policy(),
        cal(),
        t(31, 0, 0, 0),
    );
    assert_eq!(s.state, SlaState::NoTarget);
    assert_eq!(s.business, 9 * 3600);
    assert!(s.no_history && a.no_history);
    // Without any take-over recorded, it left *new* when solved at the latest.
    assert_eq!(a.business, 9 * 3600);
}

#[test]
fn the_source_attention_time_is_used_only_without_history() {
    // GLPI says it took 2 business hours; opened Friday 16:00 → taken Monday 09:00.
    let clocks = TicketClocks {
        attention_source: Some(2 * 3600),
        ..ticket(t(7, 16, 0, 0), Status::Assigned, &[])
    };
    let [a, _] = evaluate(&clocks, TWO_H, &policy(), cal(), t(31, 0, 0, 0));
    assert_eq!((a.business, a.stopped_at), (7200, Some(t(10, 9, 0, 0))));
    let ev = [status(t(7, 16, 30, 0), Status::New, Status::Assigned)];
    let clocks = TicketClocks {
        events: &ev,
        ..clocks
    };
    let [a, _] = evaluate(&clocks, TWO_H, &policy(), cal(), t(31, 0, 0, 0));
    assert_eq!(a.business, 1800, "history wins over the source's figure");
}

#[test]
fn after_solution_counts_reopenings_and_closing_delay() {
    // Solved Monday 10:00, reopened Tuesday 09:00, solved again Tuesday 11:00, closed Thursday
    // 11:00: two business days (18 h) from the last solution to the closing.
    let ev = [
        status(t(3, 9, 0, 0), Status::New, Status::Assigned),
        status(t(3, 10, 0, 0), Status::Assigned, Status::Solved),
        status(t(4, 9, 0, 0), Status::Solved, Status::Assigned),
        status(t(4, 11, 0, 0), Status::Assigned, Status::Solved),
        status(t(6, 11, 0, 0), Status::Solved, Status::Closed),
    ];
    let tk = ticket(t(3, 8, 0, 0), Status::Closed, &ev);
    let as_of = t(7, 17, 0, 0);
    let [_, sol] = evaluate(&tk, TWO_H, &policy(), cal(), as_of);
    let after = after_solution(&tk, &sol, cal(), as_of);
    assert_eq!(after.reopened, 1);
    assert_eq!(after.closed_at, Some(t(6, 11, 0, 0)));
    assert_eq!(after.close_business, Some(18 * 3600));

    // As of Wednesday 10:00 it is solved, not closed: the delay runs to the evaluation instant.
    let as_of = t(5, 10, 0, 0);
    let [_, sol] = evaluate(&tk, TWO_H, &policy(), cal(), as_of);
    let after = after_solution(&tk, &sol, cal(), as_of);
    assert_eq!(after.closed_at, None);
    assert_eq!(after.close_business, Some(8 * 3600));

    // Before any solution there is nothing to measure.
    let as_of = t(3, 9, 30, 0);
    let [_, sol] = evaluate(&tk, TWO_H, &policy(), cal(), as_of);
    let after = after_solution(&tk, &sol, cal(), as_of);
    assert_eq!(after, AfterSolution::default());
}

#[test]
fn after_solution_without_history_trusts_the_list() {
    let mut tk = ticket(t(3, 8, 0, 0), Status::Closed, &[]);
    tk.solved_at = Some(t(3, 16, 0, 0));
    tk.closed_at = Some(t(4, 9, 0, 0));
    let as_of = t(7, 17, 0, 0);
    let [_, sol] = evaluate(&tk, TWO_H, &policy(), cal(), as_of);
    let after = after_solution(&tk, &sol, cal(), as_of);
    assert_eq!(after.reopened, 0);
    assert_eq!(after.closed_at, Some(t(4, 9, 0, 0)));
    assert_eq!(after.close_business, Some(2 * 3600));
}

/// No value a store can hold — instants and durations anywhere in `i64`, years 1 and 9999, far
/// outside any calendar's range — makes the calendar or the engine panic (issue 17: one row with
/// `attention_source_seconds = i64::MAX` used to abort every evaluation with an overflow).
mod extremes {
    use proptest::prelude::*;

    use super::*;
    use crate::calendar::Segment;

    /// 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z, in seconds since the epoch.
    const YEAR_1: i64 = -62_135_596_800;
    const YEAR_9999: i64 = 253_402_300_799;

    /// Calendars over ranges far from the default one, with and without summer time.
    fn calendars() -> &'static [Calendar] {
        static CALS: OnceLock<Vec<Calendar>> = OnceLock::new();
        CALS.get_or_init(|| {
            let madrid = CalendarSpec::new(
                chrono_tz::Europe::Madrid,
                CalendarSpec::office_hours(),
                Vec::new(),
                Vec::new(),
                Vec::new(),
                None,
            )
            .expect("spec");
            let mut round_the_clock: [Vec<Segment>; 7] = Default::default();
            for day in &mut round_the_clock {
                day.push(Segment::new(0, 86_400).expect("segment"));
            }
            let always = CalendarSpec::new(
                chrono_tz::UTC,
                round_the_clock,
                Vec::new(),
                Vec::new(),
                Vec::new(),
                None,
            )
            .expect("spec");
            vec![
                cal().clone(),
                Calendar::build(CalendarSpec::default(), 1, 1).expect("year 1"),
                Calendar::build(CalendarSpec::default(), 9999, 9999).expect("year 9999"),
                Calendar::build(madrid, 2024, 2026).expect("madrid"),
                Calendar::build(always, 9998, 9999).expect("24 h"),
            ]
        })
    }

    /// Any `i64`, with the edges, years 1 and 9999 and the calendars' own years weighted in.
    fn instant() -> impl Strategy<Value = i64> {
        prop_oneof![
            any::<i64>(),
            prop_oneof![
                Just(i64::MIN),
                Just(i64::MIN + 1),
                Just(i64::MAX),
                Just(i64::MAX - 1),
                Just(0),
                Just(YEAR_1),
                Just(YEAR_9999),
            ],
            (YEAR_1 - 86_400 * 400..YEAR_1 + 86_400 * 400),
            (YEAR_9999 - 86_400 * 800..YEAR_9999 + 86_400 * 30),
            (1_700_000_000i64..1_800_000_000),
        ]
    }

    /// Durations (and targets): any `i64`, the edges, and ordinary values.
    fn duration() -> impl Strategy<Value = i64> {
        prop_oneof![
            any::<i64>(),
            prop_oneof![
                Just(i64::MIN),
                Just(-1),
                Just(0),
                Just(i64::MAX),
                Just(i64::MAX - 1)
            ],
            (0i64..10 * 86_400),
        ]
    }

    fn status() -> impl Strategy<Value = Status> {
        (0usize..6).prop_map(|i| Status::ALL[i])
    }

    fn event() -> impl Strategy<Value = Event> {
        let kind = prop_oneof![
            (proptest::option::of(status()), status())
                .prop_map(|(from, to)| EventKind::Status { from, to }),
            Just(EventKind::AssignTech),
            (any::<bool>(), any::<bool>()).prop_map(|(public, by_requester)| {
                EventKind::Followup {
                    public,
                    by_requester,
                }
            }),
            Just(EventKind::Other),
            (0u32..3).prop_map(EventKind::GroupAssigned),
            (0u32..3).prop_map(EventKind::GroupRemoved),
        ];
        (instant(), kind).prop_map(|(at, kind)| Event { at, kind })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(600))]

        #[test]
        fn the_calendar_never_panics(c in 0usize..5, a in instant(), b in instant(), secs in duration()) {
            let cal = &calendars()[c];
            let counted = cal.business_seconds(a, b);
            prop_assert!(counted >= 0 && counted <= b.saturating_sub(a).max(0));
            if let Some(due) = cal.deadline(a, secs) {
                prop_assert!(due >= a);
            }
            let _ = cal.is_open(a);
            let _ = cal.local_from_instant(a);
            let _ = cal.instant_from_local_seconds(a);
            let _ = cal.instant_from_local(cal.local_from_instant(b));
            // explain walks day by day inside the indexed range only (three years at most here).
            let (lo, hi) = (a.min(b), a.max(b));
            let parts = cal.explain(lo, hi);
            let total = parts
                .iter()
                .fold(0i64, |s, p| s.saturating_add(p.end.saturating_sub(p.start)));
            prop_assert_eq!(total, hi.saturating_sub(lo));
        }

        #[test]
        fn the_engine_never_panics(
            c in 0usize..5,
            created in instant(),
            st in status(),
            taken in proptest::option::of(instant()),
            solved in proptest::option::of(instant()),
            closed in proptest::option::of(instant()),
            attention_source in proptest::option::of(duration()),
            events in proptest::collection::vec(event(), 0..6),
            attention in proptest::option::of(duration()),
            solution in proptest::option::of(duration()),
            as_of in instant(),
        ) {
            let cal = &calendars()[c];
            let mut events = events;
            events.sort_by_key(|e| e.at);
            let ticket = TicketClocks {
                created_at: created,
                status: st,
                taken_at: taken,
                solved_at: solved,
                closed_at: closed,
                attention_source,
                events: &events,
            };
            let targets = Targets {
                attention: attention.map(|s| (s, 0)),
                solution: solution.map(|s| (s, 0)),
            };
            let measures = evaluate(&ticket, targets, &policy(), cal, as_of);
            for m in &measures {
                if let Some(due) = m.deadline {
                    prop_assert!(due >= as_of.max(created), "{m:?}");
                }
            }
            let _ = after_solution(&ticket, &measures[1], cal, as_of);
            let _ = ola::holds(&ticket, &policy(), cal, as_of, Some(0));
        }
    }
}
