//! Property tests of the OLA split: for random histories the holds add up to the solution clock.

use std::sync::OnceLock;

use proptest::prelude::*;

use super::*;
use crate::calendar::CalendarSpec;
use crate::sla::pause::PauseSet;
use crate::sla::{Event, Targets, evaluate_with};

fn cal() -> &'static Calendar {
    static CAL: OnceLock<Calendar> = OnceLock::new();
    CAL.get_or_init(|| Calendar::build(CalendarSpec::default(), 2024, 2026).expect("calendar"))
}

/// 2025-03-03 00:00 Bogotá (a Monday), and two weeks after it.
const START: Instant = 1_740_978_000;
const SPAN: i64 = 14 * 86_400;

fn status() -> impl Strategy<Value = Status> {
    (0usize..6).prop_map(|i| Status::ALL[i])
}

fn kind() -> impl Strategy<Value = EventKind> {
    prop_oneof![
        3 => (proptest::option::of(status()), status())
            .prop_map(|(from, to)| EventKind::Status { from, to }),
        2 => (0u32..3).prop_map(EventKind::GroupAssigned),
        1 => (0u32..3).prop_map(EventKind::GroupRemoved),
        1 => Just(EventKind::AssignTech),
    ]
}

fn pause_set() -> impl Strategy<Value = PauseSet> {
    (any::<bool>(), any::<bool>()).prop_map(|(w, p)| {
        let set = if w {
            PauseSet::EMPTY.with(Status::Waiting)
        } else {
            PauseSet::EMPTY
        };
        if p { set.with(Status::Planned) } else { set }
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn holds_add_up_to_the_solution_clock(
        created in 0..SPAN,
        list_status in status(),
        solved in proptest::option::of(0..SPAN),
        raw in proptest::collection::vec((0..SPAN, kind()), 0..12),
        pause in pause_set(),
        solved_time_pauses in any::<bool>(),
        initial in proptest::option::of(0u32..3),
        as_of in 0..SPAN + 86_400,
    ) {
        let mut events: Vec<Event> =
            raw.into_iter().map(|(at, kind)| Event { at: START + at, kind }).collect();
        events.sort_by_key(|e| e.at);
        let ticket = TicketClocks {
            created_at: START + created,
            status: list_status,
            taken_at: None,
            solved_at: solved.map(|s| START + s),
            closed_at: None,
            attention_source: None,
            events: &events,
        };
        let mut policy = Policy::new(&[], vec![0.75], solved_time_pauses).expect("policy");
        policy.pause = pause;
        let as_of = START + as_of;
        let eval = evaluate_with(&ticket, Targets::default(), &policy, [cal(), cal()], as_of);
        let solution = eval.measures[1];
        let held = holds(&ticket, &policy, cal(), as_of, initial);
        let total: i64 = held.iter().map(|h| h.business).sum();
        prop_assert_eq!(total, solution.business, "{:?}", held);
        prop_assert_eq!(eval.paused_by.total(), solution.paused);
        // Each group is listed once, and only an open ticket has a running hold (at most one).
        let running = held.iter().filter(|h| h.running).count();
        prop_assert!(running <= usize::from(solution.stopped_at.is_none()));
        for (i, h) in held.iter().enumerate() {
            prop_assert!(held[i + 1..].iter().all(|o| o.group != h.group));
            prop_assert!(h.business >= 0);
        }
    }
}

#[test]
fn group_table_names_ids_and_no_group() {
    let mut t = GroupTable::default();
    let n1 = t.intern("Mesa N1 ");
    assert_eq!(t.intern("Mesa N1"), n1);
    let n2 = t.intern("Redes");
    assert_ne!(n1, n2);
    assert_eq!(t.name(Some(n2)), "Redes");
    assert_eq!(t.name(None), NO_GROUP);
    assert_eq!(t.name(Some(99)), NO_GROUP);
}

#[test]
fn ola_states_follow_the_target_and_the_holder() {
    assert_eq!(OlaState::of(10, None, true), OlaState::NoTarget);
    assert_eq!(OlaState::of(101, Some(100), true), OlaState::Breached);
    assert_eq!(OlaState::of(100, Some(100), true), OlaState::Running);
    assert_eq!(OlaState::of(100, Some(100), false), OlaState::Met);
}

/// A reassignment logged as a removal and an assignment in the same second (Mesa N1 → Redes at
/// 10:00 on Monday 03/03/2025, opened 09:00 with Mesa N1, solved 12:00): Mesa N1 1 h, Redes 2 h,
/// and no zero-second row for the instant without a group.
#[test]
fn a_removal_and_an_assignment_in_one_instant_leave_no_empty_row() {
    let (n1, redes) = (0u32, 1u32);
    let h = |hours: i64| START + hours * 3600;
    let ev = |at, kind| Event { at, kind };
    let events = [
        ev(h(9), EventKind::GroupAssigned(n1)),
        ev(
            h(9),
            EventKind::Status {
                from: Some(Status::New),
                to: Status::Assigned,
            },
        ),
        ev(h(10), EventKind::GroupRemoved(n1)),
        ev(h(10), EventKind::GroupAssigned(redes)),
        ev(
            h(12),
            EventKind::Status {
                from: Some(Status::Assigned),
                to: Status::Solved,
            },
        ),
    ];
    let ticket = TicketClocks {
        created_at: h(9),
        status: Status::Solved,
        taken_at: None,
        solved_at: None,
        closed_at: None,
        attention_source: None,
        events: &events,
    };
    let policy = Policy::new(&[], vec![0.75], true).expect("policy");
    let held = holds(&ticket, &policy, cal(), h(13), None);
    let got: Vec<_> = held.iter().map(|x| (x.group, x.business)).collect();
    assert_eq!(got, vec![(Some(n1), 3600), (Some(redes), 7200)]);
}

#[test]
fn group_names_lose_glpi_ids_only() {
    assert_eq!(group_name("Soporte en Sitio N2 (4)"), "Soporte en Sitio N2");
    assert_eq!(
        group_name("  Mesa de Servicios N1 (3) "),
        "Mesa de Servicios N1"
    );
    assert_eq!(group_name("Redes (externo)"), "Redes (externo)");
    assert_eq!(group_name("Proveedor ()"), "Proveedor ()");
    assert_eq!(group_name("N3"), "N3");
    assert_eq!(group_name(""), "");
}
