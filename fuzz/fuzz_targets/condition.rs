//! Conditions: the input, when it is UTF-8, is parsed with
//! `muster_cel::parse`, printed back (which must parse to the same tree),
//! checked with `check_condition` against the schema of orders and the
//! reference scenario's ids, its cost estimated with `estimate_cost`, and
//! evaluated with `evaluate_within` for three people of the reference
//! scenario (one serving, one who never enlisted, one discharged and posted
//! abroad) on 2024-01-10, within a small budget. A condition the checker
//! accepts must never spend more than its estimate; nothing may panic.

#![no_main]

use libfuzzer_sys::fuzz_target;
use muster_cel::{
    Budget, CheckOptions, Environment, EvalErrorKind, Limits, Reads, Source, estimate_cost,
    evaluate_within,
};
use muster_fuzz::{reference, today};
use muster_orders::PersonView;
use muster_orders::check::Known;

/// The most one evaluation may spend here: above the checker's limit, so
/// that a condition it accepts is never cut short, and small enough that
/// a refused one is stopped quickly.
const EVALUATION_LIMIT: u64 = 2 * muster_cel::COST_LIMIT;

/// The people the conditions are evaluated for.
const SUBJECTS: &[&str] = &["p001", "p005", "p004"];

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(expr) = muster_cel::parse(text) else {
        return;
    };
    let printed = Source(&expr).to_string();
    match muster_cel::parse(&printed) {
        Ok(again) => assert_eq!(
            again.to_string(),
            expr.to_string(),
            "`{text}` printed as `{printed}` parses to another tree"
        ),
        Err(error) => panic!("`{text}` printed as `{printed}` does not parse: {}", error.message),
    }

    let reference = reference();
    let schema = muster_orders::person_schema();
    let known = Known { world: &reference.world, book: &reference.book, order: "" };
    let accepted =
        muster_cel::check_condition(&expr, &schema, &known, &CheckOptions::default()).is_ok();
    let estimate = estimate_cost(&expr, &schema);
    if accepted {
        assert!(
            estimate <= muster_cel::COST_LIMIT,
            "`{text}` accepted at an estimate of {estimate}"
        );
    }

    for id in SUBJECTS {
        let file =
            reference.world.person(id).unwrap_or_else(|| unreachable!("{id} is in the fixture"));
        let view = PersonView::new(&reference.world, &reference.book, file, today());
        let environment = Environment { today: Some(today()), person: Some(&view) };
        let budget = Budget::unlimited();
        let limits = Limits { evaluation: EVALUATION_LIMIT, request: Some(&budget) };
        let result = evaluate_within(&expr, &environment, &mut Reads::new(), limits);
        if accepted {
            assert!(
                budget.spent() <= estimate,
                "`{text}` for {id} spent {} cost units, estimated {estimate}: {result:?}",
                budget.spent()
            );
            if let Err(error) = &result {
                assert!(
                    !matches!(error.kind, EvalErrorKind::BudgetExceeded { .. }),
                    "`{text}` accepted, then stopped by its budget for {id}"
                );
            }
        }
    }
});
