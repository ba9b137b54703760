//! The request budget in the engine: a question whose budget is spent or
//! cancelled fails as a whole, rather than answer in part, and leaves no
//! trace in the outcomes the engine keeps for later questions.

#![expect(clippy::unwrap_used, reason = "a test fails loudly")]

mod common;

use std::time::{Duration, Instant};

use muster_cel::{Budget, Stop};
use muster_core::{Cycle, Season};
use muster_engine::EngineError;
use muster_orders::PersonView;

use common::{books, day, engine, world};

/// A condition the engine evaluates person by person: no index covers a
/// method called with a macro's variable.
const SCANNED: &str = r#"["sgc", "c3", "c1-1"].exists(u, person.served_in(u))"#;

/// Who the reference selects.
fn reference(text: &str, on: chrono::NaiveDate) -> Vec<u32> {
    let world = world();
    let book = books(&[]);
    let expr = muster_cel::parse(text).unwrap();
    world
        .people
        .iter()
        .enumerate()
        .filter(|(_, file)| {
            let view = PersonView::new(world, &book, file, on);
            let environment = muster_cel::Environment { today: Some(on), person: Some(&view) };
            muster_cel::evaluate(&expr, &environment, &mut muster_cel::Reads::new())
                == Ok(muster_cel::Value::Bool(true))
        })
        .map(|(position, _)| position as u32)
        .collect()
}

#[test]
fn a_spent_budget_fails_the_selection() {
    let engine = engine();
    let book = books(&[]);
    let on = day(2024, 1, 10);
    let plan = engine.compile(&muster_cel::parse(SCANNED).unwrap());
    assert!(plan.scans());
    // A budget that covers a few people, not the army.
    let budget = Budget::new(2_000);
    assert_eq!(
        engine.select(&plan, &book, on, &budget),
        Err(EngineError::Stopped(Stop::Spent { limit: 2_000 }))
    );
    assert_eq!(
        EngineError::Stopped(Stop::Spent { limit: 2_000 }).to_string(),
        "the question was stopped: the request exceeded its budget of 2000 cost units"
    );
    // Within a budget that covers it, the engine selects as the reference.
    let budget = Budget::new(muster_cel::REQUEST_BUDGET);
    let selected = engine.select(&plan, &book, on, &budget).unwrap();
    assert_eq!(selected.iter().collect::<Vec<_>>(), reference(SCANNED, on));
    assert!(budget.spent() > 2_000, "it spent {}", budget.spent());
}

#[test]
fn a_cancelled_budget_fails_every_question() {
    let engine = engine();
    let book = books(&[]);
    let on = day(2024, 1, 10);
    let budget = Budget::unlimited();
    budget.cancel();
    let cancelled = Err(EngineError::Stopped(Stop::Cancelled));
    let plan = engine.compile(&muster_cel::parse(SCANNED).unwrap());
    assert_eq!(engine.select(&plan, &book, on, &budget), cancelled);
    let everyone = engine.everyone();
    let screened = engine.screen_all(&book, "overseas-posting", on, None, &everyone, &budget);
    assert_eq!(screened.err(), Some(EngineError::Stopped(Stop::Cancelled)));
    assert_eq!(
        engine.discharges(&book, on, &budget).err(),
        Some(EngineError::Stopped(Stop::Cancelled))
    );
    let cycle = Cycle { year: 2020, season: Season::Autumn };
    assert_eq!(
        engine.roster(&book, cycle, on, &budget),
        Err(EngineError::Stopped(Stop::Cancelled))
    );
    let members = engine.list_members(&[], on);
    let statuses = engine.list_statuses(&book, "overseas-posting", &members, on, &budget);
    assert_eq!(statuses.err(), Some(EngineError::Stopped(Stop::Cancelled)));
}

#[test]
fn a_stopped_question_leaves_no_trace_in_later_answers() {
    let engine = engine();
    let book = books(&[]);
    let on = day(2024, 1, 10);
    let everyone = engine.everyone();
    // The first question of these rules is stopped before any evaluation:
    // every outcome it computed is a failure, and none may be kept.
    let stopped = Budget::unlimited();
    stopped.cancel();
    for kind in ["overseas-posting", "redeployment"] {
        assert!(engine.screen_all(&book, kind, on, None, &everyone, &stopped).is_err());
    }
    assert!(engine.discharges(&book, on, &stopped).is_err());
    let screened = |kind: &str| {
        engine.screen_all(&book, kind, on, None, &everyone, &Budget::unlimited()).unwrap()
    };
    for kind in ["overseas-posting", "redeployment"] {
        let screenings = screened(kind);
        let excluded = world()
            .people
            .iter()
            .enumerate()
            .filter(|(_, file)| {
                !muster_orders::screen(world(), &book, file, kind, on, None).eligible
            })
            .map(|(position, _)| position as u32)
            .collect::<Vec<_>>();
        let engine_excluded = (&everyone - &screenings.eligible).iter().collect::<Vec<_>>();
        assert_eq!(engine_excluded, excluded, "{kind}");
    }
    let screenings = screened("overseas-posting");
    assert!(screenings.eligible.len() < everyone.len(), "the orders bite");
}

#[test]
fn a_budget_stops_a_question_cancelled_while_it_runs() {
    let engine = engine();
    let book = books(&[]);
    let on = day(2024, 1, 10);
    // A condition dearer than the checker allows, evaluated person by
    // person: only the request can stop it.
    let list = (1..=30).map(|number| number.to_string()).collect::<Vec<_>>().join(",");
    let text = format!(
        "[{list}].exists(a, [{list}].exists(b, [{list}].exists(c, \
         a + b + c == person.age && person.served_in(\"sgc\"))))"
    );
    let plan = engine.compile(&muster_cel::parse(&text).unwrap());
    assert!(plan.scans());
    let budget = Budget::unlimited();
    let started = Instant::now();
    let result = std::thread::scope(|scope| {
        scope.spawn(|| {
            std::thread::sleep(Duration::from_millis(10));
            budget.cancel();
        });
        engine.select(&plan, &book, on, &budget)
    });
    assert_eq!(result, Err(EngineError::Stopped(Stop::Cancelled)));
    assert!(started.elapsed() < Duration::from_secs(60));
}

#[test]
fn a_budget_stops_a_question_at_its_deadline() {
    let engine = engine();
    let book = books(&[]);
    let plan = engine.compile(&muster_cel::parse(SCANNED).unwrap());
    let budget = Budget::unlimited().with_deadline(Instant::now());
    assert_eq!(
        engine.select(&plan, &book, day(2024, 1, 10), &budget),
        Err(EngineError::Stopped(Stop::Deadline))
    );
}
