//! The evaluation's tables: the tickets numbered for one evaluation (`eval_keys`) and their
//! events, read for the engine; `sla_results`, replaced in one transaction with what the engine
//! measured, and read back for the CSV export.

use std::sync::Arc;

use arrow::array::{
    ArrayRef, BooleanBuilder, Int8Builder, Int32Builder, Int64Builder, StringBuilder,
};
use arrow::datatypes::{DataType, Field, Schema};
use arrow::record_batch::RecordBatch;
use duckdb::params;

use super::arrow_cols::{bools, i64s, opt_i64, opt_str, str_or_empty, strs};
use super::{Store, StoreError, queries, ts_param};

/// A ticket numbered in `eval_keys` as `eval_tickets.sql` reads it. Instants are local
/// wall-clock seconds; the status is its code (0 new … 5 closed).
pub struct KeyedTicket<'a> {
    /// Its number in `eval_keys` (1, 2, … in key order).
    pub n: i64,
    pub entity: &'a str,
    pub ticket_type: &'a str,
    pub priority: Option<i64>,
    pub category: &'a str,
    pub service: &'a str,
    pub status: Option<i64>,
    pub created_at: Option<i64>,
    pub taken_at: Option<i64>,
    pub solved_at: Option<i64>,
    pub closed_at: Option<i64>,
    pub attention_source: Option<i64>,
    /// The list's technician group (empty when none).
    pub tech_group: &'a str,
}

/// An event of a numbered ticket as `eval_events.sql` reads it: kind 1 status, 2 technician
/// assigned, 3 follow-up, 4 technician group changed, 0 other; statuses by code.
pub struct KeyedEvent<'a> {
    pub n: i64,
    /// Local wall-clock seconds.
    pub at: i64,
    pub kind: i64,
    pub old_status: Option<i64>,
    pub new_status: Option<i64>,
    pub public: bool,
    pub by_requester: bool,
    /// A group change (kind 4): the group removed or replaced, and the group assigned, as the
    /// source wrote them (GLPI: `Name (id)`).
    pub old_group: Option<&'a str>,
    pub new_group: Option<&'a str>,
}

/// One row of the evaluation's results, keyed by the ticket's number in `eval_keys`. Instants
/// are local wall-clock seconds.
pub struct ResultRow<'a> {
    pub n: i64,
    pub metric: &'a str,
    pub target_seconds: Option<i64>,
    pub business_seconds: i64,
    pub paused_seconds: i64,
    pub state: &'a str,
    pub level: i8,
    pub rule: Option<&'a str>,
    pub stopped_at: Option<i64>,
    pub deadline: Option<i64>,
    pub no_history: bool,
    /// What followed the solution: on the solution row only.
    pub reopened: Option<i32>,
    pub closed_at: Option<i64>,
    pub close_seconds: Option<i64>,
    /// The ticket's plan: its row in the plans added with [`ResultColumns::add_plan`].
    pub plan: i32,
    /// Paused seconds of the solution clock while waiting, planned, or solved before a reopen
    /// (on the solution row only).
    pub paused_by: Option<[i64; 3]>,
}

/// The results of one evaluation, gathered column by column (the layout of `eval_results`).
pub struct ResultColumns {
    n: Int64Builder,
    metric: StringBuilder,
    target: Int64Builder,
    business: Int64Builder,
    paused: Int64Builder,
    state: StringBuilder,
    level: Int8Builder,
    rule: StringBuilder,
    stopped: Int64Builder,
    deadline: Int64Builder,
    no_history: BooleanBuilder,
    reopened: Int32Builder,
    closed: Int64Builder,
    close_seconds: Int64Builder,
    plan: Int32Builder,
    paused_by: [Int64Builder; 3],
    /// Per plan and clock: what `eval_plans` holds.
    plans: Vec<PlanClock>,
}

/// Where one clock of one plan takes its rules from (a row of `eval_plans`): written once per
/// plan rather than once per result.
pub struct PlanClock {
    pub plan: i32,
    pub metric: &'static str,
    /// The `[[policy.version]]` that measures the clock; `None`: the unversioned `[policy]`.
    pub policy_version: Option<String>,
    /// The name of the clock's calendar.
    pub calendar: String,
    pub before_first_version: bool,
}

impl ResultColumns {
    /// Room for `total` rows.
    pub fn with_capacity(total: usize) -> ResultColumns {
        ResultColumns {
            n: Int64Builder::with_capacity(total),
            metric: StringBuilder::with_capacity(total, total * 9),
            target: Int64Builder::with_capacity(total),
            business: Int64Builder::with_capacity(total),
            paused: Int64Builder::with_capacity(total),
            state: StringBuilder::with_capacity(total, total * 8),
            level: Int8Builder::with_capacity(total),
            rule: StringBuilder::with_capacity(total, total * 16),
            stopped: Int64Builder::with_capacity(total),
            deadline: Int64Builder::with_capacity(total),
            no_history: BooleanBuilder::with_capacity(total),
            reopened: Int32Builder::with_capacity(total),
            closed: Int64Builder::with_capacity(total),
            close_seconds: Int64Builder::with_capacity(total),
            plan: Int32Builder::with_capacity(total),
            paused_by: std::array::from_fn(|_| Int64Builder::with_capacity(total)),
            plans: Vec::new(),
        }
    }

    /// Records the sources of one clock of a plan the rows refer to.
    pub fn add_plan(&mut self, clock: PlanClock) {
        self.plans.push(clock);
    }

    pub fn push(&mut self, r: &ResultRow<'_>) {
        self.n.append_value(r.n);
        self.metric.append_value(r.metric);
        self.target.append_option(r.target_seconds);
        self.business.append_value(r.business_seconds);
        self.paused.append_value(r.paused_seconds);
        self.state.append_value(r.state);
        self.level.append_value(r.level);
        self.rule.append_option(r.rule);
        self.stopped.append_option(r.stopped_at);
        self.deadline.append_option(r.deadline);
        self.no_history.append_value(r.no_history);
        self.reopened.append_option(r.reopened);
        self.closed.append_option(r.closed_at);
        self.close_seconds.append_option(r.close_seconds);
        self.plan.append_value(r.plan);
        for (b, v) in self.paused_by.iter_mut().enumerate() {
            v.append_option(r.paused_by.map(|p| p[b]));
        }
    }

    fn finish(mut self) -> Result<(RecordBatch, Vec<PlanClock>), StoreError> {
        let schema = Arc::new(Schema::new(vec![
            Field::new("n", DataType::Int64, false),
            Field::new("metric", DataType::Utf8, false),
            Field::new("target_seconds", DataType::Int64, true),
            Field::new("business_seconds", DataType::Int64, false),
            Field::new("paused_seconds", DataType::Int64, false),
            Field::new("state", DataType::Utf8, false),
            Field::new("level", DataType::Int8, false),
            Field::new("rule", DataType::Utf8, true),
            Field::new("stopped_at", DataType::Int64, true),
            Field::new("deadline", DataType::Int64, true),
            Field::new("no_history", DataType::Boolean, false),
            Field::new("reopened", DataType::Int32, true),
            Field::new("closed_at", DataType::Int64, true),
            Field::new("close_seconds", DataType::Int64, true),
            Field::new("plan", DataType::Int32, false),
            Field::new("paused_waiting_seconds", DataType::Int64, true),
            Field::new("paused_planned_seconds", DataType::Int64, true),
            Field::new("paused_solved_seconds", DataType::Int64, true),
        ]));
        let [waiting, planned, solved] = self.paused_by.map(|mut b| b.finish());
        let columns: Vec<ArrayRef> = vec![
            Arc::new(self.n.finish()),
            Arc::new(self.metric.finish()),
            Arc::new(self.target.finish()),
            Arc::new(self.business.finish()),
            Arc::new(self.paused.finish()),
            Arc::new(self.state.finish()),
            Arc::new(self.level.finish()),
            Arc::new(self.rule.finish()),
            Arc::new(self.stopped.finish()),
            Arc::new(self.deadline.finish()),
            Arc::new(self.no_history.finish()),
            Arc::new(self.reopened.finish()),
            Arc::new(self.closed.finish()),
            Arc::new(self.close_seconds.finish()),
            Arc::new(self.plan.finish()),
            Arc::new(waiting),
            Arc::new(planned),
            Arc::new(solved),
        ];
        Ok((RecordBatch::try_new(schema, columns)?, self.plans))
    }
}

/// A row of `sla_results` as `evaluate --export` writes it.
pub struct ExportedResult<'a> {
    pub source: &'a str,
    pub ticket_id: &'a str,
    pub metric: &'a str,
    pub target_seconds: Option<i64>,
    pub business_seconds: i64,
    pub paused_seconds: i64,
    pub state: &'a str,
}

impl Store {
    /// Numbers in `eval_keys` every ticket created up to `as_of_local` (local wall-clock
    /// seconds): the tickets an evaluation replaces the results of.
    pub fn key_tickets_created_by(&self, as_of_local: i64) -> Result<(), StoreError> {
        self.conn
            .execute(queries::EVAL_KEYS_CREATE, params![ts_param(as_of_local)])?;
        Ok(())
    }

    /// Numbers in `eval_keys` the tickets whose clocks may still run at `as_of_local`
    /// (`eval_keys_open_create.sql`).
    pub fn key_open_tickets(&self, as_of_local: i64) -> Result<(), StoreError> {
        self.conn.execute(
            queries::EVAL_KEYS_OPEN_CREATE,
            params![ts_param(as_of_local)],
        )?;
        Ok(())
    }

    /// Calls `each` with every numbered ticket, in key order.
    pub fn for_each_keyed_ticket(
        &self,
        mut each: impl FnMut(KeyedTicket<'_>),
    ) -> Result<(), StoreError> {
        let mut stmt = self.conn.prepare(queries::EVAL_TICKETS)?;
        for batch in stmt.query_arrow([])? {
            let (n, entity, ttype, prio, cat, svc, status) = (
                i64s(&batch, 0)?,
                strs(&batch, 1)?,
                strs(&batch, 2)?,
                i64s(&batch, 3)?,
                strs(&batch, 4)?,
                strs(&batch, 5)?,
                i64s(&batch, 6)?,
            );
            let (created, taken, solved, closed, att_src, group) = (
                i64s(&batch, 7)?,
                i64s(&batch, 8)?,
                i64s(&batch, 9)?,
                i64s(&batch, 10)?,
                i64s(&batch, 11)?,
                strs(&batch, 12)?,
            );
            for r in 0..batch.num_rows() {
                each(KeyedTicket {
                    n: n.value(r),
                    entity: str_or_empty(&entity, r),
                    ticket_type: str_or_empty(&ttype, r),
                    priority: opt_i64(&prio, r),
                    category: str_or_empty(&cat, r),
                    service: str_or_empty(&svc, r),
                    status: opt_i64(&status, r),
                    created_at: opt_i64(&created, r),
                    taken_at: opt_i64(&taken, r),
                    solved_at: opt_i64(&solved, r),
                    closed_at: opt_i64(&closed, r),
                    attention_source: opt_i64(&att_src, r),
                    tech_group: str_or_empty(&group, r),
                });
            }
        }
        Ok(())
    }

    /// Calls `each` with every event of the numbered tickets, in key order then as they
    /// happened.
    pub fn for_each_keyed_event(
        &self,
        mut each: impl FnMut(KeyedEvent<'_>),
    ) -> Result<(), StoreError> {
        let mut stmt = self.conn.prepare(queries::EVAL_EVENTS)?;
        for batch in stmt.query_arrow([])? {
            let (n, at, kind, old, new, public, by_req) = (
                i64s(&batch, 0)?,
                i64s(&batch, 1)?,
                i64s(&batch, 2)?,
                i64s(&batch, 3)?,
                i64s(&batch, 4)?,
                bools(&batch, 5)?,
                bools(&batch, 6)?,
            );
            let (old_group, new_group) = (strs(&batch, 7)?, strs(&batch, 8)?);
            for r in 0..batch.num_rows() {
                each(KeyedEvent {
                    n: n.value(r),
                    at: at.value(r),
                    kind: kind.value(r),
                    old_status: opt_i64(&old, r),
                    new_status: opt_i64(&new, r),
                    public: public.value(r),
                    by_requester: by_req.value(r),
                    old_group: opt_str(&old_group, r),
                    new_group: opt_str(&new_group, r),
                });
            }
        }
        Ok(())
    }

    /// `(source, ticket_id)` of the numbered tickets, in key order.
    pub fn keyed_ids(&self) -> Result<Vec<(String, String)>, StoreError> {
        Ok(self
            .conn
            .prepare(queries::EVAL_KEYS_LIST)?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?)
    }

    /// Forgets the numbered tickets.
    pub fn drop_keys(&self) -> Result<(), StoreError> {
        self.conn.execute_batch(queries::EVAL_KEYS_DROP)?;
        Ok(())
    }

    /// Replaces `sla_results` with `results` (keyed by `eval_keys`) in one transaction, recording
    /// the instants evaluated at and computed at (local wall-clock seconds); then forgets the
    /// numbered tickets.
    pub fn replace_results(
        &mut self,
        results: ResultColumns,
        ola: super::ola::OlaColumns,
        as_of_local: i64,
        computed_at_local: i64,
    ) -> Result<(), StoreError> {
        let (batch, plans) = results.finish()?;
        let (ola, groups) = ola.finish()?;
        let conn = &mut self.conn;
        for create in [
            queries::EVAL_RESULTS_CREATE,
            queries::EVAL_PLANS_CREATE,
            queries::OLA_EVAL_CREATE,
            queries::EVAL_GROUPS_CREATE,
        ] {
            conn.execute_batch(create)?;
        }
        for (table, batch) in [("eval_results", batch), ("ola_eval", ola)] {
            let mut app = conn.appender(table)?;
            app.append_record_batch(batch)?;
            app.flush()?;
        }
        {
            let mut app = conn.appender("eval_plans")?;
            for p in &plans {
                app.append_row(params![
                    p.plan,
                    p.metric,
                    p.policy_version,
                    p.calendar,
                    p.before_first_version
                ])?;
            }
            app.flush()?;
            let mut app = conn.appender("eval_groups")?;
            for (id, name) in &groups {
                app.append_row(params![id, name])?;
            }
            app.flush()?;
        }
        let tx = conn.transaction()?;
        tx.execute_batch(queries::SLA_RESULTS_CLEAR)?;
        tx.execute(
            queries::SLA_RESULTS_REPLACE,
            params![ts_param(as_of_local), ts_param(computed_at_local)],
        )?;
        tx.execute_batch(queries::OLA_RESULTS_CLEAR)?;
        tx.execute(queries::OLA_RESULTS_REPLACE, [])?;
        tx.commit()?;
        for drop in [
            queries::EVAL_RESULTS_DROP,
            queries::OLA_EVAL_DROP,
            queries::EVAL_PLANS_DROP,
            queries::EVAL_GROUPS_DROP,
        ] {
            conn.execute_batch(drop)?;
        }
        conn.execute_batch(queries::EVAL_KEYS_DROP)?;
        Ok(())
    }

    /// Calls `each` with every stored result in export order (`sla_results_export.sql`).
    pub fn for_each_result(
        &self,
        mut each: impl FnMut(ExportedResult<'_>) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        let mut stmt = self.conn.prepare(queries::SLA_RESULTS_EXPORT)?;
        for batch in stmt.query_arrow([])? {
            let (src, id, metric, target, business, paused, state) = (
                strs(&batch, 0)?,
                strs(&batch, 1)?,
                strs(&batch, 2)?,
                i64s(&batch, 3)?,
                i64s(&batch, 4)?,
                i64s(&batch, 5)?,
                strs(&batch, 6)?,
            );
            for r in 0..batch.num_rows() {
                each(ExportedResult {
                    source: str_or_empty(&src, r),
                    ticket_id: str_or_empty(&id, r),
                    metric: str_or_empty(&metric, r),
                    target_seconds: opt_i64(&target, r),
                    business_seconds: business.value(r),
                    paused_seconds: paused.value(r),
                    state: str_or_empty(&state, r),
                })?;
            }
        }
        Ok(())
    }
}
