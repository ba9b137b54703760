//! The condition language of orders: a subset of CEL, the Common Expression
//! Language, with no IO.
//!
//! An order's `when` and `unless` are parsed (`parse`), type-checked against
//! a schema of `person` and the ids the store holds (`check_condition`), and
//! evaluated for a person on a day (`evaluate`), which records every field
//! and method of `person` it read (`Reads`) so that an explanation can show
//! them. The schema is data the caller gives: the language knows no domain.
//!
//! Evaluation is bounded: the checker refuses a condition whose estimated
//! worst-case cost is above a limit (`COST_LIMIT`), and the evaluator stops
//! when one evaluation, or the request it is part of (`Budget`), has spent
//! its budget (`evaluate_within`, `Limits`).
//!
//! - `syntax.rs`: the syntax tree, each node with its byte span.
//! - `lexer.rs` and `parse.rs`: text to tree, with CEL's literals and
//!   precedence; what orders do not support is an error that says so.
//! - `check.rs`: types, the schema types, and the checker.
//! - `cost.rs`: the cost model and the static estimate.
//! - `budget.rs`: the budgets of an evaluation and of a request.
//! - `value.rs` and `eval.rs`: values and the reference interpreter.
//! - `print.rs`: a tree written back as condition text.
//! - `diagnostic.rs`: spans and the diagnostics of parsing and checking.
//!
//! Nothing here reads files or a store, and nothing reads the clock but a
//! request budget's deadline, which can stop an evaluation and never
//! changes its value: the caller gives the day, the person (`Subject`) and
//! the known ids (`KnownIds`).

pub mod budget;
pub mod check;
pub mod cost;
pub mod diagnostic;
pub mod eval;
mod lexer;
pub mod parse;
pub mod print;
mod suggest;
pub mod syntax;
#[cfg(test)]
mod test_schema;
pub mod value;

pub use budget::{Budget, Limits, Stop};
pub use check::{
    ArgumentKind, CheckOptions, EveryIdKnown, Field, IdKind, KnownIds, Method, Readable, Schema,
    Type, Variable, check, check_condition,
};
pub use cost::{COST_LIMIT, EVALUATION_BUDGET, REQUEST_BUDGET, estimate_cost};
pub use diagnostic::{Diagnostic, Span};
pub use eval::{
    Environment, EvalError, EvalErrorKind, Read, Reads, Subject, evaluate, evaluate_within,
};
pub use parse::parse;
pub use print::Source;
pub use syntax::{BinaryOperator, Expr, ExprKind, Literal, MacroKind, Name, UnaryOperator};
pub use value::Value;
