//! The OLA table (`ola_results`): each technician group's hold on a ticket's solution clock,
//! written with the evaluation's results and read back for the CSV export and the ticket page.

use std::sync::Arc;

use arrow::array::{ArrayRef, Int32Builder, Int64Builder, StringBuilder};
use arrow::datatypes::{DataType, Field, Schema};
use arrow::record_batch::RecordBatch;

use super::arrow_cols::{i64s, opt_i64, str_or_empty, strs};
use super::{Store, StoreError, queries};

/// One hold of one evaluation, keyed by the ticket's number in `eval_keys`.
pub struct OlaRow<'a> {
    pub n: i64,
    /// The group's id among those added with [`OlaColumns::add_group`].
    pub group: i32,
    pub business_seconds: i64,
    pub target_seconds: Option<i64>,
    /// `met`, `breached`, `running` or `no_target`.
    pub state: &'a str,
}

/// The holds of one evaluation, gathered column by column (the layout of `ola_eval`).
pub struct OlaColumns {
    n: Int64Builder,
    group: Int32Builder,
    business: Int64Builder,
    target: Int64Builder,
    state: StringBuilder,
    /// `(id, name)` of the groups the rows refer to (`eval_groups`).
    groups: Vec<(i32, String)>,
}

impl OlaColumns {
    /// Room for `total` rows.
    pub fn with_capacity(total: usize) -> OlaColumns {
        OlaColumns {
            n: Int64Builder::with_capacity(total),
            group: Int32Builder::with_capacity(total),
            business: Int64Builder::with_capacity(total),
            target: Int64Builder::with_capacity(total),
            state: StringBuilder::with_capacity(total, total * 8),
            groups: Vec::new(),
        }
    }

    /// Names a group id the rows use.
    pub fn add_group(&mut self, id: i32, name: &str) {
        self.groups.push((id, name.to_owned()));
    }

    pub fn push(&mut self, r: &OlaRow<'_>) {
        self.n.append_value(r.n);
        self.group.append_value(r.group);
        self.business.append_value(r.business_seconds);
        self.target.append_option(r.target_seconds);
        self.state.append_value(r.state);
    }

    pub(super) fn finish(mut self) -> Result<(RecordBatch, Vec<(i32, String)>), StoreError> {
        let schema = Arc::new(Schema::new(vec![
            Field::new("n", DataType::Int64, false),
            Field::new("group_id", DataType::Int32, false),
            Field::new("business_seconds", DataType::Int64, false),
            Field::new("target_seconds", DataType::Int64, true),
            Field::new("state", DataType::Utf8, false),
        ]));
        let columns: Vec<ArrayRef> = vec![
            Arc::new(self.n.finish()),
            Arc::new(self.group.finish()),
            Arc::new(self.business.finish()),
            Arc::new(self.target.finish()),
            Arc::new(self.state.finish()),
        ];
        Ok((RecordBatch::try_new(schema, columns)?, self.groups))
    }
}

/// A row of `ola_results` as `evaluate --export-ola` writes it.
pub struct ExportedOla<'a> {
    pub source: &'a str,
    pub ticket_id: &'a str,
    pub group: &'a str,
    pub business_seconds: i64,
    pub target_seconds: Option<i64>,
    pub state: &'a str,
}

impl Store {
    /// Calls `each` with every stored hold in export order (`ola_results_export.sql`).
    pub fn for_each_ola(
        &self,
        mut each: impl FnMut(ExportedOla<'_>) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        let mut stmt = self.conn.prepare(queries::OLA_RESULTS_EXPORT)?;
        for batch in stmt.query_arrow([])? {
            let (src, id, group, business, target, state) = (
                strs(&batch, 0)?,
                strs(&batch, 1)?,
                strs(&batch, 2)?,
                i64s(&batch, 3)?,
                i64s(&batch, 4)?,
                strs(&batch, 5)?,
            );
            for r in 0..batch.num_rows() {
                each(ExportedOla {
                    source: str_or_empty(&src, r),
                    ticket_id: str_or_empty(&id, r),
                    group: str_or_empty(&group, r),
                    business_seconds: business.value(r),
                    target_seconds: opt_i64(&target, r),
                    state: str_or_empty(&state, r),
                })?;
            }
        }
        Ok(())
    }
}
