//! The register of exemption papers (`spec/exemptions.md`): the papers the
//! viewer may read, filtered, with a form to enter one; a paper's page with
//! its history, its revocation and the auditors' notes, and the forms to
//! revoke it or add a note; the anomaly report with a chart of each
//! issuer's papers beside what its peers' rate predicts. The reading, the
//! policies and the acts are the API's (`handlers::exemptions`); a refused
//! act is shown in place, on the page as it stands.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Form, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use muster_access::{Action, Resource};
use muster_service::exemptions::{Finding, IssuerRate, NewPaper, PaperDetail, PaperView};
use serde::Deserialize;

use super::{PAGE, Viewer, respond};
use crate::context::Context;
use crate::error::ApiError;
use crate::extract::{Path, Query};
use crate::limits;
use crate::papers::{
    AnomalyParams, OnPaper, RegisterParams, issue_as, on_paper_as, readable_paper, readable_papers,
    report,
};
use crate::state::AppState;

/// The grounds a paper may rest on, as the form offers them.
const GROUNDS: [&str; 5] = ["medical", "family", "education", "technical", "other"];

#[derive(Template, WebTemplate)]
#[template(path = "papers.html")]
struct RegisterPage {
    viewer: Option<Viewer>,
    person: String,
    issuer: String,
    scope: String,
    grounds: String,
    document: String,
    papers: Vec<PaperView>,
    /// The query of the next page, when there is one.
    next: Option<String>,
    /// Whether the viewer may enter papers (of some people).
    may_issue: bool,
    /// Whether the viewer may read the anomaly report.
    may_report: bool,
    grounds_words: [&'static str; 5],
    day: String,
    /// What the last paper entered did, shown once.
    note: Option<String>,
    /// A paper refused: why, and the form as it was sent.
    problem: Option<String>,
    form: IssueForm,
}

/// The form that enters a paper.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct IssueForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    document: String,
    #[serde(default)]
    person: String,
    #[serde(default)]
    scope: String,
    #[serde(default)]
    grounds: String,
    #[serde(default)]
    text: String,
    #[serde(default)]
    issuer: String,
    #[serde(default)]
    official: String,
    #[serde(default)]
    issued_on: String,
    #[serde(default)]
    valid_until: String,
    #[serde(default)]
    as_of: String,
}

impl IssueForm {
    /// The paper, its fields bounded as the API bounds them.
    fn paper(&self) -> Result<NewPaper, ApiError> {
        let text = |value: &str| value.trim().to_string();
        crate::papers::bounded(NewPaper {
            document: text(&self.document),
            person: text(&self.person),
            scope: text(&self.scope),
            grounds: text(&self.grounds),
            text: text(&self.text),
            issuer: text(&self.issuer),
            official: text(&self.official),
            issued_on: text(&self.issued_on),
            valid_from: None,
            valid_until: Some(text(&self.valid_until)),
        })
    }
}

/// Whether the viewer may enter papers: on any person, or on the people of
/// his own administration.
fn may_issue(context: &Context, viewer: &Viewer) -> bool {
    context.may(Action::IssuePaper, &Resource::Store)
        || context.may(Action::IssuePaper, &super::own_papers(&viewer.caller))
}

fn register_page(
    state: &AppState,
    viewer: Viewer,
    params: &RegisterParams,
    (note, problem): (Option<String>, Option<String>),
    form: IssueForm,
) -> Result<RegisterPage, ApiError> {
    let today = chrono::Local::now().date_naive();
    let context = viewer.context(state)?;
    let offset = params.offset.unwrap_or(0);
    let asked = RegisterParams { limit: Some(PAGE + 1), offset: Some(offset), ..params.clone() };
    let mut papers = readable_papers(&context, &asked, today)?.papers;
    let next = (papers.len() > PAGE).then(|| {
        papers.truncate(PAGE);
        super::lists::url_query(&[
            ("person", params.person.clone().unwrap_or_default()),
            ("issuer", params.issuer.clone().unwrap_or_default()),
            ("scope", params.scope.clone().unwrap_or_default()),
            ("grounds", params.grounds.clone().unwrap_or_default()),
            ("document", params.document.clone().unwrap_or_default()),
            ("offset", (offset + PAGE).to_string()),
        ])
    });
    let text = |value: &Option<String>| value.clone().unwrap_or_default();
    Ok(RegisterPage {
        may_issue: may_issue(&context, &viewer),
        may_report: context.may(Action::ReadPapers, &Resource::Store),
        person: text(&params.person),
        issuer: text(&params.issuer),
        scope: text(&params.scope),
        grounds: text(&params.grounds),
        document: text(&params.document),
        papers,
        next,
        grounds_words: GROUNDS,
        day: today.to_string(),
        note: note.filter(|note| !note.is_empty()),
        problem,
        form,
        viewer: Some(viewer),
    })
}

/// The register, filtered.
pub async fn register(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(params): Query<RegisterParams>,
    Query(query): Query<NoteQuery>,
) -> Response {
    respond(viewer, move |viewer| {
        if let Some(note) = &query.note {
            limits::check_chars("note", note, limits::MAX_REASON)?;
        }
        register_page(&state, viewer, &params, (query.note, None), IssueForm::default())
    })
    .await
}

/// Enters a paper from the register's form, then shows its page (or, to
/// one who may enter papers but not read them, the register with a note
/// of what was entered); a paper refused (a limit broken, not the viewer's
/// to enter) is shown in place.
pub async fn issue(
    State(state): State<AppState>,
    viewer: Viewer,
    Form(form): Form<IssueForm>,
) -> Response {
    respond(viewer, move |viewer| {
        viewer.require_token(&form.csrf)?;
        let entered = form.paper().and_then(|paper| {
            let day = super::form_day(form.as_of.trim())?;
            issue_as(&state, &viewer.caller, &paper, day)
        });
        match entered {
            Ok(done) => {
                let Some(paper) = done.papers.first() else {
                    return Err(ApiError::new(
                        StatusCode::INTERNAL_SERVER_ERROR,
                        format!("act {} entered no paper", done.act),
                    ));
                };
                let context = viewer.context(&state)?;
                let today = chrono::Local::now().date_naive();
                let resource =
                    context.paper_resource(&paper.id, &paper.person, &paper.issuer, today);
                let note = format!("{} entered by act {}", paper.id, done.act);
                let query = super::lists::url_query(&[("note", note)]);
                if context.may(Action::ReadPapers, &resource) {
                    Ok(Redirect::to(&format!("/exemptions/{}?{query}", paper.id)).into_response())
                } else {
                    Ok(Redirect::to(&format!("/exemptions?{query}")).into_response())
                }
            }
            Err(error) => {
                let status = error.status;
                let message = refusal(&error);
                let page = register_page(
                    &state,
                    viewer,
                    &RegisterParams::default(),
                    (None, Some(message)),
                    form,
                )?;
                Ok((status, page).into_response())
            }
        }
    })
    .await
}

/// What a refusal says, with the limits it names.
fn refusal(error: &ApiError) -> String {
    let breaches: Vec<String> = error
        .details
        .as_ref()
        .and_then(|details| details.get("breaches"))
        .and_then(|breaches| breaches.as_array())
        .map(|breaches| {
            breaches
                .iter()
                .filter_map(|breach| breach.get("message").and_then(|text| text.as_str()))
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    if breaches.is_empty() || breaches.iter().all(|breach| error.message.contains(breach)) {
        error.message.clone()
    } else {
        format!("{}: {}", error.message, breaches.join("; "))
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "paper.html")]
struct PaperPage {
    viewer: Option<Viewer>,
    detail: PaperDetail,
    may_revoke: bool,
    may_review: bool,
    day: String,
    note: Option<String>,
    problem: Option<String>,
}

#[derive(Deserialize)]
pub struct NoteQuery {
    note: Option<String>,
}

fn paper_page(
    state: &AppState,
    viewer: Viewer,
    id: &str,
    note: Option<String>,
    problem: Option<String>,
) -> Result<PaperPage, ApiError> {
    let today = chrono::Local::now().date_naive();
    let mut context = viewer.context(state)?;
    let detail = readable_paper(&mut context, id)?;
    let paper = &detail.paper;
    let resource = context.paper_resource(&paper.id, &paper.person, &paper.issuer, today);
    Ok(PaperPage {
        may_revoke: paper.revoked.is_none() && context.may(Action::RevokePaper, &resource),
        may_review: context.may(Action::ReviewPaper, &resource),
        day: today.to_string(),
        note: note.filter(|note| !note.is_empty()),
        problem,
        detail,
        viewer: Some(viewer),
    })
}

/// A paper's page.
pub async fn paper(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Query(query): Query<NoteQuery>,
) -> Response {
    respond(viewer, move |viewer| {
        if let Some(note) = &query.note {
            limits::check_chars("note", note, limits::MAX_REASON)?;
        }
        paper_page(&state, viewer, &id, query.note, None)
    })
    .await
}

/// The form of a revocation or a note: its text and day.
#[derive(Deserialize)]
pub struct PaperForm {
    csrf: String,
    #[serde(default)]
    text: String,
    #[serde(default)]
    as_of: String,
}

/// Revokes a paper from its page.
pub async fn revoke(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Form(form): Form<PaperForm>,
) -> Response {
    paper_form(state, viewer, id, form, OnPaper::Revoke).await
}

/// Keeps an auditor's note with a paper, from its page.
pub async fn review(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Form(form): Form<PaperForm>,
) -> Response {
    paper_form(state, viewer, id, form, OnPaper::Review).await
}

async fn paper_form(
    state: AppState,
    viewer: Viewer,
    id: String,
    form: PaperForm,
    what: OnPaper,
) -> Response {
    respond(viewer, move |viewer| {
        viewer.require_token(&form.csrf)?;
        limits::check_id("a paper id", &id)?;
        let text = form.text.trim();
        let done = super::form_day(form.as_of.trim())
            .and_then(|day| on_paper_as(&state, &viewer.caller, what, &id, text, day));
        match done {
            Ok(done) => {
                let done_what = if what == OnPaper::Revoke { "revoked" } else { "noted" };
                let note = format!("{done_what} by act {}", done.act);
                let query = super::lists::url_query(&[("note", note)]);
                Ok(Redirect::to(&format!("/exemptions/{id}?{query}")).into_response())
            }
            Err(error) if error.status == StatusCode::FORBIDDEN => Err(error),
            Err(error) => {
                let status = error.status;
                let page = paper_page(&state, viewer, &id, None, Some(refusal(&error)))?;
                Ok((status, page).into_response())
            }
        }
    })
    .await
}

#[derive(Template, WebTemplate)]
#[template(path = "anomalies.html")]
struct AnomaliesPage {
    viewer: Option<Viewer>,
    from: String,
    to: String,
    scope: String,
    findings: Vec<Finding>,
    /// Each finding kind with its count.
    counts: Vec<(&'static str, usize)>,
    /// Per scope: its chart, and its issuers' tests, the found first.
    charts: Vec<(String, String)>,
    rates: Vec<IssuerRate>,
}

/// The anomaly report over a window, with the rate charts.
pub async fn anomalies(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(params): Query<AnomalyParams>,
) -> Response {
    respond(viewer, move |viewer| {
        let (from, to, scope) = params.window()?;
        let mut context = viewer.context(&state)?;
        let answer = report(&mut context, &params)?;
        let mut counts: Vec<(&'static str, usize)> = Vec::new();
        for finding in &answer.findings {
            match counts.iter_mut().find(|(kind, _)| *kind == finding.kind) {
                Some((_, count)) => *count += 1,
                None => counts.push((finding.kind, 1)),
            }
        }
        let mut scopes: Vec<&str> = answer.rates.iter().map(|rate| rate.scope.as_str()).collect();
        scopes.dedup();
        let mut charts = Vec::new();
        for scope in scopes {
            let of_scope: Vec<&IssuerRate> =
                answer.rates.iter().filter(|rate| rate.scope == scope).collect();
            let title = format!("{scope} papers by issuer, {from} to {to}");
            charts.push((title.clone(), muster_service::chart::rates_svg(&title, &of_scope)?));
        }
        let mut rates = answer.rates.clone();
        rates.sort_by(|a, b| {
            b.found
                .cmp(&a.found)
                .then(a.q_value.total_cmp(&b.q_value))
                .then(a.issuer.cmp(&b.issuer))
        });
        rates.truncate(PAGE);
        Ok(AnomaliesPage {
            viewer: Some(viewer),
            from: from.to_string(),
            to: to.to_string(),
            scope: scope.unwrap_or_default(),
            findings: answer.findings.into_iter().take(PAGE).collect(),
            counts,
            charts,
            rates,
        })
    })
    .await
}
