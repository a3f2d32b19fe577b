//! Liquidation circuit shapes: an asset shape and the (format-2) state tree.

use std::collections::HashMap;
use std::fmt;
use std::sync::Mutex;

use halo2_proofs::dev::CircuitCost;
use pasta_curves::vesta;

use super::LiquidationCircuit;
use crate::keys::{MEASURE_K, max_rows, smallest_k};
use crate::shape::Shape;
use crate::tree::{TreeFormat, TreeSpec};

/// A liquidation circuit shape: markets of `assets` slots, a format-2 tree of `tree`'s depth.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LiquidationShape {
    /// The asset shape.
    pub assets: Shape,
    /// The state tree (always format 2: a liquidation updates a root that binds its market).
    pub tree: TreeSpec,
}

impl LiquidationShape {
    /// The shape, if `tree` is a format-2 tree.
    pub fn new(assets: Shape, tree: TreeSpec) -> Option<Self> {
        (tree.format() == TreeFormat::V2).then_some(LiquidationShape { assets, tree })
    }

    /// Rows the circuit's layout uses, measured once per shape and process.
    pub fn rows(self) -> usize {
        static ROWS: Mutex<Option<HashMap<LiquidationShape, usize>>> = Mutex::new(None);
        let mut cache = ROWS.lock().unwrap_or_else(|e| e.into_inner());
        let cache = cache.get_or_insert_with(HashMap::new);
        *cache.entry(self).or_insert_with(|| {
            let cost = CircuitCost::<vesta::Point, _>::measure(
                MEASURE_K,
                &LiquidationCircuit::keygen(self),
            );
            max_rows(&cost)
        })
    }

    /// `log2` of the circuit's row count: the smallest that holds [`LiquidationShape::rows`].
    pub fn k(self) -> u32 {
        smallest_k::<LiquidationCircuit>(self.rows())
    }
}

impl fmt::Display for LiquidationShape {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} liquidation", self.assets)?;
        if self.tree.depth() != crate::tree::DEPTH {
            write!(f, " (depth {})", self.tree.depth())?;
        }
        Ok(())
    }
}
