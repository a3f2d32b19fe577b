//! The [`Verifier`]: keys for every circuit, single and batch verification.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use halo2_proofs::plonk::BatchVerifier;
use zkliq_circuits::batch::{BatchInstance, BatchShape};
use zkliq_circuits::commitment::{market_commitment, price_commitment};
use zkliq_circuits::field::{self, Fp};
use zkliq_circuits::keys::{CircuitShape, Curve, Fingerprint, Params, ParamsStore, VerifierKey};
use zkliq_circuits::proof::{self, VerifyError as ProofError};
use zkliq_circuits::{Claim, Instance, Market, PriceRound, Shape};

use crate::envelope::{AnyEnvelope, ProofEnvelope, StateProofEnvelope};
use crate::error::VerifyError;

/// Verifies zkliq proofs. Build one and reuse it: parameters and keys are derived on first use
/// of each circuit (tens of milliseconds for health proofs, seconds for large batches) and kept.
#[derive(Debug, Default)]
pub struct Verifier {
    params: ParamsStore,
    keys: Mutex<Vec<(CircuitShape, Arc<VerifierKey>)>>,
}

/// A health proof that verified, and what it proves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    /// The circuit shape.
    pub shape: Shape,
    /// The public inputs, now known to be proven.
    pub instance: Instance,
}

/// A state proof (batch or membership) that verified, and what it proves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedState {
    /// The batch shape.
    pub shape: BatchShape,
    /// The public inputs, now known to be proven: each claimed leaf satisfies its claim, for the
    /// account committed at that leaf of the tree with this root.
    pub instance: BatchInstance,
}

/// Either kind of verified proof.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AnyVerified {
    /// A health proof.
    Health(Verified),
    /// A state proof.
    State(VerifiedState),
}

fn check_market(shape: Shape, commitment: Fp, market: &Market) -> Result<(), VerifyError> {
    if market.shape() != shape {
        return Err(VerifyError::ShapeMismatch {
            expected: market.shape(),
            found: shape,
        });
    }
    let expected = market_commitment(market);
    if expected != commitment {
        return Err(VerifyError::MarketMismatch {
            expected: field::to_hex(&expected),
            found: field::to_hex(&commitment),
        });
    }
    Ok(())
}

fn check_prices(
    shape: Shape,
    market_commitment: Fp,
    commitment: Fp,
    market: &Market,
    prices: &PriceRound,
) -> Result<(), VerifyError> {
    check_market(shape, market_commitment, market)?;
    let expected = price_commitment(market, prices);
    if expected != commitment {
        return Err(VerifyError::PricesMismatch {
            expected: field::to_hex(&expected),
            found: field::to_hex(&commitment),
        });
    }
    Ok(())
}

impl Verified {
    /// The proven claim.
    pub fn claim(&self) -> Claim {
        self.instance.claim
    }

    /// Checks the proof is about `market` (its commitment and shape).
    pub fn check_market(&self, market: &Market) -> Result<(), VerifyError> {
        check_market(self.shape, self.instance.market_commitment, market)
    }

    /// Checks the proof is at price round `prices` of `market` (and about `market`).
    pub fn check_prices(&self, market: &Market, prices: &PriceRound) -> Result<(), VerifyError> {
        let i = &self.instance;
        check_prices(
            self.shape,
            i.market_commitment,
            i.price_commitment,
            market,
            prices,
        )
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

impl VerifiedState {
    /// `(leaf index, claim)` for every leaf the proof makes a claim about.
    pub fn claimed(&self) -> impl Iterator<Item = (u64, Claim)> + '_ {
        self.instance.claimed()
    }

    /// The proven claim about leaf `index`, if the proof makes one.
    pub fn claim_at(&self, index: u64) -> Option<Claim> {
        self.instance
            .claimed()
            .find(|(i, _)| *i == index)
            .map(|(_, c)| c)
    }

    /// Checks the proof is about `market` (its commitment and asset shape).
    pub fn check_market(&self, market: &Market) -> Result<(), VerifyError> {
        check_market(self.shape.assets, self.instance.market_commitment, market)
    }

    /// Checks the proof is at price round `prices` of `market` (and about `market`).
    pub fn check_prices(&self, market: &Market, prices: &PriceRound) -> Result<(), VerifyError> {
        let i = &self.instance;
        check_prices(
            self.shape.assets,
            i.market_commitment,
            i.price_commitment,
            market,
            prices,
        )
    }

    /// Checks the proof is against the state root `root`.
    pub fn check_root(&self, root: Fp) -> Result<(), VerifyError> {
        if root != self.instance.root {
            return Err(VerifyError::RootMismatch {
                expected: field::to_hex(&root),
                found: field::to_hex(&self.instance.root),
            });
        }
        Ok(())
    }
}

/// The outcome of verifying many proofs at once: one result per proof, in input order.
#[derive(Debug)]
pub struct BatchReport<T> {
    /// Per proof: what it proves, or why it failed.
    pub results: Vec<Result<T, VerifyError>>,
}

impl<T> BatchReport<T> {
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

/// What verification needs from an envelope of either kind.
trait Item {
    type Verified;
    fn circuit(&self) -> CircuitShape;
    fn fingerprint(&self) -> Fingerprint;
    fn proof(&self) -> &[u8];
    fn column(&self) -> Vec<Fp>;
    fn verified(&self) -> Self::Verified;
}

impl Item for ProofEnvelope {
    type Verified = Verified;
    fn circuit(&self) -> CircuitShape {
        CircuitShape::Health(self.shape)
    }
    fn fingerprint(&self) -> Fingerprint {
        self.fingerprint
    }
    fn proof(&self) -> &[u8] {
        &self.proof
    }
    fn column(&self) -> Vec<Fp> {
        self.instance.to_column()
    }
    fn verified(&self) -> Verified {
        Verified {
            shape: self.shape,
            instance: self.instance,
        }
    }
}

impl Item for StateProofEnvelope {
    type Verified = VerifiedState;
    fn circuit(&self) -> CircuitShape {
        CircuitShape::Batch(self.shape)
    }
    fn fingerprint(&self) -> Fingerprint {
        self.fingerprint
    }
    fn proof(&self) -> &[u8] {
        &self.proof
    }
    fn column(&self) -> Vec<Fp> {
        self.instance.to_column()
    }
    fn verified(&self) -> VerifiedState {
        VerifiedState {
            shape: self.shape,
            instance: self.instance.clone(),
        }
    }
}

impl Verifier {
    /// A verifier that derives parameters in memory (about 0.2 s per `k` on first use, more for
    /// the large `k` of big batches).
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

    /// The verifier key of a circuit, built on first use.
    pub fn key(&self, shape: impl Into<CircuitShape>) -> Result<Arc<VerifierKey>, VerifyError> {
        let shape = shape.into();
        let find = |keys: &[(CircuitShape, Arc<VerifierKey>)]| {
            keys.iter()
                .find(|(s, _)| *s == shape)
                .map(|(_, k)| k.clone())
        };
        if let Some(key) = find(&self.keys.lock().unwrap_or_else(|e| e.into_inner())) {
            return Ok(key);
        }
        let params = self.params.get(shape.k())?;
        let key = Arc::new(VerifierKey::build(&params, shape)?);
        let mut keys = self.keys.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(existing) = find(&keys) {
            return Ok(existing);
        }
        keys.push((shape, key.clone()));
        Ok(key)
    }

    /// Parses and verifies a health proof envelope. Never panics, whatever the bytes.
    pub fn verify_json(&self, bytes: &[u8]) -> Result<Verified, VerifyError> {
        self.verify(&ProofEnvelope::from_json(bytes)?)
    }

    /// Parses and verifies a proof of either kind. Never panics, whatever the bytes.
    pub fn verify_any_json(&self, bytes: &[u8]) -> Result<AnyVerified, VerifyError> {
        match AnyEnvelope::from_json(bytes)? {
            AnyEnvelope::Health(e) => self.verify(&e).map(AnyVerified::Health),
            AnyEnvelope::State(e) => self.verify_state(&e).map(AnyVerified::State),
        }
    }

    /// Verifies a health proof: its key fingerprint, its exact length and the proof.
    pub fn verify(&self, envelope: &ProofEnvelope) -> Result<Verified, VerifyError> {
        self.verify_item(envelope)
    }

    /// Verifies a state (batch or membership) proof: fingerprint, length and the proof.
    pub fn verify_state(
        &self,
        envelope: &StateProofEnvelope,
    ) -> Result<VerifiedState, VerifyError> {
        self.verify_item(envelope)
    }

    fn verify_item<E: Item>(&self, envelope: &E) -> Result<E::Verified, VerifyError> {
        let (params, key) = self.precheck(envelope)?;
        proof::verify_column(&params, &key, &envelope.column(), envelope.proof())
            .map_err(from_proof)?;
        Ok(envelope.verified())
    }

    /// Checks everything but the cryptography (fingerprint and length); returns the
    /// parameters and key to verify with.
    fn precheck<E: Item>(
        &self,
        envelope: &E,
    ) -> Result<(Arc<Params<Curve>>, Arc<VerifierKey>), VerifyError> {
        let shape = envelope.circuit();
        let key = self.key(shape)?;
        let params = self.params.get(shape.k())?;
        if key.fingerprint() != envelope.fingerprint() {
            return Err(VerifyError::FingerprintMismatch {
                shape,
                expected: key.fingerprint().to_hex(),
                found: envelope.fingerprint().to_hex(),
            });
        }
        proof::check_length(&key, envelope.proof()).map_err(from_proof)?;
        Ok((params, key))
    }

    /// Verifies many health proofs at once with halo2's batch verifier (one multi-scalar
    /// multiplication per shape instead of one per proof), and reports which proofs fail: when
    /// a batch fails it is split in halves until the invalid proofs are isolated.
    ///
    /// No input bytes can make this panic, but halo2's batch verifier draws its random factors
    /// from the operating system and panics if the OS random number generator fails.
    pub fn verify_batch(&self, envelopes: &[ProofEnvelope]) -> BatchReport<Verified> {
        self.verify_many(envelopes)
    }

    /// [`Verifier::verify_batch`] for state proofs.
    pub fn verify_state_batch(
        &self,
        envelopes: &[StateProofEnvelope],
    ) -> BatchReport<VerifiedState> {
        self.verify_many(envelopes)
    }

    fn verify_many<E: Item>(&self, envelopes: &[E]) -> BatchReport<E::Verified> {
        let mut results: Vec<Option<Result<E::Verified, VerifyError>>> =
            envelopes.iter().map(|_| None).collect();
        type Group = (
            CircuitShape,
            Arc<Params<Curve>>,
            Arc<VerifierKey>,
            Vec<usize>,
        );
        let mut groups: Vec<Group> = Vec::new();
        for (i, envelope) in envelopes.iter().enumerate() {
            match self.precheck(envelope) {
                Err(e) => results[i] = Some(Err(e)),
                Ok((params, key)) => {
                    let shape = envelope.circuit();
                    match groups.iter_mut().find(|(s, ..)| *s == shape) {
                        Some((.., group)) => group.push(i),
                        None => groups.push((shape, params, key, vec![i])),
                    }
                }
            }
        }
        for (_, params, key, group) in groups {
            let items: Vec<(Vec<Fp>, &[u8])> = group
                .iter()
                .map(|&i| (envelopes[i].column(), envelopes[i].proof()))
                .collect();
            let mut valid = vec![false; group.len()];
            bisect(&params, &key, &items, &mut valid);
            for (i, ok) in group.into_iter().zip(valid) {
                results[i] = Some(if ok {
                    Ok(envelopes[i].verified())
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

/// Batch-verifies `items`; on failure splits them, down to single proofs.
fn bisect(
    params: &Params<Curve>,
    key: &VerifierKey,
    items: &[(Vec<Fp>, &[u8])],
    valid: &mut [bool],
) {
    if let [(column, bytes)] = items {
        valid[0] = proof::verify_column(params, key, column, bytes).is_ok();
        return;
    }
    let mut batch = BatchVerifier::<Curve>::new();
    for (column, bytes) in items {
        batch.add_proof(vec![vec![column.clone()]], bytes.to_vec());
    }
    if batch.finalize(params, key.vk()) {
        valid.fill(true);
        return;
    }
    let mid = items.len() / 2;
    let (left, right) = valid.split_at_mut(mid);
    bisect(params, key, &items[..mid], left);
    bisect(params, key, &items[mid..], right);
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
