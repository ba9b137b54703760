//! The audit log's Merkle tree at scale: a store whose tree holds
//! `LEAVES` leaves (default 10,000,000; written straight into
//! `audit_tree`, with every complete subtree, as appending them one by one
//! would), then inclusion and consistency proofs at random places, timed
//! through the store's own calls; and the time of an act (a list created,
//! `synchronous=FULL`), with the share of it that appending its leaf takes.
//!
//!   cargo run --release -p muster-store --example audit_tree [LEAVES]

#![expect(clippy::unwrap_used, reason = "a benchmark fails loudly")]

use std::time::Instant;

use muster_core::merkle;
use muster_store::{NewAct, NewList, SqliteStore, Store};

fn act(kind: &str) -> NewAct {
    NewAct {
        kind: kind.to_string(),
        valid_on: chrono::NaiveDate::from_ymd_opt(2024, 1, 10).unwrap(),
        actor: "cli:bench".to_string(),
        summary: String::new(),
    }
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn percentile(mut values: Vec<f64>, p: f64) -> f64 {
    values.sort_by(f64::total_cmp);
    values[((values.len() - 1) as f64 * p).round() as usize]
}

/// Acts creating lists, each timed, in microseconds.
fn list_acts(store: &mut SqliteStore, prefix: &str, n: usize) -> Vec<f64> {
    (0..n)
        .map(|i| {
            let list = NewList {
                id: format!("{prefix}-{i}"),
                kind: "overseas-posting".to_string(),
                owner: "mod".to_string(),
                title: String::new(),
                quota: None,
            };
            let started = Instant::now();
            store.create_list(act("list-create"), list).unwrap();
            started.elapsed().as_secs_f64() * 1e6
        })
        .collect()
}

fn main() {
    let leaves: u64 = std::env::args().nth(1).map_or(10_000_000, |n| n.parse().unwrap());
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tree.db");
    drop(SqliteStore::create(&path).unwrap());

    // The tree, written as appends would leave it.
    let started = Instant::now();
    {
        let mut connection = rusqlite::Connection::open(&path).unwrap();
        connection.execute_batch("PRAGMA journal_mode = WAL; PRAGMA synchronous = OFF").unwrap();
        let transaction = connection.transaction().unwrap();
        {
            let mut insert = transaction
                .prepare("INSERT INTO audit_tree (level, idx, hash) VALUES (?1, ?2, ?3)")
                .unwrap();
            let mut level: Vec<merkle::Hash> = Vec::new();
            for index in 0..leaves {
                let leaf = merkle::leaf_hash(format!("[{index},\"an entry\"]").as_bytes());
                insert.execute(rusqlite::params![0, index as i64, &leaf[..]]).unwrap();
                level.push(leaf);
            }
            let mut height = 0;
            while level.len() > 1 {
                height += 1;
                let above: Vec<merkle::Hash> = level
                    .chunks_exact(2)
                    .map(|pair| merkle::node_hash(&pair[0], &pair[1]))
                    .collect();
                for (index, hash) in above.iter().enumerate() {
                    insert.execute(rusqlite::params![height, index as i64, &hash[..]]).unwrap();
                }
                level = above;
            }
        }
        transaction.commit().unwrap();
    }
    let built = started.elapsed().as_secs_f64();
    let size = std::fs::metadata(&path).unwrap().len() as f64 / (1 << 20) as f64;

    let store = SqliteStore::open(&path).unwrap();
    assert_eq!(store.audit_tree_size().unwrap(), leaves);
    let root = store.audit_root(leaves).unwrap();
    let mut seed = 0x9e37_79b9_7f4a_7c15_u64;
    let mut next = |below: u64| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed % below
    };
    let mut inclusion = Vec::new();
    let mut consistency = Vec::new();
    for _ in 0..2_000 {
        let index = next(leaves);
        let started = Instant::now();
        let (leaf, path) = store.audit_inclusion(index, leaves).unwrap();
        inclusion.push(started.elapsed().as_secs_f64() * 1e6);
        assert!(merkle::verify_inclusion(&leaf, index, leaves, &path, &root));
        let first = next(leaves - 1) + 1;
        let started = Instant::now();
        let path = store.audit_consistency(first, leaves).unwrap();
        let first_root = store.audit_root(first).unwrap();
        consistency.push(started.elapsed().as_secs_f64() * 1e6);
        assert!(merkle::verify_consistency(first, leaves, &first_root, &root, &path));
    }
    drop(store);

    // An act (its entry and leaf appended in its transaction), and the
    // tree's share of it: the same appends (the leaf's hash, its row, the
    // subtrees it completes) done alone, in one transaction, per leaf.
    let fresh_path = dir.path().join("fresh.db");
    drop(SqliteStore::create(&fresh_path).unwrap());
    let mut fresh = SqliteStore::open(&fresh_path).unwrap();
    let act_fresh = median(list_acts(&mut fresh, "f", 500));
    let appends = {
        let mut connection = rusqlite::Connection::open(&fresh_path).unwrap();
        let transaction = connection.transaction().unwrap();
        let start: i64 = transaction
            .query_row("SELECT max(idx) + 1 FROM audit_tree WHERE level = 0", [], |row| row.get(0))
            .unwrap();
        let started = Instant::now();
        let n = 10_000_u64;
        for index in start as u64..start as u64 + n {
            let mut right =
                merkle::leaf_hash(format!("[{index},\"an entry of about this size\"]").as_bytes());
            transaction
                .prepare_cached("INSERT INTO audit_tree (level, idx, hash) VALUES (?1, ?2, ?3)")
                .unwrap()
                .execute(rusqlite::params![0, index as i64, &right[..]])
                .unwrap();
            for (level, at) in merkle::completed(index) {
                let left: Vec<u8> = transaction
                    .prepare_cached("SELECT hash FROM audit_tree WHERE level = ?1 AND idx = ?2")
                    .unwrap()
                    .query_row(rusqlite::params![level - 1, (2 * at) as i64], |row| row.get(0))
                    .unwrap();
                right =
                    merkle::node_hash(&merkle::Hash::try_from(left.as_slice()).unwrap(), &right);
                transaction
                    .prepare_cached("INSERT INTO audit_tree (level, idx, hash) VALUES (?1, ?2, ?3)")
                    .unwrap()
                    .execute(rusqlite::params![level, at as i64, &right[..]])
                    .unwrap();
            }
        }
        let each = started.elapsed().as_secs_f64() * 1e6 / n as f64;
        transaction.rollback().unwrap();
        each
    };

    println!("audit tree of {leaves} leaves: written in {built:.1} s, {size:.0} MiB");
    println!(
        "| proof (2,000 at random places) | p50 µs | p99 µs |\n| --- | --- | --- |\n| inclusion | {:.0} | {:.0} |\n| consistency, with the smaller tree's root | {:.0} | {:.0} |",
        median(inclusion.clone()),
        percentile(inclusion, 0.99),
        median(consistency.clone()),
        percentile(consistency, 0.99)
    );
    println!(
        "an act (a list created, synchronous=FULL), median of 500: {act_fresh:.0} µs; a leaf's append alone: {appends:.1} µs ({:.1}% of the act)",
        appends / act_fresh * 100.0
    );
}
