//! Proves the first 128-position piece of a 4-asset report N times (for `perf record`), and
//! prints the time per proof.
use zkliq_circuits::keys::{ParamsStore, ProverKey};
use zkliq_circuits::proof;

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1);
    let height = std::env::args()
        .nth(2)
        .and_then(|a| a.parse().ok())
        .unwrap_or(7);
    let w = zkliq_benches::four_asset_report(height);
    let params = ParamsStore::cached_in("target/zkliq-params")
        .get(w.shape.k())
        .unwrap();
    let key = ProverKey::build(&params, w.shape).unwrap();
    let column = w.public_inputs();
    let started = std::time::Instant::now();
    for _ in 0..n {
        proof::prove_report_witness(&params, &key, w.clone(), &column).unwrap();
    }
    eprintln!(
        "{:.1} ms per proof",
        started.elapsed().as_secs_f64() * 1e3 / n as f64
    );
}
