//! The drill-down lists (`queries/indicator_list.sql`): the tickets behind one figure of an
//! entity's quarter, as the figures count them (the same membership columns), a page at a time
//! with the total or streamed whole for a download, sorted by a key from a fixed list.

use arrow::array::Array;
use arrow::record_batch::RecordBatch;
use chrono::{DateTime, NaiveDateTime};
use serde::Serialize;

use super::arrow_cols::{bools, f64s, i64s, opt_f64, opt_i64, opt_str, strs};
use super::indicators::{Filters, MemberArgs};
use super::{Store, StoreError, queries};
use crate::indicators::Quarter;
use crate::indicators::drill::Membership;

/// The keys a list can be sorted by (`indicator_list.sql`), with the column they sort.
pub const SORT_KEYS: [(&str, &str); 17] = [
    ("caso", "Caso"),
    ("titulo", "Título"),
    ("tipo", "Tipo"),
    ("prioridad", "Prioridad"),
    ("categoria", "Categoría"),
    ("tecnico", "Técnico"),
    ("grupo", "Grupo"),
    ("estado", "Estado"),
    ("creado", "Creado"),
    ("atendido", "Atendido"),
    ("solucionado", "Solucionado"),
    ("cerrado", "Cerrado"),
    ("atencion", "Atención (h hábiles)"),
    ("ans_atencion", "ANS atención"),
    ("solucion", "Solución (h hábiles)"),
    ("ans_solucion", "ANS solución"),
    ("reaperturas", "Reaperturas"),
];

/// How a list is sorted: a key of [`SORT_KEYS`] (never text from a request) and a direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct Sort {
    pub key: &'static str,
    pub descending: bool,
}

impl Sort {
    /// The sort named `key`, if it is one of [`SORT_KEYS`].
    pub fn parse(key: &str, descending: bool) -> Option<Sort> {
        SORT_KEYS
            .iter()
            .find(|(k, _)| *k == key.trim())
            .map(|(k, _)| Sort { key: k, descending })
    }
}

impl Default for Sort {
    /// Oldest first, as the workbook's *Casos* sheet.
    fn default() -> Sort {
        Sort {
            key: "creado",
            descending: false,
        }
    }
}

/// Which tickets a list holds: an entity's quarter, the view's filters, the tickets of a
/// figure ([`Membership`]), optionally one month or one solution-time bin of it.
#[derive(Debug, Clone)]
pub struct ListSpec {
    pub entity: String,
    pub quarter: Quarter,
    pub filters: Filters,
    /// Business seconds allowed between solution and closing (as the figures).
    pub closing_limit: i64,
    pub members: Membership,
    /// `YYYY-MM`, a month of the quarter.
    pub month: Option<String>,
    /// A bin of [`super::indicators::HISTOGRAM_BINS`].
    pub bin: Option<u8>,
    pub sort: Sort,
}

/// One ticket of a list: the columns of the workbook's *Casos* sheet.
#[derive(Debug, Clone, Serialize)]
pub struct CaseRow {
    pub source: String,
    pub ticket_id: String,
    pub title: Option<String>,
    pub r#type: Option<String>,
    pub priority: Option<i64>,
    pub category: Option<String>,
    pub service: Option<String>,
    pub technician: Option<String>,
    pub group: Option<String>,
    pub status: String,
    pub created_at: Option<NaiveDateTime>,
    pub attended_at: Option<NaiveDateTime>,
    pub solved_at: Option<NaiveDateTime>,
    pub closed_at: Option<NaiveDateTime>,
    pub attention_hours: Option<f64>,
    pub attention_target_hours: Option<f64>,
    pub attention_state: Option<String>,
    pub solution_hours: Option<f64>,
    pub paused_hours: Option<f64>,
    pub solution_target_hours: Option<f64>,
    pub solution_state: Option<String>,
    pub rule: Option<String>,
    pub reopened: Option<i64>,
    pub no_history: Option<bool>,
    /// The `[[policy.version]]` that measured the solution clock; `None` for the unversioned
    /// `[policy]`, or when the results do not say (then `calendar` is `None` too).
    pub policy_version: Option<String>,
    /// The solution clock's calendar: "general" (`[calendar]`), a `[calendars]` name or the
    /// entity's name for its own calendar.
    pub calendar: Option<String>,
    /// The attention clock's calendar (it may differ from the solution clock's).
    pub attention_calendar: Option<String>,
}

/// A page of a list and how many tickets the whole list has.
#[derive(Debug, Clone, Serialize)]
pub struct ListPage {
    pub total: u64,
    pub rows: Vec<CaseRow>,
}

/// Runs the list query for `limit` rows after `offset`.
fn query(
    store: &Store,
    spec: &ListSpec,
    limit: i64,
    offset: i64,
) -> Result<Vec<RecordBatch>, StoreError> {
    let members = MemberArgs::of_entity(
        &spec.entity,
        spec.quarter,
        spec.closing_limit,
        &spec.filters,
    );
    let (include, exclude) = (
        spec.members.include.join(","),
        spec.members.exclude.join(","),
    );
    let bin = spec.bin.map(i32::from);
    let mut args = members.values();
    args.extend([
        &include as &dyn duckdb::ToSql,
        &exclude,
        &spec.month,
        &bin,
        &spec.sort.key,
        &spec.sort.descending,
        &limit,
        &offset,
    ]);
    let mut stmt = store.conn.prepare(queries::INDICATOR_LIST)?;
    Ok(stmt.query_arrow(duckdb::params_from_iter(args))?.collect())
}

/// `limit` tickets of the list after the first `offset`, and its total.
pub fn page(
    store: &Store,
    spec: &ListSpec,
    limit: u64,
    offset: u64,
) -> Result<ListPage, StoreError> {
    let clamp = |n: u64| i64::try_from(n).unwrap_or(i64::MAX);
    let batches = query(store, spec, clamp(limit), clamp(offset))?;
    let mut out = ListPage {
        total: 0,
        rows: Vec::new(),
    };
    for batch in &batches {
        read_rows(batch, &mut out)?;
    }
    if out.rows.is_empty() && offset > 0 {
        // Past the end: the total from the list's first row.
        for batch in query(store, spec, 1, 0)? {
            out.total = total_of(&batch)?.unwrap_or(out.total);
        }
    }
    Ok(out)
}

/// The `total` column (the last) of a batch's first row; `None` for an empty batch.
fn total_of(batch: &RecordBatch) -> Result<Option<u64>, StoreError> {
    if batch.num_rows() == 0 {
        return Ok(None);
    }
    let totals = i64s(batch, batch.num_columns().saturating_sub(1))?;
    Ok(opt_i64(&totals, 0).map(|t| t.max(0) as u64))
}

/// The whole list, batch by batch, in the columns of `indicator_cases.sql` (the workbook's
/// *Casos* sheet) followed by the total.
pub fn stream<E: From<StoreError>>(
    store: &Store,
    spec: &ListSpec,
    mut write: impl FnMut(&RecordBatch) -> Result<(), E>,
) -> Result<(), E> {
    for batch in query(store, spec, i64::MAX, 0)? {
        write(&batch)?;
    }
    Ok(())
}

/// Local wall-clock microseconds (how DuckDB hands a TIMESTAMP to Arrow) as an instant.
fn instant(micros: Option<i64>) -> Option<NaiveDateTime> {
    micros
        .and_then(DateTime::from_timestamp_micros)
        .map(|t| t.naive_utc())
}

/// Appends the rows of one batch of the list query to `out` and takes its total.
pub fn read_rows(batch: &RecordBatch, out: &mut ListPage) -> Result<(), StoreError> {
    if batch.num_rows() == 0 {
        return Ok(());
    }
    let s: Vec<_> = [0, 1, 2, 3, 5, 6, 7, 8, 9, 16, 20, 21, 24, 25, 26]
        .into_iter()
        .map(|i| strs(batch, i))
        .collect::<Result<_, _>>()?;
    let n: Vec<_> = [4, 10, 11, 12, 13, 22]
        .into_iter()
        .map(|i| i64s(batch, i))
        .collect::<Result<_, _>>()?;
    let h: Vec<_> = [14, 15, 17, 18, 19]
        .into_iter()
        .map(|i| f64s(batch, i))
        .collect::<Result<_, _>>()?;
    let no_history = bools(batch, 23)?;
    let text = |c: usize, r: usize| opt_str(&s[c], r).map(str::to_owned);
    for r in 0..batch.num_rows() {
        out.rows.push(CaseRow {
            source: text(0, r).unwrap_or_default(),
            ticket_id: text(1, r).unwrap_or_default(),
            title: text(2, r),
            r#type: text(3, r),
            priority: opt_i64(&n[0], r),
            category: text(4, r),
            service: text(5, r),
            technician: text(6, r),
            group: text(7, r),
            status: text(8, r).unwrap_or_default(),
            created_at: instant(opt_i64(&n[1], r)),
            attended_at: instant(opt_i64(&n[2], r)),
            solved_at: instant(opt_i64(&n[3], r)),
            closed_at: instant(opt_i64(&n[4], r)),
            attention_hours: opt_f64(&h[0], r),
            attention_target_hours: opt_f64(&h[1], r),
            attention_state: text(9, r),
            solution_hours: opt_f64(&h[2], r),
            paused_hours: opt_f64(&h[3], r),
            solution_target_hours: opt_f64(&h[4], r),
            solution_state: text(10, r),
            rule: text(11, r),
            reopened: opt_i64(&n[5], r),
            no_history: (!no_history.is_null(r)).then(|| no_history.value(r)),
            // '' is the unversioned [policy] (indicator_cases.sql).
            policy_version: text(12, r).filter(|v| !v.is_empty()),
            calendar: text(13, r),
            attention_calendar: text(14, r),
        });
    }
    out.total = total_of(batch)?.unwrap_or(out.total);
    Ok(())
}
