//! The acts on many people from the command line: from a list (call-up,
//! redeployment, postings abroad) and from a roster (the carry-out of a
//! cycle's discharges): what each does and refuses, its preview, its key,
//! and its reversal.

use expect_test::expect;

use crate::Sandbox;
use crate::acts::{act, refused};

/// The reference scenario up to the redeployment list of errd (its steps
/// of EXPECTED.md).
pub(crate) fn with_mines_list() -> Sandbox {
    let sandbox = Sandbox::with_reference();
    for (order, day) in [
        ("errd-2020-031", "2020-09-25"),
        ("errd-2020-044", "2020-12-01"),
        ("errd-2021-002", "2021-01-04"),
    ] {
        sandbox.ok(&["order", "issue", &format!("reference/orders/{order}.toml"), "--as-of", day]);
    }
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
    sandbox
}

fn count_acts(sandbox: &Sandbox) -> usize {
    sandbox.ok(&["act", "list", "--limit", "1000"]).lines().count()
}

#[test]
fn a_redeployment_acts_on_the_eligible_and_names_the_refused_with_their_papers() {
    let sandbox = with_mines_list();
    let redeploy =
        ["list", "redeploy", "errd-mines-2021", "--site", "daehung", "--as-of", "2021-01-06"];

    // The preview answers what the act would do, and writes nothing.
    let before = sandbox.dump();
    let mut preview = redeploy.to_vec();
    preview.push("--preview");
    let run = act(&sandbox, &preview);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(sandbox.dump(), before, "a preview wrote something");
    expect![[r#"
        preview of a redeploy as of 2021-01-06: nothing was written
        list errd-mines-2021: 6 would be done, 1 refused
        done: p009 p010 p013 p014 p016 p019
        refused p012 (excluded): errd-2021-002 rule 1: Holds an exemption from redeployment; papers: medical certificate 2020/114
        notices: adm-air3, adm-c8, adm-east-fleet, errd
    "#]].assert_eq(&run.stdout);

    // The act does what the preview said, as one act.
    let mut keyed = redeploy.to_vec();
    keyed.extend(["--key", "mines-2021-first"]);
    let run = act(&sandbox, &keyed);
    assert_eq!(run.code, 0, "{run:?}");
    expect![[r#"
        act 7 (redeploy) as of 2021-01-06, recorded <time> by cli:registrar
        list errd-mines-2021: 6 done, 1 refused
        done: p009 p010 p013 p014 p016 p019
        refused p012 (excluded): errd-2021-002 rule 1: Holds an exemption from redeployment; papers: medical certificate 2020/114
        notices: adm-air3, adm-c8, adm-east-fleet, errd
    "#]].assert_eq(&run.stdout);
    let acts = count_acts(&sandbox);

    // The same key again: nothing is done, the first act is the answer.
    let dumped = sandbox.dump();
    let again = act(&sandbox, &keyed);
    assert_eq!(again.code, 0, "{again:?}");
    assert_eq!(again.stdout, run.stdout);
    assert_eq!(sandbox.dump(), dumped, "a second act with the key wrote something");
    assert_eq!(count_acts(&sandbox), acts);

    // The key of one act given to another is refused.
    let other =
        refused(&sandbox, &["discharge", "carry-out", "2020-autumn", "--key", "mines-2021-first"]);
    expect![[r#"
        error: key `mines-2021-first` was given to act 7 (redeploy of list errd-mines-2021): a key names one act
    "#]].assert_eq(&other);

    // Each person is deployed at the site from the day; the one exempted
    // by his papers is not.
    let shown = sandbox.ok(&["person", "show", "p010", "--as-of", "2021-01-10"]);
    assert!(shown.contains("daehung"), "{shown}");
    let shown = sandbox.ok(&["person", "show", "p012", "--as-of", "2021-01-10"]);
    assert!(!shown.contains("daehung"), "{shown}");

    // The unit administrations of the people moved are told, by name.
    let notices = sandbox.ok(&["notices", "adm-c8", "--as-of", "2021-01-10"]);
    expect!["2021-01-06  3 of your people redeployed at `daehung` on 2021-01-06 from list errd-mines-2021: p010, p016, p019"].assert_eq(notices.lines().last().unwrap_or_default());

    // Again, without a key: every person fails a check (deployed there
    // already); the act is refused whole, every failure listed.
    let message = refused(&sandbox, &redeploy);
    expect![[r#"
        error: the redeploy is refused: 6 persons failed its checks; nothing was written
          p009: `p009` is deployed at `daehung` already (since 2021-01-06)
          p010: `p010` is deployed at `daehung` already (since 2021-01-06)
          p013: `p013` is deployed at `daehung` already (since 2021-01-06)
          p014: `p014` is deployed at `daehung` already (since 2021-01-06)
          p016: `p016` is deployed at `daehung` already (since 2021-01-06)
          p019: `p019` is deployed at `daehung` already (since 2021-01-06)
    "#]]
    .assert_eq(&message);
    assert!(sandbox.ok(&["audit", "verify"]).starts_with("the audit log is intact"));
}

#[test]
fn a_carry_out_discharges_those_due_on_the_cycle_date_and_not_the_delayed() {
    let sandbox = with_mines_list();
    let run = act(&sandbox, &["discharge", "carry-out", "2020-autumn"]);
    assert_eq!(run.code, 0, "{run:?}");
    expect![[r#"
        act 7 (carry-out) as of 2020-10-01, recorded <time> by cli:registrar
        the roster of 2020-autumn: 3 done, 4 refused
        done: p011 p015 p017
        refused p010 (delayed): errd-2020-031 rule 1: Gomdok restoration
        refused p013 (delayed): errd-2020-031 rule 1: Gomdok restoration
        refused p014 (delayed): errd-2020-031 rule 1: Gomdok restoration
        refused p016 (delayed): errd-2020-031 rule 1: Gomdok restoration
        notices: adm-c8
    "#]]
    .assert_eq(&run.stdout);
    let roster = sandbox.ok(&["discharge", "roster", "2020-autumn", "--as-of", "2020-12-31"]);
    expect![[r#"
        roster 2020-autumn (cycle date 2020-10-01) as of 2020-12-31: 0 scheduled, 4 delayed, 0 exempt, 0 delayed-in, 3 discharged
          p010  delayed     2021-02-01  errd-2020-031
          p011  discharged  2020-10-01
          p013  delayed     2021-02-01  errd-2020-031
          p014  delayed     2021-02-01  errd-2020-031
          p015  discharged  2020-10-01
          p016  delayed     2021-02-01  errd-2020-031
          p017  discharged  2020-10-01
    "#]].assert_eq(&roster);

    // Carried out again: everyone due is discharged already; the act is
    // refused whole and the preview says so by its exit code.
    let before = sandbox.dump();
    let preview = act(&sandbox, &["discharge", "carry-out", "2020-autumn", "--preview"]);
    assert_eq!(preview.code, 1, "{preview:?}");
    assert_eq!(sandbox.dump(), before);
    expect![[r#"
        preview of a carry-out as of 2020-10-01: nothing was written
        the roster of 2020-autumn: 0 would be done, 4 refused
        refused p010 (delayed): errd-2020-031 rule 1: Gomdok restoration
        refused p013 (delayed): errd-2020-031 rule 1: Gomdok restoration
        refused p014 (delayed): errd-2020-031 rule 1: Gomdok restoration
        refused p016 (delayed): errd-2020-031 rule 1: Gomdok restoration
        it would be refused: no one of the roster of 2020-autumn is due on 2020-10-01: the carry-out would change nothing
    "#]].assert_eq(&preview.stdout);
    refused(&sandbox, &["discharge", "carry-out", "2020-autumn"]);

    // The next cycle takes in those delayed into it.
    let run = act(&sandbox, &["discharge", "carry-out", "2021-spring"]);
    assert_eq!(run.code, 0, "{run:?}");
    expect![[r#"
        act 8 (carry-out) as of 2021-02-01, recorded <time> by cli:registrar
        the roster of 2021-spring: 5 done, 0 refused
        done: p010 p013 p014 p016 p019
        notices: adm-air3, adm-c8, adm-east-fleet
    "#]]
    .assert_eq(&run.stdout);
}

#[test]
fn postings_and_a_call_up_act_on_the_eligible_of_their_lists() {
    let sandbox = Sandbox::with_reference();
    sandbox.ok(&["order", "issue", "reference/orders/mod-2023-002.toml", "--as-of", "2023-01-10"]);
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
    sandbox.ok(&["order", "issue", "reference/orders/mod-2024-001.toml", "--as-of", "2024-01-02"]);
    // Only the eligible, the first in nomination order.
    let run = act(
        &sandbox,
        &[
            "list",
            "post",
            "haebit-2023",
            "--eligible",
            "--country",
            "Russia",
            "--limit",
            "1",
            "--as-of",
            "2024-01-10",
        ],
    );
    assert_eq!(run.code, 0, "{run:?}");
    expect![[r#"
        act 6 (list-post) as of 2024-01-10, recorded <time> by cli:registrar
        list haebit-2023: 1 done, 3 refused
        done: p003
        refused p002 (flagged): mod-2024-001 rule 2: Served in an important unit
        refused p004 (flagged): mod-2024-001 rule 1: Home province Chagang
        refused p009 (excluded): mod-2024-001 rule 1: Home province Chagang
        notices: haebit
    "#]]
    .assert_eq(&run.stdout);
    // From a list of another kind: refused.
    let message = refused(
        &sandbox,
        &["list", "redeploy", "haebit-2023", "--site", "daehung", "--as-of", "2024-01-10"],
    );
    expect![[r#"
        error: list `haebit-2023` is of kind `overseas-posting`: a redeploy is made from a list of kind `redeployment`
    "#]].assert_eq(&message);
    // A list that does not exist.
    let message =
        refused(&sandbox, &["list", "post", "nowhere", "--eligible", "--country", "Russia"]);
    expect![[r#"
        error: no list `nowhere`
    "#]]
    .assert_eq(&message);

    // A call-up of the civilians of a call-up list.
    sandbox.ok(&[
        "list",
        "create",
        "cohort-2024",
        "--kind",
        "call-up",
        "--owner",
        "errd",
        "--as-of",
        "2024-02-01",
    ]);
    sandbox.ok(&["list", "add", "cohort-2024", "p005", "--as-of", "2024-02-01"]);
    let run = act(
        &sandbox,
        &[
            "list",
            "call-up",
            "cohort-2024",
            "--unit",
            "c8-1",
            "--term-months",
            "120",
            "--as-of",
            "2024-03-01",
            "--format",
            "json",
        ],
    );
    assert_eq!(run.code, 0, "{run:?}");
    expect![[r#"
        {
          "act": 9,
          "kind": "call-up",
          "list": "cohort-2024",
          "cycle": null,
          "as_of": "2024-03-01",
          "recorded_at": "<time>",
          "actor": "cli:registrar",
          "preview": false,
          "key": null,
          "done": [
            "p005"
          ],
          "refused": [],
          "errors": [],
          "refusal": null,
          "notices": [
            "adm-c8",
            "errd"
          ]
        }
    "#]]
    .assert_eq(&run.stdout);
    let shown = sandbox.ok(&["person", "show", "p005", "--as-of", "2024-03-02"]);
    assert!(shown.contains("serving"), "{shown}");
}

/// What the records answer on several days: the list, both rosters, the
/// strength of the mines, and a person of the list.
fn outputs(sandbox: &Sandbox) -> Vec<String> {
    let mut said = Vec::new();
    for day in ["2020-12-31", "2021-01-06", "2021-03-01", "2025-01-01"] {
        for args in [
            &["list", "show", "errd-mines-2021", "--format", "json", "--as-of", day][..],
            &["discharge", "roster", "2020-autumn", "--format", "json", "--as-of", day],
            &["discharge", "roster", "2021-spring", "--format", "json", "--as-of", day],
            &["strength", "daehung", "--from", "2020-06", "--to", "2021-06", "--as-of", day],
            &["person", "show", "p010", "--format", "json", "--as-of", day],
            &["person", "show", "p015", "--format", "json", "--as-of", day],
        ] {
            let run = sandbox.run(args);
            said.push(format!("{args:?} {} {}{}", run.code, run.stdout, run.stderr));
        }
    }
    said
}

#[test]
fn one_reversal_undoes_all_of_a_mass_act_on_every_day() {
    let sandbox = with_mines_list();
    for args in [
        &[
            "list",
            "redeploy",
            "errd-mines-2021",
            "--site",
            "daehung",
            "--unit",
            "c8-2",
            "--as-of",
            "2021-01-06",
            "--format",
            "json",
        ][..],
        &["discharge", "carry-out", "2020-autumn", "--format", "json"],
    ] {
        let before = outputs(&sandbox);
        let run = act(&sandbox, args);
        assert_eq!(run.code, 0, "{args:?}: {run:?}");
        let done: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
        assert!(!done["done"].as_array().unwrap().is_empty(), "{done}");
        let number = done["act"].to_string();
        let after = outputs(&sandbox);
        assert_ne!(before, after, "{args:?} changed none of the answers");
        sandbox.ok(&["act", "reverse", &number, "--reason", "entered in error"]);
        let reversed = outputs(&sandbox);
        for (was, is) in before.iter().zip(&reversed) {
            assert_eq!(was, is, "after reversing {args:?}");
        }
    }
    assert!(sandbox.ok(&["audit", "verify"]).starts_with("the audit log is intact"));
}

mod preview {
    //! The preview of a mass act is what the act then does, on random
    //! lists of a generated army; and the army kept up by the act is the
    //! army built afresh.

    use muster_service::Army;
    use muster_service::acts::anyone;
    use muster_service::acts::mass::{Given, MassAct};
    use muster_store::{EntryAction, NewAct, NewList};
    use proptest::prelude::*;

    use crate::live::{answers, day, template};

    #[derive(Clone, Debug)]
    struct Drawn {
        kind: u8,
        persons: Vec<u16>,
        target: u8,
        day: u16,
        limit: Option<u8>,
    }

    fn drawn() -> impl Strategy<Value = Drawn> {
        (
            0u8..3,
            proptest::collection::vec(1u16..1500, 1..60),
            any::<u8>(),
            0u16..200,
            proptest::option::of(1u8..20),
        )
            .prop_map(|(kind, persons, target, day, limit)| Drawn {
                kind,
                persons,
                target,
                day,
                limit,
            })
    }

    fn run(drawn: &Drawn) -> Result<(), TestCaseError> {
        let (_, template) = template();
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("muster.db");
        std::fs::copy(template, &db).unwrap();
        let mut store = muster_store::open(db.to_str().unwrap()).unwrap();
        let mut army = Army::load(store.as_ref(), &mut |_, _, _| {}).unwrap();
        let mut units: Vec<String> = army.world().units.keys().cloned().collect();
        units.sort();
        let sites: Vec<String> = army.world().sites.iter().map(|site| site.id.clone()).collect();
        let unit = units[usize::from(drawn.target) % units.len()].clone();
        let site = sites[usize::from(drawn.target) % sites.len()].clone();
        let (kind, act) = match drawn.kind {
            0 => (
                "call-up",
                MassAct::CallUp { list: "drawn".into(), unit, term_months: "36".into() },
            ),
            1 => (
                "redeployment",
                MassAct::Redeploy {
                    list: "drawn".into(),
                    site,
                    campaign: None,
                    unit: drawn.target.is_multiple_of(2).then_some(unit),
                    until: None,
                },
            ),
            _ => (
                "overseas-posting",
                MassAct::Post {
                    list: "drawn".into(),
                    country: "Russia".into(),
                    limit: drawn.limit.map(usize::from),
                },
            ),
        };
        let on = day(drawn.day);
        let new_act = |kind: &str| NewAct {
            kind: kind.to_string(),
            valid_on: on,
            actor: "test".to_string(),
            summary: String::new(),
        };
        let list = NewList {
            id: "drawn".into(),
            kind: kind.into(),
            owner: "errd".into(),
            title: String::new(),
            quota: None,
        };
        store.create_list(new_act("list-create"), list).unwrap();
        let mut persons: Vec<String> =
            drawn.persons.iter().map(|person| format!("p{person:07}")).collect();
        persons.dedup();
        store
            .change_entries(new_act("list-add"), "drawn", &persons, EntryAction::Add, &[])
            .unwrap();
        army.catch_up(store.as_ref(), &mut |_, _, _| {}).unwrap();
        let rules = army.rules().clone();
        let given = |preview| Given {
            day: on,
            actor: "test",
            preview,
            key: None,
            roster: None,
            budget: None,
            progress: None,
        };
        let before = store.last_act().unwrap();
        let preview = muster_service::acts::mass::record(
            store.as_mut(),
            &rules,
            &act,
            &given(true),
            &mut anyone,
        )
        .unwrap();
        prop_assert_eq!(store.last_act().unwrap(), before, "a preview wrote");
        prop_assert_eq!(preview.done.len() + preview.refused.len() <= persons.len(), true);
        let done = muster_service::acts::mass::record(
            store.as_mut(),
            &rules,
            &act,
            &given(false),
            &mut anyone,
        );
        match (&preview.refusal, done) {
            (None, Ok(done)) => {
                prop_assert_eq!(&done.done, &preview.done);
                prop_assert_eq!(&done.refused, &preview.refused);
                prop_assert_eq!(&done.notices, &preview.notices);
                prop_assert_eq!(done.act, Some(before + 1));
            }
            (Some(refusal), Err(error)) => {
                prop_assert_eq!(refusal, &error.to_string());
                prop_assert_eq!(store.last_act().unwrap(), before, "a refused act wrote");
            }
            (refusal, done) => {
                return Err(TestCaseError::fail(format!(
                    "the preview said {refusal:?}, the act {:?}",
                    done.map(|done| done.act)
                )));
            }
        }
        // The army kept up by the act reads as the army built afresh.
        army.catch_up(store.as_ref(), &mut |_, _, _| {}).unwrap();
        let fresh = Army::load(store.as_ref(), &mut |_, _, _| {}).unwrap();
        prop_assert_eq!(answers(&army, &persons), answers(&fresh, &persons));
        Ok(())
    }

    /// A mass act whose request is gone (its budget cancelled, as when its
    /// client goes away or its deadline passes) stops and writes nothing.
    #[test]
    fn a_mass_act_past_its_budget_stops_and_writes_nothing() {
        let (_, template) = template();
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("muster.db");
        std::fs::copy(template, &db).unwrap();
        let mut store = muster_store::open(db.to_str().unwrap()).unwrap();
        let on = day(10);
        let new_act = |kind: &str| NewAct {
            kind: kind.to_string(),
            valid_on: on,
            actor: "test".to_string(),
            summary: String::new(),
        };
        let list = NewList {
            id: "drawn".into(),
            kind: "redeployment".into(),
            owner: "errd".into(),
            title: String::new(),
            quota: None,
        };
        store.create_list(new_act("list-create"), list).unwrap();
        let persons: Vec<String> = (1..=600).map(|person| format!("p{person:07}")).collect();
        store
            .change_entries(new_act("list-add"), "drawn", &persons, EntryAction::Add, &[])
            .unwrap();
        let rules = muster_service::Rules::load(store.as_ref()).unwrap();
        let act = MassAct::Redeploy {
            list: "drawn".into(),
            site: "gomdok".into(),
            campaign: None,
            unit: None,
            until: None,
        };
        let budget = muster_service::Budget::new(muster_service::REQUEST_BUDGET);
        budget.cancel();
        let before = store.last_act().unwrap();
        for preview in [true, false] {
            let given = Given {
                day: on,
                actor: "test",
                preview,
                key: None,
                roster: None,
                budget: Some(&budget),
                progress: None,
            };
            let stopped = muster_service::acts::mass::record(
                store.as_mut(),
                &rules,
                &act,
                &given,
                &mut anyone,
            );
            assert!(
                matches!(stopped, Err(muster_service::ServiceError::Stopped(_))),
                "{:?}",
                stopped.map(|done| done.act)
            );
            assert_eq!(store.last_act().unwrap(), before);
        }
    }

    /// A carry-out whose roster was read before another act was recorded
    /// is refused, and writes nothing: the roster may no longer hold.
    #[test]
    fn a_carry_out_on_a_roster_read_before_another_act_is_refused() {
        let (_, template) = template();
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("muster.db");
        std::fs::copy(template, &db).unwrap();
        let mut store = muster_store::open(db.to_str().unwrap()).unwrap();
        let army = Army::load(store.as_ref(), &mut |_, _, _| {}).unwrap();
        let budget = muster_service::Budget::new(muster_service::REQUEST_BUDGET);
        let roster = muster_service::acts::mass::roster_of(&army, "2026-autumn", &budget).unwrap();
        let list = NewList {
            id: "meanwhile".into(),
            kind: "redeployment".into(),
            owner: "errd".into(),
            title: String::new(),
            quota: None,
        };
        let meanwhile = NewAct {
            kind: "list-create".to_string(),
            valid_on: roster.date,
            actor: "test".to_string(),
            summary: String::new(),
        };
        store.create_list(meanwhile, list).unwrap();
        let before = store.last_act().unwrap();
        let given = Given {
            day: roster.date,
            actor: "test",
            preview: false,
            key: None,
            roster: Some(&roster),
            budget: None,
            progress: None,
        };
        let act = MassAct::CarryOut { cycle: "2026-autumn".into() };
        let refused = muster_service::acts::mass::record(
            store.as_mut(),
            army.rules(),
            &act,
            &given,
            &mut anyone,
        );
        let message = refused.map(|done| done.act).unwrap_err().to_string();
        assert!(message.contains("run the carry-out again"), "{message}");
        assert_eq!(store.last_act().unwrap(), before);
    }

    proptest! {
        #![proptest_config(ProptestConfig {
            cases: std::env::var("MUSTER_LIVE_CASES").ok().and_then(|cases| cases.parse().ok()).unwrap_or(24),
            ..ProptestConfig::default()
        })]

        #[test]
        fn the_preview_of_a_mass_act_is_what_the_act_does(drawn in drawn()) {
            run(&drawn)?;
        }
    }
}

/// The unit, site and campaign a mass act names are checked once, for the
/// act: one error, not one per person, and nothing written.
#[test]
fn a_mass_act_naming_what_the_records_do_not_hold_is_one_error() {
    let sandbox = with_mines_list();
    let before = sandbox.dump();
    for (flags, error) in [
        (&["--site", "nowhere"][..], "error: no site `nowhere`\n"),
        (
            &["--site", "daehung", "--campaign", "nothing-2021"][..],
            "error: no campaign `nothing-2021`\n",
        ),
        (&["--site", "daehung", "--unit", "no-unit"][..], "error: no unit `no-unit`\n"),
        (
            &["--site", "daehung", "--campaign", "gomdok-restoration-2020"][..],
            "error: campaign `gomdok-restoration-2020` is at site `gomdok`, not `daehung`\n",
        ),
    ] {
        let mut args = vec!["list", "redeploy", "errd-mines-2021", "--as-of", "2021-01-06"];
        args.extend_from_slice(flags);
        for preview in [true, false] {
            let mut args = args.clone();
            if preview {
                args.push("--preview");
            }
            let run = act(&sandbox, &args);
            assert_ne!(run.code, 0, "{run:?}");
            assert_eq!(run.stderr, error, "{args:?}");
            assert_eq!(sandbox.dump(), before, "{args:?} wrote something");
        }
    }
}
