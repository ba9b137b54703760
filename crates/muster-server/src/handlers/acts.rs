//! The acts on the records: on one person, on a unit; the acts recorded,
//! one act, its reversal. A body's fields are the command's flags in snake
//! case, with `as_of` (the first day the act's new state holds; default
//! today). Each act is decided by the policies inside its own transaction
//! (`Context::record_act`), then by the records and the orders.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use muster_access::{Action, Resource};
use muster_service::acts::{Act, ActQuery};
use muster_service::views;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use super::{blocking, day_or_today, parse_day};
use crate::auth::Credentials;
use crate::context::{Context, act_resource};
use crate::error::{ApiError, ErrorBody};
use crate::extract::{Json as JsonBody, Path, Query};
use crate::limits;
use crate::state::AppState;

/// Checks the size of every text an act is given: ids as ids, free text
/// (names, grounds, details) to the length of a reason.
fn check_act(act: &Act) -> Result<(), ApiError> {
    let id = |what: &str, text: &str| limits::check_id(what, text);
    let text = |field: &str, text: &str| limits::check_chars(field, text, limits::MAX_REASON);
    let optional_id = |what: &str, value: &Option<String>| match value {
        Some(value) => id(what, value),
        None => Ok(()),
    };
    let optional_text = |field: &str, value: &Option<String>| match value {
        Some(value) => text(field, value),
        None => Ok(()),
    };
    match act {
        Act::Register { person, name, born, sex, home_province, home_county, specialty } => {
            id("a person id", person)?;
            text("name", name)?;
            text("born", born)?;
            text("sex", sex)?;
            text("home_province", home_province)?;
            optional_text("home_county", home_county)?;
            optional_text("specialty", specialty)
        }
        Act::Update { person, rank, specialty, name, home_county } => {
            id("a person id", person)?;
            optional_text("rank", rank)?;
            optional_text("specialty", specialty)?;
            optional_text("name", name)?;
            optional_text("home_county", home_county)
        }
        Act::Enlist { person, unit, term_months, branch, rank } => {
            id("a person id", person)?;
            id("a unit id", unit)?;
            text("term_months", term_months)?;
            optional_text("branch", branch)?;
            optional_text("rank", rank)
        }
        Act::Assign { person, unit } => {
            id("a person id", person)?;
            id("a unit id", unit)
        }
        Act::Deploy { person, site, campaign, until } => {
            id("a person id", person)?;
            id("a site id", site)?;
            optional_id("a campaign id", campaign)?;
            optional_text("until", until)
        }
        Act::Recall { person, site } => {
            id("a person id", person)?;
            id("a site id", site)
        }
        Act::Event { person, kind, reference, detail } => {
            id("a person id", person)?;
            id("an event kind", kind)?;
            optional_text("ref", reference)?;
            optional_text("detail", detail)
        }
        Act::Discharge { person, grounds, .. } => {
            id("a person id", person)?;
            optional_text("grounds", grounds)
        }
        Act::Post { person, list, country } => {
            id("a person id", person)?;
            id("a list id", list)?;
            text("country", country)
        }
        Act::Return { person } => id("a person id", person),
        Act::DeployUnit { unit, site, campaign, until } => {
            id("a unit id", unit)?;
            id("a site id", site)?;
            optional_id("a campaign id", campaign)?;
            optional_text("until", until)
        }
        Act::RecallUnit { unit, site } => {
            id("a unit id", unit)?;
            id("a site id", site)
        }
    }
}

/// Records `act` as the caller: 201 with how each person it touched now
/// stands.
async fn record(
    state: AppState,
    credentials: Credentials,
    action: Action,
    act: Act,
    as_of: Option<String>,
) -> Result<(StatusCode, Json<views::ActDone>), ApiError> {
    let day = day_or_today(as_of.as_deref(), "as_of")?;
    check_act(&act)?;
    blocking(move || {
        let mut store = state.store()?;
        let caller = credentials.resolve(&state, &*store)?;
        // The rules in force; the army is not held while the act waits
        // for its turn to write.
        let rules = state.rules(&*store)?;
        let done =
            crate::context::record_act(&state, &mut *store, &caller, &rules, action, &act, day)?;
        Ok((StatusCode::CREATED, Json(done)))
    })
    .await
}

/// A new person record: a civilian.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterBody {
    pub id: String,
    pub name: String,
    /// `YYYY-MM-DD`.
    pub born: String,
    /// `M` or `F`.
    pub sex: String,
    pub home_province: String,
    pub home_county: Option<String>,
    pub specialty: Option<String>,
    /// `YYYY-MM-DD`; default today.
    pub as_of: Option<String>,
}

/// Registers a person.
#[utoipa::path(
    post,
    path = "/api/v1/people",
    request_body = RegisterBody,
    responses(
        (status = 201, body = views::ActDone, description = "Registered"),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "Refused by the records"), (status = 413, body = ErrorBody, description = "The body is too large"),
        (status = 422, body = ErrorBody, description = "An invalid value"), (status = 503, body = ErrorBody, description = "The request's deadline passed, or its client went away")
    ),
    security(("token" = []))
)]
pub async fn register(
    State(state): State<AppState>,
    credentials: Credentials,
    JsonBody(body): JsonBody<RegisterBody>,
) -> Result<(StatusCode, Json<views::ActDone>), ApiError> {
    let act = Act::Register {
        person: body.id,
        name: body.name,
        born: body.born,
        sex: body.sex,
        home_province: body.home_province,
        home_county: body.home_county,
        specialty: body.specialty,
    };
    record(state, credentials, Action::RegisterPerson, act, body.as_of).await
}

/// A new version of his record.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateBody {
    pub rank: Option<String>,
    pub specialty: Option<String>,
    pub name: Option<String>,
    pub home_county: Option<String>,
    /// `YYYY-MM-DD`; default today.
    pub as_of: Option<String>,
}

/// Updates a person's record from the day.
#[utoipa::path(
    patch,
    path = "/api/v1/people/{id}",
    params(("id" = String, Path, description = "The person's id")),
    request_body = UpdateBody,
    responses(
        (status = 201, body = views::ActDone, description = "Updated"),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody, description = "No such person"), (status = 409, body = ErrorBody, description = "Refused by the records"),
        (status = 413, body = ErrorBody, description = "The body is too large"), (status = 422, body = ErrorBody, description = "An invalid value"),
        (status = 503, body = ErrorBody, description = "The request's deadline passed, or its client went away")
    ),
    security(("token" = []))
)]
pub async fn update(
    State(state): State<AppState>,
    credentials: Credentials,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<UpdateBody>,
) -> Result<(StatusCode, Json<views::ActDone>), ApiError> {
    let act = Act::Update {
        person: id,
        rank: body.rank,
        specialty: body.specialty,
        name: body.name,
        home_county: body.home_county,
    };
    record(state, credentials, Action::UpdatePerson, act, body.as_of).await
}

/// His enlistment.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EnlistBody {
    pub unit: String,
    pub term_months: u32,
    pub branch: Option<String>,
    pub rank: Option<String>,
    /// `YYYY-MM-DD`; default today.
    pub as_of: Option<String>,
}

/// Enlists a person and assigns him to a unit.
#[utoipa::path(
    post,
    path = "/api/v1/people/{id}/enlist",
    params(("id" = String, Path, description = "The person's id")),
    request_body = EnlistBody,
    responses(
        (status = 201, body = views::ActDone, description = "Enlisted"),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody, description = "No such person or unit"), (status = 409, body = ErrorBody, description = "Refused by the records"),
        (status = 413, body = ErrorBody, description = "The body is too large"), (status = 422, body = ErrorBody, description = "An invalid value"),
        (status = 503, body = ErrorBody, description = "The request's deadline passed, or its client went away")
    ),
    security(("token" = []))
)]
pub async fn enlist(
    State(state): State<AppState>,
    credentials: Credentials,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<EnlistBody>,
) -> Result<(StatusCode, Json<views::ActDone>), ApiError> {
    let act = Act::Enlist {
        person: id,
        unit: body.unit,
        term_months: body.term_months.to_string(),
        branch: body.branch,
        rank: body.rank,
    };
    record(state, credentials, Action::Enlist, act, body.as_of).await
}

/// A transfer.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssignBody {
    pub unit: String,
    /// `YYYY-MM-DD`; default today.
    pub as_of: Option<String>,
}

/// Transfers a person to another unit.
#[utoipa::path(
    post,
    path = "/api/v1/people/{id}/assign",
    params(("id" = String, Path, description = "The person's id")),
    request_body = AssignBody,
    responses(
        (status = 201, body = views::ActDone, description = "Assigned"),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody, description = "No such person or unit"), (status = 409, body = ErrorBody, description = "Refused by the records"),
        (status = 413, body = ErrorBody, description = "The body is too large"), (status = 422, body = ErrorBody, description = "An invalid value"),
        (status = 503, body = ErrorBody, description = "The request's deadline passed, or its client went away")
    ),
    security(("token" = []))
)]
pub async fn assign(
    State(state): State<AppState>,
    credentials: Credentials,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<AssignBody>,
) -> Result<(StatusCode, Json<views::ActDone>), ApiError> {
    let act = Act::Assign { person: id, unit: body.unit };
    record(state, credentials, Action::Assign, act, body.as_of).await
}

/// A deployment at a site.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeployBody {
    pub site: String,
    pub campaign: Option<String>,
    /// The last day deployed, `YYYY-MM-DD`; default open.
    pub until: Option<String>,
    /// `YYYY-MM-DD`; default today.
    pub as_of: Option<String>,
}

/// Deploys a person at a site.
#[utoipa::path(
    post,
    path = "/api/v1/people/{id}/deploy",
    params(("id" = String, Path, description = "The person's id")),
    request_body = DeployBody,
    responses(
        (status = 201, body = views::ActDone, description = "Deployed"),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody, description = "No such person, site or campaign"), (status = 409, body = ErrorBody, description = "Refused by the records"),
        (status = 413, body = ErrorBody, description = "The body is too large"), (status = 422, body = ErrorBody, description = "An invalid value"),
        (status = 503, body = ErrorBody, description = "The request's deadline passed, or its client went away")
    ),
    security(("token" = []))
)]
pub async fn deploy(
    State(state): State<AppState>,
    credentials: Credentials,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<DeployBody>,
) -> Result<(StatusCode, Json<views::ActDone>), ApiError> {
    let act =
        Act::Deploy { person: id, site: body.site, campaign: body.campaign, until: body.until };
    record(state, credentials, Action::Deploy, act, body.as_of).await
}

/// The end of a deployment at a site.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RecallBody {
    pub site: String,
    /// The first day no longer deployed, `YYYY-MM-DD`; default today.
    pub as_of: Option<String>,
}

/// Recalls a person from a site.
#[utoipa::path(
    post,
    path = "/api/v1/people/{id}/recall",
    params(("id" = String, Path, description = "The person's id")),
    request_body = RecallBody,
    responses(
        (status = 201, body = views::ActDone, description = "Recalled"),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody, description = "No such person"), (status = 409, body = ErrorBody, description = "Refused by the records"),
        (status = 413, body = ErrorBody, description = "The body is too large"), (status = 422, body = ErrorBody, description = "An invalid value"),
        (status = 503, body = ErrorBody, description = "The request's deadline passed, or its client went away")
    ),
    security(("token" = []))
)]
pub async fn recall(
    State(state): State<AppState>,
    credentials: Credentials,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<RecallBody>,
) -> Result<(StatusCode, Json<views::ActDone>), ApiError> {
    let act = Act::Recall { person: id, site: body.site };
    record(state, credentials, Action::Recall, act, body.as_of).await
}

/// An event.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EventBody {
    /// `injured`, `killed`, `awol`, `admitted`, `exempted`.
    pub kind: String,
    #[serde(rename = "ref")]
    pub reference: Option<String>,
    pub detail: Option<String>,
    /// `YYYY-MM-DD`; default today.
    pub as_of: Option<String>,
}

/// Records an event of a person.
#[utoipa::path(
    post,
    path = "/api/v1/people/{id}/events",
    params(("id" = String, Path, description = "The person's id")),
    request_body = EventBody,
    responses(
        (status = 201, body = views::ActDone, description = "Recorded"),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody, description = "No such person"), (status = 409, body = ErrorBody, description = "Refused by the records"),
        (status = 413, body = ErrorBody, description = "The body is too large"), (status = 422, body = ErrorBody, description = "An invalid value"),
        (status = 503, body = ErrorBody, description = "The request's deadline passed, or its client went away")
    ),
    security(("token" = []))
)]
pub async fn event(
    State(state): State<AppState>,
    credentials: Credentials,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<EventBody>,
) -> Result<(StatusCode, Json<views::ActDone>), ApiError> {
    let act =
        Act::Event { person: id, kind: body.kind, reference: body.reference, detail: body.detail };
    record(state, credentials, Action::RecordEvent, act, body.as_of).await
}

/// A discharge.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DischargeBody {
    /// Before his computed discharge date, with `grounds`.
    #[serde(default)]
    pub early: bool,
    pub grounds: Option<String>,
    /// `YYYY-MM-DD`; default today.
    pub as_of: Option<String>,
}

/// Discharges a person.
#[utoipa::path(
    post,
    path = "/api/v1/people/{id}/discharge",
    params(("id" = String, Path, description = "The person's id")),
    request_body = DischargeBody,
    responses(
        (status = 201, body = views::ActDone, description = "Discharged"),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody, description = "No such person"), (status = 409, body = ErrorBody, description = "Refused by the records or the orders"),
        (status = 413, body = ErrorBody, description = "The body is too large"), (status = 422, body = ErrorBody, description = "An invalid value"),
        (status = 503, body = ErrorBody, description = "The request's deadline passed, or its client went away")
    ),
    security(("token" = []))
)]
pub async fn discharge(
    State(state): State<AppState>,
    credentials: Credentials,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<DischargeBody>,
) -> Result<(StatusCode, Json<views::ActDone>), ApiError> {
    let act = Act::Discharge { person: id, early: body.early, grounds: body.grounds };
    record(state, credentials, Action::Discharge, act, body.as_of).await
}

/// A posting abroad.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PostBody {
    /// The overseas-posting list he is posted from.
    pub list: String,
    pub country: String,
    /// `YYYY-MM-DD`; default today.
    pub as_of: Option<String>,
}

/// Posts a person abroad from a list on which he is eligible.
#[utoipa::path(
    post,
    path = "/api/v1/people/{id}/post",
    params(("id" = String, Path, description = "The person's id")),
    request_body = PostBody,
    responses(
        (status = 201, body = views::ActDone, description = "Posted"),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody, description = "No such person or list"), (status = 409, body = ErrorBody, description = "Refused by the records or the orders"),
        (status = 413, body = ErrorBody, description = "The body is too large"), (status = 422, body = ErrorBody, description = "An invalid value"),
        (status = 503, body = ErrorBody, description = "The request's deadline passed, or its client went away")
    ),
    security(("token" = []))
)]
pub async fn post(
    State(state): State<AppState>,
    credentials: Credentials,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<PostBody>,
) -> Result<(StatusCode, Json<views::ActDone>), ApiError> {
    let act = Act::Post { person: id, list: body.list, country: body.country };
    record(state, credentials, Action::Post, act, body.as_of).await
}

/// A return from abroad, or a reversal's reason and day.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReturnBody {
    /// `YYYY-MM-DD`; default today.
    pub as_of: Option<String>,
}

/// Records a person's return from his last posting abroad.
#[utoipa::path(
    post,
    path = "/api/v1/people/{id}/return",
    params(("id" = String, Path, description = "The person's id")),
    request_body = ReturnBody,
    responses(
        (status = 201, body = views::ActDone, description = "Returned"),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody, description = "No such person"), (status = 409, body = ErrorBody, description = "Refused by the records"),
        (status = 413, body = ErrorBody, description = "The body is too large"), (status = 422, body = ErrorBody, description = "An invalid value"),
        (status = 503, body = ErrorBody, description = "The request's deadline passed, or its client went away")
    ),
    security(("token" = []))
)]
pub async fn return_home(
    State(state): State<AppState>,
    credentials: Credentials,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<ReturnBody>,
) -> Result<(StatusCode, Json<views::ActDone>), ApiError> {
    record(state, credentials, Action::Return, Act::Return { person: id }, body.as_of).await
}

/// Deploys a unit (and its sub-units) at a site.
#[utoipa::path(
    post,
    path = "/api/v1/units/{id}/deploy",
    params(("id" = String, Path, description = "The unit's id")),
    request_body = DeployBody,
    responses(
        (status = 201, body = views::ActDone, description = "Deployed"),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody, description = "No such unit, site or campaign"), (status = 409, body = ErrorBody, description = "Refused by the records"),
        (status = 413, body = ErrorBody, description = "The body is too large"), (status = 422, body = ErrorBody, description = "An invalid value"),
        (status = 503, body = ErrorBody, description = "The request's deadline passed, or its client went away")
    ),
    security(("token" = []))
)]
pub async fn deploy_unit(
    State(state): State<AppState>,
    credentials: Credentials,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<DeployBody>,
) -> Result<(StatusCode, Json<views::ActDone>), ApiError> {
    let act =
        Act::DeployUnit { unit: id, site: body.site, campaign: body.campaign, until: body.until };
    record(state, credentials, Action::DeployUnit, act, body.as_of).await
}

/// Recalls a unit from a site.
#[utoipa::path(
    post,
    path = "/api/v1/units/{id}/recall",
    params(("id" = String, Path, description = "The unit's id")),
    request_body = RecallBody,
    responses(
        (status = 201, body = views::ActDone, description = "Recalled"),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody, description = "No such unit"), (status = 409, body = ErrorBody, description = "Refused by the records"),
        (status = 413, body = ErrorBody, description = "The body is too large"), (status = 422, body = ErrorBody, description = "An invalid value"),
        (status = 503, body = ErrorBody, description = "The request's deadline passed, or its client went away")
    ),
    security(("token" = []))
)]
pub async fn recall_unit(
    State(state): State<AppState>,
    credentials: Credentials,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<RecallBody>,
) -> Result<(StatusCode, Json<views::ActDone>), ApiError> {
    let act = Act::RecallUnit { unit: id, site: body.site };
    record(state, credentials, Action::RecallUnit, act, body.as_of).await
}

/// Which acts to list.
#[derive(Deserialize, IntoParams)]
pub struct ActsParams {
    /// Acts whose day is on or after this one, `YYYY-MM-DD`.
    since: Option<String>,
    /// Acts whose day is on or before this one, `YYYY-MM-DD`.
    until: Option<String>,
    /// Only acts of this kind (`assign`, `import`, `reverse`, ...).
    kind: Option<String>,
    /// At most this many, the latest first (default 50, at most 1000).
    limit: Option<usize>,
}

/// The most acts one answer lists.
const MAX_ACTS: usize = 1000;

/// The acts recorded, the latest first.
#[utoipa::path(
    get,
    path = "/api/v1/acts",
    params(ActsParams),
    responses(
        (status = 200, body = views::Acts, description = "The acts"),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 503, body = ErrorBody, description = "The request's deadline passed, or its client went away")
    ),
    security(("token" = []))
)]
pub async fn acts(
    State(state): State<AppState>,
    credentials: Credentials,
    Query(params): Query<ActsParams>,
) -> Result<Json<views::Acts>, ApiError> {
    let since = params.since.as_deref().map(|day| parse_day(day, "since")).transpose()?;
    let until = params.until.as_deref().map(|day| parse_day(day, "until")).transpose()?;
    if let Some(kind) = &params.kind {
        limits::check_id("an act kind", kind)?;
    }
    let limit = params.limit.unwrap_or(50);
    if limit > MAX_ACTS {
        return Err(ApiError::bad_request(format!(
            "`limit={limit}`: an answer lists at most {MAX_ACTS} acts"
        )));
    }
    let query = ActQuery { since, until, kind: params.kind, limit };
    blocking(move || {
        let mut context = Context::open(&state, &credentials)?;
        context.require(Action::ReadActs, &Resource::Store)?;
        Ok(Json(muster_service::acts::list(context.store(), &query)?))
    })
    .await
}

/// What an act did: its kind, days, actor, every row it wrote, the persons
/// and units it named, and its reversal.
#[utoipa::path(
    get,
    path = "/api/v1/acts/{act}",
    params(("act" = i64, Path, description = "The act's number")),
    responses(
        (status = 200, body = views::ActShown, description = "The act"),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody, description = "No such act"),
        (status = 503, body = ErrorBody, description = "The request's deadline passed, or its client went away")
    ),
    security(("token" = []))
)]
pub async fn act(
    State(state): State<AppState>,
    credentials: Credentials,
    Path(id): Path<i64>,
) -> Result<Json<views::ActShown>, ApiError> {
    blocking(move || {
        let mut context = Context::open(&state, &credentials)?;
        context.require(Action::ReadActs, &Resource::Store)?;
        Ok(Json(muster_service::acts::show(context.store(), id)?))
    })
    .await
}

/// A reversal: its reason, and the day it is recorded as of.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReverseBody {
    pub reason: String,
    /// `YYYY-MM-DD`; default today.
    pub as_of: Option<String>,
}

/// Reverses an act: from now on the records read as if it had never
/// happened, on every day.
#[utoipa::path(
    post,
    path = "/api/v1/acts/{act}/reverse",
    params(("act" = i64, Path, description = "The act's number")),
    request_body = ReverseBody,
    responses(
        (status = 201, body = views::ActDone, description = "Reversed"),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody, description = "No such act"), (status = 409, body = ErrorBody, description = "Already reversed, not reversible, or a later act depends on it"),
        (status = 413, body = ErrorBody, description = "The body is too large"), (status = 422, body = ErrorBody, description = "An invalid value"),
        (status = 503, body = ErrorBody, description = "The request's deadline passed, or its client went away")
    ),
    security(("token" = []))
)]
pub async fn reverse(
    State(state): State<AppState>,
    credentials: Credentials,
    Path(id): Path<i64>,
    JsonBody(body): JsonBody<ReverseBody>,
) -> Result<(StatusCode, Json<views::ActDone>), ApiError> {
    let day = day_or_today(body.as_of.as_deref(), "as_of")?;
    limits::check_chars("reason", &body.reason, limits::MAX_REASON)?;
    blocking(move || {
        let mut context = Context::open(&state, &credentials)?;
        // Who recorded the act is fixed once it is recorded: the policies
        // may decide on it before the reversal's transaction.
        let recorded = context.store().act(id)?;
        let Some(recorded) = recorded else {
            let absent = act_resource(&muster_service::acts::Subject::default(), "");
            return Err(context.absent(
                Action::ReverseAct,
                &absent,
                format!("no act {id} has been recorded"),
            ));
        };
        let recorded_by = match recorded.act.actor.strip_prefix("user:") {
            Some(name) => context
                .store()
                .users()?
                .into_iter()
                .find(|user| user.name == name)
                .map(|user| user.organisation)
                .unwrap_or_default(),
            None => String::new(),
        };
        let resource = act_resource(&muster_service::acts::Subject::default(), &recorded_by);
        context.require(Action::ReverseAct, &resource)?;
        let actor = context.actor();
        let state = context.state.clone();
        let caller = context.caller.clone();
        let (store, army) = context.store_and_army();
        let mut done = {
            let _turn = state.write_turn();
            muster_service::acts::reverse(store, army.rules(), id, &body.reason, day, &actor)?
        };
        crate::context::keep_readable_lists(&state, &*store, &caller, &mut done)?;
        Ok((StatusCode::CREATED, Json(done)))
    })
    .await
}
