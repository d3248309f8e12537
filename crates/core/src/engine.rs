//! The measuring engine: every calendar and the policy, built once from the configuration's
//! `[calendar]`, `[[entity]]` and `[policy]` sections and shared by every evaluation.

use std::collections::HashMap;
use std::sync::Arc;

use crate::calendar::Calendar;
use crate::config::{CalendarConfig, EngineConfigError, EntityConfig};
use crate::sla::policy::{Policy, PolicyConfig};

/// Calendars and policy, built once and shared by every evaluation.
#[derive(Debug, Clone)]
pub struct Engine {
    pub default: Arc<Calendar>,
    pub by_entity: HashMap<String, Arc<Calendar>>,
    pub policy: Policy,
}

impl Engine {
    /// Builds every calendar (the default one and each entity's) and the policy.
    pub fn build(
        calendar: &CalendarConfig,
        entities: &[EntityConfig],
        policy: &PolicyConfig,
    ) -> Result<Engine, EngineConfigError> {
        let default = Arc::new(Calendar::build_default_range(calendar.spec()?).map_err(
            |source| EngineConfigError::Calendar {
                entity: None,
                source,
            },
        )?);
        let mut by_entity = HashMap::new();
        for e in entities {
            let spec = e.calendar.spec().map_err(|err| match err {
                EngineConfigError::Calendar { source, .. } => EngineConfigError::Calendar {
                    entity: Some(e.name.clone()),
                    source,
                },
                other => other,
            })?;
            let cal = Calendar::build_default_range(spec).map_err(|source| {
                EngineConfigError::Calendar {
                    entity: Some(e.name.clone()),
                    source,
                }
            })?;
            by_entity.insert(e.name.clone(), Arc::new(cal));
        }
        Ok(Engine {
            default,
            by_entity,
            policy: Policy::from_config(policy)?,
        })
    }

    /// The calendar of an entity: its own when configured (matched on the full name or the last
    /// component of a GLPI entity path), else the default.
    pub fn calendar_for(&self, entity: &str) -> &Arc<Calendar> {
        if self.by_entity.is_empty() {
            return &self.default;
        }
        if let Some(c) = self.by_entity.get(entity) {
            return c;
        }
        let last = entity.rsplit('>').next().unwrap_or(entity).trim();
        self.by_entity.get(last).unwrap_or(&self.default)
    }
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;
    use serde::Deserialize;

    use super::*;

    /// The engine's sections of a configuration file, as the root `Config` reads them.
    #[derive(Deserialize)]
    struct Sections {
        #[serde(default)]
        calendar: CalendarConfig,
        #[serde(default)]
        policy: PolicyConfig,
        #[serde(default, rename = "entity")]
        entities: Vec<EntityConfig>,
    }

    fn build(toml_text: &str) -> Result<Engine, EngineConfigError> {
        let s: Sections = toml::from_str(toml_text).expect("sections parse");
        Engine::build(&s.calendar, &s.entities, &s.policy)
    }

    #[test]
    fn no_config_means_defaults() {
        let engine = build("").expect("defaults build");
        assert_eq!(engine.default.day_seconds(), 9 * 3600);
        assert_eq!(engine.policy.warn_at, vec![0.5, 0.75]);
        assert_eq!(engine.policy.rules.len(), 7);
    }

    #[test]
    fn bad_calendars_give_spanish_errors_naming_the_entity() {
        let err = build("[calendar]\ntimezone = \"Marte/Olympus\"\n").expect_err("unknown zone");
        assert!(
            err.to_string().contains("zona horaria desconocida"),
            "{err}"
        );
        let err = build(
            "[calendar]\nhours = [{ days = [\"lunes\"], from = \"17:00\", to = \"08:00\" }]\n",
        )
        .expect_err("inverted hours");
        assert!(err.to_string().contains("franja horaria inválida"), "{err}");
        let err = build("[calendar]\nholidays = \"PE\"\n").expect_err("unknown holidays");
        assert!(
            err.to_string().starts_with("calendario: festivos «PE»"),
            "{err}"
        );
        let err = build(
            "[[entity]]\nname = \"Instituto\"\n[entity.calendar]\ntimezone = \"Marte/Olympus\"\n",
        )
        .expect_err("entity's unknown zone");
        assert!(
            err.to_string().starts_with("calendario de «Instituto»: "),
            "{err}"
        );
    }

    #[test]
    fn entities_get_their_own_calendar() {
        let engine = build(
            r#"
[[entity]]
name = "Instituto de Cultura"
[entity.calendar]
hours = [{ days = ["lun", "mar", "mie", "jue", "vie"], from = "07:00", to = "16:00" },
         { days = ["sab"], from = "08:00", to = "12:00" }]
[[entity.calendar.closure]]
date = "2025-12-24"
from = "12:00"
"#,
        )
        .expect("builds");
        let own = engine.calendar_for("Raíz > Instituto de Cultura");
        assert!(!Arc::ptr_eq(own, &engine.default));
        assert_eq!(own.day_seconds(), 9 * 3600);
        let sat = NaiveDate::from_ymd_opt(2025, 3, 8).expect("d");
        assert_eq!(own.day_segments(sat).len(), 1);
        assert!(Arc::ptr_eq(
            engine.calendar_for("Otra entidad"),
            &engine.default
        ));
    }
}
