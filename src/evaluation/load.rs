//! Reading the numbered tickets and their events for the engine: each ticket's plan (policy
//! version, calendar and target per clock, cached per distinct combination of what they depend
//! on), its entity calendar, its list group, and its events in CSR layout.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::NaiveDate;

use crate::calendar::{Calendar, Instant};
use crate::engine::{Engine, TicketPlan};
use crate::model::{Status, TicketType};
use crate::sla::ola::{GroupTable, group_name};
use crate::sla::{Event, EventKind, TicketAttrs};
use crate::store::results::{KeyedEvent, KeyedTicket};
use crate::store::{Store, StoreError};

/// One ticket as the engine needs it.
pub(super) struct Row {
    /// Index in [`Loaded::calendars`] of the entity's calendar: turns its stored local times into
    /// instants and back.
    pub cal: usize,
    /// Index in [`Loaded::plans`].
    pub plan: usize,
    pub status: Status,
    pub created: Instant,
    pub taken: Option<Instant>,
    pub solved: Option<Instant>,
    pub closed: Option<Instant>,
    pub attention_source: Option<i64>,
    /// The list's technician group: it holds the ticket from opening when the history has no
    /// group change (Dexon, an export without group history).
    pub group: Option<u32>,
    /// The history records group changes (then the ticket has no group until the first one).
    pub group_history: bool,
}

impl Row {
    /// The group holding the ticket at opening, for the OLA.
    pub fn initial_group(&self) -> Option<u32> {
        if self.group_history { None } else { self.group }
    }
}

/// Tickets numbered in the temporary `eval_keys` table, read for the engine.
pub(super) struct Loaded<'e> {
    pub calendars: Vec<Arc<Calendar>>,
    pub plans: Vec<TicketPlan<'e>>,
    pub rows: Vec<Row>,
    /// Events in CSR layout: ticket i owns `events[offsets[i]..offsets[i + 1]]`.
    pub events: Vec<Event>,
    pub offsets: Vec<usize>,
    pub groups: GroupTable,
}

/// Reads the tickets listed in `eval_keys` and their events, with their calendars and plans.
pub(super) fn load<'e>(store: &Store, engine: &'e Engine) -> Result<Loaded<'e>, StoreError> {
    let mut planning = Planning {
        engine,
        calendars: Vec::new(),
        cal_index: HashMap::new(),
        plans: Vec::new(),
        plan_index: HashMap::new(),
        groups: GroupTable::default(),
    };
    let mut rows = read_tickets(store, &mut planning)?;
    let Planning {
        calendars,
        plans,
        mut groups,
        ..
    } = planning;
    let (events, offsets) = read_events(store, &calendars, &mut rows, &mut groups)?;
    Ok(Loaded {
        calendars,
        plans,
        rows,
        events,
        offsets,
        groups,
    })
}

/// What a ticket's plan depends on: entity, type, priority, category, service, and the policy
/// version selected by its opening date (`None`: unversioned; the flag: before the first one).
type PlanKey = (
    String,
    Option<TicketType>,
    Option<u8>,
    String,
    String,
    Option<usize>,
    bool,
);

/// Entity calendars in use, and plans cached per distinct [`PlanKey`].
struct Planning<'e> {
    engine: &'e Engine,
    calendars: Vec<Arc<Calendar>>,
    cal_index: HashMap<String, usize>,
    plans: Vec<TicketPlan<'e>>,
    plan_index: HashMap<PlanKey, usize>,
    groups: GroupTable,
}

impl<'e> Planning<'e> {
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

    /// The index in `plans` of the plan of a ticket opened on the local date `opened`.
    fn plan(&mut self, t: &KeyedTicket<'_>, opened: NaiveDate) -> usize {
        let selection = self.engine.versions.select(opened);
        let key: PlanKey = (
            t.entity.to_owned(),
            TicketType::parse(t.ticket_type),
            t.priority.and_then(|p| u8::try_from(p).ok()),
            t.category.to_owned(),
            t.service.to_owned(),
            selection.version,
            selection.before_first,
        );
        if let Some(&i) = self.plan_index.get(&key) {
            return i;
        }
        let plan = self.engine.plan(
            &TicketAttrs {
                entity: &key.0,
                ticket_type: key.1,
                priority: key.2,
                category: &key.3,
                service: &key.4,
            },
            opened,
        );
        self.plans.push(plan);
        let i = self.plans.len() - 1;
        self.plan_index.insert(key, i);
        i
    }
}

/// The local date of local wall-clock seconds.
fn local_date(seconds: i64) -> NaiveDate {
    chrono::DateTime::from_timestamp(seconds, 0)
        .map(|d| d.date_naive())
        .unwrap_or_default()
}

fn status_of(code: Option<i64>) -> Option<Status> {
    code.and_then(|c| Status::ALL.get(usize::try_from(c).ok()?).copied())
}

/// The numbered tickets in key order, each with its entity calendar and plan (by index).
fn read_tickets(store: &Store, planning: &mut Planning<'_>) -> Result<Vec<Row>, StoreError> {
    let mut rows: Vec<Row> = Vec::new();
    store.for_each_keyed_ticket(|t| {
        debug_assert_eq!(t.n as usize, rows.len() + 1);
        let ci = planning.calendar(t.entity);
        let created_local = t.created_at.unwrap_or_default();
        let plan = planning.plan(&t, local_date(created_local));
        let group = group_name(t.tech_group);
        let group = (!group.is_empty()).then(|| planning.groups.intern(group));
        let cal = &planning.calendars[ci];
        let local = |v: Option<i64>| v.map(|s| cal.instant_from_local_seconds(s));
        rows.push(Row {
            cal: ci,
            plan,
            // The store only holds normalised statuses; an unknown one reads as new.
            status: status_of(t.status).unwrap_or(Status::New),
            created: cal.instant_from_local_seconds(created_local),
            taken: local(t.taken_at),
            solved: local(t.solved_at),
            closed: local(t.closed_at),
            attention_source: t.attention_source,
            group,
            group_history: false,
        });
    })?;
    Ok(rows)
}

/// The engine's events of one stored event: none, one, or for a group replaced by another, the
/// removal then the assignment.
fn event_kinds(e: &KeyedEvent<'_>, groups: &mut GroupTable) -> [Option<EventKind>; 2] {
    match e.kind {
        1 => [
            status_of(e.new_status).map(|to| EventKind::Status {
                from: status_of(e.old_status),
                to,
            }),
            None,
        ],
        2 => [Some(EventKind::AssignTech), None],
        3 => [
            Some(EventKind::Followup {
                public: e.public,
                by_requester: e.by_requester,
            }),
            None,
        ],
        4 => {
            let mut named = |v: Option<&str>| {
                let name = group_name(v.unwrap_or(""));
                (!name.is_empty()).then(|| groups.intern(name))
            };
            [
                named(e.old_group).map(EventKind::GroupRemoved),
                named(e.new_group).map(EventKind::GroupAssigned),
            ]
        }
        _ => [None, None],
    }
}

/// The events of the numbered tickets in CSR layout: ticket i owns
/// `events[offsets[i]..offsets[i + 1]]`. Marks the tickets whose history changes groups.
fn read_events(
    store: &Store,
    calendars: &[Arc<Calendar>],
    rows: &mut [Row],
    groups: &mut GroupTable,
) -> Result<(Vec<Event>, Vec<usize>), StoreError> {
    let mut events: Vec<Event> = Vec::new();
    let mut offsets: Vec<usize> = vec![0; rows.len() + 1];
    store.for_each_keyed_event(|e| {
        let idx = (e.n - 1) as usize;
        let Some(row) = rows.get_mut(idx) else { return };
        let at = calendars[row.cal].instant_from_local_seconds(e.at);
        for kind in event_kinds(&e, groups).into_iter().flatten() {
            if matches!(
                kind,
                EventKind::GroupAssigned(_) | EventKind::GroupRemoved(_)
            ) {
                row.group_history = true;
            }
            events.push(Event { at, kind });
            offsets[idx + 1] += 1;
        }
    })?;
    for i in 1..offsets.len() {
        offsets[i] += offsets[i - 1];
    }
    Ok((events, offsets))
}
