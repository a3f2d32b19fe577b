//! # zkliq-state
//!
//! An operator's private state: every account's opening (salt and balances) in an embedded
//! SQLite database, and the state tree over their commitments ([`zkliq_circuits::tree`]). Only
//! the root is meant to be published.
//!
//! | table | holds |
//! |-------|-------|
//! | `meta` | schema version, the market the state is bound to, the next free leaf index |
//! | `accounts` | `leaf_index` (primary key), `id` (unique), `salt`, `amounts` |
//! | `nodes` | every non-empty tree node `(level, idx) -> hash`; absent nodes are empty |
//! | `grants` | the service's bearer tokens: id, role, subject and the SHA-256 of the secret |
//! | `price_rounds` | the price rounds the operator published, in increasing order |
//! | `transition_proofs` | the proof of each liquidation the service committed |
//! | `liquidation_keys` | the service's idempotency keys: per liquidator and key, the request's SHA-256, the transition and the answer given |
//! | `transitions` | every change of the published root, in order: imports, migrations and proven liquidations (with their proof's SHA-256) |
//!
//! Every change runs in one SQLite transaction: a crash or kill in the middle of an import or a
//! liquidation leaves the database as it was before it.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod access;
mod error;
mod import;
mod store;
mod transitions;

pub use access::{Grant, IssuedToken, PublishedRound, Role, TOKEN_PREFIX, token_well_formed};
pub use error::{LineError, StateError};
pub use import::ImportReport;
pub use store::{State, StoredAccount};
pub use transitions::{
    Applied, IdempotentAnswer, LiquidationRecord, Replay, Transition, TransitionKind,
};
