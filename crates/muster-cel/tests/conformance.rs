//! The peer conformance test: the cases of the CEL specification that stay
//! inside the language of orders (`shared/conformance/cel/subset.json`,
//! beside the project's root), each parsed and evaluated with no variables.
//!
//! Each case runs within the default budget of one evaluation, and spends
//! no more than the cost estimated for it.
//!
//! The cases are read where they are and never copied into the project.
//! Where the folder is absent the test says so and does not run.

use std::path::PathBuf;

use muster_cel::{
    Budget, Environment, Limits, Reads, Schema, Value, estimate_cost, evaluate_within, parse,
};
use serde::Deserialize;

/// Cases left out on purpose, each with the reason. The test fails if one of
/// them passes, so that the list stays true.
const LEFT_OUT: &[(&str, &str)] = &[];

#[derive(Debug, Deserialize)]
struct Case {
    file: String,
    section: String,
    name: String,
    expr: String,
    #[serde(default)]
    expect_value: Option<serde_json::Value>,
    #[serde(default)]
    expect_eval_error: Option<serde_json::Value>,
}

/// The case's full name, `file/section/name`, as the left-out list gives it.
fn full_name(case: &Case) -> String {
    format!("{}/{}/{}", case.file, case.section, case.name)
}

/// A value of the conformance files (`bool_value`, `int64_value`, ...) as a
/// value of the language, or a description of why it cannot be one.
fn expected_value(json: &serde_json::Value) -> Result<Value, String> {
    let object = json.as_object().ok_or_else(|| format!("not an object: {json}"))?;
    let (kind, inner) = object.iter().next().ok_or_else(|| "an empty value".to_owned())?;
    let text = || inner.as_str().ok_or_else(|| format!("not a string: {inner}"));
    match kind.as_str() {
        "bool_value" => match inner {
            serde_json::Value::Bool(value) => Ok(Value::Bool(*value)),
            _ => text()?.parse().map(Value::Bool).map_err(|error| error.to_string()),
        },
        "int64_value" => match inner {
            serde_json::Value::Number(number) => {
                number.as_i64().map(Value::Int).ok_or_else(|| format!("not an int: {number}"))
            }
            _ => text()?.parse().map(Value::Int).map_err(|error| error.to_string()),
        },
        "string_value" => Ok(Value::String(text()?.to_owned())),
        "null_value" => Ok(Value::Null),
        "list_value" => {
            let values = match inner.get("values") {
                None => Vec::new(),
                Some(values) => values
                    .as_array()
                    .ok_or_else(|| format!("not a list: {values}"))?
                    .iter()
                    .map(expected_value)
                    .collect::<Result<_, _>>()?,
            };
            Ok(Value::List(values))
        }
        other => Err(format!("a value of kind `{other}`, which orders do not have")),
    }
}

/// Runs one case: `Ok` when it passes, otherwise what went wrong.
///
/// Each is evaluated within the default budget of one evaluation, and
/// must not spend more than the cost estimated for it.
fn run(case: &Case) -> Result<(), String> {
    let expr = parse(&case.expr).map_err(|error| format!("does not parse: {error}"))?;
    let budget = Budget::unlimited();
    let result = evaluate_within(
        &expr,
        &Environment::default(),
        &mut Reads::new(),
        Limits::request(&budget),
    );
    let estimate = estimate_cost(&expr, &Schema::conditions(Vec::new(), Vec::new()));
    if budget.spent() > estimate {
        return Err(format!("spent {} cost units, estimated {estimate}", budget.spent()));
    }
    match (&case.expect_value, &case.expect_eval_error, result) {
        (Some(expected), None, Ok(value)) => {
            let expected = expected_value(expected)?;
            if value == expected {
                Ok(())
            } else {
                Err(format!("gives {value}, expected {expected}"))
            }
        }
        (Some(_), None, Err(error)) => Err(format!("fails: {error}")),
        (None, Some(_), Err(_)) => Ok(()),
        (None, Some(_), Ok(value)) => Err(format!("gives {value}, expected an error")),
        _ => Err("the case expects neither a value nor an error".to_owned()),
    }
}

#[test]
fn conformance_subset() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/conformance/cel/subset.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|error| {
        panic!(
            "the CEL conformance cases must sit beside the project, at {}: {error}",
            path.display()
        )
    });
    let cases: Vec<Case> = serde_json::from_str(&text).expect("subset.json is a list of cases");

    let mut passed = 0;
    let mut left_out = 0;
    let mut problems = Vec::new();
    for case in &cases {
        let name = full_name(case);
        let result = run(case);
        match (LEFT_OUT.iter().find(|(left_out, _)| *left_out == name), result) {
            (None, Ok(())) => passed += 1,
            (None, Err(error)) => problems.push(format!("{name}: `{}` {error}", case.expr)),
            (Some(_), Err(_)) => left_out += 1,
            (Some((_, reason)), Ok(())) => problems
                .push(format!("{name}: passes, but is left out ({reason}); take it off the list")),
        }
    }
    for (name, _) in LEFT_OUT {
        if !cases.iter().any(|case| full_name(case) == *name) {
            problems.push(format!("{name}: left out, but there is no such case"));
        }
    }
    println!("CEL conformance: {passed} passed, {left_out} left out, of {}", cases.len());
    assert!(problems.is_empty(), "{} cases went wrong:\n{}", problems.len(), problems.join("\n"));
    assert!(passed * 100 >= cases.len() * 95, "fewer than 95% of the cases pass");
}
