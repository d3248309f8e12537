//! The measuring engine: every calendar and the policy, built once from the configuration and
//! shared by every evaluation.

use std::collections::HashMap;
use std::sync::Arc;

use crate::calendar::Calendar;
use crate::sla::policy::Policy;

/// Calendars and policy, built once and shared by every evaluation.
#[derive(Debug, Clone)]
pub struct Engine {
    pub default: Arc<Calendar>,
    pub by_entity: HashMap<String, Arc<Calendar>>,
    pub policy: Policy,
}

impl Engine {
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
