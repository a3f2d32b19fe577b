//! The state database: imports are all or nothing, the tree matches an in-memory one, reads
//! stream.

use std::io::Cursor;

use zkliq_circuits::commitment::account_commitment;
use zkliq_circuits::tree::{self, EmptyTree, MemoryStore};
use zkliq_circuits::{Account, Fp, Market};
use zkliq_state::{State, StateError};

fn market() -> Market {
    let text = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/markets/aave-v3-4.json"),
    )
    .unwrap();
    Market::from_json(&text).unwrap()
}

fn line(id: &str, salt: u64, weth: u128, usdc_debt: u128) -> String {
    format!(
        r#"{{"id": "{id}", "salt": "0x{salt:064x}", "collateral": {{"WETH": "{weth}"}}, "debt": {{"USDC": "{usdc_debt}"}}}}"#
    )
}

fn lines(range: std::ops::Range<u64>) -> String {
    range
        .map(|i| {
            line(
                &format!("acct-{i}"),
                i + 1,
                u128::from(i) * 10u128.pow(18),
                u128::from(i) * 1000,
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn fresh() -> (tempfile::TempDir, State) {
    let dir = tempfile::tempdir().unwrap();
    let state = State::create(&dir.path().join("state.db"), &market()).unwrap();
    (dir, state)
}

#[test]
fn create_and_open_guard_the_file() {
    let (dir, state) = fresh();
    let path = dir.path().join("state.db");
    drop(state);
    assert!(matches!(
        State::create(&path, &market()),
        Err(StateError::Exists(_))
    ));
    let state = State::open(&path).unwrap();
    assert_eq!(state.market(), &market());
    assert_eq!(
        state.root().unwrap(),
        EmptyTree::new(market().shape()).at(tree::DEPTH)
    );
    assert!(matches!(
        State::open(&dir.path().join("none.db")),
        Err(StateError::Missing(_))
    ));
    let junk = dir.path().join("junk.db");
    std::fs::write(&junk, "not sqlite").unwrap();
    assert!(matches!(
        State::open(&junk),
        Err(StateError::NotAState { .. } | StateError::Sqlite(_))
    ));
}

#[test]
fn imports_build_the_same_tree_as_memory_and_upsert() {
    let (_dir, mut state) = fresh();
    let m = market();
    let report = state.import(Cursor::new(lines(0..300))).unwrap();
    assert_eq!(
        (
            report.lines,
            report.inserted,
            report.updated,
            report.accounts
        ),
        (300, 300, 0, 300)
    );

    let empty = EmptyTree::new(m.shape());
    let mut memory = MemoryStore::default();
    let leaves: Vec<(u64, Fp)> = (0..300u64)
        .map(|i| {
            let a = state.account(&format!("acct-{i}")).unwrap();
            assert_eq!(a.leaf_index, i);
            (i, account_commitment(&m, &a.account))
        })
        .collect();
    let expected = tree::update(&mut memory, &empty, leaves).unwrap();
    assert_eq!(report.root, expected);
    assert_eq!(state.root().unwrap(), expected);

    // Paths from the database open to the root.
    for (h, s) in [(0u32, 17u64), (3, 5), (7, 2)] {
        let leaves: Vec<Fp> = state
            .subtree(h, s)
            .unwrap()
            .iter()
            .map(|a| {
                a.as_ref().map_or(tree::empty_leaf(m.shape()), |a| {
                    account_commitment(&m, &a.account)
                })
            })
            .collect();
        let mut level = leaves;
        while level.len() > 1 {
            level = level
                .chunks(2)
                .map(|p| tree::hash_nodes(p[0], p[1]))
                .collect();
        }
        assert_eq!(
            tree::root_from(level[0], s, &state.path(h, s).unwrap()),
            expected,
            "h={h} s={s}"
        );
    }

    // Re-importing an id replaces its opening at the same leaf.
    let report = state.import(Cursor::new(line("acct-7", 99, 5, 5))).unwrap();
    assert_eq!(
        (report.inserted, report.updated, report.accounts),
        (0, 1, 300)
    );
    assert_ne!(report.root, expected);
    let seven = state.account("acct-7").unwrap();
    assert_eq!(seven.leaf_index, 7);
    assert_eq!(seven.account.collateral()[0], 5);
    // New ids continue after the last leaf.
    state.import(Cursor::new(line("late", 1, 1, 0))).unwrap();
    assert_eq!(state.account("late").unwrap().leaf_index, 300);
}

#[test]
fn bad_lines_are_reported_and_nothing_is_imported() {
    let (_dir, mut state) = fresh();
    state.import(Cursor::new(lines(0..10))).unwrap();
    let root = state.root().unwrap();
    let mut text = lines(10..20_000);
    text.push_str("\n\n"); // blank lines are skipped
    text.push_str(&line("acct-3", 1, 1, 1).replace("\"1\"}}", "\"-1\"}}"));
    text.push('\n');
    text.push_str("{\"salt\": \"0x01\"}\n");
    text.push_str(&line("acct-12", 1, 1, 1));
    text.push('\n');
    text.push_str("not json\n");
    let Err(StateError::Import { errors }) = state.import(Cursor::new(text)) else {
        panic!("the import must fail");
    };
    let rendered: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
    assert_eq!(
        errors.iter().map(|e| e.line).collect::<Vec<_>>(),
        vec![19_992, 19_993, 19_994, 19_995],
        "{rendered:#?}"
    );
    assert!(
        rendered[0].contains("debt.USDC: must not be negative"),
        "{rendered:?}"
    );
    assert!(rendered[1].contains("id: missing"), "{rendered:?}");
    assert!(
        rendered[2].contains("duplicate id \"acct-12\" (also line 3)"),
        "{rendered:?}"
    );
    assert!(rendered[3].contains("not JSON"), "{rendered:?}");
    assert_eq!(state.len().unwrap(), 10);
    assert_eq!(state.root().unwrap(), root);
    assert!(matches!(
        state.account("acct-500"),
        Err(StateError::UnknownId(_))
    ));
}

#[test]
fn scans_stream_in_leaf_order() {
    let (_dir, mut state) = fresh();
    state.import(Cursor::new(lines(0..1000))).unwrap();
    let mut seen = Vec::new();
    let count = state
        .scan(|i, a: &Account| {
            assert_eq!(a.collateral()[0], u128::from(i) * 10u128.pow(18));
            seen.push(i);
        })
        .unwrap();
    assert_eq!(count, 1000);
    assert!(seen.windows(2).all(|w| w[0] + 1 == w[1]));
}
