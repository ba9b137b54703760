//! The cost of evaluating a condition, in cost units: a static estimate of
//! the worst case, made when a condition is checked (`estimate_cost`), and
//! the units the evaluator counts as it goes (`eval.rs`), which never
//! exceed the estimate for values within the schema's bounds.
//!
//! The model follows cel-go's cost estimator and runtime cost tracker. Every
//! node visited costs one unit. A value has a weight: one unit for a null,
//! bool, int or date, one plus a unit per ten bytes for a string, one plus
//! the weights of its elements for a list. Making a value by copying it
//! (a string literal, a macro variable, a field of `person`, an element
//! read by index, a list built by `+` or `filter`) costs its weight;
//! comparing two values (`==`, `<`, ...) the lighter weight; `in` the
//! list's weight; string methods the weight of the text they walk. A macro
//! costs, per element of its list, one unit, the element's weight, and its
//! body (and its filter). A method of `person` costs `METHOD_COST`, for the
//! history it walks, and twice its argument's weight.
//!
//! The estimate takes every list, string and field at its largest: a list
//! literal has its own size, a list made by `filter` or `map` at most the
//! size of its source, `+` the sum of both sides; a string field of
//! `person` at most the `max_length` its schema gives (unbounded when it
//! gives none). The two sides of `? :` are taken at the dearer, and `&&`,
//! `||`, `all` and `exists` as if they never stopped early.

use crate::check::{Schema, Type};
use crate::syntax::{BinaryOperator, Expr, ExprKind, Literal, MacroKind};
use crate::value::Value;

/// The most a condition's estimated cost may be: a condition dearer than
/// this is refused by the checker. A unit is about 10 ns of one core, so a
/// condition at the limit takes about 0.1 ms per person at worst; the
/// conditions of orders cost tens of units, a macro over a list of a
/// hundred unit ids about two thousand.
pub const COST_LIMIT: u64 = 10_000;

/// The most one evaluation may spend unless its caller says otherwise: ten
/// times `COST_LIMIT`, so that a checked condition runs out of it only for
/// values far longer than its schema's bounds.
pub const EVALUATION_BUDGET: u64 = 100_000;

/// The budget of a request that evaluates a condition over many people,
/// such as a selection by a condition: about 10 s of one core.
pub const REQUEST_BUDGET: u64 = 1_000_000_000;

/// The cost of a call of a method of `person`, besides its argument.
pub const METHOD_COST: u64 = 10;

/// The bytes of a string that weigh one unit.
pub const BYTES_PER_UNIT: u64 = 10;

/// The weight of a value: what copying it costs.
pub(crate) fn weight(value: &Value) -> u64 {
    match value {
        Value::String(text) => text_units(text),
        Value::List(values) => {
            values.iter().fold(1u64, |total, value| total.saturating_add(weight(value)))
        }
        Value::Null | Value::Bool(_) | Value::Int(_) | Value::Date(_) => 1,
    }
}

/// What walking a value as text costs: its weight for a string, one unit
/// otherwise.
pub(crate) fn text_weight(value: &Value) -> u64 {
    match value {
        Value::String(text) => text_units(text),
        _ => 1,
    }
}

fn text_units(text: &str) -> u64 {
    1 + text.len() as u64 / BYTES_PER_UNIT
}

/// The estimated worst-case cost of evaluating an expression against the
/// schema; `u64::MAX` when it has no bound (it reads a string field whose
/// length the schema does not bound, and walks it).
pub fn estimate_cost(expr: &Expr, schema: &Schema) -> u64 {
    let mut estimator = Estimator { schema, scopes: Vec::new() };
    estimator.estimate(expr).cost
}

/// The largest a value can be: the bytes if it is a string, the elements
/// if it is a list, and the largest of its elements. A value that may be
/// either is bounded as both.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct Shape {
    text: u64,
    items: u64,
    item: Option<Box<Shape>>,
}

impl Shape {
    fn scalar() -> Shape {
        Shape::default()
    }

    fn text(bytes: u64) -> Shape {
        Shape { text: bytes, ..Shape::default() }
    }

    /// The largest weight of a value of this shape.
    fn weight(&self) -> u64 {
        let items = match &self.item {
            Some(item) => self.items.saturating_mul(item.weight()),
            None => 0,
        };
        self.text_weight().saturating_add(items)
    }

    /// The largest text weight of a value of this shape: none for a text
    /// of no bound.
    fn text_weight(&self) -> u64 {
        if self.text == u64::MAX { u64::MAX } else { 1 + self.text / BYTES_PER_UNIT }
    }

    /// The shape of the elements, scalar when it has none.
    fn element(&self) -> Shape {
        self.item.as_deref().cloned().unwrap_or_default()
    }

    /// The smallest shape both fit.
    fn join(&self, other: &Shape) -> Shape {
        Shape {
            text: self.text.max(other.text),
            items: self.items.max(other.items),
            item: join_items(self.item.as_deref(), other.item.as_deref()),
        }
    }

    /// The shape of `self + other`: a string or list as long as both.
    fn concatenation(&self, other: &Shape) -> Shape {
        Shape {
            text: self.text.saturating_add(other.text),
            items: self.items.saturating_add(other.items),
            item: join_items(self.item.as_deref(), other.item.as_deref()),
        }
    }
}

fn join_items(left: Option<&Shape>, right: Option<&Shape>) -> Option<Box<Shape>> {
    match (left, right) {
        (Some(left), Some(right)) => Some(Box::new(left.join(right))),
        (Some(one), None) | (None, Some(one)) => Some(Box::new(one.clone())),
        (None, None) => None,
    }
}

/// The estimated cost of an expression and the largest its value can be.
struct Estimate {
    cost: u64,
    shape: Shape,
}

struct Estimator<'schema> {
    schema: &'schema Schema,
    /// The variables of the macros being estimated, innermost last, with
    /// the shape of their values.
    scopes: Vec<(String, Shape)>,
}

/// Adds costs, saturating.
fn sum(costs: impl IntoIterator<Item = u64>) -> u64 {
    costs.into_iter().fold(0u64, u64::saturating_add)
}

impl Estimator<'_> {
    fn is_person(&self, target: &Expr) -> bool {
        matches!(&target.kind, ExprKind::Identifier(name)
            if name == "person" && !self.scopes.iter().any(|(bound, _)| bound == name))
    }

    fn field_shape(&self, name: &str) -> Shape {
        match self.schema.field(name) {
            Some(field) if is_text(&field.field_type) => {
                Shape::text(field.max_length.unwrap_or(u64::MAX))
            }
            _ => Shape::scalar(),
        }
    }

    fn estimate(&mut self, expr: &Expr) -> Estimate {
        let (cost, shape) = match &expr.kind {
            ExprKind::Literal(Literal::String(text)) => {
                let shape = Shape::text(text.len() as u64);
                (shape.weight(), shape)
            }
            ExprKind::Literal(_) => (0, Shape::scalar()),
            ExprKind::Identifier(name) => {
                match self.scopes.iter().rev().find(|(bound, _)| bound == name) {
                    Some((_, shape)) => (shape.weight(), shape.clone()),
                    None => (0, Shape::scalar()),
                }
            }
            ExprKind::List(elements) => {
                let mut cost = 0u64;
                let mut item: Option<Shape> = None;
                for element in elements {
                    let element = self.estimate(element);
                    cost = cost.saturating_add(element.cost);
                    item = Some(match item {
                        Some(item) => item.join(&element.shape),
                        None => element.shape,
                    });
                }
                let shape =
                    Shape { text: 0, items: elements.len() as u64, item: item.map(Box::new) };
                (cost, shape)
            }
            ExprKind::Unary { operand, .. } => (self.estimate(operand).cost, Shape::scalar()),
            ExprKind::Binary { operator, left, right } => {
                let left = self.estimate(left);
                let right = self.estimate(right);
                let operands = left.cost.saturating_add(right.cost);
                let (operation, shape) = match operator {
                    BinaryOperator::And | BinaryOperator::Or => (0, Shape::scalar()),
                    BinaryOperator::Equal
                    | BinaryOperator::NotEqual
                    | BinaryOperator::Less
                    | BinaryOperator::LessOrEqual
                    | BinaryOperator::Greater
                    | BinaryOperator::GreaterOrEqual => {
                        (left.shape.weight().min(right.shape.weight()), Shape::scalar())
                    }
                    BinaryOperator::In => (right.shape.weight(), Shape::scalar()),
                    BinaryOperator::Add => {
                        let shape = left.shape.concatenation(&right.shape);
                        (shape.weight(), shape)
                    }
                    BinaryOperator::Subtract
                    | BinaryOperator::Multiply
                    | BinaryOperator::Divide
                    | BinaryOperator::Remainder => (0, Shape::scalar()),
                };
                (operands.saturating_add(operation), shape)
            }
            ExprKind::Conditional { condition, then_branch, else_branch } => {
                let condition = self.estimate(condition);
                let then_branch = self.estimate(then_branch);
                let else_branch = self.estimate(else_branch);
                let cost = condition.cost.saturating_add(then_branch.cost.max(else_branch.cost));
                (cost, then_branch.shape.join(&else_branch.shape))
            }
            ExprKind::Member { target, field } => {
                if self.is_person(target) {
                    let shape = self.field_shape(&field.name);
                    (shape.weight().saturating_mul(2), shape)
                } else {
                    (self.estimate(target).cost, Shape::scalar())
                }
            }
            ExprKind::Index { target, index } => {
                let target = self.estimate(target);
                let index = self.estimate(index);
                let element = target.shape.element();
                (sum([target.cost, index.cost, element.weight()]), element)
            }
            ExprKind::Call { target: None, function, arguments } => {
                let arguments: Vec<Estimate> =
                    arguments.iter().map(|argument| self.estimate(argument)).collect();
                let mut cost = sum(arguments.iter().map(|argument| argument.cost));
                if function.name == "size"
                    && let [argument] = arguments.as_slice()
                {
                    cost = cost.saturating_add(argument.shape.text_weight());
                }
                (cost, Shape::scalar())
            }
            ExprKind::Call { target: Some(target), function, arguments } => {
                let arguments: Vec<Estimate> =
                    arguments.iter().map(|argument| self.estimate(argument)).collect();
                let argument_costs = sum(arguments.iter().map(|argument| argument.cost));
                if self.is_person(target) {
                    let weights = sum(arguments.iter().map(|argument| argument.shape.weight()));
                    let cost = sum([argument_costs, METHOD_COST, weights.saturating_mul(2), 1]);
                    return self.node(cost, Shape::scalar());
                }
                let target = self.estimate(target);
                let walked = match (function.name.as_str(), arguments.as_slice()) {
                    ("size", []) => target.shape.text_weight(),
                    ("startsWith" | "endsWith", [argument]) => {
                        target.shape.text_weight().min(argument.shape.text_weight())
                    }
                    ("contains", [argument]) => {
                        target.shape.text_weight().saturating_add(argument.shape.text_weight())
                    }
                    _ => 0,
                };
                (sum([target.cost, argument_costs, walked]), Shape::scalar())
            }
            ExprKind::Macro { kind, target, variable, filter, body } => {
                let target = self.estimate(target);
                let element = target.shape.element();
                self.scopes.push((variable.name.clone(), element.clone()));
                let filter = filter.as_ref().map(|filter| self.estimate(filter));
                let body = self.estimate(body);
                self.scopes.pop();
                let mut iteration = sum([
                    1,
                    element.weight(),
                    filter.as_ref().map_or(0, |filter| filter.cost),
                    body.cost,
                ]);
                if *kind == MacroKind::Filter {
                    // The elements kept are copied into the list it makes.
                    iteration = iteration.saturating_add(element.weight());
                }
                let items = target.shape.items;
                let cost = target.cost.saturating_add(items.saturating_mul(iteration));
                let shape = match kind {
                    MacroKind::All | MacroKind::Exists | MacroKind::ExistsOne => Shape::scalar(),
                    MacroKind::Filter => Shape { text: 0, items, item: target.shape.item },
                    MacroKind::Map => Shape { text: 0, items, item: Some(Box::new(body.shape)) },
                };
                (cost, shape)
            }
        };
        self.node(cost, shape)
    }

    /// The estimate of a node: its own unit besides the cost of its parts.
    fn node(&self, cost: u64, shape: Shape) -> Estimate {
        Estimate { cost: cost.saturating_add(1), shape }
    }
}

/// Whether values of the type may be strings.
fn is_text(value_type: &Type) -> bool {
    match value_type {
        Type::String | Type::Dyn => true,
        Type::Nullable(inner) => is_text(inner),
        _ => false,
    }
}

#[cfg(test)]
mod tests;
