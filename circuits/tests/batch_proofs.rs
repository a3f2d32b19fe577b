//! Real (not mock) batch and membership proofs: every public input is bound, and a proof is
//! bound to its circuit.

mod common;

use common::{batch_witness, keys, vector};
use ff::Field;
use zkliq_circuits::batch::{BatchShape, BatchWitness, CLAIMS_START_ROW};
use zkliq_circuits::proof::{self, VerifyError};
use zkliq_circuits::{Account, Fp, Shape};

fn witness(height: u32, subtree: u64) -> BatchWitness {
    let (market, prices, _) = vector("aave4", "aave4-crash", "aave4-rand0");
    let accounts: Vec<Option<Account>> = (0..1usize << height)
        .map(|i| {
            (i % 5 != 4).then(|| vector("aave4", "aave4-crash", &format!("aave4-rand{}", i % 14)).2)
        })
        .collect();
    batch_witness(&market, &prices, &accounts, None, height, subtree)
}

fn prove(w: &BatchWitness) -> (Vec<Fp>, Vec<u8>) {
    let (params, key) = keys(w.shape);
    let column = w.public_inputs();
    let bytes = proof::prove_batch_witness(&params, key, w.clone(), &column).unwrap();
    (column, bytes)
}

#[test]
fn batch_proofs_bind_every_public_input() {
    let w = witness(3, 6);
    let (column, bytes) = prove(&w);
    let (params, key) = keys(w.shape);
    assert_eq!(
        proof::verify_column(&params, key.verifier(), &column, &bytes),
        Ok(())
    );
    for row in 0..column.len() {
        let mut flipped = column.clone();
        flipped[row] += Fp::ONE;
        assert_eq!(
            proof::verify_column(&params, key.verifier(), &flipped, &bytes),
            Err(VerifyError::Invalid),
            "row {row}"
        );
    }
    // A claim turned from liquidatable (2) to "no claim" (0) also fails.
    let j = column[CLAIMS_START_ROW..]
        .iter()
        .position(|c| *c == Fp::from(2))
        .unwrap();
    let mut dropped = column.clone();
    dropped[CLAIMS_START_ROW + j] = Fp::ZERO;
    assert_eq!(
        proof::verify_column(&params, key.verifier(), &dropped, &bytes),
        Err(VerifyError::Invalid)
    );
    let mut longer = bytes.clone();
    longer.push(0);
    assert!(matches!(
        proof::verify_column(&params, key.verifier(), &column, &longer),
        Err(VerifyError::Length { .. })
    ));

    // Under another circuit of the same k and instance length: a batch of 8 for 2 assets.
    let other = BatchShape::new(Shape::A2, 3).unwrap();
    assert_eq!(other.k(), w.shape.k());
    let (params2, key2) = keys(other);
    assert_eq!(
        proof::verify_column(&params2, key2.verifier(), &column, &bytes),
        Err(VerifyError::Invalid)
    );
    assert_ne!(key.verifier().fingerprint(), key2.verifier().fingerprint());
}

#[test]
fn membership_proofs_verify_and_bind_the_index() {
    let w = witness(0, 1_234_567);
    let (column, bytes) = prove(&w);
    let (params, key) = keys(w.shape);
    assert_eq!(
        proof::verify_column(&params, key.verifier(), &column, &bytes),
        Ok(())
    );
    let mut other_index = column.clone();
    other_index[zkliq_circuits::batch::SUBTREE_INDEX_ROW] = Fp::from(1_234_566);
    assert_eq!(
        proof::verify_column(&params, key.verifier(), &other_index, &bytes),
        Err(VerifyError::Invalid)
    );
}

#[test]
fn a_false_claim_does_not_yield_a_verifying_proof() {
    let mut w = witness(3, 1);
    let j = w.public_inputs()[CLAIMS_START_ROW..]
        .iter()
        .position(|c| *c == Fp::ONE)
        .unwrap();
    w.slots[j].claim = Fp::ZERO; // claim liquidatable for a healthy account
    w.slots[j].derive_verdict();
    w.derive_verdicts();
    let (column, bytes) = prove(&w);
    let (params, key) = keys(w.shape);
    assert_eq!(
        proof::verify_column(&params, key.verifier(), &column, &bytes),
        Err(VerifyError::Invalid)
    );
}

/// Every public input of every batch shape (membership, 32 and 128 positions; 8 above) is
/// bound: flipping any row of a real proof's instance fails, and so does a column one row short
/// (the last claim read as "no claim") or one row long.
#[test]
fn every_instance_row_of_every_batch_shape_is_bound() {
    for (height, subtree) in [(0u32, 77_777u64), (5, 9), (7, 2)] {
        let w = witness(height, subtree);
        let (column, bytes) = prove(&w);
        let (params, key) = keys(w.shape);
        assert_eq!(
            proof::verify_column(&params, key.verifier(), &column, &bytes),
            Ok(()),
            "{}",
            w.shape
        );
        for row in 0..column.len() {
            let mut flipped = column.clone();
            flipped[row] += Fp::ONE;
            assert_eq!(
                proof::verify_column(&params, key.verifier(), &flipped, &bytes),
                Err(VerifyError::Invalid),
                "{} row {row}",
                w.shape
            );
        }
        for len in [column.len() - 1, column.len() + 1] {
            let mut wrong = column.clone();
            wrong.resize(len, Fp::ZERO);
            assert!(matches!(
                proof::verify_column(&params, key.verifier(), &wrong, &bytes),
                Err(VerifyError::InstanceLength { .. })
            ));
        }
    }
}
