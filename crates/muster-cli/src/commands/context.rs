//! Loading what the deciding core needs from the store: the records as a
//! `World`, the orders and revocations as an `OrderBook`, and lists.

use anyhow::{Context as _, bail};
use muster_orders::{EntryChange, List, OrderBook, World};
use muster_store::{SqliteStore, Store, StoredList};

/// The records and the order book.
pub struct Loaded {
    pub world: World,
    pub book: OrderBook,
}

/// Loads the records and every order and revocation.
pub fn load(store: &SqliteStore) -> anyhow::Result<Loaded> {
    let world = muster_store::load::world(store)?;
    let book = muster_store::load::book(store)?;
    Ok(Loaded { world, book })
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
    let changes = muster_store::load::list_changes(store, &stored.id)
        .with_context(|| format!("cannot read list `{id}`"))?;
    let list = muster_store::load::list(&stored);
    Ok(LoadedList { stored, list, changes })
}
