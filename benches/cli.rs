//! A whole warm `zkliq prove` process (parameters cached on disk, keys rebuilt), per shape.
//!
//! Build the binary first: `cargo build --release -p zkliq-prover && cargo bench -p
//! zkliq-benches --bench cli`.

use std::process::Command;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
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

criterion_group!(benches, warm_prove);
criterion_main!(benches);
