//! Importing accounts from JSON Lines, all or nothing.

use std::collections::HashMap;
use std::io::BufRead;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;

use ff::{Field, PrimeField};
use rayon::prelude::*;
use rusqlite::{OptionalExtension, params};
use zkliq_circuits::commitment::account_commitment;
use zkliq_circuits::tree;
use zkliq_circuits::{Account, Fp, Market};

use crate::error::{LineError, StateError};
use crate::store::{SqlNodes, State, encode_amounts};
use crate::transitions::{TransitionKind, record};

/// Lines parsed and hashed together (in parallel) before they are written.
const CHUNK: usize = 8192;
/// Bad lines reported at most.
const MAX_ERRORS: usize = 100;
/// Longest account id, in bytes.
const MAX_ID_BYTES: usize = 128;

/// What an import did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportReport {
    /// Non-blank lines read.
    pub lines: u64,
    /// New accounts (new leaves).
    pub inserted: u64,
    /// Existing accounts whose opening was replaced (same leaf).
    pub updated: u64,
    /// Accounts in the state afterwards.
    pub accounts: u64,
    /// The new published root (it binds the market: [`State::root`]).
    pub root: Fp,
}

/// One line, parsed and (if valid and nothing failed before it) hashed.
struct Parsed {
    line: usize,
    id: String,
    account: Option<Account>,
    leaf: Fp,
    error: Option<LineError>,
}

impl State {
    /// Imports JSON Lines: each line is an `account.json` object plus an `"id"` string. A new
    /// id gets the next free leaf; an existing id has its opening replaced. Either every line
    /// is valid and everything is written in one transaction, or nothing is written and the bad
    /// lines are reported with their line numbers.
    pub fn import(&mut self, reader: impl BufRead + Send) -> Result<ImportReport, StateError> {
        self.import_with_progress(reader, |_| {})
    }

    /// [`State::import`], calling `progress(lines read so far)` after each chunk of lines.
    pub fn import_with_progress(
        &mut self,
        reader: impl BufRead + Send,
        progress: impl Fn(u64),
    ) -> Result<ImportReport, StateError> {
        let market = self.market.clone();
        let failed = AtomicBool::new(false);
        std::thread::scope(|scope| {
            // Parsing and hashing (the bulk of the work) run one chunk ahead of the writes.
            let (sender, chunks) = mpsc::sync_channel::<std::io::Result<Vec<Parsed>>>(1);
            let failed = &failed;
            let market = &market;
            scope.spawn(move || {
                // Lines as bytes: a line that is not UTF-8 is reported by its number.
                let mut input = reader.split(b'\n').enumerate().peekable();
                while input.peek().is_some() {
                    let mut chunk: Vec<(usize, Result<String, ()>)> = Vec::with_capacity(CHUNK);
                    for (i, line) in input.by_ref() {
                        match line {
                            Ok(bytes) => {
                                let text = String::from_utf8(bytes).map_err(|_| ());
                                if !text.as_ref().is_ok_and(|t| t.trim().is_empty()) {
                                    chunk.push((i + 1, text));
                                }
                            }
                            Err(e) => {
                                let _ = sender.send(Err(e));
                                return;
                            }
                        }
                        if chunk.len() == CHUNK {
                            break;
                        }
                    }
                    let parsed = chunk
                        .par_iter()
                        .map(|(line, text)| parse_line(*line, text, market, failed))
                        .collect();
                    if sender.send(Ok(parsed)).is_err() {
                        return;
                    }
                }
            });
            self.write_chunks(chunks, failed, &progress)
        })
    }

    fn write_chunks(
        &mut self,
        chunks: mpsc::Receiver<std::io::Result<Vec<Parsed>>>,
        failed: &AtomicBool,
        progress: &dyn Fn(u64),
    ) -> Result<ImportReport, StateError> {
        let old_root = self.root()?;
        let tx = self.conn.transaction()?;
        let mut next_index = State::next_index(&tx)?;
        let capacity = self.empty.spec().capacity();
        let mut errors: Vec<LineError> = Vec::new();
        let mut seen: HashMap<String, usize> = HashMap::new();
        let mut salts: HashMap<[u8; 32], usize> = HashMap::new();
        let (mut lines, mut inserted, mut updated) = (0u64, 0u64, 0u64);
        let mut root = None;
        for chunk in chunks {
            let chunk = chunk?;
            lines += chunk.len() as u64;
            progress(lines);
            let mut rows: Vec<(u64, Parsed)> = Vec::with_capacity(chunk.len());
            let mut lookup = tx.prepare_cached("SELECT leaf_index FROM accounts WHERE id = ?1")?;
            let mut salt_owner = tx.prepare_cached("SELECT id FROM accounts WHERE salt = ?1")?;
            for p in chunk {
                if let Some(e) = &p.error {
                    errors.push(e.clone());
                    continue;
                }
                if let Some(first) = seen.insert(p.id.clone(), p.line) {
                    errors.push(LineError {
                        line: p.line,
                        message: format!("id: duplicate id {:?} (also line {first})", p.id),
                    });
                    continue;
                }
                // A salt shared by two accounts links them: every salt is used once.
                let salt = p
                    .account
                    .as_ref()
                    .expect("valid lines carry an account")
                    .salt()
                    .to_repr();
                if let Some(first) = salts.insert(salt, p.line) {
                    errors.push(LineError {
                        line: p.line,
                        message: format!(
                            "salt: the same salt as line {first}; every account needs its own random salt"
                        ),
                    });
                    continue;
                }
                let owner: Option<String> = salt_owner
                    .query_row([salt.as_ref()], |r| r.get(0))
                    .optional()?;
                if let Some(owner) = owner.filter(|owner| *owner != p.id) {
                    errors.push(LineError {
                        line: p.line,
                        message: format!(
                            "salt: the same salt as account {owner:?} already in the state; every account needs its own random salt"
                        ),
                    });
                    continue;
                }
                let existing: Option<i64> = lookup.query_row([&p.id], |r| r.get(0)).optional()?;
                let index = match existing {
                    Some(i) => {
                        updated += 1;
                        i as u64
                    }
                    None => {
                        if next_index >= capacity {
                            return Err(StateError::Full(capacity));
                        }
                        inserted += 1;
                        next_index += 1;
                        next_index - 1
                    }
                };
                rows.push((index, p));
            }
            drop(lookup);
            drop(salt_owner);
            if !errors.is_empty() {
                // Keep reading to report every bad line (up to a limit), but write nothing more.
                failed.store(true, Ordering::Relaxed);
                if errors.len() >= MAX_ERRORS {
                    break;
                }
                continue;
            }
            let mut insert = tx.prepare_cached(
                "INSERT OR REPLACE INTO accounts (leaf_index, id, salt, amounts) VALUES (?1, ?2, ?3, ?4)",
            )?;
            let mut leaves = Vec::with_capacity(rows.len());
            for (index, p) in &rows {
                let account = p.account.as_ref().expect("valid lines carry an account");
                insert.execute(params![
                    *index as i64,
                    p.id,
                    account.salt().to_repr().as_ref(),
                    encode_amounts(account)
                ])?;
                leaves.push((*index, p.leaf));
            }
            drop(insert);
            root = Some(tree::update(&mut SqlNodes(&tx), &self.empty, leaves)?);
        }
        if !errors.is_empty() {
            errors.truncate(MAX_ERRORS);
            // Dropping the transaction rolls it back: nothing was imported.
            return Err(StateError::Import { errors });
        }
        tx.execute(
            "UPDATE meta SET value = ?1 WHERE key = 'next_index'",
            [next_index.to_string()],
        )?;
        let new_root = match root {
            Some(tree_root) => self.empty.spec().publish(self.market_commitment, tree_root),
            None => old_root,
        };
        if new_root != old_root {
            record(
                &tx,
                TransitionKind::Import,
                old_root,
                new_root,
                serde_json::json!({"lines": lines, "inserted": inserted, "updated": updated}),
            )?;
        }
        tx.commit()?;
        Ok(ImportReport {
            lines,
            inserted,
            updated,
            accounts: self.len()?,
            root: new_root,
        })
    }
}

fn parse_line(
    line: usize,
    text: &Result<String, ()>,
    market: &Market,
    failed: &AtomicBool,
) -> Parsed {
    let parsed = match text {
        Ok(text) => parse_account(line, text, market),
        Err(()) => Err(LineError {
            line,
            message: "not UTF-8 text".into(),
        }),
    };
    match parsed {
        Ok((id, account)) => {
            // Once any line failed nothing is written: skip the hashing.
            let leaf = if failed.load(Ordering::Relaxed) {
                Fp::ZERO
            } else {
                account_commitment(market, &account)
            };
            Parsed {
                line,
                id,
                account: Some(account),
                leaf,
                error: None,
            }
        }
        Err(error) => Parsed {
            line,
            id: String::new(),
            account: None,
            leaf: Fp::ZERO,
            error: Some(error),
        },
    }
}

fn parse_account(line: usize, text: &str, market: &Market) -> Result<(String, Account), LineError> {
    let error = |message: String| LineError { line, message };
    let (id, account) = Account::from_json_line(text, market).map_err(|e| error(e.to_string()))?;
    if id.is_empty() || id.len() > MAX_ID_BYTES {
        return Err(error(format!(
            "id: must be 1 to {MAX_ID_BYTES} bytes, got {}",
            id.len()
        )));
    }
    account
        .check_salt_strength()
        .map_err(|e| error(e.to_string()))?;
    Ok((id, account))
}
