//! `zkliq quote` and `zkliq state liquidate`: a liquidation by the market's rule, in the clear
//! or proven as a state transition; `zkliq state log`: the chain of roots.

use std::path::Path;
use std::time::{Duration, Instant, UNIX_EPOCH};

use anyhow::anyhow;
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};
use zkliq_circuits::field;
use zkliq_circuits::keys::{Curve, Params, ProverKey};
use zkliq_circuits::liquidation::{
    LiquidationShape, LiquidationWitness, Quote, Refusal, Repay, Request, quote,
};
use zkliq_circuits::proof;
use zkliq_circuits::{Account, Fp, Market, PriceRound};
use zkliq_state::{LiquidationRecord, State, StoredAccount, TransitionKind};
use zkliq_verifier::LiquidationProofEnvelope;

use super::ms;
use super::state::{open, state_failure};
use crate::cli::{LiquidateArgs, LiquidationChoice, QuoteArgs};
use crate::failure::{Failure, bad_input, internal, rejected};
use crate::files::Visibility;
use crate::output::say;
use crate::{files, setup};

/// The request `choice` names in `market`.
fn request(market: &Market, choice: &LiquidationChoice) -> Result<Request, Failure> {
    request_named(market, choice, "--")
}

/// The request `choice` names in `market`; errors name its fields with `prefix` (`--` for
/// flags, nothing for JSON keys).
pub(crate) fn request_named(
    market: &Market,
    choice: &LiquidationChoice,
    prefix: &str,
) -> Result<Request, Failure> {
    let asset = |flag: &str, symbol: &str| {
        market.position(symbol).ok_or_else(|| {
            let symbols: Vec<&str> = market.assets().iter().map(|a| a.symbol.as_str()).collect();
            bad_input(anyhow!(
                "{prefix}{flag}: market {:?} has no asset {:?} (its assets: {})",
                market.name(),
                zkliq_circuits::inputs::shorten(symbol),
                symbols.join(", ")
            ))
        })
    };
    Ok(Request {
        debt: asset("debt", &choice.debt)?,
        collateral: asset("collateral", &choice.collateral)?,
        repay: choice
            .repay
            .parse::<Repay>()
            .map_err(|e| bad_input(anyhow!("{prefix}repay: {e}")))?,
    })
}

/// The rule's quote, or the refusal as a failure (exit 1) naming the reason.
pub(crate) fn quote_or_refuse(
    market: &Market,
    prices: &PriceRound,
    account: &Account,
    request: Request,
    json: bool,
    after: &str,
) -> Result<Quote, Failure> {
    match quote(market, prices, account, request) {
        Ok(q) => Ok(q),
        Err(Refusal::NoRules) => Err(bad_input(anyhow!(
            "market {:?} has no liquidation rules (a \"liquidation\" section): nothing can be liquidated by it",
            market.name()
        ))),
        Err(refusal) => {
            if json {
                say!(
                    "{:#}",
                    json!({"result": "refused", "reason": refusal.to_string()})
                );
            }
            Err(rejected(anyhow!("refused: {refusal}{after}")))
        }
    }
}

/// Non-zero balances by symbol, as the vectors and account files write them.
pub(crate) fn balances(market: &Market, amounts: &[u128]) -> Value {
    let mut map = Map::new();
    for (asset, amount) in market.assets().iter().zip(amounts) {
        if *amount != 0 {
            map.insert(asset.symbol.clone(), Value::String(amount.to_string()));
        }
    }
    Value::Object(map)
}

/// The JSON of a quote (the contract: amounts as decimal strings).
pub(crate) fn quote_json(market: &Market, request: Request, q: &Quote) -> Value {
    json!({
        "result": "ok",
        "debt": market.assets()[request.debt].symbol,
        "collateral": market.assets()[request.collateral].symbol,
        "repay": request.repay.to_string(),
        "repaid": q.repaid.to_string(),
        "seized": q.seized.to_string(),
        "to_liquidator": q.to_liquidator.to_string(),
        "fee": q.fee.to_string(),
        "deep": q.deep,
        "capped": q.capped,
        "max_debt": q.max_debt.to_string(),
        "bonus": q.bonus.to_string(),
        "new_collateral": balances(market, &q.new_collateral),
        "new_debt": balances(market, &q.new_debt),
    })
}

/// The quote in words.
fn quote_text(market: &Market, request: Request, q: &Quote) -> Vec<String> {
    let rules = market
        .liquidation()
        .expect("quoted, so the market has rules");
    let (d, c) = (
        &market.assets()[request.debt].symbol,
        &market.assets()[request.collateral].symbol,
    );
    let close = if q.deep {
        format!(
            "100% of the debt (health factor at most {} bps)",
            rules.full_close_factor_below_bps
        )
    } else {
        format!("{} bps of the debt", rules.close_factor_bps)
    };
    let seized = if q.capped {
        format!("{} {c} (all of it: the collateral ran out first)", q.seized)
    } else {
        format!("{} {c}", q.seized)
    };
    vec![
        format!("repay offered   {} {d}", request.repay),
        format!("close factor    {close}: at most {} {d}", q.max_debt),
        format!("repaid          {} {d}", q.repaid),
        format!("seized          {seized}"),
        format!("to liquidator   {} {c}", q.to_liquidator),
        format!("protocol fee    {} {c} (of a bonus of {})", q.fee, q.bonus),
    ]
}

/// `zkliq quote`.
pub fn run_quote(args: QuoteArgs) -> Result<(), Failure> {
    let market = files::market(&args.inputs.market)?;
    let prices = files::prices(&args.inputs.prices, &market)?;
    let account = files::account(&args.inputs.account, &market)?;
    let request = request(&market, &args.choice)?;
    let q = quote_or_refuse(&market, &prices, &account, request, args.json, "")?;
    if args.json {
        let mut out = quote_json(&market, request, &q);
        out["market"] = json!(market.name());
        out["round"] = json!(prices.round());
        say!("{out:#}");
    } else {
        say!(
            "market          {} at price round {}",
            market.name(),
            prices.round()
        );
        for line in quote_text(&market, request, &q) {
            say!("{line}");
        }
        say!(
            "afterwards      collateral {}, debt {}",
            balances(&market, &q.new_collateral),
            balances(&market, &q.new_debt)
        );
    }
    Ok(())
}

/// A fresh salt of full strength that no account of the state uses.
fn fresh_salt(market: &Market, account: &Account) -> Result<Fp, Failure> {
    loop {
        let salt = Account::random_salt().map_err(internal)?;
        let candidate = Account::new(
            market,
            salt,
            account.collateral().to_vec(),
            account.debt().to_vec(),
        )
        .map_err(internal)?;
        // Below 2^128 with probability 2^-126: draw again rather than weaken the opening.
        if candidate.check_salt_strength().is_ok() && salt != account.salt() {
            return Ok(salt);
        }
    }
}

/// A liquidation proven, written and committed by [`prove_and_apply`].
pub(super) struct Executed {
    pub quote: Quote,
    pub old_root: Fp,
    pub new_root: Fp,
    pub proof_sha256: String,
    pub proof_bytes: usize,
    pub prove_time: Duration,
    /// The public amounts, as the state log and the JSON outputs show them.
    pub amounts: Value,
}

/// Everything [`prove_liquidation`] needs that does not change from one liquidation to the
/// next.
pub(crate) struct Liquidating<'a> {
    pub state_path: &'a Path,
    pub market: &'a Market,
    pub prices: &'a PriceRound,
    pub liquidator: Fp,
    pub shape: LiquidationShape,
    pub params: &'a Params<Curve>,
    pub key: &'a ProverKey,
    /// The command's inputs: never written over.
    pub inputs: &'a [&'a Path],
}

/// A liquidation proven (and checked) by [`prove_liquidation`], not yet committed.
pub(crate) struct Proven {
    pub quote: Quote,
    /// The account's opening afterwards (a fresh salt).
    pub new_account: Account,
    pub old_root: Fp,
    pub new_root: Fp,
    /// The proof file's text.
    pub text: String,
    pub proof_sha256: String,
    pub proof_bytes: usize,
    pub prove_time: Duration,
    /// The public amounts, as the state log and the JSON outputs show them.
    pub amounts: Value,
}

impl Proven {
    /// The record that commits it, keeping `proof` with the transition if given.
    pub(crate) fn record<'a>(
        &'a self,
        stored: &'a StoredAccount,
        proof_file: &'a str,
        proof: Option<&'a str>,
    ) -> LiquidationRecord<'a> {
        LiquidationRecord {
            id: &stored.id,
            leaf: stored.leaf_index,
            new_account: &self.new_account,
            old_root: self.old_root,
            new_root: self.new_root,
            proof_sha256: &self.proof_sha256,
            proof_file,
            details: self.amounts.clone(),
            proof,
            idempotency: None,
        }
    }
}

/// Proves the liquidation `request` of `stored` (at its leaf, under `siblings`, in the tree of
/// root `old_root`) and verifies the proof. A refusal by the rule is exit 1.
pub(crate) fn prove_liquidation(
    with: &Liquidating<'_>,
    stored: &StoredAccount,
    siblings: Vec<Fp>,
    old_root: Fp,
    request: Request,
) -> Result<Proven, Failure> {
    let market = with.market;
    let salt = fresh_salt(market, &stored.account)?;
    let (witness, q) = LiquidationWitness::new(
        with.shape,
        market,
        with.prices,
        &stored.account,
        request,
        salt,
        with.liquidator,
        stored.leaf_index,
        siblings,
    )
    .map_err(|refusal| rejected(anyhow!("refused: {refusal}; nothing written")))?;
    let new_account = Account::new(market, salt, q.new_collateral.clone(), q.new_debt.clone())
        .map_err(internal)?;
    let instance = witness
        .instance()
        .ok_or_else(|| internal(anyhow!("the liquidation witness has no valid instance")))?;
    if instance.old_root != old_root {
        return Err(internal(anyhow!("the stored tree does not match its root")));
    }
    let started = Instant::now();
    let column = instance.to_column();
    let bytes = proof::prove_liquidation_witness(with.params, with.key, witness, &column)
        .map_err(internal)?;
    let prove_time = started.elapsed();
    proof::verify_column(with.params, with.key.verifier(), &column, &bytes)
        .map_err(|e| internal(anyhow!("the new proof does not verify: {e}")))?;
    let envelope = LiquidationProofEnvelope::new(with.key.verifier(), instance.clone(), bytes);
    let text = envelope.to_json();
    let proof_sha256 = hex::encode(Sha256::digest(text.as_bytes()));
    let amounts = json!({
        "debt": market.assets()[request.debt].symbol,
        "collateral": market.assets()[request.collateral].symbol,
        "repay": request.repay.to_string(),
        "repaid": q.repaid.to_string(),
        "seized": q.seized.to_string(),
        "to_liquidator": q.to_liquidator.to_string(),
        "fee": q.fee.to_string(),
        "liquidator": field::to_hex(&with.liquidator),
        "round": with.prices.round(),
    });
    Ok(Proven {
        quote: q,
        new_account,
        old_root,
        new_root: instance.new_root,
        text,
        proof_sha256,
        proof_bytes: envelope.proof.len(),
        prove_time,
        amounts,
    })
}

/// Proves the liquidation `request` of `stored`, writes the proof to `out` (synced to disk) and
/// then commits the new opening, root and transition in one transaction (`synchronous=FULL`). A crash leaves the
/// old state (and an unused proof) or the new state with its proof; a failed commit removes the
/// proof. A refusal by the rule is exit 1 with nothing written.
pub(super) fn prove_and_apply(
    s: &mut State,
    with: &Liquidating<'_>,
    stored: &StoredAccount,
    request: Request,
    out: &Path,
    force: bool,
) -> Result<Executed, Failure> {
    let siblings = s
        .path(0, stored.leaf_index)
        .map_err(|e| state_failure(with.state_path, e))?;
    let old_root = s.root().map_err(|e| state_failure(with.state_path, e))?;
    let proven = prove_liquidation(with, stored, siblings, old_root, request)?;
    // The commit below must survive a power loss, as the service's do, like the proof file it
    // names (written synced); imports keep SQLite's cheaper default.
    s.sync_every_commit()
        .map_err(|e| state_failure(with.state_path, e))?;
    files::write_atomically(out, &proven.text, with.inputs, force, Visibility::Public)?;
    let file = out.display().to_string();
    if let Err(e) = s.apply_liquidation(&proven.record(stored, &file, None)) {
        // The proof never entered the chain: do not leave it looking like part of it.
        let _ = std::fs::remove_file(out);
        return Err(state_failure(with.state_path, e));
    }
    Ok(Executed {
        quote: proven.quote,
        old_root,
        new_root: proven.new_root,
        proof_sha256: proven.proof_sha256,
        proof_bytes: proven.proof_bytes,
        prove_time: proven.prove_time,
        amounts: proven.amounts,
    })
}

/// `zkliq state liquidate`.
pub fn run_liquidate(args: LiquidateArgs) -> Result<(), Failure> {
    let inputs = [args.state.as_path(), &args.prices];
    files::check_output(&args.out, &inputs, args.force)?;
    let liquidator = field::id_from_hex(&args.liquidator)
        .map_err(|e| bad_input(anyhow!("--liquidator: {e}")))?;
    let mut s = open(&args.state)?;
    let market = s.market().clone();
    let prices = files::prices(&args.prices, &market)?;
    let request = request(&market, &args.choice)?;
    let stored = s
        .account(&args.id)
        .map_err(|e| state_failure(&args.state, e))?;
    quote_or_refuse(
        &market,
        &prices,
        &stored.account,
        request,
        args.json,
        "; nothing written, the state is unchanged",
    )?;
    let shape = LiquidationShape::new(market.shape(), s.tree())
        .ok_or_else(|| internal(anyhow!("a state tree is always format 2")))?;
    let store = setup::params_store(setup::params_dir(&args.params));
    let params = setup::params(&store, shape.k())?;
    let started = Instant::now();
    let key = setup::prover_key(&params, shape)?;
    let keygen = started.elapsed();
    let with = Liquidating {
        state_path: &args.state,
        market: &market,
        prices: &prices,
        liquidator,
        shape,
        params: &params,
        key: &key,
        inputs: &inputs,
    };
    let done = prove_and_apply(&mut s, &with, &stored, request, &args.out, args.force)?;
    if args.json {
        let mut out = done.amounts;
        out["old_root"] = json!(field::to_hex(&done.old_root));
        out["new_root"] = json!(field::to_hex(&done.new_root));
        out["leaf"] = json!(stored.leaf_index);
        out["id"] = json!(args.id);
        out["deep"] = json!(done.quote.deep);
        out["capped"] = json!(done.quote.capped);
        out["proof"] = json!(args.out.display().to_string());
        out["proof_sha256"] = json!(done.proof_sha256);
        out["prove_ms"] = json!(done.prove_time.as_millis() as u64);
        say!("{out:#}");
    } else {
        say!(
            "liquidated account {:?} (leaf {}) at price round {}",
            args.id,
            stored.leaf_index,
            prices.round()
        );
        for line in quote_text(&market, request, &done.quote) {
            say!("{line}");
        }
        say!(
            "root            {} -> {}",
            field::to_hex(&done.old_root),
            field::to_hex(&done.new_root)
        );
        say!(
            "proof           {} ({} bytes, sha256 {}); keygen {}, prove {}",
            args.out.display(),
            done.proof_bytes,
            done.proof_sha256,
            ms(keygen),
            ms(done.prove_time)
        );
    }
    Ok(())
}

fn time(unix: u64) -> String {
    humantime::format_rfc3339_seconds(UNIX_EPOCH + Duration::from_secs(unix)).to_string()
}

/// `zkliq state log`.
pub fn run_log(state: &Path, json: bool) -> Result<(), Failure> {
    let s = open(state)?;
    let log = s.transitions().map_err(|e| state_failure(state, e))?;
    if json {
        say!("{:#}", serde_json::to_value(&log).map_err(internal)?);
        return Ok(());
    }
    if log.is_empty() {
        say!(
            "no transitions: the root is still the empty tree's, {}",
            field::to_hex(&s.root().map_err(|e| state_failure(state, e))?)
        );
        return Ok(());
    }
    for t in &log {
        let d = &t.details;
        let what = match t.kind {
            TransitionKind::Import => format!(
                "import: {} new, {} updated accounts (no proof: the operator's data)",
                d["inserted"], d["updated"]
            ),
            TransitionKind::Migrate => format!(
                "migrate from {}: {} accounts, {} resealed (no proof)",
                d["from"], d["accounts"], d["resealed"]
            ),
            TransitionKind::Liquidation => format!(
                "liquidation of leaf {} ({:?}): repaid {} {}, seized {} {}; proof {} sha256 {}",
                t.leaf.unwrap_or_default(),
                t.id.as_deref().unwrap_or_default(),
                d["repaid"].as_str().unwrap_or_default(),
                d["debt"].as_str().unwrap_or_default(),
                d["seized"].as_str().unwrap_or_default(),
                d["collateral"].as_str().unwrap_or_default(),
                t.proof_file.as_deref().unwrap_or_default(),
                t.proof_sha256.as_deref().unwrap_or_default(),
            ),
        };
        say!(
            "#{} {} {} -> {}\n    {what}",
            t.seq,
            time(t.time),
            field::to_hex(&t.old_root),
            field::to_hex(&t.new_root)
        );
    }
    Ok(())
}
