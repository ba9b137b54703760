//! Why, rule by rule: a person's outcome for a subject (a list kind, a
//! list, or his discharge), with every rule looked at and what it read.

use chrono::NaiveDate;
use muster_cel::Value;
use muster_orders::{StepResult, discharge, screen};
use muster_store::SqliteStore;
use serde_json::{Map, json};

use crate::{Loaded, ServiceError, load_list};

/// What an explanation is about.
pub enum Subject<'a> {
    /// Eligibility for lists of a kind.
    Kind(&'a str),
    /// Eligibility on a list (screened from his nomination day).
    List(&'a str),
    /// The discharge date.
    Discharge,
}

/// One rule in an explanation, or a line of context (with no order).
pub struct Line {
    pub order: String,
    pub rule: usize,
    pub effect: &'static str,
    pub when: Result<bool, String>,
    pub unless: Option<Result<bool, String>>,
    pub decisive: bool,
    pub reads: Vec<(String, Value)>,
    /// What the rule did, in words.
    pub note: String,
}

/// The explanation of a person's outcome for a subject.
pub struct Explanation {
    pub person: String,
    pub name: String,
    /// The list kind, or `discharge`.
    pub subject: String,
    pub day: NaiveDate,
    /// `eligible` or `excluded`, or the discharge date.
    pub decision: String,
    pub lines: Vec<Line>,
}

/// Explains a person's outcome for a subject as of `day`.
pub fn explain(
    store: &SqliteStore,
    loaded: &Loaded,
    person: &str,
    subject: Subject<'_>,
    day: NaiveDate,
) -> Result<Explanation, ServiceError> {
    let book = loaded.book.known_on(day);
    let Some(file) = loaded.world.person(person) else {
        return Err(ServiceError::NotFound(format!("no person `{person}` in the store")));
    };
    let (subject, decision, lines) = match subject {
        Subject::Discharge => {
            let result = discharge(&loaded.world, &book, file, day);
            let decisive_step = if result.recorded.is_some() {
                None
            } else {
                result.steps.iter().rposition(|step| {
                    matches!(
                        step.result,
                        StepResult::Delayed { .. } | StepResult::Overridden { .. }
                    )
                })
            };
            let mut lines: Vec<Line> = result
                .steps
                .iter()
                .enumerate()
                .map(|(index, step)| Line {
                    order: step.order.clone(),
                    rule: step.rule,
                    effect: step.effect.as_str(),
                    when: step.when.clone(),
                    unless: step.unless.clone(),
                    decisive: Some(index) == decisive_step,
                    reads: step.reads.clone(),
                    note: step_note(&step.result, step.on),
                })
                .collect();
            let decision = match (result.recorded, result.computed) {
                (Some(recorded), _) => recorded.to_string(),
                (None, Some(computed)) => computed.to_string(),
                (None, None) => "none".to_string(),
            };
            if let Some(scheduled) = result.scheduled {
                lines.insert(
                    0,
                    context_line(
                        false,
                        format!(
                            "term ends {}; cycle {} on {scheduled}",
                            file.term_end().map(|day| day.to_string()).unwrap_or_default(),
                            result.cycle.map(|cycle| cycle.to_string()).unwrap_or_default()
                        ),
                    ),
                );
            }
            if let Some(recorded) = result.recorded {
                lines.push(context_line(
                    true,
                    format!("a recorded discharge on {recorded} overrides the computed date"),
                ));
            }
            ("discharge".to_string(), decision, lines)
        }
        Subject::Kind(kind) => screening(loaded, &book, file, kind.to_string(), day, None),
        Subject::List(list) => {
            let list = load_list(store, list, day)?;
            let nominated = muster_orders::members(&list.changes, day)
                .into_iter()
                .find(|(member, _, active)| member == person && *active)
                .map(|(_, nominated_on, _)| nominated_on);
            screening(loaded, &book, file, list.list.kind, day, nominated)
        }
    };
    Ok(Explanation {
        person: person.to_string(),
        name: file.person.name.clone(),
        subject,
        day,
        decision,
        lines,
    })
}

/// The lines of a screening for a list kind: the subject, the decision,
/// and one line per rule.
fn screening(
    loaded: &Loaded,
    book: &muster_orders::OrderBook,
    file: &muster_core::PersonFile,
    kind: String,
    day: NaiveDate,
    nominated_on: Option<NaiveDate>,
) -> (String, String, Vec<Line>) {
    let screening = screen(&loaded.world, book, file, &kind, day, nominated_on);
    let lines = screening
        .checks
        .iter()
        .map(|check| Line {
            order: check.order.clone(),
            rule: check.rule,
            effect: check.effect.as_str(),
            when: check.when.clone(),
            unless: check.unless.clone(),
            decisive: check.excludes,
            reads: check.reads.clone(),
            note: if check.excludes {
                format!("excludes: {}", check.reason)
            } else {
                String::new()
            },
        })
        .collect();
    let decision = if screening.eligible { "eligible" } else { "excluded" };
    (kind, decision.to_string(), lines)
}

fn context_line(decisive: bool, note: String) -> Line {
    Line {
        order: String::new(),
        rule: 0,
        effect: "",
        when: Ok(true),
        unless: None,
        decisive,
        reads: vec![],
        note,
    }
}

fn step_note(result: &StepResult, on: NaiveDate) -> String {
    match result {
        StepResult::NotApplicable => format!("looked at {on}: `when` did not hold"),
        StepResult::Exempt => format!("looked at {on}: exempt (`unless` held)"),
        StepResult::Delayed { from, to } => format!("delayed from {from} to {to}"),
        StepResult::NoChange => format!("looked at {on}: no later date to move to"),
        StepResult::Conflict { protected_by, to } => {
            format!("would delay to {to}, but {protected_by} protects him: skipped (conflict)")
        }
        StepResult::Overridden { protected_by, from, to } => {
            format!("delayed from {from} to {to} over the protection of {protected_by} (override)")
        }
        StepResult::Protected => format!("protected from further delays from {on}"),
    }
}

impl Explanation {
    /// The explanation in the JSON shape of `muster explain --format json`.
    pub fn to_json(&self) -> serde_json::Value {
        let rules: Vec<_> = self
            .lines
            .iter()
            .filter(|line| !line.order.is_empty())
            .map(|line| {
                let mut reads = Map::new();
                for (text, value) in &line.reads {
                    reads.insert(text.clone(), value_json(value));
                }
                let mut rule = json!({
                    "order": line.order,
                    "rule": line.rule,
                    "effect": line.effect,
                    "when": line.when.clone().unwrap_or(false),
                    "unless": line.unless.clone().map(|unless| unless.unwrap_or(false)).unwrap_or(false),
                    "decisive": line.decisive,
                    "reads": reads,
                });
                let errors: Vec<&String> = std::iter::once(&line.when)
                    .chain(line.unless.as_ref())
                    .filter_map(|outcome| outcome.as_ref().err())
                    .collect();
                if let (Some(error), Some(object)) = (errors.first(), rule.as_object_mut()) {
                    object.insert("error".to_string(), json!(error));
                }
                rule
            })
            .collect();
        json!({
            "person": self.person,
            "subject": self.subject,
            "as_of": self.day,
            "decision": self.decision,
            "rules": rules,
        })
    }
}

/// A value of the condition language as JSON.
pub fn value_json(value: &Value) -> serde_json::Value {
    match value {
        Value::Null => serde_json::Value::Null,
        Value::Bool(value) => json!(value),
        Value::Int(value) => json!(value),
        Value::String(value) => json!(value),
        Value::Date(value) => json!(value),
        Value::List(values) => serde_json::Value::Array(values.iter().map(value_json).collect()),
    }
}
