//! Questions over the army, asked of the engine: the discharge roster of a
//! cycle, the strength of a site month by month (with an order added or
//! left out), and outcome rates by cohort.

use chrono::{Datelike, NaiveDate};
use muster_cel::Budget;
use muster_cel::check::Readable;
use muster_core::{Cycle, EventKind};
use muster_orders::OrderBook;

use crate::views::{self, Month, RosterEntry, StrengthMonth};
use crate::{Army, ServiceError};

/// The roster of a cycle as of a day. `keep` says which people the caller
/// may see (a unit administration sees its own people only).
pub fn roster(
    army: &Army,
    cycle: Cycle,
    day: NaiveDate,
    keep: &dyn Fn(&str) -> bool,
    budget: &Budget,
) -> Result<views::Roster, ServiceError> {
    let roster = army.engine().roster(army.book(), cycle, day, budget)?;
    Ok(views::Roster {
        cycle: roster.cycle.to_string(),
        date: roster.date,
        as_of: day,
        entries: roster
            .entries
            .into_iter()
            .filter(|entry| keep(&entry.person))
            .map(|entry| RosterEntry {
                person: entry.person,
                status: entry.status.as_str().to_string(),
                date: entry.date,
                orders: entry.orders,
            })
            .collect(),
    })
}

/// A cycle from its word, `YYYY-spring` or `YYYY-autumn`.
pub fn cycle(word: &str) -> Result<Cycle, ServiceError> {
    word.parse().map_err(|error| {
        ServiceError::Invalid(format!("{error} (such as `2020-autumn` or `2021-spring`)"))
    })
}

/// The first day of each month from `from` to `to`.
pub fn months(from: NaiveDate, to: NaiveDate) -> Vec<NaiveDate> {
    let mut months = Vec::new();
    let mut month = from.with_day(1).unwrap_or(from);
    while month <= to {
        months.push(month);
        month = month.checked_add_months(chrono::Months::new(1)).unwrap_or(NaiveDate::MAX);
    }
    months
}

/// What a strength is asked for.
pub struct StrengthQuery<'a> {
    pub site: &'a str,
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// Orders left out.
    pub without: &'a [String],
    /// A draft order added, as `(name, text)`.
    pub with: Option<(&'a str, &'a str)>,
    pub day: NaiveDate,
}

/// The most months a strength covers.
pub const MAX_MONTHS: usize = 240;

/// The strength of a site on the first of each month, by the engine.
pub fn strength(
    army: &Army,
    query: &StrengthQuery<'_>,
    budget: &Budget,
) -> Result<views::Strength, ServiceError> {
    if query.from > query.to {
        return Err(ServiceError::Invalid(format!(
            "`from {}` comes after `to {}`",
            Month(query.from),
            Month(query.to)
        )));
    }
    if !crate::orders::has_site(army.world(), query.site) {
        return Err(ServiceError::NotFound(format!("no site `{}` in the store", query.site)));
    }
    let months = months(query.from, query.to);
    if months.len() > MAX_MONTHS {
        return Err(ServiceError::Invalid(format!(
            "{} months asked for: a strength covers at most {MAX_MONTHS} months",
            months.len()
        )));
    }
    let book = strength_book(army, query)?;
    let counts = army.engine().strength(&book, query.site, &months, query.day, budget)?;
    Ok(strength_view(query.site, query.day, &counts))
}

/// A strength as shown.
pub fn strength_view(
    site: &str,
    day: NaiveDate,
    counts: &[muster_orders::Strength],
) -> views::Strength {
    views::Strength {
        site: site.to_string(),
        as_of: day,
        months: counts
            .iter()
            .map(|count| StrengthMonth {
                month: Month(count.day),
                headcount: count.headcount,
                technicians: count.technicians,
                required: count.required,
                required_technicians: count.required_technicians,
            })
            .collect(),
    }
}

/// The book for a strength: the store's, with a draft added or orders left
/// out.
fn strength_book(army: &Army, query: &StrengthQuery<'_>) -> Result<OrderBook, ServiceError> {
    let mut book = army.book().clone();
    for id in query.without {
        if book.get(id).is_none() {
            return Err(ServiceError::NotFound(format!(
                "no order `{id}` has been issued, so it cannot be left out"
            )));
        }
        book = book.without(id);
    }
    if let Some((name, text)) = query.with {
        let order = crate::orders::parse(army.rules(), name, text, None)?;
        let issued_on = order.issued_on;
        book = book.with_draft(order, issued_on, false);
    }
    Ok(book)
}

/// The chart's title: the site, the months, and what was changed.
pub fn strength_title(query: &StrengthQuery<'_>) -> String {
    let mut title = format!(
        "Strength of {}, {} to {}, as of {}",
        query.site,
        Month(query.from),
        Month(query.to),
        query.day
    );
    if let Some((name, _)) = query.with {
        title.push_str(&format!(", with {name}"));
    }
    for id in query.without {
        title.push_str(&format!(", without {id}"));
    }
    title
}

/// A site and months where something happens, for a strength shown
/// without being asked for one: the site with the most people deployed on
/// `day` (else the first with a campaign), and the twelve months around
/// `day`.
pub fn busiest_site(army: &Army, day: NaiveDate) -> Option<(String, NaiveDate, NaiveDate)> {
    let world = army.world();
    let engine = army.engine();
    let site = world
        .sites
        .iter()
        .map(|site| (engine.deployed_count(&site.id, day), &site.id))
        .max_by_key(|(count, _)| *count)
        .filter(|(count, _)| *count > 0)
        .map(|(_, site)| site.clone())
        .or_else(|| world.campaigns.first().map(|campaign| campaign.site.clone()))?;
    let first = day.with_day(1).unwrap_or(day);
    let from = first.checked_sub_months(chrono::Months::new(6)).unwrap_or(first);
    let to = first.checked_add_months(chrono::Months::new(5)).unwrap_or(first);
    Some((site, from, to))
}

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
    /// What the condition may read of a person.
    pub readable: &'a Readable,
    pub day: NaiveDate,
}

/// The name of the row that holds the cohorts too small to show.
pub const SUPPRESSED: &str = "(smaller cohorts)";

/// The smallest cohort an analyst sees by name: a cohort of fewer people
/// could point at the people in it. Smaller cohorts are counted together
/// in one row.
pub const MINIMUM_COHORT: u64 = 10;

/// The fields that make cohorts: every string field of the person schema.
pub fn cohort_fields() -> Vec<String> {
    muster_orders::schema::person_schema()
        .person_fields
        .into_iter()
        .filter(|field| field.field_type == muster_cel::Type::String)
        .map(|field| field.name)
        .collect()
}

/// Outcome rates by cohort, by the engine; with `minimum`, cohorts smaller
/// than it are merged into one row named [`SUPPRESSED`] (itself shown only
/// when it reaches the minimum, so that no small count is shown at all).
pub fn stats(
    army: &Army,
    query: &StatsQuery<'_>,
    minimum: Option<u64>,
    budget: &Budget,
) -> Result<views::Stats, ServiceError> {
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
    if !group_fields.iter().any(|field| field == query.by) || !query.readable.field(query.by) {
        return Err(ServiceError::Invalid(format!(
            "`{}` is not a string field of `person` to group by: the fields are {}",
            query.by,
            group_fields
                .iter()
                .filter(|field| query.readable.field(field))
                .map(|field| format!("`{field}`"))
                .collect::<Vec<_>>()
                .join(", ")
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
    let engine = army.engine();
    let population = match query.condition {
        Some(text) => crate::lists::select(army, text, day, query.readable, budget)?.people,
        None => engine.everyone(),
    };
    let book = army.book().known_on(day);
    let question = muster_engine::CohortQuestion { by: query.by, kind, from, to, day };
    let groups = engine.stats(&book, &population, &question, budget)?;
    let mut rows: Vec<views::Cohort> = Vec::new();
    let mut merged = muster_engine::Cohort::default();
    let mut suppressed = 0;
    for (group, cohort) in groups {
        if minimum.is_some_and(|minimum| cohort.population < minimum) {
            merged.population += cohort.population;
            merged.with_event += cohort.with_event;
            suppressed += 1;
            continue;
        }
        rows.push(cohort_row(group, cohort));
    }
    if let Some(minimum) = minimum
        && merged.population >= minimum
    {
        rows.push(cohort_row(SUPPRESSED.to_string(), merged));
        rows.sort_by(|a, b| a.group.cmp(&b.group));
    }
    Ok(views::Stats {
        event: query.event.to_string(),
        by: query.by.to_string(),
        from: query.from,
        to,
        groups: rows,
        minimum_cohort: minimum,
        suppressed_cohorts: minimum.map(|_| suppressed),
    })
}

fn cohort_row(group: String, cohort: muster_engine::Cohort) -> views::Cohort {
    let rate = if cohort.population == 0 {
        0.0
    } else {
        cohort.with_event as f64 / cohort.population as f64
    };
    views::Cohort { group, population: cohort.population, with_event: cohort.with_event, rate }
}
