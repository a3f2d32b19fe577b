//! # zkliq-verifier
//!
//! Checks zkliq proofs: that a private, committed account is healthy or liquidatable against a
//! committed price round and market. Embed it in a keeper, a protocol node or an audit tool.
//!
//! ```no_run
//! use zkliq_verifier::Verifier;
//!
//! let verifier = Verifier::new();
//! let bytes = std::fs::read("proof.json").unwrap();
//! match verifier.verify_json(&bytes) {
//!     Ok(verified) => println!("valid: the account is {}", verified.claim()),
//!     Err(e) => println!("rejected: {e}"),
//! }
//! ```
//!
//! A [`Verified`] proof says the claim holds for *some* account, price round and market that
//! open its three public commitments. To know *which*, compare them with what you expect:
//! [`Verified::check_market`], [`Verified::check_prices`], [`Verified::check_account`].
//!
//! What [`Verifier::verify`] guarantees when it returns `Ok`:
//! - the envelope's verifying-key fingerprint is this verifier's key for the proof's shape;
//! - the proof has exactly the length of a proof for that key (no trailing or missing bytes);
//! - the halo2 proof verifies against exactly the envelope's public inputs.
//!
//! State proofs ([`StateProofEnvelope`]) make claims about leaves of an operator's state tree
//! against its public root: a batch proof about a whole subtree of 8, 32 or 128 leaves, a
//! membership proof about one. [`Verifier::verify_state`] checks one,
//! [`Verifier::verify_state_batch`] many at once, and [`VerifiedState::check_root`],
//! [`VerifiedState::check_prices`] tie it to a published root and round.
//!
//! No input bytes make it panic; every failure is a [`VerifyError`].

#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod envelope;
mod error;
mod verifier;

pub use envelope::{
    AnyEnvelope, EnvelopeError, FORMAT, ProofEnvelope, STATE_FORMAT, StateProofEnvelope,
};
pub use error::VerifyError;
pub use verifier::{AnyVerified, BatchReport, Verified, VerifiedState, Verifier};
pub use zkliq_circuits::batch::{BatchInstance, BatchShape, SlotClaim};
pub use zkliq_circuits::{Claim, Instance, Market, PriceRound, Shape};
