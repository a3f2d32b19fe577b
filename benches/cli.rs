//! Whole warm processes (parameters cached on disk, keys rebuilt): `zkliq prove` per shape, and
//! `zkliq state liquidate` of one account of the 40-account fixture state (4 assets, depth 32;
//! each run on a fresh copy of the state, copied outside the timing).
//!
//! Build the binary first: `cargo build --release -p zkliq-prover && cargo bench -p
//! zkliq-benches --bench cli`.

use std::process::Command;
use std::time::Duration;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use zkliq_benches::{fixtures, one_per_shape, zkliq_binary};

fn warm_prove(c: &mut Criterion) {
    let Some(zkliq) = zkliq_binary() else {
        eprintln!(
            "target/release/zkliq not found: run `cargo build --release -p zkliq-prover` first"
        );
        return;
    };
    let dir = std::env::temp_dir().join(format!("zkliq-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut group = c.benchmark_group("zkliq-prove-process");
    group
        .sample_size(20)
        .measurement_time(Duration::from_secs(10));
    for s in one_per_shape() {
        let out = dir.join(format!("{}.proof.json", s.files.name));
        let mut cmd = Command::new(&zkliq);
        cmd.env("ZKLIQ_PARAMS_DIR", dir.join("params"))
            .arg("prove")
            .arg("--market")
            .arg(fixtures().join(&s.files.market))
            .arg("--prices")
            .arg(fixtures().join(&s.files.prices))
            .arg("--account")
            .arg(fixtures().join(&s.files.account))
            .arg("--claim")
            .arg(&s.files.claim)
            .arg("--out")
            .arg(&out)
            .arg("--force");
        // Warm the parameter cache.
        assert!(cmd.output().unwrap().status.success());
        group.bench_function(format!("shape-{}", s.market.shape().assets()), |b| {
            b.iter(|| assert!(cmd.output().unwrap().status.success()))
        });
    }
    group.finish();
    let _ = std::fs::remove_dir_all(&dir);
}

fn warm_liquidate(c: &mut Criterion) {
    let Some(zkliq) = zkliq_binary() else {
        return;
    };
    let dir = std::env::temp_dir().join(format!("zkliq-bench-liq-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let template = dir.join("template.db");
    let run = |args: &[&std::ffi::OsStr]| {
        let out = Command::new(&zkliq)
            .env("ZKLIQ_PARAMS_DIR", dir.join("params"))
            .args(args)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    let market = fixtures().join("markets/aave-v3-4-liquidation.json");
    let prices = fixtures().join("prices/aave-v3-4-crash.json");
    let accounts = fixtures().join("state/accounts.jsonl");
    run(&[
        "state".as_ref(),
        "init".as_ref(),
        "--state".as_ref(),
        template.as_os_str(),
        "--market".as_ref(),
        market.as_os_str(),
    ]);
    run(&[
        "state".as_ref(),
        "import".as_ref(),
        "--state".as_ref(),
        template.as_os_str(),
        accounts.as_os_str(),
    ]);
    let db = dir.join("state.db");
    let out = dir.join("liquidation.json");
    let liquidate = || {
        let _ = std::fs::remove_file(&out);
        run(&[
            "state".as_ref(),
            "liquidate".as_ref(),
            "--state".as_ref(),
            db.as_os_str(),
            "--prices".as_ref(),
            prices.as_os_str(),
            "--id".as_ref(),
            "dave".as_ref(),
            "--debt".as_ref(),
            "USDC".as_ref(),
            "--collateral".as_ref(),
            "WETH".as_ref(),
            "--repay".as_ref(),
            "max".as_ref(),
            "--liquidator".as_ref(),
            "0xd8dA6BF26964aF9D7eEd9e03E53415D37aA96045".as_ref(),
            "--out".as_ref(),
            out.as_os_str(),
        ])
    };
    let fresh = || {
        for suffix in ["-wal", "-shm"] {
            let _ = std::fs::remove_file(dir.join(format!("state.db{suffix}")));
        }
        std::fs::copy(&template, &db).unwrap();
    };
    // Warm the parameter cache.
    fresh();
    liquidate();
    let mut group = c.benchmark_group("zkliq-state-liquidate-process");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(20));
    group.bench_function("4-assets-depth-32", |b| {
        b.iter_batched(fresh, |()| liquidate(), BatchSize::PerIteration)
    });
    group.finish();
    let _ = std::fs::remove_dir_all(&dir);
}

criterion_group!(benches, warm_prove, warm_liquidate);
criterion_main!(benches);
