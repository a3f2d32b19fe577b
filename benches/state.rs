//! Issue 3 numbers at 4 assets: state import and scan rates, batch and membership proving
//! (amortised per position), concurrent batches, state-proof verification, and whole keeper
//! runs.
//!
//! `cargo build --release -p zkliq-prover && cargo bench -p zkliq-benches --bench state`
//! (parameters are cached in `target/zkliq-bench-params`; the first run derives them, about
//! 30 s for k = 15).

use std::io::Cursor;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use zkliq_benches::{fixtures, zkliq_binary};
use zkliq_circuits::batch::{BatchInstance, BatchShape, BatchWitness, SlotClaim};
use zkliq_circuits::health::reference;
use zkliq_circuits::keys::{ParamsStore, ProverKey};
use zkliq_circuits::tree::TreeSpec;
use zkliq_circuits::{Claim, Market, PriceRound, proof};
use zkliq_state::State;
use zkliq_verifier::{Round, StateProofEnvelope, Verifier};

fn market() -> Market {
    Market::from_json(&std::fs::read_to_string(fixtures().join("markets/aave-v3-4.json")).unwrap())
        .unwrap()
}

fn crash(market: &Market) -> PriceRound {
    let text = std::fs::read_to_string(fixtures().join("prices/aave-v3-4-crash.json")).unwrap();
    PriceRound::from_json(&text, market).unwrap()
}

fn params_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/zkliq-bench-params")
}

/// `n` accounts; the ones in `liquidatable` hold 1 WETH against 5,000 USDC (liquidatable at the
/// crash round), the others 10 WETH.
fn accounts(n: u64, liquidatable: impl Fn(u64) -> bool) -> String {
    (0..n)
        .map(|i| {
            let weth = if liquidatable(i) { 1u128 } else { 10 } * 10u128.pow(18);
            format!(
                "{{\"id\": \"a{i}\", \"salt\": \"0x1{i:015x}{:048x}\", \"collateral\": {{\"WETH\": \"{weth}\", \"DAI\": \"{}\"}}, \"debt\": {{\"USDC\": \"5000000000\"}}}}\n",
                (u128::from(i) + 7) * 0x9e37_79b9_7f4a_7c15,
                i % 1000
            )
        })
        .collect()
}

fn import_and_scan(c: &mut Criterion) {
    let market = market();
    let prices = crash(&market);
    let mut group = c.benchmark_group("state");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(20));
    let text = accounts(20_000, |i| i % 20 == 0);
    group.bench_function("import-20k", |b| {
        b.iter_batched(
            || {
                let dir = tempfile::tempdir().unwrap();
                let state =
                    State::create(&dir.path().join("s.db"), &market, TreeSpec::DEFAULT).unwrap();
                (dir, state)
            },
            |(dir, mut state)| {
                state.import(Cursor::new(text.as_bytes())).unwrap();
                drop(state);
                drop(dir);
            },
            BatchSize::PerIteration,
        )
    });
    let dir = tempfile::tempdir().unwrap();
    let mut state = State::create(&dir.path().join("s.db"), &market, TreeSpec::DEFAULT).unwrap();
    state
        .import(Cursor::new(accounts(100_000, |i| i % 20 == 0)))
        .unwrap();
    group.bench_function("scan-evaluate-100k", |b| {
        b.iter(|| {
            let mut liquidatable = 0u64;
            state
                .scan(|_, a| {
                    if reference::evaluate(&market, &prices, a).claim() == Claim::Liquidatable {
                        liquidatable += 1;
                    }
                })
                .unwrap();
            assert_eq!(liquidatable, 5_000);
        })
    });
    group.finish();
}

/// A state whose first 256 accounts are liquidatable, and the witness of subtree 0 of `shape`.
struct Scene {
    _dir: tempfile::TempDir,
    state: State,
    market: Market,
    prices: PriceRound,
}

fn scene() -> Scene {
    let market = market();
    let prices = crash(&market);
    let dir = tempfile::tempdir().unwrap();
    let mut state = State::create(&dir.path().join("s.db"), &market, TreeSpec::DEFAULT).unwrap();
    state
        .import(Cursor::new(accounts(1_024, |i| i < 256)))
        .unwrap();
    Scene {
        _dir: dir,
        state,
        market,
        prices,
    }
}

fn witness(scene: &Scene, shape: BatchShape, subtree: u64) -> (BatchWitness, BatchInstance) {
    let stored = scene.state.subtree(shape.height, subtree).unwrap();
    let accounts: Vec<_> = stored
        .iter()
        .map(|a| a.as_ref().map(|a| &a.account))
        .collect();
    let claims: Vec<SlotClaim> = accounts
        .iter()
        .map(|a| {
            SlotClaim::Is(reference::evaluate(&scene.market, &scene.prices, a.unwrap()).claim())
        })
        .collect();
    let siblings = scene.state.path(shape.height, subtree).unwrap();
    let w = BatchWitness::new(
        shape,
        &scene.market,
        &scene.prices,
        &accounts,
        &claims,
        subtree,
        siblings,
    );
    let instance = w.instance().unwrap();
    (w, instance)
}

fn batches(c: &mut Criterion) {
    let scene = scene();
    let store = ParamsStore::cached_in(params_dir());
    let verifier = Verifier::with_params_cache(params_dir());
    let mut group = c.benchmark_group("batch-prove-4-assets");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(30));
    let round = Round::new(scene.market.clone(), scene.prices.clone()).unwrap();
    let root = scene.state.root().unwrap();
    for shape in BatchShape::all(scene.market.shape(), scene.state.tree()) {
        let params = store.get(shape.k()).unwrap();
        let key = ProverKey::build(&params, shape).unwrap();
        let (w, instance) = witness(&scene, shape, 1);
        let column = instance.to_column();
        group.bench_function(format!("{}-positions", shape.positions()), |b| {
            b.iter(|| proof::prove_batch_witness(&params, &key, w.clone(), &column).unwrap())
        });
        let bytes = proof::prove_batch_witness(&params, &key, w.clone(), &column).unwrap();
        let envelope = StateProofEnvelope::new(key.verifier(), instance, bytes);
        verifier.key(shape).unwrap();
        group.bench_function(format!("{}-positions-verify", shape.positions()), |b| {
            b.iter(|| verifier.verify_state(&envelope, &round, root).unwrap())
        });
        if shape.height == 7 {
            // Two batches at once, as the keeper runs them with --jobs 2.
            let (w2, instance2) = witness(&scene, shape, 0);
            let column2 = instance2.to_column();
            group.bench_function("128-positions-two-concurrent", |b| {
                b.iter(|| {
                    std::thread::scope(|s| {
                        let a = s.spawn(|| {
                            proof::prove_batch_witness(&params, &key, w.clone(), &column).unwrap()
                        });
                        let b = s.spawn(|| {
                            proof::prove_batch_witness(&params, &key, w2.clone(), &column2).unwrap()
                        });
                        (a.join().unwrap(), b.join().unwrap())
                    })
                })
            });
        }
        if shape.height == 0 {
            // Batch verification of 32 membership proofs.
            let envelopes: Vec<StateProofEnvelope> = (0..32)
                .map(|i| {
                    let (w, instance) = witness(&scene, shape, 100 + i);
                    let bytes = proof::prove_batch_witness(&params, &key, w, &instance.to_column())
                        .unwrap();
                    StateProofEnvelope::new(key.verifier(), instance, bytes)
                })
                .collect();
            group.bench_function("1-position-batch-verify-32", |b| {
                b.iter(|| {
                    assert!(
                        verifier
                            .verify_state_batch(&envelopes, &round, root)
                            .all_valid()
                    )
                })
            });
        }
    }
    group.finish();
}

fn keeper(c: &mut Criterion) {
    let Some(zkliq) = zkliq_binary() else {
        eprintln!(
            "target/release/zkliq not found: run `cargo build --release -p zkliq-prover` first"
        );
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("s.db");
    let mut state = State::create(&db, &market(), TreeSpec::DEFAULT).unwrap();
    // 10,000 accounts; a cohort of 256 consecutive ones is liquidatable (two batches of 128).
    state
        .import(Cursor::new(accounts(10_000, |i| {
            (4_096..4_352).contains(&i)
        })))
        .unwrap();
    drop(state);
    let mut group = c.benchmark_group("keeper");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(60));
    group.bench_function("10k-accounts-256-liquidatable", |b| {
        b.iter_batched(
            || tempfile::tempdir_in(dir.path()).unwrap(),
            |out| {
                let status = Command::new(&zkliq)
                    .env("ZKLIQ_PARAMS_DIR", params_dir())
                    .args(["keeper", "--state"])
                    .arg(&db)
                    .arg("--market")
                    .arg(fixtures().join("markets/aave-v3-4.json"))
                    .arg("--prices")
                    .arg(fixtures().join("prices/aave-v3-4-crash.json"))
                    .arg("--out")
                    .arg(out.path())
                    .stdout(std::process::Stdio::null())
                    .status()
                    .unwrap();
                assert!(status.success());
            },
            BatchSize::PerIteration,
        )
    });
    group.finish();
}

criterion_group!(benches, import_and_scan, batches, keeper);
criterion_main!(benches);
