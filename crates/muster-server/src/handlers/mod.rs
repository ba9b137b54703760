//! The handlers of the API, by what they answer about. Each parses its
//! input, opens the request's context (store, caller, army), asks the
//! policies, asks the service, and returns the service's typed answer.

pub mod acts;
pub mod audit;
pub mod exemptions;
pub mod lists;
pub mod mass;
pub mod orders;
pub mod records;
pub mod reports;
pub mod session;

pub use crate::context::blocking;
pub use crate::params::{AsOf, day_or_today, parse_day, parse_month};
