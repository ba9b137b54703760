//! Outcome rates by cohort.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use muster_cel::{Subject, Value};
use muster_core::EventKind;
use muster_orders::PersonView;
use serde_json::{Value as Json, json};

use crate::{Loaded, ServiceError};

/// What the rates are asked for.
pub struct StatsQuery<'a> {
    /// The event kind counted.
    pub event: &'a str,
    /// The string field of `person` that makes the cohorts.
    pub by: &'a str,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    /// Only the people a condition selects.
    pub condition: Option<&'a str>,
    pub day: NaiveDate,
}

/// One cohort.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Group {
    pub population: u64,
    pub with_event: u64,
}

impl Group {
    /// The share of the cohort with the event.
    pub fn rate(&self) -> f64 {
        if self.population == 0 { 0.0 } else { self.with_event as f64 / self.population as f64 }
    }
}

/// The rates by cohort.
#[derive(Clone, Debug)]
pub struct Stats {
    pub event: String,
    pub by: String,
    pub from: Option<NaiveDate>,
    pub to: NaiveDate,
    pub groups: BTreeMap<String, Group>,
    /// Cohorts below this size are merged into one row, unnamed; `None`
    /// when nothing is suppressed.
    pub minimum: Option<u64>,
    /// How many cohorts were merged.
    pub suppressed: usize,
}

/// The name of the row that holds the cohorts too small to show.
pub const SUPPRESSED: &str = "(smaller cohorts)";

/// The smallest cohort an analyst sees by name: a cohort of fewer people
/// could point at the people in it. Smaller cohorts are counted together
/// in one row.
pub const MINIMUM_COHORT: u64 = 10;

/// The fields that make cohorts: every string field of the person schema.
pub fn cohort_fields() -> Vec<String> {
    muster_orders::person_schema()
        .person_fields
        .into_iter()
        .filter(|field| field.field_type == muster_cel::Type::String)
        .map(|field| field.name)
        .collect()
}

/// Computes the rates by cohort.
pub fn stats(loaded: &Loaded, query: &StatsQuery<'_>) -> Result<Stats, ServiceError> {
    let Some(kind) = EventKind::ALL.iter().copied().find(|kind| kind.as_str() == query.event)
    else {
        return Err(ServiceError::Invalid(format!(
            "`{}` is not an event kind: the kinds are {}",
            query.event,
            EventKind::ALL
                .iter()
                .map(|kind| format!("`{}`", kind.as_str()))
                .collect::<Vec<_>>()
                .join(", ")
        )));
    };
    let group_fields = cohort_fields();
    if !group_fields.iter().any(|field| field == query.by) {
        return Err(ServiceError::Invalid(format!(
            "`{}` is not a string field of `person` to group by: the fields are {}",
            query.by,
            group_fields.iter().map(|field| format!("`{field}`")).collect::<Vec<_>>().join(", ")
        )));
    }
    // Events after the as-of day have not happened yet, as of that day.
    let day = query.day;
    let to = query.to.unwrap_or(day).min(day);
    let from = query.from.unwrap_or(NaiveDate::MIN);
    if from > to {
        return Err(ServiceError::Invalid(format!(
            "`from {from}` comes after the last day counted, {to}"
        )));
    }
    let population: Vec<&muster_core::PersonFile> = match query.condition {
        Some(text) => {
            let budget = muster_cel::Budget::new(muster_cel::REQUEST_BUDGET);
            crate::lists::select(loaded, text, day, &budget, &|_, _| {})?.people
        }
        None => loaded.world.people.iter().collect(),
    };
    let book = loaded.book.known_on(day);
    let mut groups: BTreeMap<String, Group> = BTreeMap::new();
    for file in population {
        let view = PersonView::new(&loaded.world, &book, file, day);
        let group = match view.field(query.by) {
            Some(Value::String(text)) => text,
            _ => String::new(),
        };
        let counts = groups.entry(group).or_default();
        counts.population += 1;
        if file
            .events_by(day)
            .any(|event| event.kind == kind && from <= event.date && event.date <= to)
        {
            counts.with_event += 1;
        }
    }
    Ok(Stats {
        event: query.event.to_string(),
        by: query.by.to_string(),
        from: query.from,
        to,
        groups,
        minimum: None,
        suppressed: 0,
    })
}

impl Stats {
    /// The rates with every cohort smaller than `minimum` merged into one
    /// row named [`SUPPRESSED`] (itself shown only when it reaches the
    /// minimum, so that no small count is shown at all).
    pub fn suppress_below(mut self, minimum: u64) -> Stats {
        let mut merged = Group::default();
        let mut suppressed = 0;
        self.groups.retain(|_, group| {
            if group.population >= minimum {
                return true;
            }
            merged.population += group.population;
            merged.with_event += group.with_event;
            suppressed += 1;
            false
        });
        if merged.population >= minimum {
            self.groups.insert(SUPPRESSED.to_string(), merged);
        }
        self.minimum = Some(minimum);
        self.suppressed = suppressed;
        self
    }

    /// The rates in the JSON shape of `muster stats --format json`.
    pub fn to_json(&self) -> Json {
        let mut value = json!({
            "event": self.event,
            "by": self.by,
            "from": self.from,
            "to": self.to,
            "groups": self.groups.iter().map(|(name, group)| json!({
                "group": name,
                "population": group.population,
                "with_event": group.with_event,
                "rate": group.rate(),
            })).collect::<Vec<_>>(),
        });
        if let Some(minimum) = self.minimum {
            value["minimum_cohort"] = json!(minimum);
            value["suppressed_cohorts"] = json!(self.suppressed);
        }
        value
    }
}
