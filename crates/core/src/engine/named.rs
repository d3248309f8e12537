//! Named calendars (`[calendars.<name>]`): built once, found by name, with Spanish errors.

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::calendar::Calendar;
use crate::config::{CalendarConfig, EngineConfigError};
use crate::model::fold;

/// Every `[calendars.<name>]` table, built.
#[derive(Debug, Clone, Default)]
pub struct NamedCalendars {
    map: BTreeMap<String, (Arc<str>, Arc<Calendar>)>,
}

impl NamedCalendars {
    /// Builds every named calendar; an error names the table.
    pub fn build(
        cfgs: &BTreeMap<String, CalendarConfig>,
    ) -> Result<NamedCalendars, EngineConfigError> {
        let mut map = BTreeMap::new();
        for (name, cfg) in cfgs {
            let named = |source: EngineConfigError| EngineConfigError::Named {
                name: name.clone(),
                source: Box::new(source),
            };
            let spec = cfg.spec().map_err(named)?;
            let cal = Calendar::build_default_range(spec).map_err(|source| {
                named(EngineConfigError::Calendar {
                    entity: None,
                    source,
                })
            })?;
            map.insert(fold(name), (Arc::from(name.as_str()), Arc::new(cal)));
        }
        Ok(NamedCalendars { map })
    }

    /// The calendar called `name` (ignoring case and accents), with its name as configured.
    pub fn get(&self, name: &str) -> Option<(&Arc<str>, &Arc<Calendar>)> {
        // Names are usually written folded already: no allocation for those.
        self.map
            .get(name)
            .or_else(|| self.map.get(&fold(name)))
            .map(|(n, c)| (n, c))
    }

    /// Like [`NamedCalendars::get`], or an error saying where the name was used (`place`) and
    /// listing the defined names.
    pub fn resolve(
        &self,
        name: &str,
        place: &str,
    ) -> Result<(Arc<str>, Arc<Calendar>), EngineConfigError> {
        self.get(name)
            .map(|(n, c)| (Arc::clone(n), Arc::clone(c)))
            .ok_or_else(|| EngineConfigError::UnknownCalendar {
                place: place.to_owned(),
                name: name.to_owned(),
                defined: self.names(),
            })
    }

    /// The names as configured, in order.
    pub fn names(&self) -> Vec<String> {
        self.map.values().map(|(n, _)| n.to_string()).collect()
    }

    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }
}
