//! The circuit against the off-circuit reference, on random markets (1 to 16 assets), prices
//! and accounts, extremes included: the true claim satisfies the circuit, the false one does not.

mod common;

use common::mock;
use proptest::prelude::*;
use zkliq_circuits::bounds::{MAX_DECIMALS, MAX_THRESHOLD_BPS, MAX_WEIGHT_BPS};
use zkliq_circuits::health::reference;
use zkliq_circuits::{Account, Asset, Claim, Fp, HealthWitness, Market, PriceRound};

fn amount() -> impl Strategy<Value = u128> {
    prop_oneof![
        2 => Just(0u128),
        1 => Just(u128::MAX),
        1 => Just(u64::MAX as u128),
        1 => Just(1u128 << 64),
        3 => 0u128..1_000_000_000_000_000_000_000_000u128,
        2 => any::<u128>(),
    ]
}

fn price() -> impl Strategy<Value = u64> {
    prop_oneof![1 => Just(1u64), 1 => Just(u64::MAX), 4 => 1u64..=u64::MAX, 4 => 1u64..10_000_000_000_000u64]
}

#[derive(Debug, Clone)]
struct Case {
    market: Market,
    prices: PriceRound,
    account: Account,
}

fn case() -> impl Strategy<Value = Case> {
    (1usize..=16).prop_flat_map(|n| {
        let assets = proptest::collection::vec(
            (
                0..=MAX_DECIMALS,
                prop_oneof![Just(0u16), Just(MAX_WEIGHT_BPS), 0..=MAX_WEIGHT_BPS],
            ),
            n,
        );
        let threshold = prop_oneof![Just(1u32), Just(MAX_THRESHOLD_BPS), 1..=MAX_THRESHOLD_BPS];
        (
            assets,
            threshold,
            proptest::collection::vec(price(), n),
            proptest::collection::vec(amount(), n),
            proptest::collection::vec(amount(), n),
            any::<u64>(),
        )
            .prop_map(|(assets, threshold, prices, collateral, debt, salt)| {
                let assets = assets
                    .into_iter()
                    .enumerate()
                    .map(|(i, (decimals, weight_bps))| Asset {
                        symbol: format!("T{i}"),
                        decimals,
                        weight_bps,
                    })
                    .collect();
                let market = Market::new("random", threshold, assets).unwrap();
                let prices = PriceRound::new(&market, 1, 2, 8, prices).unwrap();
                let account = Account::new(&market, Fp::from(salt), collateral, debt).unwrap();
                Case {
                    market,
                    prices,
                    account,
                }
            })
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn circuit_agrees_with_reference(case in case()) {
        let truth = reference::evaluate(&case.market, &case.prices, &case.account).claim();
        for claim in [Claim::Healthy, Claim::Liquidatable] {
            let witness = HealthWitness::new(&case.market, &case.prices, &case.account, claim);
            let result = mock(&witness, witness.public_inputs());
            prop_assert_eq!(result.is_ok(), claim == truth, "claim {} (truth {}): {:?}", claim, truth, result);
        }
    }
}
