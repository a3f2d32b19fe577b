//! # zkliq-circuits
//!
//! Halo2 circuits (zcash `halo2_proofs`, Pasta curves, IPA: no trusted setup) that prove a
//! private, committed account is **healthy** (its weighted collateral covers the threshold times
//! its debt) or **liquidatable** (it does not), against a committed oracle price round and a
//! committed market configuration, without revealing any amount, price or salt.
//!
//! | module | what it holds |
//! |--------|---------------|
//! | [`inputs`] | markets, price rounds and accounts, parsed and validated |
//! | [`reference`](mod@reference) | the statement in plain integer arithmetic |
//! | [`commitment`] | the three Poseidon commitments and their message layout |
//! | [`circuit`] | the statement as constraints ([`HealthCircuit`]) |
//! | [`gadgets`] | the chips: range checks, valuation, commitments, Merkle paths |
//! | [`instance`] | the typed public inputs ([`Instance`], [`Claim`]) |
//! | [`witness`] | the prover's private values ([`HealthWitness`]) |
//! | [`shape`] | supported shapes (1, 2, 4, 8, 16 assets) and their `k` |
//! | [`batch`] | batch and membership proofs against a state root ([`batch::BatchCircuit`]) |
//! | [`tree`] | the Poseidon state tree (formats 1 and 2), off-circuit |
//! | [`hash`] | Poseidon off-circuit and the hash domains (commitments, tree nodes, roots) |
//! | [`keys`] | IPA parameters (cached on disk), verifying and proving keys, fingerprints |
//! | [`proof`] | creating and checking proofs |
//! | [`bounds`] | every bound and bit width, with compile-time checks |
//! | [`field`] | the field and its canonical hex form |
//!
//! The statement, its bounds and the argument that nothing wraps around the field modulus are
//! written out in `docs/STATEMENT.md`.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod batch;
pub mod bounds;
pub mod circuit;
pub mod commitment;
pub mod field;
pub mod gadgets;
pub mod hash;
pub mod inputs;
pub mod instance;
pub mod keys;
pub mod proof;
pub mod reference;
pub mod shape;
pub mod tree;
pub mod witness;

pub use circuit::HealthCircuit;
pub use field::Fp;
pub use inputs::{Account, Asset, InputError, Market, PriceRound};
pub use instance::{Claim, Instance};
pub use shape::Shape;
pub use witness::HealthWitness;

/// The field arithmetic `pasta_curves` was built with: `"x86-64"` or `"aarch64"` (its assembly
/// backends, enabled through its `asm` feature) or `"portable"` (other targets, or a build with
/// `RUSTFLAGS="--cfg pasta_curves_noasm"` for x86-64 CPUs without BMI2 and ADX).
pub const ARITHMETIC_BACKEND: &str = pasta_curves::BACKEND;
