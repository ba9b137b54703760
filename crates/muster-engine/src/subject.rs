//! A person as a rule sees him, read from the packed columns: the subject
//! the reference interpreter evaluates a condition against when no index
//! covers it. And the stand-ins that answer one field or one method with a
//! given value, to evaluate a condition once per value instead of once per
//! person.

use std::cell::OnceCell;
use std::collections::HashMap;

use chrono::NaiveDate;
use muster_cel::{EvalError, Limits, Value};
use muster_core::{EventKind, Status};
use muster_orders::OrderBook;
use roaring::RoaringBitmap;

use crate::chain::{Discharges, PersonDischarge, person_discharge};
use crate::engine::{Engine, Key};
use crate::people::{Day, covers, day_number};

/// A condition that held.
pub(crate) const TRUE: u8 = 1;
/// A condition that did not hold.
pub(crate) const FALSE: u8 = 0;
/// A condition that failed, or gave something other than a bool.
pub(crate) const ERROR: u8 = 2;

/// The class of an evaluation's result: `TRUE`, `FALSE` or `ERROR`.
pub(crate) fn classify(result: &Result<Value, EvalError>) -> u8 {
    match result {
        Ok(Value::Bool(true)) => TRUE,
        Ok(Value::Bool(false)) => FALSE,
        _ => ERROR,
    }
}

/// Evaluates an expression with a subject on a day, within the limits, and
/// classes the result. An evaluation stopped by its request budget is an
/// `ERROR` here: the public functions that evaluate over many people fail
/// the whole question when they find the budget stopped.
pub(crate) fn evaluate_class(
    expr: &muster_cel::Expr,
    subject: Option<&dyn muster_cel::Subject>,
    day: NaiveDate,
    limits: Limits<'_>,
) -> u8 {
    let environment = muster_cel::Environment { today: Some(day), person: subject };
    let mut reads = muster_cel::Reads::new();
    classify(&muster_cel::evaluate_within(expr, &environment, &mut reads, limits))
}

/// Whether outcomes computed within the limits may be kept for later
/// questions: not when the request budget has stopped, since an outcome
/// may then be an evaluation cut short.
pub(crate) fn may_keep(limits: Limits<'_>) -> bool {
    limits.request.is_none_or(|budget| budget.stopped().is_none())
}

/// Where a person's discharge comes from, for `status` and `delayed_by`.
pub(crate) enum Source<'a> {
    /// Inside the discharge chains of everyone: the delays so far, per
    /// order; `status` is not for discharge rules to read.
    ChainSets(&'a HashMap<String, RoaringBitmap>),
    /// Inside one person's discharge chain: the orders that delayed him so
    /// far.
    ChainList(&'a [String]),
    /// Everyone's discharges, as of the view's day.
    Bulk(&'a Discharges),
    /// His own discharge, computed when first asked.
    Single { book: &'a OrderBook, discharge: OnceCell<PersonDischarge> },
}

/// A person read from the packed columns, on a day.
pub(crate) struct PackedPerson<'a> {
    pub(crate) engine: &'a Engine,
    pub(crate) person: u32,
    pub(crate) day: NaiveDate,
    pub(crate) source: Source<'a>,
    /// The limits his conditions are evaluated within.
    pub(crate) limits: Limits<'a>,
}

pub(crate) use muster_core::age_on;

impl Engine {
    /// His status on `day`, given his discharge date.
    pub(crate) fn status_on(&self, person: u32, day: Day, discharge: Option<Day>) -> Status {
        let enlisted = self.date(Key::Enlisted, person).map(day_number);
        let events = self.events.of(person).iter().map(|event| (event.kind, event.date));
        muster_core::status_of(events, enlisted, discharge, day)
    }

    /// Whether a person's method holds on `day`, for the methods that read
    /// only his records.
    pub(crate) fn method_holds(
        &self,
        person: u32,
        method: &str,
        argument: &str,
        day: Day,
    ) -> Option<bool> {
        Some(self.check(&self.method_check(method, argument)?, person, day))
    }

    /// A method with its argument resolved to the engine's codes, once.
    pub(crate) fn method_check(&self, method: &str, argument: &str) -> Option<MethodCheck> {
        let or_never = |check: Option<MethodCheck>| check.unwrap_or(MethodCheck::Never);
        Some(match method {
            "served_in" => or_never(self.units.code(argument).map(MethodCheck::ServedIn)),
            "served_in_tagged" => or_never(self.tags.code(argument).map(MethodCheck::Tagged)),
            "serving_in" => or_never(self.units.code(argument).map(MethodCheck::Serving)),
            "deployed_at" => or_never(self.sites.code(argument).map(MethodCheck::Deployed)),
            "admitted" => or_never(self.texts.code(argument).map(MethodCheck::Admitted)),
            "exempted" => or_never(self.texts.code(argument).map(MethodCheck::Exempted)),
            "had" => or_never(
                EventKind::ALL
                    .iter()
                    .find(|kind| kind.as_str() == argument)
                    .map(|kind| MethodCheck::Had(*kind)),
            ),
            _ => return None,
        })
    }

    /// Whether a resolved method holds for a person on `day`.
    pub(crate) fn check(&self, check: &MethodCheck, person: u32, day: Day) -> bool {
        let assignments = || self.assignments.of(person).iter();
        let events = || self.events.of(person).iter().filter(move |event| event.date <= day);
        match *check {
            MethodCheck::ServedIn(unit) => {
                assignments().any(|row| row.from <= day && self.ancestors(row.unit).contains(&unit))
            }
            MethodCheck::Tagged(tag) => {
                assignments().any(|row| row.from <= day && self.tags_of(row.unit).contains(&tag))
            }
            MethodCheck::Serving(unit) => assignments().any(|row| {
                covers(row.from, row.to, day) && self.ancestors(row.unit).contains(&unit)
            }),
            MethodCheck::Deployed(site) => self
                .periods
                .of(person)
                .iter()
                .any(|row| row.site == site && covers(row.from, row.to, day)),
            MethodCheck::Admitted(text) => events().any(|event| {
                event.kind == EventKind::Admitted
                    && (event.detail == text || event.reference == text)
            }),
            MethodCheck::Exempted(text) => {
                events().any(|event| event.kind == EventKind::Exempted && event.scope == text)
                    || self
                        .papers
                        .of(person)
                        .iter()
                        .any(|paper| paper.scope == text && covers(paper.from, paper.to, day))
            }
            MethodCheck::Had(kind) => events().any(|event| event.kind == kind),
            MethodCheck::Never => false,
        }
    }
}

/// A method of `person` with its argument resolved to the engine's codes;
/// `Never` for an argument the engine has never seen.
#[derive(Clone, Copy, Debug)]
pub(crate) enum MethodCheck {
    ServedIn(u32),
    Tagged(u32),
    Serving(u32),
    Deployed(u32),
    Admitted(u32),
    Exempted(u32),
    Had(EventKind),
    Never,
}

impl PackedPerson<'_> {
    fn status(&self) -> Value {
        let engine = self.engine;
        let day = day_number(self.day);
        let status = match &self.source {
            Source::ChainSets(_) | Source::ChainList(_) => return Value::Null,
            Source::Bulk(discharges) => {
                engine.status_on(self.person, day, discharges.date(engine, self.person))
            }
            Source::Single { book, discharge } => {
                let discharge = discharge.get_or_init(|| {
                    person_discharge(engine, book, None, self.person, self.day, self.limits)
                });
                engine.status_on(self.person, day, discharge.date().map(day_number))
            }
        };
        Value::String(status.as_str().to_string())
    }

    fn delayed_by(&self, order: &str) -> bool {
        match &self.source {
            Source::ChainSets(sets) => sets.get(order).is_some_and(|set| set.contains(self.person)),
            Source::ChainList(orders) => orders.iter().any(|own| own == order),
            Source::Bulk(discharges) => discharges.delayed(order, self.person),
            Source::Single { book, discharge } => discharge
                .get_or_init(|| {
                    person_discharge(self.engine, book, None, self.person, self.day, self.limits)
                })
                .delayed_by
                .iter()
                .any(|own| own == order),
        }
    }
}

impl muster_cel::Subject for PackedPerson<'_> {
    fn field(&self, name: &str) -> Option<Value> {
        let engine = self.engine;
        let person = self.person;
        Some(match name {
            "id" => Value::String(engine.ids.get(person).to_string()),
            "name" => Value::String(engine.names.get(person).to_string()),
            "status" => self.status(),
            "age" => {
                let born = engine.date(Key::Born, person).unwrap_or(NaiveDate::MIN);
                Value::Int(age_on(born, self.day))
            }
            _ => engine.cell(Key::of_field(name)?, person).value(),
        })
    }

    fn call(&self, method: &str, argument: &Value) -> Option<Result<Value, EvalError>> {
        let Value::String(argument) = argument else {
            return Some(Err(EvalError::subject(format!(
                "`person.{method}` takes a string, not {}",
                argument.type_name()
            ))));
        };
        let answer = match method {
            "delayed_by" => self.delayed_by(argument),
            _ => self.engine.method_holds(self.person, method, argument, day_number(self.day))?,
        };
        Some(Ok(Value::Bool(answer)))
    }
}

/// A stand-in person whose only field read is one key, with a given value.
pub(crate) struct KeySubject {
    pub(crate) key: Key,
    pub(crate) value: Value,
}

impl muster_cel::Subject for KeySubject {
    fn field(&self, name: &str) -> Option<Value> {
        (Key::of_field(name) == Some(self.key)).then(|| self.value.clone())
    }

    fn call(&self, _method: &str, _argument: &Value) -> Option<Result<Value, EvalError>> {
        None
    }
}

/// A stand-in person whose only read is one method with one argument,
/// with a given answer.
pub(crate) struct MethodSubject<'a> {
    pub(crate) method: &'a str,
    pub(crate) argument: &'a str,
    pub(crate) answer: bool,
}

impl muster_cel::Subject for MethodSubject<'_> {
    fn field(&self, _name: &str) -> Option<Value> {
        None
    }

    fn call(&self, method: &str, argument: &Value) -> Option<Result<Value, EvalError>> {
        let asked = matches!(argument, Value::String(text) if text == self.argument);
        (method == self.method && asked).then_some(Ok(Value::Bool(self.answer)))
    }
}
