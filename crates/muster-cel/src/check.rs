//! The type-checker: checks an expression against a schema of variables, and
//! the ids it names against the ids the store holds.
//!
//! It reports every problem it finds, not only the first. A subexpression
//! found wrong gets the type `dyn`, which goes with everything, so that one
//! mistake is reported once. A condition with no other problem is refused
//! when its estimated worst-case cost (`cost.rs`) is above the limit of the
//! options.
//!
//! The checker knows no domain: the caller gives the schema, the fields
//! and methods of `person` with their types and words (`muster-orders`
//! builds the schema of orders from the words of `muster-core`).

use std::collections::BTreeSet;
use std::fmt;

use crate::cost::{COST_LIMIT, estimate_cost};
use crate::diagnostic::{Diagnostic, Span, quote};
use crate::eval::parse_date;
use crate::suggest::{did_you_mean, list_words};
use crate::syntax::{BinaryOperator, Expr, ExprKind, Literal, MacroKind, Name, UnaryOperator};

/// The type of an expression.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Type {
    Null,
    Bool,
    Int,
    String,
    Date,
    List(Box<Type>),
    /// A value of the type, or `null`: a date that may be missing.
    Nullable(Box<Type>),
    /// The type of `person`, whose fields and methods the schema gives. It is
    /// not a value: it can only have a field read or a method called.
    Person,
    /// Any type: a value whose type is only known when evaluating.
    Dyn,
}

/// The variables an expression may use, and the fields and methods of the
/// `person` type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Schema {
    pub variables: Vec<Variable>,
    pub person_fields: Vec<Field>,
    pub person_methods: Vec<Method>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Variable {
    pub name: String,
    pub variable_type: Type,
}

/// A field of `person`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Field {
    pub name: String,
    pub field_type: Type,
    /// The only values a string field takes, if they are known: a literal
    /// compared with the field must be one of them.
    pub values: Vec<String>,
    /// The longest value of a string field, in bytes, that the cost
    /// estimate assumes; `None` for no bound, which makes the estimate of a
    /// condition that reads the field unbounded.
    pub max_length: Option<u64>,
}

/// A method of `person`, which takes one argument.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Method {
    pub name: String,
    pub parameter: Type,
    pub returns: Type,
    /// What the argument names.
    pub argument: ArgumentKind,
}

/// What the argument of a method names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ArgumentKind {
    /// An id that the store must hold.
    Id(IdKind),
    /// One of a fixed set of words, such as an event kind.
    OneOf { what: String, words: Vec<String> },
    /// Free text, such as a tag or a category.
    Text { what: String },
}

/// The kinds of id that the store holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum IdKind {
    Unit,
    Site,
    Organisation,
    Order,
}

/// The ids the store holds, to check the ids an expression names.
pub trait KnownIds {
    /// Whether the store holds the id.
    fn contains(&self, kind: IdKind, id: &str) -> bool;

    /// The ids of the kind, to suggest the nearest to an unknown one.
    fn candidates(&self, kind: IdKind) -> Vec<String>;
}

/// Known ids for a check that does not check ids: every id is known.
#[derive(Clone, Copy, Debug, Default)]
pub struct EveryIdKnown;

/// What the caller forbids in an expression.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckOptions {
    /// Fields of `person` that may not be read, each with the message given
    /// when it is.
    pub forbidden_fields: Vec<(String, String)>,
    /// The fields and methods of `person` the caller may read.
    pub readable: Readable,
    /// The most an expression's estimated worst-case cost may be, in cost
    /// units (`COST_LIMIT` by default).
    pub cost_limit: u64,
}

/// The fields and methods of `person` that an expression may read: what
/// its caller may see.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Readable {
    /// Every field and method of the schema.
    #[default]
    Everything,
    /// Only these fields and methods, by name.
    Only { fields: BTreeSet<String>, methods: BTreeSet<String> },
}

impl Readable {
    /// Every field and method, the default.
    pub fn everything() -> Readable {
        Readable::Everything
    }

    /// Only the fields and methods named.
    pub fn only<F, M>(
        fields: impl IntoIterator<Item = F>,
        methods: impl IntoIterator<Item = M>,
    ) -> Readable
    where
        F: Into<String>,
        M: Into<String>,
    {
        Readable::Only {
            fields: fields.into_iter().map(Into::into).collect(),
            methods: methods.into_iter().map(Into::into).collect(),
        }
    }

    /// Whether the field may be read.
    pub fn field(&self, name: &str) -> bool {
        match self {
            Readable::Everything => true,
            Readable::Only { fields, .. } => fields.contains(name),
        }
    }

    /// Whether the method may be called.
    pub fn method(&self, name: &str) -> bool {
        match self {
            Readable::Everything => true,
            Readable::Only { methods, .. } => methods.contains(name),
        }
    }
}

impl Default for CheckOptions {
    fn default() -> CheckOptions {
        CheckOptions {
            forbidden_fields: Vec::new(),
            readable: Readable::Everything,
            cost_limit: COST_LIMIT,
        }
    }
}

impl Field {
    /// A field of the type, with no known values and no bound on its
    /// length.
    pub fn new(name: impl Into<String>, field_type: Type) -> Field {
        Field { name: name.into(), field_type, values: Vec::new(), max_length: None }
    }

    /// A string field whose values are at most `max_length` bytes long.
    pub fn text(name: impl Into<String>, max_length: u64) -> Field {
        Field { max_length: Some(max_length), ..Field::new(name, Type::String) }
    }

    /// A string field that only takes these words.
    pub fn words<W: Into<String>>(
        name: impl Into<String>,
        words: impl IntoIterator<Item = W>,
    ) -> Field {
        let values: Vec<String> = words.into_iter().map(Into::into).collect();
        let max_length = values.iter().map(|word| word.len() as u64).max().unwrap_or(0);
        Field { values, max_length: Some(max_length), ..Field::new(name, Type::String) }
    }
}

impl Method {
    /// A method that takes a string and tells whether it holds.
    pub fn new(name: impl Into<String>, argument: ArgumentKind) -> Method {
        Method { name: name.into(), parameter: Type::String, returns: Type::Bool, argument }
    }
}

impl Schema {
    /// The schema of conditions: the variables `today` (a date) and
    /// `person`, with these fields and methods.
    pub fn conditions(person_fields: Vec<Field>, person_methods: Vec<Method>) -> Schema {
        Schema {
            variables: vec![
                Variable { name: "today".to_owned(), variable_type: Type::Date },
                Variable { name: "person".to_owned(), variable_type: Type::Person },
            ],
            person_fields,
            person_methods,
        }
    }
}

/// Checks an expression and returns its type, or every problem found.
pub fn check(
    expr: &Expr,
    schema: &Schema,
    ids: &dyn KnownIds,
    options: &CheckOptions,
) -> Result<Type, Vec<Diagnostic>> {
    let mut checker = Checker { schema, ids, options, scopes: Vec::new(), diagnostics: Vec::new() };
    let expr_type = checker.check(expr);
    checker.check_cost(expr);
    if checker.diagnostics.is_empty() { Ok(expr_type) } else { Err(checker.diagnostics) }
}

/// Checks an expression that must be a condition: its type must be bool.
pub fn check_condition(
    expr: &Expr,
    schema: &Schema,
    ids: &dyn KnownIds,
    options: &CheckOptions,
) -> Result<(), Vec<Diagnostic>> {
    let mut checker = Checker { schema, ids, options, scopes: Vec::new(), diagnostics: Vec::new() };
    let expr_type = checker.check(expr);
    if checker.diagnostics.is_empty() && !matches!(expr_type, Type::Bool | Type::Dyn) {
        checker.diagnostics.push(
            Diagnostic::new(expr.span, format!("expected a condition (bool), found {expr_type}"))
                .with_types("bool", expr_type.to_string()),
        );
    }
    checker.check_cost(expr);
    if checker.diagnostics.is_empty() { Ok(()) } else { Err(checker.diagnostics) }
}

impl fmt::Display for Type {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Type::Null => formatter.write_str("null"),
            Type::Bool => formatter.write_str("bool"),
            Type::Int => formatter.write_str("int"),
            Type::String => formatter.write_str("string"),
            Type::Date => formatter.write_str("date"),
            Type::List(element) => write!(formatter, "list({element})"),
            Type::Nullable(inner) => write!(formatter, "{inner} or null"),
            Type::Person => formatter.write_str("person"),
            Type::Dyn => formatter.write_str("dyn"),
        }
    }
}

impl Type {
    /// The type with "a" or "an" before it, as messages give it.
    pub fn with_article(&self) -> String {
        match self {
            Type::Int => "an int".to_owned(),
            other => format!("a {other}"),
        }
    }
}

impl fmt::Display for IdKind {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(match self {
            IdKind::Unit => "unit",
            IdKind::Site => "site",
            IdKind::Organisation => "organisation",
            IdKind::Order => "order",
        })
    }
}

impl KnownIds for EveryIdKnown {
    fn contains(&self, _kind: IdKind, _id: &str) -> bool {
        true
    }

    fn candidates(&self, _kind: IdKind) -> Vec<String> {
        Vec::new()
    }
}

impl CheckOptions {
    /// The options for the conditions of a discharge rule, which may not read
    /// `person.status`.
    pub fn discharge_rule() -> CheckOptions {
        CheckOptions {
            forbidden_fields: vec![(
                "status".to_owned(),
                "a discharge rule may not read `person.status`: it depends on the discharge \
                 being decided"
                    .to_owned(),
            )],
            ..CheckOptions::default()
        }
    }
}

impl Schema {
    pub fn field(&self, name: &str) -> Option<&Field> {
        self.person_fields.iter().find(|field| field.name == name)
    }

    pub fn method(&self, name: &str) -> Option<&Method> {
        self.person_methods.iter().find(|method| method.name == name)
    }
}

/// Whether values of the two types can be compared with `==`.
fn comparable(left: &Type, right: &Type) -> bool {
    match (left, right) {
        (Type::Dyn, _) | (_, Type::Dyn) => true,
        (Type::Null, Type::Null | Type::Nullable(_)) | (Type::Nullable(_), Type::Null) => true,
        (Type::Nullable(left), Type::Nullable(right)) => comparable(left, right),
        (Type::Nullable(nullable), other) | (other, Type::Nullable(nullable)) => {
            comparable(nullable, other)
        }
        (Type::List(left), Type::List(right)) => comparable(left, right),
        _ => left == right,
    }
}

/// Whether values of the two types can be compared with `<`.
fn ordered(left: &Type, right: &Type) -> bool {
    let strip = |value_type: &Type| match value_type {
        Type::Nullable(inner) => (**inner).clone(),
        other => other.clone(),
    };
    let orderable = |value_type: &Type| {
        matches!(value_type, Type::Int | Type::String | Type::Bool | Type::Date | Type::Dyn)
    };
    let (left, right) = (strip(left), strip(right));
    orderable(&left)
        && orderable(&right)
        && (left == right || left == Type::Dyn || right == Type::Dyn)
}

/// The type that both types fit, if there is one.
fn join(left: &Type, right: &Type) -> Option<Type> {
    match (left, right) {
        _ if left == right => Some(left.clone()),
        (Type::Dyn, _) | (_, Type::Dyn) => Some(Type::Dyn),
        (Type::Null, Type::Nullable(_)) => Some(right.clone()),
        (Type::Nullable(_), Type::Null) => Some(left.clone()),
        (Type::Null, Type::Date) | (Type::Date, Type::Null) => {
            Some(Type::Nullable(Box::new(Type::Date)))
        }
        (Type::Nullable(inner), other) | (other, Type::Nullable(inner)) if **inner == *other => {
            Some(Type::Nullable(inner.clone()))
        }
        (Type::List(left), Type::List(right)) => {
            join(left, right).map(|element| Type::List(Box::new(element)))
        }
        _ => None,
    }
}

const STRING_METHODS: &[&str] = &["startsWith", "endsWith", "contains", "size"];

struct Checker<'check> {
    schema: &'check Schema,
    ids: &'check dyn KnownIds,
    options: &'check CheckOptions,
    /// The variables of the macros being checked, innermost last.
    scopes: Vec<(String, Type)>,
    diagnostics: Vec<Diagnostic>,
}

/// A number with its thousands grouped: `18,384,120`.
pub fn grouped(number: u64) -> String {
    let digits = number.to_string();
    let mut grouped = String::new();
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    grouped
}

impl Checker<'_> {
    /// Refuses an expression whose estimated cost is above the limit, when
    /// nothing else is wrong with it.
    fn check_cost(&mut self, expr: &Expr) {
        if !self.diagnostics.is_empty() {
            return;
        }
        let limit = self.options.cost_limit;
        let cost = estimate_cost(expr, self.schema);
        if cost <= limit {
            return;
        }
        let message = if cost == u64::MAX {
            format!(
                "the cost of evaluating this condition has no bound, and the limit is {} cost \
                 units",
                grouped(limit)
            )
        } else {
            format!(
                "evaluating this condition may cost up to {} cost units, more than the limit of {}",
                grouped(cost),
                grouped(limit)
            )
        };
        self.diagnostics.push(Diagnostic::new(expr.span, message).with_help(
            "a macro costs its body once per element of its list, and nested macros multiply: \
             use shorter lists or fewer nested macros",
        ));
    }

    /// Reports a read of a field or method of `person` that the caller may
    /// not read.
    fn check_readable(&mut self, name: &str, readable: bool, span: Span) {
        if readable {
            return;
        }
        let fields = self.schema.person_fields.iter().map(|field| field.name.as_str());
        let methods = self.schema.person_methods.iter().map(|method| method.name.as_str());
        let allowed: Vec<&str> = fields
            .filter(|field| self.options.readable.field(field))
            .chain(methods.filter(|method| self.options.readable.method(method)))
            .collect();
        let may = if allowed.is_empty() {
            "this caller may read nothing of `person`".to_owned()
        } else {
            format!("this caller may read {}", list_words(allowed))
        };
        self.diagnostics
            .push(Diagnostic::new(span, format!("`person.{name}` is not readable here: {may}")));
    }

    fn report(&mut self, diagnostic: Diagnostic) -> Type {
        self.diagnostics.push(diagnostic);
        Type::Dyn
    }

    fn lookup(&self, name: &str) -> Option<Type> {
        if let Some((_, bound)) = self.scopes.iter().rev().find(|(bound, _)| bound == name) {
            return Some(bound.clone());
        }
        let variable = self.schema.variables.iter().find(|variable| variable.name == name)?;
        Some(variable.variable_type.clone())
    }

    /// Checks that an operand has the type an operator or function needs;
    /// `what` names the operand, as in "the condition of `all`".
    fn expect_operand(&mut self, operand: &Expr, operand_type: &Type, wanted: Type, what: &str) {
        if *operand_type != wanted && *operand_type != Type::Dyn {
            self.report(
                Diagnostic::new(
                    operand.span,
                    format!("{what} must be {}, found {operand_type}", wanted.with_article()),
                )
                .with_types(wanted.to_string(), operand_type.to_string()),
            );
        }
    }

    /// Checks the target of a field or method, which alone may be `person`.
    fn check_target(&mut self, target: &Expr) -> Type {
        if let ExprKind::Identifier(name) = &target.kind
            && let Some(Type::Person) = self.lookup(name)
        {
            return Type::Person;
        }
        self.check(target)
    }

    fn check(&mut self, expr: &Expr) -> Type {
        let span = expr.span;
        match &expr.kind {
            ExprKind::Literal(Literal::Null) => Type::Null,
            ExprKind::Literal(Literal::Bool(_)) => Type::Bool,
            ExprKind::Literal(Literal::Int(_)) => Type::Int,
            ExprKind::Literal(Literal::String(_)) => Type::String,
            ExprKind::Identifier(name) => self.identifier(name, span),
            ExprKind::List(elements) => {
                let mut element_type: Option<Type> = None;
                for element in elements {
                    let next = self.check(element);
                    element_type = Some(match element_type {
                        None => next,
                        Some(previous) => join(&previous, &next).unwrap_or(Type::Dyn),
                    });
                }
                Type::List(Box::new(element_type.unwrap_or(Type::Dyn)))
            }
            ExprKind::Unary { operator, operand } => {
                let operand_type = self.check(operand);
                let (wanted, what) = match operator {
                    UnaryOperator::Not => (Type::Bool, "the operand of `!`"),
                    UnaryOperator::Negate => (Type::Int, "the operand of `-`"),
                };
                self.expect_operand(operand, &operand_type, wanted.clone(), what);
                wanted
            }
            ExprKind::Binary { operator, left, right } => self.binary(*operator, left, right, span),
            ExprKind::Conditional { condition, then_branch, else_branch } => {
                let condition_type = self.check(condition);
                if !matches!(condition_type, Type::Bool | Type::Dyn) {
                    self.report(
                        Diagnostic::new(
                            condition.span,
                            format!(
                                "the condition of `? :` must be a bool, found {condition_type}"
                            ),
                        )
                        .with_types("bool", condition_type.to_string()),
                    );
                }
                let then_type = self.check(then_branch);
                let else_type = self.check(else_branch);
                join(&then_type, &else_type).unwrap_or_else(|| {
                    self.report(
                        Diagnostic::new(
                            span,
                            format!(
                                "the branches of `? :` have different types: {then_type} and \
                                 {else_type}"
                            ),
                        )
                        .with_types(then_type.to_string(), else_type.to_string()),
                    )
                })
            }
            ExprKind::Member { target, field } => {
                let target_type = self.check_target(target);
                self.member(&target_type, field)
            }
            ExprKind::Index { target, index } => {
                let target_type = self.check(target);
                let index_type = self.check(index);
                self.expect_operand(index, &index_type, Type::Int, "an index");
                match target_type {
                    Type::List(element) => *element,
                    Type::Dyn => Type::Dyn,
                    other => self.report(
                        Diagnostic::new(
                            target.span,
                            format!(
                                "only lists can be indexed, and this is {}",
                                other.with_article()
                            ),
                        )
                        .with_types("a list", other.to_string()),
                    ),
                }
            }
            ExprKind::Call { target: None, function, arguments } => {
                self.function(function, arguments, span)
            }
            ExprKind::Call { target: Some(target), function, arguments } => {
                let target_type = self.check_target(target);
                self.method(&target_type, function, arguments, span)
            }
            ExprKind::Macro { kind, target, variable, filter, body } => {
                let target_type = self.check(target);
                let element = match target_type {
                    Type::List(element) => *element,
                    Type::Dyn => Type::Dyn,
                    other => {
                        self.report(
                            Diagnostic::new(
                                target.span,
                                format!(
                                    "`{}` works on lists, and this is {}",
                                    kind.name(),
                                    other.with_article()
                                ),
                            )
                            .with_types("a list", other.to_string()),
                        );
                        Type::Dyn
                    }
                };
                self.scopes.push((variable.name.clone(), element.clone()));
                let name = kind.name();
                if let Some(filter) = filter {
                    let filter_type = self.check(filter);
                    let what = format!("the condition of `{name}`");
                    self.expect_operand(filter, &filter_type, Type::Bool, &what);
                }
                let body_type = self.check(body);
                self.scopes.pop();
                match kind {
                    MacroKind::All | MacroKind::Exists | MacroKind::ExistsOne => {
                        let what = format!("the condition of `{name}`");
                        self.expect_operand(body, &body_type, Type::Bool, &what);
                        Type::Bool
                    }
                    MacroKind::Filter => {
                        let what = format!("the condition of `{name}`");
                        self.expect_operand(body, &body_type, Type::Bool, &what);
                        Type::List(Box::new(element))
                    }
                    MacroKind::Map => Type::List(Box::new(body_type)),
                }
            }
        }
    }

    fn identifier(&mut self, name: &str, span: Span) -> Type {
        match self.lookup(name) {
            Some(Type::Person) => self.report(
                Diagnostic::new(
                    span,
                    format!("`{name}` is not a value: read one of its fields or call a method"),
                )
                .with_help(format!("such as `{name}.home_province`")),
            ),
            Some(found) => found,
            None => {
                let mut names: Vec<&str> =
                    self.scopes.iter().rev().map(|(bound, _)| bound.as_str()).collect();
                names.extend(self.schema.variables.iter().map(|variable| variable.name.as_str()));
                let help = did_you_mean(name, names.iter().copied())
                    .unwrap_or_else(|| format!("the variables are {}", list_words(names)));
                self.report(
                    Diagnostic::new(span, format!("unknown variable {}", quote(name)))
                        .with_help(help),
                )
            }
        }
    }

    fn binary(&mut self, operator: BinaryOperator, left: &Expr, right: &Expr, span: Span) -> Type {
        let symbol = operator.symbol();
        let left_type = self.check(left);
        let right_type = self.check(right);
        let mismatch = |verb: &str| {
            Diagnostic::new(span, format!("`{symbol}` cannot {verb} {left_type} and {right_type}"))
                .with_types(left_type.to_string(), right_type.to_string())
        };
        match operator {
            BinaryOperator::And | BinaryOperator::Or => {
                let what = format!("each operand of `{symbol}`");
                self.expect_operand(left, &left_type, Type::Bool, &what);
                self.expect_operand(right, &right_type, Type::Bool, &what);
                Type::Bool
            }
            BinaryOperator::Equal | BinaryOperator::NotEqual => {
                if comparable(&left_type, &right_type) {
                    self.check_field_values(left, right);
                    self.check_field_values(right, left);
                } else {
                    self.report(mismatch("compare"));
                }
                Type::Bool
            }
            BinaryOperator::Less
            | BinaryOperator::LessOrEqual
            | BinaryOperator::Greater
            | BinaryOperator::GreaterOrEqual => {
                if !ordered(&left_type, &right_type) {
                    self.report(mismatch("order"));
                }
                Type::Bool
            }
            BinaryOperator::In => {
                match &right_type {
                    Type::List(element) if comparable(&left_type, element) => {
                        self.check_field_values(left, right);
                    }
                    Type::Dyn => {}
                    Type::List(_) => {
                        self.report(
                            Diagnostic::new(
                                span,
                                format!("`in` cannot look for {left_type} in {right_type}"),
                            )
                            .with_types(format!("list({left_type})"), right_type.to_string()),
                        );
                    }
                    other => {
                        self.report(
                            Diagnostic::new(
                                right.span,
                                format!(
                                    "`in` looks in a list, and this is {}",
                                    other.with_article()
                                ),
                            )
                            .with_types("a list", other.to_string()),
                        );
                    }
                }
                Type::Bool
            }
            BinaryOperator::Add => {
                let addable = |value_type: &Type| {
                    matches!(value_type, Type::Int | Type::String | Type::List(_) | Type::Dyn)
                };
                let sum = match (&left_type, &right_type) {
                    (Type::Dyn, other) | (other, Type::Dyn) if addable(other) => {
                        Some(other.clone())
                    }
                    (Type::List(_), Type::List(_)) => join(&left_type, &right_type),
                    (Type::Int, Type::Int) => Some(Type::Int),
                    (Type::String, Type::String) => Some(Type::String),
                    _ => None,
                };
                sum.unwrap_or_else(|| self.report(mismatch("add")))
            }
            BinaryOperator::Subtract
            | BinaryOperator::Multiply
            | BinaryOperator::Divide
            | BinaryOperator::Remainder => {
                let integer = |value_type: &Type| matches!(value_type, Type::Int | Type::Dyn);
                if integer(&left_type) && integer(&right_type) {
                    return Type::Int;
                }
                self.report(
                    Diagnostic::new(
                        span,
                        format!("`{symbol}` takes ints, found {left_type} and {right_type}"),
                    )
                    .with_types("int", format!("{left_type} and {right_type}")),
                )
            }
        }
    }

    /// When `field` reads a field of `person` whose values are known, checks
    /// that the string literals of `other` (one, or a list of them) are among
    /// those values.
    fn check_field_values(&mut self, field: &Expr, other: &Expr) {
        let ExprKind::Member { target, field: field_name } = &field.kind else {
            return;
        };
        let ExprKind::Identifier(target_name) = &target.kind else {
            return;
        };
        if self.lookup(target_name) != Some(Type::Person) {
            return;
        }
        let Some(schema_field) = self.schema.field(&field_name.name) else {
            return;
        };
        if schema_field.values.is_empty() {
            return;
        }
        let literals = match &other.kind {
            ExprKind::List(elements) => elements.iter().collect(),
            _ => vec![other],
        };
        for literal in literals {
            let ExprKind::Literal(Literal::String(value)) = &literal.kind else {
                continue;
            };
            if schema_field.values.contains(value) {
                continue;
            }
            let values = schema_field.values.iter().map(String::as_str);
            let all = format!("its values are {}", list_words(values.clone()));
            let help = match did_you_mean(value, values) {
                Some(suggestion) => format!("{suggestion} {all}"),
                None => all,
            };
            self.diagnostics.push(
                Diagnostic::new(
                    literal.span,
                    format!(
                        "{} is never a value of `{target_name}.{}`",
                        quote(value),
                        field_name.name
                    ),
                )
                .with_help(help),
            );
        }
    }

    fn member(&mut self, target_type: &Type, field: &Name) -> Type {
        let name = field.name.as_str();
        match target_type {
            Type::Person => {
                if let Some((_, message)) =
                    self.options.forbidden_fields.iter().find(|(forbidden, _)| forbidden == name)
                {
                    self.diagnostics.push(Diagnostic::new(field.span, message.clone()));
                }
                if let Some(schema_field) = self.schema.field(name) {
                    let readable = self.options.readable.field(name);
                    self.check_readable(name, readable, field.span);
                    return schema_field.field_type.clone();
                }
                if self.schema.method(name).is_some() {
                    return self.report(
                        Diagnostic::new(
                            field.span,
                            format!("`{name}` is a method of `person`, not a field"),
                        )
                        .with_help(format!("call it: `person.{name}(\"...\")`")),
                    );
                }
                let names = self.schema.person_fields.iter().map(|field| field.name.as_str());
                let help = did_you_mean(name, names.clone())
                    .unwrap_or_else(|| format!("the fields of `person` are {}", list_words(names)));
                self.report(
                    Diagnostic::new(
                        field.span,
                        format!("unknown field {} of `person`", quote(name)),
                    )
                    .with_help(help),
                )
            }
            Type::Dyn => Type::Dyn,
            other => self.report(Diagnostic::new(
                field.span,
                format!("unknown field {}: {} has no fields", quote(name), other.with_article()),
            )),
        }
    }

    fn check_arguments(&mut self, arguments: &[Expr]) -> Vec<Type> {
        arguments.iter().map(|argument| self.check(argument)).collect()
    }

    /// Checks the number of arguments of a function or method.
    fn expect_count(&mut self, name: &str, arguments: &[Expr], count: usize, span: Span) -> bool {
        if arguments.len() == count {
            return true;
        }
        let plural = if count == 1 { "argument" } else { "arguments" };
        self.report(Diagnostic::new(
            span,
            format!("`{name}` takes {count} {plural}, found {}", arguments.len()),
        ));
        false
    }

    fn function(&mut self, function: &Name, arguments: &[Expr], span: Span) -> Type {
        let types = self.check_arguments(arguments);
        let name = function.name.as_str();
        match name {
            "size" => {
                if self.expect_count(name, arguments, 1, span) {
                    self.size_of(&arguments[0], &types[0]);
                }
                Type::Int
            }
            "date" => {
                if self.expect_count(name, arguments, 1, span) {
                    self.expect_operand(
                        &arguments[0],
                        &types[0],
                        Type::String,
                        "the argument of `date`",
                    );
                    if let ExprKind::Literal(Literal::String(text)) = &arguments[0].kind
                        && parse_date(text).is_none()
                    {
                        self.report(
                            Diagnostic::new(
                                arguments[0].span,
                                format!("{} is not a date of the form YYYY-MM-DD", quote(text)),
                            )
                            .with_help(
                                "write a day the calendar has, such as `date(\"2020-10-01\")`",
                            ),
                        );
                    }
                }
                Type::Date
            }
            _ => {
                let help = if self.schema.method(name).is_some() {
                    format!("`{name}` is a method of `person`: write `person.{name}(...)`")
                } else if STRING_METHODS.contains(&name) {
                    format!("`{name}` is a method of strings: write `text.{name}(...)`")
                } else if let Some(field) = self.schema.field(name) {
                    format!(
                        "`{}` is a field of `person`: write `person.{}`",
                        field.name, field.name
                    )
                } else if name == "has" {
                    "`has` is not supported in order conditions: every field of `person` is \
                     always there"
                        .to_owned()
                } else {
                    did_you_mean(name, ["size", "date"])
                        .unwrap_or_else(|| "the functions are `size` and `date`".to_owned())
                };
                self.report(
                    Diagnostic::new(function.span, format!("unknown function {}", quote(name)))
                        .with_help(help),
                )
            }
        }
    }

    fn size_of(&mut self, argument: &Expr, argument_type: &Type) {
        if !matches!(argument_type, Type::String | Type::List(_) | Type::Dyn) {
            self.report(
                Diagnostic::new(
                    argument.span,
                    format!("`size` takes a string or a list, found {argument_type}"),
                )
                .with_types("a string or a list", argument_type.to_string()),
            );
        }
    }

    fn method(
        &mut self,
        target_type: &Type,
        function: &Name,
        arguments: &[Expr],
        span: Span,
    ) -> Type {
        let types = self.check_arguments(arguments);
        let name = function.name.as_str();
        match target_type {
            Type::Person => self.person_method(function, arguments, &types, span),
            Type::String | Type::Dyn if STRING_METHODS.contains(&name) => {
                if name == "size" {
                    self.expect_count(name, arguments, 0, span);
                    return Type::Int;
                }
                if self.expect_count(name, arguments, 1, span) {
                    let what = format!("the argument of `{name}`");
                    self.expect_operand(&arguments[0], &types[0], Type::String, &what);
                }
                Type::Bool
            }
            Type::List(_) if name == "size" => {
                self.expect_count(name, arguments, 0, span);
                Type::Int
            }
            other => {
                let candidates: &[&str] = match other {
                    Type::String | Type::Dyn => STRING_METHODS,
                    Type::List(_) => &["size"],
                    _ => &[],
                };
                let help = if matches!(other, Type::List(_)) && name == "contains" {
                    Some("to look for a value in a list, write `value in list`".to_owned())
                } else if let Some(suggestion) = did_you_mean(name, candidates.iter().copied()) {
                    Some(suggestion)
                } else if candidates.is_empty() {
                    None
                } else {
                    Some(format!("its methods are {}", list_words(candidates.iter().copied())))
                };
                let diagnostic = Diagnostic::new(
                    function.span,
                    format!(
                        "unknown method {}: {} has no such method",
                        quote(name),
                        other.with_article()
                    ),
                );
                self.report(match help {
                    Some(help) => diagnostic.with_help(help),
                    None => diagnostic,
                })
            }
        }
    }

    fn person_method(
        &mut self,
        function: &Name,
        arguments: &[Expr],
        types: &[Type],
        span: Span,
    ) -> Type {
        let name = function.name.as_str();
        let Some(method) = self.schema.method(name) else {
            if self.schema.field(name).is_some() {
                return self.report(
                    Diagnostic::new(
                        function.span,
                        format!("`{name}` is a field of `person`, not a method"),
                    )
                    .with_help(format!("write `person.{name}`, without parentheses")),
                );
            }
            let names = self.schema.person_methods.iter().map(|method| method.name.as_str());
            let help = did_you_mean(name, names.clone())
                .unwrap_or_else(|| format!("the methods of `person` are {}", list_words(names)));
            return self.report(
                Diagnostic::new(
                    function.span,
                    format!("unknown method {} of `person`", quote(name)),
                )
                .with_help(help),
            );
        };
        let method = method.clone();
        let readable = self.options.readable.method(name);
        self.check_readable(name, readable, function.span);
        if !self.expect_count(name, arguments, 1, span) {
            return method.returns;
        }
        let (argument, argument_type) = (&arguments[0], &types[0]);
        if !comparable(argument_type, &method.parameter) || *argument_type == Type::Null {
            self.report(
                Diagnostic::new(
                    argument.span,
                    format!(
                        "the argument of `{name}` must be a {}, found {argument_type}",
                        method.parameter
                    ),
                )
                .with_types(method.parameter.to_string(), argument_type.to_string()),
            );
            return method.returns;
        }
        if let ExprKind::Literal(Literal::String(text)) = &argument.kind {
            self.check_argument_text(&method.argument, text, argument.span);
        }
        method.returns
    }

    /// Checks the literal argument of a method of `person` against what it
    /// names.
    fn check_argument_text(&mut self, argument: &ArgumentKind, text: &str, span: Span) {
        match argument {
            ArgumentKind::Id(kind) => {
                if self.ids.contains(*kind, text) {
                    return;
                }
                let candidates = self.ids.candidates(*kind);
                let diagnostic = Diagnostic::new(span, format!("unknown {kind} {}", quote(text)));
                let help = did_you_mean(text, candidates.iter().map(String::as_str));
                self.report(match help {
                    Some(help) => diagnostic.with_help(help),
                    None => diagnostic,
                });
            }
            ArgumentKind::OneOf { what, words } => {
                if words.iter().any(|word| word == text) {
                    return;
                }
                let words = words.iter().map(String::as_str);
                let all = format!("the {what}s are {}", list_words(words.clone()));
                let help = match did_you_mean(text, words) {
                    Some(suggestion) => format!("{suggestion} {all}"),
                    None => all,
                };
                self.report(
                    Diagnostic::new(span, format!("{} is not a known {what}", quote(text)))
                        .with_help(help),
                );
            }
            ArgumentKind::Text { .. } => {}
        }
    }
}

#[cfg(test)]
mod tests;
