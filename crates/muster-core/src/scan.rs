//! Every person and his history read in bulk: the rows a store streams to
//! whoever indexes the whole army at once (the engine), table by table and
//! part by part, without making a record per row.
//!
//! A store implements [`RecordScan`]; the reader asks for the parts of each
//! table and may read several parts at once, on different threads. The rows
//! borrow from the store's buffers for the length of one call of the
//! visitor.

use chrono::NaiveDate;

use crate::model::EventKind;
use crate::records::Records;

/// One stored version of a person's record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PersonRow<'a> {
    pub id: &'a str,
    pub name: &'a str,
    pub born: NaiveDate,
    pub sex: &'a str,
    pub home_province: &'a str,
    pub home_county: &'a str,
    /// Empty for a civilian.
    pub branch: &'a str,
    pub rank: &'a str,
    pub specialty: &'a str,
    pub enlisted: Option<NaiveDate>,
    pub term_months: Option<u32>,
}

/// One service assignment that no later row replaces.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AssignmentRow<'a> {
    pub person: &'a str,
    pub unit: &'a str,
    pub from: NaiveDate,
    pub to: Option<NaiveDate>,
}

/// One event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EventRow<'a> {
    pub person: &'a str,
    pub date: NaiveDate,
    pub kind: EventKind,
    pub reference: &'a str,
    pub detail: &'a str,
}

/// One deployment that no later row replaces: of a unit, or of a person.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DeploymentRow<'a> {
    pub unit: Option<&'a str>,
    pub person: Option<&'a str>,
    pub site: &'a str,
    pub campaign: &'a str,
    pub from: NaiveDate,
    pub to: Option<NaiveDate>,
}

/// The days an exemption paper exempts a person (its validity, ended by
/// its revocation), for one that exempts on some day.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PaperRow<'a> {
    pub person: &'a str,
    pub scope: &'a str,
    pub from: NaiveDate,
    pub to: Option<NaiveDate>,
}

/// The tables read in parts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Table {
    People,
    Service,
    Events,
}

/// Why a scan could not be read.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ScanError(pub String);

/// What a store gives whoever reads the whole army at once.
///
/// Rows of history come grouped by person (all of one person's rows of a
/// part one after another), as a store that wrote them person by person
/// holds them.
pub trait RecordScan: Sync {
    /// The records other than people and their history: the calendar,
    /// organisations, units, sites and campaigns, each in its latest
    /// version.
    fn small_records(&self) -> Result<Records, ScanError>;

    /// How many parts a table is read in (at least one).
    fn parts(&self, table: Table) -> Result<usize, ScanError>;

    /// The person rows of a part, in the order stored. When every person
    /// has one version and the store holds them in the order of their ids
    /// (as after an import), the parts one after another give the people in
    /// the order of ids; a reader that finds otherwise asks
    /// [`RecordScan::people_in_order`].
    fn people(&self, part: usize, visit: &mut dyn FnMut(PersonRow<'_>)) -> Result<(), ScanError>;

    /// Every version of every person, in the order of ids and, for one
    /// person, in the order recorded (the last is in effect).
    fn people_in_order(&self, visit: &mut dyn FnMut(PersonRow<'_>)) -> Result<(), ScanError>;

    /// The service assignments of a part that no later row replaces.
    fn service(
        &self,
        part: usize,
        visit: &mut dyn FnMut(AssignmentRow<'_>),
    ) -> Result<(), ScanError>;

    /// The events of a part.
    fn events(&self, part: usize, visit: &mut dyn FnMut(EventRow<'_>)) -> Result<(), ScanError>;

    /// Every deployment that no later row replaces, in the order recorded.
    fn deployments(&self, visit: &mut dyn FnMut(DeploymentRow<'_>)) -> Result<(), ScanError>;

    /// The exemption papers entered as papers (not those of `exempted`
    /// events, which come with the events), each with the days it exempts;
    /// a paper that exempts on no day is left out.
    fn papers(&self, visit: &mut dyn FnMut(PaperRow<'_>)) -> Result<(), ScanError>;
}
