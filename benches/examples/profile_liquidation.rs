//! Proves one 4-asset liquidation N times (for `perf record`).
use zkliq_benches::liquidation_witness;
use zkliq_circuits::keys::{ParamsStore, ProverKey};
use zkliq_circuits::proof;

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(5);
    let w = liquidation_witness(
        "markets/aave-v3-4-liquidation.json",
        "prices/aave-v3-4-crash.json",
        "accounts/aave-leveraged.json",
        32,
    );
    let store = ParamsStore::cached_in("target/zkliq-params");
    let params = store.get(w.shape.k()).unwrap();
    let key = ProverKey::build(&params, w.shape).unwrap();
    let column = w.public_inputs();
    let started = std::time::Instant::now();
    for _ in 0..n {
        proof::prove_liquidation_witness(&params, &key, w.clone(), &column).unwrap();
    }
    eprintln!(
        "{:.1} ms per proof",
        started.elapsed().as_secs_f64() * 1e3 / n as f64
    );
}
