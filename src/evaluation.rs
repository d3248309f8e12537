//! Evaluation pipeline: reads tickets and events from the store, measures every ticket under its
//! plan (policy version, calendar and target per clock) in parallel, splits each solution clock
//! by technician group (OLA), and replaces `sla_results` and `ola_results` in one transaction.

mod export;
mod load;

use std::sync::Arc;
use std::time::{Duration, Instant as Clock};

use chrono::NaiveDateTime;

use crate::calendar::{Calendar, Instant};
use crate::engine::Engine;
use crate::model::{Metric, SlaState, Status};
use crate::sla::ola::OlaResult;
use crate::sla::{self, AfterSolution, Evaluation, Measure, TicketClocks};
use crate::store::ola::{OlaColumns, OlaRow};
use crate::store::results::{PlanClock, ResultColumns, ResultRow};
use crate::store::{Store, StoreError};

pub use export::{
    ExportFormat, export_ola, export_results, export_results_as, write_ola, write_results,
};
use load::{Loaded, Row, load};

/// What an evaluation did.
#[derive(Debug, Clone, PartialEq)]
pub struct EvaluationSummary {
    pub tickets: usize,
    pub events: usize,
    /// Count of results per metric (attention, solution) and state (met, breached, running,
    /// at_risk, no_target).
    pub states: [[usize; 5]; 2],
    pub no_history: usize,
    /// Tickets measured per policy version (`None`: the unversioned `[policy]`), in the order of
    /// the versions; empty when the policy has no versions.
    pub versions: Vec<(Option<String>, usize)>,
    /// Tickets opened before the first version and measured by it.
    pub before_first_version: usize,
    pub elapsed: Duration,
}

/// The id of "no group" among the OLA rows' groups.
const NO_GROUP_ID: i32 = -1;

const STATES: [SlaState; 5] = [
    SlaState::Met,
    SlaState::Breached,
    SlaState::Running,
    SlaState::AtRisk,
    SlaState::NoTarget,
];

/// What the engine gives for one ticket.
struct Measured {
    eval: Evaluation,
    after: AfterSolution,
    /// Empty unless asked for.
    ola: Vec<OlaResult>,
}

/// Evaluates every ticket created up to `as_of` (local wall-clock time) and replaces
/// `sla_results` and `ola_results`. `computed_at` is recorded with the results.
pub fn evaluate_store(
    store: &mut Store,
    engine: &Engine,
    as_of: NaiveDateTime,
    computed_at: NaiveDateTime,
) -> Result<EvaluationSummary, StoreError> {
    let started = Clock::now();
    let as_of_local = as_of.and_utc().timestamp();
    store.key_tickets_created_by(as_of_local)?;
    let loaded = load(store, engine)?;
    let read = started.elapsed();
    let results = measure(engine, &loaded, as_of_local, true);
    let measured = started.elapsed();
    let mut summary = EvaluationSummary {
        tickets: loaded.rows.len(),
        events: loaded.events.len(),
        states: [[0; 5]; 2],
        no_history: 0,
        versions: Vec::new(),
        before_first_version: 0,
        elapsed: Duration::ZERO,
    };
    let (columns, ola) = result_columns(&loaded, &results, &mut summary);
    summary.versions = version_counts(engine, &loaded);
    let gathered = started.elapsed();
    store.replace_results(columns, ola, as_of_local, computed_at.and_utc().timestamp())?;
    summary.elapsed = started.elapsed();
    tracing::debug!(
        read_s = read.as_secs_f64(),
        measure_s = (measured - read).as_secs_f64(),
        gather_s = (gathered - measured).as_secs_f64(),
        store_s = (summary.elapsed - gathered).as_secs_f64(),
        "fases de la evaluación"
    );
    Ok(summary)
}

/// Tickets per policy version, when the policy has versions.
fn version_counts(engine: &Engine, loaded: &Loaded<'_>) -> Vec<(Option<String>, usize)> {
    if engine.versions.list.is_empty() {
        return Vec::new();
    }
    let mut counts = vec![0usize; engine.versions.list.len() + 1];
    for row in &loaded.rows {
        let slot = loaded.plans[row.plan]
            .selection
            .version
            .map_or(0, |v| v + 1);
        counts[slot] += 1;
    }
    let names =
        std::iter::once(None).chain(engine.versions.list.iter().map(|v| Some(v.name.clone())));
    names.zip(counts).filter(|(_, n)| *n > 0).collect()
}

/// The engine's results as rows of `eval_results` (two per ticket, in key order) and of
/// `ola_eval`, counting states, tickets without history and tickets before the first
/// version into `summary`.
fn result_columns(
    loaded: &Loaded<'_>,
    results: &[Vec<Measured>],
    summary: &mut EvaluationSummary,
) -> (ResultColumns, OlaColumns) {
    let rows = &loaded.rows;
    let mut columns = ResultColumns::with_capacity(rows.len() * 2);
    let mut ola = OlaColumns::with_capacity(rows.len() + rows.len() / 2);
    for (p, plan) in loaded.plans.iter().enumerate() {
        for (metric, source) in [Metric::Attention, Metric::Solution]
            .iter()
            .zip(&plan.clocks)
        {
            columns.add_plan(PlanClock {
                plan: p as i32,
                metric: metric.code(),
                policy_version: source.policy_version.map(str::to_owned),
                calendar: source.calendar_name.to_owned(),
                before_first_version: source.before_first_version,
            });
        }
    }
    ola.add_group(NO_GROUP_ID, loaded.groups.name(None));
    for id in 0..loaded.groups.len() {
        ola.add_group(id as i32, loaded.groups.name(Some(id as u32)));
    }
    for (i, m) in results.iter().flatten().enumerate() {
        let row = &rows[i];
        let n = i as i64 + 1;
        let plan = &loaded.plans[row.plan];
        let cal = &loaded.calendars[row.cal];
        if m.eval.measures[1].no_history {
            summary.no_history += 1;
        }
        if plan.selection.before_first {
            summary.before_first_version += 1;
        }
        for (k, measure) in m.eval.measures.iter().enumerate() {
            if let Some(si) = STATES.iter().position(|s| *s == measure.state) {
                summary.states[k][si] += 1;
            }
            let rule = measure
                .rule
                .and_then(|r| plan.policy.rules.get(r))
                .map(|r| r.name.as_str());
            columns.push(&result_row(n, measure, m, cal, rule, row.plan as i32));
        }
        for hold in &m.ola {
            ola.push(&OlaRow {
                n,
                group: hold.group.map_or(NO_GROUP_ID, |g| g as i32),
                business_seconds: hold.business,
                target_seconds: hold.target,
                state: hold.state.code(),
            });
        }
    }
    (columns, ola)
}

/// One clock as a row of `eval_results`; local times on the entity's calendar `cal`.
fn result_row<'a>(
    n: i64,
    m: &Measure,
    measured: &Measured,
    cal: &Calendar,
    rule: Option<&'a str>,
    plan: i32,
) -> ResultRow<'a> {
    let local = |t: Option<Instant>| t.map(|t| cal.local_from_instant(t).and_utc().timestamp());
    // What followed the solution goes on the solution row only.
    let solution = m.metric == Metric::Solution;
    let after = &measured.after;
    let by = &measured.eval.paused_by;
    ResultRow {
        n,
        metric: m.metric.code(),
        target_seconds: m.target,
        business_seconds: m.business,
        paused_seconds: m.paused,
        state: m.state.code(),
        level: m.level as i8,
        rule,
        stopped_at: local(m.stopped_at),
        deadline: local(m.deadline),
        no_history: m.no_history,
        reopened: solution.then(|| i32::try_from(after.reopened).unwrap_or(i32::MAX)),
        closed_at: if solution {
            local(after.closed_at)
        } else {
            None
        },
        close_seconds: if solution { after.close_business } else { None },
        plan,
        paused_by: solution.then(|| {
            [
                by.get(Status::Waiting),
                by.get(Status::Planned),
                by.get(Status::Solved)
                    .saturating_add(by.get(Status::Closed)),
            ]
        }),
    }
}

/// The clocks of one ticket, evaluated in memory by [`evaluate_open`].
#[derive(Debug, Clone)]
pub struct OpenTicket {
    pub source: String,
    pub ticket_id: String,
    /// The ticket's (entity's) calendar: turns its instants into local times.
    pub calendar: Arc<Calendar>,
    /// Attention, then solution.
    pub measures: [Measure; 2],
}

/// Evaluates in memory, writing nothing, the tickets whose clocks may still run at `as_of`
/// (local wall-clock time): those open now, and those changed after `as_of` (so that replaying
/// a past instant sees the tickets that were open then). A ticket closed by `as_of` with nothing
/// after it has both clocks stopped and is not read at all, which keeps this proportional to the
/// open backlog rather than to the whole history.
pub fn evaluate_open(
    store: &Store,
    engine: &Engine,
    as_of: NaiveDateTime,
) -> Result<Vec<OpenTicket>, StoreError> {
    let as_of_local = as_of.and_utc().timestamp();
    store.key_open_tickets(as_of_local)?;
    let result = (|| {
        let loaded = load(store, engine)?;
        let keys = store.keyed_ids()?;
        let results = measure(engine, &loaded, as_of_local, false);
        Ok(keys
            .into_iter()
            .zip(results.into_iter().flatten())
            .zip(&loaded.rows)
            .map(|(((source, ticket_id), m), row)| OpenTicket {
                source,
                ticket_id,
                calendar: loaded.calendars[row.cal].clone(),
                measures: m.eval.measures,
            })
            .collect())
    })();
    store.drop_keys()?;
    result
}

/// One ticket under its plan as of `as_of_local`, with its OLA when `with_ola`.
fn measure_one(
    engine: &Engine,
    loaded: &Loaded<'_>,
    i: usize,
    as_of_local: i64,
    with_ola: bool,
) -> Measured {
    let row: &Row = &loaded.rows[i];
    let plan = &loaded.plans[row.plan];
    let clocks = TicketClocks {
        created_at: row.created,
        status: row.status,
        taken_at: row.taken,
        solved_at: row.solved,
        closed_at: row.closed,
        attention_source: row.attention_source,
        events: &loaded.events[loaded.offsets[i]..loaded.offsets[i + 1]],
    };
    let as_of = loaded.calendars[row.cal].instant_from_local_seconds(as_of_local);
    let eval = engine.evaluate(&clocks, plan, as_of);
    let after = sla::after_solution(&clocks, &eval.measures[1], plan.clocks[1].calendar, as_of);
    let ola = if with_ola {
        engine.ola(&clocks, plan, &loaded.groups, row.initial_group(), as_of)
    } else {
        Vec::new()
    };
    Measured { eval, after, ola }
}

/// Runs the engine on every loaded ticket as of `as_of_local`, in parallel; the results come
/// back in key order (one vector per chunk).
fn measure(
    engine: &Engine,
    loaded: &Loaded<'_>,
    as_of_local: i64,
    with_ola: bool,
) -> Vec<Vec<Measured>> {
    // Evaluate in parallel: contiguous chunks keep the results in key order.
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .clamp(1, 8);
    let total = loaded.rows.len();
    let chunk = total.div_ceil(threads).max(1);
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..total)
            .step_by(chunk)
            .map(|start| {
                s.spawn(move || {
                    (start..(start + chunk).min(total))
                        .map(|i| measure_one(engine, loaded, i, as_of_local, with_ola))
                        .collect()
                })
            })
            .collect();
        // A panic in the engine is a bug: re-raise it rather than store partial results.
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
            .collect()
    })
}
