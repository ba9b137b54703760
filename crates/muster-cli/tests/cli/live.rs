//! The army the server holds, kept up by the acts, is the army built
//! afresh from the store: for any sequence of acts (refused or done,
//! reversed or not), every list on every day asked, the roster, and each
//! touched person's custody read alike.

use std::path::PathBuf;
use std::sync::OnceLock;

use chrono::NaiveDate;
use muster_service::Army;
use muster_service::acts::{Act, anyone};
use proptest::prelude::*;

use crate::Sandbox;

/// A demo store (a generated army, the reported orders and lists), made
/// once and copied for each case.
pub(crate) fn template() -> &'static (Sandbox, PathBuf) {
    static TEMPLATE: OnceLock<(Sandbox, PathBuf)> = OnceLock::new();
    TEMPLATE.get_or_init(|| {
        let sandbox = Sandbox::new();
        let db = sandbox.path().join("template.db");
        sandbox.ok(&["--db", db.to_str().unwrap(), "demo", "--people", "1500", "--no-serve"]);
        (sandbox, db)
    })
}

/// One act drawn: its kind, whom, into or at what, and when.
#[derive(Clone, Debug)]
struct Drawn {
    kind: u8,
    person: u16,
    target: u8,
    day: u16,
}

fn drawn() -> impl Strategy<Value = Drawn> {
    (0u8..14, 1u16..1500, any::<u8>(), 0u16..200).prop_map(|(kind, person, target, day)| Drawn {
        kind,
        person,
        target,
        day,
    })
}

pub(crate) fn day(offset: u16) -> NaiveDate {
    NaiveDate::from_ymd_opt(2025, 12, 16).unwrap() + chrono::Days::new(u64::from(offset))
}

/// What the army answers, as JSON to compare.
pub(crate) fn answers(army: &Army, persons: &[String]) -> Vec<serde_json::Value> {
    let budget = muster_service::Budget::new(muster_service::REQUEST_BUDGET);
    let mut said = Vec::new();
    let mut lists: Vec<String> =
        army.lists().all().iter().map(|list| list.list.id.clone()).collect();
    lists.sort();
    for list in &lists {
        for offset in [20, 60, 120, 200] {
            for status in [
                None,
                Some(muster_service::EntryStatus::Eligible),
                Some(muster_service::EntryStatus::Excluded),
            ] {
                let query = muster_service::lists::Query {
                    day: day(offset),
                    status,
                    offset: 0,
                    limit: None,
                };
                // Asked twice: the second answer is the one the army keeps.
                for _ in 0..2 {
                    let page = muster_service::lists::show(army, list, &query, &budget)
                        .map(|page| serde_json::to_value(page).unwrap())
                        .unwrap_or_else(|error| serde_json::json!({"error": error.to_string()}));
                    said.push(page);
                }
            }
        }
    }
    for cycle in ["2026-spring", "2026-autumn"] {
        let roster = muster_service::reports::roster(
            army,
            cycle.parse().unwrap(),
            day(300),
            &|_| true,
            &budget,
        )
        .map(|roster| serde_json::to_value(roster).unwrap())
        .unwrap_or_else(|error| serde_json::json!({"error": error.to_string()}));
        said.push(roster);
    }
    for person in persons {
        let custody = army.custody(person, day(200));
        said.push(serde_json::json!(
            custody.map(|custody| (custody.administrations, custody.lists))
        ));
    }
    said
}

fn run(acts: &[Drawn]) -> Result<(), TestCaseError> {
    let (_, template) = template();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("muster.db");
    std::fs::copy(template, &db).unwrap();
    let location = db.to_str().unwrap();
    let mut store = muster_store::open(location).unwrap();
    let mut army = Army::load(store.as_ref(), &mut |_, _, _| {}).unwrap();
    // Asked before the acts, so that what the army keeps (the members and
    // statuses of each list on each day) is there to be kept up.
    answers(&army, &[]);
    let mut units: Vec<String> = army.world().units.keys().cloned().collect();
    units.sort();
    let sites: Vec<String> = army.world().sites.iter().map(|site| site.id.clone()).collect();
    // Transfers into the units the orders name (an important unit's
    // service excludes from a posting) change the lists most.
    let important: Vec<String> = units
        .iter()
        .filter(|unit| {
            army.world().tree.ancestors_or_self(unit).any(|unit| {
                army.world()
                    .units
                    .get(unit)
                    .is_some_and(|unit| unit.tags.iter().any(|tag| tag == "important"))
            })
        })
        .cloned()
        .collect();
    // Half the acts are on people on the lists, whose entries they change.
    let mut pool: Vec<String> = Vec::new();
    for list in army.lists().all() {
        if let Some(members) = army.members(&list.list.id, day(20)) {
            pool.extend(
                members.iter().map(|member| army.engine().person_id(member.person).to_string()),
            );
        }
    }
    pool.sort();
    pool.dedup();
    let mut done: Vec<i64> = Vec::new();
    let mut touched = Vec::new();
    for (step, drawn) in acts.iter().enumerate() {
        let person = if drawn.person % 2 == 0 && !pool.is_empty() {
            pool[usize::from(drawn.person) % pool.len()].clone()
        } else {
            format!("p{:07}", drawn.person)
        };
        let unit = if drawn.target % 2 == 0 && !important.is_empty() {
            important[usize::from(drawn.target) % important.len()].clone()
        } else {
            units[usize::from(drawn.target) % units.len()].clone()
        };
        let site = sites[usize::from(drawn.target) % sites.len()].clone();
        let act = match drawn.kind {
            0 | 1 => Act::Assign { person: person.clone(), unit },
            2 => Act::Deploy { person: person.clone(), site, campaign: None, until: None },
            3 => Act::Recall { person: person.clone(), site },
            4 => Act::Event {
                person: person.clone(),
                kind: "injured".into(),
                reference: None,
                detail: None,
            },
            5 => Act::Event {
                person: person.clone(),
                kind: "awol".into(),
                reference: None,
                detail: None,
            },
            6 => Act::Discharge {
                person: person.clone(),
                early: true,
                grounds: Some("a board".into()),
            },
            7 => Act::Update {
                person: person.clone(),
                rank: Some("corporal".into()),
                specialty: None,
                name: None,
                home_county: None,
            },
            8 => Act::DeployUnit { unit, site, campaign: None, until: None },
            9 => Act::RecallUnit { unit, site },
            12 | 13 => Act::Event {
                person: person.clone(),
                kind: "exempted".into(),
                reference: Some("msoc".into()),
                detail: Some("redeployment: medical certificate".into()),
            },
            10 => Act::Register {
                person: format!("q{step:04}"),
                name: "Ri Chol".into(),
                born: "2004-05-01".into(),
                sex: "M".into(),
                home_province: "Chagang".into(),
                home_county: None,
                specialty: None,
            },
            _ => {
                // The reversal of the last act done (refused when a later
                // act holds it).
                if let Some(&last) = done.last() {
                    let rules = army.rules().clone();
                    if let Ok(reversal) = muster_service::acts::reverse(
                        store.as_mut(),
                        &rules,
                        last,
                        "drawn",
                        day(drawn.day),
                        "test",
                    ) {
                        done.push(reversal.act);
                    }
                }
                continue;
            }
        };
        touched.push(person);
        let rules = army.rules().clone();
        if let Ok(answer) = muster_service::acts::record(
            store.as_mut(),
            &rules,
            &act,
            day(drawn.day),
            "test",
            &mut anyone,
        ) {
            done.push(answer.act);
        }
        // The army catches up now and then, as the server's next request
        // would: after one act, or after several.
        if drawn.target % 3 == 0 {
            army.catch_up(store.as_ref(), &mut |_, _, _| {}).unwrap();
            answers(&army, &[]);
        }
    }
    army.catch_up(store.as_ref(), &mut |_, _, _| {}).unwrap();
    let fresh = Army::load(store.as_ref(), &mut |_, _, _| {}).unwrap();
    let kept = answers(&army, &touched);
    let afresh = answers(&fresh, &touched);
    prop_assert_eq!(kept.len(), afresh.len());
    for (kept, afresh) in kept.iter().zip(&afresh) {
        prop_assert_eq!(kept, afresh, "after {} acts done of {}", done.len(), acts.len());
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: std::env::var("MUSTER_LIVE_CASES").ok().and_then(|cases| cases.parse().ok()).unwrap_or(24),
        ..ProptestConfig::default()
    })]

    #[test]
    fn the_army_kept_up_by_the_acts_is_the_army_built_afresh(acts in proptest::collection::vec(drawn(), 1..24)) {
        run(&acts)?;
    }
}
