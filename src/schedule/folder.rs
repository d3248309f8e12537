//! The `ingest-folder` job: export files dropped in a folder are recognised by their header,
//! loaded one transaction each (ticket lists before histories) with the existing readers, and
//! moved to `procesados/` or to `rechazados/` next to a `.motivo.txt` with the reason.

use std::collections::HashSet;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use serde::{Deserialize, Serialize};

use super::JobError;
use crate::ingest::dexon::{self, DexonConfig};
use crate::ingest::{self, IngestError, IngestSummary, Records, canonical, glpi};
use crate::store::Store;

/// Processed files go to this subfolder.
pub const PROCESSED: &str = "procesados";
/// Refused files go to this subfolder, with `<file>.motivo.txt`.
pub const REJECTED: &str = "rechazados";
/// Files modified more recently than this are left for the next run (still being copied).
const DEFAULT_SETTLE_SECONDS: u64 = 30;

/// Date order of GLPI lists in the folder, when the files leave it ambiguous.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FolderDateFormat {
    Ymd,
    Dmy,
    Mdy,
}

/// `[ingest_folder]`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IngestFolderConfig {
    /// The folder watched (none: the job is off).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<PathBuf>,
    /// Entity of the cases of GLPI lists and Dexon reports (else the file's or `[dexon]`'s).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entity: Option<String>,
    /// Date order of GLPI lists, only for ambiguous files.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date_format: Option<FolderDateFormat>,
    /// Seconds a file must go unmodified before it is taken (default 30).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub settle_seconds: Option<u64>,
}

/// The readers a file can be handed to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    GlpiList,
    GlpiLogs,
    GlpiFollowups,
    GlpiSatisfaction,
    CanonicalTickets,
    CanonicalEvents,
    DexonCases,
    DexonHistory,
}

impl Kind {
    /// Load order: tickets first, then their histories, then surveys.
    fn rank(self) -> u8 {
        match self {
            Kind::GlpiList | Kind::CanonicalTickets | Kind::DexonCases => 0,
            Kind::GlpiLogs | Kind::GlpiFollowups | Kind::CanonicalEvents | Kind::DexonHistory => 1,
            Kind::GlpiSatisfaction => 2,
        }
    }
}

/// One file that was loaded.
#[derive(Debug, Clone, PartialEq)]
pub struct ProcessedFile {
    pub moved_to: PathBuf,
    pub summary: IngestSummary,
}

/// One file that was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RejectedFile {
    pub moved_to: PathBuf,
    pub reason: String,
}

/// What one pass over the folder did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FolderSummary {
    pub processed: Vec<ProcessedFile>,
    pub rejected: Vec<RejectedFile>,
    /// Files modified too recently, left for the next run.
    pub waiting: usize,
    /// Hidden, temporary and lock files, never touched.
    pub ignored: usize,
}

impl std::fmt::Display for FolderSummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let rows: u64 = self.processed.iter().map(|p| p.summary.accepted).sum();
        let bad_rows: u64 = self.processed.iter().map(|p| p.summary.rejected).sum();
        write!(
            f,
            "{} archivo(s) procesado(s) ({rows} filas cargadas, {bad_rows} filas rechazadas), {} \
             archivo(s) rechazado(s)",
            self.processed.len(),
            self.rejected.len()
        )?;
        if self.waiting > 0 {
            write!(f, ", {} en espera (modificados hace poco)", self.waiting)?;
        }
        if let Some(first) = self.rejected.first() {
            let name = first
                .moved_to
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            write!(f, "; {name}: {}", first.reason)?;
        }
        Ok(())
    }
}

/// Hidden files, Office lock files and partial downloads or copies: never ours to take.
fn ignored(name: &str) -> bool {
    let lower = name.to_lowercase();
    lower.starts_with('.')
        || lower.starts_with("~$")
        || lower.ends_with('~')
        || [
            ".tmp",
            ".temp",
            ".part",
            ".partial",
            ".crdownload",
            ".download",
            ".swp",
            ".lock",
        ]
        .iter()
        .any(|ext| lower.ends_with(ext))
}

/// The column names of a delimited file's first line (or the keys of the first JSON line),
/// lower-cased: enough to tell the table exports apart; the reader then checks the file properly.
fn header_names(path: &Path) -> Result<Vec<String>, IngestError> {
    let mut head = Vec::with_capacity(64 * 1024);
    std::fs::File::open(path)
        .and_then(|f| f.take(64 * 1024).read_to_end(&mut head))
        .map_err(|source| IngestError::Read {
            path: path.display().to_string(),
            source,
        })?;
    let text = String::from_utf8_lossy(head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&head));
    let line = text.trim_start().lines().next().unwrap_or_default();
    if line.starts_with('{') {
        let keys = serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(line)
            .map(|m| m.keys().map(|k| k.to_lowercase()).collect())
            .unwrap_or_default();
        return Ok(keys);
    }
    let delimiter = if line.matches(';').count() >= line.matches(',').count() {
        b';'
    } else {
        b','
    };
    let names = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .from_reader(line.as_bytes())
        .records()
        .next()
        .and_then(Result::ok)
        .map(|r| r.iter().map(|h| h.trim().to_lowercase()).collect())
        .unwrap_or_default();
    Ok(names)
}

/// Options of the readers, from the configuration.
struct Readers {
    list: glpi::ListOptions,
    dexon: DexonConfig,
}

impl Readers {
    /// Loads one file of a known kind: the GLPI list and history through the DuckDB-native
    /// path the `ingest` command uses (it falls back to the row reader by itself), the rest
    /// through their readers.
    fn load(
        &self,
        kind: Kind,
        store: &mut Store,
        path: &Path,
    ) -> Result<IngestSummary, IngestError> {
        match kind {
            Kind::GlpiList => ingest::fast::glpi_list(store, path, &self.list),
            Kind::GlpiLogs => ingest::fast::glpi_logs(store, path),
            _ => {
                let (label, records) = self.open(kind, path)?;
                ingest::load_file(store, path, label, records)
            }
        }
    }

    fn open(&self, kind: Kind, path: &Path) -> Result<(&'static str, Records), IngestError> {
        Ok(match kind {
            Kind::GlpiList => ("glpi-csv", glpi::read_list(path, &self.list)?),
            Kind::GlpiLogs => ("glpi-logs", glpi::read_logs(path)?),
            Kind::GlpiFollowups => ("glpi-followups", glpi::read_followups(path)?),
            Kind::GlpiSatisfaction => ("glpi-satisfaction", glpi::read_satisfaction(path)?),
            Kind::CanonicalTickets | Kind::CanonicalEvents => {
                let (k, records) = canonical::read(path, "canonical")?;
                (k.label(), records)
            }
            Kind::DexonCases => ("dexon", dexon::read_cases(path, &self.dexon)?),
            Kind::DexonHistory => ("dexon-history", dexon::read_history(path, &self.dexon)?),
        })
    }

    /// Which reader a file is for. The table exports (`glpi_logs`, follow-ups, surveys,
    /// canonical) are told by their column names; lists and Dexon reports are told by the
    /// reader that accepts their columns, tried in turn.
    fn classify(&self, path: &Path) -> Result<Kind, String> {
        let reason = |e: IngestError| match e {
            IngestError::AmbiguousDates { .. } => {
                format!("{e} (en la carpeta: [ingest_folder] date_format)")
            }
            e => e.to_string(),
        };
        // Spreadsheets (XLSX/ODS are zip files, XLS an OLE file) go to the Dexon readers.
        let candidates: &[Kind] = if ingest::table::is_spreadsheet(path) {
            &[Kind::DexonCases, Kind::DexonHistory]
        } else {
            ingest::sniff(path).map_err(reason)?;
            let names = header_names(path).map_err(reason)?;
            let cols: HashSet<&str> = names.iter().map(String::as_str).collect();
            let has = |c: &str| cols.contains(c);
            if has("items_id") && has("id_search_option") {
                return Ok(Kind::GlpiLogs);
            }
            if has("items_id") && has("date") {
                return Ok(Kind::GlpiFollowups);
            }
            if has("tickets_id") && has("satisfaction") {
                return Ok(Kind::GlpiSatisfaction);
            }
            if has("ticket_id") && has("created_at") {
                return Ok(Kind::CanonicalTickets);
            }
            if has("ticket_id") && has("at") && has("kind") {
                return Ok(Kind::CanonicalEvents);
            }
            &[Kind::GlpiList, Kind::DexonCases, Kind::DexonHistory]
        };
        let mut found = String::new();
        for &kind in candidates {
            match self.open(kind, path) {
                Ok(_) => return Ok(kind),
                Err(IngestError::MissingColumns { found: f, .. }) => found = f,
                Err(e) => return Err(reason(e)),
            }
        }
        Err(format!(
            "no se reconoce el tipo de archivo: no es una lista de casos de GLPI, un historial \
             (glpi_logs), seguimientos o encuestas de GLPI, un reporte o historial de Dexon ni \
             un archivo canónico de mesa-sla. Columnas encontradas: {}",
            if found.is_empty() {
                "(ninguna)"
            } else {
                &found
            }
        ))
    }
}

/// A free name for `name` in `dir`: the name itself, else with the time of the move added
/// (`casos_20260102-070000.csv`), else with a counter too — an earlier file is never replaced.
fn free_name(dir: &Path, name: &str, now: SystemTime) -> PathBuf {
    let direct = dir.join(name);
    if !direct.exists() {
        return direct;
    }
    let stamp = chrono::DateTime::<chrono::Local>::from(now).format("%Y%m%d-%H%M%S");
    let (stem, ext) = match name.rsplit_once('.') {
        Some((s, e)) if !s.is_empty() => (s, format!(".{e}")),
        _ => (name, String::new()),
    };
    let mut n = 1u32;
    loop {
        let candidate = if n == 1 {
            dir.join(format!("{stem}_{stamp}{ext}"))
        } else {
            dir.join(format!("{stem}_{stamp}-{n}{ext}"))
        };
        if !candidate.exists() {
            return candidate;
        }
        n += 1;
    }
}

fn io_error(action: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> JobError {
    let path = path.display().to_string();
    move |source| JobError::Io {
        action,
        path,
        source,
    }
}

fn move_to(file: &Path, dir: &Path, now: SystemTime) -> Result<PathBuf, JobError> {
    let name = file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let dest = free_name(dir, &name, now);
    std::fs::rename(file, &dest).map_err(io_error("mover", file))?;
    Ok(dest)
}

/// A file about to be loaded (or refused, with the reason), in load order: rank, then oldest.
struct Pending {
    rank: u8,
    modified: SystemTime,
    name: String,
    path: PathBuf,
    kind: Result<Kind, String>,
}

/// One pass over the folder of `cfg` at `now` (used for the settling delay and the names of
/// moved files). Each file is its own transaction: a refused file leaves the store as it was.
pub fn ingest_folder(
    store: &mut Store,
    cfg: &IngestFolderConfig,
    dexon_cfg: &DexonConfig,
    now: SystemTime,
) -> Result<FolderSummary, JobError> {
    let Some(dir) = &cfg.path else {
        return Err(JobError::NotConfigured(
            "la carpeta de entrada no está configurada ([ingest_folder] path)".into(),
        ));
    };
    let processed_dir = dir.join(PROCESSED);
    let rejected_dir = dir.join(REJECTED);
    for d in [dir, &processed_dir, &rejected_dir] {
        std::fs::create_dir_all(d).map_err(io_error("crear la carpeta", d))?;
    }
    let settle = Duration::from_secs(cfg.settle_seconds.unwrap_or(DEFAULT_SETTLE_SECONDS));
    let mut dexon = dexon_cfg.clone();
    if cfg.entity.is_some() {
        dexon.entity = cfg.entity.clone();
    }
    let readers = Readers {
        list: glpi::ListOptions {
            entity: cfg.entity.clone(),
            date_format: cfg.date_format.map(|d| match d {
                FolderDateFormat::Ymd => glpi::DateFormat::Ymd,
                FolderDateFormat::Dmy => glpi::DateFormat::Dmy,
                FolderDateFormat::Mdy => glpi::DateFormat::Mdy,
            }),
        },
        dexon,
    };
    let mut summary = FolderSummary::default();
    let mut queue: Vec<Pending> = Vec::new();
    let entries = std::fs::read_dir(dir).map_err(io_error("leer la carpeta", dir))?;
    for entry in entries {
        let entry = entry.map_err(io_error("leer la carpeta", dir))?;
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        // Follows links: a link to a file is taken, folders (ours included) are not.
        let Ok(meta) = std::fs::metadata(&path) else {
            continue;
        };
        if !meta.is_file() {
            continue;
        }
        if ignored(&name) {
            summary.ignored += 1;
            continue;
        }
        let modified = meta.modified().unwrap_or(SystemTime::UNIX_EPOCH);
        let age = now
            .duration_since(modified)
            .unwrap_or_else(|e| e.duration());
        if age < settle {
            summary.waiting += 1;
            continue;
        }
        let kind = readers.classify(&path);
        queue.push(Pending {
            rank: kind.as_ref().map_or(0, |k| k.rank()),
            modified,
            name,
            path,
            kind,
        });
    }
    queue.sort_by(|a, b| (a.rank, a.modified, &a.name).cmp(&(b.rank, b.modified, &b.name)));
    for Pending {
        name, path, kind, ..
    } in queue
    {
        let loaded =
            kind.and_then(|kind| readers.load(kind, store, &path).map_err(|e| e.to_string()));
        match loaded {
            Ok(s) => {
                tracing::info!(file = %name, run = s.run_id, "archivo de la carpeta cargado");
                let moved_to = move_to(&path, &processed_dir, now)?;
                summary.processed.push(ProcessedFile {
                    moved_to,
                    summary: s,
                });
            }
            Err(reason) => {
                tracing::warn!(file = %name, "archivo de la carpeta rechazado: {reason}");
                let moved_to = move_to(&path, &rejected_dir, now)?;
                let note = moved_to.with_file_name(format!(
                    "{}.motivo.txt",
                    moved_to
                        .file_name()
                        .map(|n| n.to_string_lossy().into_owned())
                        .unwrap_or_default()
                ));
                let when = chrono::DateTime::<chrono::Local>::from(now).format("%Y-%m-%d %H:%M:%S");
                let text = format!(
                    "Archivo: {name}\nRechazado: {when}\nMotivo: {reason}\n\
                     La base de datos no se modificó. Corrija el archivo y déjelo de nuevo en la \
                     carpeta de entrada.\n"
                );
                std::fs::write(&note, text).map_err(io_error("escribir", &note))?;
                summary.rejected.push(RejectedFile { moved_to, reason });
            }
        }
    }
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn temporary_and_lock_files_are_ignored() {
        for name in [
            ".oculto.csv",
            "~$casos.xlsx",
            "casos.csv.tmp",
            "casos.csv.part",
            "casos.csv.crdownload",
            "casos.csv~",
        ] {
            assert!(ignored(name), "{name}");
        }
        for name in ["casos.csv", "glpi_logs.CSV", "casos.xlsx", "eventos.jsonl"] {
            assert!(!ignored(name), "{name}");
        }
    }

    #[test]
    fn names_in_use_get_a_time_suffix_and_a_counter() {
        let dir = tempfile::tempdir().expect("tempdir");
        let now = SystemTime::now();
        let first = free_name(dir.path(), "casos.csv", now);
        assert_eq!(first, dir.path().join("casos.csv"));
        std::fs::write(&first, "x").expect("write");
        let second = free_name(dir.path(), "casos.csv", now);
        let stamp = chrono::DateTime::<chrono::Local>::from(now)
            .format("%Y%m%d-%H%M%S")
            .to_string();
        assert_eq!(second, dir.path().join(format!("casos_{stamp}.csv")));
        std::fs::write(&second, "x").expect("write");
        assert_eq!(
            free_name(dir.path(), "casos.csv", now),
            dir.path().join(format!("casos_{stamp}-2.csv"))
        );
        std::fs::write(dir.path().join("LEEME"), "x").expect("write");
        assert_eq!(
            free_name(dir.path(), "LEEME", now),
            dir.path().join(format!("LEEME_{stamp}"))
        );
    }
}
