//! `muster order`: check, issue, revoke, list and show; an order that fails
//! to issue stores nothing.

use expect_test::{Expect, expect};

use crate::Sandbox;

const CHAGANG: &str = r#"id = "mod-2024-001"
title = "Postings abroad: exclude all from Chagang"
issued_by = "mod"
issued_on = 2024-01-02
addressed_to = ["placement"]

[[rules]]
applies_to = "overseas-posting"
effect = "exclude"
when = 'person.home_province == "Chagang"'
reason = "Home province Chagang"
"#;

/// Writes `text` as `order.toml`, requires `order issue` to fail with this
/// stderr, and the store to be as it was.
fn refused(sandbox: &Sandbox, text: &str, expect: Expect) {
    std::fs::write(sandbox.path().join("order.toml"), text).unwrap();
    let before = sandbox.dump();
    let run = sandbox.run(&["order", "issue", "order.toml"]);
    assert_eq!(run.code, 1, "{run:?}");
    expect.assert_eq(&run.stderr);
    assert_eq!(sandbox.dump(), before, "a refused order changed the store");
}

#[test]
fn a_malformed_document_stores_nothing() {
    let sandbox = Sandbox::with_reference();
    refused(
        &sandbox,
        &CHAGANG.replace("issued_on = 2024-01-02", "issued_on = 2024-01-02 02"),
        expect![[r#"
              × the order is not valid: invalid time, expected `:` (HH:MM)
               ╭─[order.toml:4:13]
             3 │ issued_by = "mod"
             4 │ issued_on = 2024-01-02 02
               ·             ──────┬──────
               ·                   ╰── invalid time, expected `:` (HH:MM)
             5 │ addressed_to = ["placement"]
               ╰────

            error: `order.toml` has 1 error
            nothing was stored
        "#]],
    );
}

#[test]
fn an_unknown_id_stores_nothing() {
    let sandbox = Sandbox::with_reference();
    refused(
        &sandbox,
        &CHAGANG
            .replace(r#"issued_by = "mod""#, r#"issued_by = "modd""#)
            .replace(r#"person.home_province == "Chagang""#, r#"person.served_in("sgcc")"#),
        expect![[r#"
              × unknown organisation `modd` in `issued_by`
               ╭─[order.toml:3:13]
             2 │ title = "Postings abroad: exclude all from Chagang"
             3 │ issued_by = "modd"
               ·             ───┬──
               ·                ╰── unknown organisation
             4 │ issued_on = 2024-01-02
               ╰────
              help: did you mean `mod`?

              × rule 1, `when`, line 1 column 18: unknown unit `sgcc`
                ╭─[order.toml:10:26]
              9 │ effect = "exclude"
             10 │ when = 'person.served_in("sgcc")'
                ·                          ───┬──
                ·                             ╰── unknown unit `sgcc`
             11 │ reason = "Home province Chagang"
                ╰────
              help: did you mean `sgc`?

            error: `order.toml` has 2 errors
            nothing was stored
        "#]],
    );
}

#[test]
fn a_discharge_rule_may_not_read_status() {
    let sandbox = Sandbox::with_reference();
    let text = CHAGANG
        .replace(r#"applies_to = "overseas-posting""#, r#"applies_to = "discharge""#)
        .replace(r#"effect = "exclude""#, "effect = \"delay\"\nuntil = \"2024-autumn\"")
        .replace(r#"person.home_province == "Chagang""#, r#"person.status == "serving""#);
    refused(
        &sandbox,
        &text,
        expect![[r#"
              × rule 1, `when`, line 1 column 8: a discharge rule may not read `person.status`: it depends on
              │ the discharge being decided
                ╭─[order.toml:11:16]
             10 │ until = "2024-autumn"
             11 │ when = 'person.status == "serving"'
                ·                ───┬──
                ·                   ╰── a discharge rule may not read `person.status`: it depends on the discharge being decided
             12 │ reason = "Home province Chagang"
                ╰────

            error: `order.toml` has 1 error
            nothing was stored
        "#]],
    );
}

#[test]
fn an_issued_order_cannot_be_issued_again() {
    let sandbox = Sandbox::with_reference();
    std::fs::write(sandbox.path().join("chagang.toml"), CHAGANG).unwrap();
    sandbox.ok(&["order", "issue", "chagang.toml"]);
    let changed = CHAGANG.replace("Home province Chagang", "Chagang");
    refused(
        &sandbox,
        &changed,
        expect![[r#"
              × order `mod-2024-001` is already issued: an issued order cannot be changed, only revoked or
              │ superseded
               ╭─[order.toml:1:1]
             1 │ id = "mod-2024-001"
               · ▲
               · ╰── already issued
             2 │ title = "Postings abroad: exclude all from Chagang"
               ╰────
              help: give the new order an id of its own

            error: `order.toml` has 1 error
            nothing was stored
        "#]],
    );
    // The document stays as issued.
    let shown = sandbox.ok(&["order", "show", "mod-2024-001", "--as-of", "2024-02-01"]);
    assert!(shown.contains("reason = \"Home province Chagang\""), "{shown}");
}

#[test]
fn check_accepts_a_good_order_and_changes_nothing() {
    let sandbox = Sandbox::with_reference();
    std::fs::write(sandbox.path().join("chagang.toml"), CHAGANG).unwrap();
    let before = sandbox.dump();
    let out = sandbox.ok(&["order", "check", "chagang.toml", "--as-of", "2024-01-02"]);
    expect![[r#"
        chagang.toml: order mod-2024-001 is valid (1 rule), with no conflict on 2024-01-02
    "#]]
    .assert_eq(&out);
    sandbox.ok(&["order", "preview", "chagang.toml", "--as-of", "2024-01-02"]);
    assert_eq!(sandbox.dump(), before);
}

#[test]
fn revoke_and_supersede_end_an_orders_force() {
    let sandbox = Sandbox::with_reference();
    std::fs::write(sandbox.path().join("chagang.toml"), CHAGANG).unwrap();
    std::fs::write(
        sandbox.path().join("later.toml"),
        CHAGANG.replace("mod-2024-001", "mod-2024-009").replace(
            "issued_on = 2024-01-02",
            "issued_on = 2024-03-01\nsupersedes = [\"mod-2024-001\"]",
        ),
    )
    .unwrap();
    sandbox.ok(&["order", "issue", "chagang.toml"]);
    sandbox.ok(&["order", "issue", "later.toml"]);
    let out = sandbox.ok(&[
        "order",
        "revoke",
        "mod-2024-009",
        "--on",
        "2024-06-01",
        "--reason",
        "Review done",
        "--as-of",
        "2024-05-20",
    ]);
    expect![[r#"
        order mod-2024-009 revoked: no longer in force from 2024-06-01
    "#]]
    .assert_eq(&out);
    let list = |day: &str| sandbox.ok(&["order", "list", "--as-of", day]);
    expect![[r#"
        mod-2024-001  2024-01-02  in force  Postings abroad: exclude all from Chagang
    "#]]
    .assert_eq(&list("2024-02-01"));
    expect![[r#"
        mod-2024-001  2024-01-02  superseded by mod-2024-009 from 2024-03-01  Postings abroad: exclude all from Chagang
        mod-2024-009  2024-03-01  in force                                    Postings abroad: exclude all from Chagang
    "#]]
    .assert_eq(&list("2024-05-25"));
    expect![[r#"
        mod-2024-001  2024-01-02  superseded by mod-2024-009 from 2024-03-01  Postings abroad: exclude all from Chagang
        mod-2024-009  2024-03-01  revoked from 2024-06-01                     Postings abroad: exclude all from Chagang
    "#]]
    .assert_eq(&list("2024-07-01"));

    let decision = |day: &str| {
        let json = sandbox.ok(&[
            "explain",
            "p001",
            "--kind",
            "overseas-posting",
            "--as-of",
            day,
            "--format",
            "json",
        ]);
        let value: serde_json::Value = serde_json::from_str(&json).unwrap();
        value["decision"].as_str().unwrap().to_owned()
    };
    assert_eq!(decision("2023-12-31"), "eligible");
    assert_eq!(decision("2024-02-01"), "excluded");
    assert_eq!(decision("2024-05-31"), "excluded");
    assert_eq!(decision("2024-06-01"), "eligible");

    let before = sandbox.dump();
    let again =
        sandbox.run(&["order", "revoke", "mod-2024-009", "--on", "2024-07-01", "--reason", "x"]);
    assert_eq!(again.code, 1);
    expect![[r#"
        error: order `mod-2024-009` is already revoked, from 2024-06-01 (Review done); nothing was stored
    "#]]
    .assert_eq(&again.stderr);
    let unknown =
        sandbox.run(&["order", "revoke", "mod-1999-1", "--on", "2024-07-01", "--reason", "x"]);
    assert_eq!(unknown.code, 1);
    assert_eq!(sandbox.dump(), before);
}
