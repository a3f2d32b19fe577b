//! The `zkliq` command-line contract: outputs, exit codes, one-line errors naming the file,
//! field and bound, no panics, and no partial output files.

mod common;

use std::path::Path;

use common::{AAVE, fixtures, fx, run, zkliq};
use serde_json::Value;

fn inputs(m: &str, p: &str, a: &str) -> Vec<String> {
    vec![
        "--market".into(),
        m.into(),
        "--prices".into(),
        p.into(),
        "--account".into(),
        a.into(),
    ]
}

fn fixture_inputs() -> Vec<String> {
    inputs(&fx(AAVE[0]), &fx(AAVE[1]), &fx(AAVE[2]))
}

fn args<'a>(head: &[&'a str], tail: &'a [String]) -> Vec<&'a str> {
    head.iter()
        .copied()
        .chain(tail.iter().map(String::as_str))
        .collect()
}

#[test]
fn health_reports_the_claim_and_ratio() {
    let tail = fixture_inputs();
    let r = run(&args(&["health", "--json"], &tail));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["claim"], "healthy");
    assert_eq!(v["health_factor_decimal"], "1.127179");
    let r = run(&args(&["health"], &tail));
    assert!(r.stdout.contains("claim           healthy"), "{}", r.stdout);
    assert!(
        r.stdout.contains("health factor   1.127179"),
        "{}",
        r.stdout
    );
}

#[test]
fn prove_then_verify_with_every_check() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("proof.json");
    let out_s = out.display().to_string();
    let tail = fixture_inputs();
    let r = run(&args(
        &["prove", "--claim", "healthy", "--out", &out_s],
        &tail,
    ));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("proof 3328 bytes"), "{}", r.stdout);
    let envelope: Value = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
    assert_eq!(envelope["claim"], "healthy");
    assert_eq!(envelope["format"], "zkliq-proof/1");
    // A proof is public: world-readable, owner-writable.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&out).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o644, "{mode:o}");
    }
    let (market, prices) = (fx(AAVE[0]), fx(AAVE[1]));
    let context = ["--market", market.as_str(), "--prices", prices.as_str()];

    // A verdict needs its context: without it, a usage error that says why.
    for missing in [
        vec!["verify", out_s.as_str()],
        vec!["verify", out_s.as_str(), "--market", market.as_str()],
        vec!["verify", out_s.as_str(), "--prices", prices.as_str()],
    ] {
        let r = run(&missing);
        assert_eq!(r.code, 2, "{missing:?}: {}", r.stderr);
        assert!(
            r.stderr.contains("--market and --prices are required"),
            "{}",
            r.stderr
        );
        assert!(r.stdout.is_empty(), "nothing says valid: {}", r.stdout);
    }

    let r = run(&args(
        &["verify", &out_s, "--json"],
        &context.map(String::from),
    ));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(
        (v["valid"].clone(), v["claim"].clone(), v["kind"].clone()),
        (Value::Bool(true), "healthy".into(), "health".into())
    );
    assert_eq!(v["market"], "aave-v3-like-4");
    assert_eq!(v["account_checked"], false);

    let commitment = run(&[
        "commit",
        "--market",
        &fx(AAVE[0]),
        "--account",
        &fx(AAVE[2]),
    ]);
    assert_eq!(commitment.code, 0);
    let commitment = commitment.stdout.trim().to_owned();
    assert_eq!(commitment, envelope["public_inputs"]["account_commitment"]);
    let r = run(&args(
        &["verify", &out_s, "--account-commitment", &commitment],
        &context.map(String::from),
    ));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout.starts_with("valid: the account is healthy"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("matches the given --account-commitment"));

    // Not what the proof is about: exit 1.
    let other_round = fx("prices/aave-v3-4-crash.json");
    let r = run(&[
        "verify",
        &out_s,
        "--market",
        &market,
        "--prices",
        &other_round,
    ]);
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("price_commitment"), "{}", r.stderr);
    let r = run(&[
        "verify",
        &out_s,
        "--market",
        &fx("markets/maker-eth-a.json"),
        "--prices",
        &fx("prices/maker-eth-a-calm.json"),
    ]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let other = run(&[
        "commit",
        "--market",
        &fx(AAVE[0]),
        "--account",
        &fx("accounts/aave-whale.json"),
    ]);
    let r = run(&args(
        &[
            "verify",
            &out_s,
            "--account-commitment",
            other.stdout.trim(),
            "--json",
        ],
        &context.map(String::from),
    ));
    assert_eq!(r.code, 1);
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["valid"], false);
    // A health proof has no root; a root on it is a usage error.
    let r = run(&args(
        &["verify", &out_s, "--root", &commitment],
        &context.map(String::from),
    ));
    assert_eq!(r.code, 2, "{}", r.stderr);

    // Freshness: the calm round's timestamp, then a minute later, then a minute and a second.
    let timestamp: u64 = serde_json::from_str::<Value>(&std::fs::read_to_string(&prices).unwrap())
        .unwrap()["timestamp"]
        .as_u64()
        .unwrap();
    for (now, code) in [(timestamp, 0), (timestamp + 60, 0), (timestamp + 61, 1)] {
        let now = now.to_string();
        let r = run(&args(
            &["verify", &out_s, "--max-age", "60", "--now", &now],
            &context.map(String::from),
        ));
        assert_eq!(r.code, code, "now {now}: {}", r.stderr);
        if code == 1 {
            assert!(r.stderr.contains("61 s old"), "{}", r.stderr);
            assert!(
                r.stderr.contains("more than the 60 s allowed"),
                "{}",
                r.stderr
            );
        }
    }
    // The fixture round is years old: against the real clock it is stale.
    let r = run(&args(
        &["verify", &out_s, "--max-age", "3600"],
        &context.map(String::from),
    ));
    assert_eq!(r.code, 1, "{}", r.stderr);

    // Tampered proofs: exit 1.
    let text = std::fs::read_to_string(&out).unwrap();
    let proof_hex = envelope["proof"].as_str().unwrap();
    let flipped = format!(
        "{}{}",
        if proof_hex.starts_with('0') { "1" } else { "0" },
        &proof_hex[1..]
    );
    for (name, tampered) in [
        ("flipped", text.replace(proof_hex, &flipped)),
        (
            "trailing",
            text.replace(proof_hex, &format!("{proof_hex}00")),
        ),
        (
            "missing",
            text.replace(proof_hex, &proof_hex[..proof_hex.len() - 2]),
        ),
        (
            "claim",
            text.replace("\"claim\": \"healthy\"", "\"claim\": \"liquidatable\""),
        ),
    ] {
        let path = dir.path().join(format!("{name}.json"));
        std::fs::write(&path, tampered).unwrap();
        let r = run(&args(
            &["verify", &path.display().to_string()],
            &context.map(String::from),
        ));
        assert_eq!(r.code, 1, "{name}: {}", r.stderr);
        assert_eq!(r.stderr.lines().count(), 1, "{name}: {}", r.stderr);
    }
    // Unreadable or unparseable: exit 2.
    let garbage = dir.path().join("garbage.json");
    std::fs::write(&garbage, "{\"format\": ").unwrap();
    for path in [
        garbage.display().to_string(),
        dir.path().join("absent").display().to_string(),
    ] {
        let r = run(&args(&["verify", &path], &context.map(String::from)));
        assert_eq!(r.code, 2, "{}", r.stderr);
    }
}

#[test]
fn a_false_claim_exits_1_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("proof.json");
    let tail = fixture_inputs();
    let r = run(&args(
        &[
            "prove",
            "--claim",
            "liquidatable",
            "--out",
            &out.display().to_string(),
        ],
        &tail,
    ));
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr.contains("cannot be proven liquidatable"),
        "{}",
        r.stderr
    );
    assert!(!out.exists());
    // An existing file is left as it was, even with --force when the claim is false.
    std::fs::write(&out, "keep").unwrap();
    let r = run(&args(
        &[
            "prove",
            "--claim",
            "liquidatable",
            "--force",
            "--out",
            &out.display().to_string(),
        ],
        &tail,
    ));
    assert_eq!(r.code, 1);
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "keep");
}

/// Each bad input: exit 2, one line naming the file, the field and the bound, no output.
#[test]
fn bad_inputs_exit_2_with_one_line_naming_file_field_and_bound() {
    let dir = tempfile::tempdir().unwrap();
    let read = |rel: &str| std::fs::read_to_string(fixtures().join(rel)).unwrap();
    let (market, prices, account) = (read(AAVE[0]), read(AAVE[1]), read(AAVE[2]));
    let salt = serde_json::from_str::<Value>(&account).unwrap()["salt"]
        .as_str()
        .unwrap()
        .to_owned();
    // (which file, its bad content, what the error must say)
    let cases: Vec<(&str, String, &[&str])> = vec![
        ("market", "{\"name\": ".into(), &["EOF while parsing"]),
        ("market", "".into(), &["empty input"]),
        (
            "market",
            market.replace("8300", "10001"),
            &["assets[0].weight_bps", "0..=10000", "10001"],
        ),
        (
            "market",
            market.replace("\"threshold_bps\": 10000", "\"threshold_bps\": 0"),
            &["threshold_bps", "1..=1000000"],
        ),
        (
            "market",
            market.replace("\"decimals\": 6", "\"decimals\": 19"),
            &["assets[2].decimals", "0..=18"],
        ),
        (
            "market",
            market.replace("\"DAI\"", "\"WETH\""),
            &["assets[3].symbol", "duplicate"],
        ),
        (
            "market",
            market.replace("8300", "83.5"),
            &["assets[0].weight_bps", "0..=10000", "83.5"],
        ),
        (
            "market",
            market.replace("8300", "-1"),
            &["assets[0].weight_bps", "-1"],
        ),
        (
            "prices",
            prices.replace("\"DAI\": \"99990000\"", "\"DAI\": \"0\""),
            &["prices.DAI", "1..=18446744073709551615"],
        ),
        (
            "prices",
            prices.replace(",\n    \"DAI\": \"99990000\"", ""),
            &["prices.DAI", "missing"],
        ),
        (
            "prices",
            prices.replace("\"DAI\"", "\"XYZ\""),
            &["prices.XYZ", "unknown asset"],
        ),
        (
            "prices",
            prices.replace(
                "\"USDC\": \"100000000\"",
                "\"USDC\": \"100000000\", \"USDC\": \"1\"",
            ),
            &["prices.USDC", "duplicate"],
        ),
        (
            "prices",
            prices.replace("\"decimals\": 8", "\"decimals\": 19"),
            &["decimals", "0..=18"],
        ),
        (
            "prices",
            prices.replace("\"100000000\"", "\"18446744073709551616\""),
            &["prices.USDC", "18446744073709551615"],
        ),
        (
            "account",
            account.replace(&salt, "0x12"),
            &["salt", "64 hexadecimal digits"],
        ),
        (
            "account",
            account.replace(&salt, zkliq_circuits::field::MODULUS_HEX),
            &["salt", "below the field modulus"],
        ),
        (
            "account",
            account.replace("\"WETH\": \"", "\"WETH\": \"-"),
            &["collateral.WETH", "negative"],
        ),
        (
            "account",
            account.replace("\"WETH\": \"", "\"WETH\": \"0.5"),
            &["collateral.WETH", "fractional"],
        ),
        (
            "account",
            account.replace(
                "\"WETH\": \"",
                "\"WETH\": \"340282366920938463463374607431768211456",
            ),
            &["collateral.WETH", "340282366920938463463374607431768211455"],
        ),
        (
            "account",
            account.replace("\"USDC\"", "\"DOGE\""),
            &["debt.DOGE", "unknown asset"],
        ),
        ("account", "[1, 2]".into(), &["expected a JSON object"]),
    ];
    for (i, (which, content, needles)) in cases.into_iter().enumerate() {
        let path = dir.path().join(format!("{which}-{i}.json"));
        std::fs::write(&path, &content).unwrap();
        let p = path.display().to_string();
        let (m, pr, a) = match which {
            "market" => (p.clone(), fx(AAVE[1]), fx(AAVE[2])),
            "prices" => (fx(AAVE[0]), p.clone(), fx(AAVE[2])),
            _ => (fx(AAVE[0]), fx(AAVE[1]), p.clone()),
        };
        let out = dir.path().join(format!("proof-{i}.json"));
        let tail = inputs(&m, &pr, &a);
        for head in [
            vec![
                "prove",
                "--claim",
                "healthy",
                "--out",
                out.to_str().unwrap(),
            ],
            vec!["health"],
        ] {
            let r = run(&args(&head, &tail));
            assert_eq!(r.code, 2, "case {i} ({which}): {}", r.stderr);
            let line = r.stderr.trim_end();
            assert_eq!(line.lines().count(), 1, "case {i}: {line}");
            assert!(
                line.starts_with(&format!("error: {p}: ")),
                "case {i}: {line}"
            );
            for needle in needles {
                assert!(line.contains(needle), "case {i}: {line:?} lacks {needle:?}");
            }
            assert!(!out.exists(), "case {i}: no output on bad input");
        }
    }
    // Missing file, wrong kind of file, missing output directory, bad usage.
    let absent = dir.path().join("absent.json").display().to_string();
    let tail = inputs(&absent, &fx(AAVE[1]), &fx(AAVE[2]));
    let r = run(&args(&["health"], &tail));
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("absent.json: cannot read"),
        "{}",
        r.stderr
    );
    let tail = inputs(&fx(AAVE[1]), &fx(AAVE[1]), &fx(AAVE[2]));
    let r = run(&args(&["health"], &tail));
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("unknown field"), "{}", r.stderr);
    let nowhere = dir
        .path()
        .join("no/such/dir/proof.json")
        .display()
        .to_string();
    let tail = fixture_inputs();
    let r = run(&args(
        &["prove", "--claim", "healthy", "--out", &nowhere],
        &tail,
    ));
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("does not exist"), "{}", r.stderr);
    let r = run(&args(&["prove", "--claim", "solvent", "--out", "x"], &tail));
    assert_eq!(r.code, 2);
    let r = run(&["verify", "x", "--prices", &fx(AAVE[1])]);
    assert_eq!(r.code, 2, "--prices needs --market");
    let r = run(&[
        "verify",
        &fx("proofs/aave-whale-crash.proof.json"),
        "--market",
        &fx(AAVE[0]),
        "--prices",
        &fx("prices/aave-v3-4-crash.json"),
        "--account-commitment",
        "0x1",
    ]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("--account-commitment: must be 0x"),
        "{}",
        r.stderr
    );
}

#[test]
fn commit_prints_each_commitment() {
    let m = run(&["commit", "--market", &fx(AAVE[0])]);
    let p = run(&["commit", "--market", &fx(AAVE[0]), "--prices", &fx(AAVE[1])]);
    let a = run(&[
        "commit",
        "--market",
        &fx(AAVE[0]),
        "--account",
        &fx(AAVE[2]),
    ]);
    for r in [&m, &p, &a] {
        assert_eq!(r.code, 0, "{}", r.stderr);
        let hex = r.stdout.trim();
        assert!(hex.starts_with("0x") && hex.len() == 66, "{hex}");
        zkliq_circuits::field::from_hex(hex).unwrap();
    }
    assert_ne!(m.stdout, p.stdout);
    assert_ne!(p.stdout, a.stdout);
    let r = run(&[
        "commit",
        "--market",
        &fx(AAVE[0]),
        "--prices",
        &fx(AAVE[1]),
        "--account",
        &fx(AAVE[2]),
    ]);
    assert_eq!(r.code, 2);
}

#[test]
fn new_account_has_a_fresh_salt_and_never_clobbers() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a.json");
    let b = dir.path().join("b.json");
    for path in [&a, &b] {
        let r = run(&[
            "new-account",
            "--out",
            path.to_str().unwrap(),
            "--market",
            &fx(AAVE[0]),
        ]);
        assert_eq!(r.code, 0, "{}", r.stderr);
    }
    let read =
        |p: &Path| serde_json::from_str::<Value>(&std::fs::read_to_string(p).unwrap()).unwrap();
    let (va, vb) = (read(&a), read(&b));
    assert_ne!(va["salt"], vb["salt"]);
    assert_eq!(va["collateral"]["WBTC"], "0");
    let before = std::fs::read_to_string(&a).unwrap();
    let r = run(&["new-account", "--out", a.to_str().unwrap()]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("already exists"), "{}", r.stderr);
    assert_eq!(std::fs::read_to_string(&a).unwrap(), before);
    let r = run(&["new-account", "--out", a.to_str().unwrap(), "--force"]);
    assert_eq!(r.code, 0);
    assert_ne!(std::fs::read_to_string(&a).unwrap(), before);
    // The new account is usable: no debt, so healthy.
    let tail = inputs(&fx(AAVE[0]), &fx(AAVE[1]), b.to_str().unwrap());
    let r = run(&args(&["health", "--json"], &tail));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("\"claim\": \"healthy\""));
}

#[test]
fn demo_proves_and_verifies_every_scenario_from_any_directory() {
    // The built-in scenarios, from a directory that holds no fixtures.
    let elsewhere = tempfile::tempdir().unwrap();
    let out = zkliq()
        .arg("demo")
        .current_dir(elsewhere.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("10 proofs made and verified against their market and price round"),
        "{stdout}"
    );
    assert!(stdout.contains("perp-basket-crash"), "{stdout}");
    assert!(stdout.contains("field arithmetic: "), "{stdout}");
    assert!(
        stdout.contains("assembly") || stdout.contains("portable"),
        "{stdout}"
    );
    // And the same scenarios from the fixtures directory.
    let r = run(&["demo", "--fixtures", &fixtures().display().to_string()]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout.contains("10 proofs made and verified"),
        "{}",
        r.stdout
    );
}
