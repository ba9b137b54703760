//! What the deciding core needs, read from a store: the records as a
//! `World`, the orders and revocations as an `OrderBook`, and the changes
//! to a list's entries.

use chrono::NaiveDate;
use muster_orders::{EntryChange, IssuedOrder, List, OrderBook, Revocation, World};

use crate::{EntryAction, Store, StoreError, StoredList};

/// The records, ready for rules to read.
pub fn world(store: &impl Store) -> Result<World, StoreError> {
    Ok(World::new(store.records()?))
}

/// Every order issued and every revocation.
pub fn book(store: &impl Store) -> Result<OrderBook, StoreError> {
    let mut orders = Vec::new();
    for stored in store.orders()? {
        let order = muster_orders::parse_order(&stored.document).map_err(|errors| {
            let first = errors.first().map(|error| error.message.clone()).unwrap_or_default();
            StoreError::Corrupt { what: format!("the stored order `{}` ({first})", stored.id) }
        })?;
        orders.push(IssuedOrder {
            order,
            issued_on: stored.act.valid_on,
            sequence: stored.act.id.0,
            overridden: stored.overridden,
        });
    }
    let revocations = store
        .revocations()?
        .into_iter()
        .map(|revocation| Revocation {
            order: revocation.order,
            on: revocation.on,
            made_on: revocation.act.valid_on,
            reason: revocation.reason,
        })
        .collect();
    Ok(OrderBook::new(orders, revocations))
}

/// A stored list as the core sees it.
pub fn list(stored: &StoredList) -> List {
    List {
        id: stored.id.clone(),
        kind: stored.kind.clone(),
        owner: stored.owner.clone(),
        created_on: stored.act.valid_on,
    }
}

/// Every list created by `day`, with the changes to its entries.
pub fn lists(
    store: &impl Store,
    day: NaiveDate,
) -> Result<Vec<(List, Vec<EntryChange>)>, StoreError> {
    let mut lists = Vec::new();
    for stored in store.lists()? {
        if stored.act.valid_on <= day {
            let changes = list_changes(store, &stored.id)?;
            lists.push((list(&stored), changes));
        }
    }
    Ok(lists)
}

/// The changes to a list's entries, in the order of their days, and of
/// their recording within a day, so that an act entered later for an
/// earlier day counts on that day.
pub fn list_changes(store: &impl Store, id: &str) -> Result<Vec<EntryChange>, StoreError> {
    let mut changes: Vec<EntryChange> = store
        .entries(id)?
        .into_iter()
        .map(|entry| EntryChange {
            person: entry.person,
            added: entry.action == EntryAction::Add,
            on: entry.act.valid_on,
        })
        .collect();
    changes.sort_by_key(|change| change.on);
    Ok(changes)
}
