//! Properties of discharge chains and rosters on a generated army, under
//! randomly generated delay and protect orders: a delay never moves a
//! discharge earlier; no protected person is delayed without `--override`;
//! the roster of every cycle agrees with the people's computed dates.

#![expect(clippy::unwrap_used, clippy::expect_used, reason = "a test fails loudly")]

use std::collections::HashMap;
use std::sync::OnceLock;

use chrono::{Months, NaiveDate};
use muster_core::{Cycle, EventKind, Records, Season};
use muster_orders::{
    Effect, IssuedOrder, OrderBook, RosterStatus, StepResult, World, discharge, parse_order, roster,
};
use proptest::prelude::*;

/// Conditions a discharge rule may read.
const CONDITIONS: [&str; 8] = [
    r#"person.deployed_at("gomdok")"#,
    r#"person.specialty == "technician""#,
    r#"person.served_in_tagged("important")"#,
    r#"person.had("injured")"#,
    "person.age > 30",
    r#"person.discharge_cycle.endsWith("autumn")"#,
    r#"person.home_province in ["Chagang", "South Hamgyong", "Pyongyang"]"#,
    "true",
];

/// One generated order: a delay or a protection.
#[derive(Clone, Debug)]
struct Draft {
    delay: bool,
    /// Months after 2017-01-01.
    issued: u32,
    /// Cycles after the cycle of the day of issue.
    until: u32,
    when: usize,
    unless: Option<usize>,
    overridden: bool,
}

fn draft() -> impl Strategy<Value = Draft> {
    (
        any::<bool>(),
        0u32..96,
        0u32..8,
        0..CONDITIONS.len(),
        prop::option::of(0..CONDITIONS.len()),
        prop::bool::weighted(0.3),
    )
        .prop_map(|(delay, issued, until, when, unless, overridden)| Draft {
            delay,
            issued,
            until,
            when,
            unless,
            overridden,
        })
}

fn day(year: i32, month: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, month, day).unwrap()
}

fn records() -> &'static Records {
    static RECORDS: OnceLock<Records> = OnceLock::new();
    RECORDS.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        muster_generate::generate(dir.path(), &muster_generate::Options::new(300, 5), &mut |_| {})
            .unwrap();
        muster_dataset::read_dataset(dir.path()).unwrap().into_records().unwrap()
    })
}

fn world() -> &'static World {
    static WORLD: OnceLock<World> = OnceLock::new();
    WORLD.get_or_init(|| World::new(records().clone()))
}

/// The drafts as issued orders, in the order of their days of issue.
fn book(world: &World, drafts: &[Draft]) -> OrderBook {
    let orders = drafts
        .iter()
        .enumerate()
        .map(|(index, draft)| {
            let issued_on = day(2017, 1, 1) + Months::new(draft.issued);
            let mut cycle = world.calendar.cycle_on_or_after(issued_on);
            for _ in 0..draft.until {
                cycle = next(cycle);
            }
            let (effect, until) = if draft.delay {
                ("delay", format!("until = \"{cycle}\"\n"))
            } else {
                ("protect", String::new())
            };
            let unless = draft
                .unless
                .map(|unless| format!("unless = '{}'\n", CONDITIONS[unless]))
                .unwrap_or_default();
            let text = format!(
                "id = \"order-{index}\"\ntitle = \"generated\"\nissued_by = \"mod\"\nissued_on = {issued_on}\n\n\
                 [[rules]]\napplies_to = \"discharge\"\neffect = \"{effect}\"\n{until}when = '{}'\n{unless}reason = \"generated\"\n",
                CONDITIONS[draft.when]
            );
            let order = parse_order(&text).expect("a generated order parses");
            IssuedOrder { order, issued_on, sequence: index as i64, overridden: draft.overridden }
        })
        .collect();
    OrderBook::new(orders, vec![])
}

fn next(cycle: Cycle) -> Cycle {
    match cycle.season {
        Season::Spring => Cycle { year: cycle.year, season: Season::Autumn },
        Season::Autumn => Cycle { year: cycle.year + 1, season: Season::Spring },
    }
}

const AS_OF: [(i32, u32, u32); 3] = [(2018, 6, 1), (2021, 1, 20), (2026, 1, 1)];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn delays_move_later_and_respect_protections(drafts in prop::collection::vec(draft(), 1..7)) {
        let world = world();
        let book = book(world, &drafts);
        let overridden: HashMap<String, bool> = book
            .all()
            .iter()
            .map(|issued| (issued.order.id.clone(), issued.overridden))
            .collect();
        for (year, month, dd) in AS_OF {
            let as_of = day(year, month, dd);
            for file in &world.people {
                let chain = discharge(world, &book, file, as_of);
                let (Some(scheduled), Some(computed)) = (chain.scheduled, chain.computed) else {
                    continue;
                };
                prop_assert!(computed >= scheduled, "{}: {computed} before {scheduled}", file.person.id);
                let mut current = scheduled;
                let mut protected = false;
                for step in &chain.steps {
                    prop_assert_eq!(step.on, current, "a rule looks at the date reached");
                    match &step.result {
                        StepResult::Delayed { from, to } => {
                            prop_assert!(!protected, "{} delayed while protected", file.person.id);
                            prop_assert!(to > from);
                            prop_assert_eq!(*from, current);
                            current = *to;
                        }
                        StepResult::Overridden { from, to, .. } => {
                            prop_assert!(protected);
                            prop_assert!(overridden[&step.order], "overridden by an order issued without it");
                            prop_assert!(to > from);
                            current = *to;
                        }
                        StepResult::Conflict { to, .. } => {
                            prop_assert!(protected);
                            prop_assert!(!overridden[&step.order]);
                            prop_assert!(*to > current);
                        }
                        StepResult::Protected => {
                            prop_assert_eq!(step.effect, Effect::Protect);
                            protected = true;
                        }
                        StepResult::NotApplicable | StepResult::Exempt | StepResult::NoChange => {}
                    }
                }
                prop_assert_eq!(current, computed);
            }
        }
    }

    #[test]
    fn rosters_agree_with_the_computed_dates(drafts in prop::collection::vec(draft(), 1..7)) {
        let world = world();
        let book = book(world, &drafts);
        let as_of = day(2026, 1, 1);
        let dates: HashMap<&str, Option<NaiveDate>> = world
            .people
            .iter()
            .map(|file| (file.person.id.as_str(), discharge(world, &book, file, as_of).date()))
            .collect();
        let mut cycle = Cycle { year: 2010, season: Season::Spring };
        let mut on_rosters: HashMap<String, Vec<(Cycle, RosterStatus)>> = HashMap::new();
        while cycle.year <= 2026 {
            let roster = roster(world, &book, cycle, as_of);
            for entry in &roster.entries {
                prop_assert_eq!(Some(entry.date), dates[entry.person.as_str()], "{:?}", entry);
                let expected_cycle = world.calendar.cycle_on_or_after(entry.date);
                if entry.status != RosterStatus::Delayed {
                    prop_assert_eq!(expected_cycle, cycle, "{:?}", entry);
                }
                on_rosters.entry(entry.person.clone()).or_default().push((cycle, entry.status));
            }
            cycle = next(cycle);
        }
        // Everyone discharged within those cycles, neither killed nor awol
        // before, is on the roster of the cycle his date falls in.
        for file in &world.people {
            let Some(date) = dates[file.person.id.as_str()] else { continue };
            let cycle = world.calendar.cycle_on_or_after(date);
            if cycle.year < 2010 || cycle.year > 2026 {
                continue;
            }
            let cycle_date = world.calendar.cycle_date(cycle);
            let gone = file.events_by(as_of).any(|event| {
                matches!(event.kind, EventKind::Killed | EventKind::Awol) && event.date < cycle_date
            });
            if gone {
                continue;
            }
            let found = on_rosters
                .get(&file.person.id)
                .is_some_and(|entries| entries.iter().any(|(on, status)| *on == cycle && *status != RosterStatus::Delayed));
            prop_assert!(found, "{} discharged on {date} is not on the roster of {cycle}", file.person.id);
        }
    }
}

#[test]
fn the_generated_orders_bite() {
    let world = world();
    let delay =
        Draft { delay: true, issued: 12, until: 2, when: 7, unless: None, overridden: false };
    let protect =
        Draft { delay: false, issued: 0, until: 0, when: 7, unless: None, overridden: false };
    let count = |drafts: &[Draft], wanted: fn(&StepResult) -> bool| {
        let book = book(world, drafts);
        world
            .people
            .iter()
            .flat_map(|file| discharge(world, &book, file, day(2026, 1, 1)).steps)
            .filter(|step| wanted(&step.result))
            .count()
    };
    let delayed = |result: &StepResult| matches!(result, StepResult::Delayed { .. });
    let conflict = |result: &StepResult| matches!(result, StepResult::Conflict { .. });
    let overridden = |result: &StepResult| matches!(result, StepResult::Overridden { .. });
    assert!(count(std::slice::from_ref(&delay), delayed) >= 5);
    assert!(count(&[protect.clone(), delay.clone()], conflict) >= 5);
    assert_eq!(count(&[protect.clone(), delay.clone()], delayed), 0);
    let forced = Draft { overridden: true, ..delay };
    assert!(count(&[protect, forced], overridden) >= 5);
}
