//! The report-piece circuit ([`crate::report`]).
//!
//! Per position `j`: the health valuation and verdict `b` (as in the batch circuit, every
//! position claiming its true verdict), the account commitment as leaf `j`, the flags
//! `occupied = [leaf ≠ empty leaf]` and `h = [debt value ≠ 0]`, the bucket one-hot with its two
//! edge comparisons, the public flag `l = 1 - b`, and the book's running sums. Once per piece:
//! the market and price commitments (position 0 witnesses them, the others copy), the edges
//! (public, the first pinned to 10000, each range-checked), the book in and out under their
//! commitments, the subtree and its path to the public root, and the `rest empty` rule.
//!
//! Columns: those of [`crate::health::circuit`] (`a0..a4`); the report's gates
//! ([`crate::gadgets::book`]) share `a0..a4`. Layout 2 ([`ReportLayout::V2`]) adds a second
//! Poseidon lane `b0..b3` ([`crate::gadgets::Lane`]) for the account commitments and a second
//! lookup column `a5` ([`RangeCheckColumns`]: each range check goes to the emptiest lookup
//! column); layout 3 ([`ReportLayout::V3`]) a third lane `c0..c3` and lookup column `a6`, the
//! commitments alternating between `b` and `c` by position. The V1 floor planner lays their
//! regions side by side:
//!
//! | columns | layout 1 | layout 2 | layout 3 |
//! |---|---|---|---|
//! | `a0..a3` | everything but range checks | the same, but the account commitments | the same |
//! | `a4` | every range check | about half of them | about a third |
//! | `b0..b3` | | the account commitments (message and Poseidon) | those of even positions |
//! | `a5` | | the other half | a third |
//! | `c0..c3` | | | the account commitments of odd positions |
//! | `a6` | | | a third |
//!
//! The gates, their wiring to one another and the public inputs are the same in every layout.

use halo2_proofs::circuit::{AssignedCell, Layouter, Value, floor_planner};
use halo2_proofs::plonk::{Circuit, Column, ConstraintSystem, Error, Instance};

use super::instance::{
    BOOK_IN_ROW, BOOK_OUT_ROW, EDGES_START_ROW, LAST_ROW, MARKET_COMMITMENT_ROW,
    PRICE_COMMITMENT_ROW, ROOT_ROW, SUBTREE_INDEX_ROW,
};
use super::{ReportInstance, ReportLayout, ReportShape, ReportWitness};
use crate::batch::BatchCircuit;
use crate::batch::circuit::position_checks;
use crate::bounds::{BUCKET_CARRY_BITS, BUCKET_VERDICT_BITS, EDGE_BITS, RATIO_BPS, REMAINDER_BITS};
use crate::commitment::TAG_BOOK;
use crate::field::Fp;
use crate::gadgets::book::{BookChip, BookConfig, BucketValues, CompareValues, Side};
use crate::gadgets::commit::{CommitChip, CommitConfig};
use crate::gadgets::merkle::{MerkleChip, MerkleConfig};
use crate::gadgets::range::{
    RangeCheckChip, RangeCheckColumns, RangeCheckConfig, RangeCheckInstructions,
};
use crate::gadgets::valuation::{ClaimMode, Input, ValuationChip, ValuationConfig};
use crate::gadgets::{Columns, Lane};
use crate::tree::{EmptyTree, empty_leaf};

type Cell = AssignedCell<Fp, Fp>;

/// Every column and sub-configuration of the report circuit.
#[derive(Clone, Debug)]
pub struct ReportConfig {
    instance: Column<Instance>,
    range: RangeCheckConfig,
    valuation: ValuationConfig,
    commit: CommitConfig,
    merkle: MerkleConfig,
    book: BookConfig,
    /// The extra lanes: none in layout 1, `b` in layout 2, `b` and `c` in layout 3.
    lanes: Vec<LanesConfig>,
}

/// An extra Poseidon lane and lookup column (`b0..b3` and `a5`; in layout 3 also `c0..c3` and
/// `a6`).
#[derive(Clone, Debug)]
pub struct LanesConfig {
    /// Slot packing and Poseidon on the lane (`b0..b3` or `c0..c3`): account commitments (all
    /// of them in layout 2; in layout 3, lane `b` the even positions', lane `c` the odd ones').
    commit: CommitConfig,
    /// Range checks on the lane's lookup column (`a5` or `a6`, the same table), sharing the
    /// range checks with `a4`.
    range: RangeCheckConfig,
}

/// The report-piece circuit of one shape in layout `L` (1, 2 or 3: [`ReportCircuitV1`],
/// [`ReportCircuitV2`], [`ReportCircuitV3`]; the layout is a type parameter because halo2
/// configures a circuit's columns without its shape). Without a witness (key generation) every
/// private value is [`Value::unknown`]. A shape of another layout fails synthesis.
#[derive(Clone, Debug)]
pub struct ReportCircuit<const L: u8> {
    shape: ReportShape,
    witness: Value<ReportWitness>,
    batch: BatchCircuit,
}

/// The report-piece circuit in layout 1 (pieces of format `zkliq-report-piece/1`).
pub type ReportCircuitV1 = ReportCircuit<1>;
/// The report-piece circuit in layout 2 (pieces of format `zkliq-report-piece/2`).
pub type ReportCircuitV2 = ReportCircuit<2>;
/// The report-piece circuit in layout 3 (group files of format `zkliq-report-group/3`).
pub type ReportCircuitV3 = ReportCircuit<3>;

impl<const L: u8> ReportCircuit<L> {
    /// A circuit that proves the piece for `witness`.
    pub fn new(witness: ReportWitness) -> Self {
        ReportCircuit {
            shape: witness.shape,
            batch: BatchCircuit::new(witness.batch.clone()),
            witness: Value::known(witness),
        }
    }

    /// The witness-free circuit of a shape, for key generation.
    pub fn keygen(shape: ReportShape) -> Self {
        ReportCircuit {
            shape,
            witness: Value::unknown(),
            batch: BatchCircuit::keygen(shape.batch),
        }
    }

    /// The circuit's shape.
    pub fn shape(&self) -> ReportShape {
        self.shape
    }

    fn value(&self, f: impl FnOnce(&ReportWitness) -> Fp) -> Value<Fp> {
        self.witness.as_ref().map(f)
    }

    fn values(&self, len: usize, f: impl Fn(&ReportWitness, usize) -> Fp) -> Vec<Value<Fp>> {
        (0..len).map(|i| self.value(|w| f(w, i))).collect()
    }

    /// A book's cells: the blind, then its fields, witnessed in one region.
    fn witness_book(
        &self,
        book: &BookChip,
        layouter: &mut impl Layouter<Fp>,
        name: &str,
        blind: Value<Fp>,
        fields: Option<Vec<Value<Fp>>>,
    ) -> Result<Vec<Cell>, Error> {
        let mut values = vec![blind];
        values.extend(fields.unwrap_or_default());
        book.witness(layouter, name, &values)
    }
}

impl<const L: u8> Circuit<Fp> for ReportCircuit<L> {
    type Config = ReportConfig;
    type FloorPlanner = floor_planner::V1;

    fn without_witnesses(&self) -> Self {
        ReportCircuit::keygen(self.shape)
    }

    fn configure(meta: &mut ConstraintSystem<Fp>) -> ReportConfig {
        let c = Columns::configure(meta);
        let [a0, a1, a2, a3, a4] = c.advice;
        ReportConfig {
            instance: c.instance,
            range: RangeCheckChip::configure(meta, a4, c.table),
            valuation: ValuationChip::configure(meta, [a0, a1, a2, a3], ClaimMode::Bit),
            commit: CommitChip::configure(meta, [a0, a1, a2, a3], c.poseidon),
            merkle: MerkleChip::configure(meta, [a0, a1, a2, a3]),
            book: BookChip::configure(meta, c.advice),
            // Layout 2's columns come first in layout 3, in the same order.
            lanes: (0..ReportLayout::extra_lanes(L))
                .map(|_| {
                    let lane = Lane::configure(meta);
                    let column = meta.advice_column();
                    meta.enable_equality(column);
                    LanesConfig {
                        commit: CommitChip::configure(meta, lane.cols, lane.poseidon),
                        range: RangeCheckChip::configure(meta, column, c.table),
                    }
                })
                .collect(),
        }
    }

    fn synthesize(
        &self,
        config: ReportConfig,
        mut layouter: impl Layouter<Fp>,
    ) -> Result<(), Error> {
        let shape = self.shape;
        if shape.layout.number() != L || config.lanes.len() != ReportLayout::extra_lanes(L) {
            return Err(Error::Synthesis);
        }
        let (m, n) = (shape.edges, shape.batch.assets.assets());
        let table = RangeCheckChip::construct(config.range.clone());
        table.load_table(&mut layouter)?;
        let valuation = ValuationChip::construct(config.valuation);
        let commit = CommitChip::construct(config.commit);
        let book = BookChip::construct(config.book);
        // Where the account commitments and the range checks go.
        // Position `j` commits on lane `j mod lanes` (alternating between `b` and `c` in layout
        // 3, so the floor planner lays two commitments side by side).
        let leaf_commits: Vec<CommitChip> = if config.lanes.is_empty() {
            vec![commit.clone()]
        } else {
            config
                .lanes
                .iter()
                .map(|l| CommitChip::construct(l.commit.clone()))
                .collect()
        };
        let range = RangeCheckColumns::new(
            std::iter::once(table).chain(
                config
                    .lanes
                    .iter()
                    .map(|l| RangeCheckChip::construct(l.range.clone())),
            ),
        );

        let (first, market, prices) =
            self.batch
                .round(&mut layouter, &range, &valuation, &commit)?;
        layouter.constrain_instance(prices.cell(), config.instance, PRICE_COMMITMENT_ROW)?;
        layouter.constrain_instance(market.cell(), config.instance, MARKET_COMMITMENT_ROW)?;

        // The public edges: the first is the liquidation boundary, each below 2^20.
        let mut public = book.from_instance(
            &mut layouter,
            "edges and last",
            config.instance,
            &(EDGES_START_ROW..EDGES_START_ROW + m)
                .chain([LAST_ROW])
                .collect::<Vec<_>>(),
        )?;
        let last = public.pop().ok_or(Error::Synthesis)?;
        let edges = public;
        layouter.assign_region(
            || "first edge is the liquidation boundary",
            |mut region| region.constrain_constant(edges[0].cell(), Fp::from(RATIO_BPS)),
        )?;
        for (i, e) in edges.iter().enumerate() {
            range.check(&mut layouter, &format!("edge {i}"), e, EDGE_BITS)?;
        }

        // The book this piece starts from, under its commitment.
        let book_in = self.witness_book(
            &book,
            &mut layouter,
            "book in",
            self.value(|w| w.blind_in),
            Some(self.values(shape.book_len(), |w, i| w.book_in[i])),
        )?;
        let committed_in = commit_book(&commit, &book, &mut layouter, "book in", book_in.clone())?;
        layouter.constrain_instance(committed_in.cell(), config.instance, BOOK_IN_ROW)?;
        let mut running: Vec<Cell> = book_in[1..].to_vec();

        let minus_empty = book.constant(
            &mut layouter,
            "minus the empty leaf",
            -empty_leaf(shape.batch.assets),
        )?;
        let mut leaves = Vec::with_capacity(shape.positions());
        for j in 0..shape.positions() {
            let cells = if j == 0 {
                first.clone()
            } else {
                self.batch
                    .valuation(&valuation, &mut layouter, j, Some(&first))?
            };
            position_checks(&range, &mut layouter, j, &cells)?;
            let leaf_commit = &leaf_commits[j % leaf_commits.len()];
            let leaf = self.batch.leaf(leaf_commit, &mut layouter, j, &cells)?;
            let pos =
                |f: fn(&super::PositionWitness) -> Fp| self.value(move |w| f(&w.positions[j]));
            let occupied = book.nonzero(
                &mut layouter,
                &format!("occupied {j}"),
                &leaf,
                &Input::Copy(minus_empty.clone()),
                pos(|p| p.occupied_inv),
                pos(|p| p.occupied),
            )?;
            let acc = &cells.accumulators;
            let has_debt = book.nonzero(
                &mut layouter,
                &format!("has debt {j}"),
                &acc[2],
                &Input::Copy(acc[3].clone()),
                pos(|p| p.debt_inv),
                pos(|p| p.has_debt),
            )?;
            let per = |f: fn(&super::PositionWitness) -> &Vec<Fp>| {
                self.values(m, move |w, k| f(&w.positions[j])[k])
            };
            let bucket = book.bucket(
                &mut layouter,
                &format!("{j}"),
                &edges,
                &cells.verdict.claim,
                &has_debt,
                &BucketValues {
                    bits: per(|p| &p.bits),
                    lower: per(|p| &p.lower),
                    upper: per(|p| &p.upper),
                    count: per(|p| &p.count),
                    liquidatable: pos(|p| p.liquidatable),
                    upper_active: pos(|p| p.upper_active),
                },
            )?;
            for (side, edge, active) in [
                (Side::AtLeast, &bucket.lower, None),
                (Side::Below, &bucket.upper, Some(&bucket.upper_active)),
            ] {
                let c = |f: fn(&super::ComparisonWitness) -> Fp| {
                    self.value(move |w| {
                        let p = &w.positions[j];
                        f(match side {
                            Side::AtLeast => &p.at_least,
                            Side::Below => &p.below,
                        })
                    })
                };
                let name = format!("{side:?} of position {j}");
                let compared = book.compare(
                    &mut layouter,
                    &name,
                    side,
                    acc,
                    &cells.verdict.threshold,
                    edge,
                    active,
                    &CompareValues {
                        edge_threshold: c(|c| c.edge_threshold),
                        carry: c(|c| c.carry),
                        remainder: c(|c| c.remainder),
                        verdict: c(|c| c.verdict),
                    },
                )?;
                range.check(
                    &mut layouter,
                    &format!("k {name}"),
                    &compared.carry,
                    BUCKET_CARRY_BITS,
                )?;
                range.check(
                    &mut layouter,
                    &format!("r {name}"),
                    &compared.remainder,
                    REMAINDER_BITS,
                )?;
                range.check(
                    &mut layouter,
                    &format!("y {name}"),
                    &compared.verdict,
                    BUCKET_VERDICT_BITS,
                )?;
            }
            layouter.constrain_instance(
                bucket.liquidatable.cell(),
                config.instance,
                ReportInstance::flag_row(shape, j),
            )?;

            // The running book.
            let mut add =
                |i: usize, name: &str, lo: &Cell, hi: Option<&Cell>| -> Result<(), Error> {
                    let out = self.value(|w| w.running[j][i]);
                    running[i] = book.add(
                        &mut layouter,
                        &format!("{name} at {j}"),
                        &running[i],
                        (lo, hi),
                        out,
                    )?;
                    Ok(())
                };
            add(0, "accounts", &occupied, None)?;
            add(1, "liquidatable", &bucket.liquidatable, None)?;
            for (k, bit) in bucket.bits.iter().enumerate() {
                add(2 + k, &format!("bucket {}", k + 1), bit, None)?;
            }
            for (i, a) in cells.assets.iter().enumerate() {
                add(
                    2 + m + i,
                    &format!("collateral {i}"),
                    &a.collateral[0],
                    Some(&a.collateral[1]),
                )?;
                add(
                    2 + m + n + i,
                    &format!("debt {i}"),
                    &a.debt[0],
                    Some(&a.debt[1]),
                )?;
            }
            leaves.push(leaf);
        }

        // The book this piece ends with, under a fresh blind.
        let blind_out = self.witness_book(
            &book,
            &mut layouter,
            "book out",
            self.value(|w| w.blind_out),
            None,
        )?;
        let mut message = blind_out;
        message.extend(running);
        let committed_out = commit_book(&commit, &book, &mut layouter, "book out", message)?;
        layouter.constrain_instance(committed_out.cell(), config.instance, BOOK_OUT_ROW)?;

        // The subtree and its path to the root; in the last piece, everything to the right of
        // the path is empty.
        let (root, path) =
            self.batch
                .climb(&mut layouter, &commit, config.merkle, leaves, &market)?;
        layouter.constrain_instance(path.index.cell(), config.instance, SUBTREE_INDEX_ROW)?;
        layouter.constrain_instance(root.cell(), config.instance, ROOT_ROW)?;
        let empty = EmptyTree::new(shape.batch.assets, shape.batch.tree);
        let empties: Vec<Fp> = (0..path.siblings.len())
            .map(|i| empty.at(shape.batch.height + i as u32))
            .collect();
        book.rest_empty(&mut layouter, &path.siblings, &path.bits, &empties, &last)?;
        Ok(())
    }
}

/// `H(blind, fields..., TAG_BOOK)` over `message = [blind, fields...]`.
fn commit_book(
    commit: &CommitChip,
    book: &BookChip,
    layouter: &mut impl Layouter<Fp>,
    name: &str,
    mut message: Vec<Cell>,
) -> Result<Cell, Error> {
    message.push(book.constant(layouter, &format!("{name} tag"), Fp::from(TAG_BOOK))?);
    commit.hash_cells(layouter, name, message)
}
