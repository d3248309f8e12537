//! A store that cannot be opened, through the real binary: held by another process, not a
//! database (garbage, empty, cut short), a folder, without permission, or under a "folder"
//! that is a file. Each ends in one Spanish line that says why and what to do, with none of
//! DuckDB's or the system's English, and the file as it was.

use std::path::Path;
use std::process::Output;

use mesa_sla::store::Store;

use crate::helpers::{run, stderr};

/// Text that must never reach the user.
const ENGLISH: &[&str] = &[
    "IO Error",
    "Error code",
    "Unknown error code",
    "File exists",
    "os error",
    "Permission denied",
    "Could not",
    "not a valid",
    "Is a directory",
];

fn evaluate(dir: &Path, db: &str) -> Output {
    run(
        dir,
        &["--db", db, "evaluate", "--as-of", "2025-12-31 23:59:59"],
    )
}

/// The command failed with one Spanish message containing `reason` and `what_to_do`.
fn assert_refused(o: &Output, reason: &str, what_to_do: &str) {
    let err = stderr(o);
    assert_eq!(o.status.code(), Some(1), "{:?}: {err}", o.status);
    assert_eq!(
        err.matches("no se pudo abrir la base de datos").count(),
        1,
        "said once: {err}"
    );
    assert!(err.contains(reason), "{reason:?} in {err}");
    assert!(err.contains(what_to_do), "{what_to_do:?} in {err}");
    for english in ENGLISH {
        assert!(!err.contains(english), "{english:?} in {err}");
    }
    // Besides the line naming the configuration used (`Configuración: …`).
    let error_lines = err
        .lines()
        .filter(|l| !l.starts_with("Configuración: "))
        .count();
    assert_eq!(error_lines, 1, "one line: {err}");
}

/// Bytes of a file before and after a refused command are the same.
fn assert_refused_unchanged(dir: &Path, name: &str, bytes: &[u8], reason: &str, todo: &str) {
    let path = dir.join(name);
    std::fs::write(&path, bytes).expect("write");
    let o = evaluate(dir, name);
    assert_refused(&o, reason, todo);
    assert_eq!(
        std::fs::read(&path).expect("read"),
        bytes,
        "{name} unchanged"
    );
}

#[test]
fn a_store_held_by_another_process_is_named_with_what_to_do() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("store.duckdb");
    // This test process holds DuckDB's lock on the file while the binary tries to open it.
    let held = Store::open(&db).expect("store");
    let o = evaluate(dir.path(), "store.duckdb");
    assert_refused(
        &o,
        &format!("la está usando otro proceso (PID {})", std::process::id()),
        "espere a que termine o deténgalo",
    );
    drop(held);
    let o = evaluate(dir.path(), "store.duckdb");
    assert!(o.status.success(), "{}", stderr(&o));
}

#[test]
fn files_that_are_not_a_store_are_refused_and_left_as_they_were() {
    let dir = tempfile::tempdir().expect("tempdir");
    let todo = "indique otra con --db";
    assert_refused_unchanged(
        dir.path(),
        "texto.duckdb",
        "esto no es una base de datos\n".repeat(500).as_bytes(),
        "no es una base de datos de mesa-sla (DuckDB) o está dañado",
        todo,
    );
    assert_refused_unchanged(
        dir.path(),
        "vacia.duckdb",
        b"",
        "el archivo está vacío",
        "bórrelo para crear una nueva",
    );
    // A real store cut short: its header is DuckDB's, the rest is missing.
    let whole = dir.path().join("entera.duckdb");
    Store::open(&whole).expect("store");
    let bytes = std::fs::read(&whole).expect("read");
    assert!(bytes.len() > 16 << 10, "a store of {} bytes", bytes.len());
    for cut in [4 << 10, 12 << 10, bytes.len() / 2] {
        assert_refused_unchanged(
            dir.path(),
            "cortada.duckdb",
            &bytes[..cut],
            "dañad",
            "restaure una copia de respaldo",
        );
    }
}

#[test]
fn a_folder_or_a_parent_that_is_a_file_is_named() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir(dir.path().join("carpeta.duckdb")).expect("mkdir");
    let o = evaluate(dir.path(), "carpeta.duckdb");
    assert_refused(
        &o,
        "es una carpeta, no un archivo",
        "carpeta.duckdb/mesa-sla.duckdb",
    );
    std::fs::write(dir.path().join("archivo"), b"x").expect("write");
    let o = evaluate(dir.path(), "archivo/sub/store.duckdb");
    assert_refused(
        &o,
        "archivo es un archivo, no una carpeta",
        "indique otra con --db dentro de una carpeta",
    );
    assert_eq!(
        std::fs::read(dir.path().join("archivo")).expect("read"),
        b"x"
    );
}

#[test]
fn a_store_without_permission_says_so() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("store.duckdb");
    Store::open(&db).expect("store");
    std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o000)).expect("chmod");
    if std::fs::File::open(&db).is_ok() {
        // root (or CAP_DAC_OVERRIDE) reads files whatever their permissions: nothing to test.
        eprintln!(
            "PRUEBA OMITIDA: a_store_without_permission_says_so corre como root, que ignora los \
             permisos de los archivos"
        );
        return;
    }
    let o = evaluate(dir.path(), "store.duckdb");
    assert_refused(
        &o,
        "no se puede abrir para lectura y escritura (no tiene permiso)",
        "pida acceso a quien administra el equipo",
    );
}
