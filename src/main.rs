//! The `mesa-sla` binary: parses the command line, loads the configuration, runs the command.

use std::io::IsTerminal;
use std::process::ExitCode;

use mesa_sla::cli;
use mesa_sla::commands;
use tracing_subscriber::EnvFilter;

fn main() -> ExitCode {
    quiet_on_closed_stdout();
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
        // Colours only for a person at a terminal, never in a pipe or a log file.
        .with_ansi(std::io::stderr().is_terminal())
        .init();
    match commands::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        // The reader of stdout went away (`| head -1`): it got what it wanted.
        Err(e) if closed_stdout(&e) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {}", message(&e));
            ExitCode::FAILURE
        }
    }
}

/// Whether the error is a write to a pipe whose reader has gone.
fn closed_stdout(e: &anyhow::Error) -> bool {
    e.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
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

/// A reader that stops early (`mesa-sla evaluate --export - | head -1`) closes the pipe, and
/// `println!` then panics ("failed printing to stdout: Broken pipe"). The process ends quietly
/// instead, as a command killed by SIGPIPE would, with status 0: its reader got what it wanted.
/// Hand-written: resetting SIGPIPE needs `libc` (not a dependency) and every `println!` of the
/// commands would otherwise have to handle the error. Any other panic keeps the default report.
fn quiet_on_closed_stdout() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let payload = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or("");
        // std's fixed wording for a failed `print!` (library/std/src/io/stdio.rs).
        if payload.starts_with("failed printing to stdout") && payload.contains("Broken pipe") {
            std::process::exit(0);
        }
        default(info);
    }));
}
