//! Creating and checking proofs.
//!
//! A proof is the transcript bytes halo2 writes (BLAKE2b transcript, IPA over Vesta). halo2's
//! verifier ignores bytes after the transcript; [`verify`] therefore requires the proof to have
//! exactly [`VerifierKey::proof_len`] bytes, and that the transcript consumed all of them.

use halo2_proofs::plonk::{self, Circuit, SingleVerifier, create_proof, verify_proof};
use halo2_proofs::poly::commitment::Params;
use halo2_proofs::transcript::{Blake2bRead, Blake2bWrite, Challenge255};
use rand::SeedableRng;
use rand::rngs::{StdRng, SysRng};
use thiserror::Error;

use crate::batch::{BatchCircuit, BatchWitness};
use crate::commitment;
use crate::health::circuit::HealthCircuit;
use crate::health::instance::{Claim, Instance};
use crate::health::reference;
use crate::health::witness::HealthWitness;
use crate::inputs::{Account, Market, PriceRound};
use crate::keys::{CircuitShape, Curve, ProverKey, VerifierKey};
use crate::liquidation::{LiquidationCircuit, LiquidationWitness};
use crate::report::{
    ReportCircuitV1, ReportCircuitV2, ReportCircuitV3, ReportLayout, ReportWitness,
};

/// Why a proof could not be created.
#[derive(Debug, Error)]
pub enum ProveError {
    /// The claim is false for this account: no valid proof exists.
    #[error("the account is {actual}, so it cannot be proven {claimed}")]
    ClaimFalse {
        /// The claim asked for.
        claimed: Claim,
        /// The claim that holds.
        actual: Claim,
    },
    /// The key is for a different circuit than the statement needs.
    #[error("the key is for the {key} circuit but the statement needs the {market} circuit")]
    WrongShape {
        /// The key's shape.
        key: CircuitShape,
        /// The statement's shape.
        market: CircuitShape,
    },
    /// The operating system's random number generator failed.
    #[error("the operating system's random number generator failed: {0}")]
    Randomness(String),
    /// halo2 failed to create the proof.
    #[error("proof creation failed: {0}")]
    Halo2(#[from] plonk::Error),
}

/// Why a proof was rejected.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum VerifyError {
    /// The proof does not have the exact length proofs of this key have.
    #[error(
        "proof has {found} bytes, but a {shape} proof of these public inputs has exactly {expected}"
    )]
    Length {
        /// The key's shape.
        shape: CircuitShape,
        /// Required length.
        expected: usize,
        /// Actual length.
        found: usize,
    },
    /// The proof does not verify against these public inputs and this key.
    #[error("the proof does not verify against its public inputs")]
    Invalid,
    /// The instance column does not have the circuit's number of public inputs (halo2 would
    /// read missing trailing inputs as zeros).
    #[error("{shape} proofs have {expected} public inputs, got {found}")]
    InstanceLength {
        /// The key's shape.
        shape: CircuitShape,
        /// The circuit's number of public inputs.
        expected: usize,
        /// The column's length.
        found: usize,
    },
}

/// The public inputs for proving `claim` about `account`.
pub fn instance_for(
    market: &Market,
    prices: &PriceRound,
    account: &Account,
    claim: Claim,
) -> Instance {
    Instance {
        account_commitment: commitment::account_commitment(market, account),
        price_commitment: commitment::price_commitment(market, prices),
        market_commitment: commitment::market_commitment(market),
        claim,
    }
}

/// Proves `claim` about `account`, refusing (without running the prover) if the claim is false.
pub fn prove(
    params: &Params<Curve>,
    key: &ProverKey,
    market: &Market,
    prices: &PriceRound,
    account: &Account,
    claim: Claim,
) -> Result<(Instance, Vec<u8>), ProveError> {
    if key.verifier().shape() != CircuitShape::Health(market.shape()) {
        return Err(ProveError::WrongShape {
            key: key.verifier().shape(),
            market: market.shape().into(),
        });
    }
    let actual = reference::evaluate(market, prices, account).claim();
    if actual != claim {
        return Err(ProveError::ClaimFalse {
            claimed: claim,
            actual,
        });
    }
    let instance = instance_for(market, prices, account, claim);
    let witness = HealthWitness::new(market, prices, account, claim);
    let proof = prove_witness(params, key, witness, &instance.to_column())?;
    Ok((instance, proof))
}

/// Runs the prover on a raw witness and instance column, without checking the claim first.
/// Soundness tests use it to show that dishonest witnesses do not yield verifying proofs.
pub fn prove_witness(
    params: &Params<Curve>,
    key: &ProverKey,
    witness: HealthWitness,
    instance: &[crate::Fp],
) -> Result<Vec<u8>, ProveError> {
    if key.verifier().shape() != CircuitShape::Health(witness.shape) {
        return Err(ProveError::WrongShape {
            key: key.verifier().shape(),
            market: witness.shape.into(),
        });
    }
    create(params, key, HealthCircuit::new(witness), instance)
}

/// Runs the prover on a batch witness and instance column, without checking the claims first
/// ([`crate::batch`]; the caller checks claims against the reference).
pub fn prove_batch_witness(
    params: &Params<Curve>,
    key: &ProverKey,
    witness: BatchWitness,
    instance: &[crate::Fp],
) -> Result<Vec<u8>, ProveError> {
    if key.verifier().shape() != CircuitShape::Batch(witness.shape) {
        return Err(ProveError::WrongShape {
            key: key.verifier().shape(),
            market: witness.shape.into(),
        });
    }
    create(params, key, BatchCircuit::new(witness), instance)
}

/// Runs the prover on a liquidation witness and instance column, without checking the rule
/// first ([`crate::liquidation`]; the caller quotes the liquidation with the reference).
pub fn prove_liquidation_witness(
    params: &Params<Curve>,
    key: &ProverKey,
    witness: LiquidationWitness,
    instance: &[crate::Fp],
) -> Result<Vec<u8>, ProveError> {
    if key.verifier().shape() != CircuitShape::Liquidation(witness.shape) {
        return Err(ProveError::WrongShape {
            key: key.verifier().shape(),
            market: witness.shape.into(),
        });
    }
    create(params, key, LiquidationCircuit::new(witness), instance)
}

/// Runs the prover on a report-piece witness and instance column, without checking it first
/// ([`crate::report`]; the caller checks the piece against the reference).
pub fn prove_report_witness(
    params: &Params<Curve>,
    key: &ProverKey,
    witness: ReportWitness,
    instance: &[crate::Fp],
) -> Result<Vec<u8>, ProveError> {
    prove_report_witnesses(params, key, vec![witness], &[instance])
}

/// Proves several report pieces of one shape in one proof (a group: halo2 shares the
/// vanishing and opening arguments between them, so each further piece costs less than a proof
/// of its own; docs/BENCHMARKS.md). `instances[i]` is the column of `witnesses[i]`.
pub fn prove_report_witnesses(
    params: &Params<Curve>,
    key: &ProverKey,
    witnesses: Vec<ReportWitness>,
    instances: &[&[crate::Fp]],
) -> Result<Vec<u8>, ProveError> {
    if let Some(w) = witnesses
        .iter()
        .find(|w| key.verifier().shape() != CircuitShape::Report(w.shape))
    {
        return Err(ProveError::WrongShape {
            key: key.verifier().shape(),
            market: w.shape.into(),
        });
    }
    if witnesses.is_empty() || witnesses.len() != instances.len() {
        return Err(ProveError::Halo2(plonk::Error::InvalidInstances));
    }
    match key.verifier().shape() {
        CircuitShape::Report(shape) if shape.layout == ReportLayout::V1 => {
            let circuits: Vec<_> = witnesses.into_iter().map(ReportCircuitV1::new).collect();
            create_many(params, key, &circuits, instances)
        }
        CircuitShape::Report(shape) if shape.layout == ReportLayout::V3 => {
            let circuits: Vec<_> = witnesses.into_iter().map(ReportCircuitV3::new).collect();
            create_many(params, key, &circuits, instances)
        }
        _ => {
            let circuits: Vec<_> = witnesses.into_iter().map(ReportCircuitV2::new).collect();
            create_many(params, key, &circuits, instances)
        }
    }
}

fn create<C: Circuit<crate::Fp>>(
    params: &Params<Curve>,
    key: &ProverKey,
    circuit: C,
    instance: &[crate::Fp],
) -> Result<Vec<u8>, ProveError> {
    create_many(params, key, &[circuit], &[instance])
}

fn create_many<C: Circuit<crate::Fp>>(
    params: &Params<Curve>,
    key: &ProverKey,
    circuits: &[C],
    instances: &[&[crate::Fp]],
) -> Result<Vec<u8>, ProveError> {
    let mut rng =
        StdRng::try_from_rng(&mut SysRng).map_err(|e| ProveError::Randomness(e.to_string()))?;
    let mut transcript = Blake2bWrite::<_, Curve, Challenge255<Curve>>::init(vec![]);
    let columns: Vec<[&[crate::Fp]; 1]> = instances.iter().map(|c| [*c]).collect();
    let columns: Vec<&[&[crate::Fp]]> = columns.iter().map(|c| &c[..]).collect();
    create_proof(
        params,
        key.pk(),
        circuits,
        &columns,
        &mut rng,
        &mut transcript,
    )?;
    Ok(transcript.finalize())
}

/// Checks `proof` against `instance` with `key`: exact length, valid transcript, no trailing
/// bytes.
pub fn verify(
    params: &Params<Curve>,
    key: &VerifierKey,
    instance: &Instance,
    proof: &[u8],
) -> Result<(), VerifyError> {
    verify_column(params, key, &instance.to_column(), proof)
}

/// [`verify`] on a raw instance column (of any values, but exactly the circuit's length).
pub fn verify_column(
    params: &Params<Curve>,
    key: &VerifierKey,
    column: &[crate::Fp],
    proof: &[u8],
) -> Result<(), VerifyError> {
    verify_columns(params, key, &[column], proof)
}

/// Checks a proof of several circuits of one key at once (see [`prove_report_witnesses`]):
/// one column per circuit, in the order they were proved; the exact length of a proof of that
/// many circuits, no trailing bytes.
pub fn verify_columns(
    params: &Params<Curve>,
    key: &VerifierKey,
    columns: &[&[crate::Fp]],
    proof: &[u8],
) -> Result<(), VerifyError> {
    let expected = key.shape().public_inputs();
    if let Some(column) = columns.iter().find(|c| c.len() != expected) {
        return Err(VerifyError::InstanceLength {
            shape: key.shape(),
            expected,
            found: column.len(),
        });
    }
    check_length_of(key, columns.len(), proof)?;
    let mut reader = proof;
    {
        let mut transcript = Blake2bRead::<_, Curve, Challenge255<Curve>>::init(&mut reader);
        let strategy = SingleVerifier::new(params);
        let columns: Vec<[&[crate::Fp]; 1]> = columns.iter().map(|c| [*c]).collect();
        let columns: Vec<&[&[crate::Fp]]> = columns.iter().map(|c| &c[..]).collect();
        verify_proof(params, key.vk(), strategy, &columns, &mut transcript)
            .map_err(|_| VerifyError::Invalid)?;
    }
    // halo2 ignores bytes after the transcript: every byte must have been read.
    if reader.is_empty() {
        Ok(())
    } else {
        Err(VerifyError::Invalid)
    }
}

/// Rejects proofs whose length differs from the key's exact proof length.
pub fn check_length(key: &VerifierKey, proof: &[u8]) -> Result<(), VerifyError> {
    check_length_of(key, 1, proof)
}

/// Rejects proofs of `circuits` circuits whose length differs from the exact length such
/// proofs have.
pub fn check_length_of(
    key: &VerifierKey,
    circuits: usize,
    proof: &[u8],
) -> Result<(), VerifyError> {
    match key.proof_len_of(circuits) {
        Some(expected) if proof.len() == expected => Ok(()),
        expected => Err(VerifyError::Length {
            shape: key.shape(),
            expected: expected.unwrap_or(0),
            found: proof.len(),
        }),
    }
}
