//! Business calendar (domain core, no I/O): weekly hours, public holidays, closures, and exact
//! business-time arithmetic over UTC instants with a per-calendar index.
//!
//! Instants are `i64` seconds since the Unix epoch (UTC). Local wall-clock times enter through
//! [`Calendar::instant_from_local`]. Intervals are half-open: a segment 08:00–17:00 counts the
//! seconds in `[08:00:00, 17:00:00)`.

pub mod holidays;
mod zone;

use std::collections::HashMap;

use chrono::{Datelike, NaiveDate, NaiveDateTime, Weekday};
use chrono_tz::Tz;
use thiserror::Error;

pub use holidays::{Holiday, HolidayKind, HolidayRule};
pub use zone::ZoneTable;

/// A UTC instant in whole seconds since 1970-01-01T00:00:00Z.
pub type Instant = i64;

const DAY: i64 = 86_400;

/// Errors that make a calendar specification unusable.
#[derive(Debug, Error, PartialEq)]
pub enum CalendarError {
    #[error("zona horaria desconocida: «{0}»")]
    UnknownTimeZone(String),
    #[error("franja horaria inválida: {0}")]
    InvalidSegment(String),
    #[error("regla de festivo inválida: {0}")]
    InvalidHolidayRule(String),
    #[error("rango de años inválido: {0}–{1}")]
    InvalidRange(i32, i32),
    #[error("el calendario no tiene ninguna hora hábil")]
    NoBusinessTime,
}

/// A stretch of a local day, in seconds since local midnight: `[start, end)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Segment {
    pub start: u32,
    pub end: u32,
}

impl Segment {
    /// A validated segment; `end` may be 86 400 (24:00).
    pub fn new(start: u32, end: u32) -> Result<Segment, CalendarError> {
        if start >= end || end > DAY as u32 {
            return Err(CalendarError::InvalidSegment(format!(
                "{}–{} (el inicio debe ser anterior al fin, dentro del día)",
                hhmm(start),
                hhmm(end)
            )));
        }
        Ok(Segment { start, end })
    }

    /// Parses `"HH:MM"` or `"HH:MM:SS"` (24:00 allowed) into seconds since midnight.
    pub fn parse_clock(text: &str) -> Result<u32, CalendarError> {
        let bad = || CalendarError::InvalidSegment(format!("hora «{text}» (se espera HH:MM)"));
        let mut parts = text.trim().split(':');
        let h: u32 = parts.next().and_then(|p| p.parse().ok()).ok_or_else(bad)?;
        let m: u32 = parts.next().and_then(|p| p.parse().ok()).ok_or_else(bad)?;
        let s: u32 = match parts.next() {
            Some(p) => p.parse().map_err(|_| bad())?,
            None => 0,
        };
        if parts.next().is_some() || m > 59 || s > 59 || h > 24 || (h == 24 && (m, s) != (0, 0)) {
            return Err(bad());
        }
        Ok(h * 3600 + m * 60 + s)
    }

    fn len(self) -> i64 {
        i64::from(self.end - self.start)
    }
}

fn hhmm(secs: u32) -> String {
    format!("{:02}:{:02}", secs / 3600, secs % 3600 / 60)
}

/// Sorts segments and checks they do not overlap.
fn normalise(mut segs: Vec<Segment>) -> Result<Vec<Segment>, CalendarError> {
    segs.sort_by_key(|s| s.start);
    for pair in segs.windows(2) {
        if pair[1].start < pair[0].end {
            return Err(CalendarError::InvalidSegment(format!(
                "las franjas {}–{} y {}–{} se superponen",
                hhmm(pair[0].start),
                hhmm(pair[0].end),
                hhmm(pair[1].start),
                hhmm(pair[1].end)
            )));
        }
    }
    Ok(segs)
}

/// A closure of an entity: a whole day, or part of one (e.g. the afternoon of 24 December).
#[derive(Debug, Clone, PartialEq)]
pub struct Closure {
    pub date: NaiveDate,
    /// `None` closes the whole day.
    pub part: Option<Segment>,
}

/// A day worked although the weekly hours or a holiday say otherwise.
#[derive(Debug, Clone, PartialEq)]
pub struct ExtraWorkingDay {
    pub date: NaiveDate,
    pub segments: Vec<Segment>,
}

/// Everything that defines a business calendar, validated by [`CalendarSpec::new`].
#[derive(Debug, Clone)]
pub struct CalendarSpec {
    tz: Tz,
    /// Index 0 is Monday.
    weekly: [Vec<Segment>; 7],
    rules: Vec<HolidayRule>,
    closures: Vec<Closure>,
    extra_days: Vec<ExtraWorkingDay>,
    day_seconds: Option<i64>,
}

impl Default for CalendarSpec {
    /// Monday–Friday 08:00–17:00, America/Bogota, Colombian national holidays.
    fn default() -> Self {
        CalendarSpec {
            tz: chrono_tz::America::Bogota,
            weekly: CalendarSpec::office_hours(),
            rules: holidays::colombia(),
            closures: Vec::new(),
            extra_days: Vec::new(),
            day_seconds: None,
        }
    }
}

impl CalendarSpec {
    /// The default week: Monday to Friday, 08:00–17:00.
    pub fn office_hours() -> [Vec<Segment>; 7] {
        let office = vec![Segment {
            start: 8 * 3600,
            end: 17 * 3600,
        }];
        let mut week: [Vec<Segment>; 7] = Default::default();
        for day in week.iter_mut().take(5) {
            *day = office.clone();
        }
        week
    }

    /// Validates and assembles a specification.
    pub fn new(
        tz: Tz,
        weekly: [Vec<Segment>; 7],
        rules: Vec<HolidayRule>,
        closures: Vec<Closure>,
        extra_days: Vec<ExtraWorkingDay>,
        day_seconds: Option<i64>,
    ) -> Result<CalendarSpec, CalendarError> {
        let mut clean: [Vec<Segment>; 7] = Default::default();
        for (slot, segs) in clean.iter_mut().zip(weekly) {
            *slot = normalise(segs)?;
        }
        for rule in &rules {
            rule.validate()?;
        }
        let mut extra = Vec::with_capacity(extra_days.len());
        for day in extra_days {
            extra.push(ExtraWorkingDay {
                date: day.date,
                segments: normalise(day.segments)?,
            });
        }
        if let Some(secs) = day_seconds
            && !(1..=DAY).contains(&secs)
        {
            return Err(CalendarError::InvalidSegment(format!(
                "duración del día hábil fuera de rango: {secs} s"
            )));
        }
        let spec = CalendarSpec {
            tz,
            weekly: clean,
            rules,
            closures,
            extra_days: extra,
            day_seconds,
        };
        if spec.weekly.iter().all(Vec::is_empty) && spec.extra_days.is_empty() {
            return Err(CalendarError::NoBusinessTime);
        }
        Ok(spec)
    }

    pub fn timezone(&self) -> Tz {
        self.tz
    }

    pub fn holiday_rules(&self) -> &[HolidayRule] {
        &self.rules
    }

    /// Length of one business day, the unit of `d` targets: the configured value, or else the most
    /// common daily total of the working weekdays (ties go to the longer day).
    pub fn day_seconds(&self) -> i64 {
        if let Some(secs) = self.day_seconds {
            return secs;
        }
        let mut counts: HashMap<i64, usize> = HashMap::new();
        for day in &self.weekly {
            let total: i64 = day.iter().map(|s| s.len()).sum();
            if total > 0 {
                *counts.entry(total).or_default() += 1;
            }
        }
        counts
            .into_iter()
            .max_by_key(|&(total, n)| (n, total))
            .map_or(9 * 3600, |(total, _)| total)
    }
}

/// A built calendar: the specification plus an index of every open interval over a range of
/// years, so that each query is a constant-time lookup (a day bucket and at most a few intervals).
#[derive(Debug, Clone)]
pub struct Calendar {
    spec: CalendarSpec,
    zone: ZoneTable,
    first_day: NaiveDate,
    last_day: NaiveDate,
    holidays: HashMap<NaiveDate, String>,
    /// First indexed instant (local midnight of `first_day`).
    origin: Instant,
    /// End of the indexed range (local midnight after `last_day`).
    limit: Instant,
    starts: Vec<Instant>,
    ends: Vec<Instant>,
    /// `cum[i]`: business seconds before interval `i`; `cum[n]` is the total.
    cum: Vec<i64>,
    /// `bucket[k]`: first interval whose end is after `origin + k days`.
    bucket: Vec<u32>,
    /// [`CalendarSpec::day_seconds`], computed once.
    day_secs: i64,
}

/// Business time of one month, for listings.
#[derive(Debug, Clone, PartialEq)]
pub struct MonthSummary {
    pub month: u32,
    pub business_days: u32,
    pub business_seconds: i64,
}

impl Calendar {
    /// Years covered by [`Calendar::build_default_range`]: the holiday law is in force from 1984.
    pub const FIRST_YEAR: i32 = 1984;
    pub const LAST_YEAR: i32 = 2100;

    /// Builds the index for 1984–2100.
    pub fn build_default_range(spec: CalendarSpec) -> Result<Calendar, CalendarError> {
        Calendar::build(spec, Self::FIRST_YEAR, Self::LAST_YEAR)
    }

    /// Builds the index for the whole years `first_year..=last_year`. Instants outside the range
    /// are treated as closed time.
    pub fn build(
        spec: CalendarSpec,
        first_year: i32,
        last_year: i32,
    ) -> Result<Calendar, CalendarError> {
        let (Some(first_day), Some(last_day)) = (
            NaiveDate::from_ymd_opt(first_year, 1, 1),
            NaiveDate::from_ymd_opt(last_year, 12, 31),
        ) else {
            return Err(CalendarError::InvalidRange(first_year, last_year));
        };
        if first_year > last_year {
            return Err(CalendarError::InvalidRange(first_year, last_year));
        }
        let zone = ZoneTable::build(spec.tz, first_day, last_day);
        let mut holidays = HashMap::new();
        for year in first_year..=last_year {
            for h in holidays::holidays_in(&spec.rules, year) {
                holidays.insert(h.date, h.name);
            }
        }
        let local_midnight = |d: NaiveDate| -> i64 {
            d.and_hms_opt(0, 0, 0)
                .map_or(0, |x| x.and_utc().timestamp())
        };
        let origin = zone.to_instant(local_midnight(first_day));
        let after_last = last_day.succ_opt().unwrap_or(last_day);
        let limit = zone.to_instant(local_midnight(after_last));

        let day_secs = spec.day_seconds();
        let mut cal = Calendar {
            day_secs,
            spec,
            zone,
            first_day,
            last_day,
            holidays,
            origin,
            limit,
            starts: Vec::new(),
            ends: Vec::new(),
            cum: vec![0],
            bucket: Vec::new(),
        };
        let mut day = first_day;
        loop {
            let base = local_midnight(day);
            for seg in cal.day_segments(day) {
                let s = cal.zone.to_instant(base + i64::from(seg.start));
                let e = cal.zone.to_instant(base + i64::from(seg.end));
                if e <= s {
                    continue;
                }
                // Merge touching intervals (e.g. 24-hour schedules) to keep the index small.
                match cal.ends.last_mut() {
                    Some(last_end) if *last_end == s => *last_end = e,
                    _ => {
                        cal.starts.push(s);
                        cal.ends.push(e);
                    }
                }
            }
            match day.succ_opt() {
                Some(next) if next <= last_day => day = next,
                _ => break,
            }
        }
        let mut cum = Vec::with_capacity(cal.starts.len() + 1);
        let mut acc = 0i64;
        cum.push(0);
        for (s, e) in cal.starts.iter().zip(&cal.ends) {
            acc += e - s;
            cum.push(acc);
        }
        cal.cum = cum;
        if acc == 0 {
            return Err(CalendarError::NoBusinessTime);
        }
        let buckets = ((limit - origin) / DAY + 2) as usize;
        let mut bucket = Vec::with_capacity(buckets);
        let mut i = 0usize;
        for k in 0..buckets {
            let at = origin + k as i64 * DAY;
            while i < cal.ends.len() && cal.ends[i] <= at {
                i += 1;
            }
            bucket.push(i as u32);
        }
        cal.bucket = bucket;
        Ok(cal)
    }

    pub fn spec(&self) -> &CalendarSpec {
        &self.spec
    }

    /// First and last day covered by the index.
    pub fn range(&self) -> (NaiveDate, NaiveDate) {
        (self.first_day, self.last_day)
    }

    /// Whether an instant lies inside the indexed range.
    pub fn covers(&self, t: Instant) -> bool {
        t >= self.origin && t <= self.limit
    }

    /// Length of one business day in seconds (the unit of `d` targets).
    pub fn day_seconds(&self) -> i64 {
        self.day_secs
    }

    /// The open segments of a local date, after holidays, closures and extra working days.
    pub fn day_segments(&self, date: NaiveDate) -> Vec<Segment> {
        let mut segs = if let Some(extra) = self.spec.extra_days.iter().find(|d| d.date == date) {
            extra.segments.clone()
        } else if self.holidays.contains_key(&date) {
            Vec::new()
        } else {
            self.spec.weekly[date.weekday().num_days_from_monday() as usize].clone()
        };
        for closure in self.spec.closures.iter().filter(|c| c.date == date) {
            match closure.part {
                None => segs.clear(),
                Some(cut) => segs = subtract(&segs, cut),
            }
        }
        segs
    }

    /// The holiday name of a date, if it is a public holiday.
    pub fn holiday(&self, date: NaiveDate) -> Option<&str> {
        self.holidays.get(&date).map(String::as_str)
    }

    /// The public holidays of a year (computed from the rules, whatever the indexed range).
    pub fn holidays_in(&self, year: i32) -> Vec<Holiday> {
        holidays::holidays_in(&self.spec.rules, year)
    }

    /// Business days and seconds of each month of a year.
    pub fn months(&self, year: i32) -> Vec<MonthSummary> {
        let mut out: Vec<MonthSummary> = (1..=12)
            .map(|month| MonthSummary {
                month,
                business_days: 0,
                business_seconds: 0,
            })
            .collect();
        let Some(mut day) = NaiveDate::from_ymd_opt(year, 1, 1) else {
            return out;
        };
        while day.year() == year {
            let secs: i64 = self.day_segments(day).iter().map(|s| s.len()).sum();
            let m = &mut out[day.month0() as usize];
            if secs > 0 {
                m.business_days += 1;
                m.business_seconds += secs;
            }
            match day.succ_opt() {
                Some(next) => day = next,
                None => break,
            }
        }
        out
    }

    /// The UTC instant of a local wall-clock time in this calendar's zone.
    #[inline]
    pub fn instant_from_local(&self, local: NaiveDateTime) -> Instant {
        self.zone.to_instant(local.and_utc().timestamp())
    }

    /// Same as [`Calendar::instant_from_local`] for local seconds since 1970-01-01T00:00 local.
    #[inline]
    pub fn instant_from_local_seconds(&self, local: i64) -> Instant {
        self.zone.to_instant(local)
    }

    /// The local wall-clock time of an instant.
    pub fn local_from_instant(&self, t: Instant) -> NaiveDateTime {
        chrono::DateTime::from_timestamp(self.zone.to_local(t), 0)
            .map(|d| d.naive_utc())
            .unwrap_or_default()
    }

    /// Index of the first interval that ends after `t` (`n` when none does), for `t` in range.
    #[inline]
    fn interval_after(&self, t: Instant) -> usize {
        let k = ((t - self.origin) / DAY) as usize;
        let mut i = self.bucket[k.min(self.bucket.len() - 1)] as usize;
        while i < self.ends.len() && self.ends[i] <= t {
            i += 1;
        }
        i
    }

    /// Business seconds in `[origin, t)`.
    #[inline]
    fn business_before(&self, t: Instant) -> i64 {
        if t <= self.origin {
            return 0;
        }
        let t = t.min(self.limit);
        let i = self.interval_after(t);
        match self.starts.get(i) {
            Some(&start) => self.cum[i] + (t - start).max(0),
            None => self.cum[self.starts.len()],
        }
    }

    /// Business seconds in `[a, b)`; zero when `b <= a`.
    #[inline]
    pub fn business_seconds(&self, a: Instant, b: Instant) -> i64 {
        if b <= a {
            return 0;
        }
        self.business_before(b) - self.business_before(a)
    }

    /// Whether the desk is open at instant `t`.
    pub fn is_open(&self, t: Instant) -> bool {
        if t < self.origin || t >= self.limit {
            return false;
        }
        let i = self.interval_after(t);
        self.starts.get(i).is_some_and(|&s| s <= t)
    }

    /// The earliest instant `d` at or after `a` with `business_seconds(a, d) == secs`: when a
    /// target of `secs` business seconds started at `a` runs out. `None` past the indexed range.
    pub fn deadline(&self, a: Instant, secs: i64) -> Option<Instant> {
        if secs <= 0 {
            return Some(a);
        }
        // Checked: a stored duration may be anything up to i64::MAX; past the range is `None`.
        let want = self.business_before(a).checked_add(secs)?;
        let n = self.starts.len();
        if want > self.cum[n] {
            return None;
        }
        // First interval whose cumulative end reaches `want`.
        let i = self.cum[1..].partition_point(|&c| c < want);
        Some(self.starts[i] + (want - self.cum[i]))
    }

    /// Splits `[a, b)` into stretches labelled open or closed (and why), for explaining a count.
    pub fn explain(&self, a: Instant, b: Instant) -> Vec<Stretch> {
        let mut out = Vec::new();
        if b <= a {
            return out;
        }
        let mut t = a;
        while t < b {
            // Outside the indexed range there is no business time: one closed stretch up to the
            // range (or to `b`), instead of one per day over what may be millennia.
            if t < self.origin || t >= self.limit {
                let end = if t < self.origin {
                    self.origin.min(b)
                } else {
                    b
                };
                push_stretch(&mut out, t, end, self.closed_reason(t));
                t = end;
                continue;
            }
            let i = self.interval_after(t);
            let (kind, end) = match self.starts.get(i) {
                Some(&s) if s <= t => (StretchKind::Open, self.ends[i].min(b)),
                Some(&s) => (self.closed_reason(t), s.min(b)),
                None => (self.closed_reason(t), b),
            };
            // A closed stretch may span several kinds of day; split it at local midnights so that
            // each part carries the right reason.
            let end = if kind == StretchKind::Open {
                end
            } else {
                let local = self.zone.to_local(t);
                let midnight = local.div_euclid(DAY).saturating_add(1).saturating_mul(DAY);
                let next_midnight = self.zone.to_instant(midnight);
                end.min(next_midnight.max(t + 1))
            };
            push_stretch(&mut out, t, end, kind);
            t = end;
        }
        out
    }

    fn closed_reason(&self, t: Instant) -> StretchKind {
        let date = self.local_from_instant(t).date();
        if self.holidays.contains_key(&date) {
            StretchKind::Holiday
        } else if self.spec.closures.iter().any(|c| c.date == date) {
            StretchKind::Closure
        } else if self.spec.weekly[date.weekday().num_days_from_monday() as usize].is_empty() {
            StretchKind::NonWorkingDay
        } else {
            StretchKind::OutsideHours
        }
    }
}

/// Why a stretch of time counted or not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StretchKind {
    Open,
    OutsideHours,
    NonWorkingDay,
    Holiday,
    Closure,
}

/// A labelled stretch `[start, end)` of time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stretch {
    pub start: Instant,
    pub end: Instant,
    pub kind: StretchKind,
}

/// Appends `[start, end)` of `kind`, merged into the last stretch when it continues it.
fn push_stretch(out: &mut Vec<Stretch>, start: Instant, end: Instant, kind: StretchKind) {
    match out.last_mut() {
        Some(Stretch {
            kind: k, end: e, ..
        }) if *k == kind && *e == start => *e = end,
        _ => out.push(Stretch { start, end, kind }),
    }
}

/// `segs` minus `cut`.
fn subtract(segs: &[Segment], cut: Segment) -> Vec<Segment> {
    let mut out = Vec::with_capacity(segs.len() + 1);
    for s in segs {
        if cut.end <= s.start || cut.start >= s.end {
            out.push(*s);
            continue;
        }
        if s.start < cut.start {
            out.push(Segment {
                start: s.start,
                end: cut.start,
            });
        }
        if cut.end < s.end {
            out.push(Segment {
                start: cut.end,
                end: s.end,
            });
        }
    }
    out
}

/// Parses a Spanish or English weekday name or abbreviation (`lun`, `lunes`, `mon`, `monday`).
pub fn parse_weekday(text: &str) -> Option<Weekday> {
    let t = text.trim().to_lowercase();
    let t = t.replace('é', "e").replace('á', "a");
    Some(match t.as_str() {
        "mon" | "monday" | "lun" | "lunes" => Weekday::Mon,
        "tue" | "tuesday" | "mar" | "martes" => Weekday::Tue,
        "wed" | "wednesday" | "mie" | "miercoles" => Weekday::Wed,
        "thu" | "thursday" | "jue" | "jueves" => Weekday::Thu,
        "fri" | "friday" | "vie" | "viernes" => Weekday::Fri,
        "sat" | "saturday" | "sab" | "sabado" => Weekday::Sat,
        "sun" | "sunday" | "dom" | "domingo" => Weekday::Sun,
        _ => return None,
    })
}

#[cfg(test)]
mod tests;
