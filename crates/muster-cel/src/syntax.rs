//! The syntax tree of a condition.
//!
//! Every node keeps the span of the text it was parsed from. `Display` writes
//! a tree as a compact S-expression, such as `(&& (== (. person sex) "F") x)`,
//! which the tests compare with.

use std::fmt;

use crate::diagnostic::Span;
use crate::value::write_string_literal;

/// An expression with the span of its text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

/// The kinds of expression.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ExprKind {
    Literal(Literal),
    /// A variable, such as `person`, `today` or the variable of a macro.
    Identifier(String),
    /// A list literal, `[a, b]`.
    List(Vec<Expr>),
    Unary {
        operator: UnaryOperator,
        operand: Box<Expr>,
    },
    /// A binary operator, `&&` and `||` among them.
    Binary {
        operator: BinaryOperator,
        left: Box<Expr>,
        right: Box<Expr>,
    },
    /// `condition ? then_branch : else_branch`.
    Conditional {
        condition: Box<Expr>,
        then_branch: Box<Expr>,
        else_branch: Box<Expr>,
    },
    /// Field selection, `target.field`.
    Member {
        target: Box<Expr>,
        field: Name,
    },
    /// `target[index]`.
    Index {
        target: Box<Expr>,
        index: Box<Expr>,
    },
    /// A function call `function(arguments)`, or a method call
    /// `target.function(arguments)` when there is a target.
    Call {
        target: Option<Box<Expr>>,
        function: Name,
        arguments: Vec<Expr>,
    },
    /// A macro over a list, such as `target.all(variable, body)`. `map` with
    /// three arguments, `target.map(variable, filter, body)`, has a filter.
    Macro {
        kind: MacroKind,
        target: Box<Expr>,
        variable: Name,
        filter: Option<Box<Expr>>,
        body: Box<Expr>,
    },
}

/// A name in the text with its span: a field, function, method or macro
/// variable.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Name {
    pub name: String,
    pub span: Span,
}

/// A literal value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Literal {
    Null,
    Bool(bool),
    Int(i64),
    String(String),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum UnaryOperator {
    /// `!`
    Not,
    /// `-`
    Negate,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BinaryOperator {
    Or,
    And,
    Equal,
    NotEqual,
    Less,
    LessOrEqual,
    Greater,
    GreaterOrEqual,
    In,
    Add,
    Subtract,
    Multiply,
    Divide,
    Remainder,
}

/// The macros of CEL over lists.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MacroKind {
    All,
    Exists,
    ExistsOne,
    Filter,
    Map,
}

impl UnaryOperator {
    /// The operator as it is written.
    pub fn symbol(self) -> &'static str {
        match self {
            UnaryOperator::Not => "!",
            UnaryOperator::Negate => "-",
        }
    }
}

impl BinaryOperator {
    /// The operator as it is written.
    pub fn symbol(self) -> &'static str {
        match self {
            BinaryOperator::Or => "||",
            BinaryOperator::And => "&&",
            BinaryOperator::Equal => "==",
            BinaryOperator::NotEqual => "!=",
            BinaryOperator::Less => "<",
            BinaryOperator::LessOrEqual => "<=",
            BinaryOperator::Greater => ">",
            BinaryOperator::GreaterOrEqual => ">=",
            BinaryOperator::In => "in",
            BinaryOperator::Add => "+",
            BinaryOperator::Subtract => "-",
            BinaryOperator::Multiply => "*",
            BinaryOperator::Divide => "/",
            BinaryOperator::Remainder => "%",
        }
    }
}

impl MacroKind {
    /// The macro of a method name, if it is one.
    pub fn from_name(name: &str) -> Option<MacroKind> {
        match name {
            "all" => Some(MacroKind::All),
            "exists" => Some(MacroKind::Exists),
            "exists_one" => Some(MacroKind::ExistsOne),
            "filter" => Some(MacroKind::Filter),
            "map" => Some(MacroKind::Map),
            _ => None,
        }
    }

    /// The name the macro is called by.
    pub fn name(self) -> &'static str {
        match self {
            MacroKind::All => "all",
            MacroKind::Exists => "exists",
            MacroKind::ExistsOne => "exists_one",
            MacroKind::Filter => "filter",
            MacroKind::Map => "map",
        }
    }
}

impl fmt::Display for Literal {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Literal::Null => formatter.write_str("null"),
            Literal::Bool(value) => write!(formatter, "{value}"),
            Literal::Int(value) => write!(formatter, "{value}"),
            Literal::String(value) => write_string_literal(formatter, value),
        }
    }
}

impl fmt::Display for Expr {
    /// Writes the tree as an S-expression: `(operator operands...)`,
    /// `(. target field)` for a field, `(function arguments...)` for a
    /// function call, `(.method target arguments...)` for a method call,
    /// `(.all target variable body)` for a macro, `(index target index)`,
    /// `(list elements...)` and `(? condition then else)`.
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            ExprKind::Literal(literal) => write!(formatter, "{literal}"),
            ExprKind::Identifier(name) => formatter.write_str(name),
            ExprKind::List(elements) => {
                formatter.write_str("(list")?;
                for element in elements {
                    write!(formatter, " {element}")?;
                }
                formatter.write_str(")")
            }
            ExprKind::Unary { operator, operand } => {
                write!(formatter, "({} {operand})", operator.symbol())
            }
            ExprKind::Binary { operator, left, right } => {
                write!(formatter, "({} {left} {right})", operator.symbol())
            }
            ExprKind::Conditional { condition, then_branch, else_branch } => {
                write!(formatter, "(? {condition} {then_branch} {else_branch})")
            }
            ExprKind::Member { target, field } => write!(formatter, "(. {target} {})", field.name),
            ExprKind::Index { target, index } => write!(formatter, "(index {target} {index})"),
            ExprKind::Call { target, function, arguments } => {
                match target {
                    Some(target) => write!(formatter, "(.{} {target}", function.name)?,
                    None => write!(formatter, "({}", function.name)?,
                }
                for argument in arguments {
                    write!(formatter, " {argument}")?;
                }
                formatter.write_str(")")
            }
            ExprKind::Macro { kind, target, variable, filter, body } => {
                write!(formatter, "(.{} {target} {}", kind.name(), variable.name)?;
                if let Some(filter) = filter {
                    write!(formatter, " {filter}")?;
                }
                write!(formatter, " {body})")
            }
        }
    }
}
