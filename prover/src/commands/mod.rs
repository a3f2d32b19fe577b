//! One module per command.

mod commit;
mod demo;
mod execute;
mod health;
mod keeper;
pub(crate) mod liquidate;
mod new_account;
mod prove;
mod report;
pub(crate) mod state;
pub(crate) mod verify;
mod verify_chain;
pub(crate) mod verify_report;

use crate::cli::{ClaimArg, Cli, Command};
use crate::failure::Failure;
use zkliq_circuits::Claim;

/// What to add to a verifier's error when the root was taken to be of the default depth because
/// no `--depth` was given: which `--depth` the proof needs.
pub(crate) fn depth_hint(e: &zkliq_verifier::VerifyError, depth: Option<u32>) -> String {
    match e {
        zkliq_verifier::VerifyError::DepthMismatch { found, .. } if depth.is_none() => format!(
            " (the default without --depth; for a root of a depth-{found} tree pass --depth {found})"
        ),
        _ => String::new(),
    }
}

/// Runs the command `cli` names.
pub fn dispatch(cli: Cli) -> Result<(), Failure> {
    match cli.command {
        Command::Health(args) => health::run(args),
        Command::Quote(args) => liquidate::run_quote(args),
        Command::Prove(args) => prove::run(args),
        Command::Verify(args) => verify::run(args),
        Command::Commit(args) => commit::run(args),
        Command::NewAccount(args) => new_account::run(args),
        Command::Demo(args) => demo::run(args),
        Command::State(command) => state::run(command),
        Command::Keeper(args) if args.execute => execute::run(args),
        Command::Keeper(args) => keeper::run(args),
        Command::VerifyChain(args) => verify_chain::run(args),
        Command::Report(args) => report::run(args),
        Command::VerifyReport(args) => verify_report::run(args),
        Command::Serve(args) => crate::serve::run(args),
    }
}

impl From<ClaimArg> for Claim {
    fn from(c: ClaimArg) -> Claim {
        match c {
            ClaimArg::Healthy => Claim::Healthy,
            ClaimArg::Liquidatable => Claim::Liquidatable,
        }
    }
}

/// Milliseconds, one decimal.
pub fn ms(d: std::time::Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1e3)
}
