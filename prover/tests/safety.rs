//! The CLI never destroys a file it was not asked to write: not its own inputs, not an existing
//! file without `--force`, never a symbolic link, FIFO or device; private files are created
//! for their owner only.

mod common;

use std::path::Path;

use common::{AAVE, fx, run};

#[cfg(unix)]
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::symlink_metadata(path)
        .unwrap()
        .permissions()
        .mode()
        & 0o777
}

/// `zkliq prove` of the healthy aave account, its account file given as `account`.
fn prove(account: &Path, out: &Path, extra: &[&str]) -> common::Run {
    let (market, prices) = (fx(AAVE[0]), fx(AAVE[1]));
    let mut args = vec![
        "prove",
        "--market",
        &market,
        "--prices",
        &prices,
        "--account",
        account.to_str().unwrap(),
        "--claim",
        "healthy",
        "--out",
        out.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    run(&args)
}

#[test]
fn prove_never_writes_over_its_own_input() {
    let dir = tempfile::tempdir().unwrap();
    let account = dir.path().join("acct.json");
    std::fs::copy(fx(AAVE[2]), &account).unwrap();
    let before = std::fs::read(&account).unwrap();
    // The same path, and another name for the same file (a hard link), with and without --force.
    let link = dir.path().join("hard-link.json");
    std::fs::hard_link(&account, &link).unwrap();
    for out in [&account, &link] {
        for extra in [&[][..], &["--force"][..]] {
            let r = prove(&account, out, extra);
            assert_eq!(r.code, 2, "{}", r.stderr);
            assert!(
                r.stderr.contains("is also an input of this command"),
                "{}",
                r.stderr
            );
            assert_eq!(
                std::fs::read(&account).unwrap(),
                before,
                "the salt survives"
            );
        }
    }
}

#[test]
fn existing_files_need_force_and_only_regular_files_are_written() {
    let dir = tempfile::tempdir().unwrap();
    let account = Path::new(&fx(AAVE[2])).to_owned();
    let out = dir.path().join("proof.json");
    std::fs::write(&out, "an earlier proof").unwrap();
    let r = prove(&account, &out, &[]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("already exists (use --force"),
        "{}",
        r.stderr
    );
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "an earlier proof");
    let r = prove(&account, &out, &["--force"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        std::fs::read_to_string(&out)
            .unwrap()
            .contains("zkliq-proof/1")
    );
    #[cfg(unix)]
    assert_eq!(mode(&out), 0o644);

    // A symbolic link is never replaced (nor what it points to), even with --force.
    #[cfg(unix)]
    {
        let target = dir.path().join("target.txt");
        std::fs::write(&target, "precious").unwrap();
        let link = dir.path().join("link.json");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        for extra in [&[][..], &["--force"][..]] {
            let r = prove(&account, &link, extra);
            assert_eq!(r.code, 2, "{}", r.stderr);
            assert!(r.stderr.contains("is a symbolic link"), "{}", r.stderr);
            assert!(
                std::fs::symlink_metadata(&link)
                    .unwrap()
                    .file_type()
                    .is_symlink()
            );
            assert_eq!(std::fs::read_to_string(&target).unwrap(), "precious");
        }
        // A dangling one too.
        let dangling = dir.path().join("dangling.json");
        std::os::unix::fs::symlink(dir.path().join("nowhere"), &dangling).unwrap();
        let r = prove(&account, &dangling, &["--force"]);
        assert_eq!(r.code, 2, "{}", r.stderr);
        assert!(!dir.path().join("nowhere").exists());
    }

    // A FIFO is left alone (and never opened: that would block).
    #[cfg(unix)]
    {
        let fifo = dir.path().join("fifo");
        let made = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap();
        assert!(made.success());
        let r = prove(&account, &fifo, &["--force"]);
        assert_eq!(r.code, 2, "{}", r.stderr);
        assert!(r.stderr.contains("is not a regular file"), "{}", r.stderr);
        assert!(std::os::unix::fs::FileTypeExt::is_fifo(
            &std::fs::symlink_metadata(&fifo).unwrap().file_type()
        ));
    }

    // A directory.
    let r = prove(&account, dir.path(), &["--force"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("is a directory"), "{}", r.stderr);
}

#[test]
fn private_files_are_created_for_their_owner_only() {
    let dir = tempfile::tempdir().unwrap();
    let account = dir.path().join("mine.json");
    let r = run(&["new-account", "--out", account.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    #[cfg(unix)]
    assert_eq!(mode(&account), 0o600);
    let db = dir.path().join("ops.db");
    let r = run(&[
        "state",
        "init",
        "--state",
        db.to_str().unwrap(),
        "--market",
        &fx(AAVE[0]),
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    #[cfg(unix)]
    assert_eq!(mode(&db), 0o600);
    // new-account never writes over its market.
    let market = dir.path().join("market.json");
    std::fs::copy(fx(AAVE[0]), &market).unwrap();
    let r = run(&[
        "new-account",
        "--out",
        market.to_str().unwrap(),
        "--market",
        market.to_str().unwrap(),
        "--force",
    ]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert_eq!(
        std::fs::read(&market).unwrap(),
        std::fs::read(fx(AAVE[0])).unwrap()
    );
}

#[test]
fn an_unwritable_path_is_an_environment_error_and_a_missing_directory_bad_input() {
    // sysfs takes no new files, whoever asks: exit 3, one line, no temporary file named.
    let r = run(&[
        "state",
        "init",
        "--state",
        "/sys/zkliq-test.db",
        "--market",
        &fx(AAVE[0]),
    ]);
    assert_eq!(r.code, 3, "{}", r.stderr);
    assert!(r.stderr.contains("cannot create"), "{}", r.stderr);
    assert_eq!(r.stderr.trim_end().lines().count(), 1, "{}", r.stderr);
    let r = run(&["new-account", "--out", "/sys/zkliq-test.json"]);
    assert_eq!(r.code, 3, "{}", r.stderr);
    assert!(
        r.stderr.contains("/sys/zkliq-test.json: cannot write"),
        "{}",
        r.stderr
    );
    assert!(!r.stderr.contains(".tmp"), "{}", r.stderr);
    // A directory that does not exist is the user's to fix: exit 2, for every command.
    let market = fx(AAVE[0]);
    for args in [
        [
            "state",
            "init",
            "--state",
            "/nonexistent-zkliq-dir/ops.db",
            "--market",
            &market,
        ],
        [
            "new-account",
            "--market",
            &market,
            "--out",
            "/nonexistent-zkliq-dir/a.json",
            "--force",
        ],
    ] {
        let r = run(&args);
        assert_eq!(r.code, 2, "{args:?}: {}", r.stderr);
        assert!(r.stderr.contains("does not exist"), "{}", r.stderr);
    }
}

#[test]
fn keeper_out_must_be_a_directory() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("proofs");
    std::fs::write(&file, "not a directory").unwrap();
    let r = run(&[
        "keeper",
        "--state",
        "ops.db",
        "--market",
        &fx(AAVE[0]),
        "--prices",
        &fx(AAVE[1]),
        "--out",
        file.to_str().unwrap(),
    ]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr
            .contains("is a file; the keeper writes a directory"),
        "{}",
        r.stderr
    );
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "not a directory");
}
