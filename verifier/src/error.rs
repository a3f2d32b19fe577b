//! Why a proof was not accepted.

use std::path::PathBuf;

use thiserror::Error;
use zkliq_circuits::keys::{CircuitShape, KeyError};
use zkliq_circuits::{InputError, Shape};

use crate::envelope::EnvelopeError;

/// Every way a proof can fail to verify or to match what the caller expected.
#[derive(Debug, Error)]
pub enum VerifyError {
    /// The bytes are not a well-formed proof envelope.
    #[error(transparent)]
    Envelope(#[from] EnvelopeError),
    /// The proof was made for a different verifying key: another version of the circuit, or
    /// another statement version. It cannot verify here.
    #[error(
        "vk_fingerprint: the proof was made for verifying key {found}, but this verifier's {shape} key is {expected} (a different zkliq version or circuit)"
    )]
    FingerprintMismatch {
        /// The circuit.
        shape: CircuitShape,
        /// This verifier's fingerprint.
        expected: String,
        /// The envelope's fingerprint.
        found: String,
    },
    /// The proof has the wrong number of bytes (trailing or missing bytes).
    #[error(
        "proof: has {found} bytes, but a {shape} proof of these public inputs has exactly {expected}"
    )]
    Length {
        /// The circuit.
        shape: CircuitShape,
        /// Required length.
        expected: usize,
        /// Actual length.
        found: usize,
    },
    /// The proof does not verify against its public inputs: it is forged, corrupted, or its
    /// public inputs were altered.
    #[error("the proof is invalid: it does not verify against its public inputs")]
    Invalid,
    /// The proof is for a market other than the one given.
    #[error(
        "market_commitment: the proof is for market {found}, not the given market ({expected})"
    )]
    MarketMismatch {
        /// The given market's commitment.
        expected: String,
        /// The envelope's market commitment.
        found: String,
    },
    /// The given market needs a different circuit shape than the proof's.
    #[error(
        "shape: the given market uses the {expected} circuit, but the proof is for the {found} circuit"
    )]
    ShapeMismatch {
        /// The given market's shape.
        expected: Shape,
        /// The envelope's shape.
        found: Shape,
    },
    /// The proof is for a price round other than the one given.
    #[error(
        "price_commitment: the proof is for price round {found}, not the given round ({expected})"
    )]
    PricesMismatch {
        /// The given round's commitment.
        expected: String,
        /// The envelope's price commitment.
        found: String,
    },
    /// The proof is about an account other than the one given.
    #[error("account_commitment: the proof is about account {found}, not {expected}")]
    AccountMismatch {
        /// The given account commitment.
        expected: String,
        /// The envelope's account commitment.
        found: String,
    },
    /// The state proof is against another state root.
    #[error("root: the proof is against state root {found}, not {expected}")]
    RootMismatch {
        /// The given root.
        expected: String,
        /// The envelope's root.
        found: String,
    },
    /// The liquidation proof is bound to another liquidator.
    #[error("liquidator: the proof is bound to liquidator {found}, not {expected}")]
    LiquidatorMismatch {
        /// The given liquidator.
        expected: String,
        /// The envelope's liquidator.
        found: String,
    },
    /// A round report does not cover the tree exactly once, or its book does not open the
    /// chain's end (a piece missing, repeated, reordered, from another report, or an altered
    /// total).
    #[error("report: {}{problem}", piece.map_or_else(String::new, |i| format!("piece {i} ")))]
    Report {
        /// The piece at fault, if one is.
        piece: Option<u64>,
        /// What is wrong.
        problem: String,
    },
    /// A link of a chain of liquidation proofs is not checked because an earlier link failed:
    /// its old root comes from a proof that did not verify.
    #[error("chain: link {failed} failed, so this link's old root is unproven")]
    BrokenChain {
        /// Position of the first failing link.
        failed: usize,
    },
    /// Context was given that this kind of proof cannot be checked against (a root for a
    /// health proof, an account commitment for a state proof): it is refused, never ignored.
    #[error("{what}: {kind} has no {what} to check; it is checked against {instead}")]
    UnusedContext {
        /// What was given (e.g. `root`).
        what: &'static str,
        /// The kind of proof.
        kind: &'static str,
        /// What that kind is checked against.
        instead: &'static str,
    },
    /// The proof is for a state tree of another depth than the given root's.
    #[error(
        "depth: the proof is for a tree of depth {found}, but the given root is of a tree of depth {expected}"
    )]
    DepthMismatch {
        /// The given root's depth.
        expected: u32,
        /// The proof's depth.
        found: u32,
    },
    /// The context needed to check this kind of proof was not given.
    #[error("{what}: {kind} can only be checked against a given {what}")]
    MissingContext {
        /// What is missing (e.g. `root`).
        what: &'static str,
        /// The kind of proof.
        kind: &'static str,
    },
    /// The price round is older than the caller accepts.
    #[error(
        "timestamp: price round {round} is {age} s old at {now} (timestamp {timestamp}), more than the {max_age} s allowed"
    )]
    Stale {
        /// The round number.
        round: u64,
        /// The round's timestamp, unix seconds.
        timestamp: u64,
        /// The reference time, unix seconds.
        now: u64,
        /// `now - timestamp`.
        age: u64,
        /// The greatest age allowed.
        max_age: u64,
    },
    /// A market or price-round input of the context is invalid.
    #[error("{}: {cause}", path.as_ref().map_or_else(|| (*what).to_owned(), |p| p.display().to_string()))]
    Input {
        /// `market` or `price round`.
        what: &'static str,
        /// The file it was read from, if any.
        path: Option<PathBuf>,
        /// What is wrong with it.
        cause: InputError,
    },
    /// A file could not be read.
    #[error("{}: cannot read: {cause}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        cause: std::io::Error,
    },
    /// Verifier keys could not be built.
    #[error(transparent)]
    Keys(#[from] KeyError),
}

impl VerifyError {
    /// True when an input could not be read or parsed at all (the proof file or a context
    /// file), or the context needed for this proof was not given; as opposed to a proof that
    /// was read and found invalid or not about the given context.
    pub fn is_malformed(&self) -> bool {
        matches!(
            self,
            VerifyError::Envelope(_)
                | VerifyError::Input { .. }
                | VerifyError::Read { .. }
                | VerifyError::MissingContext { .. }
                | VerifyError::UnusedContext { .. }
        )
    }
}
