//! The DuckDB-native path of `ingest glpi-csv` and `ingest glpi-logs` against the reference
//! readers: on the samples and on variants with bad rows, white space, every date order and
//! label language, both give the same tables, the same rejects (line, column, value, reason) and
//! the same run record; files it cannot read identically go to the reference reader. Each load
//! is also held to counts known apart from both paths (rows, tickets, events, every reject's
//! line, column and reason), so that two paths broken alike cannot pass.

use std::path::{Path, PathBuf};

use mesa_sla::ingest::{self, IngestSummary, fast, glpi};
use mesa_sla::store::Store;

use crate::helpers::assert_reproduces;
use crate::ingest_glpi::{ENGLISH_HEADER, sample_rows, samples, with_dates, write_glpi11};

/// Every row of a table as text, in a stable order.
fn dump(store: &Store, sql: &str) -> Vec<Vec<Option<String>>> {
    let mut stmt = store.sql_for_tests().prepare(sql).expect("prepare");
    let mut rows = stmt.query([]).expect("query");
    let n = rows.as_ref().expect("statement").column_count();
    let mut out = Vec::new();
    while let Some(row) = rows.next().expect("row") {
        out.push(
            (0..n)
                .map(|i| row.get::<_, Option<String>>(i).expect("text"))
                .collect(),
        );
    }
    out
}

/// What the tests compare between two stores: every table a GLPI load writes.
fn contents(store: &Store) -> Vec<Vec<Vec<Option<String>>>> {
    [
        "SELECT CAST(COLUMNS(*) AS VARCHAR) FROM tickets ORDER BY source, ticket_id",
        "SELECT CAST(COLUMNS(*) AS VARCHAR) FROM ticket_events ORDER BY ALL",
        "SELECT CAST(COLUMNS(*) AS VARCHAR) FROM ingest_rejects ORDER BY run_id, line",
        "SELECT CAST(COLUMNS(* EXCLUDE (started_at, finished_at)) AS VARCHAR) FROM ingest_runs ORDER BY id",
    ]
    .iter()
    .map(|q| dump(store, q))
    .collect()
}

fn same_summary(fast: &IngestSummary, reference: &IngestSummary) {
    assert_eq!(
        (
            fast.run_id,
            &fast.kind,
            fast.rows_read,
            fast.accepted,
            fast.rejected,
            fast.skipped,
            &fast.sample_rejects,
            fast.changes
        ),
        (
            reference.run_id,
            &reference.kind,
            reference.rows_read,
            reference.accepted,
            reference.rejected,
            reference.skipped,
            &reference.sample_rejects,
            reference.changes
        )
    );
}

/// What one load must give, known apart from both paths: each caller says how it counted.
struct Expected<'a> {
    /// Data rows of the file, and those carrying nothing to load (not SLA history).
    rows: u64,
    skipped: u64,
    /// Rows in `tickets` and `ticket_events` afterwards.
    tickets: i64,
    events: i64,
    /// The run's rejects: (line, column, reason).
    rejects: &'a [(i64, &'a str, &'a str)],
}

/// A ticket list: every row a ticket of its own, no history, no rejects.
fn plain_list(rows: u64) -> Expected<'static> {
    Expected {
        rows,
        skipped: 0,
        tickets: rows as i64,
        events: 0,
        rejects: &[],
    }
}

fn assert_expected(store: &Store, s: &IngestSummary, want: &Expected, path: &Path) {
    let rejected = want.rejects.len() as u64;
    assert_eq!(
        (s.rows_read, s.skipped, s.rejected, s.accepted),
        (
            want.rows,
            want.skipped,
            rejected,
            want.rows - want.skipped - rejected
        ),
        "{}",
        path.display()
    );
    let counts = store.counts().expect("counts");
    assert_eq!(
        (counts.tickets, counts.events),
        (want.tickets, want.events),
        "{}",
        path.display()
    );
    let mut stmt = store
        .sql_for_tests()
        .prepare(
            "SELECT line, column_name, reason FROM ingest_rejects WHERE run_id = ? ORDER BY line",
        )
        .expect("prepare");
    let rejects: Vec<(i64, String, String)> = stmt
        .query_map([s.run_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("rejects");
    let want: Vec<(i64, String, String)> = want
        .rejects
        .iter()
        .map(|(l, c, r)| (*l, (*c).to_owned(), (*r).to_owned()))
        .collect();
    assert_eq!(rejects, want, "{}", path.display());
}

fn reference_list(store: &mut Store, path: &Path, opts: &glpi::ListOptions) -> IngestSummary {
    let records = glpi::read_list(path, opts).expect("reference reads");
    ingest::load_file(store, path, "glpi-csv", records).expect("reference loads")
}

fn reference_logs(store: &mut Store, path: &Path) -> IngestSummary {
    let records = glpi::read_logs(path).expect("reference reads");
    ingest::load_file(store, path, "glpi-logs", records).expect("reference loads")
}

/// Loads a list twice (the second time over its own rows: the upsert path) through both paths
/// and asserts the DuckDB path was taken, agrees with the reference and gives `expected` both
/// times.
fn list_agrees(path: &Path, opts: &glpi::ListOptions, expected: &Expected) {
    let mut reference = Store::open_in_memory().expect("store");
    let mut fast = Store::open_in_memory().expect("store");
    for _ in 0..2 {
        let want = reference_list(&mut reference, path, opts);
        let got = fast::try_glpi_list(&mut fast, path, opts)
            .expect("no refusal")
            .unwrap_or_else(|d| panic!("{}: left to the reference reader: {d:?}", path.display()));
        same_summary(&got, &want);
        assert_eq!(contents(&fast), contents(&reference), "{}", path.display());
        assert_expected(&fast, &got, expected, path);
    }
}

fn logs_agree(path: &Path, expected: &Expected) {
    let mut reference = Store::open_in_memory().expect("store");
    let mut fast = Store::open_in_memory().expect("store");
    for _ in 0..2 {
        let want = reference_logs(&mut reference, path);
        let got = fast::try_glpi_logs(&mut fast, path)
            .expect("no refusal")
            .unwrap_or_else(|d| panic!("{}: left to the reference reader: {d:?}", path.display()));
        same_summary(&got, &want);
        assert_eq!(contents(&fast), contents(&reference), "{}", path.display());
        assert_expected(&fast, &got, expected, path);
    }
}

/// The DuckDB path declines the file, and the public entry point then gives exactly what the
/// reference reader gives. Returns that store and summary.
fn list_declined_but_equal(path: &Path, opts: &glpi::ListOptions) -> (Store, IngestSummary) {
    let mut probe = Store::open_in_memory().expect("store");
    let attempt = fast::try_glpi_list(&mut probe, path, opts).expect("no refusal");
    assert!(attempt.is_err(), "{}: DuckDB path taken", path.display());
    assert_eq!(probe.counts().expect("counts").runs, 0, "store untouched");
    let mut reference = Store::open_in_memory().expect("store");
    let mut public = Store::open_in_memory().expect("store");
    let want = reference_list(&mut reference, path, opts);
    let got = fast::glpi_list(&mut public, path, opts).expect("loads");
    same_summary(&got, &want);
    assert_eq!(contents(&public), contents(&reference));
    (public, got)
}

fn logs_declined_but_equal(path: &Path) -> (Store, IngestSummary) {
    let mut probe = Store::open_in_memory().expect("store");
    let attempt = fast::try_glpi_logs(&mut probe, path).expect("no refusal");
    assert!(attempt.is_err(), "{}: DuckDB path taken", path.display());
    assert_eq!(probe.counts().expect("counts").runs, 0, "store untouched");
    let mut reference = Store::open_in_memory().expect("store");
    let mut public = Store::open_in_memory().expect("store");
    let want = reference_logs(&mut reference, path);
    let got = fast::glpi_logs(&mut public, path).expect("loads");
    same_summary(&got, &want);
    assert_eq!(contents(&public), contents(&reference));
    (public, got)
}

/// Writes rows the way GLPI 10 does: BOM, every cell quoted and followed by `;`, `"` as `''`.
fn write_glpi10(path: &Path, rows: &[Vec<String>]) {
    let mut text = String::from("\u{feff}");
    for row in rows {
        for cell in row {
            text.push('"');
            text.push_str(&cell.replace('"', "''"));
            text.push_str("\";");
        }
        text.push('\n');
    }
    std::fs::write(path, text).expect("write");
}

const LIST_HEADER: [&str; 15] = [
    "ID",
    "Título",
    "Estado",
    "Fecha de Apertura",
    "Fecha de solución",
    "Fecha de cierre",
    "Prioridad",
    "Categoría",
    "Tipo",
    "Asignado a: - Técnico",
    "Asignado a: - Grupo de Tecnicos ",
    "Solicitante - Solicitante",
    "Entidad",
    "Última actualización",
    "Estadísticas - Tiempo en atender el servicio",
];

/// A ticket list with every kind of bad row, repeated ids, multi-valued cells and every date
/// layout SQL decides (all year first).
fn bad_list_rows() -> Vec<Vec<String>> {
    let ok = [
        "1",
        "Impresora \"HP\" no imprime",
        "Nuevo",
        "2025-03-04 09:00",
        "",
        "",
        "Alta",
        "Hardware > Impresoras",
        "Incidencia",
        "Ana Ruiz<br>Luis Gil",
        "Mesa N1",
        "Pedro Páez",
        "Entidad A > Sede 1",
        "2025-03-04 09:05",
        "1 hora 30 minutos",
    ];
    let row = |changes: &[(usize, &str)]| {
        let mut r: Vec<String> = ok.iter().map(|s| s.to_string()).collect();
        for (i, v) in changes {
            r[*i] = v.to_string();
        }
        r
    };
    let mut rows = vec![LIST_HEADER.iter().map(|s| s.to_string()).collect()];
    rows.extend([
        row(&[]),
        row(&[(0, "")]),
        row(&[(0, "3"), (2, "")]),
        row(&[(0, "4"), (2, "Archivado")]),
        row(&[(0, "5"), (3, "2025-02-30 09:00")]),
        row(&[(0, "6"), (4, "2025-13-01 10:00")]),
        row(&[(0, "7"), (5, "2101-01-01 10:00")]),
        row(&[(0, "8"), (13, "2025-03-04 24:00")]),
        row(&[(0, "9"), (14, "mucho rato")]),
        row(&[(0, "10"), (3, "")]),
        row(&[(0, "11"), (2, "Resueltas"), (4, "2025-03-01 09:00")]),
        row(&[(0, "12"), (2, "Cerrado"), (5, "2025-03-04 08:59")]),
        row(&[(0, "13"), (8, "Queja")]),
        row(&[(0, "14"), (6, "Urgentísima")]),
        row(&[(0, "15"), (3, "1983-12-31 23:59")]),
        row(&[
            (0, "16"),
            (1, "Título en\ndos líneas; con punto y coma"),
            (2, "En curso (asignada)"),
            (3, "2025-03-04T09:00:30"),
            (6, "Mayor"),
            (8, "Requerimiento"),
            (9, "<br>"),
            (10, "Mesa N1<br> <br>Redes N3"),
            (13, "2025/03/04 10:00"),
            (14, "2 días 3 horas 5 minutos"),
        ]),
        row(&[
            (0, "17"),
            (2, "En espera"),
            (3, "2025.03.04 09:00:59"),
            (6, "Muy baja"),
            (11, "Ana<br>Luis<br>"),
            (12, ""),
            (14, ""),
        ]),
        row(&[
            (0, "18"),
            (2, "Resueltas"),
            (4, "2025-03-05 10:00"),
            (1, "''comillas''"),
        ]),
        // The same ticket again, further down: this version wins.
        row(&[
            (1, "Impresora HP, segunda versión"),
            (2, "En curso (planificada)"),
        ]),
        row(&[(0, "19"), (2, "6"), (6, "3"), (8, "2")]),
        // Outside the domain limits (ingest::limits): an identifier of 65 bytes, one with a
        // control character, durations beyond i64 (it used to overflow in the reader), below
        // zero and one day past fifty years of 366 days; exactly fifty years loads.
        row(&[(0, &"9".repeat(65))]),
        row(&[(0, "2\u{7}0")]),
        row(&[(0, "21"), (14, "9223372036854775807 días")]),
        row(&[(0, "22"), (14, "-5 horas")]),
        row(&[(0, "23"), (14, "18301 días")]),
        row(&[(0, "24"), (14, "18300 días")]),
    ]);
    rows
}

const BAD_DATE: &str = "fecha inválida (formato ymd (AAAA-MM-DD))";
const BEFORE_OPENING: &str = "fecha anterior a la apertura del caso";

/// The rejects of [`bad_list_rows`], worked out row by row: data row k is on line k + 1, rows 2
/// to 15 and 21 to 25 each break one rule (in the order the reader checks them; dates must fall
/// in 1984–2100), and the rest load.
const BAD_LIST_REJECTS: &[(i64, &str, &str)] = &[
    (3, "ID", "falta el identificador del caso"),
    (4, "Estado", "falta el estado"),
    (5, "Estado", "estado desconocido"),   // Archivado
    (6, "Fecha de Apertura", BAD_DATE),    // 30 February
    (7, "Fecha de solución", BAD_DATE),    // month 13
    (8, "Fecha de cierre", BAD_DATE),      // 2101
    (9, "Última actualización", BAD_DATE), // 24:00
    (
        10,
        "Tiempo en atender el servicio",
        "duración ilegible (p. ej. \"2 días 3 horas 5 minutos\")",
    ),
    (11, "Fecha de Apertura", "falta la fecha de apertura"),
    (12, "Fecha de solución", BEFORE_OPENING), // 1 March, opened 4 March
    (13, "Fecha de cierre", BEFORE_OPENING),   // 08:59, opened 09:00
    (14, "Tipo", "tipo desconocido"),          // Queja
    (15, "Prioridad", "prioridad desconocida"), // Urgentísima
    (16, "Fecha de Apertura", BAD_DATE),       // 1983
    // Past row 16, whose title holds a line break, data row k is on line k + 2.
    (23, "ID", BAD_ID),                                   // 65 bytes
    (24, "ID", BAD_ID),                                   // BEL
    (25, "Tiempo en atender el servicio", LONG_DURATION), // i64::MAX days
    (26, "Tiempo en atender el servicio", LONG_DURATION), // -5 hours
    (27, "Tiempo en atender el servicio", LONG_DURATION), // 18,301 days
];

const BAD_ID: &str =
    "identificador del caso no válido (más de 64 bytes o con caracteres de control)";
const LONG_DURATION: &str = "duración fuera de rango (entre 0 y 50 años, en segundos)";

/// [`bad_list_rows`] loaded: 26 data rows, the rejects given, and 6 tickets from the 7 rows
/// that load (1, 16, 17, 18, 19, 1 again and 24).
fn bad_list_expected<'a>(rejects: &'a [(i64, &'a str, &'a str)]) -> Expected<'a> {
    Expected {
        rows: 26,
        skipped: 0,
        tickets: 6,
        events: 0,
        rejects,
    }
}

#[test]
fn list_samples_and_their_variants_load_the_same_through_duckdb() {
    let dir = tempfile::tempdir().expect("tempdir");
    let opts = glpi::ListOptions::default();
    // 300 rows, 300 distinct IDs (shared/samples README; a csv count over tickets.csv agrees),
    // every one the same 300 tickets in each variant below.
    let samples_list = plain_list(300);
    list_agrees(&samples().join("tickets.csv"), &opts, &samples_list);

    let glpi11 = dir.path().join("glpi11.csv");
    write_glpi11(&glpi11, &sample_rows(), b',');
    list_agrees(&glpi11, &opts, &samples_list);

    let dmy = dir.path().join("dmy.csv");
    write_glpi11(
        &dmy,
        &with_dates(&sample_rows(), |y, m, d| format!("{d}-{m}-{y}")),
        b';',
    );
    list_agrees(&dmy, &opts, &samples_list);
    let mdy = dir.path().join("mdy.csv");
    write_glpi11(
        &mdy,
        &with_dates(&sample_rows(), |y, m, d| format!("{m}/{d}/{y}")),
        b';',
    );
    list_agrees(&mdy, &opts, &samples_list);

    let mut english = sample_rows();
    english[0] = ENGLISH_HEADER.iter().map(|s| s.to_string()).collect();
    let en = dir.path().join("en.csv");
    write_glpi11(&en, &english, b';');
    list_agrees(&en, &opts, &samples_list);

    // Forced date order and one entity for every ticket.
    let forced = glpi::ListOptions {
        entity: Some("Alcaldía de Prueba".into()),
        date_format: Some(glpi::DateFormat::Dmy),
    };
    list_agrees(&dmy, &forced, &samples_list);
}

#[test]
fn list_bad_rows_are_rejected_alike() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("filas.csv");
    write_glpi10(&path, &bad_list_rows());
    list_agrees(
        &path,
        &glpi::ListOptions::default(),
        &bad_list_expected(BAD_LIST_REJECTS),
    );
    // GLPI 11 shape (CRLF, RFC 4180 quotes, `,`) of the same rows: the same rejects on the same
    // physical lines (the csv crate alone reports each one line early with CRLF,
    // BurntSushi/rust-csv#395).
    let crlf = dir.path().join("filas11.csv");
    write_glpi11(&crlf, &bad_list_rows(), b',');
    list_agrees(
        &crlf,
        &glpi::ListOptions::default(),
        &bad_list_expected(BAD_LIST_REJECTS),
    );
}

#[test]
fn list_values_with_white_space_are_trimmed_alike() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut rows = bad_list_rows();
    let pad = [" ", "\u{a0}", "\t", "\u{3000}", "  "];
    for (r, row) in rows.iter_mut().enumerate().skip(1) {
        for (c, cell) in row.iter_mut().enumerate() {
            if (r + c) % 3 == 0 {
                *cell = format!("{}{cell}{}", pad[(r + c) % 5], pad[(r * c) % 5]);
            }
        }
    }
    rows[2][1] = " \n ".into();
    rows[3][1] = "Título\n".into();
    let path = dir.path().join("espacios.csv");
    write_glpi10(&path, &rows);
    // Trimmed, the rows are the bad rows again: the same rejects, but the line breaks put into
    // the titles of rows 2 and 3 (lines 3 and 5) move every later row down two lines.
    let moved: Vec<(i64, &str, &str)> = BAD_LIST_REJECTS
        .iter()
        .map(|&(line, c, r)| {
            (
                match line {
                    3 => 3,
                    4 => 5,
                    l => l + 2,
                },
                c,
                r,
            )
        })
        .collect();
    list_agrees(
        &path,
        &glpi::ListOptions::default(),
        &bad_list_expected(&moved),
    );
}

#[test]
fn list_shapes_duckdb_cannot_read_alike_go_to_the_reference_reader() {
    let dir = tempfile::tempdir().expect("tempdir");
    let opts = glpi::ListOptions::default();
    // Windows-1252 (an Excel re-save).
    let utf8 = dir.path().join("utf8.csv");
    write_glpi11(&utf8, &sample_rows(), b';');
    let text = std::fs::read_to_string(&utf8).expect("read");
    let (bytes, _, _) = encoding_rs::WINDOWS_1252.encode(&text);
    let cp1252 = dir.path().join("cp1252.csv");
    std::fs::write(&cp1252, &bytes).expect("write");
    let (store, s) = list_declined_but_equal(&cp1252, &opts);
    assert_expected(&store, &s, &plain_list(300), &cp1252);
    // A date only chrono's lenient fallback reads, and a 60th second.
    for (name, date) in [
        ("ayer.csv", "ayer"),
        ("bisiesto.csv", "2025-03-04 09:00:60"),
    ] {
        let mut rows = bad_list_rows();
        rows[1][4] = date.into();
        let path = dir.path().join(name);
        write_glpi10(&path, &rows);
        list_declined_but_equal(&path, &opts);
    }
    // A row with one cell more than the header (the csv crate is flexible, DuckDB is not).
    let wide = dir.path().join("ancha.csv");
    std::fs::write(
        &wide,
        "ID;Estado;Fecha de Apertura\n1;Nuevo;2025-03-04 09:00\n2;Nuevo;2025-03-04 09:00;extra\n",
    )
    .expect("write");
    let (store, s) = list_declined_but_equal(&wide, &opts);
    // Two tickets: the extra cell is ignored.
    assert_expected(&store, &s, &plain_list(2), &wide);
    // A quote inside an unquoted value.
    let quote = dir.path().join("comilla.csv");
    std::fs::write(
        &quote,
        "ID;Título;Estado;Fecha de Apertura\n1;Pantalla 15\" y 17\" rota;Nuevo;2025-03-04 09:00\n",
    )
    .expect("write");
    let (store, s) = list_declined_but_equal(&quote, &opts);
    assert_expected(&store, &s, &plain_list(1), &quote);
}

#[test]
fn a_file_name_duckdb_would_read_as_a_pattern_goes_to_the_reference_reader() {
    let dir = tempfile::tempdir().expect("tempdir");
    // DuckDB would read `casos[1].csv` as the pattern matching `casos1.csv`.
    let tricky = dir.path().join("casos[1].csv");
    std::fs::copy(samples().join("tickets.csv"), &tricky).expect("copy");
    std::fs::write(
        dir.path().join("casos1.csv"),
        "ID;Estado;Fecha de Apertura\n1;Nuevo;2025-03-04 09:00\n",
    )
    .expect("decoy");
    let (store, s) = list_declined_but_equal(&tricky, &glpi::ListOptions::default());
    assert_expected(&store, &s, &plain_list(300), &tricky);
    let logs = dir.path().join("historial*.csv");
    std::fs::copy(samples().join("glpi_logs.csv"), &logs).expect("copy");
    let (store, s) = logs_declined_but_equal(&logs);
    assert_expected(&store, &s, &SAMPLE_LOGS, &logs);
}

#[test]
fn list_refusals_are_the_reference_readers() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = Store::open_in_memory().expect("store");
    let ambiguous = dir.path().join("ambigua.csv");
    std::fs::write(
        &ambiguous,
        "ID;Título;Estado;Fecha de Apertura\n1;a;Nuevo;03-04-2025 09:00\n2;b;Nuevo;05-06-2025 10:00\n",
    )
    .expect("write");
    let login = dir.path().join("login.csv");
    std::fs::write(&login, "<html><head><title>GLPI</title></head></html>").expect("write");
    let empty = dir.path().join("vacio.csv");
    std::fs::write(&empty, "").expect("write");
    let truncated = dir.path().join("truncado.csv");
    std::fs::write(&truncated, "\"ID\";\"Estado\";\n\"1\";\"Nue").expect("write");
    let cases: Vec<(PathBuf, &str)> = vec![
        (ambiguous, "indique cuál con --date-format"),
        (login, "parece una página HTML"),
        (empty, "está vacío"),
        (truncated, "parece truncado"),
        (
            samples().join("glpi_logs.csv"),
            "faltan las columnas Estado, Fecha de Apertura",
        ),
    ];
    for (path, message) in cases {
        let err =
            fast::glpi_list(&mut store, &path, &glpi::ListOptions::default()).expect_err("refused");
        assert!(
            err.to_string().contains(message),
            "{}: {err}",
            path.display()
        );
        let reference = glpi::read_list(&path, &glpi::ListOptions::default())
            .err()
            .expect("the reference refuses too");
        assert_eq!(err.to_string(), reference.to_string());
        assert_eq!(store.counts().expect("counts").runs, 0);
    }
}

const LOGS_HEADER: &str = "id,itemtype,items_id,itemtype_link,linked_action,user_name,date_mod,id_search_option,old_value,new_value\n";

/// A glpi_logs export with every kind of bad and skipped row.
const BAD_LOGS: &str = "\
1,Ticket,10,,0,Ana (1),2025-01-01 10:00:00,12,1,2
2,Ticket,,,0,Ana (1),2025-01-01 10:00:00,12,1,2
3,Ticket,10,,0,Ana (1),,12,1,2
4,Ticket,10,,0,Ana (1),2025-02-30 10:00:00,5,,Luis (2)
5,Ticket,10,,0,Ana (1),31-12-2025 10:00:00,8,,G (3)
6,Ticket,10,,0,Ana (1),2025-01-01 10:00:01,12,2,7
7,Ticket,10,,0,Ana (1),2025-01-01 10:00:02,12,x,+05
8,TICKET,11,,0,,2025-01-01 10:00:03,12,0001,0002
9,Problem,11,,0,Ana (1),2025-01-01 10:00:03,12,1,2
10,,11,,0,Ana (1),2025-01-01 10:00:03,12,1,2
11,Ticket,11,ITILSolution,17,Ana (1),2025-01-01 10:00:03,0,,
12,Ticket,11,,,Ana (1),2025-01-01 10:00:04,5,,Luis (2)
13,Ticket,11,,0,Ana (1),2025-01-01 10:00:05,83,a,b
14,Ticket,12,,0,Ana (1),2025-01-01T10:00:06,12,,3
15,Ticket,12,,0,Ana (1),2025/01/01 10:00:07,12,3,-1
16,Ticket,12,,0,\"Pérez, Ana (1)\",2025-01-01 10:00,8,,\"Grupo \"\"x\"\"
(3)\"
17,Ticket,12,,0,Ana (1),1983-12-31 10:00:00,5,,L
18,Ticket,12,,0,Ana (1),2025-01-01 10:00:00,5,Luis (2),
19,Ticket,12,,0,Ana (1),2025-01-01 10:00:09,12,4,
+0020,Ticket,10,,0,Ana (1),2025-01-01 10:00:00,12,1,2
21,ticket,13,,0,Ana (1),2025-12-31 23:59:59,12,6,5
22,Ticket,12345678901234567890123456789012345678901234567890123456789012345,,0,Ana (1),2025-01-01 10:00:00,12,1,2
23,Ticket,1\u{7}3,,0,Ana (1),2025-01-01 10:00:00,12,1,2
";

/// `glpi_logs.csv` of the samples: 2,778 rows (shared/samples README); a count over the file of
/// rows with itemtype Ticket, linked_action 0 or empty and option 12, 5 or 8 gives 1,731 events
/// (1,090 status, 342 technician, 299 group changes), the other 1,047 rows carry no SLA
/// information. With the 696 follow-ups that is the 2,427 events of the golden test.
const SAMPLE_LOGS: Expected = Expected {
    rows: 2778,
    skipped: 1047,
    tickets: 0,
    events: 1731,
    rejects: &[],
};

/// [`BAD_LOGS`] worked out row by row (data row k on line k + 1, and k + 2 past row 16, whose
/// group name holds a line break): rows 9 (Problem), 10 (no itemtype), 11 (linked action 17) and
/// 13 (option 83) are skipped; 10 rows are rejected (22 and 23 for their identifiers); the other
/// 9 are events (1, 7, 8, 12, 14, 16,
/// 18, 20, 21; rows 1 and 20 are the same change, kept twice within one file).
const BAD_LOGS_EXPECTED: Expected = Expected {
    rows: 23,
    skipped: 4,
    tickets: 0,
    events: 9,
    rejects: &[
        (3, "items_id", "falta el identificador del caso"),
        (4, "date_mod", "fecha inválida"),                 // empty
        (5, "date_mod", "fecha inválida"),                 // 30 February
        (6, "date_mod", "fecha inválida"),                 // day first
        (7, "new_value", "código de estado desconocido"),  // 7
        (16, "new_value", "código de estado desconocido"), // -1
        (19, "date_mod", "fecha inválida"),                // 1983
        (21, "new_value", "código de estado desconocido"), // empty
        (24, "items_id", BAD_ID),                          // 65 digits
        (25, "items_id", BAD_ID),                          // BEL
    ],
};

/// A one-row history holding one status change.
const ONE_EVENT: Expected = Expected {
    rows: 1,
    skipped: 0,
    tickets: 0,
    events: 1,
    rejects: &[],
};

#[test]
fn logs_sample_and_bad_rows_load_the_same_through_duckdb() {
    logs_agree(&samples().join("glpi_logs.csv"), &SAMPLE_LOGS);
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("historial.csv");
    std::fs::write(&path, format!("{LOGS_HEADER}{BAD_LOGS}")).expect("write");
    logs_agree(&path, &BAD_LOGS_EXPECTED);
    // CRLF and `;`.
    let crlf = dir.path().join("historial_crlf.csv");
    let text = format!("{LOGS_HEADER}{BAD_LOGS}")
        .replace(',', ";")
        .replace('\n', "\r\n")
        .replace("\"Pérez; Ana (1)\"", "\"Pérez, Ana (1)\"");
    std::fs::write(&crlf, text).expect("write");
    // The same physical lines as with LF.
    logs_agree(&crlf, &BAD_LOGS_EXPECTED);
    // White space around values.
    let ragged = dir.path().join("historial_espacios.csv");
    let text: String = format!("{LOGS_HEADER}{BAD_LOGS}")
        .lines()
        .enumerate()
        .map(|(i, l)| {
            if i == 0 || l.contains('"') || l.starts_with("(3)") {
                format!("{l}\n")
            } else {
                let cells: Vec<String> = l
                    .split(',')
                    .enumerate()
                    .map(|(k, c)| match (i + k) % 4 {
                        0 => format!(" {c}"),
                        1 => format!("{c}\u{a0}"),
                        _ => c.to_owned(),
                    })
                    .collect();
                format!("{}\n", cells.join(","))
            }
        })
        .collect();
    std::fs::write(&ragged, text).expect("write");
    logs_agree(&ragged, &BAD_LOGS_EXPECTED);
}

#[test]
fn logs_duckdb_cannot_read_alike_go_to_the_reference_reader() {
    let dir = tempfile::tempdir().expect("tempdir");
    // No `id` column: the reference reader orders events by line.
    let no_id = dir.path().join("sin_id.csv");
    std::fs::write(
        &no_id,
        "itemtype,items_id,linked_action,user_name,date_mod,id_search_option,old_value,new_value\n\
         Ticket,10,0,Ana,2025-01-01 10:00:00,12,1,2\n",
    )
    .expect("write");
    let (store, s) = logs_declined_but_equal(&no_id);
    assert_expected(&store, &s, &ONE_EVENT, &no_id);
    // An id that is not a number on an event row.
    let bad_id = dir.path().join("id.csv");
    std::fs::write(
        &bad_id,
        format!("{LOGS_HEADER}a1,Ticket,10,,0,Ana,2025-01-01 10:00:00,12,1,2\n"),
    )
    .expect("write");
    let (store, s) = logs_declined_but_equal(&bad_id);
    assert_expected(&store, &s, &ONE_EVENT, &bad_id);
    // A date layout only chrono's fallback decides.
    let odd = dir.path().join("fecha.csv");
    std::fs::write(
        &odd,
        format!("{LOGS_HEADER}1,Ticket,10,,0,Ana,2025-1-1 10:00:00,12,1,2\n"),
    )
    .expect("write");
    logs_declined_but_equal(&odd);
}

#[test]
fn a_large_history_keeps_order_and_lines_past_many_row_groups() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("grande.csv");
    let mut text = String::from(LOGS_HEADER);
    for i in 1..=300_000u32 {
        let ticket = i / 6 + 1;
        let (option, old, new) = match i % 3 {
            0 => ("12", "1", "2"),
            1 => ("5", "", "Ana Ruiz (7)"),
            _ => ("8", "", "Mesa N1 (3)"),
        };
        let date = if i % 49_999 == 0 {
            "2025-02-30 10:00:00".to_owned()
        } else {
            format!(
                "2025-0{}-1{} 1{}:2{}:3{}",
                1 + i % 9,
                i % 10,
                i % 7,
                i % 6,
                i % 10
            )
        };
        let user = if i % 77_777 == 0 {
            "\"Ana\nRuiz (7)\"".to_owned()
        } else {
            format!("Técnico {} ({})", i % 13, i % 13)
        };
        text.push_str(&format!(
            "{i},Ticket,{ticket},,0,{user},{date},{option},{old},{new}\n"
        ));
    }
    std::fs::write(&path, text).expect("write");
    // Rows i = 49,999 × k (k = 1…6) have 30 February. Row i starts on line i + 1, plus one for
    // each earlier row whose user name holds a line break (every 77,777th); a count of record
    // starts over the same text with Python's csv module gives the same lines.
    let rejects: Vec<(i64, &str, &str)> = (1..=6)
        .map(|k| 49_999 * k)
        .map(|i| (i + 1 + i / 77_777, "date_mod", "fecha inválida"))
        .collect();
    let expected = Expected {
        rows: 300_000,
        skipped: 0,
        tickets: 0,
        // Every other row is a status (12), technician (5) or group (8) change of a ticket.
        events: 300_000 - 6,
        rejects: &rejects,
    };
    logs_agree(&path, &expected);
}

#[test]
fn golden_results_through_the_duckdb_path() {
    let mut store = Store::open_in_memory().expect("store");
    let list = samples().join("tickets.csv");
    let s = fast::try_glpi_list(&mut store, &list, &glpi::ListOptions::default())
        .expect("loads")
        .expect("DuckDB path");
    assert_eq!((s.accepted, s.rejected), (300, 0));
    let logs = samples().join("glpi_logs.csv");
    fast::try_glpi_logs(&mut store, &logs)
        .expect("loads")
        .expect("DuckDB path");
    let fu = samples().join("followups.csv");
    ingest::load_file(
        &mut store,
        &fu,
        "glpi-followups",
        glpi::read_followups(&fu).expect("fu"),
    )
    .expect("followups");
    assert_eq!(store.counts().expect("counts").events, 2427);
    assert_reproduces(&mut store, &samples().join("expected.csv"));
}
