//! The circuit is pinned: parameters, the smallest `k` per shape, and a stored description of
//! every shape's verifying key. A shape change is never silent: regenerate the descriptions on
//! purpose with `ZKLIQ_REGENERATE_FIXTURES=1 cargo test --release -p zkliq-circuits --test pinning`.

mod common;

use halo2_proofs::dev::CircuitCost;
use halo2_proofs::plonk::{Error, keygen_vk};
use halo2_proofs::poly::commitment::Params;
use pasta_curves::vesta;
use zkliq_circuits::batch::{BatchCircuit, BatchShape};
use zkliq_circuits::keys::{Curve, HALO2_PROOFS_VERSION, ParamsStore, params_digest};
use zkliq_circuits::tree::TreeSpec;
use zkliq_circuits::{HealthCircuit, Shape};

#[test]
fn each_shape_uses_the_smallest_k_that_fits() {
    for shape in Shape::ALL {
        let circuit = HealthCircuit::keygen(shape);
        let smaller = Params::<Curve>::new(shape.k() - 1);
        assert!(
            matches!(
                keygen_vk(&smaller, &circuit),
                Err(Error::NotEnoughRowsAvailable { .. })
            ),
            "{shape} fits at k = {}",
            shape.k() - 1
        );
        // It fits at k: keygen succeeds (the shared keys are built at shape.k()).
        common::keys(shape);
    }
}

/// `max_rows` of halo2's cost model: the rows the layout uses (the same at every `k`).
fn rows_used<C: halo2_proofs::plonk::Circuit<zkliq_circuits::Fp> + std::fmt::Debug>(
    k: u32,
    circuit: &C,
) -> usize {
    let cost = format!("{:?}", CircuitCost::<vesta::Point, _>::measure(k, circuit));
    let rows = cost
        .split("max_rows: ")
        .nth(1)
        .expect("CircuitCost lists max_rows");
    rows.split(',').next().unwrap().parse().unwrap()
}

/// Digest of the constraint system (gates, lookups, columns) of a circuit type: changes with
/// any constraint, without needing parameters.
fn constraint_system_digest<C: halo2_proofs::plonk::Circuit<zkliq_circuits::Fp>>() -> String {
    let mut cs = halo2_proofs::plonk::ConstraintSystem::default();
    C::configure(&mut cs);
    params_digest(format!("{:?}", cs.pinned()).as_bytes())
}

/// Usable rows of a batch circuit at `k`: halo2 reserves the blinding rows and one more.
fn usable_rows(k: u32) -> usize {
    let reserved = zkliq_circuits::keys::reserved_rows::<BatchCircuit>();
    assert_eq!(reserved, 7);
    (1 << k) - reserved
}

#[test]
fn batch_shapes_use_the_smallest_k_that_fits_and_are_pinned() {
    let dir = common::fixtures().join("keys");
    let regenerate = std::env::var_os("ZKLIQ_REGENERATE_FIXTURES").is_some();
    let cs = constraint_system_digest::<BatchCircuit>();
    // Format 1 (legacy) keeps the files of the release that made its proofs: they must never
    // change. Format 2 has its own.
    for (tree, prefix) in [
        (TreeSpec::LEGACY, "batch-"),
        (TreeSpec::DEFAULT, "batch-v2-"),
    ] {
        for assets in Shape::ALL {
            for shape in BatchShape::all(assets, tree) {
                let circuit = BatchCircuit::keygen(shape);
                let k = shape.k();
                let rows = rows_used(k, &circuit);
                assert_eq!(rows, shape.rows());
                assert!(rows <= usable_rows(k), "{shape} does not fit at k = {k}");
                assert!(rows > usable_rows(k - 1), "{shape} fits at k = {}", k - 1);
                let cost = CircuitCost::<vesta::Point, _>::measure(k, &circuit);
                let proof_bytes: usize = cost.proof_size(1).into();
                // Full keys only where parameters are cheap; larger shapes are pinned by their
                // constraint system, layout and proof size.
                let fingerprint = if k <= 12 {
                    common::keys(shape).1.verifier().fingerprint().to_hex()
                } else {
                    format!("not pinned (k = {k} > 12: too slow to derive in CI)")
                };
                let actual = format!(
                    "batch: {} positions, {} assets\nk: {k}\nrows: {rows}\nproof_bytes: {proof_bytes}\nconstraint_system: {cs}\nvk_fingerprint: {fingerprint}\n",
                    shape.positions(),
                    assets.assets(),
                );
                let path = dir.join(format!(
                    "{prefix}{}x{}.txt",
                    assets.assets(),
                    shape.positions()
                ));
                if regenerate && !shape.is_legacy() {
                    std::fs::write(&path, &actual).unwrap();
                }
                let stored = std::fs::read_to_string(&path).unwrap_or_default();
                assert_eq!(
                    stored, actual,
                    "the {shape} circuit changed; if on purpose, rerun with ZKLIQ_REGENERATE_FIXTURES=1"
                );
            }
        }
    }
}

fn description(shape: Shape) -> String {
    let (_, key) = common::keys(shape);
    let cost = CircuitCost::<vesta::Point, _>::measure(shape.k(), &HealthCircuit::keygen(shape));
    // The cost model's marker names the Rust type (its module path), not the circuit: left out.
    let cost: String = format!("{cost:#?}")
        .lines()
        .filter(|l| !l.trim_start().starts_with("_marker"))
        .map(|l| format!("{l}\n"))
        .collect();
    format!(
        "shape: {}\nk: {}\nvk_fingerprint: {}\nproof_bytes: {}\n{cost}",
        shape.assets(),
        shape.k(),
        key.verifier().fingerprint(),
        key.verifier().proof_len(),
    )
}

#[test]
fn verifying_key_descriptions_match_the_stored_ones() {
    let dir = common::fixtures().join("keys");
    let regenerate = std::env::var_os("ZKLIQ_REGENERATE_FIXTURES").is_some();
    for shape in Shape::ALL {
        let path = dir.join(format!("shape-{}.txt", shape.assets()));
        let actual = description(shape);
        if regenerate {
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(&path, &actual).unwrap();
        }
        let stored = std::fs::read_to_string(&path).unwrap_or_default();
        assert_eq!(
            stored, actual,
            "the {shape} verifying key changed; if on purpose, rerun with ZKLIQ_REGENERATE_FIXTURES=1"
        );
    }
}

#[test]
fn pinned_parameter_digests_match_fresh_parameters() {
    // k >= 14 takes from 7 s (k = 14) to over a minute (k = 17) each: opt in.
    let all = std::env::var_os("ZKLIQ_CHECK_ALL_PARAMS").is_some();
    let ks: Vec<u32> = if all {
        (9..=17).collect()
    } else {
        (9..=12).collect()
    };
    for k in ks {
        let mut bytes = vec![];
        Params::<Curve>::new(k).write(&mut bytes).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let store = ParamsStore::cached_in(dir.path());
        assert!(!store.is_cached(k));
        store.get(k).unwrap();
        let cached = std::fs::read(dir.path().join(format!("params-k{k}.bin"))).unwrap();
        assert_eq!(
            params_digest(&cached),
            params_digest(&bytes),
            "k = {k} cached"
        );
        // A fresh store reads the cache back.
        let again = ParamsStore::cached_in(dir.path());
        assert!(again.is_cached(k));
        let mut reread = vec![];
        again.get(k).unwrap().write(&mut reread).unwrap();
        assert_eq!(reread, bytes);
    }
}

#[test]
fn a_tampered_parameter_cache_is_regenerated_not_trusted() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("params-k9.bin");
    let mut fresh = vec![];
    Params::<Curve>::new(9).write(&mut fresh).unwrap();
    // Valid parameters for another k, and garbage, under the k = 9 name.
    let mut other = vec![];
    Params::<Curve>::new(10).write(&mut other).unwrap();
    for planted in [other, b"not parameters".to_vec()] {
        std::fs::write(&path, &planted).unwrap();
        let store = ParamsStore::cached_in(dir.path());
        let mut got = vec![];
        store.get(9).unwrap().write(&mut got).unwrap();
        assert_eq!(got, fresh);
        assert_eq!(
            std::fs::read(&path).unwrap(),
            fresh,
            "the cache is repaired"
        );
    }
}

#[test]
fn fingerprint_names_the_locked_halo2_release() {
    let lock = std::fs::read_to_string(common::fixtures().join("../Cargo.lock")).unwrap();
    let needle = format!("name = \"halo2_proofs\"\nversion = \"{HALO2_PROOFS_VERSION}.");
    assert!(
        lock.contains(&needle),
        "Cargo.lock does not lock halo2_proofs {HALO2_PROOFS_VERSION}"
    );
}

/// The workspace builds pasta_curves with its assembly field arithmetic (proving about 15%
/// faster); a lost feature flag would fall back to the portable code without a word.
#[test]
#[cfg(all(
    any(target_arch = "x86_64", target_arch = "aarch64"),
    target_os = "linux",
    not(pasta_curves_noasm)
))]
fn field_arithmetic_uses_the_assembly_backend() {
    let expected = if cfg!(target_arch = "x86_64") {
        "x86-64"
    } else {
        "aarch64"
    };
    assert_eq!(zkliq_circuits::ARITHMETIC_BACKEND, expected);
}

#[test]
fn liquidation_shapes_use_the_smallest_k_that_fits_and_are_pinned() {
    use zkliq_circuits::liquidation::{LiquidationCircuit, LiquidationShape};
    let dir = common::fixtures().join("keys");
    let regenerate = std::env::var_os("ZKLIQ_REGENERATE_FIXTURES").is_some();
    let cs = constraint_system_digest::<LiquidationCircuit>();
    let reserved = zkliq_circuits::keys::reserved_rows::<LiquidationCircuit>();
    for assets in Shape::ALL {
        let shape = LiquidationShape::new(assets, TreeSpec::DEFAULT).unwrap();
        let circuit = LiquidationCircuit::keygen(shape);
        let k = shape.k();
        let rows = rows_used(k, &circuit);
        assert_eq!(rows, shape.rows());
        assert!(
            rows <= (1 << k) - reserved,
            "{shape} does not fit at k = {k}"
        );
        assert!(
            rows > (1 << (k - 1)) - reserved,
            "{shape} fits at k = {}",
            k - 1
        );
        let proof_bytes: usize = CircuitCost::<vesta::Point, _>::measure(k, &circuit)
            .proof_size(1)
            .into();
        let fingerprint = if k <= 12 {
            common::keys(shape).1.verifier().fingerprint().to_hex()
        } else {
            format!("not pinned (k = {k} > 12: too slow to derive in CI)")
        };
        let actual = format!(
            "liquidation: {} assets, tree depth 32\nk: {k}\nrows: {rows}\nproof_bytes: {proof_bytes}\nconstraint_system: {cs}\nvk_fingerprint: {fingerprint}\n",
            assets.assets(),
        );
        let path = dir.join(format!("liquidation-{}.txt", assets.assets()));
        if regenerate {
            std::fs::write(&path, &actual).unwrap();
        }
        let stored = std::fs::read_to_string(&path).unwrap_or_default();
        assert_eq!(
            stored, actual,
            "the {shape} circuit changed; if on purpose, rerun with ZKLIQ_REGENERATE_FIXTURES=1"
        );
    }
}

/// Report pieces (depth 32, the default five edges) in every layout: the smallest `k`, and a
/// description pinned in `fixtures/keys/report-<assets>x<positions>.txt` (layout 1) and
/// `report-v2-<assets>x<positions>.txt` (layout 2), both as released and never regenerated, and
/// `report-v3-<assets>x<positions>.txt` (layout 3).
#[test]
fn report_shapes_use_the_smallest_k_that_fits_and_are_pinned() {
    use zkliq_circuits::report::ReportLayout;
    pin_report_layout::<1>(ReportLayout::V1, "report");
    pin_report_layout::<2>(ReportLayout::V2, "report-v2");
    pin_report_layout::<3>(ReportLayout::V3, "report-v3");
}

/// `zkliq report` proves each shape in the layout of smallest `k`, the fewest columns on a tie:
/// in a depth-32 tree, layout 3 for the 2- and 4-asset 128-position pieces, layout 1 for the 1-
/// and 2-asset 8-position pieces, layout 2 for the rest (as docs/STATEMENT.md says).
#[test]
fn each_report_shape_is_proven_in_its_smallest_layout() {
    use zkliq_circuits::report::{ReportLayout, ReportShape};
    let layouts = [ReportLayout::V1, ReportLayout::V2, ReportLayout::V3];
    for assets in Shape::ALL {
        for batch in BatchShape::all(assets, TreeSpec::DEFAULT).filter(|b| b.height >= 3) {
            let shape = ReportShape::new(batch, 5).unwrap();
            let chosen = shape.smallest_layout();
            let ks = layouts.map(|l| shape.with_layout(l).k());
            let smallest = *ks.iter().min().unwrap();
            let first = layouts[ks.iter().position(|k| *k == smallest).unwrap()];
            assert_eq!(chosen.layout, first, "{shape}: k per layout {ks:?}");
            let expected = match (assets.assets(), shape.positions()) {
                (2 | 4, 128) => ReportLayout::V3,
                (1 | 2, 8) => ReportLayout::V1,
                _ => ReportLayout::V2,
            };
            assert_eq!(chosen.layout, expected, "{shape}: k per layout {ks:?}");
        }
    }
}

fn pin_report_layout<const L: u8>(layout: zkliq_circuits::report::ReportLayout, prefix: &str) {
    use zkliq_circuits::report::{ReportCircuit, ReportShape};
    let dir = common::fixtures().join("keys");
    let regenerate = layout == zkliq_circuits::report::ReportLayout::V3
        && std::env::var_os("ZKLIQ_REGENERATE_FIXTURES").is_some();
    let cs = constraint_system_digest::<ReportCircuit<L>>();
    for assets in Shape::ALL {
        for batch in BatchShape::all(assets, TreeSpec::DEFAULT).filter(|b| b.height >= 3) {
            let shape = ReportShape::new(batch, 5).unwrap().with_layout(layout);
            let circuit = ReportCircuit::<L>::keygen(shape);
            let k = shape.k();
            let rows = rows_used(k, &circuit);
            assert_eq!(rows, shape.rows());
            assert!(rows <= usable_rows(k), "{shape} does not fit at k = {k}");
            assert!(rows > usable_rows(k - 1), "{shape} fits at k = {}", k - 1);
            let cost = CircuitCost::<vesta::Point, _>::measure(k, &circuit);
            let proof_bytes: usize = cost.proof_size(1).into();
            let actual = format!(
                "report piece: {} positions, {} assets, 5 edges, depth 32\nk: {k}\nrows: {rows}\nproof_bytes: {proof_bytes}\nconstraint_system: {cs}\n",
                shape.positions(),
                assets.assets(),
            );
            let path = dir.join(format!(
                "{prefix}-{}x{}.txt",
                assets.assets(),
                shape.positions()
            ));
            if regenerate {
                std::fs::write(&path, &actual).unwrap();
            }
            let stored = std::fs::read_to_string(&path).unwrap_or_default();
            assert_eq!(
                stored, actual,
                "the {shape} circuit changed; if on purpose, rerun with ZKLIQ_REGENERATE_FIXTURES=1"
            );
        }
    }
}
