//! Messages a person can read: no colour codes off a terminal, examples that are themselves
//! valid, no internal type names or unknown locations, a byte-order mark accepted, huge values
//! shortened, and flags only where they mean something.

mod common;

use common::{AAVE, fx, run, zkliq};

/// Runs `health` with `account_text` as the account file.
fn health_with_account(account_text: &str) -> common::Run {
    let dir = tempfile::tempdir().unwrap();
    let account = dir.path().join("account.json");
    std::fs::write(&account, account_text).unwrap();
    run(&[
        "health",
        "--market",
        &fx(AAVE[0]),
        "--prices",
        &fx(AAVE[1]),
        "--account",
        account.to_str().unwrap(),
    ])
}

fn account_with_weth(value: &str) -> String {
    let text = std::fs::read_to_string(fx(AAVE[2])).unwrap();
    let at = text.find("\"WETH\": ").unwrap() + "\"WETH\": ".len();
    let end = at + text[at..].find([',', '\n', '}']).unwrap();
    format!("{}{value}{}", &text[..at], &text[end..])
}

#[test]
fn suggestions_are_valid_and_huge_values_are_shortened() {
    // A JSON number where a decimal string belongs: suggest the string only if it is valid.
    let r = health_with_account(&account_with_weth("5"));
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("(write \"5\")"), "{}", r.stderr);
    for bad in ["-5", "1e20", "1.5"] {
        let r = health_with_account(&account_with_weth(bad));
        assert_eq!(r.code, 2, "{bad}");
        assert!(r.stderr.contains("collateral.WETH"), "{}", r.stderr);
        assert!(!r.stderr.contains("(write"), "{bad}: {}", r.stderr);
        assert!(!r.stderr.contains("\"-5\""), "{}", r.stderr);
        assert!(!r.stderr.contains("\"1e+20\""), "{}", r.stderr);
    }
    // A hundred thousand digits: the line stays short and says how long the value was.
    let huge = "9".repeat(100_000);
    let r = health_with_account(&account_with_weth(&format!("\"{huge}\"")));
    assert_eq!(r.code, 2);
    assert!(r.stderr.len() < 400, "{} bytes", r.stderr.len());
    assert!(r.stderr.contains("(100000 characters)"), "{}", r.stderr);
}

#[test]
fn no_internal_type_names_or_unknown_locations() {
    for text in ["[1, 2]", "\"text\"", "{\"salt\": 5}", "{\"salt\": [1]}"] {
        let r = health_with_account(text);
        assert_eq!(r.code, 2, "{text}");
        assert!(!r.stderr.contains("Raw"), "{text}: {}", r.stderr);
        assert!(!r.stderr.contains("?:"), "{text}: {}", r.stderr);
        assert_eq!(r.stderr.trim_end().lines().count(), 1, "{}", r.stderr);
    }
    let r = health_with_account("[1, 2]");
    assert!(
        r.stderr.contains("expected a JSON object, found an array"),
        "{}",
        r.stderr
    );
    let r = health_with_account("{\"salt\": 5}");
    assert!(r.stderr.contains("salt: invalid type"), "{}", r.stderr);
}

#[test]
fn a_byte_order_mark_is_accepted() {
    let text = std::fs::read_to_string(fx(AAVE[2])).unwrap();
    let r = health_with_account(&format!("\u{feff}{text}"));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("claim           healthy"), "{}", r.stdout);
}

#[test]
fn no_colour_codes_off_a_terminal() {
    // A parameter cache that fails its digest check logs a warning; errors go to stderr.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("params-k9.bin"), "planted").unwrap();
    let out = dir.path().join("proof.json");
    let mut cmd = zkliq();
    cmd.env("ZKLIQ_PARAMS_DIR", dir.path()).args([
        "prove",
        "--market",
        &fx(AAVE[0]),
        "--prices",
        &fx(AAVE[1]),
        "--account",
        &fx(AAVE[2]),
        "--claim",
        "healthy",
        "--out",
        out.to_str().unwrap(),
    ]);
    let r = common::run_cmd(&mut cmd);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr.contains("do not match the pinned digest"),
        "{}",
        r.stderr
    );
    let r2 = run(&["health", "--market"]);
    let r3 = run(&["no-such-command"]);
    for stderr in [&r.stderr, &r2.stderr, &r3.stderr] {
        assert!(!stderr.contains('\x1b'), "colour codes: {stderr:?}");
    }
}

#[test]
fn params_dir_only_where_parameters_are_used() {
    for command in ["health", "commit", "new-account"] {
        let r = run(&[command, "--help"]);
        assert_eq!(r.code, 0);
        assert!(
            !r.stdout.contains("--params-dir"),
            "{command}: {}",
            r.stdout
        );
    }
    for command in [
        &["prove"][..],
        &["verify"],
        &["demo"],
        &["keeper"],
        &["state", "prove"],
    ] {
        let mut args = command.to_vec();
        args.push("--help");
        let r = run(&args);
        assert!(
            r.stdout.contains("--params-dir"),
            "{command:?}: {}",
            r.stdout
        );
    }
    // With the environment variable set, no usage line shows it as required.
    let r = common::run_cmd(zkliq().env("ZKLIQ_PARAMS_DIR", "/tmp/x").arg("prove"));
    assert_eq!(r.code, 2);
    let usage = r.stderr.lines().find(|l| l.starts_with("Usage:")).unwrap();
    assert!(!usage.contains("params-dir"), "{usage}");
}

#[test]
fn a_weak_salt_is_refused_before_proving() {
    let text = std::fs::read_to_string(fx(AAVE[2])).unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let salt = v["salt"].as_str().unwrap();
    let weak = text.replace(salt, &format!("0x{:064x}", 12345));
    let dir = tempfile::tempdir().unwrap();
    let account = dir.path().join("weak.json");
    std::fs::write(&account, weak).unwrap();
    let out = dir.path().join("proof.json");
    let r = run(&[
        "prove",
        "--market",
        &fx(AAVE[0]),
        "--prices",
        &fx(AAVE[1]),
        "--account",
        account.to_str().unwrap(),
        "--claim",
        "healthy",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("salt: must be at least 2^128"),
        "{}",
        r.stderr
    );
    assert!(!out.exists());
}

#[test]
fn verify_json_reports_every_outcome_as_json() {
    let proof = fx("proofs/aave-leveraged-crash.proof.json");
    let crash = fx("prices/aave-v3-4-crash.json");
    let market = fx(AAVE[0]);
    for (args, code) in [
        (vec!["verify", proof.as_str(), "--json"], 2),
        (
            vec![
                "verify",
                "/nonexistent.json",
                "--market",
                &market,
                "--prices",
                &crash,
                "--json",
            ],
            2,
        ),
        (
            vec![
                "verify",
                proof.as_str(),
                "--market",
                &market,
                "--prices",
                &fx(AAVE[1]),
                "--json",
            ],
            1,
        ),
        (
            vec![
                "verify",
                proof.as_str(),
                "--market",
                &market,
                "--prices",
                &crash,
                "--json",
            ],
            0,
        ),
    ] {
        let r = run(&args);
        assert_eq!(r.code, code, "{args:?}: {}", r.stderr);
        let v: serde_json::Value = serde_json::from_str(&r.stdout)
            .unwrap_or_else(|e| panic!("{args:?}: not JSON ({e}): {:?}", r.stdout));
        assert_eq!(v["valid"], code == 0, "{v}");
        if code != 0 {
            assert!(v["error"].as_str().is_some_and(|e| !e.is_empty()), "{v}");
        }
    }
}

#[test]
fn a_closed_pipe_is_not_a_panic() {
    use std::process::Stdio;
    let mut child = zkliq()
        .args([
            "verify",
            &fx("proofs/aave-leveraged-crash.proof.json"),
            "--market",
            &fx(AAVE[0]),
            "--prices",
            &fx("prices/aave-v3-4-crash.json"),
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The reader goes away before the verdict is printed (`zkliq verify … | head -0`).
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(out.status.code(), Some(0), "{stderr}");
}
