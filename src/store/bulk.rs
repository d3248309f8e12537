//! The DuckDB-native bulk load of the two largest GLPI files (ticket list, `glpi_logs`): staging
//! a CSV file with DuckDB's `read_csv`, the SQL checks of its rows, their rejects and the merge
//! into the store. `ingest::fast` decides (inspection, date order, labels, fallbacks); this
//! module only runs the statements, on temporary tables it drops when the [`Bulk`] ends.

use std::sync::atomic::{AtomicBool, Ordering};

use duckdb::types::{OrderedMap, Value};
use duckdb::{Connection, Transaction, params};

use super::tickets::{Reject, TicketChanges, move_staged_tickets};
use super::{Store, StoreError, queries, runs};

/// The bulk-load work of one file on the store's connection. Dropping it drops the temporary
/// tables and views of the load, however the load ends.
pub struct Bulk<'a> {
    conn: &'a Connection,
}

impl Store {
    /// Starts the bulk load of one file (see [`Bulk`]).
    pub fn bulk(&self) -> Bulk<'_> {
        Bulk { conn: &self.conn }
    }
}

impl Drop for Bulk<'_> {
    fn drop(&mut self) {
        if let Err(e) = self.conn.execute_batch(queries::FAST_DROP) {
            tracing::warn!(error = %e, "no se pudieron borrar las tablas temporales de la carga");
        }
    }
}

/// A CSV file as `read_csv` is to read it: plain RFC 4180 quoting, every column as text.
#[derive(Debug, Clone, Copy)]
pub struct CsvSource<'s> {
    /// Absolute path, free of glob and URL characters.
    pub file: &'s str,
    pub delimiter: u8,
    /// The column names in file order (`_x…` ones are ignored).
    pub columns: &'s [String],
}

/// Why a staging load could not be used: the file must go to another reader.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StageRefusal {
    /// DuckDB does not plan the load as a batch insert, so rowids would not follow the file.
    Unordered,
    /// DuckDB failed to read the file (its message).
    Unread(String),
}

/// Called with DuckDB's progress estimate (percent) while it reads a file, from another thread.
pub type Watch<'w> = Option<&'w (dyn Fn(f64) + Sync)>;

/// The order of day, month and year the checks read dates in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateOrder {
    Ymd,
    Dmy,
    Mdy,
}

impl DateOrder {
    fn code(self) -> &'static str {
        match self {
            DateOrder::Ymd => "ymd",
            DateOrder::Dmy => "dmy",
            DateOrder::Mdy => "mdy",
        }
    }
}

/// What the staged dates of a ticket list say about their order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ListDates {
    /// Values only chrono's lenient fallback would read.
    pub undecided: i64,
    /// Values that read day- or month-first.
    pub day_first: i64,
}

/// The label a reader decided for one distinct staged value of a ticket list.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ListLabel {
    pub text: Option<String>,
    pub number: Option<i64>,
}

/// How the checks of a ticket list judge its rows.
#[derive(Debug, Clone, Copy)]
pub struct ListCheck<'a> {
    pub source: &'a str,
    pub run_id: i64,
    pub dates: DateOrder,
    /// A GLPI 10 file (`''` stands for `"`).
    pub glpi10: bool,
    /// The entity of every ticket (`None`: the file's own column).
    pub entity: Option<&'a str>,
    /// The domain limits of the reader (`ingest::limits`), bound as parameters so that SQL and
    /// Rust judge with the same numbers: the longest identifier in bytes, the longest duration.
    pub limits: Limits,
}

/// The domain limits the SQL checks apply (see `ingest::limits`).
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub max_id_bytes: i64,
    pub max_duration_seconds: i64,
}

/// Rows of a judged ticket list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ListCounts {
    pub read: u64,
    pub rejected: u64,
}

/// Rows of a staged `glpi_logs` file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LogsCounts {
    pub read: u64,
    pub skipped: u64,
    pub rejected: u64,
    /// Dates only the reference reader interprets.
    pub undecided: u64,
    /// Identifiers whose order only the reference reader decides.
    pub unordered: u64,
}

/// A rejected record as the checks report it: its number from 0, the reader's reason code, the
/// raw value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StagedReject {
    pub record: i64,
    pub code: i64,
    pub raw: Option<String>,
}

/// The store's side of a run whose id was reserved before its transaction.
#[derive(Debug, Clone, Copy)]
pub struct ReservedRun<'a> {
    pub id: i64,
    pub file: &'a str,
    pub sha256: &'a str,
    pub kind: &'a str,
    /// When the load started (see [`runs::now`]).
    pub started: &'a str,
}

impl<'a> Bulk<'a> {
    /// Stages the text of a ticket list with `read_csv`, outside any transaction (only this
    /// connection's temporary table changes): its rowids are the record numbers 0, 1, … in file
    /// order. Gives the number of records staged.
    pub fn stage_list(
        &self,
        csv: &CsvSource<'_>,
        watch: Watch<'_>,
    ) -> Result<Result<u64, StageRefusal>, StoreError> {
        self.conn.execute_batch(queries::FAST_MACROS)?;
        self.conn.execute_batch(queries::FAST_LIST_STAGE_CREATE)?;
        let load_params = params![csv.file, delimiter(csv.delimiter), columns_arg(csv.columns)];
        if !keeps_file_order(self.conn, queries::FAST_LIST_STAGE_LOAD, load_params) {
            return Ok(Err(StageRefusal::Unordered));
        }
        let staged = self.watched(watch, || {
            self.conn
                .execute(queries::FAST_LIST_STAGE_LOAD, load_params)
        });
        if let Err(e) = staged {
            return Ok(Err(StageRefusal::Unread(e.to_string())));
        }
        let records: i64 = self
            .conn
            .query_row(queries::FAST_LIST_COUNT, [], |r| r.get(0))?;
        Ok(Ok(records as u64))
    }

    /// Prepares the staged values as the checks read them (`trimmed`: some value has white
    /// space at its edge) and says what their dates tell about the date order.
    pub fn list_dates(&self, trimmed: bool) -> Result<ListDates, StoreError> {
        if trimmed {
            self.conn.execute_batch(queries::FAST_LIST_VALUES_TRIMMED)?;
            self.conn.execute_batch(queries::FAST_LIST_VALUES_VIEW)?;
        } else {
            self.conn.execute_batch(queries::FAST_LIST_VALUES_PLAIN)?;
        }
        let (undecided, day_first) = self
            .conn
            .query_row(queries::FAST_LIST_DATES, [], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(ListDates {
            undecided,
            day_first,
        })
    }

    /// How many staged dates read year-, day- and month-first.
    pub fn list_date_hits(&self) -> Result<[u64; 3], StoreError> {
        let hits: [i64; 3] = self.conn.query_row(queries::FAST_LIST_DATE_HITS, [], |r| {
            Ok([r.get(0)?, r.get(1)?, r.get(2)?])
        })?;
        Ok(hits.map(|h| h as u64))
    }

    /// Records the label `decide(field, raw)` gives each distinct staged value that needs one,
    /// then creates the table of judged rows.
    pub fn label_list(
        &self,
        mut decide: impl FnMut(&str, &str) -> ListLabel,
    ) -> Result<(), StoreError> {
        self.conn.execute_batch(queries::FAST_LABELS_CREATE)?;
        let labels: Vec<(String, String)> = self
            .conn
            .prepare(queries::FAST_LIST_LABELS)?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?;
        let mut app = self.conn.appender("fast_labels")?;
        for (field, raw) in &labels {
            let label = decide(field, raw);
            app.append_row(params![field, raw, label.text, label.number])?;
        }
        app.flush()?;
        drop(app);
        self.conn.execute_batch(queries::FAST_LIST_CHECKED_CREATE)?;
        Ok(())
    }

    /// Reserves the id of a run before its transaction.
    pub fn reserve_run(&self) -> Result<i64, StoreError> {
        Ok(runs::reserve_run(self.conn)?)
    }

    /// Judges every staged row of the list and drops the staged text (only temporary tables
    /// change, so this runs outside the transaction and frees the memory before the merge).
    pub fn judge_list(&self, check: &ListCheck<'_>) -> Result<(), StoreError> {
        self.conn.execute(
            queries::FAST_LIST_CHECK,
            params![
                check.source,
                check.run_id,
                check.dates.code(),
                check.glpi10,
                check.entity,
                check.limits.max_duration_seconds,
                check.limits.max_id_bytes
            ],
        )?;
        self.conn.execute_batch(queries::FAST_LIST_STAGE_DROP)?;
        Ok(())
    }

    /// Rows read and rejected by the checks of the list.
    pub fn list_counts(&self) -> Result<ListCounts, StoreError> {
        let (read, rejected): (i64, i64) =
            self.conn.query_row(queries::FAST_LIST_SUMMARY, [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })?;
        Ok(ListCounts {
            read: read as u64,
            rejected: rejected as u64,
        })
    }

    /// The rejected records of the judged list, in file order.
    pub fn list_rejects(&self) -> Result<Vec<StagedReject>, StoreError> {
        self.rejects(queries::FAST_LIST_REJECTS)
    }

    /// Stages a `glpi_logs` file with `read_csv`, each record typed and judged (`status_codes`:
    /// the status codes of GLPI numbers 1, 2, …; `trimmed`: some value has white space at its
    /// edge), outside any transaction. Gives the counts of the staged records.
    pub fn stage_logs(
        &self,
        csv: &CsvSource<'_>,
        status_codes: &[&str],
        trimmed: bool,
        limits: Limits,
        watch: Watch<'_>,
    ) -> Result<Result<LogsCounts, StageRefusal>, StoreError> {
        let codes = Value::List(
            status_codes
                .iter()
                .map(|c| Value::Text((*c).to_owned()))
                .collect(),
        );
        self.conn.execute_batch(queries::FAST_MACROS)?;
        self.conn.execute_batch(queries::FAST_LOGS_STAGE_CREATE)?;
        let load_params = params![
            csv.file,
            delimiter(csv.delimiter),
            columns_arg(csv.columns),
            codes,
            trimmed,
            limits.max_id_bytes
        ];
        if !keeps_file_order(self.conn, queries::FAST_LOGS_STAGE_LOAD, load_params) {
            return Ok(Err(StageRefusal::Unordered));
        }
        let staged = self.watched(watch, || {
            self.conn
                .execute(queries::FAST_LOGS_STAGE_LOAD, load_params)
        });
        if let Err(e) = staged {
            return Ok(Err(StageRefusal::Unread(e.to_string())));
        }
        let (read, skipped, rejected, undecided, unordered): (i64, i64, i64, i64, i64) =
            self.conn.query_row(queries::FAST_LOGS_SUMMARY, [], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
            })?;
        Ok(Ok(LogsCounts {
            read: read as u64,
            skipped: skipped as u64,
            rejected: rejected as u64,
            undecided: undecided.max(0) as u64,
            unordered: unordered.max(0) as u64,
        }))
    }

    /// The rejected records of the staged `glpi_logs` file, in file order.
    pub fn logs_rejects(&self) -> Result<Vec<StagedReject>, StoreError> {
        self.rejects(queries::FAST_LOGS_REJECTS)
    }

    /// Opens the transaction of the load: nothing is kept unless [`BulkLoad::commit`] is called.
    pub fn begin(&self) -> Result<BulkLoad<'a>, StoreError> {
        Ok(BulkLoad {
            tx: self.conn.unchecked_transaction()?,
        })
    }

    fn rejects(&self, sql: &str) -> Result<Vec<StagedReject>, StoreError> {
        Ok(self
            .conn
            .prepare(sql)?
            .query_map([], |r| {
                Ok(StagedReject {
                    record: r.get(0)?,
                    code: r.get(1)?,
                    raw: r.get(2)?,
                })
            })?
            .collect::<Result<_, _>>()?)
    }

    /// Runs the statement that reads a file, reporting DuckDB's progress estimate to `watch`.
    fn watched<T>(
        &self,
        watch: Watch<'_>,
        run: impl FnOnce() -> Result<T, duckdb::Error>,
    ) -> Result<T, duckdb::Error> {
        let Some(watch) = watch else {
            return run();
        };
        if self.conn.set_query_progress_tracking(true).is_err() {
            return run();
        }
        let handle = self.conn.progress_handle();
        let done = AtomicBool::new(false);
        let result = std::thread::scope(|scope| {
            scope.spawn(|| {
                while !done.load(Ordering::Relaxed) {
                    if let Some(p) = handle.query_progress().percentage() {
                        watch(p);
                    }
                    std::thread::sleep(std::time::Duration::from_millis(200));
                }
            });
            let result = run();
            done.store(true, Ordering::Relaxed);
            result
        });
        let _ = self.conn.set_query_progress_tracking(false);
        result
    }
}

/// The transaction of a bulk load ([`Bulk::begin`]).
pub struct BulkLoad<'a> {
    tx: Transaction<'a>,
}

impl BulkLoad<'_> {
    /// Opens the `ingest_runs` record of the file under its reserved id.
    pub fn begin_run(&self, run: &ReservedRun<'_>) -> Result<(), StoreError> {
        Ok(runs::begin_reserved_run(
            &self.tx,
            run.id,
            run.file,
            run.sha256,
            run.kind,
            run.started,
        )?)
    }

    /// Moves the accepted rows of the judged list into `tickets`; says what that changed.
    pub fn merge_list(&self) -> Result<TicketChanges, StoreError> {
        self.tx.execute_batch(queries::FAST_LIST_STAGED_VIEW)?;
        let changes = move_staged_tickets(&self.tx)?;
        self.tx.execute_batch(queries::FAST_LIST_STAGED_VIEW_DROP)?;
        Ok(changes)
    }

    /// Adds the accepted staged `glpi_logs` events not stored yet to `ticket_events`; gives
    /// how many were new.
    pub fn merge_logs(&self, source: &str, run_id: i64) -> Result<u64, StoreError> {
        let new = self
            .tx
            .execute(queries::FAST_LOGS_EVENTS_INSERT, params![source, run_id])?;
        Ok(new as u64)
    }

    /// Records the rejected rows of the run, in file order.
    pub fn insert_rejects(&self, run_id: i64, rejects: &[Reject]) -> Result<(), StoreError> {
        Ok(runs::insert_rejects(&self.tx, run_id, rejects)?)
    }

    /// Closes the run record with its counts.
    pub fn finish_run(
        &self,
        run_id: i64,
        read: u64,
        accepted: u64,
        rejected: u64,
    ) -> Result<(), StoreError> {
        Ok(runs::finish_run(
            &self.tx, run_id, read, accepted, rejected,
        )?)
    }

    /// Commits the load.
    pub fn commit(self) -> Result<(), StoreError> {
        Ok(self.tx.commit()?)
    }
}

/// `read_csv`'s `delim` argument.
fn delimiter(d: u8) -> String {
    char::from(d).to_string()
}

/// `read_csv`'s `columns` argument: every column as text, under the given names.
fn columns_arg(names: &[String]) -> Value {
    Value::Struct(OrderedMap::from(
        names
            .iter()
            .map(|n| (n.clone(), Value::Text("VARCHAR".into())))
            .collect::<Vec<_>>(),
    ))
}

/// Whether DuckDB plans a staging load as a batch insert: only then do rowids follow the order
/// of the file (a plan with a join or an aggregate inserts in whatever order threads finish).
fn keeps_file_order(conn: &Connection, sql: &str, params: &[&dyn duckdb::ToSql]) -> bool {
    let explain = format!("{}{sql}", queries::EXPLAIN_JSON);
    let plan: Result<String, _> = conn.query_row(&explain, params, |r| r.get(1));
    plan.ok()
        .and_then(|p| serde_json::from_str::<serde_json::Value>(&p).ok())
        .and_then(|p| p.get(0)?.get("name")?.as_str().map(|n| n == "BATCH_INSERT"))
        .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn staging_loads_keep_file_order_and_the_check_sees_when_not() {
        let dir = tempfile::tempdir().expect("dir");
        let csv = dir.path().join("h.csv");
        let header = "id,itemtype,items_id,linked_action,user_name,date_mod,id_search_option,old_value,new_value";
        std::fs::write(
            &csv,
            format!("{header}\n1,Ticket,2,0,a,2025-01-01 10:00:00,12,1,2\n"),
        )
        .expect("write");
        // The columns of a glpi_logs export (glpi::LOGS_COLUMNS), as its header names them.
        let names: Vec<String> = header.split(',').map(str::to_owned).collect();
        let store = Store::open_in_memory().expect("store");
        let conn = &store.conn;
        conn.execute_batch(queries::FAST_MACROS).expect("macros");
        conn.execute_batch(queries::FAST_LOGS_STAGE_CREATE)
            .expect("stage");
        conn.execute_batch(queries::FAST_LIST_STAGE_CREATE)
            .expect("stage");
        let codes = Value::List(vec![Value::Text("new".into())]);
        let file = csv.display().to_string();
        for ragged in [false, true] {
            let p = params![file, ",", columns_arg(&names), codes.clone(), ragged, 64];
            assert!(
                keeps_file_order(conn, queries::FAST_LOGS_STAGE_LOAD, p),
                "{ragged}"
            );
        }
        let list: Vec<String> = [
            "id", "_x1", "_x2", "status", "_x4", "_x5", "_x6", "_x7", "_x8",
        ]
        .iter()
        .map(|c| c.to_string())
        .collect();
        let p = params![file, ",", columns_arg(&list)];
        assert!(keeps_file_order(conn, queries::FAST_LIST_STAGE_LOAD, p));
        // An IN list of six values is planned as a join, which loses the order.
        conn.execute_batch("CREATE TEMP TABLE o (id VARCHAR)")
            .expect("table");
        let joined = "INSERT INTO o SELECT id FROM read_csv(?, header = true) \
                      WHERE id IN ('1', '2', '3', '4', '5', '6')";
        assert!(!keeps_file_order(conn, joined, params![file]));
    }
}
