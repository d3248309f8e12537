//! The binary end to end: calendar, init, demo, and clear errors.

use crate::helpers::{run, stderr, stdout};

#[test]
fn calendar_prints_holidays_and_business_time_of_a_year() {
    let dir = tempfile::tempdir().expect("tempdir");
    let o = run(dir.path(), &["calendar", "--year", "2026"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("Festivos (19)"), "{out}");
    assert!(
        out.contains("2026-07-13  lunes      Virgen del Rosario de Chiquinquirá"),
        "{out}"
    );
    assert!(out.contains("2026-04-02  jueves     Jueves Santo"), "{out}");
    // 2026 has 261 weekdays and all 19 holidays fall on one: 242 business days of 9 hours.
    assert!(
        out.contains("Total                 242        2.178"),
        "{out}"
    );
}

#[test]
fn init_writes_a_config_that_the_other_commands_accept() {
    let dir = tempfile::tempdir().expect("tempdir");
    let o = run(dir.path(), &["init"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(dir.path().join("mesa-sla.toml").exists());
    let o = run(dir.path(), &["init"]);
    assert!(!o.status.success());
    assert!(
        stderr(&o).contains("ya existe; use --force"),
        "{}",
        stderr(&o)
    );
    let o = run(
        dir.path(),
        &["--config", "mesa-sla.toml", "calendar", "--year", "2025"],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("Festivos (17)"), "{}", stdout(&o));
}

#[test]
fn demo_builds_a_store_for_two_entities_and_summarises_compliance() {
    let dir = tempfile::tempdir().expect("tempdir");
    let o = run(
        dir.path(),
        &[
            "demo",
            "--no-serve",
            "--tickets",
            "300",
            "--as-of",
            "2026-06-30 12:00:00",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(dir.path().join("mesa-sla-demo.duckdb").exists());
    assert!(out.contains("Evaluados 600 casos"), "{out}");
    assert!(out.contains("Alcaldía de San Isidro del Valle"), "{out}");
    assert!(out.contains("Instituto Departamental de Tránsito"), "{out}");
    // Six quarters of data: 2025-Q1 to 2026-Q2.
    assert!(out.contains("2025-Q1") && out.contains("2026-Q2"), "{out}");
    // The workbook and charts of the latest complete quarter, for each entity.
    assert!(out.contains("Informe del 2026-Q1"), "{out}");
    for slug in [
        "alcaldia-de-san-isidro-del-valle",
        "instituto-departamental-de-transito",
    ] {
        let informes = dir.path().join("mesa-sla-demo-informes");
        assert!(
            informes
                .join(format!("indicadores_{slug}_2026-Q1.xlsx"))
                .exists()
        );
        let chart = format!("graficos/distribucion_solucion_{slug}_2026-Q1.svg");
        assert!(informes.join(chart).exists());
    }
    // Re-running the demo starts afresh on its own file.
    let again = run(
        dir.path(),
        &[
            "demo",
            "--no-serve",
            "--tickets",
            "300",
            "--as-of",
            "2026-06-30 12:00:00",
        ],
    );
    assert!(again.status.success(), "{}", stderr(&again));
    // Same seed, same cut: the same data, so the same compliance table.
    let table = |s: &str| {
        // The compliance table, without the report lines that carry timings.
        s.split("Indicadores por entidad")
            .nth(1)
            .and_then(|t| t.split("Informe del").next())
            .map(str::to_owned)
    };
    assert!(table(&out).is_some(), "{out}");
    assert_eq!(table(&stdout(&again)), table(&out));
}

#[test]
fn bad_arguments_end_in_clear_spanish_errors() {
    let dir = tempfile::tempdir().expect("tempdir");
    let o = run(dir.path(), &["evaluate", "--as-of", "31/12/2025"]);
    assert!(!o.status.success());
    assert!(
        stderr(&o).contains("no es una fecha válida"),
        "{}",
        stderr(&o)
    );
    std::fs::write(dir.path().join("bad.toml"), "[policy]\nwarn_at = [2.0]\n").expect("write");
    let o = run(dir.path(), &["--config", "bad.toml", "evaluate"]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("umbral de alerta"), "{}", stderr(&o));
    let o = run(dir.path(), &["--config", "missing.toml", "calendar"]);
    assert!(!o.status.success());
    assert!(
        stderr(&o).contains("no se pudo leer el archivo de configuración"),
        "{}",
        stderr(&o)
    );
    let o = run(dir.path(), &["calendar", "--year", "1900"]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("fuera del rango"), "{}", stderr(&o));
}

/// `--as-of` with a date alone is the end of that day: the same results as 23:59:59.
#[test]
fn as_of_accepts_a_date_alone_as_the_end_of_that_day() {
    let dir = tempfile::tempdir().expect("tempdir");
    let canonical = crate::helpers::fixtures().join("canonical");
    let tickets = canonical.join("tickets.csv");
    let events = canonical.join("events.csv");
    let files = [
        tickets.to_str().expect("utf-8"),
        events.to_str().expect("utf-8"),
    ];
    for (db, cut) in [
        ("a.duckdb", "2025-12-31"),
        ("b.duckdb", "2025-12-31 23:59:59"),
    ] {
        let o = run(
            dir.path(),
            &["--db", db, "ingest", "canonical", files[0], files[1]],
        );
        assert!(o.status.success(), "{}", stderr(&o));
        let out = format!("{db}.csv");
        let o = run(
            dir.path(),
            &["--db", db, "evaluate", "--as-of", cut, "--export", &out],
        );
        assert!(o.status.success(), "{cut}: {}", stderr(&o));
        assert!(
            stdout(&o).contains("al 2025-12-31 23:59:59"),
            "{}",
            stdout(&o)
        );
    }
    let a = std::fs::read_to_string(dir.path().join("a.duckdb.csv")).expect("export a");
    let b = std::fs::read_to_string(dir.path().join("b.duckdb.csv")).expect("export b");
    assert!(a.lines().count() > 1, "{a}");
    assert_eq!(a, b);
}

/// Help pages and usage errors are Spanish: clap's English headings, flags and messages never
/// reach a user (issue 12, defect 7).
#[test]
fn help_and_usage_errors_are_spanish() {
    let dir = tempfile::tempdir().expect("tempdir");
    let english = [
        "Usage",
        "Options",
        "Arguments",
        "Commands",
        "Print help",
        "Print version",
        "[OPTIONS]",
        "Possible values",
        "[default:",
        "unexpected",
        "error: invalid",
        "For more information",
    ];
    for args in [
        &["--help"][..],
        &["ingest", "--help"],
        &["ingest", "glpi-csv", "--help"],
        &["report", "-h"],
        &["bench", "--help"],
    ] {
        let o = run(dir.path(), args);
        assert!(o.status.success(), "{args:?}: {}", stderr(&o));
        let out = stdout(&o);
        assert!(out.contains("Uso: mesa-sla"), "{args:?}: {out}");
        assert!(out.contains("Muestra esta ayuda"), "{args:?}: {out}");
        for word in english {
            assert!(!out.contains(word), "{args:?}: «{word}» in {out}");
        }
    }
    // Usage errors: exit code 2, one Spanish line with a suggestion, then where the help is.
    for (args, expected) in [
        (
            &["evaluat"][..],
            "comando desconocido «evaluat»; ¿quiso decir «evaluate»?",
        ),
        (
            &["report", "--quater", "2025-Q3"],
            "argumento desconocido «--quater»; ¿quiso decir «--quarter»?",
        ),
        (
            &["bench", "todo"],
            "valor «todo» no válido para <MEDICION>; use uno de: calendar, evaluate, ingest, report",
        ),
    ] {
        let o = run(dir.path(), args);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        let err = stderr(&o);
        assert!(err.contains(expected), "{args:?}: {err}");
        assert!(err.contains("mesa-sla --help"), "{args:?}: {err}");
        for word in english {
            assert!(!err.contains(word), "{args:?}: «{word}» in {err}");
        }
    }
    // A command without its subcommand shows that command's help, in Spanish, and fails.
    let o = run(dir.path(), &["ingest"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("Uso: mesa-sla ingest [OPCIONES] <COMANDO>"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn calendar_of_an_unknown_entity_lists_the_configured_ones() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("conf.toml"),
        "[[entity]]\nname = \"Alcaldía de San Isidro\"\n[entity.calendar]\n\n\
         [[entity]]\nname = \"Gobernación\"\n[entity.calendar]\n",
    )
    .expect("write");
    let calendar = |entity: &str| {
        run(
            dir.path(),
            &[
                "--config",
                "conf.toml",
                "calendar",
                "--year",
                "2026",
                "--entity",
                entity,
            ],
        )
    };
    let o = calendar("Alcaldia de San Isidor");
    assert!(!o.status.success());
    let err = stderr(&o);
    assert!(
        err.contains("no hay calendario propio para la entidad «Alcaldia de San Isidor»"),
        "{err}"
    );
    assert!(
        err.contains("Alcaldía de San Isidro, Gobernación."),
        "{err}"
    );
    assert_eq!(
        err.matches("Alcaldia de San Isidor").count(),
        1,
        "said once: {err}"
    );
    // Accents and case do not matter, nor the GLPI path before the name.
    for name in ["alcaldia de san isidro", "Entidad Raíz > GOBERNACION"] {
        let o = calendar(name);
        assert!(o.status.success(), "{name}: {}", stderr(&o));
        assert!(stdout(&o).contains("Festivos (19)"), "{}", stdout(&o));
    }
    // Without per-entity calendars no name is silently given the general one.
    let o = run(dir.path(), &["calendar", "--entity", "Gobernación"]);
    assert!(!o.status.success());
    assert!(
        stderr(&o).contains("omita --entity para ver el calendario general"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn report_of_an_unknown_entity_lists_the_store_entities() {
    use crate::report::{hand_store, run_report};
    use mesa_sla::store::Store;
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("store.duckdb");
    {
        let mut store = Store::open(&db).expect("store");
        hand_store(&mut store);
    }
    let results = || {
        let store = Store::open(&db).expect("store");
        mesa_sla::store::indicators::results_status(&store).expect("status")
    };
    let before = results();
    let report = |entity: &str| {
        run_report(
            dir.path(),
            &[
                "--quarter",
                "2025-Q3",
                "--entity",
                entity,
                "--as-of",
                "2026-03-31 12:00:00",
            ],
        )
    };
    let o = report("Pruebas");
    assert!(!o.status.success());
    let err = stderr(&o);
    assert!(
        err.contains("no existe la entidad «Pruebas» en la base. Entidades en la base: Prueba."),
        "{err}"
    );
    // Nothing was re-evaluated for a wrong name.
    assert_eq!(results(), before);
    assert!(!dir.path().join("salida").exists());
    // Case and accents do not matter; the files carry the stored name.
    let o = report("PRUEBÁ");
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        dir.path()
            .join("salida/indicadores_prueba_2025-Q3.xlsx")
            .exists()
    );
}
