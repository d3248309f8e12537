//! The `mesa-sla` binary: parses the command line, loads the configuration, runs the command.

use std::process::ExitCode;

use clap::Parser;
use mesa_sla::cli::Cli;
use mesa_sla::commands;
use tracing_subscriber::EnvFilter;

fn main() -> ExitCode {
    let cli = Cli::parse();
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
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
