//! The CLI's messages for bad input: configuration errors and missing files in Spanish, said
//! once, naming the file (and the line and column of a configuration error) and the valid
//! values (issue 12, defect 7).

use crate::helpers::{run, stderr};

/// Runs `evaluate` with `config` (a file written with `text`) and returns its stderr, asserting
/// it failed.
fn config_error(text: &str) -> String {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("conf.toml"), text).expect("write");
    let o = run(dir.path(), &["--config", "conf.toml", "evaluate"]);
    assert!(!o.status.success(), "a bad configuration is refused");
    stderr(&o)
}

/// The English of the TOML parser and of serde that must not reach the user.
const ENGLISH: [&str; 6] = [
    "TOML parse error",
    "unknown field",
    "expected one of",
    "invalid type",
    "missing field",
    "os error",
];

fn assert_spanish(err: &str) {
    for english in ENGLISH {
        assert!(!err.contains(english), "«{english}» in: {err}");
    }
}

#[test]
fn an_unknown_key_names_the_file_line_column_and_the_valid_keys() {
    let err = config_error("# alertas\n[alerts]\nwarn_at = 0.8\nwarn_al = 0.5\n");
    assert_spanish(&err);
    assert!(
        err.contains("conf.toml, línea 4, columna 1: campo «warn_al» desconocido"),
        "{err}"
    );
    // The valid keys, from the example configuration's [alerts] section.
    for key in ["warn_at", "default_to", "daily_digest"] {
        assert!(err.contains(key), "{key} in: {err}");
    }
}

#[test]
fn a_value_of_the_wrong_type_says_what_was_expected_in_spanish() {
    let err = config_error(
        "[[policy.rule]]\nmetric = \"attention\"\npriority = \"Alta\"\ntarget = \"4h\"\n",
    );
    assert_spanish(&err);
    assert!(err.contains("conf.toml, línea 3, columna 12"), "{err}");
    assert!(err.contains("se esperaba una lista"), "{err}");
}

#[test]
fn an_unknown_priority_is_said_once_naming_the_file_and_the_labels() {
    let err = config_error(
        "[[policy.rule]]\nmetric = \"attention\"\npriority = [\"Urgente\"]\ntarget = \"4h\"\n",
    );
    assert_spanish(&err);
    assert_eq!(
        err.matches("prioridad «Urgente» desconocida").count(),
        1,
        "{err}"
    );
    assert!(err.contains("conf.toml"), "{err}");
    // GLPI's six priority labels (es_CO).
    for label in [
        "Muy baja",
        "Baja",
        "Mediana",
        "Alta",
        "Muy urgente",
        "Mayor",
    ] {
        assert!(err.contains(label), "{label} in: {err}");
    }
}

#[test]
fn a_missing_file_is_named_in_spanish_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let o = run(dir.path(), &["--config", "no-esta.toml", "evaluate"]);
    assert!(!o.status.success());
    let err = stderr(&o);
    assert_spanish(&err);
    assert_eq!(err.matches("no existe el archivo").count(), 1, "{err}");
    assert!(err.contains("no-esta.toml"), "{err}");

    let o = run(dir.path(), &["ingest", "glpi-csv", "no-esta.csv"]);
    assert!(!o.status.success());
    let err = stderr(&o) + &crate::helpers::stdout(&o);
    assert_spanish(&err);
    assert_eq!(err.matches("no existe el archivo").count(), 1, "{err}");
    assert!(err.contains("no-esta.csv"), "{err}");
}

#[test]
fn a_reader_that_closes_the_pipe_early_ends_the_command_quietly() {
    let dir = tempfile::tempdir().expect("tempdir");
    // `calendar` writes with `writeln!` (an error), `evaluate` with `println!` (a panic).
    for args in [
        &["calendar", "--year", "2026"][..],
        &["evaluate", "--export", "-"][..],
    ] {
        closed_early(dir.path(), args);
    }
}

fn closed_early(dir: &std::path::Path, args: &[&str]) {
    use std::process::{Command, Stdio};
    let mut child = Command::new(env!("CARGO_BIN_EXE_mesa-sla"))
        .args(args)
        .current_dir(dir)
        .env_remove("MESA_SLA_DB")
        .env_remove("MESA_SLA_CONFIG")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("binary runs");
    // `| head -0`: the reader goes away before the command writes its first line.
    drop(child.stdout.take());
    let o = child.wait_with_output().expect("waits");
    let err = stderr(&o);
    assert!(!err.contains("panicked"), "{args:?}: {err}");
    assert!(!err.contains("Broken pipe"), "{args:?}: {err}");
    assert!(o.status.success(), "{args:?}: status {:?}: {err}", o.status);
}
