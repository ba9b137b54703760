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

/// A POST of JSON over a plain socket: the status and the body; `None`
/// when the server is gone.
fn post(address: &str, path: &str, token: &str, body: &str) -> Option<(u16, String)> {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(address).ok()?;
    write!(
        stream,
        "POST {path} HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {token}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .ok()?;
    let mut response = String::new();
    stream.read_to_string(&mut response).ok()?;
    let status = response.split_whitespace().nth(1)?.parse().ok()?;
    let body = response.split_once("\r\n\r\n").map(|(_, body)| body.to_owned())?;
    Some((status, body))
}

#[test]
fn a_server_killed_during_a_burst_of_acts_keeps_every_act_it_answered_and_none_in_part() {
    use std::io::BufRead;
    let sandbox = Sandbox::with_reference();
    sandbox.ok(&["user", "add", "kim", "--org", "mod", "--role", "ministry"]);
    let token = sandbox.ok(&["user", "token", "kim"]).lines().nth(1).unwrap().to_owned();
    let persons: Vec<String> = (1..=25).map(|n| format!("p{n:03}")).collect();
    let mut answered_in_all = 0;
    for (round, kill_after) in [150u64, 400, 900].into_iter().enumerate() {
        let mut child = sandbox
            .command(&["serve", "--addr", "127.0.0.1:0"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
        let address = line.split("http://").nth(1).unwrap().split('/').next().unwrap().to_owned();
        let answered = std::sync::Arc::new(std::sync::Mutex::new(Vec::<i64>::new()));
        let writers: Vec<_> = (0..4u64)
            .map(|writer| {
                let (address, token, persons, answered) =
                    (address.clone(), token.clone(), persons.clone(), answered.clone());
                std::thread::spawn(move || {
                    for count in 0.. {
                        // Each act on another person and day: none repeats another.
                        let n = (round as u64 * 100_000) + count * 4 + writer;
                        let person = &persons[(n % 25) as usize];
                        let day = chrono::NaiveDate::from_ymd_opt(2021, 1, 1).unwrap()
                            + chrono::Days::new(n / 25);
                        let body = format!(
                            r#"{{"kind": "injured", "detail": "burst {n}", "as_of": "{day}"}}"#
                        );
                        let path = format!("/api/v1/people/{person}/events");
                        let Some((status, body)) = post(&address, &path, &token, &body) else {
                            return;
                        };
                        assert_eq!(status, 201, "{body}");
                        let done: serde_json::Value = serde_json::from_str(&body).unwrap();
                        answered.lock().unwrap().push(done["act"].as_i64().unwrap());
                    }
                })
            })
            .collect();
        std::thread::sleep(Duration::from_millis(kill_after));
        child.kill().unwrap();
        child.wait().unwrap();
        for writer in writers {
            writer.join().unwrap();
        }
        let answered = answered.lock().unwrap().clone();
        answered_in_all += answered.len();
        // After the restart: every act answered is there, whole.
        let verify = sandbox.ok(&["audit", "verify"]);
        assert!(verify.starts_with("the audit log is intact"), "{verify}");
        let connection = rusqlite::Connection::open(sandbox.db()).unwrap();
        for act in &answered {
            let (kind, rows): (String, i64) = connection
                .query_row(
                    "SELECT kind, (SELECT count(*) FROM events WHERE act = acts.id) FROM acts WHERE id = ?1",
                    [act],
                    |row| Ok((row.get(0)?, row.get(1)?)),
                )
                .unwrap();
            assert_eq!((kind.as_str(), rows), ("event", 1), "act {act}");
        }
        // And no act is there in part: each event act wrote its one row.
        let partial: i64 = connection
            .query_row(
                "SELECT count(*) FROM acts WHERE kind = 'event' AND (SELECT count(*) FROM events WHERE act = acts.id) <> 1",
                [],
                |row| row.get(0),
            )
            .unwrap();
        assert_eq!(partial, 0);
    }
    assert!(answered_in_all > 10, "only {answered_in_all} acts were answered before the kills");
}

/// The acts, and the deployments written under the last act: what a
/// redeployment of a list leaves.
fn redeployed(db: &Path) -> (i64, i64) {
    let connection = rusqlite::Connection::open(db).unwrap();
    let check: String =
        connection.query_row("PRAGMA integrity_check", [], |row| row.get(0)).unwrap();
    assert_eq!(check, "ok", "{}", db.display());
    connection
        .query_row(
            "SELECT count(*), (SELECT count(*) FROM deployments WHERE act = (SELECT max(id) FROM acts))
             FROM acts",
            [],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .unwrap()
}

#[test]
fn a_mass_act_killed_at_any_moment_stores_all_of_it_or_nothing() {
    let sandbox = Sandbox::new();
    sandbox.ok(&["generate", "army", "--people", "40000", "--seed", "12"]);
    sandbox.ok(&["--db", "template.db", "init"]);
    sandbox.ok(&["--db", "template.db", "import", "army", "--as-of", "2000-01-01"]);
    let list = [
        "--db",
        "template.db",
        "list",
        "create",
        "mines",
        "--kind",
        "redeployment",
        "--owner",
        "errd",
        "--as-of",
        "2026-01-05",
    ];
    sandbox.ok(&list);
    sandbox.ok(&[
        "--db",
        "template.db",
        "list",
        "add",
        "mines",
        "--where",
        r#"person.status == "serving" && !person.deployed_at("daehung")"#,
        "--as-of",
        "2026-01-05",
    ]);
    let template = sandbox.path().join("template.db");
    {
        let connection = rusqlite::Connection::open(&template).unwrap();
        connection.execute_batch("PRAGMA wal_checkpoint(TRUNCATE)").unwrap();
    }
    let (acts_before, _) = redeployed(&template);
    let redeploy = |db: &str| {
        sandbox.command(&[
            "--db",
            db,
            "list",
            "redeploy",
            "mines",
            "--site",
            "daehung",
            "--as-of",
            "2026-01-06",
            "--format",
            "json",
        ])
    };
    // A whole act, timed, to spread the kills over it.
    std::fs::copy(&template, sandbox.path().join("whole.db")).unwrap();
    let started = Instant::now();
    let output = redeploy("whole.db").output().unwrap();
    let whole = started.elapsed();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let done: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let persons = done["done"].as_array().unwrap().len() as i64;
    assert!(persons > 5_000, "only {persons} persons redeployed");
    assert_eq!(redeployed(&sandbox.path().join("whole.db")), (acts_before + 1, persons));

    let mut outcomes = (0, 0);
    for moment in 1..=10u32 {
        let db = format!("killed-{moment}.db");
        std::fs::copy(&template, sandbox.path().join(&db)).unwrap();
        let mut child = redeploy(&db).stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap();
        std::thread::sleep(whole.mul_f64(f64::from(moment) / 10.0) + Duration::from_millis(5));
        child.kill().unwrap();
        child.wait().unwrap();
        match redeployed(&sandbox.path().join(&db)) {
            (acts, _) if acts == acts_before => outcomes.0 += 1,
            (acts, rows) if acts == acts_before + 1 && rows == persons => outcomes.1 += 1,
            found => panic!(
                "killed at {moment}/10 of the act, the store holds part of it: {found:?} of {persons}"
            ),
        }
        let verify = sandbox.ok(&["--db", &db, "audit", "verify"]);
        assert!(verify.starts_with("the audit log is intact"), "{verify}");
    }
    eprintln!("mass act kill test: {} stores held nothing, {} held all", outcomes.0, outcomes.1);
    assert!(outcomes.0 > 0, "no kill landed before the commit");
}
