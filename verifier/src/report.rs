//! Round reports: the piece files and the report file `zkliq report` writes, and
//! [`Verifier::verify_report`], which checks that the pieces cover the whole tree exactly once
//! and that the published book is the sum over every leaf.
//!
//! A piece file (`piece-000000.proof.json`):
//!
//! ```json
//! {
//!   "format": "zkliq-report-piece/2",
//!   "shape": 4, "depth": 32, "positions": 128, "k": 15,
//!   "vk_fingerprint": "<64 hex digits>",
//!   "public_inputs": {
//!     "root": "0x…", "market_commitment": "0x…", "price_commitment": "0x…",
//!     "piece": 0, "book_in": "0x…", "book_out": "0x…", "last": false,
//!     "edges": [10000, 11000, 12500, 15000, 20000],
//!     "liquidatable": [17, 93]
//!   },
//!   "proof": "<hex>"
//! }
//! ```
//!
//! `liquidatable` lists the leaf indices (not positions) whose flag is 1, in increasing order.
//! The format's number is the circuit's layout ([`ReportLayout`]): pieces of format
//! `zkliq-report-piece/1` (layout 1, written before layout 2) keep verifying, and one report may
//! hold pieces of every layout, since all prove the same statement.
//!
//! A group file (`group-000000.proof.json`, what `zkliq report` writes) holds one proof of
//! several pieces of one shape (`zkliq report --per-proof`): the same header, then `"pieces"`,
//! a list of public inputs as above in increasing piece order (1 to [`MAX_GROUP_PIECES`]), then
//! the one `"proof"`. Its format is `zkliq-report-group/2` (`/1` in circuit layout 1, `/3` in
//! layout 3).
//! [`ReportGroupEnvelope::from_json`] reads both kinds, a piece file as a group of one, and
//! [`Verifier::verify_report_groups`] checks a report of any mix of them.
//!
//! The report file (`report.json`) opens the book chain at both ends:
//!
//! ```json
//! {
//!   "format": "zkliq-report/1",
//!   "depth": 32, "positions": 128, "pieces": 79,
//!   "edges": [10000, 11000, 12500, 15000, 20000],
//!   "first_blind": "0x…", "last_blind": "0x…",
//!   "book": {
//!     "accounts": 10000, "liquidatable": 100, "buckets": [0, 0, 0, 0, 9900],
//!     "collateral": ["…", "…", "…", "…"], "debt": ["…", "…", "…", "…"]
//!   }
//! }
//! ```
//!
//! Totals are decimal strings of base units, one per asset in market order.

use num_bigint::BigUint;
use serde::{Deserialize, Serialize};
use zkliq_circuits::batch::BatchShape;
use zkliq_circuits::field::{self, Fp};
use zkliq_circuits::keys::{CircuitShape, Fingerprint, VerifierKey};
use zkliq_circuits::report::{Book, BucketEdges, ReportInstance, ReportLayout, ReportShape};
use zkliq_circuits::tree::TreeSpec;
use zkliq_circuits::{Shape, bounds};

use crate::context::{Round, StateRoot};
use crate::envelope::{
    EnvelopeError, element, expect_format, parse_fingerprint, parse_json, parse_proof,
};
use crate::error::VerifyError;
use crate::verdict::RoundInfo;
use crate::verifier::{Verifier, check_root, check_round};

/// The format of report piece files (circuit layout 2).
pub const REPORT_PIECE_FORMAT: &str = "zkliq-report-piece/2";
/// The format of report piece files of circuit layout 1, still read and verified.
pub const LEGACY_REPORT_PIECE_FORMAT: &str = "zkliq-report-piece/1";
/// The format of report group files: one proof of several pieces (circuit layout 2).
pub const REPORT_GROUP_FORMAT: &str = "zkliq-report-group/2";
/// The format of report group files of circuit layout 1.
pub const LEGACY_REPORT_GROUP_FORMAT: &str = "zkliq-report-group/1";
/// The format of report group files of circuit layout 3 (what `zkliq report` writes for the
/// shapes whose circuit is smallest in layout 3).
pub const REPORT_GROUP_FORMAT_V3: &str = "zkliq-report-group/3";
/// The format of a single report piece of circuit layout 3 (`zkliq report` writes groups only;
/// read for symmetry with layouts 1 and 2).
pub const REPORT_PIECE_FORMAT_V3: &str = "zkliq-report-piece/3";

/// Piece formats, then group formats, by circuit layout.
const FORMATS: [(ReportLayout, &str, &str); 3] = [
    (
        ReportLayout::V1,
        LEGACY_REPORT_PIECE_FORMAT,
        LEGACY_REPORT_GROUP_FORMAT,
    ),
    (ReportLayout::V2, REPORT_PIECE_FORMAT, REPORT_GROUP_FORMAT),
    (
        ReportLayout::V3,
        REPORT_PIECE_FORMAT_V3,
        REPORT_GROUP_FORMAT_V3,
    ),
];

/// The piece format of `layout`.
fn piece_format(layout: ReportLayout) -> &'static str {
    FORMATS
        .iter()
        .find(|f| f.0 == layout)
        .map_or(REPORT_PIECE_FORMAT, |f| f.1)
}

/// The group format of `layout`.
fn group_format(layout: ReportLayout) -> &'static str {
    FORMATS
        .iter()
        .find(|f| f.0 == layout)
        .map_or(REPORT_GROUP_FORMAT, |f| f.2)
}

/// The layout of a piece or group format.
fn layout_of(format: &str) -> Option<(ReportLayout, bool)> {
    FORMATS.iter().find_map(|&(layout, piece, group)| {
        (format == piece || format == group).then_some((layout, format == group))
    })
}
/// The format of report files.
pub const REPORT_FORMAT: &str = "zkliq-report/1";
/// The most pieces one group file may hold (one proof of them all).
pub const MAX_GROUP_PIECES: usize = 256;

/// A parsed report piece file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportPieceEnvelope {
    /// The circuit's `k` the file states; [`Verifier::verify_report`] compares it with the
    /// shape's (parsing does not lay out the circuit of whatever shape a file names).
    pub k: u32,
    /// Fingerprint of the verifying key the proof was made for.
    pub fingerprint: Fingerprint,
    /// The public inputs (with the circuit shape).
    pub instance: ReportInstance,
    /// The proof bytes.
    pub proof: Vec<u8>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPiece {
    format: String,
    shape: u64,
    depth: u64,
    positions: u64,
    k: u64,
    vk_fingerprint: String,
    public_inputs: RawPieceInputs,
    proof: String,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPieceInputs {
    root: String,
    market_commitment: String,
    price_commitment: String,
    piece: u64,
    book_in: String,
    book_out: String,
    last: bool,
    edges: Vec<u64>,
    liquidatable: Vec<u64>,
}

fn bad(field: &'static str, problem: impl Into<String>) -> EnvelopeError {
    EnvelopeError::Field {
        field,
        problem: problem.into(),
    }
}

/// The report shape of `assets` slots, `positions` per piece, a tree of `depth` and `edges`, in
/// `layout`.
fn report_shape(
    assets: u64,
    depth: u64,
    positions: u64,
    edges: usize,
    layout: ReportLayout,
) -> Result<ReportShape, EnvelopeError> {
    let assets = usize::try_from(assets)
        .ok()
        .and_then(Shape::from_slots)
        .ok_or(EnvelopeError::Shape { found: assets })?;
    let tree = u32::try_from(depth)
        .ok()
        .and_then(TreeSpec::v2)
        .ok_or_else(|| {
            bad(
                "depth",
                format!(
                    "must be an integer in {}..={}, got {depth}",
                    TreeSpec::MIN_DEPTH,
                    TreeSpec::MAX_DEPTH
                ),
            )
        })?;
    let batch = [8u64, 32, 128]
        .contains(&positions)
        .then(|| BatchShape::in_tree(assets, positions.trailing_zeros(), tree))
        .flatten()
        .ok_or_else(|| {
            bad(
                "positions",
                format!("must be 8, 32 or 128 (below the tree's capacity), got {positions}"),
            )
        })?;
    ReportShape::new(batch, edges)
        .map(|shape| shape.with_layout(layout))
        .ok_or_else(|| {
            bad(
                "edges",
                format!("must hold 1 to {} edges", bounds::MAX_EDGES),
            )
        })
}

fn parse_k(k: u64) -> Result<u32, EnvelopeError> {
    u32::try_from(k)
        .ok()
        .filter(|k| (1..=32).contains(k))
        .ok_or_else(|| bad("k", format!("must be an integer in 1..=32, got {k}")))
}

/// The names a piece's public inputs go by in errors: in a piece file, or in a group file.
struct InputFields {
    all: &'static str,
    piece: &'static str,
    liquidatable: &'static str,
    root: &'static str,
    market_commitment: &'static str,
    price_commitment: &'static str,
    book_in: &'static str,
    book_out: &'static str,
}

const PIECE_FIELDS: InputFields = InputFields {
    all: "public_inputs",
    piece: "public_inputs.piece",
    liquidatable: "public_inputs.liquidatable",
    root: "public_inputs.root",
    market_commitment: "public_inputs.market_commitment",
    price_commitment: "public_inputs.price_commitment",
    book_in: "public_inputs.book_in",
    book_out: "public_inputs.book_out",
};

const GROUP_FIELDS: InputFields = InputFields {
    all: "pieces[]",
    piece: "pieces[].piece",
    liquidatable: "pieces[].liquidatable",
    root: "pieces[].root",
    market_commitment: "pieces[].market_commitment",
    price_commitment: "pieces[].price_commitment",
    book_in: "pieces[].book_in",
    book_out: "pieces[].book_out",
};

/// One piece's public inputs, of `shape` (whose edges are `edges`).
fn piece_instance(
    shape: ReportShape,
    i: &RawPieceInputs,
    edges: BucketEdges,
    names: &InputFields,
) -> Result<ReportInstance, EnvelopeError> {
    if i.piece >= shape.pieces() {
        return Err(bad(
            names.piece,
            format!("must be below {}, got {}", shape.pieces(), i.piece),
        ));
    }
    let first = i.piece * shape.positions() as u64;
    let mut flags = vec![false; shape.positions()];
    let mut previous = None;
    for leaf in &i.liquidatable {
        let position = leaf
            .checked_sub(first)
            .filter(|p| *p < shape.positions() as u64 && previous.is_none_or(|q| q < *leaf))
            .ok_or_else(|| {
                bad(
                    names.liquidatable,
                    format!(
                        "must be increasing leaf indices of the piece ({first}..{}), got {leaf}",
                        first + shape.positions() as u64
                    ),
                )
            })?;
        flags[position as usize] = true;
        previous = Some(*leaf);
    }
    ReportInstance::new(
        shape,
        element(names.root, &i.root)?,
        element(names.market_commitment, &i.market_commitment)?,
        element(names.price_commitment, &i.price_commitment)?,
        i.piece,
        element(names.book_in, &i.book_in)?,
        element(names.book_out, &i.book_out)?,
        i.last,
        edges,
        flags,
    )
    .map_err(|e| bad(names.all, e.to_string()))
}

fn raw_inputs(i: &ReportInstance) -> RawPieceInputs {
    RawPieceInputs {
        root: field::to_hex(&i.root),
        market_commitment: field::to_hex(&i.market_commitment),
        price_commitment: field::to_hex(&i.price_commitment),
        piece: i.subtree_index(),
        book_in: field::to_hex(&i.book_in),
        book_out: field::to_hex(&i.book_out),
        last: i.last(),
        edges: i.edges().as_slice().iter().map(|e| u64::from(*e)).collect(),
        liquidatable: i.liquidatable().collect(),
    }
}

fn edges(field: &'static str, values: &[u64]) -> Result<BucketEdges, EnvelopeError> {
    let values = values
        .iter()
        .map(|e| u32::try_from(*e).map_err(|_| bad(field, format!("edge {e} is too large"))))
        .collect::<Result<Vec<_>, _>>()?;
    BucketEdges::new(values).map_err(|e| bad(field, e.to_string()))
}

impl ReportPieceEnvelope {
    /// Wraps a proof made with `key` (the key of `instance`'s shape).
    ///
    /// # Panics
    ///
    /// If `key` is not the key of `instance`'s report shape.
    pub fn new(key: &VerifierKey, instance: ReportInstance, proof: Vec<u8>) -> Self {
        assert_eq!(
            key.shape(),
            CircuitShape::Report(instance.shape()),
            "ReportPieceEnvelope::new needs the key of the instance's shape"
        );
        ReportPieceEnvelope {
            k: key.shape().k(),
            fingerprint: key.fingerprint(),
            instance,
            proof,
        }
    }

    /// Parses a piece file. Never panics, whatever the bytes.
    pub fn from_json(bytes: &[u8]) -> Result<Self, EnvelopeError> {
        let format = expect_format(
            bytes,
            &[
                REPORT_PIECE_FORMAT_V3,
                REPORT_PIECE_FORMAT,
                LEGACY_REPORT_PIECE_FORMAT,
            ],
            "a report piece",
        )?;
        let layout = layout_of(&format).map_or(ReportLayout::V2, |(layout, _)| layout);
        let raw: RawPiece = parse_json(bytes)?;
        let edges = edges("public_inputs.edges", &raw.public_inputs.edges)?;
        let shape = report_shape(raw.shape, raw.depth, raw.positions, edges.len(), layout)?;
        Ok(ReportPieceEnvelope {
            k: parse_k(raw.k)?,
            fingerprint: parse_fingerprint(&raw.vk_fingerprint)?,
            instance: piece_instance(shape, &raw.public_inputs, edges, &PIECE_FIELDS)?,
            proof: parse_proof(&raw.proof)?,
        })
    }

    /// The piece file as pretty-printed JSON, ending in a newline.
    pub fn to_json(&self) -> String {
        let i = &self.instance;
        let shape = i.shape();
        let raw = RawPiece {
            format: piece_format(shape.layout).to_owned(),
            shape: shape.batch.assets.assets() as u64,
            depth: u64::from(shape.batch.tree.depth()),
            positions: shape.positions() as u64,
            k: u64::from(self.k),
            vk_fingerprint: self.fingerprint.to_hex(),
            public_inputs: raw_inputs(i),
            proof: hex::encode(&self.proof),
        };
        let mut text = serde_json::to_string_pretty(&raw).expect("plain strings and numbers");
        text.push('\n');
        text
    }
}

/// A parsed group file: one proof of several pieces of one shape
/// (`zkliq_circuits::proof::prove_report_witnesses`). A piece file is a group of one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportGroupEnvelope {
    /// The circuit's `k` the file states (checked against the shape's, as a piece's).
    pub k: u32,
    /// Fingerprint of the verifying key the proof was made for.
    pub fingerprint: Fingerprint,
    /// The pieces' public inputs, in the order they were proved (increasing piece indices),
    /// all of one shape.
    pub instances: Vec<ReportInstance>,
    /// The proof bytes.
    pub proof: Vec<u8>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawGroup {
    format: String,
    shape: u64,
    depth: u64,
    positions: u64,
    k: u64,
    vk_fingerprint: String,
    pieces: Vec<RawPieceInputs>,
    proof: String,
}

impl From<ReportPieceEnvelope> for ReportGroupEnvelope {
    fn from(piece: ReportPieceEnvelope) -> Self {
        ReportGroupEnvelope {
            k: piece.k,
            fingerprint: piece.fingerprint,
            instances: vec![piece.instance],
            proof: piece.proof,
        }
    }
}

impl ReportGroupEnvelope {
    /// Wraps a proof of `instances` made with `key` (the key of their report shape).
    ///
    /// # Panics
    ///
    /// If `instances` is empty or `key` is not the key of every instance's shape.
    pub fn new(key: &VerifierKey, instances: Vec<ReportInstance>, proof: Vec<u8>) -> Self {
        assert!(
            !instances.is_empty()
                && instances
                    .iter()
                    .all(|i| key.shape() == CircuitShape::Report(i.shape())),
            "ReportGroupEnvelope::new needs pieces and the key of their shape"
        );
        ReportGroupEnvelope {
            k: key.shape().k(),
            fingerprint: key.fingerprint(),
            instances,
            proof,
        }
    }

    /// The shape of its pieces.
    ///
    /// # Panics
    ///
    /// If it holds no pieces (parsing and [`ReportGroupEnvelope::new`] never make one).
    pub fn shape(&self) -> ReportShape {
        self.instances[0].shape()
    }

    /// Parses a group file, or a piece file as a group of one. Never panics, whatever the
    /// bytes.
    pub fn from_json(bytes: &[u8]) -> Result<Self, EnvelopeError> {
        let format = expect_format(
            bytes,
            &[
                REPORT_GROUP_FORMAT_V3,
                REPORT_GROUP_FORMAT,
                LEGACY_REPORT_GROUP_FORMAT,
                REPORT_PIECE_FORMAT_V3,
                REPORT_PIECE_FORMAT,
                LEGACY_REPORT_PIECE_FORMAT,
            ],
            "a report group or piece",
        )?;
        let layout = match layout_of(&format) {
            Some((layout, true)) => layout,
            _ => return ReportPieceEnvelope::from_json(bytes).map(Self::from),
        };
        let raw: RawGroup = parse_json(bytes)?;
        let Some(first) = raw.pieces.first() else {
            return Err(bad("pieces", "must hold at least one piece"));
        };
        if raw.pieces.len() > MAX_GROUP_PIECES {
            return Err(bad(
                "pieces",
                format!(
                    "must hold at most {MAX_GROUP_PIECES} pieces, got {}",
                    raw.pieces.len()
                ),
            ));
        }
        let edges = edges("pieces[].edges", &first.edges)?;
        let shape = report_shape(raw.shape, raw.depth, raw.positions, edges.len(), layout)?;
        let mut instances: Vec<ReportInstance> = Vec::with_capacity(raw.pieces.len());
        for (entry, piece) in raw.pieces.iter().enumerate() {
            if piece.edges != first.edges {
                return Err(bad(
                    "pieces[].edges",
                    "must be the same in every piece of a group",
                ));
            }
            if let Some(before) = instances.last()
                && before.subtree_index() >= piece.piece
            {
                return Err(bad(
                    "pieces[].piece",
                    format!(
                        "must increase within a group, got {} after {}",
                        piece.piece,
                        before.subtree_index()
                    ),
                ));
            }
            let instance = piece_instance(shape, piece, edges.clone(), &GROUP_FIELDS).map_err(
                |e| match e {
                    EnvelopeError::Field { field, problem } => EnvelopeError::Field {
                        field,
                        problem: format!("{problem} (entry {entry} of the list)"),
                    },
                    e => e,
                },
            )?;
            instances.push(instance);
        }
        Ok(ReportGroupEnvelope {
            k: parse_k(raw.k)?,
            fingerprint: parse_fingerprint(&raw.vk_fingerprint)?,
            instances,
            proof: parse_proof(&raw.proof)?,
        })
    }

    /// The group file as pretty-printed JSON, ending in a newline.
    pub fn to_json(&self) -> String {
        let shape = self.shape();
        let raw = RawGroup {
            format: group_format(shape.layout).to_owned(),
            shape: shape.batch.assets.assets() as u64,
            depth: u64::from(shape.batch.tree.depth()),
            positions: shape.positions() as u64,
            k: u64::from(self.k),
            vk_fingerprint: self.fingerprint.to_hex(),
            pieces: self.instances.iter().map(raw_inputs).collect(),
            proof: hex::encode(&self.proof),
        };
        let mut text = serde_json::to_string_pretty(&raw).expect("plain strings and numbers");
        text.push('\n');
        text
    }
}

/// A parsed report file: the ends of the book chain, opened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportFile {
    /// The tree's depth.
    pub depth: u32,
    /// Positions per piece.
    pub positions: usize,
    /// Number of pieces (`0..pieces`).
    pub pieces: u64,
    /// The bucket edges.
    pub edges: BucketEdges,
    /// The blind of the first piece's book in (the empty book).
    pub first_blind: Fp,
    /// The blind of the last piece's book out.
    pub last_blind: Fp,
    /// The whole book.
    pub book: Book,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawReport {
    format: String,
    depth: u64,
    positions: u64,
    pieces: u64,
    edges: Vec<u64>,
    first_blind: String,
    last_blind: String,
    book: RawBook,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBook {
    accounts: u64,
    liquidatable: u64,
    buckets: Vec<u64>,
    collateral: Vec<String>,
    debt: Vec<String>,
}

fn total(field: &'static str, text: &str) -> Result<BigUint, EnvelopeError> {
    let ok = !text.is_empty() && text.len() <= 60 && text.bytes().all(|b| b.is_ascii_digit());
    ok.then(|| text.parse::<BigUint>().ok())
        .flatten()
        .filter(|v| v.bits() <= 200)
        .ok_or_else(|| {
            bad(
                field,
                format!(
                    "must be a decimal string of base units below 2^200, got {:?}",
                    zkliq_circuits::inputs::shorten(text)
                ),
            )
        })
}

impl ReportFile {
    /// Parses a report file. Never panics, whatever the bytes.
    pub fn from_json(bytes: &[u8]) -> Result<Self, EnvelopeError> {
        expect_format(bytes, &[REPORT_FORMAT], "a report")?;
        let raw: RawReport = parse_json(bytes)?;
        let edges = edges("edges", &raw.edges)?;
        let depth = u32::try_from(raw.depth)
            .ok()
            .filter(|d| TreeSpec::v2(*d).is_some())
            .ok_or_else(|| {
                bad(
                    "depth",
                    format!(
                        "must be an integer in {}..={}, got {}",
                        TreeSpec::MIN_DEPTH,
                        TreeSpec::MAX_DEPTH,
                        raw.depth
                    ),
                )
            })?;
        if ![8u64, 32, 128].contains(&raw.positions) {
            return Err(bad(
                "positions",
                format!("must be 8, 32 or 128, got {}", raw.positions),
            ));
        }
        if raw.book.buckets.len() != edges.len() {
            return Err(bad(
                "book.buckets",
                format!(
                    "must hold one count per edge ({}), got {}",
                    edges.len(),
                    raw.book.buckets.len()
                ),
            ));
        }
        let book = Book {
            accounts: raw.book.accounts,
            liquidatable: raw.book.liquidatable,
            buckets: raw.book.buckets,
            collateral: raw
                .book
                .collateral
                .iter()
                .map(|t| total("book.collateral", t))
                .collect::<Result<_, _>>()?,
            debt: raw
                .book
                .debt
                .iter()
                .map(|t| total("book.debt", t))
                .collect::<Result<_, _>>()?,
        };
        Ok(ReportFile {
            depth,
            positions: raw.positions as usize,
            pieces: raw.pieces,
            edges,
            first_blind: element("first_blind", &raw.first_blind)?,
            last_blind: element("last_blind", &raw.last_blind)?,
            book,
        })
    }

    /// The report file as pretty-printed JSON, ending in a newline.
    pub fn to_json(&self) -> String {
        let raw = RawReport {
            format: REPORT_FORMAT.to_owned(),
            depth: u64::from(self.depth),
            positions: self.positions as u64,
            pieces: self.pieces,
            edges: self
                .edges
                .as_slice()
                .iter()
                .map(|e| u64::from(*e))
                .collect(),
            first_blind: field::to_hex(&self.first_blind),
            last_blind: field::to_hex(&self.last_blind),
            book: RawBook {
                accounts: self.book.accounts,
                liquidatable: self.book.liquidatable,
                buckets: self.book.buckets.clone(),
                collateral: self
                    .book
                    .collateral
                    .iter()
                    .map(ToString::to_string)
                    .collect(),
                debt: self.book.debt.iter().map(ToString::to_string).collect(),
            },
        };
        let mut text = serde_json::to_string_pretty(&raw).expect("plain strings and numbers");
        text.push('\n');
        text
    }
}

/// One bucket of a verified report: accounts whose ratio (bps of `lhs/rhs`) is in
/// `[from_bps, to_bps)`; `to_bps = None` is open above; both `None` is the no-debt bucket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BucketCount {
    /// Lower edge in bps (`None`: the no-debt bucket).
    pub from_bps: Option<u32>,
    /// Upper edge in bps (`None`: open, or the no-debt bucket).
    pub to_bps: Option<u32>,
    /// Accounts in the bucket.
    pub accounts: u64,
}

/// What a verified report proves about the whole book at the root and round.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportVerdict {
    /// The root the report is about.
    pub root: Fp,
    /// The round (and market) it was checked against.
    pub round: RoundInfo,
    /// Pieces, and positions per piece.
    pub pieces: u64,
    /// Positions per piece.
    pub positions: usize,
    /// The bucket edges.
    pub edges: BucketEdges,
    /// The whole book.
    pub book: Book,
    /// Every liquidatable leaf index, increasing.
    pub liquidatable: Vec<u64>,
}

impl ReportVerdict {
    /// The buckets: no debt, liquidatable (`[0, E_0)`), then `[E_{k-1}, E_k)`, the last open.
    pub fn buckets(&self) -> Vec<BucketCount> {
        let e = self.edges.as_slice();
        let mut out = vec![
            BucketCount {
                from_bps: None,
                to_bps: None,
                accounts: self.book.no_debt(),
            },
            BucketCount {
                from_bps: Some(0),
                to_bps: Some(e[0]),
                accounts: self.book.liquidatable,
            },
        ];
        out.extend(
            self.book
                .buckets
                .iter()
                .enumerate()
                .map(|(k, n)| BucketCount {
                    from_bps: Some(e[k]),
                    to_bps: e.get(k + 1).copied(),
                    accounts: *n,
                }),
        );
        out
    }
}

fn report_error(piece: Option<u64>, problem: impl Into<String>) -> VerifyError {
    VerifyError::Report {
        piece,
        problem: problem.into(),
    }
}

impl Verifier {
    /// Verifies a whole round report: `pieces` (in any order) and `report` against `round`
    /// and `root`. Checks, besides every proof: the pieces are `0..report.pieces`, each once, all
    /// of one shape (the market's, the root's depth) and edges, at the root and round; the
    /// first starts from the empty book under `first_blind`; each next one starts from the book
    /// the one before ended with; only the last is flagged `last`; and `report.book` under
    /// `last_blind` is the book the last piece ended with. Never panics, whatever the inputs.
    pub fn verify_report(
        &self,
        pieces: &[ReportPieceEnvelope],
        report: &ReportFile,
        round: &Round,
        root: impl Into<StateRoot>,
    ) -> Result<ReportVerdict, VerifyError> {
        let groups: Vec<ReportGroupEnvelope> = pieces.iter().cloned().map(Into::into).collect();
        self.verify_report_groups(&groups, report, round, root)
    }

    /// [`Verifier::verify_report`] for a report whose proofs may each cover several pieces
    /// (group files; a piece file is a group of one): the pieces of all `groups`, taken in
    /// the order of their indices, must be `0..report.pieces`, each exactly once; every
    /// group's proof must verify for its pieces. Never panics, whatever the inputs.
    pub fn verify_report_groups(
        &self,
        groups: &[ReportGroupEnvelope],
        report: &ReportFile,
        round: &Round,
        root: impl Into<StateRoot>,
    ) -> Result<ReportVerdict, VerifyError> {
        let root = root.into();
        // Groups built in code may break what parsing ensures: refuse them before use.
        for (g, group) in groups.iter().enumerate() {
            let Some(first) = group.instances.first() else {
                return Err(report_error(
                    None,
                    format!("proof file {g} holds no pieces"),
                ));
            };
            if group.instances.iter().any(|i| i.shape() != first.shape()) {
                return Err(report_error(
                    Some(first.subtree_index()),
                    "shares a proof with pieces of another shape".to_owned(),
                ));
            }
        }
        // Every piece with its group, by piece index (a group of a shard holds every N-th).
        let mut pieces: Vec<(&ReportInstance, usize)> = groups
            .iter()
            .enumerate()
            .flat_map(|(g, group)| group.instances.iter().map(move |i| (i, g)))
            .collect();
        pieces.sort_by_key(|(i, _)| i.subtree_index());
        if report.depth != root.depth {
            return Err(VerifyError::DepthMismatch {
                expected: root.depth,
                found: report.depth,
            });
        }
        if pieces.len() as u64 != report.pieces || pieces.is_empty() {
            return Err(report_error(
                None,
                format!(
                    "the report has {} piece(s), but the given files hold {} (a shard's directory holds only its own: join the shards with `zkliq report merge`)",
                    report.pieces,
                    pieces.len()
                ),
            ));
        }
        // Totals per asset slot of the circuit's shape; the padding slots must hold 0.
        let assets = round.market().shape().assets();
        let real = round.market().assets().len();
        let mut liquidatable = Vec::new();
        for (i, (inst, g)) in pieces.iter().enumerate() {
            let i = i as u64;
            let piece = &groups[*g];
            let shape = inst.shape();
            let at = |problem: String| report_error(Some(i), problem);
            check_round(
                shape.batch.assets,
                inst.market_commitment,
                inst.price_commitment,
                round,
            )?;
            check_root(root.root, inst.root)?;
            if shape.batch.tree.depth() != root.depth || shape.positions() != report.positions {
                return Err(at(format!(
                    "is a piece of {} positions in a tree of depth {}, the report's are {} and {}",
                    shape.positions(),
                    shape.batch.tree.depth(),
                    report.positions,
                    root.depth
                )));
            }
            if piece.k != shape.k() {
                return Err(at(format!(
                    "k: its format says circuit layout {}, whose {shape} circuit has k = {}; the file says {} (a piece of another layout relabelled, or altered)",
                    shape.layout.number(),
                    shape.k(),
                    piece.k
                )));
            }
            if inst.subtree_index() != i {
                return Err(at(format!(
                    "is in the place of piece {i} but covers piece {} of the tree: a piece is missing, repeated or out of order",
                    inst.subtree_index()
                )));
            }
            if inst.edges() != &report.edges {
                return Err(at("has other bucket edges than the report".into()));
            }
            if inst.last() != (i + 1 == report.pieces) {
                return Err(at(if inst.last() {
                    "is flagged last but is not the report's last piece".into()
                } else {
                    "is the report's last piece but does not prove the rest of the tree empty"
                        .into()
                }));
            }
            let expected_in = match i {
                0 => Book::empty(assets, report.edges.len()).commitment(report.first_blind),
                _ => pieces[i as usize - 1].0.book_out,
            };
            if inst.book_in != expected_in {
                return Err(at(match i {
                    0 => "does not start from the empty book under first_blind".into(),
                    _ => "does not start from the book the piece before ended with".into(),
                }));
            }
            liquidatable.extend(inst.liquidatable());
        }
        let last = pieces[pieces.len() - 1].0;
        let book = &report.book;
        if book.collateral.len() != assets
            || book.debt.len() != assets
            || book.buckets.len() != report.edges.len()
        {
            return Err(report_error(
                None,
                format!("the book must hold {assets} totals per side and one count per edge"),
            ));
        }
        if book
            .to_fields_checked()
            .map(|f| zkliq_circuits::report::commit_fields(&f, report.last_blind))
            != Some(last.book_out)
        {
            return Err(report_error(None, "the book and last_blind do not open the last piece's book: a total or count was altered".to_owned()));
        }
        let zero = BigUint::default();
        if book.collateral[real..]
            .iter()
            .chain(&book.debt[real..])
            .any(|t| *t != zero)
        {
            return Err(report_error(
                None,
                "the totals of the circuit's padding asset slots are not zero".to_owned(),
            ));
        }
        if book.liquidatable != liquidatable.len() as u64 {
            return Err(report_error(
                None,
                "the liquidatable count differs from the pieces' flags".to_owned(),
            ));
        }
        if let Some((g, e)) = self.verify_pieces(groups) {
            let group = &groups[g].instances;
            return Err(report_error(
                Some(group[0].subtree_index()),
                match group.len() {
                    1 => format!("does not verify: {e}"),
                    n => format!(
                        "does not verify: {e} (its proof covers {n} pieces, {} to {}, none of which is proven)",
                        group[0].subtree_index(),
                        group[n - 1].subtree_index()
                    ),
                },
            ));
        }
        Ok(ReportVerdict {
            root: root.root,
            round: RoundInfo::new(round),
            pieces: report.pieces,
            positions: report.positions,
            edges: report.edges.clone(),
            book: book.clone(),
            liquidatable,
        })
    }
}
