//! Writes that race: several connections to one store file, on threads of
//! their own, asking for the same change at once. What decides a write is
//! read inside the write's transaction, so exactly one of them makes it.

#![expect(clippy::unwrap_used, reason = "a test fails loudly")]

use std::path::Path;
use std::sync::{Arc, Barrier};

use chrono::NaiveDate;
use muster_store::{EntryAction, NewAct, NewList, SqliteStore, Store, StoreError};

fn act(kind: &str) -> NewAct {
    NewAct {
        kind: kind.to_string(),
        valid_on: NaiveDate::from_ymd_opt(2024, 1, 10).unwrap(),
        actor: "test".to_string(),
        summary: kind.to_string(),
    }
}

fn new_list(id: &str) -> NewList {
    NewList {
        id: id.to_string(),
        kind: "overseas-posting".to_string(),
        owner: "haebit".to_string(),
        title: String::new(),
        quota: None,
    }
}

/// Runs `work` on `threads` threads at once, each with its own connection.
fn at_once<T: Send + 'static>(
    db: &Path,
    threads: usize,
    work: impl Fn(&mut SqliteStore) -> T + Send + Sync + 'static,
) -> Vec<T> {
    let barrier = Arc::new(Barrier::new(threads));
    let work = Arc::new(work);
    let handles: Vec<_> = (0..threads)
        .map(|_| {
            let mut store = SqliteStore::open(db).unwrap();
            let barrier = Arc::clone(&barrier);
            let work = Arc::clone(&work);
            std::thread::spawn(move || {
                barrier.wait();
                work(&mut store)
            })
        })
        .collect();
    handles.into_iter().map(|handle| handle.join().unwrap()).collect()
}

fn store_with_list() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("muster.db");
    let mut store = SqliteStore::create(&db).unwrap();
    store.create_list(act("list-create"), new_list("race")).unwrap();
    (dir, db)
}

#[test]
fn the_same_person_added_at_once_is_added_once() {
    let (_dir, db) = store_with_list();
    let persons = vec!["p001".to_string()];
    let results = at_once(&db, 4, move |store| {
        store.change_entries(act("list-add"), "race", &persons, EntryAction::Add, &[]).unwrap()
    });
    // One of them added him, and was told so; the others added nobody and
    // recorded no act.
    let mut added: Vec<usize> = results.iter().map(|changed| changed.persons.len()).collect();
    added.sort();
    assert_eq!(added, [0, 0, 0, 1]);
    assert_eq!(results.iter().filter(|changed| changed.act.is_some()).count(), 1);
    let store = SqliteStore::open(&db).unwrap();
    let rows = store.entries("race").unwrap();
    assert_eq!(rows.len(), 1, "{rows:?}");
    // Removing him at once: one removal is made, the others are refused.
    let persons = vec!["p001".to_string()];
    let results = at_once(&db, 4, move |store| {
        store.change_entries(act("list-remove"), "race", &persons, EntryAction::Remove, &[])
    });
    let removed = results.iter().filter(|result| result.is_ok()).count();
    let refused = results
        .iter()
        .filter(|result| matches!(result, Err(StoreError::NotOnList { persons, .. }) if persons == &["p001"]))
        .count();
    assert_eq!((removed, refused), (1, 3), "{results:?}");
    assert_eq!(store.entries("race").unwrap().len(), 2);
}

#[test]
fn a_list_created_at_once_is_created_once() {
    let (_dir, db) = store_with_list();
    let results = at_once(&db, 4, |store| store.create_list(act("list-create"), new_list("twice")));
    let made = results.iter().filter(|result| result.is_ok()).count();
    let refused = results
        .iter()
        .filter(|result| matches!(result, Err(StoreError::ListExists { id }) if id == "twice"))
        .count();
    assert_eq!((made, refused), (1, 3), "{results:?}");
    let store = SqliteStore::open(&db).unwrap();
    assert_eq!(store.lists().unwrap().iter().filter(|list| list.id == "twice").count(), 1);
}
