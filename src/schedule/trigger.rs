//! When a job fires: a standard 5-field cron expression (through the `cron` crate), or "the first
//! business day of each quarter/month at HH:MM" from the business calendar. Both are evaluated in
//! the calendar's time zone.
//!
//! Syntax accepted in `[schedule]`:
//! - `"M H DoM Mon DoW"`: standard cron (minute, hour, day of month, month, day of week with
//!   0 or 7 = Sunday, names `sun`…`sat` or `dom`…`sab`), plus `@hourly`, `@daily`, `@weekly`,
//!   `@monthly`, `@yearly`. When both the day of month and the day of week are restricted, a
//!   day must match both (the `cron` crate's rule, unlike Vixie cron's "either").
//! - `"first-business-day HH:MM"` (or `first-business-day-of-quarter`): at HH:MM on the first
//!   business day of January, April, July and October; `"first-business-day-of-month HH:MM"`:
//!   of every month. A business day is a day with working hours in the calendar (not a weekend,
//!   holiday or closure); the time itself may be outside working hours (e.g. 07:00).
//! - `"off"` (or an empty string): the job does not run.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Datelike, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, TimeZone};
use chrono_tz::Tz;

use crate::calendar::Calendar;

/// The period of a first-business-day trigger.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Period {
    Month,
    Quarter,
}

impl Period {
    fn months(self) -> u32 {
        match self {
            Period::Month => 1,
            Period::Quarter => 3,
        }
    }
}

/// A parsed schedule expression.
#[derive(Debug, Clone)]
pub enum Trigger {
    Cron {
        source: String,
        schedule: Box<cron::Schedule>,
    },
    FirstBusinessDay {
        source: String,
        period: Period,
        at: NaiveTime,
    },
}

impl fmt::Display for Trigger {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.source())
    }
}

impl Trigger {
    /// Parses an expression; `Ok(None)` for `"off"`. The error is a Spanish explanation.
    pub fn parse(text: &str) -> Result<Option<Trigger>, String> {
        let source = text.trim();
        let lower = source.to_ascii_lowercase();
        if lower.is_empty() || lower == "off" {
            return Ok(None);
        }
        let mut words = lower.split_whitespace();
        let period = match words.next() {
            Some("first-business-day" | "first-business-day-of-quarter") => Some(Period::Quarter),
            Some("first-business-day-of-month") => Some(Period::Month),
            _ => None,
        };
        if let Some(period) = period {
            let (Some(time), None) = (words.next(), words.next()) else {
                return Err(format!(
                    "se espera la hora después de «{}», p. ej. \"first-business-day 07:00\"",
                    lower.split_whitespace().next().unwrap_or_default()
                ));
            };
            let at = NaiveTime::parse_from_str(time, "%H:%M")
                .map_err(|_| format!("hora «{time}» inválida (use HH:MM, p. ej. 07:00)"))?;
            return Ok(Some(Trigger::FirstBusinessDay {
                source: source.to_owned(),
                period,
                at,
            }));
        }
        let expression = crate_expression(source)?;
        let schedule = cron::Schedule::from_str(&expression)
            .map_err(|e| format!("no es una expresión cron válida ({e})"))?;
        Ok(Some(Trigger::Cron {
            source: source.to_owned(),
            schedule: Box::new(schedule),
        }))
    }

    /// The expression as written in the configuration.
    pub fn source(&self) -> &str {
        match self {
            Trigger::Cron { source, .. } | Trigger::FirstBusinessDay { source, .. } => source,
        }
    }

    /// The first firing instant strictly after `after`, in `after`'s zone; `None` when the
    /// expression never fires again.
    pub fn next_after(&self, after: &DateTime<Tz>, calendar: &Calendar) -> Option<DateTime<Tz>> {
        match self {
            // In a repeated hour (end of daylight saving) the crate gives the earlier of the two
            // instants first, which may already be past: keep only instants after `after`.
            Trigger::Cron { schedule, .. } => schedule.after(after).take(8).find(|t| t > after),
            Trigger::FirstBusinessDay { period, at, .. } => {
                next_first_business_day(*period, *at, after, calendar)
            }
        }
    }
}

/// Years searched ahead for a first business day before giving up (a calendar without any).
const SEARCH_YEARS: u32 = 50;

fn next_first_business_day(
    period: Period,
    at: NaiveTime,
    after: &DateTime<Tz>,
    calendar: &Calendar,
) -> Option<DateTime<Tz>> {
    let tz = after.timezone();
    let local = after.naive_local().date();
    let step = period.months();
    // First day of the period containing `after`.
    let month0 = (local.month0() / step) * step;
    let mut start = NaiveDate::from_ymd_opt(local.year(), month0 + 1, 1)?;
    for _ in 0..(SEARCH_YEARS * 12 / step) {
        let end = start.checked_add_months(chrono::Months::new(step))?;
        let first = start
            .iter_days()
            .take_while(|d| *d < end)
            .find(|d| !calendar.day_segments(*d).is_empty());
        if let Some(day) = first
            && let Some(t) = resolve(tz, day.and_time(at))
            && t > *after
        {
            return Some(t);
        }
        start = end;
    }
    None
}

/// The instant of a local time: the earlier one when the hour repeats, and the first valid
/// minute after a gap (start of daylight saving).
fn resolve(tz: Tz, local: NaiveDateTime) -> Option<DateTime<Tz>> {
    let mut t = local;
    for _ in 0..(4 * 60) {
        match tz.from_local_datetime(&t) {
            LocalResult::Single(x) => return Some(x),
            LocalResult::Ambiguous(earlier, _) => return Some(earlier),
            LocalResult::None => t += chrono::Duration::minutes(1),
        }
    }
    None
}

/// A standard 5-field expression (or `@daily`…) as the crate's 6-field one: seconds `0` first,
/// and the day of week rewritten from cron's 0–7 (Sunday = 0 or 7) to the crate's 1–7
/// (Sunday = 1), which would otherwise silently shift every weekday by one.
fn crate_expression(text: &str) -> Result<String, String> {
    let expanded = match text.to_ascii_lowercase().as_str() {
        "@hourly" => "0 * * * *".to_owned(),
        "@daily" | "@midnight" => "0 0 * * *".to_owned(),
        "@weekly" => "0 0 * * 0".to_owned(),
        "@monthly" => "0 0 1 * *".to_owned(),
        "@yearly" | "@annually" => "0 0 1 1 *".to_owned(),
        _ => text.to_owned(),
    };
    let fields: Vec<&str> = expanded.split_whitespace().collect();
    let [minute, hour, dom, month, dow] = fields.as_slice() else {
        return Err(format!(
            "tiene {} campo(s) y se esperan 5 (minuto hora día-del-mes mes día-de-la-semana)",
            fields.len()
        ));
    };
    Ok(format!(
        "0 {minute} {hour} {dom} {month} {}",
        crate_weekdays(dow)?
    ))
}

/// A day of week as cron writes it (0–7 or a name) → 0–6, Sunday = 0.
fn weekday(text: &str) -> Result<usize, String> {
    if let Ok(n) = text.parse::<usize>() {
        return if n <= 7 {
            Ok(n % 7)
        } else {
            Err(format!(
                "día de la semana «{text}» fuera de 0–7 (0 y 7 = domingo)"
            ))
        };
    }
    const NAMES: [[&str; 3]; 7] = [
        ["sun", "dom", "domingo"],
        ["mon", "lun", "lunes"],
        ["tue", "mar", "martes"],
        ["wed", "mie", "miercoles"],
        ["thu", "jue", "jueves"],
        ["fri", "vie", "viernes"],
        ["sat", "sab", "sabado"],
    ];
    let folded = crate::model::fold(text);
    let english_long = |i: usize| {
        [
            "sunday",
            "monday",
            "tuesday",
            "wednesday",
            "thursday",
            "friday",
            "saturday",
        ][i]
    };
    (0..7)
        .find(|&i| NAMES[i].contains(&folded.as_str()) || english_long(i) == folded)
        .ok_or_else(|| format!("día de la semana «{text}» desconocido"))
}

fn crate_weekdays(field: &str) -> Result<String, String> {
    if field == "*" || field == "?" {
        return Ok("*".into());
    }
    let mut days = [false; 7];
    for item in field.split(',') {
        let (base, step) = match item.split_once('/') {
            Some((b, s)) => (
                b,
                s.parse::<usize>()
                    .ok()
                    .filter(|s| *s > 0)
                    .ok_or_else(|| format!("paso «{s}» inválido en «{item}»"))?,
            ),
            None => (item, 1),
        };
        let (lo, hi) = if base == "*" {
            (0, 6)
        } else if let Some((a, b)) = base.split_once('-') {
            // 7 stays 7 at the top of a range ("5-7" = Friday to Sunday).
            let hi = if b == "7" { 7 } else { weekday(b)? };
            (weekday(a)?, hi)
        } else if item.contains('/') {
            (weekday(base)?, 6)
        } else {
            let d = weekday(base)?;
            (d, d)
        };
        if lo > hi {
            return Err(format!("rango de días de la semana «{base}» al revés"));
        }
        for d in (lo..=hi).step_by(step) {
            days[d % 7] = true;
        }
    }
    if days.iter().all(|d| *d) {
        return Ok("*".into());
    }
    Ok((0..7)
        .filter(|&d| days[d])
        .map(|d| (d + 1).to_string())
        .collect::<Vec<_>>()
        .join(","))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::{CalendarSpec, Closure, HolidayRule, holidays};

    /// Office hours in `tz` with the holiday `rules` and the whole days `closed`: what a
    /// `[calendar]` table with those settings builds.
    fn calendar_with(tz: Tz, rules: Vec<HolidayRule>, closed: &[&str]) -> Calendar {
        let closures = closed
            .iter()
            .map(|d| Closure {
                date: d.parse().expect("date"),
                part: None,
            })
            .collect();
        let weekly = CalendarSpec::office_hours();
        let spec = CalendarSpec::new(tz, weekly, rules, closures, Vec::new(), None).expect("spec");
        Calendar::build_default_range(spec).expect("builds")
    }

    /// The default calendar: Bogotá, office hours, Colombian holidays.
    fn bogota() -> Calendar {
        calendar_with(chrono_tz::America::Bogota, holidays::colombia(), &[])
    }

    fn local(tz: Tz, text: &str) -> DateTime<Tz> {
        let naive = crate::ingest::parse_datetime(text).expect("date");
        tz.from_local_datetime(&naive).single().expect("unique")
    }

    fn fires(trigger: &str, from: &str, n: usize, cal: &Calendar) -> Vec<String> {
        let tz = cal.spec().timezone();
        let t = Trigger::parse(trigger).expect("valid").expect("on");
        let mut at = local(tz, from);
        let mut out = Vec::new();
        for _ in 0..n {
            at = t.next_after(&at, cal).expect("fires");
            out.push(at.format("%Y-%m-%d %H:%M %a").to_string());
        }
        out
    }

    #[test]
    fn standard_weekdays_are_translated_for_the_crate() {
        assert_eq!(crate_weekdays("1-5").as_deref(), Ok("2,3,4,5,6"));
        assert_eq!(crate_weekdays("0").as_deref(), Ok("1"));
        assert_eq!(crate_weekdays("7").as_deref(), Ok("1"));
        assert_eq!(crate_weekdays("5-7").as_deref(), Ok("1,6,7"));
        assert_eq!(crate_weekdays("mon-fri").as_deref(), Ok("2,3,4,5,6"));
        assert_eq!(crate_weekdays("lun,mié,vie").as_deref(), Ok("2,4,6"));
        assert_eq!(crate_weekdays("*/2").as_deref(), Ok("1,3,5,7"));
        assert_eq!(crate_weekdays("1/2").as_deref(), Ok("2,4,6"));
        assert_eq!(crate_weekdays("0-6").as_deref(), Ok("*"));
        assert!(crate_weekdays("8").is_err());
        assert!(crate_weekdays("5-1").is_err());
        assert!(crate_weekdays("funday").is_err());
    }

    #[test]
    fn bad_expressions_are_explained_in_spanish() {
        let err = |t: &str| Trigger::parse(t).expect_err(t);
        assert!(
            err("*/15 * * *").contains("se esperan 5"),
            "{}",
            err("*/15 * * *")
        );
        assert!(err("0 0 * * * * *").contains("se esperan 5"));
        assert!(err("61 * * * *").contains("no es una expresión cron válida"));
        assert!(err("first-business-day").contains("se espera la hora"));
        assert!(err("first-business-day 7h").contains("hora «7h» inválida"));
        assert!(Trigger::parse("off").expect("off").is_none());
        assert!(Trigger::parse("  ").expect("empty").is_none());
    }

    #[test]
    fn office_hours_cron_runs_on_weekdays_only() {
        let cal = bogota();
        // Friday 2026-03-06 18:55 → the next runs are Monday from 07:00.
        assert_eq!(
            fires("*/10 7-18 * * 1-5", "2026-03-06 18:45:00", 3, &cal),
            [
                "2026-03-06 18:50 Fri",
                "2026-03-09 07:00 Mon",
                "2026-03-09 07:10 Mon"
            ]
        );
        assert_eq!(
            fires("@daily", "2026-03-06 18:45:00", 1, &cal),
            ["2026-03-07 00:00 Sat"]
        );
    }

    #[test]
    fn first_business_day_of_the_quarter_skips_weekends_and_holidays() {
        let cal = bogota();
        // 2026-01-01 is a holiday (Thursday): Friday the 2nd. 2026-04-01 is a Wednesday (Holy
        // Thursday is the 2nd). 2027-01-01 is a Friday holiday: Monday the 4th.
        assert_eq!(
            fires("first-business-day 07:00", "2025-12-15 10:00:00", 5, &cal),
            [
                "2026-01-02 07:00 Fri",
                "2026-04-01 07:00 Wed",
                "2026-07-01 07:00 Wed",
                "2026-10-01 07:00 Thu",
                "2027-01-04 07:00 Mon"
            ]
        );
        // 2019-07-01 was the Sacred Heart holiday (a Monday).
        assert_eq!(
            fires("first-business-day 07:00", "2019-06-30 00:00:00", 1, &cal),
            ["2019-07-02 07:00 Tue"]
        );
        // On the day itself: before 07:00 it is still to come, after it the next quarter.
        assert_eq!(
            fires("first-business-day 07:00", "2026-01-02 06:59:59", 1, &cal),
            ["2026-01-02 07:00 Fri"]
        );
        assert_eq!(
            fires("first-business-day 07:00", "2026-01-02 07:00:00", 1, &cal),
            ["2026-04-01 07:00 Wed"]
        );
        // A closure of the entity moves it too.
        let closed = calendar_with(
            chrono_tz::America::Bogota,
            holidays::colombia(),
            &["2026-04-01"],
        );
        assert_eq!(
            fires(
                "first-business-day 07:00",
                "2026-03-15 00:00:00",
                1,
                &closed
            ),
            ["2026-04-06 07:00 Mon"]
        );
        assert_eq!(
            fires(
                "first-business-day-of-month 06:30",
                "2026-04-15 00:00:00",
                2,
                &cal
            ),
            ["2026-05-04 06:30 Mon", "2026-06-01 06:30 Mon"]
        );
    }

    #[test]
    fn daylight_saving_zones_fire_once_per_wall_clock_time() {
        let cal = calendar_with(chrono_tz::America::New_York, Vec::new(), &[]);
        let tz = cal.spec().timezone();
        let t = Trigger::parse("*/30 * * * *").expect("valid").expect("on");
        // Spring forward, 2026-03-08: 01:30 EST is followed by 03:00 EDT (30 real minutes).
        let a = local(tz, "2026-03-08 01:30:00");
        let b = t.next_after(&a, &cal).expect("next");
        assert_eq!(b.format("%H:%M %Z").to_string(), "03:00 EDT");
        assert_eq!((b - a).num_minutes(), 30);
        // Fall back, 2026-11-01: 01:00–01:59 happens twice and fires only the first time.
        let mut at = local(tz, "2026-11-01 00:45:00");
        let mut seen = Vec::new();
        for _ in 0..5 {
            let next = t.next_after(&at, &cal).expect("next");
            assert!(next > at);
            seen.push(next.format("%H:%M %Z").to_string());
            at = next;
        }
        assert_eq!(
            seen,
            [
                "01:00 EDT",
                "01:30 EDT",
                "02:00 EST",
                "02:30 EST",
                "03:00 EST"
            ]
        );
        // Started inside the repeated hour: the next firing is the later 01:30, not the past one.
        let naive = crate::ingest::parse_datetime("2026-11-01 01:10:00").expect("d");
        let second = tz.from_local_datetime(&naive).latest().expect("exists");
        let next = t.next_after(&second, &cal).expect("next");
        assert_eq!(next.format("%H:%M %Z").to_string(), "01:30 EST");
        assert_eq!((next - second).num_minutes(), 20);
        // A first-business-day time inside the spring gap runs at the first valid minute.
        let gap = Trigger::parse("first-business-day-of-month 02:30")
            .expect("valid")
            .expect("on");
        let feb = local(tz, "2026-03-01 12:00:00");
        // March 1st is a Sunday; the 2nd is the first business day (no gap that day).
        assert_eq!(
            gap.next_after(&feb, &cal)
                .expect("next")
                .format("%m-%d %H:%M")
                .to_string(),
            "03-02 02:30"
        );
        assert_eq!(
            resolve(
                tz,
                crate::ingest::parse_datetime("2026-03-08 02:30").expect("d")
            )
            .expect("resolves")
            .format("%H:%M %Z")
            .to_string(),
            "03:00 EDT"
        );
    }
}
