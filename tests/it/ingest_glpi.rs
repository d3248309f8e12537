//! GLPI readers: the samples through every real shape of the ticket list export, the history
//! tables, row rejects and whole-file refusals.

use std::path::{Path, PathBuf};

use mesa_sla::ingest::{self, IngestError, glpi};
use mesa_sla::store::Store;

use crate::helpers::{assert_reproduces, fixtures};

pub fn samples() -> PathBuf {
    fixtures().join("samples")
}

fn load_list(
    store: &mut Store,
    path: &Path,
    opts: &glpi::ListOptions,
) -> Result<ingest::IngestSummary, IngestError> {
    let records = glpi::read_list(path, opts)?;
    ingest::load_file(store, path, "glpi-csv", records)
}

fn load_history(store: &mut Store) {
    let logs = samples().join("glpi_logs.csv");
    let s = ingest::load_file(
        store,
        &logs,
        "glpi-logs",
        glpi::read_logs(&logs).expect("logs"),
    )
    .expect("logs load");
    assert_eq!((s.rows_read, s.rejected), (2778, 0));
    let fu = samples().join("followups.csv");
    let s = ingest::load_file(
        store,
        &fu,
        "glpi-followups",
        glpi::read_followups(&fu).expect("fu"),
    )
    .expect("followups load");
    assert_eq!((s.rows_read, s.accepted, s.rejected), (696, 696, 0));
}

/// Loads a ticket list variant with the sample history, evaluates, and compares with expected.csv.
fn assert_golden(list: &Path, opts: &glpi::ListOptions) {
    let mut store = Store::open_in_memory().expect("store");
    let s = load_list(&mut store, list, opts).expect("list loads");
    assert_eq!((s.accepted, s.rejected), (300, 0), "{:?}", s.sample_rejects);
    load_history(&mut store);
    assert_reproduces(&mut store, &samples().join("expected.csv"));
}

/// The sample list as rows of strings (GLPI 10 quirks undone: `''` back to `"`).
pub fn sample_rows() -> Vec<Vec<String>> {
    let mut r = csv::ReaderBuilder::new()
        .delimiter(b';')
        .has_headers(false)
        .flexible(true)
        .from_path(samples().join("tickets.csv"))
        .expect("sample");
    r.records()
        .map(|rec| {
            let rec = rec.expect("record");
            let mut row: Vec<String> = rec.iter().map(|v| v.replace("''", "\"")).collect();
            row.pop(); // the trailing delimiter's empty field
            row
        })
        .map(|mut row| {
            if let Some(first) = row.first_mut() {
                *first = first.trim_start_matches('\u{feff}').to_owned();
            }
            row
        })
        .collect()
}

/// Writes rows as a GLPI 11 export: no BOM, CRLF, RFC 4180 quoting.
pub fn write_glpi11(path: &Path, rows: &[Vec<String>], delimiter: u8) {
    let mut w = csv::WriterBuilder::new()
        .delimiter(delimiter)
        .terminator(csv::Terminator::CRLF)
        .from_path(path)
        .expect("writer");
    for row in rows {
        w.write_record(row).expect("write");
    }
    w.flush().expect("flush");
}

#[test]
fn glpi10_sample_as_exported() {
    assert_golden(
        &samples().join("tickets.csv"),
        &glpi::ListOptions::default(),
    );
}

#[test]
fn glpi11_crlf_rfc4180_with_commas() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("glpi11.csv");
    write_glpi11(&path, &sample_rows(), b',');
    let text = std::fs::read(&path).expect("read");
    assert!(text.windows(2).any(|w| w == b"\r\n") && !text.starts_with(b"\xEF\xBB\xBF"));
    assert_golden(&path, &glpi::ListOptions::default());
}

#[test]
fn windows_1252_resaved_by_excel() {
    let dir = tempfile::tempdir().expect("tempdir");
    let utf8 = dir.path().join("utf8.csv");
    write_glpi11(&utf8, &sample_rows(), b';');
    let text = std::fs::read_to_string(&utf8).expect("read");
    let (bytes, _, unmappable) = encoding_rs::WINDOWS_1252.encode(&text);
    assert!(!unmappable, "the sample must fit Windows-1252");
    assert!(std::str::from_utf8(&bytes).is_err(), "really not UTF-8");
    let path = dir.path().join("cp1252.csv");
    std::fs::write(&path, &bytes).expect("write");
    assert_golden(&path, &glpi::ListOptions::default());
}

/// The sample list's header as GLPI writes it in English.
pub const ENGLISH_HEADER: [&str; 14] = [
    "ID",
    "Title",
    "Status",
    "Opening date",
    "Resolution date",
    "Closing date",
    "Priority",
    "Category",
    "Type",
    "Assigned to - Technician",
    "Assigned to - Technician group",
    "Requester - Requester",
    "Entity",
    "Last update",
];

#[test]
fn english_and_french_headers() {
    let english = ENGLISH_HEADER;
    let french = [
        "ID",
        "Titre",
        "Statut",
        "Date d'ouverture",
        "Date de résolution",
        "Date de clôture",
        "Priorité",
        "Catégorie",
        "Type",
        "Attribué à - Technicien",
        "Attribué à - Groupe de techniciens",
        "Demandeur - Demandeur",
        "Entité",
        "Dernière modification",
    ];
    let dir = tempfile::tempdir().expect("tempdir");
    for (name, labels) in [("en.csv", english), ("fr.csv", french)] {
        let mut rows = sample_rows();
        rows[0] = labels.iter().map(|s| s.to_string()).collect();
        let path = dir.path().join(name);
        write_glpi11(&path, &rows, b';');
        assert_golden(&path, &glpi::ListOptions::default());
    }
}

/// Rewrites every `YYYY-MM-DD HH:MM` date of the list in another order.
pub fn with_dates(rows: &[Vec<String>], order: fn(&str, &str, &str) -> String) -> Vec<Vec<String>> {
    rows.iter()
        .enumerate()
        .map(|(i, row)| {
            row.iter()
                .map(|v| {
                    let ok = i > 0
                        && v.len() == 16
                        && v.as_bytes()[4] == b'-'
                        && v.as_bytes()[10] == b' ';
                    if ok {
                        format!("{} {}", order(&v[0..4], &v[5..7], &v[8..10]), &v[11..])
                    } else {
                        v.clone()
                    }
                })
                .collect()
        })
        .collect()
}

#[test]
fn day_first_and_month_first_dates_are_detected_over_the_whole_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let dmy = dir.path().join("dmy.csv");
    write_glpi11(
        &dmy,
        &with_dates(&sample_rows(), |y, m, d| format!("{d}-{m}-{y}")),
        b';',
    );
    assert_golden(&dmy, &glpi::ListOptions::default());
    let mdy = dir.path().join("mdy.csv");
    write_glpi11(
        &mdy,
        &with_dates(&sample_rows(), |y, m, d| format!("{m}/{d}/{y}")),
        b';',
    );
    assert_golden(&mdy, &glpi::ListOptions::default());
}

#[test]
fn ambiguous_dates_ask_for_the_format() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("ambigua.csv");
    std::fs::write(
        &path,
        "ID;Título;Estado;Fecha de Apertura\n1;a;Nuevo;03-04-2025 09:00\n2;b;Nuevo;05-06-2025 10:00\n",
    )
    .expect("write");
    let mut store = Store::open_in_memory().expect("store");
    let err = load_list(&mut store, &path, &glpi::ListOptions::default()).expect_err("ambiguous");
    assert!(
        err.to_string().contains("indique cuál con --date-format"),
        "{err}"
    );
    assert_eq!(store.counts().expect("counts").tickets, 0);
    let opts = glpi::ListOptions {
        date_format: Some(glpi::DateFormat::Dmy),
        ..Default::default()
    };
    load_list(&mut store, &path, &opts).expect("with the format");
    let created: String = store
        .sql_for_tests()
        .query_row(
            "SELECT CAST(created_at AS VARCHAR) FROM tickets WHERE ticket_id = '1'",
            [],
            |r| r.get(0),
        )
        .expect("ticket 1");
    assert_eq!(created, "2025-04-03 09:00:00");
}

#[test]
fn bad_rows_are_rejected_and_the_rest_loads() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("filas.csv");
    std::fs::write(
        &path,
        "\u{feff}\"ID\";\"Estado\";\"Fecha de Apertura\";\"Fecha de solución\";\"Prioridad\";\n\
         \"1\";\"Nuevo\";\"2025-03-04 09:00\";\"\";\"Alta\";\n\
         \"2\";\"Archivado\";\"2025-03-04 09:00\";\"\";\"Alta\";\n\
         \"3\";\"Resueltas\";\"2025-03-04 09:00\";\"2025-03-01 09:00\";\"Alta\";\n\
         \"4\";\"Nuevo\";\"ayer\";\"\";\"Alta\";\n\
         \"5\";\"Nuevo\";\"2025-03-04 09:00\";\"\";\"Urgentísima\";\n",
    )
    .expect("write");
    let mut store = Store::open_in_memory().expect("store");
    let s = load_list(&mut store, &path, &glpi::ListOptions::default()).expect("loads");
    assert_eq!((s.accepted, s.rejected), (1, 4));
    let reasons: Vec<String> = s.sample_rejects.iter().map(|r| r.reason.clone()).collect();
    assert_eq!(
        reasons,
        [
            "estado desconocido",
            "fecha anterior a la apertura del caso",
            "fecha inválida (formato ymd (AAAA-MM-DD))",
            "prioridad desconocida",
        ]
    );
}

#[test]
fn refused_files_name_the_problem_and_change_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = Store::open_in_memory().expect("store");
    let list = samples().join("tickets.csv");
    load_list(&mut store, &list, &glpi::ListOptions::default()).expect("sample");
    let before = store.counts().expect("counts");
    // The header and the first ticket cut inside its quoted title, as a download that stopped.
    let bytes = std::fs::read(&list).expect("read");
    let header_end = bytes.iter().position(|&b| b == b'\n').expect("header line") + 1;
    let first = &bytes[header_end..];
    let title_start = first.iter().position(|&b| b == b';').expect("id cell") + 2;
    let mut part = bytes[..header_end + title_start + 12].to_vec();
    assert_eq!(part.iter().filter(|&&b| b == b'"').count() % 2, 1);
    part.push(b'\n');
    let truncated = dir.path().join("truncado.csv");
    std::fs::write(&truncated, part).expect("write");
    let login = dir.path().join("login.csv");
    std::fs::write(
        &login,
        "<html><head><title>GLPI - Autenticación</title></head></html>",
    )
    .expect("write");
    let empty = dir.path().join("vacio.csv");
    std::fs::write(&empty, "").expect("write");
    let cases: Vec<(PathBuf, &str)> = vec![
        (truncated, "parece truncado"),
        (login, "parece una página HTML"),
        (empty, "está vacío"),
        (
            samples().join("glpi_logs.csv"),
            "faltan las columnas Estado, Fecha de Apertura",
        ),
    ];
    for (path, message) in cases {
        let err = load_list(&mut store, &path, &glpi::ListOptions::default()).expect_err("refused");
        assert!(
            err.to_string().contains(message),
            "{}: {err}",
            path.display()
        );
        assert_eq!(
            store.counts().expect("counts"),
            before,
            "{}",
            path.display()
        );
    }
    let err = glpi::read_logs(&list)
        .err()
        .expect("a list is not a log export");
    assert!(err.to_string().contains("glpi_logs"), "{err}");
}

#[test]
fn reingesting_glpi_files_changes_nothing() {
    let mut store = Store::open_in_memory().expect("store");
    let list = samples().join("tickets.csv");
    load_list(&mut store, &list, &glpi::ListOptions::default()).expect("list");
    load_history(&mut store);
    let first = store.counts().expect("counts");
    load_list(&mut store, &list, &glpi::ListOptions::default()).expect("list again");
    load_history(&mut store);
    let second = store.counts().expect("counts");
    assert_eq!(
        (first.tickets, first.events),
        (second.tickets, second.events)
    );
    assert_eq!((first.tickets, first.events), (300, 2427));
}

#[test]
fn satisfaction_surveys_load_and_bad_scores_are_rejected() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("encuestas.csv");
    std::fs::write(
        &path,
        "id,tickets_id,type,date_begin,date_answered,satisfaction,comment\n\
         1,1828,1,2024-01-08 12:37:00,2024-01-09 08:00:00,5,Excelente\n\
         2,1829,1,2024-01-09 10:00:00,NULL,NULL,\n\
         3,1830,1,2024-01-10 10:00:00,2024-01-10 11:00:00,9,\n\
         4,1831,1,2024-01-10 10:00:00,2024-01-10 11:00:00,4,\n",
    )
    .expect("write");
    let mut store = Store::open_in_memory().expect("store");
    let records = glpi::read_satisfaction(&path).expect("opens");
    let s = ingest::load_file(&mut store, &path, "glpi-satisfaction", records).expect("loads");
    assert_eq!((s.accepted, s.rejected), (3, 1));
    assert_eq!(s.sample_rejects[0].reason, "calificación fuera de 0–5");
    let (answered, satisfied): (i64, i64) = store
        .sql_for_tests()
        .query_row(
            "SELECT count(answered_at), count(*) FILTER (WHERE score >= 4) FROM ticket_surveys",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .expect("surveys");
    assert_eq!((answered, satisfied), (2, 2));
    let again = ingest::load_file(
        &mut store,
        &path,
        "glpi-satisfaction",
        glpi::read_satisfaction(&path).expect("opens"),
    )
    .expect("reloads");
    assert_eq!(again.accepted, 3);
    assert_eq!(store.counts().expect("counts").surveys, 3);
}

#[test]
fn a_list_without_history_uses_glpis_own_attention_time() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("solo_lista.csv");
    std::fs::write(
        &path,
        "ID;Estado;Fecha de Apertura;Prioridad;Categoría;Estadísticas - Tiempo en atender el servicio\n\
         1;En curso (asignada);2025-03-07 16:00;Alta;Hardware;1 hora 30 minutos\n\
         2;En curso (asignada);2025-03-07 16:00;Alta;Hardware;mucho rato\n",
    )
    .expect("write");
    let mut store = Store::open_in_memory().expect("store");
    let s = load_list(&mut store, &path, &glpi::ListOptions::default()).expect("loads");
    assert_eq!((s.accepted, s.rejected), (1, 1));
    assert!(s.sample_rejects[0].reason.starts_with("duración ilegible"));
    let engine = crate::helpers::sample_config().engine().expect("engine");
    mesa_sla::evaluation::evaluate_store(
        &mut store,
        &engine,
        crate::helpers::cut(),
        crate::helpers::cut(),
    )
    .expect("evaluates");
    let (secs, stopped): (i64, String) = store
        .sql_for_tests()
        .query_row(
            "SELECT business_seconds, CAST(stopped_at AS VARCHAR) FROM sla_results WHERE metric = 'attention'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .expect("attention result");
    // Friday 16:00 + 1 h 30 min of business time = Monday 08:30.
    assert_eq!((secs, stopped.as_str()), (5400, "2025-03-10 08:30:00"));
}
