//! The liquidation circuit against the plain-integer rule, on random markets with rules (1 to
//! 16 assets), prices, accounts and requests, extremes included: where the rule quotes, the
//! honest witness satisfies the circuit and its public amounts are the quote's, and one unit
//! more seized or less repaid in the instance fails; where the rule refuses, so does the
//! witness.

mod common;

use common::liquidation::{liquidator, mock};
use ff::{Field, PrimeField};
use proptest::prelude::*;
use zkliq_circuits::bounds::{
    MAX_BONUS_BPS, MAX_DECIMALS, MAX_THRESHOLD_BPS, MAX_WEIGHT_BPS, MIN_BONUS_BPS,
};
use zkliq_circuits::inputs::LiquidationRules;
use zkliq_circuits::liquidation::instance::{REPAID_ROW, SEIZED_ROW};
use zkliq_circuits::liquidation::{LiquidationShape, LiquidationWitness, Repay, Request, quote};
use zkliq_circuits::tree::{self, EmptyTree, MemoryStore, TreeSpec};
use zkliq_circuits::{Account, Asset, Fp, Market, PriceRound};

fn amount() -> impl Strategy<Value = u128> {
    prop_oneof![
        2 => Just(0u128),
        1 => Just(u128::MAX),
        1 => Just(1u128),
        1 => Just(1u128 << 64),
        3 => 0u128..1_000_000_000_000_000_000_000_000u128,
        2 => any::<u128>(),
    ]
}

fn price() -> impl Strategy<Value = u64> {
    prop_oneof![1 => Just(1u64), 1 => Just(u64::MAX), 4 => 1u64..=u64::MAX, 4 => 1u64..10_000_000_000_000u64]
}

fn bps(max: u16) -> impl Strategy<Value = u16> {
    prop_oneof![Just(0u16), Just(max), 0..=max]
}

#[derive(Debug, Clone)]
struct Case {
    market: Market,
    prices: PriceRound,
    account: Account,
    request: Request,
}

fn case() -> impl Strategy<Value = Case> {
    (1usize..=16).prop_flat_map(|n| {
        let assets = proptest::collection::vec(
            (
                0..=MAX_DECIMALS,
                prop_oneof![Just(0u16), Just(MAX_WEIGHT_BPS), 0..=MAX_WEIGHT_BPS],
                prop_oneof![
                    Just(MIN_BONUS_BPS),
                    Just(MAX_BONUS_BPS),
                    MIN_BONUS_BPS..=MAX_BONUS_BPS
                ],
            ),
            n,
        );
        let threshold = prop_oneof![
            Just(10_000u32),
            Just(MAX_THRESHOLD_BPS),
            1..=MAX_THRESHOLD_BPS
        ];
        let repay = prop_oneof![
            2 => Just(Repay::Max),
            1 => Just(Repay::Amount(1)),
            2 => any::<u128>().prop_map(Repay::Amount),
            2 => (0u128..1_000_000_000_000_000_000u128).prop_map(Repay::Amount),
        ];
        (
            (assets, threshold, (1u16..=10_000), bps(10_000), bps(10_000)),
            proptest::collection::vec(price(), n),
            proptest::collection::vec(amount(), n),
            proptest::collection::vec(amount(), n),
            (0..n, 0..n, repay, any::<u64>(), prop::bool::weighted(0.8)),
        )
            .prop_map(
                move |(
                    (assets, threshold, cf, h, fee),
                    prices,
                    mut collateral,
                    mut debt,
                    request,
                )| {
                    let (debt_index, collateral_index, repay, salt, held) = request;
                    // Mostly requests the rule can quote: debt in d, collateral in c that counts.
                    if held {
                        debt[debt_index] = debt[debt_index].max(1);
                        collateral[collateral_index] = collateral[collateral_index].max(1);
                    }
                    // A weight the bonus allows: weight·LB <= 10000·threshold.
                    let bonus: Vec<u16> = assets.iter().map(|a| a.2).collect();
                    let assets = assets
                        .into_iter()
                        .enumerate()
                        .map(|(i, (decimals, weight, lb))| {
                            let cap = (10_000 * u64::from(threshold) / u64::from(lb))
                                .min(u64::from(MAX_WEIGHT_BPS));
                            let weight = if held && i == collateral_index {
                                weight.max(1)
                            } else {
                                weight
                            };
                            Asset {
                                symbol: format!("T{i}"),
                                decimals,
                                weight_bps: u64::from(weight).min(cap) as u16,
                            }
                        })
                        .collect();
                    let market = Market::new("random", threshold, assets)
                        .unwrap()
                        .with_liquidation(LiquidationRules {
                            close_factor_bps: cf,
                            full_close_factor_below_bps: h,
                            protocol_fee_bps: fee,
                            bonus_bps: bonus,
                        })
                        .unwrap();
                    let prices = PriceRound::new(&market, 1, 2, 8, prices).unwrap();
                    let account = Account::new(&market, Fp::from(salt), collateral, debt).unwrap();
                    Case {
                        market,
                        prices,
                        account,
                        request: Request {
                            debt: debt_index,
                            collateral: collateral_index,
                            repay,
                        },
                    }
                },
            )
    })
}

/// The witness of liquidating the case's account at leaf 3 of a depth-8 tree.
fn witness(case: &Case) -> Result<LiquidationWitness, zkliq_circuits::liquidation::Refusal> {
    let spec = TreeSpec::v2(8).unwrap();
    let shape = LiquidationShape::new(case.market.shape(), spec).unwrap();
    let empty = EmptyTree::new(case.market.shape(), spec);
    let mut store = MemoryStore::default();
    let leaf = 3;
    let commitment = zkliq_circuits::commitment::account_commitment(&case.market, &case.account);
    tree::update(&mut store, &empty, [(leaf, commitment), (1, Fp::from(7))]).unwrap();
    let siblings = tree::path(&mut store, &empty, 0, leaf).unwrap();
    LiquidationWitness::new(
        shape,
        &case.market,
        &case.prices,
        &case.account,
        case.request,
        case.account.salt() + Fp::ONE,
        liquidator(),
        leaf,
        siblings,
    )
    .map(|(w, _)| w)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn circuit_agrees_with_the_rule(case in case()) {
        let quoted = quote(&case.market, &case.prices, &case.account, case.request);
        let built = witness(&case);
        match (quoted, built) {
            (Err(refusal), Err(also)) => prop_assert_eq!(refusal, also),
            (Ok(q), Ok(w)) => {
                let column = w.public_inputs();
                prop_assert_eq!(column[REPAID_ROW], Fp::from_u128(q.repaid));
                prop_assert_eq!(column[SEIZED_ROW], Fp::from_u128(q.seized));
                prop_assert_eq!(mock(&w, column.clone()), Ok(()));
                for (row, delta) in [(SEIZED_ROW, Fp::ONE), (REPAID_ROW, -Fp::ONE)] {
                    let mut lie = column.clone();
                    lie[row] += delta;
                    prop_assert!(mock(&w, lie).is_err(), "row {} changed by {:?}", row, delta);
                }
            }
            (quoted, built) => prop_assert!(
                false,
                "the rule and the witness disagree: {:?} vs {:?}",
                quoted.map(|q| q.repaid),
                built.map(|w| w.leaf)
            ),
        }
    }
}
