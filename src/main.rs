//! The `mesa-sla` binary: parses the command line, loads the configuration, runs the command.

use std::process::ExitCode;

use mesa_sla::cli;
use mesa_sla::commands;
use tracing_subscriber::EnvFilter;

fn main() -> ExitCode {
    let cli = cli::parse();
    let level = match cli.verbose {
        0 => "warn",
        1 => "info",
        _ => "debug",
    };
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_env("MESA_SLA_LOG").unwrap_or_else(|_| EnvFilter::new(level)),
        )
        .with_writer(std::io::stderr)
        .init();
    let result =
        commands::load_config(cli.config.as_deref()).and_then(|config| commands::run(cli, config));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {}", message(&e));
            ExitCode::FAILURE
        }
    }
}

/// The error and its causes on one line, each text once. anyhow's `{:#}` appends every cause
/// to its wrapper, so a wrapper whose message already quotes its source (thiserror's
/// `"…: {source}"`) would show that text twice.
fn message(e: &anyhow::Error) -> String {
    let mut out = String::new();
    for cause in e.chain() {
        // An OS error in Spanish (the wrappers of this crate already say it that way).
        let text = match cause.downcast_ref::<std::io::Error>() {
            Some(io) => mesa_sla::fs_error::describe(io),
            None => cause.to_string(),
        };
        if text.is_empty() || out.contains(&text) {
            continue;
        }
        if !out.is_empty() {
            out.push_str(": ");
        }
        out.push_str(&text);
    }
    out
}
