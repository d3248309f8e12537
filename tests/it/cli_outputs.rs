//! What the CLI says about what it did (issue 12, defect 7 and the Excel export): a file of
//! another kind names the command that loads it; a re-ingest counts new, updated and unchanged
//! cases; `run-job alerts` without `[smtp]` is one Spanish line and exit code 1; the working
//! directory's `mesa-sla.toml` is used and every command names its configuration; one wording
//! for an unknown priority; `evaluate --export … --formato excel` for a spreadsheet in Spanish.

use std::path::Path;

use mesa_sla::config::Config;
use mesa_sla::store::Store;

use crate::helpers::{fixtures, run, stderr, stdout};

/// Copies fixture files into `dir` under their own names (the commands then name them short).
fn copy(dir: &Path, files: &[&str]) {
    for f in files {
        let from = fixtures().join(f);
        let name = from.file_name().expect("file name");
        std::fs::copy(&from, dir.join(name)).expect("copy fixture");
    }
}

/// The GLPI sample exports: list, history, follow-ups.
const GLPI_SAMPLES: [&str; 3] = [
    "samples/tickets.csv",
    "samples/glpi_logs.csv",
    "samples/followups.csv",
];

/// Runs `mesa-sla --db s.duckdb` with `args` in `dir`.
fn cli(dir: &Path, args: &[&str]) -> std::process::Output {
    let mut all = vec!["--db", "s.duckdb"];
    all.extend_from_slice(args);
    run(dir, &all)
}

#[test]
fn a_file_of_another_kind_names_the_command_that_loads_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    copy(dir.path(), &GLPI_SAMPLES);
    copy(
        dir.path(),
        &["samples/dexon/casos.xlsx", "samples/dexon/historial.xlsx"],
    );
    std::fs::copy(
        fixtures().join("canonical/events.csv"),
        dir.path().join("eventos.csv"),
    )
    .expect("copy");
    // (subcommand, file, what the file is, the command that loads it)
    let cases = [
        (
            "glpi-csv",
            "glpi_logs.csv",
            "un historial de GLPI (glpi_logs)",
            "mesa-sla ingest glpi-logs glpi_logs.csv",
        ),
        (
            "glpi-csv",
            "casos.xlsx",
            "un reporte de casos de Dexon",
            "mesa-sla ingest dexon casos.xlsx",
        ),
        (
            "glpi-csv",
            "eventos.csv",
            "un archivo canónico de eventos",
            "mesa-sla ingest canonical eventos.csv",
        ),
        (
            "glpi-logs",
            "tickets.csv",
            "una exportación de la lista de casos de GLPI",
            "mesa-sla ingest glpi-csv tickets.csv",
        ),
        (
            "glpi-logs",
            "followups.csv",
            "una exportación de seguimientos de GLPI (glpi_itilfollowups)",
            "mesa-sla ingest glpi-followups followups.csv",
        ),
        (
            "glpi-followups",
            "glpi_logs.csv",
            "un historial de GLPI (glpi_logs)",
            "mesa-sla ingest glpi-logs glpi_logs.csv",
        ),
        (
            "glpi-satisfaction",
            "followups.csv",
            "una exportación de seguimientos de GLPI (glpi_itilfollowups)",
            "mesa-sla ingest glpi-followups followups.csv",
        ),
        (
            "dexon",
            "tickets.csv",
            "una exportación de la lista de casos de GLPI",
            "mesa-sla ingest glpi-csv tickets.csv",
        ),
        (
            "dexon",
            "historial.xlsx",
            "un historial de estados de Dexon",
            "mesa-sla ingest dexon CASOS --history historial.xlsx",
        ),
        (
            "canonical",
            "tickets.csv",
            "una exportación de la lista de casos de GLPI",
            "mesa-sla ingest glpi-csv tickets.csv",
        ),
        (
            "canonical",
            "casos.xlsx",
            "un reporte de casos de Dexon",
            "mesa-sla ingest dexon casos.xlsx",
        ),
    ];
    for (sub, file, found, command) in cases {
        let o = cli(dir.path(), &["ingest", sub, file]);
        let err = stderr(&o);
        assert!(!o.status.success(), "{sub} {file}: {err}");
        assert!(
            err.contains(&format!("el archivo {file} no es "))
                && err.contains(&format!(": parece {found}; cárguelo con «{command}»")),
            "{sub} {file}: {err}"
        );
        assert!(err.contains("La base de datos no se modificó"), "{err}");
    }
    // A file that is what the command says still loads.
    let o = cli(dir.path(), &["ingest", "glpi-logs", "glpi_logs.csv"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let store = Store::open(&dir.path().join("s.duckdb")).expect("store");
    assert_eq!(store.counts().expect("counts").tickets, 0);
}

/// The changes of one ingest, as the summary line says them.
fn said(o: &std::process::Output) -> String {
    assert!(o.status.success(), "{}", stderr(o));
    stdout(o)
}

/// Ingests the 300 sample cases in `file` twice: all new, then all unchanged.
fn ingested_twice(dir: &Path, sub: &str, file: &str) {
    let out = said(&cli(dir, &["ingest", sub, file]));
    assert!(
        out.contains(
            "300 filas leídas; casos: 300 nuevos, 0 actualizados, 0 sin cambios; 0 rechazadas"
        ),
        "{out}"
    );
    let out = said(&cli(dir, &["ingest", sub, file]));
    assert!(
        out.contains("casos: 0 nuevos, 0 actualizados, 300 sin cambios; 0 rechazadas"),
        "{out}"
    );
}

#[test]
fn a_glpi_list_ingested_again_says_nothing_changed_and_then_what_did() {
    let dir = tempfile::tempdir().expect("tempdir");
    copy(
        dir.path(),
        &["samples/tickets.csv", "samples/glpi_logs.csv"],
    );
    // The sample list has 300 cases (tests/fixtures/samples/README.md).
    ingested_twice(dir.path(), "glpi-csv", "tickets.csv");
    // One title edited: one case updated, the rest unchanged.
    let path = dir.path().join("tickets.csv");
    let text = std::fs::read_to_string(&path).expect("read");
    let edited = text.replacen(
        "\"2190\";\"Macro de Excel no funciona en Planeación\"",
        "\"2190\";\"Macro de Excel no funciona en Planeación (2)\"",
        1,
    );
    assert_ne!(edited, text);
    std::fs::write(&path, edited).expect("write");
    let out = said(&cli(dir.path(), &["ingest", "glpi-csv", "tickets.csv"]));
    assert!(
        out.contains("casos: 0 nuevos, 1 actualizados, 299 sin cambios; 0 rechazadas"),
        "{out}"
    );
    // The history: all new, then all known; with the rows without SLA information they are the
    // file's 2,778 rows (README of the samples).
    let first = said(&cli(dir.path(), &["ingest", "glpi-logs", "glpi_logs.csv"]));
    let second = said(&cli(dir.path(), &["ingest", "glpi-logs", "glpi_logs.csv"]));
    let events = |out: &str, tail: &str| -> u64 {
        let at = out
            .find(tail)
            .unwrap_or_else(|| panic!("«{tail}» in {out}"));
        let head = &out[..at];
        let start = head.rfind(' ').map_or(0, |i| i + 1);
        head[start..].replace('.', "").parse().expect("a count")
    };
    let new = events(&first, " nuevos, 0 ya cargados");
    assert!(first.contains("eventos: "), "{first}");
    assert!(
        second.contains(&format!(
            "eventos: 0 nuevos, {} ya cargados",
            mesa_sla::indicators::fmt_count(new)
        )),
        "{second}"
    );
    let skipped = events(&first, " sin información de ANS");
    assert_eq!(new + skipped, 2_778, "{first}");
}

#[test]
fn a_canonical_file_ingested_again_counts_new_updated_unchanged_and_older_cases() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::copy(
        fixtures().join("canonical/tickets.csv"),
        dir.path().join("casos.csv"),
    )
    .expect("copy");
    ingested_twice(dir.path(), "canonical", "casos.csv");
    // 2190 gets another title (updated); 2179 another title and an earlier last update than the
    // stored one (kept as stored); 9999 is new.
    let path = dir.path().join("casos.csv");
    let text = std::fs::read_to_string(&path).expect("read");
    let prefix = "glpi,Entidad Raíz > Alcaldía de Villa Esperanza,";
    let line_of = |id: &str| {
        text.lines()
            .find(|l| l.starts_with(&format!("{prefix}{id},")))
            .expect("the case's line")
            .to_owned()
    };
    let l2190 = line_of("2190");
    let l2179 = line_of("2179");
    let updated = l2190.replacen("Planeación,", "Planeación (2),", 1);
    let older = l2179
        .replacen("archivos de Excel,", "archivos de Excel (2),", 1)
        .replacen(",2025-12-31 17:58:00,", ",2025-12-31 10:00:00,", 1);
    let new = l2190.replacen(&format!("{prefix}2190,"), &format!("{prefix}9999,"), 1);
    assert!(updated != l2190 && older != l2179 && new != l2190);
    let edited = format!(
        "{}{new}\n",
        text.replacen(&l2190, &updated, 1)
            .replacen(&l2179, &older, 1)
    );
    std::fs::write(&path, edited).expect("write");
    let out = said(&cli(dir.path(), &["ingest", "canonical", "casos.csv"]));
    assert!(
        out.contains(
            "casos: 1 nuevos, 1 actualizados, 298 sin cambios, 1 más antiguos que los guardados \
             (se conservan los guardados); 0 rechazadas"
        ),
        "{out}"
    );
}

/// The alerts fixture (tests/fixtures/alerts/README.md) at 09:45 on 2025-07-08: five alerts
/// are due (101 and 105 attention at risk, 103 both metrics breached, 106 solution at risk).
fn alerts_store(dir: &Path, config: &str) {
    std::fs::write(dir.join("conf.toml"), config).expect("config");
    let tickets = fixtures().join("alerts/tickets.csv");
    let events = fixtures().join("alerts/events.csv");
    let o = cli(
        dir,
        &[
            "--config",
            "conf.toml",
            "ingest",
            "canonical",
            tickets.to_str().expect("utf-8"),
            events.to_str().expect("utf-8"),
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
}

const ALERTS_POLICY: &str = "[[policy.rule]]\nattention = \"2h\"\nsolution = \"8h\"\n";

#[test]
fn run_job_alerts_without_smtp_says_one_line_and_exits_1() {
    let dir = tempfile::tempdir().expect("tempdir");
    alerts_store(dir.path(), ALERTS_POLICY);
    let job = |dir: &Path| {
        cli(
            dir,
            &[
                "--config",
                "conf.toml",
                "run-job",
                "alerts",
                "--as-of",
                "2025-07-08 09:45:00",
            ],
        )
    };
    let o = job(dir.path());
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let err = stderr(&o);
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(
        lines,
        [
            "Configuración: conf.toml",
            "error: alerts: no hay servidor de correo configurado ([smtp] host y from), no se \
             envió nada: se decidieron 5 alertas nuevas (5 sin destinatario); 0 esperan en la \
             bandeja de salida hasta que se configure [smtp]"
        ],
        "{err}"
    );
    assert!(!err.contains('\u{1b}'), "no colours: {err:?}");
    assert!(stdout(&o).is_empty(), "{}", stdout(&o));

    // With a route the alerts wait for the server, decided once.
    let dir = tempfile::tempdir().expect("tempdir");
    alerts_store(
        dir.path(),
        &format!("{ALERTS_POLICY}[[alerts.route]]\nto = [\"mesa@entidad.gov.co\"]\n"),
    );
    let o = job(dir.path());
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("se decidieron 5 alertas nuevas; 5 esperan en la bandeja de salida"),
        "{}",
        stderr(&o)
    );
    let o = job(dir.path());
    assert!(
        stderr(&o).contains("se decidieron 0 alertas nuevas; 5 esperan en la bandeja de salida"),
        "{}",
        stderr(&o)
    );
    let store = Store::open(&dir.path().join("s.duckdb")).expect("store");
    let skipped: i64 = store
        .sql_for_tests()
        .query_row(
            "SELECT count(*) FROM job_runs WHERE job = 'alerts' AND outcome = 'skipped'",
            [],
            |r| r.get(0),
        )
        .expect("job runs");
    assert_eq!(skipped, 2);
}

#[test]
fn the_working_directory_configuration_is_used_and_every_command_names_its_own() {
    let dir = tempfile::tempdir().expect("tempdir");
    let here = dir.path().canonicalize().expect("canonical dir");
    // No file: the defaults (Colombian holidays: 17 in 2025), said on stderr.
    let o = run(dir.path(), &["calendar", "--year", "2025"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("Festivos (17)"), "{}", stdout(&o));
    assert_eq!(
        stderr(&o).trim_end(),
        format!(
            "Configuración: valores por defecto (no hay mesa-sla.toml en {})",
            here.display()
        )
    );
    // `init` writes mesa-sla.toml, which the next commands use without --config.
    let o = run(dir.path(), &["init"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let named = format!("Configuración: {}", here.join("mesa-sla.toml").display());
    let o = run(dir.path(), &["calendar", "--year", "2025"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stderr(&o).trim_end(), named);
    // What it says is what counts: no holidays.
    let local = dir.path().join("mesa-sla.toml");
    std::fs::write(&local, "[calendar]\nholidays = \"none\"\n").expect("write");
    let o = run(dir.path(), &["calendar", "--year", "2025"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("Festivos (0)"), "{}", stdout(&o));
    assert_eq!(stderr(&o).trim_end(), named);
    // --config wins, and is named as given.
    std::fs::write(dir.path().join("otra.toml"), "").expect("write");
    let o = run(
        dir.path(),
        &["--config", "otra.toml", "calendar", "--year", "2025"],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("Festivos (17)"), "{}", stdout(&o));
    assert_eq!(stderr(&o).trim_end(), "Configuración: otra.toml");
    // A broken mesa-sla.toml stops the commands that read it, naming it, but not `init --force`.
    std::fs::write(&local, "[calendar\n").expect("write");
    let o = run(dir.path(), &["calendar"]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("mesa-sla.toml"), "{}", stderr(&o));
    let o = run(dir.path(), &["init", "--force"]);
    assert!(o.status.success(), "{}", stderr(&o));
    // `evaluate --export -`: stdout is the CSV alone.
    let o = cli(dir.path(), &["evaluate", "--export", "-"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        stdout(&o),
        "source,ticket_id,metric,target_seconds,business_seconds,paused_seconds,state\n"
    );
    assert!(stderr(&o).contains("Evaluados 0 casos"), "{}", stderr(&o));
}

#[test]
fn an_unknown_priority_has_one_wording_in_rules_and_routes() {
    // A rule is checked when the engine is built from the configuration.
    let rule = Config::parse(
        "[[policy.rule]]\npriority = [\"Urgente\"]\nattention = \"2h\"\n",
        "conf.toml",
    )
    .expect("parses")
    .engine()
    .expect_err("unknown priority")
    .to_string();
    let route = Config::parse(
        "[[alerts.route]]\npriority = [\"Urgente\"]\nto = [\"mesa@entidad.gov.co\"]\n",
        "conf.toml",
    )
    .expect_err("unknown priority")
    .to_string();
    // GLPI's six labels (es_CO), in order.
    let wording = "prioridad «Urgente» desconocida (use 1–6 o una etiqueta: Muy baja, Baja, \
                   Mediana, Alta, Muy urgente, Mayor)";
    for err in [&rule, &route] {
        assert_eq!(err.matches(wording).count(), 1, "{err}");
    }
    assert!(route.contains("[[alerts.route]] 1"), "{route}");
}

#[test]
fn the_excel_export_opens_in_a_spanish_spreadsheet() {
    let dir = tempfile::tempdir().expect("tempdir");
    copy(dir.path(), &GLPI_SAMPLES);
    copy(dir.path(), &["samples/policy.toml"]);
    let o = cli(dir.path(), &["ingest", "glpi-csv", "tickets.csv"]);
    assert!(o.status.success(), "{}", stderr(&o));
    for history in [
        ["glpi-logs", "glpi_logs.csv"],
        ["glpi-followups", "followups.csv"],
    ] {
        let o = cli(dir.path(), &["ingest", history[0], history[1]]);
        assert!(o.status.success(), "{}", stderr(&o));
    }
    let evaluate = |format: &str, file: &str| {
        let o = cli(
            dir.path(),
            &[
                "--config",
                "policy.toml",
                "evaluate",
                "--as-of",
                "2025-12-31 23:59:59",
                "--export",
                file,
                "--formato",
                format,
            ],
        );
        assert!(o.status.success(), "{}", stderr(&o));
        std::fs::read(dir.path().join(file)).expect("export written")
    };
    // The machine CSV is the reference file, byte for byte.
    let machine = evaluate("maquina", "maquina.csv");
    let expected = std::fs::read(fixtures().join("samples/expected.csv")).expect("expected");
    assert_eq!(
        String::from_utf8_lossy(&machine),
        String::from_utf8_lossy(&expected)
    );

    let excel = evaluate("excel", "excel.csv");
    let text = excel
        .strip_prefix(b"\xEF\xBB\xBF")
        .map(|t| String::from_utf8(t.to_vec()).expect("UTF-8"))
        .expect("starts with the UTF-8 BOM");
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some(
            "Origen;Caso;Métrica;Meta (horas hábiles);Tiempo hábil (horas);En pausa (horas);Estado"
        )
    );
    // Ticket 1830 of expected.csv: attention 8,129 s of 18,000 (met), solution 21,288 s of 9,000
    // (breached): 2,26 h of 5,00 and 5,91 h of 2,50.
    let rows: Vec<&str> = lines.collect();
    assert_eq!(rows.len(), 600);
    assert!(
        rows.contains(&"glpi;1830;Atención;5,00;2,26;0,00;Cumplido"),
        "{rows:?}"
    );
    assert!(
        rows.contains(&"glpi;1830;Solución;2,50;5,91;0,00;Incumplido"),
        "{rows:?}"
    );
    assert!(rows.iter().all(|r| r.split(';').count() == 7), "{rows:?}");
    // Excel without the option is refused: --formato belongs to --export.
    let o = cli(dir.path(), &["evaluate", "--formato", "excel"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
}
