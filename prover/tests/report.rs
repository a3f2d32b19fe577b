//! `zkliq report` and `zkliq verify-report`: a report of a generated state equals the
//! plain-integer reference; altered, dropped, duplicated, reordered or foreign pieces, altered
//! totals, and the wrong root, round or market all fail; a rerun resumes; bad flags are refused.

mod common;

use std::path::Path;

use common::{fx, run};
use serde_json::Value;
use zkliq_circuits::report::{BucketEdges, reference};
use zkliq_circuits::{Account, Market, PriceRound};

const MARKET: &str = "vectors/markets/aave4.json";
const CALM: &str = "vectors/prices/aave4-calm.json";
const CRASH: &str = "vectors/prices/aave4-crash.json";

/// The state's accounts, as JSON Lines: the ratio-boundary family of the vectors (exactly 1.0,
/// 1.1, 1.25, 1.5 and 2.0 at the calm round, and just below 1.0 and 1.1), the random vectors,
/// no debt, no collateral, u128-scale amounts, and the 40 accounts of `fixtures/state`.
fn accounts_jsonl() -> String {
    let read = |rel: &str| std::fs::read_to_string(common::fixtures().join(rel)).unwrap();
    let vector = |name: &str| -> Value {
        serde_json::from_str(&read(&format!("vectors/accounts/aave4-{name}.json"))).unwrap()
    };
    let mut lines: Vec<Value> = Vec::new();
    let mut push = |id: String, mut v: Value, salt_tweak: u64| {
        let salt = v["salt"].as_str().unwrap().to_owned();
        let tail = u64::from_str_radix(&salt[salt.len() - 8..], 16).unwrap();
        v["salt"] = Value::from(format!(
            "{}{:08x}",
            &salt[..salt.len() - 8],
            (tail + salt_tweak) & 0xffff_ffff
        ));
        v["id"] = Value::from(id);
        lines.push(v);
    };
    // Boundary: 9999 WETH-wei against 28179496 DAI-wei is exactly ratio 1.0 at the calm round.
    for (i, (c, d)) in [(1u128, 1u128), (11, 10), (5, 4), (3, 2), (2, 1)]
        .into_iter()
        .enumerate()
    {
        let mut v = vector("boundary");
        v["collateral"]["WETH"] = Value::from((9999 * c).to_string());
        v["debt"]["DAI"] = Value::from((28_179_496 * d).to_string());
        push(format!("edge{i}"), v, 1 + i as u64);
    }
    let mut v = vector("boundary");
    v["collateral"]["WETH"] = Value::from((9999 * 11 - 1).to_string());
    v["debt"]["DAI"] = Value::from((28_179_496u128 * 10).to_string());
    push("below-1.1".into(), v, 10);
    for name in ["boundary-minus", "nodebt", "nocollateral"] {
        push(name.into(), vector(name), 20);
    }
    for i in 0..14 {
        push(format!("rand{i}"), vector(&format!("rand{i}")), 30);
    }
    let huge = u128::MAX.to_string();
    for (i, (c, d)) in [
        (huge.as_str(), "1"),
        (huge.as_str(), huge.as_str()),
        ("0", huge.as_str()),
    ]
    .into_iter()
    .enumerate()
    {
        let mut v = vector("rand0");
        v["collateral"] = serde_json::json!({"WBTC": c, "WETH": c});
        v["debt"] = serde_json::json!({"USDC": d, "DAI": d});
        push(format!("huge{i}"), v, 40 + i as u64);
    }
    let mut text: String = lines.iter().map(|l| format!("{l}\n")).collect();
    text.push_str(&read("state/accounts.jsonl"));
    text
}

/// A depth-10 state of those accounts; returns (db, jsonl path).
fn state(dir: &Path) -> (String, String) {
    let db = dir.join("state.db").display().to_string();
    let jsonl = dir.join("accounts.jsonl");
    std::fs::write(&jsonl, accounts_jsonl()).unwrap();
    let r = run(&[
        "state",
        "init",
        "--state",
        &db,
        "--market",
        &fx(MARKET),
        "--depth",
        "10",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let r = run(&[
        "state",
        "import",
        "--state",
        &db,
        &jsonl.display().to_string(),
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    (db, jsonl.display().to_string())
}

fn report(db: &str, prices: &str, out: &Path, extra: &[&str]) -> common::Run {
    let out = out.display().to_string();
    let mut args = vec!["report", "--state", db, "--prices", prices, "--out", &out];
    args.extend(extra);
    run(&args)
}

fn verify(dir: &Path, prices: &str, root: &str) -> common::Run {
    let dir = dir.display().to_string();
    run(&[
        "verify-report",
        &dir,
        "--market",
        &fx(MARKET),
        "--prices",
        prices,
        "--root",
        root,
        "--depth",
        "10",
        "--json",
    ])
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
    }
}

#[test]
fn a_report_equals_the_reference_and_every_alteration_fails() {
    let tmp = tempfile::tempdir().unwrap();
    let (db, jsonl) = state(tmp.path());
    let root = common::state_root(&db);
    let out = tmp.path().join("report");
    // Two proofs at once, a piece to a proof: each lands in its own file, and the chain of
    // books is whole.
    let r = report(
        &db,
        &fx(CALM),
        &out,
        &["--positions", "8", "--jobs", "2", "--per-proof", "1"],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let summary: Value = serde_json::from_str(&r.stdout).unwrap();
    let pieces = summary["pieces"].as_u64().unwrap();
    assert!(pieces >= 8, "{summary}");
    assert_eq!(summary["jobs"], Value::from(2));
    assert_eq!(summary["proved"], Value::from(pieces));
    let page = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(page.contains("<title>Round report: "), "{page}");
    assert!(
        !page.contains("hypothetical"),
        "not a stress report: {page}"
    );

    // The verified figures are the reference's, computed from the JSON Lines in the clear.
    let v = verify(&out, &fx(CALM), &root);
    assert_eq!(v.code, 0, "{}{}", v.stdout, v.stderr);
    let got: Value = serde_json::from_str(&v.stdout).unwrap();
    let market = Market::from_json(&std::fs::read_to_string(fx(MARKET)).unwrap()).unwrap();
    let prices =
        PriceRound::from_json(&std::fs::read_to_string(fx(CALM)).unwrap(), &market).unwrap();
    let accounts: Vec<Account> = std::fs::read_to_string(&jsonl)
        .unwrap()
        .lines()
        .map(|l| Account::from_json_line(l, &market).unwrap().1)
        .collect();
    let edges = BucketEdges::default_edges();
    let (book, liquidatable) = reference::report(
        &market,
        &prices,
        &edges,
        accounts.iter().enumerate().map(|(i, a)| (i as u64, a)),
    );
    assert_eq!(got["accounts"], Value::from(accounts.len() as u64));
    assert_eq!(got["accounts"], Value::from(book.accounts));
    assert_eq!(got["liquidatable"], serde_json::json!(liquidatable));
    for (i, asset) in market.assets().iter().enumerate() {
        assert_eq!(
            got["totals"][&asset.symbol]["collateral"],
            Value::from(book.collateral[i].to_string())
        );
        assert_eq!(
            got["totals"][&asset.symbol]["debt"],
            Value::from(book.debt[i].to_string())
        );
    }
    let buckets = got["buckets"].as_array().unwrap();
    assert_eq!(
        buckets[0],
        serde_json::json!({"from_bps": null, "to_bps": null, "accounts": book.no_debt()})
    );
    assert_eq!(
        buckets[1],
        serde_json::json!({"from_bps": 0, "to_bps": 10000, "accounts": book.liquidatable})
    );
    for (k, n) in book.buckets.iter().enumerate() {
        assert_eq!(buckets[2 + k]["accounts"], Value::from(*n));
    }
    // Every bucket is populated by the boundary family, each account exactly at its lower edge.
    assert!(book.buckets.iter().all(|n| *n > 0), "{:?}", book.buckets);
    assert!(book.no_debt() > 0 && book.liquidatable > 0);

    let fails = |dir: &Path, prices: &str, root: &str, why: &str| {
        let r = verify(dir, prices, root);
        assert_eq!(r.code, 1, "{why}: {}{}", r.stdout, r.stderr);
        let v: Value = serde_json::from_str(&r.stdout).unwrap();
        assert_eq!(v["valid"], Value::from(false), "{why}");
        v["error"].as_str().unwrap().to_owned()
    };
    let variant = |name: &str, change: &dyn Fn(&Path)| {
        let dir = tmp.path().join(name);
        copy_dir(&out, &dir);
        change(&dir);
        dir
    };
    let piece = |dir: &Path, i: u64| dir.join(format!("group-{i:06}.proof.json"));
    let edit = |path: &Path, f: &dyn Fn(&mut Value)| {
        let mut v: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        f(&mut v);
        std::fs::write(path, serde_json::to_string_pretty(&v).unwrap()).unwrap();
    };

    // Altered totals and counts in report.json.
    let d = variant("total", &|d| {
        edit(&d.join("report.json"), &|v| {
            // The last digit changed: a total one unit off (totals may pass u128).
            let mut t = v["book"]["collateral"][0].as_str().unwrap().to_owned();
            let last = t.pop().unwrap();
            t.push(if last == '9' {
                '8'
            } else {
                (last as u8 + 1) as char
            });
            v["book"]["collateral"][0] = Value::from(t);
        })
    });
    assert!(fails(&d, &fx(CALM), &root, "total").contains("altered"));
    let d = variant("count", &|d| {
        edit(&d.join("report.json"), &|v| {
            v["book"]["buckets"][2] = Value::from(v["book"]["buckets"][2].as_u64().unwrap() + 1);
        })
    });
    fails(&d, &fx(CALM), &root, "bucket count");
    // A dropped piece (in the middle, and the last).
    let d = variant("dropped", &|d| std::fs::remove_file(piece(d, 3)).unwrap());
    fails(&d, &fx(CALM), &root, "dropped piece");
    let d = variant("dropped-last", &|d| {
        std::fs::remove_file(piece(d, pieces - 1)).unwrap()
    });
    fails(&d, &fx(CALM), &root, "dropped last piece");
    // A duplicated piece.
    let d = variant("duplicated", &|d| {
        std::fs::copy(piece(d, 2), d.join("group-000002-copy.proof.json")).unwrap();
    });
    fails(&d, &fx(CALM), &root, "duplicated piece");
    // Two files swapped: the same report (the order is the pieces' proven indices, not the
    // files').
    let d = variant("files-swapped", &|d| {
        let (a, b) = (piece(d, 1), piece(d, 2));
        let tmp = d.join("swap");
        std::fs::rename(&a, &tmp).unwrap();
        std::fs::rename(&b, &a).unwrap();
        std::fs::rename(&tmp, &b).unwrap();
    });
    let swapped = verify(&d, &fx(CALM), &root);
    assert_eq!(swapped.code, 0, "{}", swapped.stderr);
    assert_eq!(swapped.stdout, v.stdout);
    // A reordered chain: two pieces relabelled as each other's place.
    let d = variant("reordered", &|d| {
        edit(&piece(d, 1), &|v| v["pieces"][0]["piece"] = Value::from(2));
        edit(&piece(d, 2), &|v| v["pieces"][0]["piece"] = Value::from(1));
    });
    fails(&d, &fx(CALM), &root, "reordered pieces");
    // An altered flag (a liquidatable account hidden).
    let d = variant("flag", &|d| {
        for i in 0..pieces {
            let p = piece(d, i);
            let text = std::fs::read_to_string(&p).unwrap();
            if text.contains("\"liquidatable\": [\n") {
                edit(&p, &|v| {
                    v["pieces"][0]["liquidatable"].as_array_mut().unwrap().pop();
                });
                return;
            }
        }
        panic!("no piece with a liquidatable account");
    });
    fails(&d, &fx(CALM), &root, "hidden liquidatable account");

    // Three pieces to a proof (the last group may be shorter): the same verified figures, and
    // a group stands or falls as a whole.
    let grouped = tmp.path().join("grouped");
    let r = report(
        &db,
        &fx(CALM),
        &grouped,
        &["--positions", "8", "--per-proof", "3"],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let summary: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(summary["per_proof"], Value::from(3));
    assert_eq!(summary["proved"], Value::from(pieces));
    let g = verify(&grouped, &fx(CALM), &root);
    assert_eq!(g.code, 0, "{}", g.stderr);
    assert_eq!(
        g.stdout, v.stdout,
        "a grouped report proves the same figures"
    );
    let files = std::fs::read_dir(&grouped)
        .unwrap()
        .filter(|e| {
            let name = e.as_ref().unwrap().file_name();
            name.to_string_lossy().starts_with("group-")
        })
        .count() as u64;
    assert_eq!(files, pieces.div_ceil(3));
    let middle = piece(&grouped, 3);
    let held: Value = serde_json::from_str(&std::fs::read_to_string(&middle).unwrap()).unwrap();
    assert_eq!(held["pieces"].as_array().unwrap().len(), 3);
    let grouped_variant = |name: &str, change: &dyn Fn(&Path)| {
        let dir = tmp.path().join(name);
        copy_dir(&grouped, &dir);
        change(&dir);
        dir
    };
    // A piece taken out of its group's list (and so out of the report).
    let d = grouped_variant("group-short", &|d| {
        edit(&piece(d, 3), &|v| {
            v["pieces"].as_array_mut().unwrap().remove(1);
        })
    });
    fails(&d, &fx(CALM), &root, "piece dropped from a group");
    // One piece's public input altered within a group: the whole group fails.
    let d = grouped_variant("group-altered", &|d| {
        edit(&piece(d, 3), &|v| {
            let out = v["pieces"][2]["book_out"].as_str().unwrap().to_owned();
            let first = v["pieces"][0]["book_out"].clone();
            assert_ne!(Value::from(out), first);
            v["pieces"][2]["book_out"] = first;
        })
    });
    let error = fails(&d, &fx(CALM), &root, "altered piece in a group");
    assert!(!error.is_empty());
    // A group's pieces in another order.
    let d = grouped_variant("group-order", &|d| {
        edit(&piece(d, 3), &|v| {
            v["pieces"].as_array_mut().unwrap().swap(0, 1);
        })
    });
    assert!(fails(&d, &fx(CALM), &root, "group reordered").contains("must increase"));
    // A piece proved alone beside the group that also proves it.
    let d = grouped_variant("group-duplicate", &|d| {
        std::fs::copy(piece(&out, 4), piece(d, 4)).unwrap();
    });
    fails(&d, &fx(CALM), &root, "piece in a group and alone");
    // A group's proof under another group's public inputs.
    let d = grouped_variant("group-proof-swapped", &|d| {
        let other: Value =
            serde_json::from_str(&std::fs::read_to_string(piece(d, 0)).unwrap()).unwrap();
        edit(&piece(d, 3), &|v| v["proof"] = other["proof"].clone());
    });
    fails(&d, &fx(CALM), &root, "proof of another group");
    // A crash mid-report, and a group altered since: a rerun (keeping three to a proof) proves
    // those two groups again and keeps the others whole.
    std::fs::remove_file(piece(&grouped, 3)).unwrap();
    std::fs::remove_file(grouped.join("report.json")).unwrap();
    edit(&piece(&grouped, 0), &|v| {
        let proof = v["proof"].as_str().unwrap().to_owned();
        let flipped = if proof.starts_with('0') { "1" } else { "0" };
        v["proof"] = Value::from(format!("{flipped}{}", &proof[1..]));
    });
    let r = report(&db, &fx(CALM), &grouped, &["--positions", "8"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let rerun: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(
        (
            &rerun["per_proof"],
            &rerun["proved"],
            &rerun["reproved"],
            &rerun["kept"]
        ),
        (
            &Value::from(3),
            &Value::from(6),
            &Value::from(3),
            &Value::from(pieces - 6)
        ),
        "{rerun}"
    );
    let g = verify(&grouped, &fx(CALM), &root);
    assert_eq!(g.code, 0, "{}", g.stderr);
    assert_eq!(g.stdout, v.stdout);

    // The wrong root, round or market.
    let other = "0x0000000000000000000000000000000000000000000000000000000000000001";
    assert!(fails(&out, &fx(CALM), other, "root").contains("root"));
    assert!(fails(&out, &fx(CRASH), &root, "round").contains("price"));

    // A piece from a report at another round, and from another state.
    let crash = tmp.path().join("crash");
    let r = report(
        &db,
        &fx(CRASH),
        &crash,
        &["--positions", "8", "--per-proof", "1"],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(verify(&crash, &fx(CRASH), &root).code, 0);
    let d = variant("foreign-round", &|d| {
        std::fs::copy(piece(&crash, 1), piece(d, 1)).unwrap();
    });
    fails(&d, &fx(CALM), &root, "piece of another round");
    let other_state = tmp.path().join("other");
    std::fs::create_dir_all(&other_state).unwrap();
    let (db2, _) = state(&other_state);
    // The same accounts but one, whose collateral differs.
    let extra = other_state.join("extra.jsonl");
    let line = accounts_jsonl()
        .lines()
        .find(|l| l.contains("\"rand3\""))
        .unwrap()
        .to_owned();
    let mut changed: Value = serde_json::from_str(&line).unwrap();
    changed["collateral"]["WETH"] = Value::from("123456789");
    std::fs::write(&extra, format!("{changed}\n")).unwrap();
    let r = run(&[
        "state",
        "import",
        "--state",
        &db2,
        &extra.display().to_string(),
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_ne!(common::state_root(&db2), root);
    let other_out = tmp.path().join("other-report");
    let r = report(
        &db2,
        &fx(CALM),
        &other_out,
        &["--positions", "8", "--per-proof", "1"],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let d = variant("foreign-state", &|d| {
        std::fs::copy(piece(&other_out, 0), piece(d, 0)).unwrap();
    });
    fails(&d, &fx(CALM), &root, "piece of another state");
}

#[test]
fn a_rerun_resumes_and_bad_flags_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let (db, _) = state(tmp.path());
    let root = common::state_root(&db);
    let out = tmp.path().join("report");
    let r = report(
        &db,
        &fx(CRASH),
        &out,
        &["--positions", "32", "--per-proof", "1"],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let first: Value = serde_json::from_str(&r.stdout).unwrap();
    let pieces = first["pieces"].as_u64().unwrap();
    assert!(pieces >= 2);
    // A crash after one piece: the others kept byte for byte, the missing one proved again
    // (the rerun keeps one piece to a proof without --per-proof).
    let kept = std::fs::read(out.join("group-000000.proof.json")).unwrap();
    std::fs::remove_file(out.join("group-000001.proof.json")).unwrap();
    std::fs::remove_file(out.join("report.json")).unwrap();
    assert_eq!(
        verify(&out, &fx(CRASH), &root).code,
        1,
        "an incomplete report must not verify"
    );
    // A rerun: (its output, its stderr).
    let rerun = || {
        let r = report(&db, &fx(CRASH), &out, &["--positions", "32", "--jobs", "1"]);
        assert_eq!(r.code, 0, "{}", r.stderr);
        (serde_json::from_str::<Value>(&r.stdout).unwrap(), r.stderr)
    };
    let (second, _) = rerun();
    assert_eq!(
        (&second["proved"], &second["reproved"], &second["kept"]),
        (&Value::from(1), &Value::from(0), &Value::from(pieces - 1)),
        "{second}"
    );
    assert_eq!(
        std::fs::read(out.join("group-000000.proof.json")).unwrap(),
        kept
    );
    assert_eq!(verify(&out, &fx(CRASH), &root).code, 0);
    // A kept piece is checked as verify-report checks it: one whose proof, or whose key's
    // fingerprint, was altered since (public inputs intact) is proved again, not kept.
    for (i, field) in [(0, "proof"), (1, "vk_fingerprint")] {
        let path = out.join(format!("group-{i:06}.proof.json"));
        let mut envelope: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        let text = envelope[field].as_str().unwrap().to_owned();
        let flipped = if text.starts_with('0') { "1" } else { "0" };
        envelope[field] = Value::from(format!("{flipped}{}", &text[1..]));
        std::fs::write(&path, envelope.to_string()).unwrap();
        assert_eq!(
            verify(&out, &fx(CRASH), &root).code,
            1,
            "the altered {field} verified"
        );
    }
    let (third, stderr) = rerun();
    assert_eq!(
        (&third["proved"], &third["reproved"], &third["kept"]),
        (&Value::from(2), &Value::from(2), &Value::from(pieces - 2)),
        "{third}"
    );
    assert!(stderr.contains("2 of them again"), "{stderr}");
    assert_eq!(verify(&out, &fx(CRASH), &root).code, 0);
    // Without --depth the root is taken as depth 32: refused, saying which --depth to pass.
    let dir = out.display().to_string();
    let r = run(&[
        "verify-report",
        &dir,
        "--market",
        &fx(MARKET),
        "--prices",
        &fx(CRASH),
        "--root",
        &root,
    ]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr.contains("pass --depth 10") && r.stderr.trim().lines().count() == 1,
        "{}",
        r.stderr
    );
    // The secret is private, the rest public.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &str| std::fs::metadata(out.join(p)).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode("report-secret.json"), 0o600);
        assert_eq!(mode("report.json"), 0o644);
    }
    // A directory holding report files but no secret: refused, and no secret is written.
    let stray = tmp.path().join("stray");
    std::fs::create_dir_all(&stray).unwrap();
    std::fs::copy(
        out.join("group-000000.proof.json"),
        stray.join("group-000000.proof.json"),
    )
    .unwrap();
    let r = report(&db, &fx(CRASH), &stray, &["--positions", "32"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("proved under a secret that is not at") && r.stderr.contains("--force"),
        "{}",
        r.stderr
    );
    assert!(
        !stray.join("report-secret.json").exists(),
        "a refused run wrote its secret"
    );
    // Another round, or another piece size, into the same directory needs --force, and the
    // refusal names what differs.
    for (prices, flags, differs) in [
        (
            CALM,
            &["--positions", "32"][..],
            "for another price round (--prices, --shock) (",
        ),
        (CRASH, &["--positions", "8"], "for another --positions ("),
        (
            CRASH,
            &["--positions", "32", "--per-proof", "2"],
            "for another --per-proof (",
        ),
        (
            CALM,
            &["--positions", "8", "--buckets", "10000,20000"],
            "for another price round (--prices, --shock), --buckets and --positions (",
        ),
    ] {
        let r = report(&db, &fx(prices), &out, flags);
        assert_eq!(r.code, 2, "{flags:?}: {}", r.stderr);
        assert!(
            r.stderr.contains(differs) && r.stderr.contains("use --force"),
            "{flags:?}: {}",
            r.stderr
        );
    }

    for (flags, expected) in [
        (
            &["--buckets", "9000,11000"][..],
            "--buckets: bucket edges: the first edge is 9000",
        ),
        (
            &["--buckets", "10000,12000,11000"],
            "--buckets: bucket edges: edges must increase strictly",
        ),
        (
            &["--buckets", "10000,2000000"],
            "--buckets: bucket edges: edge 2000000 is not below 2^20",
        ),
        (
            &["--buckets", "10000,x"],
            "--buckets: \"x\" is not a whole number of bps",
        ),
        (&["--positions", "7"], "--positions: must be 8, 32 or 128"),
    ] {
        let r = report(&db, &fx(CRASH), &tmp.path().join("bad"), flags);
        assert_eq!(r.code, 2, "{flags:?}: {}", r.stderr);
        assert!(r.stderr.contains(expected), "{flags:?}: {}", r.stderr);
        assert_eq!(r.stderr.trim().lines().count(), 1, "{}", r.stderr);
    }
    for (flag, name) in [
        ("--jobs", "'--jobs <J>'"),
        ("--per-proof", "'--per-proof <N>'"),
    ] {
        for value in ["0", "65"] {
            let r = report(&db, &fx(CRASH), &tmp.path().join("bad"), &[flag, value]);
            assert_eq!(r.code, 2, "{}", r.stderr);
            assert!(
                r.stderr
                    .contains(&format!("{name}: {value} is not in 1..=64")),
                "{}",
                r.stderr
            );
        }
    }
    assert!(
        !tmp.path().join("bad").exists(),
        "a refused run wrote its output"
    );
}

/// Four shards run by GNU parallel (`parallel`, installed by `.ci/run`), merged: the same
/// verified report as one unsharded run; a missing shard, or a shard of another report, does
/// not merge.
#[test]
fn four_shards_with_gnu_parallel_make_the_unsharded_report() {
    let tmp = tempfile::tempdir().unwrap();
    let (db, _) = state(tmp.path());
    let root = common::state_root(&db);
    let secret = tmp.path().join("secret.json");
    let r = run(&["report", "secret", "--out", &secret.display().to_string()]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    // An existing secret is kept unless --force says otherwise, as the message says.
    let first = std::fs::read(&secret).unwrap();
    let r = run(&["report", "secret", "--out", &secret.display().to_string()]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("--force"), "{}", r.stderr);
    assert_eq!(std::fs::read(&secret).unwrap(), first);
    let r = run(&[
        "report",
        "secret",
        "--out",
        &secret.display().to_string(),
        "--force",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_ne!(std::fs::read(&secret).unwrap(), first, "a new seed");
    let whole = tmp.path().join("whole");
    let secret_arg = secret.display().to_string();
    let r = report(
        &db,
        &fx(CALM),
        &whole,
        &["--positions", "8", "--secret", &secret_arg],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);

    let zkliq = env!("CARGO_BIN_EXE_zkliq");
    let shard_dir = |i: usize| tmp.path().join(format!("shard-{i}"));
    let status = std::process::Command::new("parallel")
        .env(
            "ZKLIQ_PARAMS_DIR",
            std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("params"),
        )
        .args([
            "--will-cite",
            "--halt",
            "now,fail=1",
            zkliq,
            "report",
            "--state",
            &db,
            "--prices",
        ])
        .arg(fx(CALM))
        .args([
            "--positions",
            "8",
            "--secret",
            &secret_arg,
            "--shard",
            "{}/4",
            "--out",
        ])
        .arg(tmp.path().join("shard-{}"))
        .args([":::", "0", "1", "2", "3"])
        .stdout(std::process::Stdio::null())
        .status()
        .expect("GNU parallel must be installed (.ci/run installs the Debian package `parallel`)");
    assert!(status.success());
    let merged = tmp.path().join("merged");
    let dirs: Vec<String> = (0..4).map(|i| shard_dir(i).display().to_string()).collect();
    let mut args = vec!["report", "merge"];
    args.extend(dirs.iter().map(String::as_str));
    let merged_arg = merged.display().to_string();
    args.extend(["--out", &merged_arg]);
    let r = run(&args);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let a = verify(&whole, &fx(CALM), &root);
    let b = verify(&merged, &fx(CALM), &root);
    assert_eq!(a.code, 0, "{}", a.stderr);
    assert_eq!(b.code, 0, "{}", b.stderr);
    assert_eq!(
        a.stdout, b.stdout,
        "the sharded report says what the unsharded one says"
    );

    // Merging into one of the shards (even with --force) is refused, and the shard is intact.
    let before = std::fs::read_dir(shard_dir(0)).unwrap().count();
    let r = run(&[
        "report", "merge", &dirs[0], &dirs[1], &dirs[2], &dirs[3], "--out", &dirs[0], "--force",
    ]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("is one of the directories to merge"),
        "{}",
        r.stderr
    );
    assert_eq!(std::fs::read_dir(shard_dir(0)).unwrap().count(), before);
    // A shard missing.
    let r = run(&[
        "report",
        "merge",
        &dirs[0],
        &dirs[1],
        &dirs[3],
        "--out",
        &tmp.path().join("m2").display().to_string(),
    ]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stderr.contains("shard 2/4 is missing"), "{}", r.stderr);
    // A shard directory that does not exist is a usage error, and so is verifying one.
    let nowhere = tmp.path().join("nowhere").display().to_string();
    let r = run(&[
        "report",
        "merge",
        &dirs[0],
        &nowhere,
        "--out",
        &tmp.path().join("m4").display().to_string(),
    ]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("nowhere: not a directory"),
        "{}",
        r.stderr
    );
    let v = verify(&tmp.path().join("nowhere"), &fx(CALM), &root);
    assert_eq!(v.code, 2, "{}", v.stderr);
    // A shard of a report with another secret.
    let other_secret = tmp.path().join("other-secret.json");
    assert_eq!(
        run(&[
            "report",
            "secret",
            "--out",
            &other_secret.display().to_string()
        ])
        .code,
        0
    );
    let stray = tmp.path().join("stray");
    let r = report(
        &db,
        &fx(CALM),
        &stray,
        &[
            "--positions",
            "8",
            "--secret",
            &other_secret.display().to_string(),
            "--shard",
            "2/4",
        ],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let stray_arg = stray.display().to_string();
    let r = run(&[
        "report",
        "merge",
        &dirs[0],
        &dirs[1],
        &stray_arg,
        &dirs[3],
        "--out",
        &tmp.path().join("m3").display().to_string(),
    ]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stderr.contains("different reports"), "{}", r.stderr);
    // A shard without the secret file is refused before any work.
    let r = report(
        &db,
        &fx(CALM),
        &tmp.path().join("s"),
        &[
            "--secret",
            &tmp.path().join("none.json").display().to_string(),
            "--shard",
            "0/2",
        ],
    );
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("report secret --out"), "{}", r.stderr);
}

/// `--shock`: the report is about the shocked round (written to DIR/shocked-prices.json), its
/// figures are the reference's at that round, and bad shocks are refused.
#[test]
fn a_stress_report_is_one_flag() {
    let tmp = tempfile::tempdir().unwrap();
    let (db, jsonl) = state(tmp.path());
    let root = common::state_root(&db);
    let out = tmp.path().join("stress");
    let r = report(
        &db,
        &fx(CALM),
        &out,
        &["--positions", "32", "--shock", "WETH=-30%,WBTC=-12.5%"],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let shocked_path = out.join("shocked-prices.json").display().to_string();
    let market = Market::from_json(&std::fs::read_to_string(fx(MARKET)).unwrap()).unwrap();
    let calm = PriceRound::from_json(&std::fs::read_to_string(fx(CALM)).unwrap(), &market).unwrap();
    let shocked =
        PriceRound::from_json(&std::fs::read_to_string(&shocked_path).unwrap(), &market).unwrap();
    assert_eq!(shocked.prices()[0], calm.prices()[0] * 70 / 100);
    assert_eq!(shocked.prices()[1], calm.prices()[1] * 875 / 1000);
    assert_eq!(shocked.prices()[2..], calm.prices()[2..]);
    let v = verify(&out, &shocked_path, &root);
    assert_eq!(v.code, 0, "{}", v.stderr);
    let got: Value = serde_json::from_str(&v.stdout).unwrap();
    let accounts: Vec<Account> = std::fs::read_to_string(&jsonl)
        .unwrap()
        .lines()
        .map(|l| Account::from_json_line(l, &market).unwrap().1)
        .collect();
    let edges = BucketEdges::default_edges();
    let indexed = || accounts.iter().enumerate().map(|(i, a)| (i as u64, a));
    let (_, at_shock) = reference::report(&market, &shocked, &edges, indexed());
    let (_, at_calm) = reference::report(&market, &calm, &edges, indexed());
    assert_eq!(got["liquidatable"], serde_json::json!(at_shock));
    assert!(
        at_shock.len() > at_calm.len(),
        "a 30% fall liquidates more accounts"
    );
    // Not a report about the unshocked round.
    assert_eq!(verify(&out, &fx(CALM), &root).code, 1);
    // Its page says the prices are hypothetical; an unshocked report's page does not.
    let page = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(
        page.contains("<title>Stress report: aave-v3-like-4, round ")
            && page.contains("shocked (WETH=-30%,WBTC=-12.5%)</title>"),
        "{page}"
    );
    assert!(page.contains("the prices are hypothetical"), "{page}");

    for (shock, expected) in [
        ("DOGE=-30%", "DOGE is not an asset"),
        ("WETH=-100%", "above -100%"),
        ("WETH=-30%,WETH=-10%", "shocked twice"),
        ("WETH=-3.333%", "at most two decimals"),
        ("WETH", "expected SYMBOL=PCT%"),
    ] {
        let r = report(&db, &fx(CALM), &tmp.path().join("bad"), &["--shock", shock]);
        assert_eq!(r.code, 2, "{shock}: {}", r.stderr);
        assert!(
            r.stderr.contains("--shock") && r.stderr.contains(expected),
            "{shock}: {}",
            r.stderr
        );
        assert_eq!(r.stderr.trim().lines().count(), 1, "{}", r.stderr);
    }
}
