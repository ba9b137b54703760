//! Orders: the book, one order, and check, preview, issue, revoke.

use crate::extract::{Json as JsonBody, Path, Query};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use muster_access::{Action, Resource};
use muster_orders::{Order, Target};
use serde::Deserialize;
use serde_json::{Value, json};
use utoipa::ToSchema;

use super::{AsOf, blocking, day_or_today, parse_day};
use crate::auth::{Caller, Credentials};
use crate::error::{ApiError, ErrorBody};
use crate::state::AppState;

/// An order as the policies see it: who issues it, and what its rules
/// govern (`discharge`, or a list kind).
pub fn order_resource(order: &Order) -> Resource {
    let mut targets: Vec<String> = order
        .rules
        .iter()
        .map(|rule| match &rule.target {
            Target::Discharge => "discharge".to_string(),
            Target::List(kind) => kind.clone(),
        })
        .collect();
    targets.sort();
    targets.dedup();
    Resource::Order { id: order.id.clone(), issued_by: order.issued_by.clone(), targets }
}

/// The orders issued by a day, with their state that day.
#[utoipa::path(
    get,
    path = "/api/v1/orders",
    params(AsOf),
    responses((status = 200, description = "The orders (the shape of `muster order list --format json`)"), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("token" = []))
)]
pub async fn orders(
    State(state): State<AppState>,
    credentials: Credentials,
    Query(as_of): Query<AsOf>,
) -> Result<Json<Value>, ApiError> {
    let day = as_of.day()?;
    blocking(move || {
        let mut store = state.store()?;
        let caller = credentials.resolve(&state, &store)?;
        caller.require(&state, &mut store, Action::ReadOrders, &Resource::Store)?;
        let snapshot = state.snapshot(&store)?;
        let book = snapshot.book();
        let orders: Vec<Value> = book
            .issued_by(day)
            .map(|issued| {
                json!({
                    "id": issued.order.id,
                    "title": issued.order.title,
                    "issued_by": issued.order.issued_by,
                    "issued_on": issued.issued_on,
                    "effective_from": issued.order.effective_from,
                    "effective_until": issued.order.effective_until,
                    "state": muster_service::orders::state(book, &issued.order.id, day),
                    "in_force": book.in_force(issued, day, day),
                    "override": issued.overridden,
                })
            })
            .collect();
        Ok(Json(json!({"as_of": day, "orders": orders})))
    })
    .await
}

/// One issued order: its document, state and impact (the shape of `muster
/// order show --format json`).
#[utoipa::path(
    get,
    path = "/api/v1/orders/{id}",
    params(("id" = String, Path, description = "The order's id"), AsOf),
    responses((status = 200, description = "The order"), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("token" = []))
)]
pub async fn order(
    State(state): State<AppState>,
    credentials: Credentials,
    Path(id): Path<String>,
    Query(as_of): Query<AsOf>,
) -> Result<Json<Value>, ApiError> {
    let day = as_of.day()?;
    blocking(move || {
        let mut store = state.store()?;
        let caller = credentials.resolve(&state, &store)?;
        caller.require(&state, &mut store, Action::ReadOrders, &Resource::Store)?;
        let snapshot = state.snapshot(&store)?;
        let Some(issued) = snapshot.book().get(&id) else {
            return Err(ApiError::not_found(format!("no order `{id}` has been issued")));
        };
        let stored = muster_store::Store::orders(&*store)?
            .into_iter()
            .find(|stored| stored.id == id)
            .ok_or_else(|| ApiError::not_found(format!("no order `{id}` has been issued")))?;
        let impact: Value = serde_json::from_str(&stored.impact).unwrap_or(Value::Null);
        let revocations: Vec<Value> = snapshot
            .book()
            .revocations()
            .iter()
            .filter(|revocation| revocation.order == id)
            .map(|revocation| {
                json!({"from": revocation.on, "made_on": revocation.made_on, "reason": revocation.reason})
            })
            .collect();
        let order = &issued.order;
        Ok(Json(json!({
            "id": order.id,
            "title": order.title,
            "issued_by": order.issued_by,
            "issued_on": stored.act.valid_on,
            "recorded_at": stored.act.recorded_at,
            "effective_from": order.effective_from,
            "effective_until": order.effective_until,
            "addressed_to": order.addressed_to,
            "override": stored.overridden,
            "state": muster_service::orders::state(snapshot.book(), &id, day),
            "revocations": revocations,
            "document": stored.document,
            "impact": impact,
        })))
    })
    .await
}

/// An order's text, as drafted.
#[derive(Deserialize, ToSchema)]
pub struct Draft {
    /// The order as TOML (the format of `../spec/orders.md`).
    pub document: String,
    /// The day it is checked or issued as of, `YYYY-MM-DD`; default: the
    /// order's `issued_on` for an issue, today for a check or preview.
    pub as_of: Option<String>,
    /// Issue over the protection of orders in force (`--override`).
    #[serde(default, rename = "override")]
    pub overridden: bool,
    /// For a preview: a site whose strength to show before and after.
    pub site: Option<String>,
}

/// The longest order text accepted.
const MAX_DOCUMENT: usize = 256 * 1024;

/// Requires the policies to allow a draft: the action on the order it
/// parses to, and on each order it supersedes (which it would end) the
/// right to end it: to revoke it when issuing, to check it when checking
/// or previewing. A refusal names the superseded order; an id that is no
/// issued order is refused alike unless the caller may do so to any order.
pub fn require_draft(
    state: &AppState,
    caller: &Caller,
    store: &mut muster_store::SqliteStore,
    snapshot: &crate::state::Snapshot,
    action: Action,
    document: &str,
) -> Result<(), ApiError> {
    let Ok(order) = muster_orders::parse_order(document) else {
        return caller.require(state, store, action, &own_draft(caller));
    };
    caller.require(state, store, action, &order_resource(&order))?;
    let ending =
        if action == Action::IssueOrder { Action::RevokeOrder } else { Action::CheckOrder };
    for superseded in &order.supersedes {
        let resource = match snapshot.book().get(superseded) {
            Some(issued) => order_resource(&issued.order),
            None => Resource::Order {
                id: superseded.clone(),
                issued_by: String::new(),
                targets: Vec::new(),
            },
        };
        caller.require(state, store, ending, &resource).map_err(|error| {
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

/// A draft of the caller's organisation that governs nothing yet.
pub fn own_draft(caller: &Caller) -> Resource {
    Resource::Order {
        id: String::new(),
        issued_by: caller.principal.organisation.clone(),
        targets: Vec::new(),
    }
}

fn check_size(draft: &Draft) -> Result<(), ApiError> {
    if draft.document.len() > MAX_DOCUMENT {
        return Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!(
                "the order is {} bytes: at most {MAX_DOCUMENT} are accepted",
                draft.document.len()
            ),
        ));
    }
    Ok(())
}

/// Checks a draft order: its diagnostics (422, with line and column), or
/// its rules and conflicts with orders in force.
#[utoipa::path(
    post,
    path = "/api/v1/orders/check",
    request_body = Draft,
    responses(
        (status = 200, description = "The order is valid: its rules, and any conflicts"),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody, description = "The order has errors: `details.diagnostics`")
    ),
    security(("token" = []))
)]
pub async fn check(
    State(state): State<AppState>,
    credentials: Credentials,
    JsonBody(draft): JsonBody<Draft>,
) -> Result<Json<Value>, ApiError> {
    check_size(&draft)?;
    let day = day_or_today(draft.as_of.as_deref(), "as_of")?;
    blocking(move || {
        let mut store = state.store()?;
        let caller = credentials.resolve(&state, &store)?;
        let snapshot = state.snapshot(&store)?;
        require_draft(&state, &caller, &mut store, &snapshot, Action::CheckOrder, &draft.document)?;
        let checked = muster_service::orders::check(
            &store,
            &snapshot.loaded,
            "order",
            &draft.document,
            Some(day),
            false,
        )?;
        let order = &checked.order;
        Ok(Json(json!({
            "order": order.id,
            "valid": true,
            "as_of": day,
            "rules": order.rules.len(),
            "issuable": checked.impact.conflicts.is_empty(),
            "conflicts": checked.impact.conflicts,
            "messages": muster_service::orders::conflict_lines(order, &checked.impact),
        })))
    })
    .await
}

/// What a draft order would change if issued: lists, discharges, conflicts,
/// and with `site`, the strength of the site for 12 months before and after
/// (the shape of `muster order preview --format json`).
#[utoipa::path(
    post,
    path = "/api/v1/orders/preview",
    request_body = Draft,
    responses(
        (status = 200, description = "The impact"),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)
    ),
    security(("token" = []))
)]
pub async fn preview(
    State(state): State<AppState>,
    credentials: Credentials,
    JsonBody(draft): JsonBody<Draft>,
) -> Result<Json<Value>, ApiError> {
    check_size(&draft)?;
    let day = day_or_today(draft.as_of.as_deref(), "as_of")?;
    blocking(move || {
        let mut store = state.store()?;
        let caller = credentials.resolve(&state, &store)?;
        let snapshot = state.snapshot(&store)?;
        require_draft(&state, &caller, &mut store, &snapshot, Action::CheckOrder, &draft.document)?;
        let loaded = &snapshot.loaded;
        let checked = muster_service::orders::check(
            &store,
            loaded,
            "order",
            &draft.document,
            Some(day),
            false,
        )?;
        let mut value = serde_json::to_value(&checked.impact)
            .map_err(|error| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, error.to_string()))?;
        value["as_of"] = json!(day);
        if let Some(site) = &draft.site {
            let (without, with) = muster_service::orders::strength_preview(loaded, &checked, site)?;
            value["strength"] = muster_service::strength::comparison_json(site, &without, &with);
        }
        Ok(Json(value))
    })
    .await
}

/// Issues an order: 201 with its impact, 409 with the conflicts if it
/// would delay protected persons (unless `override`), 422 if it has errors.
/// Nothing is stored unless it is issued.
#[utoipa::path(
    post,
    path = "/api/v1/orders",
    request_body = Draft,
    responses(
        (status = 201, description = "Issued: the impact"),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "Conflicts with an order in force: `details.conflicts`"),
        (status = 422, body = ErrorBody)
    ),
    security(("token" = []))
)]
pub async fn issue(
    State(state): State<AppState>,
    credentials: Credentials,
    JsonBody(draft): JsonBody<Draft>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    check_size(&draft)?;
    let day = match &draft.as_of {
        Some(text) => Some(parse_day(text, "as_of")?),
        None => None,
    };
    blocking(move || {
        let mut store = state.store()?;
        let caller = credentials.resolve(&state, &store)?;
        let snapshot = state.snapshot(&store)?;
        require_draft(&state, &caller, &mut store, &snapshot, Action::IssueOrder, &draft.document)?;
        let checked = muster_service::orders::issue(
            &mut store,
            &snapshot.loaded,
            "order",
            &draft.document,
            draft.overridden,
            day,
            &caller.actor(),
        )?;
        let mut value = serde_json::to_value(&checked.impact)
            .map_err(|error| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, error.to_string()))?;
        value["issued_on"] = json!(checked.day);
        value["override"] = json!(draft.overridden);
        Ok((StatusCode::CREATED, Json(value)))
    })
    .await
}

/// A revocation.
#[derive(Deserialize, ToSchema)]
pub struct Revocation {
    /// The first day the order is no longer in force, `YYYY-MM-DD`.
    pub on: String,
    pub reason: String,
    /// The day the revocation is recorded as of; default today.
    pub as_of: Option<String>,
}

/// Revokes an issued order from a day.
#[utoipa::path(
    post,
    path = "/api/v1/orders/{id}/revoke",
    params(("id" = String, Path, description = "The order's id")),
    request_body = Revocation,
    responses(
        (status = 200, description = "Revoked"),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)
    ),
    security(("token" = []))
)]
pub async fn revoke(
    State(state): State<AppState>,
    credentials: Credentials,
    Path(id): Path<String>,
    JsonBody(revocation): JsonBody<Revocation>,
) -> Result<Json<Value>, ApiError> {
    let on = parse_day(&revocation.on, "on")?;
    crate::limits::check_chars("reason", &revocation.reason, crate::limits::MAX_REASON)?;
    let day = day_or_today(revocation.as_of.as_deref(), "as_of")?;
    blocking(move || {
        let mut store = state.store()?;
        let caller = credentials.resolve(&state, &store)?;
        let snapshot = state.snapshot(&store)?;
        let Some(issued) = snapshot.book().get(&id) else {
            let absent =
                Resource::Order { id: id.clone(), issued_by: String::new(), targets: Vec::new() };
            let message = format!("no order `{id}` has been issued");
            return Err(caller.absent(&state, &mut store, Action::RevokeOrder, &absent, message));
        };
        caller.require(&state, &mut store, Action::RevokeOrder, &order_resource(&issued.order))?;
        muster_service::orders::revoke(
            &mut store,
            &id,
            on,
            &revocation.reason,
            day,
            &caller.actor(),
        )?;
        Ok(Json(json!({"order": id, "revoked_from": on, "as_of": day})))
    })
    .await
}
