//! The chips the health circuit is built from.
//!
//! - [`range`]: K-bit lookup range checks (halo2_gadgets' running-sum decomposition).
//! - [`valuation`]: per-asset accumulation of collateral and debt value, and the final verdict.
//! - [`commit`]: slot packing and Poseidon commitments (halo2_gadgets' `Pow5Chip`).
//! - [`merkle`]: Merkle path levels bound to a public index.

pub mod commit;
pub mod merkle;
pub mod range;
pub mod valuation;
