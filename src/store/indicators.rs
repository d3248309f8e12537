//! Reads the quarterly indicator figures out of the store (`queries/indicator_*.sql`): the one
//! place they are aggregated; [`crate::indicators`] turns them into the indicator set.

use arrow::array::{Float64Array, Int64Array};
use arrow::record_batch::RecordBatch;
use chrono::{NaiveDate, NaiveDateTime};
use duckdb::params;

use super::arrow_cols::{f64s, i64s, opt_f64, opt_str, strs};
use super::{Store, StoreError, queries};
use crate::indicators::{
    BreakdownRow, Dimension, Figures, HistogramBin, Quarter, QuarterFigures, month_name_es,
};
use crate::model::{TicketType, priority_label_es};

/// Labels of the solution-time bins of `indicator_histogram.sql`, in bin order. 9 h is one
/// working day, so 27 h and 45 h are three and five days.
pub const HISTOGRAM_BINS: [&str; 8] = [
    "≤ 1 h",
    "1–2 h",
    "2–4 h",
    "4–8 h",
    "8–16 h",
    "16–27 h",
    "27–45 h",
    "> 45 h",
];

/// A local instant as the store's queries bind it.
pub(super) fn ts(t: NaiveDateTime) -> String {
    t.format("%Y-%m-%d %H:%M:%S").to_string()
}

fn dimension_of(code: &str) -> Option<Dimension> {
    Some(match code {
        "month" => Dimension::Month,
        "priority" => Dimension::Priority,
        "category" => Dimension::Category,
        "type" => Dimension::Type,
        "technician" => Dimension::Technician,
        "group" => Dimension::Group,
        _ => return None,
    })
}

/// Spanish label of a breakdown key.
fn label(dimension: Dimension, key: Option<&str>) -> String {
    let key = key.map(str::trim).filter(|k| !k.is_empty());
    match (dimension, key) {
        (Dimension::Month, Some(k)) => NaiveDate::parse_from_str(&format!("{k}-01"), "%Y-%m-%d")
            .map(|d| {
                use chrono::Datelike;
                format!("{} {}", month_name_es(d.month()), d.year())
            })
            .unwrap_or_else(|_| k.to_owned()),
        (Dimension::Priority, Some(k)) => k
            .parse::<u8>()
            .map(|p| priority_label_es(p).to_owned())
            .unwrap_or_else(|_| k.to_owned()),
        (Dimension::Type, Some(k)) => TicketType::parse(k)
            .map(|t| t.label_es().to_owned())
            .unwrap_or_else(|| k.to_owned()),
        (_, Some(k)) => k.to_owned(),
        (Dimension::Month, None) => "Sin mes".into(),
        (Dimension::Priority, None) => "Sin prioridad".into(),
        (Dimension::Category, None) => "Sin categoría".into(),
        (Dimension::Type, None) => "Sin tipo".into(),
        (Dimension::Technician, None) => "Sin técnico".into(),
        (Dimension::Group, None) => "Sin grupo".into(),
    }
}

/// Restricts the figures to some tickets (dashboard filters); `None` means all.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct Filters {
    pub priority: Option<u8>,
    pub category: Option<String>,
    pub group: Option<String>,
    pub technician: Option<String>,
    /// The policy version that measured the ticket's solution clock.
    pub policy_version: Option<VersionFilter>,
}

/// What «sin versión» selects: the tickets measured by the unversioned `[policy]`.
pub const UNVERSIONED: &str = "sin versión";

/// The policy-version filter: the tickets whose solution result was measured by one
/// `[[policy.version]]` (by its name), or by the unversioned `[policy]` (stored as NULL).
/// Written as text: the version's name, or [`UNVERSIONED`].
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(from = "String", into = "String")]
pub enum VersionFilter {
    Unversioned,
    Named(String),
}

impl VersionFilter {
    /// The value the queries compare with `coalesce(policy_version, '')`: `''` selects the
    /// unversioned results.
    fn sql(&self) -> &str {
        match self {
            VersionFilter::Unversioned => "",
            VersionFilter::Named(name) => name,
        }
    }
}

impl From<String> for VersionFilter {
    fn from(text: String) -> Self {
        if crate::model::fold(&text) == crate::model::fold(UNVERSIONED) {
            VersionFilter::Unversioned
        } else {
            VersionFilter::Named(text)
        }
    }
}

impl From<VersionFilter> for String {
    fn from(v: VersionFilter) -> Self {
        v.to_string()
    }
}

impl std::fmt::Display for VersionFilter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            VersionFilter::Unversioned => f.write_str(UNVERSIONED),
            VersionFilter::Named(name) => f.write_str(name),
        }
    }
}

impl Filters {
    pub fn is_empty(&self) -> bool {
        *self == Filters::default()
    }

    /// The filters as a reader sees them ("Prioridad: Alta"), in the page's order.
    pub fn describe(&self) -> Vec<String> {
        let mut out = Vec::new();
        if let Some(p) = self.priority {
            out.push(format!("Prioridad: {}", priority_label_es(p)));
        }
        for (label, value) in [
            ("Categoría", &self.category),
            ("Grupo", &self.group),
            ("Técnico", &self.technician),
        ] {
            if let Some(v) = value {
                out.push(format!("{label}: {v}"));
            }
        }
        if let Some(v) = &self.policy_version {
            out.push(format!("Versión de la política: {v}"));
        }
        out
    }

    /// The bound values of the filters, in the queries' order: priority, category, group,
    /// technician, policy version (see [`VersionFilter::sql`]); `None` for all.
    pub(super) fn bound(&self) -> [Option<String>; 5] {
        [
            self.priority.map(|p| p.to_string()),
            self.category.clone(),
            self.group.clone(),
            self.technician.clone(),
            self.policy_version.as_ref().map(|v| v.sql().to_owned()),
        ]
    }
}

/// The eleven parameters of `indicator_members.sql` (entity or every entity, quarter bounds,
/// closing limit, filters, the entities held to a limit of their own, the policy version),
/// owned, for every statement that continues it.
pub(super) struct MemberArgs {
    entity: Option<String>,
    start: String,
    end: String,
    closing_limit: i64,
    filters: [Option<String>; 5],
    own_names: duckdb::types::Value,
    own_limits: duckdb::types::Value,
}

impl MemberArgs {
    pub(super) fn new(
        entity: Option<&str>,
        quarter: Quarter,
        limits: &ClosingLimits,
        f: &Filters,
    ) -> Self {
        use duckdb::types::Value as Sql;
        let (names, own): (Vec<Sql>, Vec<Sql>) = limits
            .by_entity
            .iter()
            .map(|(e, l)| (Sql::Text(e.clone()), Sql::BigInt(*l)))
            .unzip();
        MemberArgs {
            entity: entity.map(str::to_owned),
            start: ts(quarter.start()),
            end: ts(quarter.end()),
            closing_limit: limits.default,
            filters: f.bound(),
            own_names: Sql::List(names),
            own_limits: Sql::List(own),
        }
    }

    /// One entity held to one closing limit.
    pub(super) fn of_entity(
        entity: &str,
        quarter: Quarter,
        closing_limit: i64,
        f: &Filters,
    ) -> Self {
        let limits = ClosingLimits {
            default: closing_limit,
            by_entity: Vec::new(),
        };
        MemberArgs::new(Some(entity), quarter, &limits, f)
    }

    /// The parameters in order, for `params_from_iter` (followed by a statement's own).
    pub(super) fn values(&self) -> Vec<&dyn duckdb::ToSql> {
        let [priority, category, group, technician, version] = &self.filters;
        vec![
            &self.entity,
            &self.start,
            &self.end,
            &self.closing_limit,
            priority,
            category,
            group,
            technician,
            &self.own_names,
            &self.own_limits,
            version,
        ]
    }
}

/// Entities with tickets created or solved in the quarter.
pub fn entities_in(store: &Store, quarter: Quarter) -> Result<Vec<String>, StoreError> {
    let mut stmt = store.conn().prepare(queries::INDICATOR_ENTITIES)?;
    let rows = stmt.query_map(params![ts(quarter.start()), ts(quarter.end())], |r| {
        r.get::<_, String>(0)
    })?;
    Ok(rows.collect::<Result<Vec<_>, _>>()?)
}

/// Figures of one entity and quarter. `closing_limit` is the business seconds allowed between
/// solution and closing.
pub fn quarter_figures(
    store: &Store,
    entity: &str,
    quarter: Quarter,
    closing_limit: i64,
    filters: &Filters,
) -> Result<QuarterFigures, StoreError> {
    let limits = ClosingLimits {
        default: closing_limit,
        by_entity: Vec::new(),
    };
    let mut out = read_figures(store, Some(entity), quarter, &limits, filters)?;
    add_empty_months(&mut out, quarter);
    sort_rows(&mut out.rows);
    out.solution_histogram = read_histogram(store, entity, quarter, closing_limit, filters)?;
    Ok(out)
}

/// The business seconds allowed between solution and closing: `default`, except for the
/// entities listed with their own (each entity's calendar has its own business day).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClosingLimits {
    pub default: i64,
    /// Distinct entities with their own limit.
    pub by_entity: Vec<(String, i64)>,
}

/// The figures of the whole quarter (no breakdown) of one entity, or of every entity together
/// when `entity` is `None`: the same definitions, each case held to its own entity's closing
/// limit.
pub fn quarter_totals(
    store: &Store,
    entity: Option<&str>,
    quarter: Quarter,
    limits: &ClosingLimits,
    filters: &Filters,
) -> Result<Figures, StoreError> {
    Ok(read_figures(store, entity, quarter, limits, filters)?.total)
}

/// The total and the breakdown rows of `indicator_figures.sql`, in the order read.
fn read_figures(
    store: &Store,
    entity: Option<&str>,
    quarter: Quarter,
    limits: &ClosingLimits,
    filters: &Filters,
) -> Result<QuarterFigures, StoreError> {
    let args = MemberArgs::new(entity, quarter, limits, filters);
    let mut out = QuarterFigures::default();
    let mut stmt = store.conn.prepare(queries::INDICATOR_FIGURES)?;
    for batch in stmt.query_arrow(duckdb::params_from_iter(args.values()))? {
        let dim = strs(&batch, 0)?;
        let key = strs(&batch, 1)?;
        let c: Vec<_> = (2..batch.num_columns())
            .map(|i| i64s(&batch, i))
            .collect::<Result<_, _>>()?;
        let f: Vec<_> = (2..batch.num_columns())
            .map(|i| f64s(&batch, i))
            .collect::<Result<_, _>>()?;
        for r in 0..batch.num_rows() {
            let dimension = dimension_of(dim.value(r));
            let figures = figures_at(&c, &f, r, dimension);
            match dimension {
                None => out.total = figures,
                Some(dimension) => {
                    let key = opt_str(&key, r).map(str::to_owned);
                    out.rows.push(BreakdownRow {
                        dimension,
                        label: label(dimension, key.as_deref()),
                        key,
                        figures,
                    });
                }
            }
        }
    }
    Ok(out)
}

/// The figures of row `r` of a batch of `indicator_figures.sql`, whose columns from the third
/// on are given as integers (`c`) and floats (`f`).
fn figures_at(
    c: &[Int64Array],
    f: &[Float64Array],
    r: usize,
    dimension: Option<Dimension>,
) -> Figures {
    let n = |i: usize| c[i - 2].value(r).max(0) as u64;
    let x = |i: usize| opt_f64(&f[i - 2], r);
    Figures {
        registered: n(2),
        registered_solved: n(3),
        attention_met: n(4),
        attention_breached: n(5),
        attention_mean: x(6),
        attention_median: x(7),
        attention_p90: x(8),
        solved: n(9),
        solution_met: n(10),
        solution_breached: n(11),
        solution_mean: x(12),
        solution_median: x(13),
        solution_p90: x(14),
        closed_in_time: n(15),
        closing_decided: n(16),
        reopened: n(17),
        backlog: if dimension == Some(Dimension::Month) {
            n(19)
        } else {
            n(18)
        },
        surveys_answered: n(20),
        surveys_satisfied: n(21),
        surveys_sent: n(22),
        surveys_sent_answered: n(23),
    }
}

/// Every month of the quarter has a row, even an empty one (charts show the gap).
fn add_empty_months(out: &mut QuarterFigures, quarter: Quarter) {
    for month in quarter.months() {
        let key = month.format("%Y-%m").to_string();
        if out.find(Dimension::Month, Some(&key)).is_none() {
            out.rows.push(BreakdownRow {
                dimension: Dimension::Month,
                label: label(Dimension::Month, Some(&key)),
                key: Some(key),
                figures: Figures::default(),
            });
        }
    }
}

/// Months in order; priorities from the most urgent; the rest by volume, then name.
fn sort_rows(rows: &mut [BreakdownRow]) {
    rows.sort_by(|a, b| {
        let volume = |r: &BreakdownRow| r.figures.registered + r.figures.solved;
        a.dimension
            .cmp(&b.dimension)
            .then_with(|| match a.dimension {
                Dimension::Month => a.key.cmp(&b.key),
                Dimension::Priority => {
                    let p = |r: &BreakdownRow| r.key.as_deref().and_then(|k| k.parse::<i32>().ok());
                    p(b).cmp(&p(a))
                }
                _ => volume(b)
                    .cmp(&volume(a))
                    .then_with(|| a.label.cmp(&b.label)),
            })
    });
}

/// The solution-time histogram ([`HISTOGRAM_BINS`]) of `indicator_histogram.sql`.
fn read_histogram(
    store: &Store,
    entity: &str,
    quarter: Quarter,
    closing_limit: i64,
    filters: &Filters,
) -> Result<Vec<HistogramBin>, StoreError> {
    let args = MemberArgs::of_entity(entity, quarter, closing_limit, filters);
    let mut hist: Vec<HistogramBin> = HISTOGRAM_BINS
        .iter()
        .map(|l| HistogramBin {
            label: (*l).to_owned(),
            count: 0,
        })
        .collect();
    let mut stmt = store.conn.prepare(queries::INDICATOR_HISTOGRAM)?;
    let rows = stmt.query_map(duckdb::params_from_iter(args.values()), |r| {
        Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?))
    })?;
    for row in rows {
        let (bin, count) = row?;
        if let Some(b) = usize::try_from(bin).ok().and_then(|i| hist.get_mut(i)) {
            b.count = count.max(0) as u64;
        }
    }
    Ok(hist)
}

/// Whether stored results are current.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResultsStatus {
    /// The instant the results were evaluated at.
    pub as_of: Option<NaiveDateTime>,
    pub computed_at: Option<NaiveDateTime>,
    pub last_ingest: Option<NaiveDateTime>,
    pub tickets: i64,
}

impl ResultsStatus {
    /// Results are missing, or older than the last ingest.
    pub fn stale(&self) -> bool {
        match (self.computed_at, self.last_ingest) {
            (None, _) => self.tickets > 0,
            (Some(c), Some(i)) => i > c,
            (Some(_), None) => false,
        }
    }
}

pub fn results_status(store: &Store) -> Result<ResultsStatus, StoreError> {
    Ok(store.conn().query_row(queries::RESULTS_STATUS, [], |r| {
        Ok(ResultsStatus {
            as_of: r.get(0)?,
            computed_at: r.get(1)?,
            last_ingest: r.get(2)?,
            tickets: r.get(3)?,
        })
    })?)
}

/// The ticket lists of a quarter's workbook.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QuarterList {
    /// Breached clocks (`indicator_breaches.sql`), sorted by how late they are.
    Breaches,
    /// Every ticket created or solved in the quarter (`indicator_cases.sql`).
    Cases,
}

/// Streams the rows of one of a quarter's ticket lists to `write`, batch by batch. The list is
/// read in parts by creation date (cases: those created before the quarter, then month by
/// month; breaches in one part, as they are sorted), so that only one part is in memory, and a
/// second connection reads the next part while `write` works on this one.
pub fn stream_quarter_list<E: From<StoreError>>(
    store: &Store,
    list: QuarterList,
    entity: &str,
    quarter: Quarter,
    filters: &Filters,
    mut write: impl FnMut(&RecordBatch) -> Result<(), E>,
) -> Result<(), E> {
    let sql = match list {
        QuarterList::Breaches => queries::INDICATOR_BREACHES,
        QuarterList::Cases => queries::INDICATOR_CASES,
    };
    let (start, end) = (ts(quarter.start()), ts(quarter.end()));
    let mut bounds = vec![ts(NaiveDateTime::MIN)];
    if list == QuarterList::Cases {
        bounds.extend(
            quarter
                .months()
                .iter()
                .map(|m| ts(m.and_time(chrono::NaiveTime::MIN))),
        );
    }
    bounds.push(end.clone());
    let bound = filters.bound();
    let other = store.try_clone()?;
    std::thread::scope(|s| -> Result<(), E> {
        let (tx, rx) = std::sync::mpsc::sync_channel::<Result<Vec<RecordBatch>, StoreError>>(1);
        let (start, end, bounds, f) = (&start, &end, &bounds, &bound);
        s.spawn(move || {
            for w in bounds.windows(2) {
                let part = (|| -> Result<Vec<RecordBatch>, StoreError> {
                    let mut stmt = other.conn.prepare(sql)?;
                    Ok(stmt
                        .query_arrow(params![
                            entity, start, end, w[0], w[1], f[0], f[1], f[2], f[3], f[4]
                        ])?
                        .collect())
                })();
                let failed = part.is_err();
                // The writer stopped (an error): nothing more to read.
                if tx.send(part).is_err() || failed {
                    break;
                }
            }
        });
        for part in rx {
            for batch in part? {
                write(&batch)?;
            }
        }
        Ok(())
    })
}
