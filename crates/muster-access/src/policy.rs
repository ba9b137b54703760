//! Authorization as Cedar policies.
//!
//! The schema (`policies/schema.cedarschema`) names what policies talk
//! about: users with a role and an organisation, people, lists, orders,
//! notices and the store. The default policies (`policies/default.cedar`)
//! ship with muster; a deployer may give his own file, which is validated
//! against the schema before anything is served. Every request is decided
//! here, and nowhere else.

use std::collections::{HashMap, HashSet};
use std::str::FromStr;

use cedar_policy::{
    Authorizer, Context, Decision, Entities, Entity, EntityId, EntityTypeName, EntityUid,
    PolicySet, Request, RestrictedExpression, Schema, ValidationMode, Validator,
};
use chrono::NaiveDate;
use muster_core::Role;

/// The schema of the policies.
pub const SCHEMA: &str = include_str!("../policies/schema.cedarschema");

/// The policies muster ships with.
pub const DEFAULT_POLICIES: &str = include_str!("../policies/default.cedar");

/// Policies that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum PolicyError {
    #[error("the policy schema cannot be read: {0}")]
    Schema(String),
    #[error("the policies cannot be read: {0}")]
    Parse(String),
    #[error("the policies do not fit the schema:\n{0}")]
    Invalid(String),
}

/// Who asks: a user of an organisation, with his role.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Principal {
    pub name: String,
    pub organisation: String,
    pub role: Role,
}

/// What he asks to do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Action {
    ReadRecords,
    ReadOrders,
    CheckOrder,
    IssueOrder,
    RevokeOrder,
    ReadPerson,
    Explain,
    CreateList,
    ReadList,
    ChangeList,
    ReadRoster,
    ReadStrength,
    ReadStats,
    ReadNotices,
    ReadAudit,
    RegisterPerson,
    UpdatePerson,
    Enlist,
    Assign,
    Deploy,
    Recall,
    RecordEvent,
    Discharge,
    Post,
    Return,
    DeployUnit,
    RecallUnit,
    ReverseAct,
    ReadActs,
    CallUp,
    Redeploy,
    PostList,
    CarryOut,
    IssuePaper,
    RevokePaper,
    ReadPapers,
    ReviewPaper,
    SetLimits,
}

impl Action {
    /// Every action.
    pub const ALL: [Action; 38] = [
        Action::ReadRecords,
        Action::ReadOrders,
        Action::CheckOrder,
        Action::IssueOrder,
        Action::RevokeOrder,
        Action::ReadPerson,
        Action::Explain,
        Action::CreateList,
        Action::ReadList,
        Action::ChangeList,
        Action::ReadRoster,
        Action::ReadStrength,
        Action::ReadStats,
        Action::ReadNotices,
        Action::ReadAudit,
        Action::RegisterPerson,
        Action::UpdatePerson,
        Action::Enlist,
        Action::Assign,
        Action::Deploy,
        Action::Recall,
        Action::RecordEvent,
        Action::Discharge,
        Action::Post,
        Action::Return,
        Action::DeployUnit,
        Action::RecallUnit,
        Action::ReverseAct,
        Action::ReadActs,
        Action::CallUp,
        Action::Redeploy,
        Action::PostList,
        Action::CarryOut,
        Action::IssuePaper,
        Action::RevokePaper,
        Action::ReadPapers,
        Action::ReviewPaper,
        Action::SetLimits,
    ];

    /// The action's name in the policies.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::ReadRecords => "read-records",
            Action::ReadOrders => "read-orders",
            Action::CheckOrder => "check-order",
            Action::IssueOrder => "issue-order",
            Action::RevokeOrder => "revoke-order",
            Action::ReadPerson => "read-person",
            Action::Explain => "explain",
            Action::CreateList => "create-list",
            Action::ReadList => "read-list",
            Action::ChangeList => "change-list",
            Action::ReadRoster => "read-roster",
            Action::ReadStrength => "read-strength",
            Action::ReadStats => "read-stats",
            Action::ReadNotices => "read-notices",
            Action::ReadAudit => "read-audit",
            Action::RegisterPerson => "register-person",
            Action::UpdatePerson => "update-person",
            Action::Enlist => "enlist",
            Action::Assign => "assign",
            Action::Deploy => "deploy",
            Action::Recall => "recall",
            Action::RecordEvent => "record-event",
            Action::Discharge => "discharge",
            Action::Post => "post",
            Action::Return => "return",
            Action::DeployUnit => "deploy-unit",
            Action::RecallUnit => "recall-unit",
            Action::ReverseAct => "reverse-act",
            Action::ReadActs => "read-acts",
            Action::CallUp => "call-up",
            Action::Redeploy => "redeploy",
            Action::PostList => "post-list",
            Action::CarryOut => "carry-out",
            Action::IssuePaper => "issue-paper",
            Action::RevokePaper => "revoke-paper",
            Action::ReadPapers => "read-papers",
            Action::ReviewPaper => "review-paper",
            Action::SetLimits => "set-limits",
        }
    }
}

/// What he asks about.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Resource {
    /// The store as a whole.
    Store,
    /// A person: the organisations administering his units, and the owners
    /// of the lists he is on.
    Person { id: String, administrations: Vec<String>, lists: Vec<String> },
    /// A list of candidates.
    List { id: String, owner: String, kind: String },
    /// An order: its issuer and what its rules govern.
    Order { id: String, issued_by: String, targets: Vec<String> },
    /// The notices left for an organisation.
    Notices { organisation: String },
    /// An act on the records, as it would be done.
    Act(ActResource),
    /// An exemption paper (or one about to be entered): the organisations
    /// administering the units its person served in, and its issuer.
    Paper { id: String, administrations: Vec<String>, issuer: String },
}

/// An act on the records as the policies see it: whom it is on, and where
/// it takes him.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ActResource {
    /// The organisations administering the unit he is assigned to on the
    /// act's day (or one above it); for an act on a unit, the unit's.
    pub administrations: Vec<String>,
    /// The owners of the lists he is on.
    pub lists: Vec<String>,
    /// For an act into a unit (an assignment, an enlistment): the
    /// organisations administering that unit or one above it.
    pub into: Vec<String>,
    /// For an event: its kind.
    pub event: String,
    /// For a posting, and for every act on the entries of a list: the owner
    /// of the list it is made from; for a return, the placement
    /// organisation of his posting.
    pub placement: String,
    /// For a reversal: the organisation of the user who recorded the act
    /// reversed (empty for an act of the command line).
    pub recorded_by: String,
}

/// The policies in force, validated against the schema.
pub struct Policies {
    schema: Schema,
    policies: PolicySet,
    authorizer: Authorizer,
}

impl Policies {
    /// The policies muster ships with.
    pub fn default_policies() -> Result<Policies, PolicyError> {
        Policies::new(DEFAULT_POLICIES)
    }

    /// Policies from their text, validated against the schema.
    pub fn new(text: &str) -> Result<Policies, PolicyError> {
        let (schema, _warnings) = Schema::from_cedarschema_str(SCHEMA)
            .map_err(|error| PolicyError::Schema(error.to_string()))?;
        let policies =
            PolicySet::from_str(text).map_err(|error| PolicyError::Parse(error.to_string()))?;
        let validation = Validator::new(schema.clone()).validate(&policies, ValidationMode::Strict);
        if !validation.validation_passed() {
            let errors: Vec<String> =
                validation.validation_errors().map(|error| format!("- {error}")).collect();
            return Err(PolicyError::Invalid(errors.join("\n")));
        }
        Ok(Policies { schema, policies, authorizer: Authorizer::new() })
    }

    /// Whether the principal may do the action on the resource. A request
    /// the policies cannot even be asked (which would be a bug) is denied.
    pub fn is_allowed(&self, principal: &Principal, action: Action, resource: &Resource) -> bool {
        self.decide(principal, action, resource).unwrap_or(false)
    }

    fn decide(&self, principal: &Principal, action: Action, resource: &Resource) -> Option<bool> {
        let organisation = uid("Organisation", &principal.organisation)?;
        let user = Entity::new(
            uid("User", &principal.name)?,
            HashMap::from([
                (
                    "role".to_string(),
                    RestrictedExpression::new_string(principal.role.as_str().to_string()),
                ),
                (
                    "organisation".to_string(),
                    RestrictedExpression::new_string(principal.organisation.clone()),
                ),
            ]),
            HashSet::from([organisation.clone()]),
        )
        .ok()?;
        let (resource_uid, resource_entity) = resource_entity(resource)?;
        let entities = Entities::from_entities(
            [Entity::with_uid(organisation), user, resource_entity],
            Some(&self.schema),
        )
        .ok()?;
        let action_uid = uid("Action", action.as_str())?;
        let request = Request::new(
            uid("User", &principal.name)?,
            action_uid,
            resource_uid,
            Context::empty(),
            Some(&self.schema),
        )
        .ok()?;
        let response = self.authorizer.is_authorized(&request, &self.policies, &entities);
        Some(response.decision() == Decision::Allow)
    }
}

fn uid(kind: &str, id: &str) -> Option<EntityUid> {
    let kind = EntityTypeName::from_str(&format!("Muster::{kind}")).ok()?;
    Some(EntityUid::from_type_name_and_id(kind, EntityId::new(id)))
}

fn strings(values: &[String]) -> RestrictedExpression {
    RestrictedExpression::new_set(
        values.iter().map(|value| RestrictedExpression::new_string(value.clone())),
    )
}

fn resource_entity(resource: &Resource) -> Option<(EntityUid, Entity)> {
    let text = |value: &str| RestrictedExpression::new_string(value.to_string());
    let (uid, attributes) = match resource {
        Resource::Store => (uid("Store", "store")?, HashMap::new()),
        Resource::Person { id, administrations, lists } => (
            uid("Person", id)?,
            HashMap::from([
                ("administrations".to_string(), strings(administrations)),
                ("lists".to_string(), strings(lists)),
            ]),
        ),
        Resource::List { id, owner, kind } => (
            uid("List", id)?,
            HashMap::from([("owner".to_string(), text(owner)), ("kind".to_string(), text(kind))]),
        ),
        Resource::Order { id, issued_by, targets } => (
            uid("Order", id)?,
            HashMap::from([
                ("issued_by".to_string(), text(issued_by)),
                ("targets".to_string(), strings(targets)),
            ]),
        ),
        Resource::Notices { organisation } => (
            uid("Notices", organisation)?,
            HashMap::from([("organisation".to_string(), text(organisation))]),
        ),
        Resource::Paper { id, administrations, issuer } => (
            uid("Paper", id)?,
            HashMap::from([
                ("administrations".to_string(), strings(administrations)),
                ("issuer".to_string(), text(issuer)),
            ]),
        ),
        Resource::Act(act) => (
            uid("Act", "act")?,
            HashMap::from([
                ("administrations".to_string(), strings(&act.administrations)),
                ("lists".to_string(), strings(&act.lists)),
                ("into".to_string(), strings(&act.into)),
                ("event".to_string(), text(&act.event)),
                ("placement".to_string(), text(&act.placement)),
                ("recorded_by".to_string(), text(&act.recorded_by)),
            ]),
        ),
    };
    let entity = Entity::new(uid.clone(), attributes, HashSet::new()).ok()?;
    Some((uid, entity))
}

/// The fields of a person a role may see, when it may not see them all.
/// This is the one place where responses are cut to what a role needs.
pub fn person_fields(role: Role) -> Option<&'static [&'static str]> {
    match role {
        Role::Placement => {
            Some(&["id", "name", "born", "sex", "home_province", "specialty", "status"])
        }
        Role::Ministry | Role::Department | Role::UnitAdmin | Role::Analyst | Role::Auditor => None,
    }
}

/// The fields of `person` a condition written by a caller of the role may
/// read (`list add --where`, `stats --where`), and its methods, when it may
/// not read them all: what the role may see of a person, and no history.
pub fn condition_reads(role: Role) -> Option<(Vec<&'static str>, Vec<&'static str>)> {
    let fields = person_fields(role)?;
    let mut readable: Vec<&'static str> = fields.to_vec();
    // His age follows from his birth day, which the role sees.
    if fields.contains(&"born") {
        readable.push("age");
    }
    Some((readable, Vec::new()))
}

/// One of a person's assignments, as the cut of his history sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Assignment {
    pub unit: String,
    pub from: NaiveDate,
    pub to: Option<NaiveDate>,
    /// Whether the unit (or one above it) is administered by the caller's
    /// organisation.
    pub administered: bool,
}

/// What of a person a caller is shown: the fields his role may see, and of
/// the history (service, deployments, events) what the role may see. A
/// unit administration sees only what happened in its units while he was
/// there: his assignments to its units, the deployments that overlap
/// them, and the events dated within them (up to the day after one ends,
/// the day his discharge from it takes effect). The record's fields and
/// his status on the day are not history, and are not cut.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PersonCut {
    fields: Option<&'static [&'static str]>,
    /// `None`: all of the history; else the assignments kept.
    within: Option<Vec<Assignment>>,
}

impl PersonCut {
    /// The cut for a role, given the person's assignments.
    pub fn new(role: Role, assignments: Vec<Assignment>) -> PersonCut {
        let within = (role == Role::UnitAdmin).then(|| {
            assignments.into_iter().filter(|assignment| assignment.administered).collect()
        });
        PersonCut { fields: person_fields(role), within }
    }

    /// Whether the role sees every field (no cut of the record).
    pub fn shows_every_field(&self) -> bool {
        self.fields.is_none()
    }

    /// Whether a field of the record is shown.
    pub fn shows_field(&self, field: &str) -> bool {
        self.fields.is_none_or(|fields| fields.contains(&field))
    }

    /// Whether any of the history is shown (the placement fields hold
    /// none of it).
    pub fn shows_history(&self) -> bool {
        ["service", "deployments", "events"].iter().all(|field| self.shows_field(field))
    }

    /// Whether an assignment to a unit, from a day, is shown.
    pub fn keeps_assignment(&self, unit: &str, from: NaiveDate) -> bool {
        self.within.as_ref().is_none_or(|kept| {
            kept.iter().any(|assignment| assignment.unit == unit && assignment.from == from)
        })
    }

    /// Whether something of a period (a deployment) is shown: it overlaps
    /// an assignment kept.
    pub fn keeps_period(&self, from: NaiveDate, to: Option<NaiveDate>) -> bool {
        self.within.as_ref().is_none_or(|kept| {
            kept.iter().any(|assignment| {
                assignment.to.is_none_or(|end| from <= end)
                    && to.is_none_or(|end| assignment.from <= end)
            })
        })
    }

    /// Whether something of a day (an event) is shown: it falls within an
    /// assignment kept, or on the day after one ends.
    pub fn keeps_day(&self, day: NaiveDate) -> bool {
        self.within.as_ref().is_none_or(|kept| {
            kept.iter().any(|assignment| {
                assignment.from <= day
                    && assignment.to.is_none_or(|end| day <= end.succ_opt().unwrap_or(end))
            })
        })
    }
}

#[cfg(test)]
mod tests;
