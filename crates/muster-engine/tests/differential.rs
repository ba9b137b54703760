//! The engine decides exactly as the reference interpreter: on a generated
//! army, with the reference orders and randomly generated ones, for every
//! person, on several days: the same screenings with the same excluding
//! rules, the same discharge dates, delays, protections, exemptions and
//! conflicts, the same list statuses, rosters, strengths, outcome rates
//! and order impact; and a random condition selects exactly the people it
//! holds for and fails for exactly those it fails for.
//!
//! `MUSTER_DIFFERENTIAL_PEOPLE` and `MUSTER_DIFFERENTIAL_CASES` make the
//! army and the number of cases larger (defaults 500 and 24).

#![expect(clippy::unwrap_used, clippy::expect_used, reason = "a test fails loudly")]

mod common;

use std::collections::BTreeMap;

use chrono::NaiveDate;
use muster_cel::Budget;
use muster_core::{Cycle, EventKind};
use muster_engine::{Cohort, CohortQuestion, Engine};
use muster_orders::{
    Effect, EntryChange, List, ListWithEntries, OrderBook, PersonView, StepResult, World,
    discharge, entries, impact, roster, screen, strength,
};
use proptest::prelude::*;

use common::{Draft, books, condition, day, draft, engine, world};

const KINDS: [&str; 2] = ["overseas-posting", "redeployment"];

fn cases() -> u32 {
    std::env::var("MUSTER_DIFFERENTIAL_CASES").ok().and_then(|text| text.parse().ok()).unwrap_or(24)
}

/// Every screening, by the engine for everyone, by the engine for one
/// person, and by the reference, agree.
fn check_screenings(world: &World, engine: &Engine, book: &OrderBook, at: NaiveDate) {
    let nominated = Some(day(2019, 6, 1));
    for kind in KINDS {
        let all = engine
            .screen_all(book, kind, at, nominated, &engine.everyone(), &Budget::unlimited())
            .unwrap();
        for (position, file) in world.people.iter().enumerate() {
            let position = position as u32;
            let reference = screen(world, book, file, kind, at, nominated);
            let expected: Vec<(String, usize)> =
                reference.excluding().map(|check| (check.order.clone(), check.rule)).collect();
            let bulk: Vec<(String, usize)> = all
                .rules
                .iter()
                .zip(&all.excluded_by)
                .filter(|(_, excluded)| excluded.contains(position))
                .map(|(rule, _)| (rule.order.clone(), rule.rule))
                .collect();
            assert_eq!(bulk, expected, "{} {kind} on {at}: excluding rules", file.person.id);
            assert_eq!(all.eligible.contains(position), reference.eligible);
            let single = engine.screen_person(book, position, kind, at, nominated);
            let single: Vec<(String, usize)> =
                single.excluding.iter().map(|reason| (reason.order.clone(), reason.rule)).collect();
            assert_eq!(single, expected, "{} {kind} on {at}: one person", file.person.id);
        }
    }
}

/// Every discharge chain agrees.
fn check_discharges(world: &World, engine: &Engine, book: &OrderBook, as_of: NaiveDate) {
    let all = engine.discharges(book, as_of, &Budget::unlimited()).unwrap();
    for (position, file) in world.people.iter().enumerate() {
        let position = position as u32;
        let id = &file.person.id;
        let reference = discharge(world, book, file, as_of);
        assert_eq!(all.date_of(engine, position), reference.date(), "{id} discharge as of {as_of}");
        assert_eq!(all.delayed_by(position), reference.delayed_by, "{id} delayed by");
        assert_eq!(all.protected_by(position), reference.protected_by.as_deref(), "{id} protected");
        let mut exempt: Vec<String> = reference
            .steps
            .iter()
            .filter(|step| step.effect == Effect::Delay && step.result == StepResult::Exempt)
            .map(|step| step.order.clone())
            .collect();
        exempt.dedup();
        assert_eq!(all.exempt_by(position), exempt, "{id} exempt");
        let conflicts: Vec<(String, usize, String)> = reference
            .steps
            .iter()
            .filter_map(|step| match &step.result {
                StepResult::Conflict { protected_by, .. }
                | StepResult::Overridden { protected_by, .. } => {
                    Some((step.order.clone(), step.rule, protected_by.clone()))
                }
                _ => None,
            })
            .collect();
        let mut bulk: Vec<(String, usize, String)> = all
            .conflicts()
            .iter()
            .filter(|conflict| conflict.people.contains(position))
            .map(|conflict| (conflict.order.clone(), conflict.rule, conflict.protected_by.clone()))
            .collect();
        let mut expected = conflicts.clone();
        bulk.sort();
        expected.sort();
        assert_eq!(bulk, expected, "{id} conflicts");
        let single = engine.person_discharge(book, position, as_of);
        assert_eq!(single.date(), reference.date(), "{id} one person's discharge");
        assert_eq!(single.delayed_by, reference.delayed_by);
        assert_eq!(single.protected_by, reference.protected_by);
        assert_eq!(single.exempt_by, exempt);
        assert_eq!(single.conflicts, conflicts);
    }
}

/// A list of every tenth person, nominated on several days, some taken off.
fn list_changes(world: &World) -> Vec<EntryChange> {
    let days = [day(2018, 3, 1), day(2020, 10, 1), day(2023, 2, 1), day(2024, 1, 5)];
    let mut changes = Vec::new();
    for (position, file) in
        world.people.iter().enumerate().filter(|(position, _)| position % 3 == 0)
    {
        let on = days[position % days.len()];
        changes.push(EntryChange { person: file.person.id.clone(), added: true, on });
        if position % 7 == 0 {
            changes.push(EntryChange { person: file.person.id.clone(), added: false, on });
        }
    }
    changes
}

fn check_lists(world: &World, engine: &Engine, book: &OrderBook, at: NaiveDate) {
    let changes = list_changes(world);
    for kind in KINDS {
        let list = List { id: "l".into(), kind: kind.into(), owner: "o".into(), created_on: at };
        let reference = entries(world, book, &list, &changes, at);
        let members = engine.list_members(&changes, at);
        let statuses =
            engine.list_statuses(book, kind, &members, at, &Budget::unlimited()).unwrap();
        assert_eq!(statuses.len(), reference.len());
        for (entry, expected) in statuses.entries().zip(&reference) {
            assert_eq!(engine.person_id(entry.person), expected.person);
            assert_eq!(entry.status, expected.status, "{} on {kind} list", expected.person);
            assert_eq!(statuses.reasons(&entry), expected.reasons, "{} reasons", expected.person);
        }
    }
}

fn check_rosters(world: &World, engine: &Engine, book: &OrderBook, as_of: NaiveDate) {
    for year in [2019, 2020, 2021, 2023] {
        for season in [muster_core::Season::Spring, muster_core::Season::Autumn] {
            let cycle = Cycle { year, season };
            let expected = roster(world, book, cycle, as_of);
            let actual = engine.roster(book, cycle, as_of, &Budget::unlimited()).unwrap();
            assert_eq!(actual, expected, "roster of {cycle} as of {as_of}");
        }
    }
}

fn check_select(world: &World, engine: &Engine, book: &OrderBook, text: &str, at: NaiveDate) {
    let expr = muster_cel::parse(text).expect("the condition parses");
    let plan = engine.compile(&expr);
    // Within the budget of a request, as a caller's selection is asked.
    let budget = Budget::new(muster_cel::REQUEST_BUDGET);
    let selected = engine.select(&plan, book, at, &budget).unwrap();
    let (holds_set, fails_set) = engine.select_with_failures(&plan, book, at, &budget).unwrap();
    assert_eq!(holds_set, selected);
    for (position, file) in world.people.iter().enumerate() {
        let view = PersonView::new(world, book, file, at);
        let environment = muster_cel::Environment { today: Some(at), person: Some(&view) };
        let mut reads = muster_cel::Reads::new();
        let result = muster_cel::evaluate(&expr, &environment, &mut reads);
        let holds = result == Ok(muster_cel::Value::Bool(true));
        let fails = !matches!(result, Ok(muster_cel::Value::Bool(_)));
        assert_eq!(
            selected.contains(position as u32),
            holds,
            "{} on {at}: `{text}`",
            file.person.id
        );
        assert_eq!(fails_set.contains(position as u32), fails, "{} fails `{text}`", file.person.id);
    }
}

/// The strength of every site, month by month, agrees; returns the
/// headcounts summed, to show that the question was not empty.
fn check_strength(world: &World, engine: &Engine, book: &OrderBook, as_of: NaiveDate) -> u32 {
    let months: Vec<NaiveDate> =
        (0..30).map(|month| day(2018, 1, 1) + chrono::Months::new(month * 3)).collect();
    let mut headcount = 0;
    for site in &world.sites {
        let expected = strength(world, book, &site.id, &months, as_of);
        let actual = engine.strength(book, &site.id, &months, as_of, &Budget::unlimited()).unwrap();
        assert_eq!(actual, expected, "strength of {} as of {as_of}", site.id);
        headcount += actual.iter().map(|month| month.headcount).sum::<u32>();
    }
    assert_eq!(
        engine.strength(book, "no-such-site", &months, as_of, &Budget::unlimited()).unwrap().len(),
        months.len()
    );
    headcount
}

/// Outcome rates by cohort agree with counting person by person, and the
/// organisations administering each person are those of his file.
fn check_stats(world: &World, engine: &Engine, book: &OrderBook, at: NaiveDate) {
    let population: roaring::RoaringBitmap =
        (0..engine.len() as u32).filter(|person| person % 2 == 0).collect();
    for by in ["home_province", "status", "specialty", "discharge_cycle", "branch"] {
        for kind in [EventKind::Awol, EventKind::Injured, EventKind::Posted] {
            let (from, to) = (day(2015, 1, 1), at);
            let question = CohortQuestion { by, kind, from, to, day: at };
            let actual = engine.stats(book, &population, &question, &Budget::unlimited()).unwrap();
            let mut expected: BTreeMap<String, Cohort> = BTreeMap::new();
            for person in &population {
                let file = &world.people[person as usize];
                let view = PersonView::new(world, book, file, at);
                let group = match muster_cel::Subject::field(&view, by) {
                    Some(muster_cel::Value::String(text)) => text,
                    _ => String::new(),
                };
                let cohort = expected.entry(group).or_default();
                cohort.population += 1;
                if file
                    .events_by(at)
                    .any(|event| event.kind == kind && from <= event.date && event.date <= to)
                {
                    cohort.with_event += 1;
                }
            }
            assert_eq!(actual, expected, "{kind:?} by {by} on {at}");
        }
    }
    for (position, file) in world.people.iter().enumerate().step_by(7) {
        let mut expected = std::collections::BTreeSet::new();
        for assignment in file.assignments.iter().filter(|assignment| assignment.from <= at) {
            for unit in world.tree.ancestors_or_self(&assignment.unit) {
                if let Some(administration) =
                    world.units.get(unit).and_then(|unit| unit.administration.clone())
                {
                    expected.insert(administration);
                }
            }
        }
        let expected: Vec<String> = expected.into_iter().collect();
        assert_eq!(engine.administrations(position as u32, at), expected, "{}", file.person.id);
    }
}

fn check_impact(world: &World, engine: &Engine, book: &OrderBook) {
    let changes = list_changes(world);
    let lists: Vec<List> = KINDS
        .iter()
        .map(|kind| List {
            id: format!("list-{kind}"),
            kind: (*kind).into(),
            owner: "o".into(),
            created_on: day(2018, 1, 1),
        })
        .collect();
    let with_entries: Vec<ListWithEntries<'_>> =
        lists.iter().map(|list| ListWithEntries { list, changes: &changes }).collect();
    let Some(last) = book.all().last() else {
        return;
    };
    let before = book.without(&last.order.id);
    let expected = impact(world, &before, book, &last.order.id, last.issued_on, &with_entries);
    let actual = engine
        .impact(&before, book, &last.order.id, last.issued_on, &with_entries, &Budget::unlimited())
        .unwrap();
    assert_eq!(actual, expected, "impact of {}", last.order.id);
}

/// Everyone's stratum (discharge cycle, site that day) agrees with his
/// file's, and so do the counts; returns how many were deployed.
fn check_strata(world: &World, engine: &Engine, at: NaiveDate) -> u64 {
    let strata = engine.strata(at);
    let mut expected: BTreeMap<(String, String), u64> = BTreeMap::new();
    let mut deployed = 0;
    for (position, file) in world.people.iter().enumerate() {
        let cycle = file
            .discharge_cycle(&world.calendar)
            .map(|cycle| cycle.to_string())
            .unwrap_or_default();
        let site = file
            .deployment_periods(&world.tree)
            .iter()
            .filter(|period| muster_core::model::covers(period.from, period.to, at))
            .map(|period| period.deployment.site.clone())
            .min()
            .unwrap_or_default();
        deployed += u64::from(!site.is_empty());
        let stratum = strata.of(position as u32).expect("a stratum");
        let (got_cycle, got_site, _) = &strata.strata[stratum];
        assert_eq!((got_cycle, got_site), (&cycle, &site), "{} on {at}", file.person.id);
        *expected.entry((cycle, site)).or_default() += 1;
    }
    let actual: BTreeMap<(String, String), u64> = strata
        .strata
        .iter()
        .map(|(cycle, site, people)| ((cycle.clone(), site.clone()), *people))
        .collect();
    assert_eq!(actual, expected, "on {at}");
    deployed
}

#[test]
fn the_reference_orders_are_decided_alike() {
    let world = world();
    let engine = engine();
    let book = books(&[]);
    for at in
        [day(2020, 9, 1), day(2020, 10, 1), day(2021, 1, 5), day(2023, 6, 1), day(2024, 1, 10)]
    {
        check_screenings(world, engine, &book, at);
        check_discharges(world, engine, &book, at);
        check_lists(world, engine, &book, at);
    }
    check_rosters(world, engine, &book, day(2024, 1, 10));
    check_impact(world, engine, &book);
    assert!(check_strength(world, engine, &book, day(2024, 1, 10)) > 0);
    check_stats(world, engine, &book, day(2024, 1, 10));
    let deployed: u64 = [day(2016, 3, 1), day(2020, 6, 1), day(2024, 1, 10)]
        .into_iter()
        .map(|at| check_strata(world, engine, at))
        .sum();
    assert!(deployed > 0, "someone is deployed on one of the days");
    // The orders bite on this army: some are excluded, some delayed.
    let everyone = engine.everyone();
    let screened = engine
        .screen_all(
            &book,
            "overseas-posting",
            day(2024, 1, 10),
            None,
            &everyone,
            &Budget::unlimited(),
        )
        .unwrap();
    assert!(screened.eligible.len() < everyone.len());
    let delay = Draft {
        issued: 30,
        until: None,
        recheck: true,
        overridden: false,
        supersedes_previous: false,
        rules: vec![common::DraftRule {
            effect: 2,
            kind: false,
            when: r#"person.had("injured") || person.deployed_at("gomdok")"#.into(),
            unless: None,
            until: 4,
        }],
    };
    let book = books(&[delay]);
    let discharges = engine.discharges(&book, day(2024, 1, 10), &Budget::unlimited()).unwrap();
    assert!((0..engine.len() as u32).any(|person| !discharges.delayed_by(person).is_empty()));
    check_discharges(world, engine, &book, day(2024, 1, 10));
    check_rosters(world, engine, &book, day(2024, 1, 10));
    check_strength(world, engine, &book, day(2020, 6, 1));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases()))]

    #[test]
    fn random_orders_are_decided_alike(
        drafts in prop::collection::vec(draft(), 2..8),
        at in 0u32..72,
        texts in prop::collection::vec(condition(), 4),
    ) {
        let world = world();
        let engine = engine();
        let book = books(&drafts);
        let at = day(2019, 1, 1) + chrono::Months::new(at);
        for text in &texts {
            for on in [at, day(2012, 5, 3), day(2024, 6, 1)] {
                check_select(world, engine, &book, text, on);
            }
        }
        check_screenings(world, engine, &book, at);
        check_screenings(world, engine, &book, day(2024, 6, 1));
        check_discharges(world, engine, &book, at);
        check_lists(world, engine, &book, at);
        check_rosters(world, engine, &book, at);
        check_impact(world, engine, &book);
        check_strength(world, engine, &book, at);
        check_stats(world, engine, &book, at);
        let _: &[Draft] = &drafts;
    }
}

/// Papers with periods, ends and revocations, added to the generated army:
/// `person.exempted(SCOPE)` holds for the same people in the engine as in
/// the reference, on days before, inside and after each period.
#[test]
fn papers_exempt_alike_between_their_days() {
    use muster_core::{Grounds, HeldPaper, Paper, Revocation};
    let mut records = common::records().clone();
    let mut ids: Vec<String> = records.people.iter().map(|person| person.id.clone()).collect();
    ids.sort();
    let scopes = ["redeployment", "delay", "overseas-posting"];
    for (index, person) in ids.iter().enumerate().filter(|(index, _)| index % 7 == 0) {
        let from = day(2019, 1, 1) + chrono::Days::new((index as u64 * 37) % 1500);
        let until = (index % 3 != 0).then(|| from + chrono::Days::new(100 + (index as u64 % 400)));
        let revoked = (index % 5 == 0).then(|| Revocation {
            on: from + chrono::Days::new(50 + index as u64 % 200),
            reason: "issued on false grounds".into(),
        });
        records.papers.push(HeldPaper {
            id: format!("X-{index:06}"),
            paper: Paper {
                document: format!("MED-{index}"),
                person: person.clone(),
                scope: scopes[index % 3].into(),
                grounds: Grounds::Medical,
                text: String::new(),
                issuer: "msc".into(),
                official: String::new(),
                issued_on: from,
                valid_from: from,
                valid_until: until,
            },
            revoked,
        });
    }
    let world = World::new(records);
    let engine = Engine::from_world(&world, &mut |_, _, _| {});
    let book = books(&[]);
    let mut held = 0;
    for scope in scopes {
        let text = format!("person.exempted(\"{scope}\")");
        for at in
            [day(2018, 6, 1), day(2019, 3, 1), day(2020, 7, 15), day(2021, 11, 30), day(2024, 6, 1)]
        {
            check_select(&world, &engine, &book, &text, at);
            let plan = engine.compile(&muster_cel::parse(&text).unwrap());
            held += engine.select(&plan, &book, at, &Budget::unlimited()).unwrap().len();
        }
    }
    assert!(held > 0, "the papers exempt someone on some day");
    // A revoked paper stops exempting from its revocation's day.
    let file = world
        .people
        .iter()
        .find(|file| file.papers.iter().any(|paper| paper.revoked.is_some()))
        .unwrap();
    let paper = file.papers.iter().find(|paper| paper.revoked.is_some()).unwrap();
    let revoked_on = paper.revoked.as_ref().unwrap().on;
    assert!(paper.holds_on(revoked_on.pred_opt().unwrap()) || revoked_on <= paper.paper.valid_from);
    assert!(!paper.holds_on(revoked_on));
}
