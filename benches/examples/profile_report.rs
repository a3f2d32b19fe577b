//! Proves the first 128-position piece of a 4-asset report N times (for `perf record`), and
//! prints the time per proof; with a third argument G, N proofs of G copies of it each (a group,
//! as `zkliq report --per-proof G` proves), and the time per piece; a fourth argument `v1`, `v2`
//! or `v3` picks the circuit layout (default: `zkliq report`'s for the shape).
use zkliq_circuits::keys::{ParamsStore, ProverKey};
use zkliq_circuits::proof;

fn main() {
    let arg = |i: usize, default: usize| {
        std::env::args()
            .nth(i)
            .and_then(|a| a.parse().ok())
            .unwrap_or(default)
    };
    let (n, height, per_proof) = (arg(1, 1), arg(2, 7) as u32, arg(3, 1).max(1));
    let mut w = zkliq_benches::four_asset_report(height);
    if let Some(layout) = std::env::args().nth(4) {
        use zkliq_circuits::report::ReportLayout;
        let layout = match layout.as_str() {
            "v1" => ReportLayout::V1,
            "v2" => ReportLayout::V2,
            "v3" => ReportLayout::V3,
            other => panic!("the layout is v1, v2 or v3, got {other:?}"),
        };
        w.shape = w.shape.with_layout(layout);
    }
    eprintln!(
        "{} at k = {}, {} rows",
        w.shape,
        w.shape.k(),
        w.shape.rows()
    );
    let params = ParamsStore::cached_in("target/zkliq-params")
        .get(w.shape.k())
        .unwrap();
    let key = ProverKey::build(&params, w.shape).unwrap();
    let column = w.public_inputs();
    let columns = vec![column.as_slice(); per_proof];
    let started = std::time::Instant::now();
    for _ in 0..n {
        let bytes =
            proof::prove_report_witnesses(&params, &key, vec![w.clone(); per_proof], &columns)
                .unwrap();
        assert_eq!(Some(bytes.len()), key.verifier().proof_len_of(per_proof));
    }
    let ms = started.elapsed().as_secs_f64() * 1e3 / n as f64;
    if per_proof == 1 {
        eprintln!("{ms:.1} ms per proof");
    } else {
        eprintln!(
            "{ms:.1} ms per proof of {per_proof} pieces, {:.1} ms per piece",
            ms / per_proof as f64
        );
    }
}
