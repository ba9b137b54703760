//! The reference interpreter: evaluates a syntax tree with CEL's meaning,
//! and records every field and method of `person` that it read.
//!
//! It is written to be obviously right rather than fast: it walks the tree,
//! and a macro binds its variable by pushing it on a stack of bindings.
//!
//! It counts the cost units it spends as `cost.rs` defines them, and stops
//! with an error when the evaluation's limit, or its request's budget, is
//! spent (`Limits`).

use std::collections::HashSet;

use chrono::NaiveDate;

use crate::budget::{Budget, Limits, Stop};
use crate::cost::{METHOD_COST, text_weight, weight};
use crate::diagnostic::Span;
use crate::syntax::{BinaryOperator, Expr, ExprKind, Literal, MacroKind, UnaryOperator};
use crate::value::Value;

/// The object behind the variable `person`: its fields and methods.
pub trait Subject {
    /// The value of a field; `None` when there is no such field.
    fn field(&self, name: &str) -> Option<Value>;

    /// The result of a method called with one argument; `None` when there is
    /// no such method. The span of an error returned here is replaced by the
    /// span of the call.
    fn call(&self, method: &str, argument: &Value) -> Option<Result<Value, EvalError>>;
}

/// The variables an expression is evaluated with. A variable that is `None`
/// is unknown, as every variable is in the conformance cases.
#[derive(Clone, Copy, Default)]
pub struct Environment<'subject> {
    /// The evaluation day, the variable `today`.
    pub today: Option<NaiveDate>,
    /// The variable `person`.
    pub person: Option<&'subject dyn Subject>,
}

/// What an evaluation read of `person`, each read once, in the order first
/// read: `person.home_province` and `person.served_in("sgc")` with their
/// values.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Reads {
    reads: Vec<Read>,
    /// The texts of the reads, to record each once without a search.
    texts: HashSet<String>,
}

/// One field or method of `person` that was read, with its value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Read {
    /// The read as an expression, such as `person.served_in("sgc")`.
    pub text: String,
    pub value: Value,
}

/// An evaluation that failed, with the span of the expression that failed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{kind}")]
pub struct EvalError {
    pub kind: EvalErrorKind,
    pub span: Span,
}

/// Why an evaluation failed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum EvalErrorKind {
    #[error("unknown variable `{name}`")]
    UnknownVariable { name: String },
    #[error("`{name}` is not a value: read one of its fields")]
    NotAValue { name: String },
    #[error("unknown function `{name}`")]
    UnknownFunction { name: String },
    #[error("no such field `{field}`")]
    NoSuchField { field: String },
    #[error("no such method `{method}`")]
    NoSuchMethod { method: String },
    /// An operator or function applied to values of types it does not take.
    #[error("no such overload: `{operation}` on {operands}")]
    NoSuchOverload { operation: String, operands: String },
    #[error("division by zero")]
    DivisionByZero,
    #[error("modulo by zero")]
    ModuloByZero,
    #[error("integer overflow in `{operation}`")]
    IntegerOverflow { operation: String },
    #[error("index {index} is out of range for a list of {size} elements")]
    IndexOutOfRange { index: i64, size: usize },
    #[error("`{text}` is not a date of the form YYYY-MM-DD")]
    InvalidDate { text: String },
    /// An error of a method of `person`.
    #[error("{message}")]
    Subject { message: String },
    /// The evaluation spent more cost units than its limit.
    #[error("evaluation exceeded its budget of {limit} cost units")]
    BudgetExceeded { limit: u64 },
    /// The request the evaluation is part of was stopped.
    #[error("{stop}")]
    Stopped { stop: Stop },
}

/// Evaluates an expression, within the default limit of one evaluation
/// (`EVALUATION_BUDGET`).
pub fn evaluate(
    expr: &Expr,
    environment: &Environment<'_>,
    reads: &mut Reads,
) -> Result<Value, EvalError> {
    evaluate_within(expr, environment, reads, Limits::default())
}

/// Evaluates an expression within the limits given: it fails with
/// `BudgetExceeded` once it has spent more than `limits.evaluation` cost
/// units, and with `Stopped` once the request budget, which it spends as it
/// goes, has stopped (spent, past its deadline, or cancelled).
///
/// The request budget is checked before the evaluation starts, every
/// `FLUSH_UNITS` units and at its end, when the units spent are added to
/// it; an evaluation that ends with the request over its budget fails.
pub fn evaluate_within(
    expr: &Expr,
    environment: &Environment<'_>,
    reads: &mut Reads,
    limits: Limits<'_>,
) -> Result<Value, EvalError> {
    if let Some(stop) = limits.request.and_then(Budget::stopped) {
        return Err(EvalError::new(EvalErrorKind::Stopped { stop }, expr.span));
    }
    let meter = Meter {
        limit: limits.evaluation,
        request: limits.request,
        spent: 0,
        flushed: 0,
        stopped: None,
    };
    let mut evaluator = Evaluator { environment, reads, bindings: Vec::new(), meter };
    let result = evaluator.evaluate(expr);
    let span = result.as_ref().err().map_or(expr.span, |error| error.span);
    if let Err(stop) = evaluator.meter.flush() {
        return Err(EvalError::new(EvalErrorKind::Stopped { stop }, span));
    }
    // Once a limit is met every later step fails, so no value can come of
    // an evaluation cut short; its error is the result all the same.
    match evaluator.meter.stopped.take() {
        Some(kind) => Err(EvalError::new(kind, span)),
        None => result,
    }
}

/// The units an evaluation spends between two charges of its request
/// budget.
pub const FLUSH_UNITS: u64 = 1024;

impl Reads {
    pub fn new() -> Reads {
        Reads::default()
    }

    /// The reads, in the order first read.
    pub fn as_slice(&self) -> &[Read] {
        &self.reads
    }

    pub fn iter(&self) -> std::slice::Iter<'_, Read> {
        self.reads.iter()
    }

    pub fn is_empty(&self) -> bool {
        self.reads.is_empty()
    }

    pub fn len(&self) -> usize {
        self.reads.len()
    }

    /// Records a read unless one with the same text was recorded before;
    /// whether it was recorded now.
    pub fn record(&mut self, text: String, value: &Value) -> bool {
        if self.texts.contains(&text) {
            return false;
        }
        self.texts.insert(text.clone());
        self.reads.push(Read { text, value: value.clone() });
        true
    }
}

impl<'reads> IntoIterator for &'reads Reads {
    type Item = &'reads Read;
    type IntoIter = std::slice::Iter<'reads, Read>;

    fn into_iter(self) -> Self::IntoIter {
        self.reads.iter()
    }
}

impl EvalError {
    pub fn new(kind: EvalErrorKind, span: Span) -> EvalError {
        EvalError { kind, span }
    }

    /// An error for a method of `person` to return; the evaluator gives it
    /// the span of the call.
    pub fn subject(message: impl Into<String>) -> EvalError {
        EvalError {
            kind: EvalErrorKind::Subject { message: message.into() },
            span: Span::default(),
        }
    }

    /// Why the request was stopped, when this error says it was: the whole
    /// question must then fail, not only this evaluation.
    pub fn stop(&self) -> Option<Stop> {
        match self.kind {
            EvalErrorKind::Stopped { stop } => Some(stop),
            _ => None,
        }
    }
}

/// The cost units an evaluation has spent, against its limit and its
/// request's budget.
struct Meter<'a> {
    limit: u64,
    request: Option<&'a Budget>,
    spent: u64,
    /// The units already added to the request budget.
    flushed: u64,
    /// Why the evaluation was stopped, once it was: every later charge
    /// fails the same way.
    stopped: Option<EvalErrorKind>,
}

impl Meter<'_> {
    /// Spends `units` at the expression of `span`.
    fn charge(&mut self, units: u64, span: Span) -> Result<(), EvalError> {
        if let Some(kind) = &self.stopped {
            return Err(EvalError::new(kind.clone(), span));
        }
        self.spent = self.spent.saturating_add(units);
        if self.spent > self.limit {
            return Err(self.stop(EvalErrorKind::BudgetExceeded { limit: self.limit }, span));
        }
        if self.spent - self.flushed >= FLUSH_UNITS
            && let Err(stop) = self.flush()
        {
            return Err(self.stop(EvalErrorKind::Stopped { stop }, span));
        }
        Ok(())
    }

    fn stop(&mut self, kind: EvalErrorKind, span: Span) -> EvalError {
        self.stopped = Some(kind.clone());
        EvalError::new(kind, span)
    }

    /// Adds the units spent since the last flush to the request budget.
    fn flush(&mut self) -> Result<(), Stop> {
        let Some(request) = self.request else {
            return Ok(());
        };
        let units = self.spent - self.flushed;
        self.flushed = self.spent;
        request.charge(units)
    }
}

struct Evaluator<'a, 'subject> {
    environment: &'a Environment<'subject>,
    reads: &'a mut Reads,
    /// The variables of the macros being evaluated, innermost last.
    bindings: Vec<(&'a str, Value)>,
    meter: Meter<'a>,
}

fn no_such_overload(operation: &str, operands: &[&Value], span: Span) -> EvalError {
    let operands = if operands.is_empty() {
        "no arguments".to_owned()
    } else {
        operands.iter().map(|value| value.type_name()).collect::<Vec<_>>().join(" and ")
    };
    EvalError::new(
        EvalErrorKind::NoSuchOverload { operation: operation.to_owned(), operands },
        span,
    )
}

fn overflow(operation: &str, span: Span) -> EvalError {
    EvalError::new(EvalErrorKind::IntegerOverflow { operation: operation.to_owned() }, span)
}

/// Reads a day written exactly `YYYY-MM-DD`.
pub(crate) fn parse_date(text: &str) -> Option<NaiveDate> {
    let bytes = text.as_bytes();
    let shaped = bytes.len() == 10
        && bytes.iter().enumerate().all(|(index, byte)| match index {
            4 | 7 => *byte == b'-',
            _ => byte.is_ascii_digit(),
        });
    if !shaped {
        return None;
    }
    let year = text[0..4].parse().ok()?;
    let month = text[5..7].parse().ok()?;
    let day = text[8..10].parse().ok()?;
    NaiveDate::from_ymd_opt(year, month, day)
}

impl<'a, 'subject> Evaluator<'a, 'subject> {
    fn charge(&mut self, units: u64, span: Span) -> Result<(), EvalError> {
        self.meter.charge(units, span)
    }

    fn evaluate(&mut self, expr: &'a Expr) -> Result<Value, EvalError> {
        let span = expr.span;
        self.charge(1, span)?;
        match &expr.kind {
            ExprKind::Literal(literal) => Ok(match literal {
                Literal::Null => Value::Null,
                Literal::Bool(value) => Value::Bool(*value),
                Literal::Int(value) => Value::Int(*value),
                Literal::String(value) => {
                    let value = Value::String(value.clone());
                    self.charge(weight(&value), span)?;
                    value
                }
            }),
            ExprKind::Identifier(name) => self.variable(name, span),
            ExprKind::List(elements) => {
                let values = elements
                    .iter()
                    .map(|element| self.evaluate(element))
                    .collect::<Result<Vec<_>, _>>()?;
                Ok(Value::List(values))
            }
            ExprKind::Unary { operator, operand } => {
                let value = self.evaluate(operand)?;
                match (operator, &value) {
                    (UnaryOperator::Not, Value::Bool(value)) => Ok(Value::Bool(!value)),
                    (UnaryOperator::Negate, Value::Int(value)) => {
                        value.checked_neg().map(Value::Int).ok_or_else(|| overflow("-", span))
                    }
                    _ => Err(no_such_overload(operator.symbol(), &[&value], span)),
                }
            }
            ExprKind::Binary { operator: BinaryOperator::And, left, right } => {
                self.logical(false, left, right)
            }
            ExprKind::Binary { operator: BinaryOperator::Or, left, right } => {
                self.logical(true, left, right)
            }
            ExprKind::Binary { operator, left, right } => {
                let left = self.evaluate(left)?;
                let right = self.evaluate(right)?;
                self.charge(operation_cost(*operator, &left, &right), span)?;
                let result = binary(*operator, &left, &right, span)?;
                if *operator == BinaryOperator::Add {
                    // The sum is a copy of both sides.
                    self.charge(weight(&result), span)?;
                }
                Ok(result)
            }
            ExprKind::Conditional { condition, then_branch, else_branch } => {
                match self.evaluate(condition)? {
                    Value::Bool(true) => self.evaluate(then_branch),
                    Value::Bool(false) => self.evaluate(else_branch),
                    other => Err(no_such_overload("? :", &[&other], condition.span)),
                }
            }
            ExprKind::Member { target, field } => {
                if let Some(person) = self.person_target(target) {
                    let person = person?;
                    let Some(value) = person.field(&field.name) else {
                        return Err(EvalError::new(
                            EvalErrorKind::NoSuchField { field: field.name.clone() },
                            field.span,
                        ));
                    };
                    self.charge(weight(&value), span)?;
                    if self.reads.record(format!("person.{}", field.name), &value) {
                        self.charge(weight(&value), span)?;
                    }
                    return Ok(value);
                }
                self.evaluate(target)?;
                Err(EvalError::new(
                    EvalErrorKind::NoSuchField { field: field.name.clone() },
                    field.span,
                ))
            }
            ExprKind::Index { target, index } => {
                let target = self.evaluate(target)?;
                let index = self.evaluate(index)?;
                let element = match (&target, &index) {
                    (Value::List(values), Value::Int(position)) => usize::try_from(*position)
                        .ok()
                        .and_then(|position| values.get(position))
                        .cloned()
                        .ok_or_else(|| {
                            EvalError::new(
                                EvalErrorKind::IndexOutOfRange {
                                    index: *position,
                                    size: values.len(),
                                },
                                span,
                            )
                        }),
                    _ => Err(no_such_overload("[]", &[&target, &index], span)),
                }?;
                self.charge(weight(&element), span)?;
                Ok(element)
            }
            ExprKind::Call { target: None, function, arguments } => {
                let arguments = self.evaluate_all(arguments)?;
                let arguments: Vec<&Value> = arguments.iter().collect();
                match (function.name.as_str(), arguments.as_slice()) {
                    ("size", [argument]) => {
                        self.charge(text_weight(argument), span)?;
                        size(argument, span)
                    }
                    ("date", [Value::String(text)]) => {
                        parse_date(text).map(Value::Date).ok_or_else(|| {
                            EvalError::new(EvalErrorKind::InvalidDate { text: text.clone() }, span)
                        })
                    }
                    ("size" | "date", _) => Err(no_such_overload(&function.name, &arguments, span)),
                    _ => Err(EvalError::new(
                        EvalErrorKind::UnknownFunction { name: function.name.clone() },
                        function.span,
                    )),
                }
            }
            ExprKind::Call { target: Some(target), function, arguments } => {
                if let Some(person) = self.person_target(target) {
                    let person = person?;
                    let arguments = self.evaluate_all(arguments)?;
                    let [argument] = arguments.as_slice() else {
                        let arguments: Vec<&Value> = arguments.iter().collect();
                        return Err(no_such_overload(&function.name, &arguments, span));
                    };
                    // The method walks his history, and its argument is
                    // written into the text of the read.
                    let argument_weight = weight(argument);
                    self.charge(
                        METHOD_COST.saturating_add(argument_weight.saturating_mul(2)),
                        span,
                    )?;
                    let Some(result) = person.call(&function.name, argument) else {
                        return Err(EvalError::new(
                            EvalErrorKind::NoSuchMethod { method: function.name.clone() },
                            function.span,
                        ));
                    };
                    let value = result.map_err(|error| EvalError { span, ..error })?;
                    self.charge(weight(&value), span)?;
                    self.reads.record(format!("person.{}({argument})", function.name), &value);
                    return Ok(value);
                }
                let target = self.evaluate(target)?;
                let arguments = self.evaluate_all(arguments)?;
                self.charge(method_cost(&target, &function.name, &arguments), span)?;
                method(&target, &function.name, &arguments, span)
            }
            ExprKind::Macro { kind, target, variable, filter, body } => {
                let target_value = self.evaluate(target)?;
                let Value::List(elements) = target_value else {
                    return Err(no_such_overload(kind.name(), &[&target_value], target.span));
                };
                self.macro_over(*kind, &elements, &variable.name, filter.as_deref(), body, span)
            }
        }
    }

    fn evaluate_all(&mut self, exprs: &'a [Expr]) -> Result<Vec<Value>, EvalError> {
        exprs.iter().map(|expr| self.evaluate(expr)).collect()
    }

    fn variable(&mut self, name: &str, span: Span) -> Result<Value, EvalError> {
        if let Some((_, value)) = self.bindings.iter().rev().find(|(bound, _)| *bound == name) {
            let value = value.clone();
            self.charge(weight(&value), span)?;
            return Ok(value);
        }
        match (name, self.environment.today, self.environment.person) {
            ("today", Some(today), _) => Ok(Value::Date(today)),
            ("person", _, Some(_)) => {
                Err(EvalError::new(EvalErrorKind::NotAValue { name: name.to_owned() }, span))
            }
            _ => {
                Err(EvalError::new(EvalErrorKind::UnknownVariable { name: name.to_owned() }, span))
            }
        }
    }

    /// When `target` is the variable `person` (not a macro variable of that
    /// name), the subject, or the error that there is no person.
    fn person_target(&self, target: &Expr) -> Option<Result<&'subject dyn Subject, EvalError>> {
        let ExprKind::Identifier(name) = &target.kind else {
            return None;
        };
        if name != "person" || self.bindings.iter().any(|(bound, _)| bound == name) {
            return None;
        }
        Some(self.environment.person.ok_or_else(|| {
            EvalError::new(EvalErrorKind::UnknownVariable { name: name.clone() }, target.span)
        }))
    }

    /// `&&` (when `absorbing` is false) or `||` (when it is true), with CEL's
    /// meaning: the absorbing value on either side decides, even when the
    /// other side fails; otherwise an error (the left one first) is the
    /// result.
    fn logical(
        &mut self,
        absorbing: bool,
        left: &'a Expr,
        right: &'a Expr,
    ) -> Result<Value, EvalError> {
        let operation = if absorbing { "||" } else { "&&" };
        let left = self.evaluate_bool(left, operation);
        if let Ok(value) = left
            && value == absorbing
        {
            return Ok(Value::Bool(absorbing));
        }
        let right = self.evaluate_bool(right, operation);
        match (left, right) {
            (_, Ok(value)) if value == absorbing => Ok(Value::Bool(absorbing)),
            (Err(error), _) | (_, Err(error)) => Err(error),
            (Ok(_), Ok(_)) => Ok(Value::Bool(!absorbing)),
        }
    }

    /// Evaluates an operand that must be a bool; another value is a "no such
    /// overload" error at the operand.
    fn evaluate_bool(&mut self, expr: &'a Expr, operation: &str) -> Result<bool, EvalError> {
        match self.evaluate(expr)? {
            Value::Bool(value) => Ok(value),
            other => Err(no_such_overload(operation, &[&other], expr.span)),
        }
    }

    /// Runs `action` with the variable bound to a copy of the element; the
    /// iteration costs a unit and the copy.
    fn with_binding<T>(
        &mut self,
        variable: &'a str,
        value: &Value,
        span: Span,
        action: impl FnOnce(&mut Self) -> Result<T, EvalError>,
    ) -> Result<T, EvalError> {
        self.charge(1 + weight(value), span)?;
        self.bindings.push((variable, value.clone()));
        let result = action(self);
        self.bindings.pop();
        result
    }

    fn macro_over(
        &mut self,
        kind: MacroKind,
        elements: &[Value],
        variable: &'a str,
        filter: Option<&'a Expr>,
        body: &'a Expr,
        span: Span,
    ) -> Result<Value, EvalError> {
        let name = kind.name();
        match kind {
            MacroKind::All | MacroKind::Exists => {
                // The absorbing value decides as soon as it is met, as with
                // `&&` and `||`; otherwise the first error is the result.
                let absorbing = kind == MacroKind::Exists;
                let mut first_error = None;
                for element in elements {
                    let result = self.with_binding(variable, element, span, |this| {
                        this.evaluate_bool(body, name)
                    });
                    match result {
                        Ok(value) if value == absorbing => return Ok(Value::Bool(absorbing)),
                        Ok(_) => {}
                        Err(error) => {
                            first_error.get_or_insert(error);
                        }
                    }
                    if self.meter.stopped.is_some() {
                        break;
                    }
                }
                match first_error {
                    Some(error) => Err(error),
                    None => Ok(Value::Bool(!absorbing)),
                }
            }
            MacroKind::ExistsOne => {
                let mut count = 0usize;
                for element in elements {
                    if self.with_binding(variable, element, span, |this| {
                        this.evaluate_bool(body, name)
                    })? {
                        count += 1;
                    }
                }
                Ok(Value::Bool(count == 1))
            }
            MacroKind::Filter => {
                let mut kept = Vec::new();
                for element in elements {
                    if self.with_binding(variable, element, span, |this| {
                        this.evaluate_bool(body, name)
                    })? {
                        self.charge(weight(element), span)?;
                        kept.push(element.clone());
                    }
                }
                Ok(Value::List(kept))
            }
            MacroKind::Map => {
                let mut mapped = Vec::new();
                for element in elements {
                    let value = self.with_binding(variable, element, span, |this| {
                        if let Some(filter) = filter
                            && !this.evaluate_bool(filter, name)?
                        {
                            return Ok(None);
                        }
                        this.evaluate(body).map(Some)
                    })?;
                    mapped.extend(value);
                }
                Ok(Value::List(mapped))
            }
        }
    }
}

/// What a binary operator other than `&&` and `||` costs besides its
/// operands: a comparison walks the lighter side, `in` the list.
fn operation_cost(operator: BinaryOperator, left: &Value, right: &Value) -> u64 {
    match operator {
        BinaryOperator::Equal
        | BinaryOperator::NotEqual
        | BinaryOperator::Less
        | BinaryOperator::LessOrEqual
        | BinaryOperator::Greater
        | BinaryOperator::GreaterOrEqual => weight(left).min(weight(right)),
        BinaryOperator::In => weight(right),
        _ => 0,
    }
}

/// What a method of a string or list costs besides its target and
/// arguments: the text it walks.
fn method_cost(target: &Value, name: &str, arguments: &[Value]) -> u64 {
    match (name, arguments) {
        ("size", []) => text_weight(target),
        ("startsWith" | "endsWith", [argument]) => text_weight(target).min(text_weight(argument)),
        ("contains", [argument]) => text_weight(target).saturating_add(text_weight(argument)),
        _ => 0,
    }
}

fn size(value: &Value, span: Span) -> Result<Value, EvalError> {
    let size = match value {
        Value::String(text) => text.chars().count(),
        Value::List(values) => values.len(),
        _ => return Err(no_such_overload("size", &[value], span)),
    };
    i64::try_from(size).map(Value::Int).map_err(|_| overflow("size", span))
}

fn method(target: &Value, name: &str, arguments: &[Value], span: Span) -> Result<Value, EvalError> {
    match (target, name, arguments) {
        (_, "size", []) => size(target, span),
        (Value::String(text), "startsWith", [Value::String(prefix)]) => {
            Ok(Value::Bool(text.starts_with(prefix.as_str())))
        }
        (Value::String(text), "endsWith", [Value::String(suffix)]) => {
            Ok(Value::Bool(text.ends_with(suffix.as_str())))
        }
        (Value::String(text), "contains", [Value::String(part)]) => {
            Ok(Value::Bool(text.contains(part.as_str())))
        }
        (_, "size" | "startsWith" | "endsWith" | "contains", _) => {
            let mut operands = vec![target];
            operands.extend(arguments);
            Err(no_such_overload(name, &operands, span))
        }
        _ => Err(EvalError::new(EvalErrorKind::NoSuchMethod { method: name.to_owned() }, span)),
    }
}

fn binary(
    operator: BinaryOperator,
    left: &Value,
    right: &Value,
    span: Span,
) -> Result<Value, EvalError> {
    let symbol = operator.symbol();
    let int_result =
        |result: Option<i64>| result.map(Value::Int).ok_or_else(|| overflow(symbol, span));
    match (operator, left, right) {
        (BinaryOperator::Equal, _, _) => Ok(Value::Bool(left == right)),
        (BinaryOperator::NotEqual, _, _) => Ok(Value::Bool(left != right)),
        (
            BinaryOperator::Less
            | BinaryOperator::LessOrEqual
            | BinaryOperator::Greater
            | BinaryOperator::GreaterOrEqual,
            _,
            _,
        ) => {
            let ordering = match (left, right) {
                (Value::Int(left), Value::Int(right)) => left.cmp(right),
                (Value::String(left), Value::String(right)) => left.cmp(right),
                (Value::Bool(left), Value::Bool(right)) => left.cmp(right),
                (Value::Date(left), Value::Date(right)) => left.cmp(right),
                _ => return Err(no_such_overload(symbol, &[left, right], span)),
            };
            let holds = match operator {
                BinaryOperator::Less => ordering.is_lt(),
                BinaryOperator::LessOrEqual => ordering.is_le(),
                BinaryOperator::Greater => ordering.is_gt(),
                _ => ordering.is_ge(),
            };
            Ok(Value::Bool(holds))
        }
        (BinaryOperator::In, _, Value::List(values)) => Ok(Value::Bool(values.contains(left))),
        (BinaryOperator::Add, Value::Int(left), Value::Int(right)) => {
            int_result(left.checked_add(*right))
        }
        (BinaryOperator::Add, Value::String(left), Value::String(right)) => {
            Ok(Value::String(format!("{left}{right}")))
        }
        (BinaryOperator::Add, Value::List(left), Value::List(right)) => {
            Ok(Value::List(left.iter().chain(right).cloned().collect()))
        }
        (BinaryOperator::Subtract, Value::Int(left), Value::Int(right)) => {
            int_result(left.checked_sub(*right))
        }
        (BinaryOperator::Multiply, Value::Int(left), Value::Int(right)) => {
            int_result(left.checked_mul(*right))
        }
        (BinaryOperator::Divide, Value::Int(_), Value::Int(0)) => {
            Err(EvalError::new(EvalErrorKind::DivisionByZero, span))
        }
        (BinaryOperator::Divide, Value::Int(left), Value::Int(right)) => {
            int_result(left.checked_div(*right))
        }
        (BinaryOperator::Remainder, Value::Int(_), Value::Int(0)) => {
            Err(EvalError::new(EvalErrorKind::ModuloByZero, span))
        }
        (BinaryOperator::Remainder, Value::Int(left), Value::Int(right)) => {
            int_result(left.checked_rem(*right))
        }
        _ => Err(no_such_overload(symbol, &[left, right], span)),
    }
}
