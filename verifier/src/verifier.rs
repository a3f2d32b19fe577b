//! The [`Verifier`]: keys for every circuit; single and batch verification against a context.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use halo2_proofs::plonk::BatchVerifier;
use zkliq_circuits::Shape;
use zkliq_circuits::field::{self, Fp};
use zkliq_circuits::keys::{CircuitShape, Curve, Fingerprint, Params, ParamsStore, VerifierKey};
use zkliq_circuits::proof::{self, VerifyError as ProofError};
use zkliq_circuits::tree::TreeFormat;

use crate::context::{Context, Round, StateRoot};
use crate::envelope::{AnyEnvelope, LiquidationProofEnvelope, ProofEnvelope, StateProofEnvelope};
use crate::error::VerifyError;
use crate::verdict::{
    HealthVerdict, LeafClaim, LiquidationVerdict, RoundInfo, StateVerdict, Verdict,
};

/// Verifies zkliq proofs. Build one and reuse it: parameters and keys are derived on first use
/// of each circuit (tens of milliseconds for health proofs, seconds for large batches) and kept.
#[derive(Debug, Default)]
pub struct Verifier {
    params: ParamsStore,
    keys: Mutex<Vec<(CircuitShape, Arc<VerifierKey>)>>,
}

/// A proof whose cryptography was checked but whose public inputs were compared with nothing
/// ([`Verifier::verify_unbound`]). It says "*some* market, round and account (or root) satisfy
/// this claim": anyone can make such a proof for a market or prices they invent. For tools
/// that inspect proofs; never act on it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unbound {
    /// The envelope, whose public inputs the proof is valid for.
    pub envelope: AnyEnvelope,
}

fn check_market(shape: Shape, commitment: Fp, round: &Round) -> Result<(), VerifyError> {
    let market = round.market();
    if market.shape() != shape {
        return Err(VerifyError::ShapeMismatch {
            expected: market.shape(),
            found: shape,
        });
    }
    if round.market_commitment() != commitment {
        return Err(VerifyError::MarketMismatch {
            expected: field::to_hex(&round.market_commitment()),
            found: field::to_hex(&commitment),
        });
    }
    Ok(())
}

/// Checks the proof's market and price commitments against the round, and the round's age.
pub(crate) fn check_round(
    shape: Shape,
    market_commitment: Fp,
    price_commitment: Fp,
    round: &Round,
) -> Result<(), VerifyError> {
    check_market(shape, market_commitment, round)?;
    if round.price_commitment() != price_commitment {
        return Err(VerifyError::PricesMismatch {
            expected: field::to_hex(&round.price_commitment()),
            found: field::to_hex(&price_commitment),
        });
    }
    round.check_fresh()
}

pub(crate) fn check_root(expected: Fp, found: Fp) -> Result<(), VerifyError> {
    if expected != found {
        return Err(VerifyError::RootMismatch {
            expected: field::to_hex(&expected),
            found: field::to_hex(&found),
        });
    }
    Ok(())
}

/// The context checks of a health proof; the verdict it yields if the proof also verifies.
fn health_verdict(
    envelope: &ProofEnvelope,
    round: &Round,
    account: Option<Fp>,
) -> Result<HealthVerdict, VerifyError> {
    let i = &envelope.instance;
    check_round(
        envelope.shape,
        i.market_commitment,
        i.price_commitment,
        round,
    )?;
    if let Some(expected) = account.filter(|a| *a != i.account_commitment) {
        return Err(VerifyError::AccountMismatch {
            expected: field::to_hex(&expected),
            found: field::to_hex(&i.account_commitment),
        });
    }
    Ok(HealthVerdict {
        claim: i.claim,
        shape: envelope.shape.assets(),
        account_commitment: i.account_commitment,
        account_checked: account.is_some(),
        round: RoundInfo::new(round),
    })
}

/// The context checks of a state proof; the verdict it yields if the proof also verifies.
fn state_verdict(
    envelope: &StateProofEnvelope,
    round: &Round,
    root: StateRoot,
) -> Result<StateVerdict, VerifyError> {
    let i = &envelope.instance;
    let shape = envelope.shape;
    if shape.tree.depth() != root.depth {
        return Err(VerifyError::DepthMismatch {
            expected: root.depth,
            found: shape.tree.depth(),
        });
    }
    check_round(shape.assets, i.market_commitment, i.price_commitment, round)?;
    check_root(root.root, i.root)?;
    Ok(StateVerdict {
        root: i.root,
        format: match shape.tree.format() {
            TreeFormat::V1 => 1,
            TreeFormat::V2 => 2,
        },
        root_binds_market: shape.tree.format() == TreeFormat::V2,
        depth: shape.tree.depth(),
        shape: shape.assets.assets(),
        positions: shape.positions(),
        leaves: [i.leaf_index(0), i.leaf_index(shape.positions() - 1)],
        claims: i
            .claimed()
            .map(|(leaf, claim)| LeafClaim { leaf, claim })
            .collect(),
        round: RoundInfo::new(round),
    })
}

/// The context checks of a liquidation proof; the verdict it yields if the proof also
/// verifies.
fn liquidation_verdict(
    envelope: &LiquidationProofEnvelope,
    round: &Round,
    old_root: StateRoot,
    liquidator: Option<Fp>,
) -> Result<LiquidationVerdict, VerifyError> {
    let i = &envelope.instance;
    let shape = i.shape;
    if shape.tree.depth() != old_root.depth {
        return Err(VerifyError::DepthMismatch {
            expected: old_root.depth,
            found: shape.tree.depth(),
        });
    }
    check_round(shape.assets, i.market_commitment, i.price_commitment, round)?;
    check_root(old_root.root, i.old_root)?;
    if let Some(expected) = liquidator.filter(|l| *l != i.liquidator) {
        return Err(VerifyError::LiquidatorMismatch {
            expected: field::to_hex(&expected),
            found: field::to_hex(&i.liquidator),
        });
    }
    // The market matched the proof's shape, so both indices name one of its assets.
    let symbol = |index: usize| {
        round
            .market()
            .assets()
            .get(index)
            .map_or_else(|| format!("#{index}"), |a| a.symbol.clone())
    };
    Ok(LiquidationVerdict {
        old_root: i.old_root,
        new_root: i.new_root,
        depth: shape.tree.depth(),
        leaf: i.leaf,
        shape: shape.assets.assets(),
        debt: symbol(i.debt),
        collateral: symbol(i.collateral),
        repay: i.repay,
        repaid: i.repaid,
        seized: i.seized,
        to_liquidator: i.to_liquidator,
        fee: i.fee,
        liquidator: i.liquidator,
        liquidator_checked: liquidator.is_some(),
        round: RoundInfo::new(round),
    })
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

/// What verification needs from an envelope of any kind.
trait Item {
    fn circuit(&self) -> CircuitShape;
    fn fingerprint(&self) -> Fingerprint;
    fn proof(&self) -> &[u8];
    fn column(&self) -> Vec<Fp>;
    /// One column per circuit the proof proves (one, but for report groups).
    fn columns(&self) -> Vec<Vec<Fp>> {
        vec![self.column()]
    }
    /// How many circuits the proof proves (its length depends on it).
    fn circuits(&self) -> usize {
        1
    }
}

impl Item for ProofEnvelope {
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
}

impl Item for StateProofEnvelope {
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
}

impl Item for LiquidationProofEnvelope {
    fn circuit(&self) -> CircuitShape {
        CircuitShape::Liquidation(self.instance.shape)
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
}

impl Item for crate::report::ReportGroupEnvelope {
    fn circuit(&self) -> CircuitShape {
        CircuitShape::Report(self.shape())
    }
    fn fingerprint(&self) -> Fingerprint {
        self.fingerprint
    }
    fn proof(&self) -> &[u8] {
        &self.proof
    }
    fn column(&self) -> Vec<Fp> {
        self.instances[0].to_column()
    }
    fn columns(&self) -> Vec<Vec<Fp>> {
        self.instances.iter().map(|i| i.to_column()).collect()
    }
    fn circuits(&self) -> usize {
        self.instances.len()
    }
}

/// Refuses context that does not apply to a proof of `kind`.
fn refuse(
    given: bool,
    what: &'static str,
    kind: &'static str,
    instead: &'static str,
) -> Result<(), VerifyError> {
    if given {
        return Err(VerifyError::UnusedContext {
            what,
            kind,
            instead,
        });
    }
    Ok(())
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

    /// Verifies a proof file of any kind against `context`: a health proof against its round
    /// (and account commitment, if given), a state proof against its round and root (required),
    /// a liquidation proof against its round and old root (required) and liquidator (if
    /// given). Never panics, whatever the bytes.
    pub fn verify(&self, bytes: &[u8], context: &Context<'_>) -> Result<Verdict, VerifyError> {
        let account = context.account.is_some();
        let liquidator = context.liquidator.is_some();
        match AnyEnvelope::from_json(bytes)? {
            AnyEnvelope::Health(e) => {
                let kind = "a health proof";
                let instead = "an account commitment";
                refuse(context.root.is_some(), "root", kind, instead)?;
                refuse(liquidator, "liquidator", kind, instead)?;
                self.verify_health(&e, context.round, context.account)
                    .map(Verdict::Health)
            }
            AnyEnvelope::State(e) => {
                let (kind, instead) = ("a state proof", "a state root");
                refuse(account, "account commitment", kind, instead)?;
                refuse(liquidator, "liquidator", kind, instead)?;
                let root = context
                    .root
                    .ok_or(VerifyError::MissingContext { what: "root", kind })?;
                self.verify_state(&e, context.round, root)
                    .map(Verdict::State)
            }
            AnyEnvelope::Liquidation(e) => {
                let kind = "a liquidation proof";
                let instead = "the old state root and a liquidator";
                refuse(account, "account commitment", kind, instead)?;
                let root = context
                    .root
                    .ok_or(VerifyError::MissingContext { what: "root", kind })?;
                self.verify_liquidation(&e, context.round, root, context.liquidator)
                    .map(Verdict::Liquidation)
            }
        }
    }

    /// [`Verifier::verify`] on a file.
    pub fn verify_file(
        &self,
        path: impl AsRef<Path>,
        context: &Context<'_>,
    ) -> Result<Verdict, VerifyError> {
        let path = path.as_ref();
        let bytes = std::fs::read(path).map_err(|cause| VerifyError::Read {
            path: path.to_owned(),
            cause,
        })?;
        self.verify(&bytes, context)
    }

    /// Verifies a health proof about `round`, and about the account with commitment `account`
    /// if given. `Ok` only if the proof verifies and every public input matches.
    pub fn verify_health(
        &self,
        envelope: &ProofEnvelope,
        round: &Round,
        account: Option<Fp>,
    ) -> Result<HealthVerdict, VerifyError> {
        let verdict = health_verdict(envelope, round, account)?;
        self.check_proof(envelope)?;
        Ok(verdict)
    }

    /// Verifies a state (batch or membership) proof against the published `root` (an `Fp` is a
    /// root of the default depth 32; see [`StateRoot`]), at `round`.
    pub fn verify_state(
        &self,
        envelope: &StateProofEnvelope,
        round: &Round,
        root: impl Into<StateRoot>,
    ) -> Result<StateVerdict, VerifyError> {
        let verdict = state_verdict(envelope, round, root.into())?;
        self.check_proof(envelope)?;
        Ok(verdict)
    }

    /// Verifies a liquidation proof that starts from the published `old_root`, at `round`, and
    /// if `liquidator` is given, that it is bound to that liquidator. The verdict names the
    /// new root and the amounts.
    pub fn verify_liquidation(
        &self,
        envelope: &LiquidationProofEnvelope,
        round: &Round,
        old_root: impl Into<StateRoot>,
        liquidator: Option<Fp>,
    ) -> Result<LiquidationVerdict, VerifyError> {
        let verdict = liquidation_verdict(envelope, round, old_root.into(), liquidator)?;
        self.check_proof(envelope)?;
        Ok(verdict)
    }

    /// Verifies a chain of liquidation proofs at once (halo2's batch verifier): the first
    /// starts from `from`, each next one from the new root of the one before, all at `round`
    /// (and bound to `liquidator`, if given). A missing, reordered or altered link fails at its
    /// position, and every later link fails with [`VerifyError::BrokenChain`]. The final root
    /// is the last verdict's [`LiquidationVerdict::new_root`] when
    /// [`BatchReport::all_valid`].
    ///
    /// No input bytes can make this panic (see [`Verifier::verify_health_batch`] on the RNG).
    pub fn verify_liquidation_chain(
        &self,
        envelopes: &[LiquidationProofEnvelope],
        round: &Round,
        from: impl Into<StateRoot>,
        liquidator: Option<Fp>,
    ) -> BatchReport<LiquidationVerdict> {
        let from = from.into();
        let mut report = self.verify_many(envelopes, |i, e| {
            let root = match i {
                0 => from,
                _ => StateRoot {
                    root: envelopes[i - 1].instance.new_root,
                    depth: from.depth,
                },
            };
            liquidation_verdict(e, round, root, liquidator)
        });
        if let Some(failed) = report.results.iter().position(Result::is_err) {
            for result in &mut report.results[failed + 1..] {
                if result.is_ok() {
                    *result = Err(VerifyError::BrokenChain { failed });
                }
            }
        }
        report
    }

    /// Checks only that the proof verifies against the public inputs it carries, *not* what
    /// they are about. For tools that inspect proofs; a verdict needs [`Verifier::verify`].
    pub fn verify_unbound(&self, bytes: &[u8]) -> Result<Unbound, VerifyError> {
        let envelope = AnyEnvelope::from_json(bytes)?;
        match &envelope {
            AnyEnvelope::Health(e) => self.check_proof(e)?,
            AnyEnvelope::State(e) => self.check_proof(e)?,
            AnyEnvelope::Liquidation(e) => self.check_proof(e)?,
        }
        Ok(Unbound { envelope })
    }

    fn check_proof<E: Item>(&self, envelope: &E) -> Result<(), VerifyError> {
        let (params, key) = self.precheck(envelope)?;
        proof::verify_column(&params, &key, &envelope.column(), envelope.proof())
            .map_err(from_proof)
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
        proof::check_length_of(&key, envelope.circuits(), envelope.proof()).map_err(from_proof)?;
        Ok((params, key))
    }

    /// Verifies many health proofs about `round` at once with halo2's batch verifier (one
    /// multi-scalar multiplication per shape instead of one per proof), and reports which
    /// proofs fail: when a batch fails it is split in halves until the invalid proofs are
    /// isolated.
    ///
    /// No input bytes can make this panic, but halo2's batch verifier draws its random factors
    /// from the operating system and panics if the OS random number generator fails.
    pub fn verify_health_batch(
        &self,
        envelopes: &[ProofEnvelope],
        round: &Round,
    ) -> BatchReport<HealthVerdict> {
        self.verify_many(envelopes, |_, e| health_verdict(e, round, None))
    }

    /// [`Verifier::verify_health_batch`] for state proofs against one published `root`.
    pub fn verify_state_batch(
        &self,
        envelopes: &[StateProofEnvelope],
        round: &Round,
        root: impl Into<StateRoot>,
    ) -> BatchReport<StateVerdict> {
        let root = root.into();
        self.verify_many(envelopes, |_, e| state_verdict(e, round, root))
    }

    /// Checks every piece's proof (fingerprint, length, batch verification); the first that
    /// fails, with why.
    pub(crate) fn verify_pieces(
        &self,
        pieces: &[crate::report::ReportGroupEnvelope],
    ) -> Option<(usize, VerifyError)> {
        let mut report = self.verify_many(pieces, |_, _| Ok(()));
        let failed = report.results.iter().position(Result::is_err)?;
        report
            .results
            .swap_remove(failed)
            .err()
            .map(|e| (failed, e))
    }

    fn verify_many<E: Item, V>(
        &self,
        envelopes: &[E],
        verdict: impl Fn(usize, &E) -> Result<V, VerifyError>,
    ) -> BatchReport<V> {
        let mut results: Vec<Option<Result<V, VerifyError>>> =
            envelopes.iter().map(|_| None).collect();
        let mut pending: Vec<Option<V>> = envelopes.iter().map(|_| None).collect();
        type Group = (
            CircuitShape,
            Arc<Params<Curve>>,
            Arc<VerifierKey>,
            Vec<usize>,
        );
        let mut groups: Vec<Group> = Vec::new();
        for (i, envelope) in envelopes.iter().enumerate() {
            match verdict(i, envelope).and_then(|v| self.precheck(envelope).map(|pk| (v, pk))) {
                Err(e) => results[i] = Some(Err(e)),
                Ok((v, (params, key))) => {
                    pending[i] = Some(v);
                    let shape = envelope.circuit();
                    match groups.iter_mut().find(|(s, ..)| *s == shape) {
                        Some((.., group)) => group.push(i),
                        None => groups.push((shape, params, key, vec![i])),
                    }
                }
            }
        }
        for (_, params, key, group) in groups {
            let items: Vec<(Vec<Vec<Fp>>, &[u8])> = group
                .iter()
                .map(|&i| (envelopes[i].columns(), envelopes[i].proof()))
                .collect();
            let mut valid = vec![false; group.len()];
            bisect(&params, &key, &items, &mut valid);
            for (i, ok) in group.into_iter().zip(valid) {
                results[i] = Some(match (ok, pending[i].take()) {
                    (true, Some(v)) => Ok(v),
                    _ => Err(VerifyError::Invalid),
                });
            }
        }
        BatchReport {
            results: results
                .into_iter()
                .map(|r| r.unwrap_or(Err(VerifyError::Invalid)))
                .collect(),
        }
    }
}

/// Batch-verifies `items`; on failure splits them, down to single proofs.
fn bisect(
    params: &Params<Curve>,
    key: &VerifierKey,
    items: &[(Vec<Vec<Fp>>, &[u8])],
    valid: &mut [bool],
) {
    if let [(columns, bytes)] = items {
        let columns: Vec<&[Fp]> = columns.iter().map(Vec::as_slice).collect();
        valid[0] = proof::verify_columns(params, key, &columns, bytes).is_ok();
        return;
    }
    let mut batch = BatchVerifier::<Curve>::new();
    for (columns, bytes) in items {
        batch.add_proof(
            columns.iter().map(|c| vec![c.clone()]).collect(),
            bytes.to_vec(),
        );
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
        // The verifier builds columns from typed instances of the key's shape: a wrong length
        // cannot arise here, and would be an invalid proof if it did.
        ProofError::Invalid | ProofError::InstanceLength { .. } => VerifyError::Invalid,
    }
}
