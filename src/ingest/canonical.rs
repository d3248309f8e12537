//! Reader for mesa-sla's own canonical layout (CSV or JSONL), one file of tickets or of events.
//!
//! Tickets: `source, entity, ticket_id, title, type, priority, priority_label, category, service,
//! technician, tech_group, requester, channel, status, status_label, created_at, taken_at,
//! solved_at, closed_at, last_update, satisfaction, attention_source_seconds` (required: `ticket_id`, `status`,
//! `created_at`). Events: `source, ticket_id, seq, at, kind, old_value, new_value, actor,
//! is_public, by_requester` (required: `ticket_id`, `at`, `kind`). See README.md.

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::Path;

use chrono::NaiveDateTime;

use super::load::{EventRow, Record, Reject, TicketRow};
use super::{IngestError, Records, csvfile, limits, parse_datetime, sniff};
use crate::model::{Status, TicketType, parse_priority};

pub const TICKET_COLUMNS: &[&str] = &[
    "source",
    "entity",
    "ticket_id",
    "title",
    "type",
    "priority",
    "priority_label",
    "category",
    "service",
    "technician",
    "tech_group",
    "requester",
    "channel",
    "status",
    "status_label",
    "created_at",
    "taken_at",
    "solved_at",
    "closed_at",
    "last_update",
    "satisfaction",
    "attention_source_seconds",
];
const TICKET_REQUIRED: &[&str] = &["ticket_id", "status", "created_at"];

pub const EVENT_COLUMNS: &[&str] = &[
    "source",
    "ticket_id",
    "seq",
    "at",
    "kind",
    "old_value",
    "new_value",
    "actor",
    "is_public",
    "by_requester",
];
const EVENT_REQUIRED: &[&str] = &["ticket_id", "at", "kind"];

/// Event kinds of the canonical model (design §3).
pub const EVENT_KINDS: &[&str] = &[
    "status",
    "assign_tech",
    "assign_group",
    "followup",
    "solution",
    "priority",
    "category",
];

/// Which canonical table a file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    Tickets,
    Events,
}

impl FileKind {
    /// The run label of the table: [`super::FileKind::label`].
    pub fn label(self) -> &'static str {
        super::FileKind::from(self).label()
    }
}

/// Opens a canonical file and returns its kind and a stream of records. `default_source` fills
/// an absent or empty `source` column.
pub fn read(path: &Path, default_source: &str) -> Result<(FileKind, Records), IngestError> {
    sniff(path)?;
    let name = path.display().to_string();
    let read_err = |source| IngestError::Read {
        path: name.clone(),
        source,
    };
    let mut reader = BufReader::new(File::open(path).map_err(read_err)?);
    let first = {
        let buf = reader.fill_buf().map_err(read_err)?;
        buf.iter()
            .copied()
            .find(|b| !b.is_ascii_whitespace() && *b != 0xEF && *b != 0xBB && *b != 0xBF)
    };
    if first == Some(b'{') {
        return read_jsonl(reader, name, default_source.to_owned());
    }
    // A header far too wide is refused before the CSV parser reads it.
    let crlf = csvfile::header_line(path)?.crlf;
    read_csv(reader, name, default_source.to_owned(), crlf)
}

fn kind_of(columns: &[String], path: &str) -> Result<FileKind, IngestError> {
    let has = |c: &str| columns.iter().any(|x| x == c);
    let missing = |required: &[&'static str]| -> Vec<&'static str> {
        required.iter().filter(|c| !has(c)).copied().collect()
    };
    let (kind, miss) = if has("created_at") || !has("at") {
        (FileKind::Tickets, missing(TICKET_REQUIRED))
    } else {
        (FileKind::Events, missing(EVENT_REQUIRED))
    };
    if miss.is_empty() {
        return Ok(kind);
    }
    Err(IngestError::MissingColumns {
        path: path.to_owned(),
        expected: match kind {
            FileKind::Tickets => super::FileKind::CanonicalTickets.name_es().into(),
            FileKind::Events => super::FileKind::CanonicalEvents.name_es().into(),
        },
        missing: miss.join(", "),
        found: limits::column_list(columns),
    })
}

fn read_csv(
    mut reader: BufReader<File>,
    path: String,
    default_source: String,
    crlf: bool,
) -> Result<(FileKind, Records), IngestError> {
    // Skip a UTF-8 byte-order mark, then pick the delimiter from the header line.
    let bom = reader
        .fill_buf()
        .map(|b| b.starts_with(b"\xEF\xBB\xBF"))
        .unwrap_or(false);
    if bom {
        reader.consume(3);
    }
    let header_line = reader.fill_buf().map(|b| b.to_vec()).unwrap_or_default();
    let header_line = header_line.split(|&b| b == b'\n').next().unwrap_or(&[]);
    let delimiter = if header_line.iter().filter(|&&b| b == b';').count()
        > header_line.iter().filter(|&&b| b == b',').count()
    {
        b';'
    } else {
        b','
    };
    let mut csv = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .from_reader(reader);
    let headers: Vec<String> = csv
        .headers()
        .map_err(|e| csvfile::malformed(&path, &e))?
        .iter()
        .map(|h| h.trim().to_ascii_lowercase())
        .collect();
    let kind = kind_of(&headers, &path)?;
    let columns = match kind {
        FileKind::Tickets => TICKET_COLUMNS,
        FileKind::Events => EVENT_COLUMNS,
    };
    let index: Vec<Option<usize>> = columns
        .iter()
        .map(|c| headers.iter().position(|h| h == c))
        .collect();
    let iter = csv.into_records().map(move |rec| {
        let rec = match rec {
            Ok(r) => r,
            Err(e) => {
                let line = csvfile::record_line(e.position(), crlf);
                return match e.kind() {
                    csv::ErrorKind::Utf8 { .. } => Ok(Record::Reject(Reject {
                        line,
                        column: None,
                        raw: None,
                        reason: "la fila no es texto UTF-8 válido".into(),
                    })),
                    _ => Err(csvfile::malformed(&path, &e)),
                };
            }
        };
        let line = csvfile::record_line(rec.position(), crlf);
        let fields: Vec<Option<&str>> = index
            .iter()
            .map(|i| {
                i.and_then(|i| rec.get(i))
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
            })
            .collect();
        Ok(match kind {
            FileKind::Tickets => ticket(&fields, line, &default_source),
            FileKind::Events => event(&fields, line, &default_source),
        })
    });
    Ok((kind, Box::new(iter)))
}

fn read_jsonl(
    reader: BufReader<File>,
    path: String,
    default_source: String,
) -> Result<(FileKind, Records), IngestError> {
    let mut lines = reader.lines().enumerate().peekable();
    // The first object decides the kind of the file.
    let first_keys: Vec<String> = match lines.peek() {
        Some((_, Ok(l))) => serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(l)
            .map(|m| m.keys().map(|k| k.to_ascii_lowercase()).collect())
            .map_err(|e| IngestError::Malformed {
                path: path.clone(),
                line: 1,
                reason: format!("JSON inválido: {e}"),
            })?,
        _ => return Err(IngestError::Empty(path)),
    };
    let kind = kind_of(&first_keys, &path)?;
    let columns = match kind {
        FileKind::Tickets => TICKET_COLUMNS,
        FileKind::Events => EVENT_COLUMNS,
    };
    let iter = lines.filter_map(move |(i, line)| {
        let line_no = i as u64 + 1;
        let text = match line {
            Ok(t) => t,
            Err(e) => {
                return Some(Err(IngestError::Read {
                    path: path.clone(),
                    source: e,
                }));
            }
        };
        if text.trim().is_empty() {
            return None;
        }
        let obj = match serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(&text) {
            Ok(o) => o,
            Err(e) => {
                return Some(Ok(Record::Reject(Reject {
                    line: line_no,
                    column: None,
                    raw: Some(text.chars().take(200).collect()),
                    reason: format!("JSON inválido: {e}"),
                })));
            }
        };
        // An identifier sent as a JSON number must be an exact integer (serde writes one beyond
        // u64 as `1.2345678901234567e+38`).
        if let Some(id) = obj.get("ticket_id")
            && let Err(v) = limits::json_id(id)
        {
            return Some(Ok(reject(
                line_no,
                "ticket_id",
                Some(id.to_string().as_str()),
                v.reason(),
            )));
        }
        let values: Vec<Option<String>> = columns
            .iter()
            .map(|c| match obj.get(*c) {
                None | Some(serde_json::Value::Null) => None,
                Some(serde_json::Value::String(s)) => Some(s.trim().to_owned()),
                Some(other) => Some(other.to_string()),
            })
            .collect();
        let fields: Vec<Option<&str>> = values
            .iter()
            .map(|v| v.as_deref().filter(|s| !s.is_empty()))
            .collect();
        Some(Ok(match kind {
            FileKind::Tickets => ticket(&fields, line_no, &default_source),
            FileKind::Events => event(&fields, line_no, &default_source),
        }))
    });
    Ok((kind, Box::new(iter)))
}

fn reject(line: u64, column: &str, raw: Option<&str>, reason: impl Into<String>) -> Record {
    Record::Reject(rejection(line, column, raw, reason))
}

fn rejection(line: u64, column: &str, raw: Option<&str>, reason: impl Into<String>) -> Reject {
    Reject {
        line,
        column: Some(column.to_owned()),
        raw: raw.map(str::to_owned),
        reason: reason.into(),
    }
}

fn date(line: u64, column: &str, raw: Option<&str>) -> Result<Option<NaiveDateTime>, Reject> {
    let Some(text) = raw else { return Ok(None) };
    match parse_datetime(text).map(limits::date) {
        Some(Ok(d)) => Ok(Some(d)),
        Some(Err(v)) => Err(rejection(line, column, raw, v.reason())),
        None => Err(rejection(
            line,
            column,
            raw,
            "fecha inválida (se espera AAAA-MM-DD HH:MM:SS)",
        )),
    }
}

fn own(v: Option<&str>) -> Option<String> {
    v.map(str::to_owned)
}

/// Validates one ticket row given in `TICKET_COLUMNS` order.
fn ticket(f: &[Option<&str>], line: u64, default_source: &str) -> Record {
    let Some(ticket_id) = f[2] else {
        return reject(line, "ticket_id", None, "falta el identificador del caso");
    };
    if let Err(v) = limits::ticket_id(ticket_id) {
        return reject(line, "ticket_id", f[2], v.reason());
    }
    let status = match f[13].map(Status::parse) {
        Some(Some(s)) => s,
        Some(None) => return reject(line, "status", f[13], "estado desconocido"),
        None => return reject(line, "status", None, "falta el estado"),
    };
    let ticket_type = match f[4] {
        None => None,
        Some(t) => match TicketType::parse(t) {
            Some(x) => Some(x),
            None => return reject(line, "type", f[4], "tipo desconocido (incident o request)"),
        },
    };
    let priority = match f[5] {
        None => None,
        Some(p) => match parse_priority(p) {
            Some(x) => Some(x),
            None => return reject(line, "priority", f[5], "prioridad desconocida (1–6)"),
        },
    };
    let mut dates = [None; 5];
    for (k, col) in [15usize, 16, 17, 18, 19].into_iter().enumerate() {
        match date(line, TICKET_COLUMNS[col], f[col]) {
            Ok(d) => dates[k] = d,
            Err(r) => return Record::Reject(r),
        }
    }
    let [created, taken, solved, closed, last_update] = dates;
    let Some(created_at) = created else {
        return reject(line, "created_at", None, "falta la fecha de apertura");
    };
    for (k, col) in [(taken, 16usize), (solved, 17), (closed, 18)] {
        if k.is_some_and(|d| d < created_at) {
            return reject(
                line,
                TICKET_COLUMNS[col],
                f[col],
                "fecha anterior a la apertura del caso",
            );
        }
    }
    let attention_source_seconds = match f[21] {
        None => None,
        Some(s) => match s.parse::<i64>().map(limits::duration) {
            Ok(Ok(x)) => Some(x),
            Ok(Err(v)) => return reject(line, "attention_source_seconds", f[21], v.reason()),
            Err(_) => {
                return reject(
                    line,
                    "attention_source_seconds",
                    f[21],
                    "segundos no válidos (entero ≥ 0)",
                );
            }
        },
    };
    let satisfaction = match f[20] {
        None => None,
        Some(s) => match s.replace(',', ".").parse::<f64>().map(limits::score) {
            Ok(Ok(x)) => Some(x),
            Ok(Err(v)) => return reject(line, "satisfaction", f[20], v.reason()),
            Err(_) => return reject(line, "satisfaction", f[20], "satisfacción no numérica"),
        },
    };
    Record::Ticket(Box::new(TicketRow {
        source: f[0].unwrap_or(default_source).to_owned(),
        ticket_id: ticket_id.to_owned(),
        entity: f[1].unwrap_or_default().to_owned(),
        title: own(f[3]),
        ticket_type,
        priority,
        priority_label: own(f[6]),
        category: own(f[7]),
        service: own(f[8]),
        technician: own(f[9]),
        tech_group: own(f[10]),
        requester: own(f[11]),
        channel: own(f[12]),
        status,
        status_label: own(f[14]),
        created_at,
        taken_at: taken,
        solved_at: solved,
        closed_at: closed,
        last_update,
        satisfaction,
        attention_source_seconds,
        line,
    }))
}

fn flag(line: u64, column: &str, raw: Option<&str>) -> Result<Option<bool>, Reject> {
    let Some(t) = raw else { return Ok(None) };
    match t.to_ascii_lowercase().as_str() {
        "1" | "true" | "t" | "si" | "sí" | "yes" | "y" => Ok(Some(true)),
        "0" | "false" | "f" | "no" | "n" => Ok(Some(false)),
        _ => Err(rejection(
            line,
            column,
            raw,
            "valor lógico inválido (true/false o 1/0)",
        )),
    }
}

/// Validates one event row given in `EVENT_COLUMNS` order.
fn event(f: &[Option<&str>], line: u64, default_source: &str) -> Record {
    let Some(ticket_id) = f[1] else {
        return reject(line, "ticket_id", None, "falta el identificador del caso");
    };
    if let Err(v) = limits::ticket_id(ticket_id) {
        return reject(line, "ticket_id", f[1], v.reason());
    }
    let at = match date(line, "at", f[3]) {
        Ok(Some(d)) => d,
        Ok(None) => return reject(line, "at", None, "falta la fecha del evento"),
        Err(r) => return Record::Reject(r),
    };
    let kind = match f[4] {
        Some(k) if EVENT_KINDS.contains(&k) => k,
        other => {
            return reject(
                line,
                "kind",
                other,
                format!(
                    "tipo de evento desconocido (use {})",
                    EVENT_KINDS.join(", ")
                ),
            );
        }
    };
    let (mut old_value, mut new_value) = (own(f[5]), own(f[6]));
    if kind == "status" {
        // Status values are normalised here so the engine reads codes only.
        match f[6].map(Status::parse) {
            Some(Some(s)) => new_value = Some(s.code().to_owned()),
            _ => return reject(line, "new_value", f[6], "estado nuevo desconocido"),
        }
        match f[5].map(Status::parse) {
            None => {}
            Some(Some(s)) => old_value = Some(s.code().to_owned()),
            Some(None) => return reject(line, "old_value", f[5], "estado anterior desconocido"),
        }
    }
    let seq = match f[2] {
        None => line as i64,
        Some(s) => match s.parse::<i64>() {
            Ok(x) => x,
            Err(_) => return reject(line, "seq", f[2], "secuencia no numérica"),
        },
    };
    let (is_public, by_requester) = match (
        flag(line, "is_public", f[8]),
        flag(line, "by_requester", f[9]),
    ) {
        (Ok(p), Ok(r)) => (p, r),
        (Err(e), _) | (_, Err(e)) => return Record::Reject(e),
    };
    Record::Event(EventRow {
        source: f[0].unwrap_or(default_source).to_owned(),
        ticket_id: ticket_id.to_owned(),
        seq,
        at,
        kind: kind.to_owned(),
        old_value,
        new_value,
        actor: own(f[7]),
        is_public,
        by_requester,
    })
}
