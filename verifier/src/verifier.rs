//! The [`Verifier`]: keys for every shape, single and batch verification.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use halo2_proofs::plonk::BatchVerifier;
use halo2_proofs::poly::commitment::Params;
use zkliq_circuits::commitment::{market_commitment, price_commitment};
use zkliq_circuits::field::{self, Fp};
use zkliq_circuits::keys::{Curve, ParamsStore, VerifierKey};
use zkliq_circuits::proof::{self, VerifyError as ProofError};
use zkliq_circuits::{Claim, Instance, Market, PriceRound, Shape};

use crate::envelope::ProofEnvelope;
use crate::error::VerifyError;

/// Verifies zkliq proofs. Build one and reuse it: parameters and keys are derived on first use
/// of each shape (tens of milliseconds) and kept.
#[derive(Debug, Default)]
pub struct Verifier {
    params: ParamsStore,
    keys: Mutex<Vec<(Shape, Arc<VerifierKey>)>>,
}

/// A proof that verified, and what it proves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    /// The circuit shape.
    pub shape: Shape,
    /// The public inputs, now known to be proven.
    pub instance: Instance,
}

impl Verified {
    /// The proven claim.
    pub fn claim(&self) -> Claim {
        self.instance.claim
    }

    /// Checks the proof is about `market` (its commitment and shape).
    pub fn check_market(&self, market: &Market) -> Result<(), VerifyError> {
        if market.shape() != self.shape {
            return Err(VerifyError::ShapeMismatch {
                expected: market.shape(),
                found: self.shape,
            });
        }
        let expected = market_commitment(market);
        if expected != self.instance.market_commitment {
            return Err(VerifyError::MarketMismatch {
                expected: field::to_hex(&expected),
                found: field::to_hex(&self.instance.market_commitment),
            });
        }
        Ok(())
    }

    /// Checks the proof is at price round `prices` of `market` (and about `market`).
    pub fn check_prices(&self, market: &Market, prices: &PriceRound) -> Result<(), VerifyError> {
        self.check_market(market)?;
        let expected = price_commitment(market, prices);
        if expected != self.instance.price_commitment {
            return Err(VerifyError::PricesMismatch {
                expected: field::to_hex(&expected),
                found: field::to_hex(&self.instance.price_commitment),
            });
        }
        Ok(())
    }

    /// Checks the proof is about the account with this commitment.
    pub fn check_account(&self, account_commitment: Fp) -> Result<(), VerifyError> {
        if account_commitment != self.instance.account_commitment {
            return Err(VerifyError::AccountMismatch {
                expected: field::to_hex(&account_commitment),
                found: field::to_hex(&self.instance.account_commitment),
            });
        }
        Ok(())
    }
}

/// The outcome of [`Verifier::verify_batch`]: one result per proof, in input order.
#[derive(Debug)]
pub struct BatchReport {
    /// Per proof: what it proves, or why it failed.
    pub results: Vec<Result<Verified, VerifyError>>,
}

impl BatchReport {
    /// True if every proof verified.
    pub fn all_valid(&self) -> bool {
        self.results.iter().all(Result::is_ok)
    }

    /// Indices and errors of the proofs that failed.
    pub fn failures(&self) -> impl Iterator<Item = (usize, &VerifyError)> {
        self.results
            .iter()
            .enumerate()
            .filter_map(|(i, r)| r.as_ref().err().map(|e| (i, e)))
    }
}

impl Verifier {
    /// A verifier that derives parameters in memory (about 0.2 s per `k` on first use).
    pub fn new() -> Self {
        Verifier::default()
    }

    /// A verifier that caches parameters in `dir`. Cached files are checked against pinned
    /// digests before use, so a tampered cache is regenerated, never trusted.
    pub fn with_params_cache(dir: impl Into<PathBuf>) -> Self {
        Verifier {
            params: ParamsStore::cached_in(dir),
            keys: Mutex::default(),
        }
    }

    /// The verifier key of `shape`, built on first use.
    pub fn key(&self, shape: Shape) -> Result<Arc<VerifierKey>, VerifyError> {
        let cached = |keys: &Mutex<Vec<(Shape, Arc<VerifierKey>)>>| {
            let keys = keys.lock().unwrap_or_else(|e| e.into_inner());
            keys.iter()
                .find(|(s, _)| *s == shape)
                .map(|(_, k)| k.clone())
        };
        if let Some(key) = cached(&self.keys) {
            return Ok(key);
        }
        let params = self.params.get(shape.k())?;
        let key = Arc::new(VerifierKey::build(&params, shape)?);
        let mut keys = self.keys.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((_, existing)) = keys.iter().find(|(s, _)| *s == shape) {
            return Ok(existing.clone());
        }
        keys.push((shape, key.clone()));
        Ok(key)
    }

    /// Parses and verifies a proof envelope. Never panics, whatever the bytes.
    pub fn verify_json(&self, bytes: &[u8]) -> Result<Verified, VerifyError> {
        self.verify(&ProofEnvelope::from_json(bytes)?)
    }

    /// Verifies a parsed envelope: its key fingerprint, its exact length and the proof.
    pub fn verify(&self, envelope: &ProofEnvelope) -> Result<Verified, VerifyError> {
        let (params, key) = self.precheck(envelope)?;
        proof::verify(&params, &key, &envelope.instance, &envelope.proof).map_err(from_proof)?;
        Ok(verified(envelope))
    }

    /// Checks everything but the cryptography (fingerprint and length); returns the
    /// parameters and key to verify with.
    fn precheck(
        &self,
        envelope: &ProofEnvelope,
    ) -> Result<(Arc<Params<Curve>>, Arc<VerifierKey>), VerifyError> {
        let key = self.key(envelope.shape)?;
        let params = self.params.get(envelope.shape.k())?;
        if key.fingerprint() != envelope.fingerprint {
            return Err(VerifyError::FingerprintMismatch {
                shape: envelope.shape,
                expected: key.fingerprint().to_hex(),
                found: envelope.fingerprint.to_hex(),
            });
        }
        proof::check_length(&key, &envelope.proof).map_err(from_proof)?;
        Ok((params, key))
    }

    /// Verifies many proofs at once with halo2's batch verifier (one multi-scalar
    /// multiplication per shape instead of one per proof), and reports which proofs fail: when
    /// a batch fails it is split in halves until the invalid proofs are isolated.
    pub fn verify_batch(&self, envelopes: &[ProofEnvelope]) -> BatchReport {
        let mut results: Vec<Option<Result<Verified, VerifyError>>> =
            envelopes.iter().map(|_| None).collect();
        type Group = (Shape, Arc<Params<Curve>>, Arc<VerifierKey>, Vec<usize>);
        let mut by_shape: Vec<Group> = Vec::new();
        for (i, envelope) in envelopes.iter().enumerate() {
            match self.precheck(envelope) {
                Err(e) => results[i] = Some(Err(e)),
                Ok((params, key)) => {
                    match by_shape.iter_mut().find(|(s, ..)| *s == envelope.shape) {
                        Some((.., group)) => group.push(i),
                        None => by_shape.push((envelope.shape, params, key, vec![i])),
                    }
                }
            }
        }
        for (_, params, key, group) in by_shape {
            let mut valid = vec![false; group.len()];
            bisect(&params, &key, envelopes, &group, &mut valid);
            for (i, ok) in group.into_iter().zip(valid) {
                results[i] = Some(if ok {
                    Ok(verified(&envelopes[i]))
                } else {
                    Err(VerifyError::Invalid)
                });
            }
        }
        BatchReport {
            results: results
                .into_iter()
                .map(|r| r.expect("every proof has a result"))
                .collect(),
        }
    }
}

/// Batch-verifies `group`; on failure splits it, down to single proofs.
fn bisect(
    params: &Params<Curve>,
    key: &VerifierKey,
    envelopes: &[ProofEnvelope],
    group: &[usize],
    valid: &mut [bool],
) {
    if group.len() == 1 {
        let e = &envelopes[group[0]];
        valid[0] = proof::verify(params, key, &e.instance, &e.proof).is_ok();
        return;
    }
    let mut batch = BatchVerifier::<Curve>::new();
    for &i in group {
        batch.add_proof(
            vec![vec![envelopes[i].instance.to_column()]],
            envelopes[i].proof.clone(),
        );
    }
    if batch.finalize(params, key.vk()) {
        valid.fill(true);
        return;
    }
    let mid = group.len() / 2;
    let (left, right) = valid.split_at_mut(mid);
    bisect(params, key, envelopes, &group[..mid], left);
    bisect(params, key, envelopes, &group[mid..], right);
}

fn verified(envelope: &ProofEnvelope) -> Verified {
    Verified {
        shape: envelope.shape,
        instance: envelope.instance,
    }
}

fn from_proof(e: ProofError) -> VerifyError {
    match e {
        ProofError::Length {
            shape,
            expected,
            found,
        } => VerifyError::Length {
            shape,
            expected,
            found,
        },
        ProofError::Invalid => VerifyError::Invalid,
    }
}
