//! The domain sections of the configuration file: `[calendar]` and `[[entity]]` (the `[policy]`
//! section is [`crate::sla::policy::PolicyConfig`]), validated into calendar specifications, and
//! the errors of building the [`crate::engine::Engine`] from them.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::calendar::{
    CalendarError, CalendarSpec, Closure, ExtraWorkingDay, HolidayRule, Segment, holidays,
    parse_weekday,
};
use crate::sla::policy::PolicyError;

mod entity_calendar;
pub use entity_calendar::EntityCalendar;

/// Errors validating the calendar and policy sections or building the engine from them.
#[derive(Debug, Error)]
pub enum EngineConfigError {
    #[error("calendario{}: {source}", entity.as_deref().map(|e| format!(" de «{e}»")).unwrap_or_default())]
    Calendar {
        entity: Option<String>,
        source: CalendarError,
    },
    #[error("política de ANS: {0}")]
    Policy(#[from] PolicyError),
    #[error("calendario: {0}")]
    Invalid(String),
    #[error("[calendars.{name}]: {source}")]
    Named {
        name: String,
        source: Box<EngineConfigError>,
    },
    #[error(
        "{place}: el calendario «{name}» no existe. {}",
        crate::model::listing("Calendarios definidos en [calendars]", defined, "ninguno")
    )]
    UnknownCalendar {
        place: String,
        name: String,
        defined: Vec<String>,
    },
    #[error("política de ANS: {0}")]
    Versions(#[from] crate::sla::versions::VersionError),
    #[error("OLA: {0}")]
    Ola(String),
}

/// An entity with its own calendar.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EntityConfig {
    /// The GLPI entity: its full path ("Entidad Raíz > Alcaldía de …") or its last part.
    pub name: String,
    /// What titles, lists and file names call it instead of the last part of the path.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub short_name: Option<String>,
    /// Its own calendar (an inline `[entity.calendar]` table or the name of a
    /// `[calendars.<name>]`); absent: the general one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub calendar: Option<EntityCalendar>,
}

/// Weekly hours for some days.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HoursConfig {
    pub days: Vec<String>,
    pub from: String,
    pub to: String,
}

/// A closure (whole day when `from`/`to` are absent) or an extra working day.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DayConfig {
    pub date: NaiveDate,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// The `[calendar]` table.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CalendarConfig {
    /// IANA zone, default `America/Bogota`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timezone: Option<String>,
    /// `CO` (default) or `none`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub holidays: Option<String>,
    /// Weekly hours; default Monday–Friday 08:00–17:00.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hours: Option<Vec<HoursConfig>>,
    /// Length of a business day for `d` targets, in hours (default: the usual weekday total).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub day_hours: Option<f64>,
    /// National holiday rules added to the built-in list (a new law).
    #[serde(default, rename = "holiday", skip_serializing_if = "Vec::is_empty")]
    pub extra_holidays: Vec<HolidayRule>,
    #[serde(default, rename = "closure", skip_serializing_if = "Vec::is_empty")]
    pub closures: Vec<DayConfig>,
    #[serde(default, rename = "working_day", skip_serializing_if = "Vec::is_empty")]
    pub working_days: Vec<DayConfig>,
}

impl CalendarConfig {
    /// Validates the table into a calendar specification.
    pub fn spec(&self) -> Result<CalendarSpec, EngineConfigError> {
        let cal_err = |source| EngineConfigError::Calendar {
            entity: None,
            source,
        };
        let base = CalendarSpec::default();
        let tz = match &self.timezone {
            Some(name) => name
                .parse::<chrono_tz::Tz>()
                .map_err(|_| cal_err(CalendarError::UnknownTimeZone(name.clone())))?,
            None => base.timezone(),
        };
        let mut rules = match self.holidays.as_deref().map(str::to_ascii_uppercase) {
            None => holidays::colombia(),
            Some(h) if h == "CO" => holidays::colombia(),
            Some(h) if h == "NONE" || h.is_empty() => Vec::new(),
            Some(other) => {
                return Err(EngineConfigError::Invalid(format!(
                    "festivos «{other}» desconocidos (use \"CO\" o \"none\")"
                )));
            }
        };
        rules.extend(self.extra_holidays.iter().cloned());
        let weekly = match &self.hours {
            None => CalendarSpec::office_hours(),
            Some(hours) => {
                let mut weekly: [Vec<Segment>; 7] = Default::default();
                for h in hours {
                    let seg = segment(&h.from, &h.to).map_err(cal_err)?;
                    for d in &h.days {
                        let wd = parse_weekday(d).ok_or_else(|| {
                            EngineConfigError::Invalid(format!(
                                "día de la semana «{d}» desconocido"
                            ))
                        })?;
                        weekly[wd.num_days_from_monday() as usize].push(seg);
                    }
                }
                weekly
            }
        };
        let mut closures = Vec::new();
        for c in &self.closures {
            let part = match (&c.from, &c.to) {
                (None, None) => None,
                (from, to) => Some(
                    segment(
                        from.as_deref().unwrap_or("00:00"),
                        to.as_deref().unwrap_or("24:00"),
                    )
                    .map_err(cal_err)?,
                ),
            };
            closures.push(Closure { date: c.date, part });
        }
        let mut extra = Vec::new();
        for w in &self.working_days {
            let seg = segment(
                w.from.as_deref().unwrap_or("08:00"),
                w.to.as_deref().unwrap_or("17:00"),
            )
            .map_err(cal_err)?;
            extra.push(ExtraWorkingDay {
                date: w.date,
                segments: vec![seg],
            });
        }
        let day_seconds = self.day_hours.map(|h| (h * 3600.0).round() as i64);
        CalendarSpec::new(tz, weekly, rules, closures, extra, day_seconds).map_err(cal_err)
    }
}

fn segment(from: &str, to: &str) -> Result<Segment, CalendarError> {
    Segment::new(Segment::parse_clock(from)?, Segment::parse_clock(to)?)
}
