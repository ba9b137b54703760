//! The register of exemption papers (`spec/exemptions.md`): the papers a
//! caller may read, one paper with its history, the limits, the anomaly
//! report; a paper entered, revoked, or given an auditor's note. Each act
//! is decided by the policies on the paper as its transaction reads it
//! (`context::paper_act`), then by the records and the limits.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use muster_access::{Action, Resource};
use muster_service::exemptions::{
    self, AnomalyReport, LimitsView, NewPaper, PaperAct, PaperDetail, Papers,
};
use serde::Deserialize;
use utoipa::ToSchema;

use super::{blocking, day_or_today};
use crate::auth::Credentials;
use crate::context::Context;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{Json as JsonBody, Path, Query};
use crate::limits;
use crate::papers::{
    AnomalyParams, OnPaper, RegisterParams, issue_as, on_paper_as, readable_paper, readable_papers,
    report,
};
use crate::state::AppState;

/// The papers of the register the caller may read (the shape of `muster
/// exemption list --format json`).
#[utoipa::path(
    get,
    path = "/api/v1/exemptions",
    params(RegisterParams),
    responses(
        (status = 200, body = Papers, description = "The papers"),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 503, body = ErrorBody, description = "The request's deadline passed, or its client went away")
    ),
    security(("token" = []))
)]
pub async fn register(
    State(state): State<AppState>,
    credentials: Credentials,
    Query(params): Query<RegisterParams>,
) -> Result<Json<Papers>, ApiError> {
    let day = chrono::Local::now().date_naive();
    params.filter()?;
    params.page()?;
    blocking(move || {
        let context = Context::open(&state, &credentials)?;
        Ok(Json(readable_papers(&context, &params, day)?))
    })
    .await
}

/// One paper with its history: who entered it and when, its revocation,
/// the auditors' notes (the shape of `muster exemption show --format
/// json`).
#[utoipa::path(
    get,
    path = "/api/v1/exemptions/{id}",
    params(("id" = String, Path, description = "The paper's id, `X-000123`")),
    responses(
        (status = 200, body = PaperDetail, description = "The paper"),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody, description = "Not a paper the caller may read, or no such paper to a caller who may not read the whole register"),
        (status = 404, body = ErrorBody, description = "No such paper"),
        (status = 503, body = ErrorBody, description = "The request's deadline passed, or its client went away")
    ),
    security(("token" = []))
)]
pub async fn paper(
    State(state): State<AppState>,
    credentials: Credentials,
    Path(id): Path<String>,
) -> Result<Json<PaperDetail>, ApiError> {
    limits::check_id("a paper id", &id)?;
    blocking(move || {
        let mut context = Context::open(&state, &credentials)?;
        Ok(Json(readable_paper(&mut context, &id)?))
    })
    .await
}

/// The auditor's report of what in the register looks wrong, each finding
/// with its numbers and a sentence (the shape of `muster exemption
/// anomalies --format json`).
#[utoipa::path(
    get,
    path = "/api/v1/exemptions/anomalies",
    params(AnomalyParams),
    responses(
        (status = 200, body = AnomalyReport, description = "The report"),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 503, body = ErrorBody, description = "The request's deadline passed, or its client went away")
    ),
    security(("token" = []))
)]
pub async fn anomalies(
    State(state): State<AppState>,
    credentials: Credentials,
    Query(params): Query<AnomalyParams>,
) -> Result<Json<AnomalyReport>, ApiError> {
    params.window()?;
    blocking(move || {
        let mut context = Context::open(&state, &credentials)?;
        Ok(Json(report(&mut context, &params)?))
    })
    .await
}

/// The limits in force.
#[utoipa::path(
    get,
    path = "/api/v1/exemptions/limits",
    responses(
        (status = 200, body = LimitsView, description = "The limits in force"),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 503, body = ErrorBody, description = "The request's deadline passed, or its client went away")
    ),
    security(("token" = []))
)]
pub async fn limits_in_force(
    State(state): State<AppState>,
    credentials: Credentials,
) -> Result<Json<LimitsView>, ApiError> {
    blocking(move || {
        let mut context = Context::open(&state, &credentials)?;
        context.require(Action::ReadPapers, &Resource::Store)?;
        Ok(Json(exemptions::limits(context.store())?))
    })
    .await
}

/// New limits on issuing papers, whole.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LimitsBody {
    /// The limits' TOML document (`spec/exemptions.md`).
    pub document: String,
    /// `YYYY-MM-DD`; default today.
    pub as_of: Option<String>,
}

/// Sets the limits on issuing papers, as one act.
#[utoipa::path(
    put,
    path = "/api/v1/exemptions/limits",
    request_body = LimitsBody,
    responses(
        (status = 201, body = LimitsView, description = "The limits now in force"),
        (status = 400, body = ErrorBody, description = "The document has errors, each with its line and column"),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 413, body = ErrorBody, description = "The body is too large"),
        (status = 503, body = ErrorBody, description = "The request's deadline passed, or its client went away")
    ),
    security(("token" = []))
)]
pub async fn set_limits(
    State(state): State<AppState>,
    credentials: Credentials,
    JsonBody(body): JsonBody<LimitsBody>,
) -> Result<(StatusCode, Json<LimitsView>), ApiError> {
    let day = day_or_today(body.as_of.as_deref(), "as_of")?;
    limits::check_bytes("document", &body.document, limits::MAX_STRING)?;
    blocking(move || {
        let mut store = state.store()?;
        let caller = credentials.resolve(&state, &*store)?;
        caller.require(&state, &mut *store, Action::SetLimits, &Resource::Store)?;
        let actor = caller.actor();
        let _turn = state.write_turn();
        let view = exemptions::set_limits(&mut *store, "limits.toml", &body.document, day, &actor)?;
        Ok((StatusCode::CREATED, Json(view)))
    })
    .await
}

/// A paper to enter: the fields of a row of `exemptions.csv`, and the
/// act's day.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IssueBody {
    /// The number written on the paper.
    pub document: String,
    pub person: String,
    /// What it exempts from: `redeployment`, `delay`, a list kind.
    pub scope: String,
    /// `medical`, `family`, `education`, `technical` or `other`.
    pub grounds: String,
    #[serde(default)]
    pub text: String,
    /// The organisation that issued it.
    pub issuer: String,
    #[serde(default)]
    pub official: String,
    /// The day the paper bears, `YYYY-MM-DD`.
    pub issued_on: String,
    pub valid_from: Option<String>,
    pub valid_until: Option<String>,
    /// The act's day, `YYYY-MM-DD`; default today.
    pub as_of: Option<String>,
}

impl IssueBody {
    /// The paper, its fields bounded.
    pub fn paper(self) -> Result<NewPaper, ApiError> {
        crate::papers::bounded(NewPaper {
            document: self.document,
            person: self.person,
            scope: self.scope,
            grounds: self.grounds,
            text: self.text,
            issuer: self.issuer,
            official: self.official,
            issued_on: self.issued_on,
            valid_from: self.valid_from,
            valid_until: self.valid_until,
        })
    }
}

/// Enters a paper into the register, as one act; refused (422, naming the
/// limit) when it breaks a limit in force. The next list screening sees
/// it.
#[utoipa::path(
    post,
    path = "/api/v1/exemptions",
    request_body = IssueBody,
    responses(
        (status = 201, body = PaperAct, description = "Entered: the act, and the paper"),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody, description = "No such person"),
        (status = 409, body = ErrorBody, description = "The register holds it already"),
        (status = 413, body = ErrorBody, description = "The body is too large"),
        (status = 422, body = ErrorBody, description = "An invalid value, or a limit in force broken (named in `details.breaches`)"),
        (status = 503, body = ErrorBody, description = "The request's deadline passed, or its client went away")
    ),
    security(("token" = []))
)]
pub async fn issue(
    State(state): State<AppState>,
    credentials: Credentials,
    JsonBody(body): JsonBody<IssueBody>,
) -> Result<(StatusCode, Json<PaperAct>), ApiError> {
    let day = day_or_today(body.as_of.as_deref(), "as_of")?;
    let paper = body.paper()?;
    blocking(move || {
        let caller = credentials.caller(&state)?;
        Ok((StatusCode::CREATED, Json(issue_as(&state, &caller, &paper, day)?)))
    })
    .await
}

/// A paper's revocation.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RevokeBody {
    pub reason: String,
    /// The first day it no longer holds, `YYYY-MM-DD`; default today.
    pub as_of: Option<String>,
}

/// Revokes a paper from the day on, as one act; refused for a paper
/// revoked already.
#[utoipa::path(
    post,
    path = "/api/v1/exemptions/{id}/revoke",
    params(("id" = String, Path, description = "The paper's id")),
    request_body = RevokeBody,
    responses(
        (status = 201, body = PaperAct, description = "Revoked: the act, and the paper"),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody, description = "No such paper"),
        (status = 409, body = ErrorBody, description = "Revoked already"),
        (status = 413, body = ErrorBody, description = "The body is too large"),
        (status = 503, body = ErrorBody, description = "The request's deadline passed, or its client went away")
    ),
    security(("token" = []))
)]
pub async fn revoke(
    State(state): State<AppState>,
    credentials: Credentials,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<RevokeBody>,
) -> Result<(StatusCode, Json<PaperAct>), ApiError> {
    let day = day_or_today(body.as_of.as_deref(), "as_of")?;
    blocking(move || {
        let caller = credentials.caller(&state)?;
        Ok((
            StatusCode::CREATED,
            Json(on_paper_as(&state, &caller, OnPaper::Revoke, &id, &body.reason, day)?),
        ))
    })
    .await
}

/// An auditor's note on a paper.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReviewBody {
    pub note: String,
    /// `YYYY-MM-DD`; default today.
    pub as_of: Option<String>,
}

/// Keeps an auditor's note with a paper, as one act.
#[utoipa::path(
    post,
    path = "/api/v1/exemptions/{id}/review",
    params(("id" = String, Path, description = "The paper's id")),
    request_body = ReviewBody,
    responses(
        (status = 201, body = PaperAct, description = "Noted: the act, and the paper"),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody, description = "No such paper"),
        (status = 413, body = ErrorBody, description = "The body is too large"),
        (status = 503, body = ErrorBody, description = "The request's deadline passed, or its client went away")
    ),
    security(("token" = []))
)]
pub async fn review(
    State(state): State<AppState>,
    credentials: Credentials,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<ReviewBody>,
) -> Result<(StatusCode, Json<PaperAct>), ApiError> {
    let day = day_or_today(body.as_of.as_deref(), "as_of")?;
    blocking(move || {
        let caller = credentials.caller(&state)?;
        Ok((
            StatusCode::CREATED,
            Json(on_paper_as(&state, &caller, OnPaper::Review, &id, &body.note, day)?),
        ))
    })
    .await
}
