//! The batch circuit: claims about every position of a subtree of the state tree.
//!
//! Per position `j`: the health statement (valuation, range checks, the three-valued claim
//! `c_j`, public), and the account commitment as leaf `j`. Once per batch: the market's scales,
//! weights and threshold and the round's prices, range-checked and committed (positions copy
//! them), the subtree hashed up to its root, and the path from the subtree root to the public
//! root, whose index bits recompose the public subtree index.
//!
//! In a format-2 tree the public root is the market commitment bound to the tree root
//! ([`crate::hash::bound_root`]), computed here from the same market commitment cell that is
//! constrained to the public market commitment; format 1 (legacy) publishes the tree root.
//!
//! Columns are those of [`crate::health::circuit`]; the Merkle path gate shares `a0..a3`.

use halo2_proofs::circuit::{AssignedCell, Layouter, Value, floor_planner};
use halo2_proofs::plonk::{Circuit, Column, ConstraintSystem, Error, Instance};

use super::instance::{
    CLAIMS_START_ROW, MARKET_COMMITMENT_ROW, PRICE_COMMITMENT_ROW, ROOT_ROW, SUBTREE_INDEX_ROW,
};
use super::{BatchShape, BatchWitness};
use crate::bounds::{
    CARRY_BITS, LIMB_BITS, PRICE_BITS, REMAINDER_BITS, SCALE_BITS, THRESHOLD_BITS, VERDICT_BITS,
    WEIGHT_BITS,
};
use crate::field::Fp;
use crate::gadgets::Columns;
use crate::gadgets::commit::{CommitChip, CommitConfig};
use crate::gadgets::merkle::{MerkleChip, MerkleConfig, PathCells, PathLevel};
use crate::gadgets::range::{RangeCheckChip, RangeCheckConfig, RangeCheckInstructions};
use crate::gadgets::valuation::{
    AssetValues, ClaimMode, Input, ValuationCells, ValuationChip, ValuationConfig, VerdictValues,
};
use crate::health::witness::HealthWitness;
use crate::tree::TreeFormat;

/// Every column and sub-configuration of the batch circuit.
#[derive(Clone, Debug)]
pub struct BatchConfig {
    instance: Column<Instance>,
    range: RangeCheckConfig,
    valuation: ValuationConfig,
    commit: CommitConfig,
    merkle: MerkleConfig,
}

/// The batch circuit of one shape. Without a witness (key generation) every private value is
/// [`Value::unknown`].
#[derive(Clone, Debug)]
pub struct BatchCircuit {
    shape: BatchShape,
    witness: Value<BatchWitness>,
}

impl BatchCircuit {
    /// A circuit that proves the batch statement for `witness`.
    pub fn new(witness: BatchWitness) -> Self {
        BatchCircuit {
            shape: witness.shape,
            witness: Value::known(witness),
        }
    }

    /// The witness-free circuit of a shape, for key generation.
    pub fn keygen(shape: BatchShape) -> Self {
        BatchCircuit {
            shape,
            witness: Value::unknown(),
        }
    }

    /// The circuit's shape.
    pub fn shape(&self) -> BatchShape {
        self.shape
    }

    fn value(&self, f: impl FnOnce(&BatchWitness) -> Fp) -> Value<Fp> {
        self.witness.as_ref().map(f)
    }

    fn slot(&self, j: usize, f: impl FnOnce(&HealthWitness) -> Fp) -> Value<Fp> {
        self.witness.as_ref().map(|w| f(&w.slots[j]))
    }

    /// Packed element `e` of a message of position `j` (unknown without a witness).
    fn packed(&self, j: usize, e: usize, f: impl Fn(&HealthWitness) -> &Vec<Fp>) -> Value<Fp> {
        self.slot(j, |w| f(w).get(e).copied().unwrap_or_default())
    }

    /// Assigns position `j`'s valuation; `shared` holds slot 0's cells to copy from.
    pub(crate) fn valuation(
        &self,
        chip: &ValuationChip,
        layouter: &mut impl Layouter<Fp>,
        j: usize,
        shared: Option<&ValuationCells>,
    ) -> Result<ValuationCells, Error> {
        let n = self.shape.assets.assets();
        let input = |cell: Option<&AssignedCell<Fp, Fp>>, v: Value<Fp>| match cell {
            Some(cell) => Input::Copy(cell.clone()),
            None => Input::Witness(v),
        };
        let assets: Vec<AssetValues> = (0..n)
            .map(|i| {
                let s = shared.map(|c| &c.assets[i]);
                AssetValues {
                    collateral: [0, 1].map(|l| self.slot(j, |w| w.account.collateral[i][l])),
                    debt: [0, 1].map(|l| self.slot(j, |w| w.account.debt[i][l])),
                    price: input(s.map(|c| &c.price), self.slot(j, |w| w.prices.prices[i])),
                    scale: input(s.map(|c| &c.scale), self.slot(j, |w| w.market.scales[i])),
                    weight: input(s.map(|c| &c.weight), self.slot(j, |w| w.market.weights[i])),
                    market_slot: self.slot(j, |w| w.derived.market_slots[i]),
                    accumulators: [0, 1, 2, 3]
                        .map(|a| self.slot(j, |w| w.derived.accumulators[i][a])),
                }
            })
            .collect();
        let verdict = VerdictValues {
            threshold: input(
                shared.map(|c| &c.verdict.threshold),
                self.slot(j, |w| w.market.threshold),
            ),
            carry: self.slot(j, |w| w.derived.verdict.carry),
            remainder: self.slot(j, |w| w.derived.verdict.remainder),
            verdict: self.value(|w| w.derived.verdicts[j]),
            claim: self.slot(j, |w| w.claim),
            claimed: self.value(|w| w.claimed[j]),
            public_claim: self.value(|w| w.derived.claims[j]),
        };
        chip.assign(
            &mut layouter.namespace(|| format!("position {j}")),
            &assets,
            &verdict,
        )
    }
}

impl Circuit<Fp> for BatchCircuit {
    type Config = BatchConfig;
    type FloorPlanner = floor_planner::V1;

    fn without_witnesses(&self) -> Self {
        BatchCircuit::keygen(self.shape)
    }

    fn configure(meta: &mut ConstraintSystem<Fp>) -> BatchConfig {
        let c = Columns::configure(meta);
        let [a0, a1, a2, a3, a4] = c.advice;
        BatchConfig {
            instance: c.instance,
            range: RangeCheckChip::configure(meta, a4, c.table),
            valuation: ValuationChip::configure(meta, [a0, a1, a2, a3], ClaimMode::Optional),
            commit: CommitChip::configure(meta, [a0, a1, a2, a3], c.poseidon),
            merkle: MerkleChip::configure(meta, [a0, a1, a2, a3]),
        }
    }

    fn synthesize(
        &self,
        config: BatchConfig,
        mut layouter: impl Layouter<Fp>,
    ) -> Result<(), Error> {
        let range = RangeCheckChip::construct(config.range);
        range.load_table(&mut layouter)?;
        let valuation = ValuationChip::construct(config.valuation);
        let commit = CommitChip::construct(config.commit);

        let (first, market, prices) = self.round(&mut layouter, &range, &valuation, &commit)?;
        layouter.constrain_instance(prices.cell(), config.instance, PRICE_COMMITMENT_ROW)?;
        layouter.constrain_instance(market.cell(), config.instance, MARKET_COMMITMENT_ROW)?;

        // Every position: range checks, its public claim, its leaf.
        let mut leaves = Vec::with_capacity(self.shape.positions());
        for j in 0..self.shape.positions() {
            let cells = if j == 0 {
                first.clone()
            } else {
                self.valuation(&valuation, &mut layouter, j, Some(&first))?
            };
            position_checks(&range, &mut layouter, j, &cells)?;
            layouter.constrain_instance(
                cells.verdict.claim.cell(),
                config.instance,
                CLAIMS_START_ROW + j,
            )?;
            leaves.push(self.leaf(&commit, &mut layouter, j, &cells)?);
        }

        let (root, path) = self.climb(&mut layouter, &commit, config.merkle, leaves, &market)?;
        layouter.constrain_instance(path.index.cell(), config.instance, SUBTREE_INDEX_ROW)?;
        layouter.constrain_instance(root.cell(), config.instance, ROOT_ROW)?;
        Ok(())
    }
}

/// Position 0's valuation cells, the market commitment and the price commitment.
pub(crate) type RoundCells = (ValuationCells, AssignedCell<Fp, Fp>, AssignedCell<Fp, Fp>);

/// Range checks of position `j`'s amount limbs and of its verdict's carry, remainder and value.
pub(crate) fn position_checks(
    range: &impl RangeCheckInstructions,
    layouter: &mut impl Layouter<Fp>,
    j: usize,
    cells: &ValuationCells,
) -> Result<(), Error> {
    for (i, a) in cells.assets.iter().enumerate() {
        for (name, c) in [
            ("c_lo", &a.collateral[0]),
            ("c_hi", &a.collateral[1]),
            ("d_lo", &a.debt[0]),
            ("d_hi", &a.debt[1]),
        ] {
            range.check(
                layouter,
                &format!("{name}[{i}] of position {j}"),
                c,
                LIMB_BITS,
            )?;
        }
    }
    let v = &cells.verdict;
    range.check(
        layouter,
        &format!("carry of position {j}"),
        &v.carry,
        CARRY_BITS,
    )?;
    range.check(
        layouter,
        &format!("r of position {j}"),
        &v.remainder,
        REMAINDER_BITS,
    )?;
    range.check(
        layouter,
        &format!("y of position {j}"),
        &v.verdict,
        VERDICT_BITS,
    )
}

impl BatchCircuit {
    /// Position 0's valuation, which witnesses the market and the prices (the other positions
    /// copy them): their range checks and their commitments. Returns position 0's cells, the
    /// market commitment and the price commitment.
    pub(crate) fn round(
        &self,
        layouter: &mut impl Layouter<Fp>,
        range: &impl RangeCheckInstructions,
        valuation: &ValuationChip,
        commit: &CommitChip,
    ) -> Result<RoundCells, Error> {
        let first = self.valuation(valuation, layouter, 0, None)?;
        for (i, a) in first.assets.iter().enumerate() {
            range.check(layouter, &format!("price[{i}]"), &a.price, PRICE_BITS)?;
            range.check(layouter, &format!("scale[{i}]"), &a.scale, SCALE_BITS)?;
            range.check(layouter, &format!("weight[{i}]"), &a.weight, WEIGHT_BITS)?;
        }
        range.check(layouter, "T", &first.verdict.threshold, THRESHOLD_BITS)?;
        let prices =
            commit.commit_prices(layouter, &first, self.slot(0, |w| w.prices.header), |e| {
                self.packed(0, e, |w| &w.derived.price_packed)
            })?;
        let market = commit.commit_market(
            layouter,
            &first,
            &Input::Witness(self.slot(0, |w| w.market.first)),
            |e| self.packed(0, e, |w| &w.derived.market_packed),
        )?;
        Ok((first, market, prices))
    }

    /// Position `j`'s account commitment: its leaf.
    pub(crate) fn leaf(
        &self,
        commit: &CommitChip,
        layouter: &mut impl Layouter<Fp>,
        j: usize,
        cells: &ValuationCells,
    ) -> Result<AssignedCell<Fp, Fp>, Error> {
        commit.commit_account(
            layouter,
            &format!("account {j}"),
            cells,
            self.slot(j, |w| w.account.salt),
            |e| self.packed(j, e, |w| &w.derived.account_packed),
        )
    }

    /// Hashes the subtree of `leaves` up to its root, then the path from there to the tree
    /// root. Returns the published root (format 2: bound to `market`; format 1: the tree root)
    /// and the path's cells (the caller binds `index` to the public subtree index).
    pub(crate) fn climb(
        &self,
        layouter: &mut impl Layouter<Fp>,
        commit: &CommitChip,
        merkle: MerkleConfig,
        leaves: Vec<AssignedCell<Fp, Fp>>,
        market: &AssignedCell<Fp, Fp>,
    ) -> Result<(AssignedCell<Fp, Fp>, PathCells), Error> {
        let format = self.shape.tree.format();
        let mut level = leaves;
        while level.len() > 1 {
            level = level
                .chunks(2)
                .map(|pair| commit.hash_node(layouter, format, &pair[0], &pair[1]))
                .collect::<Result<_, _>>()?;
        }
        let subtree_root = &level[0];

        // The path to the root, bound to the public subtree index by the caller.
        let path_len = self.shape.path_len();
        let levels: Vec<PathLevel> = (0..path_len)
            .map(|i| PathLevel {
                node: match i {
                    0 => Value::unknown(),
                    _ => self.value(|w| w.derived.path_nodes[i - 1]),
                },
                sibling: self.value(|w| w.siblings[i]),
                bit: self.value(|w| w.derived.index_bits[i]),
                acc: self.value(|w| w.derived.index_acc[i]),
                left: self.value(|w| w.derived.path_pairs[i].0),
                right: self.value(|w| w.derived.path_pairs[i].1),
            })
            .collect();
        let path = MerkleChip::construct(merkle).assign(layouter, subtree_root, &levels)?;
        let mut root = None;
        for (i, (left, right)) in path.pairs.iter().enumerate() {
            let parent = commit.hash_node(layouter, format, left, right)?;
            match path.nodes.get(i + 1) {
                Some(node) => layouter.assign_region(
                    || format!("path node {}", i + 1),
                    |mut region| region.constrain_equal(parent.cell(), node.cell()),
                )?,
                None => root = Some(parent),
            }
        }
        let tree_root = root.ok_or(Error::Synthesis)?;
        // Format 2 publishes the market commitment bound to the tree root; format 1 (legacy)
        // publishes the tree root itself.
        let root = match format {
            TreeFormat::V1 => tree_root,
            TreeFormat::V2 => commit.bind_root(layouter, market, &tree_root)?,
        };
        Ok((root, path))
    }
}
