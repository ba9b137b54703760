//! Orders made executable, with no IO: order documents read and checked,
//! the rules in force on a day, a person's discharge chain, his screening
//! for a list kind, list entries with their statuses, and the impact of an
//! order before it is issued.
//!
//! Everything here takes records, orders and lists and returns decisions
//! with their reasons. This is the reference interpreter of orders.

pub mod anomalies;
pub mod book;
pub mod check;
pub mod decide;
pub mod document;
pub mod impact;
pub mod limits;
pub mod lists;
pub mod rates;
pub mod roster;
pub mod schema;
pub mod world;

pub use muster_core::PersonFile;

pub use book::{IssuedOrder, OrderBook, Revocation};
pub use check::{check_expression, check_expression_readable, check_order};
pub use decide::{
    Discharge, PersonView, RuleCheck, Screening, Step, StepResult, discharge, screen,
};
pub use document::{Condition, Effect, Order, OrderDiagnostic, Rule, Target, Until, parse_order};
pub use impact::{Conflict, DischargeChange, Impact, ListImpact, ListWithEntries, impact};
pub use lists::{
    Entry, EntryChange, EntryStatus, List, Reason, entries, entry_of, members, person_entry,
};
pub use roster::{Roster, RosterEntry, RosterStatus, Strength, roster, strength};
pub use schema::person_schema;
pub use world::World;
