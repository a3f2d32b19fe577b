//! `zkliq keeper --execute`: liquidate every liquidatable account of a state at a price round,
//! as a chain of proven state transitions bound to one liquidator.
//!
//! 1. **Plan**: scan the state (in leaf order) for the accounts liquidatable at the round and
//!    write `plan.json` (the starting root, the round, the liquidator, the leaves) before
//!    anything else. A plan fixes the work: an account that a close-factor liquidation leaves
//!    liquidatable is not liquidated twice by one run.
//! 2. **Execute**, leaf by leaf in plan order: the default request (repay `max` of the debt asset
//!    with the largest debt value, seize the collateral asset with the largest weighted value),
//!    proven by the liquidation circuit, the proof written and synced as
//!    `liquidation-NNNNNN-leaf-L.proof.json`, then the state's transaction committed
//!    ([`super::liquidate::prove_and_apply`]).
//! 3. **Resume**: run again with the same inputs and the plan is kept; the state's transition
//!    log says which planned leaves were committed from the plan's root (their proofs are in
//!    this directory with the digests the log recorded), and the run goes on from the next one.
//!    A proof written by a killed run but never committed is moved to `uncommitted/` first: the
//!    directory's chain is always the state's. Proofs are never deleted: a new plan (another
//!    round or liquidator, or a state that moved) needs a directory without them. One run per
//!    directory at a time (a lock file).

use std::collections::BTreeSet;
use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::anyhow;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use zkliq_circuits::commitment::{market_commitment, price_commitment};
use zkliq_circuits::health::reference;
use zkliq_circuits::liquidation::{LiquidationShape, default_request, quote};
use zkliq_circuits::{Claim, Fp, field};
use zkliq_state::{State, TransitionKind};

use super::liquidate::{Liquidating, prove_and_apply};
use super::state::{open_bound, state_failure};
use super::verify_chain::chain_files;
use crate::cli::KeeperArgs;
use crate::failure::{Failure, bad_input, internal};
use crate::files::Visibility;
use crate::output::say;
use crate::{files, setup};

const PLAN_FORMAT: &str = "zkliq-execution-plan/1";

/// What a run will do, written before it does anything.
#[derive(Debug, Serialize, Deserialize, PartialEq, Eq)]
struct Plan {
    format: String,
    market_commitment: String,
    price_commitment: String,
    round: u64,
    liquidator: String,
    /// The published root the chain starts from.
    start_root: String,
    /// The leaves liquidatable at `start_root`, in leaf order.
    leaves: Vec<u64>,
}

impl Plan {
    fn same_job(&self, other: &Plan) -> bool {
        self.format == other.format
            && self.market_commitment == other.market_commitment
            && self.price_commitment == other.price_commitment
            && self.liquidator == other.liquidator
    }
}

/// The proof file of the `i`-th planned liquidation.
fn proof_name(i: usize, leaf: u64) -> String {
    format!("liquidation-{i:06}-leaf-{leaf:010}.proof.json")
}

/// The liquidations of the state's log that chain from `start` with a proof in `dir` whose
/// digest is the one recorded: those transitions in chain order, and the root the chain ends
/// at.
fn committed_chain(
    state: &State,
    state_path: &Path,
    dir: &Path,
    start: Fp,
) -> Result<(Vec<zkliq_state::Transition>, Fp), Failure> {
    let log = state
        .transitions()
        .map_err(|e| state_failure(state_path, e))?;
    let mut root = start;
    let mut links = Vec::new();
    for t in log {
        if t.kind != TransitionKind::Liquidation || t.old_root != root {
            continue;
        }
        let Some(name) = t
            .proof_file
            .as_deref()
            .and_then(|f| Path::new(f).file_name())
        else {
            continue;
        };
        let ours = std::fs::read(dir.join(name))
            .is_ok_and(|bytes| Some(hex::encode(Sha256::digest(&bytes))) == t.proof_sha256);
        if ours {
            root = t.new_root;
            links.push(t);
        }
    }
    Ok((links, root))
}

pub fn run(args: KeeperArgs) -> Result<(), Failure> {
    let started = Instant::now();
    let liquidator_text = args
        .liquidator
        .as_deref()
        .ok_or_else(|| bad_input(anyhow!("--execute needs --liquidator 0xHEX")))?;
    let liquidator =
        field::id_from_hex(liquidator_text).map_err(|e| bad_input(anyhow!("--liquidator: {e}")))?;
    if args.out.exists() && !args.out.is_dir() {
        return Err(bad_input(anyhow!(
            "--out {}: is a file; keeper --execute writes a directory of proofs, plan.json and summary.json (give a directory path)",
            args.out.display()
        )));
    }
    let mut state = open_bound(&args.state, &args.market)?;
    let market = state.market().clone();
    if market.liquidation().is_none() {
        return Err(bad_input(anyhow!(
            "{}: market {:?} has no liquidation rules (a \"liquidation\" section): nothing can be liquidated by it",
            args.market.display(),
            market.name()
        )));
    }
    let prices = files::prices(&args.prices, &market)?;
    std::fs::create_dir_all(&args.out)
        .map_err(|e| bad_input(anyhow!("{}: cannot create: {e}", args.out.display())))?;
    let inputs = [args.state.as_path(), &args.market, &args.prices];
    // One run per directory at a time: a second one would prove the same planned leaf and could
    // replace or remove a proof the first is about to commit. Held until the process ends.
    let lock_path = args.out.join(".zkliq-execute.lock");
    files::check_output(&lock_path, &inputs, true)?;
    let lock = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .map_err(|e| {
            internal(anyhow!(
                "{}: cannot open: {}",
                lock_path.display(),
                files::io_cause(&e)
            ))
        })?;
    if lock.try_lock().is_err() {
        return Err(bad_input(anyhow!(
            "{}: another keeper --execute is running on this directory; wait for it to end",
            args.out.display()
        )));
    }
    let plan_path = args.out.join("plan.json");
    let summary_path = args.out.join("summary.json");
    files::check_output(&plan_path, &inputs, true)?;
    files::check_output(&summary_path, &inputs, true)?;

    // 1. Plan, or the plan of the run this one resumes.
    let root = state.root().map_err(|e| state_failure(&args.state, e))?;
    let scan_started = Instant::now();
    let mut leaves = Vec::new();
    let mut scanned = 0u64;
    let fresh = |leaves: Vec<u64>, start: Fp| Plan {
        format: PLAN_FORMAT.into(),
        market_commitment: field::to_hex(&market_commitment(&market)),
        price_commitment: field::to_hex(&price_commitment(&market, &prices)),
        round: prices.round(),
        liquidator: field::to_hex(&liquidator),
        start_root: field::to_hex(&start),
        leaves,
    };
    let earlier: Option<Plan> = std::fs::read(&plan_path)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok());
    // The plan of the same job is resumed if the state is where its chain ends.
    let mut resumed = None;
    if let Some(plan) = earlier.filter(|p| p.same_job(&fresh(vec![], root))) {
        let start = field::from_hex(&plan.start_root)
            .map_err(|e| bad_input(anyhow!("{}: start_root: {e}", plan_path.display())))?;
        let leaves_ok = plan.leaves.windows(2).all(|w| w[0] < w[1])
            && plan
                .leaves
                .last()
                .is_none_or(|&l| l < 1u64 << state.tree().depth());
        if !leaves_ok {
            return Err(bad_input(anyhow!(
                "{}: leaves: must ascend strictly and be below 2^{} (the tree's leaves); the plan was altered",
                plan_path.display(),
                state.tree().depth()
            )));
        }
        let (links, end) = committed_chain(&state, &args.state, &args.out, start)?;
        if end != root {
            // Its proofs stay (the state's log refers to them): a new plan needs a new --out.
            return Err(bad_input(anyhow!(
                "{}: the state's root {} is not where the chain of this directory's plan ends ({}): the state changed since the plan was made, or a proof here was altered; choose another --out for a new plan",
                args.state.display(),
                field::to_hex(&root),
                field::to_hex(&end)
            )));
        }
        resumed = Some((plan, start, links));
    }
    let (plan, start_root, links) = match resumed {
        Some(resumed) => resumed,
        None => {
            // Proofs of another run stay where they are: the state's log may refer to them.
            if let Some(first) = chain_files(&args.out)?.first() {
                return Err(bad_input(anyhow!(
                    "{}: holds liquidation proofs of another run or plan (first: {}); choose another --out (they are left as they are)",
                    args.out.display(),
                    first.display()
                )));
            }
            if plan_path.exists() && !args.force {
                return Err(bad_input(anyhow!(
                    "{}: the plan of another run (another market, round or liquidator); use --force to replace it, or choose another --out",
                    plan_path.display()
                )));
            }
            scanned = state
                .scan(|index, account| {
                    if reference::evaluate(&market, &prices, account).claim() == Claim::Liquidatable
                    {
                        leaves.push(index);
                    }
                })
                .map_err(|e| state_failure(&args.state, e))?;
            let plan = fresh(std::mem::take(&mut leaves), root);
            let text = serde_json::to_string_pretty(&plan).map_err(internal)? + "\n";
            files::write_atomically(&plan_path, &text, &inputs, true, Visibility::Public)?;
            (plan, root, Vec::new())
        }
    };
    let scan_time = scan_started.elapsed();
    let done: BTreeSet<u64> = links.iter().filter_map(|t| t.leaf).collect();
    let todo: Vec<(usize, u64)> = plan
        .leaves
        .iter()
        .copied()
        .enumerate()
        .filter(|(_, leaf)| !done.contains(leaf))
        .collect();
    // A killed run can leave one proof written but never committed, of a planned leaf. It is
    // not part of the chain, so it is moved aside to `uncommitted/` (never deleted: if the
    // directory is not this state's after all, nothing is lost). Anything else is not ours.
    let committed: BTreeSet<String> = links
        .iter()
        .filter_map(|t| t.proof_file.as_deref())
        .filter_map(|f| Path::new(f).file_name())
        .map(|n| n.to_string_lossy().into_owned())
        .collect();
    let planned: BTreeSet<String> = todo.iter().map(|&(i, leaf)| proof_name(i, leaf)).collect();
    let orphans: Vec<_> = chain_files(&args.out)?
        .into_iter()
        .filter(|path| {
            let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
            !name.is_some_and(|n| committed.contains(&n))
        })
        .collect();
    if let Some(path) = orphans.iter().find(|path| {
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
        orphans.len() > 1 || !name.is_some_and(|n| planned.contains(&n))
    }) {
        return Err(bad_input(anyhow!(
            "{}: not a link of this state's chain from the plan's root ({} such file(s)); move them away, or choose another --out",
            path.display(),
            orphans.len()
        )));
    }
    for path in orphans {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        files::check_output(&path, &inputs, true)?;
        let aside = args.out.join("uncommitted");
        std::fs::create_dir_all(&aside)
            .and_then(|()| {
                std::fs::rename(&path, aside.join(format!("{name}.{}", std::process::id())))
            })
            .map_err(|e| {
                internal(anyhow!(
                    "{}: cannot move it to {}: {}",
                    path.display(),
                    aside.display(),
                    files::io_cause(&e)
                ))
            })?;
    }

    // 2. Execute.
    let shape = LiquidationShape::new(market.shape(), state.tree())
        .ok_or_else(|| internal(anyhow!("a state tree is always format 2")))?;
    let store = setup::params_store(setup::params_dir(&args.params));
    let keygen_started = Instant::now();
    let keys = if todo.is_empty() {
        None
    } else {
        let params = setup::params(&store, shape.k())?;
        let key = setup::prover_key(&params, shape)?;
        Some((params, key))
    };
    let keygen_time = keygen_started.elapsed();
    let bar = setup::progress_bar(
        todo.len() as u64,
        "{spinner} liquidating [{bar:30}] {pos}/{len} accounts · {per_sec} · ETA {eta}",
    );
    let execute_started = Instant::now();
    let mut executed = 0usize;
    let mut prove_time = Duration::ZERO;
    let mut skipped = Vec::new();
    if let Some((params, key)) = &keys {
        let with = Liquidating {
            state_path: &args.state,
            market: &market,
            prices: &prices,
            liquidator,
            shape,
            params,
            key,
            inputs: &inputs,
        };
        for (i, leaf) in todo {
            bar.inc(1);
            let stored = state
                .subtree(0, leaf)
                .map_err(|e| state_failure(&args.state, e))?
                .pop()
                .flatten()
                .ok_or_else(|| internal(anyhow!("planned leaf {leaf} holds no account")))?;
            let refusal = match default_request(&market, &prices, &stored.account) {
                None => Some("no debt or no weighted collateral".to_owned()),
                Some(request) => match quote(&market, &prices, &stored.account, request) {
                    Err(refusal) => Some(refusal.to_string()),
                    Ok(_) => {
                        let out = args.out.join(proof_name(i, leaf));
                        let done =
                            prove_and_apply(&mut state, &with, &stored, request, &out, true)?;
                        prove_time += done.prove_time;
                        executed += 1;
                        None
                    }
                },
            };
            if let Some(reason) = refusal {
                skipped.push(json!({"leaf": leaf, "reason": reason}));
            }
        }
    }
    bar.finish_and_clear();
    let execute_time = execute_started.elapsed();

    // 3. The whole chain, as the state's log has it.
    let final_root = state.root().map_err(|e| state_failure(&args.state, e))?;
    let (links, end) = committed_chain(&state, &args.state, &args.out, start_root)?;
    if end != final_root {
        return Err(internal(anyhow!(
            "the chain in {} ends at {}, the state at {}",
            args.out.display(),
            field::to_hex(&end),
            field::to_hex(&final_root)
        )));
    }
    let liquidations: Vec<Value> = links
        .iter()
        .map(|t| {
            let mut v = match &t.details {
                Value::Object(_) => t.details.clone(),
                _ => json!({}),
            };
            v["leaf"] = json!(t.leaf);
            v["old_root"] = json!(field::to_hex(&t.old_root));
            v["new_root"] = json!(field::to_hex(&t.new_root));
            v["proof"] = json!(
                t.proof_file
                    .as_deref()
                    .and_then(|f| Path::new(f).file_name())
                    .map(|n| n.to_string_lossy().into_owned())
            );
            v["proof_sha256"] = json!(t.proof_sha256);
            v
        })
        .collect();
    let per_execution =
        (executed > 0).then(|| started.elapsed().as_secs_f64() * 1e3 / executed as f64);
    let summary = json!({
        "state": args.state.display().to_string(),
        "market": market.name(),
        "market_commitment": plan.market_commitment,
        "price_commitment": plan.price_commitment,
        "round": prices.round(),
        "liquidator": plan.liquidator,
        "start_root": plan.start_root,
        "final_root": field::to_hex(&final_root),
        "accounts_scanned": scanned,
        "planned": plan.leaves.len(),
        "executed": links.len(),
        "executed_this_run": executed,
        "resumed_after": done.len(),
        "skipped": skipped,
        "liquidation_k": shape.k(),
        "liquidations": liquidations,
        "seconds": {
            "scan": scan_time.as_secs_f64(),
            "keygen": keygen_time.as_secs_f64(),
            "prove": prove_time.as_secs_f64(),
            "execute": execute_time.as_secs_f64(),
            "total": started.elapsed().as_secs_f64(),
        },
        "ms_per_execution": per_execution,
    });
    files::write_atomically(
        &summary_path,
        &format!("{summary:#}\n"),
        &inputs,
        true,
        Visibility::Public,
    )?;
    say!("{summary:#}");
    Ok(())
}
