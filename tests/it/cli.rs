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
        out.contains("Total                 242         2178"),
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
        s.split("Cumplimiento por entidad")
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
