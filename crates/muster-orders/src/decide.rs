//! Deciding: what a rule reads of a person on a day, his discharge chain,
//! and whether he is eligible for a list, each with the reasons.
//!
//! This is the reference interpreter of orders: simple and obviously right,
//! the definition a faster engine must match.

use std::cell::OnceCell;

use chrono::NaiveDate;
use muster_cel::Value;
use muster_core::{Cycle, EventKind, PersonFile, Status};

use crate::book::OrderBook;
use crate::document::{Condition, Effect, Target, Until};
use crate::world::World;

/// The result of one condition: true, false, or an evaluation error.
pub type Outcome = Result<bool, String>;

/// A person's discharge as computed from the orders known on a day.
#[derive(Clone, Debug, Default)]
pub struct Discharge {
    pub cycle: Option<Cycle>,
    /// The date of his discharge cycle.
    pub scheduled: Option<NaiveDate>,
    /// The date the chain of rules reached.
    pub computed: Option<NaiveDate>,
    /// A recorded `discharged` event, which overrides the computed date.
    pub recorded: Option<NaiveDate>,
    /// The orders whose `delay` rules moved his discharge.
    pub delayed_by: Vec<String>,
    /// The protection in force at the end of the chain, if any.
    pub protected_by: Option<String>,
    /// Every discharge rule taken, in order.
    pub steps: Vec<Step>,
}

/// One discharge rule taken in a person's chain.
#[derive(Clone, Debug)]
pub struct Step {
    pub order: String,
    pub rule: usize,
    pub effect: Effect,
    /// The date the chain had reached when the rule looked at it.
    pub on: NaiveDate,
    pub when: Outcome,
    pub unless: Option<Outcome>,
    pub reads: Vec<(String, Value)>,
    pub result: StepResult,
}

/// What a discharge rule did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StepResult {
    /// `when` did not hold.
    NotApplicable,
    /// `when` held, and so did `unless`: exempt.
    Exempt,
    /// A delay moved the date.
    Delayed { from: NaiveDate, to: NaiveDate },
    /// A delay to a date not later than the current one.
    NoChange,
    /// A delay that would move a protected person, skipped.
    Conflict { protected_by: String, to: NaiveDate },
    /// A delay that moved a protected person, its order issued with
    /// `--override`.
    Overridden { protected_by: String, from: NaiveDate, to: NaiveDate },
    /// A protection took hold.
    Protected,
}

/// One list rule, checked for a person.
#[derive(Clone, Debug)]
pub struct RuleCheck {
    pub order: String,
    pub rule: usize,
    pub effect: Effect,
    pub reason: String,
    pub when: Outcome,
    pub unless: Option<Outcome>,
    pub reads: Vec<(String, Value)>,
    /// Whether this rule makes him not eligible.
    pub excludes: bool,
}

/// Whether a person is eligible for a list kind on a day, and why.
#[derive(Clone, Debug)]
pub struct Screening {
    pub eligible: bool,
    /// Every rule in force for the kind, in order of issue.
    pub checks: Vec<RuleCheck>,
}

impl Discharge {
    /// His discharge date: the recorded one, else the computed one.
    pub fn date(&self) -> Option<NaiveDate> {
        self.recorded.or(self.computed)
    }

    /// The conflicts of his chain, unless a recorded discharge settles it.
    pub fn conflicts(&self) -> impl Iterator<Item = &Step> {
        let recorded = self.recorded.is_some();
        self.steps.iter().filter(move |step| {
            !recorded
                && matches!(
                    step.result,
                    StepResult::Conflict { .. } | StepResult::Overridden { .. }
                )
        })
    }
}

impl Screening {
    /// The rules that make him not eligible.
    pub fn excluding(&self) -> impl Iterator<Item = &RuleCheck> {
        self.checks.iter().filter(|check| check.excludes)
    }
}

/// Where a person view learns about his discharge.
enum DischargeSource<'a> {
    /// Inside his discharge chain: `delayed_by` answers from the chain so
    /// far, and `status` is not for discharge rules to read.
    Chain { delayed_by: &'a [String] },
    /// Elsewhere: computed from the book as known on the view's day, when
    /// first asked.
    Book { book: &'a OrderBook, computed: OnceCell<Discharge> },
}

/// A person as rules see him on one day.
pub struct PersonView<'a> {
    world: &'a World,
    file: &'a PersonFile,
    day: NaiveDate,
    discharge: DischargeSource<'a>,
}

impl<'a> PersonView<'a> {
    /// A view for list rules and `--where` expressions, with his discharge
    /// from the orders known on `day`.
    pub fn new(
        world: &'a World,
        book: &'a OrderBook,
        file: &'a PersonFile,
        day: NaiveDate,
    ) -> Self {
        PersonView {
            world,
            file,
            day,
            discharge: DischargeSource::Book { book, computed: OnceCell::new() },
        }
    }

    fn discharge(&self) -> Option<&Discharge> {
        match &self.discharge {
            DischargeSource::Chain { .. } => None,
            DischargeSource::Book { book, computed } => {
                Some(computed.get_or_init(|| discharge(self.world, book, self.file, self.day)))
            }
        }
    }

    /// His status on the view's day.
    pub fn status(&self) -> Option<Status> {
        let date = self.discharge()?.date();
        Some(self.file.status_on(self.day, date))
    }

    fn text(text: &str) -> Value {
        Value::String(text.to_string())
    }
}

impl muster_cel::Subject for PersonView<'_> {
    fn field(&self, name: &str) -> Option<Value> {
        let person = &self.file.person;
        let calendar = &self.world.calendar;
        Some(match name {
            "id" => Self::text(&person.id),
            "name" => Self::text(&person.name),
            "sex" => Self::text(person.sex.as_str()),
            "home_province" => Self::text(&person.home_province),
            "home_county" => Self::text(&person.home_county),
            "branch" => Self::text(person.branch.map(|branch| branch.as_str()).unwrap_or_default()),
            "rank" => Self::text(&person.rank),
            "specialty" => Self::text(&person.specialty),
            "born" => Value::Date(person.born),
            "enlisted" => person.enlisted.map(Value::Date).unwrap_or(Value::Null),
            "term_end" => self.file.term_end().map(Value::Date).unwrap_or(Value::Null),
            "age" => Value::Int(self.file.age_on(self.day)),
            "discharge_cycle" => Self::text(
                &self
                    .file
                    .discharge_cycle(calendar)
                    .map(|cycle| cycle.to_string())
                    .unwrap_or_default(),
            ),
            "status" => match self.status() {
                Some(status) => Self::text(status.as_str()),
                // A discharge rule may not read his status: the checker
                // rejects it, and this answer is never reached.
                None => Value::Null,
            },
            _ => return None,
        })
    }

    fn call(&self, method: &str, argument: &Value) -> Option<Result<Value, muster_cel::EvalError>> {
        let Value::String(argument) = argument else {
            return Some(Err(muster_cel::EvalError::subject(format!(
                "`person.{method}` takes a string, not {}",
                argument.type_name()
            ))));
        };
        let file = self.file;
        let day = self.day;
        let tree = &self.world.tree;
        let answer = match method {
            "served_in" => file.assignments.iter().any(|assignment| {
                assignment.from <= day && tree.is_within(&assignment.unit, argument)
            }),
            "served_in_tagged" => file.assignments.iter().any(|assignment| {
                assignment.from <= day && self.world.unit_has_tag(&assignment.unit, argument)
            }),
            "serving_in" => file.assignments.iter().any(|assignment| {
                assignment.covers(day) && tree.is_within(&assignment.unit, argument)
            }),
            "deployed_at" => file.deployed_at(tree, argument, day),
            "admitted" => file.events_by(day).any(|event| {
                event.kind == EventKind::Admitted
                    && (event.detail == *argument || event.reference == *argument)
            }),
            "exempted" => file.exempted(argument, day),
            "had" => file.events_by(day).any(|event| event.kind.as_str() == argument),
            "delayed_by" => match &self.discharge {
                DischargeSource::Chain { delayed_by } => {
                    delayed_by.iter().any(|order| order == argument)
                }
                DischargeSource::Book { .. } => self.discharge().is_some_and(|discharge| {
                    discharge.delayed_by.iter().any(|order| order == argument)
                }),
            },
            _ => return None,
        };
        Some(Ok(Value::Bool(answer)))
    }
}

/// Evaluates a condition for a view, recording what it read.
pub fn evaluate(
    condition: &Condition,
    view: &PersonView<'_>,
    reads: &mut Vec<(String, Value)>,
) -> Outcome {
    let environment = muster_cel::Environment { today: Some(view.day), person: Some(view) };
    let mut recorded = muster_cel::Reads::new();
    let result = muster_cel::evaluate(&condition.expr, &environment, &mut recorded);
    for read in &recorded {
        if !reads.iter().any(|(known, _)| *known == read.text) {
            reads.push((read.text.clone(), read.value.clone()));
        }
    }
    match result {
        Ok(Value::Bool(value)) => Ok(value),
        Ok(other) => Err(format!("the condition gave {}, not a bool", other.type_name())),
        Err(error) => Err(error.to_string()),
    }
}

/// A person's discharge chain, from the orders known on `as_of`.
///
/// It starts at his cycle date. Every discharge rule of an order issued by
/// `as_of` is taken in order of issue, and looks at the date the chain has
/// reached: it counts if its order is in force on that date, its `when`
/// holds on that date and its `unless` does not. A `delay` moves the date
/// later (never earlier); a `protect` makes him protected, and a later delay
/// that would move him is a conflict, skipped unless its order was issued
/// with `--override`. A recorded `discharged` event overrides the result.
pub fn discharge(
    world: &World,
    book: &OrderBook,
    file: &PersonFile,
    as_of: NaiveDate,
) -> Discharge {
    let calendar = &world.calendar;
    let mut result = Discharge {
        cycle: file.discharge_cycle(calendar),
        recorded: file.discharged_on(as_of),
        ..Discharge::default()
    };
    let Some(cycle) = result.cycle else {
        return result;
    };
    let mut current = calendar.cycle_date(cycle);
    result.scheduled = Some(current);
    let mut protected_by: Option<String> = None;
    let mut delayed_by: Vec<String> = Vec::new();
    for issued in book.issued_by(as_of) {
        for rule in issued.order.discharge_rules() {
            if !book.in_force(issued, current, as_of) {
                continue;
            }
            let on = current;
            let mut reads = Vec::new();
            let (when, unless) = {
                let view = PersonView {
                    world,
                    file,
                    day: on,
                    discharge: DischargeSource::Chain { delayed_by: &delayed_by },
                };
                let when = evaluate(&rule.when, &view, &mut reads);
                let unless = rule.unless.as_ref().map(|unless| evaluate(unless, &view, &mut reads));
                (when, unless)
            };
            let when_holds = when == Ok(true);
            let unless_holds = unless == Some(Ok(true));
            let outcome = match rule.effect {
                _ if !when_holds => StepResult::NotApplicable,
                _ if unless_holds => StepResult::Exempt,
                Effect::Protect => {
                    protected_by = Some(issued.order.id.clone());
                    StepResult::Protected
                }
                Effect::Delay => {
                    let target = match rule.until {
                        Some(Until::Date(day)) => day,
                        Some(Until::Cycle(cycle)) => calendar.cycle_date(cycle),
                        None => current,
                    };
                    if target <= current {
                        StepResult::NoChange
                    } else if let Some(protection) = &protected_by {
                        if issued.overridden {
                            let step = StepResult::Overridden {
                                protected_by: protection.clone(),
                                from: current,
                                to: target,
                            };
                            current = target;
                            delayed_by.push(issued.order.id.clone());
                            step
                        } else {
                            StepResult::Conflict { protected_by: protection.clone(), to: target }
                        }
                    } else {
                        let step = StepResult::Delayed { from: current, to: target };
                        current = target;
                        delayed_by.push(issued.order.id.clone());
                        step
                    }
                }
                Effect::Exclude | Effect::Require => StepResult::NotApplicable,
            };
            result.steps.push(Step {
                order: issued.order.id.clone(),
                rule: rule.number,
                effect: rule.effect,
                on,
                when,
                unless,
                reads,
                result: outcome,
            });
        }
    }
    delayed_by.dedup();
    result.computed = Some(current);
    result.delayed_by = delayed_by;
    result.protected_by = protected_by;
    result
}

/// Whether a person is eligible for lists of `kind` on `day`, with the
/// orders known that day. `nominated_on` is the day he was put on the list,
/// for orders issued with `recheck = false`, whose rules do not count
/// against entries nominated before they were issued.
pub fn screen(
    world: &World,
    book: &OrderBook,
    file: &PersonFile,
    kind: &str,
    day: NaiveDate,
    nominated_on: Option<NaiveDate>,
) -> Screening {
    let view = PersonView::new(world, book, file, day);
    let mut checks = Vec::new();
    for issued in book.issued_by(day) {
        if !book.in_force(issued, day, day) {
            continue;
        }
        if !issued.order.recheck
            && nominated_on.is_some_and(|nominated| nominated < issued.issued_on)
        {
            continue;
        }
        for rule in &issued.order.rules {
            if rule.target != Target::List(kind.to_string()) {
                continue;
            }
            let mut reads = Vec::new();
            let when = evaluate(&rule.when, &view, &mut reads);
            let unless = rule.unless.as_ref().map(|unless| evaluate(unless, &view, &mut reads));
            let unless_holds = unless == Some(Ok(true));
            let excludes = match rule.effect {
                Effect::Exclude => when == Ok(true) && !unless_holds,
                Effect::Require => when != Ok(true) && !unless_holds,
                Effect::Delay | Effect::Protect => false,
            };
            checks.push(RuleCheck {
                order: issued.order.id.clone(),
                rule: rule.number,
                effect: rule.effect,
                reason: rule.reason.clone(),
                when,
                unless,
                reads,
                excludes,
            });
        }
    }
    let eligible = !checks.iter().any(|check| check.excludes);
    Screening { eligible, checks }
}
