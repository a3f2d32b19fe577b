//! One module per command.

mod commit;
mod demo;
mod health;
mod keeper;
mod new_account;
mod prove;
mod state;
mod verify;

use crate::cli::{ClaimArg, Cli, Command};
use crate::failure::Failure;
use zkliq_circuits::Claim;

/// Runs the command `cli` names.
pub fn dispatch(cli: Cli) -> Result<(), Failure> {
    let params_dir = crate::setup::params_dir(cli.params_dir);
    match cli.command {
        Command::Health(args) => health::run(args),
        Command::Prove(args) => prove::run(args, params_dir),
        Command::Verify(args) => verify::run(args, params_dir),
        Command::Commit(args) => commit::run(args),
        Command::NewAccount(args) => new_account::run(args),
        Command::Demo(args) => demo::run(args, params_dir),
        Command::State(command) => state::run(command, params_dir),
        Command::Keeper(args) => keeper::run(args, params_dir),
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
