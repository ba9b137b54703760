//! The acts on many people: from a list (call-up, redeployment, postings
//! abroad) and from a roster (the carry-out of a cycle's discharges). A
//! body's fields are the command's flags in snake case, with `preview`,
//! `key` and `as_of`. Each act is decided by the policies inside its own
//! transaction (`context::mass_as`), then, person by person, by the
//! records and the orders; 201 with what it did, 200 for a preview.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use muster_service::acts::mass::MassAct;
use muster_service::views;
use serde::Deserialize;
use utoipa::ToSchema;

use super::{blocking, day_or_today};
use crate::auth::Credentials;
use crate::context::{MassRequest, mass_as};
use crate::error::{ApiError, ErrorBody};
use crate::extract::{Json as JsonBody, Path};
use crate::state::AppState;

/// What every act on many people is given beside its own fields.
struct MassOptions {
    preview: bool,
    key: Option<String>,
    as_of: Option<String>,
}

/// A call-up from a list.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CallUpBody {
    pub unit: String,
    pub term_months: String,
    #[serde(default)]
    pub preview: bool,
    pub key: Option<String>,
    pub as_of: Option<String>,
}

/// A group redeployment from a list.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RedeployBody {
    pub site: String,
    pub campaign: Option<String>,
    /// The unit they are assigned to as well.
    pub unit: Option<String>,
    /// The last day deployed, `YYYY-MM-DD`.
    pub until: Option<String>,
    #[serde(default)]
    pub preview: bool,
    pub key: Option<String>,
    pub as_of: Option<String>,
}

/// The postings abroad of a list's eligible entries.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ListPostBody {
    pub country: String,
    /// At most this many, the first in nomination order.
    #[schema(minimum = 1)]
    pub limit: Option<u32>,
    /// Only the eligible entries are posted; `false` is refused.
    #[serde(default = "yes")]
    pub eligible: bool,
    #[serde(default)]
    pub preview: bool,
    pub key: Option<String>,
    pub as_of: Option<String>,
}

fn yes() -> bool {
    true
}

/// Does (or previews) a mass act as the caller.
async fn record(
    state: AppState,
    credentials: Credentials,
    act: MassAct,
    options: MassOptions,
) -> Result<(StatusCode, Json<views::MassDone>), ApiError> {
    let day = day_or_today(options.as_of.as_deref(), "as_of")?;
    blocking(move || {
        let caller = credentials.caller(&state)?;
        let request = MassRequest { act, day, preview: options.preview, key: options.key };
        let budget = crate::context::request_budget();
        let done = mass_as(&state, &caller, &request, &budget, None)?;
        let status = if done.preview { StatusCode::OK } else { StatusCode::CREATED };
        Ok((status, Json(done)))
    })
    .await
}

/// Enlists the eligible entries of a call-up list into a unit.
#[utoipa::path(
    post,
    path = "/api/v1/lists/{id}/call-up",
    params(("id" = String, Path, description = "The list's id")),
    request_body = CallUpBody,
    responses(
        (status = 201, body = views::MassDone, description = "Called up"),
        (status = 200, body = views::MassDone, description = "A preview: nothing was written"),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody, description = "No such list or unit"), (status = 409, body = ErrorBody, description = "Refused by the records or the orders: every failure listed"),
        (status = 413, body = ErrorBody, description = "The body is too large"), (status = 422, body = ErrorBody, description = "An invalid value"),
        (status = 503, body = ErrorBody, description = "The request's deadline passed, or its client went away")
    ),
    security(("token" = []))
)]
pub async fn call_up(
    State(state): State<AppState>,
    credentials: Credentials,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<CallUpBody>,
) -> Result<(StatusCode, Json<views::MassDone>), ApiError> {
    let act = MassAct::CallUp { list: id, unit: body.unit, term_months: body.term_months };
    let options = MassOptions { preview: body.preview, key: body.key, as_of: body.as_of };
    record(state, credentials, act, options).await
}

/// Deploys the eligible entries of a redeployment list at a site.
#[utoipa::path(
    post,
    path = "/api/v1/lists/{id}/redeploy",
    params(("id" = String, Path, description = "The list's id")),
    request_body = RedeployBody,
    responses(
        (status = 201, body = views::MassDone, description = "Redeployed"),
        (status = 200, body = views::MassDone, description = "A preview: nothing was written"),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody, description = "No such list, site, campaign or unit"), (status = 409, body = ErrorBody, description = "Refused by the records or the orders: every failure listed"),
        (status = 413, body = ErrorBody, description = "The body is too large"), (status = 422, body = ErrorBody, description = "An invalid value"),
        (status = 503, body = ErrorBody, description = "The request's deadline passed, or its client went away")
    ),
    security(("token" = []))
)]
pub async fn redeploy(
    State(state): State<AppState>,
    credentials: Credentials,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<RedeployBody>,
) -> Result<(StatusCode, Json<views::MassDone>), ApiError> {
    let act = MassAct::Redeploy {
        list: id,
        site: body.site,
        campaign: body.campaign,
        unit: body.unit,
        until: body.until,
    };
    let options = MassOptions { preview: body.preview, key: body.key, as_of: body.as_of };
    record(state, credentials, act, options).await
}

/// Posts abroad the eligible entries of an overseas-posting list.
#[utoipa::path(
    post,
    path = "/api/v1/lists/{id}/post",
    params(("id" = String, Path, description = "The list's id")),
    request_body = ListPostBody,
    responses(
        (status = 201, body = views::MassDone, description = "Posted"),
        (status = 200, body = views::MassDone, description = "A preview: nothing was written"),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody, description = "No such list"), (status = 409, body = ErrorBody, description = "Refused by the records or the orders: every failure listed"),
        (status = 413, body = ErrorBody, description = "The body is too large"), (status = 422, body = ErrorBody, description = "An invalid value"),
        (status = 503, body = ErrorBody, description = "The request's deadline passed, or its client went away")
    ),
    security(("token" = []))
)]
pub async fn post(
    State(state): State<AppState>,
    credentials: Credentials,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<ListPostBody>,
) -> Result<(StatusCode, Json<views::MassDone>), ApiError> {
    if !body.eligible {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "eligible: only the eligible entries of a list are posted".to_string(),
        ));
    }
    if body.limit == Some(0) {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "limit: at least 1".to_string(),
        ));
    }
    let act = MassAct::Post {
        list: id,
        country: body.country,
        limit: body.limit.map(|limit| limit as usize),
    };
    let options = MassOptions { preview: body.preview, key: body.key, as_of: body.as_of };
    record(state, credentials, act, options).await
}

/// Records the discharge, on the cycle's date, of each person of its
/// roster due that day: `scheduled`, `exempt`, `delayed-in` (the act's day
/// is the cycle's date; `as_of` is not taken).
#[utoipa::path(
    post,
    path = "/api/v1/discharge/rosters/{cycle}/carry-out",
    params(("cycle" = String, Path, description = "`YYYY-spring` or `YYYY-autumn`")),
    request_body = CarryOutBody,
    responses(
        (status = 201, body = views::MassDone, description = "Carried out"),
        (status = 200, body = views::MassDone, description = "A preview: nothing was written"),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "Refused by the records: every failure listed"),
        (status = 413, body = ErrorBody, description = "The body is too large"), (status = 422, body = ErrorBody, description = "An invalid value"),
        (status = 503, body = ErrorBody, description = "The request's deadline passed, or its client went away")
    ),
    security(("token" = []))
)]
pub async fn carry_out(
    State(state): State<AppState>,
    credentials: Credentials,
    Path(cycle): Path<String>,
    JsonBody(body): JsonBody<CarryOutBody>,
) -> Result<(StatusCode, Json<views::MassDone>), ApiError> {
    muster_service::reports::cycle(&cycle)?;
    let act = MassAct::CarryOut { cycle };
    let options = MassOptions { preview: body.preview, key: body.key, as_of: None };
    record(state, credentials, act, options).await
}

/// The carry-out of a cycle's discharges.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CarryOutBody {
    #[serde(default)]
    pub preview: bool,
    pub key: Option<String>,
}
