//! The web console: server-rendered pages (askama templates) on the same
//! sessions, policies and service as the API. Pages work without
//! JavaScript; htmx (vendored, served from `/static`) only makes some
//! parts update in place. A page a role may not see is a 403 page, and the
//! refusal is on the audit log, as in the API.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Form, FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use chrono::NaiveDate;
use muster_access::{Action, Resource};
use muster_orders::{EntryStatus, RosterStatus};
use muster_store::Store;
use serde::Deserialize;

use crate::auth::{Caller, SESSION_COOKIE, caller_of, cookie};
use crate::error::ApiError;
use crate::extract::{Path, Query};
use crate::handlers::records::person_resource;
use crate::handlers::session::{Login, log_in, session_cookie};
use crate::handlers::{blocking, day_or_today};
use crate::state::{AppState, IDLE_TIMEOUT, Snapshot, SnapshotList};

/// htmx, vendored: nothing is loaded from elsewhere.
const HTMX: &str = include_str!("../static/htmx-2.0.11.min.js");
const CSS: &str = include_str!("../static/console.css");

/// The console's routes.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/", get(dashboard))
        .route("/login", get(login_page).post(login))
        .route("/logout", axum::routing::post(logout))
        .route("/lists", get(lists))
        .route("/lists/{id}", get(list))
        .route("/people/{id}", get(person))
        .route("/static/htmx.min.js", get(|| async { asset("text/javascript", HTMX) }))
        .route("/static/console.css", get(|| async { asset("text/css", CSS) }))
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
    caller: Caller,
}

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
        let session = cookie(&parts.headers, SESSION_COOKIE)
            .and_then(|cookie| state.session(&cookie))
            .ok_or_else(|| ToLogin.into_response())?;
        let state = state.clone();
        let user = session.user.clone();
        let caller = blocking(move || {
            let store = state.store()?;
            let user = store
                .users()?
                .into_iter()
                .find(|stored| stored.name == user && !stored.disabled)
                .ok_or_else(|| ApiError::unauthorized("the user is gone or disabled"))?;
            caller_of(user)
        })
        .await
        .map_err(|_| ToLogin.into_response())?;
        let principal = &caller.principal;
        Ok(Viewer {
            name: principal.name.clone(),
            organisation: principal.organisation.clone(),
            role: principal.role.to_string(),
            csrf: session.csrf,
            caller,
        })
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

#[derive(Template, WebTemplate)]
#[template(path = "login.html")]
struct LoginPage {
    viewer: Option<Viewer>,
    problem: Option<String>,
}

async fn login_page() -> LoginPage {
    LoginPage { viewer: None, problem: None }
}

async fn login(State(state): State<AppState>, Form(login): Form<Login>) -> Response {
    match blocking(move || log_in(&state, &login)).await {
        Ok((_, cookie, _)) => {
            let mut headers = HeaderMap::new();
            if let Ok(value) =
                HeaderValue::from_str(&session_cookie(&cookie, IDLE_TIMEOUT.as_secs()))
            {
                headers.insert(header::SET_COOKIE, value);
            }
            (headers, Redirect::to("/")).into_response()
        }
        Err(error) => {
            (StatusCode::UNAUTHORIZED, LoginPage { viewer: None, problem: Some(error.message) })
                .into_response()
        }
    }
}

/// A form that changes something: it carries the session's CSRF token.
#[derive(Deserialize)]
struct Csrf {
    csrf: String,
}

async fn logout(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    Form(form): Form<Csrf>,
) -> Response {
    if form.csrf != viewer.csrf {
        return problem(
            Some(viewer),
            ApiError::forbidden("the form does not carry this session's token"),
        );
    }
    if let Some(cookie) = cookie(&headers, SESSION_COOKIE) {
        state.end_session(&cookie);
    }
    let mut out = HeaderMap::new();
    if let Ok(value) = HeaderValue::from_str(&session_cookie("", 0)) {
        out.insert(header::SET_COOKIE, value);
    }
    (out, Redirect::to("/login")).into_response()
}

/// The day a page is shown as of.
#[derive(Deserialize)]
struct PageQuery {
    as_of: Option<String>,
    status: Option<String>,
}

/// A list as the dashboard and the lists page show it.
struct ListRow {
    id: String,
    kind: String,
    owner: String,
    entries: usize,
    flagged: usize,
}

fn readable_lists(
    state: &AppState,
    caller: &Caller,
    snapshot: &Snapshot,
    day: NaiveDate,
) -> Vec<ListRow> {
    snapshot
        .lists
        .iter()
        .filter(|list| list.list.created_on <= day)
        .filter(|list| caller.may(state, Action::ReadList, &list_resource(list)))
        .map(|list| {
            let (entries, flagged) = match snapshot.engine() {
                Some(engine) => {
                    let members = engine.list_members(&list.changes, day);
                    let statuses =
                        engine.list_statuses(snapshot.book(), &list.list.kind, &members, day);
                    let active =
                        statuses.entries.iter().filter(|e| e.status != EntryStatus::Removed);
                    let flagged = statuses
                        .entries
                        .iter()
                        .filter(|entry| entry.status == EntryStatus::Flagged)
                        .count();
                    (active.count(), flagged)
                }
                None => {
                    let entries = muster_orders::entries(
                        snapshot.world(),
                        snapshot.book(),
                        &list.list,
                        &list.changes,
                        day,
                    );
                    let active =
                        entries.iter().filter(|entry| entry.status != EntryStatus::Removed).count();
                    let flagged =
                        entries.iter().filter(|entry| entry.status == EntryStatus::Flagged).count();
                    (active, flagged)
                }
            };
            ListRow {
                id: list.list.id.clone(),
                kind: list.list.kind.clone(),
                owner: list.list.owner.clone(),
                entries,
                flagged,
            }
        })
        .collect()
}

fn list_resource(list: &SnapshotList) -> Resource {
    Resource::List {
        id: list.list.id.clone(),
        owner: list.list.owner.clone(),
        kind: list.list.kind.clone(),
    }
}

struct OrderRow {
    id: String,
    issued_by: String,
    title: String,
}

struct CycleCounts {
    cycle: String,
    date: NaiveDate,
    scheduled: usize,
    delayed: usize,
    exempt: usize,
}

#[derive(Template, WebTemplate)]
#[template(path = "dashboard.html")]
struct Dashboard {
    viewer: Option<Viewer>,
    day: NaiveDate,
    orders: Option<Vec<OrderRow>>,
    lists: Vec<ListRow>,
    cycle: Option<CycleCounts>,
    organisation: String,
    notices: Vec<(NaiveDate, String)>,
}

async fn dashboard(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<PageQuery>,
) -> Response {
    let shown = viewer.clone();
    let page = blocking(move || {
        let day = day_or_today(query.as_of.as_deref(), "as_of")?;
        let store = state.store()?;
        let snapshot = state.snapshot(&store)?;
        let caller = &viewer.caller;
        let book = snapshot.book();
        let orders = caller.may(&state, Action::ReadOrders, &Resource::Store).then(|| {
            book.issued_by(day)
                .filter(|issued| book.in_force(issued, day, day))
                .map(|issued| OrderRow {
                    id: issued.order.id.clone(),
                    issued_by: issued.order.issued_by.clone(),
                    title: issued.order.title.clone(),
                })
                .collect()
        });
        let cycle = (caller.may(&state, Action::ReadRoster, &Resource::Store)
            && caller.principal.role != muster_core::Role::UnitAdmin)
            .then(|| {
                let cycle = snapshot.world().calendar.cycle_on_or_after(day);
                let roster = match snapshot.engine() {
                    Some(engine) => engine.roster(book, cycle, day),
                    None => muster_orders::roster(snapshot.world(), book, cycle, day),
                };
                let count = |status: RosterStatus| {
                    roster.entries.iter().filter(|entry| entry.status == status).count()
                };
                CycleCounts {
                    cycle: cycle.to_string(),
                    date: roster.date,
                    scheduled: count(RosterStatus::Scheduled),
                    delayed: count(RosterStatus::Delayed),
                    exempt: count(RosterStatus::Exempt),
                }
            });
        let notices = store
            .notices(&caller.principal.organisation)?
            .into_iter()
            .filter(|notice| notice.act.valid_on <= day)
            .rev()
            .take(20)
            .map(|notice| (notice.act.valid_on, notice.message))
            .collect();
        Ok(Dashboard {
            organisation: caller.principal.organisation.clone(),
            lists: readable_lists(&state, caller, &snapshot, day),
            viewer: Some(viewer),
            day,
            orders,
            cycle,
            notices,
        })
    })
    .await;
    page.map_or_else(|error| problem(Some(shown), error), IntoResponse::into_response)
}

#[derive(Template, WebTemplate)]
#[template(path = "lists.html")]
struct ListsPage {
    viewer: Option<Viewer>,
    day: NaiveDate,
    lists: Vec<ListRow>,
}

async fn lists(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<PageQuery>,
) -> Response {
    let shown = viewer.clone();
    let page = blocking(move || {
        let day = day_or_today(query.as_of.as_deref(), "as_of")?;
        let store = state.store()?;
        let snapshot = state.snapshot(&store)?;
        let lists = readable_lists(&state, &viewer.caller, &snapshot, day);
        Ok(ListsPage { viewer: Some(viewer), day, lists })
    })
    .await;
    page.map_or_else(|error| problem(Some(shown), error), IntoResponse::into_response)
}

struct EntryRow {
    person: String,
    name: String,
    status: &'static str,
    reasons: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "list.html")]
struct ListPage {
    viewer: Option<Viewer>,
    id: String,
    kind: String,
    owner: String,
    day: NaiveDate,
    status: String,
    /// The statuses to filter by, and whether each is chosen.
    options: Vec<(&'static str, bool)>,
    total: usize,
    entries: Vec<EntryRow>,
}

/// The most entries a list page shows (the CSV export has them all).
const PAGE: usize = 500;

async fn list(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Query(query): Query<PageQuery>,
) -> Response {
    let shown = viewer.clone();
    let csv = id.strip_suffix(".csv").map(str::to_string);
    let page = blocking(move || {
        let day = day_or_today(query.as_of.as_deref(), "as_of")?;
        let wanted = match query.status.as_deref().filter(|word| !word.is_empty()) {
            Some(word) => Some(muster_service::lists::entry_status(word)?),
            None => None,
        };
        let id = csv.clone().unwrap_or(id);
        let mut store = state.store()?;
        let snapshot = state.snapshot(&store)?;
        let Some(list) = snapshot.list(&id) else {
            return Err(ApiError::not_found(format!("no list `{id}`")));
        };
        viewer.caller.require(&state, &mut store, Action::ReadList, &list_resource(list))?;
        let world = snapshot.world();
        let mut entries =
            muster_orders::entries(world, snapshot.book(), &list.list, &list.changes, day);
        if let Some(status) = wanted {
            entries.retain(|entry| entry.status == status);
        }
        let name = |person: &str| {
            world.person(person).map(|file| file.person.name.clone()).unwrap_or_default()
        };
        if csv.is_some() {
            let mut text = String::from("person,name,status,nominated_on,reasons\n");
            for entry in &entries {
                let fields = [
                    entry.person.clone(),
                    name(&entry.person),
                    entry.status.as_str().to_string(),
                    entry.nominated_on.to_string(),
                    muster_service::lists::reasons_text(entry),
                ];
                let quoted: Vec<String> = fields
                    .iter()
                    .map(|field| format!("\"{}\"", field.replace('"', "\"\"")))
                    .collect();
                text.push_str(&quoted.join(","));
                text.push('\n');
            }
            let disposition = format!("attachment; filename=\"{id}-{day}.csv\"");
            return Ok((
                [
                    (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
                    (header::CONTENT_DISPOSITION, disposition),
                ],
                text,
            )
                .into_response());
        }
        let total = entries.len();
        let rows = entries
            .iter()
            .take(PAGE)
            .map(|entry| EntryRow {
                person: entry.person.clone(),
                name: name(&entry.person),
                status: entry.status.as_str(),
                reasons: muster_service::lists::reasons_text(entry),
            })
            .collect();
        Ok(ListPage {
            viewer: Some(viewer),
            id: list.list.id.clone(),
            kind: list.list.kind.clone(),
            owner: list.list.owner.clone(),
            day,
            options: ["eligible", "excluded", "flagged", "removed"]
                .into_iter()
                .map(|word| (word, query.status.as_deref() == Some(word)))
                .collect(),
            status: query.status.unwrap_or_default(),
            total,
            entries: rows,
        }
        .into_response())
    })
    .await;
    page.unwrap_or_else(|error| problem(Some(shown), error))
}

struct WhyLine {
    text: String,
    decisive: bool,
    reads: Vec<String>,
}

struct Why {
    subject: String,
    decision: String,
    lines: Vec<WhyLine>,
}

#[derive(Template, WebTemplate)]
#[template(path = "person.html")]
struct PersonPage {
    viewer: Option<Viewer>,
    id: String,
    name: String,
    day: NaiveDate,
    status: String,
    fields: Vec<(String, String)>,
    timeline: Vec<(NaiveDate, String)>,
    whys: Vec<Why>,
}

fn why(explanation: &muster_service::explain::Explanation) -> Why {
    let outcome = |outcome: &Result<bool, String>| match outcome {
        Ok(value) => value.to_string(),
        Err(error) => format!("error ({error})"),
    };
    Why {
        subject: explanation.subject.clone(),
        decision: explanation.decision.clone(),
        lines: explanation
            .lines
            .iter()
            .map(|line| WhyLine {
                text: if line.order.is_empty() {
                    line.note.clone()
                } else {
                    let unless = line
                        .unless
                        .as_ref()
                        .map(|unless| format!(", unless {}", outcome(unless)))
                        .unwrap_or_default();
                    let note = if line.note.is_empty() {
                        String::new()
                    } else {
                        format!(": {}", line.note)
                    };
                    format!(
                        "{} rule {} ({}): when {}{unless}{note}",
                        line.order,
                        line.rule,
                        line.effect,
                        outcome(&line.when)
                    )
                },
                decisive: line.decisive,
                reads: line.reads.iter().map(|(read, value)| format!("{read} = {value}")).collect(),
            })
            .collect(),
    }
}

async fn person(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Query(query): Query<PageQuery>,
) -> Response {
    let shown = viewer.clone();
    let page = blocking(move || {
        let day = day_or_today(query.as_of.as_deref(), "as_of")?;
        let mut store = state.store()?;
        let snapshot = state.snapshot(&store)?;
        let world = snapshot.world();
        let Some(file) = world.person(&id) else {
            return Err(ApiError::not_found(format!("no person `{id}`")));
        };
        let caller = &viewer.caller;
        let resource = person_resource(&snapshot, file, day);
        caller.require(&state, &mut store, Action::ReadPerson, &resource)?;
        let chain = muster_orders::discharge(world, snapshot.book(), file, day);
        let person = &file.person;
        let allowed = muster_access::person_fields(caller.principal.role);
        let shows = |field: &str| allowed.is_none_or(|fields| fields.contains(&field));
        let all_fields: Vec<(&str, String)> = vec![
            ("born", person.born.to_string()),
            ("sex", person.sex.as_str().to_string()),
            ("home_province", person.home_province.clone()),
            ("home_county", person.home_county.clone()),
            ("branch", person.branch.map(|branch| branch.as_str().to_string()).unwrap_or_default()),
            ("rank", person.rank.clone()),
            ("specialty", person.specialty.clone()),
            ("enlisted", person.enlisted.map(|day| day.to_string()).unwrap_or_default()),
            ("term_end", file.term_end().map(|day| day.to_string()).unwrap_or_default()),
            ("discharge_date", chain.date().map(|day| day.to_string()).unwrap_or_default()),
        ];
        let fields = all_fields
            .into_iter()
            .filter(|(field, _)| shows(field))
            .map(|(field, value)| (field.replace('_', " "), value))
            .collect();
        // The history is service history: a role cut to the placement
        // fields does not see it.
        let mut timeline = Vec::new();
        if allowed.is_none() {
            for assignment in file.assignments.iter().filter(|a| a.from <= day) {
                timeline.push((assignment.from, format!("assigned to {}", assignment.unit)));
            }
            for period in file.deployment_periods(&world.tree).iter().filter(|p| p.from <= day) {
                timeline.push((period.from, format!("deployed at {}", period.deployment.site)));
            }
            for event in file.events_by(day) {
                let detail = if event.detail.is_empty() {
                    String::new()
                } else {
                    format!(": {}", event.detail)
                };
                timeline.push((event.date, format!("{}{detail}", event.kind.as_str())));
            }
            timeline.sort();
        }
        let mut whys = Vec::new();
        if caller.may(&state, Action::Explain, &resource) {
            let mut kinds: Vec<String> =
                snapshot.lists.iter().map(|list| list.list.kind.clone()).collect();
            kinds.sort();
            kinds.dedup();
            for kind in &kinds {
                let subject = muster_service::explain::Subject::Kind(kind);
                let explanation =
                    muster_service::explain::explain(&store, &snapshot.loaded, &id, subject, day)?;
                whys.push(why(&explanation));
            }
            let subject = muster_service::explain::Subject::Discharge;
            let explanation =
                muster_service::explain::explain(&store, &snapshot.loaded, &id, subject, day)?;
            whys.push(why(&explanation));
        }
        Ok(PersonPage {
            viewer: Some(viewer),
            name: person.name.clone(),
            id,
            day,
            status: file.status_on(day, chain.date()).as_str().to_string(),
            fields,
            timeline,
            whys,
        })
    })
    .await;
    page.map_or_else(|error| problem(Some(shown), error), IntoResponse::into_response)
}
