//! One request's context, for the API's handlers and the console's pages
//! alike: a pooled store, the caller, the army as of the last act, and the
//! policy checks of what the request asks for, and of everything it causes.

use std::sync::Arc;

use chrono::NaiveDate;
use muster_access::{Action, Resource};
use muster_core::Role;
use muster_service::orders::Scope;
use muster_service::{Army, ListRecord, Readable, views};
use muster_store::Store;

use crate::auth::{Caller, Credentials};
use crate::error::ApiError;
use crate::state::{AppState, PooledStore};

/// What a request works with.
pub struct Context {
    pub state: AppState,
    store: PooledStore,
    pub caller: Caller,
    pub army: Arc<Army>,
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
        Ok(Context { state: state.clone(), store, caller, army })
    }

    pub fn store(&self) -> &dyn Store {
        &*self.store
    }

    pub fn store_mut(&mut self) -> &mut dyn Store {
        &mut *self.store
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
    /// and one the caller may not see are answered alike (404), so that ids
    /// cannot be listed; the refusal is on the audit log all the same.
    pub fn require_person(
        &mut self,
        action: Action,
        id: &str,
        day: NaiveDate,
    ) -> Result<(), ApiError> {
        let resource = self.person_resource(id, day);
        let absent = || ApiError::not_found(format!("no person `{id}` that you may see"));
        match self.require(action, &resource) {
            Err(error) if error.status == axum::http::StatusCode::FORBIDDEN => Err(absent()),
            Err(error) => Err(error),
            Ok(()) if self.army.engine().position(id).is_none() => Err(absent()),
            Ok(()) => Ok(()),
        }
    }

    /// A list as the policies see it.
    pub fn list_resource(list: &ListRecord) -> Resource {
        Resource::List {
            id: list.list.id.clone(),
            owner: list.list.owner.clone(),
            kind: list.list.kind.clone(),
        }
    }

    /// Requires the action on a list: a list the store does not hold and
    /// one the caller may not read are answered alike (404).
    pub fn require_list(&mut self, action: Action, id: &str) -> Result<(), ApiError> {
        let absent = || ApiError::not_found(format!("no list `{id}` that you may see"));
        let Some(list) = self.army.lists().get(id) else {
            return Err(absent());
        };
        let resource = Context::list_resource(list);
        let readable = self.may(Action::ReadList, &resource);
        match self.require(action, &resource) {
            Err(error) if error.status == axum::http::StatusCode::FORBIDDEN && !readable => {
                Err(absent())
            }
            other => other,
        }
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

/// Runs the work of a request on a blocking thread: reading the store and
/// deciding take CPU and file time that must not hold up the runtime.
pub async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(work).await.map_err(|error| {
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

/// The resource a draft is authorized as: the order it parses to, or, if
/// it does not parse, a draft of the caller's organisation governing
/// nothing yet (whose errors he may see if he may check his own drafts).
pub fn draft_resource(caller: &Caller, document: &str) -> Resource {
    match muster_service::orders::draft_scope(document) {
        Some(scope) => order_resource(&scope),
        None => own_draft(caller),
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

/// Requires the caller may issue a draft, and every effect of issuing it:
/// an order it supersedes ends, so superseding needs the right to revoke
/// that order.
pub fn require_issue(context: &mut Context, document: &str) -> Result<(), ApiError> {
    let resource = draft_resource(&context.caller, document);
    context.require(Action::IssueOrder, &resource)?;
    let superseded = muster_service::orders::draft_scope(document)
        .map(|scope| scope.supersedes)
        .unwrap_or_default();
    for id in superseded {
        if let Some(scope) = muster_service::orders::issued_scope(context.army.book(), &id) {
            context.require(Action::RevokeOrder, &order_resource(&scope)).map_err(|error| {
                ApiError::new(
                    error.status,
                    format!("{}: the draft supersedes `{id}`, which ends it", error.message),
                )
            })?;
        }
    }
    Ok(())
}

/// The roster of a cycle cut to the people the caller may read.
pub fn visible_roster(
    context: &Context,
    cycle: muster_core::Cycle,
    day: NaiveDate,
) -> views::Roster {
    let keep =
        |person: &str| context.may(Action::ReadPerson, &context.person_resource(person, day));
    muster_service::reports::roster(&context.army, cycle, day, &keep)
}

/// The smallest cohort a caller sees by name: an analyst's minimum, or
/// none.
pub fn minimum_cohort(context: &Context) -> Option<u64> {
    (context.caller.principal.role == Role::Analyst)
        .then_some(muster_service::reports::MINIMUM_COHORT)
}
