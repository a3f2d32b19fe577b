//! # zkliq-circuits
//!
//! Halo2 circuits (zcash `halo2_proofs`, Pasta curves, IPA: no trusted setup) that prove a
//! private, committed account is **healthy** (its weighted collateral covers the threshold times
//! its debt) or **liquidatable** (it does not), against a committed oracle price round and a
//! committed market configuration, without revealing any amount, price or salt.
//!
//! Each statement has its own folder, with its circuit, public inputs, witness and plain-integer
//! reference side by side; the chips are shared.
//!
//! | module | what it holds |
//! |--------|---------------|
//! | [`health`] | the health statement: one committed account is healthy or liquidatable ([`HealthCircuit`]) |
//! | [`batch`] | claims about the accounts of a subtree of the state tree, or one leaf (membership) |
//! | [`liquidation`] | a liquidation by the market's rule, as a state transition |
//! | [`report`] | a round report over the whole book, proven piece by piece |
//! | [`gadgets`] | the chips: range checks, valuation, commitments, Merkle paths |
//! | [`inputs`] | markets, price rounds and accounts, parsed and validated |
//! | [`commitment`] | the Poseidon commitments and their message layout |
//! | [`hash`] | Poseidon off-circuit and the hash domains (commitments, tree nodes, roots) |
//! | [`tree`] | the Poseidon state tree (formats 1 and 2), off-circuit |
//! | [`shape`] | supported asset shapes (1, 2, 4, 8, 16 assets) and their `k` |
//! | [`keys`] | IPA parameters (cached on disk), verifying and proving keys, fingerprints |
//! | [`proof`] | creating and checking proofs |
//! | [`bounds`] | every bound and bit width, with compile-time checks |
//! | [`field`] | the field and its canonical hex form |
//!
//! The statement, its bounds and the argument that nothing wraps around the field modulus are
//! written out in `docs/STATEMENT.md`.

#![forbid(unsafe_code)]
#![warn(missing_docs)]
#![deny(rustdoc::broken_intra_doc_links)]

pub mod batch;
pub mod bounds;
pub mod commitment;
pub mod field;
pub mod gadgets;
pub mod hash;
pub mod health;
pub mod inputs;
pub mod keys;
pub mod liquidation;
pub mod proof;
pub mod report;
pub mod shape;
pub mod tree;

pub use field::Fp;
pub use health::{Claim, HealthCircuit, HealthWitness, Instance};
pub use inputs::{Account, Asset, InputError, Market, PriceRound};
pub use shape::Shape;

/// The field arithmetic `pasta_curves` was built with: `"x86-64"` or `"aarch64"` (its assembly
/// backends, enabled through its `asm` feature) or `"portable"` (other targets, or a build with
/// `RUSTFLAGS="--cfg pasta_curves_noasm"` for x86-64 CPUs without BMI2 and ADX).
pub const ARITHMETIC_BACKEND: &str = pasta_curves::BACKEND;
