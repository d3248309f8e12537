//! Hand-computed cases of the v2 model: named calendars, policy versions, pause statuses and OLA.
//!
//! Configuration [`CONFIG`]: `[calendar]` is the default Monday–Friday 08:00–17:00 Bogotá with
//! Colombian holidays (9 h a day); `continuo` is 24x7 without holidays. Versions: `v04` from
//! 01/03/2025 (attention 2 h, solution 8 h, pauses on waiting only) and `v05` from 10/03/2025
//! (Infraestructura solved on `continuo` in 24 h; otherwise attention 1 h, solution 4 h; pauses
//! on waiting and planned). OLA: `Mesa N1` 2 h, level N2 (`Redes*`) 4 h.
//!
//! March 2025: 3 = Monday … 7 = Friday, 8–9 weekend, 10 = Monday; 24 March is a holiday (San
//! José moved to Monday). The arithmetic of each case is in its doc comment.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use proptest::prelude::*;
use serde::Deserialize;

use super::*;
use crate::calendar::Instant;
use crate::model::{SlaState, Status};
use crate::sla::ola::{GroupTable, OlaState};
use crate::sla::policy::TicketAttrs;
use crate::sla::tests::{status as st, t};
use crate::sla::{Event, EventKind, TicketClocks};

fn ticket(created: Instant, events: &[Event]) -> TicketClocks<'_> {
    crate::sla::tests::ticket(created, Status::New, events)
}

/// The domain sections, as the root `Config` will read them.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Parsed {
    #[serde(default)]
    calendar: CalendarConfig,
    #[serde(default)]
    calendars: BTreeMap<String, CalendarConfig>,
    #[serde(default, rename = "entity")]
    entities: Vec<EntityConfig>,
    #[serde(default)]
    policy: PolicyConfig,
    #[serde(default)]
    ola: OlaConfig,
}

pub(super) fn build(text: &str) -> Result<Engine, EngineConfigError> {
    let p: Parsed = toml::from_str(text).map_err(|e| EngineConfigError::Invalid(e.to_string()))?;
    Engine::build_with(Sections {
        calendar: &p.calendar,
        calendars: &p.calendars,
        entities: &p.entities,
        policy: &p.policy,
        ola: &p.ola,
    })
}

const CONFIG: &str = r#"
[calendars.continuo]
timezone = "America/Bogota"
holidays = "none"
hours = [{ days = ["lun","mar","mie","jue","vie","sab","dom"], from = "00:00", to = "24:00" }]

[[entity]]
name = "Hospital"
calendar = "continuo"

[policy]
warn_at = [0.75]

[[policy.version]]
from = "2025-03-01"
name = "v04"
  [[policy.version.rule]]
  attention = "2h"
  solution = "8h"

[[policy.version]]
from = 2025-03-10
name = "v05"
pause_statuses = ["waiting", "planned"]
  [[policy.version.rule]]
  category = ["Infraestructura"]
  solution = "24h"
  calendar = "continuo"
  [[policy.version.rule]]
  attention = "1h"
  solution = "4h"

[ola.levels]
N2 = ["Redes*"]

[[ola.rule]]
group = "Mesa N1"
target = "2h"

[[ola.rule]]
level = "N2"
target = "4h"
"#;

fn engine() -> &'static Engine {
    static ENGINE: std::sync::OnceLock<Engine> = std::sync::OnceLock::new();
    ENGINE.get_or_init(|| build(CONFIG).expect("the test configuration builds"))
}

fn attrs(category: &str) -> TicketAttrs<'_> {
    TicketAttrs {
        entity: "Alcaldía",
        category,
        ..Default::default()
    }
}

/// Opened Friday 07/03 16:00 (v04) and Monday 10/03 09:00 (v05), both taken 30 min later:
/// attention 1 800 s against 7 200 s (v04) and 3 600 s (v05).
#[test]
fn a_version_change_gives_each_ticket_the_targets_in_force_when_opened() {
    let e = engine();
    for (created, version, attention, solution) in [
        (t(7, 16, 0, 0), "v04", 7200, 8 * 3600),
        (t(10, 9, 0, 0), "v05", 3600, 4 * 3600),
    ] {
        let plan = e.plan_at(&attrs("Software"), created);
        assert_eq!(plan.clocks[0].policy_version, Some(version));
        assert_eq!(plan.targets.attention.map(|x| x.0), Some(attention));
        assert_eq!(plan.targets.solution.map(|x| x.0), Some(solution));
        let ev = [st(created + 1800, Status::New, Status::Assigned)];
        let [a, _] = e
            .evaluate(&ticket(created, &ev), &plan, t(31, 0, 0, 0))
            .measures;
        assert_eq!((a.business, a.state), (1800, SlaState::Met));
    }
}

/// Infraestructura under v05, opened Friday 21/03 16:00, solved Tuesday 25/03 10:00 (Monday 24
/// is a holiday). Solution on `continuo`: 8 h Fri + 24 h × 3 (Sat, Sun, holiday Mon) + 10 h Tue
/// = 90 h = 324 000 s > 86 400 s: breached. Attention (rule 2, no calendar → the entity's → the
/// general one): taken at 16:30 → 1 800 s. On the general calendar the solution would be
/// 1 h Fri + 2 h Tue = 10 800 s.
#[test]
fn a_24x7_rule_counts_the_weekend_and_the_holiday() {
    let e = engine();
    let created = t(21, 16, 0, 0);
    let plan = e.plan_at(&attrs("Infraestructura > Red"), created);
    assert_eq!(plan.clocks[1].calendar_name, "continuo");
    assert_eq!(plan.clocks[0].calendar_name, "general");
    assert_eq!(plan.targets.solution.map(|x| x.0), Some(86_400));
    let ev = [
        st(t(21, 16, 30, 0), Status::New, Status::Assigned),
        st(t(25, 10, 0, 0), Status::Assigned, Status::Solved),
    ];
    let [a, s] = e
        .evaluate(&ticket(created, &ev), &plan, t(31, 0, 0, 0))
        .measures;
    assert_eq!((a.business, a.state), (1800, SlaState::Met));
    assert_eq!(
        (s.business, s.paused, s.state),
        (324_000, 0, SlaState::Breached)
    );
    assert_eq!(e.default.business_seconds(created, t(25, 10, 0, 0)), 10_800);
}

/// The same day under each version: opened 09:00, assigned 09:00, planned 10:00–12:00, solved
/// 14:00. v04 (Friday 07/03, waiting pauses only): 5 h = 18 000 s, nothing paused. v05
/// (Tuesday 11/03, planned pauses): 18 000 − 7 200 = 10 800 s, 7 200 s paused as planned.
#[test]
fn planned_pauses_only_in_the_newer_version() {
    let e = engine();
    for (day, version, business, paused) in [(7, "v04", 18_000, 0), (11, "v05", 10_800, 7200)] {
        let plan = e.plan_at(&attrs("Software"), t(day, 9, 0, 0));
        assert_eq!(plan.clocks[1].policy_version, Some(version));
        let ev = [
            st(t(day, 9, 0, 0), Status::New, Status::Assigned),
            st(t(day, 10, 0, 0), Status::Assigned, Status::Planned),
            st(t(day, 12, 0, 0), Status::Planned, Status::Assigned),
            st(t(day, 14, 0, 0), Status::Assigned, Status::Solved),
        ];
        let eval = e.evaluate(&ticket(t(day, 9, 0, 0), &ev), &plan, t(31, 0, 0, 0));
        let s = eval.measures[1];
        assert_eq!(
            (s.business, s.paused, s.state),
            (business, paused, SlaState::Met)
        );
        assert_eq!(eval.paused_by.get(Status::Planned), paused);
        assert_eq!(eval.paused_by.get(Status::Waiting), 0);
    }
}

fn group(at: Instant, g: u32) -> Event {
    Event {
        at,
        kind: EventKind::GroupAssigned(g),
    }
}

/// v05, Tuesday 11/03: opened 09:00 with Mesa N1, assigned 09:10, Redes Core from 10:00,
/// waiting 11:00–13:00, Mesa N1 again from 15:00, solved Wednesday 12/03 10:00.
/// Solution: 8 h (11/03 09–17) + 2 h (12/03 08–10) − 2 h waiting = 28 800 s.
/// Mesa N1: 1 h (09–10) + 2 h (15–17) + 2 h (08–10) = 18 000 s > 7 200: breached.
/// Redes Core: 5 h (10–15) − 2 h waiting = 10 800 s ≤ 14 400 (level N2): met.
/// 18 000 + 10 800 = 28 800.
#[test]
fn a_group_reassigned_twice_with_a_wait_inside_one_hold() {
    let e = engine();
    let mut groups = GroupTable::default();
    let (n1, redes) = (groups.intern("Mesa N1"), groups.intern("Redes Core"));
    let ev = [
        group(t(11, 9, 0, 0), n1),
        st(t(11, 9, 10, 0), Status::New, Status::Assigned),
        group(t(11, 10, 0, 0), redes),
        st(t(11, 11, 0, 0), Status::Assigned, Status::Waiting),
        st(t(11, 13, 0, 0), Status::Waiting, Status::Assigned),
        group(t(11, 15, 0, 0), n1),
        st(t(12, 10, 0, 0), Status::Assigned, Status::Solved),
    ];
    let tk = ticket(t(11, 9, 0, 0), &ev);
    let plan = e.plan_at(&attrs("Software"), tk.created_at);
    let s = e.evaluate(&tk, &plan, t(31, 0, 0, 0)).measures[1];
    assert_eq!((s.business, s.paused), (28_800, 7200));
    let ola = e.ola(&tk, &plan, &groups, None, t(31, 0, 0, 0));
    let got: Vec<_> = ola
        .iter()
        .map(|r| (groups.name(r.group), r.business, r.target, r.state))
        .collect();
    assert_eq!(
        got,
        vec![
            ("Mesa N1", 18_000, Some(7200), OlaState::Breached),
            ("Redes Core", 10_800, Some(14_400), OlaState::Met),
        ]
    );
}

/// v05, Wednesday 12/03: opened 08:00 without a group, assigned 08:30, Redes Core from 11:00,
/// still open at 14:00. Solution: 6 h = 21 600 s. (sin grupo): 08–11 = 10 800 s, no target;
/// Redes Core: 11–14 = 10 800 s ≤ 14 400, holding an open ticket: running.
#[test]
fn a_ticket_with_no_group_at_first() {
    let e = engine();
    let mut groups = GroupTable::default();
    let redes = groups.intern("Redes Core");
    let ev = [
        st(t(12, 8, 30, 0), Status::New, Status::Assigned),
        group(t(12, 11, 0, 0), redes),
    ];
    let tk = ticket(t(12, 8, 0, 0), &ev);
    let plan = e.plan_at(&attrs("Software"), tk.created_at);
    let as_of = t(12, 14, 0, 0);
    assert_eq!(e.evaluate(&tk, &plan, as_of).measures[1].business, 21_600);
    let ola = e.ola(&tk, &plan, &groups, None, as_of);
    let got: Vec<_> = ola
        .iter()
        .map(|r| (groups.name(r.group), r.business, r.state))
        .collect();
    assert_eq!(
        got,
        vec![
            ("(sin grupo)", 10_800, OlaState::NoTarget),
            ("Redes Core", 10_800, OlaState::Running),
        ]
    );
}

#[test]
fn an_entity_may_name_a_calendar_and_its_clocks_use_it() {
    let e = engine();
    let cal = e.calendar_for("Raíz > Hospital");
    assert_eq!(e.calendar_name(cal), "continuo");
    // Saturday 08/03 under v04 (no rule calendar): the entity's 24x7 calendar, 2 h = 7 200 s.
    let plan = e.plan(
        &TicketAttrs {
            entity: "Raíz > Hospital",
            ..Default::default()
        },
        NaiveDate::from_ymd_opt(2025, 3, 8).expect("d"),
    );
    assert_eq!(plan.clocks[1].calendar_name, "continuo");
    assert_eq!(
        plan.clocks[1]
            .calendar
            .business_seconds(t(8, 10, 0, 0), t(8, 12, 0, 0)),
        7200
    );
}

#[test]
fn before_the_first_version_the_unversioned_rules_apply_when_written_else_the_first_flagged() {
    let opened = NaiveDate::from_ymd_opt(2025, 2, 28).expect("d");
    let e = engine();
    let plan = e.plan(&attrs("Software"), opened);
    assert_eq!(plan.clocks[0].policy_version, Some("v04"));
    assert!(plan.clocks[0].before_first_version);
    let with_rules = format!("{CONFIG}\n[[policy.rule]]\nattention = \"5h\"\n");
    let e = build(&with_rules).expect("builds");
    let plan = e.plan(&attrs("Software"), opened);
    assert_eq!(plan.clocks[0].policy_version, None);
    assert!(!plan.clocks[0].before_first_version);
    assert_eq!(plan.targets.attention.map(|x| x.0), Some(5 * 3600));
}

fn refused(text: &str) -> String {
    build(text).expect_err("refused").to_string()
}

#[test]
fn bad_versions_and_calendar_names_are_refused_in_spanish_naming_the_place() {
    let v = |from: &str, name: &str, extra: &str| {
        format!(
            "[[policy.version]]\nfrom = {from}\nname = \"{name}\"\n{extra}[[policy.version.rule]]\nattention = \"1h\"\n"
        )
    };
    let two = format!(
        "{}{}",
        v("\"2025-05-05\"", "v05", ""),
        v("\"2022-03-03\"", "v04", "")
    );
    assert_eq!(
        refused(&two),
        "política de ANS: versión «v04»: from 03/03/2022 no es posterior a 05/05/2025 de «v05»; \
         ordene las versiones por fecha, sin repetir fechas"
    );
    let same = format!(
        "{}{}",
        v("\"2025-05-05\"", "a", ""),
        v("\"2025-05-05\"", "b", "")
    );
    assert!(refused(&same).contains("versión «b»: from 05/05/2025 no es posterior"));
    assert_eq!(
        refused(&v("\"2023-13-01\"", "v05", "")),
        "política de ANS: versión «v05»: from «2023-13-01» no es una fecha (use AAAA-MM-DD, p. \
         ej. \"2023-05-05\")"
    );
    let pause = v("\"2023-01-01\"", "v05", "pause_statuses = [\"assigned\"]\n");
    assert_eq!(
        refused(&pause),
        "política de ANS: versión «v05»: pause_statuses: estado «assigned» no permitido (use \
         \"waiting\" o \"planned\")"
    );
    let cal = format!(
        "[calendars.continuo]\n{}calendar = \"nocturno\"\n",
        v("2023-01-01", "v05", "")
    );
    assert_eq!(
        refused(&cal),
        "política de ANS, versión «v05», regla 1: el calendario «nocturno» no existe. Calendarios \
         definidos en [calendars]: continuo."
    );
    assert_eq!(
        refused("[[entity]]\nname = \"Hospital\"\ncalendar = \"continuo\"\n"),
        "entidad «Hospital»: el calendario «continuo» no existe. Calendarios definidos en \
         [calendars]: ninguno."
    );
    assert!(
        refused("[policy]\npause_statuses = [\"solved\"]\n")
            .contains("estado «solved» no permitido")
    );
    assert!(
        refused("[calendars.x]\ntimezone = \"Marte/Olympus\"\n")
            .starts_with("[calendars.x]: calendario: zona horaria desconocida")
    );
    assert!(
        refused("[[ola.rule]]\nlevel = \"N9\"\ntarget = \"1h\"\n")
            .starts_with("OLA: regla 1: el nivel «N9» no existe")
    );
    assert!(
        refused("[[ola.rule]]\ngroup = \"A\"\ntarget = \"pronto\"\n")
            .contains("meta «pronto» inválida")
    );
}

#[test]
fn the_sample_policy_is_unchanged_by_the_new_sections() {
    // No versions: every ticket is measured by the unversioned policy, on the general calendar,
    // pausing on waiting only.
    let e = build("").expect("defaults");
    let plan = e.plan(
        &attrs("Hardware"),
        NaiveDate::from_ymd_opt(2025, 1, 2).expect("d"),
    );
    assert_eq!(
        plan.clocks.map(|c| (c.policy_version, c.calendar_name)),
        [(None, "general"); 2]
    );
    assert_eq!(e.policy.pause.statuses(), vec![Status::Waiting]);
    assert_eq!(plan.targets, e.policy.targets(&attrs("Hardware"), 9 * 3600));
}

/// Midnight starting 10/03/2025 Bogotá: v05's `from`.
fn v05_from() -> Instant {
    t(10, 0, 0, 0)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// One second before a version's `from` the old targets apply, at `from` the new ones,
    /// whatever the version dates: v04's 2 h before, v05's 1 h from the boundary on.
    #[test]
    fn the_version_boundary_is_exact_to_the_second(days in 0i64..3000) {
        let from = NaiveDate::from_ymd_opt(2020, 1, 1).expect("d") + chrono::Duration::days(days);
        let text = CONFIG.replace("from = 2025-03-10", &format!("from = \"{from}\""))
            .replace("from = \"2025-03-01\"", "from = \"2019-01-01\"");
        let e = build(&text).expect("builds");
        let boundary = e.default.instant_from_local(from.and_hms_opt(0, 0, 0).expect("t"));
        let before = e.plan_at(&attrs("Software"), boundary - 1);
        let after = e.plan_at(&attrs("Software"), boundary);
        prop_assert_eq!(before.targets.attention.map(|x| x.0), Some(7200));
        prop_assert_eq!(before.clocks[0].policy_version, Some("v04"));
        prop_assert_eq!(after.targets.attention.map(|x| x.0), Some(3600));
        prop_assert_eq!(after.clocks[0].policy_version, Some("v05"));
    }

    /// On the 24x7 named calendar business time is wall-clock time.
    #[test]
    fn a_24x7_named_calendar_counts_wall_clock_seconds(a in 0i64..400 * 86_400, len in -86_400i64..90 * 86_400) {
        let (_, cal) = engine().calendars.get("Continuo").expect("named");
        let a = v05_from() - 200 * 86_400 + a;
        prop_assert_eq!(cal.business_seconds(a, a + len), len.max(0));
    }

    /// A named calendar with split shifts and a closure keeps the calendar's properties:
    /// additive over adjacent intervals, one second per open second and zero on closed time.
    #[test]
    fn named_calendars_are_additive_and_zero_on_closed_time(
        a in 0i64..120 * 86_400, b in 0i64..120 * 86_400, c in 0i64..120 * 86_400,
    ) {
        let (_, cal) = shifts().calendars.get("turnos").expect("named");
        let mut x = [a, b, c].map(|v| v05_from() - 30 * 86_400 + v);
        x.sort_unstable();
        let [a, b, c] = x;
        prop_assert_eq!(cal.business_seconds(a, c), cal.business_seconds(a, b) + cal.business_seconds(b, c));
        prop_assert_eq!(cal.business_seconds(a, a + 1), i64::from(cal.is_open(a)));
    }
}

fn shifts() -> &'static Engine {
    static ENGINE: std::sync::OnceLock<Engine> = std::sync::OnceLock::new();
    ENGINE.get_or_init(|| {
        build(
            r#"
[calendars.turnos]
hours = [{ days = ["lun","mar","mie","jue","vie"], from = "06:00", to = "12:00" },
         { days = ["lun","mar","mie","jue","vie"], from = "13:30", to = "22:00" },
         { days = ["sab"], from = "08:00", to = "12:00" }]
[[calendars.turnos.closure]]
date = "2025-03-14"
from = "12:00"
"#,
        )
        .expect("builds")
    })
}

/// Sanity of the closed-time property above: the closed afternoon of 14/03 counts nothing.
#[test]
fn a_named_calendar_closure_counts_nothing() {
    let (_, cal) = shifts().calendars.get("turnos").expect("named");
    assert_eq!(cal.business_seconds(t(14, 12, 0, 0), t(14, 23, 0, 0)), 0);
    assert_eq!(
        cal.business_seconds(t(13, 12, 0, 0), t(13, 23, 0, 0)),
        8 * 3600 + 1800
    );
}

#[test]
fn calendars_are_found_again_by_the_name_results_record() {
    let e = engine();
    for name in ["general", "continuo"] {
        let cal = e.calendar_named(name).expect("known name");
        assert_eq!(e.calendar_name(cal), name);
    }
    assert!(e.calendar_named("nocturno").is_none());
}
