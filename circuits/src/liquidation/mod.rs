//! The liquidation statement: a state transition that liquidates one account by the market's
//! rule, from an old state root to a new one, bound to one liquidator.
//!
//! | module | what it holds |
//! |--------|---------------|
//! | [`circuit`] | the statement as constraints ([`LiquidationCircuit`]) |
//! | [`instance`] | the typed public inputs ([`LiquidationInstance`]) |
//! | [`witness`] | the prover's private values ([`LiquidationWitness`]) |
//! | [`reference`](mod@reference) | the rule in plain integers (`zkliq quote`) |
//! | [`shape`] | circuit shapes: asset shape and tree depth |

pub mod circuit;
pub mod instance;
pub mod reference;
pub mod shape;
pub mod witness;

pub use circuit::LiquidationCircuit;
pub use instance::{LiquidationInstance, LiquidationInstanceError};
pub use reference::{Quote, Refusal, Repay, Request, default_request, quote};
pub use shape::LiquidationShape;
pub use witness::{LiquidationDerived, LiquidationWitness};
