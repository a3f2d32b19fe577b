//! The proof file: a JSON envelope around the proof bytes and the public inputs.
//!
//! ```json
//! {
//!   "format": "zkliq-proof/1",
//!   "shape": 4,
//!   "k": 9,
//!   "vk_fingerprint": "<64 hex digits>",
//!   "claim": "healthy",
//!   "public_inputs": {
//!     "account_commitment": "0x<64 hex digits>",
//!     "price_commitment": "0x<64 hex digits>",
//!     "market_commitment": "0x<64 hex digits>"
//!   },
//!   "proof": "<hex>"
//! }
//! ```
//!
//! The instance column is `[account_commitment, price_commitment, market_commitment, claim]`
//! with the claim as 1 (healthy) or 0 (liquidatable). Parsing checks the form of every field
//! (canonical field elements, a supported shape and its `k`) but not the proof itself: that is
//! [`crate::Verifier`]'s job.

use serde::{Deserialize, Serialize};
use thiserror::Error;
use zkliq_circuits::field::{self, FieldHexError};
use zkliq_circuits::keys::{Fingerprint, VerifierKey};
use zkliq_circuits::{Claim, Instance, Shape};

/// The envelope format this crate reads and writes.
pub const FORMAT: &str = "zkliq-proof/1";

/// Why bytes are not a well-formed proof envelope.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum EnvelopeError {
    /// Not JSON, or not the envelope's structure (missing or unknown field, wrong type).
    #[error("not a zkliq proof envelope: {0}")]
    Json(String),
    /// The `format` field names a format this version does not read.
    #[error("format: unsupported proof format {found:?} (this verifier reads {FORMAT:?})")]
    Format {
        /// The format found.
        found: String,
    },
    /// The `shape` field is not a supported shape.
    #[error("shape: must be one of 1, 2, 4, 8, 16, got {found}")]
    Shape {
        /// The shape found.
        found: u64,
    },
    /// The `k` field does not match the shape.
    #[error("k: the {shape} circuit has k = {expected}, got {found}")]
    K {
        /// The shape.
        shape: Shape,
        /// Its `k`.
        expected: u32,
        /// The `k` found.
        found: u64,
    },
    /// A hex field is malformed.
    #[error("{field}: {problem}")]
    Field {
        /// The field.
        field: &'static str,
        /// What is wrong with it.
        problem: String,
    },
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEnvelope {
    format: String,
    shape: u64,
    k: u64,
    vk_fingerprint: String,
    claim: String,
    public_inputs: RawPublicInputs,
    proof: String,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPublicInputs {
    account_commitment: String,
    price_commitment: String,
    market_commitment: String,
}

/// A parsed proof envelope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProofEnvelope {
    /// The circuit shape the proof is for.
    pub shape: Shape,
    /// Fingerprint of the verifying key the proof was made for.
    pub fingerprint: Fingerprint,
    /// The public inputs.
    pub instance: Instance,
    /// The proof bytes.
    pub proof: Vec<u8>,
}

impl ProofEnvelope {
    /// Wraps a proof made with `key`'s circuit.
    pub fn new(key: &VerifierKey, instance: Instance, proof: Vec<u8>) -> Self {
        ProofEnvelope {
            shape: key.shape(),
            fingerprint: key.fingerprint(),
            instance,
            proof,
        }
    }

    /// The claim the proof makes.
    pub fn claim(&self) -> Claim {
        self.instance.claim
    }

    /// Parses an envelope. Never panics, whatever the bytes.
    pub fn from_json(bytes: &[u8]) -> Result<Self, EnvelopeError> {
        let raw: RawEnvelope =
            serde_json::from_slice(bytes).map_err(|e| EnvelopeError::Json(e.to_string()))?;
        if raw.format != FORMAT {
            return Err(EnvelopeError::Format { found: raw.format });
        }
        let shape = usize::try_from(raw.shape)
            .ok()
            .and_then(Shape::from_slots)
            .ok_or(EnvelopeError::Shape { found: raw.shape })?;
        if raw.k != u64::from(shape.k()) {
            return Err(EnvelopeError::K {
                shape,
                expected: shape.k(),
                found: raw.k,
            });
        }
        let mut fingerprint = [0u8; 32];
        hex::decode_to_slice(&raw.vk_fingerprint, &mut fingerprint).map_err(|_| {
            EnvelopeError::Field {
                field: "vk_fingerprint",
                problem: "must be exactly 64 hexadecimal digits".into(),
            }
        })?;
        let claim = raw
            .claim
            .parse::<Claim>()
            .map_err(|e| EnvelopeError::Field {
                field: "claim",
                problem: e.to_string(),
            })?;
        let element = |field: &'static str, text: &str| {
            field::from_hex(text).map_err(|e: FieldHexError| EnvelopeError::Field {
                field,
                problem: e.to_string(),
            })
        };
        let inputs = &raw.public_inputs;
        let instance = Instance {
            account_commitment: element(
                "public_inputs.account_commitment",
                &inputs.account_commitment,
            )?,
            price_commitment: element("public_inputs.price_commitment", &inputs.price_commitment)?,
            market_commitment: element(
                "public_inputs.market_commitment",
                &inputs.market_commitment,
            )?,
            claim,
        };
        let proof = hex::decode(&raw.proof).map_err(|e| EnvelopeError::Field {
            field: "proof",
            problem: format!("must be hexadecimal: {e}"),
        })?;
        Ok(ProofEnvelope {
            shape,
            fingerprint: Fingerprint(fingerprint),
            instance,
            proof,
        })
    }

    /// The envelope as pretty-printed JSON, ending in a newline.
    pub fn to_json(&self) -> String {
        let raw = RawEnvelope {
            format: FORMAT.to_owned(),
            shape: self.shape.assets() as u64,
            k: u64::from(self.shape.k()),
            vk_fingerprint: self.fingerprint.to_hex(),
            claim: self.instance.claim.to_string(),
            public_inputs: RawPublicInputs {
                account_commitment: field::to_hex(&self.instance.account_commitment),
                price_commitment: field::to_hex(&self.instance.price_commitment),
                market_commitment: field::to_hex(&self.instance.market_commitment),
            },
            proof: hex::encode(&self.proof),
        };
        let mut text = serde_json::to_string_pretty(&raw).expect("plain strings and numbers");
        text.push('\n');
        text
    }
}
