//! `zkliq keeper`: prove every liquidatable account of a state at a price round.
//!
//! 1. **Scan**: stream every account (in leaf order, constant memory) and evaluate it in the
//!    clear; keep the leaf indices of the liquidatable ones.
//! 2. **Plan**: pick the batch size (positions per proof) that minimises proving work, group the
//!    liquidatable leaves into aligned subtrees of that size, and skip those whose proof file
//!    already holds exactly this proof's public inputs (a rerun after a crash resumes).
//! 3. **Prove**: build each batch's witness from the database and prove batches on `--jobs`
//!    threads; each proof is checked, then written atomically.
//!
//! With `--shard I/N` the leaves are split into aligned blocks of 128 (the largest batch), block
//! `b` going to shard `b mod N`: shards never share a batch and together cover every account.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::anyhow;
use serde_json::json;
use zkliq_circuits::batch::{BatchInstance, BatchShape, BatchWitness, SlotClaim};
use zkliq_circuits::commitment::{market_commitment, price_commitment};
use zkliq_circuits::health::reference;
use zkliq_circuits::keys::{Curve, Params, ProverKey};
use zkliq_circuits::tree::TreeSpec;
use zkliq_circuits::{Claim, Shape, field, proof};
use zkliq_state::State;
use zkliq_verifier::StateProofEnvelope;

use super::state::{open_bound, state_failure};
use crate::cli::{BatchArg, KeeperArgs, Shard};
use crate::failure::{Failure, bad_input, internal};
use crate::files::Visibility;
use crate::output::say;
use crate::{files, pool, setup};

/// Shards split the leaves into aligned blocks of `2^SHARD_BLOCK_BITS` (the largest batch).
const SHARD_BLOCK_BITS: u32 = 7;

/// The planner's cost model: milliseconds of one-at-a-time proving per row of `2^k`, measured
/// by `benches/state.rs` on the 2-core development machine on 2026-11-26 (membership k = 11:
/// 0.282; B = 8, k = 12: 0.276; B = 32, k = 14: 0.226; B = 128, k = 15: 0.249). Proving time
/// is close to linear in `2^k`, so the plan that minimises `proofs · 2^k` is the fastest; the
/// constant only turns it into a predicted time for `summary.json`.
const MS_PER_CIRCUIT_ROW: f64 = 0.26;

/// Two proofs at once on the 2 cores finish in 0.83 of the time of one after the other
/// (`benches/state.rs`, `128-positions-two-concurrent`).
const CONCURRENT_SPEEDUP: f64 = 1.2;

/// One batch to prove.
struct Job {
    witness: BatchWitness,
    instance: BatchInstance,
    path: PathBuf,
}

pub fn run(args: KeeperArgs) -> Result<(), Failure> {
    let started = Instant::now();
    if args.out.exists() && !args.out.is_dir() {
        return Err(bad_input(anyhow!(
            "--out {}: is a file; the keeper writes a directory of proofs and a summary.json (give a directory path)",
            args.out.display()
        )));
    }
    let state = open_bound(&args.state, &args.market)?;
    let market = state.market().clone();
    let prices = files::prices(&args.prices, &market)?;
    std::fs::create_dir_all(&args.out)
        .map_err(|e| bad_input(anyhow!("{}: cannot create: {e}", args.out.display())))?;
    let inputs = [args.state.as_path(), &args.market, &args.prices];
    let shard = args.shard.unwrap_or(Shard { index: 0, count: 1 });
    let jobs = setup::jobs(args.jobs);

    // 1. Scan.
    let scan_started = Instant::now();
    let mut scanned = 0u64;
    let mut liquidatable: Vec<u64> = Vec::new();
    state
        .scan(|index, account| {
            if (index >> SHARD_BLOCK_BITS) % shard.count != shard.index {
                return;
            }
            scanned += 1;
            if reference::evaluate(&market, &prices, account).claim() == Claim::Liquidatable {
                liquidatable.push(index);
            }
        })
        .map_err(|e| state_failure(&args.state, e))?;
    let scan_time = scan_started.elapsed();

    // 2. Plan.
    let plan_started = Instant::now();
    let shape = choose_batch(args.batch, market.shape(), state.tree(), &liquidatable)
        .ok_or_else(|| bad_input(anyhow!("--batch: unsupported size for this state's tree")))?;
    let mut blocks: BTreeMap<u64, Vec<usize>> = BTreeMap::new();
    for index in &liquidatable {
        let slot = (index & ((1 << shape.height) - 1)) as usize;
        blocks.entry(index >> shape.height).or_default().push(slot);
    }
    let root = state.root().map_err(|e| state_failure(&args.state, e))?;
    let (market_c, price_c) = (
        market_commitment(&market),
        price_commitment(&market, &prices),
    );
    let mut planned = Vec::with_capacity(blocks.len());
    for (block, slots) in &blocks {
        let mut claims = vec![SlotClaim::None; shape.positions()];
        for slot in slots {
            claims[*slot] = SlotClaim::Is(Claim::Liquidatable);
        }
        let instance = BatchInstance::new(shape, root, market_c, price_c, *block, claims)
            .map_err(|e| internal(anyhow!("{e}")))?;
        let path = args.out.join(format!(
            "liquidatable-{}-{block:010}.proof.json",
            shape.positions()
        ));
        planned.push((*block, instance, path));
    }

    // What an earlier run left: the summary of this same job is replaced, anything else needs
    // --force.
    let name = if shard.count == 1 {
        "summary.json".to_owned()
    } else {
        format!("summary-shard-{}-of-{}.json", shard.index, shard.count)
    };
    let summary_path = args.out.join(&name);
    // Only a regular file is read or replaced (never a FIFO, which would block, nor a link).
    files::check_output(&summary_path, &inputs, true)?;
    let same_job = |v: &serde_json::Value| {
        v["root"] == field::to_hex(&root).as_str()
            && v["price_commitment"] == field::to_hex(&price_c).as_str()
    };
    let earlier_summary = std::fs::read(&summary_path)
        .ok()
        .map(|b| serde_json::from_slice::<serde_json::Value>(&b).is_ok_and(|v| same_job(&v)));
    if earlier_summary == Some(false) && !args.force {
        return Err(bad_input(anyhow!(
            "{}: left by a run for another root or price round; use --force to replace it, or choose another --out",
            summary_path.display()
        )));
    }

    // Keys (once), then skip what an earlier run already wrote.
    let store = setup::params_store(setup::params_dir(&args.params));
    let (key, params, keygen_time) = if planned.is_empty() {
        (None, None, Duration::ZERO)
    } else {
        let params = setup::params(&store, shape.k())?;
        let keygen_started = Instant::now();
        let key = setup::prover_key(&params, shape)?;
        (Some(key), Some(params), keygen_started.elapsed())
    };
    let mut todo = Vec::new();
    let mut skipped = 0usize;
    let mut foreign = Vec::new();
    for (block, instance, path) in planned {
        files::check_output(&path, &inputs, true)?;
        let existing = std::fs::read(&path).ok();
        // A proof an earlier run of this job wrote is kept if it still verifies, proven again
        // if it was damaged since; any other file needs --force.
        let ours = existing
            .as_ref()
            .and_then(|bytes| StateProofEnvelope::from_json(bytes).ok())
            .filter(|e| {
                e.instance == instance
                    && Some(e.fingerprint) == key.as_ref().map(|k| k.verifier().fingerprint())
            });
        let done = match (&ours, &key, &params) {
            (Some(e), Some(key), Some(params)) => {
                proof::verify_column(params, key.verifier(), &e.instance.to_column(), &e.proof)
                    .is_ok()
            }
            _ => false,
        };
        if done {
            skipped += 1;
        } else {
            if existing.is_some() && ours.is_none() {
                foreign.push(path.clone());
            }
            todo.push((block, instance, path));
        }
    }
    if let (Some(first), false) = (foreign.first(), args.force) {
        return Err(bad_input(anyhow!(
            "{}: {} proof file(s) here (first: {}) are from another run (another root, round or key); use --force to replace them, or choose another --out",
            args.out.display(),
            foreign.len(),
            first.display()
        )));
    }
    let plan_time = plan_started.elapsed().saturating_sub(keygen_time);

    // 3. Prove.
    let concurrency = if jobs > 1 && todo.len() > 1 {
        CONCURRENT_SPEEDUP
    } else {
        1.0
    };
    let predicted_prove =
        ((todo.len() as u64) << shape.k()) as f64 * MS_PER_CIRCUIT_ROW / 1e3 / concurrency;
    let prove_started = Instant::now();
    let positions: usize = todo.iter().map(|(_, i, _)| i.claimed().count()).sum();
    if let (Some(key), Some(params)) = (&key, &params) {
        prove_all(
            &state,
            &args.state,
            &market,
            &prices,
            shape,
            todo.len(),
            todo,
            key,
            params,
            jobs,
            &inputs,
        )?;
    }
    let prove_time = prove_started.elapsed();
    let written = blocks.len() - skipped;

    let per_second = |n: f64, t: Duration| (t > Duration::ZERO).then(|| n / t.as_secs_f64());
    let summary = json!({
        "state": args.state.display().to_string(),
        "market": market.name(),
        "root": field::to_hex(&root),
        "market_commitment": field::to_hex(&market_c),
        "price_commitment": field::to_hex(&price_c),
        "round": prices.round(),
        "shard": format!("{}/{}", shard.index, shard.count),
        "accounts_scanned": scanned,
        "liquidatable": liquidatable.len(),
        "batch_positions": shape.positions(),
        "batch_k": shape.k(),
        "proofs": blocks.len(),
        "plan": {
            "cost_model": "proving time = proofs x 2^k x 0.26 ms, / 1.2 with two jobs (benches/state.rs, 2-core machine)",
            "rows": (blocks.len() as u64) << shape.k(),
            "rows_per_liquidatable": (!liquidatable.is_empty())
                .then(|| ((blocks.len() as u64) << shape.k()) / liquidatable.len() as u64),
            "predicted_prove_seconds": predicted_prove,
            "actual_prove_seconds": prove_time.as_secs_f64(),
        },
        "proofs_written": written,
        "proofs_skipped": skipped,
        "jobs": jobs,
        "seconds": {
            "scan": scan_time.as_secs_f64(),
            "plan": plan_time.as_secs_f64(),
            "keygen": keygen_time.as_secs_f64(),
            "prove": prove_time.as_secs_f64(),
            "total": started.elapsed().as_secs_f64(),
        },
        "scan_accounts_per_second": per_second(scanned as f64, scan_time),
        "proven_positions_per_second": per_second(positions as f64, prove_time),
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

/// The batch shape for `liquidatable` leaves: the fixed size asked for, or (auto) the one
/// whose batches cost least in total, estimating a batch's cost by its circuit size `2^k`
/// (proving time grows about linearly with it). Ties go to the larger batch.
fn choose_batch(
    batch: BatchArg,
    assets: Shape,
    tree: TreeSpec,
    liquidatable: &[u64],
) -> Option<BatchShape> {
    if let BatchArg::Positions(p) = batch {
        return BatchShape::with_positions(assets, p, tree);
    }
    let cost = |s: &BatchShape| {
        // `liquidatable` ascends, so equal blocks are adjacent.
        let mut blocks: Vec<u64> = liquidatable.iter().map(|i| i >> s.height).collect();
        blocks.dedup();
        (blocks.len() as u64) << s.k()
    };
    BatchShape::all(assets, tree).min_by_key(|s| (cost(s), std::cmp::Reverse(s.height)))
}

#[allow(clippy::too_many_arguments)]
fn prove_all(
    state: &State,
    state_path: &Path,
    market: &zkliq_circuits::Market,
    prices: &zkliq_circuits::PriceRound,
    shape: BatchShape,
    total: usize,
    todo: Vec<(u64, BatchInstance, PathBuf)>,
    key: &ProverKey,
    params: &Params<Curve>,
    jobs: usize,
    inputs: &[&Path],
) -> Result<(), Failure> {
    let bar = setup::progress_bar(
        total as u64,
        "{spinner} proving [{bar:30}] {pos}/{len} batches · {per_sec} · ETA {eta}",
    );
    let jobs_in = todo.into_iter().map(|(block, instance, path)| {
        build_job(
            state, state_path, market, prices, shape, block, instance, path,
        )
    });
    let result = pool::run(
        jobs,
        jobs_in,
        |job| prove_one(job, key, params, inputs),
        || bar.inc(1),
    );
    bar.finish_and_clear();
    result
}

#[allow(clippy::too_many_arguments)]
fn build_job(
    state: &State,
    state_path: &Path,
    market: &zkliq_circuits::Market,
    prices: &zkliq_circuits::PriceRound,
    shape: BatchShape,
    block: u64,
    instance: BatchInstance,
    path: PathBuf,
) -> Result<Job, Failure> {
    let accounts = state
        .subtree(shape.height, block)
        .map_err(|e| state_failure(state_path, e))?;
    let siblings = state
        .path(shape.height, block)
        .map_err(|e| state_failure(state_path, e))?;
    let refs: Vec<Option<&zkliq_circuits::Account>> = accounts
        .iter()
        .map(|a| a.as_ref().map(|a| &a.account))
        .collect();
    let witness = BatchWitness::new(
        shape,
        market,
        prices,
        &refs,
        instance.claims(),
        block,
        siblings,
    );
    if witness.public_inputs() != instance.to_column() {
        return Err(internal(anyhow!(
            "batch {block}: the stored tree does not match its root"
        )));
    }
    Ok(Job {
        witness,
        instance,
        path,
    })
}

fn prove_one(
    job: Job,
    key: &ProverKey,
    params: &Params<Curve>,
    inputs: &[&Path],
) -> Result<(), Failure> {
    let column = job.instance.to_column();
    let bytes = proof::prove_batch_witness(params, key, job.witness, &column).map_err(internal)?;
    proof::verify_column(params, key.verifier(), &column, &bytes).map_err(|e| {
        internal(anyhow!(
            "{}: the new proof does not verify: {e}",
            job.path.display()
        ))
    })?;
    let envelope = StateProofEnvelope::new(key.verifier(), job.instance, bytes);
    // Checked when planned: a new file, or one this run may replace.
    files::write_atomically(
        &job.path,
        &envelope.to_json(),
        inputs,
        true,
        Visibility::Public,
    )
}
