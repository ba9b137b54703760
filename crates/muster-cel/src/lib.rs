//! The condition language of orders: a subset of CEL, the Common Expression
//! Language, with no IO.
//!
//! An order's `when` and `unless` are parsed (`parse`), type-checked against
//! the person schema and the ids the store holds (`check_condition`), and
//! evaluated for a person on a day (`evaluate`), which records every field
//! and method of `person` it read (`Reads`) so that an explanation can show
//! them.
//!
//! - `syntax.rs`: the syntax tree, each node with its byte span.
//! - `lexer.rs` and `parse.rs`: text to tree, with CEL's literals and
//!   precedence; what orders do not support is an error that says so.
//! - `check.rs`: types, the schema of `person`, and the checker.
//! - `value.rs` and `eval.rs`: values and the reference interpreter.
//! - `print.rs`: a tree written back as condition text.
//! - `diagnostic.rs`: spans and the diagnostics of parsing and checking.
//!
//! Nothing here reads files, the clock or a store: the caller gives the day,
//! the person (`Subject`) and the known ids (`KnownIds`).

pub mod check;
pub mod diagnostic;
pub mod eval;
mod lexer;
pub mod parse;
pub mod print;
mod suggest;
pub mod syntax;
pub mod value;

pub use check::{
    ArgumentKind, CheckOptions, EVENT_KINDS, EveryIdKnown, Field, IdKind, KnownIds, Method,
    STATUSES, Schema, Type, Variable, check, check_condition, person_schema,
};
pub use diagnostic::{Diagnostic, Span};
pub use eval::{Environment, EvalError, EvalErrorKind, Read, Reads, Subject, evaluate};
pub use parse::parse;
pub use print::Source;
pub use syntax::{BinaryOperator, Expr, ExprKind, Literal, MacroKind, Name, UnaryOperator};
pub use value::Value;
