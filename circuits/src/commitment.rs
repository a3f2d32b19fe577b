//! The three commitments, computed off-circuit, and the message layout the circuit recomputes.
//!
//! Each commitment is Poseidon (`P128Pow5T3`, `ConstantLength<L>`, so the length is bound in the
//! capacity) over a message whose first element is a free field element (the account's salt, the
//! price round's header, the market's symbol digest), followed by *packed slots*: every value the
//! statement uses is a slot of 64 bits (amount limbs, prices) or 80 bits (market slots), three
//! slots per field element. Each message's last slot is a domain tag, so the three commitments can
//! never be confused with one another.
//!
//! | commitment | first element | slots |
//! |------------|---------------|-------|
//! | account | salt | `c_lo, c_hi, d_lo, d_hi` per asset slot, then [`TAG_ACCOUNT`] (64-bit) |
//! | price round | `round + 2^64 timestamp + 2^128 decimals` | price per asset slot, then [`TAG_PRICES`] (64-bit) |
//! | market | symbol digest, or the rules digest | `scale + 2^64 weight` per asset slot, then `T`, then [`TAG_MARKET`] (80-bit) |
//! | liquidation rules (inside the market's first element) | symbol digest | `bonus` per asset slot, then `CF`, `H`, `f`, then [`TAG_RULES`] (64-bit) |
//!
//! A market without liquidation rules keeps the commitment of earlier releases (first element:
//! the symbol digest); a market with them commits to them through its first element.
//!
//! Unused asset slots of a shape hold zeros. Because the circuit range-checks every slot to its
//! width and three slots fit in one field element, a packed element has exactly one opening.

use ff::Field;

use crate::bounds::{LIMB_BITS, MARKET_SLOT_BITS, MAX_ASSETS, SCALE_BITS};
use crate::field::{Fp, pow2};
use crate::inputs::{Account, Market, PriceRound};
use crate::shape::Shape;

/// Domain tag of account commitments (last slot).
pub const TAG_ACCOUNT: u64 = u64::from_be_bytes(*b"zkliq:A1");
/// Domain tag of price-round commitments (last slot).
pub const TAG_PRICES: u64 = u64::from_be_bytes(*b"zkliq:P1");
/// Domain tag of market commitments (last slot).
pub const TAG_MARKET: u64 = u64::from_be_bytes(*b"zkliq:M1");
/// Domain tag of the liquidation rules digest (last slot of its message).
pub const TAG_RULES: u64 = u64::from_be_bytes(*b"zkliq:L1");
/// Domain tag of a report's book commitment (last element, see `crate::report::Book`).
pub const TAG_BOOK: u64 = u64::from_be_bytes(*b"zkliq:R1");
/// Domain tag of the symbol digest inside the market commitment.
pub const TAG_SYMBOLS: u64 = u64::from_be_bytes(*b"zkliq:S1");
/// Slots packed into one field element.
pub const SLOTS_PER_ELEMENT: usize = 3;
/// Width of account and price slots.
pub const SLOT_BITS_64: usize = LIMB_BITS;
/// Width of market slots.
pub const SLOT_BITS_80: usize = MARKET_SLOT_BITS;

/// Calls `$f::<L>($args)` for the run-time message length `$len`. Poseidon's `ConstantLength<L>`
/// needs `L` at compile time; every shape's message lengths are in this list (a test checks it).
macro_rules! with_message_length {
    ($len:expr, $f:ident $args:tt) => {
        $crate::commitment::with_message_length!(@arms $len, $f $args;
            1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24
            25 26 27 28 29 30 31 32 33 34 35 36 37 38 39 40 41 42 43 44)
    };
    (@arms $len:expr, $f:ident $args:tt; $($n:literal)*) => {
        match $len {
            $($n => $f::<$n> $args,)*
            other => unreachable!("no shape uses a Poseidon message of length {other}"),
        }
    };
}
pub(crate) use with_message_length;

/// Packs slots of `slot_bits` bits, three to a field element, zero-filling the last element.
pub fn pack(slots: &[Fp], slot_bits: usize) -> Vec<Fp> {
    let shift = pow2(slot_bits as u32);
    slots
        .chunks(SLOTS_PER_ELEMENT)
        .map(|chunk| chunk.iter().rev().fold(Fp::ZERO, |acc, s| acc * shift + s))
        .collect()
}

/// Poseidon `ConstantLength` over a message (see [`crate::hash`]).
pub fn hash(message: &[Fp]) -> Fp {
    crate::hash::constant_length(message)
}

/// Number of field elements in a shape's account, price, market and liquidation-rules
/// messages.
pub fn message_lengths(shape: Shape) -> [usize; 4] {
    let n = shape.assets();
    let packed = |slots: usize| slots.div_ceil(SLOTS_PER_ELEMENT);
    [
        1 + packed(4 * n + 1),
        1 + packed(n + 1),
        1 + packed(n + 2),
        1 + packed(n + 4),
    ]
}

/// Splits a u128 into its low and high 64-bit limbs.
pub fn limbs(amount: u128) -> [Fp; 2] {
    [Fp::from(amount as u64), Fp::from((amount >> 64) as u64)]
}

/// The opening of an account commitment, slot by slot, padded to the shape.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccountOpening {
    /// The hiding salt.
    pub salt: Fp,
    /// `[lo, hi]` limbs of each collateral amount.
    pub collateral: Vec<[Fp; 2]>,
    /// `[lo, hi]` limbs of each debt amount.
    pub debt: Vec<[Fp; 2]>,
}

impl AccountOpening {
    /// The opening of `account` for a shape.
    pub fn new(account: &Account, shape: Shape) -> Self {
        let pad = |v: &[u128]| {
            let mut out: Vec<[Fp; 2]> = v.iter().map(|&a| limbs(a)).collect();
            out.resize(shape.assets(), [Fp::ZERO; 2]);
            out
        };
        AccountOpening {
            salt: account.salt(),
            collateral: pad(account.collateral()),
            debt: pad(account.debt()),
        }
    }

    /// Slots: `c_lo, c_hi, d_lo, d_hi` per asset slot, then the tag.
    pub fn slots(&self) -> Vec<Fp> {
        let mut slots = Vec::with_capacity(4 * self.collateral.len() + 1);
        for (c, d) in self.collateral.iter().zip(&self.debt) {
            slots.extend([c[0], c[1], d[0], d[1]]);
        }
        slots.push(Fp::from(TAG_ACCOUNT));
        slots
    }

    /// The committed message: the salt, then the packed slots.
    pub fn message(&self) -> Vec<Fp> {
        std::iter::once(self.salt)
            .chain(pack(&self.slots(), SLOT_BITS_64))
            .collect()
    }

    /// The account commitment.
    pub fn commitment(&self) -> Fp {
        hash(&self.message())
    }
}

/// The opening of a price-round commitment, padded to the shape.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PriceOpening {
    /// `round + 2^64 timestamp + 2^128 decimals`.
    pub header: Fp,
    /// One price per asset slot (zero in unused slots).
    pub prices: Vec<Fp>,
}

impl PriceOpening {
    /// The opening of `round` for a shape.
    pub fn new(round: &PriceRound, shape: Shape) -> Self {
        let header = Fp::from(round.round())
            + Fp::from(round.timestamp()) * pow2(64)
            + Fp::from(u64::from(round.decimals())) * pow2(128);
        let mut prices: Vec<Fp> = round.prices().iter().map(|&p| Fp::from(p)).collect();
        prices.resize(shape.assets(), Fp::ZERO);
        PriceOpening { header, prices }
    }

    /// Slots: one price per asset slot, then the tag.
    pub fn slots(&self) -> Vec<Fp> {
        let mut slots = self.prices.clone();
        slots.push(Fp::from(TAG_PRICES));
        slots
    }

    /// The committed message: the header, then the packed slots.
    pub fn message(&self) -> Vec<Fp> {
        std::iter::once(self.header)
            .chain(pack(&self.slots(), SLOT_BITS_64))
            .collect()
    }

    /// The price-round commitment.
    pub fn commitment(&self) -> Fp {
        hash(&self.message())
    }
}

/// The opening of a market's liquidation rules: the rules digest is Poseidon over the symbol
/// digest, then `bonus_i` per asset slot, `CF`, `H`, `f` and [`TAG_RULES`] as 64-bit slots.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RulesOpening {
    /// Poseidon digest of the symbol list ([`symbols_digest`]).
    pub symbols_digest: Fp,
    /// Liquidation bonus per asset slot, bps (zero in unused slots).
    pub bonus: Vec<Fp>,
    /// Close factor `CF`, bps.
    pub close_factor: Fp,
    /// Full-close-factor bound `H`, bps.
    pub full_below: Fp,
    /// Protocol fee `f`, bps.
    pub fee: Fp,
}

impl RulesOpening {
    /// Slots: the bonus per asset slot, then `CF`, `H`, `f`, then the tag.
    pub fn slots(&self) -> Vec<Fp> {
        let mut slots = self.bonus.clone();
        slots.extend([
            self.close_factor,
            self.full_below,
            self.fee,
            Fp::from(TAG_RULES),
        ]);
        slots
    }

    /// The rules message: the symbol digest, then the packed slots.
    pub fn message(&self) -> Vec<Fp> {
        std::iter::once(self.symbols_digest)
            .chain(pack(&self.slots(), SLOT_BITS_64))
            .collect()
    }

    /// The rules digest: the first element of the market message.
    pub fn digest(&self) -> Fp {
        hash(&self.message())
    }
}

/// The opening of a market commitment, padded to the shape.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MarketOpening {
    /// The message's first element: the symbol digest ([`symbols_digest`]), or for a market
    /// with liquidation rules the rules digest ([`RulesOpening::digest`]), which binds the
    /// symbols too.
    pub first: Fp,
    /// The liquidation rules, if the market has them.
    pub rules: Option<RulesOpening>,
    /// The threshold `T` in basis points.
    pub threshold: Fp,
    /// `10^(18 - decimals)` per asset slot (zero in unused slots).
    pub scales: Vec<Fp>,
    /// Collateral weight in basis points per asset slot (zero in unused slots).
    pub weights: Vec<Fp>,
}

impl MarketOpening {
    /// The opening of `market` for its own shape.
    pub fn new(market: &Market) -> Self {
        let shape = market.shape();
        let mut scales: Vec<Fp> = market
            .assets()
            .iter()
            .map(|a| Fp::from(a.scale()))
            .collect();
        let mut weights: Vec<Fp> = market
            .assets()
            .iter()
            .map(|a| Fp::from(u64::from(a.weight_bps)))
            .collect();
        scales.resize(shape.assets(), Fp::ZERO);
        weights.resize(shape.assets(), Fp::ZERO);
        let symbols = symbols_digest(market);
        let rules = market.liquidation().map(|r| {
            let bps = |v: u16| Fp::from(u64::from(v));
            let mut bonus: Vec<Fp> = r.bonus_bps.iter().map(|b| bps(*b)).collect();
            bonus.resize(shape.assets(), Fp::ZERO);
            RulesOpening {
                symbols_digest: symbols,
                bonus,
                close_factor: bps(r.close_factor_bps),
                full_below: bps(r.full_close_factor_below_bps),
                fee: bps(r.protocol_fee_bps),
            }
        });
        MarketOpening {
            first: rules.as_ref().map_or(symbols, RulesOpening::digest),
            rules,
            threshold: Fp::from(u64::from(market.threshold_bps())),
            scales,
            weights,
        }
    }

    /// The market slot of asset slot `i`: `scale + 2^64 * weight`.
    pub fn slot(&self, i: usize) -> Fp {
        self.scales[i] + pow2(SCALE_BITS as u32) * self.weights[i]
    }

    /// Slots: one market slot per asset slot, then `T`, then the tag.
    pub fn slots(&self) -> Vec<Fp> {
        let market_slots: Vec<Fp> = (0..self.scales.len()).map(|i| self.slot(i)).collect();
        market_message_slots(&market_slots, self.threshold)
    }

    /// The committed message: the symbol digest, then the packed slots.
    pub fn message(&self) -> Vec<Fp> {
        std::iter::once(self.first)
            .chain(pack(&self.slots(), SLOT_BITS_80))
            .collect()
    }

    /// The market commitment.
    pub fn commitment(&self) -> Fp {
        hash(&self.message())
    }
}

/// The market message's slots given each asset slot's `scale + 2^64 * weight`: those, then `T`,
/// then the tag.
pub fn market_message_slots(market_slots: &[Fp], threshold: Fp) -> Vec<Fp> {
    market_slots
        .iter()
        .copied()
        .chain([threshold, Fp::from(TAG_MARKET)])
        .collect()
}

/// A symbol as a field element: its bytes read as a big-endian integer (at most 31 bytes).
fn symbol_element(symbol: &str) -> Fp {
    symbol.bytes().fold(Fp::ZERO, |acc, b| {
        acc * Fp::from(256) + Fp::from(u64::from(b))
    })
}

/// Poseidon over `TAG_SYMBOLS + 2^64 * count` and the 16 symbol slots (zero beyond `count`). It
/// binds asset identity and order; the circuit takes it as one opaque message element.
pub fn symbols_digest(market: &Market) -> Fp {
    let mut message = [Fp::ZERO; MAX_ASSETS + 1];
    message[0] = Fp::from(TAG_SYMBOLS) + Fp::from(market.assets().len() as u64) * pow2(64);
    for (slot, asset) in message[1..].iter_mut().zip(market.assets()) {
        *slot = symbol_element(&asset.symbol);
    }
    hash(&message)
}

/// The public commitment to `market`.
pub fn market_commitment(market: &Market) -> Fp {
    MarketOpening::new(market).commitment()
}

/// The public commitment to a price round of `market`.
pub fn price_commitment(market: &Market, round: &PriceRound) -> Fp {
    PriceOpening::new(round, market.shape()).commitment()
}

/// The public, hiding commitment to an account of `market`.
pub fn account_commitment(market: &Market, account: &Account) -> Fp {
    AccountOpening::new(account, market.shape()).commitment()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inputs::Asset;

    #[test]
    fn every_shape_message_length_is_dispatched() {
        fn length<const L: usize>() -> usize {
            L
        }
        for shape in Shape::ALL {
            for len in message_lengths(shape) {
                assert_eq!(with_message_length!(len, length()), len);
            }
        }
        assert_eq!(message_lengths(Shape::A16), [23, 7, 7, 8]);
        assert_eq!(message_lengths(Shape::A4), [7, 3, 3, 4]);
    }

    #[test]
    fn pack_places_slots_little_endian() {
        let packed = pack(&[Fp::from(1), Fp::from(2), Fp::from(3), Fp::from(4)], 64);
        assert_eq!(packed.len(), 2);
        assert_eq!(
            packed[0],
            Fp::from(1) + Fp::from(2) * pow2(64) + Fp::from(3) * pow2(128)
        );
        assert_eq!(packed[1], Fp::from(4));
    }

    fn market(symbols: &[&str], weight: u16) -> Market {
        let assets = symbols
            .iter()
            .map(|s| Asset {
                symbol: s.to_string(),
                decimals: 18,
                weight_bps: weight,
            })
            .collect();
        Market::new("m", 10000, assets).unwrap()
    }

    #[test]
    fn market_commitment_binds_every_field_and_order() {
        let base = market_commitment(&market(&["A", "B"], 5000));
        assert_ne!(base, market_commitment(&market(&["B", "A"], 5000)));
        assert_ne!(base, market_commitment(&market(&["A", "C"], 5000)));
        assert_ne!(base, market_commitment(&market(&["A", "B"], 5001)));
        assert_ne!(base, market_commitment(&market(&["A", "B", "C"], 5000)));
        let m = market(&["A", "B"], 5000);
        let other_t = Market::new("m", 10001, m.assets().to_vec()).unwrap();
        assert_ne!(base, market_commitment(&other_t));
        let mut assets = m.assets().to_vec();
        assets[1].decimals = 6;
        assert_ne!(
            base,
            market_commitment(&Market::new("m", 10000, assets).unwrap())
        );
        // The name is a label, not part of the statement.
        let renamed = Market::new("other", 10000, m.assets().to_vec()).unwrap();
        assert_eq!(base, market_commitment(&renamed));
    }

    #[test]
    fn price_and_account_commitments_bind_every_field() {
        let m = market(&["A", "B"], 5000);
        let p = |r, t, d, a, b| PriceRound::new(&m, r, t, d, vec![a, b]).unwrap();
        let base = price_commitment(&m, &p(1, 2, 8, 10, 20));
        for other in [
            p(2, 2, 8, 10, 20),
            p(1, 3, 8, 10, 20),
            p(1, 2, 9, 10, 20),
            p(1, 2, 8, 11, 20),
            p(1, 2, 8, 20, 10),
        ] {
            assert_ne!(base, price_commitment(&m, &other));
        }
        let a =
            |salt: u64, c: Vec<u128>, d: Vec<u128>| Account::new(&m, Fp::from(salt), c, d).unwrap();
        let base = account_commitment(&m, &a(1, vec![5, 0], vec![0, 7]));
        for other in [
            a(2, vec![5, 0], vec![0, 7]),
            a(1, vec![0, 5], vec![0, 7]),
            a(1, vec![5, 0], vec![7, 0]),
            a(1, vec![5 + (1 << 64), 0], vec![0, 7]),
            a(1, vec![5, 0], vec![0, 7 << 64]),
        ] {
            assert_ne!(base, account_commitment(&m, &other));
        }
    }

    /// Near-collisions across kinds and shapes: messages of the same length whose packed
    /// slots line up as closely as the layout allows, and internal tree nodes over the very
    /// elements of a length-2 commitment message. Every pair differs.
    #[test]
    fn commitments_of_different_kinds_and_shapes_never_coincide() {
        let header = Fp::from(7);
        let p = Fp::from(100);
        let tag_p = Fp::from(TAG_PRICES);
        let s64 = pow2(64);
        // A 1-asset price message [header, p + 2^64·TAG] against 2-asset ones whose second
        // price is the tag, or whose first slot takes the whole 1-asset element.
        let one_asset = hash(&[header, p + s64 * tag_p]);
        for two_asset in [
            hash(&pack(&[p, tag_p, tag_p], SLOT_BITS_64).into_iter().fold(
                vec![header],
                |mut m, e| {
                    m.push(e);
                    m
                },
            )),
            hash(&[header, p + s64 * tag_p + s64 * s64 * tag_p]),
        ] {
            assert_ne!(one_asset, two_asset);
        }
        // Real 1- and 2-asset rounds of markets with the same first asset.
        let m1 = market(&["A"], 5000);
        let m2 = market(&["A", "B"], 5000);
        let r1 = PriceRound::new(&m1, 1, 2, 8, vec![100]).unwrap();
        let r2 = PriceRound::new(&m2, 1, 2, 8, vec![100, TAG_PRICES]).unwrap();
        assert_eq!(
            message_lengths(m1.shape())[1],
            message_lengths(m2.shape())[1]
        );
        assert_ne!(price_commitment(&m1, &r1), price_commitment(&m2, &r2));
        // 2- and 4-asset markets with the same assets first.
        let m4 = market(&["A", "B", "C", "D"], 5000);
        assert_ne!(market_commitment(&m2), market_commitment(&m4));
        let opening2 = MarketOpening::new(&m2);
        let mut opening4 = MarketOpening::new(&m4);
        opening4.first = opening2.first;
        assert_ne!(opening2.commitment(), opening4.commitment());
        // A node over exactly the elements of a length-2 message (a 1-asset price round, a
        // 1-asset market, a 1-asset account message's first two) is not that commitment.
        for message in [
            PriceOpening::new(&r1, m1.shape()).message(),
            MarketOpening::new(&m1).message(),
        ] {
            assert_eq!(message.len(), 2);
            assert_ne!(crate::hash::node(message[0], message[1]), hash(&message));
            assert_ne!(
                crate::hash::bound_root(message[0], message[1]),
                hash(&message)
            );
        }
        // The same account in two shapes.
        let a1 = Account::new(&m1, Fp::from(9), vec![5], vec![0]).unwrap();
        let a2 = Account::new(&m2, Fp::from(9), vec![5, 0], vec![0, 0]).unwrap();
        assert_ne!(account_commitment(&m1, &a1), account_commitment(&m2, &a2));
    }

    #[test]
    fn liquidation_rules_are_bound_and_absent_rules_keep_the_old_commitment() {
        let plain = market(&["A", "B"], 5000);
        let base = market_commitment(&plain);
        // The same market without rules: the commitment of earlier releases.
        assert_eq!(
            MarketOpening::new(&plain).first,
            symbols_digest(&plain),
            "no rules: the first element is the symbol digest"
        );
        let rules = |cf, h, f, bonus: Vec<u16>| crate::inputs::LiquidationRules {
            close_factor_bps: cf,
            full_close_factor_below_bps: h,
            protocol_fee_bps: f,
            bonus_bps: bonus,
        };
        let with = |r| plain.clone().with_liquidation(r).unwrap();
        let ruled = market_commitment(&with(rules(5000, 9500, 1000, vec![10500, 10000])));
        assert_ne!(ruled, base);
        for other in [
            rules(5001, 9500, 1000, vec![10500, 10000]),
            rules(5000, 9501, 1000, vec![10500, 10000]),
            rules(5000, 9500, 1001, vec![10500, 10000]),
            rules(5000, 9500, 1000, vec![10501, 10000]),
            rules(5000, 9500, 1000, vec![10000, 10500]),
        ] {
            assert_ne!(ruled, market_commitment(&with(other)));
        }
    }

    #[test]
    fn tags_separate_the_commitments() {
        let tags = [TAG_ACCOUNT, TAG_PRICES, TAG_MARKET, TAG_SYMBOLS, TAG_RULES];
        for (i, a) in tags.iter().enumerate() {
            for b in &tags[i + 1..] {
                assert_ne!(a, b);
            }
        }
    }
}
