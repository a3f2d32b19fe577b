//! Every bound the statement and the circuit enforce, in one place.
//!
//! Two kinds of bound live here. *Input bounds* are checked when a market, price round or account
//! is parsed or constructed; a value outside them never reaches the prover. *Circuit widths* are
//! the bit widths the circuit range-checks every private value against; they are at least as wide
//! as the input bounds, and narrow enough that no sum or product in the statement can reach the
//! field modulus (about 2^254). `docs/STATEMENT.md` walks through the arithmetic; the `const`
//! assertions at the bottom of this file make the compiler re-check it.

/// Most assets a market may list.
pub const MAX_ASSETS: usize = 16;
/// Most decimals a token (or an oracle price) may have.
pub const MAX_DECIMALS: u8 = 18;
/// Most collateral weight an asset may have, in basis points (100%).
pub const MAX_WEIGHT_BPS: u16 = 10_000;
/// Least liquidation bonus an asset may have, in basis points (no bonus).
pub const MIN_BONUS_BPS: u16 = 10_000;
/// Most liquidation bonus an asset may have, in basis points (a 100% bonus).
pub const MAX_BONUS_BPS: u16 = 20_000;
/// Least liquidation threshold a market may have, in basis points.
pub const MIN_THRESHOLD_BPS: u32 = 1;
/// Most liquidation threshold a market may have, in basis points (10,000%).
pub const MAX_THRESHOLD_BPS: u32 = 1_000_000;
/// Longest asset symbol, in bytes: a symbol is committed as one field element.
pub const MAX_SYMBOL_BYTES: usize = 31;
/// An account's salt must be at least `2^MIN_SALT_BITS`: the commitment hides the balances only
/// while the salt cannot be guessed. Random salts (`Account::random_salt`) are below it with
/// probability about 2^-126.
pub const MIN_SALT_BITS: u32 = 128;
/// Token amounts are normalised to this many decimals: `scale = 10^(18 - decimals)`.
pub const NORMALISED_DECIMALS: u8 = 18;

/// Bits per lookup word: the range-check table holds `0..2^LOOKUP_BITS`.
pub const LOOKUP_BITS: usize = 8;
/// An amount (u128) is split into two limbs of this many bits, each range-checked.
pub const LIMB_BITS: usize = 64;
/// Range-check width of a price (u64).
pub const PRICE_BITS: usize = 64;
/// Range-check width of a scale `10^(18 - decimals)` (at most 10^18 < 2^60).
pub const SCALE_BITS: usize = 64;
/// Range-check width of a collateral weight (at most 10,000 < 2^14).
pub const WEIGHT_BITS: usize = 16;
/// Range-check width of the threshold (at most 10^6 < 2^20).
pub const THRESHOLD_BITS: usize = 24;
/// Range-check width of the low remainder `r` of the comparison.
pub const REMAINDER_BITS: usize = 64;
/// The signed carry of the comparison is stored as `carry + 2^CARRY_OFFSET_BITS`.
pub const CARRY_OFFSET_BITS: usize = 156;
/// Range-check width of the offset carry.
pub const CARRY_BITS: usize = 160;
/// Range-check width of the verdict value `y` (must be non-negative for the claim to hold).
pub const VERDICT_BITS: usize = 224;
/// Bits of a market slot `scale + 2^64 * weight`.
pub const MARKET_SLOT_BITS: usize = SCALE_BITS + WEIGHT_BITS;

// --- The liquidation statement (`circuits/src/gadgets/rule.rs`, docs/STATEMENT.md) -----------

/// Range-check width of a basis-point parameter (`CF`, `H`, `f`, a bonus, and the room below or
/// above their bounds: all at most 20000).
pub const BPS_BITS: usize = 16;
/// Width the selected scales `s_d`, `s_c` are checked to in a liquidation (real scales are at
/// most 10^18 < 2^60), so that `p·s < 2^124` and `a·p·s < 2^252`.
pub const LIQUIDATION_SCALE_BITS: usize = 60;
/// Width of an amount (u128) checked whole: the offered repay, `a - 1`, `collateral_c - 1`, a
/// bonus, `to_liquidator`.
pub const AMOUNT_BITS: usize = 128;
/// Width of a quotient of the rule (`floor(debt·CF/10000)`, the cap threshold `X`, `base`,
/// `max_coll`, the fee) and of the room below the cap threshold.
pub const QUOTIENT_BITS: usize = 136;
/// Width of the remainder of `base` (below the collateral unit `p_c·s_c < 2^124`).
pub const UNIT_REMAINDER_BITS: usize = 128;
/// Width of the remainder of the capped repayment (below `p_d·s_d·LB_c < 2^140`) and of
/// `floor(seized·10000/LB_c)`.
pub const DIVISOR_REMAINDER_BITS: usize = 144;
/// The signed carry between the limbs of the capped repayment is stored as `k + 2^144`.
pub const LIMB_CARRY_OFFSET_BITS: usize = 144;
/// Range-check width of that offset carry.
pub const LIMB_CARRY_BITS: usize = 152;
/// The signed carry of the `deep` comparison is stored as `carry + 2^176`.
pub const DEEP_CARRY_OFFSET_BITS: usize = 176;
/// Range-check width of that offset carry.
pub const DEEP_CARRY_BITS: usize = 184;
/// Range-check width of the `deep` comparison's verdict value.
pub const DEEP_VERDICT_BITS: usize = 240;
/// The capped comparison's verdict `y = y_lo + 2^128·y_hi` is below `2^(128 + CAP_HIGH_BITS)`.
pub const CAP_HIGH_BITS: usize = 125;

// --- The round report (`circuits/src/report`, docs/STATEMENT.md "Round reports") ----------

/// The ratio `lhs/rhs` is compared with bucket edges in basis points: `10000·lhs` against
/// `e·rhs`.
pub const RATIO_BPS: u64 = 10_000;
/// Bucket edges are below `2^EDGE_BITS` bps (a ratio of about 104.8).
pub const EDGE_BITS: usize = 20;
/// Most bucket edges a report may have.
pub const MAX_EDGES: usize = 8;
/// The signed carry of an edge comparison is stored as `carry + 2^180`.
pub const BUCKET_CARRY_OFFSET_BITS: usize = 180;
/// Range-check width of that offset carry.
pub const BUCKET_CARRY_BITS: usize = 184;
/// Range-check width of an edge comparison's verdict value.
pub const BUCKET_VERDICT_BITS: usize = 244;

/// `ceil(log2(MAX_ASSETS))`: the number of terms in a sum adds this many bits.
const SUM_BITS: usize = 4;
/// Bits of a collateral term `limb * price * scale * weight`.
const COLLATERAL_TERM_BITS: usize = LIMB_BITS + PRICE_BITS + SCALE_BITS + WEIGHT_BITS;
/// Bits of a debt term `limb * price * scale`.
const DEBT_TERM_BITS: usize = LIMB_BITS + PRICE_BITS + SCALE_BITS;
/// Bits of `T * (sum of debt terms)`, the largest accumulated value.
const RHS_BITS: usize = THRESHOLD_BITS + DEBT_TERM_BITS + SUM_BITS;
/// Bits of the largest accumulator on the collateral side.
const LHS_BITS: usize = COLLATERAL_TERM_BITS + SUM_BITS;
/// The field modulus is above 2^254.
const FIELD_BITS: usize = 254;

// Compile-time checks of the no-wraparound argument (see docs/STATEMENT.md).
const _: () = {
    assert!(MAX_ASSETS <= 1 << SUM_BITS);
    assert!(2 * LIMB_BITS >= 128, "limbs must cover a u128 amount");
    assert!(LIMB_BITS.is_multiple_of(LOOKUP_BITS) && PRICE_BITS.is_multiple_of(LOOKUP_BITS));
    assert!(SCALE_BITS.is_multiple_of(LOOKUP_BITS) && WEIGHT_BITS.is_multiple_of(LOOKUP_BITS));
    assert!(THRESHOLD_BITS.is_multiple_of(LOOKUP_BITS) && CARRY_BITS.is_multiple_of(LOOKUP_BITS));
    assert!(REMAINDER_BITS.is_multiple_of(LOOKUP_BITS) && VERDICT_BITS.is_multiple_of(LOOKUP_BITS));
    // Scales, weights and the threshold fit their widths.
    assert!(1_000_000_000_000_000_000u128 < 1 << SCALE_BITS);
    assert!((MAX_WEIGHT_BPS as u128) < 1 << WEIGHT_BITS);
    assert!((MAX_THRESHOLD_BPS as u128) < 1 << THRESHOLD_BITS);
    // Both sides of the comparison stay far below the modulus.
    assert!(LHS_BITS < RHS_BITS && RHS_BITS < FIELD_BITS - 2);
    // The carry of the low half: |delta_lo| < 2^RHS_BITS, so |carry| < 2^(RHS_BITS - 64).
    assert!(REMAINDER_BITS == LIMB_BITS);
    assert!(RHS_BITS - REMAINDER_BITS <= CARRY_OFFSET_BITS);
    assert!(CARRY_OFFSET_BITS < CARRY_BITS);
    // 2^64 * carry + r spans fewer than 2^(CARRY_BITS + 64 + 1) integers: below the modulus,
    // so the decomposition of delta_lo is unique.
    assert!(CARRY_BITS + REMAINDER_BITS + 1 < FIELD_BITS);
    // |x| = |delta_hi + carry| < 2^(RHS_BITS + 1) fits the verdict width, and a negative x
    // (p - |x| > 2^253) cannot pass it.
    assert!(RHS_BITS < VERDICT_BITS && VERDICT_BITS < FIELD_BITS - 1);
    // Packed messages: three 64-bit or three 80-bit slots per field element.
    assert!(3 * LIMB_BITS < FIELD_BITS && 3 * MARKET_SLOT_BITS < FIELD_BITS);

    // The liquidation rule. Units: p·s < 2^(64 + 60) = 2^124.
    const UNIT_BITS: usize = PRICE_BITS + LIQUIDATION_SCALE_BITS;
    assert!(UNIT_BITS == 124);
    assert!(1_000_000_000_000_000_000u128 < 1 << LIQUIDATION_SCALE_BITS);
    // Parameters: bonuses up to 20000, and CF, H, f up to 10000.
    assert!((super::bounds::MAX_BONUS_BPS as u128) < 1 << BPS_BITS);
    // deep: H·T·D_x < 2^(16 + 24 + 196) and 10000·A_x < 2^(14 + 212), so |δ_x| < 2^237 and
    // |carry| < 2^(237 - 64) < 2^176; x = δ_hi + carry: |x| < 2^238 < 2^240.
    assert!(BPS_BITS + THRESHOLD_BITS + (DEBT_TERM_BITS + SUM_BITS) < 237);
    assert!(237 - LIMB_BITS < DEEP_CARRY_OFFSET_BITS && DEEP_CARRY_OFFSET_BITS < DEEP_CARRY_BITS);
    assert!(DEEP_CARRY_BITS + REMAINDER_BITS + 1 < FIELD_BITS);
    assert!(238 < DEEP_VERDICT_BITS && DEEP_VERDICT_BITS < FIELD_BITS - 1);
    // floor(debt_d·CF/10000): m·10000 + r < 2^(136 + 14) + 2^16 and debt·CF < 2^(128 + 16).
    assert!(QUOTIENT_BITS + 14 + 1 < FIELD_BITS && AMOUNT_BITS + BPS_BITS < FIELD_BITS);
    // The cap threshold X = ceil(10000(C + 1)/LB): X·LB < 2^(136 + 16); with LB >= 10000,
    // X <= 2^128 + 1, so X·(p_c·s_c) < 2^(129 + 124) = 2^253, and a·p_d·s_d < 2^(128 + 124).
    assert!(QUOTIENT_BITS + BPS_BITS < FIELD_BITS);
    assert!(AMOUNT_BITS + 1 + UNIT_BITS == 253 && AMOUNT_BITS + UNIT_BITS < 253);
    // |N - X·D| < 2^253 <= p/2: a verdict y = y_lo + 2^128 y_hi < 2^253 decides its sign.
    assert!(128 + CAP_HIGH_BITS == 253 && 253 < FIELD_BITS);
    // base: Q <= X - 1 < 2^129 (Q and X - 1 - Q both checked to 136 bits, X < 2^129), so
    // Q·D + r < 2^(129 + 124) + 2^124 < 2^254 < p: the quotient is exact.
    assert!(129 + UNIT_BITS < FIELD_BITS && UNIT_REMAINDER_BITS >= UNIT_BITS);
    // Capped repaid, in 64-bit limbs: V = p_d·s_d·LB < 2^140; limb products < 2^(64 + 124 + 14)
    // and < 2^(64 + 140); |s_lo| < 2^205, so |k| < 2^141 < 2^144; both carry equations are
    // below 2^217 in size: exact.
    assert!(UNIT_BITS + BPS_BITS == 140 && DIVISOR_REMAINDER_BITS >= 140);
    assert!(205 - LIMB_BITS < LIMB_CARRY_OFFSET_BITS && LIMB_CARRY_OFFSET_BITS < LIMB_CARRY_BITS);
    assert!(LIMB_BITS + LIMB_CARRY_BITS + 1 < FIELD_BITS);
    // bonus: floor(seized·10000/LB): B0·LB < 2^(144 + 16); fee: fee·10000 < 2^(136 + 14).
    assert!(DIVISOR_REMAINDER_BITS + BPS_BITS < FIELD_BITS);

    // Report edge comparisons: eT = e·T < 2^(20 + 24); eT·D_x < 2^(44 + 196) = 2^240 and
    // 10000·A_x < 2^(14 + 212) = 2^226, so |δ_x| < 2^241 and |carry| < 2^(241 - 64) < 2^180;
    // x = δ_hi + carry: |x| < 2^241 + 2^180 < 2^242 < 2^244, and a negative x (p - |x|)
    // cannot pass the verdict width.
    assert!(EDGE_BITS + THRESHOLD_BITS + DEBT_TERM_BITS + SUM_BITS == 240);
    assert!(14 + LHS_BITS == 226 && (RATIO_BPS as u128) < 1 << 14);
    assert!(241 - LIMB_BITS < BUCKET_CARRY_OFFSET_BITS);
    assert!(BUCKET_CARRY_OFFSET_BITS < BUCKET_CARRY_BITS);
    assert!(BUCKET_CARRY_BITS + REMAINDER_BITS + 1 < FIELD_BITS);
    assert!(242 < BUCKET_VERDICT_BITS && BUCKET_VERDICT_BITS < FIELD_BITS - 1);
    assert!(RATIO_BPS < 1 << EDGE_BITS);
    // The running book: at most 2^32 leaves (the deepest tree), so counts stay below 2^33 and
    // totals of u128 amounts below 2^160, far below the modulus.
    assert!(crate::tree::DEPTH == 32 && 128 + 32 < FIELD_BITS);
    // Its commitment's message (blind, 2 counts, MAX_EDGES buckets, two totals per slot, tag)
    // fits the Poseidon message lengths the circuit is compiled for (at most 44).
    assert!(1 + 2 + MAX_EDGES + 2 * MAX_ASSETS + 1 < 45);
};
