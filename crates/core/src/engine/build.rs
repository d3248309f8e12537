//! Building the engine from every domain section: named calendars, entity calendars, the
//! policy with its versions, and the OLA rules.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use super::{Engine, NamedCalendars};
use crate::calendar::Calendar;
use crate::config::{CalendarConfig, EngineConfigError, EntityCalendar, EntityConfig};
use crate::model::fold;
use crate::sla::ola::{OlaConfig, OlaPolicy};
use crate::sla::policy::{Policy, PolicyConfig};
use crate::sla::versions::Versions;

/// The name results give the `[calendar]` table.
pub const DEFAULT_CALENDAR: &str = "general";

/// The domain sections of a configuration file, as the root `Config` holds them.
#[derive(Debug, Clone, Copy)]
pub struct Sections<'a> {
    /// `[calendar]`.
    pub calendar: &'a CalendarConfig,
    /// `[calendars.<name>]`.
    pub calendars: &'a BTreeMap<String, CalendarConfig>,
    /// `[[entity]]`.
    pub entities: &'a [EntityConfig],
    /// `[policy]`, with `[[policy.version]]`.
    pub policy: &'a PolicyConfig,
    /// `[ola]`.
    pub ola: &'a OlaConfig,
}

impl Engine {
    /// Builds every calendar, the policy and its versions, and the OLA rules; any error (a
    /// calendar name that does not exist included) stops here, before anything is evaluated.
    pub fn build_with(s: Sections<'_>) -> Result<Engine, EngineConfigError> {
        let default = Arc::new(Calendar::build_default_range(s.calendar.spec()?).map_err(
            |source| EngineConfigError::Calendar {
                entity: None,
                source,
            },
        )?);
        let calendars = NamedCalendars::build(s.calendars)?;
        let mut labels = vec![(Arc::clone(&default), Arc::from(DEFAULT_CALENDAR))];
        for name in calendars.names() {
            if let Some((n, c)) = calendars.get(&name) {
                labels.push((Arc::clone(c), Arc::clone(n)));
            }
        }
        let mut by_entity = HashMap::new();
        let mut short_names = Vec::new();
        for e in s.entities {
            if let Some(short) = short_name(e)? {
                short_names.push((fold(&e.name), short));
            }
            if let Some((cal, inline)) = entity_calendar(e, &calendars)? {
                if inline {
                    labels.push((Arc::clone(&cal), Arc::from(e.name.as_str())));
                }
                by_entity.insert(e.name.clone(), cal);
            }
        }
        let folded = by_entity
            .iter()
            .map(|(name, cal)| (fold(name), Arc::clone(cal)))
            .collect();
        let policy = Policy::from_config(s.policy)?;
        let versions = Versions::build(s.policy, &policy)?;
        check_rule_calendars(&policy, &versions, &calendars)?;
        Ok(Engine {
            default,
            by_entity,
            folded,
            short_names,
            policy,
            calendars,
            versions,
            ola: OlaPolicy::from_config(s.ola).map_err(EngineConfigError::Ola)?,
            labels,
        })
    }

    /// The name of a calendar of this engine: a `[calendars]` name, the entity's name for an
    /// inline `[entity.calendar]`, or [`DEFAULT_CALENDAR`].
    pub fn calendar_name(&self, cal: &Arc<Calendar>) -> &str {
        self.labels
            .iter()
            .find(|(c, _)| Arc::ptr_eq(c, cal))
            .map_or(DEFAULT_CALENDAR, |(_, n)| n)
    }

    /// The calendar results call `name` ([`Engine::calendar_name`]): a `[calendars]` name, an
    /// entity's inline calendar (by the entity's configured name) or [`DEFAULT_CALENDAR`];
    /// `None` when this configuration has no calendar by that name (it changed since).
    pub fn calendar_named(&self, name: &str) -> Option<&Arc<Calendar>> {
        self.labels
            .iter()
            .find(|(_, n)| n.as_ref() == name)
            .map(|(c, _)| c)
    }
}

fn short_name(e: &EntityConfig) -> Result<Option<String>, EngineConfigError> {
    match e.short_name.as_deref().map(str::trim) {
        Some("") => Err(EngineConfigError::Invalid(format!(
            "la entidad «{}» tiene short_name vacío",
            e.name
        ))),
        other => Ok(other.map(str::to_owned)),
    }
}

/// The entity's own calendar, and whether it is inline (not a named one).
fn entity_calendar(
    e: &EntityConfig,
    named: &NamedCalendars,
) -> Result<Option<(Arc<Calendar>, bool)>, EngineConfigError> {
    let in_entity = |source| EngineConfigError::Calendar {
        entity: Some(e.name.clone()),
        source,
    };
    match &e.calendar {
        None => Ok(None),
        Some(EntityCalendar::Named(name)) => {
            let place = format!("entidad «{}»", e.name);
            Ok(Some((named.resolve(name, &place)?.1, false)))
        }
        Some(EntityCalendar::Inline(cfg)) => {
            let spec = cfg.spec().map_err(|err| match err {
                EngineConfigError::Calendar { source, .. } => in_entity(source),
                other => other,
            })?;
            let cal = Calendar::build_default_range(spec).map_err(in_entity)?;
            Ok(Some((Arc::new(cal), true)))
        }
    }
}

/// Every rule's `calendar` names a `[calendars]` table.
fn check_rule_calendars(
    policy: &Policy,
    versions: &Versions,
    named: &NamedCalendars,
) -> Result<(), EngineConfigError> {
    let check = |p: &Policy, place: &dyn Fn(usize) -> String| {
        for (i, rule) in p.rules.iter().enumerate() {
            if let Some(name) = &rule.calendar {
                named.resolve(name, &place(i + 1))?;
            }
        }
        Ok::<(), EngineConfigError>(())
    };
    check(policy, &|n| format!("política de ANS, regla {n}"))?;
    for v in &versions.list {
        check(&v.policy, &|n| {
            format!("política de ANS, versión «{}», regla {n}", v.name)
        })?;
    }
    Ok(())
}
