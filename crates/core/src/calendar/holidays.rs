//! Public-holiday rules kept as data (Colombia's Ley 51 de 1983 and later laws) and their dates per year.

use chrono::{Datelike, Duration, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};

use super::CalendarError;

/// How a holiday rule places its day in a given year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HolidayKind {
    /// Always on `month`/`day`.
    Fixed,
    /// On `month`/`day`, moved to the following Monday when it is not a Monday (Ley Emiliani).
    NextMonday,
    /// `offset` days from Easter Sunday (negative before it).
    Easter,
}

/// One holiday rule. A new law is one more rule; `from_year`/`to_year` bound when it is in force.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HolidayRule {
    pub kind: HolidayKind,
    #[serde(default)]
    pub month: u32,
    #[serde(default)]
    pub day: u32,
    #[serde(default)]
    pub offset: i64,
    pub name: String,
    #[serde(default = "default_from_year", rename = "from")]
    pub from_year: i32,
    #[serde(default, rename = "to")]
    pub to_year: Option<i32>,
}

fn default_from_year() -> i32 {
    i32::MIN
}

/// A holiday on a concrete date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Holiday {
    pub date: NaiveDate,
    pub name: String,
}

/// One row of a built-in holiday table.
struct Def {
    kind: HolidayKind,
    month: u32,
    day: u32,
    offset: i64,
    name: &'static str,
    from_year: i32,
}

const fn def(
    kind: HolidayKind,
    month: u32,
    day: u32,
    offset: i64,
    name: &'static str,
    from_year: i32,
) -> Def {
    Def {
        kind,
        month,
        day,
        offset,
        name,
        from_year,
    }
}

/// Colombian national holidays as data: Ley 51 de 1983 is in force from 1984; Ley 2578 de 2026
/// adds 9 July from 2026. `(kind, month, day, Easter offset, name, first year)`.
const COLOMBIA: &[Def] = &[
    def(HolidayKind::Fixed, 1, 1, 0, "Año Nuevo", 1984),
    def(
        HolidayKind::NextMonday,
        1,
        6,
        0,
        "Día de los Reyes Magos",
        1984,
    ),
    def(HolidayKind::NextMonday, 3, 19, 0, "Día de San José", 1984),
    def(HolidayKind::Easter, 0, 0, -3, "Jueves Santo", 1984),
    def(HolidayKind::Easter, 0, 0, -2, "Viernes Santo", 1984),
    def(HolidayKind::Fixed, 5, 1, 0, "Día del Trabajo", 1984),
    def(HolidayKind::Easter, 0, 0, 43, "Ascensión del Señor", 1984),
    def(HolidayKind::Easter, 0, 0, 64, "Corpus Christi", 1984),
    def(
        HolidayKind::Easter,
        0,
        0,
        71,
        "Sagrado Corazón de Jesús",
        1984,
    ),
    def(
        HolidayKind::NextMonday,
        6,
        29,
        0,
        "San Pedro y San Pablo",
        1984,
    ),
    def(
        HolidayKind::NextMonday,
        7,
        9,
        0,
        "Virgen del Rosario de Chiquinquirá",
        2026,
    ),
    def(
        HolidayKind::Fixed,
        7,
        20,
        0,
        "Día de la Independencia",
        1984,
    ),
    def(HolidayKind::Fixed, 8, 7, 0, "Batalla de Boyacá", 1984),
    def(
        HolidayKind::NextMonday,
        8,
        15,
        0,
        "Asunción de la Virgen",
        1984,
    ),
    def(HolidayKind::NextMonday, 10, 12, 0, "Día de la Raza", 1984),
    def(
        HolidayKind::NextMonday,
        11,
        1,
        0,
        "Día de Todos los Santos",
        1984,
    ),
    def(
        HolidayKind::NextMonday,
        11,
        11,
        0,
        "Independencia de Cartagena",
        1984,
    ),
    def(HolidayKind::Fixed, 12, 8, 0, "Inmaculada Concepción", 1984),
    def(HolidayKind::Fixed, 12, 25, 0, "Navidad", 1984),
];

/// The national holiday rules of Colombia.
pub fn colombia() -> Vec<HolidayRule> {
    COLOMBIA
        .iter()
        .map(|d| HolidayRule {
            kind: d.kind,
            month: d.month,
            day: d.day,
            offset: d.offset,
            name: d.name.to_owned(),
            from_year: d.from_year,
            to_year: None,
        })
        .collect()
}

/// Easter Sunday of a Gregorian year (anonymous Gregorian algorithm, Meeus/Jones/Butcher).
/// Written here rather than taken from a crate: it is ten lines of integer arithmetic, checked by
/// tests against published dates, and the crates that offer it bring nothing else we use.
pub fn easter_sunday(year: i32) -> Option<NaiveDate> {
    let a = year % 19;
    let b = year / 100;
    let c = year % 100;
    let d = b / 4;
    let e = b % 4;
    let f = (b + 8) / 25;
    let g = (b - f + 1) / 3;
    let h = (19 * a + b - d - g + 15) % 30;
    let i = c / 4;
    let k = c % 4;
    let l = (32 + 2 * e + 2 * i - h - k) % 7;
    let m = (a + 11 * h + 22 * l) / 451;
    let month = (h + l - 7 * m + 114) / 31;
    let day = (h + l - 7 * m + 114) % 31 + 1;
    NaiveDate::from_ymd_opt(year, month as u32, day as u32)
}

impl HolidayRule {
    /// Checks that the rule can produce a date (valid month/day) before it is used.
    pub fn validate(&self) -> Result<(), CalendarError> {
        match self.kind {
            HolidayKind::Fixed | HolidayKind::NextMonday => {
                // 2000 is a leap year, so 29 February is accepted here (it simply does not occur
                // in other years).
                if NaiveDate::from_ymd_opt(2000, self.month, self.day).is_none() {
                    return Err(CalendarError::InvalidHolidayRule(format!(
                        "«{}»: mes {} y día {} no forman una fecha válida",
                        self.name, self.month, self.day
                    )));
                }
            }
            HolidayKind::Easter => {
                if self.offset.abs() > 200 {
                    return Err(CalendarError::InvalidHolidayRule(format!(
                        "«{}»: desplazamiento desde Pascua fuera de rango ({})",
                        self.name, self.offset
                    )));
                }
            }
        }
        Ok(())
    }

    /// The date of this rule in `year`, if the rule is in force then.
    pub fn date_in(&self, year: i32) -> Option<NaiveDate> {
        if year < self.from_year || self.to_year.is_some_and(|to| year > to) {
            return None;
        }
        match self.kind {
            HolidayKind::Fixed => NaiveDate::from_ymd_opt(year, self.month, self.day),
            HolidayKind::NextMonday => {
                let date = NaiveDate::from_ymd_opt(year, self.month, self.day)?;
                let ahead = (7 - date.weekday().num_days_from_monday()) % 7;
                Some(date + Duration::days(i64::from(ahead)))
            }
            HolidayKind::Easter => Some(easter_sunday(year)? + Duration::days(self.offset)),
        }
    }
}

/// The holidays of `year` under `rules`, sorted by date; two rules landing on one date count once
/// (their names are joined).
pub fn holidays_in(rules: &[HolidayRule], year: i32) -> Vec<Holiday> {
    let mut days: Vec<Holiday> = Vec::new();
    for rule in rules {
        let Some(date) = rule.date_in(year) else {
            continue;
        };
        // Easter offsets can leave the year in theory; a holiday belongs to the year it falls in.
        if date.year() != year {
            continue;
        }
        match days.iter_mut().find(|h| h.date == date) {
            Some(existing) => {
                existing.name.push_str(" y ");
                existing.name.push_str(&rule.name);
            }
            None => days.push(Holiday {
                date,
                name: rule.name.clone(),
            }),
        }
    }
    days.sort_by_key(|h| h.date);
    days
}

/// Spanish name of a weekday, for user-facing listings.
pub fn weekday_es(day: Weekday) -> &'static str {
    match day {
        Weekday::Mon => "lunes",
        Weekday::Tue => "martes",
        Weekday::Wed => "miércoles",
        Weekday::Thu => "jueves",
        Weekday::Fri => "viernes",
        Weekday::Sat => "sábado",
        Weekday::Sun => "domingo",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("valid test date")
    }

    #[test]
    fn easter_matches_published_dates() {
        for (y, m, day) in [
            (1984, 4, 22),
            (2000, 4, 23),
            (2019, 4, 21),
            (2024, 3, 31),
            (2025, 4, 20),
            (2026, 4, 5),
            (2027, 3, 28),
            (2038, 4, 25),
            (2100, 3, 28),
        ] {
            assert_eq!(easter_sunday(y), Some(d(y, m, day)), "Easter {y}");
        }
    }

    fn dates(year: i32) -> Vec<NaiveDate> {
        holidays_in(&colombia(), year)
            .into_iter()
            .map(|h| h.date)
            .collect()
    }

    /// Official lists published for Colombia (Ministerio del Interior / calendario oficial).
    #[test]
    fn colombia_2024_matches_the_official_list() {
        let expected = vec![
            d(2024, 1, 1),
            d(2024, 1, 8),
            d(2024, 3, 25),
            d(2024, 3, 28),
            d(2024, 3, 29),
            d(2024, 5, 1),
            d(2024, 5, 13),
            d(2024, 6, 3),
            d(2024, 6, 10),
            d(2024, 7, 1),
            d(2024, 7, 20),
            d(2024, 8, 7),
            d(2024, 8, 19),
            d(2024, 10, 14),
            d(2024, 11, 4),
            d(2024, 11, 11),
            d(2024, 12, 8),
            d(2024, 12, 25),
        ];
        assert_eq!(dates(2024), expected);
    }

    /// 2025 has 17 distinct dates: Sagrado Corazón (Easter + 71) and San Pedro y San Pablo
    /// (29 June, a Sunday, moved to Monday) both land on 30 June and count once.
    #[test]
    fn colombia_2025_matches_the_official_list() {
        let expected = vec![
            d(2025, 1, 1),
            d(2025, 1, 6),
            d(2025, 3, 24),
            d(2025, 4, 17),
            d(2025, 4, 18),
            d(2025, 5, 1),
            d(2025, 6, 2),
            d(2025, 6, 23),
            d(2025, 6, 30),
            d(2025, 7, 20),
            d(2025, 8, 7),
            d(2025, 8, 18),
            d(2025, 10, 13),
            d(2025, 11, 3),
            d(2025, 11, 17),
            d(2025, 12, 8),
            d(2025, 12, 25),
        ];
        assert_eq!(dates(2025), expected);
        let june30 = holidays_in(&colombia(), 2025)
            .into_iter()
            .find(|h| h.date == d(2025, 6, 30))
            .expect("30 June 2025");
        assert_eq!(
            june30.name,
            "Sagrado Corazón de Jesús y San Pedro y San Pablo"
        );
    }

    #[test]
    fn colombia_2023_matches_the_official_list() {
        let expected = vec![
            d(2023, 1, 1),
            d(2023, 1, 9),
            d(2023, 3, 20),
            d(2023, 4, 6),
            d(2023, 4, 7),
            d(2023, 5, 1),
            d(2023, 5, 22),
            d(2023, 6, 12),
            d(2023, 6, 19),
            d(2023, 7, 3),
            d(2023, 7, 20),
            d(2023, 8, 7),
            d(2023, 8, 21),
            d(2023, 10, 16),
            d(2023, 11, 6),
            d(2023, 11, 13),
            d(2023, 12, 8),
            d(2023, 12, 25),
        ];
        assert_eq!(dates(2023), expected);
    }

    #[test]
    fn colombia_2026_includes_the_new_july_holiday() {
        let got = dates(2026);
        let expected = vec![
            d(2026, 1, 1),
            d(2026, 1, 12),
            d(2026, 3, 23),
            d(2026, 4, 2),
            d(2026, 4, 3),
            d(2026, 5, 1),
            d(2026, 5, 18),
            d(2026, 6, 8),
            d(2026, 6, 15),
            d(2026, 6, 29),
            d(2026, 7, 13),
            d(2026, 7, 20),
            d(2026, 8, 7),
            d(2026, 8, 17),
            d(2026, 10, 12),
            d(2026, 11, 2),
            d(2026, 11, 16),
            d(2026, 12, 8),
            d(2026, 12, 25),
        ];
        assert_eq!(got, expected);
    }

    #[test]
    fn the_july_holiday_is_not_applied_before_2026() {
        assert!(!dates(2025).iter().any(|x| x.month() == 7 && x.day() <= 14));
    }

    #[test]
    fn coinciding_rules_count_once() {
        let mut rules = colombia();
        rules.push(HolidayRule {
            kind: HolidayKind::Fixed,
            month: 12,
            day: 25,
            offset: 0,
            name: "Duplicado".into(),
            from_year: 2000,
            to_year: None,
        });
        let h = holidays_in(&rules, 2025);
        assert_eq!(h.len(), 17);
        let xmas = h
            .iter()
            .find(|h| h.date == d(2025, 12, 25))
            .expect("christmas");
        assert_eq!(xmas.name, "Navidad y Duplicado");
    }
}
