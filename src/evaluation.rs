//! Evaluation pipeline: reads tickets and events from the store, runs the SLA engine on every
//! ticket (in parallel), and replaces `sla_results` in one transaction; exports results as CSV.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant as Clock};

use chrono::NaiveDateTime;

use crate::calendar::{Calendar, Instant};
use crate::engine::Engine;
use crate::model::{Metric, SlaState, Status, TicketType};
use crate::sla::{
    self, AfterSolution, Event, EventKind, Measure, Policy, Targets, TicketAttrs, TicketClocks,
};
use crate::store::results::{KeyedTicket, ResultColumns, ResultRow};
use crate::store::{Store, StoreError};

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
    store.key_tickets_created_by(as_of_local)?;
    let loaded = load(store, engine)?;
    let results = measure(
        &loaded.calendars,
        &loaded.rows,
        &loaded.events,
        &loaded.offsets,
        &engine.policy,
        as_of_local,
    );
    let (columns, states, no_history) = result_columns(&loaded, &results, &engine.policy);
    store.replace_results(columns, as_of_local, computed_at.and_utc().timestamp())?;
    Ok(EvaluationSummary {
        tickets: loaded.rows.len(),
        events: loaded.events.len(),
        states,
        no_history,
        elapsed: started.elapsed(),
    })
}

/// The engine's results as rows of `eval_results` (two per ticket, in key order), with the
/// count of results per metric and state and of tickets measured without history.
fn result_columns(
    loaded: &Loaded,
    results: &[Vec<([Measure; 2], AfterSolution)>],
    policy: &Policy,
) -> (ResultColumns, [[usize; 5]; 2], usize) {
    let Loaded {
        calendars, rows, ..
    } = loaded;
    let mut columns = ResultColumns::with_capacity(rows.len() * 2);
    let mut states = [[0usize; 5]; 2];
    let mut no_history = 0usize;
    let rule_names: Vec<&str> = policy.rules.iter().map(|r| r.name.as_str()).collect();
    let mut i = 0usize;
    for part in results {
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
                let local =
                    |t: Option<Instant>| t.map(|t| cal.local_from_instant(t).and_utc().timestamp());
                // What followed the solution goes on the solution row only.
                let solution = m.metric == Metric::Solution;
                columns.push(&ResultRow {
                    n: i as i64,
                    metric: m.metric.code(),
                    target_seconds: m.target,
                    business_seconds: m.business,
                    paused_seconds: m.paused,
                    state: m.state.code(),
                    level: m.level as i8,
                    rule: m.rule.and_then(|r| rule_names.get(r).copied()),
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
                });
            }
        }
    }
    (columns, states, no_history)
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
    store.key_open_tickets(as_of_local)?;
    let result = (|| {
        let loaded = load(store, engine)?;
        let keys = store.keyed_ids()?;
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
    store.drop_keys()?;
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
fn load(store: &Store, engine: &Engine) -> Result<Loaded, StoreError> {
    let (calendars, rows) = read_tickets(store, engine)?;
    let (events, offsets) = read_events(store, &calendars, &rows)?;
    Ok(Loaded {
        calendars,
        rows,
        events,
        offsets,
    })
}

/// The attributes a ticket's targets depend on.
type TargetKey = (String, Option<TicketType>, Option<u8>, String, String);

/// Calendars in use, and targets cached per distinct combination of matched attributes.
struct Targeting<'e> {
    engine: &'e Engine,
    calendars: Vec<Arc<Calendar>>,
    cal_index: HashMap<String, usize>,
    target_cache: HashMap<TargetKey, Targets>,
}

impl Targeting<'_> {
    /// The index in `calendars` of the entity's calendar (entities may share one).
    fn calendar(&mut self, entity: &str) -> usize {
        if let Some(&i) = self.cal_index.get(entity) {
            return i;
        }
        let cal = self.engine.calendar_for(entity).clone();
        let calendars = &mut self.calendars;
        let i = calendars
            .iter()
            .position(|c| Arc::ptr_eq(c, &cal))
            .unwrap_or_else(|| {
                calendars.push(cal);
                calendars.len() - 1
            });
        self.cal_index.insert(entity.to_owned(), i);
        i
    }

    /// The targets of a ticket measured on calendar `ci`.
    fn targets(&mut self, ci: usize, t: &KeyedTicket<'_>) -> Targets {
        let key: TargetKey = (
            t.entity.to_owned(),
            TicketType::parse(t.ticket_type),
            t.priority.and_then(|p| u8::try_from(p).ok()),
            t.category.to_owned(),
            t.service.to_owned(),
        );
        let day = self.calendars[ci].day_seconds();
        let policy = &self.engine.policy;
        *self.target_cache.entry(key).or_insert_with_key(|k| {
            policy.targets(
                &TicketAttrs {
                    entity: &k.0,
                    ticket_type: k.1,
                    priority: k.2,
                    category: &k.3,
                    service: &k.4,
                },
                day,
            )
        })
    }
}

/// The numbered tickets in key order, each with its calendar (by index) and targets.
fn read_tickets(
    store: &Store,
    engine: &Engine,
) -> Result<(Vec<Arc<Calendar>>, Vec<Row>), StoreError> {
    let mut targeting = Targeting {
        engine,
        calendars: Vec::new(),
        cal_index: HashMap::new(),
        target_cache: HashMap::new(),
    };
    let mut rows: Vec<Row> = Vec::new();
    store.for_each_keyed_ticket(|t| {
        debug_assert_eq!(t.n as usize, rows.len() + 1);
        let ci = targeting.calendar(t.entity);
        let targets = targeting.targets(ci, &t);
        let cal = &targeting.calendars[ci];
        let local = |v: Option<i64>| v.map(|s| cal.instant_from_local_seconds(s));
        rows.push(Row {
            cal: ci,
            targets,
            // The store only holds normalised statuses; an unknown one reads as new.
            status: status_of(t.status).unwrap_or(Status::New),
            created: local(t.created_at).unwrap_or_default(),
            taken: local(t.taken_at),
            solved: local(t.solved_at),
            closed: local(t.closed_at),
            attention_source: t.attention_source,
        });
    })?;
    Ok((targeting.calendars, rows))
}

/// The events of the numbered tickets in CSR layout: ticket i owns
/// `events[offsets[i]..offsets[i + 1]]`.
fn read_events(
    store: &Store,
    calendars: &[Arc<Calendar>],
    rows: &[Row],
) -> Result<(Vec<Event>, Vec<usize>), StoreError> {
    let mut events: Vec<Event> = Vec::new();
    let mut offsets: Vec<usize> = vec![0; rows.len() + 1];
    store.for_each_keyed_event(|e| {
        let kind = match e.kind {
            1 => match status_of(e.new_status) {
                Some(to) => EventKind::Status {
                    from: status_of(e.old_status),
                    to,
                },
                None => return,
            },
            2 => EventKind::AssignTech,
            3 => EventKind::Followup {
                public: e.public,
                by_requester: e.by_requester,
            },
            _ => return,
        };
        let idx = (e.n - 1) as usize;
        let Some(row) = rows.get(idx) else { return };
        events.push(Event {
            at: calendars[row.cal].instant_from_local_seconds(e.at),
            kind,
        });
        offsets[idx + 1] += 1;
    })?;
    for i in 1..offsets.len() {
        offsets[i] += offsets[i - 1];
    }
    Ok((events, offsets))
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

/// The two layouts of the results CSV (`evaluate --export … --formato …`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ExportFormat {
    /// For programs: `,`, the English header below, codes and whole seconds. Unchanged.
    #[default]
    Machine,
    /// For a person opening it in Excel (es-CO): UTF-8 with BOM, `;`, Spanish headers and
    /// labels, hours with two decimals and a decimal comma.
    Excel,
}

impl ExportFormat {
    fn header(self) -> [&'static str; 7] {
        match self {
            ExportFormat::Machine => [
                "source",
                "ticket_id",
                "metric",
                "target_seconds",
                "business_seconds",
                "paused_seconds",
                "state",
            ],
            ExportFormat::Excel => [
                "Origen",
                "Caso",
                "Métrica",
                "Meta (horas hábiles)",
                "Tiempo hábil (horas)",
                "En pausa (horas)",
                "Estado",
            ],
        }
    }

    /// One result as the cells of this layout.
    fn row(self, r: &crate::store::results::ExportedResult<'_>) -> [String; 7] {
        let seconds = |s: i64| match self {
            ExportFormat::Machine => s.to_string(),
            ExportFormat::Excel => decimal_comma_hours(s),
        };
        let (metric, state) = match self {
            ExportFormat::Machine => (r.metric.to_owned(), r.state.to_owned()),
            ExportFormat::Excel => (
                Metric::from_code(r.metric)
                    .map_or(r.metric, |m| m.label_es())
                    .to_owned(),
                SlaState::from_code(r.state)
                    .map_or(r.state, |s| s.label_es())
                    .to_owned(),
            ),
        };
        [
            r.source.to_owned(),
            r.ticket_id.to_owned(),
            metric,
            r.target_seconds.map(seconds).unwrap_or_default(),
            seconds(r.business_seconds),
            seconds(r.paused_seconds),
            state,
        ]
    }
}

/// Seconds as hours with two decimals and a decimal comma, without thousands separators (what
/// a spreadsheet in Spanish reads as a number): 5400 → `1,50`.
fn decimal_comma_hours(seconds: i64) -> String {
    format!("{:.2}", seconds as f64 / 3600.0).replace('.', ",")
}

/// Writes `sla_results` as CSV with the header
/// `source,ticket_id,metric,target_seconds,business_seconds,paused_seconds,state`.
pub fn export_results(store: &Store, path: &Path) -> Result<usize, StoreError> {
    export_results_as(store, path, ExportFormat::Machine)
}

/// Writes `sla_results` to the file `path` as CSV in `format`; gives how many results.
pub fn export_results_as(
    store: &Store,
    path: &Path,
    format: ExportFormat,
) -> Result<usize, StoreError> {
    let name = path.display().to_string();
    let file = std::fs::File::create(path).map_err(|source| StoreError::Write {
        path: name.clone(),
        source,
    })?;
    write_results(store, format, file, &name)
}

/// Writes `sla_results` as CSV in `format` to `out` (a file, standard output), named `name` in
/// errors; gives how many results were written.
pub fn write_results(
    store: &Store,
    format: ExportFormat,
    mut out: impl std::io::Write,
    name: &str,
) -> Result<usize, StoreError> {
    let werr = |source: std::io::Error| StoreError::Write {
        path: name.to_owned(),
        source,
    };
    if format == ExportFormat::Excel {
        out.write_all(b"\xEF\xBB\xBF").map_err(werr)?;
    }
    let delimiter = match format {
        ExportFormat::Machine => b',',
        ExportFormat::Excel => b';',
    };
    let mut out = csv::WriterBuilder::new()
        .delimiter(delimiter)
        .from_writer(out);
    out.write_record(format.header())
        .map_err(|e| werr(e.into()))?;
    let mut rows = 0usize;
    store.for_each_result(|r| {
        out.write_record(format.row(&r))
            .map_err(|e| werr(e.into()))?;
        rows += 1;
        Ok(())
    })?;
    out.flush().map_err(werr)?;
    Ok(rows)
}
