//! `zkliq`: prove, privately, that an account is healthy or liquidatable; verify such proofs.
//!
//! Exit codes: 0 success; 1 the claim is false (`prove`) or the proof is invalid or does not
//! match (`verify`); 2 bad input (unreadable or malformed file, out-of-bound value, bad usage,
//! an output that would overwrite something); 3 an internal or environment failure (e.g. an
//! unwritable database path).

mod cli;
mod commands;
mod failure;
mod files;
mod html;
mod output;
mod pool;
mod serve;
mod setup;

use std::io::IsTerminal;
use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    // Colour only on a terminal, and never with NO_COLOR set (https://no-color.org).
    let colour = std::io::stderr().is_terminal()
        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(colour)
        .with_target(false)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("ZKLIQ_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .without_time()
        .init();
    run(cli::Cli::parse())
}

fn run(cli: cli::Cli) -> ExitCode {
    match commands::dispatch(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            eprintln!("error: {failure}");
            failure.exit_code()
        }
    }
}
