//! Every `sh` block of README.md runs as written, top to bottom in one shell, in a temporary
//! directory holding only a link to `fixtures/` (so nothing lands in the repository). A block
//! preceded by a `<!-- readme-test: skip ... -->` comment is skipped (the two commands CI runs
//! itself). `cargo run` of the CLI and of the verifier example is replaced by the binaries this
//! test run built; any other `cargo` in a block fails the test.

mod common;

use std::path::{Path, PathBuf};

/// The `sh` blocks of `markdown` that are not marked to skip.
fn shell_blocks(markdown: &str) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut lines = markdown.lines().peekable();
    let mut skip_next = false;
    while let Some(line) = lines.next() {
        let trimmed = line.trim();
        if trimmed.starts_with("<!-- readme-test: skip") {
            skip_next = true;
        } else if trimmed == "```sh" {
            let body: Vec<&str> = lines.by_ref().take_while(|l| l.trim() != "```").collect();
            if !skip_next {
                blocks.push(body.join("\n"));
            }
            skip_next = false;
        } else if !trimmed.is_empty() {
            skip_next = false;
        }
    }
    blocks
}

fn example_binary() -> PathBuf {
    let zkliq = Path::new(env!("CARGO_BIN_EXE_zkliq"));
    zkliq
        .parent()
        .expect("the binary's directory")
        .join("examples/verify_proof")
}

#[test]
fn every_readme_shell_block_runs_as_written() {
    let readme = std::fs::read_to_string(common::fixtures().join("../README.md")).unwrap();
    let blocks = shell_blocks(&readme);
    assert!(blocks.len() >= 4, "found {} sh blocks", blocks.len());
    let example = example_binary();
    assert!(
        example.is_file(),
        "{} is missing: cargo test builds the examples",
        example.display()
    );
    let dir = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(common::fixtures(), dir.path().join("fixtures")).unwrap();
    let mut stdout = String::new();
    for block in &blocks {
        let block = block
            .replace(
                "cargo run -q --release -p zkliq-prover --",
                &format!("'{}'", env!("CARGO_BIN_EXE_zkliq")),
            )
            .replace(
                "cargo run -q --release -p zkliq-verifier --example verify_proof --",
                &format!("'{}'", example.display()),
            );
        assert!(
            !block.contains("cargo "),
            "a README block runs cargo in a way this test does not map: {block}"
        );
        // Each block in a fresh shell: it must stand on its own (the files earlier blocks
        // wrote are there; their shell functions and variables are not).
        let script = format!("set -euo pipefail\n{block}\n");
        let mut cmd = std::process::Command::new("bash");
        cmd.current_dir(dir.path())
            .env(
                "ZKLIQ_PARAMS_DIR",
                Path::new(env!("CARGO_TARGET_TMPDIR")).join("params"),
            )
            .arg("-c")
            .arg(&script);
        let r = common::run_cmd(&mut cmd);
        assert_eq!(
            r.code, 0,
            "a README block failed:\n{}\n--- stdout\n{}\n--- block\n{script}",
            r.stderr, r.stdout
        );
        stdout.push_str(&r.stdout);
    }
    // What the blocks say they do, they did.
    for expected in [
        "valid: the account is liquidatable",
        "matches the given --account-commitment",
        "imported 40 lines (40 new, 0 updated)",
        "\"liquidatable\": 20",
        "valid against state root",
    ] {
        assert!(stdout.contains(expected), "{expected:?} not in {stdout}");
    }
    for written in [
        "proof.json",
        "mine.json",
        "ops.db",
        "alice.json",
        "proofs/summary.json",
        "shards/summary-shard-1-of-2.json",
    ] {
        assert!(dir.path().join(written).is_file(), "{written}");
    }
}

#[test]
fn skipped_blocks_are_only_the_marked_ones() {
    let text =
        "intro\n<!-- readme-test: skip (why) -->\n```sh\nskipped\n```\n\n```sh\nrun me\n```\n";
    assert_eq!(shell_blocks(text), vec!["run me".to_owned()]);
}
