//! Unit and property tests of the business calendar.

use super::*;
use proptest::prelude::*;
use std::sync::OnceLock;

fn cal() -> &'static Calendar {
    static CAL: OnceLock<Calendar> = OnceLock::new();
    CAL.get_or_init(|| {
        Calendar::build(CalendarSpec::default(), 2015, 2034).expect("default calendar builds")
    })
}

fn at(c: &Calendar, y: i32, m: u32, d: u32, h: u32, mi: u32, s: u32) -> Instant {
    let local = NaiveDate::from_ymd_opt(y, m, d)
        .and_then(|x| x.and_hms_opt(h, mi, s))
        .expect("valid test instant");
    c.instant_from_local(local)
}

#[test]
fn counts_a_plain_working_day() {
    let c = cal();
    // Tuesday 2025-03-04.
    let a = at(c, 2025, 3, 4, 7, 0, 0);
    let b = at(c, 2025, 3, 4, 18, 0, 0);
    assert_eq!(c.business_seconds(a, b), 9 * 3600);
    assert_eq!(
        c.business_seconds(at(c, 2025, 3, 4, 8, 0, 0), at(c, 2025, 3, 4, 8, 0, 1)),
        1
    );
}

#[test]
fn skips_weekends_and_nights() {
    let c = cal();
    // Friday 2025-03-07 16:00 → Monday 2025-03-10 09:00 = 1 h + 1 h.
    let a = at(c, 2025, 3, 7, 16, 0, 0);
    let b = at(c, 2025, 3, 10, 9, 0, 0);
    assert_eq!(c.business_seconds(a, b), 2 * 3600);
}

#[test]
fn skips_holy_week_2025() {
    let c = cal();
    // Wednesday 16 April 2025 16:00 → Monday 21 April 09:00: Thursday and Friday are holidays.
    let a = at(c, 2025, 4, 16, 16, 0, 0);
    let b = at(c, 2025, 4, 21, 9, 0, 0);
    assert_eq!(c.business_seconds(a, b), 2 * 3600);
    assert_eq!(
        c.holiday(NaiveDate::from_ymd_opt(2025, 4, 17).expect("d")),
        Some("Jueves Santo")
    );
}

#[test]
fn edges_of_the_day_are_half_open() {
    let c = cal();
    assert!(c.is_open(at(c, 2025, 3, 4, 8, 0, 0)));
    assert!(c.is_open(at(c, 2025, 3, 4, 16, 59, 59)));
    assert!(!c.is_open(at(c, 2025, 3, 4, 17, 0, 0)));
    assert!(!c.is_open(at(c, 2025, 3, 4, 7, 59, 59)));
    assert!(!c.is_open(at(c, 2025, 3, 8, 10, 0, 0)), "Saturday");
}

#[test]
fn deadlines_run_over_nights_and_end_on_closing_time() {
    let c = cal();
    let a = at(c, 2025, 3, 4, 16, 0, 0);
    assert_eq!(c.deadline(a, 3600), Some(at(c, 2025, 3, 4, 17, 0, 0)));
    let a = at(c, 2025, 3, 4, 16, 30, 0);
    assert_eq!(c.deadline(a, 3600), Some(at(c, 2025, 3, 5, 8, 30, 0)));
    // Opened on a Saturday: the clock starts Monday 08:00.
    let a = at(c, 2025, 3, 8, 11, 0, 0);
    assert_eq!(c.deadline(a, 1), Some(at(c, 2025, 3, 10, 8, 0, 1)));
    // Three business days from Friday 12:00, across the Monday holiday of 24 March 2025:
    // Friday 5 h, Tuesday 9 h, Wednesday 9 h, Thursday 4 h.
    let a = at(c, 2025, 3, 21, 12, 0, 0);
    assert_eq!(
        c.deadline(a, 3 * 9 * 3600),
        Some(at(c, 2025, 3, 27, 12, 0, 0))
    );
}

#[test]
fn several_segments_closures_and_extra_days() {
    let lunch = [
        Segment::new(8 * 3600, 12 * 3600).expect("seg"),
        Segment::new(14 * 3600, 17 * 3600).expect("seg"),
    ];
    let mut weekly: [Vec<Segment>; 7] = Default::default();
    for day in weekly.iter_mut().take(5) {
        *day = lunch.to_vec();
    }
    let d = |m, dd| NaiveDate::from_ymd_opt(2025, m, dd).expect("d");
    let spec = CalendarSpec::new(
        chrono_tz::America::Bogota,
        weekly,
        holidays::colombia(),
        vec![
            Closure {
                date: d(12, 24),
                part: Some(Segment::new(12 * 3600, 24 * 3600).expect("seg")),
            },
            Closure {
                date: d(12, 31),
                part: None,
            },
        ],
        vec![ExtraWorkingDay {
            date: d(12, 20),
            segments: vec![Segment::new(9 * 3600, 13 * 3600).expect("seg")],
        }],
        None,
    )
    .expect("valid spec");
    assert_eq!(spec.day_seconds(), 7 * 3600);
    let c = Calendar::build(spec, 2025, 2026).expect("builds");
    let a = at(&c, 2025, 12, 24, 0, 0, 0);
    let b = at(&c, 2025, 12, 25, 0, 0, 0);
    assert_eq!(
        c.business_seconds(a, b),
        4 * 3600,
        "only the morning of 24 December"
    );
    let a = at(&c, 2025, 12, 31, 0, 0, 0);
    let b = at(&c, 2026, 1, 1, 0, 0, 0);
    assert_eq!(c.business_seconds(a, b), 0, "31 December closed");
    let a = at(&c, 2025, 12, 20, 0, 0, 0);
    let b = at(&c, 2025, 12, 21, 0, 0, 0);
    assert_eq!(c.business_seconds(a, b), 4 * 3600, "Saturday worked 09–13");
    assert!(!c.is_open(at(&c, 2025, 12, 22, 13, 0, 0)), "lunch break");
}

#[test]
fn rejects_overlapping_or_empty_hours() {
    let mut weekly: [Vec<Segment>; 7] = Default::default();
    weekly[0] = vec![
        Segment::new(8 * 3600, 12 * 3600).expect("seg"),
        Segment::new(11 * 3600, 17 * 3600).expect("seg"),
    ];
    let err = CalendarSpec::new(
        chrono_tz::America::Bogota,
        weekly,
        Vec::new(),
        Vec::new(),
        Vec::new(),
        None,
    )
    .expect_err("overlap must be refused");
    assert!(err.to_string().contains("se superponen"), "{err}");
    assert!(Segment::new(17 * 3600, 8 * 3600).is_err());
    let empty = CalendarSpec::new(
        chrono_tz::America::Bogota,
        Default::default(),
        Vec::new(),
        Vec::new(),
        Vec::new(),
        None,
    );
    assert_eq!(empty.err(), Some(CalendarError::NoBusinessTime));
    assert_eq!(Segment::parse_clock("24:00"), Ok(86_400));
    assert!(Segment::parse_clock("25:00").is_err());
    assert!(Segment::parse_clock("8h").is_err());
}

#[test]
fn months_of_2027_add_up() {
    let c = cal();
    let months = c.months(2027);
    let days: u32 = months.iter().map(|m| m.business_days).sum();
    let weekdays = (0..365)
        .filter_map(|i| NaiveDate::from_ymd_opt(2027, 1, 1).map(|d| d + chrono::Duration::days(i)))
        .filter(|d| d.weekday().num_days_from_monday() < 5)
        .count() as u32;
    let weekday_holidays = c
        .holidays_in(2027)
        .iter()
        .filter(|h| h.date.weekday().num_days_from_monday() < 5)
        .count() as u32;
    assert_eq!(days, weekdays - weekday_holidays);
    let secs: i64 = months.iter().map(|m| m.business_seconds).sum();
    assert_eq!(secs, i64::from(days) * 9 * 3600);
}

#[test]
fn explain_labels_every_second() {
    let c = cal();
    // Thursday 2025-04-17 (holiday) 10:00 → Monday 2025-04-21 10:00.
    let a = at(c, 2025, 4, 16, 16, 0, 0);
    let b = at(c, 2025, 4, 21, 10, 0, 0);
    let parts = c.explain(a, b);
    let total: i64 = parts.iter().map(|p| p.end - p.start).sum();
    assert_eq!(total, b - a);
    let open: i64 = parts
        .iter()
        .filter(|p| p.kind == StretchKind::Open)
        .map(|p| p.end - p.start)
        .sum();
    assert_eq!(open, c.business_seconds(a, b));
    assert!(parts.iter().any(|p| p.kind == StretchKind::Holiday));
    assert!(parts.iter().any(|p| p.kind == StretchKind::NonWorkingDay));
    assert!(parts.iter().any(|p| p.kind == StretchKind::OutsideHours));
}

/// Instants spread over ten years, to the second.
fn instant() -> impl Strategy<Value = Instant> {
    let c = cal();
    let lo = at(c, 2016, 1, 1, 0, 0, 0);
    let hi = at(c, 2026, 1, 1, 0, 0, 0);
    lo..hi
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn durations_add_up(mut xs in proptest::collection::vec(instant(), 3)) {
        xs.sort();
        let (a, b, c2) = (xs[0], xs[1], xs[2]);
        let c = cal();
        prop_assert_eq!(
            c.business_seconds(a, c2),
            c.business_seconds(a, b) + c.business_seconds(b, c2)
        );
    }

    #[test]
    fn durations_are_never_negative(a in instant(), b in instant()) {
        prop_assert!(cal().business_seconds(a, b) >= 0);
        prop_assert!(cal().business_seconds(a, b) <= (b - a).max(0));
    }

    #[test]
    fn deadline_is_reached_by_b_and_lands_on_open_time(x in instant(), y in instant()) {
        let (a, b) = (x.min(y), x.max(y));
        let c = cal();
        let d = c.business_seconds(a, b);
        let due = c.deadline(a, d).expect("inside range");
        prop_assert!(due <= b);
        prop_assert!(due >= a);
        prop_assert_eq!(c.business_seconds(a, due), d);
        if d > 0 {
            // The last second counted before the deadline is an open second.
            prop_assert!(c.is_open(due - 1));
        }
    }

    #[test]
    fn holidays_count_zero(year in 2016i32..2026, pick in 0usize..17, s in 0i64..86_400, len in 0i64..86_400) {
        let c = cal();
        let hs = c.holidays_in(year);
        let h = &hs[pick % hs.len()];
        let midnight = at(c, h.date.year(), h.date.month(), h.date.day(), 0, 0, 0);
        let a = midnight + s;
        let b = (a + len).min(midnight + 86_400);
        prop_assert_eq!(c.business_seconds(a, b), 0);
        prop_assert!(!c.is_open(a));
    }

    #[test]
    fn closed_time_counts_zero(a in instant(), len in 0i64..200_000) {
        let c = cal();
        // Walk to the closed stretch that contains or follows `a` and measure inside it.
        let b = a + len;
        let parts = c.explain(a, b);
        for p in parts.iter().filter(|p| p.kind != StretchKind::Open) {
            prop_assert_eq!(c.business_seconds(p.start, p.end), 0);
        }
        for p in parts.iter().filter(|p| p.kind == StretchKind::Open) {
            prop_assert_eq!(c.business_seconds(p.start, p.end), p.end - p.start);
        }
    }

    #[test]
    fn local_round_trip(a in instant()) {
        let c = cal();
        prop_assert_eq!(c.instant_from_local(c.local_from_instant(a)), a);
    }
}
