//! The audit log: every act appended, in the same transaction as the act, to
//! a hash chain. Each entry's hash is SHA-256 over the previous entry's hash
//! and the entry's canonical form (a JSON array of its fields), so an entry
//! changed, deleted or moved breaks the chain from that entry on.
//!
//! An act's entry carries, in `tables`, the number and digest of the rows
//! it wrote to each table (see [`crate::rows`]), so that a row changed,
//! inserted or deleted since is found by comparing the rows as stored with
//! the entry. Entries written before entries carried digests are covered
//! by the seal: one entry, appended when such a store is first opened by a
//! version that knows digests, with the digests of every earlier act's rows
//! as they were then.

use std::collections::{BTreeMap, HashMap, HashSet};

use rusqlite::{Connection, OptionalExtension, params};
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use crate::rows::{self, Marks, Rows, TABLES};
use crate::{AuditEntry, AuditProblem, StoreError};

/// The kind of the entry that seals the rows of the acts recorded before
/// entries carried their digests.
pub const SEAL: &str = "seal";

/// The `previous` of the first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

fn database(doing: &'static str) -> impl FnOnce(rusqlite::Error) -> StoreError {
    move |source| StoreError::Database { doing, source }
}

/// SHA-256 of a text, in lower-case hex.
pub fn sha256_hex(text: &str) -> String {
    let digest = Sha256::digest(text.as_bytes());
    digest.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// The canonical form of an entry's fields, which its hash covers (and
/// its leaf in the tree).
pub(crate) fn canonical(entry: &AuditEntry) -> String {
    json!([
        entry.seq,
        entry.act,
        entry.recorded_at,
        entry.actor,
        entry.kind,
        entry.valid_on,
        entry.summary,
        entry.content,
    ])
    .to_string()
}

/// The hash of an entry after `previous`.
fn entry_hash(previous: &str, entry: &AuditEntry) -> String {
    hash_after(previous, &canonical(entry))
}

/// The hash of an entry of canonical form `canonical` after `previous`.
fn hash_after(previous: &str, canonical: &str) -> String {
    sha256_hex(&format!("{previous}\n{canonical}"))
}

/// Appends the entry of act `act`, with the canonical description of what
/// it did and, under `tables`, the digests of the rows it wrote since
/// `marks` (read back, but for those in `hashed`, hashed as they were
/// written).
pub fn record_act(
    connection: &Connection,
    act: i64,
    marks: &Marks,
    hashed: &[(&'static str, Rows)],
    content: Value,
) -> Result<(), StoreError> {
    let written = rows::written(connection, marks, act, hashed)?;
    let mut content = match content {
        Value::Object(map) => map,
        other => Map::from_iter([("content".to_string(), other)]),
    };
    content.insert("tables".to_string(), rows::written_json(&written));
    append_act(connection, act, &Value::Object(content))
}

/// Appends the entry of act `act` (read back from `acts`, so both agree),
/// with the canonical description of what it did.
pub fn append_act(connection: &Connection, act: i64, content: &Value) -> Result<(), StoreError> {
    let (kind, valid_on, recorded_at, actor, summary): (String, String, String, String, String) =
        connection
            .query_row(
                "SELECT kind, valid_on, recorded_at, actor, summary FROM acts WHERE id = ?1",
                [act],
                |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?, row.get(4)?)),
            )
            .map_err(database("read the act back for the audit log"))?;
    append(
        connection,
        AuditEntry {
            seq: 0,
            act: Some(act),
            recorded_at,
            actor,
            kind,
            valid_on: Some(valid_on),
            summary,
            content: content.to_string(),
            previous: String::new(),
            hash: String::new(),
        },
    )
}

/// Appends an entry that is no act of the records (a login, a refused
/// request), numbered and chained after the last one.
pub fn append(connection: &Connection, mut entry: AuditEntry) -> Result<(), StoreError> {
    let last: Option<(i64, String)> = connection
        .query_row("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1", [], |row| {
            Ok((row.get(0)?, row.get(1)?))
        })
        .optional()
        .map_err(database("read the head of the audit log"))?;
    let (seq, previous) = match last {
        Some((seq, hash)) => (seq + 1, hash),
        None => (1, GENESIS.to_string()),
    };
    entry.seq = seq;
    let canonical = canonical(&entry);
    entry.hash = hash_after(&previous, &canonical);
    entry.previous = previous;
    connection
        .execute(
            "INSERT INTO audit (seq, act, recorded_at, actor, kind, valid_on, summary, content, previous, hash)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            params![
                entry.seq,
                entry.act,
                entry.recorded_at,
                entry.actor,
                entry.kind,
                entry.valid_on,
                entry.summary,
                entry.content,
                entry.previous,
                entry.hash
            ],
        )
        .map_err(database("append to the audit log"))?;
    crate::tree::append(connection, entry.seq, &canonical)
}

/// Every entry, in the order of the log.
pub fn entries(connection: &Connection) -> Result<Vec<AuditEntry>, StoreError> {
    entries_where(connection, "?1 = 0", 0)
}

/// The entries of the log where `condition` holds of `value`, in order.
pub fn entries_where(
    connection: &Connection,
    condition: &str,
    value: i64,
) -> Result<Vec<AuditEntry>, StoreError> {
    let mut statement = connection
        .prepare_cached(&format!(
            "SELECT seq, act, recorded_at, actor, kind, valid_on, summary, content, previous, hash
             FROM audit WHERE {condition} ORDER BY seq"
        ))
        .map_err(database("read the audit log"))?;
    let rows = statement
        .query_map([value], |row| {
            Ok(AuditEntry {
                seq: row.get(0)?,
                act: row.get(1)?,
                recorded_at: row.get(2)?,
                actor: row.get(3)?,
                kind: row.get(4)?,
                valid_on: row.get(5)?,
                summary: row.get(6)?,
                content: row.get(7)?,
                previous: row.get(8)?,
                hash: row.get(9)?,
            })
        })
        .map_err(database("read the audit log"))?;
    rows.collect::<Result<Vec<_>, _>>().map_err(database("read the audit log"))
}

/// Appends the seal: the digests of the rows of every act whose entry
/// carries none and that no seal covers yet (nothing when there is none).
pub fn seal(connection: &Connection, recorded_at: String) -> Result<(), StoreError> {
    let entries = entries(connection)?;
    let sealed = seals(&entries);
    let acts: Vec<i64> = entries
        .iter()
        .filter(|entry| recorded_tables(entry).is_none())
        .filter_map(|entry| entry.act)
        .filter(|act| !sealed.contains_key(act))
        .collect();
    let (Some(first), Some(last)) = (acts.first(), acts.last()) else {
        return Ok(());
    };
    let stored = rows::stored(connection)?;
    let mut sealed = Map::new();
    for act in &acts {
        let written: rows::Written = match stored.by_act.get(act) {
            Some(tables) => TABLES
                .iter()
                .filter_map(|table| Some((table.name, tables.get(table.name)?.clone())))
                .collect(),
            None => Vec::new(),
        };
        sealed.insert(act.to_string(), rows::written_json(&written));
    }
    let summary = if first == last {
        format!("seal the rows of act {first}, recorded before entries carried their digests")
    } else {
        format!(
            "seal the rows of acts {first} to {last}, recorded before entries carried their digests"
        )
    };
    append(
        connection,
        AuditEntry {
            seq: 0,
            act: None,
            recorded_at,
            actor: "muster".to_string(),
            kind: SEAL.to_string(),
            valid_on: None,
            summary,
            content: json!({"acts": Value::Object(sealed)}).to_string(),
            previous: String::new(),
            hash: String::new(),
        },
    )
}

/// The `tables` an entry records, if it records them.
fn recorded_tables(entry: &AuditEntry) -> Option<Map<String, Value>> {
    let content: Value = serde_json::from_str(&entry.content).ok()?;
    match content.get("tables") {
        Some(Value::Object(tables)) => Some(tables.clone()),
        _ => None,
    }
}

/// The acts each seal covers: for each act, the seal's number and the
/// act's tables as the seal records them. The first seal to cover an act
/// counts.
fn seals(entries: &[AuditEntry]) -> HashMap<i64, (i64, Map<String, Value>)> {
    let mut sealed = HashMap::new();
    for entry in entries.iter().filter(|entry| entry.act.is_none() && entry.kind == SEAL) {
        let content: Value = serde_json::from_str(&entry.content).unwrap_or(Value::Null);
        let Some(acts) = content.get("acts").and_then(Value::as_object) else {
            continue;
        };
        for (act, tables) in acts {
            if let (Ok(act), Some(tables)) = (act.parse::<i64>(), tables.as_object()) {
                sealed.entry(act).or_insert_with(|| (entry.seq, tables.clone()));
            }
        }
    }
    sealed
}

/// Checks the chain, then that it agrees with what is stored: each act's
/// row, an order's document, and every row of every registered table
/// against the entry (or the seal) of the act that wrote it. The first
/// problem found, or `None`.
pub fn verify(connection: &Connection) -> Result<Option<AuditProblem>, StoreError> {
    let entries = entries(connection)?;
    if let Some(problem) = verify_chain(&entries) {
        return Ok(Some(problem));
    }
    let after_last = entries.last().map_or(1, |entry| entry.seq + 1);
    let sealed = seals(&entries);
    let stored = rows::stored(connection)?;
    let no_rows = BTreeMap::new();
    let mut recorded = HashSet::new();
    for entry in &entries {
        let Some(act) = entry.act else {
            continue;
        };
        recorded.insert(act);
        let found = |problem: String| Ok(Some(AuditProblem { seq: entry.seq, problem }));
        if let Some(problem) = check_act(connection, act, entry)? {
            return found(problem);
        }
        let (source, tables) = match recorded_tables(entry) {
            Some(tables) => (format!("entry {}", entry.seq), tables),
            None => match sealed.get(&act) {
                Some((seal, tables)) if *seal > entry.seq => {
                    (format!("the seal (entry {seal})"), tables.clone())
                }
                _ => {
                    return found(format!(
                        "entry {} records no digest of the rows of act {act}, and no seal does",
                        entry.seq
                    ));
                }
            },
        };
        let stored = stored.by_act.get(&act).unwrap_or(&no_rows);
        if let Some(problem) = check_rows(act, &source, &tables, stored) {
            return Ok(Some(AuditProblem { seq: entry.seq, problem }));
        }
    }
    // Every act has its entry: an act without one means entries were cut
    // from the end of the log.
    let unaudited: Option<i64> = connection
        .query_row(
            "SELECT id FROM acts WHERE id NOT IN (SELECT act FROM audit WHERE act IS NOT NULL) ORDER BY id LIMIT 1",
            [],
            |row| row.get(0),
        )
        .optional()
        .map_err(database("match the acts with the audit log"))?;
    if let Some(act) = unaudited {
        return Ok(Some(AuditProblem {
            seq: after_last,
            problem: format!(
                "act {act} has no entry in the audit log: entries were deleted from its end"
            ),
        }));
    }
    // Rows of an act that no entry records were inserted.
    for (act, tables) in &stored.by_act {
        if recorded.contains(act) {
            continue;
        }
        if let Some(table) = TABLES.iter().find(|table| tables.contains_key(table.name)) {
            let count = tables.get(table.name).map_or(0, |rows| rows.count);
            return Ok(Some(AuditProblem {
                seq: after_last,
                problem: format!(
                    "`{}` holds {} under act {act}, which no entry records: {} inserted",
                    table.name,
                    rows_word(count),
                    if count == 1 { "it was" } else { "they were" }
                ),
            }));
        }
    }
    if let Some((table, act)) = stored.strays.first() {
        return Ok(Some(AuditProblem {
            seq: after_last,
            problem: format!(
                "`{table}` holds a row whose act is {act}, which no entry records: it was inserted"
            ),
        }));
    }
    // Last, the tree: each leaf the hash of its entry, each node of its
    // children.
    crate::tree::verify(connection, &entries)
}

/// "1 row", "2 rows".
fn rows_word(count: u64) -> String {
    if count == 1 { "1 row".to_string() } else { format!("{count} rows") }
}

/// Whether each entry has its number and follows the one before.
fn verify_chain(entries: &[AuditEntry]) -> Option<AuditProblem> {
    let mut previous = GENESIS;
    for (expected_seq, entry) in (1..).zip(entries) {
        if entry.seq != expected_seq {
            return Some(AuditProblem {
                seq: expected_seq,
                problem: format!(
                    "entry {expected_seq} is missing (the next is {}): it was deleted",
                    entry.seq
                ),
            });
        }
        if entry.previous != previous {
            return Some(AuditProblem {
                seq: entry.seq,
                problem: format!(
                    "entry {} does not follow the entry before it: it was changed, moved, or one before it was",
                    entry.seq
                ),
            });
        }
        if entry_hash(previous, entry) != entry.hash {
            return Some(AuditProblem {
                seq: entry.seq,
                problem: format!(
                    "entry {} was changed: its hash does not match its fields",
                    entry.seq
                ),
            });
        }
        previous = &entry.hash;
    }
    None
}

/// Whether the rows stored under act `act` are those `source` recorded,
/// table by table in the registry's order.
fn check_rows(
    act: i64,
    source: &str,
    recorded: &Map<String, Value>,
    stored: &BTreeMap<&'static str, Rows>,
) -> Option<String> {
    if let Some(unknown) = recorded.keys().find(|name| rows::table(name).is_none()) {
        return Some(format!(
            "{source} records rows of `{unknown}`, a table this muster does not know"
        ));
    }
    for table in TABLES {
        let expected = match recorded.get(table.name) {
            Some(value) => match Rows::from_json(value) {
                Some(rows) => Some(rows),
                None => {
                    return Some(format!(
                        "{source} records the rows of `{}` in a shape this muster cannot read",
                        table.name
                    ));
                }
            },
            None => None,
        };
        let found = stored.get(table.name);
        let expected_count = expected.as_ref().map_or(0, |rows| rows.count);
        let found_count = found.map_or(0, |rows| rows.count);
        if found_count != expected_count {
            let (difference, done) = if found_count > expected_count {
                (found_count - expected_count, "inserted")
            } else {
                (expected_count - found_count, "deleted")
            };
            let what = if difference == 1 {
                format!("a row was {done}")
            } else {
                format!("{difference} rows were {done}")
            };
            return Some(format!(
                "`{}` holds {} under act {act}, where {source} recorded {expected_count}: {what}",
                table.name,
                rows_word(found_count),
            ));
        }
        if let (Some(expected), Some(found)) = (expected, found)
            && expected.sha256 != found.sha256
        {
            return Some(format!(
                "a row of `{}` written by act {act} was changed since {source} recorded it",
                table.name
            ));
        }
    }
    None
}

/// Whether the act's row, and for an order its document, still match the
/// entry.
fn check_act(
    connection: &Connection,
    act: i64,
    entry: &AuditEntry,
) -> Result<Option<String>, StoreError> {
    let row: Option<(String, String, String, String, String)> = connection
        .query_row(
            "SELECT kind, valid_on, recorded_at, actor, summary FROM acts WHERE id = ?1",
            [act],
            |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?, row.get(4)?)),
        )
        .optional()
        .map_err(database("read an act"))?;
    let Some((kind, valid_on, recorded_at, actor, summary)) = row else {
        return Ok(Some(format!("act {act} of entry {} is gone from the acts", entry.seq)));
    };
    if kind != entry.kind
        || Some(&valid_on) != entry.valid_on.as_ref()
        || recorded_at != entry.recorded_at
        || actor != entry.actor
        || summary != entry.summary
    {
        return Ok(Some(format!("act {act} was changed since entry {} recorded it", entry.seq)));
    }
    let content: Value = serde_json::from_str(&entry.content).unwrap_or(Value::Null);
    if let Some(digest) = content.get("document_sha256").and_then(Value::as_str) {
        // An order deleted is found with the rows of `orders`.
        let document: Option<String> = connection
            .query_row("SELECT document FROM orders WHERE act = ?1", [act], |row| row.get(0))
            .optional()
            .map_err(database("read an order"))?;
        if let Some(document) = document
            && sha256_hex(&document) != digest
        {
            return Ok(Some(format!(
                "the order issued by act {act} was changed since entry {} recorded it",
                entry.seq
            )));
        }
    }
    Ok(None)
}
