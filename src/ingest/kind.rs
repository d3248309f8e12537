//! The kinds of file the ingest loads: each one's run label and Spanish name (written only
//! here), the order a batch of files loads in, and how a file's kind is told by its columns.

use std::collections::HashSet;
use std::io::Read;
use std::path::Path;

use super::{IngestError, LoadOptions, canonical, csvfile, open, sniff, table};

/// A file the ingest can load, by the reader it is handed to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    /// GLPI ticket list ("Exportar → CSV").
    GlpiList,
    /// GLPI history, the `glpi_logs` table.
    GlpiLogs,
    /// GLPI follow-ups, the `glpi_itilfollowups` table.
    GlpiFollowups,
    /// GLPI satisfaction surveys, the `glpi_ticketsatisfactions` table.
    GlpiSatisfaction,
    /// Canonical tickets. The canonical reader tells tickets from events by the file's columns,
    /// so either canonical kind loads either table, under the label of the one it holds.
    CanonicalTickets,
    /// Canonical events (see [`FileKind::CanonicalTickets`]).
    CanonicalEvents,
    /// Dexon case report, CSV or spreadsheet.
    DexonCases,
    /// Dexon status history, CSV or spreadsheet.
    DexonHistory,
}

impl FileKind {
    /// Every kind.
    pub const ALL: [FileKind; 8] = [
        FileKind::GlpiList,
        FileKind::GlpiLogs,
        FileKind::GlpiFollowups,
        FileKind::GlpiSatisfaction,
        FileKind::CanonicalTickets,
        FileKind::CanonicalEvents,
        FileKind::DexonCases,
        FileKind::DexonHistory,
    ];

    /// The label a load of this kind is recorded under (`ingest_runs.kind`) and printed with.
    pub const fn label(self) -> &'static str {
        match self {
            FileKind::GlpiList => "glpi-csv",
            FileKind::GlpiLogs => "glpi-logs",
            FileKind::GlpiFollowups => "glpi-followups",
            FileKind::GlpiSatisfaction => "glpi-satisfaction",
            FileKind::CanonicalTickets => "canonical-tickets",
            FileKind::CanonicalEvents => "canonical-events",
            FileKind::DexonCases => "dexon",
            FileKind::DexonHistory => "dexon-history",
        }
    }

    /// What a file of this kind is, in Spanish, as the refusal of a file without its columns
    /// says it ("el archivo … no es {name_es}: faltan las columnas …").
    pub const fn name_es(self) -> &'static str {
        match self {
            FileKind::GlpiList => "una exportación de la lista de casos de GLPI",
            FileKind::GlpiLogs => "un historial de GLPI (glpi_logs)",
            FileKind::GlpiFollowups => {
                "una exportación de seguimientos de GLPI (glpi_itilfollowups)"
            }
            FileKind::GlpiSatisfaction => {
                "una exportación de encuestas de GLPI (glpi_ticketsatisfactions)"
            }
            FileKind::CanonicalTickets => "un archivo canónico de casos",
            FileKind::CanonicalEvents => "un archivo canónico de eventos",
            FileKind::DexonCases => "un reporte de casos de Dexon",
            FileKind::DexonHistory => "un historial de estados de Dexon",
        }
    }

    /// The command that loads `file` as a file of this kind (a Dexon history goes with its case
    /// report, named `CASOS`).
    pub fn command(self, file: &Path) -> String {
        let file = file.display().to_string();
        let file = if file.contains(char::is_whitespace) {
            format!("\"{file}\"")
        } else {
            file
        };
        match self {
            FileKind::CanonicalTickets | FileKind::CanonicalEvents => {
                format!("mesa-sla ingest canonical {file}")
            }
            FileKind::DexonCases => format!("mesa-sla ingest dexon {file}"),
            FileKind::DexonHistory => format!("mesa-sla ingest dexon CASOS --history {file}"),
            other => format!("mesa-sla ingest {} {file}", other.label()),
        }
    }

    /// Whether a file of kind `other` loads through the same command as this kind (the two
    /// canonical kinds are one reader).
    fn same_command(self, other: FileKind) -> bool {
        let canonical = |k| matches!(k, FileKind::CanonicalTickets | FileKind::CanonicalEvents);
        self == other || (canonical(self) && canonical(other))
    }

    /// The refusal of a file handed to the reader of `self` (`refusal`): when the file lacks
    /// this kind's columns or is a spreadsheet, and its columns say it is of another kind
    /// ([`FileKind::detect`]), the refusal names that kind and the command that loads it;
    /// otherwise it stays as it was.
    pub fn suggest(self, path: &Path, opts: &LoadOptions, refusal: IngestError) -> IngestError {
        // A spreadsheet refused by a text reader may be refused for its shape (binary, one
        // endless line) before its columns are read.
        let wrong_columns = matches!(
            refusal,
            IngestError::MissingColumns { .. } | IngestError::Binary(_)
        );
        if !wrong_columns && !table::is_spreadsheet(path) {
            return refusal;
        }
        match FileKind::detect(path, opts) {
            Ok(found) if !self.same_command(found) => IngestError::OtherKind {
                path: path.display().to_string(),
                expected: self.name_es().into(),
                found: found.name_es().into(),
                command: found.command(path),
            },
            _ => refusal,
        }
    }

    /// Load order of a batch: tickets first, then their histories, then surveys.
    pub const fn rank(self) -> u8 {
        match self {
            FileKind::GlpiList | FileKind::CanonicalTickets | FileKind::DexonCases => 0,
            FileKind::GlpiLogs
            | FileKind::GlpiFollowups
            | FileKind::CanonicalEvents
            | FileKind::DexonHistory => 1,
            FileKind::GlpiSatisfaction => 2,
        }
    }

    /// The kind of a table export (`glpi_logs`, follow-ups, surveys, canonical) told by its
    /// column names (trimmed, lower case). `None`: a ticket list or a Dexon report, whose
    /// headers only their reader knows.
    pub fn by_columns<S: AsRef<str>>(names: &[S]) -> Option<FileKind> {
        let cols: HashSet<&str> = names.iter().map(AsRef::as_ref).collect();
        let has = |c: &str| cols.contains(c);
        if has("items_id") && has("id_search_option") {
            Some(FileKind::GlpiLogs)
        } else if has("items_id") && has("date") {
            Some(FileKind::GlpiFollowups)
        } else if has("tickets_id") && has("satisfaction") {
            Some(FileKind::GlpiSatisfaction)
        } else if has("ticket_id") && has("created_at") {
            Some(FileKind::CanonicalTickets)
        } else if has("ticket_id") && has("at") && has("kind") {
            Some(FileKind::CanonicalEvents)
        } else {
            None
        }
    }

    /// Which kind a file is. The table exports are told by their column names; lists and Dexon
    /// reports by the reader (with `opts`) that accepts their columns, tried in turn;
    /// spreadsheets (XLSX/ODS are zip files, XLS an OLE file) go to the Dexon readers.
    pub fn detect(path: &Path, opts: &LoadOptions) -> Result<FileKind, IngestError> {
        let candidates: &[FileKind] = if table::is_spreadsheet(path) {
            &[FileKind::DexonCases, FileKind::DexonHistory]
        } else {
            sniff(path)?;
            if let Some(kind) = FileKind::by_columns(&header_names(path)?) {
                return Ok(kind);
            }
            &[
                FileKind::GlpiList,
                FileKind::DexonCases,
                FileKind::DexonHistory,
            ]
        };
        let mut found = String::new();
        for &kind in candidates {
            match open(kind, path, opts) {
                Ok(_) => return Ok(kind),
                Err(IngestError::MissingColumns { found: f, .. }) => found = f,
                Err(e) => return Err(e),
            }
        }
        if found.is_empty() {
            found = "(ninguna)".into();
        }
        Err(IngestError::UnknownKind { found })
    }
}

impl From<canonical::FileKind> for FileKind {
    fn from(kind: canonical::FileKind) -> FileKind {
        match kind {
            canonical::FileKind::Tickets => FileKind::CanonicalTickets,
            canonical::FileKind::Events => FileKind::CanonicalEvents,
        }
    }
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
    // A delimited file: its header is checked (width, length) before anything reads it.
    csvfile::header_line(path)?;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_exports_are_told_by_their_columns() {
        let kind = |cols: &[&str]| FileKind::by_columns(cols);
        assert_eq!(
            kind(&["id", "items_id", "itemtype", "id_search_option", "date_mod"]),
            Some(FileKind::GlpiLogs)
        );
        assert_eq!(
            kind(&["id", "items_id", "date", "is_private"]),
            Some(FileKind::GlpiFollowups)
        );
        assert_eq!(
            kind(&["tickets_id", "date_begin", "satisfaction"]),
            Some(FileKind::GlpiSatisfaction)
        );
        assert_eq!(
            kind(&["source", "ticket_id", "status", "created_at"]),
            Some(FileKind::CanonicalTickets)
        );
        assert_eq!(
            kind(&["ticket_id", "at", "kind"]),
            Some(FileKind::CanonicalEvents)
        );
        // Lists and Dexon reports are left to their readers.
        assert_eq!(kind(&["id", "título", "estado"]), None);
        assert_eq!(FileKind::by_columns::<&str>(&[]), None);
    }

    #[test]
    fn lists_load_before_histories_and_surveys_last() {
        let mut kinds = FileKind::ALL;
        kinds.sort_by_key(|k| k.rank());
        let ranks: Vec<u8> = kinds.iter().map(|k| k.rank()).collect();
        assert_eq!(ranks, [0, 0, 0, 1, 1, 1, 1, 2]);
        for list in [
            FileKind::GlpiList,
            FileKind::CanonicalTickets,
            FileKind::DexonCases,
        ] {
            for history in [
                FileKind::GlpiLogs,
                FileKind::GlpiFollowups,
                FileKind::CanonicalEvents,
                FileKind::DexonHistory,
            ] {
                assert!(list.rank() < history.rank());
                assert!(history.rank() < FileKind::GlpiSatisfaction.rank());
            }
        }
    }

    #[test]
    fn labels_are_distinct() {
        let labels: HashSet<&str> = FileKind::ALL.iter().map(|k| k.label()).collect();
        assert_eq!(labels.len(), FileKind::ALL.len());
    }
}
