//! The health statement: a committed account is healthy or liquidatable at a committed price
//! round of a committed market.
//!
//! | module | what it holds |
//! |--------|---------------|
//! | [`circuit`] | the statement as constraints ([`HealthCircuit`], its `Config`) |
//! | [`instance`] | the typed public inputs ([`Instance`], [`Claim`]) |
//! | [`witness`] | the prover's private values ([`HealthWitness`]) |
//! | [`reference`](mod@reference) | the statement in plain integer arithmetic |

pub mod circuit;
pub mod instance;
pub mod reference;
pub mod witness;

pub use circuit::HealthCircuit;
pub use instance::{Claim, Instance};
pub use witness::HealthWitness;
