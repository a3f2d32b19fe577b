//! The cluster files in `deploy/`: the Slurm scripts run for real (one machine standing in for
//! the cluster: the array tasks one after the other, then the merge and its verification), and
//! every `zkliq` flag the Kubernetes manifests use exists.

mod common;

use std::path::Path;
use std::process::Command;

use common::{fx, run};

fn deploy() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../deploy")
}

#[test]
fn the_slurm_scripts_make_a_report_that_verifies() {
    let tmp = tempfile::tempdir().unwrap();
    let work = tmp.path();
    let db = work.join("state.db").display().to_string();
    let market = fx("markets/aave-v3-4-liquidation.json");
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
    std::fs::copy(&market, work.join("market.json")).unwrap();
    std::fs::copy(fx("prices/aave-v3-4-crash.json"), work.join("prices.json")).unwrap();
    let secret = work.join("report-secret.json").display().to_string();
    assert_eq!(run(&["report", "secret", "--out", &secret]).code, 0);
    // `zkliq` on PATH, as on a cluster node.
    let bin = Path::new(env!("CARGO_BIN_EXE_zkliq"))
        .parent()
        .unwrap()
        .to_owned();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let params = Path::new(env!("CARGO_TARGET_TMPDIR")).join("params");
    let script = |name: &str, task: Option<usize>| {
        let mut cmd = Command::new("bash");
        cmd.arg(deploy().join("slurm").join(name))
            .env("PATH", &path)
            .env("ZKLIQ_WORK", work)
            .env("ZKLIQ_SHARDS", "3")
            .env("ZKLIQ_PARAMS_DIR", &params)
            .env("TMPDIR", work);
        if let Some(task) = task {
            cmd.env("SLURM_ARRAY_TASK_ID", task.to_string());
        }
        let out = cmd.output().unwrap();
        assert!(
            out.status.success(),
            "{name} {task:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    for task in 0..3 {
        script("report-shard.sbatch", Some(task));
    }
    let merged = script("report-merge.sbatch", None);
    assert!(merged.contains("valid: round report"), "{merged}");
    assert!(merged.contains("accounts: 40"), "{merged}");
    let out = Command::new("bash")
        .args(["-n"])
        .arg(deploy().join("slurm/submit.sh"))
        .status()
        .unwrap();
    assert!(out.success());
}

/// The text without its `$(...)` command substitutions (their flags belong to other commands).
fn without_substitutions(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find("$(") {
        out.push_str(&rest[..start]);
        rest = rest[start..]
            .find(')')
            .map_or("", |end| &rest[start + end + 1..]);
    }
    out.push_str(rest);
    out
}

/// The `--flags` of every `zkliq <command>` in a manifest: each runs to the end of its shell
/// command (`;` or `&&`), across the lines of a folded YAML scalar.
fn flags_used(text: &str, command: &str) -> Vec<String> {
    let text = without_substitutions(text);
    let needle = format!("zkliq {command} ");
    text.match_indices(&needle)
        .flat_map(|(i, _)| {
            let rest = &text[i + needle.len()..];
            let end = rest.find([';', '&']).unwrap_or(rest.len());
            rest[..end]
                .split_whitespace()
                .take_while(|w| !w.ends_with(':'))
                .filter(|w| w.starts_with("--"))
                .map(str::to_owned)
                .collect::<Vec<_>>()
        })
        .collect()
}

#[test]
fn the_kubernetes_manifests_use_only_real_flags() {
    for (file, command, help) in [
        (
            "kubernetes/report-shards.yaml",
            "report",
            vec!["report", "--help"],
        ),
        (
            "kubernetes/report-merge.yaml",
            "report merge",
            vec!["report", "merge", "--help"],
        ),
        (
            "kubernetes/report-merge.yaml",
            "verify-report",
            vec!["verify-report", "--help"],
        ),
    ] {
        let text = std::fs::read_to_string(deploy().join(file)).unwrap();
        let flags = flags_used(&text, command);
        assert!(!flags.is_empty(), "{file}: no flags of zkliq {command}");
        let help = run(&help.to_vec());
        assert_eq!(help.code, 0);
        for flag in flags {
            let flag = flag.split('=').next().unwrap();
            assert!(
                help.stdout.contains(flag),
                "{file}: zkliq {command} has no {flag}"
            );
        }
    }
}
