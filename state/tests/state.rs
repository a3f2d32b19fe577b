//! The state database: imports are all or nothing, the tree matches an in-memory one, reads
//! stream.

use std::io::Cursor;

use zkliq_circuits::commitment::{account_commitment, market_commitment};
use zkliq_circuits::tree::{self, EmptyTree, MemoryStore, TreeSpec};
use zkliq_circuits::{Account, Fp, Market};
use zkliq_state::{State, StateError};

fn market() -> Market {
    let text = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/markets/aave-v3-4.json"),
    )
    .unwrap();
    Market::from_json(&text).unwrap()
}

/// An account line; `salt` picks one of many distinct strong salts (all at least 2^252).
fn line(id: &str, salt: u64, weth: u128, usdc_debt: u128) -> String {
    format!(
        r#"{{"id": "{id}", "salt": "0x1{salt:015x}{:048x}", "collateral": {{"WETH": "{weth}"}}, "debt": {{"USDC": "{usdc_debt}"}}}}"#,
        salt * 7
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
    let state = State::create(&dir.path().join("state.db"), &market(), TreeSpec::DEFAULT).unwrap();
    (dir, state)
}

#[test]
fn create_and_open_guard_the_file() {
    let (dir, state) = fresh();
    let path = dir.path().join("state.db");
    drop(state);
    assert!(matches!(
        State::create(&path, &market(), TreeSpec::DEFAULT),
        Err(StateError::Exists(_))
    ));
    // The database holds every opening: only its owner may read it.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "{mode:o}");
    }
    let state = State::open(&path).unwrap();
    assert_eq!(state.market(), &market());
    let empty = EmptyTree::new(market().shape(), TreeSpec::DEFAULT).at(tree::DEPTH);
    assert_eq!(state.tree_root().unwrap(), empty);
    // The published root binds the market.
    assert_eq!(
        state.root().unwrap(),
        zkliq_circuits::hash::bound_root(market_commitment(&market()), empty)
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

    let empty = EmptyTree::new(m.shape(), state.tree());
    let mut memory = MemoryStore::default();
    let leaves: Vec<(u64, Fp)> = (0..300u64)
        .map(|i| {
            let a = state.account(&format!("acct-{i}")).unwrap();
            assert_eq!(a.leaf_index, i);
            (i, account_commitment(&m, &a.account))
        })
        .collect();
    let expected = tree::update(&mut memory, &empty, leaves).unwrap();
    let published = state.tree().publish(market_commitment(&m), expected);
    assert_eq!(report.root, published);
    assert_eq!(state.root().unwrap(), published);
    assert_eq!(state.tree_root().unwrap(), expected);

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
                .map(|p| state.tree().hash_nodes(p[0], p[1]))
                .collect();
        }
        assert_eq!(
            tree::root_from(state.tree(), level[0], s, &state.path(h, s).unwrap()),
            expected,
            "h={h} s={s}"
        );
    }

    // Re-importing an id replaces its opening at the same leaf.
    let report = state
        .import(Cursor::new(line("acct-7", 99_999, 5, 5)))
        .unwrap();
    assert_eq!(
        (report.inserted, report.updated, report.accounts),
        (0, 1, 300)
    );
    assert_ne!(report.root, published);
    let seven = state.account("acct-7").unwrap();
    assert_eq!(seven.leaf_index, 7);
    assert_eq!(seven.account.collateral()[0], 5);
    // New ids continue after the last leaf.
    state
        .import(Cursor::new(line("late", 100_000, 1, 0)))
        .unwrap();
    assert_eq!(state.account("late").unwrap().leaf_index, 300);
}

#[test]
fn bad_lines_are_reported_and_nothing_is_imported() {
    let (_dir, mut state) = fresh();
    state.import(Cursor::new(lines(0..10))).unwrap();
    let root = state.root().unwrap();
    let mut text = lines(10..20_000);
    text.push_str("\n\n"); // blank lines are skipped
    text.push_str(&line("acct-3", 50_001, 1, 1).replace("\"1\"}}", "\"-1\"}}"));
    text.push('\n');
    text.push_str("{\"salt\": \"0x01\"}\n");
    text.push_str(&line("acct-12", 50_002, 1, 1));
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
    assert!(rendered[1].contains("missing field `id`"), "{rendered:?}");
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

#[test]
fn weak_and_shared_salts_are_refused_by_line() {
    let (_dir, mut state) = fresh();
    state.import(Cursor::new(lines(0..5))).unwrap();
    let root = state.root().unwrap();
    let weak = r#"{"id": "weak", "salt": "0x0000000000000000000000000000000000000000000000000000000000000001"}"#;
    let max_weak = format!(
        r#"{{"id": "weak2", "salt": "0x{}{}"}}"#,
        "0".repeat(32),
        "f".repeat(32)
    );
    let text = [
        line("fresh-a", 70_000, 1, 1),
        weak.to_owned(),
        line("fresh-b", 70_000, 1, 1), // the same salt as line 1
        line("fresh-c", 2, 1, 1),      // the salt of acct-1, already in the state
        line("acct-3", 4, 9, 9),       // acct-3 keeps its own salt: allowed
        max_weak,
    ]
    .join("\n");
    let Err(StateError::Import { errors }) = state.import(Cursor::new(text)) else {
        panic!("the import must fail");
    };
    let rendered: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
    assert_eq!(
        errors.iter().map(|e| e.line).collect::<Vec<_>>(),
        vec![2, 3, 4, 6],
        "{rendered:#?}"
    );
    assert!(
        rendered[0].contains("salt: must be at least 2^128"),
        "{rendered:?}"
    );
    assert!(
        rendered[1].contains("salt: the same salt as line 1"),
        "{rendered:?}"
    );
    assert!(
        rendered[2].contains("the same salt as account \"acct-1\""),
        "{rendered:?}"
    );
    assert!(
        rendered[3].contains("salt: must be at least 2^128"),
        "{rendered:?}"
    );
    assert_eq!(state.root().unwrap(), root);
    // The smallest strong salt is accepted.
    let min_strong = format!(
        r#"{{"id": "edge", "salt": "0x{}1{}"}}"#,
        "0".repeat(31),
        "0".repeat(32)
    );
    state.import(Cursor::new(min_strong)).unwrap();
}

#[test]
fn a_legacy_database_is_refused_then_migrated_to_the_same_tree() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.db");
    // A schema-1 database as the previous release wrote it (its nodes are irrelevant: migration
    // rebuilds the tree).
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch(
            "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
             CREATE TABLE accounts (leaf_index INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE,
                 salt BLOB NOT NULL, amounts BLOB NOT NULL);
             CREATE TABLE nodes (level INTEGER NOT NULL, idx INTEGER NOT NULL, hash BLOB NOT NULL,
                 PRIMARY KEY (level, idx)) WITHOUT ROWID;",
        )
        .unwrap();
        let market_json = serde_json::to_string(&market()).unwrap();
        for (k, v) in [
            ("schema", "zkliq-state/1"),
            ("market", market_json.as_str()),
            ("next_index", "40"),
        ] {
            conn.execute("INSERT INTO meta VALUES (?1, ?2)", [k, v])
                .unwrap();
        }
    }
    let (_fresh_dir, mut fresh) = fresh();
    fresh.import(Cursor::new(lines(0..40))).unwrap();
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        for i in 0..40u64 {
            let a = fresh.account(&format!("acct-{i}")).unwrap();
            let amounts: Vec<u8> = a
                .account
                .collateral()
                .iter()
                .chain(a.account.debt())
                .flat_map(|x| x.to_le_bytes())
                .collect();
            conn.execute(
                "INSERT INTO accounts VALUES (?1, ?2, ?3, ?4)",
                rusqlite::params![
                    i as i64,
                    a.id,
                    ff::PrimeField::to_repr(&a.account.salt()).as_ref(),
                    amounts
                ],
            )
            .unwrap();
        }
    }
    let err = State::open(&path)
        .err()
        .expect("a legacy database is refused");
    assert!(matches!(err, StateError::Legacy(_)));
    assert!(err.to_string().contains("zkliq state migrate"), "{err}");
    let (migrated, resealed) = State::migrate(&path, false).unwrap();
    assert!(resealed.is_empty());
    assert_eq!(migrated.root().unwrap(), fresh.root().unwrap());
    assert_eq!(migrated.len().unwrap(), 40);
    drop(migrated);
    assert_eq!(
        State::open(&path).unwrap().root().unwrap(),
        fresh.root().unwrap()
    );
    // Migrating twice is refused, changing nothing.
    assert!(matches!(
        State::migrate(&path, false),
        Err(StateError::NotAState { .. })
    ));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "{mode:o}");
    }

    // An old database holding weak and shared salts (salt 0 with nothing in it is the empty
    // leaf itself): refused, then resealed on request.
    let weak = dir.path().join("weak.db");
    legacy_database(
        &weak,
        &[
            ("ghost", [0u8; 32], vec![0u8; 128]),
            ("one", one_salt(1), vec![0u8; 128]),
            ("a", one_salt(0x77), vec![1u8; 128]),
            ("b", one_salt(0x77), vec![2u8; 128]),
        ],
    );
    let Err(StateError::WeakSalts(ids)) = State::migrate(&weak, false) else {
        panic!("weak salts must be refused");
    };
    assert_eq!(ids, vec!["ghost", "one", "b"]);
    assert!(
        matches!(State::open(&weak), Err(StateError::Legacy(_))),
        "unchanged"
    );
    let (state, resealed) = State::migrate(&weak, true).unwrap();
    assert_eq!(resealed, vec!["ghost", "one", "b"]);
    let empty_leaf = tree::empty_leaf(state.market().shape());
    for id in ["ghost", "one", "a", "b"] {
        let a = state.account(id).unwrap();
        a.account.check_salt_strength().unwrap();
        assert_ne!(state.commitment(&a.account), empty_leaf, "{id}");
    }
}

/// A salt whose top byte is `byte` and all else zero (weak if `byte` sits in the low bytes).
fn one_salt(byte: u8) -> [u8; 32] {
    let mut salt = [0u8; 32];
    salt[if byte == 1 { 0 } else { 20 }] = byte;
    salt
}

/// A schema-1 database holding `accounts` (id, salt bytes, amount bytes) at leaves 0...
fn legacy_database(path: &std::path::Path, accounts: &[(&str, [u8; 32], Vec<u8>)]) {
    let conn = rusqlite::Connection::open(path).unwrap();
    conn.execute_batch(
        "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
         CREATE TABLE accounts (leaf_index INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE,
             salt BLOB NOT NULL, amounts BLOB NOT NULL);
         CREATE TABLE nodes (level INTEGER NOT NULL, idx INTEGER NOT NULL, hash BLOB NOT NULL,
             PRIMARY KEY (level, idx)) WITHOUT ROWID;",
    )
    .unwrap();
    let market_json = serde_json::to_string(&market()).unwrap();
    let next = accounts.len().to_string();
    for (k, v) in [
        ("schema", "zkliq-state/1"),
        ("market", market_json.as_str()),
        ("next_index", next.as_str()),
    ] {
        conn.execute("INSERT INTO meta VALUES (?1, ?2)", [k, v])
            .unwrap();
    }
    for (i, (id, salt, amounts)) in accounts.iter().enumerate() {
        conn.execute(
            "INSERT INTO accounts VALUES (?1, ?2, ?3, ?4)",
            rusqlite::params![i as i64, id, salt.as_ref(), amounts],
        )
        .unwrap();
    }
}

#[test]
fn duplicate_keys_non_utf8_lines_and_a_byte_order_mark() {
    let (_dir, mut state) = fresh();
    let good = line("first", 1, 5, 0);
    // A byte-order mark before the first line is not part of the JSON.
    state
        .import(Cursor::new(format!("\u{feff}{good}\n")))
        .unwrap();
    let root = state.root().unwrap();
    let mut text = Vec::new();
    text.extend_from_slice(
        line("dup-symbol", 2, 1, 1)
            .replace("\"WETH\": \"1\"", "\"WETH\": \"1\", \"WETH\": \"2\"")
            .as_bytes(),
    );
    text.push(b'\n');
    text.extend_from_slice(
        line("dup-id", 3, 1, 1)
            .replace(
                "{\"id\": \"dup-id\"",
                "{\"id\": \"dup-id\", \"id\": \"other\"",
            )
            .as_bytes(),
    );
    text.push(b'\n');
    text.extend_from_slice(&[0xff, 0xfe, b'{', b'}']);
    text.push(b'\n');
    text.extend_from_slice(line("fine", 4, 1, 1).as_bytes());
    let Err(StateError::Import { errors }) = state.import(Cursor::new(text)) else {
        panic!("the import must fail");
    };
    let rendered: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
    assert_eq!(
        errors.iter().map(|e| e.line).collect::<Vec<_>>(),
        vec![1, 2, 3],
        "{rendered:#?}"
    );
    assert!(
        rendered[0].contains("collateral.WETH: duplicate symbol"),
        "{rendered:?}"
    );
    assert!(rendered[1].contains("duplicate field `id`"), "{rendered:?}");
    assert!(
        rendered[2].contains("line 3: not UTF-8 text"),
        "{rendered:?}"
    );
    assert_eq!(state.root().unwrap(), root);
}
