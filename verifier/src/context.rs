//! What a proof must be about: the market and price round ([`Round`]), and where the caller has
//! them, the account commitment and the state root ([`Context`]).

use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use zkliq_circuits::commitment::{market_commitment, price_commitment};
use zkliq_circuits::{Fp, InputError, Market, PriceRound};

use crate::error::VerifyError;

/// The market and the price round a proof must be about, with their commitments computed once,
/// and optionally how old the round may be.
///
/// Every verification takes one: a proof is only ever reported valid *for* the round given here.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Round {
    market: Market,
    prices: PriceRound,
    market_commitment: Fp,
    price_commitment: Fp,
    freshness: Option<Freshness>,
}

/// A freshness requirement: the round's timestamp must be at most `max_age_secs` before `now`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Freshness {
    /// Greatest accepted age of the round, in seconds.
    pub max_age_secs: u64,
    /// The reference time, unix seconds.
    pub now: u64,
}

impl Round {
    /// The round `prices` of `market`. The price round must have been parsed against this
    /// market (its prices are positional, in the market's asset order); a round with another
    /// number of prices is rejected.
    pub fn new(market: Market, prices: PriceRound) -> Result<Self, VerifyError> {
        if prices.prices().len() != market.assets().len() {
            return Err(VerifyError::Input {
                what: "price round",
                path: None,
                cause: InputError::Field {
                    field: "prices".into(),
                    problem: format!(
                        "holds {} prices but market {:?} lists {} assets: parse the round against this market",
                        prices.prices().len(),
                        market.name(),
                        market.assets().len()
                    ),
                },
            });
        }
        Ok(Round {
            market_commitment: market_commitment(&market),
            price_commitment: price_commitment(&market, &prices),
            market,
            prices,
            freshness: None,
        })
    }

    /// Parses a `market.json` and a `prices.json` (UTF-8, a leading byte-order mark allowed).
    pub fn from_json(market: &[u8], prices: &[u8]) -> Result<Self, VerifyError> {
        let input = |what: &'static str| {
            move |cause: InputError| VerifyError::Input {
                what,
                path: None,
                cause,
            }
        };
        let market = Market::from_slice(market).map_err(input("market"))?;
        let prices = PriceRound::from_slice(prices, &market).map_err(input("price round"))?;
        Round::new(market, prices)
    }

    /// Reads and parses a market file and a price-round file.
    pub fn from_files(
        market: impl AsRef<Path>,
        prices: impl AsRef<Path>,
    ) -> Result<Self, VerifyError> {
        let (market_path, prices_path) = (market.as_ref(), prices.as_ref());
        let market =
            Market::from_slice(&read(market_path)?).map_err(|cause| VerifyError::Input {
                what: "market",
                path: Some(market_path.to_owned()),
                cause,
            })?;
        let prices = PriceRound::from_slice(&read(prices_path)?, &market).map_err(|cause| {
            VerifyError::Input {
                what: "price round",
                path: Some(prices_path.to_owned()),
                cause,
            }
        })?;
        Round::new(market, prices)
    }

    /// Requires the round to be at most `max_age_secs` old at `now` (unix seconds). A round
    /// stamped later than `now` (clock skew) has age 0.
    pub fn with_max_age(mut self, max_age_secs: u64, now: u64) -> Self {
        self.freshness = Some(Freshness { max_age_secs, now });
        self
    }

    /// [`Round::with_max_age`] relative to the system clock.
    pub fn with_max_age_from_now(self, max_age: Duration) -> Self {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        self.with_max_age(max_age.as_secs(), now)
    }

    /// The market.
    pub fn market(&self) -> &Market {
        &self.market
    }

    /// The price round.
    pub fn prices(&self) -> &PriceRound {
        &self.prices
    }

    /// The market's commitment.
    pub fn market_commitment(&self) -> Fp {
        self.market_commitment
    }

    /// The price round's commitment.
    pub fn price_commitment(&self) -> Fp {
        self.price_commitment
    }

    /// The freshness requirement, if any.
    pub fn freshness(&self) -> Option<Freshness> {
        self.freshness
    }

    /// Fails if the round is older than the freshness requirement allows.
    pub(crate) fn check_fresh(&self) -> Result<(), VerifyError> {
        let Some(f) = self.freshness else {
            return Ok(());
        };
        let timestamp = self.prices.timestamp();
        let age = f.now.saturating_sub(timestamp);
        if age > f.max_age_secs {
            return Err(VerifyError::Stale {
                round: self.prices.round(),
                timestamp,
                now: f.now,
                age,
                max_age: f.max_age_secs,
            });
        }
        Ok(())
    }
}

fn read(path: &Path) -> Result<Vec<u8>, VerifyError> {
    std::fs::read(path).map_err(|cause| VerifyError::Read {
        path: path.to_owned(),
        cause,
    })
}

/// A published state root and the depth of its tree. A state chooses its depth when it is
/// created (32 unless told otherwise) and publishes it with its root (`zkliq state root
/// --json`); a proof file naming another depth is rejected before any key is built.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StateRoot {
    /// The published root.
    pub root: Fp,
    /// The depth of the tree.
    pub depth: u32,
}

impl StateRoot {
    /// A root of a tree of the default depth (32).
    pub fn new(root: Fp) -> Self {
        StateRoot {
            root,
            depth: zkliq_circuits::tree::DEPTH,
        }
    }

    /// The same root, of a tree of `depth` levels.
    pub fn with_depth(self, depth: u32) -> Self {
        StateRoot { depth, ..self }
    }
}

impl From<Fp> for StateRoot {
    fn from(root: Fp) -> Self {
        StateRoot::new(root)
    }
}

/// Everything a proof file may be checked against: always a [`Round`]; for a health proof
/// optionally the account commitment; for a state proof the state root (required); for a
/// liquidation proof the old state root (required) and optionally the liquidator. Context that
/// does not apply to the proof's kind is an error, never ignored.
#[derive(Clone, Debug)]
pub struct Context<'r> {
    pub(crate) round: &'r Round,
    pub(crate) account: Option<Fp>,
    pub(crate) root: Option<StateRoot>,
    pub(crate) liquidator: Option<Fp>,
}

impl<'r> Context<'r> {
    /// Proofs about `round`.
    pub fn new(round: &'r Round) -> Self {
        Context {
            round,
            account: None,
            root: None,
            liquidator: None,
        }
    }

    /// Health proofs must also be about the account with this commitment.
    pub fn account(mut self, commitment: Fp) -> Self {
        self.account = Some(commitment);
        self
    }

    /// State proofs must be against this published state root, and liquidation proofs must
    /// start from it (required for both); an `Fp` is a root of the default depth.
    pub fn root(mut self, root: impl Into<StateRoot>) -> Self {
        self.root = Some(root.into());
        self
    }

    /// Liquidation proofs must be bound to this liquidator.
    pub fn liquidator(mut self, liquidator: Fp) -> Self {
        self.liquidator = Some(liquidator);
        self
    }
}
