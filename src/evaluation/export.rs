//! The results as CSV: `evaluate --export` (two layouts, one for programs and one for Excel in
//! Spanish) and `evaluate --export-ola` (each group's hold on each ticket).

use std::path::Path;

use crate::model::{Metric, SlaState};
use crate::store::{Store, StoreError};

/// The two layouts of the results CSV (`evaluate --export … --formato …`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ExportFormat {
    /// For programs: `,`, the English header below, codes and whole seconds. Unchanged.
    #[default]
    Machine,
    /// For a person opening it in Excel (es-CO): UTF-8 with BOM, `;`, Spanish headers and
    /// labels, hours with two decimals and a decimal comma.
    Excel,
}

impl ExportFormat {
    fn header(self) -> [&'static str; 7] {
        match self {
            ExportFormat::Machine => [
                "source",
                "ticket_id",
                "metric",
                "target_seconds",
                "business_seconds",
                "paused_seconds",
                "state",
            ],
            ExportFormat::Excel => [
                "Origen",
                "Caso",
                "Métrica",
                "Meta (horas hábiles)",
                "Tiempo hábil (horas)",
                "En pausa (horas)",
                "Estado",
            ],
        }
    }

    /// One result as the cells of this layout.
    fn row(self, r: &crate::store::results::ExportedResult<'_>) -> [String; 7] {
        let seconds = |s: i64| match self {
            ExportFormat::Machine => s.to_string(),
            ExportFormat::Excel => decimal_comma_hours(s),
        };
        let (metric, state) = match self {
            ExportFormat::Machine => (r.metric.to_owned(), r.state.to_owned()),
            ExportFormat::Excel => (
                Metric::from_code(r.metric)
                    .map_or(r.metric, |m| m.label_es())
                    .to_owned(),
                SlaState::from_code(r.state)
                    .map_or(r.state, |s| s.label_es())
                    .to_owned(),
            ),
        };
        [
            r.source.to_owned(),
            r.ticket_id.to_owned(),
            metric,
            r.target_seconds.map(seconds).unwrap_or_default(),
            seconds(r.business_seconds),
            seconds(r.paused_seconds),
            state,
        ]
    }
}

/// Seconds as hours with two decimals and a decimal comma, without thousands separators (what
/// a spreadsheet in Spanish reads as a number): 5400 → `1,50`.
fn decimal_comma_hours(seconds: i64) -> String {
    format!("{:.2}", seconds as f64 / 3600.0).replace('.', ",")
}

/// Writes `sla_results` as CSV with the header
/// `source,ticket_id,metric,target_seconds,business_seconds,paused_seconds,state`.
pub fn export_results(store: &Store, path: &Path) -> Result<usize, StoreError> {
    export_results_as(store, path, ExportFormat::Machine)
}

/// Writes `sla_results` to the file `path` as CSV in `format`; gives how many results.
pub fn export_results_as(
    store: &Store,
    path: &Path,
    format: ExportFormat,
) -> Result<usize, StoreError> {
    let name = path.display().to_string();
    let file = std::fs::File::create(path).map_err(|source| StoreError::Write {
        path: name.clone(),
        source,
    })?;
    write_results(store, format, file, &name)
}

/// Writes `sla_results` as CSV in `format` to `out` (a file, standard output), named `name` in
/// errors; gives how many results were written.
pub fn write_results(
    store: &Store,
    format: ExportFormat,
    mut out: impl std::io::Write,
    name: &str,
) -> Result<usize, StoreError> {
    let werr = |source: std::io::Error| StoreError::Write {
        path: name.to_owned(),
        source,
    };
    if format == ExportFormat::Excel {
        out.write_all(b"\xEF\xBB\xBF").map_err(werr)?;
    }
    let delimiter = match format {
        ExportFormat::Machine => b',',
        ExportFormat::Excel => b';',
    };
    let mut out = csv::WriterBuilder::new()
        .delimiter(delimiter)
        .from_writer(out);
    out.write_record(format.header())
        .map_err(|e| werr(e.into()))?;
    let mut rows = 0usize;
    store.for_each_result(|r| {
        out.write_record(format.row(&r))
            .map_err(|e| werr(e.into()))?;
        rows += 1;
        Ok(())
    })?;
    out.flush().map_err(werr)?;
    Ok(rows)
}

/// Writes `ola_results` to the file `path` as CSV (see [`write_ola`]); gives how many rows.
pub fn export_ola(store: &Store, path: &Path) -> Result<usize, StoreError> {
    let name = path.display().to_string();
    let file = std::fs::File::create(path).map_err(|source| StoreError::Write {
        path: name.clone(),
        source,
    })?;
    write_ola(store, file, &name)
}

/// Writes `ola_results` as CSV with the header
/// `source,ticket_id,group,business_seconds,target_seconds,state` (rows by source, ticket, group)
/// to `out` (a file, standard output), named `name` in errors; gives how many rows.
pub fn write_ola(store: &Store, out: impl std::io::Write, name: &str) -> Result<usize, StoreError> {
    let werr = |source: std::io::Error| StoreError::Write {
        path: name.to_owned(),
        source,
    };
    let mut out = csv::Writer::from_writer(out);
    out.write_record([
        "source",
        "ticket_id",
        "group",
        "business_seconds",
        "target_seconds",
        "state",
    ])
    .map_err(|e| werr(e.into()))?;
    let mut rows = 0usize;
    store.for_each_ola(|r| {
        let business = r.business_seconds.to_string();
        let target = r.target_seconds.map(|t| t.to_string()).unwrap_or_default();
        out.write_record([
            r.source,
            r.ticket_id,
            r.group,
            business.as_str(),
            target.as_str(),
            r.state,
        ])
        .map_err(|e| werr(e.into()))?;
        rows += 1;
        Ok(())
    })?;
    out.flush().map_err(werr)?;
    Ok(rows)
}
