//! The web console: server-rendered pages (askama templates) on the same
//! sessions, policies and service as the API, one module per page as the
//! API has one per subject. Pages work without JavaScript; htmx (vendored,
//! served from `/static`) only makes some parts update in place. A page a
//! role may not see is a 403 page, and the refusal is on the audit log, as
//! in the API. Pages ask the service, never the API's handlers.
//!
//! - `session.rs`: log in and out.
//! - `dashboard.rs`: orders in force, lists, the next cycle, notices.
//! - `lists.rs`: the lists, one list with its entries, and its changes.
//! - `people.rs`: a person's record, history, and why.
//! - `orders.rs`: the orders, one order, the draft editor.
//! - `reports.rs`: the discharge roster, strength, evidence.
//! - `acts.rs`: the acts recorded, one act with its rows, its reversal.
//! - `mass.rs`: the acts on many people: preview, confirm, progress,
//!   result (and its CSV).
//! - `exemptions.rs`: the register of papers, a paper with its history
//!   and notes, the anomaly report with its rate charts.
//! - `audit.rs`: the audit log and its verdict.

mod acts;
mod audit;
mod dashboard;
mod exemptions;
mod lists;
mod mass;
mod orders;
mod people;
mod reports;
mod session;

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use chrono::NaiveDate;
use muster_access::{Action, Resource};
use serde::Deserialize;

use crate::auth::{Caller, SESSION_COOKIE, cookie, session_caller};
use crate::context::{Context, blocking};
use crate::error::ApiError;
use crate::state::AppState;

/// htmx, vendored: nothing is loaded from elsewhere.
const HTMX: &str = include_str!("../../static/htmx-2.0.11.min.js");
const CSS: &str = include_str!("../../static/console.css");
const ICON: &str = include_str!("../../static/favicon.svg");
const SCRIPT: &str = include_str!("../../static/console.js");

/// The console's routes.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/", get(dashboard::page))
        .route("/login", get(session::login_page).post(session::login))
        .route("/logout", post(session::logout))
        .route("/lists", get(lists::lists))
        .route("/lists/{id}", get(lists::list))
        .route("/lists/{id}/add", post(lists::add))
        .route("/lists/{id}/remove", post(lists::remove))
        .route("/lists/{id}/recheck", post(lists::recheck))
        .route("/people/{id}", get(people::person))
        .route("/people/{id}/acts", post(people::act))
        .route("/acts", get(acts::acts))
        .route("/acts/{act}", get(acts::act).post(acts::reverse))
        .route("/acts/{act}/result", get(mass::result))
        .route("/acts/{act}/result.csv", get(mass::result_csv))
        .route("/mass", post(mass::mass))
        .route("/mass/{job}", get(mass::job))
        .route("/orders", get(orders::orders))
        .route("/orders/draft", get(orders::draft_editor).post(orders::draft_action))
        .route("/orders/{id}", get(orders::order))
        .route("/discharge", get(reports::discharge))
        .route("/strength", get(reports::strength))
        .route("/evidence", get(reports::evidence))
        .route("/exemptions", get(exemptions::register).post(exemptions::issue))
        .route("/exemptions/anomalies", get(exemptions::anomalies))
        .route("/exemptions/{id}", get(exemptions::paper))
        .route("/exemptions/{id}/revoke", post(exemptions::revoke))
        .route("/exemptions/{id}/review", post(exemptions::review))
        .route("/audit", get(audit::audit))
        .route("/audit/checkpoint", get(audit::checkpoint_file).post(audit::check_checkpoint))
        .route("/static/htmx.min.js", get(|| async { asset("text/javascript", HTMX) }))
        .route("/static/console.css", get(|| async { asset("text/css", CSS) }))
        .route("/static/console.js", get(|| async { asset("text/javascript", SCRIPT) }))
        .route("/static/favicon.svg", get(|| async { asset("image/svg+xml", ICON) }))
        .with_state(state)
}

fn asset(content_type: &'static str, body: &'static str) -> Response {
    ([(header::CONTENT_TYPE, content_type), (header::CACHE_CONTROL, "max-age=3600")], body)
        .into_response()
}

/// Who is looking at a page: the logged-in user and his session's CSRF
/// token.
#[derive(Clone, Debug)]
pub struct Viewer {
    pub name: String,
    pub organisation: String,
    pub role: String,
    pub csrf: String,
    /// The pages his role may open: path and title.
    pub nav: Vec<(&'static str, &'static str)>,
    caller: Caller,
}

/// The console's sections, each with the action that opens it.
const SECTIONS: [(&str, &str, Option<Action>); 9] = [
    ("/", "Dashboard", None),
    ("/orders", "Orders", Some(Action::ReadOrders)),
    ("/lists", "Lists", None),
    ("/discharge", "Discharge", Some(Action::ReadRoster)),
    ("/strength", "Strength", Some(Action::ReadStrength)),
    ("/evidence", "Evidence", Some(Action::ReadStats)),
    ("/acts", "Acts", Some(Action::ReadActs)),
    ("/exemptions", "Papers", Some(Action::ReadPapers)),
    ("/audit", "Audit", Some(Action::ReadAudit)),
];

/// A page asked for without a live session: to the login page.
pub struct ToLogin;

impl IntoResponse for ToLogin {
    fn into_response(self) -> Response {
        Redirect::to("/login").into_response()
    }
}

impl FromRequestParts<AppState> for Viewer {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Viewer, Response> {
        let cookie =
            cookie(&parts.headers, SESSION_COOKIE).ok_or_else(|| ToLogin.into_response())?;
        let session = state.session(&cookie).ok_or_else(|| ToLogin.into_response())?;
        let store_state = state.clone();
        let live = session.clone();
        let caller = blocking(move || {
            let state = store_state;
            let store = state.store()?;
            session_caller(&state, &*store, &cookie, &live)
        })
        .await
        .map_err(|_| ToLogin.into_response())?;
        let nav = SECTIONS
            .iter()
            .filter(|(_, _, action)| {
                action.is_none_or(|action| {
                    caller.may(state, action, &Resource::Store)
                        || (action == Action::ReadPapers
                            && caller.may(state, action, &own_papers(&caller)))
                })
            })
            .map(|(path, title, _)| (*path, *title))
            .collect();
        let principal = &caller.principal;
        Ok(Viewer {
            nav,
            name: principal.name.clone(),
            organisation: principal.organisation.clone(),
            role: principal.role.to_string(),
            csrf: session.csrf,
            caller,
        })
    }
}

/// A paper of one of the caller's own people, issued by his organisation:
/// whether he may read the papers of some people, not the whole register.
fn own_papers(caller: &Caller) -> Resource {
    let organisation = caller.principal.organisation.clone();
    Resource::Paper {
        id: String::new(),
        administrations: vec![organisation.clone()],
        issuer: organisation,
    }
}

impl Viewer {
    /// The context of a page of his: a store, and the army as of the last
    /// act.
    fn context(&self, state: &AppState) -> Result<Context, ApiError> {
        Context::of(state, self.caller.clone())
    }

    /// Requires the form of a change to carry his session's token.
    fn require_token(&self, sent: &str) -> Result<(), ApiError> {
        if sent != self.csrf {
            return Err(ApiError::forbidden("the form does not carry this session's token"));
        }
        Ok(())
    }
}

/// A page that could not be shown: its status, and why.
#[derive(Template, WebTemplate)]
#[template(path = "problem.html")]
struct ProblemPage {
    viewer: Option<Viewer>,
    heading: String,
    message: String,
}

/// Does a page's work on a blocking thread: its page, or the page of the
/// error that stopped it.
async fn respond<T: IntoResponse + Send + 'static>(
    viewer: Viewer,
    work: impl FnOnce(Viewer) -> Result<T, ApiError> + Send + 'static,
) -> Response {
    let shown = viewer.clone();
    match blocking(move || work(viewer)).await {
        Ok(page) => page.into_response(),
        Err(error) => problem(Some(shown), error),
    }
}

/// An API error shown as a page.
fn problem(viewer: Option<Viewer>, error: ApiError) -> Response {
    let heading = match error.status {
        StatusCode::FORBIDDEN => "Not yours to see".to_string(),
        StatusCode::NOT_FOUND => "Not found".to_string(),
        status => status.canonical_reason().unwrap_or("Error").to_string(),
    };
    let page = ProblemPage { viewer, heading, message: error.message };
    (error.status, page).into_response()
}

/// What most pages are asked: the day, a status to filter by, and a note
/// of what the last change did, shown once.
#[derive(Deserialize)]
struct PageQuery {
    as_of: Option<String>,
    status: Option<String>,
    note: Option<String>,
}

impl PageQuery {
    fn day(&self) -> Result<NaiveDate, ApiError> {
        crate::params::day_or_today(self.as_of.as_deref(), "as_of")
    }
}

/// The day a form gives (its `as_of`), today when left blank.
fn form_day(text: &str) -> Result<NaiveDate, ApiError> {
    crate::params::day_or_today(Some(text).filter(|text| !text.is_empty()), "as_of")
}

/// The most rows a page shows (the CSV export has them all).
const PAGE: usize = 500;

/// A form that changes something: it carries the session's CSRF token.
#[derive(Deserialize)]
struct Csrf {
    csrf: String,
}

/// The page of a render error.
fn render_error(error: askama::Error) -> ApiError {
    ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, error.to_string())
}
