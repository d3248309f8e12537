//! Local wall-clock time ↔ UTC instants for one time zone, precomputed over the calendar's range.

use chrono::{NaiveDate, Offset, TimeZone};
use chrono_tz::Tz;

/// UTC offsets of a zone over a range of instants, as a sorted list of transitions. Looking an
/// offset up is a binary search over a handful of entries (none at all for a zone without DST in
/// range), much cheaper than asking chrono-tz per instant in the evaluation hot loop.
#[derive(Debug, Clone)]
pub struct ZoneTable {
    /// `(utc_instant, offset_seconds)`: the offset in force from that instant on. The first entry
    /// starts at `i64::MIN`.
    spans: Vec<(i64, i64)>,
}

impl ZoneTable {
    /// Builds the table for `tz` between two dates (inclusive of the whole days).
    pub fn build(tz: Tz, first: NaiveDate, last: NaiveDate) -> ZoneTable {
        let offset_at = |t: i64| -> i64 {
            match chrono::DateTime::from_timestamp(t, 0) {
                Some(dt) => i64::from(
                    tz.offset_from_utc_datetime(&dt.naive_utc())
                        .fix()
                        .local_minus_utc(),
                ),
                None => 0,
            }
        };
        let start = first
            .and_hms_opt(0, 0, 0)
            .map_or(0, |d| d.and_utc().timestamp())
            - 86_400;
        let end = last
            .and_hms_opt(0, 0, 0)
            .map_or(0, |d| d.and_utc().timestamp())
            + 2 * 86_400;
        let mut spans = vec![(i64::MIN, offset_at(start))];
        // Zones change offset at most a few times a year: sample every 6 hours and bisect each
        // change down to the exact second.
        let step = 6 * 3_600;
        let mut t = start;
        let mut current = offset_at(start);
        while t < end {
            let next = t + step;
            let off = offset_at(next);
            if off != current {
                let (mut lo, mut hi) = (t, next);
                while hi - lo > 1 {
                    let mid = lo + (hi - lo) / 2;
                    if offset_at(mid) == current {
                        lo = mid;
                    } else {
                        hi = mid;
                    }
                }
                spans.push((hi, off));
                current = off;
            }
            t = next;
        }
        ZoneTable { spans }
    }

    /// The UTC offset (seconds, local minus UTC) in force at a UTC instant.
    #[inline]
    pub fn offset_at(&self, instant: i64) -> i64 {
        if self.spans.len() == 1 {
            return self.spans[0].1;
        }
        let i = self.spans.partition_point(|&(at, _)| at <= instant);
        self.spans[i.saturating_sub(1)].1
    }

    /// The UTC instant of a local wall-clock time given as seconds since 1970-01-01T00:00 local.
    /// An ambiguous local time (clocks turned back) resolves to the earlier instant; a local time
    /// skipped by a forward change is read with the offset before the change, which lands just
    /// after the gap, as a clock on the wall would show.
    #[inline]
    /// Saturates at the ends of `i64` (no stored value can make it overflow).
    pub fn to_instant(&self, local: i64) -> i64 {
        if self.spans.len() == 1 {
            return local.saturating_sub(self.spans[0].1);
        }
        let mut best: Option<i64> = None;
        for &(_, off) in &self.spans {
            let candidate = local.saturating_sub(off);
            if self.offset_at(candidate) == off && best.is_none_or(|b| candidate < b) {
                best = Some(candidate);
            }
        }
        best.unwrap_or_else(|| {
            // In a gap: read it with the offset in force a day earlier (offset changes are
            // months apart), i.e. the offset before the change.
            let day_before = local
                .saturating_sub(self.offset_at(local))
                .saturating_sub(86_400);
            local.saturating_sub(self.offset_at(day_before))
        })
    }

    /// Local wall-clock seconds (since 1970-01-01T00:00 local) of a UTC instant, saturating at
    /// the ends of `i64`.
    #[inline]
    pub fn to_local(&self, instant: i64) -> i64 {
        instant.saturating_add(self.offset_at(instant))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secs(y: i32, m: u32, d: u32, h: u32, mi: u32) -> i64 {
        NaiveDate::from_ymd_opt(y, m, d)
            .and_then(|x| x.and_hms_opt(h, mi, 0))
            .map(|x| x.and_utc().timestamp())
            .expect("valid")
    }

    #[test]
    fn bogota_is_utc_minus_five_outside_1992_dst() {
        let first = NaiveDate::from_ymd_opt(1984, 1, 1).expect("d");
        let last = NaiveDate::from_ymd_opt(2100, 12, 31).expect("d");
        let z = ZoneTable::build(chrono_tz::America::Bogota, first, last);
        let local = secs(2025, 3, 3, 8, 0);
        assert_eq!(z.to_instant(local), local + 5 * 3600);
        assert_eq!(z.to_local(local + 5 * 3600), local);
        // Colombia kept summer time from May 1992 to April 1993 (UTC−4).
        assert_eq!(z.offset_at(secs(1992, 12, 1, 12, 0)), -4 * 3600);
        assert!(z.spans.len() >= 3);
    }

    #[test]
    fn dst_zone_round_trips_and_resolves_ambiguity_to_the_earlier_instant() {
        let first = NaiveDate::from_ymd_opt(2020, 1, 1).expect("d");
        let last = NaiveDate::from_ymd_opt(2030, 12, 31).expect("d");
        let z = ZoneTable::build(chrono_tz::Europe::Madrid, first, last);
        // 2025-10-26 02:30 happens twice in Madrid; the earlier is 00:30 UTC.
        assert_eq!(
            z.to_instant(secs(2025, 10, 26, 2, 30)),
            secs(2025, 10, 26, 0, 30)
        );
        // 2025-03-30 02:30 does not exist; it is read as 03:30 CEST = 01:30 UTC.
        assert_eq!(
            z.to_instant(secs(2025, 3, 30, 2, 30)),
            secs(2025, 3, 30, 1, 30)
        );
        let noon = secs(2025, 7, 1, 12, 0);
        assert_eq!(z.to_local(z.to_instant(noon)), noon);
    }
}
