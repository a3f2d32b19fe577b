//! Merkle paths with a public position: each level swaps the node and its sibling by a bit,
//! and the bits recompose the node's index.
//!
//! halo2_gadgets' `CondSwapChip` witnesses its swap bit internally and does not expose it, so it
//! cannot tie the path to a public index; this gate does both in two rows per level.
//!
//! # Region layout (columns `a0..a3`), levels `i = 0..L` from the bottom
//!
//! | row    | a0     | a1        | a2    | a3    | gate           |
//! |--------|--------|-----------|-------|-------|----------------|
//! | 2i     | node_i | sibling_i | bit_i | acc_i | `merkle level` |
//! | 2i+1   | left_i | right_i   |       |       |                |
//! | 2L     |        |           |       | 0     |                |
//!
//! Gate `merkle level`:
//! - `bit is boolean`: `bit·(1 - bit) = 0`
//! - `left`: `left = node + bit·(sibling - node)` (the node is the right child when `bit = 1`)
//! - `right`: `right = node + sibling - left`
//! - `index`: `acc_i = 2·acc_{i+1} + bit_i`, so `acc_0 = Σ bit_i·2^i` with `acc_L = 0`
//!
//! The caller hashes `(left_i, right_i)` and constrains the result to equal `node_{i+1}` (or
//! the root, at the top), and constrains `acc_0` to the public index.

use ff::Field;
use halo2_proofs::circuit::{AssignedCell, Layouter, Value};
use halo2_proofs::plonk::{
    Advice, Column, ConstraintSystem, Constraints, Error, Expression, Selector,
};
use halo2_proofs::poly::Rotation;

use crate::field::Fp;

/// Configuration of the Merkle path chip.
#[derive(Clone, Debug)]
pub struct MerkleConfig {
    cols: [Column<Advice>; 4],
    q_level: Selector,
}

impl MerkleConfig {
    /// The four advice columns the gate lays out on.
    pub fn cols(&self) -> [Column<Advice>; 4] {
        self.cols
    }
}

/// The prover's values for one level of a path.
#[derive(Clone, Debug)]
pub struct PathLevel {
    /// The node at this level (ignored at level 0, which copies the starting cell).
    pub node: Value<Fp>,
    /// Its sibling.
    pub sibling: Value<Fp>,
    /// The index bit: 1 if the node is a right child.
    pub bit: Value<Fp>,
    /// `acc_i = 2·acc_{i+1} + bit_i`.
    pub acc: Value<Fp>,
    /// The left child of the parent.
    pub left: Value<Fp>,
    /// The right child of the parent.
    pub right: Value<Fp>,
}

/// The cells of an assigned path.
#[derive(Clone, Debug)]
pub struct PathCells {
    /// `(left, right)` per level, bottom up: the pairs to hash.
    pub pairs: Vec<(AssignedCell<Fp, Fp>, AssignedCell<Fp, Fp>)>,
    /// `node_i` per level (`node_0` is a copy of the starting node).
    pub nodes: Vec<AssignedCell<Fp, Fp>>,
    /// `sibling_i` per level.
    pub siblings: Vec<AssignedCell<Fp, Fp>>,
    /// `bit_i` per level (1: the node is a right child).
    pub bits: Vec<AssignedCell<Fp, Fp>>,
    /// `acc_0`: the starting node's index within its level.
    pub index: AssignedCell<Fp, Fp>,
}

/// Lays out Merkle paths.
#[derive(Clone, Debug)]
pub struct MerkleChip {
    config: MerkleConfig,
}

impl MerkleChip {
    /// Configures the `merkle level` gate on four advice columns.
    pub fn configure(meta: &mut ConstraintSystem<Fp>, cols: [Column<Advice>; 4]) -> MerkleConfig {
        let q_level = meta.selector();
        meta.create_gate("merkle level", |meta| {
            let q = meta.query_selector(q_level);
            let [node, sibling, bit, acc] =
                [0, 1, 2, 3].map(|c| meta.query_advice(cols[c], Rotation::cur()));
            let left = meta.query_advice(cols[0], Rotation::next());
            let right = meta.query_advice(cols[1], Rotation::next());
            let acc_above = meta.query_advice(cols[3], Rotation(2));
            let one = Expression::Constant(Fp::ONE);
            let two = Expression::Constant(Fp::from(2));
            Constraints::with_selector(
                q,
                [
                    ("bit is boolean", bit.clone() * (one - bit.clone())),
                    (
                        "left",
                        left.clone()
                            - (node.clone() + bit.clone() * (sibling.clone() - node.clone())),
                    ),
                    ("right", right - (node + sibling - left)),
                    ("index", acc - (acc_above * two + bit)),
                ],
            )
        });
        MerkleConfig { cols, q_level }
    }

    /// Builds the chip from its configuration.
    pub fn construct(config: MerkleConfig) -> Self {
        MerkleChip { config }
    }

    /// Assigns a path from `start` (a cell holding the starting node), bottom up. Per level the
    /// prover supplies the sibling, the index bit, `acc`, the `(left, right)` pair and (above
    /// level 0) the node; the gate checks them.
    pub fn assign(
        &self,
        layouter: &mut impl Layouter<Fp>,
        start: &AssignedCell<Fp, Fp>,
        levels: &[PathLevel],
    ) -> Result<PathCells, Error> {
        let cols = self.config.cols;
        layouter.assign_region(
            || "merkle path",
            |mut region| {
                let mut pairs = Vec::with_capacity(levels.len());
                let mut node_cells = Vec::with_capacity(levels.len());
                let mut siblings = Vec::with_capacity(levels.len());
                let mut bits = Vec::with_capacity(levels.len());
                let mut index = None;
                for (i, level) in levels.iter().enumerate() {
                    let row = 2 * i;
                    self.config.q_level.enable(&mut region, row)?;
                    let node = if i == 0 {
                        start.copy_advice(|| "node 0", &mut region, cols[0], row)?
                    } else {
                        region.assign_advice(|| format!("node {i}"), cols[0], row, || level.node)?
                    };
                    let mut cell = |name: &str, col: usize, offset: usize, v: Value<Fp>| {
                        region.assign_advice(|| format!("{name} {i}"), cols[col], offset, || v)
                    };
                    siblings.push(cell("sibling", 1, row, level.sibling)?);
                    bits.push(cell("bit", 2, row, level.bit)?);
                    let acc = cell("acc", 3, row, level.acc)?;
                    let left = cell("left", 0, row + 1, level.left)?;
                    let right = cell("right", 1, row + 1, level.right)?;
                    pairs.push((left, right));
                    node_cells.push(node);
                    if i == 0 {
                        index = Some(acc);
                    }
                }
                region.assign_advice_from_constant(
                    || "acc top",
                    cols[3],
                    2 * levels.len(),
                    Fp::ZERO,
                )?;
                Ok(PathCells {
                    pairs,
                    nodes: node_cells,
                    siblings,
                    bits,
                    index: index.ok_or(Error::Synthesis)?,
                })
            },
        )
    }
}
