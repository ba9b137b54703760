//! `muster user`: accounts with argon2 passwords and hashed tokens, every
//! change an act on the audit log, no secret kept or logged in clear.

use std::io::Write;
use std::process::Stdio;

use expect_test::expect;

use crate::Sandbox;

fn stored_hash(sandbox: &Sandbox, name: &str) -> String {
    let connection = rusqlite::Connection::open(sandbox.db()).unwrap();
    connection
        .query_row(
            "SELECT password_hash FROM users WHERE name = ?1 ORDER BY id DESC LIMIT 1",
            [name],
            |row| row.get(0),
        )
        .unwrap()
}

#[test]
fn add_list_disable_reset_and_token() {
    let sandbox = Sandbox::with_reference();
    let added = sandbox.ok(&["user", "add", "kim", "--org", "haebit", "--role", "placement"]);
    let password = added.lines().nth(1).unwrap().split_whitespace().nth(1).unwrap().to_owned();
    assert_eq!(password.len(), 20);
    let hash = stored_hash(&sandbox, "kim");
    assert!(hash.starts_with("$argon2id$"), "{hash}");
    assert!(!hash.contains(&password));
    assert!(muster_access::verify_password(&password, &hash).unwrap());

    sandbox.ok(&["user", "add", "ri", "--org", "mod", "--role", "ministry"]);
    expect![[r#"
        kim  placement   haebit                active
        ri   ministry    mod                   active
    "#]]
    .assert_eq(&sandbox.ok(&["user", "list"]));

    sandbox.ok(&["user", "disable", "kim"]);
    assert!(
        sandbox.ok(&["user", "list"]).contains("kim  placement   haebit                disabled")
    );

    let mut reset = sandbox
        .command(&["user", "reset", "kim", "--password-stdin"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    reset.stdin.take().unwrap().write_all(b"a long enough secret\n").unwrap();
    let output = reset.wait_with_output().unwrap();
    assert!(output.status.success());
    assert!(!String::from_utf8(output.stdout).unwrap().contains("secret"));
    assert!(
        muster_access::verify_password("a long enough secret", &stored_hash(&sandbox, "kim"))
            .unwrap()
    );
    assert!(
        sandbox.ok(&["user", "list"]).contains("kim  placement   haebit                active")
    );

    let token = sandbox.ok(&["user", "token", "kim", "--label", "placement-office"]);
    let token = token.lines().nth(1).unwrap().to_owned();
    assert!(token.starts_with("mst_"));
    let connection = rusqlite::Connection::open(sandbox.db()).unwrap();
    let owner: String = connection
        .query_row(
            "SELECT user_name FROM tokens WHERE token_sha256 = ?1",
            [muster_access::token_sha256(&token)],
            |row| row.get(0),
        )
        .unwrap();
    assert_eq!(owner, "kim");

    // Every change is on the audit log, and no secret is.
    let log = sandbox.ok(&["audit", "log", "--format", "json"]);
    for kind in ["user-add", "user-disable", "user-reset", "user-token"] {
        assert!(log.contains(kind), "{kind} is not on the log");
    }
    assert!(!log.contains(&password) && !log.contains(&token) && !log.contains("argon2"));
    assert!(sandbox.ok(&["audit", "verify"]).starts_with("the audit log is intact"));
}

#[test]
fn bad_users_store_nothing() {
    let sandbox = Sandbox::with_reference();
    sandbox.ok(&["user", "add", "kim", "--org", "haebit", "--role", "placement"]);
    let before = sandbox.dump();
    let cases: [(&[&str], &str); 5] = [
        (
            &["user", "add", "kim", "--org", "mod", "--role", "ministry"],
            "error: a user `kim` exists already; nothing was stored\n",
        ),
        (
            &["user", "add", "pak", "--org", "nowhere", "--role", "analyst"],
            "error: unknown organisation `nowhere`: a user belongs to an organisation of the store\n",
        ),
        (
            &["user", "add", "pak", "--org", "mod", "--role", "general"],
            "error: unknown role `general`: expected `ministry`, `department`, `unit-admin`, `placement`, `analyst` or `auditor`\n",
        ),
        (
            &["user", "add", "pak kim", "--org", "mod", "--role", "analyst"],
            "error: `pak kim` is not a user name: use up to 64 letters, digits, `-`, `_` and `.`\n",
        ),
        (&["user", "disable", "nobody"], "error: no user `nobody`\n"),
    ];
    for (args, stderr) in cases {
        let run = sandbox.run(args);
        assert_eq!(run.code, 1, "{args:?}");
        assert_eq!(run.stderr, stderr, "{args:?}");
    }
    assert_eq!(sandbox.dump(), before);
}
