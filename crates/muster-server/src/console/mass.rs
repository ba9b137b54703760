//! The acts on many people, as HR systems do mass changes: from a list's
//! page (call-up, redeployment, postings abroad) or a roster's (the
//! carry-out of a cycle), "Preview" shows each person's outcome with the
//! counts and the refused with their reasons; "Carry out" asks to confirm
//! with the count, then runs the act in the background while the page
//! shows how far it has come (htmx polls it; without JavaScript the page
//! refreshes itself); the result page has the outcome per person, its CSV,
//! and "Reverse" for a caller who may.

use std::collections::BTreeMap;
use std::sync::Arc;

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Form, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::NaiveDate;
use muster_access::{Action, Resource};
use muster_service::acts::mass::MassAct;
use muster_service::views;
use serde::Deserialize;

use super::{PAGE, Viewer, respond};
use crate::context::{MassRequest, mass_as};
use crate::error::ApiError;
use crate::extract::{Path, Query};
use crate::jobs::{Ended, Job};
use crate::state::AppState;

/// The form of a mass act: which act, on what, its fields as the command's
/// flags, and the step (`preview`, or `carry-out` once confirmed).
#[derive(Clone, Debug, Default, Deserialize)]
pub struct MassForm {
    csrf: String,
    act: String,
    #[serde(default)]
    list: String,
    #[serde(default)]
    cycle: String,
    #[serde(default)]
    unit: String,
    #[serde(default)]
    term_months: String,
    #[serde(default)]
    site: String,
    #[serde(default)]
    campaign: String,
    #[serde(default)]
    until: String,
    #[serde(default)]
    country: String,
    #[serde(default)]
    limit: String,
    #[serde(default)]
    as_of: String,
    #[serde(default)]
    key: String,
    #[serde(default)]
    confirm: String,
    #[serde(default)]
    count: String,
    #[serde(default)]
    step: String,
}

fn given(text: &str) -> Option<String> {
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_string())
}

impl MassForm {
    /// The act the form asks for.
    fn act(&self) -> Result<MassAct, ApiError> {
        let list = self.list.trim().to_string();
        Ok(match self.act.as_str() {
            "call-up" => MassAct::CallUp {
                list,
                unit: self.unit.trim().to_string(),
                term_months: self.term_months.trim().to_string(),
            },
            "redeploy" => MassAct::Redeploy {
                list,
                site: self.site.trim().to_string(),
                campaign: given(&self.campaign),
                unit: given(&self.unit),
                until: given(&self.until),
            },
            "list-post" => MassAct::Post {
                list,
                country: self.country.trim().to_string(),
                limit: match given(&self.limit) {
                    None => None,
                    Some(text) => match text.parse::<usize>() {
                        Ok(limit) if limit > 0 => Some(limit),
                        _ => {
                            return Err(ApiError::new(
                                StatusCode::UNPROCESSABLE_ENTITY,
                                format!("limit: `{text}` is not a number of at least 1"),
                            ));
                        }
                    },
                },
            },
            "carry-out" => {
                let cycle = self.cycle.trim();
                muster_service::reports::cycle(cycle)?;
                MassAct::CarryOut { cycle: cycle.to_string() }
            }
            other => return Err(ApiError::bad_request(format!("no act `{other}` on many people"))),
        })
    }

    /// The fields a confirmation carries on, as they were previewed.
    fn fields(&self) -> Vec<(&'static str, String)> {
        [
            ("act", &self.act),
            ("list", &self.list),
            ("cycle", &self.cycle),
            ("unit", &self.unit),
            ("term_months", &self.term_months),
            ("site", &self.site),
            ("campaign", &self.campaign),
            ("until", &self.until),
            ("country", &self.country),
            ("limit", &self.limit),
            ("as_of", &self.as_of),
        ]
        .into_iter()
        .filter(|(_, value)| !value.trim().is_empty())
        .map(|(name, value)| (name, value.trim().to_string()))
        .collect()
    }

    /// Where the act comes from, to go back to.
    fn back(&self) -> String {
        match self.act.as_str() {
            "carry-out" => format!("/discharge?cycle={}", self.cycle.trim()),
            _ => format!("/lists/{}", self.list.trim()),
        }
    }
}

/// What an act does, in words: "the call-up of list L".
fn title(act: &MassAct) -> String {
    match act {
        MassAct::CarryOut { cycle } => format!("the carry-out of the discharges of {cycle}"),
        other => format!("the {} of list {}", other.kind(), other.list().unwrap_or_default()),
    }
}

/// A refused person as a page shows him.
pub struct RefusedRow {
    person: String,
    status: String,
    reasons: String,
    papers: String,
}

fn refused_rows(done: &views::MassDone) -> Vec<RefusedRow> {
    done.refused
        .iter()
        .take(PAGE)
        .map(|refused| RefusedRow {
            person: refused.person.clone(),
            status: refused.status.clone(),
            reasons: muster_service::acts::mass::reasons_text(refused),
            papers: refused.papers.join(", "),
        })
        .collect()
}

/// The refused counted by their status.
fn by_status(done: &views::MassDone) -> Vec<(String, usize)> {
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for refused in &done.refused {
        *counts.entry(refused.status.clone()).or_default() += 1;
    }
    counts.into_iter().collect()
}

#[derive(Template, WebTemplate)]
#[template(path = "mass_preview.html")]
struct PreviewPage {
    viewer: Option<Viewer>,
    title: String,
    back: String,
    day: NaiveDate,
    done: views::MassDone,
    /// The first persons it would act on.
    shown: Vec<String>,
    refused: Vec<RefusedRow>,
    by_status: Vec<(String, usize)>,
    /// The fields the confirmation carries on.
    fields: Vec<(&'static str, String)>,
    /// The key of the act: a second "Carry out" of this preview is the
    /// same act.
    key: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "mass_job.html")]
struct JobPage {
    viewer: Option<Viewer>,
    job: JobView,
}

#[derive(Template, WebTemplate)]
#[template(path = "mass_progress.html")]
struct ProgressFragment {
    job: JobView,
}

/// How far a job has come, as its page shows it.
struct JobView {
    id: String,
    title: String,
    step: String,
    done: usize,
    of: usize,
}

impl JobView {
    fn of(job: &Job) -> JobView {
        let (step, done, of) = job.stage();
        JobView { id: job.id.clone(), title: job.title.clone(), step, done, of }
    }
}

/// Previews a mass act, or (confirmed) starts it in the background.
pub async fn mass(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    Form(form): Form<MassForm>,
) -> Response {
    let htmx = headers.contains_key("hx-request");
    respond(viewer, move |viewer| {
        viewer.require_token(&form.csrf)?;
        let day = crate::params::day_or_today(given(&form.as_of).as_deref(), "as_of")?;
        let act = form.act()?;
        crate::context::check_mass(&act)?;
        match form.step.as_str() {
            "preview" => {
                let request = MassRequest { act, day, preview: true, key: None };
                let budget = crate::context::request_budget();
                let done = mass_as(&state, &viewer.caller, &request, &budget, None)?;
                let title = title(&request.act);
                Ok(PreviewPage {
                    viewer: Some(viewer),
                    title,
                    back: form.back(),
                    day: done.as_of,
                    shown: done.done.iter().take(PAGE).cloned().collect(),
                    refused: refused_rows(&done),
                    by_status: by_status(&done),
                    fields: form.fields(),
                    key: muster_access::generate_token(),
                    done,
                }
                .into_response())
            }
            "carry-out" => {
                if form.confirm != "yes" {
                    return Err(ApiError::new(
                        StatusCode::UNPROCESSABLE_ENTITY,
                        "confirm: tick the box that confirms the act".to_string(),
                    ));
                }
                let key = given(&form.key).ok_or_else(|| {
                    ApiError::new(
                        StatusCode::UNPROCESSABLE_ENTITY,
                        "key: a confirmation carries its preview's key".to_string(),
                    )
                })?;
                let count = form.count.trim().parse().unwrap_or(0);
                let title = title(&act);
                let request = MassRequest { act, day, preview: false, key: Some(key) };
                let job = start(&state, &viewer, request, title, count)?;
                let view = JobView::of(&job);
                if htmx {
                    Ok(ProgressFragment { job: view }.into_response())
                } else {
                    Ok(Redirect::to(&format!("/mass/{}", job.id)).into_response())
                }
            }
            other => Err(ApiError::bad_request(format!("no step `{other}` of a mass act"))),
        }
    })
    .await
}

/// Runs a confirmed act in the background, as the viewer.
fn start(
    state: &AppState,
    viewer: &Viewer,
    request: MassRequest,
    title: String,
    count: usize,
) -> Result<Arc<Job>, ApiError> {
    let job = state.jobs().start(&viewer.name, title, count).ok_or_else(|| {
        ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "two of your acts on many people are running: wait for one to end".to_string(),
        )
    })?;
    let runner = Arc::clone(&job);
    let state = state.clone();
    let caller = viewer.caller.clone();
    tokio::task::spawn_blocking(move || {
        let budget = crate::context::job_budget();
        let progress = |step: &str, done: usize, of: usize| runner.advance(step, done, of);
        let ended = match mass_as(&state, &caller, &request, &budget, Some(&progress)) {
            Ok(done) => match done.act {
                Some(act) => Ended::Done(act),
                None => Ended::Failed {
                    status: 500,
                    message: "the act answered without an act".to_string(),
                },
            },
            Err(error) => Ended::Failed { status: error.status.as_u16(), message: error.message },
        };
        runner.end(ended);
    });
    Ok(job)
}

#[derive(Deserialize)]
pub struct JobQuery {
    fragment: Option<String>,
}

/// How far a job of the viewer's has come: its page (or, for htmx, the
/// progress bar alone); once it has ended, its result.
pub async fn job(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Query(query): Query<JobQuery>,
) -> Response {
    let fragment = query.fragment.is_some();
    respond(viewer, move |viewer| {
        let job = state.jobs().of(&id, &viewer.name).ok_or_else(|| {
            ApiError::new(StatusCode::NOT_FOUND, "no such act running of yours".to_string())
        })?;
        match job.ended() {
            Some(Ended::Done(act)) => {
                let to = format!("/acts/{act}/result");
                if fragment {
                    Ok(([("HX-Redirect", to)], StatusCode::OK).into_response())
                } else {
                    Ok(Redirect::to(&to).into_response())
                }
            }
            Some(Ended::Failed { status, message }) => {
                if fragment {
                    return Ok(
                        ([("HX-Redirect", format!("/mass/{id}"))], StatusCode::OK).into_response()
                    );
                }
                let status = StatusCode::from_u16(status).unwrap_or(StatusCode::CONFLICT);
                Err(ApiError::new(status, format!("{} was not done: {message}", job.title)))
            }
            None if fragment => Ok(ProgressFragment { job: JobView::of(&job) }.into_response()),
            None => Ok(JobPage { viewer: Some(viewer), job: JobView::of(&job) }.into_response()),
        }
    })
    .await
}

#[derive(Template, WebTemplate)]
#[template(path = "mass_result.html")]
struct ResultPage {
    viewer: Option<Viewer>,
    title: String,
    done: views::MassDone,
    act: i64,
    shown: Vec<String>,
    refused: Vec<RefusedRow>,
    by_status: Vec<(String, usize)>,
    may_reverse: bool,
    /// The viewer may open the act's page with every row it wrote.
    may_read_acts: bool,
    reversed_by: Option<i64>,
}

/// The outcome of a mass act recorded, person by person.
pub async fn result(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(act): Path<i64>,
) -> Response {
    outcome(state, viewer, act, false).await
}

/// The outcome of a mass act recorded, all of it as CSV.
pub async fn result_csv(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(act): Path<i64>,
) -> Response {
    outcome(state, viewer, act, true).await
}

async fn outcome(state: AppState, viewer: Viewer, act: i64, csv: bool) -> Response {
    respond(viewer, move |viewer| {
        let mut context = viewer.context(&state)?;
        let may_read_acts = context.may(Action::ReadActs, &Resource::Store);
        let Some(kind) = context.store().act(act)?.map(|stored| stored.act.kind) else {
            context.require(Action::ReadActs, &Resource::Store)?;
            return Err(ApiError::new(
                StatusCode::NOT_FOUND,
                format!("no act {act} has been recorded"),
            ));
        };
        if !muster_service::acts::mass::KINDS.contains(&kind.as_str()) {
            context.require(Action::ReadActs, &Resource::Store)?;
            return Ok(Redirect::to(&format!("/acts/{act}")).into_response());
        }
        let done = muster_service::acts::mass::answer_of(context.store(), act)?;
        // The outcome of an act from a list is what the list shows of its
        // entries: whoever may read the list (its owner, say) may read it;
        // that of a carry-out, whoever may read the roster.
        if !may_read_acts {
            match &done.list {
                Some(list) => context.require_list(Action::ReadList, list)?,
                None => context.require(Action::ReadRoster, &Resource::Store)?,
            }
        }
        let shown = muster_service::acts::show(context.store(), act)?;
        if csv {
            let mut text = Vec::new();
            muster_service::acts::mass::write_csv(&mut text, &done).map_err(|error| {
                ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, error.to_string())
            })?;
            let disposition = format!("attachment; filename=\"act-{act}.csv\"");
            return Ok((
                [
                    (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
                    (header::CONTENT_DISPOSITION, disposition),
                ],
                text,
            )
                .into_response());
        }
        let may_reverse = super::acts::may_reverse(&context, &shown)?;
        let title = match (&done.list, &done.cycle) {
            (Some(list), _) => format!("the {} of list {list}", done.kind),
            (None, Some(cycle)) => format!("the carry-out of the discharges of {cycle}"),
            (None, None) => done.kind.clone(),
        };
        Ok(ResultPage {
            viewer: Some(viewer),
            title,
            act,
            shown: done.done.iter().take(PAGE).cloned().collect(),
            refused: refused_rows(&done),
            by_status: by_status(&done),
            may_reverse,
            may_read_acts,
            reversed_by: shown.reversed_by.map(|reversed| reversed.act),
            done,
        }
        .into_response())
    })
    .await
}
