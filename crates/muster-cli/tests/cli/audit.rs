//! The audit log: every act on a hash chain; `audit verify` names the first
//! entry changed, deleted or moved, at every position of a small log.

use std::path::Path;

use expect_test::expect;

use crate::scenario::scenario;

/// A copy of the store at `from`, taken with `VACUUM INTO`, changed by `sql`.
fn tampered(from: &Path, to: &Path, sql: &str) {
    let connection = rusqlite::Connection::open(from).unwrap();
    connection.execute("VACUUM INTO ?1", [to.to_str().unwrap()]).unwrap();
    drop(connection);
    let copy = rusqlite::Connection::open(to).unwrap();
    copy.execute_batch(sql).unwrap();
}

#[test]
fn every_act_is_on_the_chain_and_verify_passes() {
    let sandbox = scenario().sandbox;
    let log = sandbox.ok(&["audit", "log", "--format", "json"]);
    let value: serde_json::Value = serde_json::from_str(&log).unwrap();
    let entries = value["entries"].as_array().unwrap();
    let kinds: Vec<&str> = entries.iter().map(|entry| entry["kind"].as_str().unwrap()).collect();
    expect![[r#"
        [
            "import",
            "order-issue",
            "order-issue",
            "order-issue",
            "list-create",
            "list-add",
            "order-issue",
            "list-create",
            "list-add",
            "order-issue",
            "list-create",
            "list-add",
        ]
    "#]]
    .assert_debug_eq(&kinds);
    // The refused order left nothing, not even an entry.
    assert!(!log.contains("errd-2021-007"));
    let verify = sandbox.ok(&["audit", "verify"]);
    let head = sandbox.ok(&["audit", "head"]);
    let (seq, hash) = head.trim().split_once(' ').unwrap();
    assert_eq!(seq, "12");
    assert_eq!(hash.len(), 64);
    assert!(verify.contains(&format!("12 entries, head 12 {hash}")), "{verify}");
    for (index, entry) in entries.iter().enumerate() {
        let previous = if index == 0 {
            "0".repeat(64)
        } else {
            entries[index - 1]["hash"].as_str().unwrap().to_owned()
        };
        assert_eq!(entry["previous"].as_str().unwrap(), previous);
    }
}

#[test]
fn verify_names_the_entry_changed_deleted_or_moved_at_every_position() {
    let sandbox = scenario().sandbox;
    let db = sandbox.db();
    let count = 12;
    let mut checked = 0;
    for seq in 1..=count {
        let mut cases = vec![
            ("changed", format!("UPDATE audit SET summary = summary || '!' WHERE seq = {seq}")),
            ("content", format!("UPDATE audit SET content = '{{}}' WHERE seq = {seq}")),
            ("deleted", format!("DELETE FROM audit WHERE seq = {seq}")),
            (
                "act changed",
                format!(
                    "UPDATE acts SET actor = 'someone' WHERE id = (SELECT act FROM audit WHERE seq = {seq})"
                ),
            ),
        ];
        if seq < count {
            // Two entries swapped, each keeping its place number.
            cases.push((
                "swapped",
                format!(
                    "CREATE TEMP TABLE a AS SELECT * FROM audit WHERE seq IN ({seq}, {next});
                     DELETE FROM audit WHERE seq IN ({seq}, {next});
                     INSERT INTO audit SELECT CASE seq WHEN {seq} THEN {next} ELSE {seq} END,
                        act, recorded_at, actor, kind, valid_on, summary, content, previous, hash FROM a;",
                    next = seq + 1
                ),
            ));
        }
        for (what, sql) in cases {
            let copy = sandbox.path().join(format!("copy-{seq}-{}.db", what.replace(' ', "-")));
            tampered(&db, &copy, &sql);
            let run = sandbox.run(&["--db", copy.to_str().unwrap(), "audit", "verify"]);
            assert_eq!(run.code, 1, "{what} at {seq} went unnoticed: {}", run.stdout);
            assert!(
                run.stderr.starts_with(&format!("error: the audit log is broken at entry {seq}: ")),
                "{what} at {seq}: {}",
                run.stderr
            );
            checked += 1;
        }
    }
    assert_eq!(checked, 12 * 4 + 11);
}

#[test]
fn verify_catches_an_order_changed_after_it_was_issued() {
    let sandbox = scenario().sandbox;
    let copy = sandbox.path().join("order.db");
    tampered(
        &sandbox.db(),
        &copy,
        "UPDATE orders SET document = replace(document, 'Chagang', 'Ryanggang') WHERE id = 'mod-2024-001'",
    );
    let run = sandbox.run(&["--db", copy.to_str().unwrap(), "audit", "verify"]);
    assert_eq!(run.code, 1);
    expect![[r#"
        error: the audit log is broken at entry 10: the order issued by act 10 was changed since entry 10 recorded it
    "#]]
    .assert_eq(&run.stderr);
}
