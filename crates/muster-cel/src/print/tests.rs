//! The printer: a table of conditions written back, and the property that
//! any tree, printed, parses back to itself.

use std::fmt::Write as _;

use expect_test::expect;
use proptest::prelude::*;

use super::*;
use crate::diagnostic::Span;
use crate::parse::parse;
use crate::syntax::{MacroKind, Name};

#[test]
fn conditions_are_written_as_a_person_would() {
    let cases = [
        r#"person.home_province == "Chagang""#,
        "(person.age > 30)",
        "a || b && c",
        "(a || b) && c",
        "a - (b - c)",
        "(a - b) - c",
        "-(1)",
        "-1",
        "- x",
        "!(a && b)",
        "(a ? b : c) ? d : e",
        "a ? b : c ? d : e",
        "(-1)[0]",
        "[1, 2].map(x, x > 1, x * 2)",
        "['a', \"b\\n\"].exists(unit, person.served_in(unit))",
        "size(person.name) % 2 in [0]",
    ];
    let mut actual = String::new();
    for case in cases {
        let expr = parse(case).unwrap();
        writeln!(actual, "{case}\n  {}", Source(&expr)).unwrap();
    }
    expect![[r#"
        person.home_province == "Chagang"
          person.home_province == "Chagang"
        (person.age > 30)
          person.age > 30
        a || b && c
          a || b && c
        (a || b) && c
          (a || b) && c
        a - (b - c)
          a - (b - c)
        (a - b) - c
          a - b - c
        -(1)
          -(1)
        -1
          -1
        - x
          -x
        !(a && b)
          !(a && b)
        (a ? b : c) ? d : e
          (a ? b : c) ? d : e
        a ? b : c ? d : e
          a ? b : c ? d : e
        (-1)[0]
          (-1)[0]
        [1, 2].map(x, x > 1, x * 2)
          [1, 2].map(x, x > 1, x * 2)
        ['a', "b\n"].exists(unit, person.served_in(unit))
          ["a", "b\n"].exists(unit, person.served_in(unit))
        size(person.name) % 2 in [0]
          size(person.name) % 2 in [0]
    "#]]
    .assert_eq(&actual);
}

fn at(kind: ExprKind) -> Expr {
    Expr { kind, span: Span::new(0, 0) }
}

fn name(text: &str) -> Name {
    Name { name: text.to_owned(), span: Span::new(0, 0) }
}

fn leaf() -> impl Strategy<Value = Expr> {
    prop_oneof![
        Just(Literal::Null),
        any::<bool>().prop_map(Literal::Bool),
        any::<i64>().prop_map(Literal::Int),
        any::<String>().prop_map(Literal::String),
    ]
    .prop_map(|literal| at(ExprKind::Literal(literal)))
    .boxed()
    .prop_union(
        prop::sample::select(vec!["person", "today", "x", "unit"])
            .prop_map(|identifier| at(ExprKind::Identifier(identifier.to_owned())))
            .boxed(),
    )
}

const BINARY: [BinaryOperator; 14] = [
    BinaryOperator::Or,
    BinaryOperator::And,
    BinaryOperator::Equal,
    BinaryOperator::NotEqual,
    BinaryOperator::Less,
    BinaryOperator::LessOrEqual,
    BinaryOperator::Greater,
    BinaryOperator::GreaterOrEqual,
    BinaryOperator::In,
    BinaryOperator::Add,
    BinaryOperator::Subtract,
    BinaryOperator::Multiply,
    BinaryOperator::Divide,
    BinaryOperator::Remainder,
];

const MACROS: [MacroKind; 5] =
    [MacroKind::All, MacroKind::Exists, MacroKind::ExistsOne, MacroKind::Filter, MacroKind::Map];

fn expr() -> impl Strategy<Value = Expr> {
    leaf().prop_recursive(6, 48, 3, |inner| {
        let field = prop::sample::select(vec!["home_province", "age", "name"]);
        let function = prop::sample::select(vec!["size", "date", "served_in", "startsWith"]);
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..3)
                .prop_map(|elements| at(ExprKind::List(elements))),
            (prop::sample::select(vec![UnaryOperator::Not, UnaryOperator::Negate]), inner.clone())
                .prop_map(|(operator, operand)| at(ExprKind::Unary {
                    operator,
                    operand: Box::new(operand)
                })),
            (prop::sample::select(BINARY.to_vec()), inner.clone(), inner.clone()).prop_map(
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
            (inner.clone(), field).prop_map(|(target, field)| at(ExprKind::Member {
                target: Box::new(target),
                field: name(field)
            })),
            (inner.clone(), inner.clone()).prop_map(|(target, index)| at(ExprKind::Index {
                target: Box::new(target),
                index: Box::new(index)
            })),
            (prop::option::of(inner.clone()), function, prop::collection::vec(inner.clone(), 0..3))
                .prop_map(|(target, function, arguments)| at(ExprKind::Call {
                    target: target.map(Box::new),
                    function: name(function),
                    arguments
                })),
            (
                prop::sample::select(MACROS.to_vec()),
                inner.clone(),
                prop::option::of(inner.clone()),
                inner
            )
                .prop_map(|(kind, target, filter, body)| at(ExprKind::Macro {
                    kind,
                    target: Box::new(target),
                    variable: name("unit"),
                    filter: if kind == MacroKind::Map { filter.map(Box::new) } else { None },
                    body: Box::new(body),
                })),
        ]
    })
}

proptest! {
    #[test]
    fn a_printed_expression_parses_back_to_the_same_tree(expr in expr()) {
        let text = Source(&expr).to_string();
        let parsed = parse(&text).map_err(|error| {
            TestCaseError::fail(format!("`{text}` does not parse: {}", error.message))
        })?;
        // The trees compare as S-expressions: the spans differ.
        prop_assert_eq!(parsed.to_string(), expr.to_string(), "printed as `{}`", text);
    }
}
