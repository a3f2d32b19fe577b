//! `zkliq keeper --execute` and `zkliq verify-chain`: every liquidatable account liquidated as a
//! chain of proven transitions; the chain verifies from the starting root and fails at a
//! missing, reordered or altered link; a killed run resumes to a complete chain.

mod common;

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use common::{CRASH, MARKET, fx, liquidation_state, run, state_root, zkliq};
use serde_json::Value;

const LIQUIDATOR: &str = "0xd8dA6BF26964aF9D7eEd9e03E53415D37aA96045";

fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("{e}: {text}"))
}

fn execute_args(db: &str, out: &Path) -> Vec<String> {
    [
        "keeper",
        "--execute",
        "--liquidator",
        LIQUIDATOR,
        "--state",
        db,
        "--market",
        &fx(MARKET),
        "--prices",
        &fx(CRASH),
        "--out",
        &out.display().to_string(),
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

fn execute(db: &str, out: &Path) -> Value {
    let r = common::run_cmd(zkliq().args(execute_args(db, out)));
    assert_eq!(r.code, 0, "{}", r.stderr);
    json(&r.stdout)
}

fn verify_chain(dir: &Path, from: &str, extra: &[&str]) -> common::Run {
    let (market, prices, dir) = (fx(MARKET), fx(CRASH), dir.display().to_string());
    let mut args = vec![
        "verify-chain",
        &dir,
        "--market",
        &market,
        "--prices",
        &prices,
        "--from",
        from,
    ];
    args.extend(extra);
    run(&args)
}

/// The leaves the state's log shows liquidated, in order.
fn liquidated_leaves(db: &str) -> Vec<u64> {
    let log = json(&run(&["state", "log", "--state", db, "--json"]).stdout);
    log.as_array()
        .unwrap()
        .iter()
        .filter(|t| t["kind"] == "liquidation")
        .map(|t| t["leaf"].as_u64().unwrap())
        .collect()
}

fn chain_files(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            let name = p.file_name().unwrap().to_string_lossy();
            name.starts_with("liquidation-") && name.ends_with(".proof.json")
        })
        .collect();
    files.sort();
    files
}

#[test]
fn keeper_execute_liquidates_every_liquidatable_account_as_a_verifiable_chain() {
    let dir = tempfile::tempdir().unwrap();
    let db = liquidation_state(dir.path());
    let start = state_root(&db);
    let out = dir.path().join("run");
    let summary = execute(&db, &out);

    // Every planned account was executed or skipped with a reason, once.
    let plan = json(&std::fs::read_to_string(out.join("plan.json")).unwrap());
    let planned: Vec<u64> = plan["leaves"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l.as_u64().unwrap())
        .collect();
    assert!(planned.len() >= 8, "the crash round liquidates {planned:?}");
    assert_eq!(plan["start_root"], start.as_str());
    let executed = summary["executed"].as_u64().unwrap() as usize;
    let skipped = summary["skipped"].as_array().unwrap();
    assert_eq!(executed + skipped.len(), planned.len());
    assert!(executed >= 8);
    assert_eq!(summary["executed_this_run"], executed);
    assert_eq!(summary["start_root"], start.as_str());
    let final_root = state_root(&db);
    assert_eq!(summary["final_root"], final_root.as_str());
    let liquidated = liquidated_leaves(&db);
    assert_eq!(liquidated.len(), executed);
    let distinct: BTreeSet<u64> = liquidated.iter().copied().collect();
    assert_eq!(distinct.len(), executed, "a leaf liquidated twice");
    assert!(distinct.iter().all(|l| planned.contains(l)));
    assert_eq!(chain_files(&out).len(), executed);

    // The chain verifies from the start root to the state's root, for this liquidator.
    let v = verify_chain(
        &out,
        &start,
        &["--to", &final_root, "--liquidator", LIQUIDATOR, "--json"],
    );
    assert_eq!(v.code, 0, "{}", v.stderr);
    let report = json(&v.stdout);
    assert_eq!(report["final_root"], final_root.as_str());
    let links = report["links"].as_array().unwrap();
    assert_eq!(links.len(), executed);
    for (link, entry) in links
        .iter()
        .zip(summary["liquidations"].as_array().unwrap())
    {
        for key in [
            "leaf",
            "repaid",
            "seized",
            "to_liquidator",
            "fee",
            "old_root",
            "new_root",
        ] {
            assert_eq!(link[key], entry[key], "{key}");
        }
    }
    let text = verify_chain(&out, &start, &[]);
    assert_eq!(text.code, 0, "{}", text.stderr);
    assert!(
        text.stdout.contains(&format!("final root {final_root}")),
        "{}",
        text.stdout
    );

    // The wrong context fails: another liquidator, another start, another end.
    let other = "0x01";
    let v = verify_chain(&out, &start, &["--liquidator", other]);
    assert_eq!(v.code, 1, "{}", v.stdout);
    assert!(v.stderr.contains("link 1 of"), "{}", v.stderr);
    let v = verify_chain(&out, &final_root, &[]);
    assert_eq!(v.code, 1);
    let v = verify_chain(&out, &start, &["--to", &start]);
    assert_eq!(v.code, 1);
    assert!(v.stderr.contains("the chain ends at root"), "{}", v.stderr);

    // Run again: the plan is done, nothing moves.
    let again = execute(&db, &out);
    assert_eq!(again["executed_this_run"], 0);
    assert_eq!(again["executed"], executed);
    assert_eq!(state_root(&db), final_root);

    // A file named like a link that is not one of this plan's is refused, and left alone.
    let stray = out.join("liquidation-999999-leaf-0000000001.proof.json");
    std::fs::copy(&chain_files(&out)[0], &stray).unwrap();
    let r = common::run_cmd(zkliq().args(execute_args(&db, &out)));
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("not a link of this state's chain"),
        "{}",
        r.stderr
    );
    assert!(stray.exists());
    std::fs::remove_file(&stray).unwrap();
    // A state that moved since the plan (here an import) needs a new directory: nothing is
    // proven or removed.
    let more = dir.path().join("more.jsonl");
    std::fs::write(
        &more,
        "{\"id\": \"zed\", \"salt\": \"0x2b5e1d3c4a6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f809\", \"collateral\": {\"WETH\": \"1\"}, \"debt\": {}}\n",
    )
    .unwrap();
    let r = run(&[
        "state",
        "import",
        "--state",
        &db,
        &more.display().to_string(),
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let moved = state_root(&db);
    let r = common::run_cmd(zkliq().args(execute_args(&db, &out)));
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("the state changed since the plan"),
        "{}",
        r.stderr
    );
    assert_eq!(state_root(&db), moved);
    assert_eq!(chain_files(&out).len(), executed);

    // A missing, a reordered and an altered link each fail the chain.
    let files = chain_files(&out);
    let tamper = dir.path().join("tamper");
    let copy = |files: &[(usize, String)]| {
        let _ = std::fs::remove_dir_all(&tamper);
        std::fs::create_dir(&tamper).unwrap();
        for (i, name) in files {
            std::fs::copy(&self::chain_files(&out)[*i], tamper.join(name)).unwrap();
        }
    };
    let name = |i: usize| files[i].file_name().unwrap().to_string_lossy().into_owned();
    let all: Vec<(usize, String)> = (0..files.len()).map(|i| (i, name(i))).collect();
    copy(&all);
    assert_eq!(
        verify_chain(&tamper, &start, &["--to", &final_root]).code,
        0
    );
    let mut missing = all.clone();
    missing.remove(2);
    copy(&missing);
    let v = verify_chain(&tamper, &start, &[]);
    assert_eq!(v.code, 1, "a missing link verified");
    assert!(v.stderr.contains("link 3 of"), "{}", v.stderr);
    let mut swapped = all.clone();
    swapped[1].1 = name(2);
    swapped[2].1 = name(1);
    copy(&swapped);
    assert_eq!(
        verify_chain(&tamper, &start, &[]).code,
        1,
        "a reordered chain verified"
    );
    copy(&all);
    let target = tamper.join(name(1));
    let mut proof = json(&std::fs::read_to_string(&target).unwrap());
    let seized: u128 = proof["public_inputs"]["seized"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    proof["public_inputs"]["seized"] = Value::String((seized + 1).to_string());
    std::fs::write(&target, proof.to_string()).unwrap();
    let v = verify_chain(&tamper, &start, &[]);
    assert_eq!(v.code, 1, "an altered link verified");
    assert!(v.stderr.contains("link 2 of"), "{}", v.stderr);
}

#[test]
fn keeper_execute_names_bad_input_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = liquidation_state(dir.path());
    let start = state_root(&db);
    let out = dir.path().join("run");
    let args = execute_args(&db, &out);
    let without = |flag: &str, value: bool| -> Vec<String> {
        let i = args.iter().position(|a| a == flag).unwrap();
        let mut a = args.clone();
        a.drain(i..i + 1 + value as usize);
        a
    };
    // --execute needs --liquidator; --liquidator needs --execute.
    let r = common::run_cmd(zkliq().args(without("--liquidator", true)));
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("--liquidator"), "{}", r.stderr);
    let r = common::run_cmd(zkliq().args(without("--execute", false)));
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("--execute"), "{}", r.stderr);
    // A chain is sequential: no shards, no batch sizes.
    let r = common::run_cmd(zkliq().args(&args).args(["--shard", "0/2"]));
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("--shard"), "{}", r.stderr);
    let mut bad = args.clone();
    let i = bad.iter().position(|a| a == LIQUIDATOR).unwrap();
    bad[i] = "0xnothex".into();
    let r = common::run_cmd(zkliq().args(&bad));
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("--liquidator"), "{}", r.stderr);
    // A market without rules, and an --out that is a file.
    let mut no_rules = args.clone();
    let i = no_rules.iter().position(|a| a == "--market").unwrap();
    no_rules[i + 1] = fx("markets/aave-v3-4.json");
    let r = common::run_cmd(zkliq().args(&no_rules));
    assert_eq!(r.code, 2);
    let file = dir.path().join("file");
    std::fs::write(&file, "keep").unwrap();
    let r = common::run_cmd(zkliq().args(execute_args(&db, &file)));
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("is a file"), "{}", r.stderr);
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "keep");
    assert_eq!(state_root(&db), start);
    assert!(liquidated_leaves(&db).is_empty());

    // One run per directory: a held lock refuses a second.
    std::fs::create_dir(&out).unwrap();
    let held = std::fs::File::create(out.join(".zkliq-execute.lock")).unwrap();
    held.lock().unwrap();
    let r = common::run_cmd(zkliq().args(&args));
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("another keeper --execute is running"),
        "{}",
        r.stderr
    );
    drop(held);
    assert_eq!(state_root(&db), start);

    // Another liquidator's plan in the directory needs --force.
    let plan = serde_json::json!({
        "format": "zkliq-execution-plan/1", "market_commitment": "0x01",
        "price_commitment": "0x02", "round": 1, "liquidator": "0x03",
        "start_root": start, "leaves": [1],
    });
    std::fs::write(out.join("plan.json"), plan.to_string()).unwrap();
    let r = common::run_cmd(zkliq().args(&args));
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("--force"), "{}", r.stderr);
    assert_eq!(state_root(&db), start);

    // verify-chain: a directory without proofs, and bad roots.
    let empty = dir.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    let r = verify_chain(&empty, &start, &[]);
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("no liquidation-"), "{}", r.stderr);
    let r = verify_chain(&empty, "0xzz", &[]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("--from"), "{}", r.stderr);
}

/// Kills `zkliq keeper --execute` at spread-out moments and runs it again each time: the run
/// always resumes its plan, and at the end every planned account is liquidated exactly once,
/// the directory's chain verifies from the starting root to the state's root, and no proof is
/// missing or left over.
#[test]
fn a_killed_execution_resumes_to_a_complete_chain() {
    let dir = tempfile::tempdir().unwrap();
    let db = liquidation_state(dir.path());
    let start = state_root(&db);
    let out = dir.path().join("run");
    let mut kills = 0;
    let mut committed_at_kill = Vec::new();
    for delay_ms in [300u64, 1200, 2500, 4000, 5500] {
        let mut child = zkliq()
            .args(execute_args(&db, &out))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let started = Instant::now();
        loop {
            if child.try_wait().unwrap().is_some() {
                break;
            }
            if started.elapsed() >= Duration::from_millis(delay_ms) {
                child.kill().unwrap();
                child.wait().unwrap();
                kills += 1;
                break;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        // Whatever the moment, what is committed so far verifies as a chain.
        let leaves = liquidated_leaves(&db);
        committed_at_kill.push(leaves.len());
        if !leaves.is_empty() {
            let v = verify_chain(&out, &start, &["--to", &state_root(&db)]);
            // A proof written but not committed may still be in the directory until the
            // next run removes it: then the chain goes one link past the state.
            if v.code != 0 {
                assert!(v.stderr.contains("not at --to"), "{}", v.stderr);
                assert_eq!(chain_files(&out).len(), leaves.len() + 1);
            }
        }
    }
    let summary = execute(&db, &out);
    let final_root = state_root(&db);
    assert_eq!(summary["final_root"], final_root.as_str());
    assert_eq!(summary["start_root"], start.as_str());
    let plan = json(&std::fs::read_to_string(out.join("plan.json")).unwrap());
    let planned = plan["leaves"].as_array().unwrap().len();
    let skipped = summary["skipped"].as_array().unwrap().len();
    let leaves = liquidated_leaves(&db);
    let distinct: BTreeSet<u64> = leaves.iter().copied().collect();
    assert_eq!(
        distinct.len(),
        leaves.len(),
        "a leaf liquidated twice: {leaves:?}"
    );
    assert_eq!(leaves.len() + skipped, planned);
    assert_eq!(chain_files(&out).len(), leaves.len());
    let v = verify_chain(
        &out,
        &start,
        &["--to", &final_root, "--liquidator", LIQUIDATOR],
    );
    assert_eq!(v.code, 0, "{}", v.stderr);
    eprintln!(
        "{kills} kills, after {committed_at_kill:?} liquidations; {} in the chain",
        leaves.len()
    );
    // The resume path was exercised: some kill came after a part of the plan was committed.
    assert!(
        committed_at_kill.iter().any(|&n| n > 0 && n < leaves.len()),
        "no kill landed mid-run: {committed_at_kill:?}"
    );
}

/// A state of another depth: its chain verifies with `--depth`, and without it the mismatch is
/// named.
#[test]
fn verify_chain_takes_the_state_depth() {
    let dir = tempfile::tempdir().unwrap();
    let db = common::liquidation_state_with(dir.path(), &["--depth", "20"]);
    let start = state_root(&db);
    let out = dir.path().join("run");
    let summary = execute(&db, &out);
    let end = state_root(&db);
    assert_eq!(summary["final_root"], end.as_str());
    let v = verify_chain(&out, &start, &["--to", &end]);
    assert_eq!(v.code, 1);
    assert!(v.stderr.contains("pass --depth 20"), "{}", v.stderr);
    let v = verify_chain(&out, &start, &["--to", &end, "--depth", "20"]);
    assert_eq!(v.code, 0, "{}", v.stderr);
}
