//! `[[entity]] calendar`: an inline `[entity.calendar]` table or the name of a named calendar.

use std::fmt;

use serde::de::{self, MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};

use super::CalendarConfig;

/// How an entity gives its calendar.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum EntityCalendar {
    /// `calendar = "continuo"`: a `[calendars.<name>]` table.
    Named(String),
    /// `[entity.calendar]` with the keys of `[calendar]`.
    Inline(CalendarConfig),
}

impl From<CalendarConfig> for EntityCalendar {
    fn from(cfg: CalendarConfig) -> Self {
        EntityCalendar::Inline(cfg)
    }
}

impl<'de> Deserialize<'de> for EntityCalendar {
    /// A string or a table; a table keeps `[calendar]`'s own errors (unknown keys named).
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Either;
        impl<'de> Visitor<'de> for Either {
            type Value = EntityCalendar;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str(
                    "el nombre de un calendario de [calendars] o una tabla [entity.calendar]",
                )
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<EntityCalendar, E> {
                Ok(EntityCalendar::Named(v.to_owned()))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<EntityCalendar, A::Error> {
                CalendarConfig::deserialize(de::value::MapAccessDeserializer::new(map))
                    .map(EntityCalendar::Inline)
            }
        }
        d.deserialize_any(Either)
    }
}
