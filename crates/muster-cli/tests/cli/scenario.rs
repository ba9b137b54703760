//! The reference scenario of EXPECTED.md, step by step, and every list,
//! explanation, conflict and bad-input outcome it must produce.

use expect_test::expect;

use crate::Sandbox;

/// The store after the steps of EXPECTED.md, and what `order issue
/// mod-2024-001` printed (as JSON).
pub struct Scenario {
    pub sandbox: Sandbox,
    pub issued_mod_2024_001: String,
}

pub fn scenario() -> Scenario {
    let sandbox = Sandbox::new();
    sandbox.reference("reference");
    sandbox.ok(&["init"]);
    sandbox.ok(&["import", "reference"]);
    let issue = |file: &str, day: &str| {
        sandbox.ok(&["order", "issue", &format!("reference/orders/{file}"), "--as-of", day])
    };
    issue("errd-2020-031.toml", "2020-09-25");
    issue("errd-2020-044.toml", "2020-12-01");
    issue("errd-2021-002.toml", "2021-01-04");
    sandbox.ok(&[
        "list",
        "create",
        "errd-mines-2021",
        "--kind",
        "redeployment",
        "--owner",
        "errd",
        "--as-of",
        "2021-01-05",
    ]);
    sandbox.ok(&[
        "list",
        "add",
        "errd-mines-2021",
        "--where",
        r#"person.deployed_at("gomdok") && person.status == "serving""#,
        "--as-of",
        "2021-01-05",
    ]);
    let refused = sandbox.run(&[
        "order",
        "issue",
        "reference/orders/errd-2021-007.toml",
        "--as-of",
        "2021-01-15",
    ]);
    assert_eq!(refused.code, 1, "{refused:?}");
    issue("mod-2023-002.toml", "2023-01-10");
    sandbox.ok(&[
        "list",
        "create",
        "haebit-2023",
        "--kind",
        "overseas-posting",
        "--owner",
        "haebit",
        "--as-of",
        "2023-06-01",
    ]);
    sandbox.ok(&[
        "list",
        "add",
        "haebit-2023",
        "p002",
        "p003",
        "p004",
        "p008",
        "p009",
        "--as-of",
        "2023-06-01",
    ]);
    let issued_mod_2024_001 = sandbox.ok(&[
        "order",
        "issue",
        "reference/orders/mod-2024-001.toml",
        "--as-of",
        "2024-01-02",
        "--format",
        "json",
    ]);
    sandbox.ok(&[
        "list",
        "create",
        "sonbong-2024",
        "--kind",
        "overseas-posting",
        "--owner",
        "sonbong",
        "--as-of",
        "2024-01-10",
    ]);
    sandbox.ok(&[
        "list",
        "add",
        "sonbong-2024",
        "p001",
        "p003",
        "p005",
        "p006",
        "p007",
        "--as-of",
        "2024-01-10",
    ]);
    Scenario { sandbox, issued_mod_2024_001 }
}

/// `(person, status, reasons)` of each entry of a `list show` JSON.
fn statuses(json: &str) -> Vec<(String, String, Vec<String>)> {
    let value: serde_json::Value = serde_json::from_str(json).unwrap();
    value["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|entry| {
            let reasons = entry["reasons"]
                .as_array()
                .unwrap()
                .iter()
                .map(|reason| format!("{} rule {}", reason["order"], reason["rule"]))
                .collect();
            (
                entry["person"].as_str().unwrap().to_owned(),
                entry["status"].as_str().unwrap().to_owned(),
                reasons,
            )
        })
        .collect()
}

#[test]
fn haebit_2023_when_made_and_after_the_new_order() {
    let Scenario { sandbox, issued_mod_2024_001 } = scenario();
    let made =
        sandbox.ok(&["list", "show", "haebit-2023", "--as-of", "2023-06-01", "--format", "json"]);
    expect![[r#"
        {
          "list": "haebit-2023",
          "kind": "overseas-posting",
          "owner": "haebit",
          "title": "",
          "quota": null,
          "as_of": "2023-06-01",
          "total": 5,
          "offset": 0,
          "limit": null,
          "entries": [
            {
              "person": "p002",
              "name": "Ri Myong-ho",
              "status": "eligible",
              "nominated_on": "2023-06-01",
              "reasons": []
            },
            {
              "person": "p003",
              "name": "Pak Song-il",
              "status": "eligible",
              "nominated_on": "2023-06-01",
              "reasons": []
            },
            {
              "person": "p004",
              "name": "Choe Yong-nam",
              "status": "eligible",
              "nominated_on": "2023-06-01",
              "reasons": []
            },
            {
              "person": "p008",
              "name": "Kang Hye-ryon",
              "status": "eligible",
              "nominated_on": "2023-06-01",
              "reasons": []
            },
            {
              "person": "p009",
              "name": "Son Il-gwon",
              "status": "excluded",
              "nominated_on": "2023-06-01",
              "reasons": [
                {
                  "order": "mod-2023-002",
                  "rule": 1,
                  "reason": "Serving soldier from Chagang"
                }
              ]
            }
          ]
        }
    "#]]
    .assert_eq(&made);

    let later =
        sandbox.ok(&["list", "show", "haebit-2023", "--as-of", "2024-01-10", "--format", "json"]);
    expect![[r#"
        {
          "list": "haebit-2023",
          "kind": "overseas-posting",
          "owner": "haebit",
          "title": "",
          "quota": null,
          "as_of": "2024-01-10",
          "total": 5,
          "offset": 0,
          "limit": null,
          "entries": [
            {
              "person": "p002",
              "name": "Ri Myong-ho",
              "status": "flagged",
              "nominated_on": "2023-06-01",
              "reasons": [
                {
                  "order": "mod-2024-001",
                  "rule": 2,
                  "reason": "Served in an important unit"
                }
              ]
            },
            {
              "person": "p003",
              "name": "Pak Song-il",
              "status": "eligible",
              "nominated_on": "2023-06-01",
              "reasons": []
            },
            {
              "person": "p004",
              "name": "Choe Yong-nam",
              "status": "flagged",
              "nominated_on": "2023-06-01",
              "reasons": [
                {
                  "order": "mod-2024-001",
                  "rule": 1,
                  "reason": "Home province Chagang"
                }
              ]
            },
            {
              "person": "p008",
              "name": "Kang Hye-ryon",
              "status": "eligible",
              "nominated_on": "2023-06-01",
              "reasons": []
            },
            {
              "person": "p009",
              "name": "Son Il-gwon",
              "status": "excluded",
              "nominated_on": "2023-06-01",
              "reasons": [
                {
                  "order": "mod-2024-001",
                  "rule": 1,
                  "reason": "Home province Chagang"
                }
              ]
            }
          ]
        }
    "#]]
    .assert_eq(&later);

    // The past is reproduced exactly, whatever came after it.
    let again =
        sandbox.ok(&["list", "show", "haebit-2023", "--as-of", "2023-06-01", "--format", "json"]);
    assert_eq!(again, made);

    expect![[r#"
        {
          "order": "mod-2024-001",
          "as_of": "2024-01-02",
          "override": false,
          "lists": [
            {
              "list": "haebit-2023",
              "newly_excluded": [
                "p002",
                "p004"
              ]
            }
          ],
          "discharge": [],
          "conflicts": []
        }
    "#]]
    .assert_eq(&issued_mod_2024_001);
}

#[test]
fn sonbong_2024_and_errd_mines_2021() {
    let Scenario { sandbox, .. } = scenario();
    let sonbong =
        sandbox.ok(&["list", "show", "sonbong-2024", "--as-of", "2024-01-10", "--format", "json"]);
    expect![[r#"
        {
          "list": "sonbong-2024",
          "kind": "overseas-posting",
          "owner": "sonbong",
          "title": "",
          "quota": null,
          "as_of": "2024-01-10",
          "total": 5,
          "offset": 0,
          "limit": null,
          "entries": [
            {
              "person": "p001",
              "name": "Kim Chol-su",
              "status": "excluded",
              "nominated_on": "2024-01-10",
              "reasons": [
                {
                  "order": "mod-2024-001",
                  "rule": 1,
                  "reason": "Home province Chagang"
                }
              ]
            },
            {
              "person": "p003",
              "name": "Pak Song-il",
              "status": "eligible",
              "nominated_on": "2024-01-10",
              "reasons": []
            },
            {
              "person": "p005",
              "name": "Han Ok-sun",
              "status": "eligible",
              "nominated_on": "2024-01-10",
              "reasons": []
            },
            {
              "person": "p006",
              "name": "Jang Kwang-jin",
              "status": "excluded",
              "nominated_on": "2024-01-10",
              "reasons": [
                {
                  "order": "mod-2024-001",
                  "rule": 2,
                  "reason": "Served in an important unit"
                }
              ]
            },
            {
              "person": "p007",
              "name": "Yun Sang-hyok",
              "status": "excluded",
              "nominated_on": "2024-01-10",
              "reasons": [
                {
                  "order": "mod-2024-001",
                  "rule": 2,
                  "reason": "Served in an important unit"
                }
              ]
            }
          ]
        }
    "#]]
    .assert_eq(&sonbong);

    let mines = sandbox.ok(&[
        "list",
        "show",
        "errd-mines-2021",
        "--as-of",
        "2021-01-05",
        "--format",
        "json",
    ]);
    let mines = statuses(&mines);
    let expected: Vec<(String, String, Vec<String>)> = [
        ("p009", "eligible", vec![]),
        ("p010", "eligible", vec![]),
        ("p012", "excluded", vec![r#""errd-2021-002" rule 1"#.to_owned()]),
        ("p013", "eligible", vec![]),
        ("p014", "eligible", vec![]),
        ("p016", "eligible", vec![]),
        ("p019", "eligible", vec![]),
    ]
    .into_iter()
    .map(|(person, status, reasons)| (person.to_owned(), status.to_owned(), reasons))
    .collect();
    assert_eq!(mines, expected, "p011 is not on it: his discharge fell on 2020-10-01");
}

#[test]
fn list_show_filters_by_status_and_writes_csv_and_a_table() {
    let Scenario { sandbox, .. } = scenario();
    let flagged = sandbox.ok(&[
        "list",
        "show",
        "haebit-2023",
        "--as-of",
        "2024-01-10",
        "--status",
        "flagged",
        "--format",
        "csv",
    ]);
    expect![[r#"
        person,name,status,nominated_on,reasons
        p002,Ri Myong-ho,flagged,2023-06-01,mod-2024-001 rule 2: Served in an important unit
        p004,Choe Yong-nam,flagged,2023-06-01,mod-2024-001 rule 1: Home province Chagang
    "#]]
    .assert_eq(&flagged);
    let table = sandbox.ok(&["list", "show", "haebit-2023", "--as-of", "2024-01-10"]);
    expect![[r#"
        list haebit-2023 (overseas-posting, owner haebit) on 2024-01-10: 5 entries
          p002  Ri Myong-ho    flagged   mod-2024-001 rule 2: Served in an important unit
          p003  Pak Song-il    eligible  
          p004  Choe Yong-nam  flagged   mod-2024-001 rule 1: Home province Chagang
          p008  Kang Hye-ryon  eligible  
          p009  Son Il-gwon    excluded  mod-2024-001 rule 1: Home province Chagang
    "#]]
    .assert_eq(&table);
}

#[test]
fn removing_an_entry_and_nominating_from_a_file() {
    let Scenario { sandbox, .. } = scenario();
    sandbox.ok(&["list", "remove", "haebit-2023", "p004", "--as-of", "2024-01-12"]);
    std::fs::write(sandbox.path().join("more.csv"), "id,note\np005,\n# a comment\n\np004\n")
        .unwrap();
    let added = sandbox.ok(&[
        "list",
        "add",
        "haebit-2023",
        "--from",
        "more.csv",
        "--as-of",
        "2024-01-15",
        "--format",
        "json",
    ]);
    let added = statuses(&added);
    assert_eq!(added.len(), 2, "{added:?}");
    assert_eq!(added[0].0, "p004");
    assert_eq!(added[0].1, "excluded", "nominated again after the order, he is not eligible");
    assert_eq!(added[1].0, "p005");
    assert_eq!(added[1].1, "eligible");

    let on = |day: &str| {
        statuses(&sandbox.ok(&["list", "show", "haebit-2023", "--as-of", day, "--format", "json"]))
            .into_iter()
            .map(|(person, status, _)| format!("{person} {status}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    assert_eq!(
        on("2024-01-10"),
        "p002 flagged, p003 eligible, p004 flagged, p008 eligible, p009 excluded"
    );
    assert_eq!(
        on("2024-01-13"),
        "p002 flagged, p003 eligible, p004 removed, p008 eligible, p009 excluded"
    );
    // Entries stay in the order they were first nominated.
    assert_eq!(
        on("2024-01-15"),
        "p002 flagged, p003 eligible, p004 excluded, p008 eligible, p009 excluded, p005 eligible"
    );

    let unknown = sandbox.run(&["list", "remove", "haebit-2023", "p001", "--as-of", "2024-01-16"]);
    assert_eq!(unknown.code, 1);
    expect![[r#"
        error: not on list `haebit-2023` on 2024-01-16: p001; nothing was changed
    "#]]
    .assert_eq(&unknown.stderr);
}

#[test]
fn a_recheck_leaves_a_notice_for_the_owner() {
    let Scenario { sandbox, .. } = scenario();
    let notices = sandbox.ok(&["notices", "haebit", "--as-of", "2024-01-10"]);
    expect![[r#"
        2023-01-10  order mod-2023-002 issued by mod: Postings abroad: exclude serving soldiers from Chagang
        2024-01-02  order mod-2024-001 issued by mod: Postings abroad: exclude all from Chagang and all who served in important units
        2024-01-02  order mod-2024-001 flags 2 entries on list haebit-2023: p002, p004
    "#]]
    .assert_eq(&notices);
    // Before the order, only last year's is there.
    let earlier = sandbox.ok(&["notices", "haebit", "--as-of", "2023-12-31"]);
    assert_eq!(earlier.lines().count(), 1, "{earlier}");
    // The errd orders are addressed to the unit administrations.
    let unit_admin = sandbox.ok(&["notices", "adm-c8", "--as-of", "2021-01-31"]);
    assert!(unit_admin.contains("order errd-2020-031"), "{unit_admin}");
    assert!(
        !unit_admin.contains("errd-2021-007"),
        "a refused order leaves no notice: {unit_admin}"
    );

    sandbox.ok(&["list", "recheck", "haebit-2023", "--as-of", "2024-02-01"]);
    let after = sandbox.ok(&["notices", "haebit", "--as-of", "2024-02-01"]);
    assert!(
        after.ends_with("2024-02-01  re-check of list haebit-2023 on 2024-02-01: 2 entries flagged, to act on: p002, p004\n"),
        "{after}"
    );

    let unknown = sandbox.run(&["notices", "placement-office"]);
    assert_eq!(unknown.code, 1);
    assert!(
        unknown.stderr.contains("unknown organisation `placement-office`"),
        "{}",
        unknown.stderr
    );
}

#[test]
fn explain_a_list_decision_rule_by_rule() {
    let Scenario { sandbox, .. } = scenario();
    let json = sandbox.ok(&[
        "explain",
        "p004",
        "--list",
        "haebit-2023",
        "--as-of",
        "2024-01-10",
        "--format",
        "json",
    ]);
    expect![[r#"
        {
          "person": "p004",
          "name": "Choe Yong-nam",
          "subject": "overseas-posting",
          "as_of": "2024-01-10",
          "decision": "excluded",
          "rules": [
            {
              "order": "mod-2024-001",
              "rule": 1,
              "effect": "exclude",
              "when": true,
              "unless": false,
              "decisive": true,
              "reads": {
                "person.home_province": "Chagang"
              },
              "note": "excludes: Home province Chagang"
            },
            {
              "order": "mod-2024-001",
              "rule": 2,
              "effect": "exclude",
              "when": false,
              "unless": false,
              "decisive": false,
              "reads": {
                "person.served_in_tagged(\"important\")": false
              },
              "note": ""
            }
          ],
          "facts": []
        }
    "#]]
    .assert_eq(&json);

    // Under last year's order the same former soldier was eligible.
    let before = sandbox.ok(&[
        "explain",
        "p004",
        "--kind",
        "overseas-posting",
        "--as-of",
        "2023-06-01",
        "--format",
        "json",
    ]);
    expect![[r#"
        {
          "person": "p004",
          "name": "Choe Yong-nam",
          "subject": "overseas-posting",
          "as_of": "2023-06-01",
          "decision": "eligible",
          "rules": [
            {
              "order": "mod-2023-002",
              "rule": 1,
              "effect": "exclude",
              "when": false,
              "unless": false,
              "decisive": false,
              "reads": {
                "person.home_province": "Chagang",
                "person.status": "discharged"
              },
              "note": ""
            }
          ],
          "facts": []
        }
    "#]]
    .assert_eq(&before);

    let table =
        sandbox.ok(&["explain", "p006", "--kind", "overseas-posting", "--as-of", "2024-01-10"]);
    expect![[r#"
        p006 (Jang Kwang-jin), overseas-posting, as of 2024-01-10: excluded
          mod-2024-001 rule 1 (exclude): when false
              person.home_province = "South Hwanghae"
          mod-2024-001 rule 2 (exclude): when true  <- decisive
              person.served_in_tagged("important") = true
              excludes: Served in an important unit
    "#]]
    .assert_eq(&table);
}

#[test]
fn explain_a_discharge() {
    let Scenario { sandbox, .. } = scenario();
    let json = sandbox.ok(&[
        "explain",
        "p010",
        "--discharge",
        "--as-of",
        "2020-12-31",
        "--format",
        "json",
    ]);
    expect![[r#"
        {
          "person": "p010",
          "name": "O Chang-min",
          "subject": "discharge",
          "as_of": "2020-12-31",
          "decision": "2021-02-01",
          "rules": [
            {
              "order": "errd-2020-031",
              "rule": 1,
              "effect": "delay",
              "when": true,
              "unless": false,
              "decisive": true,
              "reads": {
                "person.discharge_cycle": "2020-autumn",
                "person.deployed_at(\"gomdok\")": true,
                "person.admitted(\"central-university\")": false
              },
              "note": "delayed from 2020-10-01 to 2021-02-01"
            },
            {
              "order": "errd-2020-044",
              "rule": 1,
              "effect": "protect",
              "when": true,
              "unless": false,
              "decisive": false,
              "reads": {
                "person.delayed_by(\"errd-2020-031\")": true
              },
              "note": "protected from further delays from 2021-02-01"
            }
          ],
          "facts": [
            {
              "after_rules": false,
              "decisive": false,
              "note": "term ends 2020-09-15; cycle 2020-autumn on 2020-10-01"
            }
          ]
        }
    "#]]
    .assert_eq(&json);
}

#[test]
fn the_conflict_is_reported_and_refused() {
    let Scenario { sandbox, .. } = scenario();
    let order = "reference/orders/errd-2021-007.toml";
    let check = sandbox.run(&["order", "check", order, "--as-of", "2021-01-15"]);
    assert_eq!(check.code, 1);
    expect![[r#"
        conflict: rule 1 of errd-2021-007 would delay 3 persons protected by errd-2020-044 (no further delays): p010, p013, p016
        error: `reference/orders/errd-2021-007.toml` conflicts with an order in force; issue it with `--override` to delay them all the same
    "#]]
    .assert_eq(&format!("{}{}", check.stdout, check.stderr));

    let preview =
        sandbox.ok(&["order", "preview", order, "--as-of", "2021-01-15", "--format", "json"]);
    expect![[r#"
        {
          "order": "errd-2021-007",
          "as_of": "2021-01-15",
          "override": false,
          "lists": [],
          "discharge": [
            {
              "person": "p019",
              "from": "2021-02-01",
              "to": "2021-10-01"
            }
          ],
          "conflicts": [
            {
              "rule": 1,
              "protected_by": "errd-2020-044",
              "persons": [
                "p010",
                "p013",
                "p016"
              ]
            }
          ]
        }
    "#]]
    .assert_eq(&preview);

    let before = sandbox.dump();
    let issue = sandbox.run(&["order", "issue", order, "--as-of", "2021-01-15"]);
    assert_eq!(issue.code, 1);
    assert!(issue.stderr.contains("nothing was stored"), "{}", issue.stderr);
    assert_eq!(sandbox.dump(), before, "a refused order stored something");
    assert!(!sandbox.ok(&["order", "list"]).contains("errd-2021-007"));
}

#[test]
fn an_order_with_an_unknown_field_points_at_it() {
    let sandbox = Sandbox::with_reference();
    let check = sandbox.run(&["order", "check", "reference/orders/bad-unknown-field.toml"]);
    assert_eq!(check.code, 1);
    expect![[r#"
          × rule 1, `when`, line 1 column 8: unknown field `home_provence` of `person`
            ╭─[reference/orders/bad-unknown-field.toml:12:16]
         11 │ effect = "exclude"
         12 │ when = 'person.home_provence == "Chagang"'
            ·                ──────┬──────
            ·                      ╰── unknown field `home_provence` of `person`
         13 │ reason = "typo"
            ╰────
          help: did you mean `home_province`?

        error: `reference/orders/bad-unknown-field.toml` has 1 error
    "#]]
    .assert_eq(&check.stderr);
}
