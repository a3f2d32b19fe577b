//! `zkliq report`: prove a round report of a whole state ([`zkliq_circuits::report`]);
//! `zkliq report merge`: join the directories of a sharded report; `zkliq report secret`: make
//! the seed the shards share.
//!
//! The tree is cut into pieces of `--positions` leaves, `0..=L` with `L` the piece of the last
//! occupied leaf. The book each piece starts from is computed in the clear from the state (the
//! operator's private data, the same on every machine with a copy of the database); blinds are
//! `Poseidon(seed, i)` from a random seed in the secret file (mode 0600, never published). So
//! any machine with the database and the seed computes every piece's public inputs: a shard
//! (`--shard I/N`, pieces `p` with `p mod N = I`) proves its own pieces of the one chain.
//! Its pieces are proved `--per-proof` at a time, in one proof each (a group file,
//! `group-<first piece>.proof.json`), and a rerun after a crash keeps the group files that
//! already hold their public inputs and a proof that verifies, and proves the rest.
//! `report.json` (the opened ends of the chain) is written last: a directory with it holds a
//! complete report (or a complete shard).

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use anyhow::anyhow;
use serde::{Deserialize, Serialize};
use serde_json::json;
use zkliq_circuits::batch::BatchShape;
use zkliq_circuits::commitment::price_commitment;
use zkliq_circuits::field::{self, Fp};
use zkliq_circuits::keys::{Curve, Params, VerifierKey};
use zkliq_circuits::report::{
    Book, BucketEdges, ROOT_ROW, ReportInstance, ReportShape, ReportWitness, reference,
};
use zkliq_circuits::{Account, Market, PriceRound};
use zkliq_circuits::{hash, proof};
use zkliq_verifier::{ReportFile, ReportGroupEnvelope};

use super::state::{open, state_failure};
use crate::cli::{ReportArgs, ReportCommand};
use crate::failure::{Failure, bad_input, internal, rejected};
use crate::files::Visibility;
use crate::output::say;
use crate::{files, pool, setup};

/// The piece sizes a report may use.
const PIECE_SIZES: [usize; 3] = [8, 32, 128];

/// Pieces per proof by default: a 4-asset report of 128-position pieces, two proofs at once,
/// is 1.25× faster than with a proof per piece (docs/BENCHMARKS.md, layout 2), for about
/// 2.4 GiB per proof in flight (layout 3); 16 save another 3% for 1.8 times the memory.
const PER_PROOF: usize = 8;

/// The secret file: the seed of the blinds.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Secret {
    format: String,
    seed: String,
}

const SECRET_FORMAT: &str = "zkliq-report-secret/1";

/// What a rerun in the same directory must match to keep its pieces (public: the seed appears
/// only as a digest).
#[derive(Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
struct RunContext {
    format: String,
    root: String,
    price_commitment: String,
    edges: Vec<u32>,
    positions: usize,
    shard: Option<String>,
    seed_digest: String,
    /// Absent in contexts of format 1 (each piece its own proof).
    #[serde(default)]
    per_proof: Option<usize>,
}

/// Format 2: pieces in group files, `per_proof` to a proof.
const CONTEXT_FORMAT: &str = "zkliq-report-context/2";

impl RunContext {
    /// What differs from `other`, named as the flags that set it: "price round (--prices,
    /// --shock) and --positions".
    fn differences(&self, other: &RunContext) -> String {
        if self.format != other.format {
            return "zkliq version (an earlier one, a proof per piece: verify-report still checks it)"
                .to_owned();
        }
        let names: Vec<&str> = [
            (self.root != other.root, "state root (--state)"),
            (
                self.price_commitment != other.price_commitment,
                "price round (--prices, --shock)",
            ),
            (self.edges != other.edges, "--buckets"),
            (self.positions != other.positions, "--positions"),
            (self.shard != other.shard, "--shard"),
            (self.seed_digest != other.seed_digest, "secret (--secret)"),
            (self.per_proof != other.per_proof, "--per-proof"),
        ]
        .into_iter()
        .filter_map(|(differs, name)| differs.then_some(name))
        .collect();
        match names.split_last() {
            None => "run".to_owned(),
            Some((last, [])) => (*last).to_owned(),
            Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
        }
    }
}

/// A shard's record of which part it proved (`shard.json`), for `report merge`.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ShardFile {
    format: String,
    shard: u64,
    shards: u64,
    pieces: u64,
}

const SHARD_FORMAT: &str = "zkliq-report-shard/1";

/// One piece to prove: its witness and public inputs.
struct Piece {
    witness: ReportWitness,
    column: Vec<Fp>,
    instance: ReportInstance,
}

/// Pieces proved in one proof, and the file it goes to.
struct Group {
    pieces: Vec<Piece>,
    path: PathBuf,
}

/// The file of the group whose first piece is `i`.
pub fn group_path(dir: &Path, i: u64) -> PathBuf {
    dir.join(format!("group-{i:06}.proof.json"))
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
    match args.command {
        Some(ReportCommand::Merge { dirs, out, force }) => return merge(&dirs, &out, force),
        Some(ReportCommand::Secret { out, force }) => return new_secret(&out, force).map(|_| ()),
        None => {}
    }
    let (Some(state_path), Some(prices_path), Some(out)) =
        (args.state.clone(), args.prices.clone(), args.out.clone())
    else {
        return Err(bad_input(anyhow!(
            "--state, --prices and --out are required"
        )));
    };
    prove_report(&args, &state_path, &prices_path, &out)
}

fn prove_report(
    args: &ReportArgs,
    state_path: &Path,
    prices_path: &Path,
    out: &Path,
) -> Result<(), Failure> {
    let started = Instant::now();
    let edges = parse_edges(&args.buckets)?;
    let state = open(state_path)?;
    let market = state.market().clone();
    let prices = files::prices(prices_path, &market)?;
    let (prices, shocked) = match &args.shock {
        Some(shock) => {
            let shocked = shock_prices(&market, &prices, shock)?;
            let text = prices_json(&market, &shocked);
            (shocked, Some(text))
        }
        None => (prices, None),
    };
    let tree = state.tree();
    let assets = market.shape();
    let shape_of = |positions: usize| {
        PIECE_SIZES
            .contains(&positions)
            .then(|| BatchShape::with_positions(assets, positions, tree))
            .flatten()
            .and_then(|b| ReportShape::new(b, edges.len()))
            .map(ReportShape::smallest_layout)
    };
    let bound = state
        .leaf_bound()
        .map_err(|e| state_failure(state_path, e))?;
    let pieces_of = |shape: ReportShape| bound.div_ceil(shape.positions() as u64).max(1);
    let context_path = out.join("report-context.json");
    let previous: Option<RunContext> = std::fs::read(&context_path)
        .ok()
        .map(|bytes| serde_json::from_slice(&bytes).ok())
        .unwrap_or(None);
    // A rerun without --positions continues with the piece size it started with (a newer
    // zkliq's default may differ).
    let resumed = previous
        .as_ref()
        .filter(|_| !args.force)
        .and_then(|p| shape_of(p.positions));
    let shape = match (args.positions, resumed) {
        (Some(p), _) => shape_of(p).ok_or_else(|| {
            bad_input(anyhow!(
                "--positions: must be 8, 32 or 128 and below the tree's capacity, got {p}"
            ))
        })?,
        (None, Some(shape)) => shape,
        // The fewest rows in all: proving time is close to linear in pieces · 2^k. On a tie
        // the larger piece: faster (layout 2, 2,048 accounts, --jobs 2: 128-pieces 67.7 ms per
        // account, 32-pieces 77.6 ms, docs/BENCHMARKS.md), for more memory. At 4 assets the
        // 128-pieces now win outright (layout 3: k = 14 against 32-pieces' 13).
        (None, None) => PIECE_SIZES
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
    let per_proof = args
        .per_proof
        .map(usize::from)
        .or_else(|| {
            previous
                .as_ref()
                .filter(|p| !args.force && p.format == CONTEXT_FORMAT)
                .and_then(|p| p.per_proof)
        })
        .filter(|n| (1..=64).contains(n))
        .unwrap_or(PER_PROOF);
    let pieces = pieces_of(shape);
    let root = state.root().map_err(|e| state_failure(state_path, e))?;
    let prices_commitment = price_commitment(&market, &prices);

    if out.exists() && !out.is_dir() {
        return Err(bad_input(anyhow!(
            "{}: exists and is not a directory",
            out.display()
        )));
    }
    files::create_dir(out)?;
    let secret_path = args
        .secret
        .clone()
        .unwrap_or_else(|| out.join("report-secret.json"));
    let leftover = previous.is_some() || has_report_files(out)?;
    let refuse = |why: &str| {
        bad_input(anyhow!(
            "{}: holds a report {why} (use --force to replace it)",
            out.display()
        ))
    };
    let seed = match read_secret(&secret_path)? {
        Some(seed) => seed,
        None if args.shard.is_some() => {
            return Err(bad_input(anyhow!(
                "--secret {}: missing; every shard needs the same one: create it once with `zkliq report secret --out FILE` and copy it to each machine",
                secret_path.display()
            )));
        }
        // A new seed can never continue what the directory holds: refuse before writing it.
        None if leftover && !args.force => {
            return Err(refuse(&format!(
                "proved under a secret that is not at {}",
                secret_path.display()
            )));
        }
        None => new_secret(&secret_path, false)?,
    };
    let context = RunContext {
        format: CONTEXT_FORMAT.to_owned(),
        root: field::to_hex(&root),
        price_commitment: field::to_hex(&prices_commitment),
        edges: edges.as_slice().to_vec(),
        positions: shape.positions(),
        shard: args.shard.map(|s| format!("{}/{}", s.index, s.count)),
        seed_digest: field::to_hex(&hash::constant_length(&[
            seed,
            Fp::from(u64::from_be_bytes(*b"zkliq:sd")),
        ])),
        per_proof: Some(per_proof),
    };
    if previous.as_ref() != Some(&context) && leftover {
        if !args.force {
            return Err(refuse(&match &previous {
                Some(previous) => format!("for another {}", previous.differences(&context)),
                None => "without a report-context.json that `zkliq report` wrote (a merged report, or files of another tool)".to_owned(),
            }));
        }
        remove_report_files(out)?;
    }
    let inputs: [&Path; 2] = [state_path, prices_path];
    let text = serde_json::to_string_pretty(&context).expect("strings and numbers") + "\n";
    files::write_atomically(&context_path, &text, &inputs, true, Visibility::Public)?;
    if let Some(text) = &shocked {
        // The round the report is about: verify-report needs it as --prices.
        files::write_atomically(
            &out.join("shocked-prices.json"),
            text,
            &inputs,
            true,
            Visibility::Public,
        )?;
    }

    let ours = |i: u64| args.shard.is_none_or(|s| i % s.count == s.index);
    let store = setup::params_store(setup::params_dir(&args.params));
    let params = setup::params(&store, shape.k())?;
    let key = setup::prover_key(&params, shape)?;
    let mine = (0..pieces).filter(|i| ours(*i)).count() as u64;
    let bar = setup::progress_bar(mine, "{bar:40} {pos}/{len} pieces {elapsed} (eta {eta})");
    // The book has one total per asset *slot* of the circuit's shape (padding slots stay 0).
    let n = market.shape().assets();
    let mut book = Book::empty(n, edges.len());
    let mut liquidatable = Vec::new();
    let proved = AtomicU64::new(0);
    let (mut kept, mut reproved) = (0u64, 0u64);
    // The verifying keys of the other circuit layouts, each built when a group file of it is
    // found.
    let mut other_layouts: HashMap<ReportShape, (Arc<Params<Curve>>, VerifierKey)> = HashMap::new();
    let jobs = setup::jobs(args.jobs);
    let prove_started = Instant::now();
    // Built in piece order on this thread (the book chain runs through every piece, ours or
    // not), gathered into groups of `per_proof` of ours; proved on `jobs` threads.
    let mut build = |i: u64| -> Result<Option<Piece>, Failure> {
        let height = shape.batch.height;
        let accounts = state
            .subtree(height, i)
            .map_err(|e| state_failure(state_path, e))?;
        let refs: Vec<Option<&Account>> = accounts
            .iter()
            .map(|a| a.as_ref().map(|a| &a.account))
            .collect();
        // The book after this piece, in the clear (every shard computes the whole chain).
        let first = i << height;
        let (added, flagged) = reference::report(
            &market,
            &prices,
            &edges,
            refs.iter()
                .enumerate()
                .filter_map(|(j, a)| a.map(|a| (first + j as u64, a))),
        );
        let book_in = book.clone();
        book.add(&added);
        liquidatable.extend(flagged);
        if !ours(i) {
            return Ok(None);
        }
        let siblings = state
            .path(height, i)
            .map_err(|e| state_failure(state_path, e))?;
        let witness = ReportWitness::new(
            shape,
            &market,
            &prices,
            &edges,
            &refs,
            i,
            siblings,
            &book_in,
            [blind(seed, i), blind(seed, i + 1)],
            i + 1 == pieces,
        );
        let column = witness.public_inputs();
        if column[ROOT_ROW] != root {
            return Err(internal(anyhow!(
                "piece {i}: the stored tree does not match the state's root"
            )));
        }
        if Book::from_fields(witness.book_out(), n, edges.len()).as_ref() != Some(&book) {
            return Err(internal(anyhow!(
                "piece {i}: the circuit's book differs from the reference's"
            )));
        }
        let instance = ReportInstance::from_column(shape, &column)
            .map_err(|e| internal(anyhow!("piece {i}: {e}")))?;
        Ok(Some(Piece {
            witness,
            column,
            instance,
        }))
    };
    // A group already on disk is kept only if it passes what verify-report checks of one
    // group (its k, its key's fingerprint, its proof for these public inputs): a file altered
    // or cut short since is proved again.
    let mut keep = |group: Group| -> Result<Option<Group>, Failure> {
        let instances: Vec<&ReportInstance> = group.pieces.iter().map(|p| &p.instance).collect();
        let Some(held) = held(&group.path, &instances) else {
            return Ok(Some(group));
        };
        let (params, key) = if held.shape() == shape {
            (&params, key.verifier())
        } else {
            // `held` admits only this shape in another layout.
            let other = held.shape();
            if let std::collections::hash_map::Entry::Vacant(slot) = other_layouts.entry(other) {
                let params = setup::params(&store, other.k())?;
                let key = VerifierKey::build(&params, other).map_err(internal)?;
                slot.insert((params, key));
            }
            let (params, key) = &other_layouts[&other];
            (params, key)
        };
        let columns: Vec<&[Fp]> = group.pieces.iter().map(|p| p.column.as_slice()).collect();
        let n = group.pieces.len() as u64;
        if held.k == key.shape().k()
            && held.fingerprint == key.fingerprint()
            && proof::verify_columns(params, key, &columns, &held.proof).is_ok()
        {
            kept += n;
            bar.inc(n);
            return Ok(None);
        }
        reproved += n;
        Ok(Some(group))
    };
    let prove = |group: Group| -> Result<(), Failure> {
        let first = group.pieces[0].instance.subtree_index();
        let (mut witnesses, mut columns, mut instances) = (Vec::new(), Vec::new(), Vec::new());
        for piece in group.pieces {
            witnesses.push(piece.witness);
            columns.push(piece.column);
            instances.push(piece.instance);
        }
        let columns: Vec<&[Fp]> = columns.iter().map(Vec::as_slice).collect();
        let bytes =
            proof::prove_report_witnesses(&params, &key, witnesses, &columns).map_err(internal)?;
        proof::verify_columns(&params, key.verifier(), &columns, &bytes).map_err(|e| {
            internal(anyhow!(
                "group of piece {first}: the new proof does not verify: {e}"
            ))
        })?;
        let n = instances.len() as u64;
        let envelope = ReportGroupEnvelope::new(key.verifier(), instances, bytes);
        files::write_atomically(
            &group.path,
            &envelope.to_json(),
            &inputs,
            true,
            Visibility::Public,
        )?;
        proved.fetch_add(n, Ordering::Relaxed);
        bar.inc(n);
        Ok(())
    };
    let mut ours_built = (0..pieces).filter_map(|i| build(i).transpose());
    let groups = std::iter::from_fn(|| {
        let mut group = Vec::with_capacity(per_proof);
        for piece in ours_built.by_ref() {
            match piece {
                Ok(piece) => group.push(piece),
                Err(e) => return Some(Err(e)),
            }
            if group.len() == per_proof {
                break;
            }
        }
        let first = group.first()?.instance.subtree_index();
        Some(Ok(Group {
            pieces: group,
            path: group_path(out, first),
        }))
    });
    pool::run(
        jobs,
        groups.filter_map(|g| g.and_then(&mut keep).transpose()),
        prove,
        || {},
    )?;
    bar.finish_and_clear();
    let proved = proved.into_inner();
    let prove_seconds = prove_started.elapsed().as_secs_f64();
    if let Some(shard) = args.shard {
        let record = ShardFile {
            format: SHARD_FORMAT.to_owned(),
            shard: shard.index,
            shards: shard.count,
            pieces,
        };
        let text = serde_json::to_string_pretty(&record).expect("numbers") + "\n";
        files::write_atomically(
            &out.join("shard.json"),
            &text,
            &inputs,
            true,
            Visibility::Public,
        )?;
    }
    let report = ReportFile {
        depth: tree.depth(),
        positions: shape.positions(),
        pieces,
        edges: edges.clone(),
        first_blind: blind(seed, 0),
        last_blind: blind(seed, pieces),
        book: book.clone(),
    };
    let page = crate::html::render(&crate::html::Page {
        market: &market,
        prices: &prices,
        root,
        commitments: (state.market_commitment(), prices_commitment),
        report: &report,
        liquidatable: &liquidatable,
        shock: args.shock.as_deref(),
    });
    files::write_atomically(
        &out.join("report.html"),
        &page,
        &inputs,
        true,
        Visibility::Public,
    )?;
    files::write_atomically(
        &out.join("report.json"),
        &report.to_json(),
        &inputs,
        true,
        Visibility::Public,
    )?;
    let seconds = started.elapsed().as_secs_f64();
    if kept > 0 || reproved > 0 {
        let _ = writeln!(
            std::io::stderr(),
            "kept {kept} piece(s) already in {} with these public inputs and a proof that verifies, proved {proved}{}",
            out.display(),
            match reproved {
                0 => String::new(),
                n => format!(
                    " ({n} of them again: their files held these public inputs but a proof that does not verify)"
                ),
            }
        );
    }
    say!(
        "{:#}",
        json!({
            "root": field::to_hex(&root),
            "pieces": pieces,
            "positions": shape.positions(),
            "k": shape.k(),
            "shard": args.shard.map(|s| format!("{}/{}", s.index, s.count)),
            "jobs": jobs,
            "per_proof": per_proof,
            "proved": proved,
            "kept": kept,
            "reproved": reproved,
            "accounts": book.accounts,
            "liquidatable": book.liquidatable,
            "seconds": {"prove": prove_seconds, "total": seconds},
            // Only for a run that proved the whole book now (no shard, nothing kept).
            "ms_per_account": (args.shard.is_none() && kept == 0 && book.accounts > 0)
                .then(|| prove_seconds * 1e3 / book.accounts as f64),
        })
    );
    Ok(())
}

/// `prices` with each `SYMBOL=PCT%` of `shock` applied: `floor(price · (100 + PCT) / 100)`,
/// PCT a decimal with at most two places, above -100.
fn shock_prices(market: &Market, prices: &PriceRound, shock: &str) -> Result<PriceRound, Failure> {
    let mut out = prices.prices().to_vec();
    let mut seen = std::collections::BTreeSet::new();
    for part in shock.split(',') {
        let bad = |why: String| bad_input(anyhow!("--shock: {part:?}: {why}"));
        let (symbol, pct) = part
            .trim()
            .split_once('=')
            .ok_or_else(|| bad("expected SYMBOL=PCT% (e.g. WETH=-30%)".into()))?;
        let i = market
            .assets()
            .iter()
            .position(|a| a.symbol == symbol)
            .ok_or_else(|| {
                bad(format!(
                    "{symbol} is not an asset of market {:?}",
                    market.name()
                ))
            })?;
        if !seen.insert(i) {
            return Err(bad(format!("{symbol} is shocked twice")));
        }
        let pct = pct.strip_suffix('%').unwrap_or(pct);
        let (sign, digits) = match pct.strip_prefix('-') {
            Some(d) => (-1i128, d),
            None => (1, pct.strip_prefix('+').unwrap_or(pct)),
        };
        let (whole, frac) = digits.split_once('.').unwrap_or((digits, ""));
        let ok = !whole.is_empty()
            && whole.len() <= 6
            && frac.len() <= 2
            && whole
                .bytes()
                .chain(frac.bytes())
                .all(|b| b.is_ascii_digit());
        if !ok {
            return Err(bad(
                "the change must be a percentage with at most two decimals, e.g. -30% or -12.5%"
                    .into(),
            ));
        }
        let hundredths = sign
            * (whole.parse::<i128>().unwrap_or(0) * 100
                + format!("{frac:0<2}").parse::<i128>().unwrap_or(0));
        if hundredths <= -10_000 {
            return Err(bad(
                "the change must be above -100% (a price must stay above 0)".into(),
            ));
        }
        let price = i128::from(out[i]) * (10_000 + hundredths) / 10_000;
        out[i] = u64::try_from(price)
            .ok()
            .filter(|p| *p > 0)
            .ok_or_else(|| bad(format!("the shocked price {price} is not in 1..2^64")))?;
    }
    PriceRound::new(
        market,
        prices.round(),
        prices.timestamp(),
        prices.decimals(),
        out,
    )
    .map_err(|e| bad_input(anyhow!("--shock: {e}")))
}

/// A price round in the `prices.json` format.
fn prices_json(market: &Market, prices: &PriceRound) -> String {
    let map: serde_json::Map<String, serde_json::Value> = market
        .assets()
        .iter()
        .zip(prices.prices())
        .map(|(a, p)| (a.symbol.clone(), serde_json::Value::from(p.to_string())))
        .collect();
    let round = json!({
        "round": prices.round(),
        "timestamp": prices.timestamp(),
        "decimals": prices.decimals(),
        "prices": map,
    });
    serde_json::to_string_pretty(&round).expect("plain values") + "\n"
}

/// Reads the seed from a secret file; `None` if there is none.
fn read_secret(path: &Path) -> Result<Option<Fp>, Failure> {
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return Err(bad_input(anyhow!(
                "{}: cannot read: {}",
                path.display(),
                files::io_cause(&e)
            )));
        }
    };
    let secret: Secret = serde_json::from_slice(&bytes)
        .map_err(|e| bad_input(anyhow!("{}: not a report secret: {e}", path.display())))?;
    if secret.format != SECRET_FORMAT {
        return Err(bad_input(anyhow!(
            "{}: format: expected {SECRET_FORMAT:?}, got {:?}",
            path.display(),
            secret.format
        )));
    }
    field::from_hex(&secret.seed)
        .map(Some)
        .map_err(|e| bad_input(anyhow!("{}: seed: {e}", path.display())))
}

/// Creates a secret file with a fresh random seed (mode 0600; never over an existing file).
fn new_secret(path: &Path, force: bool) -> Result<Fp, Failure> {
    let seed = Account::random_salt().map_err(internal)?;
    let text = serde_json::to_string_pretty(&Secret {
        format: SECRET_FORMAT.to_owned(),
        seed: field::to_hex(&seed),
    })
    .expect("strings")
        + "\n";
    files::check_directory(path)?;
    files::write_atomically(path, &text, &[], force, Visibility::Private)?;
    Ok(seed)
}

/// True if `dir` holds piece files or a report.
fn has_report_files(dir: &Path) -> Result<bool, Failure> {
    Ok(!report_files(dir)?.is_empty())
}

/// The report files of `dir` (groups, pieces, report.json, report.html, shard.json).
fn report_files(dir: &Path) -> Result<Vec<PathBuf>, Failure> {
    files::list(dir, |name| {
        ((name.starts_with("piece-") || name.starts_with("group-"))
            && name.ends_with(".proof.json"))
            || ["report.json", "report.html", "shard.json"].contains(&name)
    })
}

/// Removes the report files of another run (`--force`): pieces of another seed or context can
/// never chain with this run's.
fn remove_report_files(dir: &Path) -> Result<(), Failure> {
    for path in report_files(dir)? {
        std::fs::remove_file(&path).map_err(|e| {
            internal(anyhow!(
                "{}: cannot remove: {}",
                path.display(),
                files::io_cause(&e)
            ))
        })?;
    }
    Ok(())
}

/// `zkliq report merge`: the shards' pieces, each index exactly once, every shard present and
/// complete, their report.json files identical; written to `out`.
fn merge(dirs: &[PathBuf], out: &Path, force: bool) -> Result<(), Failure> {
    let mut report: Option<(PathBuf, Vec<u8>)> = None;
    let mut html: Option<Vec<u8>> = None;
    let mut shards: Option<u64> = None;
    let mut seen_shards = std::collections::BTreeSet::new();
    // Each piece index with the file that proves it; the files to copy, by name.
    let mut pieces: std::collections::BTreeMap<u64, PathBuf> = std::collections::BTreeMap::new();
    let mut proofs: Vec<(std::ffi::OsString, PathBuf)> = Vec::new();
    for dir in dirs {
        if !dir.is_dir() {
            return Err(bad_input(anyhow!(
                "{}: not a directory (give each shard's --out directory)",
                dir.display()
            )));
        }
        let report_path = dir.join("report.json");
        let bytes = std::fs::read(&report_path).map_err(|_| {
            rejected(anyhow!(
                "{}: no report.json: this shard is not complete",
                dir.display()
            ))
        })?;
        let page = std::fs::read(dir.join("report.html")).map_err(|_| {
            rejected(anyhow!(
                "{}: no report.html: this shard is not complete",
                dir.display()
            ))
        })?;
        match &html {
            None => html = Some(page),
            Some(first) if *first != page => {
                return Err(rejected(anyhow!(
                    "{}: its report.html differs from the first shard's: the shards are of different reports",
                    dir.display()
                )));
            }
            Some(_) => {}
        }
        match &report {
            None => report = Some((dir.clone(), bytes)),
            Some((first, b)) if *b != bytes => {
                return Err(rejected(anyhow!(
                    "{}: its report.json differs from that of {}: the shards are of different reports",
                    dir.display(),
                    first.display()
                )));
            }
            Some(_) => {}
        }
        if let Ok(bytes) = std::fs::read(dir.join("shard.json")) {
            let shard: ShardFile = serde_json::from_slice(&bytes)
                .map_err(|e| rejected(anyhow!("{}/shard.json: {e}", dir.display())))?;
            if *shards.get_or_insert(shard.shards) != shard.shards
                || !seen_shards.insert(shard.shard)
            {
                return Err(rejected(anyhow!(
                    "{}: shard {}/{} repeats a shard or disagrees on the number of shards",
                    dir.display(),
                    shard.shard,
                    shard.shards
                )));
            }
        }
        for path in report_files(dir)? {
            let Some(name) = path
                .file_name()
                .filter(|n| n.to_string_lossy().ends_with(".proof.json"))
            else {
                continue;
            };
            let group = ReportGroupEnvelope::from_json(&files::read_bytes(&path)?)
                .map_err(|e| rejected(anyhow!("{}: {e}", path.display())))?;
            // Written under a name of its first piece: unique, since each piece is in one file.
            let first = group.instances[0].subtree_index();
            let name: std::ffi::OsString = if name.to_string_lossy().starts_with("piece-") {
                format!("piece-{first:06}.proof.json").into()
            } else {
                group_path(Path::new(""), first).into_os_string()
            };
            for index in group.instances.iter().map(ReportInstance::subtree_index) {
                if let Some(other) = pieces.insert(index, path.clone()) {
                    return Err(rejected(anyhow!(
                        "piece {index} is in both {} and {}: the shards overlap",
                        other.display(),
                        path.display()
                    )));
                }
            }
            proofs.push((name, path.clone()));
        }
    }
    let (_, report_bytes) =
        report.ok_or_else(|| bad_input(anyhow!("no shard directories given")))?;
    let parsed =
        ReportFile::from_json(&report_bytes).map_err(|e| rejected(anyhow!("report.json: {e}")))?;
    if let Some(n) = shards
        && let Some(missing) = (0..n).find(|i| !seen_shards.contains(i))
    {
        return Err(rejected(anyhow!("shard {missing}/{n} is missing")));
    }
    if let Some(missing) = (0..parsed.pieces).find(|i| !pieces.contains_key(i)) {
        return Err(rejected(anyhow!(
            "piece {missing} of {} is in none of the directories",
            parsed.pieces
        )));
    }
    if let Some((extra, path)) = pieces.iter().find(|(i, _)| **i >= parsed.pieces) {
        return Err(rejected(anyhow!(
            "{}: piece {extra} is beyond the report's {} pieces",
            path.display(),
            parsed.pieces
        )));
    }
    if dirs
        .iter()
        .any(|d| same_file::is_same_file(d, out).unwrap_or(false))
    {
        return Err(bad_input(anyhow!(
            "--out {}: is one of the directories to merge (merge writes a new directory)",
            out.display()
        )));
    }
    if out.exists() && !(force && out.is_dir()) {
        return Err(bad_input(anyhow!(
            "{}: already exists (use --force to write into it)",
            out.display()
        )));
    }
    files::create_dir(out)?;
    remove_report_files(out)?;
    let sources: Vec<&Path> = proofs.iter().map(|(_, p)| p.as_path()).collect();
    for (name, path) in &proofs {
        let text = files::read_text(path)?;
        files::write_atomically(&out.join(name), &text, &sources, force, Visibility::Public)?;
    }
    let page = String::from_utf8(html.unwrap_or_default())
        .map_err(|_| rejected(anyhow!("report.html is not UTF-8")))?;
    files::write_atomically(
        &out.join("report.html"),
        &page,
        &sources,
        force,
        Visibility::Public,
    )?;
    let text = String::from_utf8(report_bytes)
        .map_err(|_| rejected(anyhow!("report.json is not UTF-8")))?;
    files::write_atomically(
        &out.join("report.json"),
        &text,
        &sources,
        force,
        Visibility::Public,
    )?;
    say!(
        "merged {} pieces ({} proof files) from {} directories into {}",
        pieces.len(),
        proofs.len(),
        dirs.len(),
        out.display()
    );
    Ok(())
}

/// The group at `path` if its pieces' public inputs are `instances`, in any circuit layout
/// (a rerun keeps it if its proof verifies: every layout proves the same statement, and a
/// report may mix them; a group of another layout is one a zkliq whose choice of layout
/// differed wrote into this directory).
fn held(path: &Path, instances: &[&ReportInstance]) -> Option<ReportGroupEnvelope> {
    std::fs::read(path)
        .ok()
        .and_then(|bytes| ReportGroupEnvelope::from_json(&bytes).ok())
        .filter(|e| {
            e.instances.len() == instances.len()
                && e.instances.iter().zip(instances).all(|(held, planned)| {
                    held.shape().with_layout(planned.shape().layout) == planned.shape()
                        && held.to_column() == planned.to_column()
                })
        })
}

#[cfg(test)]
mod tests {
    use zkliq_circuits::keys::Fingerprint;
    use zkliq_circuits::report::ReportLayout;
    use zkliq_circuits::tree::TreeSpec;

    use super::*;

    fn instance(layout: ReportLayout, book_out: u64) -> ReportInstance {
        let batch = BatchShape::in_tree(
            zkliq_circuits::Shape::from_slots(4).unwrap(),
            3,
            TreeSpec::v2(8).unwrap(),
        )
        .unwrap();
        let edges = BucketEdges::default_edges();
        let shape = ReportShape::new(batch, edges.len())
            .unwrap()
            .with_layout(layout);
        ReportInstance::new(
            shape,
            Fp::from(1),
            Fp::from(2),
            Fp::from(3),
            4,
            Fp::from(5),
            Fp::from(book_out),
            false,
            edges,
            vec![false; 8],
        )
        .unwrap()
    }

    /// A rerun keeps a group of any layout whose pieces' public inputs are the ones it would
    /// prove, and no other.
    #[test]
    fn a_kept_group_may_be_of_any_layout() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("group-000004.proof.json");
        let planned = instance(ReportLayout::V2, 6);
        for layout in [ReportLayout::V1, ReportLayout::V2, ReportLayout::V3] {
            let envelope = ReportGroupEnvelope {
                k: 12,
                fingerprint: Fingerprint([7; 32]),
                instances: vec![instance(layout, 6)],
                proof: vec![1, 2, 3],
            };
            std::fs::write(&path, envelope.to_json()).unwrap();
            assert!(held(&path, &[&planned]).is_some(), "{layout:?}");
            assert!(
                held(&path, &[&instance(ReportLayout::V2, 7)]).is_none(),
                "{layout:?}"
            );
            // Not the same group: one piece more planned.
            assert!(held(&path, &[&planned, &planned]).is_none(), "{layout:?}");
        }
        assert!(held(&dir.path().join("missing.proof.json"), &[&planned]).is_none());
    }
}
