//! `zkliq state ...`: an operator's account state.

use std::io::{BufReader, IsTerminal};
use std::path::Path;
use std::time::Instant;

use anyhow::anyhow;
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::json;
use std::time::Duration;
use zkliq_circuits::batch::{BatchShape, SlotClaim};
use zkliq_circuits::health::reference;
use zkliq_circuits::keys::{Curve, Params, ProverKey};
use zkliq_circuits::tree::TreeSpec;
use zkliq_circuits::{Claim, Fp, Market, PriceRound, field, proof};
use zkliq_state::{Role, State, StateError, StoredAccount};
use zkliq_verifier::StateProofEnvelope;

use super::ms;
use crate::cli::{ParamsArgs, StateCommand};
use crate::failure::{Failure, bad_input, internal, rejected};
use crate::files::Visibility;
use crate::output::say;
use crate::{files, setup};

/// Maps a state error to an exit code: problems with what the user gave are bad input.
pub fn state_failure(path: &Path, e: StateError) -> Failure {
    match e {
        // The environment's doing (or a bug): exit 3.
        StateError::Sqlite(_) | StateError::Corrupt(_) | StateError::Create { .. } => {
            internal(anyhow!("{}: {e}", path.display()))
        }
        // Everything else, a full tree included, is about what the user gave: exit 2.
        _ => bad_input(anyhow!("{}: {e}", path.display())),
    }
}

/// Opens a state database.
pub fn open(path: &Path) -> Result<State, Failure> {
    State::open(path).map_err(|e| state_failure(path, e))
}

/// Opens the state at `path`, checking that the market file `market` is the one it is bound to.
pub fn open_bound(path: &Path, market: &Path) -> Result<State, Failure> {
    let state = open(path)?;
    let given = files::market(market)?;
    if zkliq_circuits::commitment::market_commitment(&given) != state.market_commitment() {
        return Err(bad_input(anyhow!(
            "{}: not the market the state {} is bound to (market {:?})",
            market.display(),
            path.display(),
            state.market().name()
        )));
    }
    Ok(state)
}

pub fn run(command: StateCommand) -> Result<(), Failure> {
    match command {
        StateCommand::Init {
            state,
            market,
            depth,
        } => {
            let tree = TreeSpec::v2(depth).ok_or_else(|| {
                bad_input(anyhow!(
                    "--depth: must be in {}..={}, got {depth}",
                    TreeSpec::MIN_DEPTH,
                    TreeSpec::MAX_DEPTH
                ))
            })?;
            let market = files::market(&market)?;
            files::check_directory(&state)?;
            let s = State::create(&state, &market, tree).map_err(|e| state_failure(&state, e))?;
            let root = s.root().map_err(|e| state_failure(&state, e))?;
            say!(
                "created {} for market {} ({} assets), tree depth {depth}; root {}",
                state.display(),
                market.name(),
                market.assets().len(),
                field::to_hex(&root)
            );
            Ok(())
        }
        StateCommand::Migrate { state, reseal } => {
            let (s, resealed) =
                State::migrate(&state, reseal).map_err(|e| state_failure(&state, e))?;
            let root = s.root().map_err(|e| state_failure(&state, e))?;
            say!(
                "upgraded {} to the format-2 tree; {} accounts; new root {}",
                state.display(),
                s.len().map_err(|e| state_failure(&state, e))?,
                field::to_hex(&root)
            );
            if !resealed.is_empty() {
                say!(
                    "fresh salts for {} account(s) (their owners need their new openings, `zkliq state show`): {}",
                    resealed.len(),
                    resealed.join(", ")
                );
            }
            Ok(())
        }
        StateCommand::Import { state, file } => import(&state, &file),
        StateCommand::Root { state, json } => {
            let s = open(&state)?;
            let root = s.root().map_err(|e| state_failure(&state, e))?;
            let accounts = s.len().map_err(|e| state_failure(&state, e))?;
            if json {
                let out = json!({
                    "root": field::to_hex(&root),
                    "accounts": accounts,
                    "market": s.market().name(),
                    "market_commitment": field::to_hex(&s.market_commitment()),
                    "depth": s.tree().depth(),
                });
                say!("{out:#}");
            } else {
                say!("{}", field::to_hex(&root));
            }
            Ok(())
        }
        StateCommand::Show { state, id } => {
            let s = open(&state)?;
            let a = s.account(&id).map_err(|e| state_failure(&state, e))?;
            say!("{:#}", account_json(&s, &a));
            Ok(())
        }
        StateCommand::Grant {
            state,
            owner,
            liquidator,
            admin,
            revoke,
            expires_in,
            json,
        } => grant(&state, owner, liquidator, admin, revoke, expires_in, json),
        StateCommand::Liquidate(args) => super::liquidate::run_liquidate(args),
        StateCommand::Log { state, json } => super::liquidate::run_log(&state, json),
        StateCommand::Prove {
            state,
            prices,
            id,
            claim,
            out,
            force,
            params,
        } => prove_membership(&state, &prices, &id, claim.into(), &out, force, &params),
    }
}

/// `zkliq state grant`: a token printed once, or a revocation.
fn grant(
    state: &Path,
    owner: Option<String>,
    liquidator: Option<String>,
    admin: bool,
    revoke: Option<String>,
    expires_in: Option<String>,
    json: bool,
) -> Result<(), Failure> {
    let expires_at = expires_in
        .as_deref()
        .map(expiry)
        .transpose()
        .map_err(|e| bad_input(anyhow!("--expires-in: {e}")))?;
    let mut s = open(state)?;
    if let Some(token_id) = revoke {
        if !s.revoke(&token_id).map_err(|e| state_failure(state, e))? {
            return Err(bad_input(anyhow!(
                "--revoke: no live grant with token id {:?}",
                zkliq_circuits::inputs::shorten(&token_id)
            )));
        }
        if json {
            say!("{:#}", json!({"revoked": token_id}));
        } else {
            say!("revoked {token_id}");
        }
        return Ok(());
    }
    let role = match (owner, liquidator, admin) {
        (Some(id), None, false) => Role::Owner(id),
        (None, Some(hex), false) => Role::Liquidator(
            field::id_from_hex(&hex).map_err(|e| bad_input(anyhow!("--liquidator: {e}")))?,
        ),
        (None, None, true) => Role::Admin,
        _ => {
            return Err(bad_input(anyhow!(
                "give exactly one of --owner, --liquidator, --admin, --revoke"
            )));
        }
    };
    let issued = s
        .grant_until(&role, expires_at)
        .map_err(|e| state_failure(state, e))?;
    if json {
        say!(
            "{:#}",
            json!({
                "token_id": issued.token_id,
                "token": issued.token,
                "role": role.kind(),
                "subject": role.subject(),
                "expires_at": expires_at,
            })
        );
    } else {
        say!("{}", issued.token);
        eprintln!(
            "a bearer token for the {role} (token id {}): shown once, only its hash is kept; revoke it with `zkliq state grant --state {} --revoke {}`",
            issued.token_id,
            state.display(),
            issued.token_id
        );
    }
    Ok(())
}

/// The longest a token may be granted for.
const MAX_TOKEN_LIFETIME: std::time::Duration = std::time::Duration::from_secs(10 * 365 * 86_400);

/// When a token granted now for `duration` (`90d`, `12h`, ...) expires, in Unix seconds: at
/// least one second, at most [`MAX_TOKEN_LIFETIME`].
pub(crate) fn expiry(duration: &str) -> Result<u64, String> {
    let d = humantime::parse_duration(duration.trim())
        .map_err(|e| format!("{duration:?} is not a duration like 90d, 12h or 30m: {e}"))?;
    if d < std::time::Duration::from_secs(1) || d > MAX_TOKEN_LIFETIME {
        return Err(format!("{duration:?} must be between 1s and 10 years"));
    }
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |n| n.as_secs());
    Ok(now + d.as_secs())
}

fn import(state: &Path, file: &Path) -> Result<(), Failure> {
    let mut s = open(state)?;
    let reader = std::fs::File::open(file)
        .map_err(|e| bad_input(anyhow!("{}: cannot read: {e}", file.display())))?;
    let bar = if std::io::stderr().is_terminal() {
        let bar = ProgressBar::new_spinner();
        bar.set_style(
            ProgressStyle::with_template("{spinner} importing: {pos} lines ({per_sec}, {elapsed})")
                .expect("static template"),
        );
        bar
    } else {
        ProgressBar::hidden()
    };
    let started = Instant::now();
    let result = s.import_with_progress(BufReader::new(reader), |lines| bar.set_position(lines));
    bar.finish_and_clear();
    let report = match result {
        Ok(r) => r,
        Err(StateError::Import { errors }) => {
            for e in &errors {
                eprintln!("error: {}: {e}", file.display());
            }
            return Err(bad_input(anyhow!(
                "{}: {} bad line(s); nothing imported",
                file.display(),
                errors.len()
            )));
        }
        Err(StateError::Read(e)) => {
            return Err(bad_input(anyhow!("{}: cannot read: {e}", file.display())));
        }
        Err(e) => return Err(state_failure(state, e)),
    };
    let elapsed = started.elapsed();
    say!(
        "imported {} lines ({} new, {} updated) in {:.2} s ({:.0} accounts/s); {} accounts; root {}",
        report.lines,
        report.inserted,
        report.updated,
        elapsed.as_secs_f64(),
        report.lines as f64 / elapsed.as_secs_f64().max(1e-9),
        report.accounts,
        field::to_hex(&report.root)
    );
    Ok(())
}

/// An account's opening as `state show` prints it: id, leaf, commitment and opening.
pub(crate) fn account_json(s: &State, a: &StoredAccount) -> serde_json::Value {
    json!({
        "id": a.id,
        "leaf_index": a.leaf_index,
        "commitment": field::to_hex(&s.commitment(&a.account)),
        "account": a.account.to_json(s.market()),
    })
}

/// Refuses (exit 1) a claim about `stored` that is false at `prices`.
pub(crate) fn check_claim(
    market: &Market,
    prices: &PriceRound,
    stored: &StoredAccount,
    claim: Claim,
) -> Result<(), Failure> {
    let valuation = reference::evaluate(market, prices, &stored.account);
    if valuation.claim() != claim {
        return Err(rejected(anyhow!(
            "account {:?} is {}, so it cannot be proven {claim}; no proof written",
            stored.id,
            valuation.claim()
        )));
    }
    Ok(())
}

/// A membership proof that `stored` (at its leaf, under `siblings`, in the tree of `root`) is
/// `claim` at `prices` (checked by [`check_claim`] first), verified before it is returned with
/// its proving time.
#[allow(clippy::too_many_arguments)]
pub(crate) fn membership_proof(
    market: &Market,
    prices: &PriceRound,
    stored: &StoredAccount,
    siblings: Vec<Fp>,
    root: Fp,
    claim: Claim,
    shape: BatchShape,
    params: &Params<Curve>,
    key: &ProverKey,
) -> Result<(StateProofEnvelope, Duration), Failure> {
    let witness = zkliq_circuits::batch::BatchWitness::new(
        shape,
        market,
        prices,
        &[Some(&stored.account)],
        &[SlotClaim::Is(claim)],
        stored.leaf_index,
        siblings,
    );
    let instance = witness
        .instance()
        .ok_or_else(|| internal(anyhow!("the membership witness has no valid instance")))?;
    if instance.root != root {
        return Err(internal(anyhow!("the stored tree does not match its root")));
    }
    let started = Instant::now();
    let bytes = proof::prove_batch_witness(params, key, witness, &instance.to_column())
        .map_err(internal)?;
    let prove_time = started.elapsed();
    proof::verify_column(params, key.verifier(), &instance.to_column(), &bytes)
        .map_err(|e| internal(anyhow!("the new proof does not verify: {e}")))?;
    Ok((
        StateProofEnvelope::new(key.verifier(), instance, bytes),
        prove_time,
    ))
}

fn prove_membership(
    state: &Path,
    prices_path: &Path,
    id: &str,
    claim: Claim,
    out: &Path,
    force: bool,
    params_args: &ParamsArgs,
) -> Result<(), Failure> {
    let inputs = [state, prices_path];
    files::check_output(out, &inputs, force)?;
    let s = open(state)?;
    let market = s.market().clone();
    let prices = files::prices(prices_path, &market)?;
    let stored = s.account(id).map_err(|e| state_failure(state, e))?;
    // Refused before any key is built.
    check_claim(&market, &prices, &stored, claim)?;
    let shape = BatchShape::in_tree(market.shape(), 0, s.tree()).expect("height 0 is supported");
    let siblings = s
        .path(0, stored.leaf_index)
        .map_err(|e| state_failure(state, e))?;
    let root = s.root().map_err(|e| state_failure(state, e))?;
    let store = setup::params_store(setup::params_dir(params_args));
    let params = setup::params(&store, shape.k())?;
    let started = Instant::now();
    let key = setup::prover_key(&params, shape)?;
    let keygen = started.elapsed();
    let (envelope, prove_time) = membership_proof(
        &market, &prices, &stored, siblings, root, claim, shape, &params, &key,
    )?;
    files::write_atomically(out, &envelope.to_json(), &inputs, force, Visibility::Public)?;
    say!(
        "proved account {id:?} (leaf {}) {claim} against root {}: {} ({} bytes); keygen {}, prove {}",
        stored.leaf_index,
        field::to_hex(&root),
        out.display(),
        envelope.proof.len(),
        ms(keygen),
        ms(prove_time)
    );
    Ok(())
}
