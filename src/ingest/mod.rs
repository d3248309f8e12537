//! Ingest: readers that turn source files into canonical rows, and the transactional load of
//! one file into the store (staging, upsert, rejects, run record).

pub mod canonical;
pub mod csvfile;
pub mod dexon;
pub mod glpi;
mod load;
pub mod table;

use std::io::Read;
use std::path::Path;

use chrono::NaiveDateTime;
use sha2::{Digest, Sha256};
use thiserror::Error;

use crate::store::StoreError;

pub use load::{EventRow, Record, Reject, SurveyRow, TicketRow, load_file, load_records};

/// Why a file was refused as a whole. The store is left as it was.
#[derive(Debug, Error)]
pub enum IngestError {
    #[error("no se pudo leer {path}: {source}")]
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
    #[error("el archivo {path} está mal formado cerca de la línea {line}: {reason}")]
    Malformed {
        path: String,
        line: u64,
        reason: String,
    },
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

/// Parses a local date-time in the canonical layouts: `YYYY-MM-DD HH:MM[:SS]`, also with `T`.
pub fn parse_datetime(text: &str) -> Option<NaiveDateTime> {
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
