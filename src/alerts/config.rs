//! The `[smtp]` and `[alerts]` configuration sections: their defaults, their validation at load
//! (every address parsed, naming the bad one), and the compiled recipient routes.

use std::str::FromStr;
use std::time::Duration;

use chrono::NaiveTime;
use lettre::message::Mailbox;
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::model::fold;
use crate::sla::policy::{PathPattern, PriorityItem, unknown_priority};

/// Default share of the target at which an open clock is "at risk" for alerts.
pub const DEFAULT_WARN_AT: f64 = 0.75;
/// Default environment variable holding the SMTP password.
pub const DEFAULT_PASSWORD_ENV: &str = "MESA_SLA_SMTP_PASSWORD";
const DEFAULT_TIMEOUT_SECS: u64 = 20;
const DEFAULT_RETRY_INITIAL_SECS: u64 = 60;
const DEFAULT_RETRY_MAX_SECS: u64 = 3600;

/// Errors in the `[smtp]` or `[alerts]` sections.
#[derive(Debug, Error, PartialEq)]
pub enum AlertsConfigError {
    #[error("{field}: la dirección de correo «{address}» no es válida ({reason})")]
    BadAddress {
        field: String,
        address: String,
        reason: String,
    },
    #[error(
        "[smtp] security = «{0}» no es un modo conocido (use \"none\", \"starttls\" o \"tls\")"
    )]
    BadSecurity(String),
    #[error("[smtp] el puerto no puede ser 0")]
    BadPort,
    #[error("[smtp] {0} no puede estar vacío")]
    Empty(&'static str),
    #[error("[alerts] warn_at = {0} fuera de rango (debe estar entre 0 y 1, sin incluir 0)")]
    BadWarnAt(f64),
    #[error(
        "[alerts] daily_digest = «{0}» no es una hora válida (use \"HH:MM\", p. ej. \"07:30\")"
    )]
    BadDigestTime(String),
    #[error("[alerts] retry_initial_secs y retry_max_secs deben ser mayores que 0")]
    BadRetry,
    #[error("[[alerts.route]] {route}: {}", unknown_priority(text))]
    BadPriority { route: usize, text: String },
    #[error("[[alerts.route]] {route}: patrón «{text}» inválido: {reason}")]
    BadPattern {
        route: usize,
        text: String,
        reason: String,
    },
}

/// How the SMTP connection is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Security {
    /// Plain SMTP (a relay on the same machine or network).
    None,
    /// Plain connection upgraded with STARTTLS, which is required (usually port 587).
    StartTls,
    /// TLS from the first byte (SMTPS, usually port 465).
    Tls,
}

impl Security {
    fn parse(text: &str) -> Option<Security> {
        match fold(text).as_str() {
            "none" | "ninguna" | "" => Some(Security::None),
            "starttls" => Some(Security::StartTls),
            "tls" | "ssl" | "smtps" => Some(Security::Tls),
            _ => None,
        }
    }

    fn default_port(self) -> u16 {
        match self {
            Security::None => 25,
            Security::StartTls => 587,
            Security::Tls => 465,
        }
    }
}

/// `[smtp]`: the server alerts are sent through. Holds no secret: the password is read from the
/// environment variable named by `password_env` at the moment of sending.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmtpConfig {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    /// Default: 25, 587 or 465 according to `security`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<u16>,
    /// `none` (default), `starttls` or `tls`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub security: Option<String>,
    /// Empty or absent: no authentication.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    /// Name of the environment variable with the password (default `MESA_SLA_SMTP_PASSWORD`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password_env: Option<String>,
    /// Sender, e.g. `ANS Mesa de Servicios <ans@entidad.gov.co>`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    /// Connection and command timeout in seconds (default 20).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout_secs: Option<u64>,
}

/// `[smtp]` validated. Built only when there is something to send.
#[derive(Debug, Clone)]
pub struct Smtp {
    pub host: String,
    pub port: u16,
    pub security: Security,
    pub username: Option<String>,
    pub password_env: String,
    pub from: Mailbox,
    pub timeout: Duration,
}

impl SmtpConfig {
    /// Checks every value; `Ok(None)` when no server is configured.
    pub fn compile(&self) -> Result<Option<Smtp>, AlertsConfigError> {
        let security = match &self.security {
            None => Security::None,
            Some(s) => {
                Security::parse(s).ok_or_else(|| AlertsConfigError::BadSecurity(s.clone()))?
            }
        };
        if self.port == Some(0) {
            return Err(AlertsConfigError::BadPort);
        }
        let from = self
            .from
            .as_deref()
            .map(|f| mailbox("[smtp] from", f))
            .transpose()?;
        let Some(host) = self.host.as_deref().map(str::trim) else {
            return Ok(None);
        };
        if host.is_empty() {
            return Err(AlertsConfigError::Empty("host"));
        }
        let from = from.ok_or(AlertsConfigError::Empty("from"))?;
        let password_env = self
            .password_env
            .as_deref()
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .unwrap_or(DEFAULT_PASSWORD_ENV)
            .to_owned();
        Ok(Some(Smtp {
            host: host.to_owned(),
            port: self.port.unwrap_or_else(|| security.default_port()),
            security,
            username: self
                .username
                .as_deref()
                .map(str::trim)
                .filter(|u| !u.is_empty())
                .map(str::to_owned),
            password_env,
            from,
            timeout: Duration::from_secs(self.timeout_secs.unwrap_or(DEFAULT_TIMEOUT_SECS)),
        }))
    }
}

/// `[alerts]`: thresholds, routes, quiet hours, digest and retries.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AlertsConfig {
    /// Share of the target at which an open clock is at risk (default 0.75).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub warn_at: Option<f64>,
    /// Hold delivery while the business calendar is closed (default false).
    #[serde(default)]
    pub quiet_outside_business_hours: bool,
    /// Recipients of alerts that no route matches (default: none; such alerts are recorded as
    /// "sin destinatario").
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub default_to: Vec<String>,
    /// Time of day (`"HH:MM"`) from which each business day's digest is written (default: no
    /// digest).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub daily_digest: Option<String>,
    /// First retry delay after a failed delivery, doubled on each failure (default 60 s).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_initial_secs: Option<u64>,
    /// Longest retry delay (default 3600 s).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_max_secs: Option<u64>,
    /// Recipient rules, first match wins.
    #[serde(default, rename = "route", skip_serializing_if = "Vec::is_empty")]
    pub routes: Vec<RouteConfig>,
}

/// One `[[alerts.route]]`. Empty lists match everything.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RouteConfig {
    /// Shown in logs; defaults to "ruta N".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Entities (full path or last component).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub entity: Vec<String>,
    /// Technician groups (a group also matches its subgroups, or a pattern with `*`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub group: Vec<String>,
    /// Priorities, 1–6 or labels.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub priority: Vec<PriorityItem>,
    /// Categories (with their subcategories, or a pattern with `*`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub category: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub to: Vec<String>,
    /// Added to `to` when a clock is breached.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub escalate_to: Vec<String>,
}

/// A validated route.
#[derive(Debug, Clone)]
pub struct Route {
    pub name: String,
    entity: Vec<PathPattern>,
    group: Vec<PathPattern>,
    priority: Vec<u8>,
    category: Vec<PathPattern>,
    pub to: Vec<Mailbox>,
    pub escalate_to: Vec<Mailbox>,
}

/// The ticket attributes routes look at.
#[derive(Debug, Clone, Copy, Default)]
pub struct RouteAttrs<'a> {
    pub entity: &'a str,
    pub group: &'a str,
    pub priority: Option<u8>,
    pub category: &'a str,
}

impl Route {
    /// Whether the route applies to a ticket (text compared case- and accent-insensitively).
    pub fn matches(&self, t: &RouteAttrs<'_>) -> bool {
        let any = |pats: &[PathPattern], value: &str| {
            pats.is_empty() || {
                let folded = fold(value);
                !folded.is_empty() && pats.iter().any(|p| p.matches(&folded))
            }
        };
        // Like the policy: an entity also matches by the last component of its path.
        let entity_ok = self.entity.is_empty() || {
            let folded = fold(t.entity);
            let last = folded.rsplit('>').next().unwrap_or("").trim().to_owned();
            self.entity
                .iter()
                .any(|p| p.matches(&folded) || p.matches(&last))
        };
        entity_ok
            && any(&self.group, t.group)
            && any(&self.category, t.category)
            && (self.priority.is_empty() || t.priority.is_some_and(|p| self.priority.contains(&p)))
    }
}

/// `[alerts]` validated.
#[derive(Debug, Clone)]
pub struct Alerts {
    pub warn_at: f64,
    pub quiet_outside_business_hours: bool,
    pub default_to: Vec<Mailbox>,
    pub daily_digest: Option<NaiveTime>,
    pub retry_initial: Duration,
    pub retry_max: Duration,
    pub routes: Vec<Route>,
}

/// Who receives an alert, and under which rule.
#[derive(Debug, Clone, PartialEq)]
pub struct Recipients {
    /// The route that matched (`None`: the default recipients, or nobody).
    pub route: Option<String>,
    pub to: Vec<Mailbox>,
}

impl Alerts {
    /// Recipients of an alert: the first matching route's `to`, plus its `escalate_to` when
    /// `breached`; `default_to` when no route matches. An empty list means nobody.
    pub fn recipients(&self, t: &RouteAttrs<'_>, breached: bool) -> Recipients {
        match self.routes.iter().find(|r| r.matches(t)) {
            Some(r) => {
                let mut to = r.to.clone();
                if breached {
                    for m in &r.escalate_to {
                        if !to.iter().any(|x| same_address(x, m)) {
                            to.push(m.clone());
                        }
                    }
                }
                Recipients {
                    route: Some(r.name.clone()),
                    to,
                }
            }
            None => Recipients {
                route: None,
                to: self.default_to.clone(),
            },
        }
    }

    /// Delay before retry number `attempts + 1`, after `attempts` failures (1, 2, …): the
    /// initial delay doubled on each failure, capped.
    pub fn backoff(&self, attempts: u32) -> Duration {
        let shift = attempts.saturating_sub(1).min(30);
        self.retry_initial
            .saturating_mul(1u32 << shift)
            .min(self.retry_max)
    }
}

/// Whether two mailboxes are the same address (display names aside).
pub fn same_address(a: &Mailbox, b: &Mailbox) -> bool {
    a.email.to_string().eq_ignore_ascii_case(b.email.as_ref())
}

impl AlertsConfig {
    /// Checks every value and compiles the routes.
    pub fn compile(&self) -> Result<Alerts, AlertsConfigError> {
        let warn_at = self.warn_at.unwrap_or(DEFAULT_WARN_AT);
        if !(warn_at > 0.0 && warn_at <= 1.0) {
            return Err(AlertsConfigError::BadWarnAt(warn_at));
        }
        let daily_digest = self
            .daily_digest
            .as_deref()
            .map(|t| {
                NaiveTime::parse_from_str(t.trim(), "%H:%M")
                    .map_err(|_| AlertsConfigError::BadDigestTime(t.to_owned()))
            })
            .transpose()?;
        let retry_initial = self
            .retry_initial_secs
            .unwrap_or(DEFAULT_RETRY_INITIAL_SECS);
        let retry_max = self.retry_max_secs.unwrap_or(DEFAULT_RETRY_MAX_SECS);
        if retry_initial == 0 || retry_max == 0 {
            return Err(AlertsConfigError::BadRetry);
        }
        let mut routes = Vec::with_capacity(self.routes.len());
        for (i, r) in self.routes.iter().enumerate() {
            routes.push(compile_route(i + 1, r)?);
        }
        Ok(Alerts {
            warn_at,
            quiet_outside_business_hours: self.quiet_outside_business_hours,
            default_to: mailboxes("[alerts] default_to", &self.default_to)?,
            daily_digest,
            retry_initial: Duration::from_secs(retry_initial),
            retry_max: Duration::from_secs(retry_max.max(retry_initial)),
            routes,
        })
    }
}

fn compile_route(n: usize, r: &RouteConfig) -> Result<Route, AlertsConfigError> {
    let patterns = |items: &[String]| -> Result<Vec<PathPattern>, AlertsConfigError> {
        items
            .iter()
            .map(|s| {
                PathPattern::new(s).map_err(|reason| AlertsConfigError::BadPattern {
                    route: n,
                    text: s.clone(),
                    reason,
                })
            })
            .collect()
    };
    let mut priority = Vec::with_capacity(r.priority.len());
    for p in &r.priority {
        priority.push(
            p.parse()
                .map_err(|text| AlertsConfigError::BadPriority { route: n, text })?,
        );
    }
    let name = r.name.clone().unwrap_or_else(|| format!("ruta {n}"));
    Ok(Route {
        entity: patterns(&r.entity)?,
        group: patterns(&r.group)?,
        priority,
        category: patterns(&r.category)?,
        to: mailboxes(&format!("[[alerts.route]] {n} to"), &r.to)?,
        escalate_to: mailboxes(&format!("[[alerts.route]] {n} escalate_to"), &r.escalate_to)?,
        name,
    })
}

fn mailbox(field: &str, text: &str) -> Result<Mailbox, AlertsConfigError> {
    Mailbox::from_str(text.trim()).map_err(|e| AlertsConfigError::BadAddress {
        field: field.to_owned(),
        address: text.to_owned(),
        reason: address_reason(&e),
    })
}

fn mailboxes(field: &str, items: &[String]) -> Result<Vec<Mailbox>, AlertsConfigError> {
    let mut out: Vec<Mailbox> = Vec::with_capacity(items.len());
    for text in items {
        let m = mailbox(field, text)?;
        if !out.iter().any(|x| same_address(x, &m)) {
            out.push(m);
        }
    }
    Ok(out)
}

/// A Spanish reason for lettre's (English) address errors.
fn address_reason(e: &lettre::address::AddressError) -> String {
    use lettre::address::AddressError as E;
    match e {
        E::MissingParts => "falta la @ o una de sus partes".into(),
        E::Unbalanced => "los signos < > no están balanceados".into(),
        E::InvalidUser => "la parte antes de la @ no es válida".into(),
        E::InvalidDomain => "el dominio no es válido".into(),
        E::InvalidInput => "contiene caracteres no permitidos".into(),
        _ => "formato no reconocido".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn alerts(toml_text: &str) -> Result<Alerts, AlertsConfigError> {
        let cfg: AlertsConfig = toml::from_str(toml_text).expect("toml");
        cfg.compile()
    }

    fn addrs(r: &Recipients) -> Vec<String> {
        r.to.iter().map(|m| m.email.to_string()).collect()
    }

    #[test]
    fn first_matching_route_wins_and_escalates_on_breach() {
        let a = alerts(
            r#"
default_to = ["coordinacion@entidad.gov.co"]
[[route]]
name = "Redes urgentes"
group = ["Redes"]
priority = [5, "Mayor"]
to = ["redes@entidad.gov.co"]
escalate_to = ["jefe.redes@entidad.gov.co", "redes@entidad.gov.co"]
[[route]]
category = ["Software > Ofimática"]
to = ["ofimatica@entidad.gov.co"]
[[route]]
entity = ["Instituto de Cultura"]
to = ["cultura@entidad.gov.co"]
escalate_to = ["Director TIC <director.tic@entidad.gov.co>"]
"#,
        )
        .expect("valid");
        let redes = RouteAttrs {
            entity: "Alcaldía",
            group: "Redes > Cableado",
            priority: Some(6),
            category: "Hardware",
        };
        let r = a.recipients(&redes, false);
        assert_eq!(r.route.as_deref(), Some("Redes urgentes"));
        assert_eq!(addrs(&r), ["redes@entidad.gov.co"]);
        // Escalation adds the coordinator once; an address already in `to` is not repeated.
        let r = a.recipients(&redes, true);
        assert_eq!(
            addrs(&r),
            ["redes@entidad.gov.co", "jefe.redes@entidad.gov.co"]
        );
        // Same group, lower priority: the first route does not match; nor do the others.
        let low = RouteAttrs {
            priority: Some(3),
            ..redes
        };
        let r = a.recipients(&low, true);
        assert_eq!(r.route, None);
        assert_eq!(addrs(&r), ["coordinacion@entidad.gov.co"]);
        // Category prefix, accent- and case-insensitive, subcategories included.
        let ofi = RouteAttrs {
            entity: "Alcaldía",
            group: "",
            priority: None,
            category: "SOFTWARE > Ofimatica > Excel",
        };
        assert_eq!(
            addrs(&a.recipients(&ofi, true)),
            ["ofimatica@entidad.gov.co"]
        );
        // An entity matches by the last component of its path.
        let cultura = RouteAttrs {
            entity: "Raíz > Instituto de Cultura",
            ..ofi
        };
        let cultura = RouteAttrs {
            category: "Hardware",
            ..cultura
        };
        let r = a.recipients(&cultura, true);
        assert_eq!(
            addrs(&r),
            ["cultura@entidad.gov.co", "director.tic@entidad.gov.co"]
        );
        // A ticket without a group does not match a route that asks for one.
        let none = RouteAttrs {
            entity: "Otra",
            group: "",
            priority: Some(6),
            category: "",
        };
        assert_eq!(a.recipients(&none, false).route, None);
    }

    #[test]
    fn empty_lists_match_everything_and_no_route_means_nobody() {
        let a = alerts("[[route]]\nto = [\"mesa@entidad.gov.co\"]\n").expect("valid");
        let r = a.recipients(&RouteAttrs::default(), true);
        assert_eq!(addrs(&r), ["mesa@entidad.gov.co"]);
        let a = alerts("[[route]]\ngroup = [\"N2\"]\nto = [\"n2@entidad.gov.co\"]\n").expect("ok");
        let r = a.recipients(&RouteAttrs::default(), true);
        assert!(r.to.is_empty() && r.route.is_none());
    }

    #[test]
    fn bad_values_name_what_is_wrong() {
        let err =
            alerts("[[route]]\nto = [\"mesa@entidad.gov.co\", \"director.entidad.gov.co\"]\n")
                .expect_err("bad address");
        assert!(
            err.to_string().contains("«director.entidad.gov.co»"),
            "{err}"
        );
        assert!(err.to_string().contains("[[alerts.route]] 1 to"), "{err}");
        let err = alerts("default_to = [\"Mesa <mesa@entidad.gov.co\"]\n").expect_err("unbalanced");
        assert!(err.to_string().contains("default_to"), "{err}");
        assert!(matches!(
            alerts("warn_at = 1.5\n"),
            Err(AlertsConfigError::BadWarnAt(_))
        ));
        assert!(matches!(
            alerts("daily_digest = \"7 am\"\n"),
            Err(AlertsConfigError::BadDigestTime(_))
        ));
        assert!(matches!(
            alerts("[[route]]\npriority = [\"Urgentísima\"]\n"),
            Err(AlertsConfigError::BadPriority { route: 1, .. })
        ));
        let smtp = |t: &str| toml::from_str::<SmtpConfig>(t).expect("toml").compile();
        assert!(matches!(
            smtp("host = \"x\"\nsecurity = \"ssl3\"\nfrom = \"a@b.co\"\n"),
            Err(AlertsConfigError::BadSecurity(_))
        ));
        let err = smtp("host = \"x\"\nfrom = \"ANS <ans@@entidad>\"\n").expect_err("bad from");
        assert!(err.to_string().contains("[smtp] from"), "{err}");
        assert!(matches!(
            smtp("host = \"x\"\n"),
            Err(AlertsConfigError::Empty("from"))
        ));
    }

    #[test]
    fn smtp_defaults() {
        let s = toml::from_str::<SmtpConfig>(
            "host = \"smtp.entidad.gov.co\"\nsecurity = \"starttls\"\nfrom = \"ANS Mesa de Servicios <ans@entidad.gov.co>\"\n",
        )
        .expect("toml")
        .compile()
        .expect("valid")
        .expect("configured");
        assert_eq!((s.port, s.security), (587, Security::StartTls));
        assert_eq!(s.password_env, DEFAULT_PASSWORD_ENV);
        assert_eq!(s.username, None);
        assert_eq!(s.from.email.to_string(), "ans@entidad.gov.co");
        assert!(SmtpConfig::default().compile().expect("valid").is_none());
    }

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let a = AlertsConfig::default().compile().expect("defaults");
        let secs: Vec<u64> = (1..=9).map(|n| a.backoff(n).as_secs()).collect();
        assert_eq!(secs, [60, 120, 240, 480, 960, 1920, 3600, 3600, 3600]);
        assert_eq!(a.backoff(u32::MAX).as_secs(), 3600);
        assert_eq!(a.warn_at, DEFAULT_WARN_AT);
    }
}
