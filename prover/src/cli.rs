//! Command-line interface definitions.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Prove, privately, that an account is healthy or liquidatable.
#[derive(Debug, Parser)]
#[command(name = "zkliq", version, about, long_about = None)]
pub struct Cli {
    /// The command to run.
    #[command(subcommand)]
    pub command: Command,
}

/// Where proving parameters are cached: for the commands that prove or verify.
#[derive(Debug, Clone, Args)]
pub struct ParamsArgs {
    /// Where proving parameters are cached (default: $ZKLIQ_PARAMS_DIR, else the user cache
    /// directory).
    #[arg(long, value_name = "DIR")]
    pub params_dir: Option<PathBuf>,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Evaluate an account in the clear: its health factor and the claim that is provable.
    Health(HealthArgs),
    /// Compute a liquidation in the clear by the market's rule (no proof): the amounts that
    /// would change hands and the balances afterwards.
    Quote(QuoteArgs),
    /// Prove a claim about a private account and write a proof file.
    Prove(ProveArgs),
    /// Verify a proof file against the market and price round it must be about (and the account
    /// commitment or state root).
    Verify(VerifyArgs),
    /// Print the commitment to a market, a price round or an account.
    Commit(CommitArgs),
    /// Create an account file with a fresh random salt.
    NewAccount(NewAccountArgs),
    /// Prove and verify every bundled scenario, printing claims, proof sizes and timings.
    Demo(DemoArgs),
    /// Manage an operator's private account state and its state tree.
    #[command(subcommand)]
    State(StateCommand),
    /// Prove every liquidatable account of a state at a price round, in batches; with
    /// --execute, liquidate them all as a chain of proven state transitions.
    Keeper(KeeperArgs),
    /// Verify a chain of liquidation proofs (a `keeper --execute` directory) from a state root:
    /// prints every amount and the final root.
    VerifyChain(VerifyChainArgs),
    /// Prove a round report of a whole state: accounts, liquidatable set, totals per asset and
    /// the ratio histogram, over every leaf, with nothing per account or per piece public.
    Report(ReportArgs),
    /// Verify a round report directory against the market, price round and state root: exit 0
    /// only if every piece verifies and the pieces cover the whole tree exactly once.
    VerifyReport(VerifyReportArgs),
    /// Serve the state over HTTP: verification for anyone, proofs for account owners, quotes
    /// and liquidations for registered liquidators, imports and price rounds for the operator
    /// (tokens from `zkliq state grant`; the API is at GET /openapi.json).
    Serve(ServeArgs),
}

/// `zkliq serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// The state database to serve.
    #[arg(long, value_name = "DB")]
    pub state: PathBuf,
    /// The address to listen on (port 0: any free port; the bound address is printed).
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8080")]
    pub listen: std::net::SocketAddr,
    /// Proofs proven at once (default: one per core).
    #[arg(long, value_name = "N")]
    pub workers: Option<usize>,
    /// Proof requests that may wait for a worker; beyond them the service answers 503 with
    /// Retry-After.
    #[arg(long, value_name = "N", default_value_t = 8)]
    pub queue: usize,
    /// Verification requests that may wait for a worker (503 beyond them).
    #[arg(long, value_name = "N", default_value_t = 64)]
    pub verify_queue: usize,
    /// Seconds a request may take, waiting included, before it is answered 408.
    #[arg(long, value_name = "SECONDS", default_value_t = 120)]
    pub deadline: u64,
    /// Quotes a liquidator may ask about one account at one price round (429 beyond): each
    /// quote tells what that liquidation's proof would make public, so unbounded quotes would
    /// tell an account's balances.
    #[arg(long, value_name = "N", default_value_t = 4)]
    pub quotes_per_account: u32,
    /// The largest request body accepted, in bytes (413 beyond).
    #[arg(long, value_name = "BYTES", default_value_t = 16 << 20)]
    pub max_body: usize,
    #[command(flatten)]
    pub params: ParamsArgs,
}

/// `zkliq state ...`.
#[derive(Debug, Subcommand)]
pub enum StateCommand {
    /// Create an empty state database bound to a market.
    Init {
        /// The state database to create (SQLite; created with mode 0600).
        #[arg(long, value_name = "DB")]
        state: PathBuf,
        /// The market every account of the state belongs to.
        #[arg(long, value_name = "FILE")]
        market: PathBuf,
        /// Depth of the state tree: room for 2^DEPTH accounts (8..=32).
        #[arg(long, value_name = "DEPTH", default_value_t = 32)]
        depth: u32,
    },
    /// Upgrade a state database made by an earlier release (schema 1) in place.
    Migrate {
        /// The state database.
        #[arg(long, value_name = "DB")]
        state: PathBuf,
        /// Give accounts with a salt below 2^128, or a salt shared with another account, fresh
        /// random salts (their owners then need their new openings: `zkliq state show`).
        #[arg(long)]
        reseal: bool,
    },
    /// Import accounts from JSON Lines (an account.json object plus an "id" per line); all or
    /// nothing.
    Import {
        /// The state database.
        #[arg(long, value_name = "DB")]
        state: PathBuf,
        /// The JSON Lines file.
        #[arg(value_name = "FILE")]
        file: PathBuf,
    },
    /// Print the state root (the value to publish).
    Root {
        /// The state database.
        #[arg(long, value_name = "DB")]
        state: PathBuf,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Show one account: its leaf, its commitment and its opening.
    Show {
        /// The state database.
        #[arg(long, value_name = "DB")]
        state: PathBuf,
        /// The account id.
        #[arg(value_name = "ID")]
        id: String,
    },
    /// Liquidate one account by the market's rule: prove the transition, write the proof, then
    /// commit the new opening and root (in one transaction, only after the proof is written).
    Liquidate(LiquidateArgs),
    /// List every change of the state root, oldest first: imports, migrations and liquidations
    /// with their proof's SHA-256.
    Log {
        /// The state database.
        #[arg(long, value_name = "DB")]
        state: PathBuf,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Issue a bearer token for `zkliq serve` (printed once; only its hash is stored), or
    /// revoke one.
    #[command(group(clap::ArgGroup::new("grant").required(true).args(["owner", "liquidator", "admin", "revoke"])))]
    Grant {
        /// The state database.
        #[arg(long, value_name = "DB")]
        state: PathBuf,
        /// A token for the owner of this account id: its opening, proofs and liquidations.
        #[arg(long, value_name = "ID")]
        owner: Option<String>,
        /// A token for this liquidator id (0x and 1 to 64 hex digits): quotes, and
        /// liquidations bound to this id.
        #[arg(long, value_name = "0xHEX")]
        liquidator: Option<String>,
        /// A token for the operator: imports, grants, price rounds.
        #[arg(long)]
        admin: bool,
        /// End the grant with this token id (or this whole token).
        #[arg(long, value_name = "TOKEN_ID")]
        revoke: Option<String>,
        /// The token stops working after this long (e.g. `90d`, `12h`, `30m`; at most 10
        /// years). Default: until revoked.
        #[arg(long, value_name = "DURATION", conflicts_with = "revoke")]
        expires_in: Option<String>,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Prove a claim about one account against the state root (a membership proof).
    Prove {
        /// The state database.
        #[arg(long, value_name = "DB")]
        state: PathBuf,
        /// The oracle price round.
        #[arg(long, value_name = "FILE")]
        prices: PathBuf,
        /// The account id.
        #[arg(long, value_name = "ID")]
        id: String,
        /// The claim to prove.
        #[arg(long, value_enum)]
        claim: ClaimArg,
        /// Where to write the proof file.
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        /// Replace an existing output file.
        #[arg(long)]
        force: bool,
        #[command(flatten)]
        params: ParamsArgs,
    },
}

/// Which liquidation: the debt asset repaid, the collateral asset seized, the offered repay.
#[derive(Debug, Clone, Args)]
pub struct LiquidationChoice {
    /// The debt asset to repay (a symbol of the market).
    #[arg(long, value_name = "SYMBOL")]
    pub debt: String,
    /// The collateral asset to seize (a symbol of the market).
    #[arg(long, value_name = "SYMBOL")]
    pub collateral: String,
    /// The debt the liquidator offers to repay, in base units of the debt asset, or `max`.
    #[arg(long, value_name = "AMOUNT|max")]
    pub repay: String,
}

/// `zkliq quote`.
#[derive(Debug, Args)]
pub struct QuoteArgs {
    #[command(flatten)]
    pub inputs: Inputs,
    #[command(flatten)]
    pub choice: LiquidationChoice,
    /// Print JSON instead of text (amounts as decimal strings).
    #[arg(long)]
    pub json: bool,
}

/// `zkliq state liquidate`.
#[derive(Debug, Args)]
pub struct LiquidateArgs {
    /// The state database.
    #[arg(long, value_name = "DB")]
    pub state: PathBuf,
    /// The oracle price round.
    #[arg(long, value_name = "FILE")]
    pub prices: PathBuf,
    /// The account id.
    #[arg(long, value_name = "ID")]
    pub id: String,
    #[command(flatten)]
    pub choice: LiquidationChoice,
    /// The liquidator's id the proof is bound to: 0x and 1 to 64 hex digits (e.g. an address).
    #[arg(long, value_name = "0xHEX")]
    pub liquidator: String,
    /// Where to write the proof file.
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
    /// Replace an existing output file.
    #[arg(long)]
    pub force: bool,
    /// Print JSON instead of text (amounts as decimal strings).
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub params: ParamsArgs,
}

/// Batch size for the keeper.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BatchArg {
    /// The size that minimises proving work for this state (see the README).
    Auto,
    /// A fixed number of positions per proof.
    Positions(usize),
}

impl std::str::FromStr for BatchArg {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "auto" => Ok(BatchArg::Auto),
            "1" | "8" | "32" | "128" => Ok(BatchArg::Positions(s.parse().expect("digits"))),
            _ => Err(format!("must be auto, 1, 8, 32 or 128, got {s:?}")),
        }
    }
}

/// A shard `I/N`: this machine's part of the work.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// This shard, `0..count`.
    pub index: u64,
    /// Number of shards.
    pub count: u64,
}

impl std::str::FromStr for Shard {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let bad = || format!("must be I/N with 0 <= I < N (e.g. 0/4), got {s:?}");
        let (i, n) = s.split_once('/').ok_or_else(bad)?;
        let (index, count) = (i.parse().map_err(|_| bad())?, n.parse().map_err(|_| bad())?);
        if count == 0 || index >= count {
            return Err(bad());
        }
        Ok(Shard { index, count })
    }
}

/// `zkliq keeper`.
#[derive(Debug, Args)]
pub struct KeeperArgs {
    /// The state database.
    #[arg(long, value_name = "DB")]
    pub state: PathBuf,
    /// The market (must be the one the state is bound to).
    #[arg(long, value_name = "FILE")]
    pub market: PathBuf,
    /// The oracle price round.
    #[arg(long, value_name = "FILE")]
    pub prices: PathBuf,
    /// Directory for the proofs and the summary (created if missing).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Proofs made at once, 1 to 64 (default: 2, or 1 on a single core).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=64))]
    pub jobs: Option<u16>,
    /// Only this shard's accounts: aligned blocks of 128 leaves, block b to shard b mod N.
    #[arg(long, value_name = "I/N")]
    pub shard: Option<Shard>,
    /// Positions per proof: auto, 1, 8, 32 or 128.
    #[arg(long, value_name = "SIZE", default_value = "auto")]
    pub batch: BatchArg,
    /// Replace proofs and summaries in DIR left by a run for another root or round.
    #[arg(long)]
    pub force: bool,
    /// Liquidate every liquidatable account (repay `max` of its largest debt, seize its largest
    /// weighted collateral) as a chain of proven state transitions, instead of proving claims.
    #[arg(long, requires = "liquidator", conflicts_with_all = ["shard", "batch", "jobs"])]
    pub execute: bool,
    /// With --execute: the liquidator's id every proof is bound to (0x and 1 to 64 hex digits).
    #[arg(long, value_name = "0xHEX", requires = "execute")]
    pub liquidator: Option<String>,
    #[command(flatten)]
    pub params: ParamsArgs,
}

/// `zkliq report`.
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub struct ReportArgs {
    #[command(subcommand)]
    pub command: Option<ReportCommand>,
    /// The state database (its market is the report's).
    #[arg(long, value_name = "DB", required = true)]
    pub state: Option<PathBuf>,
    /// The oracle price round (or a hypothetical one: a stress round).
    #[arg(long, value_name = "FILE", required = true)]
    pub prices: Option<PathBuf>,
    /// Directory for the piece proofs and report.json (created if missing).
    #[arg(long, value_name = "DIR", required = true)]
    pub out: Option<PathBuf>,
    /// Only this shard's pieces (piece p goes to shard p mod N); every shard needs the same
    /// --secret. Join the shards' directories with `zkliq report merge`.
    #[arg(long, value_name = "I/N", requires = "secret")]
    pub shard: Option<Shard>,
    /// The file holding the secret seed of the blinds (mode 0600; default DIR/report-secret.json,
    /// created if missing). Shards share one, made by `zkliq report secret --out FILE`.
    #[arg(long, value_name = "FILE")]
    pub secret: Option<PathBuf>,
    /// Bucket edges in bps of the ratio lhs/rhs: increasing, starting at 10000, below 2^20, at
    /// most 8.
    #[arg(
        long,
        value_name = "LIST",
        default_value = "10000,11000,12500,15000,20000"
    )]
    pub buckets: String,
    /// A stress report: shock the round's prices first (e.g. `WETH=-30%,WBTC=-30%`, each
    /// above -100%); the shocked round is written to DIR/shocked-prices.json and reported on.
    #[arg(long, value_name = "SYMBOL=PCT%,...")]
    pub shock: Option<String>,
    /// Positions per piece: 8, 32 or 128 (default: the fewest circuit rows in all, pieces ·
    /// 2^k; on a tie the larger piece; a rerun keeps the size it started with).
    #[arg(long, value_name = "N")]
    pub positions: Option<usize>,
    /// Proofs made at once, 1 to 64 (default: 2, or 1 on a single core).
    #[arg(long, value_name = "J", value_parser = clap::value_parser!(u16).range(1..=64))]
    pub jobs: Option<u16>,
    /// Pieces per proof, 1 to 64 (default 8; a rerun keeps what it started with): one proof of
    /// several pieces costs less per piece than a proof each, for more memory (about 2.4 GiB
    /// per proof of eight 4-asset 128-position pieces).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=64))]
    pub per_proof: Option<u16>,
    /// Replace a report in DIR made for another root, round, edges or piece size.
    #[arg(long)]
    pub force: bool,
    #[command(flatten)]
    pub params: ParamsArgs,
}

/// `zkliq report merge`, `zkliq report secret`.
#[derive(Debug, Subcommand)]
pub enum ReportCommand {
    /// Join the directories of a sharded report (every shard, each piece exactly once) into
    /// one report directory.
    Merge {
        /// The shards' output directories.
        #[arg(value_name = "DIR", required = true, num_args = 1..)]
        dirs: Vec<PathBuf>,
        /// The report directory to write (created; must not exist unless --force).
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        /// Write into an existing directory, replacing its report files.
        #[arg(long)]
        force: bool,
    },
    /// Create a secret seed for the blinds of a sharded report (mode 0600): give every shard a
    /// copy, publish none.
    Secret {
        /// The file to create.
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        /// Replace an existing secret (the reports made with it can no longer be continued).
        #[arg(long)]
        force: bool,
    },
}

/// `zkliq verify-report`.
#[derive(Debug, Args)]
pub struct VerifyReportArgs {
    /// The report directory: report.json and its group-*.proof.json (and earlier releases'
    /// piece-*.proof.json) files.
    #[arg(value_name = "DIR")]
    pub dir: PathBuf,
    /// The market the state is bound to.
    #[arg(long, value_name = "FILE")]
    pub market: PathBuf,
    /// The price round the report is at.
    #[arg(long, value_name = "FILE")]
    pub prices: PathBuf,
    /// The published state root the report is about.
    #[arg(long, value_name = "ROOT")]
    pub root: String,
    /// The depth of the state's tree, if not 32 (as `state root --json` publishes it).
    #[arg(long, value_name = "N")]
    pub depth: Option<u32>,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub params: ParamsArgs,
}

/// `zkliq verify-chain`.
#[derive(Debug, Args)]
pub struct VerifyChainArgs {
    /// The directory of a `keeper --execute` run: its `liquidation-*.proof.json` files, in the
    /// order of their numbers, are the chain.
    #[arg(value_name = "DIR")]
    pub dir: PathBuf,
    /// The market the state is bound to.
    #[arg(long, value_name = "FILE")]
    pub market: PathBuf,
    /// The price round the liquidations were made at.
    #[arg(long, value_name = "FILE")]
    pub prices: PathBuf,
    /// The published state root the chain must start from.
    #[arg(long, value_name = "ROOT")]
    pub from: String,
    /// The root the chain must end at (else the final root is printed, not checked).
    #[arg(long, value_name = "ROOT")]
    pub to: Option<String>,
    /// The depth of the state's tree, if not 32 (as `state root --json` publishes it).
    #[arg(long, value_name = "N")]
    pub depth: Option<u32>,
    /// Require every liquidation to be bound to this liquidator (0x and 1 to 64 hex digits).
    #[arg(long, value_name = "0xHEX")]
    pub liquidator: Option<String>,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub params: ParamsArgs,
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
    /// Replace an existing output file.
    #[arg(long)]
    pub force: bool,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub params: ParamsArgs,
}

/// `zkliq verify`.
#[derive(Debug, Args)]
#[command(
    override_usage = "zkliq verify <FILE> --market <FILE> --prices <FILE> [--account-commitment <HEX> | --root <HEX> [--depth <DEPTH>] [--liquidator <0xHEX>]] [OPTIONS]"
)]
pub struct VerifyArgs {
    /// The proof file.
    #[arg(value_name = "FILE")]
    pub proof: PathBuf,
    /// The market the proof must be about (required).
    #[arg(long, value_name = "FILE")]
    pub market: Option<PathBuf>,
    /// The price round the proof must be at (required).
    #[arg(long, value_name = "FILE")]
    pub prices: Option<PathBuf>,
    /// A health proof must be about the account with this commitment (0x + 64 hex digits).
    #[arg(long, value_name = "HEX")]
    pub account_commitment: Option<String>,
    /// The published state root a state proof must be against, or a liquidation proof must
    /// start from (required for both).
    #[arg(long, value_name = "HEX")]
    pub root: Option<String>,
    /// A liquidation proof must be bound to this liquidator (0x and 1 to 64 hex digits).
    #[arg(long, value_name = "0xHEX")]
    pub liquidator: Option<String>,
    /// The depth of the tree of --root, as `zkliq state root --json` prints it (default 32).
    #[arg(long, value_name = "DEPTH", requires = "root")]
    pub depth: Option<u32>,
    /// Reject a price round older than this many seconds.
    #[arg(long, value_name = "SECONDS")]
    pub max_age: Option<u64>,
    /// The time --max-age is measured from, unix seconds (default: now).
    #[arg(long, value_name = "UNIX", requires = "max_age")]
    pub now: Option<u64>,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub params: ParamsArgs,
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
    /// Run the scenarios of DIR/scenarios.json instead of the ones built into zkliq.
    #[arg(long, value_name = "DIR")]
    pub fixtures: Option<PathBuf>,
    #[command(flatten)]
    pub params: ParamsArgs,
}
