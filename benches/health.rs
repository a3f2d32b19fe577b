//! Key generation, proving and verification for every circuit shape, and batch verification.
//!
//! `cargo bench -p zkliq-benches --bench health`

use std::time::Duration;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use zkliq_benches::one_per_shape;
use zkliq_circuits::keys::{ParamsStore, ProverKey, VerifierKey};
use zkliq_circuits::proof;
use zkliq_verifier::{ProofEnvelope, Round, Verifier};

fn shapes(c: &mut Criterion) {
    let store = ParamsStore::in_memory();
    for s in one_per_shape() {
        let shape = s.market.shape();
        let params = store.get(shape.k()).unwrap();
        let mut group = c.benchmark_group(format!("shape-{}", shape.assets()));
        group
            .sample_size(20)
            .measurement_time(Duration::from_secs(8));
        group.bench_function("keygen_vk", |b| {
            b.iter(|| VerifierKey::build(&params, shape).unwrap())
        });
        group.bench_function("keygen_vk_pk", |b| {
            b.iter(|| ProverKey::build(&params, shape).unwrap())
        });
        let key = ProverKey::build(&params, shape).unwrap();
        group.bench_function("prove", |b| {
            b.iter(|| {
                proof::prove(&params, &key, &s.market, &s.prices, &s.account, s.claim).unwrap()
            })
        });
        let (instance, bytes) =
            proof::prove(&params, &key, &s.market, &s.prices, &s.account, s.claim).unwrap();
        group.bench_function("verify", |b| {
            b.iter(|| proof::verify(&params, key.verifier(), &instance, &bytes).unwrap())
        });
        group.finish();
    }
}

fn batch(c: &mut Criterion) {
    const N: usize = 64;
    let store = ParamsStore::in_memory();
    let verifier = Verifier::new();
    let mut group = c.benchmark_group("batch-verify-64");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(10));
    for s in one_per_shape()
        .into_iter()
        .filter(|s| [4, 16].contains(&s.market.shape().assets()))
    {
        let shape = s.market.shape();
        let params = store.get(shape.k()).unwrap();
        let key = ProverKey::build(&params, shape).unwrap();
        // 64 distinct proofs (fresh blinding each time) of the same statement.
        let envelopes: Vec<ProofEnvelope> = (0..N)
            .map(|_| {
                let (instance, bytes) =
                    proof::prove(&params, &key, &s.market, &s.prices, &s.account, s.claim).unwrap();
                ProofEnvelope::new(key.verifier(), instance, bytes)
            })
            .collect();
        verifier.key(shape).unwrap();
        let round = Round::new(s.market.clone(), s.prices.clone()).unwrap();
        group.bench_function(format!("shape-{}", shape.assets()), |b| {
            b.iter_batched(
                || envelopes.clone(),
                |e| assert!(verifier.verify_health_batch(&e, &round).all_valid()),
                BatchSize::LargeInput,
            )
        });
    }
    group.finish();
}

criterion_group!(benches, shapes, batch);
criterion_main!(benches);
