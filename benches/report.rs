//! Report pieces at depth 32 (the default five edges): proving and verifying one piece of 8, 32
//! and 128 positions at 4 assets, and of 32 positions at 16 assets, in circuit layout 2; and the
//! 4-asset 32- and 128-position pieces in layout 1, for comparison. Per account, a piece costs
//! its proving time divided by its positions.
//!
//! `cargo bench -p zkliq-benches --bench report` (`-- layout-1`: only layout 1)

use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use zkliq_benches::report_witness;
use zkliq_circuits::keys::{ParamsStore, ProverKey};
use zkliq_circuits::proof;
use zkliq_circuits::report::ReportLayout;

fn report(c: &mut Criterion) {
    let store = ParamsStore::in_memory();
    let filter = std::env::args().skip(1).find(|a| !a.starts_with('-'));
    for (name, market, prices, account, height, layout) in [
        (
            "4-assets-8",
            "markets/aave-v3-4-liquidation.json",
            "prices/aave-v3-4-crash.json",
            "accounts/aave-leveraged.json",
            3,
            ReportLayout::V2,
        ),
        (
            "4-assets-32",
            "markets/aave-v3-4-liquidation.json",
            "prices/aave-v3-4-crash.json",
            "accounts/aave-leveraged.json",
            5,
            ReportLayout::V2,
        ),
        (
            "4-assets-128",
            "markets/aave-v3-4-liquidation.json",
            "prices/aave-v3-4-crash.json",
            "accounts/aave-leveraged.json",
            7,
            ReportLayout::V2,
        ),
        (
            "16-assets-32",
            "markets/perp-16-liquidation.json",
            "prices/perp-16-crash.json",
            "accounts/perp-basket.json",
            5,
            ReportLayout::V2,
        ),
        (
            "4-assets-32-layout-1",
            "markets/aave-v3-4-liquidation.json",
            "prices/aave-v3-4-crash.json",
            "accounts/aave-leveraged.json",
            5,
            ReportLayout::V1,
        ),
        (
            "4-assets-128-layout-1",
            "markets/aave-v3-4-liquidation.json",
            "prices/aave-v3-4-crash.json",
            "accounts/aave-leveraged.json",
            7,
            ReportLayout::V1,
        ),
    ] {
        // Keys take seconds to build: skip the groups a plain-text filter leaves out.
        if filter
            .as_ref()
            .is_some_and(|f| !format!("report-piece-{name}").contains(f.as_str()))
        {
            continue;
        }
        let mut w = report_witness(market, prices, account, height, 32);
        w.shape = w.shape.with_layout(layout);
        let shape = w.shape;
        let params = store.get(shape.k()).unwrap();
        let key = ProverKey::build(&params, shape).unwrap();
        let column = w.public_inputs();
        let mut group = c.benchmark_group(format!("report-piece-{name}"));
        group
            .sample_size(10)
            .measurement_time(Duration::from_secs(20));
        group.bench_function("prove", |b| {
            b.iter(|| proof::prove_report_witness(&params, &key, w.clone(), &column).unwrap())
        });
        let bytes = proof::prove_report_witness(&params, &key, w.clone(), &column).unwrap();
        group.bench_function("verify", |b| {
            b.iter(|| proof::verify_column(&params, key.verifier(), &column, &bytes).unwrap())
        });
        eprintln!(
            "{name}: {shape}: k = {}, rows = {}, proof bytes = {}",
            shape.k(),
            shape.rows(),
            bytes.len()
        );
        group.finish();
    }
}

criterion_group!(benches, report);
criterion_main!(benches);
