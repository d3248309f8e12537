//! OLA per technician group of one quarter (`queries/indicator_ola_groups.sql`): the holds of the
//! tickets the solution indicators count, by group — the workbook's «OLA por grupo» sheet and
//! `/api/v1/ola` read it.

use serde::Serialize;

use super::arrow_cols::{bools, f64s, i64s, opt_f64, str_or_empty, strs};
use super::indicators::{ClosingLimits, Filters, MemberArgs};
use super::{Store, StoreError, queries};
use crate::indicators::Quarter;

/// One group's holds (or every group's, in the total).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct OlaGroup {
    /// The group's name; `(sin grupo)` for time without a group; empty in the total.
    pub group: String,
    /// Tickets the group held.
    pub tickets: u64,
    /// Holds judged against an `[[ola.rule]]` target.
    pub with_target: u64,
    pub met: u64,
    pub breached: u64,
    /// Percent of the judged holds within the target (`met / (met + breached)`).
    pub compliance: Option<f64>,
    /// Median business hours of one hold.
    pub median_hours: Option<f64>,
    /// Business hours of all its holds.
    pub total_hours: f64,
    /// Percent of the solution time of the tickets with holds that the group consumed.
    pub share: Option<f64>,
}

/// The groups, by hours consumed (most first), and their total.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct OlaGroups {
    pub groups: Vec<OlaGroup>,
    pub total: OlaGroup,
}

impl OlaGroups {
    /// No ticket of the quarter has OLA data (none solved, or evaluated before the OLA existed).
    pub fn is_empty(&self) -> bool {
        self.groups.is_empty()
    }
}

/// The OLA per group of the tickets whose solution clock stopped in `quarter` (the population of
/// the solution indicators), for one entity or every entity (`None`), restricted by `filters`.
pub fn quarter_ola(
    store: &Store,
    entity: Option<&str>,
    quarter: Quarter,
    filters: &Filters,
) -> Result<OlaGroups, StoreError> {
    // The closing limit plays no part in who was solved in the quarter.
    let args = MemberArgs::new(entity, quarter, &ClosingLimits::default(), filters);
    let mut out = OlaGroups::default();
    let mut stmt = store.conn().prepare(queries::INDICATOR_OLA_GROUPS)?;
    for batch in stmt.query_arrow(duckdb::params_from_iter(args.values()))? {
        let is_total = bools(&batch, 0)?;
        let group = strs(&batch, 1)?;
        let counts = (2..6)
            .map(|i| i64s(&batch, i))
            .collect::<Result<Vec<_>, _>>()?;
        let hours = (6..10)
            .map(|i| f64s(&batch, i))
            .collect::<Result<Vec<_>, _>>()?;
        for r in 0..batch.num_rows() {
            let n = |i: usize| counts[i].value(r).max(0) as u64;
            let x = |i: usize| opt_f64(&hours[i], r);
            let row = OlaGroup {
                group: str_or_empty(&group, r).to_owned(),
                tickets: n(0),
                with_target: n(1),
                met: n(2),
                breached: n(3),
                compliance: x(0),
                median_hours: x(1),
                total_hours: x(2).unwrap_or(0.0),
                share: x(3),
            };
            if is_total.value(r) {
                out.total = row;
            } else {
                out.groups.push(row);
            }
        }
    }
    Ok(out)
}
