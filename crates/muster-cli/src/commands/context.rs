//! Loading what the deciding core needs from the store: the records as a
//! `World`, the orders and revocations as an `OrderBook`, and lists.

use anyhow::{Context as _, bail};
use muster_orders::{EntryChange, IssuedOrder, List, OrderBook, Revocation, World};
use muster_store::{EntryAction, SqliteStore, Store, StoredList};

/// The records and the order book.
pub struct Loaded {
    pub world: World,
    pub book: OrderBook,
}

/// Loads the records and every order and revocation.
pub fn load(store: &SqliteStore) -> anyhow::Result<Loaded> {
    let world = World::new(store.records()?);
    let book = load_book(store)?;
    Ok(Loaded { world, book })
}

/// Loads every order and revocation.
pub fn load_book(store: &SqliteStore) -> anyhow::Result<OrderBook> {
    let mut orders = Vec::new();
    for stored in store.orders()? {
        let order = muster_orders::parse_order(&stored.document).map_err(|errors| {
            let first = errors.first().map(|error| error.message.clone()).unwrap_or_default();
            anyhow::anyhow!("the stored order `{}` cannot be read: {first}", stored.id)
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

/// A list and the changes to its entries.
pub struct LoadedList {
    pub stored: StoredList,
    pub list: List,
    pub changes: Vec<EntryChange>,
}

/// Loads a list, as known on `day`.
pub fn load_list(
    store: &SqliteStore,
    id: &str,
    day: chrono::NaiveDate,
) -> anyhow::Result<LoadedList> {
    let Some(stored) = store.list(id)? else {
        bail!("no list `{id}`");
    };
    if stored.act.valid_on > day {
        bail!("list `{id}` was created on {}, after {day}", stored.act.valid_on);
    }
    let changes =
        load_changes(store, &stored.id).with_context(|| format!("cannot read list `{id}`"))?;
    let list = List {
        id: stored.id.clone(),
        kind: stored.kind.clone(),
        owner: stored.owner.clone(),
        created_on: stored.act.valid_on,
    };
    Ok(LoadedList { stored, list, changes })
}

/// Loads the changes to a list's entries.
///
/// They come in the order of their days, and of their recording within a
/// day, so that an act entered later for an earlier day counts on that day.
pub fn load_changes(store: &SqliteStore, id: &str) -> anyhow::Result<Vec<EntryChange>> {
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
