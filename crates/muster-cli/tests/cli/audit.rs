//! The audit log: every act on a hash chain; `audit verify` names the first
//! entry changed, deleted or moved, at every position of a small log, and
//! every row of every table changed, inserted or deleted behind the log's
//! back, as an attacker with the file and plain SQL would do it.

use std::path::{Path, PathBuf};

use expect_test::expect;

use crate::Sandbox;
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

/// A store with rows in every registered table, made by the steps of
/// `tests/fixtures/store-v4/make.sh` (which made the fixture of schema
/// version 4 with the muster of that version).
fn full_store() -> Sandbox {
    let sandbox = Sandbox::new();
    sandbox.reference("reference");
    let steps: &[&[&str]] = &[
        &["init"],
        &["import", "reference", "--as-of", "2020-01-01"],
        &["order", "issue", "reference/orders/errd-2020-031.toml", "--as-of", "2020-09-25"],
        &["order", "issue", "reference/orders/mod-2023-002.toml", "--as-of", "2023-01-10"],
        &[
            "order",
            "revoke",
            "mod-2023-002",
            "--on",
            "2023-06-01",
            "--reason",
            "Review done",
            "--as-of",
            "2023-05-20",
        ],
        &[
            "list",
            "create",
            "haebit-2023",
            "--kind",
            "overseas-posting",
            "--owner",
            "haebit",
            "--as-of",
            "2023-06-01",
        ],
        &["list", "add", "haebit-2023", "p002", "p003", "p004", "p009", "--as-of", "2023-06-01"],
        &["list", "remove", "haebit-2023", "p004", "--as-of", "2023-06-02"],
        &["user", "add", "kim", "--org", "haebit", "--role", "placement"],
        &["user", "add", "ri", "--org", "mod", "--role", "ministry"],
        &["user", "token", "kim", "--label", "placement-office"],
        &["user", "disable", "kim"],
        &[
            "exemption",
            "issue",
            "--document",
            "MED-2023/5",
            "--person",
            "p003",
            "--scope",
            "overseas-posting",
            "--grounds",
            "medical",
            "--issuer",
            "msc",
            "--issued-on",
            "2023-05-30",
            "--as-of",
            "2023-06-01",
        ],
        &["exemption", "revoke", "X-000001", "--reason", "forged", "--as-of", "2023-07-01"],
        &[
            "exemption",
            "review",
            "E-000008",
            "--note",
            "no document number",
            "--as-of",
            "2023-07-02",
        ],
    ];
    std::fs::write(
        sandbox.path().join("limits.toml"),
        "[[limit]]\nscope = \"redeployment\"\ngrounds = \"family\"\nmax_days = 365\n",
    )
    .unwrap();
    for step in steps {
        sandbox.ok(step);
    }
    sandbox.ok(&["exemption", "limits", "limits.toml", "--as-of", "2023-07-03"]);
    let update = sandbox.path().join("update");
    std::fs::create_dir(&update).unwrap();
    std::fs::write(update.join("calendar.toml"), "spring = \"02-01\"\nautumn = \"10-01\"\n")
        .unwrap();
    let people = std::fs::read_to_string(sandbox.path().join("reference/people.csv")).unwrap();
    let header = people.lines().next().unwrap();
    let p001 = people.lines().find(|line| line.starts_with("p001,")).unwrap();
    std::fs::write(
        update.join("people.csv"),
        format!("{header}\n{}\n", p001.replace(",sergeant,", ",staff sergeant,")),
    )
    .unwrap();
    sandbox.ok(&["import", "update", "--update", "--as-of", "2024-02-01"]);
    // An act entered in error, and its reversal.
    let event = sandbox.ok(&[
        "person",
        "event",
        "p001",
        "--kind",
        "injured",
        "--as-of",
        "2024-03-01",
        "--format",
        "json",
    ]);
    let event: serde_json::Value = serde_json::from_str(&event).unwrap();
    let act = event["act"].to_string();
    sandbox.ok(&["act", "reverse", &act, "--reason", "Entered in error"]);
    // A posting of a list's eligible, kept with its key.
    sandbox.ok(&[
        "list",
        "post",
        "haebit-2023",
        "--eligible",
        "--country",
        "Russia",
        "--key",
        "haebit-2023-first",
        "--as-of",
        "2023-06-05",
    ]);
    sandbox
}

/// The store of schema version 4 (before entries carried the digests of
/// their rows), copied into a sandbox as it is, not yet opened.
fn store_v4() -> Sandbox {
    let sandbox = Sandbox::new();
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/store-v4/store-v4.db");
    std::fs::copy(fixture, sandbox.db()).unwrap();
    sandbox
}

/// How an attacker changes a row of a table, and forges one: the `SET` of
/// an `UPDATE`, and the columns of the copied row that the forged row
/// changes so that SQLite takes it (its key), each with its expression.
struct Tampering {
    table: &'static str,
    set: &'static str,
    forged: &'static [(&'static str, &'static str)],
}

const TAMPERINGS: &[Tampering] = &[
    Tampering {
        table: "calendars",
        set: "spring = '03-01'",
        // A calendar under an act that wrote none: one act, one calendar.
        forged: &[(
            "act",
            "(SELECT min(id) FROM acts WHERE id NOT IN (SELECT act FROM calendars))",
        )],
    },
    Tampering {
        table: "organisations",
        set: "name = name || ' (forged)'",
        forged: &[("id", "id || '-forged'")],
    },
    Tampering {
        table: "units",
        set: "tags = tags || ';forged'",
        forged: &[("id", "id || '-forged'")],
    },
    Tampering {
        table: "sites",
        set: "province = province || 'x'",
        forged: &[("id", "id || '-forged'")],
    },
    Tampering {
        table: "campaigns",
        set: "required = required + 100",
        forged: &[("id", "id || '-forged'")],
    },
    Tampering {
        table: "people",
        set: "home_province = 'Ryanggang'",
        forged: &[("id", "id || '-forged'")],
    },
    Tampering { table: "service", set: "unit = 'sgc'", forged: &[] },
    Tampering { table: "deployments", set: "site = site || 'x'", forged: &[] },
    Tampering { table: "events", set: "day = '1999-01-01'", forged: &[] },
    Tampering {
        table: "orders",
        set: "override = 1 - override",
        forged: &[("id", "id || '-forged'")],
    },
    Tampering {
        table: "revocations",
        set: "on_day = '2030-01-01'",
        forged: &[("order_id", "'errd-2020-031'")],
    },
    Tampering { table: "lists", set: "owner = 'sonbong'", forged: &[("id", "id || '-forged'")] },
    Tampering { table: "list_entries", set: "person = 'p010'", forged: &[] },
    Tampering { table: "notices", set: "message = message || 'x'", forged: &[] },
    Tampering { table: "users", set: "role = 'auditor'", forged: &[] },
    Tampering {
        table: "tokens",
        set: "label = label || 'x'",
        forged: &[(
            "token_sha256",
            "'0000000000000000000000000000000000000000000000000000000000000000'",
        )],
    },
    Tampering {
        table: "reversals",
        set: "reason = reason || 'x'",
        // A second act reversed under the same reversal.
        forged: &[(
            "reversed",
            "(SELECT min(id) FROM acts WHERE id NOT IN (SELECT reversed FROM reversals))",
        )],
    },
    Tampering {
        table: "act_keys",
        set: "key = key || 'x'",
        forged: &[("key", "key || '-forged'")],
    },
    Tampering { table: "papers", set: "valid_until = '2099-12-31'", forged: &[] },
    Tampering { table: "paper_revocations", set: "on_day = '2099-01-01'", forged: &[] },
    Tampering { table: "paper_notes", set: "note = 'nothing to see'", forged: &[] },
    Tampering {
        table: "exemption_limits",
        set: "document = ''",
        forged: &[(
            "act",
            "(SELECT min(id) FROM acts WHERE id NOT IN (SELECT act FROM exemption_limits))",
        )],
    },
];

/// A copy of `db` changed by `sql` (with foreign keys off, as the `sqlite3`
/// shell has them), and what `audit verify` says of it.
fn verify_tampered(sandbox: &Sandbox, db: &Path, name: &str, sql: &str) -> crate::Run {
    let copy = sandbox.path().join(format!("{name}.db"));
    tampered(db, &copy, &format!("PRAGMA foreign_keys = OFF; {sql}"));
    sandbox.run(&["--db", copy.to_str().unwrap(), "audit", "verify"])
}

/// For every registered table: a row changed, a row inserted under an
/// existing act, a row deleted; each must be caught, naming the table.
/// Returns what verify said of each, one line a case.
/// `born_later` names the tables a store of an earlier version cannot have
/// rows in (they came with a later schema).
fn tamper_every_table(sandbox: &Sandbox, db: &Path, born_later: &[&str]) -> String {
    let registered: Vec<&str> = muster_store::TABLES.iter().map(|table| table.name).collect();
    let tampered: Vec<&str> = TAMPERINGS.iter().map(|tampering| tampering.table).collect();
    assert_eq!(tampered, registered, "every registered table needs its tampering");
    let connection = rusqlite::Connection::open(db).unwrap();
    let mut said = String::new();
    for (tampering, table) in TAMPERINGS.iter().zip(muster_store::TABLES) {
        let name = table.name;
        if born_later.contains(&name) {
            continue;
        }
        let rows: i64 = connection
            .query_row(&format!("SELECT count(*) FROM {name}"), [], |row| row.get(0))
            .unwrap();
        assert!(rows > 0, "`{name}` has no row to tamper with");
        let first = format!("rowid = (SELECT min(rowid) FROM {name})");
        let columns: Vec<&str> = table
            .columns
            .iter()
            .copied()
            .filter(|column| !(table.rowid_id && *column == "id"))
            .collect();
        let values: Vec<&str> = columns
            .iter()
            .map(|column| {
                tampering
                    .forged
                    .iter()
                    .find(|(forged, _)| forged == column)
                    .map_or(*column, |(_, value)| value)
            })
            .collect();
        let cases = [
            ("changed", format!("UPDATE {name} SET {} WHERE {first}", tampering.set)),
            (
                "inserted",
                format!(
                    "INSERT INTO {name} ({}) SELECT {} FROM {name} WHERE {first}",
                    columns.join(", "),
                    values.join(", ")
                ),
            ),
            ("deleted", format!("DELETE FROM {name} WHERE {first}")),
        ];
        for (what, sql) in cases {
            let run = verify_tampered(sandbox, db, &format!("{name}-{what}"), &sql);
            assert_eq!(run.code, 1, "`{name}` {what} went unnoticed ({sql}): {}", run.stdout);
            assert!(
                run.stderr.starts_with("error: the audit log is broken at entry ")
                    && run.stderr.contains(&format!("`{name}`"))
                    && run.stderr.contains(what),
                "`{name}` {what} ({sql}): {}",
                run.stderr
            );
            said.push_str(&format!(
                "{name} {what}: {}",
                run.stderr.trim_start_matches("error: the audit log is broken at ")
            ));
        }
    }
    said
}

#[test]
fn a_row_changed_inserted_or_deleted_in_any_table_is_caught() {
    let sandbox = full_store();
    assert!(sandbox.ok(&["audit", "verify"]).starts_with("the audit log is intact: 19 entries"));
    let said = tamper_every_table(&sandbox, &sandbox.db(), &[]);
    expect![[r#"
        calendars changed: entry 16: a row of `calendars` written by act 16 was changed since entry 16 recorded it
        calendars inserted: entry 1: `calendars` holds 1 row under act 1, where entry 1 recorded 0: a row was inserted
        calendars deleted: entry 16: `calendars` holds 0 rows under act 16, where entry 16 recorded 1: a row was deleted
        organisations changed: entry 1: a row of `organisations` written by act 1 was changed since entry 1 recorded it
        organisations inserted: entry 1: `organisations` holds 12 rows under act 1, where entry 1 recorded 11: a row was inserted
        organisations deleted: entry 1: `organisations` holds 10 rows under act 1, where entry 1 recorded 11: a row was deleted
        units changed: entry 1: a row of `units` written by act 1 was changed since entry 1 recorded it
        units inserted: entry 1: `units` holds 14 rows under act 1, where entry 1 recorded 13: a row was inserted
        units deleted: entry 1: `units` holds 12 rows under act 1, where entry 1 recorded 13: a row was deleted
        sites changed: entry 1: a row of `sites` written by act 1 was changed since entry 1 recorded it
        sites inserted: entry 1: `sites` holds 4 rows under act 1, where entry 1 recorded 3: a row was inserted
        sites deleted: entry 1: `sites` holds 2 rows under act 1, where entry 1 recorded 3: a row was deleted
        campaigns changed: entry 1: a row of `campaigns` written by act 1 was changed since entry 1 recorded it
        campaigns inserted: entry 1: `campaigns` holds 2 rows under act 1, where entry 1 recorded 1: a row was inserted
        campaigns deleted: entry 1: `campaigns` holds 0 rows under act 1, where entry 1 recorded 1: a row was deleted
        people changed: entry 1: a row of `people` written by act 1 was changed since entry 1 recorded it
        people inserted: entry 1: `people` holds 26 rows under act 1, where entry 1 recorded 25: a row was inserted
        people deleted: entry 1: `people` holds 24 rows under act 1, where entry 1 recorded 25: a row was deleted
        service changed: entry 1: a row of `service` written by act 1 was changed since entry 1 recorded it
        service inserted: entry 1: `service` holds 26 rows under act 1, where entry 1 recorded 25: a row was inserted
        service deleted: entry 1: `service` holds 24 rows under act 1, where entry 1 recorded 25: a row was deleted
        deployments changed: entry 1: a row of `deployments` written by act 1 was changed since entry 1 recorded it
        deployments inserted: entry 1: `deployments` holds 6 rows under act 1, where entry 1 recorded 5: a row was inserted
        deployments deleted: entry 1: `deployments` holds 4 rows under act 1, where entry 1 recorded 5: a row was deleted
        events changed: entry 1: a row of `events` written by act 1 was changed since entry 1 recorded it
        events inserted: entry 1: `events` holds 27 rows under act 1, where entry 1 recorded 26: a row was inserted
        events deleted: entry 1: `events` holds 25 rows under act 1, where entry 1 recorded 26: a row was deleted
        orders changed: entry 2: a row of `orders` written by act 2 was changed since entry 2 recorded it
        orders inserted: entry 2: `orders` holds 2 rows under act 2, where entry 2 recorded 1: a row was inserted
        orders deleted: entry 2: `orders` holds 0 rows under act 2, where entry 2 recorded 1: a row was deleted
        revocations changed: entry 4: a row of `revocations` written by act 4 was changed since entry 4 recorded it
        revocations inserted: entry 4: `revocations` holds 2 rows under act 4, where entry 4 recorded 1: a row was inserted
        revocations deleted: entry 4: `revocations` holds 0 rows under act 4, where entry 4 recorded 1: a row was deleted
        lists changed: entry 5: a row of `lists` written by act 5 was changed since entry 5 recorded it
        lists inserted: entry 5: `lists` holds 2 rows under act 5, where entry 5 recorded 1: a row was inserted
        lists deleted: entry 5: `lists` holds 0 rows under act 5, where entry 5 recorded 1: a row was deleted
        list_entries changed: entry 6: a row of `list_entries` written by act 6 was changed since entry 6 recorded it
        list_entries inserted: entry 6: `list_entries` holds 5 rows under act 6, where entry 6 recorded 4: a row was inserted
        list_entries deleted: entry 6: `list_entries` holds 3 rows under act 6, where entry 6 recorded 4: a row was deleted
        notices changed: entry 2: a row of `notices` written by act 2 was changed since entry 2 recorded it
        notices inserted: entry 2: `notices` holds 4 rows under act 2, where entry 2 recorded 3: a row was inserted
        notices deleted: entry 2: `notices` holds 2 rows under act 2, where entry 2 recorded 3: a row was deleted
        users changed: entry 8: a row of `users` written by act 8 was changed since entry 8 recorded it
        users inserted: entry 8: `users` holds 2 rows under act 8, where entry 8 recorded 1: a row was inserted
        users deleted: entry 8: `users` holds 0 rows under act 8, where entry 8 recorded 1: a row was deleted
        tokens changed: entry 10: a row of `tokens` written by act 10 was changed since entry 10 recorded it
        tokens inserted: entry 10: `tokens` holds 2 rows under act 10, where entry 10 recorded 1: a row was inserted
        tokens deleted: entry 10: `tokens` holds 0 rows under act 10, where entry 10 recorded 1: a row was deleted
        reversals changed: entry 18: a row of `reversals` written by act 18 was changed since entry 18 recorded it
        reversals inserted: entry 18: `reversals` holds 2 rows under act 18, where entry 18 recorded 1: a row was inserted
        reversals deleted: entry 18: `reversals` holds 0 rows under act 18, where entry 18 recorded 1: a row was deleted
        act_keys changed: entry 19: a row of `act_keys` written by act 19 was changed since entry 19 recorded it
        act_keys inserted: entry 19: `act_keys` holds 2 rows under act 19, where entry 19 recorded 1: a row was inserted
        act_keys deleted: entry 19: `act_keys` holds 0 rows under act 19, where entry 19 recorded 1: a row was deleted
        papers changed: entry 12: a row of `papers` written by act 12 was changed since entry 12 recorded it
        papers inserted: entry 12: `papers` holds 2 rows under act 12, where entry 12 recorded 1: a row was inserted
        papers deleted: entry 12: `papers` holds 0 rows under act 12, where entry 12 recorded 1: a row was deleted
        paper_revocations changed: entry 13: a row of `paper_revocations` written by act 13 was changed since entry 13 recorded it
        paper_revocations inserted: entry 13: `paper_revocations` holds 2 rows under act 13, where entry 13 recorded 1: a row was inserted
        paper_revocations deleted: entry 13: `paper_revocations` holds 0 rows under act 13, where entry 13 recorded 1: a row was deleted
        paper_notes changed: entry 14: a row of `paper_notes` written by act 14 was changed since entry 14 recorded it
        paper_notes inserted: entry 14: `paper_notes` holds 2 rows under act 14, where entry 14 recorded 1: a row was inserted
        paper_notes deleted: entry 14: `paper_notes` holds 0 rows under act 14, where entry 14 recorded 1: a row was deleted
        exemption_limits changed: entry 15: a row of `exemption_limits` written by act 15 was changed since entry 15 recorded it
        exemption_limits inserted: entry 1: `exemption_limits` holds 1 row under act 1, where entry 1 recorded 0: a row was inserted
        exemption_limits deleted: entry 15: `exemption_limits` holds 0 rows under act 15, where entry 15 recorded 1: a row was deleted
    "#]].assert_eq(&said);
}

#[test]
fn every_case_of_tampering_behind_the_logs_back_is_caught() {
    let sandbox = full_store();
    let cases: &[(&str, &str)] = &[
        ("flipping an order's override", "UPDATE orders SET override = 1 - override WHERE id = 'mod-2023-002'"),
        ("editing an order's stored impact", "UPDATE orders SET impact = '{}' WHERE id = 'mod-2023-002'"),
        (
            "inserting a forged order under an existing act",
            "INSERT INTO orders (id, act, document, override, impact)
             SELECT 'mod-2099-001', act, replace(document, 'mod-2023-002', 'mod-2099-001'), override, impact
             FROM orders WHERE id = 'mod-2023-002'",
        ),
        (
            "inserting a revocation",
            "INSERT INTO revocations (order_id, act, on_day, reason)
             SELECT id, act, '2021-01-01', 'forged' FROM orders WHERE id = 'errd-2020-031'",
        ),
        ("deleting a revocation", "DELETE FROM revocations"),
        ("changing a list's owner", "UPDATE lists SET owner = 'sonbong' WHERE id = 'haebit-2023'"),
        ("changing a list's kind", "UPDATE lists SET kind = 'redeployment' WHERE id = 'haebit-2023'"),
        ("editing a list entry", "UPDATE list_entries SET person = 'p010' WHERE person = 'p003'"),
        (
            "inserting a list entry",
            "INSERT INTO list_entries (act, list, person, action)
             SELECT act, list, 'p010', 'add' FROM list_entries WHERE person = 'p002'",
        ),
        ("editing a person", "UPDATE people SET home_province = 'Ryanggang' WHERE id = 'p009'"),
        ("editing an event", "UPDATE events SET kind = 'returned' WHERE rowid = (SELECT min(rowid) FROM events)"),
        ("editing a service row", "UPDATE service SET to_day = '2017-01-01' WHERE person = 'p001'"),
        ("changing a user's role", "UPDATE users SET role = 'ministry' WHERE name = 'kim'"),
        ("re-enabling a disabled user", "UPDATE users SET disabled = 0 WHERE name = 'kim' AND disabled = 1"),
        (
            "swapping a password hash",
            "UPDATE users SET password_hash = (SELECT password_hash FROM users WHERE name = 'ri') WHERE name = 'kim'",
        ),
        (
            "inserting a token",
            "INSERT INTO tokens (act, user_name, label, token_sha256)
             SELECT act, 'ri', 'forged', 'f00df00df00df00df00df00df00df00df00df00df00df00df00df00df00df00d'
             FROM tokens",
        ),
    ];
    let mut said = String::new();
    for (index, (case, sql)) in cases.iter().enumerate() {
        let run = verify_tampered(&sandbox, &sandbox.db(), &format!("case-{index}"), sql);
        assert_eq!(run.code, 1, "{case} went unnoticed: {}", run.stdout);
        said.push_str(&format!("{case}: {}", run.stderr));
    }
    expect![[r#"
        flipping an order's override: error: the audit log is broken at entry 3: a row of `orders` written by act 3 was changed since entry 3 recorded it
        editing an order's stored impact: error: the audit log is broken at entry 3: a row of `orders` written by act 3 was changed since entry 3 recorded it
        inserting a forged order under an existing act: error: the audit log is broken at entry 3: `orders` holds 2 rows under act 3, where entry 3 recorded 1: a row was inserted
        inserting a revocation: error: the audit log is broken at entry 2: `revocations` holds 1 row under act 2, where entry 2 recorded 0: a row was inserted
        deleting a revocation: error: the audit log is broken at entry 4: `revocations` holds 0 rows under act 4, where entry 4 recorded 1: a row was deleted
        changing a list's owner: error: the audit log is broken at entry 5: a row of `lists` written by act 5 was changed since entry 5 recorded it
        changing a list's kind: error: the audit log is broken at entry 5: a row of `lists` written by act 5 was changed since entry 5 recorded it
        editing a list entry: error: the audit log is broken at entry 6: a row of `list_entries` written by act 6 was changed since entry 6 recorded it
        inserting a list entry: error: the audit log is broken at entry 6: `list_entries` holds 5 rows under act 6, where entry 6 recorded 4: a row was inserted
        editing a person: error: the audit log is broken at entry 1: a row of `people` written by act 1 was changed since entry 1 recorded it
        editing an event: error: the audit log is broken at entry 1: a row of `events` written by act 1 was changed since entry 1 recorded it
        editing a service row: error: the audit log is broken at entry 1: a row of `service` written by act 1 was changed since entry 1 recorded it
        changing a user's role: error: the audit log is broken at entry 8: a row of `users` written by act 8 was changed since entry 8 recorded it
        re-enabling a disabled user: error: the audit log is broken at entry 11: a row of `users` written by act 11 was changed since entry 11 recorded it
        swapping a password hash: error: the audit log is broken at entry 8: a row of `users` written by act 8 was changed since entry 8 recorded it
        inserting a token: error: the audit log is broken at entry 10: `tokens` holds 2 rows under act 10, where entry 10 recorded 1: a row was inserted
    "#]].assert_eq(&said);
}

#[test]
fn rows_of_an_act_no_entry_records_are_caught() {
    let sandbox = full_store();
    let run = verify_tampered(
        &sandbox,
        &sandbox.db(),
        "unknown-act",
        "INSERT INTO people SELECT id || '-forged', 99, name, born, sex, home_province, home_county,
             branch, rank, specialty, enlisted, term_months FROM people WHERE id = 'p001' LIMIT 1",
    );
    assert_eq!(run.code, 1);
    expect![[r#"
        error: the audit log is broken at entry 20: `people` holds 1 row under act 99, which no entry records: it was inserted
    "#]].assert_eq(&run.stderr);
    let run = verify_tampered(
        &sandbox,
        &sandbox.db(),
        "text-act",
        "INSERT INTO notices (act, organisation, message) VALUES ('x', 'errd', 'forged')",
    );
    assert_eq!(run.code, 1);
    expect![[r#"
        error: the audit log is broken at entry 20: `notices` holds a row whose act is 'x', which no entry records: it was inserted
    "#]].assert_eq(&run.stderr);
}

/// The fixture opened once: it has its seal.
fn sealed_v4() -> (Sandbox, PathBuf) {
    let sandbox = store_v4();
    let verify = sandbox.ok(&["audit", "verify"]);
    assert!(verify.starts_with("the audit log is intact: 13 entries, head 13 "), "{verify}");
    let db = sandbox.db();
    (sandbox, db)
}

#[test]
fn a_store_of_the_previous_version_gets_its_seal_and_verifies() {
    let (sandbox, _) = sealed_v4();
    let log: serde_json::Value =
        serde_json::from_str(&sandbox.ok(&["audit", "log", "--format", "json"])).unwrap();
    let seal = log["entries"].as_array().unwrap().last().unwrap();
    assert_eq!(seal["kind"], "seal");
    assert_eq!(seal["actor"], "muster");
    assert_eq!(seal["act"], serde_json::Value::Null);
    expect!["seal the rows of acts 1 to 12, recorded before entries carried their digests"]
        .assert_eq(seal["summary"].as_str().unwrap());
    let sealed: Vec<&str> =
        seal["content"]["acts"].as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(sealed, ["1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12"]);
    expect![[r#"
        {
          "revocations": {
            "rows": 1,
            "sha256": "587a23c4eaa4c0d9d2f3c30ccfb54b898885859e34240cf09024e7b6bc1de731"
          }
        }"#]]
    .assert_eq(&serde_json::to_string_pretty(&seal["content"]["acts"]["4"]).unwrap());
    // Opened again, it is sealed once; a new act records its own digests.
    sandbox.ok(&[
        "list",
        "create",
        "sonbong-2024",
        "--kind",
        "overseas-posting",
        "--owner",
        "sonbong",
    ]);
    let verify = sandbox.ok(&["audit", "verify"]);
    assert!(verify.starts_with("the audit log is intact: 14 entries, head 14 "), "{verify}");
    let log: serde_json::Value =
        serde_json::from_str(&sandbox.ok(&["audit", "log", "--format", "json"])).unwrap();
    let log = log["entries"].as_array().unwrap();
    assert_eq!(log.iter().filter(|entry| entry["kind"] == "seal").count(), 1);
    assert_eq!(log.last().unwrap()["content"]["tables"]["lists"]["rows"], 1);
}

#[test]
fn tampering_after_the_seal_is_caught() {
    let (sandbox, db) = sealed_v4();
    // The reversals came with schema version 7: the seal of a store of
    // version 4 has none to hold.
    let said = tamper_every_table(
        &sandbox,
        &db,
        &[
            "reversals",
            "act_keys",
            "papers",
            "paper_revocations",
            "paper_notes",
            "exemption_limits",
        ],
    );
    assert!(
        said.lines().all(|line| line.contains("since the seal (entry 13)")
            || line.contains("where the seal (entry 13)")),
        "{said}"
    );
    expect![[r#"
        calendars changed: entry 12: a row of `calendars` written by act 12 was changed since the seal (entry 13) recorded it
        calendars inserted: entry 1: `calendars` holds 1 row under act 1, where the seal (entry 13) recorded 0: a row was inserted
        calendars deleted: entry 12: `calendars` holds 0 rows under act 12, where the seal (entry 13) recorded 1: a row was deleted
        organisations changed: entry 1: a row of `organisations` written by act 1 was changed since the seal (entry 13) recorded it
        organisations inserted: entry 1: `organisations` holds 12 rows under act 1, where the seal (entry 13) recorded 11: a row was inserted
        organisations deleted: entry 1: `organisations` holds 10 rows under act 1, where the seal (entry 13) recorded 11: a row was deleted
        units changed: entry 1: a row of `units` written by act 1 was changed since the seal (entry 13) recorded it
        units inserted: entry 1: `units` holds 14 rows under act 1, where the seal (entry 13) recorded 13: a row was inserted
        units deleted: entry 1: `units` holds 12 rows under act 1, where the seal (entry 13) recorded 13: a row was deleted
        sites changed: entry 1: a row of `sites` written by act 1 was changed since the seal (entry 13) recorded it
        sites inserted: entry 1: `sites` holds 4 rows under act 1, where the seal (entry 13) recorded 3: a row was inserted
        sites deleted: entry 1: `sites` holds 2 rows under act 1, where the seal (entry 13) recorded 3: a row was deleted
        campaigns changed: entry 1: a row of `campaigns` written by act 1 was changed since the seal (entry 13) recorded it
        campaigns inserted: entry 1: `campaigns` holds 2 rows under act 1, where the seal (entry 13) recorded 1: a row was inserted
        campaigns deleted: entry 1: `campaigns` holds 0 rows under act 1, where the seal (entry 13) recorded 1: a row was deleted
        people changed: entry 1: a row of `people` written by act 1 was changed since the seal (entry 13) recorded it
        people inserted: entry 1: `people` holds 26 rows under act 1, where the seal (entry 13) recorded 25: a row was inserted
        people deleted: entry 1: `people` holds 24 rows under act 1, where the seal (entry 13) recorded 25: a row was deleted
        service changed: entry 1: a row of `service` written by act 1 was changed since the seal (entry 13) recorded it
        service inserted: entry 1: `service` holds 26 rows under act 1, where the seal (entry 13) recorded 25: a row was inserted
        service deleted: entry 1: `service` holds 24 rows under act 1, where the seal (entry 13) recorded 25: a row was deleted
        deployments changed: entry 1: a row of `deployments` written by act 1 was changed since the seal (entry 13) recorded it
        deployments inserted: entry 1: `deployments` holds 6 rows under act 1, where the seal (entry 13) recorded 5: a row was inserted
        deployments deleted: entry 1: `deployments` holds 4 rows under act 1, where the seal (entry 13) recorded 5: a row was deleted
        events changed: entry 1: a row of `events` written by act 1 was changed since the seal (entry 13) recorded it
        events inserted: entry 1: `events` holds 27 rows under act 1, where the seal (entry 13) recorded 26: a row was inserted
        events deleted: entry 1: `events` holds 25 rows under act 1, where the seal (entry 13) recorded 26: a row was deleted
        orders changed: entry 2: a row of `orders` written by act 2 was changed since the seal (entry 13) recorded it
        orders inserted: entry 2: `orders` holds 2 rows under act 2, where the seal (entry 13) recorded 1: a row was inserted
        orders deleted: entry 2: `orders` holds 0 rows under act 2, where the seal (entry 13) recorded 1: a row was deleted
        revocations changed: entry 4: a row of `revocations` written by act 4 was changed since the seal (entry 13) recorded it
        revocations inserted: entry 4: `revocations` holds 2 rows under act 4, where the seal (entry 13) recorded 1: a row was inserted
        revocations deleted: entry 4: `revocations` holds 0 rows under act 4, where the seal (entry 13) recorded 1: a row was deleted
        lists changed: entry 5: a row of `lists` written by act 5 was changed since the seal (entry 13) recorded it
        lists inserted: entry 5: `lists` holds 2 rows under act 5, where the seal (entry 13) recorded 1: a row was inserted
        lists deleted: entry 5: `lists` holds 0 rows under act 5, where the seal (entry 13) recorded 1: a row was deleted
        list_entries changed: entry 6: a row of `list_entries` written by act 6 was changed since the seal (entry 13) recorded it
        list_entries inserted: entry 6: `list_entries` holds 5 rows under act 6, where the seal (entry 13) recorded 4: a row was inserted
        list_entries deleted: entry 6: `list_entries` holds 3 rows under act 6, where the seal (entry 13) recorded 4: a row was deleted
        notices changed: entry 2: a row of `notices` written by act 2 was changed since the seal (entry 13) recorded it
        notices inserted: entry 2: `notices` holds 4 rows under act 2, where the seal (entry 13) recorded 3: a row was inserted
        notices deleted: entry 2: `notices` holds 2 rows under act 2, where the seal (entry 13) recorded 3: a row was deleted
        users changed: entry 8: a row of `users` written by act 8 was changed since the seal (entry 13) recorded it
        users inserted: entry 8: `users` holds 2 rows under act 8, where the seal (entry 13) recorded 1: a row was inserted
        users deleted: entry 8: `users` holds 0 rows under act 8, where the seal (entry 13) recorded 1: a row was deleted
        tokens changed: entry 10: a row of `tokens` written by act 10 was changed since the seal (entry 13) recorded it
        tokens inserted: entry 10: `tokens` holds 2 rows under act 10, where the seal (entry 13) recorded 1: a row was inserted
        tokens deleted: entry 10: `tokens` holds 0 rows under act 10, where the seal (entry 13) recorded 1: a row was deleted
    "#]].assert_eq(&said);
}

#[test]
fn a_change_made_before_the_seal_cannot_be_detected() {
    // Changed before this version first opened the store, the row is
    // sealed as it was found: what the seal cannot know, verify cannot.
    let sandbox = Sandbox::new();
    let fixture = store_v4();
    let copy = sandbox.db();
    tampered(
        &fixture.db(),
        &copy,
        "UPDATE orders SET override = 1 - override WHERE id = 'mod-2023-002'",
    );
    assert!(sandbox.ok(&["audit", "verify"]).starts_with("the audit log is intact: 13 entries"));
    // The same change after the seal is caught.
    let run = verify_tampered(
        &sandbox,
        &copy,
        "after",
        "UPDATE orders SET override = 1 - override WHERE id = 'mod-2023-002'",
    );
    assert_eq!(run.code, 1);
    expect![[r#"
        error: the audit log is broken at entry 3: a row of `orders` written by act 3 was changed since the seal (entry 13) recorded it
    "#]].assert_eq(&run.stderr);
}
