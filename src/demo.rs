//! Synthetic but realistic service-desk data (two entities, several quarters), generated as a
//! stream of canonical records: the embedded default of `mesa-sla demo` and the benchmark data.

use chrono::{Datelike, NaiveDate, NaiveDateTime};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::calendar::{Calendar, Instant};
use crate::engine::Engine;
use crate::ingest::{EventRow, Record, SurveyRow, TicketRow};
use crate::model::{Status, TicketType, priority_label_es};
use crate::sla::TicketAttrs;

/// One fictitious entity of the demo.
struct Entity {
    name: &'static str,
    source: &'static str,
    first_id: u64,
    groups: &'static [(&'static str, &'static [&'static str])],
}

const ENTITIES: &[Entity] = &[
    Entity {
        name: "Alcaldía de San Isidro del Valle",
        source: "glpi",
        first_id: 10_000,
        groups: &[
            (
                "Mesa de Servicios N1",
                &[
                    "Paola Andrea Ruiz",
                    "Julián Camilo Torres",
                    "Diana Marcela Vargas",
                ],
            ),
            (
                "Soporte en Sitio N2",
                &["Andrés Felipe Moreno", "Luisa Fernanda Castro"],
            ),
            (
                "Infraestructura y Redes N3",
                &["Carlos Mario Restrepo", "Natalia Ospina"],
            ),
        ],
    },
    Entity {
        name: "Instituto Departamental de Tránsito",
        source: "dexon",
        first_id: 500_000,
        groups: &[
            ("Mesa de Ayuda", &["Sebastián Gómez", "Valentina Rincón"]),
            (
                "Especialistas TIC",
                &["Jorge Iván Salazar", "Ana María Quintero"],
            ),
        ],
    },
];

const CATEGORIES: &[(&str, u32)] = &[
    ("Accesos", 14),
    ("Gestión de usuarios", 10),
    ("Software > Ofimática", 16),
    ("Accesos > Sistema de gestión documental", 8),
    ("Hardware > Impresoras", 10),
    ("Hardware > Equipos de cómputo", 9),
    ("Telecomunicaciones > VPN", 6),
    ("Telecomunicaciones > Telefonía IP", 5),
    ("Seguridad > Antivirus", 5),
    ("Infraestructura > Servidores", 4),
    ("Respaldos", 4),
    ("Capacitación", 3),
];

const TITLES: &[&str] = &[
    "No puedo ingresar al correo institucional",
    "Solicitud de creación de usuario",
    "La impresora del piso 2 no imprime",
    "Error al abrir archivos de Excel",
    "Equipo muy lento al iniciar",
    "Sin conexión a la VPN desde casa",
    "Restaurar archivo borrado de carpeta compartida",
    "Permisos en el sistema de gestión documental",
    "Teléfono IP sin tono",
    "Instalación de software de firma digital",
    "Capacitación en el nuevo aplicativo de PQRS",
    "Alerta de antivirus en equipo de ventanilla",
];

const REQUESTERS: &[&str] = &[
    "Martha Lucía Pérez",
    "Hernán Darío Giraldo",
    "Claudia Patricia Mejía",
    "Óscar Eduardo Rojas",
    "Sandra Milena Cárdenas",
    "Fabio Nelson Ortiz",
    "Gloria Inés Ávila",
    "Ricardo Alfonso Peña",
];

/// `(instant, kind, old value, new value, is public)` of a generated event.
type DemoEvent = (
    Instant,
    &'static str,
    Option<String>,
    Option<String>,
    Option<bool>,
);

/// What to generate.
#[derive(Debug, Clone)]
pub struct DemoOptions {
    pub seed: u64,
    /// Tickets per entity.
    pub tickets_per_entity: usize,
    /// First day of the data (local).
    pub from: NaiveDate,
    /// The cut: nothing happens after this local instant; tickets still open stay open.
    pub as_of: NaiveDateTime,
}

impl DemoOptions {
    /// Six quarters up to `as_of`, starting on the first day of a quarter.
    pub fn six_quarters(as_of: NaiveDateTime, tickets_per_entity: usize, seed: u64) -> DemoOptions {
        let q_start_month = (as_of.month0() / 3) * 3 + 1;
        let mut year = as_of.year();
        let mut month = q_start_month as i32 - 15;
        while month < 1 {
            month += 12;
            year -= 1;
        }
        let from = NaiveDate::from_ymd_opt(year, month as u32, 1).unwrap_or(as_of.date());
        DemoOptions {
            seed,
            tickets_per_entity,
            from,
            as_of,
        }
    }
}

/// Names of the demo entities.
pub fn entity_names() -> Vec<&'static str> {
    ENTITIES.iter().map(|e| e.name).collect()
}

fn pick<'a, T>(rng: &mut StdRng, items: &'a [T]) -> &'a T {
    &items[rng.random_range(0..items.len())]
}

fn weighted<'a>(rng: &mut StdRng, items: &'a [(&'a str, u32)]) -> &'a str {
    let total: u32 = items.iter().map(|i| i.1).sum();
    let mut x = rng.random_range(0..total);
    for (name, w) in items {
        if x < *w {
            return name;
        }
        x -= w;
    }
    items[0].0
}

/// Exponentially distributed business seconds with the given mean (at least one second).
fn expo(rng: &mut StdRng, mean: f64) -> i64 {
    let u: f64 = rng.random::<f64>();
    ((-mean * (1.0 - u).ln()).round() as i64).max(1)
}

/// A stream of canonical records (each ticket followed by its events).
pub fn generate<'a>(
    opts: &'a DemoOptions,
    engine: &'a Engine,
) -> impl Iterator<Item = Record> + 'a {
    let per = opts.tickets_per_entity;
    let mut rng = StdRng::seed_from_u64(opts.seed);
    ENTITIES.iter().flat_map(move |entity| {
        let cal = engine.calendar_for(entity.name).clone();
        let mut rng = StdRng::seed_from_u64(rng.random());
        let start = cal.instant_from_local(opts.from.and_hms_opt(0, 0, 0).unwrap_or_default());
        let cut = cal.instant_from_local(opts.as_of);
        let business_span = cal.business_seconds(start, cut).max(1);
        (0..per).flat_map(move |i| {
            one_ticket(
                &mut rng,
                engine,
                &cal,
                entity,
                entity.first_id + i as u64,
                (start, cut, business_span),
                // Tickets are spread in order of creation: id order follows time.
                (i, per),
            )
        })
    })
}

#[allow(clippy::too_many_arguments)]
fn one_ticket(
    rng: &mut StdRng,
    engine: &Engine,
    cal: &Calendar,
    entity: &Entity,
    id: u64,
    (start, cut, business_span): (Instant, Instant, i64),
    (i, per): (usize, usize),
) -> Vec<Record> {
    // The draws happen in a fixed order (creation, attributes, history, records): the same seed
    // gives the same data.
    let created = creation(rng, cal, (start, cut, business_span), (i, per));
    let attrs = attributes(rng, engine, cal, entity);
    let history = history(rng, cal, created, cut, &attrs);
    records(rng, cal, entity, id, created, cut, &attrs, history)
}

/// When a ticket is opened: mostly during business hours, some at night or on weekends (on
/// call), in whole minutes, before the cut.
fn creation(
    rng: &mut StdRng,
    cal: &Calendar,
    (start, cut, business_span): (Instant, Instant, i64),
    (i, per): (usize, usize),
) -> Instant {
    let slot = business_span as f64 / per as f64;
    let business_at = ((i as f64 + rng.random::<f64>()) * slot) as i64;
    let mut created = cal.deadline(start, business_at).unwrap_or(start);
    if rng.random_bool(0.12) {
        created += rng.random_range(9 * 3600..40 * 3600);
    }
    created = created.min(cut - 60);
    // Opening times are whole minutes, as in GLPI lists.
    created -= created.rem_euclid(60);
    created
}

/// What a ticket is about and who handles it, drawn before its history.
struct Attributes {
    ticket_type: TicketType,
    priority: u8,
    category: &'static str,
    group: &'static str,
    tech: &'static str,
    requester: &'static str,
    title: &'static str,
    /// Attention and solution targets (seconds) the history is drawn against.
    att_target: f64,
    sol_target: f64,
}

fn attributes(rng: &mut StdRng, engine: &Engine, cal: &Calendar, entity: &Entity) -> Attributes {
    let ticket_type = if rng.random_bool(0.6) {
        TicketType::Incident
    } else {
        TicketType::Request
    };
    let priority: u8 = match rng.random_range(0..100) {
        0..5 => 1,
        5..30 => 2,
        30..70 => 3,
        70..90 => 4,
        90..97 => 5,
        _ => 6,
    };
    let category = weighted(rng, CATEGORIES);
    let (group, techs) = pick(rng, entity.groups);
    let tech = *pick(rng, techs);
    let requester = *pick(rng, REQUESTERS);
    let title = *pick(rng, TITLES);
    let targets = engine.policy.targets(
        &TicketAttrs {
            entity: entity.name,
            ticket_type: Some(ticket_type),
            priority: Some(priority),
            category,
            service: "",
        },
        cal.day_seconds(),
    );
    Attributes {
        ticket_type,
        priority,
        category,
        group,
        tech,
        requester,
        title,
        att_target: targets.attention.map_or(8 * 3600, |t| t.0) as f64,
        sol_target: targets.solution.map_or(3 * 9 * 3600, |t| t.0) as f64,
    }
}

/// The events of a ticket up to the cut, in order, and when it was solved and closed (either
/// may fall after the cut).
struct History {
    events: Vec<DemoEvent>,
    solved_at: Instant,
    closed_at: Instant,
}

fn history(
    rng: &mut StdRng,
    cal: &Calendar,
    created: Instant,
    cut: Instant,
    a: &Attributes,
) -> History {
    let mut events: Vec<DemoEvent> = Vec::new();
    let (taken, att) = take_over(rng, cal, created, a, &mut events);
    let solved_at = work_until_solved(rng, cal, taken, att, a.sol_target, &mut events);
    let closed_at = closing(rng, cal, solved_at, &mut events);
    events.sort_by_key(|e| e.0);
    events.retain(|e| e.0 <= cut);
    History {
        events,
        solved_at,
        closed_at,
    }
}

/// The take-over: usually well inside the target, sometimes late. Returns when the ticket was
/// taken and the business seconds that took.
fn take_over(
    rng: &mut StdRng,
    cal: &Calendar,
    created: Instant,
    a: &Attributes,
    events: &mut Vec<DemoEvent>,
) -> (Instant, i64) {
    let late = rng.random_bool(0.15);
    // Desks take a case sooner when its solution target is short.
    let att_scale = a.att_target.min(a.sol_target / 2.0);
    let att = expo(rng, att_scale * if late { 1.4 } else { 0.35 });
    let taken = cal.deadline(created, att).unwrap_or(created + att);
    events.push((taken, "assign_group", None, Some(a.group.to_string()), None));
    if rng.random_bool(0.3) {
        // Answered first by a public follow-up, assigned a little later.
        events.push((taken, "followup", None, None, Some(true)));
        events.push((
            taken + rng.random_range(60..1800),
            "assign_tech",
            None,
            Some(a.tech.into()),
            None,
        ));
        events.push((
            taken + 5,
            "status",
            Some("new".into()),
            Some("assigned".into()),
            None,
        ));
    } else {
        events.push((taken, "assign_tech", None, Some(a.tech.into()), None));
        events.push((
            taken,
            "status",
            Some("new".into()),
            Some("assigned".into()),
            None,
        ));
    }
    (taken, att)
}

/// The work after the take-over, maybe waiting a while, up to the (last) solution.
fn work_until_solved(
    rng: &mut StdRng,
    cal: &Calendar,
    taken: Instant,
    att: i64,
    sol_target: f64,
    events: &mut Vec<DemoEvent>,
) -> Instant {
    let mut t = taken + 10;
    // Total solution time counts from opening, so the work left after the take-over is what
    // remains of it (at least a few minutes).
    let slow = rng.random_bool(0.2);
    let total = expo(rng, sol_target * if slow { 1.3 } else { 0.4 });
    let mut work = (total - att).max(expo(rng, 900.0));
    if rng.random_bool(0.3) {
        // Waiting on the requester or a provider for a while.
        let before = (work / 3).max(1);
        t = cal.deadline(t, before).unwrap_or(t + before);
        events.push((
            t,
            "status",
            Some("assigned".into()),
            Some("waiting".into()),
            None,
        ));
        t += rng.random_range(1800..5 * 86_400);
        events.push((
            t,
            "status",
            Some("waiting".into()),
            Some("assigned".into()),
            None,
        ));
        work -= before;
    }
    t = cal.deadline(t, work.max(60)).unwrap_or(t + work);
    events.push((
        t,
        "status",
        Some("assigned".into()),
        Some("solved".into()),
        None,
    ));
    if rng.random_bool(0.05) {
        t = reopen(rng, cal, t, events);
    }
    t
}

/// Reopened by the requester after the solution at `t`, solved again: returns the new solution.
fn reopen(
    rng: &mut StdRng,
    cal: &Calendar,
    mut t: Instant,
    events: &mut Vec<DemoEvent>,
) -> Instant {
    t += rng.random_range(3600..3 * 86_400);
    events.push((
        t,
        "status",
        Some("solved".into()),
        Some("assigned".into()),
        None,
    ));
    t = cal.deadline(t, expo(rng, 3600.0)).unwrap_or(t + 3600);
    events.push((
        t,
        "status",
        Some("assigned".into()),
        Some("solved".into()),
        None,
    ));
    t
}

/// The closing after the solution at `t`. Most requesters confirm the solution within a day or
/// two; the rest are closed by GLPI's automatic closing, seven calendar days later.
fn closing(rng: &mut StdRng, cal: &Calendar, t: Instant, events: &mut Vec<DemoEvent>) -> Instant {
    let closed_at = if rng.random_bool(0.8) {
        cal.deadline(t, expo(rng, 6.0 * 3600.0))
            .unwrap_or(t + 86_400)
    } else {
        t + 7 * 86_400
    };
    events.push((
        closed_at,
        "status",
        Some("solved".into()),
        Some("closed".into()),
        None,
    ));
    closed_at
}

/// The status the last status change before the cut left (new without one).
fn status_at_cut(events: &[DemoEvent]) -> Status {
    events
        .iter()
        .rev()
        .find(|e| e.1 == "status")
        .and_then(|e| e.3.as_deref())
        .and_then(Status::from_code)
        .unwrap_or(Status::New)
}

/// The survey score of a closed ticket, when its requester answers. Most answers are satisfied
/// (4–5), as in real surveys.
fn satisfaction(rng: &mut StdRng, status: Status) -> Option<f64> {
    (status == Status::Closed && rng.random_bool(0.4)).then(|| {
        f64::from(if rng.random_bool(0.85) {
            rng.random_range(4..=5u8)
        } else {
            rng.random_range(1..=3u8)
        })
    })
}

/// The ticket's records as of the cut: the ticket, its survey once closed, then its events.
#[allow(clippy::too_many_arguments)]
fn records(
    rng: &mut StdRng,
    cal: &Calendar,
    entity: &Entity,
    id: u64,
    created: Instant,
    cut: Instant,
    a: &Attributes,
    h: History,
) -> Vec<Record> {
    let local = |t: Instant| cal.local_from_instant(t);
    let status = status_at_cut(&h.events);
    let last_update = h.events.last().map_or(created, |e| e.0);
    let satisfaction = satisfaction(rng, status);
    let source = entity.source.to_owned();
    let ticket_id = id.to_string();
    let mut out = Vec::with_capacity(h.events.len() + 1);
    out.push(Record::Ticket(Box::new(TicketRow {
        source: source.clone(),
        ticket_id: ticket_id.clone(),
        entity: entity.name.to_owned(),
        title: Some(a.title.to_owned()),
        ticket_type: Some(a.ticket_type),
        priority: Some(a.priority),
        priority_label: Some(priority_label_es(a.priority).to_owned()),
        category: Some(a.category.to_owned()),
        service: None,
        technician: (status != Status::New).then(|| a.tech.to_owned()),
        tech_group: (status != Status::New).then(|| a.group.to_string()),
        requester: Some(a.requester.to_owned()),
        channel: Some(
            if rng.random_bool(0.7) {
                "Portal"
            } else {
                "Teléfono"
            }
            .to_owned(),
        ),
        status,
        status_label: Some(status.label_es().to_owned()),
        created_at: local(created),
        taken_at: None,
        solved_at: (h.solved_at <= cut).then(|| local(h.solved_at)),
        closed_at: (h.closed_at <= cut).then(|| local(h.closed_at)),
        last_update: Some(local(last_update)),
        satisfaction,
        attention_source_seconds: None,
        line: 0,
    })));
    // The satisfaction survey ("encuesta de percepción") goes out when the ticket is closed.
    if h.closed_at <= cut {
        out.push(survey(
            rng,
            cal,
            (source.as_str(), ticket_id.as_str()),
            h.closed_at,
            cut,
            satisfaction,
        ));
    }
    for (k, (at, kind, old, new, public)) in h.events.into_iter().enumerate() {
        out.push(Record::Event(EventRow {
            source: source.clone(),
            ticket_id: ticket_id.clone(),
            seq: k as i64,
            at: local(at.max(created)),
            kind: kind.to_owned(),
            old_value: old,
            new_value: new,
            actor: Some(a.tech.to_owned()),
            is_public: public,
            by_requester: public.map(|_| false),
        }));
    }
    out
}

/// The survey sent when the ticket was closed, answered (before the cut) when it has a score.
fn survey(
    rng: &mut StdRng,
    cal: &Calendar,
    (source, ticket_id): (&str, &str),
    closed_at: Instant,
    cut: Instant,
    satisfaction: Option<f64>,
) -> Record {
    let local = |t: Instant| cal.local_from_instant(t);
    let answered = satisfaction
        .map(|_| closed_at + rng.random_range(600..3 * 86_400))
        .filter(|&a| a <= cut);
    Record::Survey(SurveyRow {
        source: source.to_owned(),
        ticket_id: ticket_id.to_owned(),
        sent_at: Some(local(closed_at)),
        answered_at: answered.map(local),
        score: answered.and(satisfaction),
        comment: None,
        line: 0,
    })
}
