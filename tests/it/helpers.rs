//! Shared test helpers: fixture paths, a store loaded with the samples, the binary, and the
//! rule for tests that need an external program.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use chrono::NaiveDateTime;
use mesa_sla::config::Config;
use mesa_sla::evaluation::{evaluate_store, export_results};
use mesa_sla::ingest::{self, canonical};
use mesa_sla::store::Store;

pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

pub fn sample_config() -> Config {
    Config::load(&fixtures().join("samples/policy.toml")).expect("policy.toml loads")
}

pub fn cut() -> NaiveDateTime {
    ingest::parse_datetime("2025-12-31 23:59:59").expect("valid cut")
}

/// A store holding the GLPI samples in canonical form.
pub fn sample_store() -> Store {
    let mut store = Store::open_in_memory().expect("store");
    load_canonical(&mut store, &fixtures().join("canonical"));
    store
}

/// Loads the canonical `tickets.csv` and `events.csv` of a fixture folder, every record
/// accepted.
pub fn load_canonical(store: &mut Store, dir: &Path) {
    for name in ["tickets.csv", "events.csv"] {
        let path = dir.join(name);
        let (kind, records) = canonical::read(&path, "canonical").expect("readable fixture");
        let summary =
            ingest::load_file(store, &path, kind.label(), records).expect("fixture loads");
        assert_eq!(summary.rejected, 0, "{name}: {:?}", summary.sample_rejects);
    }
}

/// The engine of a fixture folder's `policy.toml`.
pub fn fixture_engine(dir: &Path) -> mesa_sla::engine::Engine {
    Config::load(&dir.join("policy.toml"))
        .expect("policy loads")
        .engine()
        .expect("engine")
}

/// Runs the real binary with arguments, in `dir`.
pub fn run(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mesa-sla"))
        .args(args)
        .current_dir(dir)
        .env_remove("MESA_SLA_DB")
        .env_remove("MESA_SLA_CONFIG")
        .output()
        .expect("binary runs")
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Asserts that two result CSVs are equal line by line, showing the first differences.
pub fn compare(got: &str, expected: &str) {
    let got: Vec<&str> = got.lines().collect();
    let want: Vec<&str> = expected.lines().collect();
    let diffs: Vec<String> = want
        .iter()
        .zip(got.iter().chain(std::iter::repeat(&"<missing>")))
        .filter(|(w, g)| w != g)
        .take(25)
        .map(|(w, g)| format!("expected {w}\n     got {g}"))
        .collect();
    assert!(
        diffs.is_empty() && got.len() == want.len(),
        "{} rows differ (got {} lines, expected {}):\n{}",
        diffs.len(),
        got.len(),
        want.len(),
        diffs.join("\n")
    );
}

/// Evaluates a store with the sample policy at the sample cut and compares the export with a
/// reference file of `shared/samples`.
pub fn assert_reproduces(store: &mut Store, expected: &Path) {
    let engine = sample_config().engine().expect("engine");
    evaluate_store(store, &engine, cut(), cut()).expect("evaluates");
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("results.csv");
    export_results(store, &out).expect("exports");
    let got = std::fs::read_to_string(&out).expect("read export");
    let want = std::fs::read_to_string(expected).expect("expected results");
    compare(&got, &want);
}

/// Whether `program` answers `--version` (found on `PATH` and runnable).
pub fn runs(program: &str) -> bool {
    Command::new(program)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// The rule for tests that need an external program: when it is missing (`found` is `None`) the
/// test fails under CI (`CI` set: `.ci/run` installs every such program), and elsewhere it is
/// skipped saying so. Returns `found`.
pub fn require_program<T>(found: Option<T>, test: &str, program: &str, install: &str) -> Option<T> {
    if found.is_none() {
        let why =
            format!("{test} no puede ejecutarse sin {program} ({install}, como hace .ci/run)");
        assert!(
            std::env::var_os("CI").is_none(),
            "{why}; con CI definida esto es un error"
        );
        eprintln!("PRUEBA OMITIDA: {why}; en CI esto es un error");
    }
    found
}
