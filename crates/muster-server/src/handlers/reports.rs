//! What is computed from the records and orders: rosters, strength,
//! stats, explanations, notices.

use crate::extract::{Path, Query};
use axum::Json;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use muster_access::{Action, Resource};
use muster_cel::Budget;
use muster_core::{Cycle, Role};
use muster_service::ServiceError;
use muster_service::explain::Subject;
use muster_service::strength::StrengthQuery;
use muster_store::Store;
use serde::Deserialize;
use serde_json::{Value, json};
use utoipa::IntoParams;

use super::records::person_resource;
use super::{AsOf, blocking, day_or_today, parse_day, parse_month};
use crate::auth::{Caller, Credentials};
use crate::error::{ApiError, ErrorBody};
use crate::state::{AppState, Snapshot};

/// The discharge roster of a cycle (the shape of `muster discharge roster
/// --format json`); a unit administration sees only its own people.
#[utoipa::path(
    get,
    path = "/api/v1/discharge/rosters/{cycle}",
    params(("cycle" = String, Path, description = "`YYYY-spring` or `YYYY-autumn`"), AsOf),
    responses(
        (status = 200, description = "The roster"),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)
    ),
    security(("token" = []))
)]
pub async fn roster(
    State(state): State<AppState>,
    credentials: Credentials,
    Path(cycle): Path<String>,
    Query(as_of): Query<AsOf>,
) -> Result<Json<Value>, ApiError> {
    let day = as_of.day()?;
    let cycle: Cycle = cycle.parse().map_err(|error| ApiError::bad_request(format!("{error}")))?;
    blocking(move || {
        let mut store = state.store()?;
        let caller = credentials.resolve(&state, &store)?;
        caller.require(&state, &mut store, Action::ReadRoster, &Resource::Store)?;
        let snapshot = state.snapshot(&store)?;
        let roster = visible_roster(&state, &caller, &snapshot, cycle, day, &Budget::unlimited())?;
        Ok(Json(json!({
            "cycle": roster.cycle, "date": roster.date, "as_of": day, "entries": roster.entries,
        })))
    })
    .await
}

/// The roster of a cycle cut to the people the caller may read: a unit
/// administration sees its own people only.
pub fn visible_roster(
    state: &AppState,
    caller: &Caller,
    snapshot: &Snapshot,
    cycle: Cycle,
    day: chrono::NaiveDate,
    budget: &Budget,
) -> Result<muster_orders::Roster, ServiceError> {
    let mut roster = snapshot.roster(cycle, day, budget)?;
    roster.entries.retain(|entry| {
        snapshot.world().person(&entry.person).is_some_and(|file| {
            caller.may(state, Action::ReadPerson, &person_resource(snapshot, file, day))
        })
    });
    Ok(roster)
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

struct StrengthAsked {
    site: String,
    from: chrono::NaiveDate,
    to: chrono::NaiveDate,
    without: Vec<String>,
    day: chrono::NaiveDate,
}

impl StrengthParams {
    fn parse(self, site: String) -> Result<StrengthAsked, ApiError> {
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

/// Computes a strength after the policies allow it.
fn compute_strength(
    state: &AppState,
    credentials: &Credentials,
    asked: &StrengthAsked,
) -> Result<Vec<muster_orders::Strength>, ApiError> {
    let mut store = state.store()?;
    let caller = credentials.resolve(state, &store)?;
    caller.require(state, &mut store, Action::ReadStrength, &Resource::Store)?;
    let snapshot = state.snapshot(&store)?;
    let query = StrengthQuery {
        site: &asked.site,
        from: asked.from,
        to: asked.to,
        without: &asked.without,
        with: None,
        day: asked.day,
    };
    Ok(muster_service::strength::strength(&snapshot.loaded, &query)?)
}

/// The strength of a site on the first of each month (the shape of
/// `muster strength --format json`), with orders left out if asked.
#[utoipa::path(
    get,
    path = "/api/v1/sites/{site}/strength",
    params(("site" = String, Path, description = "The site's id"), StrengthParams),
    responses(
        (status = 200, description = "The strength"),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)
    ),
    security(("token" = []))
)]
pub async fn strength(
    State(state): State<AppState>,
    credentials: Credentials,
    Path(site): Path<String>,
    Query(params): Query<StrengthParams>,
) -> Result<Json<Value>, ApiError> {
    let asked = params.parse(site)?;
    blocking(move || {
        let counts = compute_strength(&state, &credentials, &asked)?;
        let mut value = muster_service::strength::strength_json(&asked.site, &counts);
        value["as_of"] = json!(asked.day);
        Ok(Json(value))
    })
    .await
}

/// The strength of a site as an SVG chart.
#[utoipa::path(
    get,
    path = "/api/v1/sites/{site}/strength.svg",
    params(("site" = String, Path, description = "The site's id"), StrengthParams),
    responses(
        (status = 200, description = "The chart", content_type = "image/svg+xml"),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)
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
        let counts = compute_strength(&state, &credentials, &asked)?;
        let query = StrengthQuery {
            site: &asked.site,
            from: asked.from,
            to: asked.to,
            without: &asked.without,
            with: None,
            day: asked.day,
        };
        let svg =
            muster_service::chart::strength_svg(&muster_service::strength::title(&query), &counts)?;
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
    /// Only the people a condition on `person` selects.
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
        (status = 200, description = "The rates"),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody)
    ),
    security(("token" = []))
)]
pub async fn stats(
    State(state): State<AppState>,
    credentials: Credentials,
    Query(params): Query<StatsParams>,
) -> Result<Json<Value>, ApiError> {
    let day = day_or_today(params.as_of.as_deref(), "as_of")?;
    let from = params.from.as_deref().map(|text| parse_day(text, "from")).transpose()?;
    let to = params.to.as_deref().map(|text| parse_day(text, "to")).transpose()?;
    blocking(move || {
        let mut store = state.store()?;
        let caller = credentials.resolve(&state, &store)?;
        caller.require(&state, &mut store, Action::ReadStats, &Resource::Store)?;
        let snapshot = state.snapshot(&store)?;
        let query = muster_service::stats::StatsQuery {
            event: &params.event,
            by: &params.by,
            from,
            to,
            condition: params.condition.as_deref(),
            day,
        };
        let mut stats = muster_service::stats::stats(&snapshot.loaded, &query)?;
        if caller.principal.role == Role::Analyst {
            stats = stats.suppress_below(muster_service::stats::MINIMUM_COHORT);
        }
        Ok(Json(stats.to_json()))
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
        (status = 200, description = "The explanation"),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)
    ),
    security(("token" = []))
)]
pub async fn explain(
    State(state): State<AppState>,
    credentials: Credentials,
    Path(id): Path<String>,
    Query(params): Query<ExplainParams>,
) -> Result<Json<Value>, ApiError> {
    let day = day_or_today(params.as_of.as_deref(), "as_of")?;
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
        let mut store = state.store()?;
        let caller = credentials.resolve(&state, &store)?;
        let snapshot = state.snapshot(&store)?;
        let Some(file) = snapshot.world().person(&id) else {
            return Err(ApiError::not_found(format!("no person `{id}`")));
        };
        caller.require(
            &state,
            &mut store,
            Action::Explain,
            &person_resource(&snapshot, file, day),
        )?;
        let explanation =
            muster_service::explain::explain(&store, &snapshot.loaded, &id, subject, day)?;
        Ok(Json(explanation.to_json()))
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
        (status = 200, description = "The notices"),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)
    ),
    security(("token" = []))
)]
pub async fn notices(
    State(state): State<AppState>,
    credentials: Credentials,
    Query(params): Query<NoticesParams>,
) -> Result<Json<Value>, ApiError> {
    let day = day_or_today(params.as_of.as_deref(), "as_of")?;
    blocking(move || {
        let mut store = state.store()?;
        let caller = credentials.resolve(&state, &store)?;
        let organisation =
            params.organisation.unwrap_or_else(|| caller.principal.organisation.clone());
        let resource = Resource::Notices { organisation: organisation.clone() };
        caller.require(&state, &mut store, Action::ReadNotices, &resource)?;
        if !muster_service::organisation_exists(&store, &organisation)? {
            return Err(ApiError::not_found(format!("unknown organisation `{organisation}`")));
        }
        let notices: Vec<Value> = store
            .notices(&organisation)?
            .into_iter()
            .filter(|notice| notice.act.valid_on <= day)
            .map(|notice| {
                json!({
                    "on": notice.act.valid_on,
                    "order": notice.order,
                    "list": notice.list,
                    "message": notice.message,
                })
            })
            .collect();
        Ok(Json(json!({"organisation": organisation, "as_of": day, "notices": notices})))
    })
    .await
}
