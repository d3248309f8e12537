//! Ingest: readers that turn source files into canonical rows, and the transactional load of
//! one file into the store (staging, upsert, rejects, run record); the GLPI REST API sync
//! (`glpi_api`) feeds the same load. Files enter through one door: their [`FileKind`] and
//! [`load_path`].

pub mod canonical;
pub mod csvfile;
pub mod dexon;
mod entry;
pub mod fast;
pub mod glpi;
pub mod glpi_api;
pub mod inspect;
mod kind;
pub mod limits;
mod load;
pub mod table;
pub mod xlsx;

use std::io::Read;
use std::path::Path;

use chrono::NaiveDateTime;
use sha2::{Digest, Sha256};
use thiserror::Error;

use crate::store::StoreError;
pub use crate::store::tickets::TicketChanges;

pub use entry::{DEFAULT_SOURCE, LoadOptions, Reader, load_path, open};
pub use kind::FileKind;
pub use load::{EventRow, Record, Reject, SurveyRow, TicketRow, load_file, load_records};

/// The stream of records a reader produces from one file.
pub type Records = Box<dyn Iterator<Item = Result<Record, IngestError>>>;

/// Why a file was refused as a whole. The store is left as it was.
#[derive(Debug, Error)]
pub enum IngestError {
    #[error("no se pudo leer {path}: {}", crate::fs_error::describe(source))]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("el archivo {0} está vacío")]
    Empty(String),
    #[error(
        "el archivo {0} parece una página HTML (¿una página de inicio de sesión o de error?), no una exportación"
    )]
    Html(String),
    #[error(
        "el archivo {0} termina dentro de un campo entre comillas: parece truncado o incompleto"
    )]
    Truncated(String),
    #[error(
        "las fechas de {path} admiten dos formatos ({formats}); indique cuál con --date-format"
    )]
    AmbiguousDates { path: String, formats: String },
    #[error("el archivo {0} es binario, no un archivo de texto CSV/JSONL")]
    Binary(String),
    #[error(
        "el archivo {path} no es {expected}: faltan las columnas {missing}. Columnas encontradas: {found}"
    )]
    MissingColumns {
        path: String,
        expected: String,
        missing: String,
        found: String,
    },
    #[error("el archivo {path} no es {expected}: parece {found}; cárguelo con «{command}»")]
    OtherKind {
        path: String,
        expected: String,
        found: String,
        command: String,
    },
    #[error(
        "el archivo {path} tiene {found} (el máximo es {max} columnas): no parece una \
         exportación de GLPI o de Dexon ni un archivo canónico de mesa-sla. Revise que sea el CSV \
         exportado (con `,` o `;` como separador) y expórtelo de nuevo si hace falta"
    )]
    WideHeader {
        path: String,
        /// What was found: "N columnas en su primera línea" or a first line too long.
        found: String,
        max: usize,
    },
    #[error(
        "no se reconoce el tipo de archivo: no es una lista de casos de GLPI, un historial \
         (glpi_logs), seguimientos o encuestas de GLPI, un reporte o historial de Dexon ni un \
         archivo canónico de mesa-sla. Columnas encontradas: {found}"
    )]
    UnknownKind { found: String },
    #[error("el archivo {path} está mal formado cerca de la línea {line}: {reason}")]
    Malformed {
        path: String,
        line: u64,
        reason: String,
    },
    #[error("el libro de Excel {path} no se puede leer: {reason}")]
    Workbook { path: String, reason: String },
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<duckdb::Error> for IngestError {
    fn from(e: duckdb::Error) -> Self {
        IngestError::Store(StoreError::Db(e))
    }
}

/// What one ingested file did to the store.
#[derive(Debug, Clone, PartialEq)]
pub struct IngestSummary {
    pub run_id: i64,
    pub kind: String,
    pub file: String,
    pub rows_read: u64,
    pub accepted: u64,
    pub rejected: u64,
    /// Rows understood but carrying nothing to keep (e.g. non-SLA history rows).
    pub skipped: u64,
    /// The first rejects, for the command's summary (all are in `ingest_rejects`).
    pub sample_rejects: Vec<Reject>,
    /// What the accepted rows changed in the store.
    pub changes: Changes,
}

/// What the accepted rows of one file changed in the store: a re-ingested file changes nothing.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Changes {
    /// The file's tickets: new, updated, unchanged, older than the stored ones.
    pub tickets: TicketChanges,
    /// Events the store did not have.
    pub new_events: u64,
    /// Events the store had already (a repeated or overlapping history).
    pub known_events: u64,
}

impl Changes {
    /// The changes in Spanish, for a file whose `accepted` rows made them: "casos: 0 nuevos,
    /// 0 actualizados, 300 sin cambios", "eventos: 12 nuevos, 2.415 ya cargados", or (rows that
    /// are neither, e.g. surveys) "N cargadas".
    pub fn describe(&self, accepted: u64) -> String {
        use crate::indicators::fmt_count;
        let t = &self.tickets;
        let mut parts = Vec::new();
        if t.total() > 0 {
            let mut text = format!(
                "casos: {} nuevos, {} actualizados, {} sin cambios",
                fmt_count(t.new),
                fmt_count(t.updated),
                fmt_count(t.unchanged)
            );
            if t.older > 0 {
                text.push_str(&format!(
                    ", {} más antiguos que los guardados (se conservan los guardados)",
                    fmt_count(t.older)
                ));
            }
            parts.push(text);
        }
        if self.new_events + self.known_events > 0 {
            parts.push(format!(
                "eventos: {} nuevos, {} ya cargados",
                fmt_count(self.new_events),
                fmt_count(self.known_events)
            ));
        }
        if parts.is_empty() {
            parts.push(format!("{} cargadas", fmt_count(accepted)));
        }
        parts.join("; ")
    }
}

/// SHA-256 of a file, streamed.
pub fn sha256_file(path: &Path) -> Result<String, IngestError> {
    let read_err = |source| IngestError::Read {
        path: path.display().to_string(),
        source,
    };
    let mut file = std::fs::File::open(path).map_err(read_err)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = file.read(&mut buf).map_err(read_err)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect())
}

/// Refuses files that are obviously not a text export: empty, binary, or an HTML page.
pub fn sniff(path: &Path) -> Result<(), IngestError> {
    let name = path.display().to_string();
    let mut head = Vec::with_capacity(8192);
    std::fs::File::open(path)
        .and_then(|f| f.take(8192).read_to_end(&mut head))
        .map_err(|source| IngestError::Read {
            path: name.clone(),
            source,
        })?;
    let text = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&head);
    if text.iter().all(u8::is_ascii_whitespace) {
        return Err(IngestError::Empty(name));
    }
    if text.contains(&0) {
        return Err(IngestError::Binary(name));
    }
    let start = String::from_utf8_lossy(&text[..text.len().min(512)])
        .trim_start()
        .to_ascii_lowercase();
    if start.starts_with("<!doctype") || start.starts_with("<html") || start.starts_with("<?xml") {
        return Err(IngestError::Html(name));
    }
    Ok(())
}

/// Field order of a fixed-width date: which of the three numbers is the year, month and day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    Ymd,
    Dmy,
    Mdy,
}

/// Fast path for the fixed-width layouts exports use (`YYYY-MM-DD HH:MM[:SS]`,
/// `DD-MM-YYYY HH:MM[:SS]`, any of `-`, `/`, `.` as separator, `T` or space before the time):
/// parsed by position, because chrono's format-string parser dominates the profile of large
/// files. Anything else returns `None` and callers fall back to chrono.
pub fn fixed_datetime(text: &str, order: Order) -> Option<NaiveDateTime> {
    let b = text.trim().as_bytes();
    if b.len() != 16 && b.len() != 19 {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        b.get(r)?.iter().try_fold(0u32, |acc, &c| {
            c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0'))
        })
    };
    let sep = |i: usize| matches!(b.get(i), Some(b'-' | b'/' | b'.'));
    let (y, m, d) = match order {
        Order::Ymd if sep(4) && sep(7) => (num(0..4)?, num(5..7)?, num(8..10)?),
        Order::Dmy if sep(2) && sep(5) => (num(6..10)?, num(3..5)?, num(0..2)?),
        Order::Mdy if sep(2) && sep(5) => (num(6..10)?, num(0..2)?, num(3..5)?),
        _ => return None,
    };
    if !matches!(b[10], b' ' | b'T') || b[13] != b':' {
        return None;
    }
    let (hh, mm) = (num(11..13)?, num(14..16)?);
    let ss = if b.len() == 19 {
        if b[16] != b':' {
            return None;
        }
        num(17..19)?
    } else {
        0
    };
    chrono::NaiveDate::from_ymd_opt(i32::try_from(y).ok()?, m, d)?.and_hms_opt(hh, mm, ss)
}

/// Parses a local date-time in the canonical layouts: `YYYY-MM-DD HH:MM[:SS]`, also with `T`.
pub fn parse_datetime(text: &str) -> Option<NaiveDateTime> {
    if let Some(d) = fixed_datetime(text, Order::Ymd) {
        return Some(d);
    }
    let t = text.trim();
    [
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%dT%H:%M",
    ]
    .iter()
    .find_map(|f| NaiveDateTime::parse_from_str(t, f).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_width_dates_agree_with_chrono() {
        let want =
            chrono::NaiveDate::from_ymd_opt(2025, 12, 31).and_then(|d| d.and_hms_opt(21, 6, 5));
        assert_eq!(fixed_datetime("2025-12-31 21:06:05", Order::Ymd), want);
        assert_eq!(fixed_datetime("31/12/2025 21:06:05", Order::Dmy), want);
        assert_eq!(fixed_datetime("12.31.2025T21:06:05", Order::Mdy), want);
        assert_eq!(
            fixed_datetime(" 2025-12-31 21:06 ", Order::Ymd).map(|d| d.to_string()),
            Some("2025-12-31 21:06:00".into())
        );
        assert_eq!(fixed_datetime("2025-02-30 10:00", Order::Ymd), None);
        assert_eq!(fixed_datetime("2025-12-31 25:00", Order::Ymd), None);
        assert_eq!(fixed_datetime("31-12-2025 21:06", Order::Ymd), None);
        assert_eq!(fixed_datetime("2025-1-31 21:06", Order::Ymd), None);
        // Not fixed width: the chrono fallback still reads it.
        assert!(parse_datetime("2025-12-31T21:06").is_some());
    }
}
