//! The state database: schema, accounts, tree nodes.

use std::collections::BTreeMap;
use std::path::Path;

use ff::PrimeField;
use rusqlite::{Connection, OpenFlags, OptionalExtension, params};
use zkliq_circuits::commitment::{account_commitment, market_commitment};
use zkliq_circuits::tree::{self, EmptyTree, NodeStore, TreeFormat, TreeSpec};
use zkliq_circuits::{Account, Fp, Market};

use crate::access::{ACCESS_SCHEMA, upgrade_grants};
use crate::error::StateError;
use crate::transitions::{TRANSITIONS_SCHEMA, TransitionKind, record};

/// Version of the schema this crate reads and writes.
const SCHEMA_VERSION: &str = "zkliq-state/2";
/// The schema of earlier releases (format-1 tree); [`State::migrate`] upgrades it.
const LEGACY_SCHEMA_VERSION: &str = "zkliq-state/1";

/// An open state database, bound to one market and one tree depth.
pub struct State {
    pub(crate) conn: Connection,
    pub(crate) market: Market,
    pub(crate) market_commitment: Fp,
    pub(crate) empty: EmptyTree,
}

/// An account as stored: its id, its leaf and its opening.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredAccount {
    /// The operator's id for the account.
    pub id: String,
    /// Its leaf in the state tree.
    pub leaf_index: u64,
    /// Its opening.
    pub account: Account,
}

fn pragmas(conn: &Connection) -> Result<(), rusqlite::Error> {
    // WAL with synchronous=NORMAL: a crash can lose the last commit but never leaves a partial
    // one; transactions keep every import all-or-nothing.
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    Ok(())
}

/// The tables of schema 2 (`salt` is unique: two accounts never share an opening's salt).
const SCHEMA: &str = "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
     CREATE TABLE accounts (
         leaf_index INTEGER PRIMARY KEY,
         id TEXT NOT NULL UNIQUE,
         salt BLOB NOT NULL UNIQUE,
         amounts BLOB NOT NULL
     );
     CREATE TABLE nodes (
         level INTEGER NOT NULL,
         idx INTEGER NOT NULL,
         hash BLOB NOT NULL,
         PRIMARY KEY (level, idx)
     ) WITHOUT ROWID;";

/// Creates `path` as a new, empty regular file readable and writable by its owner only (a state
/// holds every account's opening). Fails if anything exists at `path`.
fn create_private_file(path: &Path) -> Result<(), StateError> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    match options.open(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            Err(StateError::Exists(path.to_owned()))
        }
        Err(e) => Err(StateError::Create {
            path: path.to_owned(),
            cause: e,
        }),
    }
}

impl State {
    /// Creates a new state database at `path` for `market`, with a format-2 tree of `tree`'s
    /// depth. The file is created with mode 0600 (SQLite gives its WAL and shared-memory files
    /// the same mode). Never overwrites anything.
    pub fn create(path: &Path, market: &Market, tree: TreeSpec) -> Result<State, StateError> {
        if tree.format() != TreeFormat::V2 {
            return Err(StateError::Corrupt(
                "new states use the format-2 tree".into(),
            ));
        }
        create_private_file(path)?;
        let created = (|| {
            let mut conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_WRITE)?;
            pragmas(&conn)?;
            let tx = conn.transaction()?;
            tx.execute_batch(SCHEMA)?;
            tx.execute_batch(TRANSITIONS_SCHEMA)?;
            tx.execute_batch(ACCESS_SCHEMA)?;
            upgrade_grants(&tx)?;
            let market_json = serde_json::to_string(market).expect("a market serialises");
            let depth = tree.depth().to_string();
            for (key, value) in [
                ("schema", SCHEMA_VERSION),
                ("market", market_json.as_str()),
                ("depth", depth.as_str()),
                ("next_index", "0"),
            ] {
                tx.execute(
                    "INSERT INTO meta (key, value) VALUES (?1, ?2)",
                    params![key, value],
                )?;
            }
            tx.commit()?;
            Ok::<_, StateError>(conn)
        })();
        match created {
            Ok(conn) => Ok(State::bind(conn, market.clone(), tree)),
            Err(e) => {
                // Leave nothing half-made behind.
                let _ = std::fs::remove_file(path);
                Err(e)
            }
        }
    }

    fn bind(conn: Connection, market: Market, tree: TreeSpec) -> State {
        State {
            conn,
            market_commitment: market_commitment(&market),
            empty: EmptyTree::new(market.shape(), tree),
            market,
        }
    }

    /// Opens an existing state database.
    pub fn open(path: &Path) -> Result<State, StateError> {
        if !path.is_file() {
            return Err(StateError::Missing(path.to_owned()));
        }
        let not_state = |reason: String| StateError::NotAState {
            path: path.to_owned(),
            reason,
        };
        let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_WRITE)?;
        let meta = |key: &str| -> Result<String, StateError> {
            conn.query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
                .map_err(|e| not_state(format!("no {key} ({e})")))
        };
        let schema = meta("schema")?;
        if schema == LEGACY_SCHEMA_VERSION {
            return Err(StateError::Legacy(path.to_owned()));
        }
        if schema != SCHEMA_VERSION {
            return Err(not_state(format!(
                "schema {schema:?}, this version reads {SCHEMA_VERSION:?}"
            )));
        }
        let market = Market::from_json(&meta("market")?)
            .map_err(|e| not_state(format!("stored market: {e}")))?;
        let depth = meta("depth")?;
        let tree = depth
            .parse()
            .ok()
            .and_then(TreeSpec::v2)
            .ok_or_else(|| not_state(format!("depth {depth:?}")))?;
        pragmas(&conn)?;
        // Schema-2 databases made before the chain of transitions was kept gain its table.
        conn.execute_batch(TRANSITIONS_SCHEMA)?;
        // ... and the tables of the service's grants and published price rounds.
        conn.execute_batch(ACCESS_SCHEMA)?;
        upgrade_grants(&conn)?;
        Ok(State::bind(conn, market, tree))
    }

    /// Upgrades a database of the earlier schema (`zkliq-state/1`, format-1 tree) in place, in
    /// one transaction: the same accounts at the same leaves, the tree rehashed in format 2
    /// (depth 32), salts unique, the file made private (mode 0600). Accounts whose salt is below
    /// 2^128 or shared with another account are refused (naming them) unless `reseal` is set,
    /// which gives each of them a fresh random salt (returned by id: their owners need their
    /// new openings). On any failure nothing changes.
    pub fn migrate(path: &Path, reseal: bool) -> Result<(State, Vec<String>), StateError> {
        if !path.is_file() {
            return Err(StateError::Missing(path.to_owned()));
        }
        let mut conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_WRITE)?;
        let not_state = |reason: String| StateError::NotAState {
            path: path.to_owned(),
            reason,
        };
        let schema: String = conn
            .query_row("SELECT value FROM meta WHERE key = 'schema'", [], |r| {
                r.get(0)
            })
            .map_err(|e| not_state(format!("no schema ({e})")))?;
        if schema != LEGACY_SCHEMA_VERSION {
            return Err(not_state(format!(
                "schema {schema:?}: only {LEGACY_SCHEMA_VERSION:?} is migrated"
            )));
        }
        let market_json: String =
            conn.query_row("SELECT value FROM meta WHERE key = 'market'", [], |r| {
                r.get(0)
            })?;
        let market = Market::from_json(&market_json)
            .map_err(|e| not_state(format!("stored market: {e}")))?;
        let state = State::bind(Connection::open_in_memory()?, market, TreeSpec::DEFAULT);
        let tx = conn.transaction()?;
        let mut accounts: Vec<(u64, String, Account)> = Vec::new();
        {
            let mut stmt = tx.prepare("SELECT leaf_index, id, salt, amounts FROM accounts")?;
            let mut rows = stmt.query([])?;
            while let Some(row) = rows.next()? {
                let account =
                    state.decode(row.get_ref(2)?.as_blob()?, row.get_ref(3)?.as_blob()?)?;
                accounts.push((row.get::<_, i64>(0)? as u64, row.get(1)?, account));
            }
        }
        // Weak salts, and every account after the first that shares a salt.
        let mut seen = std::collections::HashSet::new();
        let weak: Vec<usize> = (0..accounts.len())
            .filter(|&i| {
                let a = &accounts[i].2;
                let fresh = seen.insert(a.salt().to_repr());
                a.check_salt_strength().is_err() || !fresh
            })
            .collect();
        if !weak.is_empty() && !reseal {
            return Err(StateError::WeakSalts(
                weak.iter().map(|&i| accounts[i].1.clone()).collect(),
            ));
        }
        let mut resealed = Vec::with_capacity(weak.len());
        for &i in &weak {
            let (leaf, id, old) = &accounts[i];
            let salt = Account::random_salt().map_err(|e| StateError::Corrupt(e.to_string()))?;
            let account = Account::new(
                &state.market,
                salt,
                old.collateral().to_vec(),
                old.debt().to_vec(),
            )
            .map_err(|e| StateError::Corrupt(e.to_string()))?;
            tx.execute(
                "UPDATE accounts SET salt = ?1 WHERE leaf_index = ?2",
                params![salt.to_repr().as_ref(), *leaf as i64],
            )?;
            resealed.push(id.clone());
            accounts[i].2 = account;
        }
        // The format-1 root was published as is (it does not bind the market).
        let legacy_empty = EmptyTree::new(state.market.shape(), TreeSpec::LEGACY);
        let old_root = SqlNodes(&tx)
            .root(tree::DEPTH)?
            .unwrap_or(legacy_empty.at(tree::DEPTH));
        tx.execute_batch(
            "CREATE UNIQUE INDEX accounts_salt ON accounts (salt);
             DELETE FROM nodes;",
        )?;
        tx.execute(
            "INSERT INTO meta (key, value) VALUES ('depth', ?1)",
            [tree::DEPTH.to_string()],
        )?;
        tx.execute(
            "UPDATE meta SET value = ?1 WHERE key = 'schema'",
            [SCHEMA_VERSION],
        )?;
        let leaves = accounts
            .iter()
            .map(|(leaf, _, account)| (*leaf, state.commitment(account)));
        let tree_root = tree::update(&mut SqlNodes(&tx), &state.empty, leaves)?;
        tx.execute_batch(TRANSITIONS_SCHEMA)?;
        record(
            &tx,
            TransitionKind::Migrate,
            old_root,
            TreeSpec::DEFAULT.publish(state.market_commitment, tree_root),
            serde_json::json!({
                "accounts": accounts.len(),
                "resealed": resealed.len(),
                "from": LEGACY_SCHEMA_VERSION,
            }),
        )?;
        tx.commit()?;
        drop(conn);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).map_err(
                |cause| StateError::Create {
                    path: path.to_owned(),
                    cause,
                },
            )?;
        }
        Ok((State::open(path)?, resealed))
    }

    /// Makes every later commit durable against a power loss, not only a crash of the process
    /// (`synchronous=FULL`): for a service that answers "committed" to a client.
    pub fn sync_every_commit(&self) -> Result<(), StateError> {
        self.conn.pragma_update(None, "synchronous", "FULL")?;
        Ok(())
    }

    /// The market the state is bound to.
    pub fn market(&self) -> &Market {
        &self.market
    }

    /// Roots of empty subtrees for this state's tree.
    pub fn empty_tree(&self) -> &EmptyTree {
        &self.empty
    }

    /// Number of accounts.
    pub fn len(&self) -> Result<u64, StateError> {
        Ok(self
            .conn
            .query_row("SELECT COUNT(*) FROM accounts", [], |r| r.get::<_, i64>(0))?
            as u64)
    }

    /// True if the state holds no account.
    pub fn is_empty(&self) -> Result<bool, StateError> {
        Ok(self.len()? == 0)
    }

    /// The next free leaf index.
    pub(crate) fn next_index(conn: &Connection) -> Result<u64, StateError> {
        let text: String =
            conn.query_row("SELECT value FROM meta WHERE key = 'next_index'", [], |r| {
                r.get(0)
            })?;
        text.parse()
            .map_err(|_| StateError::Corrupt(format!("next_index {text:?}")))
    }

    /// The tree's format and depth.
    pub fn tree(&self) -> TreeSpec {
        self.empty.spec()
    }

    /// The commitment of the market the state is bound to.
    pub fn market_commitment(&self) -> Fp {
        self.market_commitment
    }

    /// The root of the tree of account commitments (internal: what is published is
    /// [`State::root`], which binds the market).
    pub fn tree_root(&self) -> Result<Fp, StateError> {
        let depth = self.tree().depth();
        Ok(SqlNodes(&self.conn)
            .root(depth)?
            .unwrap_or(self.empty.at(depth)))
    }

    /// The state root to publish: the market commitment bound to the tree root
    /// ([`zkliq_circuits::hash::bound_root`]).
    pub fn root(&self) -> Result<Fp, StateError> {
        Ok(self
            .tree()
            .publish(self.market_commitment, self.tree_root()?))
    }

    /// The account with `id`.
    pub fn account(&self, id: &str) -> Result<StoredAccount, StateError> {
        let row = self
            .conn
            .query_row(
                "SELECT leaf_index, salt, amounts FROM accounts WHERE id = ?1",
                [id],
                |r| {
                    Ok((
                        r.get::<_, i64>(0)?,
                        r.get::<_, Vec<u8>>(1)?,
                        r.get::<_, Vec<u8>>(2)?,
                    ))
                },
            )
            .optional()?
            .ok_or_else(|| StateError::UnknownId(id.to_owned()))?;
        Ok(StoredAccount {
            id: id.to_owned(),
            leaf_index: row.0 as u64,
            account: self.decode(&row.1, &row.2)?,
        })
    }

    /// The commitment (leaf value) of an account of this state's market.
    pub fn commitment(&self, account: &Account) -> Fp {
        account_commitment(&self.market, account)
    }

    /// One past the highest occupied leaf index (0 for an empty state): every leaf from here on
    /// is empty.
    pub fn leaf_bound(&self) -> Result<u64, StateError> {
        let max: Option<i64> =
            self.conn
                .query_row("SELECT MAX(leaf_index) FROM accounts", [], |row| row.get(0))?;
        Ok(max.map_or(0, |m| m as u64 + 1))
    }

    /// Calls `f(leaf_index, account)` for every account in leaf order, streaming: memory does
    /// not grow with the number of accounts. The salt is not read (it does not change a
    /// verdict); accounts are passed with salt 0. Returns the number of accounts.
    pub fn scan(&self, mut f: impl FnMut(u64, &Account)) -> Result<u64, StateError> {
        let mut stmt = self
            .conn
            .prepare("SELECT leaf_index, amounts FROM accounts ORDER BY leaf_index")?;
        let mut rows = stmt.query([])?;
        let zero_salt = [0u8; 32];
        let mut count = 0;
        while let Some(row) = rows.next()? {
            let index = row.get::<_, i64>(0)? as u64;
            let account = self.decode(&zero_salt, row.get_ref(1)?.as_blob()?)?;
            f(index, &account);
            count += 1;
        }
        Ok(count)
    }

    /// The accounts at the `2^height` leaves of subtree `subtree` (`None` for empty leaves).
    pub fn subtree(
        &self,
        height: u32,
        subtree: u64,
    ) -> Result<Vec<Option<StoredAccount>>, StateError> {
        let first = subtree << height;
        let len = 1usize << height;
        let mut out = vec![None; len];
        let mut stmt = self.conn.prepare_cached(
            "SELECT leaf_index, id, salt, amounts FROM accounts
             WHERE leaf_index >= ?1 AND leaf_index < ?2",
        )?;
        let mut rows = stmt.query(params![first as i64, (first + len as u64) as i64])?;
        while let Some(row) = rows.next()? {
            let index = row.get::<_, i64>(0)? as u64;
            out[(index - first) as usize] = Some(StoredAccount {
                id: row.get(1)?,
                leaf_index: index,
                account: self.decode(row.get_ref(2)?.as_blob()?, row.get_ref(3)?.as_blob()?)?,
            });
        }
        Ok(out)
    }

    /// The siblings of node `(level, index)` and its ancestors, bottom up.
    pub fn path(&self, level: u32, index: u64) -> Result<Vec<Fp>, StateError> {
        tree::path(&mut SqlNodes(&self.conn), &self.empty, level, index)
    }

    pub(crate) fn decode(&self, salt: &[u8], amounts: &[u8]) -> Result<Account, StateError> {
        let n = self.market.assets().len();
        let salt: [u8; 32] = salt
            .try_into()
            .map_err(|_| StateError::Corrupt("salt is not 32 bytes".into()))?;
        let salt = Option::<Fp>::from(Fp::from_repr(salt))
            .ok_or_else(|| StateError::Corrupt("salt is not a field element".into()))?;
        if amounts.len() != 32 * n {
            return Err(StateError::Corrupt(format!(
                "amounts hold {} bytes, expected {}",
                amounts.len(),
                32 * n
            )));
        }
        let amount = |i: usize| {
            u128::from_le_bytes(amounts[16 * i..16 * i + 16].try_into().expect("16 bytes"))
        };
        let collateral = (0..n).map(amount).collect();
        let debt = (n..2 * n).map(amount).collect();
        Account::new(&self.market, salt, collateral, debt)
            .map_err(|e| StateError::Corrupt(e.to_string()))
    }
}

/// Encodes an account's amounts: collateral then debt, u128 little-endian each.
pub(crate) fn encode_amounts(account: &Account) -> Vec<u8> {
    account
        .collateral()
        .iter()
        .chain(account.debt())
        .flat_map(|a| a.to_le_bytes())
        .collect()
}

/// Tree nodes in the `nodes` table.
pub(crate) struct SqlNodes<'c>(pub(crate) &'c Connection);

impl SqlNodes<'_> {
    /// The stored root of a tree of `depth` levels, if any node was ever stored.
    pub(crate) fn root(&mut self, depth: u32) -> Result<Option<Fp>, StateError> {
        self.node(depth, 0)
    }
}

impl NodeStore for SqlNodes<'_> {
    type Error = StateError;

    fn node(&mut self, level: u32, index: u64) -> Result<Option<Fp>, StateError> {
        let mut stmt = self
            .0
            .prepare_cached("SELECT hash FROM nodes WHERE level = ?1 AND idx = ?2")?;
        let bytes: Option<Vec<u8>> = stmt
            .query_row(params![level, index as i64], |r| r.get(0))
            .optional()?;
        bytes
            .map(|b| {
                let repr: [u8; 32] = b
                    .try_into()
                    .map_err(|_| StateError::Corrupt("node is not 32 bytes".into()))?;
                Option::<Fp>::from(Fp::from_repr(repr))
                    .ok_or_else(|| StateError::Corrupt("node is not a field element".into()))
            })
            .transpose()
    }

    fn put(&mut self, level: u32, nodes: &BTreeMap<u64, Fp>) -> Result<(), StateError> {
        let mut stmt = self.0.prepare_cached(
            "INSERT OR REPLACE INTO nodes (level, idx, hash) VALUES (?1, ?2, ?3)",
        )?;
        for (index, hash) in nodes {
            stmt.execute(params![level, *index as i64, hash.to_repr().as_ref()])?;
        }
        Ok(())
    }
}
