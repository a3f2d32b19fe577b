//! Helpers shared by the `zkliq` command-line tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

pub mod server;

/// The repository's `fixtures/` directory.
pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures")
}

/// A fixture's path, as a string.
pub fn fx(rel: &str) -> String {
    fixtures().join(rel).display().to_string()
}

/// `zkliq` with a parameter cache shared by every test of the binary.
pub fn zkliq() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_zkliq"));
    cmd.env(
        "ZKLIQ_PARAMS_DIR",
        Path::new(env!("CARGO_TARGET_TMPDIR")).join("params"),
    );
    cmd
}

/// What a `zkliq` process did.
pub struct Run {
    /// Exit code (-1 if killed by a signal).
    pub code: i32,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

/// Runs `zkliq args`, asserting it did not panic.
pub fn run(args: &[&str]) -> Run {
    run_cmd(zkliq().args(args))
}

/// Runs a prepared command, asserting it did not panic.
pub fn run_cmd(cmd: &mut Command) -> Run {
    let out = cmd.output().unwrap();
    let run = Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    assert!(!run.stderr.contains("panicked"), "panic: {}", run.stderr);
    run
}

/// The aave scenario: market, calm round, a healthy account.
pub const AAVE: [&str; 3] = [
    "markets/aave-v3-4.json",
    "prices/aave-v3-4-calm.json",
    "accounts/aave-leveraged.json",
];

/// The 4-asset market with liquidation rules, and its crash round.
pub const MARKET: &str = "markets/aave-v3-4-liquidation.json";
pub const CRASH: &str = "prices/aave-v3-4-crash.json";

/// A state of the 40 fixture accounts under the market with liquidation rules.
pub fn liquidation_state(dir: &Path) -> String {
    liquidation_state_with(dir, &[])
}

/// The same, with more `state init` arguments (e.g. `--depth 20`).
pub fn liquidation_state_with(dir: &Path, init: &[&str]) -> String {
    let db = dir.join("state.db").display().to_string();
    let market = fx(MARKET);
    let mut args = vec!["state", "init", "--state", &db, "--market", &market];
    args.extend(init);
    let r = run(&args);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let r = run(&[
        "state",
        "import",
        "--state",
        &db,
        &fx("state/accounts.jsonl"),
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    db
}

/// The published root of the state `db`.
pub fn state_root(db: &str) -> String {
    let r = run(&["state", "root", "--state", db]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    r.stdout.trim().to_owned()
}
