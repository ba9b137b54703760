//! Writes a syntax tree back as condition text.
//!
//! The text parses back to the same tree (spans aside): parentheses are
//! written only where CEL's precedence needs them, so a condition reads as a
//! person would write it. Explanations and the documents muster writes use
//! it.

use std::fmt;

use crate::syntax::{BinaryOperator, Expr, ExprKind, Literal, UnaryOperator};

/// Condition text of an expression: `Source(&expr).to_string()`.
#[derive(Clone, Copy, Debug)]
pub struct Source<'a>(pub &'a Expr);

impl fmt::Display for Source<'_> {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_expr(formatter, self.0, Level::Conditional)
    }
}

/// CEL's precedence levels, loosest first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Level {
    Conditional,
    Or,
    And,
    Relation,
    Additive,
    Multiplicative,
    Unary,
    Postfix,
}

impl Level {
    fn tighter(self) -> Level {
        match self {
            Level::Conditional => Level::Or,
            Level::Or => Level::And,
            Level::And => Level::Relation,
            Level::Relation => Level::Additive,
            Level::Additive => Level::Multiplicative,
            Level::Multiplicative => Level::Unary,
            Level::Unary | Level::Postfix => Level::Postfix,
        }
    }
}

fn binary_level(operator: BinaryOperator) -> Level {
    match operator {
        BinaryOperator::Or => Level::Or,
        BinaryOperator::And => Level::And,
        BinaryOperator::Equal
        | BinaryOperator::NotEqual
        | BinaryOperator::Less
        | BinaryOperator::LessOrEqual
        | BinaryOperator::Greater
        | BinaryOperator::GreaterOrEqual
        | BinaryOperator::In => Level::Relation,
        BinaryOperator::Add | BinaryOperator::Subtract => Level::Additive,
        BinaryOperator::Multiply | BinaryOperator::Divide | BinaryOperator::Remainder => {
            Level::Multiplicative
        }
    }
}

/// The level an expression binds at: it needs parentheses where a tighter
/// one is wanted.
fn level(expr: &Expr) -> Level {
    match &expr.kind {
        ExprKind::Conditional { .. } => Level::Conditional,
        ExprKind::Binary { operator, .. } => binary_level(*operator),
        ExprKind::Unary { .. } | ExprKind::Literal(Literal::Int(i64::MIN..=-1)) => Level::Unary,
        _ => Level::Postfix,
    }
}

fn write_expr(formatter: &mut fmt::Formatter<'_>, expr: &Expr, wanted: Level) -> fmt::Result {
    if level(expr) < wanted {
        formatter.write_str("(")?;
        write_expr(formatter, expr, Level::Conditional)?;
        return formatter.write_str(")");
    }
    match &expr.kind {
        ExprKind::Literal(literal) => write!(formatter, "{literal}"),
        ExprKind::Identifier(name) => formatter.write_str(name),
        ExprKind::List(elements) => {
            formatter.write_str("[")?;
            write_list(formatter, elements)?;
            formatter.write_str("]")
        }
        ExprKind::Unary { operator, operand } => {
            formatter.write_str(operator.symbol())?;
            // `-1` is a literal, so the negation of the literal 1 is `-(1)`
            // and of `1.f()` is `-(1.f())` (`-1.f()` calls `f` on `-1`);
            // and CEL repeats one unary operator but does not mix them: `!(-x)`.
            let literal = matches!(leftmost(operand).kind, ExprKind::Literal(Literal::Int(_)));
            let mixed = matches!(&operand.kind, ExprKind::Unary { operator: inner, .. } if inner != operator);
            if (*operator == UnaryOperator::Negate && literal) || mixed {
                formatter.write_str("(")?;
                write_expr(formatter, operand, Level::Conditional)?;
                formatter.write_str(")")
            } else {
                write_expr(formatter, operand, Level::Unary)
            }
        }
        ExprKind::Binary { operator, left, right } => {
            let level = binary_level(*operator);
            write_expr(formatter, left, level)?;
            write!(formatter, " {} ", operator.symbol())?;
            write_expr(formatter, right, level.tighter())
        }
        ExprKind::Conditional { condition, then_branch, else_branch } => {
            write_expr(formatter, condition, Level::Or)?;
            formatter.write_str(" ? ")?;
            write_expr(formatter, then_branch, Level::Or)?;
            formatter.write_str(" : ")?;
            write_expr(formatter, else_branch, Level::Conditional)
        }
        ExprKind::Member { target, field } => {
            write_expr(formatter, target, Level::Postfix)?;
            write!(formatter, ".{}", field.name)
        }
        ExprKind::Index { target, index } => {
            write_expr(formatter, target, Level::Postfix)?;
            formatter.write_str("[")?;
            write_expr(formatter, index, Level::Conditional)?;
            formatter.write_str("]")
        }
        ExprKind::Call { target, function, arguments } => {
            if let Some(target) = target {
                write_expr(formatter, target, Level::Postfix)?;
                formatter.write_str(".")?;
            }
            write!(formatter, "{}(", function.name)?;
            write_list(formatter, arguments)?;
            formatter.write_str(")")
        }
        ExprKind::Macro { kind, target, variable, filter, body } => {
            write_expr(formatter, target, Level::Postfix)?;
            write!(formatter, ".{}({}, ", kind.name(), variable.name)?;
            if let Some(filter) = filter {
                write_expr(formatter, filter, Level::Conditional)?;
                formatter.write_str(", ")?;
            }
            write_expr(formatter, body, Level::Conditional)?;
            formatter.write_str(")")
        }
    }
}

/// The expression a chain of postfix operations starts from.
fn leftmost(expr: &Expr) -> &Expr {
    match &expr.kind {
        ExprKind::Member { target, .. }
        | ExprKind::Index { target, .. }
        | ExprKind::Call { target: Some(target), .. }
        | ExprKind::Macro { target, .. } => leftmost(target),
        _ => expr,
    }
}

fn write_list(formatter: &mut fmt::Formatter<'_>, elements: &[Expr]) -> fmt::Result {
    for (position, element) in elements.iter().enumerate() {
        if position > 0 {
            formatter.write_str(", ")?;
        }
        write_expr(formatter, element, Level::Conditional)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests;
