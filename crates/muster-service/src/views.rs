//! The answers of muster, typed: every question of the service returns one
//! of these. The API returns them as JSON (their schemas are in the OpenAPI
//! document), `--format json` prints the same structs, the console renders
//! them, so the same question has the same shape wherever it is asked.
//!
//! Fields a role may not see are `Option`s left out of the JSON when
//! `None` (see [`Person::cut`]); a field that may be null when shown is
//! an `Option` inside that `Option`. The schemas say so exactly: a field
//! that may be left out is not required, and is nullable only if it may
//! also be null; an `Option` always written is required and nullable.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A person's record as stored (one version).
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct PersonRecord {
    pub id: String,
    pub name: String,
    pub born: NaiveDate,
    /// `M` or `F`.
    pub sex: String,
    pub home_province: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = String)]
    pub home_county: Option<String>,
    /// The branch he serves or served in; null for a civilian.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, nullable)]
    pub branch: Option<Option<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = String)]
    pub rank: Option<String>,
    pub specialty: String,
    /// The day he enlisted; null if he never did.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<NaiveDate>, nullable)]
    pub enlisted: Option<Option<NaiveDate>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<u32>, nullable)]
    pub term_months: Option<Option<u32>>,
}

/// One service assignment.
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct ServiceRow {
    pub unit: String,
    #[schema(required)]
    pub unit_name: Option<String>,
    pub from: NaiveDate,
    /// The last day; null while it lasts (as of the day asked).
    #[schema(required)]
    pub to: Option<NaiveDate>,
}

/// One period deployed at a site: his own deployment, or his unit's.
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct DeploymentRow {
    pub site: String,
    pub campaign: String,
    /// The unit deployed, when he was deployed with it.
    #[schema(required)]
    pub unit: Option<String>,
    pub from: NaiveDate,
    #[schema(required)]
    pub to: Option<NaiveDate>,
}

/// One event of a person's life.
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct EventRow {
    pub person: String,
    pub date: NaiveDate,
    pub kind: String,
    #[serde(rename = "ref")]
    pub reference: String,
    pub detail: String,
}

/// One version of a person's record: the act that wrote it, the day it
/// takes effect.
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct VersionRow {
    pub act: i64,
    pub valid_on: NaiveDate,
}

/// A person's record, history and status on a day (`muster person show`,
/// `GET /api/v1/people/{id}`).
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct Person {
    pub person: PersonRecord,
    pub as_of: NaiveDate,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = i64)]
    pub age: Option<i64>,
    /// `killed`, `awol`, `abroad`, `discharged`, `serving` or `civilian`.
    pub status: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<NaiveDate>, nullable)]
    pub term_end: Option<Option<NaiveDate>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, nullable)]
    pub discharge_cycle: Option<Option<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<NaiveDate>, nullable)]
    pub discharge_date: Option<Option<NaiveDate>>,
    /// How his discharge date came about, in words: `recorded`,
    /// `scheduled`, or `delayed by ID, ID` (the table shows it).
    #[serde(skip)]
    pub discharge_how: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Vec<String>)]
    pub discharge_delayed_by: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Vec<ServiceRow>)]
    pub service: Option<Vec<ServiceRow>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Vec<DeploymentRow>)]
    pub deployments: Option<Vec<DeploymentRow>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Vec<EventRow>)]
    pub events: Option<Vec<EventRow>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Vec<VersionRow>)]
    pub versions: Option<Vec<VersionRow>>,
}

/// What of a person a caller is shown, as the policies decide it: which
/// fields, and which of his history.
pub trait Cut {
    /// Whether a field is shown: one of his record's (`home_county`), or
    /// of what follows from it (`age`, `term_end`, `discharge_date`), or a
    /// part of his history (`service`, `deployments`, `events`,
    /// `versions`).
    fn shows_field(&self, field: &str) -> bool;
    /// Whether an assignment to a unit, from a day, is shown.
    fn keeps_assignment(&self, unit: &str, from: NaiveDate) -> bool;
    /// Whether a deployment over a period is shown.
    fn keeps_period(&self, from: NaiveDate, to: Option<NaiveDate>) -> bool;
    /// Whether an event of a day is shown.
    fn keeps_day(&self, day: NaiveDate) -> bool;
}

impl Person {
    /// Cuts the person to what a caller may see: hidden fields are left
    /// out of the answer, and of his history what is not shown.
    pub fn cut(&mut self, cut: &dyn Cut) {
        let record = &mut self.person;
        if !cut.shows_field("home_county") {
            record.home_county = None;
        }
        if !cut.shows_field("branch") {
            record.branch = None;
        }
        if !cut.shows_field("rank") {
            record.rank = None;
        }
        if !cut.shows_field("enlisted") {
            record.enlisted = None;
        }
        if !cut.shows_field("term_months") {
            record.term_months = None;
        }
        if !cut.shows_field("specialty") {
            record.specialty = String::new();
        }
        if !cut.shows_field("age") {
            self.age = None;
        }
        if !cut.shows_field("term_end") {
            self.term_end = None;
        }
        if !cut.shows_field("discharge_cycle") {
            self.discharge_cycle = None;
        }
        if !cut.shows_field("discharge_date") {
            self.discharge_date = None;
            self.discharge_how = None;
            self.discharge_delayed_by = None;
        }
        if !cut.shows_field("service") {
            self.service = None;
        }
        if !cut.shows_field("deployments") {
            self.deployments = None;
        }
        if !cut.shows_field("events") {
            self.events = None;
        }
        if !cut.shows_field("versions") {
            self.versions = None;
        }
        if let Some(service) = &mut self.service {
            service.retain(|row| cut.keeps_assignment(&row.unit, row.from));
        }
        if let Some(deployments) = &mut self.deployments {
            deployments.retain(|row| cut.keeps_period(row.from, row.to));
        }
        if let Some(events) = &mut self.events {
            events.retain(|row| cut.keeps_day(row.date));
        }
    }
}

/// A rule that excludes an entry.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Reason {
    pub order: String,
    pub rule: usize,
    pub reason: String,
}

/// One entry of a list on a day.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct ListEntry {
    pub person: String,
    /// His name; empty when the store does not know him.
    pub name: String,
    /// `eligible`, `excluded`, `flagged` or `removed`.
    pub status: String,
    /// The day he was (last) nominated.
    pub nominated_on: NaiveDate,
    /// Every rule that excludes him on the day (empty when eligible).
    pub reasons: Vec<Reason>,
}

/// How many entries of a list hold each status.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct StatusCounts {
    pub eligible: usize,
    pub excluded: usize,
    pub flagged: usize,
    pub removed: usize,
}

/// A list's entries on a day, or a page of them (`muster list show`,
/// `GET /api/v1/lists/{id}`).
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct ListPage {
    pub list: String,
    pub kind: String,
    pub owner: String,
    pub title: String,
    #[schema(required)]
    pub quota: Option<u32>,
    pub as_of: NaiveDate,
    /// The entries of the status asked for (all of them when none was).
    pub total: usize,
    pub offset: usize,
    /// The most entries asked for; null for all.
    #[schema(required)]
    pub limit: Option<usize>,
    /// After a re-check: how many entries it flagged.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = usize)]
    pub flagged: Option<usize>,
    pub entries: Vec<ListEntry>,
}

/// A list, with how many are on it.
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct ListSummary {
    pub id: String,
    pub kind: String,
    pub owner: String,
    pub title: String,
    #[schema(required)]
    pub quota: Option<u32>,
    pub created_on: NaiveDate,
    /// How many are on it on the day (not removed).
    pub entries: usize,
    /// Flagged entries on the day, when they were counted.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = usize)]
    pub flagged: Option<usize>,
}

/// The lists a caller may read (`GET /api/v1/lists`).
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct Lists {
    pub as_of: NaiveDate,
    pub lists: Vec<ListSummary>,
}

/// What a list addition did (`muster list add`, `POST
/// /api/v1/lists/{id}/entries`).
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct Added {
    pub list: String,
    pub as_of: NaiveDate,
    /// How many were added.
    pub added: usize,
    /// The entries added, screened on the day.
    pub entries: Vec<ListEntry>,
    /// For how many the condition failed to evaluate (not added); shown
    /// only to a caller who may read everything the condition read.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = u64)]
    pub failed: Option<u64>,
}

/// What a removal from a list did.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct Removed {
    pub list: String,
    pub removed: Vec<String>,
    pub as_of: NaiveDate,
}

/// One entry of a discharge roster.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct RosterEntry {
    pub person: String,
    /// `scheduled`, `delayed`, `exempt`, `delayed-in` or `discharged`.
    pub status: String,
    pub date: NaiveDate,
    pub orders: Vec<String>,
}

/// The discharge roster of a cycle (`muster discharge roster`).
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct Roster {
    pub cycle: String,
    pub date: NaiveDate,
    pub as_of: NaiveDate,
    pub entries: Vec<RosterEntry>,
}

impl Roster {
    /// How many entries hold a status.
    pub fn count(&self, status: &str) -> usize {
        self.entries.iter().filter(|entry| entry.status == status).count()
    }
}

/// The strength of a site in one month.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct StrengthMonth {
    /// `YYYY-MM`; counted on its first day.
    #[schema(value_type = String, pattern = r"^[0-9]{4}-(0[1-9]|1[0-2])$")]
    pub month: Month,
    pub headcount: u32,
    pub technicians: u32,
    pub required: u32,
    pub required_technicians: u32,
}

impl StrengthMonth {
    pub fn shortfall(&self) -> u32 {
        self.required.saturating_sub(self.headcount)
    }

    pub fn technician_shortfall(&self) -> u32 {
        self.required_technicians.saturating_sub(self.technicians)
    }
}

/// A month, written `YYYY-MM`, by its first day.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Month(pub NaiveDate);

impl std::fmt::Display for Month {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        use chrono::Datelike;
        write!(formatter, "{:04}-{:02}", self.0.year(), self.0.month())
    }
}

impl Serialize for Month {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// The strength of a site month by month (`muster strength`).
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct Strength {
    pub site: String,
    pub as_of: NaiveDate,
    pub months: Vec<StrengthMonth>,
}

/// Headcount and technicians on a day.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct Count {
    pub headcount: u32,
    pub technicians: u32,
}

/// A month of a site without and with an order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct ComparedMonth {
    /// `YYYY-MM`; counted on its first day.
    #[schema(value_type = String, pattern = r"^[0-9]{4}-(0[1-9]|1[0-2])$")]
    pub month: Month,
    pub before: Count,
    pub after: Count,
    pub required: u32,
    pub required_technicians: u32,
}

/// The strength of a site without and with an order.
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct StrengthComparison {
    pub site: String,
    pub months: Vec<ComparedMonth>,
}

/// One cohort of outcome rates.
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct Cohort {
    pub group: String,
    pub population: u64,
    pub with_event: u64,
    pub rate: f64,
}

/// Outcome rates by cohort (`muster stats`).
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct Stats {
    pub event: String,
    pub by: String,
    #[schema(required)]
    pub from: Option<NaiveDate>,
    pub to: NaiveDate,
    pub groups: Vec<Cohort>,
    /// The smallest cohort shown by name, when smaller ones were merged.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = u64)]
    pub minimum_cohort: Option<u64>,
    /// How many cohorts were merged into `(smaller cohorts)`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = usize)]
    pub suppressed_cohorts: Option<usize>,
}

/// One rule of an explanation.
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct ExplainedRule {
    pub order: String,
    pub rule: usize,
    pub effect: String,
    /// Whether `when` held (false when it failed to evaluate).
    pub when: bool,
    /// Whether `unless` held (false when there is none, or it failed).
    pub unless: bool,
    /// Whether the rule decided the outcome.
    pub decisive: bool,
    /// Every field and method the rule read, with its value.
    #[schema(value_type = Object)]
    pub reads: serde_json::Map<String, serde_json::Value>,
    /// The evaluation error of `when` or `unless`, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = String)]
    pub error: Option<String>,
    /// What the rule did, in words.
    pub note: String,
    /// `when` as shown: `true`, `false` or the error.
    #[serde(skip)]
    pub when_text: String,
    /// `unless` as shown, when the rule has one.
    #[serde(skip)]
    pub unless_text: Option<String>,
    /// The reads as shown: `person.home_province = "Chagang"`.
    #[serde(skip)]
    pub read_lines: Vec<String>,
}

/// A line of an explanation that is no rule: the facts the chain starts
/// from, or what overrides it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct ExplainedFact {
    /// Where it stands: before the rules, or after them.
    pub after_rules: bool,
    pub decisive: bool,
    pub note: String,
}

/// Why, rule by rule (`muster explain`).
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct Explanation {
    pub person: String,
    pub name: String,
    /// The list kind, or `discharge`.
    pub subject: String,
    pub as_of: NaiveDate,
    /// `eligible` or `excluded`, or the discharge date.
    pub decision: String,
    pub rules: Vec<ExplainedRule>,
    pub facts: Vec<ExplainedFact>,
}

/// An entry of a list newly excluded by an order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ListImpact {
    pub list: String,
    pub newly_excluded: Vec<String>,
}

/// A discharge an order moves.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct DischargeChange {
    pub person: String,
    pub from: NaiveDate,
    pub to: NaiveDate,
}

/// A delay over a protection.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Conflict {
    pub rule: usize,
    pub protected_by: String,
    pub persons: Vec<String>,
}

/// What issuing an order does (`muster order preview`, `order issue`).
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct Impact {
    pub order: String,
    /// The day it is (or would be) issued on.
    pub as_of: NaiveDate,
    /// Whether it is issued over the protection of orders in force.
    #[serde(rename = "override")]
    pub overridden: bool,
    pub lists: Vec<ListImpact>,
    pub discharge: Vec<DischargeChange>,
    pub conflicts: Vec<Conflict>,
    /// With a site asked for: its strength without and with the order.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = StrengthComparison)]
    pub strength: Option<StrengthComparison>,
}

/// One rule of an order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct OrderRule {
    pub number: usize,
    pub applies_to: String,
    pub effect: String,
    pub when: String,
    #[schema(required)]
    pub unless: Option<String>,
    #[schema(required)]
    pub until: Option<String>,
    pub reason: String,
}

/// An order checked against the store (`muster order check`).
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct CheckedOrder {
    pub order: String,
    pub as_of: NaiveDate,
    /// Whether it parses and checks: always true in an answer (an order
    /// with errors is answered with its diagnostics).
    pub valid: bool,
    /// Whether it can be issued without `override`: it has no conflict.
    pub issuable: bool,
    pub rules: Vec<OrderRule>,
    pub conflicts: Vec<Conflict>,
    /// The conflicts in words.
    pub messages: Vec<String>,
}

/// What a revocation did.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct Revoked {
    pub order: String,
    /// The first day it is no longer in force.
    pub revoked_from: NaiveDate,
    pub as_of: NaiveDate,
}

/// An issued order and its state on a day.
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct OrderSummary {
    pub id: String,
    pub title: String,
    pub issued_by: String,
    pub issued_on: NaiveDate,
    pub effective_from: NaiveDate,
    #[schema(required)]
    pub effective_until: Option<NaiveDate>,
    /// `in force`, `in force from D`, `expired after D`, `revoked from D`,
    /// `superseded by ID from D`.
    pub state: String,
    /// What its rules govern: `discharge`, or list kinds.
    pub governs: Vec<String>,
}

/// The orders issued by a day (`muster order list`).
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct Orders {
    pub as_of: NaiveDate,
    pub orders: Vec<OrderSummary>,
}

/// A revocation of an order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct RevocationRow {
    /// The first day it is no longer in force.
    pub on: NaiveDate,
    /// The day the revocation was made.
    pub made_on: NaiveDate,
    pub reason: String,
}

/// One issued order, with its document (`muster order show`).
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct OrderDetail {
    pub id: String,
    pub title: String,
    pub issued_by: String,
    pub issued_on: NaiveDate,
    pub recorded_at: String,
    pub effective_from: NaiveDate,
    #[schema(required)]
    pub effective_until: Option<NaiveDate>,
    pub addressed_to: Vec<String>,
    pub supersedes: Vec<String>,
    pub rationale: String,
    /// Whether it was issued with `--override`.
    #[serde(rename = "override")]
    pub overridden: bool,
    pub state: String,
    pub revocations: Vec<RevocationRow>,
    pub rules: Vec<OrderRule>,
    /// The document, as issued.
    pub document: String,
    /// The impact printed when it was issued (without a strength); null
    /// when the store holds none it can read.
    #[schema(required)]
    pub impact: Option<Impact>,
}

/// A notice left for an organisation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct Notice {
    pub on: NaiveDate,
    #[schema(required)]
    pub order: Option<String>,
    #[schema(required)]
    pub list: Option<String>,
    pub message: String,
}

/// The notices left for an organisation by a day (`muster notices`).
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct Notices {
    pub organisation: String,
    pub as_of: NaiveDate,
    pub notices: Vec<Notice>,
}

/// A unit of the tree.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct UnitRow {
    pub id: String,
    pub name: String,
    #[schema(required)]
    pub parent: Option<String>,
    pub branch: String,
    pub tags: Vec<String>,
    #[schema(required)]
    pub administration: Option<String>,
}

/// The units (`GET /api/v1/units`).
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct Units {
    pub units: Vec<UnitRow>,
}

/// A campaign at a site.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct CampaignRow {
    pub id: String,
    pub site: String,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub required: u32,
    #[schema(required)]
    pub required_technicians: Option<u32>,
}

/// A site, with its campaigns.
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct SiteRow {
    pub id: String,
    pub name: String,
    pub province: String,
    pub kind: String,
    pub campaigns: Vec<CampaignRow>,
}

/// The sites (`GET /api/v1/sites`).
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct Sites {
    pub sites: Vec<SiteRow>,
}

/// One entry of the audit log.
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct AuditRow {
    pub seq: i64,
    #[schema(required)]
    pub act: Option<i64>,
    pub recorded_at: String,
    pub actor: String,
    pub kind: String,
    #[schema(required)]
    pub valid_on: Option<String>,
    pub summary: String,
    /// What the act did, as recorded: any JSON value (an object for
    /// every act muster records).
    pub content: serde_json::Value,
    pub previous: String,
    pub hash: String,
}

/// The audit log (`muster audit log`).
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct AuditLog {
    pub entries: Vec<AuditRow>,
}

/// Whether the audit log is intact (`muster audit verify`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct AuditVerdict {
    pub intact: bool,
    pub entries: usize,
    /// The last entry's number and hash, when the log is intact.
    #[schema(required)]
    pub head: Option<AuditHead>,
    /// The entry where the first problem is.
    #[schema(required)]
    pub entry: Option<i64>,
    #[schema(required)]
    pub problem: Option<String>,
}

/// The last entry of the audit log.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct AuditHead {
    pub seq: i64,
    pub hash: String,
}

/// A map of counts by a word, in order.
pub type Counts = BTreeMap<String, usize>;

/// A list entry of a person, as an act leaves it.
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct ActEntry {
    pub list: String,
    /// `eligible`, `excluded`, `flagged` or `removed`.
    pub status: String,
    pub reasons: Vec<Reason>,
}

/// A person an act touched, as he now stands on the act's day.
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct ActPerson {
    pub person: String,
    /// `serving`, `discharged`, `abroad`, `killed`, `awol` or `civilian`.
    pub status: String,
    pub discharge_date: Option<NaiveDate>,
    /// His entries on the lists he was put on.
    pub lists: Vec<ActEntry>,
}

/// What an act did: the act recorded, and each person it touched as he now
/// stands.
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct ActDone {
    pub act: i64,
    pub kind: String,
    /// The day the act takes effect.
    pub as_of: NaiveDate,
    /// When it was recorded (RFC 3339, UTC).
    pub recorded_at: String,
    pub actor: String,
    pub persons: Vec<ActPerson>,
}

/// A person a mass act leaves out, and why: his entry's status and the
/// rules that exclude him, and the papers an exemption rule honoured.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct MassRefused {
    pub person: String,
    /// His entry's status on the list (`excluded`, `flagged`), or on the
    /// roster (`delayed`).
    pub status: String,
    pub reasons: Vec<Reason>,
    /// His exemption papers that the rules excluding him honour.
    pub papers: Vec<String>,
}

/// A person of a mass act who fails one of its checks: the act is refused.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct MassError {
    pub person: String,
    pub message: String,
}

/// What a mass act did (or, for a preview, would do): the persons acted
/// on, those left out with their reasons, the notices it leaves.
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct MassDone {
    /// The act recorded; none for a preview.
    pub act: Option<i64>,
    /// `call-up`, `redeploy`, `list-post` or `carry-out`.
    pub kind: String,
    /// The list it was made from.
    pub list: Option<String>,
    /// For a carry-out, the cycle.
    pub cycle: Option<String>,
    /// The day the act takes effect.
    pub as_of: NaiveDate,
    /// When it was recorded (RFC 3339, UTC); none for a preview.
    pub recorded_at: Option<String>,
    pub actor: String,
    /// Whether this is a preview: nothing was written.
    pub preview: bool,
    /// The key it was given (`--key`).
    pub key: Option<String>,
    /// The persons acted on, in nomination (roster) order.
    pub done: Vec<String>,
    /// The persons left out, and why.
    pub refused: Vec<MassRefused>,
    /// For a preview: the checks the act would fail.
    pub errors: Vec<MassError>,
    /// For a preview: why the act would be refused, as its refusal says.
    pub refusal: Option<String>,
    /// The organisations left a notice.
    pub notices: Vec<String>,
}

/// The rows an act wrote to one table.
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct ActRows {
    pub table: String,
    /// Each row, as an object of its columns.
    #[schema(value_type = Vec<Object>)]
    pub rows: Vec<serde_json::Value>,
}

/// The act that reversed an act.
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct ReversedBy {
    pub act: i64,
    pub reason: String,
}

/// An act as shown: what it did, every row it wrote, whom it named.
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct ActShown {
    pub act: i64,
    pub kind: String,
    pub as_of: NaiveDate,
    pub recorded_at: String,
    pub actor: String,
    pub summary: String,
    /// What its audit entry records of it.
    #[schema(value_type = Object)]
    pub content: serde_json::Value,
    pub rows: Vec<ActRows>,
    pub persons: Vec<String>,
    pub units: Vec<String>,
    pub reversed_by: Option<ReversedBy>,
    /// The act it reverses, for a reversal.
    pub reverses: Option<i64>,
}

/// One act recorded.
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct ActRow {
    pub act: i64,
    pub kind: String,
    pub as_of: NaiveDate,
    pub recorded_at: String,
    pub actor: String,
    pub summary: String,
}

/// The acts recorded, the latest first.
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct Acts {
    pub acts: Vec<ActRow>,
}
