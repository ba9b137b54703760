//! What the fuzz targets share: the reference scenario of the command
//! line's tests (`crates/muster-cli/tests/fixtures/reference/`), read once:
//! its records, the world they make, the two orders it issues and its list.

#![expect(clippy::expect_used, reason = "a fuzz target stops at a broken fixture")]

use std::path::PathBuf;
use std::sync::OnceLock;

use chrono::NaiveDate;
use muster_core::Records;
use muster_core::lists::EntryChange;
use muster_orders::{IssuedOrder, List, OrderBook, World};

/// The day the targets ask about: the reference scenario's list day.
pub fn today() -> NaiveDate {
    day("2024-01-10")
}

/// A day written `YYYY-MM-DD`.
pub fn day(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").expect("a day of the fixture")
}

/// The folder of the reference scenario.
pub fn reference_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../crates/muster-cli/tests/fixtures/reference")
}

/// The reference scenario, decided on as `muster-orders` decides.
pub struct Reference {
    pub records: Records,
    pub world: World,
    /// The orders `mod-2023-002` (issued 2023-01-10) and `mod-2024-001`
    /// (issued 2024-01-02).
    pub book: OrderBook,
    /// The list `haebit-2023` of kind `overseas-posting`, with p002, p003,
    /// p004, p008 and p009 nominated on 2023-06-01.
    pub list: List,
    pub changes: Vec<EntryChange>,
}

/// The reference scenario, read on first use.
pub fn reference() -> &'static Reference {
    static REFERENCE: OnceLock<Reference> = OnceLock::new();
    REFERENCE.get_or_init(|| {
        let dir = reference_dir();
        let records = muster_dataset::read_dataset(&dir)
            .expect("the reference scenario reads")
            .into_records()
            .expect("the reference scenario has no error");
        let world = World::new(records.clone());
        let orders = [("mod-2023-002", "2023-01-10"), ("mod-2024-001", "2024-01-02")]
            .into_iter()
            .enumerate()
            .map(|(index, (id, issued_on))| {
                let text = std::fs::read_to_string(dir.join(format!("orders/{id}.toml")))
                    .expect("a reference order");
                let order = muster_orders::parse_order(&text)
                    .unwrap_or_else(|_| unreachable!("the reference order {id} parses"));
                IssuedOrder {
                    order,
                    issued_on: day(issued_on),
                    sequence: index as i64 + 1,
                    overridden: false,
                }
            })
            .collect();
        let book = OrderBook::new(orders, Vec::new());
        let list = List {
            id: "haebit-2023".to_string(),
            kind: "overseas-posting".to_string(),
            owner: "haebit".to_string(),
            created_on: day("2023-06-01"),
        };
        let changes = ["p002", "p003", "p004", "p008", "p009"]
            .into_iter()
            .map(|person| EntryChange {
                person: person.to_string(),
                added: true,
                on: list.created_on,
            })
            .collect();
        Reference { records, world, book, list, changes }
    })
}
