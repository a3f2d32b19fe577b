//! Batch and membership circuits: one dishonest witness per new constraint, rejected by the
//! MockProver for the reason the constraint exists.

mod common;

use common::{
    assert_rejected_by, assert_rejected_only_by, batch_witness, mock_batch, truth, vector,
};
use ff::Field;
use zkliq_circuits::batch::{
    BatchWitness, CLAIMS_START_ROW, MARKET_COMMITMENT_ROW, PRICE_COMMITMENT_ROW, ROOT_ROW,
    SUBTREE_INDEX_ROW, SlotClaim,
};
use zkliq_circuits::{Account, Claim, Fp, Market, PriceRound};

/// aave4 at the crash round: accounts rand0..rand5 (healthy and liquidatable), two empty leaves.
fn scene() -> (Market, PriceRound, Vec<Option<Account>>) {
    let (market, prices, _) = vector("aave4", "aave4-crash", "aave4-rand0");
    let mut accounts: Vec<Option<Account>> = (0..6)
        .map(|i| Some(vector("aave4", "aave4-crash", &format!("aave4-rand{i}")).2))
        .collect();
    accounts.insert(2, None);
    accounts.push(None);
    (market, prices, accounts)
}

fn honest() -> BatchWitness {
    let (m, p, a) = scene();
    batch_witness(&m, &p, &a, None, 3, 2)
}

fn liquidatable_position(w: &BatchWitness) -> usize {
    w.public_inputs()[CLAIMS_START_ROW..]
        .iter()
        .position(|c| *c == Fp::from(2))
        .expect("the scene has a liquidatable account")
}

#[test]
fn honest_batches_and_memberships_pass() {
    let (m, p, a) = scene();
    let w = honest();
    let claims = w.public_inputs()[CLAIMS_START_ROW..].to_vec();
    assert!(claims.contains(&Fp::from(1)) && claims.contains(&Fp::from(2)));
    assert!(claims.contains(&Fp::ZERO), "empty leaves make no claim");
    assert_eq!(mock_batch(&w, w.public_inputs()), Ok(()));
    // Claim only the liquidatable ones, as a keeper does.
    let keeper: Vec<SlotClaim> = a
        .iter()
        .map(|x| match x {
            Some(x) if truth(&m, &p, x) == Claim::Liquidatable => {
                SlotClaim::Is(Claim::Liquidatable)
            }
            _ => SlotClaim::None,
        })
        .collect();
    let w = batch_witness(&m, &p, &a, Some(keeper), 3, 5);
    assert_eq!(mock_batch(&w, w.public_inputs()), Ok(()));
    // Membership: one account, a full path, its leaf index public.
    let w = batch_witness(&m, &p, &a[..1], None, 0, 77);
    assert_eq!(w.public_inputs()[SUBTREE_INDEX_ROW], Fp::from(77));
    assert_eq!(mock_batch(&w, w.public_inputs()), Ok(()));
}

/// The honest instance with one row changed.
fn with_row(w: &BatchWitness, row: usize, value: Fp) -> Vec<Fp> {
    let mut column = w.public_inputs();
    column[row] = value;
    column
}

#[test]
fn wrong_root_fails() {
    let w = honest();
    let root = w.public_inputs()[ROOT_ROW];
    assert_rejected_by(
        mock_batch(&w, with_row(&w, ROOT_ROW, root + Fp::ONE)),
        "on row 0)",
    );
}

#[test]
fn wrong_path_fails() {
    for level in [0, 10, 28] {
        let mut w = honest();
        let instance = w.public_inputs();
        w.siblings[level] += Fp::ONE;
        w.derive();
        assert_rejected_by(mock_batch(&w, instance), "on row 0)");
    }
}

#[test]
fn wrong_index_fails() {
    // The same subtree claimed at another index.
    let w = honest();
    let index = w.public_inputs()[SUBTREE_INDEX_ROW];
    assert_rejected_by(
        mock_batch(&w, with_row(&w, SUBTREE_INDEX_ROW, index + Fp::ONE)),
        &format!("on row {SUBTREE_INDEX_ROW})"),
    );
    // Moving the subtree (other index bits, same siblings) changes the root.
    let mut moved = honest();
    let honest_root = moved.public_inputs()[ROOT_ROW];
    moved.subtree_index ^= 1;
    moved.derive();
    assert_rejected_by(
        mock_batch(&moved, with_row(&moved, ROOT_ROW, honest_root)),
        "on row 0)",
    );
}

#[test]
fn index_bits_must_be_boolean() {
    // Index 2 = bits (0, 1); the bits (2, 0) recompose to it too, and the path is recomputed
    // with them: only the boolean check stands in the way.
    let mut w = honest();
    assert_eq!(w.subtree_index, 2);
    w.derived.index_bits[0] = Fp::from(2);
    w.derived.index_bits[1] = Fp::ZERO;
    w.derive_path();
    assert_rejected_only_by(mock_batch(&w, w.public_inputs()), &["'bit is boolean'"]);
}

#[test]
fn a_leaf_is_bound_to_its_account() {
    let mut w = honest();
    let instance = w.public_inputs();
    w.slots[1].account.salt += Fp::ONE;
    w.slots[1].derive();
    w.derive();
    assert_rejected_by(mock_batch(&w, instance.clone()), "on row 0)");
    let mut w = honest();
    w.slots[4].account.debt[0][0] += Fp::ONE;
    w.slots[4].derive();
    w.derive();
    assert_rejected_by(mock_batch(&w, instance), "on row 0)");
}

#[test]
fn padded_slots_cannot_carry_a_liquidatable_claim() {
    let (m, p, a) = scene();
    let empty = a.iter().position(Option::is_none).unwrap();
    let mut claims: Vec<SlotClaim> = a
        .iter()
        .map(|x| {
            x.as_ref()
                .map_or(SlotClaim::None, |x| SlotClaim::Is(truth(&m, &p, x)))
        })
        .collect();
    claims[empty] = SlotClaim::Is(Claim::Liquidatable);
    let w = batch_witness(&m, &p, &a, Some(claims), 3, 2);
    assert_rejected_only_by(
        mock_batch(&w, w.public_inputs()),
        &[&format!("range check y of position {empty} < 2^224")],
    );
}

#[test]
fn false_claims_fail_per_position() {
    let (m, p, a) = scene();
    for (j, account) in a.iter().enumerate().filter(|(_, x)| x.is_some()) {
        let mut claims: Vec<SlotClaim> = a
            .iter()
            .map(|x| {
                x.as_ref()
                    .map_or(SlotClaim::None, |x| SlotClaim::Is(truth(&m, &p, x)))
            })
            .collect();
        claims[j] = SlotClaim::Is(truth(&m, &p, account.as_ref().unwrap()).negate());
        let w = batch_witness(&m, &p, &a, Some(claims), 3, 2);
        assert_rejected_only_by(
            mock_batch(&w, w.public_inputs()),
            &[&format!("range check y of position {j} < 2^224")],
        );
    }
}

#[test]
fn an_unclaimed_position_cannot_be_marked_healthy() {
    // e = 0 with b = 1 would publish c = 0 but leave b = 1 unchecked.
    let mut w = honest();
    let j = liquidatable_position(&w);
    w.claimed[j] = Fp::ZERO;
    w.slots[j].claim = Fp::ONE;
    w.slots[j].derive_verdict();
    w.derive_verdicts();
    assert_rejected_only_by(
        mock_batch(&w, w.public_inputs()),
        &["'no claim is not healthy'"],
    );
}

#[test]
fn the_claimed_flag_must_be_boolean() {
    let mut w = honest();
    let j = liquidatable_position(&w);
    w.claimed[j] = Fp::from(2);
    w.derive_verdicts();
    assert_rejected_only_by(mock_batch(&w, w.public_inputs()), &["'claimed is boolean'"]);
}

#[test]
fn public_claims_are_bound() {
    let w = honest();
    let j = liquidatable_position(&w);
    for other in [Fp::ZERO, Fp::ONE] {
        let row = CLAIMS_START_ROW + j;
        assert_rejected_by(
            mock_batch(&w, with_row(&w, row, other)),
            &format!("on row {row})"),
        );
    }
}

#[test]
fn every_position_uses_the_committed_market_and_prices() {
    // Position 3 valued at another price than the committed one: its copy of the committed
    // price disagrees with the accumulators.
    let mut w = honest();
    w.slots[3].prices.prices[0] += Fp::ONE;
    w.slots[3].derive();
    w.derive();
    assert_rejected_by(mock_batch(&w, w.public_inputs()), "('asset')");
    let mut w = honest();
    w.slots[5].market.weights[1] += Fp::ONE;
    w.slots[5].derive();
    w.derive();
    assert_rejected_by(mock_batch(&w, w.public_inputs()), "('asset')");
    // The committed market and prices are bound to the public commitments.
    for (row, tamper) in [
        (
            MARKET_COMMITMENT_ROW,
            (|w: &mut BatchWitness| w.slots[0].market.threshold += Fp::ONE)
                as fn(&mut BatchWitness),
        ),
        (PRICE_COMMITMENT_ROW, |w: &mut BatchWitness| {
            w.slots[0].prices.header += Fp::ONE
        }),
    ] {
        let mut w = honest();
        let instance = w.public_inputs();
        tamper(&mut w);
        w.slots[0].derive();
        w.derive();
        assert_rejected_by(mock_batch(&w, instance), &format!("on row {row})"));
    }
}

#[test]
fn merkle_level_gates() {
    // Each value of a path level, changed with everything above it recomputed.
    // (A changed left child also breaks `right = node + sibling - left`.)
    type Case = (&'static [&'static str], fn(&mut BatchWitness));
    let cases: [Case; 3] = [
        (&["'left'", "'right'"], |w| {
            w.derived.path_pairs[4].0 += Fp::ONE;
            w.derive_path_above(4);
        }),
        (&["'right'"], |w| {
            w.derived.path_pairs[7].1 += Fp::ONE;
            w.derive_path_above(7);
        }),
        (&["'index'"], |w| w.derived.index_acc[3] += Fp::ONE),
    ];
    for (constraints, tamper) in cases {
        let mut w = honest();
        tamper(&mut w);
        assert_rejected_only_by(mock_batch(&w, w.public_inputs()), constraints);
    }
    // A node on the path that is not the hash of the level below.
    let mut w = honest();
    w.derived.path_nodes[5] += Fp::ONE;
    w.derive_path_from_node(6);
    assert_rejected_only_by(
        mock_batch(&w, w.public_inputs()),
        &["Equality constraint not satisfied"],
    );
}

#[test]
fn public_claim_gate() {
    // A published claim that is not e·(2 - b): e.g. "liquidatable" (2) for a position whose
    // witness says healthy (e = 1, b = 1). The instance follows the tampered value, so only
    // the gate stands in the way.
    let mut w = honest();
    let j = w.public_inputs()[CLAIMS_START_ROW..]
        .iter()
        .position(|c| *c == Fp::ONE)
        .unwrap();
    w.derived.claims[j] = Fp::from(2);
    assert_rejected_only_by(mock_batch(&w, w.public_inputs()), &["'public claim'"]);
}

#[test]
fn optional_verdict_low_half_and_verdict_gates() {
    let mut w = honest();
    let j = liquidatable_position(&w);
    w.slots[j].derived.verdict.remainder += Fp::ONE;
    assert_rejected_only_by(mock_batch(&w, w.public_inputs()), &["'low half'"]);

    let mut w = honest();
    let j = liquidatable_position(&w);
    w.derived.verdicts[j] += Fp::ONE;
    assert_rejected_only_by(mock_batch(&w, w.public_inputs()), &["'verdict'"]);

    // An unclaimed position must assign y = 0: any other value fails the same gate.
    let mut w = honest();
    let empty = w.public_inputs()[CLAIMS_START_ROW..]
        .iter()
        .position(|c| *c == Fp::ZERO)
        .unwrap();
    w.derived.verdicts[empty] = Fp::ONE;
    assert_rejected_only_by(mock_batch(&w, w.public_inputs()), &["'verdict'"]);
}

#[test]
fn a_subtree_index_past_the_tree_fails() {
    let w = honest();
    let path_len = w.shape.path_len() as u32;
    let past = Fp::from(w.subtree_index) + zkliq_circuits::field::pow2(path_len);
    // The honest path recomposes to s, not s + 2^(depth - h).
    assert_rejected_by(
        mock_batch(&w, with_row(&w, SUBTREE_INDEX_ROW, past)),
        &format!("on row {SUBTREE_INDEX_ROW})"),
    );
    // Nor can the recomposition reach it: the accumulator above the top level is fixed to 0,
    // so a top bit of weight 2^(depth - h) breaks the 'index' constraint of the top level.
    let mut forged = honest();
    for (i, acc) in forged.derived.index_acc.iter_mut().enumerate() {
        *acc += zkliq_circuits::field::pow2(path_len - i as u32);
    }
    assert_rejected_by(
        mock_batch(&forged, with_row(&forged, SUBTREE_INDEX_ROW, past)),
        "'index'",
    );
}

#[test]
fn a_leaf_permutation_inside_the_subtree_fails() {
    // Swap the liquidatable account with its neighbour: the claims follow the accounts, but the
    // subtree (so the root) no longer matches the published one.
    let w = honest();
    let honest_root = w.public_inputs()[ROOT_ROW];
    let j = liquidatable_position(&w);
    let k = j ^ 1;
    let mut swapped = w.clone();
    swapped.slots.swap(j, k);
    swapped.claimed.swap(j, k);
    swapped.derive();
    assert_ne!(
        swapped.public_inputs()[CLAIMS_START_ROW + j],
        w.public_inputs()[CLAIMS_START_ROW + j]
    );
    assert_rejected_by(
        mock_batch(&swapped, with_row(&swapped, ROOT_ROW, honest_root)),
        "on row 0)",
    );
}

#[test]
fn the_public_root_binds_the_market_commitment() {
    // The same accounts and path under another market of the same shape (every weight 10000):
    // its commitment goes into the root, so the honest root no longer matches.
    let (m, p, a) = scene();
    let honest = honest();
    let honest_root = honest.public_inputs()[ROOT_ROW];
    let assets = m
        .assets()
        .iter()
        .map(|x| zkliq_circuits::Asset {
            weight_bps: 10_000,
            ..x.clone()
        })
        .collect();
    let invented = Market::new("invented", 1, assets).unwrap();
    let w = batch_witness(&invented, &p, &a, None, 3, 2);
    assert_eq!(
        w.tree_root(),
        honest.tree_root(),
        "same accounts, same tree"
    );
    assert_eq!(mock_batch(&w, w.public_inputs()), Ok(()));
    assert_rejected_by(
        mock_batch(&w, with_row(&w, ROOT_ROW, honest_root)),
        "on row 0)",
    );
    // And claiming the honest market commitment instead fails on that row.
    assert_rejected_by(
        mock_batch(
            &w,
            with_row(
                &w,
                MARKET_COMMITMENT_ROW,
                honest.public_inputs()[MARKET_COMMITMENT_ROW],
            ),
        ),
        &format!("on row {MARKET_COMMITMENT_ROW})"),
    );
}
