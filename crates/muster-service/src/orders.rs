//! Orders: check, preview, issue, revoke, and their state on a day.

use std::collections::BTreeSet;

use chrono::NaiveDate;
use muster_cel::Budget;
use muster_orders::{Impact, ListWithEntries, Order, OrderBook, OrderDiagnostic, Strength, World};
use muster_store::{NewAct, NewNotice, NewOrder, SqliteStore, Store};

use crate::{Loaded, ServiceError, persons};

/// Parses an order's text and checks it against the records and the orders
/// known on `day` (default: its `issued_on`).
pub fn parse(
    loaded: &Loaded,
    name: &str,
    text: &str,
    day: Option<NaiveDate>,
) -> Result<Order, ServiceError> {
    let diagnostics = |diagnostics| ServiceError::Diagnostics {
        name: name.to_string(),
        text: text.to_string(),
        diagnostics,
    };
    let order = muster_orders::parse_order(text).map_err(diagnostics)?;
    let day = day.unwrap_or(order.issued_on);
    let before = loaded.book.known_on(day);
    let mut found = muster_orders::check_order(&loaded.world, &before, &order);
    if loaded.book.get(&order.id).is_some() {
        found.push(OrderDiagnostic {
            span: 0..0,
            message: format!(
                "order `{}` is already issued: an issued order cannot be changed, only revoked or superseded",
                order.id
            ),
            label: "already issued".to_string(),
            help: Some("give the new order an id of its own".to_string()),
        });
    }
    if found.is_empty() { Ok(order) } else { Err(diagnostics(found)) }
}

/// An order checked against the store: what it would change if issued.
pub struct Checked {
    pub order: Order,
    /// The day it is checked as of.
    pub day: NaiveDate,
    pub impact: Impact,
}

/// Parses and checks an order's text and computes its impact as if issued
/// on `day` (default: its `issued_on`).
pub fn check(
    store: &SqliteStore,
    loaded: &Loaded,
    name: &str,
    text: &str,
    day: Option<NaiveDate>,
    overridden: bool,
) -> Result<Checked, ServiceError> {
    let order = parse(loaded, name, text, day)?;
    let day = day.unwrap_or(order.issued_on);
    let before = loaded.book.known_on(day);
    let after = before.with_draft(order.clone(), day, overridden);
    let lists = muster_store::load::lists(store, day)?;
    let with_entries: Vec<ListWithEntries<'_>> =
        lists.iter().map(|(list, changes)| ListWithEntries { list, changes }).collect();
    // The draft's conditions passed the checker, each within the limit of
    // its cost; together they are within the budget of a request.
    let budget = Budget::new(muster_cel::REQUEST_BUDGET);
    let impact = match &loaded.engine {
        Some(engine) => engine.impact(&before, &after, &order.id, day, &with_entries, &budget)?,
        None => {
            muster_orders::impact(&loaded.world, &before, &after, &order.id, day, &with_entries)
        }
    };
    Ok(Checked { order, day, impact })
}

/// One line per conflict: the rule, the protecting order, the persons.
pub fn conflict_lines(order: &Order, impact: &Impact) -> Vec<String> {
    impact
        .conflicts
        .iter()
        .map(|conflict| {
            format!(
                "conflict: rule {} of {} would delay {} protected by {} (no further delays): {}",
                conflict.rule,
                order.id,
                persons(conflict.persons.len()),
                conflict.protected_by,
                conflict.persons.join(", ")
            )
        })
        .collect()
}

/// The conflict error of a checked order, if it has conflicts.
pub fn conflicts(checked: &Checked, issuing: bool) -> Result<(), ServiceError> {
    if checked.impact.conflicts.is_empty() {
        return Ok(());
    }
    let lines = conflict_lines(&checked.order, &checked.impact);
    let message = if issuing {
        format!(
            "order {} was not issued: it conflicts with an order in force; nothing was stored (issue it with override to delay them all the same)",
            checked.order.id
        )
    } else {
        format!(
            "order {} conflicts with an order in force; issue it with override to delay them all the same",
            checked.order.id
        )
    };
    Err(ServiceError::Conflict {
        order: checked.order.id.clone(),
        lines,
        message,
        conflicts: checked.impact.conflicts.clone(),
    })
}

/// Issues an order: checks it, refuses a conflict unless `overridden`, and
/// stores it with the notices it leaves, in one act. Returns what was
/// checked, with the day it was issued on.
pub fn issue(
    store: &mut SqliteStore,
    loaded: &Loaded,
    name: &str,
    text: &str,
    overridden: bool,
    day: Option<NaiveDate>,
    actor: &str,
) -> Result<Checked, ServiceError> {
    let checked = check(store, loaded, name, text, day, overridden)?;
    if !overridden {
        conflicts(&checked, true)?;
    }
    let order = &checked.order;
    let notices = notices_for(&loaded.world, store, order, &checked.impact)?;
    let impact_json = serde_json::to_string(&checked.impact)
        .map_err(|error| ServiceError::Internal(format!("cannot write the impact: {error}")))?;
    let act = NewAct {
        kind: "order-issue".to_string(),
        valid_on: checked.day,
        actor: actor.to_string(),
        summary: format!(
            "issue {}{}: {}",
            order.id,
            if overridden { " with --override" } else { "" },
            order.title
        ),
    };
    let new_order = NewOrder {
        id: order.id.clone(),
        document: order.source.clone(),
        overridden,
        impact: impact_json,
    };
    store.issue_order(act, new_order, &notices)?;
    Ok(checked)
}

/// Revokes an issued order from `on`, recorded on `day`.
pub fn revoke(
    store: &mut SqliteStore,
    id: &str,
    on: NaiveDate,
    reason: &str,
    day: NaiveDate,
    actor: &str,
) -> Result<(), ServiceError> {
    let issued = store.orders()?.into_iter().find(|order| order.id == id);
    match issued {
        None => {
            return Err(ServiceError::NotFound(format!(
                "no order `{id}` has been issued; nothing was stored"
            )));
        }
        Some(order) if order.act.valid_on > day => {
            return Err(ServiceError::Invalid(format!(
                "order `{id}` is issued on {}, after {day}: it cannot be revoked before it is issued; nothing was stored",
                order.act.valid_on
            )));
        }
        Some(_) => {}
    }
    if let Some(earlier) =
        store.revocations()?.into_iter().find(|revocation| revocation.order == id)
    {
        return Err(ServiceError::Invalid(format!(
            "order `{id}` is already revoked, from {} ({}); nothing was stored",
            earlier.on, earlier.reason
        )));
    }
    if reason.trim().is_empty() {
        return Err(ServiceError::Invalid(
            "a revocation needs a reason; nothing was stored".to_string(),
        ));
    }
    let act = NewAct {
        kind: "order-revoke".to_string(),
        valid_on: day,
        actor: actor.to_string(),
        summary: format!("revoke {id} from {on}: {reason}"),
    };
    store.revoke_order(act, id, on, reason)?;
    Ok(())
}

/// The notices an order leaves: one for each addressee, and one for the
/// owner of each list with newly flagged entries.
fn notices_for(
    world: &World,
    store: &SqliteStore,
    order: &Order,
    impact: &Impact,
) -> Result<Vec<NewNotice>, ServiceError> {
    let mut notices = Vec::new();
    let mut addressees = BTreeSet::new();
    for word in &order.addressed_to {
        for organisation in world.addressees(word).unwrap_or_default() {
            addressees.insert(organisation);
        }
    }
    for organisation in addressees {
        notices.push(NewNotice {
            organisation,
            order: Some(order.id.clone()),
            list: None,
            message: format!("order {} issued by {}: {}", order.id, order.issued_by, order.title),
        });
    }
    for list_impact in &impact.lists {
        if list_impact.newly_excluded.is_empty() {
            continue;
        }
        let Some(list) = store.list(&list_impact.list)? else {
            continue;
        };
        notices.push(NewNotice {
            organisation: list.owner.clone(),
            order: Some(order.id.clone()),
            list: Some(list.id.clone()),
            message: format!(
                "order {} flags {} on list {}: {}",
                order.id,
                crate::entries(list_impact.newly_excluded.len()),
                list.id,
                list_impact.newly_excluded.join(", ")
            ),
        });
    }
    Ok(notices)
}

/// The strength of a site for the 12 months from the month a checked order
/// takes effect: without and with the order.
pub fn strength_preview(
    loaded: &Loaded,
    checked: &Checked,
    site: &str,
) -> Result<(Vec<Strength>, Vec<Strength>), ServiceError> {
    if !loaded.world.sites.iter().any(|known| known.id == site) {
        return Err(ServiceError::NotFound(format!("no site `{site}` in the store")));
    }
    let start = checked.order.effective_from;
    let months = crate::strength::months(start, start + chrono::Months::new(11));
    let before = loaded.book.known_on(checked.day);
    let after = before.with_draft(checked.order.clone(), checked.day, false);
    let without = muster_orders::strength(&loaded.world, &before, site, &months, checked.day);
    let with = muster_orders::strength(&loaded.world, &after, site, &months, checked.day);
    Ok((without, with))
}

/// The state of an order on a day, as known that day.
pub fn state(book: &OrderBook, id: &str, day: NaiveDate) -> String {
    let Some(issued) = book.get(id) else {
        return "unknown".to_string();
    };
    if issued.issued_on > day {
        return format!("not yet issued (issued on {})", issued.issued_on);
    }
    let order = &issued.order;
    if let Some(end) = book.force_ends(issued, day)
        && end <= day
    {
        let superseded = book.issued_by(day).find(|other| {
            other.order.supersedes.contains(&order.id) && other.order.effective_from == end
        });
        return match superseded {
            Some(other) => format!("superseded by {} from {end}", other.order.id),
            None => format!("revoked from {end}"),
        };
    }
    if order.effective_from > day {
        return format!("in force from {}", order.effective_from);
    }
    if let Some(until) = order.effective_until
        && until < day
    {
        return format!("expired after {until}");
    }
    "in force".to_string()
}
