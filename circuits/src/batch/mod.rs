//! Batch and membership proofs against a state root.
//!
//! An operator keeps every account as a leaf of the state tree ([`crate::tree`]) and publishes
//! only the root. A batch proof covers a whole aligned subtree of `B = 2^h` leaves: it proves,
//! against the public root, market commitment and price commitment, a public claim for each of
//! the `B` positions — none, healthy or liquidatable — with every account opening, the subtree
//! and the path above it private. The positions are `subtree_index·B .. subtree_index·B + B`.
//!
//! Proving whole subtrees shares the hashing: the `B` leaves need `B - 1` hashes to reach the
//! subtree root and one path of `32 - h` hashes to the root, instead of `32` hashes per position.
//! A membership proof is the case `B = 1`: one account, a full path, and a public index.
//!
//! What each position's claim guarantees (per slot, with the health statement of
//! [`crate::health::circuit`] and the encoding of `gadgets::valuation::ClaimMode::Optional`):
//! - 1 (healthy) or 2 (liquidatable): the account at that leaf satisfies the claim;
//! - 0: nothing is claimed about that leaf.
//!
//! An empty leaf is the commitment of the empty account, which is healthy: a padded or empty
//! position can never be proven liquidatable.

pub(crate) mod circuit;
mod instance;
mod shape;
mod witness;

pub use circuit::BatchCircuit;
pub use instance::{
    BatchInstance, BatchInstanceError, CLAIMS_START_ROW, MARKET_COMMITMENT_ROW,
    PRICE_COMMITMENT_ROW, ROOT_ROW, SUBTREE_INDEX_ROW, SlotClaim,
};
pub use shape::BatchShape;
pub use witness::{BatchDerived, BatchWitness};
