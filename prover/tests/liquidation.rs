//! `zkliq quote`, `zkliq state liquidate`, `zkliq state log` and `zkliq verify` on liquidation
//! proofs: every vector case through `quote`, the worked example end to end, refusals that
//! leave everything unchanged, and a liquidation killed at any moment.

mod common;

use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use common::{fx, run, zkliq};
use serde_json::Value;
use sha2::{Digest, Sha256};

const LIQUIDATOR: &str = "0xd8dA6BF26964aF9D7eEd9e03E53415D37aA96045";
use common::{CRASH, MARKET};

fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("{e}: {text}"))
}

#[test]
fn quote_agrees_with_every_vector_case() {
    let dir = common::fixtures().join("vectors/liquidation");
    let cases: Vec<Value> =
        serde_json::from_str(&std::fs::read_to_string(dir.join("expected.json")).unwrap()).unwrap();
    assert_eq!(cases.len(), 211);
    for case in &cases {
        let path = |key: &str| dir.join(case[key].as_str().unwrap()).display().to_string();
        let repay = match &case["repay"] {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        let r = run(&[
            "quote",
            "--market",
            &path("market"),
            "--prices",
            &path("prices"),
            "--account",
            &path("account"),
            "--debt",
            case["debt"].as_str().unwrap(),
            "--collateral",
            case["collateral"].as_str().unwrap(),
            "--repay",
            &repay,
            "--json",
        ]);
        let out = json(&r.stdout);
        if case["result"] == "ok" {
            assert_eq!(r.code, 0, "{case}: {}", r.stderr);
            for key in [
                "repaid",
                "seized",
                "to_liquidator",
                "fee",
                "deep",
                "new_collateral",
                "new_debt",
            ] {
                assert_eq!(out[key], case[key], "{key} of {case}");
            }
        } else {
            assert_eq!(r.code, 1, "{case}: {}", r.stderr);
            assert_eq!(out["result"], "refused");
            assert_eq!(out["reason"], case["reason"], "{case}");
            assert!(r.stderr.contains(case["reason"].as_str().unwrap()));
        }
    }
}

#[test]
fn quote_names_bad_input() {
    let base = [
        "quote",
        "--market",
        &fx(MARKET),
        "--prices",
        &fx(CRASH),
        "--account",
        &fx("accounts/aave-leveraged.json"),
    ];
    for (extra, expected) in [
        (
            ["USDT", "WETH", "max"],
            "--debt: market \"aave-v3-like-4\" has no asset \"USDT\"",
        ),
        (["USDC", "ETH", "max"], "--collateral: market"),
        (
            ["USDC", "WETH", "5x"],
            "--repay: must be \"max\" or a whole number",
        ),
        (
            ["USDC", "WETH", "340282366920938463463374607431768211456"],
            "--repay: must be at most 340282366920938463463374607431768211455",
        ),
    ] {
        let mut args = base.to_vec();
        args.extend([
            "--debt",
            extra[0],
            "--collateral",
            extra[1],
            "--repay",
            extra[2],
        ]);
        let r = run(&args);
        assert_eq!(r.code, 2, "{extra:?}: {}", r.stderr);
        assert!(r.stderr.contains(expected), "{extra:?}: {}", r.stderr);
        assert_eq!(r.stderr.lines().count(), 1, "one line: {}", r.stderr);
    }
    // A market without liquidation rules cannot quote.
    let r = run(&[
        "quote",
        "--market",
        &fx("markets/aave-v3-4.json"),
        "--prices",
        &fx(CRASH),
        "--account",
        &fx("accounts/aave-leveraged.json"),
        "--debt",
        "USDC",
        "--collateral",
        "WETH",
        "--repay",
        "max",
    ]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("has no liquidation rules"),
        "{}",
        r.stderr
    );
}

fn new_state(dir: &Path) -> String {
    common::liquidation_state(dir)
}

fn root(db: &str) -> String {
    common::state_root(db)
}

fn liquidate_args<'a>(db: &'a str, id: &'a str, out: &'a str) -> Vec<String> {
    [
        "state",
        "liquidate",
        "--state",
        db,
        "--prices",
        &fx(CRASH),
        "--id",
        id,
        "--debt",
        "USDC",
        "--collateral",
        "WETH",
        "--repay",
        "max",
        "--liquidator",
        LIQUIDATOR,
        "--out",
        out,
        "--json",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

fn verify(proof: &str, root: &str, extra: &[&str]) -> common::Run {
    let (market, prices) = (fx(MARKET), fx(CRASH));
    let mut args = vec![
        "verify", proof, "--market", &market, "--prices", &prices, "--root", root,
    ];
    args.extend(extra);
    run(&args)
}

#[test]
fn state_liquidate_proves_commits_and_logs() {
    let dir = tempfile::tempdir().unwrap();
    let db = new_state(dir.path());
    let before = root(&db);
    let out = dir.path().join("alice.liquidation.json");
    let out_s = out.display().to_string();

    // The quote in the clear, from the stored opening.
    let shown = json(&run(&["state", "show", "--state", &db, "alice"]).stdout);
    let account = dir.path().join("alice.json");
    std::fs::write(&account, shown["account"].to_string()).unwrap();
    let quoted = json(
        &run(&[
            "quote",
            "--market",
            &fx(MARKET),
            "--prices",
            &fx(CRASH),
            "--account",
            &account.display().to_string(),
            "--debt",
            "USDC",
            "--collateral",
            "WETH",
            "--repay",
            "max",
            "--json",
        ])
        .stdout,
    );

    let r = common::run_cmd(zkliq().args(liquidate_args(&db, "alice", &out_s)));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let done = json(&r.stdout);
    for key in ["repaid", "seized", "to_liquidator", "fee"] {
        assert_eq!(done[key], quoted[key], "{key}");
    }
    assert_eq!(done["old_root"], before.as_str());
    let after = root(&db);
    assert_eq!(done["new_root"], after.as_str());
    assert_ne!(before, after);
    assert_eq!(done["leaf"], 0);

    // The state holds the new balances under a fresh salt.
    let now = json(&run(&["state", "show", "--state", &db, "alice"]).stdout);
    assert_eq!(now["account"]["debt"], quoted["new_debt"]);
    assert_eq!(now["account"]["collateral"], quoted["new_collateral"]);
    assert_ne!(now["account"]["salt"], shown["account"]["salt"]);

    // The log: the import, then the liquidation with the proof's digest.
    let log = json(&run(&["state", "log", "--state", &db, "--json"]).stdout);
    let log = log.as_array().unwrap();
    assert_eq!(log.len(), 2);
    assert_eq!(log[0]["kind"], "import");
    assert_eq!(log[1]["kind"], "liquidation");
    assert_eq!(log[1]["old_root"], before.as_str());
    assert_eq!(log[1]["new_root"], after.as_str());
    assert_eq!(log[0]["new_root"], log[1]["old_root"]);
    let digest = hex::encode(Sha256::digest(std::fs::read(&out).unwrap()));
    assert_eq!(log[1]["proof_sha256"], digest.as_str());
    assert_eq!(done["proof_sha256"], digest.as_str());
    let text = run(&["state", "log", "--state", &db]).stdout;
    assert!(text.contains("liquidation of leaf 0 (\"alice\")"), "{text}");

    // Verification: from the old root, for this liquidator.
    let v = verify(&out_s, &before, &["--liquidator", LIQUIDATOR, "--json"]);
    assert_eq!(v.code, 0, "{}", v.stderr);
    let verdict = json(&v.stdout);
    assert_eq!(verdict["valid"], true);
    assert_eq!(verdict["kind"], "liquidation");
    assert_eq!(verdict["new_root"], after.as_str());
    assert_eq!(verdict["debt"], "USDC");
    assert_eq!(verdict["collateral"], "WETH");
    for key in ["leaf", "repaid", "seized", "to_liquidator", "fee"] {
        assert_eq!(verdict[key], done[key], "{key}");
    }
    // Not for another liquidator, not replayed against the new root.
    let v = verify(&out_s, &before, &["--liquidator", "0x01"]);
    assert_eq!(v.code, 1);
    assert!(
        v.stderr.contains("liquidator: the proof is bound to"),
        "{}",
        v.stderr
    );
    let v = verify(&out_s, &after, &[]);
    assert_eq!(v.code, 1);
    // Missing or misapplied context is bad input.
    let r = run(&[
        "verify",
        &out_s,
        "--market",
        &fx(MARKET),
        "--prices",
        &fx(CRASH),
    ]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("--root is required"), "{}", r.stderr);

    // A second liquidation of the same account: refused if nothing is left, else a new link.
    let second = dir.path().join("alice-2.json").display().to_string();
    let r = common::run_cmd(zkliq().args(liquidate_args(&db, "alice", &second)));
    assert!(r.code == 0 || r.code == 1, "{}", r.stderr);
}

#[test]
fn refused_or_bad_liquidations_change_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = new_state(dir.path());
    let before = root(&db);
    let out = dir.path().join("p.json").display().to_string();
    let check_unchanged = |what: &str| {
        assert_eq!(root(&db), before, "{what}: the root moved");
        assert!(!Path::new(&out).exists(), "{what}: a proof was written");
        let log = json(&run(&["state", "log", "--state", &db, "--json"]).stdout);
        assert_eq!(log.as_array().unwrap().len(), 1, "{what}");
    };
    // "bob" is healthy at the crash round; "dave" holds no DAI.
    for (id, debt, collateral, reason) in [
        ("bob", "DAI", "WETH", "refused: healthy"),
        (
            "dave",
            "USDC",
            "DAI",
            "refused: no collateral in that asset",
        ),
    ] {
        let mut args = liquidate_args(&db, id, &out);
        args[9] = debt.into();
        args[11] = collateral.into();
        let r = common::run_cmd(zkliq().args(&args));
        assert_eq!(r.code, 1, "{id}: {}", r.stderr);
        assert!(r.stderr.contains(reason), "{id}: {}", r.stderr);
        check_unchanged(id);
    }
    for (index, value, expected, code) in [
        (
            15,
            "0xzz",
            "--liquidator: must be 0x followed by 1 to 64",
            2,
        ),
        (13, "1.5", "--repay: must be", 2),
        (7, "nobody", "no account with id \"nobody\"", 2),
    ] {
        let mut args = liquidate_args(&db, "alice", &out);
        args[index] = value.into();
        let r = common::run_cmd(zkliq().args(&args));
        assert_eq!(r.code, code, "{value}: {}", r.stderr);
        assert!(r.stderr.contains(expected), "{value}: {}", r.stderr);
        check_unchanged(value);
    }
    // An existing output file is kept without --force, and the state does not move.
    std::fs::write(&out, "keep me").unwrap();
    let r = common::run_cmd(zkliq().args(liquidate_args(&db, "alice", &out)));
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("already exists"), "{}", r.stderr);
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "keep me");
    assert_eq!(root(&db), before);
}

/// Kills `zkliq state liquidate` at spread-out moments (before, during and after proving):
/// each time the state is either unchanged, or it moved to the new root with the proof on disk
/// whose digest the log records. Never a new root without its proof.
#[test]
fn a_killed_liquidation_leaves_the_old_state_or_the_new_one_with_its_proof() {
    let dir = tempfile::tempdir().unwrap();
    let db = new_state(dir.path());
    // Warm the parameter cache so that the process proves quickly.
    let warm = dir.path().join("warm.json").display().to_string();
    let r = common::run_cmd(zkliq().args(liquidate_args(&db, "alice", &warm)));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let mut outcomes = (0, 0);
    for (i, delay_ms) in [150u64, 500, 900, 1300, 1700, 2100, 2600, 60_000]
        .into_iter()
        .enumerate()
    {
        let before = root(&db);
        let entries = json(&run(&["state", "log", "--state", &db, "--json"]).stdout)
            .as_array()
            .unwrap()
            .len();
        let out = dir.path().join(format!("kill-{i}.json"));
        // Liquidatable accounts of the fixture state, in turn.
        let (id, debt, collateral) = [
            ("dave", "USDC", "WETH"),
            ("erin", "USDC", "WETH"),
            ("grace", "USDC", "WBTC"),
            ("heidi", "USDC", "WBTC"),
            ("ivan", "USDC", "WETH"),
            ("sybil", "DAI", "WBTC"),
            ("victor", "USDC", "WETH"),
            ("dave-2", "USDC", "WETH"),
        ][i];
        let mut args = liquidate_args(&db, id, &out.display().to_string());
        args[9] = debt.into();
        args[11] = collateral.into();
        let mut child = zkliq()
            .args(&args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let started = Instant::now();
        let finished = loop {
            if child.try_wait().unwrap().is_some() {
                break true;
            }
            if started.elapsed() >= Duration::from_millis(delay_ms) {
                child.kill().unwrap();
                child.wait().unwrap();
                break false;
            }
            std::thread::sleep(Duration::from_millis(5));
        };
        let after = root(&db);
        let log = json(&run(&["state", "log", "--state", &db, "--json"]).stdout);
        let log = log.as_array().unwrap();
        if after == before {
            assert_eq!(
                log.len(),
                entries,
                "kill at {delay_ms} ms: a log entry without a move"
            );
            outcomes.0 += 1;
        } else {
            assert_eq!(log.len(), entries + 1, "kill at {delay_ms} ms");
            let last = &log[entries];
            assert_eq!(last["old_root"], before.as_str());
            assert_eq!(last["new_root"], after.as_str());
            let bytes = std::fs::read(&out).unwrap_or_else(|e| {
                panic!("kill at {delay_ms} ms: the root moved without its proof: {e}")
            });
            assert_eq!(
                last["proof_sha256"],
                hex::encode(Sha256::digest(&bytes)).as_str()
            );
            let v = verify(&out.display().to_string(), &before, &[]);
            assert_eq!(v.code, 0, "{}", v.stderr);
            outcomes.1 += 1;
        }
        assert!(
            !finished || after != before,
            "{id}: the liquidation ran to the end but the root did not move"
        );
    }
    eprintln!(
        "{} kills left the old state, {} the new state with its proof",
        outcomes.0, outcomes.1
    );
    // The last run is not killed: at least one liquidation went through.
    assert!(outcomes.1 >= 1);
}
