//! # zkliq-verifier
//!
//! Checks zkliq proofs: that a private, committed account is healthy or liquidatable at a price
//! round of a market, that accounts at leaves of an operator's state tree are, or that a
//! liquidation moved exactly the amounts the market's rule allows and took the state from one
//! root to the next. Embed it in a keeper, a protocol node or an audit tool.
//!
//! A proof is only meaningful *for* a market and a price round: anyone holding an account can
//! prove "healthy" under a market they invent. So every verification takes the [`Round`] (the
//! market and the price round) the proof must be about, and a state proof also the published
//! root; the [`Verifier`] returns a verdict only if the proof verifies **and** its public inputs
//! are exactly that context.
//!
//! ```no_run
//! use zkliq_verifier::{Context, Round, Verdict, Verifier};
//!
//! # fn main() -> Result<(), zkliq_verifier::VerifyError> {
//! let verifier = Verifier::new();
//! let round = Round::from_files("market.json", "prices.json")?;
//! match verifier.verify_file("proof.json", &Context::new(&round))? {
//!     Verdict::Health(v) => println!(
//!         "account {} is {} at round {} of {}",
//!         zkliq_verifier::to_hex(&v.account_commitment()),
//!         v.claim(),
//!         v.round().round,
//!         v.round().market
//!     ),
//!     Verdict::State(v) => println!("{} claims against the given root", v.claims().len()),
//!     Verdict::Liquidation(v) => println!("leaf {} liquidated: new root {}", v.leaf(),
//!         zkliq_verifier::to_hex(&v.new_root())),
//! }
//! # Ok(())
//! # }
//! ```
//!
//! What an `Ok` verdict guarantees:
//! - the proof file is well formed, and its verifying-key fingerprint is this verifier's key for
//!   the proof's circuit (the same statement version and circuit);
//! - the proof has exactly the length of a proof for that key (no trailing or missing bytes);
//! - the halo2 proof verifies against exactly the file's public inputs;
//! - those public inputs name the given market (its commitment and circuit shape) and the given
//!   price round; the round is no older than [`Round::with_max_age`] allows, if set;
//! - for a health proof with an account commitment given ([`Context::account`],
//!   [`Verifier::verify_health`]), it is that account's commitment;
//! - for a state proof, the public root is the given root. A format-2 root commits to its
//!   market, so the claims are about the accounts of that market's tree; a legacy format-1
//!   root does not ([`StateVerdict::root_binds_market`]);
//! - for a liquidation proof, the old root is the given root (and the liquidator the given
//!   one, if given: [`Context::liquidator`]); the account at the public leaf was liquidatable,
//!   the public amounts are exactly the market's rule, and the new root is the old tree with
//!   that leaf replaced by the account's new opening (nothing else changed).
//!
//! What it does **not** say: who the account belongs to (a commitment hides its opening); that
//! the price round is the oracle's real one (compare it with your oracle); anything about
//! leaves a state proof makes no claim about.
//!
//! Batch verification ([`Verifier::verify_health_batch`], [`Verifier::verify_state_batch`],
//! [`Verifier::verify_liquidation_chain`]) checks many proofs about one context at once and
//! names the failing ones. A structure-only
//! check for tools exists under a name that says so: [`Verifier::verify_unbound`].
//!
//! No input bytes make the verifier panic; every failure is a [`VerifyError`].

#![forbid(unsafe_code)]
#![warn(missing_docs)]
#![deny(rustdoc::broken_intra_doc_links)]

mod context;
mod envelope;
mod error;
mod report;
mod verdict;
mod verifier;

pub use context::{Context, Freshness, Round, StateRoot};
pub use envelope::{
    AnyEnvelope, EnvelopeError, FORMAT, LEGACY_STATE_FORMAT, LIQUIDATION_FORMAT,
    LiquidationProofEnvelope, ProofEnvelope, STATE_FORMAT, StateProofEnvelope,
};
pub use error::VerifyError;
pub use report::{
    BucketCount, LEGACY_REPORT_GROUP_FORMAT, LEGACY_REPORT_PIECE_FORMAT, MAX_GROUP_PIECES,
    REPORT_FORMAT, REPORT_GROUP_FORMAT, REPORT_GROUP_FORMAT_V3, REPORT_PIECE_FORMAT,
    REPORT_PIECE_FORMAT_V3, ReportFile, ReportGroupEnvelope, ReportPieceEnvelope, ReportVerdict,
};
pub use verdict::{HealthVerdict, LeafClaim, LiquidationVerdict, RoundInfo, StateVerdict, Verdict};
pub use verifier::{BatchReport, Unbound, Verifier};
pub use zkliq_circuits::batch::{BatchInstance, BatchInstanceError, BatchShape, SlotClaim};
pub use zkliq_circuits::field::{FieldHexError, from_hex, to_hex};
pub use zkliq_circuits::health::instance::{ClaimParseError, InstanceError};
pub use zkliq_circuits::liquidation::{LiquidationInstance, LiquidationShape};
pub use zkliq_circuits::tree::{TreeFormat, TreeSpec};
pub use zkliq_circuits::{Asset, Claim, Fp, InputError, Instance, Market, PriceRound, Shape};
