//! The register of exemption papers from the command line: a paper
//! entered, honoured by the orders between its days, revoked, noted; the
//! refusals (exit 1, nothing written); `exemptions.csv` in a dataset.

use expect_test::expect;

use crate::Sandbox;
use crate::acts::{act, refused};
use crate::mass::with_mines_list;

const ISSUE: &[&str] = &[
    "exemption",
    "issue",
    "--document",
    "MED-2021/7",
    "--person",
    "p010",
    "--scope",
    "redeployment",
    "--grounds",
    "medical",
    "--issuer",
    "msc",
    "--official",
    "Col. Ri",
    "--issued-on",
    "2021-01-02",
    "--valid-until",
    "2021-06-30",
    "--as-of",
    "2021-01-05",
];

#[test]
fn a_paper_exempts_between_its_days_until_it_is_revoked() {
    let sandbox = with_mines_list();
    let run = act(&sandbox, ISSUE);
    assert_eq!(run.code, 0, "{run:?}");
    expect![[r#"
        act 7 (exemption-issue) as of 2021-01-05, recorded <time> by cli:registrar
        paper     document    person  scope         grounds  issuer  valid                     revoked
        X-000001  MED-2021/7  p010    redeployment  medical  msc     2021-01-02 to 2021-06-30
    "#]].assert_eq(&run.stdout);

    // The same paper again is refused, and writes nothing.
    let message = refused(&sandbox, ISSUE);
    expect![[r#"
        error: the register already holds this paper
    "#]]
    .assert_eq(&message);

    // The redeployment honours it, with the paper named.
    let preview = [
        "list",
        "redeploy",
        "errd-mines-2021",
        "--site",
        "daehung",
        "--as-of",
        "2021-01-06",
        "--preview",
    ];
    let run = act(&sandbox, &preview);
    assert_eq!(run.code, 0, "{run:?}");
    expect![[r#"
        preview of a redeploy as of 2021-01-06: nothing was written
        list errd-mines-2021: 5 would be done, 2 refused
        done: p009 p013 p014 p016 p019
        refused p010 (excluded): errd-2021-002 rule 1: Holds an exemption from redeployment; papers: X-000001 medical MED-2021/7 from msc
        refused p012 (excluded): errd-2021-002 rule 1: Holds an exemption from redeployment; papers: medical certificate 2020/114
        notices: adm-air3, adm-c8, adm-east-fleet, errd
    "#]].assert_eq(&run.stdout);

    // After its last day it no longer exempts.
    let mut later = preview.to_vec();
    later[6] = "2021-07-01";
    let run = act(&sandbox, &later);
    assert!(run.stdout.contains("done: p009 p010"), "{run:?}");

    // Revoked from 2021-01-06: from that day it exempts no more.
    let run = act(
        &sandbox,
        &[
            "exemption",
            "revoke",
            "X-000001",
            "--reason",
            "bought from an official",
            "--as-of",
            "2021-01-06",
        ],
    );
    assert_eq!(run.code, 0, "{run:?}");
    let run = act(&sandbox, &preview);
    assert!(run.stdout.contains("done: p009 p010"), "{run:?}");
    let message = refused(&sandbox, &["exemption", "revoke", "X-000001", "--reason", "again"]);
    expect![[r#"
        error: paper X-000001 was revoked already, from 2021-01-06
    "#]]
    .assert_eq(&message);

    // An auditor's note is kept with it; the register shows its history.
    let run = act(
        &sandbox,
        &[
            "exemption",
            "review",
            "X-000001",
            "--note",
            "the issuer's rate is high",
            "--as-of",
            "2021-02-01",
        ],
    );
    assert_eq!(run.code, 0, "{run:?}");
    let run = act(&sandbox, &["exemption", "show", "X-000001"]);
    expect![[r#"
        paper     document    person  scope         grounds  issuer  valid                     revoked
        X-000001  MED-2021/7  p010    redeployment  medical  msc     2021-01-02 to 2021-06-30  from 2021-01-06
        text: -
        official: Col. Ri
        entered by act 7 (exemption-issue) by cli:registrar, recorded <time>
        revoked from 2021-01-06 by act 8: bought from an official
        note (act 9, <time> by cli:registrar): the issuer's rate is high
    "#]].assert_eq(&run.stdout);

    // The register: the paper entered, and the one of an `exempted` event.
    let run = act(&sandbox, &["exemption", "list"]);
    expect![[r#"
        paper     document    person  scope         grounds  issuer  valid                     revoked
        X-000001  MED-2021/7  p010    redeployment  medical  msc     2021-01-02 to 2021-06-30  from 2021-01-06
        E-000008  -           p012    redeployment  other    msoc    2020-11-20 to -
    "#]].assert_eq(&run.stdout);
    let run = act(&sandbox, &["exemption", "list", "--issuer", "msoc", "--format", "json"]);
    expect![[r#"
        {
          "papers": [
            {
              "id": "E-000008",
              "document": "",
              "person": "p012",
              "scope": "redeployment",
              "grounds": "other",
              "text": "medical certificate 2020/114",
              "issuer": "msoc",
              "official": "",
              "issued_on": "2020-11-20",
              "valid_from": "2020-11-20",
              "valid_until": null,
              "recorded_at": "<time>",
              "act": 1,
              "entered_by": "import",
              "revoked": null
            }
          ]
        }
    "#]]
    .assert_eq(&run.stdout);
    assert!(sandbox.ok(&["audit", "verify"]).starts_with("the audit log is intact"));
}

#[test]
fn a_paper_with_bad_fields_is_refused_in_the_import_s_words() {
    let sandbox = with_mines_list();
    let message = refused(
        &sandbox,
        &[
            "exemption",
            "issue",
            "--document",
            "D-1",
            "--person",
            "p404",
            "--scope",
            "redeployment",
            "--grounds",
            "medical",
            "--issuer",
            "nobody",
            "--issued-on",
            "2021-01-02",
        ],
    );
    expect![[r#"
        error: no person `p404`
    "#]]
    .assert_eq(&message);
    let message = refused(
        &sandbox,
        &[
            "exemption",
            "issue",
            "--document",
            "D-1",
            "--person",
            "p010",
            "--scope",
            "redeployment",
            "--grounds",
            "bribe",
            "--issuer",
            "msc",
            "--issued-on",
            "2021-01-02",
            "--valid-until",
            "2020-01-01",
        ],
    );
    expect![[r#"
        error: grounds: unknown grounds `bribe`: expected `medical`, `family`, `education`, `technical` or `other`
    "#]].assert_eq(&message);
    let message = refused(&sandbox, &["exemption", "revoke", "X-000404", "--reason", "none"]);
    expect![[r#"
        error: no paper `X-000404`
    "#]]
    .assert_eq(&message);
}

#[test]
fn a_dataset_s_exemptions_are_papers_and_its_errors_name_file_line_and_column() {
    let sandbox = Sandbox::new();
    let dir = sandbox.reference("reference");
    std::fs::write(
        dir.join("exemptions.csv"),
        "document,person,scope,grounds,text,issuer,official,issued_on,valid_from,valid_until\n\
         MED-2020/1,p010,redeployment,medical,fractured wrist,msc,,2020-09-01,,2020-12-31\n\
         FAM-2020/2,p404,delay,family,,msoc,,2020-09-01,,\n\
         EDU-2020/3,p013,delay,schooling,,central-univ,,2020-09-01,,\n",
    )
    .unwrap();
    sandbox.ok(&["init"]);
    let run = sandbox.run(&["import", "reference", "--as-of", "2020-01-01"]);
    assert_eq!(run.code, 1, "{run:?}");
    expect![[r#"
        exemptions.csv:3: column person: unknown person `p404`
        exemptions.csv:4: column grounds: unknown grounds `schooling`: expected `medical`, `family`, `education`, `technical` or `other`
        error: the dataset has 2 errors; nothing was stored
    "#]].assert_eq(&run.stderr);

    // Without the bad rows, the papers are in the register.
    std::fs::write(
        dir.join("exemptions.csv"),
        "document,person,scope,grounds,text,issuer,official,issued_on,valid_from,valid_until\n\
         MED-2020/1,p010,redeployment,medical,fractured wrist,msc,,2020-09-01,,2020-12-31\n",
    )
    .unwrap();
    sandbox.ok(&["import", "reference", "--as-of", "2020-01-01"]);
    let listed = sandbox.ok(&["exemption", "list", "--person", "p010"]);
    expect![[r#"
        paper     document    person  scope         grounds  issuer  valid                     revoked
        X-000001  MED-2020/1  p010    redeployment  medical  msc     2020-09-01 to 2020-12-31
    "#]].assert_eq(&listed);
}

const LIMITS: &str = r#"[[limit]]
scope = "redeployment"
grounds = "medical"
issuer_kinds = ["institution", "agency"]
max_days = 365
max_per_person = 1
corroboration = { kinds = ["injured", "admitted"], within_days = 180 }
"#;

fn issue<'a>(document: &'a str, person: &'a str, issuer: &'a str, until: &'a str) -> Vec<&'a str> {
    vec![
        "exemption",
        "issue",
        "--document",
        document,
        "--person",
        person,
        "--scope",
        "redeployment",
        "--grounds",
        "medical",
        "--issuer",
        issuer,
        "--issued-on",
        "2021-01-02",
        "--valid-until",
        until,
        "--as-of",
        "2021-01-05",
    ]
}

#[test]
fn a_paper_breaking_a_limit_in_force_is_refused_with_the_limit_named() {
    let sandbox = with_mines_list();
    assert_eq!(sandbox.ok(&["exemption", "limits", "--show"]), "no limits are set\n");
    // A paper entered before the limits is not refused.
    sandbox.ok(&issue("MED-0", "p013", "adm-c8", "2022-12-31"));

    // A limits file with errors names them by line and column.
    std::fs::write(
        sandbox.path().join("bad.toml"),
        "[[limit]]\nscope = \"redeployment\"\ngrounds = \"bribery\"\n",
    )
    .unwrap();
    let message = refused(&sandbox, &["exemption", "limits", "bad.toml"]);
    expect![[r#"
        error: bad.toml:3:11: unknown grounds `bribery`: expected `medical`, `family`, `education`, `technical` or `other`
    "#]].assert_eq(&message);
    std::fs::write(sandbox.path().join("limits.toml"), LIMITS).unwrap();
    let run = act(&sandbox, &["exemption", "limits", "limits.toml", "--as-of", "2021-01-04"]);
    assert_eq!(run.code, 0, "{run:?}");

    // p010 has no injury in the 180 days before; a unit administration
    // may not issue medical papers; a paper of two years is too long.
    let message = refused(&sandbox, &issue("MED-1", "p010", "adm-c8", "2022-12-31"));
    expect![[r#"
        error: the paper breaks the limits in force: limit 1 (issuer-not-allowed): redeployment papers on medical grounds are issued by institution or agency, and `adm-c8` is unit-administration; limit 1 (over-limit): redeployment papers on medical grounds are valid at most 365 days; this one 729; limit 1 (uncorroborated): redeployment papers on medical grounds rest on an event (injured, admitted) in the 180 days before the day they bear; p010 has none
    "#]].assert_eq(&message);

    // Corroborated by an injury, from an agency, for half a year: entered.
    sandbox.ok(&["person", "event", "p010", "--kind", "injured", "--as-of", "2020-12-20"]);
    let run = act(&sandbox, &issue("MED-2", "p010", "msc", "2021-06-30"));
    assert_eq!(run.code, 0, "{run:?}");
    // A second one in the same year is over the count.
    let message = refused(&sandbox, &issue("MED-3", "p010", "msc", "2021-05-30"));
    expect![[r#"
        error: the paper breaks the limits in force: limit 1 (over-limit): at most 1 redeployment papers on medical grounds in 365 days; p010 holds 1 already
    "#]].assert_eq(&message);
    let shown = sandbox.ok(&["exemption", "limits", "--show", "--format", "json"]);
    assert!(shown.contains("\"max_per_person\": 1"), "{shown}");
}

#[test]
fn the_anomaly_report_finds_papers_dated_back_numbers_reused_and_limits_broken() {
    let sandbox = with_mines_list();
    // p010 was put on the redeployment list on 2021-01-05; his paper,
    // entered after, bears 2021-01-02.
    sandbox.ok(&issue("MED-1", "p010", "msc", "2021-06-30"));
    // One document number on the papers of two persons.
    sandbox.ok(&issue("MED-9", "p013", "msc", "2021-06-30"));
    sandbox.ok(&issue("MED-9", "p014", "msc", "2021-06-30"));
    // Limits set afterwards: the papers that break them are reported.
    std::fs::write(sandbox.path().join("limits.toml"), LIMITS).unwrap();
    sandbox.ok(&["exemption", "limits", "limits.toml", "--as-of", "2021-01-10"]);
    let run =
        act(&sandbox, &["exemption", "anomalies", "--from", "2020-01-01", "--to", "2021-12-31"]);
    assert_eq!(run.code, 0, "{run:?}");
    // The day a paper was entered is the clock's.
    let today = chrono::Utc::now().date_naive().to_string();
    let stdout = run.stdout.replace(&today, "<today>");
    expect![[r#"
        papers bearing 2020-01-01 to 2021-12-31: 7 findings
        dated-back  X-000001  p010: entered on <today> after p010 was put on list errd-mines-2021 (on 2021-01-05), and it bears 2021-01-02, before it
        dated-back  X-000002  p013: entered on <today> after p013 was put on list errd-mines-2021 (on 2021-01-05), and it bears 2021-01-02, before it
        dated-back  X-000003  p014: entered on <today> after p014 was put on list errd-mines-2021 (on 2021-01-05), and it bears 2021-01-02, before it
        duplicate-document  X-000002,X-000003  p013,p014: document MED-9 is borne by 2 papers of 2 persons from msc
        uncorroborated  X-000001  p010: limit 1: redeployment papers on medical grounds rest on an event (injured, admitted) in the 180 days before the day they bear; p010 has none
        uncorroborated  X-000002  p013: limit 1: redeployment papers on medical grounds rest on an event (injured, admitted) in the 180 days before the day they bear; p013 has none
        uncorroborated  X-000003  p014: limit 1: redeployment papers on medical grounds rest on an event (injured, admitted) in the 180 days before the day they bear; p014 has none
    "#]].assert_eq(&stdout);
    // A window that holds none of them finds nothing.
    let run = act(
        &sandbox,
        &[
            "exemption",
            "anomalies",
            "--from",
            "2015-01-01",
            "--to",
            "2015-12-31",
            "--format",
            "json",
        ],
    );
    expect![[r#"
        {
          "from": "2015-01-01",
          "to": "2015-12-31",
          "findings": [],
          "rates": []
        }
    "#]]
    .assert_eq(&run.stdout);
}
