//! The `ingest-folder` job: export files dropped in a folder are recognised by their header
//! ([`FileKind::detect`]), loaded one transaction each (ticket lists before histories) through
//! [`ingest::load_path`], and moved to `procesados/` or to `rechazados/` next to a `.motivo.txt`
//! with the reason.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use serde::{Deserialize, Serialize};

use super::JobError;
use crate::ingest::dexon::DexonConfig;
use crate::ingest::{self, FileKind, IngestError, IngestSummary, LoadOptions, glpi};
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

/// Which kind a file is, or why it was refused (the ambiguous-date refusal names the folder's
/// option).
fn classify(path: &Path, opts: &LoadOptions) -> Result<FileKind, String> {
    FileKind::detect(path, opts).map_err(|e| match e {
        IngestError::AmbiguousDates { .. } => {
            format!("{e} (en la carpeta: [ingest_folder] date_format)")
        }
        e => e.to_string(),
    })
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
    kind: Result<FileKind, String>,
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
    let mut opts = LoadOptions::new(dexon_cfg.clone()).entity(cfg.entity.clone());
    opts.list.date_format = cfg.date_format.map(|d| match d {
        FolderDateFormat::Ymd => glpi::DateFormat::Ymd,
        FolderDateFormat::Dmy => glpi::DateFormat::Dmy,
        FolderDateFormat::Mdy => glpi::DateFormat::Mdy,
    });
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
        let kind = classify(&path, &opts);
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
        let loaded = kind.and_then(|kind| {
            ingest::load_path(store, kind, &path, &opts).map_err(|e| e.to_string())
        });
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
