//! The domain of muster, with no IO: the records it keeps, the discharge
//! calendar, the acts that change the records, and what follows from a
//! person's records on a day (term end, discharge cycle, status).
//!
//! Everything here takes records and returns answers. Nothing here knows of
//! files, SQL, HTTP or the terminal.

pub mod act;
pub mod calendar;
pub mod date;
pub mod model;
pub mod person;
pub mod units;

pub use act::{Act, ActId, Version, in_effect};
pub use calendar::{Calendar, Cycle, MonthDay, Season, term_end};
pub use date::{Date, format_date, parse_date};
pub use model::{
    Assignment, Branch, Campaign, Deployed, Deployment, Event, EventKind, Organisation,
    OrganisationKind, Person, Sex, Site, Unit,
};
pub use person::{PersonDeployment, PersonFile, Status};
pub use units::UnitTree;
