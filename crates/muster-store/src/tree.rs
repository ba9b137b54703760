//! The audit log's Merkle tree, kept in `audit_tree` (see
//! `muster_core::merkle`): each entry appended is a leaf, in the same
//! transaction as the entry, with the complete subtrees it completes;
//! roots and proofs read the stored subtrees.

use muster_core::merkle::{self, Hash};
use rusqlite::{Connection, OptionalExtension, params};

use crate::{AuditEntry, AuditProblem, StoreError};

fn database(doing: &'static str) -> impl FnOnce(rusqlite::Error) -> StoreError {
    move |source| StoreError::Database { doing, source }
}

/// The leaf of an entry: its canonical form, as the chain hashes it.
pub fn leaf_of(entry: &AuditEntry) -> Hash {
    merkle::leaf_hash(crate::audit::canonical(entry).as_bytes())
}

fn insert(connection: &Connection, level: u32, index: u64, hash: &Hash) -> Result<(), StoreError> {
    connection
        .prepare_cached("INSERT INTO audit_tree (level, idx, hash) VALUES (?1, ?2, ?3)")
        .and_then(|mut statement| statement.execute(params![level, index as i64, &hash[..]]))
        .map_err(database("append to the audit tree"))?;
    Ok(())
}

/// The stored hash of a complete subtree.
fn node(connection: &Connection, level: u32, index: u64) -> Result<Hash, StoreError> {
    let bytes: Option<Vec<u8>> = connection
        .prepare_cached("SELECT hash FROM audit_tree WHERE level = ?1 AND idx = ?2")
        .and_then(|mut statement| {
            statement.query_row(params![level, index as i64], |row| row.get(0)).optional()
        })
        .map_err(database("read the audit tree"))?;
    bytes.and_then(|bytes| Hash::try_from(bytes.as_slice()).ok()).ok_or_else(|| {
        StoreError::Corrupt {
            what: format!("the audit tree has no hash at level {level}, index {index}"),
        }
    })
}

/// Appends the leaf of entry `seq` (leaf `seq - 1`), the hash of its
/// canonical form, and the subtrees it completes.
pub fn append(connection: &Connection, seq: i64, canonical: &str) -> Result<(), StoreError> {
    let index = u64::try_from(seq - 1).map_err(|_| StoreError::Corrupt {
        what: format!("entry {seq} has no place in the tree"),
    })?;
    let mut right = merkle::leaf_hash(canonical.as_bytes());
    insert(connection, 0, index, &right)?;
    // Each subtree it completes: its left half stored, its right half the
    // one just made.
    for (level, at) in merkle::completed(index) {
        let left = node(connection, level - 1, 2 * at)?;
        right = merkle::node_hash(&left, &right);
        insert(connection, level, at, &right)?;
    }
    Ok(())
}

/// Makes the leaves of every entry the tree does not hold yet (the log of a
/// store made before the tree, entry for entry).
pub fn catch_up(connection: &Connection) -> Result<(), StoreError> {
    let leaves = size(connection)?;
    for entry in crate::audit::entries(connection)? {
        if entry.seq as u64 > leaves {
            append(connection, entry.seq, &crate::audit::canonical(&entry))?;
        }
    }
    Ok(())
}

/// How many leaves the tree holds.
pub fn size(connection: &Connection) -> Result<u64, StoreError> {
    // The leaves are numbered from 0 without a gap (`verify` holds it):
    // the last one's number, by the primary key, not a count of them all.
    let last: Option<i64> = connection
        .prepare_cached("SELECT max(idx) FROM audit_tree WHERE level = 0")
        .and_then(|mut statement| statement.query_row([], |row| row.get(0)))
        .map_err(database("count the audit tree's leaves"))?;
    Ok(last.map_or(0, |last| u64::try_from(last).unwrap_or(0) + 1))
}

fn within(connection: &Connection, size: u64) -> Result<(), StoreError> {
    let held = self::size(connection)?;
    if size > held {
        return Err(StoreError::Refused {
            reason: format!("the audit log holds {held} entries, not {size}"),
        });
    }
    Ok(())
}

/// The root of the tree of the first `size` entries.
pub fn root(connection: &Connection, size: u64) -> Result<Hash, StoreError> {
    within(connection, size)?;
    merkle::root(size, &mut |level, index| node(connection, level, index))
}

/// The leaf hash of entry `index + 1` and its inclusion proof in the tree
/// of `size` entries.
pub fn inclusion(
    connection: &Connection,
    index: u64,
    size: u64,
) -> Result<(Hash, Vec<Hash>), StoreError> {
    within(connection, size)?;
    if index >= size {
        return Err(StoreError::Refused {
            reason: format!("entry {} is not in the tree of {size} entries", index + 1),
        });
    }
    let leaf = node(connection, 0, index)?;
    let path = merkle::inclusion_path(index, size, &mut |level, at| node(connection, level, at))?;
    Ok((leaf, path))
}

/// The consistency proof between the trees of `first` and `second`
/// entries.
pub fn consistency(
    connection: &Connection,
    first: u64,
    second: u64,
) -> Result<Vec<Hash>, StoreError> {
    within(connection, second)?;
    if first > second {
        return Err(StoreError::Refused {
            reason: format!("a tree of {first} entries is no prefix of one of {second}"),
        });
    }
    merkle::consistency_path(first, second, &mut |level, at| node(connection, level, at))
}

/// Whether the stored tree is the tree of `entries`: each leaf that of its
/// entry, each node that of its children, no more and no fewer; the first
/// thing wrong.
pub fn verify(
    connection: &Connection,
    entries: &[AuditEntry],
) -> Result<Option<AuditProblem>, StoreError> {
    let mut statement = connection
        .prepare("SELECT level, idx, hash FROM audit_tree ORDER BY level, idx")
        .map_err(database("read the audit tree"))?;
    let rows = statement
        .query_map([], |row| {
            Ok((row.get::<_, u32>(0)?, row.get::<_, i64>(1)?, row.get::<_, Vec<u8>>(2)?))
        })
        .map_err(database("read the audit tree"))?;
    let mut levels: Vec<Vec<Hash>> = Vec::new();
    for row in rows {
        let (level, index, hash) = row.map_err(database("read the audit tree"))?;
        let level = level as usize;
        while levels.len() <= level {
            levels.push(Vec::new());
        }
        let Ok(hash) = Hash::try_from(hash.as_slice()) else {
            return Ok(Some(AuditProblem {
                seq: index + 1,
                problem: format!(
                    "the audit tree's node at level {level}, index {index} is no hash"
                ),
            }));
        };
        if levels[level].len() as i64 != index {
            return Ok(Some(AuditProblem {
                seq: index + 1,
                problem: format!(
                    "the audit tree lacks the node at level {level} before index {index}"
                ),
            }));
        }
        levels[level].push(hash);
    }
    let leaves = levels.first().map(Vec::as_slice).unwrap_or_default();
    for (index, entry) in entries.iter().enumerate() {
        match leaves.get(index) {
            Some(leaf) if *leaf == leaf_of(entry) => {}
            Some(_) => {
                return Ok(Some(AuditProblem {
                    seq: entry.seq,
                    problem: format!(
                        "the audit tree's leaf {index} is not the hash of entry {}",
                        entry.seq
                    ),
                }));
            }
            None => {
                return Ok(Some(AuditProblem {
                    seq: entry.seq,
                    problem: format!("entry {} has no leaf in the audit tree", entry.seq),
                }));
            }
        }
    }
    if leaves.len() > entries.len() {
        return Ok(Some(AuditProblem {
            seq: entries.len() as i64 + 1,
            problem: format!(
                "the audit tree has {} leaves for {} entries: entries were cut from the log",
                leaves.len(),
                entries.len()
            ),
        }));
    }
    for level in 1..levels.len() {
        let expected = levels[level - 1].len() / 2;
        if levels[level].len() != expected {
            return Ok(Some(AuditProblem {
                seq: entries.len() as i64,
                problem: format!(
                    "the audit tree holds {} nodes at level {level}, where its leaves make {expected}",
                    levels[level].len()
                ),
            }));
        }
        for (index, hash) in levels[level].iter().enumerate() {
            let (left, right) = (&levels[level - 1][2 * index], &levels[level - 1][2 * index + 1]);
            if *hash != merkle::node_hash(left, right) {
                let first = (index << level) as i64 + 1;
                return Ok(Some(AuditProblem {
                    seq: first,
                    problem: format!(
                        "the audit tree's node at level {level}, index {index} is not the hash of its children"
                    ),
                }));
            }
        }
    }
    Ok(None)
}
