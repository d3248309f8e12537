//! SLA policy (domain core): ordered rules that give attention and solution targets to tickets,
//! warning thresholds, and how time spent solved before a reopen counts.

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::model::{Metric, TicketType, fold, parse_priority, priority_label_es};

/// Errors in a policy as written in the configuration.
#[derive(Debug, Error, PartialEq)]
pub enum PolicyError {
    #[error(
        "regla {rule}: meta «{text}» inválida (use por ejemplo \"90m\", \"2h\", \"2.5h\", \"3d\")"
    )]
    BadTarget { rule: usize, text: String },
    #[error("regla {rule}: métrica «{text}» desconocida (use \"attention\" o \"solution\")")]
    BadMetric { rule: usize, text: String },
    #[error("regla {rule}: indique «target» junto con «metric», o bien «attention»/«solution»")]
    NoTarget { rule: usize },
    #[error("regla {rule}: {}", unknown_priority(text))]
    BadPriority { rule: usize, text: String },
    #[error("regla {rule}: tipo «{text}» desconocido (use \"incident\" o \"request\")")]
    BadType { rule: usize, text: String },
    #[error("regla {rule}: patrón de categoría «{text}» inválido: {reason}")]
    BadPattern {
        rule: usize,
        text: String,
        reason: String,
    },
    #[error("umbral de alerta {0} fuera de rango (debe estar entre 0 y 1, sin incluir 0)")]
    BadThreshold(f64),
    #[error("preset de política desconocido: «{0}» (disponibles: {1})")]
    UnknownPreset(String, String),
    #[error("{what}: pause_statuses: estado «{text}» no permitido (use \"waiting\" o \"planned\")")]
    BadPauseStatus { what: String, text: String },
}

/// A target as written: business seconds plus business days (a day is the calendar's working
/// day, known only when the calendar is).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TargetSpec {
    pub seconds: f64,
    pub days: f64,
}

impl TargetSpec {
    /// Parses `"60m"`, `"2h"`, `"2.5h"`, `"1h30m"`, `"3d"`, `"45s"` (also `min`, `hora(s)`,
    /// `dia(s)`).
    pub fn parse(text: &str) -> Option<TargetSpec> {
        let t = fold(text).replace(' ', "");
        if t.is_empty() {
            return None;
        }
        let mut spec = TargetSpec {
            seconds: 0.0,
            days: 0.0,
        };
        let mut rest = t.as_str();
        while !rest.is_empty() {
            let num_len = rest
                .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == ','))
                .unwrap_or(rest.len());
            let value: f64 = rest[..num_len].replace(',', ".").parse().ok()?;
            rest = &rest[num_len..];
            let unit_len = rest
                .find(|c: char| c.is_ascii_digit())
                .unwrap_or(rest.len());
            let unit = &rest[..unit_len];
            rest = &rest[unit_len..];
            match unit {
                "s" | "seg" => spec.seconds += value,
                "m" | "min" | "mins" | "minutos" | "minuto" => spec.seconds += value * 60.0,
                "h" | "hora" | "horas" => spec.seconds += value * 3600.0,
                "d" | "dia" | "dias" => spec.days += value,
                _ => return None,
            }
        }
        (spec.seconds >= 0.0 && spec.days >= 0.0 && spec.seconds + spec.days > 0.0).then_some(spec)
    }

    /// Business seconds, given the length of a business day.
    pub fn resolve(self, day_seconds: i64) -> i64 {
        (self.seconds + self.days * day_seconds as f64).round() as i64
    }
}

/// A priority in a rule: a number or a label.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum PriorityItem {
    Number(i64),
    Label(String),
}

impl PriorityItem {
    /// The priority 1–6 it names, or its text as written when it names none (for
    /// [`unknown_priority`]).
    pub fn parse(&self) -> Result<u8, String> {
        match self {
            PriorityItem::Number(x) => u8::try_from(*x)
                .ok()
                .filter(|x| (1..=6).contains(x))
                .ok_or_else(|| x.to_string()),
            PriorityItem::Label(l) => parse_priority(l).ok_or_else(|| l.clone()),
        }
    }
}

/// The one wording of a priority no rule or route understands, with the valid values: the
/// numbers and GLPI's labels.
pub fn unknown_priority(text: &str) -> String {
    let labels: Vec<&str> = (1..=6).map(priority_label_es).collect();
    format!(
        "prioridad «{text}» desconocida (use 1–6 o una etiqueta: {})",
        labels.join(", ")
    )
}

/// One policy rule as written in the TOML configuration. Empty lists match everything.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleConfig {
    /// Name shown in reports; defaults to "regla N".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// `attention` or `solution`, together with `target`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metric: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    /// Targets for both metrics in one rule.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attention: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub solution: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub entity: Vec<String>,
    #[serde(default, rename = "type", skip_serializing_if = "Vec::is_empty")]
    pub types: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub priority: Vec<PriorityItem>,
    /// Category paths (`Software > Ofimática` matches itself and its subcategories) or globs.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub category: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub service: Vec<String>,
    /// A named calendar (`[calendars.<name>]`) that measures this rule's clocks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub calendar: Option<String>,
}

/// The `[policy]` table as written.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyConfig {
    /// Shipped presets (`por-prioridad`, `atencion-8h`, `por-servicio`), one name or a list; their
    /// rules come after the ones written here, in the order named.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preset: Option<Presets>,
    /// Fractions of the target at which an open ticket is at risk (default 0.5 and 0.75).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub warn_at: Option<Vec<f64>>,
    /// Whether time spent solved before a reopen is paused (default true).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub solved_time_pauses: Option<bool>,
    #[serde(default, rename = "rule", skip_serializing_if = "Vec::is_empty")]
    pub rules: Vec<RuleConfig>,
    /// Statuses that pause the solution clock (default `["waiting"]`; `"planned"` allowed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pause_statuses: Option<Vec<String>>,
    /// Versions of the policy by opening date (`[[policy.version]]`), see [`super::versions`].
    #[serde(default, rename = "version", skip_serializing_if = "Vec::is_empty")]
    pub versions: Vec<super::versions::VersionConfig>,
}

/// One preset name or several.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Presets {
    One(String),
    Many(Vec<String>),
}

impl Presets {
    fn names(&self) -> Vec<&str> {
        match self {
            Presets::One(n) => vec![n.as_str()],
            Presets::Many(ns) => ns.iter().map(String::as_str).collect(),
        }
    }
}

/// Presets from real procedures (design §6), shipped as TOML.
pub const PRESETS: &[(&str, &str)] = &[
    ("por-prioridad", include_str!("presets/por-prioridad.toml")),
    ("atencion-8h", include_str!("presets/atencion-8h.toml")),
    ("por-servicio", include_str!("presets/por-servicio.toml")),
];

/// The policy used when the configuration says nothing: attention by priority (1/2/5/18 h) and
/// solution per service category (2.5 h / 8 h / 3 days), the two procedures combined.
pub const DEFAULT_PRESETS: &[&str] = &["por-prioridad", "por-servicio"];

/// A category, entity or service pattern (also used by the alert routes).
#[derive(Debug, Clone)]
pub enum PathPattern {
    /// Folded path components: matches the path itself and everything below it.
    Prefix(Vec<String>),
    Glob(glob::Pattern),
}

impl PathPattern {
    pub fn new(text: &str) -> Result<PathPattern, String> {
        let folded = fold(text);
        if folded.contains(['*', '?', '[']) {
            glob::Pattern::new(&folded)
                .map(PathPattern::Glob)
                .map_err(|e| e.msg.to_string())
        } else {
            Ok(PathPattern::Prefix(components(&folded)))
        }
    }

    /// `value` must already be folded.
    pub fn matches(&self, value: &str) -> bool {
        match self {
            PathPattern::Glob(g) => g.matches(value),
            PathPattern::Prefix(parts) => {
                let mut it = value.split('>').map(str::trim);
                parts.iter().all(|p| it.next() == Some(p.as_str()))
            }
        }
    }
}

fn components(folded: &str) -> Vec<String> {
    folded.split('>').map(|p| p.trim().to_owned()).collect()
}

/// A validated rule.
#[derive(Debug, Clone)]
pub struct Rule {
    pub name: String,
    entity: Vec<PathPattern>,
    types: Vec<TicketType>,
    priority: Vec<u8>,
    category: Vec<PathPattern>,
    service: Vec<PathPattern>,
    pub attention: Option<TargetSpec>,
    pub solution: Option<TargetSpec>,
    /// The named calendar of this rule's clocks, when it has one.
    pub calendar: Option<String>,
}

/// The attributes of a ticket that rules look at. Text fields are matched case- and
/// accent-insensitively.
#[derive(Debug, Clone, Copy, Default)]
pub struct TicketAttrs<'a> {
    pub entity: &'a str,
    pub ticket_type: Option<TicketType>,
    pub priority: Option<u8>,
    pub category: &'a str,
    pub service: &'a str,
}

impl Rule {
    fn matches(&self, t: &TicketAttrs<'_>, folded: &Folded) -> bool {
        let any = |pats: &[PathPattern], value: &str| {
            pats.is_empty() || pats.iter().any(|p| p.matches(value))
        };
        // An entity also matches by its last component ("Alcaldía X" for "Raíz > Alcaldía X").
        let entity_ok = self.entity.is_empty()
            || self.entity.iter().any(|p| {
                p.matches(&folded.entity)
                    || folded
                        .entity
                        .rsplit('>')
                        .next()
                        .is_some_and(|last| p.matches(last.trim()))
            });
        entity_ok
            && (self.types.is_empty() || t.ticket_type.is_some_and(|x| self.types.contains(&x)))
            && (self.priority.is_empty() || t.priority.is_some_and(|p| self.priority.contains(&p)))
            && (self.category.is_empty()
                || (!folded.category.is_empty() && any(&self.category, &folded.category)))
            && (self.service.is_empty()
                || (!folded.service.is_empty() && any(&self.service, &folded.service)))
    }
}

struct Folded {
    entity: String,
    category: String,
    service: String,
}

/// A validated policy.
#[derive(Debug, Clone)]
pub struct Policy {
    pub rules: Vec<Rule>,
    /// Sorted ascending, each in (0, 1].
    pub warn_at: Vec<f64>,
    pub solved_time_pauses: bool,
    /// Statuses that pause the solution clock.
    pub pause: super::pause::PauseSet,
}

impl Policy {
    /// Builds a policy from its configuration, resolving a preset when named (the default preset
    /// when the configuration has neither rules nor a preset).
    pub fn from_config(cfg: &PolicyConfig) -> Result<Policy, PolicyError> {
        let mut rules_cfg = cfg.rules.clone();
        let names: Vec<&str> = match (&cfg.preset, cfg.rules.is_empty()) {
            (Some(p), _) => p.names(),
            (None, true) => DEFAULT_PRESETS.to_vec(),
            (None, false) => Vec::new(),
        };
        // Thresholds and the reopen setting come from the configuration, else the first preset.
        let mut preset_cfg: Option<PolicyConfig> = None;
        for name in names {
            let parsed = preset_config(name)?;
            rules_cfg.extend(parsed.rules.iter().cloned());
            preset_cfg.get_or_insert(parsed);
        }
        let warn_at = cfg
            .warn_at
            .clone()
            .or_else(|| preset_cfg.as_ref().and_then(|p| p.warn_at.clone()))
            .unwrap_or_else(|| vec![0.5, 0.75]);
        let solved_time_pauses = cfg
            .solved_time_pauses
            .or_else(|| preset_cfg.as_ref().and_then(|p| p.solved_time_pauses))
            .unwrap_or(true);
        let mut policy = Policy::new(&rules_cfg, warn_at, solved_time_pauses)?;
        if let Some(items) = &cfg.pause_statuses {
            policy.pause = super::pause::PauseSet::parse(items, "[policy]")?;
        }
        Ok(policy)
    }

    /// Builds and validates a policy from rules as written.
    pub fn new(
        rules: &[RuleConfig],
        mut warn_at: Vec<f64>,
        solved_time_pauses: bool,
    ) -> Result<Policy, PolicyError> {
        for &w in &warn_at {
            if !(w > 0.0 && w <= 1.0) {
                return Err(PolicyError::BadThreshold(w));
            }
        }
        warn_at.sort_by(f64::total_cmp);
        warn_at.dedup();
        let mut out = Vec::with_capacity(rules.len());
        for (i, r) in rules.iter().enumerate() {
            out.push(build_rule(i + 1, r)?);
        }
        Ok(Policy {
            rules: out,
            warn_at,
            solved_time_pauses,
            pause: super::pause::PauseSet::default(),
        })
    }

    /// Per metric, the first rule that matches the ticket and gives a target for that metric:
    /// `(business seconds, rule index)`.
    pub fn targets(&self, t: &TicketAttrs<'_>, day_seconds: i64) -> super::Targets {
        let [a, s] = self.first_matches(t);
        let resolve =
            |m: Option<(TargetSpec, usize)>| m.map(|(spec, i)| (spec.resolve(day_seconds), i));
        super::Targets {
            attention: resolve(a),
            solution: resolve(s),
        }
    }

    /// Per metric (attention, solution), the target as written and the index of the first rule
    /// that matches the ticket and gives a target for that metric.
    pub fn first_matches(&self, t: &TicketAttrs<'_>) -> [Option<(TargetSpec, usize)>; 2] {
        let folded = Folded {
            entity: fold(t.entity),
            category: fold(t.category),
            service: fold(t.service),
        };
        let mut out: [Option<(TargetSpec, usize)>; 2] = [None, None];
        for (i, rule) in self.rules.iter().enumerate() {
            if out[0].is_some() && out[1].is_some() {
                break;
            }
            let need_a = out[0].is_none() && rule.attention.is_some();
            let need_s = out[1].is_none() && rule.solution.is_some();
            if !(need_a || need_s) || !rule.matches(t, &folded) {
                continue;
            }
            if need_a && let Some(spec) = rule.attention {
                out[0] = Some((spec, i));
            }
            if need_s && let Some(spec) = rule.solution {
                out[1] = Some((spec, i));
            }
        }
        out
    }

    /// How many warning thresholds `business` has reached for a target (exactly at a threshold
    /// counts as reached).
    pub fn levels_reached(&self, business: i64, target: i64) -> u8 {
        self.warn_at
            .iter()
            .filter(|&&w| business as f64 >= (w * target as f64).ceil())
            .count() as u8
    }

    /// The target of a metric in a rule, for display.
    pub fn rule_target(&self, rule: usize, metric: Metric) -> Option<TargetSpec> {
        let r = self.rules.get(rule)?;
        match metric {
            Metric::Attention => r.attention,
            Metric::Solution => r.solution,
        }
    }
}

/// Parses a shipped preset.
pub fn preset_config(name: &str) -> Result<PolicyConfig, PolicyError> {
    let names = PRESETS
        .iter()
        .map(|(n, _)| *n)
        .collect::<Vec<_>>()
        .join(", ");
    let (_, text) = PRESETS
        .iter()
        .find(|(n, _)| *n == name)
        .ok_or_else(|| PolicyError::UnknownPreset(name.to_owned(), names.clone()))?;
    #[derive(Deserialize)]
    struct Wrapper {
        policy: PolicyConfig,
    }
    // Presets are part of the binary and covered by a test, so a parse failure here is a bug in a
    // shipped file, reported as an unknown preset rather than a panic.
    toml::from_str::<Wrapper>(text)
        .map(|w| w.policy)
        .map_err(|e| PolicyError::UnknownPreset(format!("{name} ({e})"), names))
}

fn build_rule(n: usize, r: &RuleConfig) -> Result<Rule, PolicyError> {
    let target = |text: &str| {
        TargetSpec::parse(text).ok_or_else(|| PolicyError::BadTarget {
            rule: n,
            text: text.to_owned(),
        })
    };
    let mut attention = r.attention.as_deref().map(target).transpose()?;
    let mut solution = r.solution.as_deref().map(target).transpose()?;
    match (&r.metric, &r.target) {
        (Some(m), Some(t)) => match Metric::from_code(&fold(m)) {
            Some(Metric::Attention) => attention = Some(target(t)?),
            Some(Metric::Solution) => solution = Some(target(t)?),
            None => {
                return Err(PolicyError::BadMetric {
                    rule: n,
                    text: m.clone(),
                });
            }
        },
        (None, None) => {}
        _ => return Err(PolicyError::NoTarget { rule: n }),
    }
    if attention.is_none() && solution.is_none() {
        return Err(PolicyError::NoTarget { rule: n });
    }
    let mut priority = Vec::new();
    for p in &r.priority {
        priority.push(
            p.parse()
                .map_err(|text| PolicyError::BadPriority { rule: n, text })?,
        );
    }
    let mut types = Vec::new();
    for t in &r.types {
        types.push(TicketType::parse(t).ok_or_else(|| PolicyError::BadType {
            rule: n,
            text: t.clone(),
        })?);
    }
    let patterns = |items: &[String]| -> Result<Vec<PathPattern>, PolicyError> {
        items
            .iter()
            .map(|s| {
                PathPattern::new(s).map_err(|reason| PolicyError::BadPattern {
                    rule: n,
                    text: s.clone(),
                    reason,
                })
            })
            .collect()
    };
    Ok(Rule {
        name: r.name.clone().unwrap_or_else(|| format!("regla {n}")),
        entity: patterns(&r.entity)?,
        types,
        priority,
        category: patterns(&r.category)?,
        service: patterns(&r.service)?,
        attention,
        solution,
        calendar: r.calendar.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_targets() {
        let p = |s| TargetSpec::parse(s).map(|t| t.resolve(9 * 3600));
        assert_eq!(p("60m"), Some(3600));
        assert_eq!(p("2h"), Some(7200));
        assert_eq!(p("2.5h"), Some(9000));
        assert_eq!(p("1h30m"), Some(5400));
        assert_eq!(p("3d"), Some(97_200));
        assert_eq!(p("150 min"), Some(9000));
        assert_eq!(p("2 horas"), Some(7200));
        assert_eq!(p("abc"), None);
        assert_eq!(p("0h"), None);
        assert_eq!(p(""), None);
    }

    #[test]
    fn every_preset_parses() {
        for (name, _) in PRESETS {
            let cfg = preset_config(name).expect("preset parses");
            let policy = Policy::from_config(&cfg).expect("preset validates");
            assert!(!policy.rules.is_empty(), "{name}");
        }
    }

    fn sample_policy() -> Policy {
        Policy::from_config(&PolicyConfig::default()).expect("default policy")
    }

    #[test]
    fn first_match_wins_per_metric_and_categories_match_subcategories() {
        let p = sample_policy();
        let t = TicketAttrs {
            priority: Some(6),
            category: "Telecomunicaciones > VPN > Cliente",
            ..Default::default()
        };
        let got = p.targets(&t, 9 * 3600);
        assert_eq!(got.attention.map(|x| x.0), Some(3600));
        assert_eq!(got.solution.map(|x| x.0), Some(8 * 3600));
        let t = TicketAttrs {
            priority: Some(2),
            category: "telecomunicaciones > correo",
            ..Default::default()
        };
        let got = p.targets(&t, 9 * 3600);
        assert_eq!(got.attention.map(|x| x.0), Some(18 * 3600));
        assert_eq!(got.solution, None, "Telecomunicaciones alone has no target");
        let t = TicketAttrs {
            priority: Some(3),
            category: "Gestion de usuarios",
            ..Default::default()
        };
        assert_eq!(p.targets(&t, 9 * 3600).solution.map(|x| x.0), Some(9000));
        let t = TicketAttrs {
            priority: Some(3),
            category: "HardwareX",
            ..Default::default()
        };
        assert_eq!(
            p.targets(&t, 9 * 3600).solution,
            None,
            "prefix is per component"
        );
    }

    #[test]
    fn rules_filter_on_type_entity_service_and_globs() {
        let rules = vec![
            RuleConfig {
                attention: Some("1h".into()),
                types: vec!["incidencia".into()],
                entity: vec!["Alcaldía de Villa Esperanza".into()],
                ..Default::default()
            },
            RuleConfig {
                solution: Some("3d".into()),
                category: vec!["*impresora*".into()],
                service: vec!["Soporte en sitio".into()],
                ..Default::default()
            },
            RuleConfig {
                attention: Some("8h".into()),
                ..Default::default()
            },
        ];
        let p = Policy::new(&rules, vec![0.5], true).expect("valid");
        let t = TicketAttrs {
            entity: "Entidad Raíz > Alcaldía de Villa Esperanza",
            ticket_type: Some(TicketType::Incident),
            category: "Hardware > Impresoras",
            service: "soporte en sitio",
            ..Default::default()
        };
        let got = p.targets(&t, 9 * 3600);
        assert_eq!(got.attention, Some((3600, 0)));
        assert_eq!(got.solution, Some((3 * 9 * 3600, 1)));
        let t = TicketAttrs {
            ticket_type: Some(TicketType::Request),
            ..t
        };
        assert_eq!(p.targets(&t, 9 * 3600).attention, Some((8 * 3600, 2)));
    }

    #[test]
    fn bad_rules_are_refused_with_spanish_messages() {
        let bad = RuleConfig {
            metric: Some("attention".into()),
            target: Some("2 semanas".into()),
            ..Default::default()
        };
        let err = Policy::new(&[bad], vec![0.75], true).expect_err("bad target");
        assert!(
            err.to_string().contains("meta «2 semanas» inválida"),
            "{err}"
        );
        let bad = RuleConfig {
            attention: Some("1h".into()),
            priority: vec![PriorityItem::Number(9)],
            ..Default::default()
        };
        assert!(matches!(
            Policy::new(&[bad], vec![0.75], true),
            Err(PolicyError::BadPriority { .. })
        ));
        assert!(matches!(
            Policy::new(&[], vec![1.5], true),
            Err(PolicyError::BadThreshold(_))
        ));
        let only_metric = RuleConfig {
            metric: Some("solution".into()),
            ..Default::default()
        };
        assert_eq!(
            Policy::new(&[only_metric], vec![0.75], true).err(),
            Some(PolicyError::NoTarget { rule: 1 })
        );
    }

    #[test]
    fn thresholds_count_levels() {
        let p = Policy::new(&[], vec![0.75, 0.5], true).expect("valid");
        assert_eq!(p.warn_at, vec![0.5, 0.75]);
        assert_eq!(p.levels_reached(1799, 3600), 0);
        assert_eq!(p.levels_reached(1800, 3600), 1);
        assert_eq!(p.levels_reached(2700, 3600), 2);
    }
}
