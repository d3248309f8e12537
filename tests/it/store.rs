//! The store's schema: the staging tables that mirror `tickets`, `ticket_events` and
//! `ticket_surveys` keep their columns (names, order and types), read from DuckDB's
//! `duckdb_columns()` on a migrated store. The loads move rows with `SELECT *`, so a column
//! added to one list and not the others would shift or drop data.

use mesa_sla::store::Store;
use mesa_sla::store::queries;

/// (name, type) of each column of `table`, in order.
fn columns(store: &Store, table: &str) -> Vec<(String, String)> {
    let mut stmt = store
        .sql_for_tests()
        .prepare(
            "SELECT column_name, data_type FROM duckdb_columns() WHERE table_name = ? \
             ORDER BY column_index",
        )
        .expect("prepare");
    let cols: Vec<(String, String)> = stmt
        .query_map([table], |r| Ok((r.get(0)?, r.get(1)?)))
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("rows");
    assert!(!cols.is_empty(), "no table {table}");
    cols
}

fn with(mut cols: Vec<(String, String)>, extra: &[(&str, &str)]) -> Vec<(String, String)> {
    cols.extend(
        extra
            .iter()
            .map(|(n, t)| ((*n).to_owned(), (*t).to_owned())),
    );
    cols
}

#[test]
fn staging_tables_keep_the_columns_of_the_tables_they_fill() {
    let store = Store::open_in_memory().expect("migrated store");
    for sql in [
        queries::STAGING_TICKETS_CREATE,
        queries::STAGING_EVENTS_CREATE,
        queries::STAGING_SURVEYS_CREATE,
        queries::FAST_LIST_CHECKED_CREATE,
    ] {
        store.sql_for_tests().execute_batch(sql).expect("creates");
    }
    let tickets = columns(&store, "tickets");
    // staging_tickets → tickets (`SELECT * EXCLUDE (line)`): the same columns, then the line.
    let staging = columns(&store, "staging_tickets");
    assert_eq!(staging, with(tickets, &[("line", "BIGINT")]));
    // The fast path's judged list → staging_tickets: its columns, then the reject.
    assert_eq!(
        columns(&store, "fast_list_checked"),
        with(staging, &[("reject", "TINYINT"), ("reject_raw", "VARCHAR")])
    );
    assert_eq!(
        columns(&store, "staging_events"),
        columns(&store, "ticket_events")
    );
    assert_eq!(
        columns(&store, "staging_surveys"),
        with(columns(&store, "ticket_surveys"), &[("line", "BIGINT")])
    );
}

/// The upsert of staged tickets updates every column but the key: a column missing from its
/// `SET` list would keep a ticket's first value forever.
#[test]
fn the_tickets_upsert_updates_every_column() {
    let store = Store::open_in_memory().expect("migrated store");
    let mut set: Vec<&str> = queries::TICKETS_UPSERT
        .lines()
        .filter_map(|l| l.trim().split_once(" = excluded."))
        .map(|(name, _)| name)
        .collect();
    set.sort_unstable();
    let mut want: Vec<String> = columns(&store, "tickets")
        .into_iter()
        .map(|(name, _)| name)
        .filter(|n| n != "source" && n != "ticket_id")
        .collect();
    want.sort_unstable();
    assert_eq!(set, want);
}
