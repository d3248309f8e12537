//! The benchmarks' baseline (`queries/bench_read_csv_*.sql`): DuckDB's bare `read_csv` of an
//! export into a table, with nothing validated, to compare the ingest paths against.

use std::path::Path;

use duckdb::params;

use super::{Store, StoreError, queries};

/// A GLPI export read bare by [`Store::bare_read_csv`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BareCsv {
    /// The ticket list (`;`-separated), into `raw_list`.
    GlpiList,
    /// The `glpi_logs` history (`,`-separated), into `raw_logs`.
    GlpiLogs,
}

impl Store {
    /// Reads `path` with DuckDB's `read_csv` (dialect sniffed, every column text) into a new
    /// table of this store, validating nothing; returns the rows read. Only the benchmarks use
    /// it, as the baseline.
    pub fn bare_read_csv(&self, file: BareCsv, path: &Path) -> Result<usize, StoreError> {
        let sql = match file {
            BareCsv::GlpiList => queries::BENCH_READ_CSV_LIST,
            BareCsv::GlpiLogs => queries::BENCH_READ_CSV_LOGS,
        };
        Ok(self
            .conn
            .execute(sql, params![path.display().to_string()])?)
    }
}
