//! Quarterly report: builds the indicator set of an entity and quarter from the store, and
//! writes the workbook (`workbook`) and the charts (`charts`) from that one set.

pub mod charts;
pub mod comparison;
mod ficha;
mod print;
pub mod workbook;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant as Clock};

use chrono::NaiveDateTime;

use crate::engine::Engine;
use crate::indicators::history::{DEFAULT_QUARTERS, History, quarters_ending};
use crate::indicators::{Definitions, DefinitionsError, IndicatorSet, Quarter};
use crate::model::entity_leaf;
use crate::store::indicators::{
    ClosingLimits, Filters, quarter_figures, quarter_totals, results_status,
};
use crate::store::{Store, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Definitions(#[from] DefinitionsError),
    #[error("no se pudo escribir el libro de Excel {path}: {source}")]
    Workbook {
        path: String,
        source: rust_xlsxwriter::XlsxError,
    },
    #[error("no se pudo dibujar el gráfico {path}: {source}")]
    Chart {
        path: String,
        source: charts::ChartError,
    },
    #[error("no se pudo crear {path}: {}", crate::fs_error::describe(source))]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("no hay casos de «{entity}» creados ni solucionados en {quarter}")]
    NoData { entity: String, quarter: Quarter },
}

/// The quarter every output opens on when none is asked for — the dashboard, the API,
/// `report`, `demo` and the `quarterly-report` job alike: the last quarter finished at the
/// instant the figures describe ([`data_instant`]). A director files a finished quarter; the
/// quarter in progress is shown only when asked for, and then marked ([`in_progress`]).
pub fn default_quarter(evaluated_at: Option<NaiveDateTime>, now: NaiveDateTime) -> Quarter {
    Quarter::last_complete(data_instant(evaluated_at, now))
}

/// The instant the figures describe: the as-of of the stored evaluation, or `now` when nothing
/// was evaluated yet.
pub fn data_instant(evaluated_at: Option<NaiveDateTime>, now: NaiveDateTime) -> NaiveDateTime {
    evaluated_at.unwrap_or(now)
}

/// Whether `quarter` had not ended at the instant its figures describe: its figures are
/// partial and every output that shows it says so.
pub fn in_progress(quarter: Quarter, data_instant: NaiveDateTime) -> bool {
    data_instant < quarter.end()
}

/// The link to a ticket in GLPI (`{base}/front/ticket.form.php?id={id}`), when a base URL is
/// configured and the ticket comes from GLPI (other sources have no such page).
pub fn glpi_ticket_url(base: Option<&str>, source: &str, ticket_id: &str) -> Option<String> {
    let base = base
        .map(|b| b.trim().trim_end_matches('/'))
        .filter(|b| !b.is_empty())?;
    (source == "glpi").then(|| format!("{base}/front/ticket.form.php?id={ticket_id}"))
}

/// The indicator set of one entity and quarter (with the previous quarter side by side), from
/// the SLA results currently in the store.
pub fn indicator_set(
    store: &Store,
    engine: &Engine,
    definitions: &Definitions,
    entity: &str,
    quarter: Quarter,
) -> Result<IndicatorSet, ReportError> {
    filtered_indicator_set(
        store,
        engine,
        definitions,
        entity,
        quarter,
        &Filters::default(),
    )
}

/// Business seconds an entity allows between solution and closing (the timely-closing
/// indicator's `dias_cierre` in its working days).
pub fn closing_limit(engine: &Engine, definitions: &Definitions, entity: &str) -> i64 {
    i64::from(definitions.general.closing_days) * engine.calendar_for(entity).day_seconds()
}

/// The indicator set restricted to some tickets (the dashboard's filters).
pub fn filtered_indicator_set(
    store: &Store,
    engine: &Engine,
    definitions: &Definitions,
    entity: &str,
    quarter: Quarter,
    filters: &Filters,
) -> Result<IndicatorSet, ReportError> {
    let limit = closing_limit(engine, definitions, entity);
    let current = quarter_figures(store, entity, quarter, limit, filters)?;
    let previous = quarter_figures(store, entity, quarter.previous(), limit, filters)?;
    let as_of = results_status(store)?.as_of;
    let mut set = IndicatorSet::build(entity, quarter, as_of, definitions, current, previous);
    set.filters = filters.describe();
    set.entity_name = engine.display_name(entity);
    Ok(set)
}

/// Each indicator of `entity` over the `n` quarters ending at `scope.quarter` (oldest first),
/// from the SLA results currently in the store, restricted by `filters`: the series the trend
/// page, its API, the "Histórico" sheet and the ficha's "serie histórica" share.
pub fn history(
    store: &Store,
    engine: &Engine,
    definitions: &Definitions,
    scope: ReportScope<'_>,
    n: usize,
) -> Result<History, ReportError> {
    let limits = ClosingLimits {
        default: closing_limit(engine, definitions, scope.entity),
        by_entity: Vec::new(),
    };
    let quarters = quarters_ending(scope.quarter, n);
    series(
        store,
        definitions,
        Some(scope.entity),
        &limits,
        quarters,
        scope.filters,
    )
}

/// [`history`] of every entity of the store together, over the `n` quarters ending at `last`:
/// each quarter counts the cases of all entities with the same definitions, in one aggregation,
/// each case held to the closing limit of its own entity's calendar.
pub fn history_of_all(
    store: &Store,
    engine: &Engine,
    definitions: &Definitions,
    last: Quarter,
    filters: &Filters,
    n: usize,
) -> Result<History, ReportError> {
    let default = i64::from(definitions.general.closing_days) * engine.default.day_seconds();
    let limits = ClosingLimits {
        default,
        by_entity: store
            .dashboard()
            .entities()?
            .into_iter()
            .map(|e| {
                let limit = closing_limit(engine, definitions, &e);
                (e, limit)
            })
            .filter(|(_, limit)| *limit != default)
            .collect(),
    };
    series(
        store,
        definitions,
        None,
        &limits,
        quarters_ending(last, n),
        filters,
    )
}

/// The series of `entity` (`None`: every entity) over `quarters`.
fn series(
    store: &Store,
    definitions: &Definitions,
    entity: Option<&str>,
    limits: &ClosingLimits,
    quarters: Vec<Quarter>,
    filters: &Filters,
) -> Result<History, ReportError> {
    let figures = quarters
        .iter()
        .map(|q| quarter_totals(store, entity, *q, limits, filters))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(History::build(definitions, quarters, &figures))
}

/// DuckDB's memory cap while a report runs: the aggregation then stays around 1 GB (spilling
/// if it must) and leaves room for the workbook writer; a quarter of a million cases peaks at
/// about 1.2 GB instead of 2.2 GB.
const REPORT_DUCKDB_MEMORY: &str = "1GB";

/// What was written for one entity.
#[derive(Debug, Clone)]
pub struct ReportFiles {
    pub entity: String,
    pub workbook: PathBuf,
    pub charts: Vec<PathBuf>,
    pub cases: usize,
    pub breaches: usize,
    pub elapsed: Duration,
    /// The indicator set the files show.
    pub set: IndicatorSet,
}

/// File-name form of an entity: lower-case ASCII, accents dropped, other runs of characters
/// turned into one `-` ("Alcaldía de San Isidro" → "alcaldia-de-san-isidro").
pub fn slug(text: &str) -> String {
    let folded = crate::model::fold(text);
    let mut out = String::with_capacity(folded.len());
    for c in folded.chars() {
        let c = match c {
            'ñ' => 'n',
            'ç' => 'c',
            c => c,
        };
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    let out = out.trim_matches('-').to_owned();
    if out.is_empty() {
        "entidad".into()
    } else {
        out
    }
}

/// Digits of the name's SHA-256 appended to a shared slug, by level (0: none).
const HASH_DIGITS: [usize; 4] = [0, 8, 16, 64];

/// The file-name form of each entity, unique among `entities`, made from the last part of its
/// GLPI path ([`unique_slugs_by`] with [`entity_leaf`]).
pub fn unique_slugs(entities: &[String]) -> BTreeMap<String, String> {
    unique_slugs_by(entities, |e| entity_leaf(e).to_owned())
}

/// The file-name form of each entity, unique among `entities`, made from the name `shown` gives
/// it (its display name): an entity keeps its plain [`slug`] unless another one shares it ("Alcaldía Norte" and "alcaldia-norte"); then each of
/// them gets `-` and the first hexadecimal digits of the SHA-256 of its exact name, more digits
/// while a clash remains. The result depends only on the set of names, not on their order, so
/// an entity keeps its slug from run to run until a clashing entity appears.
pub fn unique_slugs_by(
    entities: &[String],
    shown: impl Fn(&str) -> String,
) -> BTreeMap<String, String> {
    use sha2::{Digest, Sha256};
    let names: BTreeSet<&str> = entities.iter().map(String::as_str).collect();
    let mut level: BTreeMap<&str, usize> = names.iter().map(|n| (*n, 0)).collect();
    let named = |name: &str, level: usize| {
        let plain = slug(&shown(name));
        match HASH_DIGITS[level] {
            0 => plain,
            digits => {
                let hash: String = Sha256::digest(name.as_bytes())
                    .iter()
                    .map(|b| format!("{b:02x}"))
                    .collect();
                format!("{plain}-{}", &hash[..digits])
            }
        }
    };
    loop {
        let assigned: BTreeMap<&str, String> =
            level.iter().map(|(n, l)| (*n, named(n, *l))).collect();
        let mut owners: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for (name, s) in &assigned {
            owners.entry(s.as_str()).or_default().push(name);
        }
        let mut bumped = false;
        for clash in owners.values().filter(|o| o.len() > 1) {
            for name in clash {
                if let Some(l) = level.get_mut(name).filter(|l| **l + 1 < HASH_DIGITS.len()) {
                    *l += 1;
                    bumped = true;
                }
            }
        }
        // Full hashes of distinct names never clash, so this ends after a few rounds.
        if !bumped {
            return assigned
                .into_iter()
                .map(|(n, s)| (n.to_owned(), s))
                .collect();
        }
    }
}

/// The unique file-name form of `entity` among the entities of the store, made from its display
/// name ([`Engine::display_name`], see [`unique_slugs_by`]): what its report files and downloads
/// are named after.
pub fn entity_slug(store: &Store, engine: &Engine, entity: &str) -> Result<String, ReportError> {
    let mut all = store.dashboard().entities()?;
    all.push(entity.to_owned());
    Ok(unique_slugs_by(&all, |e| engine.display_name(e))
        .remove(entity)
        .unwrap_or_else(|| slug(&engine.display_name(entity))))
}

/// Writes `DIR/indicadores_<entidad>_<quarter>.xlsx` and the charts in `DIR/graficos/` for one
/// entity, named after its unique slug ([`entity_slug`]): two entities never share a file.
pub fn write_entity_report(
    store: &Store,
    engine: &Engine,
    definitions: &Definitions,
    entity: &str,
    quarter: Quarter,
    glpi_base_url: Option<&str>,
    dir: &Path,
) -> Result<ReportFiles, ReportError> {
    let scope = ReportScope {
        entity,
        quarter,
        filters: &Filters::default(),
    };
    write_filtered_report(store, engine, definitions, scope, glpi_base_url, dir)
}

/// What one report covers: an entity, a quarter and the dashboard's filters.
#[derive(Debug, Clone, Copy)]
pub struct ReportScope<'a> {
    pub entity: &'a str,
    pub quarter: Quarter,
    pub filters: &'a Filters,
}

/// [`write_entity_report`] restricted to the cases a dashboard view's filters select (the
/// dashboard's download): every sheet and chart counts only those, and says which filters
/// apply ("Filtros" in *Resumen*, the charts' subtitle).
pub fn write_filtered_report(
    store: &Store,
    engine: &Engine,
    definitions: &Definitions,
    scope: ReportScope<'_>,
    glpi_base_url: Option<&str>,
    dir: &Path,
) -> Result<ReportFiles, ReportError> {
    let ReportScope {
        entity,
        quarter,
        filters,
    } = scope;
    let started = Clock::now();
    let _limit = store.cap_memory(REPORT_DUCKDB_MEMORY)?;
    let stem = format!("{}_{}", entity_slug(store, engine, entity)?, quarter);
    let workbook_path = dir.join(format!("indicadores_{stem}.xlsx"));
    // The indicator set is aggregated by DuckDB on a second connection while this thread
    // writes the case sheets, which need only the entity and the quarter.
    let other = store.try_clone()?;
    let (stats, set) = std::thread::scope(|s| {
        let job = s.spawn(move || {
            let mut set =
                filtered_indicator_set(&other, engine, definitions, entity, quarter, filters)?;
            let set_s = started.elapsed().as_secs_f64();
            set.history = history(&other, engine, definitions, scope, DEFAULT_QUARTERS)?;
            tracing::debug!(
                set_s,
                history_s = started.elapsed().as_secs_f64() - set_s,
                "cifras del informe"
            );
            Ok::<_, ReportError>(set)
        });
        let set = || {
            let set = job
                .join()
                .unwrap_or_else(|e| std::panic::resume_unwind(e))?;
            if set.current.total.registered == 0 && set.current.total.solved == 0 {
                return Err(ReportError::NoData {
                    entity: entity.to_owned(),
                    quarter,
                });
            }
            Ok(set)
        };
        workbook::write(
            store,
            entity,
            quarter,
            filters,
            glpi_base_url,
            &workbook_path,
            set,
        )
    })?;
    let charts_dir = dir.join("graficos");
    std::fs::create_dir_all(&charts_dir).map_err(|source| ReportError::Io {
        path: charts_dir.display().to_string(),
        source,
    })?;
    let charts = charts::write_all(&set, &charts_dir, &stem)?;
    Ok(ReportFiles {
        entity: entity.to_owned(),
        workbook: workbook_path,
        charts,
        cases: stats.cases,
        breaches: stats.breaches,
        elapsed: started.elapsed(),
        set,
    })
}

/// Where the reports of a quarter go, and the GLPI base URL for links to tickets.
#[derive(Debug, Clone, Copy)]
pub struct ReportTarget<'a> {
    pub dir: &'a Path,
    pub glpi_base_url: Option<&'a str>,
}

/// Writes the workbook and charts of each entity for one quarter (the `report` command and the
/// `quarterly-report` job), calling `each` as every entity is done.
pub fn write_reports(
    store: &Store,
    engine: &Engine,
    definitions: &Definitions,
    quarter: Quarter,
    entities: &[String],
    target: &ReportTarget<'_>,
    mut each: impl FnMut(&ReportFiles),
) -> Result<Vec<ReportFiles>, ReportError> {
    let mut out = Vec::with_capacity(entities.len());
    for entity in entities {
        let files = write_entity_report(
            store,
            engine,
            definitions,
            entity,
            quarter,
            target.glpi_base_url,
            target.dir,
        )?;
        each(&files);
        out.push(files);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::{default_quarter, in_progress, slug, unique_slugs};
    use crate::indicators::Quarter;

    fn at(text: &str) -> chrono::NaiveDateTime {
        chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S").expect("instant")
    }

    #[test]
    fn the_default_quarter_is_the_last_finished_at_the_evaluation() {
        let q = |t: &str| Quarter::parse(t).expect("quarter");
        let now = at("2026-11-20 10:00:00");
        // Evaluated mid-October 2025: the third quarter had ended, the fourth had not.
        assert_eq!(
            default_quarter(Some(at("2025-10-15 08:00:00")), now),
            q("2025-Q3")
        );
        // Nothing evaluated: the last quarter finished now.
        assert_eq!(default_quarter(None, now), q("2026-Q3"));
        // The first instant of a quarter ends the previous one.
        assert_eq!(
            default_quarter(Some(at("2026-01-01 00:00:00")), now),
            q("2025-Q4")
        );
        let data = at("2025-10-15 08:00:00");
        assert!(in_progress(q("2025-Q4"), data));
        assert!(!in_progress(q("2025-Q3"), data));
        assert!(!in_progress(q("2025-Q4"), at("2026-01-01 00:00:00")));
        assert!(in_progress(q("2025-Q4"), at("2025-12-31 23:59:59")));
    }

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn clashing_slugs_are_told_apart_and_the_others_stay_plain() {
        let entities = names(&[
            "Alcaldía Norte",
            "alcaldia-norte",
            "Gobernación",
            "ALCALDIA  NORTE",
        ]);
        let slugs = unique_slugs(&entities);
        assert_eq!(slugs.len(), 4);
        // An entity without a clash keeps its plain slug.
        assert_eq!(slugs["Gobernación"], "gobernacion");
        let clashing = ["Alcaldía Norte", "alcaldia-norte", "ALCALDIA  NORTE"];
        let distinct: std::collections::BTreeSet<&String> =
            clashing.iter().map(|e| &slugs[*e]).collect();
        assert_eq!(distinct.len(), 3, "{slugs:?}");
        for e in clashing {
            let (plain, hash) = slugs[e].rsplit_once('-').expect("suffix");
            assert_eq!(plain, "alcaldia-norte");
            assert_eq!(hash.len(), 8);
            assert!(hash.chars().all(|c| c.is_ascii_hexdigit()), "{hash}");
        }
        // The same set in another order gives the same slugs.
        let mut reversed = entities.clone();
        reversed.reverse();
        assert_eq!(unique_slugs(&reversed), slugs);
        // An entity literally named like another one's suffixed slug is still told apart.
        let mut tricky = entities.clone();
        tricky.push(slugs["alcaldia-norte"].clone());
        let again = unique_slugs(&tricky);
        let all: std::collections::BTreeSet<&String> = again.values().collect();
        assert_eq!(all.len(), tricky.len(), "{again:?}");
    }

    #[test]
    fn slugs_are_file_safe() {
        assert_eq!(
            slug("Alcaldía de San Isidro del Valle"),
            "alcaldia-de-san-isidro-del-valle"
        );
        assert_eq!(slug("Raíz > Secretaría TIC"), "raiz-secretaria-tic");
        assert_eq!(slug("Año / Niño"), "ano-nino");
        assert_eq!(slug("///"), "entidad");
    }
}
