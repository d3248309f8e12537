//! The one entry point that loads a file of a known kind into the store: the CLI's `ingest`
//! subcommands, the `ingest-folder` job, the HTTP own-store API and the benchmarks all load
//! through [`load_path`], which picks the DuckDB-native path or the row reader.

use std::path::Path;

use super::dexon::{self, DexonConfig};
use super::{FileKind, IngestError, IngestSummary, Records, canonical, fast, glpi, load_file};
use crate::store::Store;

/// Which reader loads the GLPI list and history.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Reader {
    /// DuckDB's parallel `read_csv` when the file allows it, else the row reader (the
    /// other kinds have only the row reader).
    #[default]
    Fastest,
    /// Always the row (reference) reader: what the benchmarks compare the fast path with.
    Reference,
}

/// How files are read: the options of every reader, each taking its own.
#[derive(Debug, Clone)]
pub struct LoadOptions {
    /// GLPI lists: entity for every ticket and date order of ambiguous files.
    pub list: glpi::ListOptions,
    /// Dexon reports and histories: `[dexon]`, with the entity to use.
    pub dexon: DexonConfig,
    /// Canonical files: the source of rows without a `source` column.
    pub source: String,
    pub reader: Reader,
}

/// The source of canonical rows without a `source` column, unless told otherwise.
pub const DEFAULT_SOURCE: &str = "canonical";

impl Default for LoadOptions {
    fn default() -> LoadOptions {
        LoadOptions {
            list: glpi::ListOptions::default(),
            dexon: DexonConfig::default(),
            source: DEFAULT_SOURCE.to_owned(),
            reader: Reader::default(),
        }
    }
}

impl LoadOptions {
    /// Options with `[dexon]` from the configuration.
    pub fn new(dexon: DexonConfig) -> LoadOptions {
        LoadOptions {
            dexon,
            ..LoadOptions::default()
        }
    }

    /// One entity for every case of GLPI lists and Dexon reports (`None`: the file's column
    /// for GLPI lists, `[dexon] entity` for Dexon).
    pub fn entity(mut self, entity: Option<String>) -> LoadOptions {
        if entity.is_some() {
            self.dexon.entity = entity.clone();
        }
        self.list.entity = entity;
        self
    }
}

/// Opens `path` with the row reader of `kind`: the file's header is checked (a file without the
/// kind's columns is refused) and its records come as a stream. The kind returned is the one
/// read, which for canonical files is the table the file holds.
pub fn open(
    kind: FileKind,
    path: &Path,
    opts: &LoadOptions,
) -> Result<(FileKind, Records), IngestError> {
    Ok(match kind {
        FileKind::GlpiList => (kind, glpi::read_list(path, &opts.list)?),
        FileKind::GlpiLogs => (kind, glpi::read_logs(path)?),
        FileKind::GlpiFollowups => (kind, glpi::read_followups(path)?),
        FileKind::GlpiSatisfaction => (kind, glpi::read_satisfaction(path)?),
        FileKind::CanonicalTickets | FileKind::CanonicalEvents => {
            let (read, records) = canonical::read(path, &opts.source)?;
            (read.into(), records)
        }
        FileKind::DexonCases => (kind, dexon::read_cases(path, &opts.dexon)?),
        FileKind::DexonHistory => (kind, dexon::read_history(path, &opts.dexon)?),
    })
}

/// Loads one file of a known kind in one transaction (a refused file leaves the store as it
/// was) and records the run under the kind's label: the GLPI list and history through the
/// DuckDB-native path unless `opts.reader` says otherwise (it falls back to the row reader by
/// itself), the rest through their row readers. A file of another kind is refused naming its
/// kind and the command that loads it ([`FileKind::suggest`]).
pub fn load_path(
    store: &mut Store,
    kind: FileKind,
    path: &Path,
    opts: &LoadOptions,
) -> Result<IngestSummary, IngestError> {
    let loaded = match (kind, opts.reader) {
        (FileKind::GlpiList, Reader::Fastest) => fast::glpi_list(store, path, &opts.list),
        (FileKind::GlpiLogs, Reader::Fastest) => fast::glpi_logs(store, path),
        _ => open(kind, path, opts)
            .and_then(|(read, records)| load_file(store, path, read.label(), records)),
    };
    loaded.map_err(|e| kind.suggest(path, opts, e))
}
