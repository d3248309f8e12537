//! Evaluation pipeline: reads tickets and events from the store, runs the SLA engine on every
//! ticket (in parallel), and replaces `sla_results` in one transaction; exports results as CSV.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant as Clock};

use arrow::array::{
    ArrayRef, BooleanBuilder, Int8Builder, Int32Builder, Int64Builder, StringBuilder,
};
use arrow::datatypes::{DataType, Field, Schema};
use arrow::record_batch::RecordBatch;
use chrono::NaiveDateTime;
use duckdb::{Connection, params};

use crate::calendar::{Calendar, Instant};
use crate::engine::Engine;
use crate::model::{Metric, SlaState, Status, TicketType};
use crate::sla::{
    self, AfterSolution, Event, EventKind, Measure, Policy, Targets, TicketAttrs, TicketClocks,
};
use crate::store::arrow_cols::{bools, i64s, opt_i64, str_or_empty, strs};
use crate::store::{Store, StoreError, queries, ts_param};

/// What an evaluation did.
#[derive(Debug, Clone, PartialEq)]
pub struct EvaluationSummary {
    pub tickets: usize,
    pub events: usize,
    /// Count of results per metric (attention, solution) and state (met, breached, running,
    /// at_risk, no_target).
    pub states: [[usize; 5]; 2],
    pub no_history: usize,
    pub elapsed: Duration,
}

/// One ticket as the engine needs it.
struct Row {
    cal: usize,
    targets: Targets,
    status: Status,
    created: Instant,
    taken: Option<Instant>,
    solved: Option<Instant>,
    closed: Option<Instant>,
    attention_source: Option<i64>,
}

const STATES: [SlaState; 5] = [
    SlaState::Met,
    SlaState::Breached,
    SlaState::Running,
    SlaState::AtRisk,
    SlaState::NoTarget,
];

fn status_of(code: Option<i64>) -> Option<Status> {
    code.and_then(|c| Status::ALL.get(usize::try_from(c).ok()?).copied())
}

/// Evaluates every ticket created up to `as_of` (local wall-clock time) and replaces
/// `sla_results`. `computed_at` is recorded with the results.
pub fn evaluate_store(
    store: &mut Store,
    engine: &Engine,
    as_of: NaiveDateTime,
    computed_at: NaiveDateTime,
) -> Result<EvaluationSummary, StoreError> {
    let started = Clock::now();
    let as_of_local = as_of.and_utc().timestamp();
    store
        .conn()
        .execute(queries::EVAL_KEYS_CREATE, params![ts_param(as_of_local)])?;
    let Loaded {
        calendars,
        rows,
        events,
        offsets,
    } = load(store.conn(), engine)?;
    let policy = &engine.policy;
    let results = measure(&calendars, &rows, &events, &offsets, policy, as_of_local);

    // Results to Arrow, appended to the temporary table, then swapped into sla_results.
    let total = rows.len() * 2;
    let mut b_n = Int64Builder::with_capacity(total);
    let mut b_metric = StringBuilder::with_capacity(total, total * 9);
    let mut b_target = Int64Builder::with_capacity(total);
    let mut b_business = Int64Builder::with_capacity(total);
    let mut b_paused = Int64Builder::with_capacity(total);
    let mut b_state = StringBuilder::with_capacity(total, total * 8);
    let mut b_level = Int8Builder::with_capacity(total);
    let mut b_rule = StringBuilder::with_capacity(total, total * 16);
    let mut b_stopped = Int64Builder::with_capacity(total);
    let mut b_deadline = Int64Builder::with_capacity(total);
    let mut b_nohist = BooleanBuilder::with_capacity(total);
    let mut b_reopened = Int32Builder::with_capacity(total);
    let mut b_closed = Int64Builder::with_capacity(total);
    let mut b_close_secs = Int64Builder::with_capacity(total);
    let mut states = [[0usize; 5]; 2];
    let mut no_history = 0usize;
    let rule_names: Vec<&str> = policy.rules.iter().map(|r| r.name.as_str()).collect();
    let mut i = 0usize;
    for part in &results {
        for (pair, after) in part {
            let cal = &calendars[rows[i].cal];
            i += 1;
            if pair[1].no_history {
                no_history += 1;
            }
            for m in pair {
                let mi = usize::from(m.metric == Metric::Solution);
                if let Some(si) = STATES.iter().position(|s| *s == m.state) {
                    states[mi][si] += 1;
                }
                b_n.append_value(i as i64);
                b_metric.append_value(m.metric.code());
                b_target.append_option(m.target);
                b_business.append_value(m.business);
                b_paused.append_value(m.paused);
                b_state.append_value(m.state.code());
                b_level.append_value(m.level as i8);
                b_rule.append_option(m.rule.and_then(|r| rule_names.get(r).copied()));
                let local =
                    |t: Option<Instant>| t.map(|t| cal.local_from_instant(t).and_utc().timestamp());
                b_stopped.append_option(local(m.stopped_at));
                b_deadline.append_option(local(m.deadline));
                b_nohist.append_value(m.no_history);
                // What followed the solution goes on the solution row only.
                if m.metric == Metric::Solution {
                    b_reopened.append_value(i32::try_from(after.reopened).unwrap_or(i32::MAX));
                    b_closed.append_option(local(after.closed_at));
                    b_close_secs.append_option(after.close_business);
                } else {
                    b_reopened.append_null();
                    b_closed.append_null();
                    b_close_secs.append_null();
                }
            }
        }
    }
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
    ]));
    let columns: Vec<ArrayRef> = vec![
        Arc::new(b_n.finish()),
        Arc::new(b_metric.finish()),
        Arc::new(b_target.finish()),
        Arc::new(b_business.finish()),
        Arc::new(b_paused.finish()),
        Arc::new(b_state.finish()),
        Arc::new(b_level.finish()),
        Arc::new(b_rule.finish()),
        Arc::new(b_stopped.finish()),
        Arc::new(b_deadline.finish()),
        Arc::new(b_nohist.finish()),
        Arc::new(b_reopened.finish()),
        Arc::new(b_closed.finish()),
        Arc::new(b_close_secs.finish()),
    ];
    let batch = RecordBatch::try_new(schema, columns)?;

    let conn = store.conn_mut();
    conn.execute_batch(queries::EVAL_RESULTS_CREATE)?;
    {
        let mut app = conn.appender("eval_results")?;
        app.append_record_batch(batch)?;
        app.flush()?;
    }
    let tx = conn.transaction()?;
    tx.execute_batch(queries::SLA_RESULTS_CLEAR)?;
    tx.execute(
        queries::SLA_RESULTS_REPLACE,
        params![
            ts_param(as_of_local),
            ts_param(computed_at.and_utc().timestamp())
        ],
    )?;
    tx.commit()?;
    conn.execute_batch("DROP TABLE IF EXISTS eval_results; DROP TABLE IF EXISTS eval_keys;")?;

    Ok(EvaluationSummary {
        tickets: rows.len(),
        events: events.len(),
        states,
        no_history,
        elapsed: started.elapsed(),
    })
}

/// The clocks of one ticket, evaluated in memory by [`evaluate_open`].
#[derive(Debug, Clone)]
pub struct OpenTicket {
    pub source: String,
    pub ticket_id: String,
    /// The calendar the ticket was measured on: turns its instants into local times.
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
    let conn = store.conn();
    conn.execute(
        queries::EVAL_KEYS_OPEN_CREATE,
        params![ts_param(as_of_local)],
    )?;
    let result = (|| {
        let loaded = load(conn, engine)?;
        let keys: Vec<(String, String)> = conn
            .prepare(queries::EVAL_KEYS_LIST)?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?;
        let results = measure(
            &loaded.calendars,
            &loaded.rows,
            &loaded.events,
            &loaded.offsets,
            &engine.policy,
            as_of_local,
        );
        Ok(keys
            .into_iter()
            .zip(results.into_iter().flatten())
            .zip(&loaded.rows)
            .map(|(((source, ticket_id), (measures, _)), row)| OpenTicket {
                source,
                ticket_id,
                calendar: loaded.calendars[row.cal].clone(),
                measures,
            })
            .collect())
    })();
    conn.execute_batch("DROP TABLE IF EXISTS eval_keys;")?;
    result
}

/// Tickets numbered in the temporary `eval_keys` table, read for the engine.
struct Loaded {
    calendars: Vec<Arc<Calendar>>,
    rows: Vec<Row>,
    /// Events in CSR layout: ticket i owns `events[offsets[i]..offsets[i + 1]]`.
    events: Vec<Event>,
    offsets: Vec<usize>,
}

/// Reads the tickets listed in `eval_keys` and their events, with their calendars and targets.
fn load(conn: &Connection, engine: &Engine) -> Result<Loaded, StoreError> {
    // Calendars in use, and targets cached per distinct combination of matched attributes.
    let mut calendars: Vec<Arc<Calendar>> = Vec::new();
    let mut cal_index: HashMap<String, usize> = HashMap::new();
    type Key = (String, Option<TicketType>, Option<u8>, String, String);
    let mut target_cache: HashMap<Key, Targets> = HashMap::new();

    let mut rows: Vec<Row> = Vec::new();
    let mut stmt = conn.prepare(queries::EVAL_TICKETS)?;
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
        let (created, taken, solved, closed, att_src) = (
            i64s(&batch, 7)?,
            i64s(&batch, 8)?,
            i64s(&batch, 9)?,
            i64s(&batch, 10)?,
            i64s(&batch, 11)?,
        );
        for r in 0..batch.num_rows() {
            debug_assert_eq!(n.value(r) as usize, rows.len() + 1);
            let ent = str_or_empty(&entity, r);
            let ci = match cal_index.get(ent) {
                Some(&i) => i,
                None => {
                    let cal = engine.calendar_for(ent).clone();
                    let i = calendars
                        .iter()
                        .position(|c| Arc::ptr_eq(c, &cal))
                        .unwrap_or_else(|| {
                            calendars.push(cal);
                            calendars.len() - 1
                        });
                    cal_index.insert(ent.to_owned(), i);
                    i
                }
            };
            let cal = &calendars[ci];
            let ticket_type = TicketType::parse(str_or_empty(&ttype, r));
            let priority = opt_i64(&prio, r).and_then(|p| u8::try_from(p).ok());
            let key: Key = (
                ent.to_owned(),
                ticket_type,
                priority,
                str_or_empty(&cat, r).to_owned(),
                str_or_empty(&svc, r).to_owned(),
            );
            let day = cal.day_seconds();
            let targets = *target_cache.entry(key).or_insert_with_key(|k| {
                engine.policy.targets(
                    &TicketAttrs {
                        entity: &k.0,
                        ticket_type: k.1,
                        priority: k.2,
                        category: &k.3,
                        service: &k.4,
                    },
                    day,
                )
            });
            let local = |v: Option<i64>| v.map(|s| cal.instant_from_local_seconds(s));
            rows.push(Row {
                cal: ci,
                targets,
                // The store only holds normalised statuses; an unknown one reads as new.
                status: status_of(opt_i64(&status, r)).unwrap_or(Status::New),
                created: local(opt_i64(&created, r)).unwrap_or_default(),
                taken: local(opt_i64(&taken, r)),
                solved: local(opt_i64(&solved, r)),
                closed: local(opt_i64(&closed, r)),
                attention_source: opt_i64(&att_src, r),
            });
        }
    }
    drop(stmt);

    // Events in CSR layout: ticket i owns events[offsets[i]..offsets[i + 1]].
    let mut events: Vec<Event> = Vec::new();
    let mut offsets: Vec<usize> = vec![0; rows.len() + 1];
    let mut stmt = conn.prepare(queries::EVAL_EVENTS)?;
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
        for r in 0..batch.num_rows() {
            let kind = match kind.value(r) {
                1 => match status_of(opt_i64(&new, r)) {
                    Some(to) => EventKind::Status {
                        from: status_of(opt_i64(&old, r)),
                        to,
                    },
                    None => continue,
                },
                2 => EventKind::AssignTech,
                3 => EventKind::Followup {
                    public: public.value(r),
                    by_requester: by_req.value(r),
                },
                _ => continue,
            };
            let idx = (n.value(r) - 1) as usize;
            let Some(row) = rows.get(idx) else { continue };
            events.push(Event {
                at: calendars[row.cal].instant_from_local_seconds(at.value(r)),
                kind,
            });
            offsets[idx + 1] += 1;
        }
    }
    drop(stmt);
    for i in 1..offsets.len() {
        offsets[i] += offsets[i - 1];
    }
    Ok(Loaded {
        calendars,
        rows,
        events,
        offsets,
    })
}

/// Runs the engine on every loaded ticket as of `as_of_local`, in parallel; the results come
/// back in key order (one vector per chunk).
fn measure(
    calendars: &[Arc<Calendar>],
    rows: &[Row],
    events: &[Event],
    offsets: &[usize],
    policy: &Policy,
    as_of_local: i64,
) -> Vec<Vec<([Measure; 2], AfterSolution)>> {
    // Evaluate in parallel: contiguous chunks keep the results in key order.
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .clamp(1, 8);
    let chunk = rows.len().div_ceil(threads).max(1);
    std::thread::scope(|s| {
        let handles: Vec<_> = rows
            .chunks(chunk)
            .enumerate()
            .map(|(c, part)| {
                s.spawn(move || {
                    part.iter()
                        .enumerate()
                        .map(|(j, row)| {
                            let i = c * chunk + j;
                            let cal = &calendars[row.cal];
                            let clocks = TicketClocks {
                                created_at: row.created,
                                status: row.status,
                                taken_at: row.taken,
                                solved_at: row.solved,
                                closed_at: row.closed,
                                attention_source: row.attention_source,
                                events: &events[offsets[i]..offsets[i + 1]],
                            };
                            let as_of = cal.instant_from_local_seconds(as_of_local);
                            let pair = sla::evaluate(&clocks, row.targets, policy, cal, as_of);
                            let after = sla::after_solution(&clocks, &pair[1], cal, as_of);
                            (pair, after)
                        })
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

/// Writes `sla_results` as CSV with the header
/// `source,ticket_id,metric,target_seconds,business_seconds,paused_seconds,state`.
pub fn export_results(store: &Store, path: &Path) -> Result<usize, StoreError> {
    let werr = |source: std::io::Error| StoreError::Write {
        path: path.display().to_string(),
        source,
    };
    let mut out = csv::Writer::from_path(path).map_err(|e| werr(e.into()))?;
    out.write_record([
        "source",
        "ticket_id",
        "metric",
        "target_seconds",
        "business_seconds",
        "paused_seconds",
        "state",
    ])
    .map_err(|e| werr(e.into()))?;
    let mut stmt = store.conn().prepare(queries::SLA_RESULTS_EXPORT)?;
    let mut rows = 0usize;
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
            let target = opt_i64(&target, r)
                .map(|t| t.to_string())
                .unwrap_or_default();
            out.write_record([
                str_or_empty(&src, r),
                str_or_empty(&id, r),
                str_or_empty(&metric, r),
                &target,
                &business.value(r).to_string(),
                &paused.value(r).to_string(),
                str_or_empty(&state, r),
            ])
            .map_err(|e| werr(e.into()))?;
            rows += 1;
        }
    }
    out.flush().map_err(werr)?;
    Ok(rows)
}
