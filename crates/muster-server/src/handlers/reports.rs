//! What is computed from the records and orders: rosters, strength,
//! stats, explanations, notices.

use axum::Json;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use muster_access::{Action, Resource};
use muster_service::explain::Subject;
use muster_service::reports::StrengthQuery;
use muster_service::views;
use serde::Deserialize;
use utoipa::IntoParams;

use super::{AsOf, blocking, day_or_today, parse_day, parse_month};
use crate::auth::Credentials;
use crate::context::{Context, minimum_cohort, visible_roster};
use crate::error::{ApiError, ErrorBody};
use crate::extract::{Path, Query};
use crate::state::AppState;

/// The discharge roster of a cycle (the shape of `muster discharge roster
/// --format json`); a unit administration sees only its own people.
#[utoipa::path(
    get,
    path = "/api/v1/discharge/rosters/{cycle}",
    params(("cycle" = String, Path, description = "`YYYY-spring` or `YYYY-autumn`"), AsOf),
    responses(
        (status = 200, body = views::Roster, description = "The roster"),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 503, body = ErrorBody, description = "The request's deadline passed, or its client went away")
    ),
    security(("token" = []))
)]
pub async fn roster(
    State(state): State<AppState>,
    credentials: Credentials,
    Path(cycle): Path<String>,
    Query(as_of): Query<AsOf>,
) -> Result<Json<views::Roster>, ApiError> {
    let day = as_of.day()?;
    let cycle = muster_service::reports::cycle(&cycle)?;
    blocking(move || {
        let mut context = Context::open(&state, &credentials)?;
        context.require(Action::ReadRoster, &Resource::Store)?;
        Ok(Json(visible_roster(&context, cycle, day)?))
    })
    .await
}

/// The months and orders of a strength.
#[derive(Deserialize, IntoParams)]
pub struct StrengthParams {
    /// The first month, `YYYY-MM`.
    from: String,
    /// The last month, `YYYY-MM`.
    to: String,
    /// Orders to leave out, separated by commas.
    without: Option<String>,
    /// `YYYY-MM-DD`; default today.
    as_of: Option<String>,
}

/// A strength as asked for.
pub struct StrengthAsked {
    pub site: String,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub without: Vec<String>,
    pub day: NaiveDate,
}

impl StrengthAsked {
    pub fn query(&self) -> StrengthQuery<'_> {
        StrengthQuery {
            site: &self.site,
            from: self.from,
            to: self.to,
            without: &self.without,
            with: None,
            day: self.day,
        }
    }
}

impl StrengthParams {
    fn parse(self, site: String) -> Result<StrengthAsked, ApiError> {
        let asked = self.parse_unchecked(site)?;
        crate::limits::check_ids("an order id", &asked.without)?;
        Ok(asked)
    }

    fn parse_unchecked(self, site: String) -> Result<StrengthAsked, ApiError> {
        Ok(StrengthAsked {
            site,
            from: parse_month(&self.from, "from")?,
            to: parse_month(&self.to, "to")?,
            without: self
                .without
                .iter()
                .flat_map(|ids| ids.split(','))
                .map(str::trim)
                .filter(|id| !id.is_empty())
                .map(str::to_string)
                .collect(),
            day: day_or_today(self.as_of.as_deref(), "as_of")?,
        })
    }
}

/// Computes a strength once the policies allow it.
fn compute_strength(
    state: &AppState,
    credentials: &Credentials,
    asked: &StrengthAsked,
) -> Result<views::Strength, ApiError> {
    let mut context = Context::open(state, credentials)?;
    context.require(Action::ReadStrength, &Resource::Store)?;
    Ok(muster_service::reports::strength(&context.army, &asked.query(), &context.budget)?)
}

/// The strength of a site on the first of each month (the shape of
/// `muster strength --format json`), with orders left out if asked.
#[utoipa::path(
    get,
    path = "/api/v1/sites/{site}/strength",
    params(("site" = String, Path, description = "The site's id"), StrengthParams),
    responses(
        (status = 200, body = views::Strength, description = "The strength"),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody), (status = 503, body = ErrorBody, description = "The request's deadline passed, or its client went away")
    ),
    security(("token" = []))
)]
pub async fn strength(
    State(state): State<AppState>,
    credentials: Credentials,
    Path(site): Path<String>,
    Query(params): Query<StrengthParams>,
) -> Result<Json<views::Strength>, ApiError> {
    let asked = params.parse(site)?;
    blocking(move || Ok(Json(compute_strength(&state, &credentials, &asked)?))).await
}

/// The strength of a site as an SVG chart.
#[utoipa::path(
    get,
    path = "/api/v1/sites/{site}/strength.svg",
    params(("site" = String, Path, description = "The site's id"), StrengthParams),
    responses(
        (status = 200, description = "The chart", content_type = "image/svg+xml", body = String),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody), (status = 503, body = ErrorBody, description = "The request's deadline passed, or its client went away")
    ),
    security(("token" = []))
)]
pub async fn strength_svg(
    State(state): State<AppState>,
    credentials: Credentials,
    Path(site): Path<String>,
    Query(params): Query<StrengthParams>,
) -> Result<Response, ApiError> {
    let asked = params.parse(site)?;
    blocking(move || {
        let strength = compute_strength(&state, &credentials, &asked)?;
        let title = muster_service::reports::strength_title(&asked.query());
        let svg = muster_service::chart::strength_svg(&title, &strength.months)?;
        Ok(([(header::CONTENT_TYPE, "image/svg+xml")], svg).into_response())
    })
    .await
}

/// What the rates are asked for.
#[derive(Deserialize, IntoParams)]
pub struct StatsParams {
    /// The event kind counted (`awol`, `posted`, `injured`, ...).
    event: String,
    /// The string field of `person` that makes the cohorts.
    by: String,
    /// The first day an event counts, `YYYY-MM-DD`.
    from: Option<String>,
    /// The last day an event counts, `YYYY-MM-DD`; default the as-of day.
    to: Option<String>,
    /// Only the people a condition on `person` selects; it may read only
    /// what the caller may see of a person.
    #[serde(rename = "where")]
    #[param(rename = "where")]
    condition: Option<String>,
    /// `YYYY-MM-DD`; default today.
    as_of: Option<String>,
}

/// Outcome rates by cohort (the shape of `muster stats --format json`). An
/// analyst sees no cohort smaller than the minimum cohort size (10): those
/// are counted together in one row, shown only when it reaches the
/// minimum itself.
#[utoipa::path(
    get,
    path = "/api/v1/stats",
    params(StatsParams),
    responses(
        (status = 200, body = views::Stats, description = "The rates"),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody), (status = 503, body = ErrorBody, description = "The request's deadline passed, or its client went away")
    ),
    security(("token" = []))
)]
pub async fn stats(
    State(state): State<AppState>,
    credentials: Credentials,
    Query(params): Query<StatsParams>,
) -> Result<Json<views::Stats>, ApiError> {
    let day = day_or_today(params.as_of.as_deref(), "as_of")?;
    let from = params.from.as_deref().map(|text| parse_day(text, "from")).transpose()?;
    let to = params.to.as_deref().map(|text| parse_day(text, "to")).transpose()?;
    blocking(move || {
        let mut context = Context::open(&state, &credentials)?;
        context.require(Action::ReadStats, &Resource::Store)?;
        let readable = context.readable();
        let query = muster_service::reports::StatsQuery {
            event: &params.event,
            by: &params.by,
            from,
            to,
            condition: params.condition.as_deref(),
            readable: &readable,
            day,
        };
        let minimum = minimum_cohort(&context);
        Ok(Json(muster_service::reports::stats(&context.army, &query, minimum, &context.budget)?))
    })
    .await
}

/// What an explanation is about: one of `kind`, `list`, `discharge`.
#[derive(Deserialize, IntoParams)]
pub struct ExplainParams {
    /// A list kind, such as `overseas-posting`.
    kind: Option<String>,
    /// A list, screened from his nomination day.
    list: Option<String>,
    /// His discharge date.
    #[serde(default)]
    discharge: bool,
    /// `YYYY-MM-DD`; default today.
    as_of: Option<String>,
}

/// Why, rule by rule: a person's outcome for a list kind, a list or his
/// discharge (the shape of `muster explain --format json`).
#[utoipa::path(
    get,
    path = "/api/v1/people/{id}/explain",
    params(("id" = String, Path, description = "The person's id"), ExplainParams),
    responses(
        (status = 200, body = views::Explanation, description = "The explanation"),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody, description = "Not a person the caller may ask about, or no such person to a caller who may not see everyone"),
        (status = 404, body = ErrorBody)
    ),
    security(("token" = []))
)]
pub async fn explain(
    State(state): State<AppState>,
    credentials: Credentials,
    Path(id): Path<String>,
    Query(params): Query<ExplainParams>,
) -> Result<Json<views::Explanation>, ApiError> {
    let day = day_or_today(params.as_of.as_deref(), "as_of")?;
    if let Some(list) = &params.list {
        crate::limits::check_id("a list id", list)?;
    }
    blocking(move || {
        let subject = match (params.discharge, &params.kind, &params.list) {
            (true, None, None) => Subject::Discharge,
            (false, Some(kind), None) => Subject::Kind(kind),
            (false, None, Some(list)) => Subject::List(list),
            _ => {
                return Err(ApiError::bad_request(
                    "name one subject: `kind=KIND`, `list=ID` or `discharge=true`",
                ));
            }
        };
        let mut context = Context::open(&state, &credentials)?;
        context.require_person(Action::Explain, &id, day)?;
        let rules = context.army.rules();
        Ok(Json(muster_service::explain::explain(context.store(), rules, &id, subject, day)?))
    })
    .await
}

/// Whose notices.
#[derive(Deserialize, IntoParams)]
pub struct NoticesParams {
    /// The organisation; default the caller's.
    organisation: Option<String>,
    /// `YYYY-MM-DD`; default today.
    as_of: Option<String>,
}

/// The notices left for an organisation by the day (the shape of `muster
/// notices --format json`).
#[utoipa::path(
    get,
    path = "/api/v1/notices",
    params(NoticesParams),
    responses(
        (status = 200, body = views::Notices, description = "The notices"),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)
    ),
    security(("token" = []))
)]
pub async fn notices(
    State(state): State<AppState>,
    credentials: Credentials,
    Query(params): Query<NoticesParams>,
) -> Result<Json<views::Notices>, ApiError> {
    let day = day_or_today(params.as_of.as_deref(), "as_of")?;
    blocking(move || {
        let mut context = Context::open(&state, &credentials)?;
        let organisation =
            params.organisation.unwrap_or_else(|| context.caller.principal.organisation.clone());
        crate::limits::check_id("an organisation id", &organisation)?;
        let resource = Resource::Notices { organisation: organisation.clone() };
        context.require(Action::ReadNotices, &resource)?;
        Ok(Json(muster_service::records::notices(context.store(), &organisation, day)?))
    })
    .await
}
