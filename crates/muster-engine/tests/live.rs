//! Incremental maintenance: after acts that change one person (an event,
//! an assignment, a deployment that names him) or a unit deployment, the
//! list statuses and discharge dates the engine keeps are those of an
//! engine built afresh from the changed records, and those of the
//! reference interpreter.

#![expect(clippy::unwrap_used, reason = "a test fails loudly")]

mod common;

use chrono::NaiveDate;
use muster_core::{Assignment, Deployed, Deployment, Event, EventKind, Records};
use muster_engine::{Engine, ListMember, Live};
use muster_orders::{EntryChange, List, OrderBook, World, discharge, entries};
use proptest::prelude::*;

use common::{Draft, DraftRule, books, day, records};

const KINDS: [&str; 2] = ["overseas-posting", "redeployment"];

fn book() -> OrderBook {
    let delay = Draft {
        issued: 30,
        until: None,
        recheck: true,
        overridden: false,
        supersedes_previous: false,
        rules: vec![
            DraftRule {
                effect: 2,
                kind: false,
                when: r#"person.had("injured") || person.deployed_at("gomdok")"#.into(),
                unless: Some(r#"person.admitted("central-university")"#.into()),
                until: 4,
            },
            DraftRule {
                effect: 0,
                kind: true,
                when: r#"person.deployed_at("gomdok") || person.had("awol")"#.into(),
                unless: None,
                until: 0,
            },
            DraftRule {
                effect: 1,
                kind: false,
                when: r#"person.served_in("c1") || person.status == "serving""#.into(),
                unless: Some(r#"person.exempted("redeployment")"#.into()),
                until: 0,
            },
        ],
    };
    books(&[delay])
}

/// Every third person on a list of each kind, nominated on one of two days.
fn changes(world: &World) -> Vec<EntryChange> {
    world
        .people
        .iter()
        .enumerate()
        .filter(|(position, _)| position % 3 != 1)
        .map(|(position, file)| EntryChange {
            person: file.person.id.clone(),
            added: true,
            on: if position % 2 == 0 { day(2019, 5, 1) } else { day(2022, 5, 1) },
        })
        .collect()
}

fn live(engine: &Engine, world: &World, at: NaiveDate) -> Live {
    let changes = changes(world);
    let members: Vec<ListMember> = engine.list_members(&changes, at);
    let lists = KINDS
        .iter()
        .map(|kind| (format!("list-{kind}"), (*kind).to_string(), members.clone()))
        .collect();
    engine.live(book(), at, lists)
}

/// One act on the records.
#[derive(Clone, Debug)]
enum Act {
    Event {
        person: usize,
        kind: usize,
        months: u32,
        detail: usize,
    },
    Assignment {
        person: usize,
        unit: usize,
        months: u32,
    },
    PersonDeployment {
        person: usize,
        months: u32,
    },
    UnitDeployment {
        unit: usize,
        months: u32,
    },
    /// A paper against redeployment, valid for some months or without end.
    Paper {
        person: usize,
        months: u32,
        lasting: Option<u32>,
    },
    /// The revocation of the last paper entered, if any.
    Revoke {
        months: u32,
    },
}

const UNITS: [&str; 5] = ["sgc-1", "c1-1-1", "c2", "first-brigade-2", "air1-2"];
const DETAILS: [(&str, &str); 3] = [
    ("central-univ", "central-university"),
    ("errd", "redeployment: medical certificate 2020/1"),
    ("", ""),
];

fn act() -> impl Strategy<Value = Act> {
    prop_oneof![
        (0usize..10_000, 0usize..8, 0u32..80, 0usize..3)
            .prop_map(|(person, kind, months, detail)| Act::Event { person, kind, months, detail }),
        (0usize..10_000, 0usize..UNITS.len(), 0u32..80)
            .prop_map(|(person, unit, months)| Act::Assignment { person, unit, months }),
        (0usize..10_000, 0u32..80)
            .prop_map(|(person, months)| Act::PersonDeployment { person, months }),
        (0usize..UNITS.len(), 0u32..80)
            .prop_map(|(unit, months)| Act::UnitDeployment { unit, months }),
        (0usize..10_000, 0u32..80, prop::option::of(0u32..30))
            .prop_map(|(person, months, lasting)| Act::Paper { person, months, lasting }),
        (0u32..80).prop_map(|months| Act::Revoke { months }),
    ]
}

/// Applies an act to the records, and to the engine; returns the new
/// records.
fn apply(records: &mut Records, engine: &mut Engine, live: &mut Live, act: &Act) {
    let people = &records.people;
    let id = |person: usize| people[person % people.len()].id.clone();
    let on = |months: u32| day(2017, 1, 1) + chrono::Months::new(months);
    let mut changed_person = None;
    match act {
        Act::Event { person, kind, months, detail } => {
            let kind = EventKind::ALL[*kind];
            let (reference, detail) = DETAILS[*detail];
            let kind = if detail.starts_with("redeployment") { EventKind::Exempted } else { kind };
            let kind = if reference == "central-univ" { EventKind::Admitted } else { kind };
            records.events.push(Event {
                person: id(*person),
                date: on(*months),
                kind,
                reference: reference.into(),
                detail: detail.into(),
            });
            changed_person = Some(id(*person));
        }
        Act::Assignment { person, unit, months } => {
            records.assignments.push(Assignment {
                person: id(*person),
                unit: UNITS[*unit].into(),
                from: on(*months),
                to: Some(on(*months + 9)),
            });
            changed_person = Some(id(*person));
        }
        Act::PersonDeployment { person, months } => {
            let deployment = Deployment {
                deployed: Deployed::Person(id(*person)),
                site: "gomdok".into(),
                campaign: String::new(),
                from: on(*months),
                to: Some(on(*months + 12)),
            };
            records.deployments.push(deployment.clone());
            engine.deploy(live, &deployment).unwrap();
        }
        Act::Paper { person, months, lasting } => {
            records.papers.push(muster_core::HeldPaper {
                id: format!("X-{:06}", records.papers.len() + 1),
                paper: muster_core::Paper {
                    document: "MED-1".into(),
                    person: id(*person),
                    scope: "redeployment".into(),
                    grounds: muster_core::Grounds::Medical,
                    text: String::new(),
                    issuer: "msc".into(),
                    official: String::new(),
                    issued_on: on(*months),
                    valid_from: on(*months),
                    valid_until: lasting.map(|lasting| on(*months + lasting)),
                },
                revoked: None,
            });
            changed_person = Some(id(*person));
        }
        Act::Revoke { months } => {
            if let Some(last) = records.papers.last_mut() {
                last.revoked =
                    Some(muster_core::Revocation { on: on(*months), reason: "bought".into() });
                changed_person = Some(last.paper.person.clone());
            }
        }
        Act::UnitDeployment { unit, months } => {
            let deployment = Deployment {
                deployed: Deployed::Unit(UNITS[*unit].into()),
                site: "gomdok".into(),
                campaign: String::new(),
                from: on(*months),
                to: None,
            };
            records.deployments.push(deployment.clone());
            engine.deploy(live, &deployment).unwrap();
        }
    }
    if let Some(id) = changed_person {
        let world = World::new(records.clone());
        let file = world.person(&id).unwrap();
        engine.update_person(live, file).unwrap();
    }
}

/// The kept statuses and dates are those of a fresh engine and of the
/// reference.
fn check(records: &Records, live: &Live, at: NaiveDate) {
    let world = World::new(records.clone());
    let fresh = Engine::from_world(&world, &mut |_, _, _| {});
    let fresh_live = self::live(&fresh, &world, at);
    let book = book();
    for (kept, rebuilt) in live.lists.iter().zip(&fresh_live.lists) {
        assert_eq!(kept.statuses.len(), rebuilt.statuses.len());
        for (entry, expected) in kept.statuses.entries().zip(rebuilt.statuses.entries()) {
            assert_eq!(entry.status, expected.status, "{} on {}", entry.person, kept.id);
            assert_eq!(kept.statuses.reasons(&entry), rebuilt.statuses.reasons(&expected));
        }
    }
    let changes = changes(&world);
    for (list, kind) in live.lists.iter().zip(KINDS) {
        let reference = entries(
            &world,
            &book,
            &List { id: list.id.clone(), kind: kind.into(), owner: "o".into(), created_on: at },
            &changes,
            at,
        );
        for (entry, expected) in list.statuses.entries().zip(&reference) {
            assert_eq!(entry.status, expected.status, "{} on {kind}", expected.person);
            assert_eq!(list.statuses.reasons(&entry), expected.reasons);
        }
    }
    for (position, file) in world.people.iter().enumerate() {
        let position = position as u32;
        let expected = discharge(&world, &book, file, at).date();
        assert_eq!(live.discharge_date(position), expected, "{}", file.person.id);
        assert_eq!(fresh_live.discharge_date(position), expected);
    }
}

#[test]
fn a_few_acts_are_kept_up_with() {
    let at = day(2021, 1, 10);
    let mut records = records().clone();
    let world = World::new(records.clone());
    let mut engine = Engine::from_world(&world, &mut |_, _, _| {});
    let mut live = live(&engine, &world, at);
    let acts = [
        Act::Event { person: 3, kind: 4, months: 10, detail: 2 },
        Act::Event { person: 5, kind: 0, months: 20, detail: 0 },
        Act::Event { person: 8, kind: 7, months: 20, detail: 1 },
        Act::Assignment { person: 12, unit: 0, months: 5 },
        Act::PersonDeployment { person: 14, months: 45 },
        Act::UnitDeployment { unit: 2, months: 38 },
    ];
    for act in &acts {
        apply(&mut records, &mut engine, &mut live, act);
    }
    check(&records, &live, at);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(6))]

    #[test]
    fn random_acts_are_kept_up_with(acts in prop::collection::vec(act(), 1..6), at in 0u32..60) {
        let at = day(2019, 1, 1) + chrono::Months::new(at);
        let mut records = records().clone();
        let world = World::new(records.clone());
        let mut engine = Engine::from_world(&world, &mut |_, _, _| {});
        let mut live = live(&engine, &world, at);
        for act in &acts {
            apply(&mut records, &mut engine, &mut live, act);
        }
        check(&records, &live, at);
    }
}

/// People added after the build (a registration, an enlistment), some of
/// them with ids that sort before others: the engine answers as one built
/// with them from the start, and the roster stays in the order of ids.
#[test]
fn people_added_after_the_build_are_answered_as_if_built_with_them() {
    let records = records();
    let world = World::new(records.clone());
    // Every seventh person is left out of the build, then added.
    let (kept, added): (Vec<_>, Vec<_>) =
        world.people.iter().enumerate().partition(|(position, _)| position % 7 != 3);
    let mut partial = records.clone();
    let added_ids: std::collections::HashSet<&str> =
        added.iter().map(|(_, file)| file.person.id.as_str()).collect();
    partial.people.retain(|person| !added_ids.contains(person.id.as_str()));
    let mut engine = Engine::from_records(partial, &mut |_, _, _| {});
    assert_eq!(engine.len(), kept.len());
    for (_, file) in &added {
        engine.set_person(file);
    }
    let fresh = Engine::from_world(&world, &mut |_, _, _| {});
    assert_eq!(engine.len(), fresh.len());
    for file in &world.people {
        let id = &file.person.id;
        let (mine, theirs) = (engine.position(id).unwrap(), fresh.position(id).unwrap());
        assert_eq!(engine.describe_person(mine), fresh.describe_person(theirs), "{id}");
    }
    let book = book();
    let budget = muster_cel::Budget::unlimited();
    for at in [day(2019, 6, 1), day(2024, 1, 10)] {
        for kind in KINDS {
            let mine =
                engine.screen_all(&book, kind, at, None, &engine.everyone(), &budget).unwrap();
            let theirs =
                fresh.screen_all(&book, kind, at, None, &fresh.everyone(), &budget).unwrap();
            let ids = |engine: &Engine, set: &roaring::RoaringBitmap| {
                let mut ids: Vec<String> =
                    set.iter().map(|person| engine.person_id(person).to_string()).collect();
                ids.sort();
                ids
            };
            assert_eq!(ids(&engine, &mine.eligible), ids(&fresh, &theirs.eligible), "{kind} {at}");
        }
        for year in [2019, 2021, 2024] {
            let cycle = muster_core::Cycle { year, season: muster_core::Season::Autumn };
            let mine = engine.roster(&book, cycle, at, &budget).unwrap();
            let theirs = fresh.roster(&book, cycle, at, &budget).unwrap();
            assert_eq!(mine, theirs, "roster of {cycle} as of {at}");
        }
        let months: Vec<NaiveDate> = (0..12).map(|m| at + chrono::Months::new(m)).collect();
        for site in &world.sites {
            assert_eq!(
                engine.strength(&book, &site.id, &months, at, &budget).unwrap(),
                fresh.strength(&book, &site.id, &months, at, &budget).unwrap(),
                "strength of {}",
                site.id
            );
        }
    }
}
