//! The measuring engine: every calendar and the policy, built once from the configuration's
//! `[calendar]`, `[calendars.<name>]`, `[[entity]]`, `[policy]` (with its versions) and `[ola]`
//! sections and shared by every evaluation.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use crate::calendar::Calendar;
use crate::config::{CalendarConfig, EngineConfigError, EntityConfig};
use crate::model::{entity_leaf, fold};
use crate::sla::ola::{OlaConfig, OlaPolicy};
use crate::sla::policy::{Policy, PolicyConfig};
use crate::sla::versions::Versions;

mod build;
mod named;
mod plan;
#[cfg(test)]
mod tests_fixture;
#[cfg(test)]
mod tests_v2;

pub use build::Sections;
pub use named::NamedCalendars;
pub use plan::{ClockSource, TicketPlan};

/// A name typed for an entity that names none, or more than one, of the valid ones.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EntityLookupError {
    #[error("no existe la entidad «{0}»")]
    Unknown(String),
    #[error(
        "el nombre «{wanted}» corresponde a varias entidades; escriba la ruta completa: {}",
        paths.iter().map(|p| format!("«{p}»")).collect::<Vec<_>>().join(", ")
    )]
    Ambiguous { wanted: String, paths: Vec<String> },
}

/// Calendars and policy, built once and shared by every evaluation.
#[derive(Debug, Clone)]
pub struct Engine {
    pub default: Arc<Calendar>,
    pub by_entity: HashMap<String, Arc<Calendar>>,
    /// The same calendars keyed by the [`fold`]ed configured name, for names typed otherwise.
    folded: HashMap<String, Arc<Calendar>>,
    /// `(folded configured name, short name)` of each `[[entity]]` with a `short_name`.
    short_names: Vec<(String, String)>,
    pub policy: Policy,
    /// `[calendars.<name>]`.
    pub calendars: NamedCalendars,
    /// `[[policy.version]]`, ordered by date.
    pub versions: Versions,
    /// `[[ola.rule]]`.
    pub ola: OlaPolicy,
    /// The name results show for each calendar in use (see [`Engine::calendar_name`]).
    labels: Vec<(Arc<Calendar>, Arc<str>)>,
}

impl Engine {
    /// Builds every calendar (the default one and each entity's) and the policy: the engine of
    /// a configuration without `[calendars]` or `[ola]` (see [`Engine::build_with`]).
    pub fn build(
        calendar: &CalendarConfig,
        entities: &[EntityConfig],
        policy: &PolicyConfig,
    ) -> Result<Engine, EngineConfigError> {
        Engine::build_with(Sections {
            calendar,
            calendars: &BTreeMap::new(),
            entities,
            policy,
            ola: &OlaConfig::default(),
        })
    }

    /// The calendar of an entity: its own when configured (matched on the full name or the last
    /// component of a GLPI entity path, exactly or ignoring case and accents), else the default.
    pub fn calendar_for(&self, entity: &str) -> &Arc<Calendar> {
        if self.by_entity.is_empty() {
            return &self.default;
        }
        let leaf = entity_leaf(entity);
        self.by_entity
            .get(entity)
            .or_else(|| self.by_entity.get(leaf))
            .or_else(|| self.folded.get(&fold(entity)))
            .or_else(|| self.folded.get(&fold(leaf)))
            .unwrap_or(&self.default)
    }

    /// The `short_name` configured for a stored entity (named in `[[entity]]` by its full path or
    /// its last part, ignoring case and accents).
    pub fn short_name(&self, entity: &str) -> Option<&str> {
        if self.short_names.is_empty() {
            return None;
        }
        let (full, leaf) = (fold(entity), fold(entity_leaf(entity)));
        self.short_names
            .iter()
            .find(|(name, _)| *name == full || *name == leaf)
            .map(|(_, short)| short.as_str())
    }

    /// What people see for a stored entity: its configured short name, else the last part of its
    /// GLPI path ("Entidad Raíz > Alcaldía de X" → "Alcaldía de X").
    pub fn display_name(&self, entity: &str) -> String {
        self.short_name(entity)
            .unwrap_or_else(|| entity_leaf(entity))
            .to_owned()
    }

    /// The display name of each of `entities` ([`Engine::display_name`]); entities that would
    /// share one (the same last part under two parents) show their full path instead.
    pub fn display_names(&self, entities: &[String]) -> BTreeMap<String, String> {
        let mut users: HashMap<String, usize> = HashMap::new();
        let named: Vec<(String, String)> = entities
            .iter()
            .map(|e| (e.clone(), self.display_name(e)))
            .collect();
        for (_, shown) in &named {
            *users.entry(fold(shown)).or_default() += 1;
        }
        named
            .into_iter()
            .map(|(e, shown)| match users.get(&fold(&shown)) {
                Some(n) if *n > 1 => (e.clone(), e),
                _ => (e, shown),
            })
            .collect()
    }

    /// The one of `valid` (stored full names) that `wanted` names: its full path, the last part
    /// of the path or its configured short name, exactly or ignoring case and accents. A last
    /// part or short name shared by several entities is an error listing their full paths.
    pub fn resolve_entity(
        &self,
        valid: &[String],
        wanted: &str,
    ) -> Result<String, EntityLookupError> {
        if let Some(v) = crate::model::matching(valid, wanted) {
            return Ok(v.to_owned());
        }
        let folded = fold(wanted);
        let paths: Vec<String> = valid
            .iter()
            .filter(|v| {
                fold(entity_leaf(v)) == folded
                    || self.short_name(v).is_some_and(|s| fold(s) == folded)
            })
            .cloned()
            .collect();
        match paths.len() {
            0 => Err(EntityLookupError::Unknown(wanted.trim().to_owned())),
            1 => Ok(paths.into_iter().next().unwrap_or_default()),
            _ => Err(EntityLookupError::Ambiguous {
                wanted: wanted.trim().to_owned(),
                paths,
            }),
        }
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

    const NAMES: &str = r#"
        [[entity]]
        name = "alcaldia de san isidro"
        [entity.calendar]
        hours = [{ days = ["lun", "mar", "mie", "jue", "vie"], from = "07:00", to = "11:00" }]

        [[entity]]
        name = "Entidad Raíz > Gobernación > Secretaría TIC"
        short_name = "TIC Gobernación"
    "#;

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn a_calendar_configured_by_the_leaf_applies_to_the_full_path_in_any_case() {
        let engine = build(NAMES).expect("builds");
        let own = engine.calendar_for("Entidad Raíz > Alcaldía de San Isidro");
        assert!(!Arc::ptr_eq(own, &engine.default));
        assert_eq!(own.day_seconds(), 4 * 3600);
        // An entity with only a short name keeps the general calendar.
        assert!(Arc::ptr_eq(
            engine.calendar_for("Entidad Raíz > Gobernación > Secretaría TIC"),
            &engine.default
        ));
    }

    #[test]
    fn display_names_are_the_leaf_or_the_short_name_and_full_paths_when_shared() {
        let engine = build(NAMES).expect("builds");
        assert_eq!(
            engine.display_name("Entidad Raíz > Alcaldía de San Isidro"),
            "Alcaldía de San Isidro"
        );
        assert_eq!(
            engine.display_name("entidad raiz > gobernacion > secretaria tic"),
            "TIC Gobernación"
        );
        let all = names(&[
            "Raíz > Norte > Secretaría de Salud",
            "Raíz > Sur > Secretaría de Salud",
            "Raíz > Personería",
        ]);
        let shown = engine.display_names(&all);
        assert_eq!(shown["Raíz > Personería"], "Personería");
        assert_eq!(
            shown["Raíz > Norte > Secretaría de Salud"],
            "Raíz > Norte > Secretaría de Salud"
        );
        assert_eq!(
            shown["Raíz > Sur > Secretaría de Salud"],
            "Raíz > Sur > Secretaría de Salud"
        );
    }

    #[test]
    fn entities_resolve_by_full_path_leaf_or_short_name_and_a_shared_leaf_is_ambiguous() {
        let engine = build(NAMES).expect("builds");
        let all = names(&[
            "Entidad Raíz > Alcaldía de San Isidro",
            "Entidad Raíz > Gobernación > Secretaría TIC",
            "Entidad Raíz > Concejo > Secretaría TIC",
        ]);
        for typed in [
            "Entidad Raíz > Alcaldía de San Isidro",
            "ENTIDAD RAIZ > alcaldia de san isidro",
            "Alcaldía de San Isidro",
            "alcaldia de san isidro",
        ] {
            assert_eq!(
                engine.resolve_entity(&all, typed).as_deref(),
                Ok("Entidad Raíz > Alcaldía de San Isidro"),
                "{typed}"
            );
        }
        assert_eq!(
            engine.resolve_entity(&all, "tic gobernacion").as_deref(),
            Ok("Entidad Raíz > Gobernación > Secretaría TIC")
        );
        let err = engine
            .resolve_entity(&all, "secretaria tic")
            .expect_err("two entities share the leaf");
        assert_eq!(
            err.to_string(),
            "el nombre «secretaria tic» corresponde a varias entidades; escriba la ruta \
             completa: «Entidad Raíz > Gobernación > Secretaría TIC», «Entidad Raíz > Concejo > \
             Secretaría TIC»"
        );
        assert_eq!(
            engine.resolve_entity(&all, "Alcaldía de San Isidoro"),
            Err(EntityLookupError::Unknown("Alcaldía de San Isidoro".into()))
        );
    }

    #[test]
    fn an_empty_short_name_is_refused() {
        let err = build("[[entity]]\nname = \"X\"\nshort_name = \"  \"\n").expect_err("refused");
        assert!(err.to_string().contains("short_name vacío"), "{err}");
    }
}
