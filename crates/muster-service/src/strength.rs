//! The strength of a site month by month, with an order added or left out.

use chrono::{Datelike, NaiveDate};
use muster_orders::{OrderBook, Strength};
use serde_json::{Value, json};

use crate::{Loaded, ServiceError};

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

/// `YYYY-MM`.
pub fn month_text(day: NaiveDate) -> String {
    format!("{:04}-{:02}", day.year(), day.month())
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

/// The strength of a site on the first of each month.
pub fn strength(loaded: &Loaded, query: &StrengthQuery<'_>) -> Result<Vec<Strength>, ServiceError> {
    if query.from > query.to {
        return Err(ServiceError::Invalid(format!(
            "`from {}` comes after `to {}`",
            month_text(query.from),
            month_text(query.to)
        )));
    }
    if !loaded.world.sites.iter().any(|site| site.id == query.site) {
        return Err(ServiceError::NotFound(format!("no site `{}` in the store", query.site)));
    }
    let months = months(query.from, query.to);
    if months.len() > MAX_MONTHS {
        return Err(ServiceError::Invalid(format!(
            "{} months asked for: a strength covers at most {MAX_MONTHS} months",
            months.len()
        )));
    }
    let book = book(loaded, query)?;
    Ok(muster_orders::strength(&loaded.world, &book, query.site, &months, query.day))
}

/// The book for a strength: the store's, with a draft added or orders left
/// out.
fn book(loaded: &Loaded, query: &StrengthQuery<'_>) -> Result<OrderBook, ServiceError> {
    let mut book = loaded.book.clone();
    for id in query.without {
        if book.get(id).is_none() {
            return Err(ServiceError::NotFound(format!(
                "no order `{id}` has been issued, so it cannot be left out"
            )));
        }
        book = book.without(id);
    }
    if let Some((name, text)) = query.with {
        let order = crate::orders::parse(loaded, name, text, None)?;
        let issued_on = order.issued_on;
        book = book.with_draft(order, issued_on, false);
    }
    Ok(book)
}

/// The chart's title: the site, the months, and what was changed.
pub fn title(query: &StrengthQuery<'_>) -> String {
    let mut title = format!(
        "Strength of {}, {} to {}, as of {}",
        query.site,
        month_text(query.from),
        month_text(query.to),
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

/// The strength as JSON, in the shape of the command-line contract.
pub fn strength_json(site: &str, counts: &[Strength]) -> Value {
    json!({
        "site": site,
        "months": counts.iter().map(|count| json!({
            "month": month_text(count.day),
            "headcount": count.headcount,
            "technicians": count.technicians,
            "required": count.required,
            "required_technicians": count.required_technicians,
        })).collect::<Vec<_>>(),
    })
}

/// The strength before and after an order, month by month, as JSON.
pub fn comparison_json(site: &str, without: &[Strength], with: &[Strength]) -> Value {
    json!({
        "site": site,
        "months": without.iter().zip(with).map(|(before, after)| json!({
            "month": month_text(before.day),
            "before": {"headcount": before.headcount, "technicians": before.technicians},
            "after": {"headcount": after.headcount, "technicians": after.technicians},
            "required": before.required,
            "required_technicians": before.required_technicians,
        })).collect::<Vec<_>>(),
    })
}
