//! An import killed with SIGKILL at any moment leaves the store with all of
//! it or nothing of it, and a store that passes `PRAGMA integrity_check`.

use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use crate::Sandbox;

const TABLES: &[&str] = &[
    "acts",
    "organisations",
    "units",
    "sites",
    "campaigns",
    "people",
    "service",
    "deployments",
    "events",
];

fn counts(db: &Path) -> Vec<i64> {
    let connection = rusqlite::Connection::open(db).unwrap();
    let check: String =
        connection.query_row("PRAGMA integrity_check", [], |row| row.get(0)).unwrap();
    assert_eq!(check, "ok", "{}", db.display());
    TABLES
        .iter()
        .map(|table| {
            connection
                .query_row(&format!("SELECT count(*) FROM {table}"), [], |row| row.get(0))
                .unwrap()
        })
        .collect()
}

#[test]
fn an_import_killed_at_twenty_moments_stores_all_or_nothing() {
    let sandbox = Sandbox::new();
    sandbox.ok(&["generate", "army", "--people", "40000", "--seed", "11"]);

    // A whole import, timed, to spread the kills over it.
    sandbox.ok(&["--db", "whole.db", "init"]);
    let started = Instant::now();
    sandbox.ok(&["--db", "whole.db", "import", "army"]);
    let whole = started.elapsed();
    let all = counts(&sandbox.path().join("whole.db"));
    let nothing = vec![0; TABLES.len()];
    assert!(all[5] == 40_000, "{all:?}");

    let mut outcomes = (0, 0);
    for moment in 1..=20u32 {
        let db = format!("killed-{moment}.db");
        sandbox.ok(&["--db", &db, "init"]);
        let mut child = sandbox
            .command(&["--db", &db, "import", "army"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // From a twentieth of the import's time to just past its end.
        std::thread::sleep(whole.mul_f64(f64::from(moment) / 19.0) + Duration::from_millis(5));
        child.kill().unwrap();
        child.wait().unwrap();
        let found = counts(&sandbox.path().join(&db));
        if found == nothing {
            outcomes.0 += 1;
        } else if found == all {
            outcomes.1 += 1;
        } else {
            panic!(
                "killed at {moment}/19 of the import, the store holds part of it: {found:?} of {all:?}"
            );
        }
        // The store still opens and answers.
        let run = sandbox.run(&["--db", &db, "person", "show", "p0000001", "--format", "json"]);
        assert_eq!(run.code, if found == all { 0 } else { 1 }, "{}", run.stderr);
    }
    eprintln!("kill test: {} stores held nothing, {} held all", outcomes.0, outcomes.1);
    assert!(outcomes.0 > 0, "no kill landed before the commit");
}
