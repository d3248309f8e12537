//! Golden test: the 300 sample tickets reproduce `expected.csv` to the second, every row.

use mesa_sla::evaluation::{evaluate_store, export_results};

use crate::helpers::{compare, cut, fixtures, run, sample_config, sample_store, stderr, stdout};

#[test]
fn samples_reproduce_expected_csv_exactly() {
    let mut store = sample_store();
    let engine = sample_config().engine().expect("engine");
    let summary = evaluate_store(&mut store, &engine, cut(), cut()).expect("evaluates");
    assert_eq!(summary.tickets, 300);
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("results.csv");
    assert_eq!(export_results(&store, &out).expect("exports"), 600);
    let got = std::fs::read_to_string(&out).expect("read export");
    let expected =
        std::fs::read_to_string(fixtures().join("samples/expected.csv")).expect("expected.csv");
    compare(&got, &expected);
    // The state table of the samples README.
    assert_eq!(summary.states[0], [253, 42, 4, 1, 0]);
    assert_eq!(summary.states[1], [163, 120, 8, 2, 7]);
}

#[test]
fn cli_ingest_evaluate_export_reproduces_expected_csv() {
    let dir = tempfile::tempdir().expect("tempdir");
    let fx = fixtures();
    let tickets = fx.join("canonical/tickets.csv");
    let events = fx.join("canonical/events.csv");
    let policy = fx.join("samples/policy.toml");
    let o = run(
        dir.path(),
        &[
            "--db",
            "s.duckdb",
            "ingest",
            "canonical",
            tickets.to_str().expect("utf-8 path"),
            events.to_str().expect("utf-8 path"),
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("0 rechazadas"), "{}", stdout(&o));
    let o = run(
        dir.path(),
        &[
            "--db",
            "s.duckdb",
            "--config",
            policy.to_str().expect("utf-8 path"),
            "evaluate",
            "--as-of",
            "2025-12-31 23:59:59",
            "--export",
            "results.csv",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("Evaluados 300 casos"), "{}", stdout(&o));
    let got = std::fs::read_to_string(dir.path().join("results.csv")).expect("export written");
    let expected = std::fs::read_to_string(fx.join("samples/expected.csv")).expect("expected.csv");
    compare(&got, &expected);
}

#[test]
fn evaluating_twice_gives_the_same_results() {
    let mut store = sample_store();
    let engine = sample_config().engine().expect("engine");
    let first = evaluate_store(&mut store, &engine, cut(), cut()).expect("first");
    let second = evaluate_store(&mut store, &engine, cut(), cut()).expect("second");
    assert_eq!(first.states, second.states);
    assert_eq!(store.counts().expect("counts").results, 600);
}

#[test]
fn what_if_policy_changes_apply_retroactively_without_reingesting() {
    let mut store = sample_store();
    let mut config = sample_config();
    // "What if everything had 1 h to be attended?"
    config
        .policy
        .rules
        .retain(|r| r.metric.as_deref() != Some("attention"));
    config.policy.rules.insert(
        0,
        mesa_sla::sla::policy::RuleConfig {
            metric: Some("attention".into()),
            target: Some("1h".into()),
            ..Default::default()
        },
    );
    let engine = config.engine().expect("engine");
    let s = evaluate_store(&mut store, &engine, cut(), cut()).expect("evaluates");
    let strict_breaches = s.states[0][1];
    let engine = sample_config().engine().expect("engine");
    let s = evaluate_store(&mut store, &engine, cut(), cut()).expect("evaluates");
    assert!(
        strict_breaches > s.states[0][1],
        "{strict_breaches} vs {}",
        s.states[0][1]
    );
}
