//! The prover's witness for a report piece.
//!
//! [`ReportWitness::new`] derives an honest witness; its fields are public so that soundness
//! tests can tamper with one value and check that the circuit rejects it.

use ff::Field;
use num_bigint::{BigInt, BigUint};
use num_integer::Integer;

use super::book::commit_fields;
use super::{Book, BucketEdges, ReportShape};
use crate::batch::{BatchShape, BatchWitness, SlotClaim};
use crate::bounds::{BUCKET_CARRY_OFFSET_BITS, RATIO_BPS, REMAINDER_BITS};
use crate::field::{self, Fp, pow2};
use crate::gadgets::book::Side;
use crate::health::reference::evaluate;
use crate::health::witness::{from_signed, to_signed};
use crate::inputs::{Account, Market, PriceRound};
use crate::tree::empty_leaf;

/// The values of one edge comparison (see `gadgets::book`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ComparisonWitness {
    /// `eT = e·T`.
    pub edge_threshold: Fp,
    /// `carry + 2^180`.
    pub carry: Fp,
    /// `r`.
    pub remainder: Fp,
    /// `y`.
    pub verdict: Fp,
}

/// The report's values for one position.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PositionWitness {
    /// 1 if the leaf is not the empty leaf.
    pub occupied: Fp,
    /// Inverse of `leaf - empty_leaf` (0 for the empty leaf).
    pub occupied_inv: Fp,
    /// 1 if `D_lo + D_hi ≠ 0`.
    pub has_debt: Fp,
    /// Inverse of `D_lo + D_hi` (0 without debt).
    pub debt_inv: Fp,
    /// `o_k`, buckets `1..m`.
    pub bits: Vec<Fp>,
    /// Running `lo_k`.
    pub lower: Vec<Fp>,
    /// Running `hi_k`.
    pub upper: Vec<Fp>,
    /// Running `cnt_k`.
    pub count: Vec<Fp>,
    /// `l = 1 - b`.
    pub liquidatable: Fp,
    /// `s_hi`.
    pub upper_active: Fp,
    /// `10000·lhs >= e_lo·rhs`.
    pub at_least: ComparisonWitness,
    /// `10000·lhs < e_hi·rhs` (when active).
    pub below: ComparisonWitness,
}

/// Everything the prover assigns for one report piece.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReportWitness {
    /// The shape.
    pub shape: ReportShape,
    /// Accounts, market, prices, subtree and path (every slot claims its true verdict).
    pub batch: BatchWitness,
    /// The bucket edges.
    pub edges: Vec<Fp>,
    /// The `last` flag.
    pub last: Fp,
    /// The book this piece starts from, as field elements.
    pub book_in: Vec<Fp>,
    /// Its blind.
    pub blind_in: Fp,
    /// The blind of the book this piece ends with.
    pub blind_out: Fp,
    /// Per position.
    pub positions: Vec<PositionWitness>,
    /// The book after each position (the last one is the piece's output).
    pub running: Vec<Vec<Fp>>,
}

impl ReportWitness {
    /// The honest witness for the piece at `subtree_index` (`accounts`: one per position,
    /// `None` for an empty leaf), starting from `book_in` under `blind_in`.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        shape: ReportShape,
        market: &Market,
        prices: &PriceRound,
        edges: &BucketEdges,
        accounts: &[Option<&Account>],
        subtree_index: u64,
        siblings: Vec<Fp>,
        book_in: &Book,
        blinds: [Fp; 2],
        last: bool,
    ) -> Self {
        let claims: Vec<SlotClaim> = accounts
            .iter()
            .map(|a| match a {
                Some(a) => SlotClaim::Is(evaluate(market, prices, a).claim()),
                None => SlotClaim::Is(crate::Claim::Healthy),
            })
            .collect();
        let batch: BatchShape = shape.batch;
        let batch = BatchWitness::new(
            batch,
            market,
            prices,
            accounts,
            &claims,
            subtree_index,
            siblings,
        );
        let mut witness = ReportWitness {
            shape,
            batch,
            edges: edges
                .as_slice()
                .iter()
                .map(|e| Fp::from(u64::from(*e)))
                .collect(),
            last: if last { Fp::ONE } else { Fp::ZERO },
            book_in: book_in.to_fields(),
            blind_in: blinds[0],
            blind_out: blinds[1],
            positions: Vec::new(),
            running: Vec::new(),
        };
        witness.derive();
        witness
    }

    /// Recomputes every position's values and the running book.
    pub fn derive(&mut self) {
        self.derive_positions();
        self.derive_running();
    }

    /// Recomputes each position's flags, bucket and comparisons from its slot and the edges.
    pub fn derive_positions(&mut self) {
        self.positions = (0..self.batch.slots.len())
            .map(|j| self.position(j, None))
            .collect();
    }

    /// Puts position `j` in `bucket` (1-based, `None`: no bucket) whatever its ratio, and
    /// recomputes what follows from that (the edges it selects, its comparisons, the running
    /// book): the best a dishonest prover can do to miscount an account.
    pub fn set_bucket(&mut self, j: usize, bucket: Option<usize>) {
        let mut bits = vec![Fp::ZERO; self.edges.len()];
        if let Some(k) = bucket {
            bits[k - 1] = Fp::ONE;
        }
        self.positions[j] = self.position(j, Some(bits));
        self.derive_running();
    }

    /// Position `j`'s values, with its true bucket unless `bits` is given.
    fn position(&self, j: usize, bits: Option<Vec<Fp>>) -> PositionWitness {
        let slot = &self.batch.slots[j];
        let message: Vec<Fp> = std::iter::once(slot.account.salt)
            .chain(slot.derived.account_packed.iter().copied())
            .collect();
        let leaf = crate::commitment::hash(&message);
        let m = self.edges.len();
        let [a_lo, a_hi, d_lo, d_hi] = slot
            .derived
            .accumulators
            .last()
            .copied()
            .unwrap_or_default();
        let t = slot.market.threshold;
        let b = slot.claim;
        let (occupied, occupied_inv) = nonzero(leaf - empty_leaf(self.shape.batch.assets));
        let (has_debt, debt_inv) = nonzero(d_lo + d_hi);
        let bits = bits.unwrap_or_else(|| {
            let mut bits = vec![Fp::ZERO; m];
            if has_debt == Fp::ONE && b == Fp::ONE {
                let big = |v: Fp| -> BigUint { field::to_biguint(&v) };
                let lhs: BigUint = (big(a_hi) << 64u32) + big(a_lo);
                let rhs: BigUint = ((big(d_hi) << 64u32) + big(d_lo)) * big(t);
                let scaled: BigUint = lhs * RATIO_BPS;
                let k = self
                    .edges
                    .iter()
                    .take_while(|e: &&Fp| {
                        let edge: BigUint = big(**e);
                        &rhs * edge <= scaled
                    })
                    .count();
                if k > 0 {
                    bits[k - 1] = Fp::ONE;
                }
            }
            bits
        });
        let (mut lo, mut hi, mut cnt) = (Fp::ZERO, Fp::ZERO, Fp::ZERO);
        let (mut lower, mut upper, mut count) = (vec![], vec![], vec![]);
        for (k, bit) in bits.iter().enumerate() {
            let upper_edge = self.edges.get(k + 1).copied().unwrap_or(Fp::ZERO);
            lo += *bit * self.edges[k];
            hi += *bit * upper_edge;
            cnt += *bit;
            lower.push(lo);
            upper.push(hi);
            count.push(cnt);
        }
        let upper_active = cnt - bits[m - 1];
        let acc = [a_lo, a_hi, d_lo, d_hi];
        PositionWitness {
            occupied,
            occupied_inv,
            has_debt,
            debt_inv,
            liquidatable: Fp::ONE - b,
            upper_active,
            at_least: compare(acc, t, lo, Fp::ONE, Side::AtLeast),
            below: compare(acc, t, hi, upper_active, Side::Below),
            bits,
            lower,
            upper,
            count,
        }
    }

    /// Recomputes the running book: per position, accounts, liquidatable, buckets, then each
    /// asset's collateral and debt.
    pub fn derive_running(&mut self) {
        let shift = pow2(64);
        let mut book = self.book_in.clone();
        self.running = self
            .positions
            .iter()
            .zip(&self.batch.slots)
            .map(|(p, slot)| {
                let m = p.bits.len();
                let n = slot.account.collateral.len();
                book[0] += p.occupied;
                book[1] += p.liquidatable;
                for k in 0..m {
                    book[2 + k] += p.bits[k];
                }
                for i in 0..n {
                    let [c_lo, c_hi] = slot.account.collateral[i];
                    let [d_lo, d_hi] = slot.account.debt[i];
                    book[2 + m + i] += c_lo + c_hi * shift;
                    book[2 + m + n + i] += d_lo + d_hi * shift;
                }
                book.clone()
            })
            .collect();
    }

    /// The book after the piece, as field elements.
    pub fn book_out(&self) -> &[Fp] {
        self.running
            .last()
            .map(Vec::as_slice)
            .unwrap_or(&self.book_in)
    }

    /// The instance column this witness implies.
    pub fn public_inputs(&self) -> Vec<Fp> {
        let batch = self.batch.public_inputs();
        let mut column = vec![
            batch[crate::batch::ROOT_ROW],
            batch[crate::batch::MARKET_COMMITMENT_ROW],
            batch[crate::batch::PRICE_COMMITMENT_ROW],
            batch[crate::batch::SUBTREE_INDEX_ROW],
            commit_fields(&self.book_in, self.blind_in),
            commit_fields(self.book_out(), self.blind_out),
            self.last,
        ];
        column.extend(self.edges.iter().copied());
        column.extend(self.positions.iter().map(|p| p.liquidatable));
        column
    }
}

/// `(1, v^-1)` for `v ≠ 0`, `(0, 0)` for zero.
fn nonzero(v: Fp) -> (Fp, Fp) {
    match Option::<Fp>::from(v.invert()) {
        Some(inv) => (Fp::ONE, inv),
        None => (Fp::ZERO, Fp::ZERO),
    }
}

/// The comparison values for edge `e` and activity `s` (see `gadgets::book`).
fn compare(acc: [Fp; 4], t: Fp, e: Fp, s: Fp, side: Side) -> ComparisonWitness {
    let [a_lo, a_hi, d_lo, d_hi] = acc;
    let ratio = Fp::from(RATIO_BPS);
    let et = e * t;
    let delta_lo = to_signed(&(a_lo * ratio - et * d_lo));
    let (carry, remainder) = delta_lo.div_mod_floor(&(BigInt::from(1) << REMAINDER_BITS));
    let carry = from_signed(&carry);
    let x = a_hi * ratio - et * d_hi + carry;
    ComparisonWitness {
        edge_threshold: et,
        carry: carry + pow2(BUCKET_CARRY_OFFSET_BITS as u32),
        remainder: from_signed(&remainder),
        verdict: match side {
            Side::AtLeast => s * x,
            Side::Below => s * (-x - Fp::ONE),
        },
    }
}
