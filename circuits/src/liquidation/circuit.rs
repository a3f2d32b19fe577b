//! The liquidation circuit: one account liquidated by the market's rule, as a state transition.
//!
//! It proves, for the public old and new roots, leaf index, market and price commitments, asset
//! indices `d` and `c`, offered repay, the four amounts and the liquidator's id:
//!
//! - the market commitment opens to a market whose first element is the digest of its
//!   liquidation rules (bonus per asset, `CF`, `H`, `f`), and the price commitment to a round;
//! - the old opening's commitment is the leaf at the public index of the tree whose root, bound
//!   to the market commitment, is the old root;
//! - the old account is liquidatable at that round (the health statement, claim 0);
//! - `d` and `c` select one asset each (one-hot vectors bound to the public indices);
//! - the amounts follow the rule exactly ([`crate::gadgets::rule`]);
//! - the new opening holds the old balances less `repaid` of `d` and `seized` of `c`, every
//!   other balance unchanged, under a salt other than the old one;
//! - its commitment, at the same index with the same siblings, gives the tree whose root, bound
//!   to the same market commitment, is the new root;
//! - the liquidator's id is the public one (copied into the circuit, so the proof is bound to
//!   it).
//!
//! Columns are [`crate::gadgets::Columns`]: every chip works on `a0..a3`, range checks on `a4`;
//! the new opening's commitment and Merkle path run on a second [`Lane`] (`b0..b3`, with its
//! own Poseidon chip), which the floor planner lays beside the old path's: the two hash chains
//! share rows, and the circuit needs about half the rows it would on one lane.

use ff::Field;
use halo2_proofs::circuit::{AssignedCell, Layouter, Value, floor_planner};
use halo2_proofs::plonk::{Circuit, Column, ConstraintSystem, Error, Instance};

use super::instance::{
    COLLATERAL_ASSET_ROW, DEBT_ASSET_ROW, FEE_ROW, LEAF_ROW, LIQUIDATOR_ROW, MARKET_COMMITMENT_ROW,
    NEW_ROOT_ROW, OLD_ROOT_ROW, PRICE_COMMITMENT_ROW, REPAID_ROW, REPAY_ROW, SEIZED_ROW,
    TO_LIQUIDATOR_ROW,
};
use super::{LiquidationShape, LiquidationWitness};
use crate::bounds::{
    BPS_BITS, CARRY_BITS, LIMB_BITS, LIQUIDATION_SCALE_BITS, PRICE_BITS, REMAINDER_BITS,
    SCALE_BITS, THRESHOLD_BITS, VERDICT_BITS, WEIGHT_BITS,
};
use crate::field::Fp;
use crate::gadgets::commit::{CommitChip, CommitConfig};
use crate::gadgets::merkle::{MerkleChip, MerkleConfig, PathCells, PathLevel};
use crate::gadgets::range::{RangeCheckChip, RangeCheckConfig};
use crate::gadgets::rule::{RuleChip, RuleConfig, RuleInputs};
use crate::gadgets::select::{SelectChip, SelectConfig};
use crate::gadgets::update::{UpdateChip, UpdateConfig};
use crate::gadgets::valuation::{
    AssetValues, ClaimMode, Input, ValuationChip, ValuationConfig, VerdictValues,
};
use crate::gadgets::{Columns, Lane};
use crate::tree::TreeFormat;

/// Every column and sub-configuration of the liquidation circuit.
#[derive(Clone, Debug)]
pub struct LiquidationConfig {
    instance: Column<Instance>,
    range: RangeCheckConfig,
    valuation: ValuationConfig,
    commit: CommitConfig,
    merkle: MerkleConfig,
    /// Commitments and the Merkle path of the new opening, on the second lane.
    new_commit: CommitConfig,
    new_merkle: MerkleConfig,
    select: SelectConfig,
    rule: RuleConfig,
    update: UpdateConfig,
}

/// The liquidation circuit of one shape. Without a witness (key generation) every private value
/// is [`Value::unknown`].
#[derive(Clone, Debug)]
pub struct LiquidationCircuit {
    shape: LiquidationShape,
    witness: Value<LiquidationWitness>,
}

impl LiquidationCircuit {
    /// A circuit that proves the liquidation statement for `witness`.
    pub fn new(witness: LiquidationWitness) -> Self {
        LiquidationCircuit {
            shape: witness.shape,
            witness: Value::known(witness),
        }
    }

    /// The witness-free circuit of a shape, for key generation.
    pub fn keygen(shape: LiquidationShape) -> Self {
        LiquidationCircuit {
            shape,
            witness: Value::unknown(),
        }
    }

    /// The circuit's shape.
    pub fn shape(&self) -> LiquidationShape {
        self.shape
    }

    fn value(&self, f: impl FnOnce(&LiquidationWitness) -> Fp) -> Value<Fp> {
        self.witness.as_ref().map(f)
    }

    fn packed(&self, j: usize, f: impl Fn(&LiquidationWitness) -> &Vec<Fp>) -> Value<Fp> {
        self.value(|w| f(w).get(j).copied().unwrap_or_default())
    }

    fn path_levels(&self, new: bool) -> Vec<PathLevel> {
        let depth = self.shape.tree.depth() as usize;
        let path = |w: &LiquidationWitness, i: usize| {
            let p = if new {
                &w.derived.new_path
            } else {
                &w.derived.old_path
            };
            p.get(i).copied().unwrap_or_default()
        };
        (0..depth)
            .map(|i| PathLevel {
                node: match i {
                    0 => Value::unknown(),
                    _ => self.value(|w| path(w, i - 1).2),
                },
                sibling: self.value(|w| w.siblings.get(i).copied().unwrap_or_default()),
                bit: self.value(|w| w.derived.index_bits[i]),
                acc: self.value(|w| w.derived.index_acc[i]),
                left: self.value(|w| path(w, i).0),
                right: self.value(|w| path(w, i).1),
            })
            .collect()
    }

    /// Hashes a path up from its pairs and binds the tree root to the market commitment.
    fn climb(
        &self,
        layouter: &mut impl Layouter<Fp>,
        commit: &CommitChip,
        path: &PathCells,
        market: &AssignedCell<Fp, Fp>,
    ) -> Result<AssignedCell<Fp, Fp>, Error> {
        let mut root = None;
        for (i, (left, right)) in path.pairs.iter().enumerate() {
            let parent = commit.hash_node(layouter, TreeFormat::V2, left, right)?;
            match path.nodes.get(i + 1) {
                Some(node) => layouter.assign_region(
                    || format!("path node {}", i + 1),
                    |mut region| region.constrain_equal(parent.cell(), node.cell()),
                )?,
                None => root = Some(parent),
            }
        }
        commit.bind_root(layouter, market, &root.ok_or(Error::Synthesis)?)
    }
}

impl Circuit<Fp> for LiquidationCircuit {
    type Config = LiquidationConfig;
    type FloorPlanner = floor_planner::V1;

    fn without_witnesses(&self) -> Self {
        LiquidationCircuit::keygen(self.shape)
    }

    fn configure(meta: &mut ConstraintSystem<Fp>) -> LiquidationConfig {
        let c = Columns::configure(meta);
        let [a0, a1, a2, a3, a4] = c.advice;
        let cols = [a0, a1, a2, a3];
        let lane = Lane::configure(meta);
        LiquidationConfig {
            instance: c.instance,
            range: RangeCheckChip::configure(meta, a4, c.table),
            valuation: ValuationChip::configure(meta, cols, ClaimMode::Bit),
            commit: CommitChip::configure(meta, cols, c.poseidon),
            merkle: MerkleChip::configure(meta, cols),
            new_commit: CommitChip::configure(meta, lane.cols, lane.poseidon.clone()),
            new_merkle: MerkleChip::configure(meta, lane.cols),
            select: SelectChip::configure(meta, cols),
            rule: RuleChip::configure(meta, cols),
            update: UpdateChip::configure(meta, cols),
        }
    }

    fn synthesize(
        &self,
        config: LiquidationConfig,
        mut layouter: impl Layouter<Fp>,
    ) -> Result<(), Error> {
        let n = self.shape.assets.assets();
        let instance = config.instance;
        let cols = config.merkle.cols();
        let range = RangeCheckChip::construct(config.range);
        range.load_table(&mut layouter)?;
        let commit = CommitChip::construct(config.commit);
        let select = SelectChip::construct(config.select);
        let update = UpdateChip::construct(config.update);

        // The old account at the round: liquidatable (the health statement with claim 0).
        let h = |f: fn(&crate::health::HealthWitness, usize) -> Fp, i: usize| {
            self.value(move |w| f(&w.health, i))
        };
        let assets: Vec<AssetValues> = (0..n)
            .map(|i| AssetValues {
                collateral: [0, 1].map(|l| self.value(|w| w.health.account.collateral[i][l])),
                debt: [0, 1].map(|l| self.value(|w| w.health.account.debt[i][l])),
                price: Input::Witness(h(|w, i| w.prices.prices[i], i)),
                scale: Input::Witness(h(|w, i| w.market.scales[i], i)),
                weight: Input::Witness(h(|w, i| w.market.weights[i], i)),
                market_slot: h(|w, i| w.derived.market_slots[i], i),
                accumulators: [0, 1, 2, 3]
                    .map(|j| self.value(|w| w.health.derived.accumulators[i][j])),
            })
            .collect();
        let verdict = VerdictValues {
            threshold: Input::Witness(self.value(|w| w.health.market.threshold)),
            carry: self.value(|w| w.health.derived.verdict.carry),
            remainder: self.value(|w| w.health.derived.verdict.remainder),
            verdict: self.value(|w| w.health.derived.verdict.verdict),
            claim: self.value(|w| w.health.claim),
            claimed: Value::known(Fp::ONE),
            public_claim: Value::unknown(),
        };
        let valuation = ValuationChip::construct(config.valuation).assign(
            &mut layouter.namespace(|| "valuation"),
            &assets,
            &verdict,
        )?;
        layouter.assign_region(
            || "the account is liquidatable",
            |mut region| region.constrain_constant(valuation.verdict.claim.cell(), Fp::ZERO),
        )?;
        for (i, a) in valuation.assets.iter().enumerate() {
            for (name, cell, bits) in [
                ("c_lo", &a.collateral[0], LIMB_BITS),
                ("c_hi", &a.collateral[1], LIMB_BITS),
                ("d_lo", &a.debt[0], LIMB_BITS),
                ("d_hi", &a.debt[1], LIMB_BITS),
                ("price", &a.price, PRICE_BITS),
                ("scale", &a.scale, SCALE_BITS),
                ("weight", &a.weight, WEIGHT_BITS),
            ] {
                range.check(&mut layouter, &format!("{name}[{i}]"), cell, bits)?;
            }
        }
        let v = &valuation.verdict;
        range.check(&mut layouter, "T", &v.threshold, THRESHOLD_BITS)?;
        range.check(&mut layouter, "carry", &v.carry, CARRY_BITS)?;
        range.check(&mut layouter, "r", &v.remainder, REMAINDER_BITS)?;
        range.check(&mut layouter, "y", &v.verdict, VERDICT_BITS)?;

        // The rules: a bonus per asset slot, CF, H, f; committed through the market's first
        // element.
        let rules = layouter.assign_region(
            || "liquidation rules",
            |mut region| {
                let mut cells = Vec::with_capacity(n + 3);
                for i in 0..n {
                    cells.push(region.assign_advice(
                        || format!("bonus[{i}]"),
                        cols[i % 4],
                        i / 4,
                        || self.value(|w| w.rules.bonus[i]),
                    )?);
                }
                let row = n.div_ceil(4);
                for (j, (name, f)) in [
                    (
                        "CF",
                        (|w: &LiquidationWitness| w.rules.close_factor) as fn(&_) -> Fp,
                    ),
                    ("H", |w| w.rules.full_below),
                    ("f", |w| w.rules.fee),
                ]
                .into_iter()
                .enumerate()
                {
                    cells.push(region.assign_advice(|| name, cols[j], row, || self.value(f))?);
                }
                Ok(cells)
            },
        )?;
        for (i, cell) in rules.iter().enumerate() {
            let name = match i.checked_sub(n) {
                None => format!("bonus[{i}]"),
                Some(j) => ["CF", "H", "f"][j].to_owned(),
            };
            range.check(&mut layouter, &name, cell, BPS_BITS)?;
        }
        let (bonuses, params) = rules.split_at(n);
        let rules_digest = commit.commit_rules(
            &mut layouter,
            self.value(|w| w.rules.symbols_digest),
            bonuses,
            [&params[0], &params[1], &params[2]],
            |j| self.packed(j, |w| &w.rules_packed),
        )?;
        let market =
            commit.commit_market(&mut layouter, &valuation, &Input::Copy(rules_digest), |j| {
                self.packed(j, |w| &w.health.derived.market_packed)
            })?;
        layouter.constrain_instance(market.cell(), instance, MARKET_COMMITMENT_ROW)?;
        let prices = commit.commit_prices(
            &mut layouter,
            &valuation,
            self.value(|w| w.health.prices.header),
            |j| self.packed(j, |w| &w.health.derived.price_packed),
        )?;
        layouter.constrain_instance(prices.cell(), instance, PRICE_COMMITMENT_ROW)?;
        let old_limbs: Vec<[AssignedCell<Fp, Fp>; 4]> = valuation
            .assets
            .iter()
            .map(|a| {
                [
                    a.collateral[0].clone(),
                    a.collateral[1].clone(),
                    a.debt[0].clone(),
                    a.debt[1].clone(),
                ]
            })
            .collect();
        let (old_salt, old_leaf) = commit.commit_account_limbs(
            &mut layouter,
            "old account",
            &old_limbs,
            &Input::Witness(self.value(|w| w.health.account.salt)),
            |j| self.packed(j, |w| &w.health.derived.account_packed),
        )?;

        // d and c: one-hot vectors bound to the public indices, and what they select.
        let selector = |f: fn(&LiquidationWitness) -> &Vec<Fp>| -> Vec<Value<Fp>> {
            (0..n)
                .map(|i| self.value(move |w| f(w).get(i).copied().unwrap_or_default()))
                .collect()
        };
        let d = select.one_hot(&mut layouter, "debt asset", &selector(|w| &w.debt_selector))?;
        let c = select.one_hot(
            &mut layouter,
            "collateral asset",
            &selector(|w| &w.collateral_selector),
        )?;
        layouter.constrain_instance(d.index.cell(), instance, DEBT_ASSET_ROW)?;
        layouter.constrain_instance(c.index.cell(), instance, COLLATERAL_ASSET_ROW)?;
        let column = |f: fn(&crate::gadgets::valuation::AssetCells) -> &AssignedCell<Fp, Fp>| {
            valuation.assets.iter().map(f).cloned().collect::<Vec<_>>()
        };
        let mut pick =
            |name: &str, sel: &[AssignedCell<Fp, Fp>], values: Vec<AssignedCell<Fp, Fp>>| {
                select.select(&mut layouter, name, sel, &values)
            };
        let debt_lo = pick("debt lo", &d.selectors, column(|a| &a.debt[0]))?;
        let debt_hi = pick("debt hi", &d.selectors, column(|a| &a.debt[1]))?;
        let p_d = pick("debt price", &d.selectors, column(|a| &a.price))?;
        let s_d = pick("debt scale", &d.selectors, column(|a| &a.scale))?;
        let coll_lo = pick("collateral lo", &c.selectors, column(|a| &a.collateral[0]))?;
        let coll_hi = pick("collateral hi", &c.selectors, column(|a| &a.collateral[1]))?;
        let p_c = pick("collateral price", &c.selectors, column(|a| &a.price))?;
        let s_c = pick("collateral scale", &c.selectors, column(|a| &a.scale))?;
        let w_c = pick("collateral weight", &c.selectors, column(|a| &a.weight))?;
        let lb_c = pick("collateral bonus", &c.selectors, bonuses.to_vec())?;

        // The rule.
        let accumulators: [AssignedCell<Fp, Fp>; 4] = valuation
            .accumulators
            .clone()
            .try_into()
            .map_err(|_| Error::Synthesis)?;
        let inputs = RuleInputs {
            accumulators,
            threshold: valuation.verdict.threshold.clone(),
            debt: [debt_lo, debt_hi],
            collateral: [coll_lo, coll_hi],
            debt_unit: [p_d, s_d],
            collateral_unit: [p_c, s_c],
            weight: w_c,
            bonus: lb_c,
            rules: [params[0].clone(), params[1].clone(), params[2].clone()],
        };
        let rule = RuleChip::construct(config.rule).assign(
            &mut layouter,
            &inputs,
            self.witness.as_ref().map(|w| &w.rule),
        )?;
        for (name, cell, bits) in &rule.range_checks {
            range.check(&mut layouter, name, cell, *bits)?;
        }
        // `s16 = 16·s` below 2^64 with `s` below 2^64: `s` below 2^60.
        debug_assert_eq!(LIQUIDATION_SCALE_BITS + 4, 64);
        for (row, cell) in [
            (REPAY_ROW, &rule.repay),
            (REPAID_ROW, &rule.repaid),
            (SEIZED_ROW, &rule.seized),
            (TO_LIQUIDATOR_ROW, &rule.to_liquidator),
            (FEE_ROW, &rule.fee),
        ] {
            layouter.constrain_instance(cell.cell(), instance, row)?;
        }

        // The new opening: the old balances less the amounts, under a fresh salt.
        let mut new_limbs = Vec::with_capacity(n);
        for (i, old) in old_limbs.iter().enumerate() {
            let new = |k: usize| self.value(move |w| w.new_account_limb(i, k));
            let collateral = update.balance(
                &mut layouter,
                &format!("collateral[{i}]"),
                [&old[0], &old[1]],
                &c.selectors[i],
                &rule.seized,
                [new(0), new(1)],
            )?;
            let debt = update.balance(
                &mut layouter,
                &format!("debt[{i}]"),
                [&old[2], &old[3]],
                &d.selectors[i],
                &rule.repaid,
                [new(2), new(3)],
            )?;
            for (name, cell) in [
                ("new c_lo", &collateral[0]),
                ("new c_hi", &collateral[1]),
                ("new d_lo", &debt[0]),
                ("new d_hi", &debt[1]),
            ] {
                range.check(&mut layouter, &format!("{name}[{i}]"), cell, LIMB_BITS)?;
            }
            let [c_lo, c_hi] = collateral;
            let [d_lo, d_hi] = debt;
            new_limbs.push([c_lo, c_hi, d_lo, d_hi]);
        }
        let new_commit = CommitChip::construct(config.new_commit);
        let (new_salt, new_leaf) = new_commit.commit_account_limbs(
            &mut layouter,
            "new account",
            &new_limbs,
            &Input::Witness(self.value(|w| w.new_account.salt)),
            |j| self.packed(j, |w| &w.new_packed),
        )?;
        update.fresh_salt(
            &mut layouter,
            &old_salt,
            &new_salt,
            self.value(|w| w.derived.salt_inverse),
        )?;

        // Both leaves at the public index, with the same siblings, under the same market.
        let merkle = MerkleChip::construct(config.merkle);
        let old_path = merkle.assign(&mut layouter, &old_leaf, &self.path_levels(false))?;
        let new_path = MerkleChip::construct(config.new_merkle).assign(
            &mut layouter,
            &new_leaf,
            &self.path_levels(true),
        )?;
        layouter.constrain_instance(old_path.index.cell(), instance, LEAF_ROW)?;
        layouter.constrain_instance(new_path.index.cell(), instance, LEAF_ROW)?;
        layouter.assign_region(
            || "the same siblings",
            |mut region| {
                for (a, b) in old_path.siblings.iter().zip(&new_path.siblings) {
                    region.constrain_equal(a.cell(), b.cell())?;
                }
                Ok(())
            },
        )?;
        let old_root = self.climb(&mut layouter, &commit, &old_path, &market)?;
        let new_root = self.climb(&mut layouter, &new_commit, &new_path, &market)?;
        layouter.constrain_instance(old_root.cell(), instance, OLD_ROOT_ROW)?;
        layouter.constrain_instance(new_root.cell(), instance, NEW_ROOT_ROW)?;

        // The liquidator's id.
        let liquidator = layouter.assign_region(
            || "liquidator",
            |mut region| {
                region.assign_advice(|| "liquidator", cols[0], 0, || self.value(|w| w.liquidator))
            },
        )?;
        layouter.constrain_instance(liquidator.cell(), instance, LIQUIDATOR_ROW)?;
        Ok(())
    }
}

impl LiquidationWitness {
    /// Limb `k` (`c_lo, c_hi, d_lo, d_hi`) of asset slot `i` of the new opening.
    fn new_account_limb(&self, i: usize, k: usize) -> Fp {
        let (collateral, debt) = (&self.new_account.collateral, &self.new_account.debt);
        match k {
            0 | 1 => collateral.get(i).map_or(Fp::ZERO, |l| l[k]),
            _ => debt.get(i).map_or(Fp::ZERO, |l| l[k - 2]),
        }
    }
}
