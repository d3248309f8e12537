//! Reader for Dexon case reports (CSV or XLSX) and their state history, through a preset
//! mapping of the usual Spanish headers that the configuration can override column by column.

use std::collections::HashMap;
use std::path::Path;

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};

use super::limits::{self, Violation};
use super::load::{EventRow, Record, Reject, SurveyRow, TicketRow};
use super::table::{self, Cell};
use super::{FileKind, IngestError, Records};
use crate::model::{Status, TicketType, fold, parse_priority};

pub const SOURCE: &str = "dexon";

/// The `[dexon]` table of the configuration.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DexonConfig {
    /// Entity of the cases (else `--entity`, else empty).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entity: Option<String>,
    /// Header of each field when it differs from the preset, e.g. `ticket_id = "No. Caso"`.
    /// Fields: ticket_id, title, created_at, solved_at, closed_at, status, category, priority,
    /// type, technician, tech_group, requester, satisfaction; history: history_ticket_id,
    /// history_at, history_old, history_new, history_user.
    #[serde(default, skip_serializing_if = "HashMap::is_empty")]
    pub columns: HashMap<String, String>,
}

/// Known fields and their preset headers (folded).
const CASE_FIELDS: &[(&str, &[&str])] = &[
    (
        "ticket_id",
        &[
            "numero de caso",
            "caso",
            "no. caso",
            "numero del caso",
            "id caso",
        ],
    ),
    ("title", &["asunto", "titulo", "resumen"]),
    (
        "created_at",
        &[
            "fecha de registro",
            "fecha de creacion",
            "fecha de apertura",
        ],
    ),
    ("solved_at", &["fecha de solucion"]),
    ("closed_at", &["fecha de cierre"]),
    ("status", &["estado"]),
    ("category", &["categoria", "servicio"]),
    ("priority", &["criticidad", "prioridad"]),
    ("type", &["tipo", "tipo de caso"]),
    ("technician", &["especialista", "responsable"]),
    (
        "tech_group",
        &["grupo", "grupo de especialistas", "grupo resolutor"],
    ),
    ("requester", &["solicitante", "usuario solicitante"]),
    (
        "satisfaction",
        &["calificacion encuesta", "calificacion", "satisfaccion"],
    ),
];

const HISTORY_FIELDS: &[(&str, &[&str])] = &[
    ("history_ticket_id", &["numero de caso", "caso", "no. caso"]),
    (
        "history_at",
        &["fecha", "fecha de cambio", "fecha del cambio"],
    ),
    ("history_old", &["estado anterior"]),
    ("history_new", &["estado nuevo", "estado actual"]),
    ("history_user", &["usuario", "especialista"]),
];

/// Dexon states as the reference results normalise them.
pub fn status(label: &str) -> Option<Status> {
    Some(match fold(label).as_str() {
        "abierto" | "nuevo" | "registrado" => Status::New,
        "en proceso" | "abierto por encuesta" | "asignado" | "reabierto" => Status::Assigned,
        "retenido" | "en espera" | "pendiente" => Status::Waiting,
        // Dexon closes a case when it is solved (samples README).
        "cerrado" | "solucionado" | "resuelto" => Status::Solved,
        _ => return None,
    })
}

/// Maps fields to column indexes: configured headers first, then the preset.
fn map_columns(
    headers: &[String],
    fields: &[(&'static str, &[&str])],
    cfg: &DexonConfig,
) -> HashMap<&'static str, usize> {
    let folded: Vec<String> = headers.iter().map(|h| fold(h)).collect();
    let mut out = HashMap::new();
    for (field, preset) in fields {
        let wanted: Vec<String> = match cfg.columns.get(*field) {
            Some(h) => vec![fold(h)],
            None => preset.iter().map(|p| p.to_string()).collect(),
        };
        if let Some(i) = folded.iter().position(|h| wanted.contains(h)) {
            out.insert(*field, i);
        }
    }
    out
}

fn missing_error(path: &Path, what: &str, headers: &[String], missing: Vec<&str>) -> IngestError {
    IngestError::MissingColumns {
        path: path.display().to_string(),
        expected: what.to_owned(),
        missing: missing.join(", "),
        found: limits::column_list(headers),
    }
}

fn date(cell: &Cell) -> Option<NaiveDateTime> {
    let d = match cell {
        Cell::Date(d) => Some(*d),
        Cell::Text(t) => super::parse_datetime(t).or_else(|| {
            [
                "%d/%m/%Y %H:%M:%S",
                "%d/%m/%Y %H:%M",
                "%d-%m-%Y %H:%M:%S",
                "%d-%m-%Y %H:%M",
            ]
            .iter()
            .find_map(|f| NaiveDateTime::parse_from_str(t.trim(), f).ok())
        }),
        _ => None,
    };
    d.filter(|d| limits::date(*d).is_ok())
}

/// The case number of a cell, within [`limits::ticket_id`]; a number cell must hold an exact
/// integer that Excel keeps exactly (below 10^15), not `12.5` or `1e308`. `Ok(None)`: empty.
fn case_id(cell: &Cell) -> Result<Option<String>, Violation> {
    if let Cell::Number(n) = cell
        && !(n.is_finite() && n.fract() == 0.0 && n.abs() < 1e15)
    {
        return Err(Violation::InexactId);
    }
    let Some(id) = cell.text() else {
        return Ok(None);
    };
    limits::ticket_id(&id)?;
    Ok(Some(id))
}

/// A survey score within [`limits::SCORES`]; `Err` carries the reason.
fn score(cell: &Cell) -> Result<Option<f64>, &'static str> {
    let n = match cell {
        Cell::Number(n) => *n,
        Cell::Text(t) if !t.trim().is_empty() => match t.trim().replace(',', ".").parse() {
            Ok(n) => n,
            Err(_) => return Err("calificación no numérica"),
        },
        _ => return Ok(None),
    };
    limits::score(n).map(Some).map_err(Violation::reason)
}

fn reject(line: u64, column: &str, raw: Option<String>, reason: &str) -> Record {
    Record::Reject(Reject {
        line,
        column: Some(column.to_owned()),
        raw,
        reason: reason.to_owned(),
    })
}

/// Reads a Dexon case report.
pub fn read_cases(path: &Path, cfg: &DexonConfig) -> Result<Records, IngestError> {
    let t = table::open(path, Some("Casos"))?;
    let cols = map_columns(&t.headers, CASE_FIELDS, cfg);
    let required = ["ticket_id", "created_at", "status"];
    let missing: Vec<&str> = required
        .iter()
        .filter(|f| !cols.contains_key(**f))
        .copied()
        .collect();
    if !missing.is_empty() {
        return Err(missing_error(
            path,
            &format!(
                "{} (configure [dexon.columns] si sus encabezados son otros)",
                FileKind::DexonCases.name_es()
            ),
            &t.headers,
            missing,
        ));
    }
    let entity = cfg.entity.clone().unwrap_or_default();
    Ok(Box::new(t.rows.flat_map(move |row| {
        let (line, cells) = match row {
            Ok(r) => r,
            Err(e) => return vec![Err(e)],
        };
        let get = |f: &str| {
            cols.get(f)
                .and_then(|&i| cells.get(i))
                .unwrap_or(&Cell::Empty)
        };
        let record = case_row(&get, line, &entity);
        // A case with a survey score also gives its survey (answered; Dexon reports no dates).
        let survey = match &record {
            Record::Ticket(t) => t.satisfaction.map(|score| {
                Record::Survey(SurveyRow {
                    source: SOURCE.to_owned(),
                    ticket_id: t.ticket_id.clone(),
                    sent_at: None,
                    answered_at: None,
                    score: Some(score),
                    comment: None,
                    line,
                })
            }),
            _ => None,
        };
        std::iter::once(record)
            .chain(survey)
            .map(Ok)
            .collect::<Vec<_>>()
    })))
}

fn case_row<'a>(get: &dyn Fn(&str) -> &'a Cell, line: u64, entity: &str) -> Record {
    let id = match case_id(get("ticket_id")) {
        Ok(Some(id)) => id,
        Ok(None) => return reject(line, "ticket_id", None, "falta el número de caso"),
        Err(v) => return reject(line, "ticket_id", get("ticket_id").text(), v.reason()),
    };
    let status = match get("status").text() {
        Some(s) => match status(&s) {
            Some(st) => st,
            None => return reject(line, "status", Some(s), "estado desconocido"),
        },
        None => return reject(line, "status", None, "falta el estado"),
    };
    let mut dates = [None; 3];
    for (k, f) in ["created_at", "solved_at", "closed_at"]
        .into_iter()
        .enumerate()
    {
        let c = get(f);
        if *c == Cell::Empty {
            continue;
        }
        match date(c) {
            Some(d) => dates[k] = Some(d),
            None => return reject(line, f, c.text(), "fecha inválida"),
        }
    }
    let [created, solved, closed] = dates;
    let Some(created_at) = created else {
        return reject(line, "created_at", None, "falta la fecha de registro");
    };
    for (d, f) in [(solved, "solved_at"), (closed, "closed_at")] {
        if d.is_some_and(|d| d < created_at) {
            return reject(
                line,
                f,
                get(f).text(),
                "fecha anterior al registro del caso",
            );
        }
    }
    let ticket_type = match get("type").text() {
        None => None,
        Some(t) => match TicketType::parse(&t) {
            Some(x) => Some(x),
            None => return reject(line, "type", Some(t), "tipo desconocido"),
        },
    };
    let priority_label = get("priority").text();
    let priority = match &priority_label {
        None => None,
        Some(p) => match parse_priority(p) {
            Some(x) => Some(x),
            None => return reject(line, "priority", Some(p.clone()), "criticidad desconocida"),
        },
    };
    let satisfaction = match score(get("satisfaction")) {
        Ok(s) => s,
        Err(why) => return reject(line, "satisfaction", get("satisfaction").text(), why),
    };
    Record::Ticket(Box::new(TicketRow {
        source: SOURCE.to_owned(),
        ticket_id: id,
        entity: entity.to_owned(),
        title: get("title").text(),
        ticket_type,
        priority,
        priority_label,
        category: get("category").text(),
        service: None,
        technician: get("technician").text(),
        tech_group: get("tech_group").text(),
        requester: get("requester").text(),
        channel: None,
        status,
        status_label: get("status").text(),
        created_at,
        taken_at: None,
        solved_at: solved,
        closed_at: closed,
        last_update: None,
        satisfaction,
        attention_source_seconds: None,
        line,
    }))
}

/// Reads a Dexon state history: one status event per row.
pub fn read_history(path: &Path, cfg: &DexonConfig) -> Result<Records, IngestError> {
    let t = table::open(path, Some("Historial"))?;
    let cols = map_columns(&t.headers, HISTORY_FIELDS, cfg);
    let labels = [
        ("history_ticket_id", "Número de caso"),
        ("history_at", "Fecha"),
        ("history_new", "Estado nuevo"),
    ];
    let missing: Vec<&str> = labels
        .iter()
        .filter(|(f, _)| !cols.contains_key(f))
        .map(|(_, l)| *l)
        .collect();
    if !missing.is_empty() {
        return Err(missing_error(
            path,
            FileKind::DexonHistory.name_es(),
            &t.headers,
            missing,
        ));
    }
    Ok(Box::new(t.rows.map(move |row| {
        let (line, cells) = row?;
        let get = |f: &str| {
            cols.get(f)
                .and_then(|&i| cells.get(i))
                .unwrap_or(&Cell::Empty)
        };
        let id = match case_id(get("history_ticket_id")) {
            Ok(Some(id)) => id,
            Ok(None) => {
                return Ok(reject(
                    line,
                    "Número de caso",
                    None,
                    "falta el número de caso",
                ));
            }
            Err(v) => {
                return Ok(reject(
                    line,
                    "Número de caso",
                    get("history_ticket_id").text(),
                    v.reason(),
                ));
            }
        };
        let Some(at) = date(get("history_at")) else {
            return Ok(reject(
                line,
                "Fecha",
                get("history_at").text(),
                "fecha inválida",
            ));
        };
        let new = get("history_new").text();
        let Some(to) = new.as_deref().and_then(status) else {
            return Ok(reject(line, "Estado nuevo", new, "estado desconocido"));
        };
        let old = get("history_old").text();
        let from = match &old {
            None => None,
            Some(o) => match status(o) {
                Some(s) => Some(s),
                None => {
                    return Ok(reject(
                        line,
                        "Estado anterior",
                        old.clone(),
                        "estado desconocido",
                    ));
                }
            },
        };
        Ok(Record::Event(EventRow {
            source: SOURCE.to_owned(),
            ticket_id: id,
            seq: line as i64,
            at,
            kind: "status".to_owned(),
            old_value: from.map(|s| s.code().to_owned()),
            new_value: Some(to.code().to_owned()),
            actor: get("history_user").text(),
            is_public: None,
            by_requester: None,
        }))
    })))
}
