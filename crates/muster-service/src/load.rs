//! What the deciding core needs, read from a store: the orders and
//! revocations as an `OrderBook`, a list as the core sees it, and the
//! changes to a list's entries.

use muster_orders::{EntryChange, IssuedOrder, List, OrderBook, Revocation};
use muster_store::{EntryAction, Store, StoreError, StoredList};

/// Every order issued and every revocation.
pub fn book(store: &dyn Store) -> Result<OrderBook, StoreError> {
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

/// The changes to a list's entries, in the order of their days, and of
/// their recording within a day, so that an act entered later for an
/// earlier day counts on that day; those of acts up to act `through`.
pub fn list_changes(
    store: &dyn Store,
    id: &str,
    through: i64,
) -> Result<Vec<EntryChange>, StoreError> {
    store.entry_changes(id, through)
}

/// Entry rows as the core sees them, in the order of their days.
pub fn changes_of(entries: Vec<muster_store::StoredEntry>) -> Vec<EntryChange> {
    let mut changes: Vec<EntryChange> = entries
        .into_iter()
        .map(|entry| EntryChange {
            person: entry.person,
            added: entry.action == EntryAction::Add,
            on: entry.act.valid_on,
        })
        .collect();
    changes.sort_by_key(|change| change.on);
    changes
}
