//! Orders: the book, one order, and check, preview, issue, revoke.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use muster_access::{Action, Resource};
use muster_service::views;
use serde::Deserialize;
use utoipa::ToSchema;

use super::{AsOf, blocking, day_or_today, parse_day};
use crate::auth::Credentials;
use crate::context::{Context, order_resource, require_draft};
use crate::error::{ApiError, ErrorBody};
use crate::extract::{Json as JsonBody, Path, Query};
use crate::state::AppState;

/// The orders issued by a day, with their state that day.
#[utoipa::path(
    get,
    path = "/api/v1/orders",
    params(AsOf),
    responses((status = 200, body = views::Orders, description = "The orders (the shape of `muster order list --format json`)"), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("token" = []))
)]
pub async fn orders(
    State(state): State<AppState>,
    credentials: Credentials,
    Query(as_of): Query<AsOf>,
) -> Result<Json<views::Orders>, ApiError> {
    let day = as_of.day()?;
    blocking(move || {
        let mut context = Context::open(&state, &credentials)?;
        context.require(Action::ReadOrders, &Resource::Store)?;
        Ok(Json(muster_service::orders::list(context.army.book(), day)))
    })
    .await
}

/// One issued order: its document, state and impact (the shape of `muster
/// order show --format json`).
#[utoipa::path(
    get,
    path = "/api/v1/orders/{id}",
    params(("id" = String, Path, description = "The order's id"), AsOf),
    responses((status = 200, body = views::OrderDetail, description = "The order"), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("token" = []))
)]
pub async fn order(
    State(state): State<AppState>,
    credentials: Credentials,
    Path(id): Path<String>,
    Query(as_of): Query<AsOf>,
) -> Result<Json<views::OrderDetail>, ApiError> {
    let day = as_of.day()?;
    blocking(move || {
        let mut context = Context::open(&state, &credentials)?;
        context.require(Action::ReadOrders, &Resource::Store)?;
        let book = context.army.book();
        Ok(Json(muster_service::orders::show(context.store(), book, &id, day)?))
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
        (status = 200, body = views::CheckedOrder, description = "The order is valid: its rules, and any conflicts"),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 413, body = ErrorBody, description = "The body is too large"),
        (status = 422, body = ErrorBody, description = "The order has errors: `details.diagnostics`"), (status = 503, body = ErrorBody, description = "The request's deadline passed, or its client went away")
    ),
    security(("token" = []))
)]
pub async fn check(
    State(state): State<AppState>,
    credentials: Credentials,
    JsonBody(draft): JsonBody<Draft>,
) -> Result<Json<views::CheckedOrder>, ApiError> {
    check_size(&draft)?;
    let day = day_or_today(draft.as_of.as_deref(), "as_of")?;
    blocking(move || {
        let mut context = Context::open(&state, &credentials)?;
        require_draft(&mut context, Action::CheckOrder, &draft.document)?;
        let checked = muster_service::orders::check(
            &context.army,
            "order",
            &draft.document,
            Some(day),
            false,
            &context.budget,
        )?;
        Ok(Json(checked.checked_view()))
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
        (status = 200, body = views::Impact, description = "The impact"),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 413, body = ErrorBody, description = "The body is too large"), (status = 422, body = ErrorBody), (status = 503, body = ErrorBody, description = "The request's deadline passed, or its client went away")
    ),
    security(("token" = []))
)]
pub async fn preview(
    State(state): State<AppState>,
    credentials: Credentials,
    JsonBody(draft): JsonBody<Draft>,
) -> Result<Json<views::Impact>, ApiError> {
    check_size(&draft)?;
    let day = day_or_today(draft.as_of.as_deref(), "as_of")?;
    blocking(move || {
        let mut context = Context::open(&state, &credentials)?;
        require_draft(&mut context, Action::CheckOrder, &draft.document)?;
        let (army, budget) = (&context.army, &context.budget);
        let checked = muster_service::orders::check(
            army,
            "order",
            &draft.document,
            Some(day),
            false,
            budget,
        )?;
        let mut impact = checked.view();
        if let Some(site) = &draft.site {
            let strength = muster_service::orders::strength_preview(army, &checked, site, budget)?;
            impact.strength = Some(strength);
        }
        Ok(Json(impact))
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
        (status = 201, body = views::Impact, description = "Issued: the impact"),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "Conflicts with an order in force (`details.conflicts`), or an order of this id is issued"),
        (status = 413, body = ErrorBody, description = "The body is too large"), (status = 422, body = ErrorBody), (status = 503, body = ErrorBody, description = "The request's deadline passed, or its client went away")
    ),
    security(("token" = []))
)]
pub async fn issue(
    State(state): State<AppState>,
    credentials: Credentials,
    JsonBody(draft): JsonBody<Draft>,
) -> Result<(StatusCode, Json<views::Impact>), ApiError> {
    check_size(&draft)?;
    let day = draft.as_of.as_deref().map(|text| parse_day(text, "as_of")).transpose()?;
    blocking(move || {
        let mut context = Context::open(&state, &credentials)?;
        require_draft(&mut context, Action::IssueOrder, &draft.document)?;
        let budget = std::sync::Arc::clone(&context.budget);
        let actor = context.actor();
        let issued = muster_service::orders::Draft {
            name: "order",
            text: &draft.document,
            day,
            overridden: draft.overridden,
        };
        let (store, army) = context.store_and_army();
        let checked = muster_service::orders::issue(store, army, &issued, &actor, &budget)?;
        Ok((StatusCode::CREATED, Json(checked.view())))
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
        (status = 200, body = views::Revoked, description = "Revoked"),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 413, body = ErrorBody, description = "The body is too large")
    ),
    security(("token" = []))
)]
pub async fn revoke(
    State(state): State<AppState>,
    credentials: Credentials,
    Path(id): Path<String>,
    JsonBody(revocation): JsonBody<Revocation>,
) -> Result<Json<views::Revoked>, ApiError> {
    let on = parse_day(&revocation.on, "on")?;
    crate::limits::check_chars("reason", &revocation.reason, crate::limits::MAX_REASON)?;
    let day = day_or_today(revocation.as_of.as_deref(), "as_of")?;
    blocking(move || {
        let mut context = Context::open(&state, &credentials)?;
        let Some(scope) = muster_service::orders::issued_scope(context.army.book(), &id) else {
            let absent =
                Resource::Order { id: id.clone(), issued_by: String::new(), targets: Vec::new() };
            let message = format!("no order `{id}` has been issued");
            return Err(context.absent(Action::RevokeOrder, &absent, message));
        };
        context.require(Action::RevokeOrder, &order_resource(&scope))?;
        let actor = context.actor();
        muster_service::orders::revoke(
            context.store_mut(),
            &id,
            on,
            &revocation.reason,
            day,
            &actor,
        )?;
        Ok(Json(views::Revoked { order: id, revoked_from: on, as_of: day }))
    })
    .await
}
