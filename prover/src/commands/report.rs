//! `zkliq report`: prove a round report of a whole state ([`zkliq_circuits::report`]).
//!
//! The tree is cut into pieces of `--positions` leaves, `0..=L` with `L` the piece of the last
//! occupied leaf. The book each piece starts from is computed in the clear from the state (the
//! operator's private data); blinds are `Poseidon(seed, i)` from a random seed kept in
//! `DIR/report-secret.json` (mode 0600, never to be published), so a rerun after a crash
//! recomputes every piece's public inputs, keeps the piece files that already hold them and
//! proves the rest. `report.json` (the opened ends of the chain) is written last: a directory
//! with it is a complete report.

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::anyhow;
use serde::{Deserialize, Serialize};
use serde_json::json;
use zkliq_circuits::Account;
use zkliq_circuits::batch::BatchShape;
use zkliq_circuits::commitment::price_commitment;
use zkliq_circuits::field::{self, Fp};
use zkliq_circuits::report::{
    Book, BucketEdges, ROOT_ROW, ReportInstance, ReportShape, ReportWitness,
};
use zkliq_circuits::{hash, proof};
use zkliq_verifier::{ReportFile, ReportPieceEnvelope};

use super::state::{open, state_failure};
use crate::cli::ReportArgs;
use crate::failure::{Failure, bad_input, internal};
use crate::files::Visibility;
use crate::output::say;
use crate::{files, setup};

/// The piece sizes a report may use.
const PIECE_SIZES: [usize; 3] = [8, 32, 128];

/// What a rerun must match to resume, and the seed of the blinds.
#[derive(Clone, Serialize, Deserialize, PartialEq, Eq)]
struct Secret {
    format: String,
    root: String,
    price_commitment: String,
    edges: Vec<u32>,
    positions: usize,
    seed: String,
}

const SECRET_FORMAT: &str = "zkliq-report-secret/1";

/// The file of piece `i`.
pub fn piece_path(dir: &Path, i: u64) -> PathBuf {
    dir.join(format!("piece-{i:06}.proof.json"))
}

fn parse_edges(text: &str) -> Result<BucketEdges, Failure> {
    let values = text
        .split(',')
        .map(|e| {
            e.trim()
                .parse::<u32>()
                .map_err(|_| bad_input(anyhow!("--buckets: {e:?} is not a whole number of bps")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    BucketEdges::new(values).map_err(|e| bad_input(anyhow!("--buckets: {e}")))
}

/// The blind of book `i` (the book piece `i` starts from).
fn blind(seed: Fp, i: u64) -> Fp {
    hash::constant_length(&[seed, Fp::from(i)])
}

pub fn run(args: ReportArgs) -> Result<(), Failure> {
    let started = Instant::now();
    let edges = parse_edges(&args.buckets)?;
    let state = open(&args.state)?;
    let market = state.market().clone();
    let prices = files::prices(&args.prices, &market)?;
    let tree = state.tree();
    let assets = market.shape();
    let shape_of = |positions: usize| {
        PIECE_SIZES
            .contains(&positions)
            .then(|| BatchShape::with_positions(assets, positions, tree))
            .flatten()
            .and_then(|b| ReportShape::new(b, edges.len()))
    };
    let bound = state
        .leaf_bound()
        .map_err(|e| state_failure(&args.state, e))?;
    let pieces_of = |shape: ReportShape| bound.div_ceil(shape.positions() as u64).max(1);
    let shape = match args.positions {
        Some(p) => shape_of(p).ok_or_else(|| {
            bad_input(anyhow!(
                "--positions: must be 8, 32 or 128 and below the tree's capacity, got {p}"
            ))
        })?,
        // The fewest rows in all: proving time is close to linear in pieces · 2^k.
        None => PIECE_SIZES
            .into_iter()
            .filter_map(shape_of)
            .min_by_key(|s| (pieces_of(*s) << s.k(), std::cmp::Reverse(s.positions())))
            .ok_or_else(|| {
                internal(anyhow!(
                    "no report piece fits a tree of depth {}",
                    tree.depth()
                ))
            })?,
    };
    let pieces = pieces_of(shape);
    let root = state.root().map_err(|e| state_failure(&args.state, e))?;
    let prices_commitment = price_commitment(&market, &prices);

    if args.out.exists() && !args.out.is_dir() {
        return Err(bad_input(anyhow!(
            "{}: exists and is not a directory",
            args.out.display()
        )));
    }
    std::fs::create_dir_all(&args.out).map_err(|e| {
        bad_input(anyhow!(
            "{}: cannot create the directory: {}",
            args.out.display(),
            files::io_cause(&e)
        ))
    })?;
    let secret_path = args.out.join("report-secret.json");
    let context = Secret {
        format: SECRET_FORMAT.to_owned(),
        root: field::to_hex(&root),
        price_commitment: field::to_hex(&prices_commitment),
        edges: edges.as_slice().to_vec(),
        positions: shape.positions(),
        seed: String::new(),
    };
    let seed = match std::fs::read(&secret_path) {
        Ok(bytes) => {
            let old: Secret = serde_json::from_slice(&bytes).map_err(|e| {
                bad_input(anyhow!(
                    "{}: not a report secret: {e}",
                    secret_path.display()
                ))
            })?;
            let same = Secret {
                seed: old.seed.clone(),
                format: old.format.clone(),
                ..context.clone()
            };
            if same != old {
                if !args.force {
                    return Err(bad_input(anyhow!(
                        "{}: holds a report for another root, round, edges or piece size (use --force to replace it)",
                        args.out.display()
                    )));
                }
                None
            } else {
                Some(
                    field::from_hex(&old.seed)
                        .map_err(|e| bad_input(anyhow!("{}: seed: {e}", secret_path.display())))?,
                )
            }
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let leftover =
                piece_path(&args.out, 0).exists() || args.out.join("report.json").exists();
            if leftover && !args.force {
                return Err(bad_input(anyhow!(
                    "{}: holds report files but no report-secret.json to resume them with (use --force to replace them)",
                    args.out.display()
                )));
            }
            None
        }
        Err(e) => {
            return Err(internal(anyhow!(
                "{}: cannot read: {}",
                secret_path.display(),
                files::io_cause(&e)
            )));
        }
    };
    let seed = match seed {
        Some(seed) => seed,
        None => {
            let seed = Account::random_salt().map_err(internal)?;
            let text = serde_json::to_string_pretty(&Secret {
                seed: field::to_hex(&seed),
                ..context
            })
            .expect("strings and numbers");
            files::write_atomically(
                &secret_path,
                &(text + "\n"),
                &[&args.state, &args.prices],
                true,
                Visibility::Private,
            )?;
            // A new seed means new blinds: pieces and a report of another seed are stale.
            for i in 0..pieces {
                remove_stale(&piece_path(&args.out, i))?;
            }
            remove_stale(&args.out.join("report.json"))?;
            seed
        }
    };

    let store = setup::params_store(setup::params_dir(&args.params));
    let params = setup::params(&store, shape.k())?;
    let key = setup::prover_key(&params, shape)?;
    let bar = setup::progress_bar(pieces, "{bar:40} {pos}/{len} pieces {elapsed} (eta {eta})");
    let mut book = Book::empty(market.assets().len(), edges.len());
    let (mut proved, mut kept) = (0u64, 0u64);
    let prove_started = Instant::now();
    for i in 0..pieces {
        let height = shape.batch.height;
        let accounts = state
            .subtree(height, i)
            .map_err(|e| state_failure(&args.state, e))?;
        let siblings = state
            .path(height, i)
            .map_err(|e| state_failure(&args.state, e))?;
        let refs: Vec<Option<&Account>> = accounts
            .iter()
            .map(|a| a.as_ref().map(|a| &a.account))
            .collect();
        let witness = ReportWitness::new(
            shape,
            &market,
            &prices,
            &edges,
            &refs,
            i,
            siblings,
            &book,
            [blind(seed, i), blind(seed, i + 1)],
            i + 1 == pieces,
        );
        let column = witness.public_inputs();
        if column[ROOT_ROW] != root {
            return Err(internal(anyhow!(
                "piece {i}: the stored tree does not match the state's root"
            )));
        }
        let instance = ReportInstance::from_column(shape, &column)
            .map_err(|e| internal(anyhow!("piece {i}: {e}")))?;
        book = Book::from_fields(witness.book_out(), market.assets().len(), edges.len())
            .ok_or_else(|| internal(anyhow!("piece {i}: the book outgrew its bounds")))?;
        let path = piece_path(&args.out, i);
        if holds(&path, &instance) {
            kept += 1;
            bar.inc(1);
            continue;
        }
        let bytes =
            proof::prove_report_witness(&params, &key, witness, &column).map_err(internal)?;
        proof::verify_column(&params, key.verifier(), &column, &bytes)
            .map_err(|e| internal(anyhow!("piece {i}: the new proof does not verify: {e}")))?;
        let envelope = ReportPieceEnvelope::new(key.verifier(), instance, bytes);
        files::write_atomically(
            &path,
            &envelope.to_json(),
            &[&args.state, &args.prices],
            true,
            Visibility::Public,
        )?;
        proved += 1;
        bar.inc(1);
    }
    bar.finish_and_clear();
    let prove_seconds = prove_started.elapsed().as_secs_f64();
    let report = ReportFile {
        depth: tree.depth(),
        positions: shape.positions(),
        pieces,
        edges: edges.clone(),
        first_blind: blind(seed, 0),
        last_blind: blind(seed, pieces),
        book: book.clone(),
    };
    files::write_atomically(
        &args.out.join("report.json"),
        &report.to_json(),
        &[&args.state, &args.prices],
        true,
        Visibility::Public,
    )?;
    let seconds = started.elapsed().as_secs_f64();
    say!(
        "{:#}",
        json!({
            "root": field::to_hex(&root),
            "pieces": pieces,
            "positions": shape.positions(),
            "k": shape.k(),
            "proved": proved,
            "kept": kept,
            "accounts": book.accounts,
            "liquidatable": book.liquidatable,
            "seconds": {"prove": prove_seconds, "total": seconds},
            "ms_per_account": if book.accounts > 0 { prove_seconds * 1e3 / book.accounts as f64 } else { 0.0 },
        })
    );
    Ok(())
}

/// True if `path` holds a piece whose public inputs are `instance` (a rerun keeps it).
fn holds(path: &Path, instance: &ReportInstance) -> bool {
    std::fs::read(path)
        .ok()
        .and_then(|bytes| ReportPieceEnvelope::from_json(&bytes).ok())
        .is_some_and(|e| &e.instance == instance)
}

/// Removes a file left by a report of another seed (its blinds can never chain with ours).
fn remove_stale(path: &Path) -> Result<(), Failure> {
    match std::fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(internal(anyhow!(
            "{}: cannot remove: {}",
            path.display(),
            files::io_cause(&e)
        ))),
    }
}
