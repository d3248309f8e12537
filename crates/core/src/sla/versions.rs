//! Versioned policies (`[[policy.version]]`): validation, and the version a ticket is measured by.
//!
//! A version applies to tickets opened (local date) on or after its `from`, until the next
//! version's `from`. A ticket opened before the first version is measured by the unversioned
//! `[policy]` rules when the table writes `[[policy.rule]]` entries or names a `preset`; otherwise
//! by the first version, and [`Selection::before_first`] says so.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use thiserror::Error;

use super::pause::PauseSet;
use super::policy::{Policy, PolicyConfig, PolicyError, RuleConfig};

/// One `[[policy.version]]` as written.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VersionConfig {
    /// First local opening date the version applies to (`"2023-05-05"` or a TOML date).
    pub from: DateText,
    pub name: String,
    /// Statuses that pause the solution clock under this version (default: `[policy]`'s).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pause_statuses: Option<Vec<String>>,
    #[serde(default, rename = "rule", skip_serializing_if = "Vec::is_empty")]
    pub rules: Vec<RuleConfig>,
}

/// A date written as text or as a bare TOML date.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum DateText {
    Text(String),
    Toml(toml::value::Datetime),
}

impl DateText {
    fn text(&self) -> String {
        match self {
            DateText::Text(t) => t.trim().to_owned(),
            DateText::Toml(d) => d.to_string(),
        }
    }
}

/// Errors in `[[policy.version]]`.
#[derive(Debug, Error, PartialEq)]
pub enum VersionError {
    #[error("[[policy.version]] n.º {0}: falta «name» (el nombre que verán los informes)")]
    NoName(usize),
    #[error(
        "versión «{version}»: from «{text}» no es una fecha (use AAAA-MM-DD, p. ej. \"2023-05-05\")"
    )]
    BadDate { version: String, text: String },
    #[error(
        "versión «{version}»: from {from} no es posterior a {previous_from} de «{previous}»; \
         ordene las versiones por fecha, sin repetir fechas"
    )]
    Unordered {
        version: String,
        from: String,
        previous: String,
        previous_from: String,
    },
    #[error("versión «{0}»: no tiene reglas ([[policy.version.rule]])")]
    NoRules(String),
    #[error("versión «{version}»: {source}")]
    Rule {
        version: String,
        source: PolicyError,
    },
    /// A `pause_statuses` error, which names the version itself.
    #[error("{0}")]
    Pause(PolicyError),
}

/// A validated version: its rules form a [`Policy`] with `[policy]`'s thresholds and reopen
/// setting and its own pause statuses.
#[derive(Debug, Clone)]
pub struct PolicyVersion {
    pub name: String,
    pub from: NaiveDate,
    pub policy: Policy,
}

/// Every version, ordered by `from`.
#[derive(Debug, Clone, Default)]
pub struct Versions {
    pub list: Vec<PolicyVersion>,
    /// Whether `[policy]` writes rules or a preset of its own (then it measures tickets opened
    /// before the first version).
    pub has_unversioned: bool,
}

/// The policy that measures a ticket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Selection {
    /// Index in [`Versions::list`]; `None`: the unversioned `[policy]`.
    pub version: Option<usize>,
    /// Opened before the first version's `from`, and measured by that first version because
    /// `[policy]` has no rules of its own.
    pub before_first: bool,
}

impl Versions {
    /// Validates `cfg.versions` against the unversioned policy `base` built from the same table.
    pub fn build(cfg: &PolicyConfig, base: &Policy) -> Result<Versions, VersionError> {
        let mut list: Vec<PolicyVersion> = Vec::with_capacity(cfg.versions.len());
        for (i, v) in cfg.versions.iter().enumerate() {
            let version = build_version(i + 1, v, base)?;
            if let Some(prev) = list.last()
                && version.from <= prev.from
            {
                return Err(VersionError::Unordered {
                    version: version.name,
                    from: dmy(version.from),
                    previous: prev.name.clone(),
                    previous_from: dmy(prev.from),
                });
            }
            list.push(version);
        }
        Ok(Versions {
            list,
            has_unversioned: !cfg.rules.is_empty() || cfg.preset.is_some(),
        })
    }

    /// The version whose `from` ≤ `opened` < the next `from` (see the module's note for tickets
    /// opened before the first version).
    pub fn select(&self, opened: NaiveDate) -> Selection {
        let k = self.list.partition_point(|v| v.from <= opened);
        match k {
            0 if self.list.is_empty() || self.has_unversioned => Selection {
                version: None,
                before_first: false,
            },
            0 => Selection {
                version: Some(0),
                before_first: true,
            },
            k => Selection {
                version: Some(k - 1),
                before_first: false,
            },
        }
    }
}

fn build_version(
    n: usize,
    v: &VersionConfig,
    base: &Policy,
) -> Result<PolicyVersion, VersionError> {
    let name = v.name.trim().to_owned();
    if name.is_empty() {
        return Err(VersionError::NoName(n));
    }
    let text = v.from.text();
    let from = NaiveDate::parse_from_str(&text, "%Y-%m-%d").map_err(|_| VersionError::BadDate {
        version: name.clone(),
        text,
    })?;
    if v.rules.is_empty() {
        return Err(VersionError::NoRules(name));
    }
    let in_version = |source| VersionError::Rule {
        version: name.clone(),
        source,
    };
    let mut policy =
        Policy::new(&v.rules, base.warn_at.clone(), base.solved_time_pauses).map_err(in_version)?;
    policy.pause = match &v.pause_statuses {
        Some(items) => {
            PauseSet::parse(items, &format!("versión «{name}»")).map_err(VersionError::Pause)?
        }
        None => base.pause,
    };
    Ok(PolicyVersion { name, from, policy })
}

/// DD/MM/AAAA, as users read dates.
fn dmy(d: NaiveDate) -> String {
    d.format("%d/%m/%Y").to_string()
}
