//! `zkliq state` and `zkliq keeper` end to end: a state of 10,000 accounts with known
//! liquidatable ones, resumable and sharded keeper runs, all-or-nothing imports.

mod common;

use std::collections::BTreeSet;
use std::path::Path;

use common::fx;
use serde_json::Value;
use zkliq_circuits::{Claim, Market, PriceRound, field};
use zkliq_verifier::{Round, StateProofEnvelope, Verifier};

fn zkliq(args: &[&str]) -> (i32, String, String) {
    let r = common::run(args);
    (r.code, r.stdout, r.stderr)
}

const MARKET: &str = "markets/aave-v3-4.json";
const CRASH: &str = "prices/aave-v3-4-crash.json";

/// Leaves that are liquidatable at the crash round: some alone, some sharing a batch of 8, one
/// in the last block of 128 that the second of two shards owns.
const LIQUIDATABLE: [u64; 10] = [3, 17, 18, 901, 4000, 4001, 4002, 6500, 9000, 9999];

/// JSON Lines of `n` accounts: 10 WETH against 5,000 USDC (healthy at the crash round), or
/// 1 WETH against 5,000 USDC (liquidatable) at the `LIQUIDATABLE` leaves.
fn accounts(n: u64) -> String {
    (0..n)
        .map(|i| {
            let weth = if LIQUIDATABLE.contains(&i) { 1u128 } else { 10 } * 10u128.pow(18);
            format!(
                "{{\"id\": \"acct-{i}\", \"salt\": \"0x1{i:015x}{:048x}\", \"collateral\": {{\"WETH\": \"{weth}\"}}, \"debt\": {{\"USDC\": \"5000000000\"}}}}\n",
                (u128::from(i) + 1) * 0x9e37_79b9_7f4a_7c15
            )
        })
        .collect()
}

fn new_state(dir: &Path, n: u64) -> (String, String) {
    let db = dir.join("state.db").display().to_string();
    let (code, _, err) = zkliq(&["state", "init", "--state", &db, "--market", &fx(MARKET)]);
    assert_eq!(code, 0, "{err}");
    let file = dir.join("accounts.jsonl");
    std::fs::write(&file, accounts(n)).unwrap();
    let (code, out, err) = zkliq(&["state", "import", "--state", &db, file.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains(&format!("imported {n} lines ({n} new, 0 updated)")),
        "{out}"
    );
    let (code, root, _) = zkliq(&["state", "root", "--state", &db]);
    assert_eq!(code, 0);
    (db, root.trim().to_owned())
}

fn keeper(db: &str, out: &Path, extra: &[&str]) -> Value {
    let mut args = vec![
        "keeper",
        "--state",
        db,
        "--market",
        &fx(MARKET) as &str,
        "--prices",
        &fx(CRASH) as &str,
        "--out",
        out.to_str().unwrap(),
    ]
    .into_iter()
    .map(str::to_owned)
    .collect::<Vec<_>>();
    args.extend(extra.iter().map(|s| s.to_string()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let (code, stdout, stderr) = zkliq(&args);
    assert_eq!(code, 0, "{stderr}");
    serde_json::from_str(&stdout).unwrap()
}

/// Verifies every proof in `dir` (all at once) against the root, market and round, and returns
/// the leaves proven liquidatable.
fn proven(dir: &Path, root: &str) -> BTreeSet<u64> {
    let market = Market::from_json(&std::fs::read_to_string(fx(MARKET)).unwrap()).unwrap();
    let prices =
        PriceRound::from_json(&std::fs::read_to_string(fx(CRASH)).unwrap(), &market).unwrap();
    let root = field::from_hex(root).unwrap();
    let envelopes: Vec<StateProofEnvelope> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.file_name()
                .unwrap()
                .to_str()
                .unwrap()
                .starts_with("liquidatable-")
        })
        .map(|p| StateProofEnvelope::from_json(&std::fs::read(p).unwrap()).unwrap())
        .collect();
    let round = Round::new(market, prices).unwrap();
    let report = Verifier::new().verify_state_batch(&envelopes, &round, root);
    assert!(
        report.all_valid(),
        "{:?}",
        report.failures().collect::<Vec<_>>()
    );
    let mut leaves = BTreeSet::new();
    for verified in report.results.into_iter().map(Result::unwrap) {
        assert!(verified.root_binds_market());
        for c in verified.claims() {
            assert_eq!(c.claim, Claim::Liquidatable);
            assert!(leaves.insert(c.leaf), "leaf {} proven twice", c.leaf);
        }
    }
    leaves
}

#[test]
fn keeper_proves_exactly_the_liquidatable_accounts_resumably() {
    let dir = tempfile::tempdir().unwrap();
    let (db, root) = new_state(dir.path(), 10_000);
    let expected: BTreeSet<u64> = LIQUIDATABLE.into_iter().collect();

    let out = dir.path().join("proofs");
    let summary = keeper(&db, &out, &[]);
    assert_eq!(summary["accounts_scanned"], 10_000);
    assert_eq!(summary["liquidatable"], LIQUIDATABLE.len());
    assert_eq!(summary["root"], root);
    let written = summary["proofs_written"].as_u64().unwrap();
    assert_eq!(summary["proofs"], written);
    // The plan: its circuit rows, per liquidatable account, and a predicted proving time.
    let rows = written << summary["batch_k"].as_u64().unwrap();
    assert_eq!(summary["plan"]["rows"], rows);
    assert_eq!(
        summary["plan"]["rows_per_liquidatable"],
        rows / LIQUIDATABLE.len() as u64
    );
    assert!(summary["plan"]["predicted_prove_seconds"].as_f64().unwrap() > 0.0);
    assert!(summary["plan"]["actual_prove_seconds"].as_f64().unwrap() > 0.0);
    assert_eq!(proven(&out, &root), expected);
    let stored: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(stored["liquidatable"], LIQUIDATABLE.len());

    // A rerun skips everything; after losing one proof it writes only that one.
    let again = keeper(&db, &out, &[]);
    assert_eq!(
        (
            again["proofs_written"].as_u64(),
            again["proofs_skipped"].as_u64()
        ),
        (Some(0), Some(written))
    );
    let victim = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| {
            p.file_name()
                .unwrap()
                .to_str()
                .unwrap()
                .starts_with("liquidatable-")
        })
        .unwrap();
    std::fs::remove_file(&victim).unwrap();
    let resumed = keeper(&db, &out, &["--jobs", "1"]);
    assert_eq!(resumed["proofs_written"], 1);
    assert_eq!(proven(&out, &root), expected);
    // A proof damaged since it was written is proven again, not counted as done.
    let text = std::fs::read_to_string(&victim).unwrap();
    let at = text.find("\"proof\": \"").unwrap() + 20;
    let flipped = if &text[at..at + 1] == "0" { "1" } else { "0" };
    std::fs::write(
        &victim,
        format!("{}{flipped}{}", &text[..at], &text[at + 1..]),
    )
    .unwrap();
    let repaired = keeper(&db, &out, &["--jobs", "1"]);
    assert_eq!(repaired["proofs_written"], 1);
    assert_eq!(proven(&out, &root), expected);

    // What another run left needs --force; a summary that is not a regular file is refused
    // before any work (a FIFO would block a reader).
    let other = dir.path().join("other");
    std::fs::create_dir(&other).unwrap();
    let fake_summary = serde_json::json!({"root": "0x00", "price_commitment": "0x00"});
    std::fs::write(other.join("summary.json"), fake_summary.to_string()).unwrap();
    let args = |out: &Path| {
        vec![
            "keeper".to_owned(),
            "--state".into(),
            db.clone(),
            "--market".into(),
            fx(MARKET),
            "--prices".into(),
            fx(CRASH),
            "--out".into(),
            out.display().to_string(),
        ]
    };
    let run_args = |v: Vec<String>| {
        let refs: Vec<&str> = v.iter().map(String::as_str).collect();
        zkliq(&refs)
    };
    let (code, _, err) = run_args(args(&other));
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("left by a run for another root"), "{err}");
    for jobs in ["0", "65"] {
        let mut bad = args(&dir.path().join("bad-jobs"));
        bad.extend(["--jobs".to_owned(), jobs.to_owned()]);
        let (code, _, err) = run_args(bad);
        assert_eq!(code, 2, "{err}");
        assert!(
            err.contains(&format!("'--jobs <N>': {jobs} is not in 1..=64")),
            "{err}"
        );
        assert!(
            !dir.path().join("bad-jobs").exists(),
            "a refused run wrote its output"
        );
    }
    #[cfg(unix)]
    {
        let fifo_dir = dir.path().join("fifo");
        std::fs::create_dir(&fifo_dir).unwrap();
        let made = std::process::Command::new("mkfifo")
            .arg(fifo_dir.join("summary.json"))
            .status()
            .unwrap();
        assert!(made.success());
        let mut with_force = args(&fifo_dir);
        with_force.push("--force".into());
        let (code, _, err) = run_args(with_force);
        assert_eq!(code, 2, "{err}");
        assert!(err.contains("is not a regular file"), "{err}");
        assert_eq!(
            std::fs::read_dir(&fifo_dir).unwrap().count(),
            1,
            "nothing proven"
        );
    }

    // Batches of 8: 17 and 18 share a proof, and so do 4000..=4002.
    let out8 = dir.path().join("proofs8");
    let eight = keeper(&db, &out8, &["--batch", "8"]);
    assert_eq!(eight["batch_positions"], 8);
    assert_eq!(eight["proofs"], 7);
    assert_eq!(proven(&out8, &root), expected);

    // Two shards: no overlap, nothing missed.
    let (a, b) = (dir.path().join("shard0"), dir.path().join("shard1"));
    let s0 = keeper(&db, &a, &["--shard", "0/2"]);
    let s1 = keeper(&db, &b, &["--shard", "1/2"]);
    assert_eq!(
        s0["accounts_scanned"].as_u64().unwrap() + s1["accounts_scanned"].as_u64().unwrap(),
        10_000
    );
    let (p0, p1) = (proven(&a, &root), proven(&b, &root));
    assert!(p0.is_disjoint(&p1));
    assert!(!p0.is_empty() && !p1.is_empty());
    assert_eq!(p0.union(&p1).copied().collect::<BTreeSet<_>>(), expected);
    assert!(a.join("summary-shard-0-of-2.json").is_file());
}

#[test]
fn state_commands_and_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    let (db, root) = new_state(dir.path(), 50);
    let (code, out, _) = zkliq(&["state", "show", "--state", &db, "acct-17"]);
    assert_eq!(code, 0);
    let shown: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(shown["leaf_index"], 17);
    assert_eq!(
        shown["account"]["collateral"]["WETH"],
        "1000000000000000000"
    );
    let (code, _, err) = zkliq(&["state", "show", "--state", &db, "nobody"]);
    assert_eq!(code, 2, "{err}");

    // Bad lines: each reported with its number, nothing imported.
    let bad = dir.path().join("bad.jsonl");
    let mut text = accounts(60);
    text.push_str("{\"id\": \"x\", \"salt\": \"0x01\"}\n");
    text.push_str("{\"id\": \"y\", \"salt\": \"0x0000000000000000000000000000000000000000000000000000000000000001\", \"debt\": {\"DOGE\": \"1\"}}\n");
    std::fs::write(&bad, text).unwrap();
    let (code, _, err) = zkliq(&["state", "import", "--state", &db, bad.to_str().unwrap()]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("line 61: salt: must be 0x followed by exactly 64 hexadecimal digits"),
        "{err}"
    );
    assert!(err.contains("line 62: debt.DOGE: unknown asset"), "{err}");
    assert!(err.contains("2 bad line(s); nothing imported"), "{err}");
    let (_, after, _) = zkliq(&["state", "root", "--state", &db]);
    assert_eq!(after.trim(), root, "nothing was imported");

    // Wrong market, missing state, existing state, bad shard.
    let (code, _, err) = zkliq(&[
        "keeper",
        "--state",
        &db,
        "--market",
        &fx("markets/maker-eth-a.json"),
        "--prices",
        &fx("prices/maker-eth-a-crash.json"),
        "--out",
        dir.path().join("o").to_str().unwrap(),
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("not the market the state"), "{err}");
    let missing = dir.path().join("none.db");
    let (code, _, _) = zkliq(&["state", "root", "--state", missing.to_str().unwrap()]);
    assert_eq!(code, 2);
    let (code, _, err) = zkliq(&["state", "init", "--state", &db, "--market", &fx(MARKET)]);
    assert_eq!(code, 2);
    assert!(err.contains("already exists"), "{err}");
    // The file is named once.
    assert_eq!(err.matches("state.db").count(), 1, "{err}");
    let (code, _, _) = zkliq(&[
        "keeper",
        "--state",
        &db,
        "--market",
        &fx(MARKET),
        "--prices",
        &fx(CRASH),
        "--out",
        "o",
        "--shard",
        "2/2",
    ]);
    assert_eq!(code, 2);

    // A membership proof for an owner, and the false claim refused.
    let proof = dir.path().join("member.json");
    let (code, _, err) = zkliq(&[
        "state",
        "prove",
        "--state",
        &db,
        "--prices",
        &fx(CRASH),
        "--id",
        "acct-3",
        "--claim",
        "liquidatable",
        "--out",
        proof.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    let proof_s = proof.to_str().unwrap();
    let (market, crash) = (fx(MARKET), fx(CRASH));
    let (code, out, err) = zkliq(&[
        "verify", proof_s, "--market", &market, "--prices", &crash, "--root", &root, "--json",
    ]);
    assert_eq!(code, 0, "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["kind"], "state");
    assert_eq!(v["claims"][0]["leaf"], 3);
    assert_eq!(v["claims"][0]["claim"], "liquidatable");
    // A state proof is only checked against a root.
    let (code, _, err) = zkliq(&["verify", proof_s, "--market", &market, "--prices", &crash]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--root is required"), "{err}");
    // The proof file is not replaced without --force.
    let before = std::fs::read(&proof).unwrap();
    let (code, _, err) = zkliq(&[
        "state",
        "prove",
        "--state",
        &db,
        "--prices",
        &crash,
        "--id",
        "acct-3",
        "--claim",
        "liquidatable",
        "--out",
        proof_s,
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("already exists (use --force"), "{err}");
    assert_eq!(std::fs::read(&proof).unwrap(), before);
    let (code, _, _) = zkliq(&[
        "state",
        "prove",
        "--state",
        &db,
        "--prices",
        &fx(CRASH),
        "--id",
        "acct-4",
        "--claim",
        "liquidatable",
        "--out",
        dir.path().join("no.json").to_str().unwrap(),
    ]);
    assert_eq!(code, 1);
    assert!(!dir.path().join("no.json").exists());
}

#[test]
fn a_killed_import_leaves_the_previous_state() {
    let dir = tempfile::tempdir().unwrap();
    let (db, root) = new_state(dir.path(), 100);
    let big = dir.path().join("big.jsonl");
    let text: String = (1_000..61_000u64)
        .map(|i| {
            format!(
                "{{\"id\": \"more-{i}\", \"salt\": \"0x2{i:063x}\", \"collateral\": {{\"DAI\": \"{i}\"}}}}\n"
            )
        })
        .collect();
    std::fs::write(&big, text).unwrap();
    let mut child = common::zkliq()
        .args(["state", "import", "--state", &db, big.to_str().unwrap()])
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(700));
    child.kill().unwrap();
    let status = child.wait().unwrap();
    assert!(
        !status.success(),
        "the import must have been killed mid-way"
    );
    let (code, out, err) = zkliq(&["state", "root", "--state", &db, "--json"]);
    assert_eq!(code, 0, "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        (v["root"].as_str().unwrap(), v["accounts"].as_u64()),
        (root.as_str(), Some(100))
    );
    // Every account still decodes, and a new import works.
    let state = zkliq_state::State::open(Path::new(&db)).unwrap();
    let mut n = 0;
    state.scan(|_, _| n += 1).unwrap();
    assert_eq!(n, 100);
    drop(state);
    let small = dir.path().join("small.jsonl");
    std::fs::write(&small, "{\"id\": \"late\", \"salt\": \"0x0000000000000000000000000000000900000000000000000000000000000009\"}\n").unwrap();
    let (code, out, err) = zkliq(&["state", "import", "--state", &db, small.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("101 accounts"), "{out}");
}
