//! Extreme values at every door (issue 17): `i64` bounds, years 1 and 9999, identifiers beyond
//! `u64`, scores of 1e308, NaN and infinities go through every reader and end as rejects with a
//! Spanish reason while the rest of each file loads; then `evaluate` — the binary, as a user runs
//! it — ends well. So does a poisoned row written straight into the store (as an older version
//! could have left it). Headers far too wide are refused before any parser reads them, with a
//! short message.

use std::path::Path;

use mesa_sla::ingest::{self, FileKind, IngestError, LoadOptions, Reader};
use mesa_sla::store::Store;

use crate::helpers::{run, stderr, stdout};

const AS_OF: &str = "2025-12-31 23:59:59";

// The reasons, written out here rather than taken from the code under test.
const DATE: &str = "fecha fuera del rango del calendario (1984–2100)";
const DURATION: &str = "duración fuera de rango (entre 0 y 50 años, en segundos)";
const SCORE: &str = "calificación fuera de 0–5";
const ID: &str = "identificador del caso no válido (más de 64 bytes o con caracteres de control)";
const INEXACT: &str = "identificador numérico que no es un entero exacto (envíelo como texto)";
const BAD_DATE: &str = "fecha inválida";
const LIST_BAD_DATE: &str = "fecha inválida (formato ymd (AAAA-MM-DD))";

/// 65 bytes: one more than an identifier may have.
fn long_id() -> String {
    "7".repeat(65)
}

/// Runs `mesa-sla --db base.duckdb <args>` in `dir` and asserts it succeeds.
fn cli(dir: &Path, args: &[&str]) -> String {
    let mut all = vec!["--db", "base.duckdb"];
    all.extend_from_slice(args);
    let o = run(dir, &all);
    assert!(
        o.status.success(),
        "{args:?}: exit {:?}\n{}\n{}",
        o.status.code(),
        stdout(&o),
        stderr(&o)
    );
    stdout(&o)
}

/// The rejects of the store's latest load: (line, reason).
fn last_rejects(dir: &Path) -> Vec<(i64, String)> {
    let store = Store::open(&dir.join("base.duckdb")).expect("store");
    let mut stmt = store
        .sql_for_tests()
        .prepare(
            "SELECT line, reason FROM ingest_rejects \
             WHERE run_id = (SELECT max(id) FROM ingest_runs) ORDER BY line, reason",
        )
        .expect("prepare");
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("rows")
}

/// Writes `text` to `dir/name`, loads it with `ingest <kind…> name` and checks the rejects.
fn ingest(dir: &Path, kind: &[&str], name: &str, text: &str, want: &[(i64, &str)]) {
    std::fs::write(dir.join(name), text).expect("write");
    let mut args = vec!["ingest"];
    args.extend_from_slice(kind);
    args.push(name);
    cli(dir, &args);
    let want: Vec<(i64, String)> = want.iter().map(|(l, r)| (*l, (*r).to_owned())).collect();
    assert_eq!(last_rejects(dir), want, "{name}");
}

#[test]
fn extreme_values_are_rejected_by_every_reader_and_evaluate_still_runs() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let long = long_id();

    // Canonical JSONL: the row of the issue, i64::MIN, an id beyond u64 (serde reads it as a
    // float), u64::MAX (an exact integer: it loads), ±1e308, years 1 and 9999.
    let at = "\"created_at\":\"2025-03-03 10:00:00\"";
    let jsonl = [
        format!(r#"{{"ticket_id":"ok1","status":"new",{at},"attention_source_seconds":3600}}"#),
        format!(
            r#"{{"ticket_id":"v1","status":"new",{at},"attention_source_seconds":9223372036854775807}}"#
        ),
        format!(
            r#"{{"ticket_id":"v2","status":"new",{at},"attention_source_seconds":-9223372036854775808}}"#
        ),
        format!(r#"{{"ticket_id":123456789012345678901234567890123456789,"status":"new",{at}}}"#),
        format!(r#"{{"ticket_id":18446744073709551615,"status":"new",{at}}}"#),
        format!(r#"{{"ticket_id":"v3","status":"closed",{at},"satisfaction":1e308}}"#),
        format!(r#"{{"ticket_id":"v4","status":"closed",{at},"satisfaction":-1e308}}"#),
        r#"{"ticket_id":"v5","status":"new","created_at":"0001-01-01 00:00:00"}"#.to_owned(),
        r#"{"ticket_id":"v6","status":"new","created_at":"9999-12-31 23:59:59"}"#.to_owned(),
        format!(r#"{{"ticket_id":"{long}","status":"new",{at}}}"#),
    ]
    .join("\n");
    ingest(
        d,
        &["canonical"],
        "casos.jsonl",
        &jsonl,
        &[
            (2, DURATION),
            (3, DURATION),
            (4, INEXACT),
            (6, SCORE),
            (7, SCORE),
            (8, DATE),
            (9, DATE),
            (10, ID),
        ],
    );

    // Canonical CSV: the same through the CSV parser, with NaN and infinities.
    let csv = format!(
        "ticket_id,status,created_at,satisfaction,attention_source_seconds\n\
         c1,closed,2025-03-03 10:00:00,4,60\n\
         c2,new,2025-03-03 10:00:00,,9223372036854775807\n\
         c3,closed,2025-03-03 10:00:00,NaN,\n\
         c4,closed,2025-03-03 10:00:00,inf,\n\
         c5,closed,2025-03-03 10:00:00,-inf,\n\
         c6,new,9999-12-31 23:59:59,,\n\
         {long},new,2025-03-03 10:00:00,,\n"
    );
    ingest(
        d,
        &["canonical"],
        "casos.csv",
        &csv,
        &[
            (3, DURATION),
            (4, SCORE),
            (5, SCORE),
            (6, SCORE),
            (7, DATE),
            (8, ID),
        ],
    );
    let events = format!(
        "ticket_id,seq,at,kind,old_value,new_value\n\
         c1,9223372036854775807,2025-03-03 11:00:00,status,new,assigned\n\
         c1,-9223372036854775808,2025-03-03 12:00:00,status,assigned,closed\n\
         c1,3,9999-12-31 23:59:59,status,closed,assigned\n\
         c1,4,0001-01-01 00:00:00,followup,,\n\
         {long},5,2025-03-03 11:00:00,followup,,\n"
    );
    ingest(
        d,
        &["canonical"],
        "eventos.csv",
        &events,
        &[(4, DATE), (5, DATE), (6, ID)],
    );

    // A GLPI list (the DuckDB-native path): durations beyond i64 (they used to overflow in the
    // reader) and just below it (they used to load and panic `evaluate`), years 1 and 9999, an
    // id above u64 (text: it loads) and one too long.
    let list = format!(
        "ID;Estado;Fecha de Apertura;Estadísticas - Tiempo en atender el servicio\n\
         100;Nuevo;2025-03-03 10:00;1 hora\n\
         101;Nuevo;2025-03-03 10:00;9223372036854775807 días\n\
         102;Nuevo;2025-03-03 10:00;106751991167300 días\n\
         103;Nuevo;0001-01-01 00:00;\n\
         104;Nuevo;9999-12-31 23:59;\n\
         18446744073709551616;Nuevo;2025-03-03 10:00;\n\
         {long};Nuevo;2025-03-03 10:00;\n"
    );
    ingest(
        d,
        &["glpi-csv"],
        "lista.csv",
        &list,
        &[
            (3, DURATION),
            (4, DURATION),
            (5, LIST_BAD_DATE),
            (6, LIST_BAD_DATE),
            (8, ID),
        ],
    );
    let logs = format!(
        "id,itemtype,items_id,linked_action,user_name,date_mod,id_search_option,old_value,new_value\n\
         9223372036854775807,Ticket,100,0,Ana,2025-03-03 10:30:00,12,1,2\n\
         -9223372036854775808,Ticket,100,0,Ana,9999-12-31 23:59:59,12,2,5\n\
         3,Ticket,100,0,Ana,0001-01-01 00:00:00,12,2,5\n\
         4,Ticket,{long},0,Ana,2025-03-03 11:00:00,12,2,5\n\
         5,Ticket,100,0,Ana,2025-03-03 11:00:00,12,2,9223372036854775807\n"
    );
    ingest(
        d,
        &["glpi-logs"],
        "historial.csv",
        &logs,
        &[
            (3, BAD_DATE),
            (4, BAD_DATE),
            (5, ID),
            (6, "código de estado desconocido"),
        ],
    );
    let followups = format!(
        "id,itemtype,items_id,date,users_id,is_private\n\
         1,Ticket,100,2025-03-03 10:15:00,Ana,0\n\
         2,Ticket,100,9999-12-31 23:59:59,Ana,0\n\
         3,Ticket,{long},2025-03-03 10:15:00,Ana,0\n"
    );
    ingest(
        d,
        &["glpi-followups"],
        "seguimientos.csv",
        &followups,
        &[(3, BAD_DATE), (4, ID)],
    );
    let surveys = "id,tickets_id,type,date_begin,date_answered,satisfaction,comment\n\
         1,100,1,2025-03-04 10:00:00,2025-03-04 11:00:00,5,\n\
         2,100,1,2025-03-04 10:00:00,2025-03-04 11:00:00,1e308,\n\
         3,100,1,2025-03-04 10:00:00,2025-03-04 11:00:00,NaN,\n\
         4,100,1,2025-03-04 10:00:00,2025-03-04 11:00:00,inf,\n\
         5,100,1,2025-03-04 10:00:00,2025-03-04 11:00:00,-inf,\n\
         6,100,1,9999-12-31 23:59:59,,,\n";
    ingest(
        d,
        &["glpi-satisfaction"],
        "encuestas.csv",
        surveys,
        &[
            (3, SCORE),
            (4, SCORE),
            (5, SCORE),
            (6, SCORE),
            (7, BAD_DATE),
        ],
    );

    // Dexon, CSV and XLSX (numbers as Excel keeps them: 1e308 as an id and as a score).
    let dexon = format!(
        "Número de caso,Fecha de registro,Estado,Calificación encuesta\n\
         D1,2025-03-03 10:00:00,Abierto,\n\
         D2,2025-03-03 10:00:00,Cerrado,1e308\n\
         D3,2025-03-03 10:00:00,Cerrado,NaN\n\
         D4,9999-12-31 23:59:59,Abierto,\n\
         {long},2025-03-03 10:00:00,Abierto,\n"
    );
    ingest(
        d,
        &["dexon"],
        "dexon.csv",
        &dexon,
        &[(3, SCORE), (4, SCORE), (5, BAD_DATE), (6, ID)],
    );
    let xlsx = d.join("dexon.xlsx");
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (c, h) in [
        "Número de caso",
        "Fecha de registro",
        "Estado",
        "Calificación encuesta",
    ]
    .iter()
    .enumerate()
    {
        sheet.write_string(0, c as u16, *h).expect("header");
    }
    sheet.write_number(1, 0, 1e308).expect("cell");
    sheet.write_number(2, 0, 12.5).expect("cell");
    sheet.write_string(3, 0, "D9").expect("cell");
    sheet.write_number(3, 3, 1e308).expect("cell");
    sheet.write_number(4, 0, 4242.0).expect("cell");
    sheet.write_number(4, 3, 5.0).expect("cell");
    for r in 1..=4 {
        sheet
            .write_string(r, 1, "2025-03-03 10:00:00")
            .expect("cell");
        sheet.write_string(r, 2, "Cerrado").expect("cell");
    }
    book.save(&xlsx).expect("xlsx");
    cli(d, &["ingest", "dexon", "dexon.xlsx"]);
    let want: Vec<(i64, String)> = [(2, INEXACT), (3, INEXACT), (4, SCORE)]
        .iter()
        .map(|(l, r)| (*l, (*r).to_owned()))
        .collect();
    assert_eq!(last_rejects(d), want, "dexon.xlsx");

    // Every good row loaded: ok1 and u64::MAX (JSONL), c1 (CSV), 100 and the id above u64 (GLPI
    // list), D1 (Dexon CSV) and 4242 (XLSX).
    {
        let store = Store::open(&d.join("base.duckdb")).expect("store");
        let counts = store.counts().expect("counts");
        assert_eq!(counts.tickets, 7);
    }
    let out = cli(d, &["evaluate", "--as-of", AS_OF]);
    assert!(out.contains("Evaluados 7 casos"), "{out}");
}

#[test]
fn a_poisoned_row_already_in_the_store_does_not_stop_evaluate() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    {
        let store = Store::open(&d.join("base.duckdb")).expect("store");
        // What an older version accepted, and what only a direct write could leave: durations
        // at the i64 bounds, years 1 and 9999, DuckDB's infinite timestamps, events at both ends.
        store
            .sql_for_tests()
            .execute_batch(
                "INSERT INTO tickets (source, ticket_id, entity, status, created_at, solved_at, \
                                      attention_source_seconds) VALUES \
                 ('viejo', 'p1', '', 'new', TIMESTAMP '2025-03-03 10:00:00', NULL, 9223372036854775807), \
                 ('viejo', 'p2', '', 'new', TIMESTAMP '2025-03-03 10:00:00', NULL, -9223372036854775808), \
                 ('viejo', 'p3', '', 'assigned', TIMESTAMP '0001-01-01 00:00:00', NULL, NULL), \
                 ('viejo', 'p4', '', 'solved', TIMESTAMP '2025-03-03 10:00:00', TIMESTAMP '9999-12-31 23:59:59', NULL), \
                 ('viejo', 'p5', '', 'closed', TIMESTAMP '0001-01-01 00:00:00', TIMESTAMP 'infinity', 9223372036854775807), \
                 ('viejo', 'p6', '', 'new', TIMESTAMP '-infinity', NULL, NULL); \
                 INSERT INTO ticket_events (source, ticket_id, seq, occurred_at, kind, old_value, new_value) VALUES \
                 ('viejo', 'p3', 9223372036854775807, TIMESTAMP '0001-01-02 00:00:00', 'status', 'new', 'waiting'), \
                 ('viejo', 'p3', -9223372036854775808, TIMESTAMP '2025-03-03 10:00:00', 'status', 'waiting', 'assigned'), \
                 ('viejo', 'p4', 1, TIMESTAMP '9999-12-31 23:59:59', 'status', 'new', 'solved');",
            )
            .expect("poisoned rows");
    }
    let out = cli(d, &["evaluate", "--as-of", AS_OF]);
    assert!(out.contains("Evaluados 6 casos"), "{out}");
    let store = Store::open(&d.join("base.duckdb")).expect("store");
    let results: i64 = store
        .sql_for_tests()
        .query_row("SELECT count(*) FROM sla_results", [], |r| r.get(0))
        .expect("results");
    assert_eq!(results, 12, "two clocks for each of the six tickets");
}

/// A header of `n` columns: the given names, then `c<i>` up to `n`.
fn wide_header(names: &[&str], n: usize, delimiter: char) -> String {
    let mut header: Vec<String> = names.iter().map(|s| (*s).to_owned()).collect();
    header.extend((names.len()..n).map(|i| format!("c{i}")));
    header.join(&delimiter.to_string())
}

#[test]
fn headers_far_too_wide_are_refused_with_a_short_spanish_message() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    // 50,000 columns, with the columns each reader needs first: the list alone used to keep
    // DuckDB's read_csv busy for tens of seconds (its time grows with the square of the width).
    let n = 50_000;
    let row = |fields: &str| {
        format!(
            "{fields}{}\n",
            ";".repeat(n - fields.matches(';').count() - 1)
        )
    };
    let files: Vec<(&str, FileKind, String)> = vec![
        (
            "lista.csv",
            FileKind::GlpiList,
            format!(
                "{}\n{}",
                wide_header(&["ID", "Estado", "Fecha de Apertura"], n, ';'),
                row("1;Nuevo;2025-03-03 10:00")
            ),
        ),
        (
            "historial.csv",
            FileKind::GlpiLogs,
            format!(
                "{}\n{}",
                wide_header(
                    &[
                        "id",
                        "itemtype",
                        "items_id",
                        "linked_action",
                        "user_name",
                        "date_mod",
                        "id_search_option",
                        "old_value",
                        "new_value"
                    ],
                    n,
                    ';'
                ),
                row("1;Ticket;1;0;Ana;2025-03-03 10:00:00;12;1;2")
            ),
        ),
        (
            "seguimientos.csv",
            FileKind::GlpiFollowups,
            format!(
                "{}\n{}",
                wide_header(&["id", "items_id", "date"], n, ';'),
                row("1;1;2025-03-03 10:00:00")
            ),
        ),
        (
            "encuestas.csv",
            FileKind::GlpiSatisfaction,
            format!(
                "{}\n{}",
                wide_header(&["tickets_id", "date_begin", "satisfaction"], n, ';'),
                row("1;2025-03-03 10:00:00;5")
            ),
        ),
        (
            "casos.csv",
            FileKind::CanonicalTickets,
            format!(
                "{}\n{}",
                wide_header(&["ticket_id", "status", "created_at"], n, ';'),
                row("1;new;2025-03-03 10:00:00")
            ),
        ),
        (
            "dexon.csv",
            FileKind::DexonCases,
            format!(
                "{}\n{}",
                wide_header(&["Número de caso", "Fecha de registro", "Estado"], n, ';'),
                row("D1;2025-03-03 10:00:00;Abierto")
            ),
        ),
    ];
    for (name, kind, text) in &files {
        let path = d.join(name);
        std::fs::write(&path, text).expect("write");
        for reader in [Reader::Fastest, Reader::Reference] {
            let mut store = Store::open_in_memory().expect("store");
            let opts = LoadOptions {
                reader,
                ..LoadOptions::default()
            };
            let err = ingest::load_path(&mut store, *kind, &path, &opts).expect_err(name);
            assert!(
                matches!(err, IngestError::WideHeader { .. }),
                "{name}: {err}"
            );
            let msg = err.to_string();
            assert!(
                msg.contains("tiene 50000 columnas") && msg.contains("el máximo es 1000"),
                "{name}: {msg}"
            );
            assert!(msg.len() < 600, "{name}: {} bytes", msg.len());
            assert_eq!(store.counts().expect("counts").runs, 0, "{name}");
        }
        let err = FileKind::detect(&path, &LoadOptions::default()).expect_err(name);
        assert!(
            matches!(err, IngestError::WideHeader { .. }),
            "{name}: {err}"
        );
    }

    // A first line that does not end within a megabyte (a few very long names).
    let endless = d.join("sin_fin.csv");
    let names: Vec<String> = (0..600)
        .map(|i| format!("{i}{}", "x".repeat(2_000)))
        .collect();
    std::fs::write(
        &endless,
        format!("ID;Estado;{}\n1;Nuevo\n", names.join(";")),
    )
    .expect("write");
    let mut store = Store::open_in_memory().expect("store");
    let err = ingest::load_path(
        &mut store,
        FileKind::GlpiList,
        &endless,
        &LoadOptions::default(),
    )
    .expect_err("endless header");
    assert!(err.to_string().contains("sin fin de línea"), "{err}");
    // Past the bound with many columns (200,000 of them, 1.4 MB): as many as were seen.
    let wider = d.join("ancho.csv");
    std::fs::write(&wider, format!("{}\n", wide_header(&["ID"], 200_000, ';'))).expect("write");
    let err = ingest::load_path(
        &mut store,
        FileKind::GlpiList,
        &wider,
        &LoadOptions::default(),
    )
    .expect_err("too wide");
    let msg = err.to_string();
    assert!(
        msg.contains("tiene más de ") && msg.contains("columnas en su primera línea"),
        "{msg}"
    );
    assert!(msg.len() < 600, "{} bytes", msg.len());

    // At the limit the file is read, and a missing-columns message lists 20 names and a count.
    let at_limit = d.join("mil.csv");
    std::fs::write(&at_limit, format!("{}\n", wide_header(&[], 1_000, ';'))).expect("write");
    let err = ingest::load_path(
        &mut store,
        FileKind::GlpiList,
        &at_limit,
        &LoadOptions::default(),
    )
    .expect_err("no required column");
    let msg = err.to_string();
    assert!(matches!(err, IngestError::MissingColumns { .. }), "{msg}");
    assert!(
        msg.contains("c0, c1, ") && msg.ends_with("c19 y 980 más"),
        "{msg}"
    );
    assert!(msg.len() < 600, "{} bytes", msg.len());
}
