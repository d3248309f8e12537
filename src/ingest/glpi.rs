//! Readers for GLPI exports: the ticket list ("Exportar → CSV", GLPI 10 and 11, any language we
//! know the labels of) and the history tables `glpi_logs` and `glpi_itilfollowups` as CSV. The
//! history row mappings are shared with the REST API sync (`glpi_api`).

use std::collections::HashMap;
use std::path::Path;

use chrono::NaiveDateTime;

use super::csvfile::{self, CsvSource};
use super::load::{EventRow, Record, Reject, SurveyRow, TicketRow};
use super::{FileKind, IngestError, Records, limits};
use crate::model::{Status, TicketType, fold, parse_priority};

/// The `source` of everything read from GLPI.
pub const SOURCE: &str = "glpi";

/// Date order of a GLPI user's preference.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateFormat {
    /// `Y-m-d H:i` (GLPI's default).
    Ymd,
    /// `d-m-Y H:i`.
    Dmy,
    /// `m-d-Y H:i`.
    Mdy,
}

impl DateFormat {
    const ALL: [DateFormat; 3] = [DateFormat::Ymd, DateFormat::Dmy, DateFormat::Mdy];

    fn patterns(self) -> [&'static str; 2] {
        match self {
            DateFormat::Ymd => ["%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"],
            DateFormat::Dmy => ["%d-%m-%Y %H:%M", "%d-%m-%Y %H:%M:%S"],
            DateFormat::Mdy => ["%m-%d-%Y %H:%M", "%m-%d-%Y %H:%M:%S"],
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            DateFormat::Ymd => "ymd (AAAA-MM-DD)",
            DateFormat::Dmy => "dmy (DD-MM-AAAA)",
            DateFormat::Mdy => "mdy (MM-DD-AAAA)",
        }
    }

    /// Parses a date in this order; `/` and `.` separators (Excel re-saves) are accepted too.
    pub fn parse(self, text: &str) -> Option<NaiveDateTime> {
        let order = match self {
            DateFormat::Ymd => super::Order::Ymd,
            DateFormat::Dmy => super::Order::Dmy,
            DateFormat::Mdy => super::Order::Mdy,
        };
        super::fixed_datetime(text, order)
            .or_else(|| {
                let t = text.trim().replace(['/', '.'], "-");
                self.patterns()
                    .iter()
                    .find_map(|p| NaiveDateTime::parse_from_str(&t, p).ok())
            })
            .filter(|d| limits::date(*d).is_ok())
    }
}

/// The columns of the ticket list we use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Field {
    Id,
    Title,
    Status,
    Opened,
    Solved,
    Closed,
    Priority,
    Category,
    Type,
    Technician,
    Group,
    Requester,
    Entity,
    LastUpdate,
    AttentionTime,
}

impl Field {
    /// The column of `fast_list_stage` holding this field (DuckDB-native path).
    fn stage_column(self) -> &'static str {
        match self {
            Field::Id => "id",
            Field::Title => "title",
            Field::Status => "status",
            Field::Opened => "opened",
            Field::Solved => "solved",
            Field::Closed => "closed",
            Field::Priority => "priority",
            Field::Category => "category",
            Field::Type => "type",
            Field::Technician => "technician",
            Field::Group => "tech_group",
            Field::Requester => "requester",
            Field::Entity => "entity",
            Field::LastUpdate => "last_update",
            Field::AttentionTime => "attention",
        }
    }
}

/// Known header labels (folded: lower case, no accents, no `:`, single spaces) in es_CO,
/// es_ES, English and French.
const LABELS: &[(&str, Field)] = &[
    ("id", Field::Id),
    ("titulo", Field::Title),
    ("title", Field::Title),
    ("titre", Field::Title),
    ("estado", Field::Status),
    ("status", Field::Status),
    ("statut", Field::Status),
    ("fecha de apertura", Field::Opened),
    ("opening date", Field::Opened),
    ("date d'ouverture", Field::Opened),
    ("fecha de solucion", Field::Solved),
    ("fecha de resolucion", Field::Solved),
    ("resolution date", Field::Solved),
    ("date de resolution", Field::Solved),
    ("fecha de cierre", Field::Closed),
    ("closing date", Field::Closed),
    ("date de cloture", Field::Closed),
    ("prioridad", Field::Priority),
    ("priority", Field::Priority),
    ("priorite", Field::Priority),
    ("categoria", Field::Category),
    ("category", Field::Category),
    ("categorie", Field::Category),
    ("tipo", Field::Type),
    ("type", Field::Type),
    ("asignado a - tecnico", Field::Technician),
    ("asignada a - tecnico", Field::Technician),
    ("assigned to - technician", Field::Technician),
    ("attribue a - technicien", Field::Technician),
    ("asignado a - grupo de tecnicos", Field::Group),
    ("asignada a - grupo de tecnicos", Field::Group),
    ("assigned to - technician group", Field::Group),
    ("attribue a - groupe de techniciens", Field::Group),
    ("solicitante - solicitante", Field::Requester),
    ("solicitante", Field::Requester),
    ("requester - requester", Field::Requester),
    ("demandeur - demandeur", Field::Requester),
    ("entidad", Field::Entity),
    ("entity", Field::Entity),
    ("entite", Field::Entity),
    ("ultima actualizacion", Field::LastUpdate),
    ("last update", Field::LastUpdate),
    ("derniere modification", Field::LastUpdate),
    (
        "estadisticas - tiempo en atender el servicio",
        Field::AttentionTime,
    ),
    ("estadisticas - tiempo de atencion", Field::AttentionTime),
    (
        "estadisticas - tiempo de toma en cuenta",
        Field::AttentionTime,
    ),
    ("statistics - take into account time", Field::AttentionTime),
    (
        "statistiques - delai de prise en compte",
        Field::AttentionTime,
    ),
];

/// Parses a duration as GLPI prints it in the user's language ("2 días 3 horas 5 minutos",
/// "45 minutos", "1 hora", "1 day 2 hours", "3 jours 4 heures"), into seconds. A day is 24 hours
/// there: GLPI splits a number of seconds, it does not count working days. The sum saturates at
/// the ends of `i64` (the caller checks the range with [`limits::duration`]).
pub fn parse_duration(text: &str) -> Option<i64> {
    let folded = fold(text);
    if folded.is_empty() {
        return None;
    }
    let mut total = 0i64;
    let mut number: Option<i64> = None;
    let mut seen = false;
    for word in folded.split(|c: char| c.is_whitespace() || c == ',') {
        if word.is_empty() || word == "y" || word == "and" || word == "et" {
            continue;
        }
        if let Ok(n) = word.parse::<i64>() {
            if number.is_some() {
                return None;
            }
            number = Some(n);
            continue;
        }
        let unit = match word.trim_end_matches('s') {
            "dia" | "day" | "jour" => 86_400,
            "hora" | "hour" | "heure" | "h" => 3_600,
            "minuto" | "minute" | "min" => 60,
            "segundo" | "second" | "seconde" | "seg" | "sec" => 1,
            _ => return None,
        };
        total = total.saturating_add(number.take()?.saturating_mul(unit));
        seen = true;
    }
    (seen && number.is_none()).then_some(total)
}

const DATE_FIELDS: [Field; 4] = [
    Field::Opened,
    Field::Solved,
    Field::Closed,
    Field::LastUpdate,
];

fn fold_label(label: &str) -> String {
    fold(&label.replace(':', " "))
}

/// Options of `ingest glpi-csv`.
#[derive(Debug, Clone, Default)]
pub struct ListOptions {
    /// Entity for every ticket (else the file's `Entidad` column).
    pub entity: Option<String>,
    /// Date order, required only when the file leaves it ambiguous.
    pub date_format: Option<DateFormat>,
}

fn column_map(headers: &[String]) -> HashMap<Field, usize> {
    let mut map = HashMap::new();
    for (i, h) in headers.iter().enumerate() {
        let folded = fold_label(h);
        if let Some((_, f)) = LABELS.iter().find(|(l, _)| *l == folded) {
            map.entry(*f).or_insert(i);
        }
    }
    map
}

/// Refuses a list export without the columns every ticket needs.
fn check_list_columns(
    name: &str,
    headers: &[String],
    cols: &HashMap<Field, usize>,
) -> Result<(), IngestError> {
    let missing: Vec<&str> = [
        (Field::Id, "ID"),
        (Field::Status, "Estado"),
        (Field::Opened, "Fecha de Apertura"),
    ]
    .iter()
    .filter(|(f, _)| !cols.contains_key(f))
    .map(|(_, l)| *l)
    .collect();
    if missing.is_empty() {
        return Ok(());
    }
    Err(IngestError::MissingColumns {
        path: name.to_owned(),
        expected: FileKind::GlpiList.name_es().into(),
        missing: missing.join(", "),
        found: limits::column_list(headers),
    })
}

/// For the DuckDB-native path: checks the header of a list export like [`read_list`] does and
/// names each file column after the field it holds (the staging column of
/// `queries/fast_list_stage_create.sql`), or `_x<i>` when the reader ignores it.
pub(super) fn list_stage_columns(
    name: &str,
    headers: &[String],
) -> Result<Vec<String>, IngestError> {
    let cols = column_map(headers);
    check_list_columns(name, headers, &cols)?;
    Ok((0..headers.len())
        .map(|i| {
            cols.iter()
                .find(|&(_, &at)| at == i)
                .map_or_else(|| format!("_x{i}"), |(f, _)| f.stage_column().to_owned())
        })
        .collect())
}

/// Reads a GLPI ticket list export. The file is read twice: once to decide the date order over
/// the whole file, once to produce the records.
pub fn read_list(path: &Path, opts: &ListOptions) -> Result<Records, IngestError> {
    let name = path.display().to_string();
    let mut src = csvfile::open(path)?;
    let cols = column_map(&src.headers);
    check_list_columns(&name, &src.headers, &cols)?;
    let format = detect_dates(&mut src, &cols, &name, opts.date_format)?;
    let src = csvfile::reopen(path, src.encoding, src.delimiter)?;
    let glpi10 = src.trailing_delimiter;
    let crlf = src.crlf;
    let entity = opts.entity.clone();
    let iter = src.reader.into_records().map(move |rec| {
        let rec = rec.map_err(|e| csvfile::malformed(&name, &e))?;
        let line = csvfile::record_line(rec.position(), crlf);
        let get = |f: Field| {
            cols.get(&f)
                .and_then(|&i| rec.get(i))
                .map(str::trim)
                .filter(|s| !s.is_empty())
        };
        Ok(list_row(&get, line, format, glpi10, entity.as_deref()))
    });
    Ok(Box::new(iter))
}

/// Decides the date order from every date of the file: the order that reads the most values.
/// Orders that read the same, largest number of values are ambiguous unless `forced` says.
fn detect_dates(
    src: &mut CsvSource,
    cols: &HashMap<Field, usize>,
    name: &str,
    forced: Option<DateFormat>,
) -> Result<DateFormat, IngestError> {
    if let Some(f) = forced {
        return Ok(f);
    }
    let idx: Vec<usize> = DATE_FIELDS
        .iter()
        .filter_map(|f| cols.get(f).copied())
        .collect();
    let mut hits = [0u64; 3];
    for rec in src.reader.records() {
        let rec = rec.map_err(|e| csvfile::malformed(name, &e))?;
        for &i in &idx {
            let Some(v) = rec.get(i).map(str::trim).filter(|v| !v.is_empty()) else {
                continue;
            };
            for (k, f) in DateFormat::ALL.iter().enumerate() {
                if f.parse(v).is_some() {
                    hits[k] += 1;
                }
            }
        }
    }
    decide_dates(hits, name)
}

/// The date order from how many date values each order reads (ymd, dmy, mdy): the order that
/// reads the most; a tie is ambiguous unless year-first is among the winners.
pub(super) fn decide_dates(hits: [u64; 3], name: &str) -> Result<DateFormat, IngestError> {
    let best = hits.iter().copied().max().unwrap_or(0);
    let winners: Vec<DateFormat> = DateFormat::ALL
        .iter()
        .zip(hits)
        .filter(|(_, h)| *h == best)
        .map(|(f, _)| *f)
        .collect();
    match winners.as_slice() {
        [one] => Ok(*one),
        // No date at all (an empty list): any order will do.
        _ if best == 0 => Ok(DateFormat::Ymd),
        // Year-first is never confused with the others.
        many if many.contains(&DateFormat::Ymd) => Ok(DateFormat::Ymd),
        many => Err(IngestError::AmbiguousDates {
            path: name.to_owned(),
            formats: many
                .iter()
                .map(|f| f.label())
                .collect::<Vec<_>>()
                .join(" o "),
        }),
    }
}

fn reject(line: u64, column: &str, raw: Option<&str>, reason: &str) -> Record {
    Record::Reject(Reject {
        line,
        column: Some(column.to_owned()),
        raw: raw.map(str::to_owned),
        reason: reason.to_owned(),
    })
}

/// A multi-valued GLPI cell (`A<br>B`) as one readable value.
pub(super) fn multi(v: Option<&str>) -> Option<String> {
    v.map(|s| {
        s.split("<br>")
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .collect::<Vec<_>>()
            .join(", ")
    })
    .filter(|s| !s.is_empty())
}

/// Why a row of the ticket list is rejected, in the order [`list_row`] checks. The DuckDB-native
/// path (`queries/fast_list_check.sql`) computes the same numbers, so both give the same column
/// and reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum ListReject {
    MissingId = 1,
    MissingStatus,
    UnknownStatus,
    BadOpened,
    BadSolved,
    BadClosed,
    BadLastUpdate,
    BadDuration,
    MissingOpened,
    SolvedBeforeOpening,
    ClosedBeforeOpening,
    UnknownType,
    UnknownPriority,
    /// Checked right after `MissingId` ([`limits::ticket_id`]).
    BadId,
    /// Checked right after `BadDuration` ([`limits::duration`]).
    DurationOutOfRange,
}

impl ListReject {
    const ALL: [ListReject; 15] = [
        ListReject::MissingId,
        ListReject::MissingStatus,
        ListReject::UnknownStatus,
        ListReject::BadOpened,
        ListReject::BadSolved,
        ListReject::BadClosed,
        ListReject::BadLastUpdate,
        ListReject::BadDuration,
        ListReject::MissingOpened,
        ListReject::SolvedBeforeOpening,
        ListReject::ClosedBeforeOpening,
        ListReject::UnknownType,
        ListReject::UnknownPriority,
        ListReject::BadId,
        ListReject::DurationOutOfRange,
    ];

    pub(super) fn from_code(code: i64) -> Option<ListReject> {
        ListReject::ALL.into_iter().find(|r| *r as i64 == code)
    }

    /// The reject as stored: the column label and the Spanish reason.
    pub(super) fn record(self, line: u64, raw: Option<&str>, format: DateFormat) -> Record {
        let (column, reason) = match self {
            ListReject::MissingId => ("ID", "falta el identificador del caso".to_owned()),
            ListReject::BadId => ("ID", limits::Violation::BadId.reason().to_owned()),
            ListReject::MissingStatus => ("Estado", "falta el estado".to_owned()),
            ListReject::UnknownStatus => ("Estado", "estado desconocido".to_owned()),
            ListReject::BadOpened
            | ListReject::BadSolved
            | ListReject::BadClosed
            | ListReject::BadLastUpdate => {
                let field = match self {
                    ListReject::BadOpened => Field::Opened,
                    ListReject::BadSolved => Field::Solved,
                    ListReject::BadClosed => Field::Closed,
                    _ => Field::LastUpdate,
                };
                (
                    label_of(field),
                    format!("fecha inválida (formato {})", format.label()),
                )
            }
            ListReject::BadDuration => (
                "Tiempo en atender el servicio",
                "duración ilegible (p. ej. \"2 días 3 horas 5 minutos\")".to_owned(),
            ),
            ListReject::DurationOutOfRange => (
                "Tiempo en atender el servicio",
                limits::Violation::DurationOutOfRange.reason().to_owned(),
            ),
            ListReject::MissingOpened => {
                ("Fecha de Apertura", "falta la fecha de apertura".to_owned())
            }
            ListReject::SolvedBeforeOpening => (
                label_of(Field::Solved),
                "fecha anterior a la apertura del caso".to_owned(),
            ),
            ListReject::ClosedBeforeOpening => (
                label_of(Field::Closed),
                "fecha anterior a la apertura del caso".to_owned(),
            ),
            ListReject::UnknownType => ("Tipo", "tipo desconocido".to_owned()),
            ListReject::UnknownPriority => ("Prioridad", "prioridad desconocida".to_owned()),
        };
        reject(line, column, raw, &reason)
    }
}

fn list_row<'a>(
    get: &dyn Fn(Field) -> Option<&'a str>,
    line: u64,
    format: DateFormat,
    glpi10: bool,
    entity: Option<&str>,
) -> Record {
    let fail = |why: ListReject, raw: Option<&str>| why.record(line, raw, format);
    let Some(id) = get(Field::Id) else {
        return fail(ListReject::MissingId, None);
    };
    if limits::ticket_id(id).is_err() {
        return fail(ListReject::BadId, Some(id));
    }
    let status = match get(Field::Status).map(|s| (s, Status::parse(s))) {
        Some((_, Some(s))) => s,
        Some((raw, None)) => return fail(ListReject::UnknownStatus, Some(raw)),
        None => return fail(ListReject::MissingStatus, None),
    };
    let mut dates = [None; 4];
    let bad = [
        ListReject::BadOpened,
        ListReject::BadSolved,
        ListReject::BadClosed,
        ListReject::BadLastUpdate,
    ];
    for (k, f) in DATE_FIELDS.iter().enumerate() {
        if let Some(raw) = get(*f) {
            match format.parse(raw) {
                Some(d) => dates[k] = Some(d),
                None => return fail(bad[k], Some(raw)),
            }
        }
    }
    let [opened, solved, closed, last_update] = dates;
    let attention_source_seconds = match get(Field::AttentionTime) {
        None => None,
        Some(raw) => match parse_duration(raw).map(limits::duration) {
            Some(Ok(secs)) => Some(secs),
            Some(Err(_)) => return fail(ListReject::DurationOutOfRange, Some(raw)),
            None => return fail(ListReject::BadDuration, Some(raw)),
        },
    };
    let Some(created_at) = opened else {
        return fail(ListReject::MissingOpened, None);
    };
    for (d, f, why) in [
        (solved, Field::Solved, ListReject::SolvedBeforeOpening),
        (closed, Field::Closed, ListReject::ClosedBeforeOpening),
    ] {
        if d.is_some_and(|d| d < created_at) {
            return fail(why, get(f));
        }
    }
    let ticket_type = match get(Field::Type) {
        None => None,
        Some(t) => match TicketType::parse(t) {
            Some(x) => Some(x),
            None => return fail(ListReject::UnknownType, Some(t)),
        },
    };
    let priority = match get(Field::Priority) {
        None => None,
        Some(p) => match parse_priority(p) {
            Some(x) => Some(x),
            None => return fail(ListReject::UnknownPriority, Some(p)),
        },
    };
    // GLPI 10 writes a double quote inside a value as two apostrophes.
    let text = |v: Option<&str>| {
        v.map(|s| {
            if glpi10 {
                s.replace("''", "\"")
            } else {
                s.to_owned()
            }
        })
    };
    Record::Ticket(Box::new(TicketRow {
        source: SOURCE.to_owned(),
        ticket_id: id.to_owned(),
        entity: entity
            .map(str::to_owned)
            .or_else(|| text(get(Field::Entity)))
            .unwrap_or_default(),
        title: text(get(Field::Title)),
        ticket_type,
        priority,
        priority_label: get(Field::Priority).map(str::to_owned),
        category: text(get(Field::Category)),
        service: None,
        technician: multi(get(Field::Technician)),
        tech_group: multi(get(Field::Group)),
        requester: multi(get(Field::Requester)),
        channel: None,
        status,
        status_label: get(Field::Status).map(str::to_owned),
        created_at,
        taken_at: None,
        solved_at: solved,
        closed_at: closed,
        last_update,
        satisfaction: None,
        attention_source_seconds,
        line,
    }))
}

fn label_of(f: Field) -> &'static str {
    match f {
        Field::Opened => "Fecha de Apertura",
        Field::Solved => "Fecha de solución",
        Field::Closed => "Fecha de cierre",
        Field::LastUpdate => "Última actualización",
        _ => "",
    }
}

/// Opens a GLPI table export (`glpi_logs`, `glpi_itilfollowups`) and maps its columns by name.
fn open_table(
    path: &Path,
    what: &str,
    required: &[&str],
) -> Result<(CsvSource, HashMap<String, usize>), IngestError> {
    let src = csvfile::open(path)?;
    let cols = table_columns(path, &src.headers, what, required)?;
    Ok((src, cols))
}

/// Maps the columns of a GLPI table export by name (trimmed, lower case; a repeated name means
/// its last column) and refuses the file when a required one is missing.
fn table_columns(
    path: &Path,
    headers: &[String],
    what: &str,
    required: &[&str],
) -> Result<HashMap<String, usize>, IngestError> {
    let cols: HashMap<String, usize> = headers
        .iter()
        .enumerate()
        .map(|(i, h)| (h.trim().to_ascii_lowercase(), i))
        .collect();
    let missing: Vec<&str> = required
        .iter()
        .filter(|c| !cols.contains_key(**c))
        .copied()
        .collect();
    if !missing.is_empty() {
        return Err(IngestError::MissingColumns {
            path: path.display().to_string(),
            expected: what.to_owned(),
            missing: missing.join(", "),
            found: limits::column_list(headers),
        });
    }
    Ok(cols)
}

const LOGS_WHAT: &str = FileKind::GlpiLogs.name_es();
const LOGS_REQUIRED: [&str; 5] = [
    "items_id",
    "date_mod",
    "id_search_option",
    "old_value",
    "new_value",
];

/// Every column [`log_row`] reads. The DuckDB-native path handles only exports that have all of
/// them (a plain database export does).
pub(super) const LOGS_COLUMNS: [&str; 9] = [
    "id",
    "itemtype",
    "items_id",
    "linked_action",
    "user_name",
    "date_mod",
    "id_search_option",
    "old_value",
    "new_value",
];

/// For the DuckDB-native path: checks the header of a `glpi_logs` export like [`read_logs`]
/// does and names its columns as `queries/fast_logs_stage_load.sql` reads them (`_x<i>` for
/// the columns [`log_row`] ignores or does not see). `None` when a column [`log_row`] reads is
/// missing: that export is for the reference reader.
pub(super) fn logs_stage_columns(
    path: &Path,
    headers: &[String],
) -> Result<Option<Vec<String>>, IngestError> {
    let cols = table_columns(path, headers, LOGS_WHAT, &LOGS_REQUIRED)?;
    if LOGS_COLUMNS.iter().any(|c| !cols.contains_key(*c)) {
        return Ok(None);
    }
    Ok(Some(
        (0..headers.len())
            .map(|i| {
                LOGS_COLUMNS
                    .iter()
                    .find(|c| cols.get(**c) == Some(&i))
                    .map_or_else(|| format!("_x{i}"), |c| (*c).to_owned())
            })
            .collect(),
    ))
}

/// Why a `glpi_logs` row is rejected, in the order [`log_row`] checks (the DuckDB-native path
/// computes the same numbers in SQL).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum LogReject {
    MissingTicket = 1,
    BadDate,
    UnknownStatusCode,
    /// Checked right after `MissingTicket` ([`limits::ticket_id`]).
    BadTicketId,
}

impl LogReject {
    pub(super) fn from_code(code: i64) -> Option<LogReject> {
        [
            LogReject::MissingTicket,
            LogReject::BadDate,
            LogReject::UnknownStatusCode,
            LogReject::BadTicketId,
        ]
        .into_iter()
        .find(|r| *r as i64 == code)
    }

    pub(super) fn record(self, line: u64, raw: Option<&str>) -> Record {
        match self {
            LogReject::MissingTicket => {
                reject(line, "items_id", raw, "falta el identificador del caso")
            }
            LogReject::BadDate => reject(line, "date_mod", raw, "fecha inválida"),
            LogReject::BadTicketId => {
                reject(line, "items_id", raw, limits::Violation::BadId.reason())
            }
            LogReject::UnknownStatusCode => {
                reject(line, "new_value", raw, "código de estado desconocido")
            }
        }
    }
}

pub(crate) fn history_date(text: &str) -> Option<NaiveDateTime> {
    super::parse_datetime(text).filter(|d| limits::date(*d).is_ok())
}

/// Reads `glpi_logs` rows: status changes (option 12), technician (5) and group (8)
/// assignments. Other rows carry no SLA information and are skipped.
pub fn read_logs(path: &Path) -> Result<Records, IngestError> {
    let name = path.display().to_string();
    let (src, cols) = open_table(path, LOGS_WHAT, &LOGS_REQUIRED)?;
    let crlf = src.crlf;
    let iter = src.reader.into_records().map(move |rec| {
        let rec = rec.map_err(|e| csvfile::malformed(&name, &e))?;
        let line = csvfile::record_line(rec.position(), crlf);
        let get = |c: &str| cols.get(c).and_then(|&i| rec.get(i)).map(str::trim);
        Ok(log_row(&get, line))
    });
    Ok(Box::new(iter))
}

/// One `glpi_logs` row (columns by name, as in the table and in the REST API's `Log` sub-items):
/// status (option 12, codes 1–6), technician (5) and group (8) changes become events; anything
/// else is skipped.
pub(crate) fn log_row<'a>(get: &dyn Fn(&str) -> Option<&'a str>, line: u64) -> Record {
    if get("itemtype").is_some_and(|t| !t.eq_ignore_ascii_case("ticket"))
        || get("linked_action").is_some_and(|a| !a.is_empty() && a != "0")
    {
        return Record::Skip;
    }
    let kind = match get("id_search_option") {
        Some("12") => "status",
        Some("5") => "assign_tech",
        Some("8") => "assign_group",
        _ => return Record::Skip,
    };
    let Some(ticket_id) = get("items_id").filter(|s| !s.is_empty()) else {
        return LogReject::MissingTicket.record(line, None);
    };
    if limits::ticket_id(ticket_id).is_err() {
        return LogReject::BadTicketId.record(line, Some(ticket_id));
    }
    let Some(at) = get("date_mod").and_then(history_date) else {
        return LogReject::BadDate.record(line, get("date_mod"));
    };
    let non_empty = |v: Option<&str>| v.filter(|s| !s.is_empty()).map(str::to_owned);
    let (mut old_value, mut new_value) = (non_empty(get("old_value")), non_empty(get("new_value")));
    if kind == "status" {
        let code = |v: &Option<String>| {
            v.as_deref()
                .and_then(|s| s.parse::<i64>().ok())
                .and_then(Status::from_glpi_code)
        };
        match code(&new_value) {
            Some(s) => new_value = Some(s.code().to_owned()),
            None => {
                return LogReject::UnknownStatusCode.record(line, get("new_value"));
            }
        }
        old_value = code(&old_value).map(|s| s.code().to_owned());
    }
    let seq = get("id")
        .and_then(|s| s.parse::<i64>().ok())
        .unwrap_or(line as i64);
    Record::Event(EventRow {
        source: SOURCE.to_owned(),
        ticket_id: ticket_id.to_owned(),
        seq,
        at,
        kind: kind.to_owned(),
        old_value,
        new_value,
        actor: non_empty(get("user_name")),
        is_public: None,
        by_requester: None,
    })
}

/// Reads `glpi_itilfollowups` rows as follow-up events (public unless `is_private = 1`;
/// `is_requester`, when the export has it, marks the requester's own follow-ups).
pub fn read_followups(path: &Path) -> Result<Records, IngestError> {
    let name = path.display().to_string();
    let (src, cols) = open_table(
        path,
        FileKind::GlpiFollowups.name_es(),
        &["items_id", "date"],
    )?;
    let crlf = src.crlf;
    let iter = src.reader.into_records().map(move |rec| {
        let rec = rec.map_err(|e| csvfile::malformed(&name, &e))?;
        let line = csvfile::record_line(rec.position(), crlf);
        let get = |c: &str| cols.get(c).and_then(|&i| rec.get(i)).map(str::trim);
        Ok(followup_row(&get, line))
    });
    Ok(Box::new(iter))
}

/// One `glpi_itilfollowups` row (columns by name, as in the table and in the REST API's
/// `ITILFollowup` sub-items) as a follow-up event.
pub(crate) fn followup_row<'a>(get: &dyn Fn(&str) -> Option<&'a str>, line: u64) -> Record {
    if get("itemtype").is_some_and(|t| !t.is_empty() && !t.eq_ignore_ascii_case("ticket")) {
        return Record::Skip;
    }
    let Some(ticket_id) = get("items_id").filter(|s| !s.is_empty()) else {
        return reject(line, "items_id", None, "falta el identificador del caso");
    };
    if let Err(v) = limits::ticket_id(ticket_id) {
        return reject(line, "items_id", Some(ticket_id), v.reason());
    }
    let Some(at) = get("date").and_then(history_date) else {
        return reject(line, "date", get("date"), "fecha inválida");
    };
    let flag = |c: &str| get(c).filter(|s| !s.is_empty()).map(|s| s == "1");
    Record::Event(EventRow {
        source: SOURCE.to_owned(),
        ticket_id: ticket_id.to_owned(),
        seq: get("id")
            .and_then(|s| s.parse().ok())
            .unwrap_or(line as i64),
        at,
        kind: "followup".to_owned(),
        old_value: None,
        new_value: None,
        actor: get("users_id").filter(|s| !s.is_empty()).map(str::to_owned),
        is_public: Some(flag("is_private") != Some(true)),
        by_requester: flag("is_requester"),
    })
}

/// Reads `glpi_ticketsatisfactions` rows (tickets_id, type, date_begin, date_answered,
/// satisfaction 0–5, comment): the satisfaction survey of each ticket, answered or not.
pub fn read_satisfaction(path: &Path) -> Result<Records, IngestError> {
    let name = path.display().to_string();
    let (src, cols) = open_table(
        path,
        FileKind::GlpiSatisfaction.name_es(),
        &["tickets_id", "date_begin", "satisfaction"],
    )?;
    let crlf = src.crlf;
    let iter = src.reader.into_records().map(move |rec| {
        let rec = rec.map_err(|e| csvfile::malformed(&name, &e))?;
        let line = csvfile::record_line(rec.position(), crlf);
        let get = |c: &str| {
            cols.get(c)
                .and_then(|&i| rec.get(i))
                .map(str::trim)
                .filter(|s| !s.is_empty() && !s.eq_ignore_ascii_case("null"))
        };
        let Some(ticket_id) = get("tickets_id") else {
            return Ok(reject(
                line,
                "tickets_id",
                None,
                "falta el identificador del caso",
            ));
        };
        if let Err(v) = limits::ticket_id(ticket_id) {
            return Ok(reject(line, "tickets_id", Some(ticket_id), v.reason()));
        }
        let mut dates = [None; 2];
        for (k, c) in ["date_begin", "date_answered"].into_iter().enumerate() {
            if let Some(raw) = get(c) {
                match history_date(raw) {
                    Some(d) => dates[k] = Some(d),
                    None => return Ok(reject(line, c, Some(raw), "fecha inválida")),
                }
            }
        }
        let score = match get("satisfaction") {
            None => None,
            Some(raw) => match raw.replace(',', ".").parse::<f64>().map(limits::score) {
                Ok(Ok(x)) => Some(x),
                Ok(Err(v)) => return Ok(reject(line, "satisfaction", Some(raw), v.reason())),
                Err(_) => {
                    return Ok(reject(
                        line,
                        "satisfaction",
                        Some(raw),
                        "calificación no numérica",
                    ));
                }
            },
        };
        Ok(Record::Survey(SurveyRow {
            source: SOURCE.to_owned(),
            ticket_id: ticket_id.to_owned(),
            sent_at: dates[0],
            answered_at: dates[1].or(if score.is_some() { dates[0] } else { None }),
            score,
            comment: get("comment").map(str::to_owned),
            line,
        }))
    });
    Ok(Box::new(iter))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_in_each_order() {
        let d = |f: DateFormat, s: &str| f.parse(s).map(|d| d.to_string());
        assert_eq!(
            d(DateFormat::Ymd, "2025-12-31 21:06"),
            Some("2025-12-31 21:06:00".into())
        );
        assert_eq!(
            d(DateFormat::Dmy, "31-12-2025 21:06"),
            Some("2025-12-31 21:06:00".into())
        );
        assert_eq!(
            d(DateFormat::Dmy, "31/12/2025 21:06"),
            Some("2025-12-31 21:06:00".into())
        );
        assert_eq!(
            d(DateFormat::Mdy, "12-31-2025 21:06"),
            Some("2025-12-31 21:06:00".into())
        );
        assert_eq!(d(DateFormat::Mdy, "31-12-2025 21:06"), None);
        assert_eq!(d(DateFormat::Ymd, "1899-01-01 00:00"), None);
    }

    #[test]
    fn labels_fold_across_languages() {
        let find = |l: &str| {
            LABELS
                .iter()
                .find(|(x, _)| *x == fold_label(l))
                .map(|x| x.1)
        };
        assert_eq!(find("Asignado a: - Grupo de Tecnicos "), Some(Field::Group));
        assert_eq!(find("Asignada a - Técnico"), Some(Field::Technician));
        assert_eq!(find("Fecha de resolución"), Some(Field::Solved));
        assert_eq!(find("Opening date"), Some(Field::Opened));
        assert_eq!(find("Date d'ouverture"), Some(Field::Opened));
        assert_eq!(find("Última actualización"), Some(Field::LastUpdate));
    }

    #[test]
    fn localized_durations() {
        assert_eq!(
            parse_duration("2 días 3 horas 5 minutos"),
            Some(2 * 86_400 + 3 * 3600 + 300)
        );
        assert_eq!(parse_duration("45 minutos"), Some(2700));
        assert_eq!(parse_duration("1 hora"), Some(3600));
        assert_eq!(
            parse_duration("1 day 2 hours 3 minutes 4 seconds"),
            Some(93_784)
        );
        assert_eq!(
            parse_duration("3 jours 4 heures"),
            Some(3 * 86_400 + 4 * 3600)
        );
        assert_eq!(parse_duration("0 segundos"), Some(0));
        assert_eq!(parse_duration("2 semanas"), None);
        assert_eq!(parse_duration("horas"), None);
        assert_eq!(parse_duration("5"), None);
        assert_eq!(parse_duration(""), None);
        // Beyond i64 the sum saturates (it used to overflow); the range is the caller's check.
        assert_eq!(
            parse_duration("9223372036854775807 días 5 horas"),
            Some(i64::MAX)
        );
        assert_eq!(parse_duration("-5 horas"), Some(-18_000));
    }

    #[test]
    fn multi_valued_cells() {
        assert_eq!(multi(Some("Ana<br>Luis")), Some("Ana, Luis".into()));
        assert_eq!(multi(Some("<br>")), None);
    }
}
