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
//! | `transitions` | every change of the published root, in order: imports, migrations and proven liquidations (with their proof's SHA-256) |
//!
//! Every change runs in one SQLite transaction: a crash or kill in the middle of an import or a
//! liquidation leaves the database as it was before it.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod error;
mod import;
mod store;
mod transitions;

pub use error::{LineError, StateError};
pub use import::ImportReport;
pub use store::{State, StoredAccount};
pub use transitions::{LiquidationRecord, Transition, TransitionKind};
