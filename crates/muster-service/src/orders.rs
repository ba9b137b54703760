//! Orders: check, preview, issue, revoke, and their state on a day.

use std::collections::BTreeSet;

use chrono::NaiveDate;
use muster_orders::{Impact, ListWithEntries, Order, OrderBook, OrderDiagnostic, Until, World};
use muster_store::{NewAct, NewNotice, NewOrder, Store};

use crate::Budget;

use crate::views::{self, OrderRule};
use crate::{Army, Rules, ServiceError, persons};

/// Parses an order's text and checks it against the records and the orders
/// known on `day` (default: its `issued_on`).
pub fn parse(
    rules: &Rules,
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
    let before = rules.book.known_on(day);
    let mut found = muster_orders::check_order(&rules.world, &before, &order);
    if rules.book.get(&order.id).is_some() {
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
    /// Whether it is checked as issued with `override`.
    pub overridden: bool,
    pub impact: Impact,
}

impl Checked {
    /// The impact, as shown.
    pub fn view(&self) -> views::Impact {
        impact_view(&self.impact, self.day, self.overridden)
    }

    /// The order's rules and conflicts, as shown by `order check`.
    pub fn checked_view(&self) -> views::CheckedOrder {
        views::CheckedOrder {
            order: self.order.id.clone(),
            as_of: self.day,
            valid: true,
            issuable: self.impact.conflicts.is_empty(),
            rules: rules_view(&self.order),
            conflicts: self.view().conflicts,
            messages: conflict_lines(&self.order, &self.impact),
        }
    }
}

/// Parses and checks an order's text and computes its impact over the
/// army (by the engine) as if issued on `day` (default: its `issued_on`).
pub fn check(
    army: &Army,
    name: &str,
    text: &str,
    day: Option<NaiveDate>,
    overridden: bool,
    budget: &Budget,
) -> Result<Checked, ServiceError> {
    let order = parse(army.rules(), name, text, day)?;
    let day = day.unwrap_or(order.issued_on);
    let before = army.book().known_on(day);
    let after = before.with_draft(order.clone(), day, overridden);
    let with_entries: Vec<ListWithEntries<'_>> = army
        .lists()
        .all()
        .iter()
        .filter(|list| list.list.created_on <= day)
        .map(|list| ListWithEntries { list: &list.list, changes: &list.changes })
        .collect();
    let impact = army.engine().impact(&before, &after, &order.id, day, &with_entries, budget)?;
    Ok(Checked { order, day, overridden, impact })
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

/// An order's text as drafted, to issue: the name its diagnostics are given
/// under, the day it is issued on (default: its `issued_on`), and whether
/// it is issued over the protection of orders in force.
#[derive(Clone, Copy, Debug)]
pub struct Draft<'a> {
    pub name: &'a str,
    pub text: &'a str,
    pub day: Option<NaiveDate>,
    pub overridden: bool,
}

/// Issues an order: checks it, refuses a conflict unless `overridden`, and
/// stores it with the notices it leaves, in one act. Returns what was
/// checked, with the day it was issued on.
pub fn issue(
    store: &mut dyn Store,
    army: &Army,
    draft: &Draft<'_>,
    actor: &str,
    budget: &Budget,
) -> Result<Checked, ServiceError> {
    let Draft { name, text, day, overridden } = *draft;
    let checked = check(army, name, text, day, overridden, budget)?;
    if !overridden {
        conflicts(&checked, true)?;
    }
    let order = &checked.order;
    let notices = notices_for(army, order, &checked.impact);
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
    store: &mut dyn Store,
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
fn notices_for(army: &Army, order: &Order, impact: &Impact) -> Vec<NewNotice> {
    let mut notices = Vec::new();
    let mut addressees = BTreeSet::new();
    for word in &order.addressed_to {
        for organisation in army.world().addressees(word).unwrap_or_default() {
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
        let Some(list) = army.lists().get(&list_impact.list) else {
            continue;
        };
        notices.push(NewNotice {
            organisation: list.list.owner.clone(),
            order: Some(order.id.clone()),
            list: Some(list.list.id.clone()),
            message: format!(
                "order {} flags {} on list {}: {}",
                order.id,
                crate::entries(list_impact.newly_excluded.len()),
                list.list.id,
                list_impact.newly_excluded.join(", ")
            ),
        });
    }
    notices
}

/// The strength of a site for the 12 months from the month a checked order
/// takes effect, without and with the order, by the engine.
pub fn strength_before_after(
    army: &Army,
    checked: &Checked,
    site: &str,
    budget: &Budget,
) -> Result<(views::Strength, views::Strength), ServiceError> {
    if !has_site(army.world(), site) {
        return Err(ServiceError::NotFound(format!("no site `{site}` in the store")));
    }
    let start = checked.order.effective_from;
    let months = crate::reports::months(start, start + chrono::Months::new(11));
    let before = army.book().known_on(checked.day);
    let after = before.with_draft(checked.order.clone(), checked.day, false);
    let strength = |book: &OrderBook| -> Result<views::Strength, ServiceError> {
        let counts = army.engine().strength(book, site, &months, checked.day, budget)?;
        Ok(crate::reports::strength_view(site, checked.day, &counts))
    };
    Ok((strength(&before)?, strength(&after)?))
}

/// The strength of a site for the 12 months from the month a checked order
/// takes effect, without and with the order, month beside month.
pub fn strength_preview(
    army: &Army,
    checked: &Checked,
    site: &str,
    budget: &Budget,
) -> Result<views::StrengthComparison, ServiceError> {
    let (without, with) = strength_before_after(army, checked, site, budget)?;
    Ok(views::StrengthComparison {
        site: site.to_string(),
        months: without
            .months
            .iter()
            .zip(&with.months)
            .map(|(before, after)| views::ComparedMonth {
                month: before.month,
                before: views::Count {
                    headcount: before.headcount,
                    technicians: before.technicians,
                },
                after: views::Count { headcount: after.headcount, technicians: after.technicians },
                required: before.required,
                required_technicians: before.required_technicians,
            })
            .collect(),
    })
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

/// The impact, as shown.
pub fn impact_view(impact: &Impact, day: NaiveDate, overridden: bool) -> views::Impact {
    views::Impact {
        order: impact.order.clone(),
        as_of: day,
        overridden,
        lists: impact
            .lists
            .iter()
            .map(|list| views::ListImpact {
                list: list.list.clone(),
                newly_excluded: list.newly_excluded.clone(),
            })
            .collect(),
        discharge: impact
            .discharge
            .iter()
            .map(|change| views::DischargeChange {
                person: change.person.clone(),
                from: change.from,
                to: change.to,
            })
            .collect(),
        conflicts: impact
            .conflicts
            .iter()
            .map(|conflict| views::Conflict {
                rule: conflict.rule,
                protected_by: conflict.protected_by.clone(),
                persons: conflict.persons.clone(),
            })
            .collect(),
        strength: None,
    }
}

/// An order's rules, as shown.
pub fn rules_view(order: &Order) -> Vec<OrderRule> {
    order
        .rules
        .iter()
        .map(|rule| OrderRule {
            number: rule.number,
            applies_to: rule.target.as_str().to_string(),
            effect: rule.effect.as_str().to_string(),
            when: rule.when.source.clone(),
            unless: rule.unless.as_ref().map(|unless| unless.source.clone()),
            until: rule.until.as_ref().map(|until| match until {
                Until::Date(day) => day.to_string(),
                Until::Cycle(cycle) => cycle.to_string(),
            }),
            reason: rule.reason.clone(),
        })
        .collect()
}

/// The orders issued by `day`, each with its state as known that day.
pub fn list(book: &OrderBook, day: NaiveDate) -> views::Orders {
    views::Orders {
        as_of: day,
        orders: book
            .issued_by(day)
            .map(|issued| {
                let order = &issued.order;
                views::OrderSummary {
                    id: order.id.clone(),
                    title: order.title.clone(),
                    issued_by: order.issued_by.clone(),
                    issued_on: issued.issued_on,
                    effective_from: order.effective_from,
                    effective_until: order.effective_until,
                    state: state(book, &order.id, day),
                    governs: scope(order).targets,
                }
            })
            .collect(),
    }
}

/// One issued order with its document, its state on `day` and its
/// revocations.
pub fn show(
    store: &dyn Store,
    book: &OrderBook,
    id: &str,
    day: NaiveDate,
) -> Result<views::OrderDetail, ServiceError> {
    let (Some(stored), Some(issued)) =
        (store.orders()?.into_iter().find(|stored| stored.id == id), book.get(id))
    else {
        return Err(ServiceError::NotFound(format!("no order `{id}` has been issued")));
    };
    let order = &issued.order;
    Ok(views::OrderDetail {
        id: stored.id.clone(),
        title: order.title.clone(),
        issued_by: order.issued_by.clone(),
        issued_on: stored.act.valid_on,
        recorded_at: stored.act.recorded_at.clone(),
        effective_from: order.effective_from,
        effective_until: order.effective_until,
        addressed_to: order.addressed_to.clone(),
        supersedes: order.supersedes.clone(),
        rationale: order.rationale.clone(),
        overridden: stored.overridden,
        state: state(book, id, day),
        revocations: book
            .revocations()
            .iter()
            .filter(|revocation| revocation.order == id)
            .map(|revocation| views::RevocationRow {
                on: revocation.on,
                made_on: revocation.made_on,
                reason: revocation.reason.clone(),
            })
            .collect(),
        rules: rules_view(order),
        impact: recorded_impact(&stored.impact, stored.act.valid_on, stored.overridden),
        document: stored.document,
    })
}

/// The impact recorded with an order, as it was printed when the order
/// was issued on `day` (without a strength); `None` when the recorded text
/// is not an impact.
fn recorded_impact(text: &str, day: NaiveDate, overridden: bool) -> Option<views::Impact> {
    #[derive(serde::Deserialize)]
    struct Recorded {
        order: String,
        lists: Vec<views::ListImpact>,
        discharge: Vec<views::DischargeChange>,
        conflicts: Vec<views::Conflict>,
    }
    let recorded: Recorded = serde_json::from_str(text).ok()?;
    Some(views::Impact {
        order: recorded.order,
        as_of: day,
        overridden,
        lists: recorded.lists,
        discharge: recorded.discharge,
        conflicts: recorded.conflicts,
        strength: None,
    })
}

/// What an order is, as the policies see it: who issues it, what its rules
/// govern (`discharge`, or list kinds), and which orders it ends.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Scope {
    pub id: String,
    pub issued_by: String,
    pub targets: Vec<String>,
    pub supersedes: Vec<String>,
}

/// The scope of an order.
pub fn scope(order: &Order) -> Scope {
    let mut targets: Vec<String> =
        order.rules.iter().map(|rule| rule.target.as_str().to_string()).collect();
    targets.sort();
    targets.dedup();
    Scope {
        id: order.id.clone(),
        issued_by: order.issued_by.clone(),
        targets,
        supersedes: order.supersedes.clone(),
    }
}

/// The scope of a draft's text, if it parses.
pub fn draft_scope(text: &str) -> Option<Scope> {
    muster_orders::parse_order(text).ok().map(|order| scope(&order))
}

/// The scope of an issued order.
pub fn issued_scope(book: &OrderBook, id: &str) -> Option<Scope> {
    book.get(id).map(|issued| scope(&issued.order))
}

/// The day an order's text says it is issued on, if it parses.
pub fn issued_on(text: &str) -> Option<NaiveDate> {
    muster_orders::parse_order(text).ok().map(|order| order.issued_on)
}

/// Whether a world knows a site.
pub fn has_site(world: &World, site: &str) -> bool {
    world.sites.iter().any(|known| known.id == site)
}
