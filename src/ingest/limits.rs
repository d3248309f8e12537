//! The domain limits every reader applies at the door, with their Spanish reasons: dates inside
//! the business calendar's years, durations between zero and half a century, satisfaction scores
//! on GLPI's 0–5 scale, case identifiers of bounded length (and exact integers when a JSON source
//! sends them as numbers), and at most [`MAX_COLUMNS`] columns in a header. A row outside them
//! becomes a reject; the rest of the file loads. The DuckDB-native path applies the same numbers
//! through bound parameters and the same reasons through `glpi::ListReject`/`LogReject`.

use std::ops::RangeInclusive;

use chrono::{Datelike, NaiveDateTime};

use crate::calendar::Calendar;

/// Years a date may fall in: the business calendar's indexed range (1984, the first year of
/// Colombia's holiday law, to 2100). Outside it no business time can be counted.
pub const YEARS: RangeInclusive<i32> = Calendar::FIRST_YEAR..=Calendar::LAST_YEAR;

/// The longest duration a source may report, in seconds: fifty years (of 366 days). No service
/// desk measures anything longer, and it stays nine orders of magnitude away from overflowing
/// when added to any instant of the calendar's range.
pub const MAX_DURATION_SECONDS: i64 = 50 * 366 * 86_400;

/// Satisfaction scores: GLPI's scale, 0 to 5 (Dexon's 1–5 fits in it).
pub const SCORES: RangeInclusive<f64> = 0.0..=5.0;

/// The longest case identifier, in bytes (UTF-8). GLPI's are integers of at most 19 digits;
/// Dexon's and the canonical ones are short codes. A longer value is not an identifier.
pub const MAX_ID_BYTES: usize = 64;

/// The most columns a header may have. Every export we read has fewer than 100; a wider file is
/// not one of them, and DuckDB's `read_csv` slows down with the square of the width.
pub const MAX_COLUMNS: usize = 1_000;

/// The most bytes of a header line that are read to count its columns: [`MAX_COLUMNS`] columns
/// with names of up to a kilobyte each.
pub const MAX_HEADER_BYTES: usize = 1 << 20;

/// How many column names an error message lists before it says how many more there are.
pub const LISTED_COLUMNS: usize = 20;

/// A value outside the domain limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Violation {
    /// A date outside [`YEARS`].
    DateOutOfRange,
    /// A duration below zero or above [`MAX_DURATION_SECONDS`].
    DurationOutOfRange,
    /// A score outside [`SCORES`], or not a finite number.
    ScoreOutOfRange,
    /// An identifier longer than [`MAX_ID_BYTES`] or with control characters.
    BadId,
    /// A numeric identifier (JSON) that is not an exact integer.
    InexactId,
}

impl Violation {
    /// The Spanish reason stored with the reject.
    pub const fn reason(self) -> &'static str {
        match self {
            Violation::DateOutOfRange => "fecha fuera del rango del calendario (1984–2100)",
            Violation::DurationOutOfRange => {
                "duración fuera de rango (entre 0 y 50 años, en segundos)"
            }
            Violation::ScoreOutOfRange => "calificación fuera de 0–5",
            Violation::BadId => {
                "identificador del caso no válido (más de 64 bytes o con caracteres de control)"
            }
            Violation::InexactId => {
                "identificador numérico que no es un entero exacto (envíelo como texto)"
            }
        }
    }
}

/// A date inside [`YEARS`].
pub fn date(d: NaiveDateTime) -> Result<NaiveDateTime, Violation> {
    if YEARS.contains(&d.year()) {
        Ok(d)
    } else {
        Err(Violation::DateOutOfRange)
    }
}

/// A duration in seconds within `0..=MAX_DURATION_SECONDS`.
pub fn duration(secs: i64) -> Result<i64, Violation> {
    if (0..=MAX_DURATION_SECONDS).contains(&secs) {
        Ok(secs)
    } else {
        Err(Violation::DurationOutOfRange)
    }
}

/// A finite satisfaction score within [`SCORES`] (NaN and infinities are outside).
pub fn score(x: f64) -> Result<f64, Violation> {
    if SCORES.contains(&x) {
        Ok(x)
    } else {
        Err(Violation::ScoreOutOfRange)
    }
}

/// A case identifier: at most [`MAX_ID_BYTES`] bytes, no control characters.
pub fn ticket_id(id: &str) -> Result<&str, Violation> {
    if id.len() <= MAX_ID_BYTES && !id.chars().any(char::is_control) {
        Ok(id)
    } else {
        Err(Violation::BadId)
    }
}

/// A JSON value as the text of a field. An identifier sent as a JSON number must be an exact
/// integer: `1.2345678901234567e+38` (what serde makes of a number beyond `u64`) or `7.5` is
/// not one. `Ok(None)` for null and for arrays or objects.
pub fn json_id(v: &serde_json::Value) -> Result<Option<String>, Violation> {
    match v {
        serde_json::Value::Number(n) if n.is_i64() || n.is_u64() => Ok(Some(n.to_string())),
        serde_json::Value::Number(_) => Err(Violation::InexactId),
        serde_json::Value::String(s) => Ok(Some(s.clone())),
        _ => Ok(None),
    }
}

/// Column names for a message: the first [`LISTED_COLUMNS`], then how many more there are
/// (a header of a million columns made an 8.9 MB message).
pub fn column_list<S: AsRef<str>>(names: &[S]) -> String {
    let shown: Vec<&str> = names
        .iter()
        .map(AsRef::as_ref)
        .filter(|n| !n.is_empty())
        .collect();
    let mut text = shown
        .iter()
        .take(LISTED_COLUMNS)
        .map(|n| clip(n))
        .collect::<Vec<_>>()
        .join(", ");
    if shown.len() > LISTED_COLUMNS {
        text.push_str(&format!(" y {} más", shown.len() - LISTED_COLUMNS));
    }
    if text.is_empty() {
        text.push_str("(ninguna)");
    }
    text
}

/// A column name cut to 80 characters for a message.
fn clip(name: &str) -> String {
    match name.char_indices().nth(80) {
        Some((at, _)) => format!("{}…", &name[..at]),
        None => name.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_reject_what_is_outside_them() {
        let d = |s: &str| crate::ingest::parse_datetime(s).expect("date");
        assert!(date(d("1984-01-01 00:00:00")).is_ok());
        assert!(date(d("2100-12-31 23:59:59")).is_ok());
        assert_eq!(
            date(d("1983-12-31 23:59:59")),
            Err(Violation::DateOutOfRange)
        );
        assert_eq!(duration(-1), Err(Violation::DurationOutOfRange));
        assert_eq!(duration(i64::MAX), Err(Violation::DurationOutOfRange));
        assert_eq!(duration(1_581_120_000), Ok(1_581_120_000));
        assert_eq!(score(5.0), Ok(5.0));
        for bad in [1e308, -0.5, f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
            assert_eq!(score(bad), Err(Violation::ScoreOutOfRange), "{bad}");
        }
        assert!(ticket_id(&"9".repeat(64)).is_ok());
        assert_eq!(ticket_id(&"9".repeat(65)), Err(Violation::BadId));
        assert_eq!(ticket_id("a\u{0}b"), Err(Violation::BadId));
        let big: serde_json::Value =
            serde_json::from_str("123456789012345678901234567890123456789").expect("json");
        assert_eq!(json_id(&big), Err(Violation::InexactId));
        let max: serde_json::Value = serde_json::from_str("18446744073709551615").expect("json");
        assert_eq!(json_id(&max), Ok(Some("18446744073709551615".into())));
        assert_eq!(json_id(&serde_json::json!(7.5)), Err(Violation::InexactId));
    }

    #[test]
    fn column_lists_are_capped() {
        let names: Vec<String> = (0..50_000).map(|i| format!("c{i}")).collect();
        let text = column_list(&names);
        assert!(text.starts_with("c0, c1, "), "{text}");
        assert!(text.ends_with(", c19 y 49980 más"), "{text}");
        assert_eq!(column_list::<&str>(&[]), "(ninguna)");
        assert_eq!(column_list(&["a", "", "b"]), "a, b");
    }
}
