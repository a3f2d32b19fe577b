//! The prover's witness for a liquidation proof.
//!
//! [`LiquidationWitness::new`] builds an honest witness from typed inputs and the rule's
//! [`Quote`]. Its fields are public so that soundness tests can change exactly one value; the
//! `derive_*` methods recompute what follows from a change, and
//! [`LiquidationWitness::public_inputs`] the instance column the (possibly tampered) witness
//! implies.

use ff::{Field, PrimeField};
use num_bigint::{BigInt, BigUint};
use num_integer::Integer;

use super::LiquidationShape;
use super::instance::LiquidationInstance;
use super::reference::{Quote, Refusal, Request, quote};
use crate::bounds::{DEEP_CARRY_OFFSET_BITS, LIMB_BITS, LIMB_CARRY_OFFSET_BITS};
use crate::commitment::{self, AccountOpening, RulesOpening, SLOT_BITS_64};
use crate::field::{Fp, pow2};
use crate::gadgets::rule::RuleWitness;
use crate::health::witness::{from_signed, to_signed};
use crate::health::{Claim, HealthWitness};
use crate::inputs::{Account, Market, PriceRound};

/// Everything the prover assigns in a liquidation circuit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LiquidationWitness {
    /// The circuit shape.
    pub shape: LiquidationShape,
    /// The market (with its rules), the price round, the old opening, the claim (liquidatable).
    pub health: HealthWitness,
    /// The opening of the market's liquidation rules.
    pub rules: RulesOpening,
    /// Packed elements of the rules message (after the symbol digest).
    pub rules_packed: Vec<Fp>,
    /// The opening after the liquidation (a fresh salt, the new balances).
    pub new_account: AccountOpening,
    /// Packed elements of the new account message (after the salt).
    pub new_packed: Vec<Fp>,
    /// One-hot selector of the debt asset, per asset slot.
    pub debt_selector: Vec<Fp>,
    /// One-hot selector of the collateral asset, per asset slot.
    pub collateral_selector: Vec<Fp>,
    /// The rule's cells.
    pub rule: RuleWitness,
    /// The liquidator's id.
    pub liquidator: Fp,
    /// The account's leaf index.
    pub leaf: u64,
    /// The siblings of the leaf and its ancestors (the same before and after).
    pub siblings: Vec<Fp>,
    /// Values computed from the above.
    pub derived: LiquidationDerived,
}

/// Values the circuit computes from the witness (and checks with gates).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LiquidationDerived {
    /// `1 / (new salt − old salt)`.
    pub salt_inverse: Fp,
    /// Index bits of the leaf, bottom up.
    pub index_bits: Vec<Fp>,
    /// `acc_i = Σ_{j >= i} bit_j·2^(j - i)`: `acc_0` is the leaf index.
    pub index_acc: Vec<Fp>,
    /// `(left, right)` pairs and nodes of the old path, bottom up.
    pub old_path: Vec<(Fp, Fp, Fp)>,
    /// `(left, right)` pairs and nodes of the new path, bottom up.
    pub new_path: Vec<(Fp, Fp, Fp)>,
}

impl LiquidationWitness {
    /// The witness for liquidating `account` (at leaf `leaf` with `siblings`) by `request`,
    /// writing the new opening under `new_salt`, for `liquidator`. Refused as the rule refuses.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        shape: LiquidationShape,
        market: &Market,
        prices: &PriceRound,
        account: &Account,
        request: Request,
        new_salt: Fp,
        liquidator: Fp,
        leaf: u64,
        siblings: Vec<Fp>,
    ) -> Result<(Self, Quote), Refusal> {
        let q = quote(market, prices, account, request)?;
        let health = HealthWitness::new(market, prices, account, Claim::Liquidatable);
        let rules = health.market.rules.clone().ok_or(Refusal::NoRules)?;
        let n = shape.assets.assets();
        let one_hot = |i: usize| (0..n).map(|j| Fp::from(u64::from(i == j))).collect();
        let new = Account::new(
            market,
            new_salt,
            q.new_collateral.clone(),
            q.new_debt.clone(),
        )
        .expect("one amount per asset");
        let mut witness = LiquidationWitness {
            shape,
            rules_packed: commitment::pack(&rules.slots(), SLOT_BITS_64),
            rules,
            new_account: AccountOpening::new(&new, shape.assets),
            new_packed: Vec::new(),
            debt_selector: one_hot(request.debt),
            collateral_selector: one_hot(request.collateral),
            rule: rule_witness(&health, request, &q),
            health,
            liquidator,
            leaf,
            siblings,
            derived: LiquidationDerived::default(),
        };
        witness.derive();
        Ok((witness, q))
    }

    /// Recomputes every derived value: the packing of the new opening, the salt inverse and
    /// both paths.
    pub fn derive(&mut self) {
        self.new_packed = commitment::pack(&self.new_account.slots(), SLOT_BITS_64);
        self.derived.salt_inverse = (self.new_account.salt - self.health.account.salt)
            .invert()
            .unwrap_or(Fp::ZERO);
        self.derive_paths();
    }

    /// Recomputes the index bits and both paths from the two leaves and the siblings.
    pub fn derive_paths(&mut self) {
        let depth = self.shape.tree.depth() as usize;
        self.derived.index_bits = (0..depth).map(|i| Fp::from((self.leaf >> i) & 1)).collect();
        let mut acc = vec![Fp::ZERO; depth + 1];
        for i in (0..depth).rev() {
            acc[i] = acc[i + 1].double() + self.derived.index_bits[i];
        }
        acc.pop();
        self.derived.index_acc = acc;
        self.derived.old_path = self.climb(self.old_leaf());
        self.derived.new_path = self.climb(self.new_leaf());
    }

    fn climb(&self, leaf: Fp) -> Vec<(Fp, Fp, Fp)> {
        let mut node = leaf;
        self.siblings
            .iter()
            .zip(&self.derived.index_bits)
            .map(|(sibling, bit)| {
                let left = node + *bit * (*sibling - node);
                let right = node + sibling - left;
                node = self.shape.tree.hash_nodes(left, right);
                (left, right, node)
            })
            .collect()
    }

    /// The old leaf: the commitment of the opening before, as the circuit hashes it.
    pub fn old_leaf(&self) -> Fp {
        let message: Vec<Fp> = std::iter::once(self.health.account.salt)
            .chain(self.health.derived.account_packed.iter().copied())
            .collect();
        commitment::hash(&message)
    }

    /// The new leaf: the commitment of the opening after.
    pub fn new_leaf(&self) -> Fp {
        let message: Vec<Fp> = std::iter::once(self.new_account.salt)
            .chain(self.new_packed.iter().copied())
            .collect();
        commitment::hash(&message)
    }

    /// The market commitment this witness opens (through the rules digest).
    pub fn market_commitment(&self) -> Fp {
        let rules: Vec<Fp> = std::iter::once(self.rules.symbols_digest)
            .chain(self.rules_packed.iter().copied())
            .collect();
        let first = commitment::hash(&rules);
        let market: Vec<Fp> = std::iter::once(first)
            .chain(self.health.derived.market_packed.iter().copied())
            .collect();
        commitment::hash(&market)
    }

    /// The instance column this witness implies.
    pub fn public_inputs(&self) -> Vec<Fp> {
        let market = self.market_commitment();
        let root = |path: &[(Fp, Fp, Fp)]| {
            let tree_root = path.last().map_or(Fp::ZERO, |(_, _, node)| *node);
            self.shape.tree.publish(market, tree_root)
        };
        let health = self.health.public_inputs();
        let index = |selector: &[Fp]| {
            selector
                .iter()
                .enumerate()
                .fold(Fp::ZERO, |acc, (i, s)| acc + *s * Fp::from(i as u64))
        };
        use super::instance::*;
        let mut column = vec![Fp::ZERO; NUM_PUBLIC_INPUTS];
        column[OLD_ROOT_ROW] = root(&self.derived.old_path);
        column[NEW_ROOT_ROW] = root(&self.derived.new_path);
        column[LEAF_ROW] = Fp::from(self.leaf);
        column[MARKET_COMMITMENT_ROW] = market;
        column[PRICE_COMMITMENT_ROW] = health[crate::health::instance::PRICE_COMMITMENT_ROW];
        column[DEBT_ASSET_ROW] = index(&self.debt_selector);
        column[COLLATERAL_ASSET_ROW] = index(&self.collateral_selector);
        column[REPAY_ROW] = self.rule.repay;
        column[REPAID_ROW] = self.rule.repaid;
        column[SEIZED_ROW] = self.rule.seized;
        column[TO_LIQUIDATOR_ROW] = self.rule.to_liquidator;
        column[FEE_ROW] = self.rule.fee;
        column[LIQUIDATOR_ROW] = self.liquidator;
        column
    }

    /// The typed instance (for honest witnesses).
    pub fn instance(&self) -> Option<LiquidationInstance> {
        LiquidationInstance::from_column(self.shape, &self.public_inputs()).ok()
    }
}

fn big(v: u128) -> BigUint {
    BigUint::from(v)
}

fn fp(v: &BigUint) -> Fp {
    crate::field::from_biguint(v).expect("below the modulus")
}

fn fpu(v: u128) -> Fp {
    Fp::from_u128(v)
}

/// The rule's cells for an honest liquidation, from the quote and the health witness (whose
/// accumulators, scales, prices and threshold the rule copies).
fn rule_witness(h: &HealthWitness, request: Request, q: &Quote) -> RuleWitness {
    let (d, c) = (request.debt, request.collateral);
    let rules = h.market.rules.as_ref().expect("checked by the caller");
    let to_u = |v: &Fp| -> BigUint { crate::field::to_biguint(v) };
    let limb_value = |l: &[Fp; 2]| -> BigUint { to_u(&l[0]) + (to_u(&l[1]) << 64u32) };
    let debt: BigUint = limb_value(&h.account.debt[d]);
    let coll: BigUint = limb_value(&h.account.collateral[c]);
    let (cf, hh, f, lb): (BigUint, BigUint, BigUint, BigUint) = (
        to_u(&rules.close_factor),
        to_u(&rules.full_below),
        to_u(&rules.fee),
        to_u(&rules.bonus[c]),
    );
    let ten_k = BigUint::from(10_000u32);
    let one = BigUint::from(1u32);

    // deep: δ_x = H·T·D_x − 10000·A_x, compared like the health verdict.
    let [a_lo, a_hi, d_lo, d_hi] = *h.derived.accumulators.last().expect("assets");
    let ht = rules.full_below * h.market.threshold;
    let delta_lo = to_signed(&(ht * d_lo - Fp::from(10_000) * a_lo));
    let (carry, remainder) = delta_lo.div_mod_floor(&(BigInt::from(1) << LIMB_BITS));
    let carry = from_signed(&carry);
    let x = ht * d_hi - Fp::from(10_000) * a_hi + carry;
    let deep = Fp::from(u64::from(q.deep));

    let m_cf = &debt * &cf / &ten_k;
    let r2 = &debt * &cf % &ten_k;
    let repay = request.repay.amount();
    let lt = repay < q.max_debt;
    let y_lt = if lt {
        big(q.max_debt) - big(repay) - &one
    } else {
        big(repay) - big(q.max_debt)
    };
    let x_cap = (&ten_k * (&coll + &one)).div_ceil(&lb);
    let r4 = &x_cap * &lb - &ten_k * (&coll + &one);
    let e_d = to_u(&h.prices.prices[d]) * to_u(&h.market.scales[d]);
    let d_c = to_u(&h.prices.prices[c]) * to_u(&h.market.scales[c]);
    let n = big(q.amount) * &e_d;
    let xd = &x_cap * &d_c;
    let y_cap = if q.capped { &n - &xd } else { &xd - &n - &one };
    let (quotient, r1) = if q.capped {
        (BigUint::ZERO, BigUint::ZERO)
    } else {
        (q.base.clone(), &n - &q.base * &d_c)
    };
    let m2 = &quotient * &lb / &ten_k;
    let r5 = &quotient * &lb % &ten_k;
    let v = &e_d * &lb;
    let (rp, r6, k) = if q.capped {
        let rp = big(q.repaid);
        let r6 = &rp * &v - &coll * &d_c * &ten_k;
        let mask = (BigUint::from(1u32) << 64u32) - 1u32;
        let (rp_lo, c_lo) = (&rp & &mask, &coll & &mask);
        let s_lo = BigInt::from(rp_lo * &v)
            - BigInt::from(r6.clone())
            - BigInt::from(c_lo * &d_c * &ten_k);
        let carry = s_lo / (BigInt::from(1) << 64u32);
        (
            rp,
            r6,
            from_signed(&carry) + pow2(LIMB_CARRY_OFFSET_BITS as u32),
        )
    } else {
        (
            BigUint::ZERO,
            BigUint::ZERO,
            pow2(LIMB_CARRY_OFFSET_BITS as u32),
        )
    };
    let b0 = big(q.seized) * &ten_k / &lb;
    let r7 = big(q.seized) * &ten_k % &lb;
    let r8 = big(q.fee) * &ten_k - big(q.bonus) * &f;
    let rp = u128::try_from(rp).expect("a repaid amount");

    RuleWitness {
        deep_carry: carry + pow2(DEEP_CARRY_OFFSET_BITS as u32),
        deep_remainder: from_signed(&remainder),
        deep_verdict: (deep.double() - Fp::ONE) * x + deep - Fp::ONE,
        deep,
        m_cf: fp(&m_cf),
        r2: fp(&r2),
        r2c: fp(&(BigUint::from(9_999u32) - &r2)),
        max_debt: fpu(q.max_debt),
        repay: fpu(repay),
        lt: Fp::from(u64::from(lt)),
        a: fpu(q.amount),
        y_lt: fp(&y_lt),
        a_minus_1: fpu(q.amount - 1),
        x: fp(&x_cap),
        r4: fp(&r4),
        r4c: fp(&(&lb - &one - &r4)),
        e_d: fp(&e_d),
        d_c: fp(&d_c),
        n: fp(&n),
        cap: Fp::from(u64::from(q.capped)),
        y_lo: fp(&(&y_cap & ((BigUint::from(1u32) << 128u32) - 1u32))),
        y_hi: fp(&(&y_cap >> 128u32)),
        q: fp(&quotient),
        r1: fp(&r1),
        r1c: fp(&(&d_c - &one - &r1)),
        q_room: fp(&(&x_cap - &one - &quotient)),
        m2: fp(&m2),
        r5: fp(&r5),
        r5c: fp(&(BigUint::from(9_999u32) - &r5)),
        v: fp(&v),
        rp_lo: Fp::from(rp as u64),
        rp_hi: Fp::from((rp >> 64) as u64),
        r6: fp(&r6),
        r6c: fp(&(&v - &one - &r6)),
        k,
        seized: fpu(q.seized),
        repaid: fpu(q.repaid),
        b0: fp(&b0),
        r7: fp(&r7),
        r7c: fp(&(&lb - &one - &r7)),
        bonus: fpu(q.bonus),
        fee: fpu(q.fee),
        r8: fp(&r8),
        r8c: fp(&(BigUint::from(9_999u32) - &r8)),
        to_liquidator: fpu(q.to_liquidator),
        cf_room: fp(&(&ten_k - &cf)),
        h_room: fp(&(&ten_k - &hh)),
        f_room: fp(&(&ten_k - &f)),
        lb_room: fp(&(&lb - &ten_k)),
        w_room: h.market.weights[c] - Fp::ONE,
        c_room: fp(&(&coll - &one)),
        s16_d: h.market.scales[d] * Fp::from(16),
        s16_c: h.market.scales[c] * Fp::from(16),
    }
}
