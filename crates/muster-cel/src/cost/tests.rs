//! The cost model: the estimates of a table of conditions, the runtime
//! limits of one evaluation and of a request, and the property that what
//! an evaluation spends never exceeds its estimate.

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use expect_test::expect;
use proptest::prelude::*;

use super::*;
use crate::budget::{Budget, Limits, Stop};
use crate::diagnostic::Span;
use crate::eval::{Environment, EvalError, EvalErrorKind, Reads, Subject, evaluate_within};
use crate::parse::parse;
use crate::syntax::{Name, UnaryOperator};
use crate::test_schema::{TEXT_LENGTH, person_schema};

/// The condition of the report: four macros nested over a list of 35.
fn attack() -> String {
    let list = (1..=35).map(|number| number.to_string()).collect::<Vec<_>>().join(",");
    format!(
        "[{list}].all(a, [{list}].all(b, [{list}].exists(c, [{list}].exists(d, \
         a+b+c+d == 0))))"
    )
}

/// A person whose text fields are `TEXT_LENGTH` bytes long, or longer.
struct Person {
    name: String,
}

impl Person {
    fn within_bounds() -> Person {
        Person { name: "K".repeat(TEXT_LENGTH as usize) }
    }
}

impl Subject for Person {
    fn field(&self, name: &str) -> Option<Value> {
        let day = |text: &str| NaiveDate::parse_from_str(text, "%Y-%m-%d").ok();
        Some(match name {
            "name" => Value::String(self.name.clone()),
            "id" | "home_province" | "home_county" | "rank" | "specialty" | "discharge_cycle" => {
                Value::String("x".repeat(TEXT_LENGTH as usize))
            }
            "sex" => "F".into(),
            "branch" => "strategic".into(),
            "status" => "discharged".into(),
            "born" => day("1990-05-10").into(),
            "enlisted" | "term_end" => Value::Null,
            "age" => Value::Int(34),
            _ => return None,
        })
    }

    fn call(&self, method: &str, argument: &Value) -> Option<Result<Value, EvalError>> {
        let holds = matches!(argument, Value::String(text) if text.len() % 2 == 0);
        (method != "unknown").then_some(Ok(Value::Bool(holds)))
    }
}

fn today() -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(2024, 6, 1)
}

/// Evaluates with no limit of its own, and gives what it spent.
fn spent(expr: &Expr, person: &Person) -> (Result<Value, EvalError>, u64) {
    let budget = Budget::unlimited();
    let environment = Environment { today: today(), person: Some(person) };
    let limits = Limits { evaluation: u64::MAX, request: Some(&budget) };
    let result = evaluate_within(expr, &environment, &mut Reads::new(), limits);
    (result, budget.spent())
}

#[test]
fn estimates_of_conditions() {
    let schema = person_schema();
    let person = Person::within_bounds();
    let mut actual = String::new();
    for case in [
        r#"person.home_province == "Chagang""#,
        r#"person.served_in("sgc") && person.status != "killed""#,
        r#"person.name.startsWith("K") || size(person.name) > 3"#,
        r#"["sgc", "c3"].exists(u, person.served_in(u))"#,
        "[1, 2, 3].map(x, x * 2).filter(y, y > 2).all(z, z < 10)",
        "[1, 2].exists(a, [1, 2].exists(b, a + b == 0))",
        "[[1, 2], [3]].exists(l, l == [3])",
        r#"person.name + person.name == "x""#,
        &attack(),
    ] {
        let expr = parse(case).unwrap();
        let estimate = estimate_cost(&expr, &schema);
        let (_, runtime) = spent(&expr, &person);
        let shown = if case.len() > 60 { format!("{}...", &case[..57]) } else { case.to_owned() };
        writeln!(actual, "{shown}\n  estimate {estimate}, spent {runtime}").unwrap();
    }
    expect![[r#"
        person.home_province == "Chagang"
          estimate 19, spent 19
        person.served_in("sgc") && person.status != "killed"
          estimate 26, spent 17
        person.name.startsWith("K") || size(person.name) > 3
          estimate 46, spent 20
        ["sgc", "c3"].exists(u, person.served_in(u))
          estimate 42, spent 42
        [1, 2, 3].map(x, x * 2).filter(y, y > 2).all(z, z < 10)
          estimate 70, spent 62
        [1, 2].exists(a, [1, 2].exists(b, a + b == 0))
          estimate 60, spent 60
        [[1, 2], [3]].exists(l, l == [3])
          estimate 33, spent 31
        person.name + person.name == "x"
          estimate 48, spent 41
        [1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22...
          estimate 30233177, spent 24755
    "#]]
    .assert_eq(&actual);
}

#[test]
fn an_evaluation_stops_when_its_budget_is_spent() {
    let expr = parse(&attack()).unwrap();
    let environment = Environment::default();
    let result = evaluate_within(&expr, &environment, &mut Reads::new(), Limits::evaluation(1000));
    let error = result.unwrap_err();
    assert_eq!(error.kind, EvalErrorKind::BudgetExceeded { limit: 1000 });
    assert_eq!(error.to_string(), "evaluation exceeded its budget of 1000 cost units");
    assert_eq!(error.stop(), None, "one evaluation's budget does not stop the request");
    // Within a budget that covers it, the same evaluation succeeds.
    let result =
        evaluate_within(&expr, &environment, &mut Reads::new(), Limits::evaluation(30_000));
    assert_eq!(result, Ok(Value::Bool(false)));
}

#[test]
fn a_checked_condition_stops_at_runtime_on_text_longer_than_the_schema_bounds() {
    let schema = person_schema();
    let text = r#"["a", "b", "c", "d"].exists(part, person.name.contains(part))"#;
    let expr = parse(text).unwrap();
    let options = crate::check::CheckOptions::default();
    assert_eq!(
        crate::check::check_condition(&expr, &schema, &crate::check::EveryIdKnown, &options),
        Ok(())
    );
    assert!(estimate_cost(&expr, &schema) < 200);
    // A name of a megabyte is far beyond the schema's bound.
    let person = Person { name: "x".repeat(1 << 20) };
    let environment = Environment { today: today(), person: Some(&person) };
    let result = evaluate_within(&expr, &environment, &mut Reads::new(), Limits::default());
    assert_eq!(
        result.unwrap_err().kind,
        EvalErrorKind::BudgetExceeded { limit: EVALUATION_BUDGET }
    );
    let person = Person::within_bounds();
    let environment = Environment { today: today(), person: Some(&person) };
    let result = evaluate_within(&expr, &environment, &mut Reads::new(), Limits::default());
    assert_eq!(result, Ok(Value::Bool(false)));
}

#[test]
fn a_request_budget_stops_many_evaluations() {
    let expr = parse(r#"person.name.startsWith("K") && person.age > 30"#).unwrap();
    let person = Person::within_bounds();
    let environment = Environment { today: today(), person: Some(&person) };
    let budget = Budget::new(200_000);
    let limits = Limits::request(&budget);
    let mut held = 0u32;
    let mut stopped = 0u32;
    for _ in 0..100_000 {
        match evaluate_within(&expr, &environment, &mut Reads::new(), limits) {
            Ok(Value::Bool(true)) => held += 1,
            Err(error) if error.stop() == Some(Stop::Spent { limit: 200_000 }) => stopped += 1,
            other => panic!("unexpected {other:?}"),
        }
    }
    // Each evaluation costs the same: the budget covers a whole number of
    // them, the next one spends it and fails, and the rest spend nothing.
    let (_, each) = spent(&expr, &person);
    assert_eq!(each, 26);
    assert_eq!(u64::from(held), 200_000 / each);
    assert_eq!(u64::from(stopped), 100_000 - 200_000 / each);
    assert_eq!(budget.check(), Err(Stop::Spent { limit: 200_000 }), "a spent budget stays spent");
    assert_eq!(budget.spent(), (200_000 / each + 1) * each);
}

#[test]
fn a_request_budget_shared_by_threads_stops_them_all() {
    let expr = parse("[1, 2, 3].exists(x, x == 4)").unwrap();
    let budget = Budget::new(100_000);
    let evaluated = std::sync::atomic::AtomicU64::new(0);
    std::thread::scope(|scope| {
        for _ in 0..2 {
            scope.spawn(|| {
                for _ in 0..50_000 {
                    let result = evaluate_within(
                        &expr,
                        &Environment::default(),
                        &mut Reads::new(),
                        Limits::request(&budget),
                    );
                    if result.is_ok() {
                        evaluated.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    }
                }
            });
        }
    });
    let evaluated = evaluated.into_inner();
    assert!(evaluated < 100_000 / 20, "{evaluated} evaluations within a budget of 100,000");
    assert!(evaluated > 100_000 / 40, "{evaluated} evaluations within a budget of 100,000");
    assert_eq!(budget.check(), Err(Stop::Spent { limit: 100_000 }));
}

#[test]
fn cancelling_a_request_stops_its_evaluations() {
    let expr = parse("[1, 2, 3].exists(x, x == 4)").unwrap();
    let budget = Budget::unlimited();
    let mut results = Vec::new();
    for index in 0..100_000 {
        if index == 500 {
            budget.cancel();
        }
        let result = evaluate_within(
            &expr,
            &Environment::default(),
            &mut Reads::new(),
            Limits::request(&budget),
        );
        results.push(result.map_err(|error| error.stop()));
    }
    assert!(results[..500].iter().all(|result| *result == Ok(Value::Bool(false))));
    assert!(results[500..].iter().all(|result| *result == Err(Some(Stop::Cancelled))));
    assert_eq!(
        results[500].as_ref().unwrap_err().map(|stop| stop.to_string()).as_deref(),
        Some("the request was cancelled")
    );
}

#[test]
fn cancelling_from_another_thread_stops_a_long_evaluation() {
    // Unchecked, and far dearer than any limit: only the cancellation can
    // stop it early.
    let expr = parse(&attack().replace("all(", "exists(")).unwrap();
    let budget = Budget::unlimited();
    let limits = Limits { evaluation: u64::MAX, request: Some(&budget) };
    let started = Instant::now();
    let result = std::thread::scope(|scope| {
        scope.spawn(|| {
            std::thread::sleep(Duration::from_millis(20));
            budget.cancel();
        });
        evaluate_within(&expr, &Environment::default(), &mut Reads::new(), limits)
    });
    assert_eq!(result.unwrap_err().stop(), Some(Stop::Cancelled));
    assert!(budget.spent() < 18_000_000, "stopped after {} units", budget.spent());
    assert!(started.elapsed() < Duration::from_secs(60));
}

#[test]
fn a_request_stops_at_its_deadline() {
    let expr = parse("[1, 2, 3].exists(x, x == 4)").unwrap();
    let budget = Budget::unlimited().with_deadline(Instant::now() + Duration::from_millis(50));
    let environment = Environment::default();
    let mut evaluations = 0u64;
    let stop = loop {
        match evaluate_within(&expr, &environment, &mut Reads::new(), Limits::request(&budget)) {
            Ok(_) => evaluations += 1,
            Err(error) => break error.stop(),
        }
    };
    assert_eq!(stop, Some(Stop::Deadline));
    assert!(evaluations > 0);
}

fn at(kind: ExprKind) -> Expr {
    Expr { kind, span: Span::new(0, 0) }
}

fn name(text: &str) -> Name {
    Name { name: text.to_owned(), span: Span::new(0, 0) }
}

fn leaf() -> impl Strategy<Value = Expr> {
    let fields = vec!["name", "home_county", "sex", "status", "age", "born", "enlisted", "nope"];
    prop_oneof![
        Just(Literal::Null),
        any::<bool>().prop_map(Literal::Bool),
        (-3i64..4).prop_map(Literal::Int),
        "[a-z]{0,24}".prop_map(Literal::String),
    ]
    .prop_map(|literal| at(ExprKind::Literal(literal)))
    .boxed()
    .prop_union(
        prop::sample::select(vec!["x", "y", "today", "person"])
            .prop_map(|identifier| at(ExprKind::Identifier(identifier.to_owned())))
            .boxed(),
    )
    .or(prop::sample::select(fields)
        .prop_map(|field| {
            at(ExprKind::Member {
                target: Box::new(at(ExprKind::Identifier("person".to_owned()))),
                field: name(field),
            })
        })
        .boxed())
}

fn expr() -> impl Strategy<Value = Expr> {
    let binary = vec![
        BinaryOperator::Or,
        BinaryOperator::And,
        BinaryOperator::Equal,
        BinaryOperator::NotEqual,
        BinaryOperator::Less,
        BinaryOperator::GreaterOrEqual,
        BinaryOperator::In,
        BinaryOperator::Add,
        BinaryOperator::Add,
        BinaryOperator::Subtract,
        BinaryOperator::Multiply,
        BinaryOperator::Remainder,
    ];
    let macros = vec![
        MacroKind::All,
        MacroKind::Exists,
        MacroKind::ExistsOne,
        MacroKind::Filter,
        MacroKind::Map,
    ];
    leaf().prop_recursive(5, 40, 4, move |inner| {
        let function =
            prop::sample::select(vec!["size", "date", "startsWith", "endsWith", "contains"]);
        let method = prop::sample::select(vec!["served_in", "had", "unknown"]);
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4)
                .prop_map(|elements| at(ExprKind::List(elements))),
            (prop::sample::select(vec![UnaryOperator::Not, UnaryOperator::Negate]), inner.clone())
                .prop_map(|(operator, operand)| at(ExprKind::Unary {
                    operator,
                    operand: Box::new(operand)
                })),
            (prop::sample::select(binary.clone()), inner.clone(), inner.clone()).prop_map(
                |(operator, left, right)| at(ExprKind::Binary {
                    operator,
                    left: Box::new(left),
                    right: Box::new(right)
                })
            ),
            (inner.clone(), inner.clone(), inner.clone()).prop_map(
                |(condition, then_branch, else_branch)| {
                    at(ExprKind::Conditional {
                        condition: Box::new(condition),
                        then_branch: Box::new(then_branch),
                        else_branch: Box::new(else_branch),
                    })
                }
            ),
            (inner.clone(), 0i64..3).prop_map(|(target, index)| at(ExprKind::Index {
                target: Box::new(target),
                index: Box::new(at(ExprKind::Literal(Literal::Int(index))))
            })),
            (prop::option::of(inner.clone()), function, prop::collection::vec(inner.clone(), 0..2))
                .prop_map(|(target, function, arguments)| at(ExprKind::Call {
                    target: target.map(Box::new),
                    function: name(function),
                    arguments
                })),
            (method, inner.clone()).prop_map(|(method, argument)| at(ExprKind::Call {
                target: Some(Box::new(at(ExprKind::Identifier("person".to_owned())))),
                function: name(method),
                arguments: vec![argument],
            })),
            (
                prop::sample::select(macros.clone()),
                inner.clone(),
                prop::sample::select(vec!["x", "y", "person"]),
                prop::option::of(inner.clone()),
                inner
            )
                .prop_map(|(kind, target, variable, filter, body)| at(
                    ExprKind::Macro {
                        kind,
                        target: Box::new(target),
                        variable: name(variable),
                        filter: if kind == MacroKind::Map { filter.map(Box::new) } else { None },
                        body: Box::new(body),
                    }
                )),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn an_evaluation_never_spends_more_than_its_estimate(expr in expr()) {
        let estimate = estimate_cost(&expr, &person_schema());
        prop_assume!(estimate < 10_000_000);
        let (result, runtime) = spent(&expr, &Person::within_bounds());
        prop_assert!(
            runtime <= estimate,
            "`{}` spent {} units, estimated {}: {:?}",
            crate::print::Source(&expr),
            runtime,
            estimate,
            result
        );
    }
}
