//! The fast engine behind the reference interpreter of orders.
//!
//! The engine holds every person in packed columns (dictionary-encoded
//! strings, dates as day numbers, history rows side by side) with roaring
//! bitmap indexes: per value of each field, per unit subtree served in,
//! per tag, per site deployed at, per event kind, admission and exemption.
//! A rule's condition is compiled into set algebra over those indexes
//! ([`Plan`]); what no index covers is evaluated per person by the
//! reference interpreter over the packed columns. Discharge chains are run
//! for everyone at once, over groups of people whose chains have reached
//! the same date.
//!
//! `muster_orders` stays the definition of the semantics: the differential
//! test checks that the engine decides exactly as it does, with the same
//! reasons and discharge dates, for every person.
//!
//! - `people.rs`: the packed columns.
//! - `index.rs`: the indexes by day (monotone facts and periods).
//! - `engine.rs`: the engine, built from a world.
//! - `subject.rs`: a person read from the columns, for the interpreter.
//! - `plan.rs`: conditions compiled into set algebra.
//! - `chain.rs`: discharge chains, for everyone and for one person.
//! - `screen.rs`: screening and list statuses.
//! - `reports.rs`: the discharge roster and an order's impact.
//! - `live.rs`: list statuses and discharge dates kept up to date as acts
//!   change people.
//! - `load.rs`: the engine loaded from the rows a store streams.
//!
//! Nothing here does IO: `load.rs` reads the rows a store streams to it
//! (`muster_core::scan::RecordScan`), and knows no SQL.

mod chain;
mod engine;
mod index;
mod live;
mod load;
mod people;
mod plan;
mod reports;
mod screen;
mod subject;

pub use chain::{ConflictSet, Discharges, PersonDischarge};
pub use engine::{Engine, Progress};
pub use live::{Live, LiveList, UpdateError};
pub use load::{LoadError, load};
pub use plan::{EngineError, Plan};
pub use reports::{Cohort, CohortQuestion, Strata};
pub use screen::{EntryState, ListMember, ListRule, ListStatuses, PersonScreening, Screenings};
