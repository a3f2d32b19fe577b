//! Command-line interface definitions.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Prove, privately, that an account is healthy or liquidatable.
#[derive(Debug, Parser)]
#[command(name = "zkliq", version, about, long_about = None)]
pub struct Cli {
    /// Where proving parameters are cached (default: the user cache directory).
    #[arg(long, global = true, env = "ZKLIQ_PARAMS_DIR", value_name = "DIR")]
    pub params_dir: Option<PathBuf>,

    /// The command to run.
    #[command(subcommand)]
    pub command: Command,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Evaluate an account in the clear: its health factor and the claim that is provable.
    Health(HealthArgs),
    /// Prove a claim about a private account and write a proof file.
    Prove(ProveArgs),
    /// Verify a proof file, optionally against a market, a price round and an account commitment.
    Verify(VerifyArgs),
    /// Print the commitment to a market, a price round or an account.
    Commit(CommitArgs),
    /// Create an account file with a fresh random salt.
    NewAccount(NewAccountArgs),
    /// Prove and verify every bundled scenario, printing claims, proof sizes and timings.
    Demo(DemoArgs),
}

/// The three statement inputs.
#[derive(Debug, Args)]
pub struct Inputs {
    /// Market file (market.json).
    #[arg(long, value_name = "FILE")]
    pub market: PathBuf,
    /// Oracle price round file (prices.json).
    #[arg(long, value_name = "FILE")]
    pub prices: PathBuf,
    /// Private account file (account.json).
    #[arg(long, value_name = "FILE")]
    pub account: PathBuf,
}

/// `zkliq health`.
#[derive(Debug, Args)]
pub struct HealthArgs {
    #[command(flatten)]
    pub inputs: Inputs,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

/// A claim about an account.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ClaimArg {
    /// Weighted collateral covers the threshold times the debt.
    Healthy,
    /// It does not: the account may be liquidated.
    Liquidatable,
}

/// `zkliq prove`.
#[derive(Debug, Args)]
pub struct ProveArgs {
    #[command(flatten)]
    pub inputs: Inputs,
    /// The claim to prove.
    #[arg(long, value_enum)]
    pub claim: ClaimArg,
    /// Where to write the proof file (written atomically; nothing is written on failure).
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

/// `zkliq verify`.
#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// The proof file.
    #[arg(value_name = "FILE")]
    pub proof: PathBuf,
    /// Require the proof to be about this market.
    #[arg(long, value_name = "FILE")]
    pub market: Option<PathBuf>,
    /// Require the proof to be at this price round (needs --market for the asset order).
    #[arg(long, value_name = "FILE", requires = "market")]
    pub prices: Option<PathBuf>,
    /// Require the proof to be about the account with this commitment (0x + 64 hex digits).
    #[arg(long, value_name = "HEX")]
    pub account_commitment: Option<String>,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

/// `zkliq commit`.
#[derive(Debug, Args)]
pub struct CommitArgs {
    /// Market file: alone, prints the market commitment.
    #[arg(long, value_name = "FILE")]
    pub market: PathBuf,
    /// Price round file: prints the price commitment (in the market's asset order).
    #[arg(long, value_name = "FILE", conflicts_with = "account")]
    pub prices: Option<PathBuf>,
    /// Account file: prints the account commitment (in the market's asset order).
    #[arg(long, value_name = "FILE")]
    pub account: Option<PathBuf>,
}

/// `zkliq new-account`.
#[derive(Debug, Args)]
pub struct NewAccountArgs {
    /// Where to write the account file.
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
    /// List every asset of this market with a zero amount, ready to fill in.
    #[arg(long, value_name = "FILE")]
    pub market: Option<PathBuf>,
    /// Replace an existing file (its salt, and so its commitment, is lost).
    #[arg(long)]
    pub force: bool,
}

/// `zkliq demo`.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// The fixtures directory holding scenarios.json.
    #[arg(long, value_name = "DIR", default_value = "fixtures")]
    pub fixtures: PathBuf,
}
