//! What a verification established, for exactly the context it was checked against.
//!
//! A verdict can only be made by [`crate::Verifier`], after the proof verified *and* its public
//! inputs matched the caller's context: its fields are private, it has no public constructor.
//! Every verdict serialises (`serde`) so that a service can return it as JSON.

use serde::Serialize;
use zkliq_circuits::Claim;
use zkliq_circuits::field::{Fp, serialize_hex};

use crate::context::Round;

/// The market and round a verdict is about (serialised inside each verdict).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RoundInfo {
    /// The market's name (a label; the commitment is what was checked).
    pub market: String,
    /// The market commitment the proof carries, equal to the given market's.
    #[serde(serialize_with = "serialize_hex")]
    pub market_commitment: Fp,
    /// The oracle round number.
    pub round: u64,
    /// The round's timestamp, unix seconds.
    pub timestamp: u64,
    /// The price commitment the proof carries, equal to the given round's.
    #[serde(serialize_with = "serialize_hex")]
    pub price_commitment: Fp,
    /// The freshness bound checked, in seconds, if one was asked for.
    pub max_age_secs: Option<u64>,
}

impl RoundInfo {
    pub(crate) fn new(round: &Round) -> Self {
        RoundInfo {
            market: round.market().name().to_owned(),
            market_commitment: round.market_commitment(),
            round: round.prices().round(),
            timestamp: round.prices().timestamp(),
            price_commitment: round.price_commitment(),
            max_age_secs: round.freshness().map(|f| f.max_age_secs),
        }
    }
}

/// A health proof that verified for the given market and round: the account with commitment
/// [`HealthVerdict::account_commitment`] is healthy or liquidatable there.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct HealthVerdict {
    pub(crate) claim: Claim,
    pub(crate) shape: usize,
    #[serde(serialize_with = "serialize_hex")]
    pub(crate) account_commitment: Fp,
    /// True if the caller gave an account commitment and it matched.
    pub(crate) account_checked: bool,
    #[serde(flatten)]
    pub(crate) round: RoundInfo,
}

impl HealthVerdict {
    /// The proven claim.
    pub fn claim(&self) -> Claim {
        self.claim
    }

    /// The commitment of the account the claim is about.
    pub fn account_commitment(&self) -> Fp {
        self.account_commitment
    }

    /// True if the verification compared the account commitment with one the caller gave.
    pub fn account_checked(&self) -> bool {
        self.account_checked
    }

    /// Asset slots of the circuit (1, 2, 4, 8 or 16).
    pub fn shape(&self) -> usize {
        self.shape
    }

    /// The market and round the verdict is about.
    pub fn round(&self) -> &RoundInfo {
        &self.round
    }
}

/// One leaf a state proof makes a claim about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct LeafClaim {
    /// The leaf index in the state tree.
    pub leaf: u64,
    /// The proven claim about the account at that leaf.
    pub claim: Claim,
}

/// A state proof (batch or membership) that verified against the given root, market and round.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct StateVerdict {
    #[serde(serialize_with = "serialize_hex")]
    pub(crate) root: Fp,
    /// 2, or 1 for a legacy proof whose root does not bind the market.
    pub(crate) format: u8,
    /// False for a legacy format-1 proof: its root does not commit to the market, so the
    /// caller must know from elsewhere that the root is this market's.
    pub(crate) root_binds_market: bool,
    pub(crate) depth: u32,
    pub(crate) shape: usize,
    pub(crate) positions: usize,
    /// First and last leaf the proof covers.
    pub(crate) leaves: [u64; 2],
    pub(crate) claims: Vec<LeafClaim>,
    #[serde(flatten)]
    pub(crate) round: RoundInfo,
}

impl StateVerdict {
    /// The published state root the proof is against (equal to the one the caller gave).
    pub fn root(&self) -> Fp {
        self.root
    }

    /// True if the root commits to the market (format 2). A legacy format-1 root does not: the
    /// caller must know from elsewhere that the root belongs to this market.
    pub fn root_binds_market(&self) -> bool {
        self.root_binds_market
    }

    /// The tree depth.
    pub fn depth(&self) -> u32 {
        self.depth
    }

    /// Positions the proof covers (1 for a membership proof).
    pub fn positions(&self) -> usize {
        self.positions
    }

    /// The first and the last leaf the proof covers.
    pub fn leaves(&self) -> (u64, u64) {
        (self.leaves[0], self.leaves[1])
    }

    /// Every leaf the proof makes a claim about, ascending. It says nothing about the others.
    pub fn claims(&self) -> &[LeafClaim] {
        &self.claims
    }

    /// The proven claim about leaf `leaf`, if the proof makes one.
    pub fn claim_at(&self, leaf: u64) -> Option<Claim> {
        self.claims.iter().find(|c| c.leaf == leaf).map(|c| c.claim)
    }

    /// The market and round the verdict is about.
    pub fn round(&self) -> &RoundInfo {
        &self.round
    }
}

fn decimal<S: serde::Serializer>(value: &u128, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.collect_str(value)
}

fn offer<S: serde::Serializer>(value: &u128, serializer: S) -> Result<S::Ok, S::Error> {
    if *value == u128::MAX {
        serializer.serialize_str("max")
    } else {
        serializer.collect_str(value)
    }
}

/// A liquidation proof that verified against the given old root, market and round (and
/// liquidator, if given): the account at [`LiquidationVerdict::leaf`] was liquidated by the
/// market's rule, moving exactly these amounts, and the state's root became
/// [`LiquidationVerdict::new_root`]. Amounts serialise as decimal strings of base units.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LiquidationVerdict {
    #[serde(serialize_with = "serialize_hex")]
    pub(crate) old_root: Fp,
    #[serde(serialize_with = "serialize_hex")]
    pub(crate) new_root: Fp,
    pub(crate) depth: u32,
    pub(crate) leaf: u64,
    pub(crate) shape: usize,
    /// The debt asset's symbol.
    pub(crate) debt: String,
    /// The collateral asset's symbol.
    pub(crate) collateral: String,
    #[serde(serialize_with = "offer")]
    pub(crate) repay: u128,
    #[serde(serialize_with = "decimal")]
    pub(crate) repaid: u128,
    #[serde(serialize_with = "decimal")]
    pub(crate) seized: u128,
    #[serde(serialize_with = "decimal")]
    pub(crate) to_liquidator: u128,
    #[serde(serialize_with = "decimal")]
    pub(crate) fee: u128,
    #[serde(serialize_with = "serialize_hex")]
    pub(crate) liquidator: Fp,
    /// True if the caller gave a liquidator id and it matched.
    pub(crate) liquidator_checked: bool,
    #[serde(flatten)]
    pub(crate) round: RoundInfo,
}

impl LiquidationVerdict {
    /// The root before (equal to the one the caller gave).
    pub fn old_root(&self) -> Fp {
        self.old_root
    }

    /// The root after: the same tree with the liquidated account's new opening at its leaf.
    pub fn new_root(&self) -> Fp {
        self.new_root
    }

    /// The tree depth.
    pub fn depth(&self) -> u32 {
        self.depth
    }

    /// The liquidated account's leaf.
    pub fn leaf(&self) -> u64 {
        self.leaf
    }

    /// The symbols of the debt asset repaid and the collateral asset seized.
    pub fn assets(&self) -> (&str, &str) {
        (&self.debt, &self.collateral)
    }

    /// The repay offered (`u128::MAX` for "max"), base units of the debt asset.
    pub fn repay(&self) -> u128 {
        self.repay
    }

    /// Debt repaid, base units of the debt asset.
    pub fn repaid(&self) -> u128 {
        self.repaid
    }

    /// Collateral seized, base units of the collateral asset.
    pub fn seized(&self) -> u128 {
        self.seized
    }

    /// Collateral to the liquidator (`seized − fee`).
    pub fn to_liquidator(&self) -> u128 {
        self.to_liquidator
    }

    /// Collateral to the protocol.
    pub fn fee(&self) -> u128 {
        self.fee
    }

    /// The liquidator the proof is bound to.
    pub fn liquidator(&self) -> Fp {
        self.liquidator
    }

    /// True if the verification compared the liquidator with one the caller gave.
    pub fn liquidator_checked(&self) -> bool {
        self.liquidator_checked
    }

    /// The market and round the verdict is about.
    pub fn round(&self) -> &RoundInfo {
        &self.round
    }
}

/// A verdict about a proof of any kind ([`crate::Verifier::verify`]).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Verdict {
    /// A health proof.
    Health(HealthVerdict),
    /// A state (batch or membership) proof.
    State(StateVerdict),
    /// A liquidation proof.
    Liquidation(LiquidationVerdict),
}
