//! The views' policy-version filter (`version`): the value a request names, checked against the
//! versions the configuration and the entity's results know, and the values the dashboard's
//! «Versión de la política» select offers.

use std::collections::BTreeMap;

use super::ApiError;
use crate::engine::Engine;
use crate::model::{listing, matching};
use crate::store::dashboard::KnownValues;
use crate::store::indicators::{UNVERSIONED, VersionFilter};

/// The key of the versions in [`KnownValues::values`] and in the filter options.
const KEY: &str = "policy_version";

/// The version a request asks for: a `[[policy.version]]` of the configuration, one its
/// entity's results were measured by, or «sin versión» (matched ignoring case and accents).
/// Anything else is a 400 that lists the valid values.
pub(super) fn requested(
    engine: &Engine,
    known: &KnownValues,
    given: Option<String>,
) -> Result<Option<VersionFilter>, ApiError> {
    let Some(text) = given else {
        return Ok(None);
    };
    let valid = valid(engine, known.values.get(KEY).map_or(&[], Vec::as_slice));
    match matching(&valid, &text) {
        Some(found) => Ok(Some(VersionFilter::from(found.to_owned()))),
        None => Err(ApiError::BadRequest(format!(
            "no existe la versión de la política «{text}»: elija una de la lista o «{UNVERSIONED}» \
             para los casos medidos con [policy] sin versión. {}",
            listing("Versiones", &valid, "ninguna")
        ))),
    }
}

/// The configured versions in order, then those only the results know (`stored`, sorted; `''`
/// is the unversioned `[policy]`), then «sin versión».
fn valid(engine: &Engine, stored: &[String]) -> Vec<String> {
    let mut out: Vec<String> = engine
        .versions
        .list
        .iter()
        .map(|v| v.name.clone())
        .collect();
    for v in stored {
        if !v.is_empty() && !out.contains(v) {
            out.push(v.clone());
        }
    }
    out.push(UNVERSIONED.to_owned());
    out
}

/// Replaces the stored versions among the filter `options` of an entity with the values the
/// select offers: those its results were measured by (configuration order first, «sin
/// versión» last) and the chosen one, and only when the results hold more than one or the
/// configuration has versions; otherwise none, and the page shows no select.
pub(super) fn offer(
    engine: &Engine,
    chosen: Option<&VersionFilter>,
    mut options: BTreeMap<String, Vec<String>>,
) -> BTreeMap<String, Vec<String>> {
    let stored = options.remove(KEY).unwrap_or_default();
    if stored.len() < 2 && engine.versions.list.is_empty() && chosen.is_none() {
        return options;
    }
    let mut offered: Vec<String> = valid(engine, &stored)
        .into_iter()
        .filter(|v| {
            let as_stored = if v == UNVERSIONED { "" } else { v.as_str() };
            stored.iter().any(|s| s == as_stored)
        })
        .collect();
    if let Some(c) = chosen.map(ToString::to_string)
        && !offered.contains(&c)
    {
        offered.push(c);
    }
    options.insert(KEY.to_owned(), offered);
    options
}
