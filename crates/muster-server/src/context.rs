//! One request's context, for the API's handlers and the console's pages
//! alike: a pooled store, the caller, the army as of the last act, and the
//! policy checks of what the request asks for, and of everything it causes.

use std::cell::RefCell;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use muster_access::{Action, Resource};
use muster_core::Role;
use muster_service::acts::mass::{Given, MassAct};
use muster_service::orders::Scope;
use muster_service::{Budget, ListRecord, REQUEST_BUDGET, Readable, views};
use muster_store::Store;

use crate::auth::{Caller, Credentials};
use crate::error::ApiError;
use crate::limits;
use crate::state::{AppState, ArmyGuard, PooledStore};

/// A person's cut, as the view applies it.
struct Shown<'a>(&'a muster_access::PersonCut);

impl views::Cut for Shown<'_> {
    fn shows_field(&self, field: &str) -> bool {
        self.0.shows_field(field)
    }

    fn keeps_assignment(&self, unit: &str, from: NaiveDate) -> bool {
        self.0.keeps_assignment(unit, from)
    }

    fn keeps_period(&self, from: NaiveDate, to: Option<NaiveDate>) -> bool {
        self.0.keeps_period(from, to)
    }

    fn keeps_day(&self, day: NaiveDate) -> bool {
        self.0.keeps_day(day)
    }
}

/// What a request works with.
pub struct Context {
    pub state: AppState,
    store: PooledStore,
    pub caller: Caller,
    pub army: ArmyGuard,
    /// What the request's questions over the army may spend.
    pub budget: Arc<Budget>,
    /// Set once the request has had the store to write to: when it is
    /// done, the army is marked behind its write.
    wrote: Option<Unsettle>,
}

/// Marks the army behind what a request wrote, when the request is done.
struct Unsettle(AppState);

impl Drop for Unsettle {
    fn drop(&mut self) {
        self.0.unsettle();
    }
}

impl Context {
    /// The context of a request with credentials: the caller they name, if
    /// he may still act.
    pub fn open(state: &AppState, credentials: &Credentials) -> Result<Context, ApiError> {
        let store = state.store()?;
        let caller = credentials.resolve(state, &*store)?;
        Context::with(state, store, caller)
    }

    /// The context of a known caller (a console page's viewer).
    pub fn of(state: &AppState, caller: Caller) -> Result<Context, ApiError> {
        let store = state.store()?;
        Context::with(state, store, caller)
    }

    fn with(state: &AppState, store: PooledStore, caller: Caller) -> Result<Context, ApiError> {
        let army = state.army(&*store)?;
        Ok(Context {
            state: state.clone(),
            store,
            caller,
            army,
            budget: request_budget(),
            wrote: None,
        })
    }

    pub fn store(&self) -> &dyn Store {
        &*self.store
    }

    pub fn store_mut(&mut self) -> &mut dyn Store {
        self.wrote.get_or_insert_with(|| Unsettle(self.state.clone()));
        &mut *self.store
    }

    /// The store to write to, beside the army held: an act reads the army
    /// (the rules, the lists) while it writes.
    pub fn store_and_army(&mut self) -> (&mut dyn Store, &muster_service::Army) {
        self.wrote.get_or_insert_with(|| Unsettle(self.state.clone()));
        (&mut *self.store, &self.army)
    }

    /// How the caller's acts are recorded.
    pub fn actor(&self) -> String {
        self.caller.actor()
    }

    /// Whether the policies allow the caller the action on the resource.
    pub fn may(&self, action: Action, resource: &Resource) -> bool {
        self.caller.may(&self.state, action, resource)
    }

    /// Requires the policies to allow the caller the action on the
    /// resource; a refusal is on the audit log.
    pub fn require(&mut self, action: Action, resource: &Resource) -> Result<(), ApiError> {
        self.caller.require(&self.state, &mut *self.store, action, resource)
    }

    /// A person as the policies see him on a day: who administers him,
    /// whose lists he is on. One the store does not hold has neither.
    pub fn person_resource(&self, id: &str, day: NaiveDate) -> Resource {
        let custody = self.army.custody(id, day).unwrap_or_default();
        Resource::Person {
            id: id.to_string(),
            administrations: custody.administrations,
            lists: custody.lists,
        }
    }

    /// Requires the action on a person. A person the store does not hold
    /// is answered as one the caller may not see (403, on the audit log),
    /// unless the caller may do the action on anyone: then 404. So ids
    /// cannot be told apart by asking for them.
    pub fn require_person(
        &mut self,
        action: Action,
        id: &str,
        day: NaiveDate,
    ) -> Result<(), ApiError> {
        if self.army.engine().position(id).is_none() {
            let absent = crate::state::absent_person(id);
            return Err(self.absent(action, &absent, format!("no person `{id}`")));
        }
        let resource = self.person_resource(id, day);
        self.require(action, &resource)
    }

    /// The answer to a request about something that does not exist, alike
    /// to the answer about something the caller may not see (see
    /// `Caller::absent`).
    pub fn absent(&mut self, action: Action, absent: &Resource, message: String) -> ApiError {
        self.caller.absent(&self.state, &mut *self.store, action, absent, message)
    }

    /// A list as the policies see it.
    pub fn list_resource(list: &ListRecord) -> Resource {
        Resource::List {
            id: list.list.id.clone(),
            owner: list.list.owner.clone(),
            kind: list.list.kind.clone(),
        }
    }

    /// Requires the action on a list; one the store does not hold is
    /// answered as one the caller may not see, unless he may do the action
    /// on any list.
    pub fn require_list(&mut self, action: Action, id: &str) -> Result<(), ApiError> {
        let Some(list) = self.army.lists().get(id) else {
            let absent = crate::state::absent_list(id);
            return Err(self.absent(action, &absent, format!("no list `{id}`")));
        };
        let resource = Context::list_resource(list);
        self.require(action, &resource)
    }

    /// A paper of the register as the policies see it on a day: who
    /// administers its person, and its issuer.
    pub fn paper_resource(&self, id: &str, person: &str, issuer: &str, day: NaiveDate) -> Resource {
        let custody = self.army.custody(person, day).unwrap_or_default();
        Resource::Paper {
            id: id.to_string(),
            administrations: custody.administrations,
            issuer: issuer.to_string(),
        }
    }

    /// Cuts a person to what the caller may see (`cut`).
    pub fn cut_person(&self, person: &mut views::Person) {
        cut(self.army.rules(), &self.caller, person);
    }

    /// A person as the caller may see him on a day, if the policies allow
    /// him `action` on the person. The army is held only to decide that,
    /// and let go before the person's records are read: an act catching
    /// the army up does not wait for the reading.
    pub fn person(
        mut self,
        action: Action,
        id: &str,
        day: NaiveDate,
    ) -> Result<views::Person, ApiError> {
        self.require_person(action, id, day)?;
        let Context { store, caller, army, .. } = self;
        let rules = army.rules().clone();
        drop(army);
        let mut person = muster_service::people::show(&*store, &rules, id, day)?;
        cut(&rules, &caller, &mut person);
        Ok(person)
    }

    /// The fields of a person the caller may see, when not all of them.
    pub fn person_fields(&self) -> Option<&'static [&'static str]> {
        muster_access::person_fields(self.caller.principal.role)
    }

    /// What a condition the caller writes may read of a person.
    pub fn readable(&self) -> Readable {
        match muster_access::condition_reads(self.caller.principal.role) {
            None => Readable::everything(),
            Some((fields, methods)) => Readable::only(fields, methods),
        }
    }
}

/// Cuts a person to what the caller may see: the one place where a person
/// is cut, with the rule of `muster_access::PersonCut`.
fn cut(rules: &muster_service::Rules, caller: &Caller, person: &mut views::Person) {
    let shown = person_cut(rules, caller, person);
    person.cut(&Shown(&shown));
}

/// What of a person a caller is shown: the fields of his role, and for a
/// unit administration the history of its own units only.
fn person_cut(
    rules: &muster_service::Rules,
    caller: &Caller,
    person: &views::Person,
) -> muster_access::PersonCut {
    let world = &rules.world;
    let organisation = &caller.principal.organisation;
    let assignments = person
        .service
        .iter()
        .flatten()
        .map(|assignment| muster_access::Assignment {
            unit: assignment.unit.clone(),
            from: assignment.from,
            to: assignment.to,
            administered: world.tree.ancestors_or_self(&assignment.unit).any(|unit| {
                world.units.get(unit).and_then(|unit| unit.administration.as_ref())
                    == Some(organisation)
            }),
        })
        .collect();
    muster_access::PersonCut::new(caller.principal.role, assignments)
}

/// How long a request may work before it is stopped.
pub const REQUEST_DEADLINE: Duration = Duration::from_secs(30);

thread_local! {
    /// The budget of the request a blocking thread works on.
    static BUDGET: RefCell<Option<Arc<Budget>>> = const { RefCell::new(None) };
}

/// The budget of the request this thread works on: what its questions over
/// the army may spend, until its deadline, unless its client goes away.
pub fn request_budget() -> Arc<Budget> {
    BUDGET.with(|budget| budget.borrow().clone()).unwrap_or_else(|| Arc::new(new_budget()))
}

/// How long a mass act the console runs in the background may take.
const JOB_DEADLINE: Duration = Duration::from_secs(600);

/// The budget of a mass act run in the background: its own deadline, and
/// no request to go away.
pub fn job_budget() -> Budget {
    Budget::new(REQUEST_BUDGET).with_deadline(Instant::now() + JOB_DEADLINE)
}

fn new_budget() -> Budget {
    Budget::new(REQUEST_BUDGET).with_deadline(Instant::now() + REQUEST_DEADLINE)
}

/// Cancels a request's budget when the request is dropped: when its client
/// goes away before the answer, the work stops.
struct CancelOnDrop(Arc<Budget>);

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        self.0.cancel();
    }
}

/// Runs the work of a request on a blocking thread (reading the store and
/// deciding take CPU and file time that must not hold up the runtime),
/// within the request's budget: its questions over the army stop at the
/// budget, at the deadline, or when the request is dropped.
pub async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    let budget = Arc::new(new_budget());
    let _cancel = CancelOnDrop(Arc::clone(&budget));
    tokio::task::spawn_blocking(move || {
        BUDGET.with(|slot| *slot.borrow_mut() = Some(budget));
        let result = work();
        BUDGET.with(|slot| *slot.borrow_mut() = None);
        result
    })
    .await
    .map_err(|error| {
        ApiError::new(
            axum::http::StatusCode::INTERNAL_SERVER_ERROR,
            format!("the request failed: {error}"),
        )
    })?
}

/// An order as the policies see it.
pub fn order_resource(scope: &Scope) -> Resource {
    Resource::Order {
        id: scope.id.clone(),
        issued_by: scope.issued_by.clone(),
        targets: scope.targets.clone(),
    }
}

/// A draft of the caller's organisation that governs nothing yet.
pub fn own_draft(caller: &Caller) -> Resource {
    Resource::Order {
        id: String::new(),
        issued_by: caller.principal.organisation.clone(),
        targets: Vec::new(),
    }
}

/// Requires the policies to allow a draft: the action on the order it
/// parses to, and on each order it supersedes (which it would end) the
/// right to end it: to revoke it when issuing, to check it when checking
/// or previewing. A refusal names the superseded order; an id that is no
/// issued order is refused alike unless the caller may do so to any order.
pub fn require_draft(
    context: &mut Context,
    action: Action,
    document: &str,
) -> Result<(), ApiError> {
    let Some(scope) = muster_service::orders::draft_scope(document) else {
        let own = own_draft(&context.caller);
        return context.require(action, &own);
    };
    context.require(action, &order_resource(&scope))?;
    let ending =
        if action == Action::IssueOrder { Action::RevokeOrder } else { Action::CheckOrder };
    for superseded in &scope.supersedes {
        let resource = match muster_service::orders::issued_scope(context.army.book(), superseded) {
            Some(issued) => order_resource(&issued),
            None => Resource::Order {
                id: superseded.clone(),
                issued_by: String::new(),
                targets: Vec::new(),
            },
        };
        context.require(ending, &resource).map_err(|error| {
            ApiError::forbidden(format!(
                "{}: superseding order `{}` ends its force, which takes the right to {} it",
                error.message,
                crate::limits::bounded(superseded, crate::limits::KEPT),
                ending.as_str().trim_end_matches("-order"),
            ))
        })?;
    }
    Ok(())
}

/// The roster of a cycle cut to the people the caller may read.
pub fn visible_roster(
    context: &Context,
    cycle: muster_core::Cycle,
    day: NaiveDate,
) -> Result<views::Roster, ApiError> {
    let keep =
        |person: &str| context.may(Action::ReadPerson, &context.person_resource(person, day));
    Ok(muster_service::reports::roster(&context.army, cycle, day, &keep, &context.budget)?)
}

/// The smallest cohort a caller sees by name: an analyst's minimum, or
/// none.
pub fn minimum_cohort(context: &Context) -> Option<u64> {
    (context.caller.principal.role == Role::Analyst)
        .then_some(muster_service::reports::MINIMUM_COHORT)
}

/// Records an act on the records as `caller`, the policies deciding
/// `action` inside the act's transaction on what it is about as read there.
/// A refusal by the policies is on the audit log (403), and nothing is
/// written; so is it for an act about a person or unit the store does not
/// hold, unless the caller may do the act on anyone (then 404). The lists
/// of the answer are those the caller may read.
///
/// It holds no army: the rules are given (taken from the army before), so
/// that the acts of many requests wait only for their turn to write
/// (`AppState::write_turn`), and the army catches up with them at the next
/// read.
pub fn record_act(
    state: &AppState,
    store: &mut dyn Store,
    caller: &Caller,
    rules: &muster_service::Rules,
    action: Action,
    act: &muster_service::acts::Act,
    day: NaiveDate,
) -> Result<views::ActDone, ApiError> {
    let actor = caller.actor();
    let mut done = as_caller(state, store, caller, action, &mut |store, authorize| {
        muster_service::acts::record(store, rules, act, day, &actor, authorize)
    })?;
    keep_readable_lists(state, &*store, caller, &mut done)?;
    Ok(done)
}

/// Bounds a mass act's fields as any input is bounded.
pub fn check_mass(act: &MassAct) -> Result<(), ApiError> {
    let id = |what: &str, text: &str| limits::check_id(what, text);
    let text = |field: &str, text: &str| limits::check_chars(field, text, limits::MAX_REASON);
    match act {
        MassAct::CallUp { list, unit, term_months } => {
            id("a list id", list)?;
            id("a unit id", unit)?;
            text("term_months", term_months)
        }
        MassAct::Redeploy { list, site, campaign, unit, until } => {
            id("a list id", list)?;
            id("a site id", site)?;
            if let Some(campaign) = campaign {
                id("a campaign id", campaign)?;
            }
            if let Some(unit) = unit {
                id("a unit id", unit)?;
            }
            match until {
                Some(until) => text("until", until),
                None => Ok(()),
            }
        }
        MassAct::Post { list, country, .. } => {
            id("a list id", list)?;
            text("country", country)
        }
        MassAct::CarryOut { cycle } => id("a cycle", cycle),
    }
}

/// A mass act as a caller asks for it.
pub struct MassRequest {
    pub act: MassAct,
    /// The act's day (a carry-out's is its cycle's date).
    pub day: NaiveDate,
    pub preview: bool,
    pub key: Option<String>,
}

/// The action of the policies that decides a mass act.
fn action_of(act: &MassAct) -> Action {
    match act {
        MassAct::CallUp { .. } => Action::CallUp,
        MassAct::Redeploy { .. } => Action::Redeploy,
        MassAct::Post { .. } => Action::PostList,
        MassAct::CarryOut { .. } => Action::CarryOut,
    }
}

/// Does (or previews) a mass act as the caller, on this thread: the API's
/// and the console's (which runs it in the background, told how far it
/// has come).
pub fn mass_as(
    state: &AppState,
    caller: &Caller,
    request: &MassRequest,
    budget: &Budget,
    progress: Option<muster_service::acts::mass::Progress<'_>>,
) -> Result<views::MassDone, ApiError> {
    check_mass(&request.act)?;
    if let Some(key) = &request.key {
        limits::check_chars("key", key, limits::MAX_TITLE)?;
    }
    let mut store = state.store()?;
    // A carry-out is on the roster of its cycle, as the army answers it;
    // the army is let go before the act waits for its turn.
    let roster = match &request.act {
        MassAct::CarryOut { cycle } => {
            let army = state.army(&*store)?;
            Some(muster_service::acts::mass::roster_of(&army, cycle, budget)?)
        }
        _ => None,
    };
    let rules = state.rules(&*store)?;
    let actor = caller.actor();
    let given = Given {
        day: roster.as_ref().map_or(request.day, |roster| roster.date),
        actor: &actor,
        preview: request.preview,
        key: request.key.as_deref(),
        roster: roster.as_ref(),
        budget: Some(budget),
        progress,
    };
    as_caller(state, &mut *store, caller, action_of(&request.act), &mut |store, authorize| {
        muster_service::acts::mass::record(store, &rules, &request.act, &given, authorize)
    })
}

/// A paper as the policies see it, from what an act on it read.
pub fn paper_subject_resource(subject: &muster_service::exemptions::PaperSubject) -> Resource {
    Resource::Paper {
        id: subject.id.clone(),
        administrations: subject.administrations.clone(),
        issuer: subject.issuer.clone(),
    }
}

/// Runs an act on the register of papers as the caller, in this server's
/// turn to write: the policies decide `action` on the paper as the act
/// reads it inside its transaction (a refusal is on the audit log: 403);
/// the army is caught up with the act before the answer, so that the next
/// screening sees the paper. What does not exist is answered as what the
/// caller may not act on, unless he may act on any paper: ids are not told
/// apart by asking for them.
pub fn paper_act<T>(
    state: &AppState,
    store: &mut dyn Store,
    caller: &Caller,
    action: Action,
    act: &mut dyn FnMut(
        &mut dyn Store,
        muster_service::exemptions::PaperAuthorize<'_>,
    ) -> Result<T, muster_service::ServiceError>,
) -> Result<T, ApiError> {
    let subjects = Subjects {
        resource: &paper_subject_resource,
        refused: |error| match error {
            muster_service::ServiceError::PaperDenied(subject) => Ok(*subject),
            error => Err(error),
        },
        absent: Some(Resource::Paper {
            id: "absent".to_string(),
            administrations: Vec::new(),
            issuer: String::new(),
        }),
    };
    act_as(state, store, caller, action, subjects, act)
}

/// Runs an act of the service as the caller, in this server's turn to
/// write: the policies decide `action` on what the act is about, as the
/// act reads it inside its transaction (a refusal is on the audit log:
/// 403); the army is caught up with the act before the answer.
fn as_caller<T>(
    state: &AppState,
    store: &mut dyn Store,
    caller: &Caller,
    action: Action,
    act: &mut dyn FnMut(
        &mut dyn Store,
        muster_service::acts::Authorize<'_>,
    ) -> Result<T, muster_service::ServiceError>,
) -> Result<T, ApiError> {
    let subjects = Subjects {
        resource: &|subject: &muster_service::acts::Subject| act_resource(subject, ""),
        refused: |error| match error {
            muster_service::ServiceError::Denied(subject) => Ok(*subject),
            error => Err(error),
        },
        absent: None,
    };
    act_as(state, store, caller, action, subjects, act)
}

/// What an act is about, to the policies: the resource of its subject, the
/// subject of the service's refusal, and what an absent subject is
/// answered as (none: a 404).
struct Subjects<'a, S> {
    resource: &'a dyn Fn(&S) -> Resource,
    refused: fn(muster_service::ServiceError) -> Result<S, muster_service::ServiceError>,
    absent: Option<Resource>,
}

/// An act of the service, given the store and what decides its subject.
type SubjectAct<'a, S, T> = dyn FnMut(&mut dyn Store, &mut dyn FnMut(&S) -> bool) -> Result<T, muster_service::ServiceError>
    + 'a;

/// Runs an act as the caller in this server's turn to write, the policies
/// asked on its subject inside its transaction; the army caught up after.
fn act_as<S, T>(
    state: &AppState,
    store: &mut dyn Store,
    caller: &Caller,
    action: Action,
    subjects: Subjects<'_, S>,
    act: &mut SubjectAct<'_, S, T>,
) -> Result<T, ApiError> {
    let acting = state.acting();
    let recorded = {
        let mut authorize = |subject: &S| caller.may(state, action, &(subjects.resource)(subject));
        let _turn = state.write_turn();
        act(&mut *store, &mut authorize)
    };
    let done = match recorded.map_err(subjects.refused) {
        Ok(done) => done,
        Err(Ok(subject)) => {
            caller.require(state, store, action, &(subjects.resource)(&subject))?;
            return Err(ApiError::forbidden("the act is not allowed".to_string()));
        }
        Err(Err(muster_service::ServiceError::NotFound(message))) if subjects.absent.is_some() => {
            let absent = subjects.absent.unwrap_or(Resource::Store);
            return Err(caller.absent(state, store, action, &absent, message));
        }
        Err(Err(error)) => return Err(error.into()),
    };
    if let Err(error) = acting.settle(&*store) {
        state.unsettle();
        return Err(error);
    }
    Ok(done)
}

/// Leaves in an act's answer only the lists the caller may read (read from
/// the store: the army may not have caught up with the act yet).
pub fn keep_readable_lists(
    state: &AppState,
    store: &dyn Store,
    caller: &Caller,
    done: &mut views::ActDone,
) -> Result<(), ApiError> {
    let mut readable = std::collections::HashMap::new();
    for person in &mut done.persons {
        let mut kept = Vec::with_capacity(person.lists.len());
        for entry in person.lists.drain(..) {
            if !readable.contains_key(&entry.list) {
                let may = store.list(&entry.list)?.is_some_and(|list| {
                    let resource = Resource::List {
                        id: list.id.clone(),
                        owner: list.owner.clone(),
                        kind: list.kind.clone(),
                    };
                    caller.may(state, Action::ReadList, &resource)
                });
                readable.insert(entry.list.clone(), may);
            }
            if readable.get(&entry.list).copied().unwrap_or(false) {
                kept.push(entry);
            }
        }
        person.lists = kept;
    }
    Ok(())
}

/// An act as the policies see it; `recorded_by` is, for a reversal, the
/// organisation of the user who recorded the act reversed.
pub fn act_resource(subject: &muster_service::acts::Subject, recorded_by: &str) -> Resource {
    Resource::Act(muster_access::ActResource {
        administrations: subject.administrations.clone(),
        lists: subject.lists.clone(),
        into: subject.into.clone(),
        event: subject.event.clone(),
        placement: subject.placement.clone(),
        recorded_by: recorded_by.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicBool, Ordering};

    use super::*;

    /// A request dropped before its answer (its client went away) stops
    /// its work: the budget its questions spend is cancelled.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_request_dropped_stops_its_work() {
        let stopped = Arc::new(AtomicBool::new(false));
        let seen = Arc::clone(&stopped);
        let work = blocking(move || {
            let budget = request_budget();
            let started = Instant::now();
            while budget.check().is_ok() {
                if started.elapsed() > Duration::from_secs(20) {
                    return Ok(());
                }
                std::thread::sleep(Duration::from_millis(5));
            }
            seen.store(true, Ordering::SeqCst);
            Ok(())
        });
        // The client goes away after a moment.
        let _ = tokio::time::timeout(Duration::from_millis(100), work).await;
        let waited = Instant::now();
        while !stopped.load(Ordering::SeqCst) && waited.elapsed() < Duration::from_secs(10) {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        assert!(stopped.load(Ordering::SeqCst), "the work went on after the request was dropped");
    }

    /// Every request has a deadline, and a budget of its own.
    #[test]
    fn every_request_has_a_deadline_and_its_own_budget() {
        let first = request_budget();
        let second = request_budget();
        assert!(!Arc::ptr_eq(&first, &second));
        assert!(first.check().is_ok());
        let late = Budget::new(REQUEST_BUDGET).with_deadline(Instant::now());
        std::thread::sleep(Duration::from_millis(2));
        assert!(late.check().is_err());
    }
}
