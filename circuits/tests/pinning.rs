//! The circuit is pinned: parameters, the smallest `k` per shape, and a stored description of
//! every shape's verifying key. A shape change is never silent: regenerate the descriptions on
//! purpose with `ZKLIQ_REGENERATE_FIXTURES=1 cargo test --release -p zkliq-circuits --test pinning`.

mod common;

use halo2_proofs::dev::CircuitCost;
use halo2_proofs::plonk::{Error, keygen_vk};
use halo2_proofs::poly::commitment::Params;
use pasta_curves::vesta;
use zkliq_circuits::keys::{Curve, HALO2_PROOFS_VERSION, ParamsStore, params_digest};
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

fn description(shape: Shape) -> String {
    let (_, key) = common::keys(shape);
    let cost = CircuitCost::<vesta::Point, _>::measure(shape.k(), &HealthCircuit::keygen(shape));
    format!(
        "shape: {}\nk: {}\nvk_fingerprint: {}\nproof_bytes: {}\n{cost:#?}\n",
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
    for k in [9, 10] {
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
