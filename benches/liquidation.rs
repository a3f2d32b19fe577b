//! Liquidation proofs at depth 32: key generation, proving and verification at 4 and 16 assets,
//! and batch verification.
//!
//! `cargo bench -p zkliq-benches --bench liquidation`

use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use zkliq_benches::liquidation_witness;
use zkliq_circuits::keys::{ParamsStore, ProverKey, VerifierKey};
use zkliq_circuits::proof;

fn liquidation(c: &mut Criterion) {
    let store = ParamsStore::in_memory();
    for (name, market, prices, account) in [
        (
            "4-assets",
            "markets/aave-v3-4-liquidation.json",
            "prices/aave-v3-4-crash.json",
            "accounts/aave-leveraged.json",
        ),
        (
            "16-assets",
            "markets/perp-16-liquidation.json",
            "prices/perp-16-crash.json",
            "accounts/perp-basket.json",
        ),
    ] {
        let w = liquidation_witness(market, prices, account, 32);
        let shape = w.shape;
        let params = store.get(shape.k()).unwrap();
        let mut group = c.benchmark_group(format!("liquidation-{name}"));
        group
            .sample_size(10)
            .measurement_time(Duration::from_secs(15));
        group.bench_function("keygen_vk", |b| {
            b.iter(|| VerifierKey::build(&params, shape).unwrap())
        });
        group.bench_function("keygen_vk_pk", |b| {
            b.iter(|| ProverKey::build(&params, shape).unwrap())
        });
        let key = ProverKey::build(&params, shape).unwrap();
        let column = w.public_inputs();
        group.bench_function("prove", |b| {
            b.iter(|| proof::prove_liquidation_witness(&params, &key, w.clone(), &column).unwrap())
        });
        let bytes = proof::prove_liquidation_witness(&params, &key, w.clone(), &column).unwrap();
        group.bench_function("verify", |b| {
            b.iter(|| proof::verify_column(&params, key.verifier(), &column, &bytes).unwrap())
        });
        eprintln!(
            "{name}: k = {}, rows = {}, proof bytes = {}",
            shape.k(),
            shape.rows(),
            bytes.len()
        );
        group.finish();
    }
}

criterion_group!(benches, liquidation);
criterion_main!(benches);
