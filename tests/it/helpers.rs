//! Shared test helpers: fixture paths, a store loaded with the samples, the binary.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use chrono::NaiveDateTime;
use mesa_sla::config::Config;
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
    for name in ["tickets.csv", "events.csv"] {
        let path = fixtures().join("canonical").join(name);
        let (kind, records) = canonical::read(&path, "canonical").expect("readable fixture");
        let summary =
            ingest::load_file(&mut store, &path, kind.label(), records).expect("fixture loads");
        assert_eq!(summary.rejected, 0, "{name}: {:?}", summary.sample_rejects);
    }
    store
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
