//! Calendar quarters (`2025-Q3`): parsing, bounds, months and Spanish names.

use chrono::{Datelike, NaiveDate, NaiveDateTime};
use serde::{Serialize, Serializer};

/// A calendar quarter of a year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Quarter {
    year: i32,
    number: u8,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum QuarterError {
    #[error("trimestre «{0}» no válido: use el formato AAAA-QN, por ejemplo 2025-Q3")]
    Invalid(String),
}

const MONTHS_ES: [&str; 12] = [
    "Enero",
    "Febrero",
    "Marzo",
    "Abril",
    "Mayo",
    "Junio",
    "Julio",
    "Agosto",
    "Septiembre",
    "Octubre",
    "Noviembre",
    "Diciembre",
];

/// Spanish name of a month (1–12).
pub fn month_name_es(month: u32) -> &'static str {
    MONTHS_ES
        .get((month as usize).wrapping_sub(1))
        .copied()
        .unwrap_or("")
}

impl Quarter {
    /// A quarter; `number` 1–4, year within what the calendar covers.
    pub fn new(year: i32, number: u8) -> Result<Quarter, QuarterError> {
        if !(1..=4).contains(&number) || !(1900..=2999).contains(&year) {
            return Err(QuarterError::Invalid(format!("{year}-Q{number}")));
        }
        Ok(Quarter { year, number })
    }

    /// Parses `2025-Q3` (also `2025Q3`, `2025-q3`, `2025-T3`, `2025-3`).
    pub fn parse(text: &str) -> Result<Quarter, QuarterError> {
        let bad = || QuarterError::Invalid(text.to_owned());
        let t = text.trim();
        let (y, q) = t.split_at_checked(4).ok_or_else(bad)?;
        let q = q.trim_start_matches('-');
        let q = q
            .strip_prefix(['Q', 'q', 'T', 't'])
            .unwrap_or(q)
            .trim_start_matches('-');
        let year: i32 = y.parse().map_err(|_| bad())?;
        let number: u8 = q.parse().map_err(|_| bad())?;
        Quarter::new(year, number).map_err(|_| bad())
    }

    /// The quarter a date falls in.
    pub fn containing(date: NaiveDate) -> Quarter {
        Quarter {
            year: date.year(),
            number: (date.month0() / 3 + 1) as u8,
        }
    }

    /// The last quarter that ended at or before `now`.
    pub fn last_complete(now: NaiveDateTime) -> Quarter {
        Quarter::containing(now.date()).previous()
    }

    pub fn year(self) -> i32 {
        self.year
    }

    pub fn number(self) -> u8 {
        self.number
    }

    pub fn previous(self) -> Quarter {
        if self.number == 1 {
            Quarter {
                year: self.year - 1,
                number: 4,
            }
        } else {
            Quarter {
                year: self.year,
                number: self.number - 1,
            }
        }
    }

    pub fn next(self) -> Quarter {
        if self.number == 4 {
            Quarter {
                year: self.year + 1,
                number: 1,
            }
        } else {
            Quarter {
                year: self.year,
                number: self.number + 1,
            }
        }
    }

    /// First day of each of the three months.
    pub fn months(self) -> [NaiveDate; 3] {
        let first = u32::from(self.number - 1) * 3 + 1;
        [first, first + 1, first + 2]
            .map(|m| NaiveDate::from_ymd_opt(self.year, m, 1).unwrap_or(NaiveDate::MIN))
    }

    /// First instant of the quarter (local time).
    pub fn start(self) -> NaiveDateTime {
        self.months()[0].and_time(chrono::NaiveTime::MIN)
    }

    /// First instant after the quarter (local time).
    pub fn end(self) -> NaiveDateTime {
        self.next().start()
    }

    /// "tercer trimestre de 2025".
    pub fn name_es(self) -> String {
        let ord = ["primer", "segundo", "tercer", "cuarto"][usize::from(self.number - 1)];
        format!("{ord} trimestre de {}", self.year)
    }
}

impl std::fmt::Display for Quarter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}-Q{}", self.year, self.number)
    }
}

impl std::str::FromStr for Quarter {
    type Err = QuarterError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Quarter::parse(s)
    }
}

impl Serialize for Quarter {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}
