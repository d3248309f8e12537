//! A sheet of rows read from CSV or XLSX (calamine) the same way: trimmed headers, then each row
//! as cells that keep Excel's numbers and dates as such.

use std::path::Path;

use calamine::Data;
use chrono::{DateTime, NaiveDateTime};

use super::IngestError;
use super::csvfile;

/// One cell.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Empty,
    Text(String),
    Number(f64),
    /// An Excel date-time cell, rounded to the nearest second.
    Date(NaiveDateTime),
}

impl Cell {
    /// The cell as text: numbers without a useless `.0` (case numbers), dates as
    /// `YYYY-MM-DD HH:MM:SS`.
    pub fn text(&self) -> Option<String> {
        match self {
            Cell::Empty => None,
            Cell::Text(s) => Some(s.trim().to_owned()).filter(|s| !s.is_empty()),
            Cell::Number(n) if n.fract() == 0.0 && n.abs() < 1e15 => Some(format!("{}", *n as i64)),
            Cell::Number(n) => Some(n.to_string()),
            Cell::Date(d) => Some(d.format("%Y-%m-%d %H:%M:%S").to_string()),
        }
    }
}

/// A row with its 1-based line (row) number.
pub type Row = (u64, Vec<Cell>);

/// The rows of a sheet, after its header.
pub struct Table {
    pub headers: Vec<String>,
    pub rows: Box<dyn Iterator<Item = Result<Row, IngestError>>>,
}

/// Excel's serial date (1900 system) to a date-time rounded to the nearest second.
fn excel_date(serial: f64) -> Option<NaiveDateTime> {
    // 25,569 days separate Excel's day 0 (1899-12-30) from the Unix epoch.
    let secs = ((serial - 25_569.0) * 86_400.0).round() as i64;
    DateTime::from_timestamp(secs, 0).map(|d| d.naive_utc())
}

pub(super) fn cell(d: &Data) -> Cell {
    match d {
        Data::Empty | Data::Error(_) => Cell::Empty,
        Data::String(s) => Cell::Text(s.clone()),
        Data::Int(i) => Cell::Number(*i as f64),
        Data::Float(f) => Cell::Number(*f),
        Data::Bool(b) => Cell::Text(b.to_string()),
        Data::DateTime(dt) if dt.is_datetime() => {
            excel_date(dt.as_f64()).map_or(Cell::Empty, Cell::Date)
        }
        Data::DateTime(dt) => Cell::Number(dt.as_f64()),
        Data::DateTimeIso(s) | Data::DurationIso(s) => Cell::Text(s.clone()),
    }
}

/// Whether a path names a spreadsheet (by its first bytes: XLSX/XLS/ODS are zip or OLE files).
pub(crate) fn is_spreadsheet(path: &Path) -> bool {
    use std::io::Read;
    let mut magic = [0u8; 4];
    std::fs::File::open(path)
        .and_then(|mut f| f.read_exact(&mut magic))
        .is_ok()
        && (magic == *b"PK\x03\x04" || magic == [0xD0, 0xCF, 0x11, 0xE0])
}

/// Opens a CSV or a spreadsheet (first sheet, or `sheet` when it exists; spreadsheets through
/// the guarded reader of [`super::xlsx`]).
pub fn open(path: &Path, sheet: Option<&str>) -> Result<Table, IngestError> {
    if !is_spreadsheet(path) {
        let name = path.display().to_string();
        let src = csvfile::open(path)?;
        let crlf = src.crlf;
        let rows = src.reader.into_records().map(move |rec| {
            let rec = rec.map_err(|e| csvfile::malformed(&name, &e))?;
            let line = csvfile::record_line(rec.position(), crlf);
            let cells = rec
                .iter()
                .map(|v| {
                    if v.trim().is_empty() {
                        Cell::Empty
                    } else {
                        Cell::Text(v.to_owned())
                    }
                })
                .collect();
            Ok((line, cells))
        });
        return Ok(Table {
            headers: src.headers,
            rows: Box::new(rows),
        });
    }
    super::xlsx::open(path, sheet)
}
