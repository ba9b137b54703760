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
use muster_store::PaperFilter;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use super::{blocking, day_or_today, parse_day};
use crate::auth::Credentials;
use crate::context::{Context, paper_act};
use crate::error::{ApiError, ErrorBody};
use crate::extract::{Json as JsonBody, Path, Query};
use crate::limits;
use crate::state::AppState;

/// Which papers of the register to show.
#[derive(Clone, Debug, Default, Deserialize, IntoParams)]
pub struct RegisterParams {
    /// Only the papers of this person.
    pub person: Option<String>,
    /// Only the papers of this issuer.
    pub issuer: Option<String>,
    /// Only the papers of this scope (`redeployment`, a list kind).
    pub scope: Option<String>,
    /// Only the papers on these grounds (`medical`, `family`, ...).
    pub grounds: Option<String>,
    /// Only the papers bearing this document number.
    pub document: Option<String>,
    /// Skip this many papers (in the order of their ids).
    pub offset: Option<usize>,
    /// At most this many papers (default 1000, at most 10000).
    pub limit: Option<usize>,
}

/// The most papers one page holds.
pub const MAX_PAGE: usize = 10_000;

impl RegisterParams {
    /// The filter, its values bounded.
    pub fn filter(&self) -> Result<PaperFilter, ApiError> {
        let id = |what: &str, value: &Option<String>| match value {
            Some(value) if !value.is_empty() => limits::check_id(what, value),
            _ => Ok(()),
        };
        id("a person id", &self.person)?;
        id("an organisation id", &self.issuer)?;
        id("a scope", &self.scope)?;
        id("grounds", &self.grounds)?;
        if let Some(document) = &self.document {
            limits::check_chars("document", document, limits::MAX_TITLE)?;
        }
        let blank = |value: &Option<String>| value.clone().filter(|value| !value.is_empty());
        Ok(PaperFilter {
            person: blank(&self.person),
            issuer: blank(&self.issuer),
            scope: blank(&self.scope),
            grounds: blank(&self.grounds),
            document: blank(&self.document),
        })
    }

    /// The page: how many to skip, how many at most.
    pub fn page(&self) -> Result<(usize, usize), ApiError> {
        let limit = self.limit.unwrap_or(1000);
        if limit > MAX_PAGE {
            return Err(ApiError::bad_request(format!(
                "`limit={limit}`: a page holds at most {MAX_PAGE} papers"
            )));
        }
        Ok((self.offset.unwrap_or(0), limit))
    }
}

/// The papers of the register the caller may read, filtered and paged: the
/// whole register to those who may read it whole (the auditor, the
/// ministry), to a unit administration the papers of its own people.
pub fn readable_papers(
    context: &Context,
    params: &RegisterParams,
    day: chrono::NaiveDate,
) -> Result<Papers, ApiError> {
    let filter = params.filter()?;
    let (offset, limit) = params.page()?;
    let mut papers = exemptions::list(context.store(), &filter)?;
    if !context.may(Action::ReadPapers, &Resource::Store) {
        papers.papers.retain(|paper| {
            let resource = context.paper_resource(&paper.id, &paper.person, &paper.issuer, day);
            context.may(Action::ReadPapers, &resource)
        });
    }
    let papers = papers.papers.into_iter().skip(offset).take(limit).collect();
    Ok(Papers { papers })
}

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

/// One paper with its history, if the caller may read it; a paper the
/// register does not hold is answered as one he may not read, unless he
/// may read the whole register.
pub fn readable_paper(context: &mut Context, id: &str) -> Result<PaperDetail, ApiError> {
    limits::check_id("a paper id", id)?;
    let day = chrono::Local::now().date_naive();
    let detail = match exemptions::show(context.store(), id) {
        Ok(detail) => detail,
        Err(muster_service::ServiceError::NotFound(message)) => {
            let absent = Resource::Paper {
                id: id.to_string(),
                administrations: Vec::new(),
                issuer: String::new(),
            };
            return Err(context.absent(Action::ReadPapers, &absent, message));
        }
        Err(error) => return Err(error.into()),
    };
    let paper = &detail.paper;
    let resource = context.paper_resource(&paper.id, &paper.person, &paper.issuer, day);
    context.require(Action::ReadPapers, &resource)?;
    Ok(detail)
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

/// The window of the anomaly report.
#[derive(Debug, Default, Deserialize, IntoParams)]
pub struct AnomalyParams {
    /// The first day papers bear, `YYYY-MM-DD`; default ten years before `to`.
    pub from: Option<String>,
    /// The last day, `YYYY-MM-DD`; default today.
    pub to: Option<String>,
    /// Only papers of this scope.
    pub scope: Option<String>,
}

impl AnomalyParams {
    /// The window and the scope, checked.
    pub fn window(
        &self,
    ) -> Result<(chrono::NaiveDate, chrono::NaiveDate, Option<String>), ApiError> {
        let to = day_or_today(self.to.as_deref(), "to")?;
        let from = match self.from.as_deref().filter(|from| !from.is_empty()) {
            Some(from) => parse_day(from, "from")?,
            None => to - chrono::Months::new(120),
        };
        let scope = self.scope.clone().filter(|scope| !scope.is_empty());
        if let Some(scope) = &scope {
            limits::check_id("a scope", scope)?;
        }
        Ok((from, to, scope))
    }
}

/// The anomaly report over the papers bearing a day of the window, if the
/// caller may read the whole register.
pub fn report(context: &mut Context, params: &AnomalyParams) -> Result<AnomalyReport, ApiError> {
    let (from, to, scope) = params.window()?;
    context.require(Action::ReadPapers, &Resource::Store)?;
    let (store, army) = context.store_and_army();
    let engine = Some(army.engine());
    Ok(exemptions::anomalies(&*store, army.rules(), engine, from, to, scope.as_deref())?)
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
        let title = |field: &str, text: &str| limits::check_chars(field, text, limits::MAX_TITLE);
        title("document", &self.document)?;
        limits::check_id("a person id", &self.person)?;
        limits::check_id("a scope", &self.scope)?;
        limits::check_id("grounds", &self.grounds)?;
        limits::check_chars("text", &self.text, limits::MAX_REASON)?;
        limits::check_id("an organisation id", &self.issuer)?;
        title("official", &self.official)?;
        title("issued_on", &self.issued_on)?;
        for (field, value) in [("valid_from", &self.valid_from), ("valid_until", &self.valid_until)]
        {
            if let Some(value) = value {
                title(field, value)?;
            }
        }
        Ok(NewPaper {
            document: self.document,
            person: self.person,
            scope: self.scope,
            grounds: self.grounds,
            text: self.text,
            issuer: self.issuer,
            official: self.official,
            issued_on: self.issued_on,
            valid_from: self.valid_from.filter(|value| !value.is_empty()),
            valid_until: self.valid_until.filter(|value| !value.is_empty()),
        })
    }
}

/// Enters a paper as the caller (the console's form and the API's).
pub fn issue_as(
    state: &AppState,
    caller: &crate::auth::Caller,
    paper: &NewPaper,
    day: chrono::NaiveDate,
) -> Result<PaperAct, ApiError> {
    let mut store = state.store()?;
    let rules = state.rules(&*store)?;
    let actor = caller.actor();
    paper_act(state, &mut *store, caller, Action::IssuePaper, &mut |store, authorize| {
        exemptions::issue(store, &rules, paper, day, &actor, authorize)
    })
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
        let store = state.store()?;
        let caller = credentials.resolve(&state, &*store)?;
        drop(store);
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

/// Revokes a paper as the caller.
pub fn revoke_as(
    state: &AppState,
    caller: &crate::auth::Caller,
    id: &str,
    reason: &str,
    day: chrono::NaiveDate,
) -> Result<PaperAct, ApiError> {
    limits::check_id("a paper id", id)?;
    limits::check_chars("reason", reason, limits::MAX_REASON)?;
    let mut store = state.store()?;
    let rules = state.rules(&*store)?;
    let actor = caller.actor();
    paper_act(state, &mut *store, caller, Action::RevokePaper, &mut |store, authorize| {
        exemptions::revoke(store, &rules, id, reason, day, &actor, authorize)
    })
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
    limits::check_id("a paper id", &id)?;
    limits::check_chars("reason", &body.reason, limits::MAX_REASON)?;
    blocking(move || {
        let store = state.store()?;
        let caller = credentials.resolve(&state, &*store)?;
        drop(store);
        Ok((StatusCode::CREATED, Json(revoke_as(&state, &caller, &id, &body.reason, day)?)))
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

/// Keeps an auditor's note with a paper, as the caller.
pub fn review_as(
    state: &AppState,
    caller: &crate::auth::Caller,
    id: &str,
    note: &str,
    day: chrono::NaiveDate,
) -> Result<PaperAct, ApiError> {
    limits::check_id("a paper id", id)?;
    limits::check_chars("note", note, limits::MAX_REASON)?;
    let mut store = state.store()?;
    let rules = state.rules(&*store)?;
    let actor = caller.actor();
    paper_act(state, &mut *store, caller, Action::ReviewPaper, &mut |store, authorize| {
        exemptions::review(store, &rules, id, note, day, &actor, authorize)
    })
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
    limits::check_id("a paper id", &id)?;
    limits::check_chars("note", &body.note, limits::MAX_REASON)?;
    blocking(move || {
        let store = state.store()?;
        let caller = credentials.resolve(&state, &*store)?;
        drop(store);
        Ok((StatusCode::CREATED, Json(review_as(&state, &caller, &id, &body.note, day)?)))
    })
    .await
}
