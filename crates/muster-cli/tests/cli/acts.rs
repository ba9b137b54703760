//! The acts on one person and on a unit from the command line: what each
//! answers, what each refuses (exit 1, nothing written), and reversal.

use expect_test::expect;

use crate::{Run, Sandbox};

/// Runs an act as the user `registrar`, with the moment it was recorded
/// masked (it is the clock's).
pub(crate) fn act(sandbox: &Sandbox, args: &[&str]) -> Run {
    let output = sandbox.command(args).env("USER", "registrar").output().unwrap();
    let mask = |text: Vec<u8>| {
        let text = String::from_utf8(text).unwrap();
        mask_moments(&text)
    };
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: mask(output.stdout),
        stderr: mask(output.stderr),
    }
}

/// Replaces every `recorded YYYY-MM-DDTHH:MM:SSZ` (and its JSON form) by
/// `recorded T`.
fn mask_moments(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("T") {
        let (before, after) = rest.split_at(at);
        let stamp = before.len() >= 10
            && before[before.len() - 10..].chars().all(|c| c.is_ascii_digit() || c == '-')
            && before[before.len() - 10..].matches('-').count() == 2
            && after.len() >= 10
            && after[1..9].chars().all(|c| c.is_ascii_digit() || c == ':');
        if stamp {
            out.push_str(&before[..before.len() - 10]);
            out.push_str("<time>");
            let end = after[1..]
                .find(|c: char| !(c.is_ascii_digit() || c == ':' || c == '.'))
                .map_or(after.len(), |end| end + 1);
            let end = if after[end..].starts_with('Z') { end + 1 } else { end };
            rest = &after[end..];
        } else {
            out.push_str(before);
            out.push('T');
            rest = &after[1..];
        }
    }
    out.push_str(rest);
    out
}

/// A refused act: exit 1, the message on stderr, and the store as before.
pub(crate) fn refused(sandbox: &Sandbox, args: &[&str]) -> String {
    let before = sandbox.dump();
    let run = act(sandbox, args);
    assert_eq!(run.code, 1, "muster {args:?}: {run:?}");
    assert_eq!(sandbox.dump(), before, "muster {args:?} wrote something");
    run.stderr
}

#[test]
fn the_acts_on_one_person_answer_how_he_now_stands() {
    let sandbox = Sandbox::with_reference();
    sandbox.ok(&["order", "issue", "reference/orders/mod-2023-002.toml", "--as-of", "2023-01-10"]);
    sandbox.ok(&["order", "issue", "reference/orders/mod-2024-001.toml", "--as-of", "2024-01-02"]);
    sandbox.ok(&[
        "list",
        "create",
        "haebit-2024",
        "--kind",
        "overseas-posting",
        "--owner",
        "haebit",
        "--as-of",
        "2024-01-05",
    ]);
    sandbox.ok(&["list", "add", "haebit-2024", "p003", "p009", "--as-of", "2024-01-05"]);
    let mut said = String::new();
    for args in [
        &[
            "person",
            "register",
            "p100",
            "--name",
            "Ri Chol",
            "--born",
            "2004-05-01",
            "--sex",
            "M",
            "--home-province",
            "Kangwon",
            "--as-of",
            "2024-01-10",
        ][..],
        &[
            "person",
            "enlist",
            "p100",
            "--unit",
            "c8-1",
            "--term-months",
            "120",
            "--branch",
            "army",
            "--as-of",
            "2024-02-01",
        ],
        &["person", "assign", "p100", "--unit", "c8-2", "--as-of", "2024-03-01"],
        &["person", "deploy", "p100", "--site", "daehung", "--as-of", "2024-04-01"],
        &["person", "recall", "p100", "--site", "daehung", "--as-of", "2024-05-01"],
        &["person", "update", "p100", "--rank", "corporal", "--as-of", "2024-06-01"],
        &[
            "person",
            "event",
            "p100",
            "--kind",
            "injured",
            "--detail",
            "in a fall",
            "--as-of",
            "2024-07-01",
        ],
        &[
            "person",
            "discharge",
            "p100",
            "--early",
            "--grounds",
            "medical board 2024/7",
            "--as-of",
            "2024-08-01",
        ],
        &[
            "person",
            "post",
            "p003",
            "--list",
            "haebit-2024",
            "--country",
            "Russia",
            "--as-of",
            "2024-02-01",
        ],
        &["person", "return", "p003", "--as-of", "2025-02-01"],
    ] {
        let run = act(&sandbox, args);
        assert_eq!(run.code, 0, "{args:?}: {run:?}");
        said.push_str(&run.stdout);
    }
    expect![[r#"
        act 6 (register) as of 2024-01-10, recorded <time> by cli:registrar
        person  status      discharge
        p100    civilian    -
        act 7 (enlist) as of 2024-02-01, recorded <time> by cli:registrar
        person  status      discharge
        p100    serving     2034-02-01
        act 8 (assign) as of 2024-03-01, recorded <time> by cli:registrar
        person  status      discharge
        p100    serving     2034-02-01
        act 9 (deploy) as of 2024-04-01, recorded <time> by cli:registrar
        person  status      discharge
        p100    serving     2034-02-01
        act 10 (recall) as of 2024-05-01, recorded <time> by cli:registrar
        person  status      discharge
        p100    serving     2034-02-01
        act 11 (update) as of 2024-06-01, recorded <time> by cli:registrar
        person  status      discharge
        p100    serving     2034-02-01
        act 12 (event) as of 2024-07-01, recorded <time> by cli:registrar
        person  status      discharge
        p100    serving     2034-02-01
        act 13 (discharge) as of 2024-08-01, recorded <time> by cli:registrar
        person  status      discharge
        p100    discharged  2024-08-01
        act 14 (post) as of 2024-02-01, recorded <time> by cli:registrar
        person  status      discharge
        p003    abroad      2018-10-01
                on haebit-2024: eligible
        act 15 (return) as of 2025-02-01, recorded <time> by cli:registrar
        person  status      discharge
        p003    discharged  2018-10-01
                on haebit-2024: eligible
    "#]]
    .assert_eq(&said);
    let run = act(
        &sandbox,
        &[
            "person",
            "assign",
            "p001",
            "--unit",
            "c8-1",
            "--as-of",
            "2024-03-01",
            "--format",
            "json",
        ],
    );
    expect![[r#"
        {
          "act": 16,
          "kind": "assign",
          "as_of": "2024-03-01",
          "recorded_at": "<time>",
          "actor": "cli:registrar",
          "persons": [
            {
              "person": "p001",
              "status": "serving",
              "discharge_date": "2026-10-01",
              "lists": []
            }
          ]
        }
    "#]]
    .assert_eq(&run.stdout);
    let shown = sandbox.ok(&["person", "show", "p100", "--as-of", "2024-08-01"]);
    expect![[r#"
        id             p100
        name           Ri Chol
        born           2004-05-01 (age 20 on 2024-08-01)
        sex            M
        home           Kangwon
        branch         army
        rank           corporal
        specialty      -
        enlisted       2024-02-01 for 120 months
        term end       2034-02-01
        discharge      2024-08-01 (recorded; cycle 2034-spring)
        status         discharged on 2024-08-01

        history
          2024-02-01 – 2024-02-29  assigned to c8-1 (1st Engineering Regiment)
          2024-02-01 – 2024-02-29  deployed at gomdok, campaign gomdok-restoration-2020, with unit c8-1
          2024-03-01 – 2024-07-31  assigned to c8-2 (2nd Infantry Regiment)
          2024-04-01 – 2024-04-30  deployed at daehung
          2024-07-01               injured: in a fall
          2024-08-01               discharged: early: medical board 2024/7
    "#]].assert_eq(&shown);
}

#[test]
fn every_refused_act_says_why_and_writes_nothing() {
    let sandbox = Sandbox::with_reference();
    sandbox.ok(&["order", "issue", "reference/orders/mod-2023-002.toml", "--as-of", "2023-01-10"]);
    sandbox.ok(&["order", "issue", "reference/orders/mod-2024-001.toml", "--as-of", "2024-01-02"]);
    sandbox.ok(&[
        "list",
        "create",
        "haebit-2024",
        "--kind",
        "overseas-posting",
        "--owner",
        "haebit",
        "--as-of",
        "2024-01-05",
    ]);
    sandbox.ok(&["list", "add", "haebit-2024", "p003", "p009", "--as-of", "2024-01-05"]);
    let mut said = String::new();
    for args in [
        &[
            "person",
            "register",
            "p001",
            "--name",
            "X",
            "--born",
            "2004-05-01",
            "--sex",
            "M",
            "--home-province",
            "Kangwon",
        ][..],
        &[
            "person",
            "register",
            "p101",
            "--name",
            "X",
            "--born",
            "2004-02-30",
            "--sex",
            "M",
            "--home-province",
            "Kangwon",
        ],
        &[
            "person",
            "register",
            "p101",
            "--name",
            "X",
            "--born",
            "2004-02-01",
            "--sex",
            "Q",
            "--home-province",
            "Kangwon",
        ],
        &["person", "update", "p777", "--rank", "general"],
        &[
            "person",
            "enlist",
            "p001",
            "--unit",
            "c8-1",
            "--term-months",
            "120",
            "--as-of",
            "2024-01-10",
        ],
        &[
            "person",
            "enlist",
            "p005",
            "--unit",
            "c8-1",
            "--term-months",
            "120",
            "--as-of",
            "1990-01-10",
        ],
        &["person", "assign", "p003", "--unit", "c8-1", "--as-of", "2024-01-10"],
        &["person", "assign", "p001", "--unit", "nowhere", "--as-of", "2024-01-10"],
        &[
            "person",
            "deploy",
            "p001",
            "--site",
            "gomdok",
            "--campaign",
            "nowhere",
            "--as-of",
            "2024-01-10",
        ],
        &["person", "recall", "p001", "--site", "gomdok", "--as-of", "2024-01-10"],
        &["person", "event", "p001", "--kind", "promoted", "--as-of", "2024-01-10"],
        &["person", "event", "p001", "--kind", "discharged", "--as-of", "2024-01-10"],
        &["person", "discharge", "p001", "--as-of", "2024-01-10"],
        &["person", "discharge", "p001", "--as-of", "2030-01-10"],
        &[
            "person",
            "post",
            "p009",
            "--list",
            "haebit-2024",
            "--country",
            "Russia",
            "--as-of",
            "2024-01-10",
        ],
        &[
            "person",
            "post",
            "p001",
            "--list",
            "haebit-2024",
            "--country",
            "Russia",
            "--as-of",
            "2024-01-10",
        ],
        &["person", "return", "p001", "--as-of", "2024-01-10"],
        &["unit", "recall", "c8-2", "--site", "gomdok", "--as-of", "2024-01-10"],
        &["unit", "deploy", "c8-1", "--site", "gomdok", "--as-of", "2024-01-10"],
        &["act", "reverse", "1", "--reason", "undo the import"],
        &["act", "reverse", "999", "--reason", "no such act"],
    ] {
        said.push_str(&format!("$ {}\n{}", args.join(" "), refused(&sandbox, args)));
    }
    expect![[r#"
        $ person register p001 --name X --born 2004-05-01 --sex M --home-province Kangwon
        error: a person `p001` is already in the store
        $ person register p101 --name X --born 2004-02-30 --sex M --home-province Kangwon
        error: born: `2004-02-30` is not a date of the form YYYY-MM-DD
        $ person register p101 --name X --born 2004-02-01 --sex Q --home-province Kangwon
        error: sex: unknown sex `Q`: expected `M` or `F`
        $ person update p777 --rank general
        error: no person `p777` in the store
        $ person enlist p001 --unit c8-1 --term-months 120 --as-of 2024-01-10
        error: `p001` cannot be enlisted on 2024-01-10: he is serving (since 2016-04-01)
        $ person enlist p005 --unit c8-1 --term-months 120 --as-of 1990-01-10
        error: as_of: enlisted on 1990-01-10, not after birth on 1995-09-09
        $ person assign p003 --unit c8-1 --as-of 2024-01-10
        error: `p003` is not serving on 2024-01-10: he is discharged (since 2018-10-01)
        $ person assign p001 --unit nowhere --as-of 2024-01-10
        error: unit: unknown unit `nowhere`
        $ person deploy p001 --site gomdok --campaign nowhere --as-of 2024-01-10
        error: campaign: unknown campaign `nowhere`
        $ person recall p001 --site gomdok --as-of 2024-01-10
        error: `p001` has no deployment of his own open at `gomdok` on 2024-01-10
        $ person event p001 --kind promoted --as-of 2024-01-10
        error: kind: unknown event kind `promoted`: expected `admitted`, `discharged`, `posted`, `returned`, `injured`, `killed`, `awol` or `exempted`
        $ person event p001 --kind discharged --as-of 2024-01-10
        error: a discharge is its own act, with its checks: `muster person discharge` (POST /api/v1/people/{id}/discharge)
        $ person discharge p001 --as-of 2024-01-10
        error: the discharge date of `p001` is 2026-10-01: to discharge him on 2024-01-10, give --early with --grounds
        $ person discharge p001 --as-of 2030-01-10
        error: 2030-01-10 is after the discharge date of `p001`, 2026-10-01: only an order delays a discharge
        $ person post p009 --list haebit-2024 --country Russia --as-of 2024-01-10
        error: `p009` is excluded on list `haebit-2024` on 2024-01-10, not eligible: he cannot be posted
          mod-2024-001 rule 1: Home province Chagang
        $ person post p001 --list haebit-2024 --country Russia --as-of 2024-01-10
        error: `p001` is not on list `haebit-2024` on 2024-01-10
        $ person return p001 --as-of 2024-01-10
        error: `p001` is not abroad on 2024-01-10: he is serving (since 2016-04-01)
        $ unit recall c8-2 --site gomdok --as-of 2024-01-10
        error: unit `c8-2` has no deployment open at `gomdok` on 2024-01-10
        $ unit deploy c8-1 --site gomdok --as-of 2024-01-10
        error: unit `c8-1` is deployed at `gomdok` already (since 2020-09-01)
        $ act reverse 1 --reason undo the import
        error: act 1 (import) cannot be reversed: an import is corrected by another import (`muster import --update`)
        $ act reverse 999 --reason no such act
        error: no act 999 has been recorded
    "#]].assert_eq(&said);
}

#[test]
fn a_reversed_act_reads_as_never_done_and_a_later_act_holds_it() {
    let sandbox = Sandbox::with_reference();
    let assign = act(
        &sandbox,
        &[
            "person",
            "assign",
            "p001",
            "--unit",
            "c8-1",
            "--as-of",
            "2024-03-01",
            "--format",
            "json",
        ],
    );
    let assign: serde_json::Value = serde_json::from_str(&assign.stdout).unwrap();
    let assign = assign["act"].to_string();
    let injured = act(
        &sandbox,
        &[
            "person",
            "event",
            "p001",
            "--kind",
            "injured",
            "--as-of",
            "2024-04-01",
            "--format",
            "json",
        ],
    );
    let injured: serde_json::Value = serde_json::from_str(&injured.stdout).unwrap();
    let injured = injured["act"].to_string();
    // The transfer has a later act on the same man: it is held.
    let held = refused(&sandbox, &["act", "reverse", &assign, "--reason", "wrong unit"]);
    assert!(held.contains(&format!("act {injured}")), "{held}");
    let before =
        sandbox.ok(&["person", "show", "p001", "--as-of", "2024-05-01", "--format", "json"]);
    act(&sandbox, &["act", "reverse", &injured, "--reason", "entered in error"]);
    act(&sandbox, &["act", "reverse", &assign, "--reason", "wrong unit"]);
    let after =
        sandbox.ok(&["person", "show", "p001", "--as-of", "2024-05-01", "--format", "json"]);
    let fresh = Sandbox::with_reference();
    let never = fresh.ok(&["person", "show", "p001", "--as-of", "2024-05-01", "--format", "json"]);
    assert_ne!(before, after);
    assert_eq!(after, never, "the records read as if the acts had never happened");
    let twice = refused(&sandbox, &["act", "reverse", &assign, "--reason", "again"]);
    assert!(twice.contains("reversed"), "{twice}");
    let shown = act(&sandbox, &["act", "show", &assign]);
    expect![[r#"
        act 2 (assign) as of 2024-03-01, recorded <time> by cli:registrar
        assign p001 to c8-1
        reversed by act 5: wrong unit
        persons: p001
        service (2):
          id=26 replaces=1 person=p001 unit=c8-2 from_day=2016-04-01 to_day=2024-02-29
          id=27 replaces=- person=p001 unit=c8-1 from_day=2024-03-01 to_day=-
    "#]]
    .assert_eq(&shown.stdout);
    assert!(sandbox.ok(&["audit", "verify"]).starts_with("the audit log is intact"));
}

/// What the records answer on several days: a list, a roster, a site's
/// strength, and one person.
fn outputs(sandbox: &Sandbox, person: &str) -> Vec<String> {
    let mut said = Vec::new();
    for day in ["2020-09-20", "2024-03-01", "2025-01-01"] {
        for args in [
            &["list", "show", "haebit-2024", "--format", "json", "--as-of", day][..],
            &["discharge", "roster", "2020-autumn", "--format", "json", "--as-of", day],
            &["strength", "gomdok", "--from", "2020-06", "--to", "2026-12", "--as-of", day],
            &["person", "show", person, "--format", "json", "--as-of", day],
        ] {
            let run = sandbox.run(args);
            said.push(format!("{args:?} {} {}{}", run.code, run.stdout, run.stderr));
        }
    }
    said
}

#[test]
fn reversing_any_act_gives_back_every_answer_of_before_it() {
    let sandbox = Sandbox::with_reference();
    sandbox.ok(&["order", "issue", "reference/orders/errd-2020-031.toml", "--as-of", "2020-09-25"]);
    sandbox.ok(&["order", "issue", "reference/orders/mod-2023-002.toml", "--as-of", "2023-01-10"]);
    sandbox.ok(&["order", "issue", "reference/orders/mod-2024-001.toml", "--as-of", "2024-01-02"]);
    sandbox.ok(&[
        "list",
        "create",
        "haebit-2024",
        "--kind",
        "overseas-posting",
        "--owner",
        "haebit",
        "--as-of",
        "2024-01-05",
    ]);
    sandbox.ok(&[
        "list",
        "add",
        "haebit-2024",
        "p003",
        "p008",
        "p009",
        "p001",
        "--as-of",
        "2024-01-05",
    ]);
    let acts: &[(&str, &[&str])] = &[
        ("p001", &["person", "assign", "p001", "--unit", "sgc-1", "--as-of", "2024-02-01"]),
        ("p001", &["person", "deploy", "p001", "--site", "gomdok", "--as-of", "2020-10-01"]),
        ("p016", &["person", "recall", "p016", "--site", "gomdok", "--as-of", "2020-10-01"]),
        ("p001", &["person", "event", "p001", "--kind", "awol", "--as-of", "2024-02-01"]),
        (
            "p010",
            &[
                "person",
                "discharge",
                "p010",
                "--early",
                "--grounds",
                "a board",
                "--as-of",
                "2020-09-20",
            ],
        ),
        (
            "p003",
            &[
                "person",
                "post",
                "p003",
                "--list",
                "haebit-2024",
                "--country",
                "Russia",
                "--as-of",
                "2024-02-01",
            ],
        ),
        (
            "p001",
            &["person", "update", "p001", "--rank", "staff sergeant", "--as-of", "2024-02-01"],
        ),
        (
            "p005",
            &[
                "person",
                "enlist",
                "p005",
                "--unit",
                "c8-1",
                "--term-months",
                "120",
                "--as-of",
                "2020-09-01",
            ],
        ),
        ("p015", &["unit", "deploy", "c8-2", "--site", "gomdok", "--as-of", "2020-09-15"]),
        ("p010", &["unit", "recall", "c8-1", "--site", "gomdok", "--as-of", "2020-10-15"]),
        (
            "p100",
            &[
                "person",
                "register",
                "p100",
                "--name",
                "Ri Chol",
                "--born",
                "2004-05-01",
                "--sex",
                "M",
                "--home-province",
                "Kangwon",
                "--as-of",
                "2024-01-10",
            ],
        ),
    ];
    for (person, args) in acts {
        let before = outputs(&sandbox, person);
        let mut json = args.to_vec();
        json.extend(["--format", "json"]);
        let run = act(&sandbox, &json);
        assert_eq!(run.code, 0, "{args:?}: {run:?}");
        let done: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
        let number = done["act"].to_string();
        let after = outputs(&sandbox, person);
        assert_ne!(before, after, "{args:?} changed none of the answers");
        sandbox.ok(&["act", "reverse", &number, "--reason", "entered in error"]);
        let reversed = outputs(&sandbox, person);
        for (was, is) in before.iter().zip(&reversed) {
            assert_eq!(was, is, "after reversing {args:?}");
        }
    }
    assert!(sandbox.ok(&["audit", "verify"]).starts_with("the audit log is intact"));
}
