//! `report.html` in a real headless browser (Debian's Chromium, installed by `.ci/run`): the page
//! loads from disk with nothing fetched, and the figures it shows are those `verify-report
//! --json` verified. A screenshot is saved next to the test's temporary files.

mod common;

use std::path::Path;
use std::process::Command;

use common::{fx, run};
use serde_json::Value;

/// The text of the element whose attribute `attr` is `value`, in a serialised DOM.
fn text_of(dom: &str, attr: &str, value: &str) -> String {
    let needle = format!("{attr}=\"{value}\"");
    let at = dom
        .find(&needle)
        .unwrap_or_else(|| panic!("the page has no element with {needle}"));
    let start = at + dom[at..].find('>').unwrap() + 1;
    let end = start + dom[start..].find('<').unwrap();
    dom[start..end].trim().to_owned()
}

fn chromium() -> Command {
    let mut cmd = Command::new("chromium");
    cmd.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
    ]);
    cmd
}

#[test]
fn the_page_shows_the_verified_figures_in_a_real_browser() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("state.db").display().to_string();
    let market = fx("markets/aave-v3-4-liquidation.json");
    let prices = fx("prices/aave-v3-4-crash.json");
    assert_eq!(
        run(&[
            "state", "init", "--state", &db, "--market", &market, "--depth", "9"
        ])
        .code,
        0
    );
    assert_eq!(
        run(&[
            "state",
            "import",
            "--state",
            &db,
            &fx("state/accounts.jsonl")
        ])
        .code,
        0
    );
    let out = tmp.path().join("report");
    let out_arg = out.display().to_string();
    let r = run(&[
        "report",
        "--state",
        &db,
        "--prices",
        &prices,
        "--out",
        &out_arg,
        "--positions",
        "8",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let root = common::state_root(&db);
    let v = run(&[
        "verify-report",
        &out_arg,
        "--market",
        &market,
        "--prices",
        &prices,
        "--root",
        &root,
        "--depth",
        "9",
        "--json",
    ]);
    assert_eq!(v.code, 0, "{}", v.stderr);
    let verified: Value = serde_json::from_str(&v.stdout).unwrap();

    // Self-contained: no script, nothing to fetch, and a policy that forbids fetching.
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.contains("default-src 'none'"));
    for forbidden in ["<script", " src=", " href=", "https://", "url("] {
        assert!(
            !html.contains(forbidden),
            "report.html contains {forbidden:?}"
        );
    }

    let page = format!("file://{}", out.join("report.html").display());
    let dom = chromium()
        .args(["--dump-dom", &page])
        .output()
        .expect("Chromium must be installed (.ci/run installs the Debian package chromium)");
    assert!(
        dom.status.success(),
        "{}",
        String::from_utf8_lossy(&dom.stderr)
    );
    let dom = String::from_utf8(dom.stdout).unwrap();
    assert!(dom.contains("</svg>"), "the chart was not rendered");

    assert_eq!(
        text_of(&dom, "data-figure", "accounts"),
        verified["accounts"].to_string()
    );
    assert_eq!(
        text_of(&dom, "data-figure", "root"),
        verified["root"].as_str().unwrap()
    );
    let listed: Vec<u64> = text_of(&dom, "data-figure", "liquidatable")
        .split(", ")
        .map(|n| n.parse().unwrap())
        .collect();
    assert_eq!(serde_json::json!(listed), verified["liquidatable"]);
    assert_eq!(
        text_of(&dom, "data-figure", "liquidatable-count"),
        listed.len().to_string()
    );
    for (symbol, totals) in verified["totals"].as_object().unwrap() {
        for side in ["collateral", "debt"] {
            assert_eq!(
                text_of(&dom, "data-total", &format!("{symbol}:{side}")),
                totals[side].as_str().unwrap(),
                "{symbol} {side}"
            );
        }
    }
    for bucket in verified["buckets"].as_array().unwrap() {
        let key = match (bucket["from_bps"].as_u64(), bucket["to_bps"].as_u64()) {
            (None, _) => "none".to_owned(),
            (Some(from), Some(to)) => format!("{from}-{to}"),
            (Some(from), None) => format!("{from}-"),
        };
        assert_eq!(
            text_of(&dom, "data-bucket", &key),
            bucket["accounts"].to_string(),
            "bucket {key}"
        );
    }

    // A screenshot, for a person to look at.
    let shot = Path::new(env!("CARGO_TARGET_TMPDIR")).join("report.png");
    let _ = std::fs::remove_file(&shot);
    let status = chromium()
        .args([
            "--window-size=1000,1400",
            &format!("--screenshot={}", shot.display()),
            &page,
        ])
        .output()
        .unwrap();
    assert!(status.status.success());
    let png = std::fs::read(&shot).unwrap();
    assert!(
        png.starts_with(b"\x89PNG") && png.len() > 10_000,
        "a blank screenshot"
    );
    eprintln!("screenshot: {}", shot.display());
}
