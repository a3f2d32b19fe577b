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
use zkliq_circuits::batch::{BatchInstance, BatchShape, SlotClaim};
use zkliq_circuits::field::{self, FieldHexError};
use zkliq_circuits::keys::{CircuitShape, Fingerprint, VerifierKey};
use zkliq_circuits::liquidation::{LiquidationInstance, LiquidationShape};
use zkliq_circuits::tree::TreeSpec;
use zkliq_circuits::{Claim, Instance, Shape};

/// The format of health proofs this crate reads and writes.
pub const FORMAT: &str = "zkliq-proof/1";
/// The format of state proofs (batch and membership proofs against a state root) this crate
/// writes: format-2 trees, whose root binds the market.
pub const STATE_FORMAT: &str = "zkliq-state-proof/2";
/// The state proof format of earlier releases (format-1 trees, whose root does not bind the
/// market). Still read and verified, never written.
pub const LEGACY_STATE_FORMAT: &str = "zkliq-state-proof/1";

/// The format of liquidation proofs (a state transition from an old root to a new one).
pub const LIQUIDATION_FORMAT: &str = "zkliq-liquidation-proof/1";

/// Every format this crate reads, and what kind of proof each is.
const KINDS: [(&str, &str); 11] = [
    (
        FORMAT,
        "a health proof (check it with Verifier::verify_health)",
    ),
    (
        STATE_FORMAT,
        "a state proof (check it with Verifier::verify_state)",
    ),
    (
        LEGACY_STATE_FORMAT,
        "a state proof (check it with Verifier::verify_state)",
    ),
    (
        LIQUIDATION_FORMAT,
        "a liquidation proof (check it with Verifier::verify_liquidation)",
    ),
    (
        crate::report::REPORT_PIECE_FORMAT_V3,
        "a round-report piece (check the whole report with Verifier::verify_report_groups)",
    ),
    (
        crate::report::REPORT_GROUP_FORMAT_V3,
        "a round-report group of pieces (check the whole report with Verifier::verify_report_groups)",
    ),
    (
        crate::report::REPORT_PIECE_FORMAT,
        "a round-report piece (check the whole report with Verifier::verify_report_groups)",
    ),
    (
        crate::report::LEGACY_REPORT_PIECE_FORMAT,
        "a round-report piece (check the whole report with Verifier::verify_report_groups)",
    ),
    (
        crate::report::REPORT_GROUP_FORMAT,
        "a round-report group of pieces (check the whole report with Verifier::verify_report_groups)",
    ),
    (
        crate::report::LEGACY_REPORT_GROUP_FORMAT,
        "a round-report group of pieces (check the whole report with Verifier::verify_report_groups)",
    ),
    (
        crate::report::REPORT_FORMAT,
        "a round report (check it with Verifier::verify_report_groups)",
    ),
];

/// Why bytes are not a well-formed proof envelope.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum EnvelopeError {
    /// Not JSON, or not the envelope's structure (missing or unknown field, wrong type).
    #[error("not a zkliq proof envelope: {0}")]
    Json(String),
    /// The `format` field names a format this version does not read.
    #[error(
        "format: unsupported proof format {found:?} (this verifier reads {})",
        KINDS.map(|(format, _)| format!("{format:?}")).join(", ")
    )]
    Format {
        /// The format found.
        found: String,
    },
    /// The file is a proof of another kind than the call expects.
    #[error("format: {found:?} is {kind}, not {expected}")]
    WrongKind {
        /// The format found.
        found: String,
        /// What kind of proof that is, and how to check it.
        kind: &'static str,
        /// What the call expected.
        expected: &'static str,
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
    /// Wraps a proof made with `key`'s circuit (a health key).
    ///
    /// # Panics
    ///
    /// If `key` is not a health-proof key.
    pub fn new(key: &VerifierKey, instance: Instance, proof: Vec<u8>) -> Self {
        let CircuitShape::Health(shape) = key.shape() else {
            panic!(
                "ProofEnvelope::new needs a health-proof key, got {}",
                key.shape()
            );
        };
        ProofEnvelope {
            shape,
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
        expect_format(bytes, &[FORMAT], "a health proof")?;
        let raw: RawEnvelope = parse_json(bytes)?;
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
        let fingerprint = parse_fingerprint(&raw.vk_fingerprint)?;
        let claim = raw
            .claim
            .parse::<Claim>()
            .map_err(|e| EnvelopeError::Field {
                field: "claim",
                problem: e.to_string(),
            })?;
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
        let proof = parse_proof(&raw.proof)?;
        Ok(ProofEnvelope {
            shape,
            fingerprint,
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

pub(crate) fn parse_json<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, EnvelopeError> {
    // A leading UTF-8 byte-order mark (some editors write one) is not part of the JSON.
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    serde_json::from_slice(bytes).map_err(|e| EnvelopeError::Json(e.to_string()))
}

/// Reads the `format` field alone.
fn read_format(bytes: &[u8]) -> Result<String, EnvelopeError> {
    #[derive(Deserialize)]
    struct Format {
        format: String,
    }
    parse_json::<Format>(bytes).map(|f| f.format)
}

/// Checks the `format` field is one of `accepted`, naming the right call if the file is a
/// proof of another kind.
pub(crate) fn expect_format(
    bytes: &[u8],
    accepted: &[&str],
    expected: &'static str,
) -> Result<String, EnvelopeError> {
    let found = read_format(bytes)?;
    if accepted.contains(&found.as_str()) {
        return Ok(found);
    }
    match KINDS.iter().find(|(f, _)| *f == found) {
        Some((_, kind)) => Err(EnvelopeError::WrongKind {
            found,
            kind,
            expected,
        }),
        None => Err(EnvelopeError::Format { found }),
    }
}

pub(crate) fn parse_fingerprint(text: &str) -> Result<Fingerprint, EnvelopeError> {
    let mut fingerprint = [0u8; 32];
    hex::decode_to_slice(text, &mut fingerprint).map_err(|_| EnvelopeError::Field {
        field: "vk_fingerprint",
        problem: "must be exactly 64 hexadecimal digits".into(),
    })?;
    Ok(Fingerprint(fingerprint))
}

pub(crate) fn parse_proof(text: &str) -> Result<Vec<u8>, EnvelopeError> {
    hex::decode(text).map_err(|e| EnvelopeError::Field {
        field: "proof",
        problem: format!("must be hexadecimal: {e}"),
    })
}

pub(crate) fn element(
    field: &'static str,
    text: &str,
) -> Result<zkliq_circuits::Fp, EnvelopeError> {
    field::from_hex(text).map_err(|e: FieldHexError| EnvelopeError::Field {
        field,
        problem: e.to_string(),
    })
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStateEnvelope {
    format: String,
    shape: u64,
    positions: u64,
    /// The tree depth (format 2 only; format 1 trees have depth 32).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    depth: Option<u64>,
    k: u64,
    vk_fingerprint: String,
    public_inputs: RawStateInputs,
    claims: Vec<RawClaim>,
    proof: String,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStateInputs {
    root: String,
    market_commitment: String,
    price_commitment: String,
    subtree_index: u64,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawClaim {
    index: u64,
    claim: String,
}

/// A parsed state proof: claims about positions of a state tree, against its root.
///
/// ```json
/// {
///   "format": "zkliq-state-proof/2",
///   "shape": 4, "positions": 128, "depth": 32, "k": 15,
///   "vk_fingerprint": "<64 hex digits>",
///   "public_inputs": {"root": "0x…", "market_commitment": "0x…", "price_commitment": "0x…",
///                     "subtree_index": 3},
///   "claims": [{"index": 389, "claim": "liquidatable"}],
///   "proof": "<hex>"
/// }
/// ```
///
/// The proof covers leaves `subtree_index·positions .. (subtree_index + 1)·positions`; `claims`
/// lists, in ascending order, the leaves it makes a claim about (no claim about the others). A
/// membership proof has one position. `root` is the published root of a format-2 tree, which
/// binds the market ([`zkliq_circuits::hash::bound_root`]). Legacy files
/// (`"format": "zkliq-state-proof/1"`, no `depth`) are against a format-1 tree of depth 32,
/// whose root does not bind the market.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StateProofEnvelope {
    /// The batch shape.
    pub shape: BatchShape,
    /// Fingerprint of the verifying key the proof was made for.
    pub fingerprint: Fingerprint,
    /// The public inputs.
    pub instance: BatchInstance,
    /// The proof bytes.
    pub proof: Vec<u8>,
}

impl StateProofEnvelope {
    /// Wraps a proof made with `key`'s circuit (a batch key).
    ///
    /// # Panics
    ///
    /// If `key` is not a batch-proof key.
    pub fn new(key: &VerifierKey, instance: BatchInstance, proof: Vec<u8>) -> Self {
        let CircuitShape::Batch(shape) = key.shape() else {
            panic!(
                "StateProofEnvelope::new needs a batch key, got {}",
                key.shape()
            );
        };
        StateProofEnvelope {
            shape,
            fingerprint: key.fingerprint(),
            instance,
            proof,
        }
    }

    /// Parses a state proof envelope (format 2, or the legacy format 1). Never panics, whatever
    /// the bytes.
    pub fn from_json(bytes: &[u8]) -> Result<Self, EnvelopeError> {
        expect_format(bytes, &[STATE_FORMAT, LEGACY_STATE_FORMAT], "a state proof")?;
        let raw: RawStateEnvelope = parse_json(bytes)?;
        let tree = match (raw.format.as_str(), raw.depth) {
            (LEGACY_STATE_FORMAT, None) => TreeSpec::LEGACY,
            (LEGACY_STATE_FORMAT, Some(_)) => {
                return Err(EnvelopeError::Field {
                    field: "depth",
                    problem: format!("{LEGACY_STATE_FORMAT} proofs have no depth field"),
                });
            }
            (_, depth) => depth
                .and_then(|d| u32::try_from(d).ok())
                .and_then(TreeSpec::v2)
                .ok_or_else(|| EnvelopeError::Field {
                    field: "depth",
                    problem: format!(
                        "must be an integer in {}..={}, got {}",
                        TreeSpec::MIN_DEPTH,
                        TreeSpec::MAX_DEPTH,
                        depth.map_or("nothing".to_owned(), |d| d.to_string())
                    ),
                })?,
        };
        let assets = usize::try_from(raw.shape)
            .ok()
            .and_then(Shape::from_slots)
            .ok_or(EnvelopeError::Shape { found: raw.shape })?;
        let shape = usize::try_from(raw.positions)
            .ok()
            .and_then(|p| BatchShape::with_positions(assets, p, tree))
            .ok_or(EnvelopeError::Field {
                field: "positions",
                problem: format!("must be one of 1, 8, 32, 128, got {}", raw.positions),
            })?;
        if raw.k != u64::from(shape.k()) {
            return Err(EnvelopeError::Field {
                field: "k",
                problem: format!("the {shape} circuit has k = {}, got {}", shape.k(), raw.k),
            });
        }
        let fingerprint = parse_fingerprint(&raw.vk_fingerprint)?;
        let inputs = &raw.public_inputs;
        let subtree = inputs.subtree_index;
        if subtree >= shape.subtrees() {
            return Err(EnvelopeError::Field {
                field: "public_inputs.subtree_index",
                problem: format!("must be below {}, got {subtree}", shape.subtrees()),
            });
        }
        let first = subtree << shape.height;
        let mut claims = vec![SlotClaim::None; shape.positions()];
        let mut previous = None;
        for c in &raw.claims {
            let slot = c
                .index
                .checked_sub(first)
                .filter(|s| *s < shape.positions() as u64);
            let (Some(slot), true) = (slot, previous.is_none_or(|p| c.index > p)) else {
                return Err(EnvelopeError::Field {
                    field: "claims",
                    problem: format!(
                        "indices must ascend within {first}..{}, got {}",
                        first + shape.positions() as u64,
                        c.index
                    ),
                });
            };
            previous = Some(c.index);
            let claim = c.claim.parse::<Claim>().map_err(|e| EnvelopeError::Field {
                field: "claims",
                problem: e.to_string(),
            })?;
            claims[slot as usize] = SlotClaim::Is(claim);
        }
        let instance = BatchInstance::new(
            shape,
            element("public_inputs.root", &inputs.root)?,
            element("public_inputs.market_commitment", &inputs.market_commitment)?,
            element("public_inputs.price_commitment", &inputs.price_commitment)?,
            subtree,
            claims,
        )
        .map_err(|e| EnvelopeError::Field {
            field: "public_inputs",
            problem: e.to_string(),
        })?;
        Ok(StateProofEnvelope {
            shape,
            fingerprint,
            instance,
            proof: parse_proof(&raw.proof)?,
        })
    }

    /// The envelope as pretty-printed JSON, ending in a newline.
    pub fn to_json(&self) -> String {
        let legacy = self.shape.is_legacy();
        let raw = RawStateEnvelope {
            format: if legacy {
                LEGACY_STATE_FORMAT
            } else {
                STATE_FORMAT
            }
            .to_owned(),
            shape: self.shape.assets.assets() as u64,
            positions: self.shape.positions() as u64,
            depth: (!legacy).then_some(u64::from(self.shape.tree.depth())),
            k: u64::from(self.shape.k()),
            vk_fingerprint: self.fingerprint.to_hex(),
            public_inputs: RawStateInputs {
                root: field::to_hex(&self.instance.root),
                market_commitment: field::to_hex(&self.instance.market_commitment),
                price_commitment: field::to_hex(&self.instance.price_commitment),
                subtree_index: self.instance.subtree_index(),
            },
            claims: self
                .instance
                .claimed()
                .map(|(index, claim)| RawClaim {
                    index,
                    claim: claim.to_string(),
                })
                .collect(),
            proof: hex::encode(&self.proof),
        };
        let mut text = serde_json::to_string_pretty(&raw).expect("plain strings and numbers");
        text.push('\n');
        text
    }
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLiquidationEnvelope {
    format: String,
    shape: u64,
    depth: u64,
    k: u64,
    vk_fingerprint: String,
    public_inputs: RawLiquidationInputs,
    proof: String,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLiquidationInputs {
    old_root: String,
    new_root: String,
    leaf: u64,
    market_commitment: String,
    price_commitment: String,
    debt_asset: u64,
    collateral_asset: u64,
    repay: String,
    repaid: String,
    seized: String,
    to_liquidator: String,
    fee: String,
    liquidator: String,
}

/// A parsed liquidation proof: one account liquidated by the market's rule, a state transition
/// from `old_root` to `new_root`, bound to one liquidator.
///
/// ```json
/// {
///   "format": "zkliq-liquidation-proof/1",
///   "shape": 4, "depth": 32, "k": 12,
///   "vk_fingerprint": "<64 hex digits>",
///   "public_inputs": {
///     "old_root": "0x…", "new_root": "0x…", "leaf": 5,
///     "market_commitment": "0x…", "price_commitment": "0x…",
///     "debt_asset": 1, "collateral_asset": 0,
///     "repay": "max", "repaid": "2500000000", "seized": "1312500000000000000",
///     "to_liquidator": "1309375000000000000", "fee": "3125000000000000",
///     "liquidator": "0x…"
///   },
///   "proof": "<hex>"
/// }
/// ```
///
/// Amounts are decimal strings of base units (of the debt asset for `repay` and `repaid`, of the
/// collateral asset for the others); `repay` is `"max"` for an offer of `2^128 − 1`. Asset
/// indices are positions in the market's asset list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiquidationProofEnvelope {
    /// Fingerprint of the verifying key the proof was made for.
    pub fingerprint: Fingerprint,
    /// The public inputs (with the circuit shape).
    pub instance: LiquidationInstance,
    /// The proof bytes.
    pub proof: Vec<u8>,
}

fn amount(field: &'static str, text: &str) -> Result<u128, EnvelopeError> {
    let ok = !text.is_empty() && text.len() <= 39 && text.bytes().all(|b| b.is_ascii_digit());
    ok.then(|| text.parse::<u128>().ok())
        .flatten()
        .ok_or_else(|| EnvelopeError::Field {
            field,
            problem: format!(
                "must be a decimal string of base units in 0..2^128, got {:?}",
                zkliq_circuits::inputs::shorten(text)
            ),
        })
}

impl LiquidationProofEnvelope {
    /// Wraps a proof made with `key`'s circuit (a liquidation key) for `instance`.
    ///
    /// # Panics
    ///
    /// If `key` is not the key of `instance`'s liquidation shape.
    pub fn new(key: &VerifierKey, instance: LiquidationInstance, proof: Vec<u8>) -> Self {
        assert_eq!(
            key.shape(),
            CircuitShape::Liquidation(instance.shape),
            "LiquidationProofEnvelope::new needs the key of the instance's shape"
        );
        LiquidationProofEnvelope {
            fingerprint: key.fingerprint(),
            instance,
            proof,
        }
    }

    /// The circuit shape.
    pub fn shape(&self) -> LiquidationShape {
        self.instance.shape
    }

    /// Parses a liquidation proof envelope. Never panics, whatever the bytes.
    pub fn from_json(bytes: &[u8]) -> Result<Self, EnvelopeError> {
        expect_format(bytes, &[LIQUIDATION_FORMAT], "a liquidation proof")?;
        let raw: RawLiquidationEnvelope = parse_json(bytes)?;
        let assets = usize::try_from(raw.shape)
            .ok()
            .and_then(Shape::from_slots)
            .ok_or(EnvelopeError::Shape { found: raw.shape })?;
        let tree = u32::try_from(raw.depth)
            .ok()
            .and_then(TreeSpec::v2)
            .ok_or_else(|| EnvelopeError::Field {
                field: "depth",
                problem: format!(
                    "must be an integer in {}..={}, got {}",
                    TreeSpec::MIN_DEPTH,
                    TreeSpec::MAX_DEPTH,
                    raw.depth
                ),
            })?;
        let shape = LiquidationShape::new(assets, tree).ok_or(EnvelopeError::Field {
            field: "depth",
            problem: "liquidations need a format-2 tree".into(),
        })?;
        if raw.k != u64::from(shape.k()) {
            return Err(EnvelopeError::Field {
                field: "k",
                problem: format!("the {shape} circuit has k = {}, got {}", shape.k(), raw.k),
            });
        }
        let fingerprint = parse_fingerprint(&raw.vk_fingerprint)?;
        let i = &raw.public_inputs;
        let below = |field: &'static str, value: u64, bound: u64| {
            if value < bound {
                Ok(value)
            } else {
                Err(EnvelopeError::Field {
                    field,
                    problem: format!("must be below {bound}, got {value}"),
                })
            }
        };
        let slots = assets.assets() as u64;
        let instance = LiquidationInstance {
            shape,
            old_root: element("public_inputs.old_root", &i.old_root)?,
            new_root: element("public_inputs.new_root", &i.new_root)?,
            leaf: below("public_inputs.leaf", i.leaf, tree.capacity())?,
            market_commitment: element("public_inputs.market_commitment", &i.market_commitment)?,
            price_commitment: element("public_inputs.price_commitment", &i.price_commitment)?,
            debt: below("public_inputs.debt_asset", i.debt_asset, slots)? as usize,
            collateral: below("public_inputs.collateral_asset", i.collateral_asset, slots)?
                as usize,
            repay: match i.repay.as_str() {
                "max" => u128::MAX,
                text => amount("public_inputs.repay", text)?,
            },
            repaid: amount("public_inputs.repaid", &i.repaid)?,
            seized: amount("public_inputs.seized", &i.seized)?,
            to_liquidator: amount("public_inputs.to_liquidator", &i.to_liquidator)?,
            fee: amount("public_inputs.fee", &i.fee)?,
            liquidator: element("public_inputs.liquidator", &i.liquidator)?,
        };
        Ok(LiquidationProofEnvelope {
            fingerprint,
            instance,
            proof: parse_proof(&raw.proof)?,
        })
    }

    /// The envelope as pretty-printed JSON, ending in a newline.
    pub fn to_json(&self) -> String {
        let i = &self.instance;
        let raw = RawLiquidationEnvelope {
            format: LIQUIDATION_FORMAT.to_owned(),
            shape: i.shape.assets.assets() as u64,
            depth: u64::from(i.shape.tree.depth()),
            k: u64::from(i.shape.k()),
            vk_fingerprint: self.fingerprint.to_hex(),
            public_inputs: RawLiquidationInputs {
                old_root: field::to_hex(&i.old_root),
                new_root: field::to_hex(&i.new_root),
                leaf: i.leaf,
                market_commitment: field::to_hex(&i.market_commitment),
                price_commitment: field::to_hex(&i.price_commitment),
                debt_asset: i.debt as u64,
                collateral_asset: i.collateral as u64,
                repay: if i.repay == u128::MAX {
                    "max".to_owned()
                } else {
                    i.repay.to_string()
                },
                repaid: i.repaid.to_string(),
                seized: i.seized.to_string(),
                to_liquidator: i.to_liquidator.to_string(),
                fee: i.fee.to_string(),
                liquidator: field::to_hex(&i.liquidator),
            },
            proof: hex::encode(&self.proof),
        };
        let mut text = serde_json::to_string_pretty(&raw).expect("plain strings and numbers");
        text.push('\n');
        text
    }
}

/// Any proof file this crate reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AnyEnvelope {
    /// A health proof of one committed account.
    Health(ProofEnvelope),
    /// A batch or membership proof against a state root.
    State(StateProofEnvelope),
    /// A liquidation: a state transition from an old root to a new one.
    Liquidation(LiquidationProofEnvelope),
}

impl AnyEnvelope {
    /// Parses any format, by its `format` field. Never panics, whatever the bytes.
    pub fn from_json(bytes: &[u8]) -> Result<Self, EnvelopeError> {
        match read_format(bytes)?.as_str() {
            STATE_FORMAT | LEGACY_STATE_FORMAT => {
                StateProofEnvelope::from_json(bytes).map(AnyEnvelope::State)
            }
            FORMAT => ProofEnvelope::from_json(bytes).map(AnyEnvelope::Health),
            LIQUIDATION_FORMAT => {
                LiquidationProofEnvelope::from_json(bytes).map(AnyEnvelope::Liquidation)
            }
            other => Err(EnvelopeError::Format {
                found: other.to_owned(),
            }),
        }
    }
}
