//! Canonical ingest: idempotence, row rejects, and files refused whole with the store unchanged.

use std::path::Path;

use mesa_sla::ingest::{self, IngestError, canonical};
use mesa_sla::store::Store;

use crate::helpers::{fixtures, sample_store};

/// A fingerprint of the canonical tables' contents.
fn contents(store: &Store) -> (i64, i64, String, String) {
    let q = |sql: &str| -> String {
        store
            .sql_for_tests()
            .query_row(sql, [], |r| r.get::<_, Option<String>>(0))
            .expect("fingerprint query")
            .unwrap_or_default()
    };
    let counts = store.counts().expect("counts");
    (
        counts.tickets,
        counts.events,
        q(
            "SELECT CAST(sum(hash(source, ticket_id, entity, title, status, created_at, solved_at, \
           closed_at, last_update, category, priority)) AS VARCHAR) FROM tickets",
        ),
        q(
            "SELECT CAST(sum(hash(source, ticket_id, occurred_at, kind, old_value, new_value, actor, \
           is_public, by_requester)) AS VARCHAR) FROM ticket_events",
        ),
    )
}

fn load(store: &mut Store, path: &Path) -> Result<ingest::IngestSummary, IngestError> {
    let (kind, records) = canonical::read(path, "canonical")?;
    ingest::load_file(store, path, kind.label(), records)
}

#[test]
fn ingesting_the_same_files_twice_changes_nothing() {
    let mut store = sample_store();
    let before = contents(&store);
    assert_eq!((before.0, before.1), (300, 2427));
    for name in ["tickets.csv", "events.csv"] {
        let s = load(&mut store, &fixtures().join("canonical").join(name)).expect("reloads");
        assert_eq!(s.rejected, 0);
    }
    assert_eq!(contents(&store), before);
    assert_eq!(store.counts().expect("counts").runs, 4);
}

#[test]
fn a_newer_export_updates_tickets_and_an_older_one_does_not() {
    let dir = tempfile::tempdir().expect("tempdir");
    let header = "source,ticket_id,status,created_at,solved_at,last_update,title\n";
    let newer = dir.path().join("newer.csv");
    std::fs::write(
        &newer,
        format!("{header}glpi,1,solved,2025-03-04 09:00,2025-03-04 11:00,2025-03-04 11:00,nuevo título\n"),
    )
    .expect("write");
    let older = dir.path().join("older.csv");
    std::fs::write(
        &older,
        format!("{header}glpi,1,new,2025-03-04 09:00,,2025-03-04 09:00,título viejo\n"),
    )
    .expect("write");
    let mut store = Store::open_in_memory().expect("store");
    load(&mut store, &older).expect("older loads");
    load(&mut store, &newer).expect("newer loads");
    load(&mut store, &older).expect("older loads again");
    let (status, title): (String, String) = store
        .sql_for_tests()
        .query_row("SELECT status, title FROM tickets", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .expect("one ticket");
    assert_eq!(
        (status.as_str(), title.as_str()),
        ("solved", "nuevo título")
    );
}

#[test]
fn impossible_rows_are_rejected_with_reasons_and_the_rest_loads() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("tickets.csv");
    std::fs::write(
        &path,
        "ticket_id,status,created_at,solved_at,priority\n\
         1,solved,2025-03-04 09:00:00,2025-03-04 10:00:00,4\n\
         2,solved,2025-03-04 09:00:00,2025-03-03 10:00:00,4\n\
         3,archivado,2025-03-04 09:00:00,,4\n\
         4,new,04/03/2025 09:00,,4\n\
         5,new,2025-03-04 09:00:00,,urgentísima\n",
    )
    .expect("write");
    let mut store = Store::open_in_memory().expect("store");
    let s = load(&mut store, &path).expect("loads");
    assert_eq!((s.rows_read, s.accepted, s.rejected), (5, 1, 4));
    let reasons: Vec<(i64, String, String)> = store
        .sql_for_tests()
        .prepare("SELECT line, column_name, reason FROM ingest_rejects ORDER BY line")
        .expect("prepare")
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("rows");
    assert_eq!(
        reasons,
        vec![
            (
                3,
                "solved_at".into(),
                "fecha anterior a la apertura del caso".into()
            ),
            (4, "status".into(), "estado desconocido".into()),
            (
                5,
                "created_at".into(),
                "fecha inválida (se espera AAAA-MM-DD HH:MM:SS)".into()
            ),
            (6, "priority".into(), "prioridad desconocida (1–6)".into()),
        ]
    );
}

#[test]
fn refused_files_leave_the_store_exactly_as_it_was() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("vacio.csv", b"".to_vec(), "está vacío"),
        ("espacios.csv", b"\n  \n".to_vec(), "está vacío"),
        (
            "login.csv",
            b"<!DOCTYPE html><html><body>Iniciar sesion</body></html>".to_vec(),
            "parece una página HTML",
        ),
        (
            "binario.csv",
            vec![0x50, 0x4b, 0x03, 0x04, 0, 0, 1, 2],
            "es binario",
        ),
        (
            "otro.csv",
            "ID;Título;Estado\n1;x;Nuevo\n".as_bytes().to_vec(),
            "faltan las columnas ticket_id, status, created_at",
        ),
        (
            "eventos.csv",
            b"ticket_id,at\n1,2025-01-01 00:00:00\n".to_vec(),
            "faltan las columnas kind",
        ),
    ];
    let mut store = sample_store();
    let before = contents(&store);
    let runs = store.counts().expect("counts").runs;
    for (name, bytes, message) in cases {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).expect("write");
        let err = load(&mut store, &path).expect_err(name);
        assert!(err.to_string().contains(message), "{name}: {err}");
        assert_eq!(contents(&store), before, "{name} changed the store");
        assert_eq!(
            store.counts().expect("counts").runs,
            runs,
            "{name} left a run"
        );
    }
}

#[test]
fn jsonl_events_load_like_csv() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("eventos.jsonl");
    std::fs::write(
        &path,
        "{\"source\":\"glpi\",\"ticket_id\":\"9\",\"at\":\"2025-03-04 09:00:00\",\"kind\":\"status\",\"old_value\":\"new\",\"new_value\":\"assigned\"}\n\
         {\"source\":\"glpi\",\"ticket_id\":\"9\",\"at\":\"2025-03-04 09:30:00\",\"kind\":\"followup\",\"is_public\":true,\"by_requester\":false}\n\
         {\"source\":\"glpi\",\"ticket_id\":\"9\",\"at\":\"mañana\",\"kind\":\"followup\"}\n",
    )
    .expect("write");
    let mut store = Store::open_in_memory().expect("store");
    let s = load(&mut store, &path).expect("loads");
    assert_eq!(
        (s.kind.as_str(), s.accepted, s.rejected),
        ("canonical-events", 2, 1)
    );
}
