//! The prover's witness for a batch proof.

use ff::Field;

use super::{BatchInstance, BatchShape, SlotClaim};
use crate::commitment::AccountOpening;
use crate::field::Fp;
use crate::health::instance::Claim;
use crate::health::witness::HealthWitness;
use crate::inputs::{Account, Market, PriceRound};

/// Everything the prover assigns in a batch circuit. Fields are public so that soundness tests
/// can tamper with one value; [`BatchWitness::public_inputs`] gives the column it implies.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BatchWitness {
    /// The batch shape.
    pub shape: BatchShape,
    /// One health witness per position (market and price openings are the same in all; slot
    /// 0's are the ones committed). An empty leaf is the empty account.
    pub slots: Vec<HealthWitness>,
    /// `e` per position: 1 if the position makes a claim (its `claim` bit says which).
    pub claimed: Vec<Fp>,
    /// The subtree's index at its level.
    pub subtree_index: u64,
    /// Siblings of the subtree root and its ancestors, bottom up (`depth - h` of them).
    pub siblings: Vec<Fp>,
    /// Values computed from the above.
    pub derived: BatchDerived,
}

/// Values the batch circuit computes from the witness (and checks with gates).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BatchDerived {
    /// Index bits of the subtree, bottom up.
    pub index_bits: Vec<Fp>,
    /// `acc_i = Σ_{j >= i} bit_j·2^(j - i)`: `acc_0` is the subtree index.
    pub index_acc: Vec<Fp>,
    /// `(left, right)` hashed at each level above the subtree root, bottom up.
    pub path_pairs: Vec<(Fp, Fp)>,
    /// Nodes above the subtree root, bottom up: the last one is the root.
    pub path_nodes: Vec<Fp>,
    /// Each position's verdict value `y = e·((2b - 1)x + b - 1)`.
    pub verdicts: Vec<Fp>,
    /// Each position's public claim `c = e·(2 - b)`: 0 none, 1 healthy, 2 liquidatable.
    pub claims: Vec<Fp>,
}

impl BatchWitness {
    /// The witness for positions `accounts` (`None` = empty leaf) of subtree `subtree_index`,
    /// claiming `claims`, with the path `siblings` above the subtree.
    ///
    /// Claims are taken as given: a false one yields a witness the circuit rejects.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        shape: BatchShape,
        market: &Market,
        prices: &PriceRound,
        accounts: &[Option<&Account>],
        claims: &[SlotClaim],
        subtree_index: u64,
        siblings: Vec<Fp>,
    ) -> Self {
        let empty = Account::new(
            market,
            Fp::ZERO,
            vec![0; market.assets().len()],
            vec![0; market.assets().len()],
        )
        .expect("one amount per asset");
        let slots = accounts
            .iter()
            .zip(claims)
            .map(|(account, claim)| {
                let claim = match claim {
                    SlotClaim::Is(c) => *c,
                    // A position without a claim carries b = 0 (the gate requires it).
                    SlotClaim::None => Claim::Liquidatable,
                };
                HealthWitness::new(market, prices, account.unwrap_or(&empty), claim)
            })
            .collect();
        let claimed = claims
            .iter()
            .map(|c| match c {
                SlotClaim::None => Fp::ZERO,
                SlotClaim::Is(_) => Fp::ONE,
            })
            .collect();
        let mut witness = BatchWitness {
            shape,
            slots,
            claimed,
            subtree_index,
            siblings,
            derived: BatchDerived::default(),
        };
        witness.derive();
        witness
    }

    /// Recomputes the index bits, the path and the verdict values.
    pub fn derive(&mut self) {
        self.derived.index_bits = (0..self.shape.path_len())
            .map(|i| Fp::from((self.subtree_index >> i) & 1))
            .collect();
        self.derive_path();
        self.derive_verdicts();
    }

    /// Recomputes the path nodes from the subtree root, the siblings and the index bits, with
    /// the circuit's formulas: `left = node + bit·(sibling - node)`, `right = node + sibling -
    /// left`.
    pub fn derive_path(&mut self) {
        let bits = &self.derived.index_bits;
        let mut acc = vec![Fp::ZERO; bits.len() + 1];
        for i in (0..bits.len()).rev() {
            acc[i] = acc[i + 1].double() + bits[i];
        }
        acc.pop();
        self.derived.index_acc = acc;
        let root = self.subtree_levels().last().expect("non-empty")[0];
        self.derived.path_pairs.clear();
        self.derived.path_nodes.clear();
        self.climb(root, 0);
    }

    /// Keeps the pairs below `level`, hashes the pair at `level` as given, and recomputes every
    /// pair and node above it (for tests that change one level of the path).
    pub fn derive_path_above(&mut self, level: usize) {
        let (left, right) = self.derived.path_pairs[level];
        self.derived.path_pairs.truncate(level + 1);
        self.derived.path_nodes.truncate(level);
        let node = self.shape.tree.hash_nodes(left, right);
        self.derived.path_nodes.push(node);
        self.climb(node, level + 1);
    }

    /// Keeps `node_level` (`path_nodes[level - 1]`) as given and recomputes every pair and node
    /// above it (for tests that change one node of the path).
    pub fn derive_path_from_node(&mut self, level: usize) {
        let node = self.derived.path_nodes[level - 1];
        self.derived.path_pairs.truncate(level);
        self.derived.path_nodes.truncate(level);
        self.climb(node, level);
    }

    fn climb(&mut self, mut node: Fp, from: usize) {
        for i in from..self.siblings.len() {
            let (bit, sibling) = (self.derived.index_bits[i], self.siblings[i]);
            let left = node + bit * (sibling - node);
            let right = node + sibling - left;
            node = self.shape.tree.hash_nodes(left, right);
            self.derived.path_pairs.push((left, right));
            self.derived.path_nodes.push(node);
        }
    }

    /// Recomputes each position's verdict value and public claim from its witness and claimed
    /// flag.
    pub fn derive_verdicts(&mut self) {
        self.derived.verdicts = self
            .slots
            .iter()
            .zip(&self.claimed)
            .map(|(w, e)| *e * w.derived.verdict.verdict)
            .collect();
        self.derived.claims = self
            .slots
            .iter()
            .zip(&self.claimed)
            .map(|(w, e)| *e * (Fp::from(2) - w.claim))
            .collect();
    }

    /// The leaves: each position's account commitment.
    pub fn leaves(&self) -> Vec<Fp> {
        self.slots
            .iter()
            .map(|w| {
                let message: Vec<Fp> = std::iter::once(w.account.salt)
                    .chain(w.derived.account_packed.iter().copied())
                    .collect();
                crate::commitment::hash(&message)
            })
            .collect()
    }

    /// The subtree's nodes, level by level from the leaves up to the subtree root.
    pub fn subtree_levels(&self) -> Vec<Vec<Fp>> {
        let mut levels = vec![self.leaves()];
        while levels.last().expect("non-empty").len() > 1 {
            let next = levels
                .last()
                .expect("non-empty")
                .chunks(2)
                .map(|pair| self.shape.tree.hash_nodes(pair[0], pair[1]))
                .collect();
            levels.push(next);
        }
        levels
    }

    /// The instance column this witness implies.
    pub fn public_inputs(&self) -> Vec<Fp> {
        let first = &self.slots[0].public_inputs();
        let market_commitment = first[crate::health::instance::MARKET_COMMITMENT_ROW];
        let root = self.shape.tree.publish(market_commitment, self.tree_root());
        let mut column = vec![
            root,
            market_commitment,
            first[crate::health::instance::PRICE_COMMITMENT_ROW],
            Fp::from(self.subtree_index),
        ];
        column.extend(self.derived.claims.iter().copied());
        column
    }

    /// The tree root the path reaches (before binding the market: see
    /// [`crate::tree::TreeSpec::publish`]).
    pub fn tree_root(&self) -> Fp {
        *self
            .derived
            .path_nodes
            .last()
            .expect("the path is never empty")
    }

    /// The typed instance (for honest witnesses).
    pub fn instance(&self) -> Option<BatchInstance> {
        BatchInstance::from_column(self.shape, &self.public_inputs()).ok()
    }

    /// The empty account's opening for markets of this shape (what an empty leaf opens to).
    pub fn empty_opening(&self) -> AccountOpening {
        AccountOpening {
            salt: Fp::ZERO,
            collateral: vec![[Fp::ZERO; 2]; self.shape.assets.assets()],
            debt: vec![[Fp::ZERO; 2]; self.shape.assets.assets()],
        }
    }
}
