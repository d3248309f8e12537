//! The line of the configuration file a domain error (calendars, policy, versions, OLA) is
//! about. The core crate validates typed sections without positions; this finds the table the
//! error names (the n-th `[[policy.version]]`, the `[calendars.<name>]` table, the line that
//! names an unknown calendar…) in the text, so that the message can say "línea N".

use mesa_sla_core::config::EngineConfigError;
use mesa_sla_core::sla::PolicyError;
use mesa_sla_core::sla::versions::VersionError;

/// 1-based line of the table or key `err` is about, when it can be found in `text`.
pub fn error_line(text: &str, err: &EngineConfigError) -> Option<usize> {
    let lines: Vec<&str> = text.lines().collect();
    match err {
        EngineConfigError::Named { name, .. } => find(&lines, 0, |l| {
            table(l) == Some(format!("calendars.{name}").as_str())
        }),
        EngineConfigError::UnknownCalendar { name, .. } => find(&lines, 0, |l| {
            key_value(l).is_some_and(|(k, v)| k == "calendar" && v == name)
        }),
        EngineConfigError::Policy(p) => {
            policy_rule(p).and_then(|n| nth(&lines, 0, "[[policy.rule]]", n))
        }
        EngineConfigError::Versions(v) => version_line(&lines, v),
        EngineConfigError::Ola(message) => {
            let n = message
                .strip_prefix("regla ")?
                .split(':')
                .next()?
                .parse()
                .ok()?;
            nth(&lines, 0, "[[ola.rule]]", n)
        }
        _ => None,
    }
}

fn version_line(lines: &[&str], err: &VersionError) -> Option<usize> {
    let by_name = |version: &str| {
        let mut start = 0;
        loop {
            let header = nth(lines, start, "[[policy.version]]", 1)?;
            let next = nth(lines, header, "[[policy.version]]", 1).unwrap_or(lines.len() + 1);
            let named = lines[header..next - 1]
                .iter()
                .any(|l| key_value(l).is_some_and(|(k, v)| k == "name" && v.trim() == version));
            if named {
                return Some((header, next));
            }
            start = header;
        }
    };
    match err {
        VersionError::NoName(n) => nth(lines, 0, "[[policy.version]]", *n),
        VersionError::BadDate { version, .. } | VersionError::Unordered { version, .. } => {
            let (header, next) = by_name(version)?;
            find(&lines[..next - 1], header, |l| {
                key_value(l).is_some_and(|(k, _)| k == "from")
            })
            .or(Some(header))
        }
        VersionError::NoRules(version) => by_name(version).map(|(h, _)| h),
        VersionError::Rule { version, source } => {
            let (header, next) = by_name(version)?;
            let rule = policy_rule(source)
                .and_then(|n| nth(&lines[..next - 1], header, "[[policy.version.rule]]", n));
            rule.or(Some(header))
        }
        VersionError::Pause(_) => None,
    }
}

/// The rule number (1-based) a policy error names.
fn policy_rule(err: &PolicyError) -> Option<usize> {
    match err {
        PolicyError::BadTarget { rule, .. }
        | PolicyError::BadMetric { rule, .. }
        | PolicyError::NoTarget { rule }
        | PolicyError::BadPriority { rule, .. }
        | PolicyError::BadType { rule, .. }
        | PolicyError::BadPattern { rule, .. } => Some(*rule),
        _ => None,
    }
}

/// The name of the table a line opens (`[a.b]` or `[[a.b]]`), without spaces.
fn table(line: &str) -> Option<&str> {
    let l = line.trim();
    let inner = l
        .strip_prefix("[[")
        .and_then(|r| r.split("]]").next())
        .or_else(|| l.strip_prefix('[').and_then(|r| r.split(']').next()))?;
    Some(inner.trim())
}

/// `key = "value"` (or an unquoted value) on a line, without comments.
fn key_value(line: &str) -> Option<(&str, &str)> {
    let (k, v) = line.split_once('=')?;
    let v = v.trim();
    let v = match v.strip_prefix('"') {
        Some(rest) => rest.split('"').next()?,
        None => v.split('#').next()?.trim(),
    };
    Some((k.trim(), v))
}

/// The first line (1-based) at or after index `from` that passes `pred`.
fn find(lines: &[&str], from: usize, pred: impl Fn(&str) -> bool) -> Option<usize> {
    lines
        .iter()
        .enumerate()
        .skip(from)
        .find(|(_, l)| pred(l))
        .map(|(i, _)| i + 1)
}

/// The line (1-based) of the `n`-th (1-based) header `[[header]]` at or after index `from`.
fn nth(lines: &[&str], from: usize, header: &str, n: usize) -> Option<usize> {
    let name = header.trim_start_matches('[').trim_end_matches(']');
    lines
        .iter()
        .enumerate()
        .skip(from)
        .filter(|(_, l)| l.trim().starts_with("[[") && table(l) == Some(name))
        .nth(n.checked_sub(1)?)
        .map(|(i, _)| i + 1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    /// The line the loaded file's error names.
    fn line_of(text: &str) -> Option<usize> {
        let config = Config::parse(text, "x.toml").expect("parses");
        match config.engine() {
            Err(crate::config::ConfigError::Engine(e)) => error_line(text, &e),
            other => panic!("expected a domain error, got {other:?}"),
        }
    }

    const VERSIONS: &str = r#"[calendars.continuo]
holidays = "none"

[[policy.version]]
from = "2022-03-03"
name = "v04"
  [[policy.version.rule]]
  attention = "2h"

[[policy.version]]
from = "2023-05-05"
name = "v05"
  [[policy.version.rule]]
  attention = "1h"
  [[policy.version.rule]]
  solution = "8h"
  calendar = "nocturno"
"#;

    #[test]
    fn an_unknown_calendar_is_found_on_the_line_that_names_it() {
        assert_eq!(line_of(VERSIONS), Some(17));
    }

    #[test]
    fn version_errors_name_their_version_table_or_key() {
        let unordered = VERSIONS
            .replace("2023-05-05", "2021-01-01")
            .replace("nocturno", "continuo");
        assert_eq!(line_of(&unordered), Some(11));
        let bad_target = VERSIONS
            .replace("\"8h\"", "\"ocho\"")
            .replace("nocturno", "continuo");
        assert_eq!(line_of(&bad_target), Some(15));
        let bad_date = VERSIONS
            .replace("2022-03-03", "03/03/2022")
            .replace("nocturno", "continuo");
        assert_eq!(line_of(&bad_date), Some(5));
    }

    #[test]
    fn ola_and_named_calendar_errors_name_their_table() {
        let ola = "[[ola.rule]]\ngroup = \"N1\"\ntarget = \"2h\"\n\n[[ola.rule]]\ngroup = \"N2\"\ntarget = \"mucho\"\n";
        assert_eq!(line_of(ola), Some(5));
        let named = "[calendar]\n\n[calendars.noche]\ntimezone = \"Marte/Olympus\"\n";
        assert_eq!(line_of(named), Some(3));
    }
}
