//! The domain of muster, with no IO: the records it keeps, the discharge
//! calendar, the acts that change the records, and what follows from a
//! person's records on a day (term end, discharge cycle, status).
//!
//! Everything here takes records and returns answers. Nothing here knows of
//! files, SQL, HTTP or the terminal.

pub mod act;
pub mod calendar;
pub mod date;
pub mod lists;
pub mod merkle;
pub mod model;
pub mod person;
pub mod scan;
pub mod units;

pub use act::{Act, ActId, Version, in_effect};
pub use calendar::{Calendar, Cycle, MonthDay, Season, term_end};
pub use date::{Date, format_date, parse_date};
pub use lists::{EntryChange, members};
pub use model::{
    Assignment, Branch, Campaign, Deployed, Deployment, Event, EventKind, Grounds, HeldPaper,
    Organisation, OrganisationKind, Paper, Person, Revocation, Role, Sex, Site, Unit,
};
pub use person::{PersonDeployment, PersonFile, Status, age_on, status_of};
pub use records::Records;
pub use units::UnitTree;

pub mod records {
    //! Every current record of a store, as one bag.

    use crate::calendar::Calendar;
    use crate::model::{
        Assignment, Campaign, Deployment, Event, HeldPaper, Organisation, Person, Site, Unit,
    };

    /// All the records in force, one version of each.
    #[derive(Clone, Debug, Default, PartialEq, Eq)]
    pub struct Records {
        /// The calendar, when one was imported.
        pub calendar: Option<Calendar>,
        pub organisations: Vec<Organisation>,
        pub units: Vec<Unit>,
        pub sites: Vec<Site>,
        pub campaigns: Vec<Campaign>,
        pub people: Vec<Person>,
        pub assignments: Vec<Assignment>,
        pub deployments: Vec<Deployment>,
        pub events: Vec<Event>,
        /// The exemption papers entered as papers (those of `exempted`
        /// events are read from the events).
        pub papers: Vec<HeldPaper>,
    }

    impl Records {
        /// Whether there is no record at all.
        pub fn is_empty(&self) -> bool {
            self.calendar.is_none()
                && self.organisations.is_empty()
                && self.units.is_empty()
                && self.sites.is_empty()
                && self.campaigns.is_empty()
                && self.people.is_empty()
                && self.assignments.is_empty()
                && self.deployments.is_empty()
                && self.events.is_empty()
                && self.papers.is_empty()
        }
    }
}
