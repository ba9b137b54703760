//! The audit registry against the schema, and the digests an act records
//! against its rows as stored.

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use muster_dataset::{Mode, read_dataset};
use rusqlite::Connection;
use serde_json::Value;

use crate::rows::{self, Marks, NOT_ROWS_OF_ACTS, TABLES};
use crate::{NewAct, SqliteStore, Store};

/// The tables of the schema that neither the registry covers nor the list
/// of tables covered otherwise, and the differences between the registry
/// and the schema; empty when they agree.
fn uncovered(connection: &Connection) -> Vec<String> {
    let mut problems = Vec::new();
    let names: Vec<String> = connection
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
        .unwrap()
        .query_map([], |row| row.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    for name in &names {
        // (name, type, pk) of each column, in the schema's order.
        let columns: Vec<(String, String, i64)> = connection
            .prepare(&format!("PRAGMA table_info({name})"))
            .unwrap()
            .query_map([], |row| Ok((row.get(1)?, row.get(2)?, row.get(5)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        let has_act = columns.iter().any(|(column, _, _)| column == "act");
        if let Some(table) = rows::table(name) {
            let schema: Vec<&str> = columns.iter().map(|(column, _, _)| column.as_str()).collect();
            if schema != table.columns {
                problems.push(format!("`{name}` has {schema:?}, the registry {:?}", table.columns));
            }
            let keys = columns.iter().filter(|(_, _, pk)| *pk > 0).count();
            let rowid_id = keys == 1
                && columns.first().is_some_and(|(column, kind, pk)| {
                    column == "id" && kind.eq_ignore_ascii_case("INTEGER") && *pk == 1
                });
            if rowid_id != table.rowid_id {
                problems.push(format!("`{name}`: the registry has the wrong `rowid_id`"));
            }
        } else if let Some((_, _)) = NOT_ROWS_OF_ACTS.iter().find(|(other, _)| other == name) {
            if has_act && name != "audit" {
                problems.push(format!("`{name}` has an `act` column but is not registered"));
            }
        } else {
            problems.push(format!("`{name}` is neither registered nor covered otherwise"));
        }
    }
    for table in TABLES {
        if !names.iter().any(|name| name == table.name) {
            problems.push(format!("the registry has `{}`, which the schema does not", table.name));
        }
    }
    for (name, _) in NOT_ROWS_OF_ACTS {
        if !names.iter().any(|other| other == name) {
            problems
                .push(format!("`{name}` is said to be covered otherwise but is not in the schema"));
        }
    }
    problems
}

fn new_store(dir: &Path) -> (SqliteStore, PathBuf) {
    let path = dir.join("muster.db");
    (SqliteStore::create(&path).unwrap(), path)
}

#[test]
fn the_registry_covers_every_table_of_the_schema() {
    let dir = tempfile::tempdir().unwrap();
    let (_store, path) = new_store(dir.path());
    let connection = Connection::open(&path).unwrap();
    assert_eq!(uncovered(&connection), Vec::<String>::new());

    // A table added later, with an `act` column, and one with none: both
    // are found until the registry covers them.
    connection
        .execute_batch(
            "CREATE TABLE postings (id INTEGER PRIMARY KEY, act INTEGER NOT NULL, person TEXT NOT NULL);
             CREATE TABLE remarks (person TEXT NOT NULL, remark TEXT NOT NULL);
             ALTER TABLE people ADD COLUMN nickname TEXT;",
        )
        .unwrap();
    let problems = uncovered(&connection);
    assert_eq!(problems.len(), 3, "{problems:?}");
    assert!(problems.iter().any(|problem| problem.starts_with("`people` has")), "{problems:?}");
    assert!(problems.contains(&"`postings` is neither registered nor covered otherwise".into()));
    assert!(problems.contains(&"`remarks` is neither registered nor covered otherwise".into()));
}

fn reference() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../muster-cli/tests/fixtures/reference")
}

fn act(kind: &str, day: &str) -> NewAct {
    NewAct {
        kind: kind.to_string(),
        valid_on: NaiveDate::parse_from_str(day, "%Y-%m-%d").unwrap(),
        actor: "test".to_string(),
        summary: kind.to_string(),
    }
}

/// The `tables` of the entry of act `act`.
fn recorded(store: &SqliteStore, act: i64) -> Value {
    let entry =
        store.audit_log().unwrap().into_iter().find(|entry| entry.act == Some(act)).unwrap();
    let content: Value = serde_json::from_str(&entry.content).unwrap();
    content["tables"].clone()
}

#[test]
fn an_import_hashes_its_rows_as_reading_them_back_does() {
    let dir = tempfile::tempdir().unwrap();
    let (mut store, path) = new_store(dir.path());
    // Every file of the dataset, a calendar included.
    let full = dir.path().join("full");
    std::fs::create_dir(&full).unwrap();
    for entry in std::fs::read_dir(reference()).unwrap() {
        let entry = entry.unwrap();
        if entry.file_type().unwrap().is_file() {
            std::fs::copy(entry.path(), full.join(entry.file_name())).unwrap();
        }
    }
    std::fs::write(full.join("calendar.toml"), "spring = \"02-01\"\nautumn = \"10-01\"\n").unwrap();
    let first = store
        .import(
            read_dataset(&full).unwrap(),
            Mode::New,
            act("import", "2020-01-01"),
            &mut |_, _| {},
        )
        .unwrap();
    // An update: a person changed, an assignment corrected (a row that
    // replaces another), a deployment and an event added.
    let update = dir.path().join("update");
    std::fs::create_dir(&update).unwrap();
    let people = std::fs::read_to_string(full.join("people.csv")).unwrap();
    let mut lines = people.lines();
    let header = lines.next().unwrap();
    let p001 = lines.next().unwrap().replace("sergeant", "lieutenant");
    std::fs::write(update.join("people.csv"), format!("{header}\n{p001}\n")).unwrap();
    std::fs::write(
        update.join("service.csv"),
        "person,unit,from,to\np001,c8-2,2016-04-01,2024-01-31\n",
    )
    .unwrap();
    std::fs::write(
        update.join("events.csv"),
        "person,date,kind,ref,detail\np001,2024-02-01,injured,,a fall\n",
    )
    .unwrap();
    let second = store
        .import(
            read_dataset(&update).unwrap(),
            Mode::Update,
            act("import", "2024-02-01"),
            &mut |_, _| {},
        )
        .unwrap();

    let connection = Connection::open(&path).unwrap();
    let replaces: i64 = connection
        .query_row("SELECT count(*) FROM service WHERE replaces IS NOT NULL", [], |row| row.get(0))
        .unwrap();
    assert_eq!(replaces, 1);
    for report in [&first, &second] {
        let read_back = rows::written(&connection, &Marks::none(), report.act.0, &[]).unwrap();
        assert_eq!(recorded(&store, report.act.0), rows::written_json(&read_back));
    }
    let tables = recorded(&store, first.act.0);
    let names: Vec<&str> = tables.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(
        names,
        [
            "calendars",
            "organisations",
            "units",
            "sites",
            "campaigns",
            "people",
            "service",
            "deployments",
            "events"
        ]
    );
    let names: Vec<String> =
        recorded(&store, second.act.0).as_object().unwrap().keys().cloned().collect();
    assert_eq!(names, ["people", "service", "events"]);
    assert_eq!(recorded(&store, second.act.0)["service"]["rows"], 1);
    assert_eq!(store.audit_verify().unwrap(), None);
}

#[test]
fn rows_hashed_as_written_agree_with_reading_them_back() {
    let dir = tempfile::tempdir().unwrap();
    let (_store, path) = new_store(dir.path());
    let connection = Connection::open(&path).unwrap();
    // Inside the act's transaction, as the store writes.
    connection.execute_batch("BEGIN IMMEDIATE").unwrap();
    connection
        .execute(
            "INSERT INTO acts (kind, valid_on, recorded_at, actor, summary)
             VALUES ('import', '2020-01-01', '2020-01-01T00:00:00Z', 'test', 'test')",
            [],
        )
        .unwrap();
    let act = connection.last_insert_rowid();
    // Enough rows for many blocks of the hasher, NULLs among them.
    let mut insert =
        rows::HashedInsert::new(&connection, rows::registered("service").unwrap()).unwrap();
    let unit = "u".repeat(100);
    for index in 0..20_000_i64 {
        let person = format!("p{index:06}");
        let replaces = (index % 3 == 1).then_some(1_i64);
        let to = (index % 2 == 0).then_some("2021-01-01");
        insert
            .execute(
                &connection,
                rusqlite::params![act, replaces, person, unit, "2020-01-01", to],
                "write the service assignments",
            )
            .unwrap();
    }
    let (table, hashed) = insert.finish();
    assert_eq!(table, "service");
    assert_eq!(hashed.count, 20_000);
    let read_back = rows::written(&connection, &Marks::none(), act, &[]).unwrap();
    assert_eq!(read_back, vec![("service", hashed)]);
}

#[test]
fn a_store_made_before_the_audit_log_gets_its_entries_and_its_seal() {
    // A store of schema version 2, written as that version did: an act
    // and its rows, no audit log.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("muster.db");
    let connection = Connection::open(&path).unwrap();
    connection
        .execute_batch(&format!(
            "CREATE TABLE migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL);
             {}
             {}
             INSERT INTO migrations VALUES (1, 'records', '2020-01-01T00:00:00Z'), (2, 'orders and lists', '2020-01-01T00:00:00Z');
             INSERT INTO acts (kind, valid_on, recorded_at, actor, summary)
                 VALUES ('list-create', '2020-01-01', '2020-01-01T00:00:00Z', 'test', 'create list l');
             INSERT INTO lists VALUES ('l', 1, 'overseas-posting', 'haebit', 'L', NULL);
             INSERT INTO acts (kind, valid_on, recorded_at, actor, summary)
                 VALUES ('list-add', '2020-01-02', '2020-01-02T00:00:00Z', 'test', 'add to list l');
             INSERT INTO list_entries (act, list, person, action) VALUES (2, 'l', 'p001', 'add'), (2, 'l', 'p002', 'add');",
            include_str!("../migrations/sqlite/0001_records.sql"),
            include_str!("../migrations/sqlite/0002_orders_and_lists.sql"),
        ))
        .unwrap();
    drop(connection);

    let store = SqliteStore::open(&path).unwrap();
    let log = store.audit_log().unwrap();
    let kinds: Vec<&str> = log.iter().map(|entry| entry.kind.as_str()).collect();
    assert_eq!(kinds, ["list-create", "list-add", "seal"]);
    let seal: Value = serde_json::from_str(&log[2].content).unwrap();
    assert_eq!(seal["acts"]["1"]["lists"]["rows"], 1);
    assert_eq!(seal["acts"]["2"]["list_entries"]["rows"], 2);
    assert_eq!(store.audit_verify().unwrap(), None);
    drop(store);

    // Opened again, it is not sealed again.
    let store = SqliteStore::open(&path).unwrap();
    assert_eq!(store.audit_log().unwrap().len(), 3);
    drop(store);

    // A change after the seal is caught, against the seal.
    let connection = Connection::open(&path).unwrap();
    connection
        .execute("UPDATE list_entries SET person = 'p003' WHERE person = 'p002'", [])
        .unwrap();
    drop(connection);
    let store = SqliteStore::open(&path).unwrap();
    let problem = store.audit_verify().unwrap().unwrap();
    assert_eq!(problem.seq, 2);
    assert_eq!(
        problem.problem,
        "a row of `list_entries` written by act 2 was changed since the seal (entry 3) recorded it"
    );
}

#[test]
fn an_entry_without_digests_that_no_seal_covers_is_caught() {
    // Written after the seal, an entry must carry its digests: one that
    // does not was not written by this store.
    let dir = tempfile::tempdir().unwrap();
    let (store, path) = new_store(dir.path());
    drop(store);
    let connection = Connection::open(&path).unwrap();
    connection
        .execute(
            "INSERT INTO acts (kind, valid_on, recorded_at, actor, summary)
             VALUES ('list-create', '2020-01-01', '2020-01-01T00:00:00Z', 'test', 'create list l')",
            [],
        )
        .unwrap();
    crate::audit::append_act(&connection, 1, &serde_json::json!({"list": "l"})).unwrap();
    drop(connection);
    let store = SqliteStore::open(&path).unwrap();
    let problem = store.audit_verify().unwrap().unwrap();
    assert_eq!(problem.seq, 1);
    assert_eq!(problem.problem, "entry 1 records no digest of the rows of act 1, and no seal does");
}
