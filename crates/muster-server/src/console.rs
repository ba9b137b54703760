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
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use chrono::{Datelike, NaiveDate};
use muster_access::{Action, Resource};
use muster_cel::Budget;
use muster_orders::{EntryStatus, RosterStatus};
use muster_service::ServiceError;
use muster_store::Store;
use serde::Deserialize;

use crate::auth::{Caller, SESSION_COOKIE, caller_of, cookie};
use crate::error::ApiError;
use crate::extract::{Path, Query};
use crate::handlers::records::person_resource;
use crate::handlers::session::{Login, log_in, log_out, session_started};
use crate::handlers::{blocking, day_or_today};
use crate::state::{AppState, Snapshot};

/// htmx, vendored: nothing is loaded from elsewhere.
const HTMX: &str = include_str!("../static/htmx-2.0.11.min.js");
const CSS: &str = include_str!("../static/console.css");
const ICON: &str = include_str!("../static/favicon.svg");

/// The console's routes.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/", get(dashboard))
        .route("/login", get(login_page).post(login))
        .route("/logout", axum::routing::post(logout))
        .route("/lists", get(lists))
        .route("/lists/{id}", get(list))
        .route("/lists/{id}/add", axum::routing::post(list_add))
        .route("/lists/{id}/remove", axum::routing::post(list_remove))
        .route("/lists/{id}/recheck", axum::routing::post(list_recheck))
        .route("/people/{id}", get(person))
        .route("/orders", get(orders))
        .route("/orders/draft", get(draft_editor).post(draft_action))
        .route("/orders/{id}", get(order))
        .route("/discharge", get(discharge))
        .route("/strength", get(strength))
        .route("/evidence", get(evidence))
        .route("/audit", get(audit))
        .route("/static/htmx.min.js", get(|| async { asset("text/javascript", HTMX) }))
        .route("/static/console.css", get(|| async { asset("text/css", CSS) }))
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
const SECTIONS: [(&str, &str, Option<Action>); 7] = [
    ("/", "Dashboard", None),
    ("/orders", "Orders", Some(Action::ReadOrders)),
    ("/lists", "Lists", None),
    ("/discharge", "Discharge", Some(Action::ReadRoster)),
    ("/strength", "Strength", Some(Action::ReadStrength)),
    ("/evidence", "Evidence", Some(Action::ReadStats)),
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
        let session = cookie(&parts.headers, SESSION_COOKIE)
            .and_then(|cookie| state.session(&cookie))
            .ok_or_else(|| ToLogin.into_response())?;
        let store_state = state.clone();
        let user = session.user.clone();
        let caller = blocking(move || {
            let state = store_state;
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
        let nav = SECTIONS
            .iter()
            .filter(|(_, _, action)| {
                action.is_none_or(|action| caller.may(state, action, &Resource::Store))
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
        Ok((_, cookie, _)) => (session_started(&cookie), Redirect::to("/")).into_response(),
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
    (log_out(&state, &headers), Redirect::to("/login")).into_response()
}

/// The day a page is shown as of.
#[derive(Deserialize)]
struct PageQuery {
    as_of: Option<String>,
    status: Option<String>,
    /// What the last change did, shown once.
    note: Option<String>,
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
    budget: &Budget,
) -> Result<Vec<ListRow>, ServiceError> {
    snapshot
        .lists
        .iter()
        .filter(|list| list.list.created_on <= day)
        .filter(|list| caller.may(state, Action::ReadList, &list.resource()))
        .map(|list| {
            let (entries, flagged) = match snapshot.engine() {
                Some(engine) => {
                    let members = engine.list_members(&list.changes, day);
                    let statuses = engine.list_statuses(
                        snapshot.book(),
                        &list.list.kind,
                        &members,
                        day,
                        budget,
                    )?;
                    let active = statuses.len() - statuses.count(EntryStatus::Removed);
                    (active, statuses.count(EntryStatus::Flagged))
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
            Ok(ListRow {
                id: list.list.id.clone(),
                kind: list.list.kind.clone(),
                owner: list.list.owner.clone(),
                entries,
                flagged,
            })
        })
        .collect()
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
    respond(viewer, move |viewer| {
        let day = day_or_today(query.as_of.as_deref(), "as_of")?;
        let store = state.store()?;
        let snapshot = state.snapshot(&store)?;
        let caller = &viewer.caller;
        let book = snapshot.book();
        let budget = Budget::unlimited();
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
                let roster = snapshot.roster(cycle, day, &budget)?;
                let count = |status: RosterStatus| {
                    roster.entries.iter().filter(|entry| entry.status == status).count()
                };
                Ok::<_, ServiceError>(CycleCounts {
                    cycle: cycle.to_string(),
                    date: roster.date,
                    scheduled: count(RosterStatus::Scheduled),
                    delayed: count(RosterStatus::Delayed),
                    exempt: count(RosterStatus::Exempt),
                })
            })
            .transpose()?;
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
            lists: readable_lists(&state, caller, &snapshot, day, &budget)?,
            viewer: Some(viewer),
            day,
            orders,
            cycle,
            notices,
        })
    })
    .await
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
    respond(viewer, move |viewer| {
        let day = day_or_today(query.as_of.as_deref(), "as_of")?;
        let store = state.store()?;
        let snapshot = state.snapshot(&store)?;
        let lists = readable_lists(&state, &viewer.caller, &snapshot, day, &Budget::unlimited())?;
        Ok(ListsPage { viewer: Some(viewer), day, lists })
    })
    .await
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
    note: Option<String>,
    may_change: bool,
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
    let csv = id.strip_suffix(".csv").map(str::to_string);
    respond(viewer, move |viewer| {
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
        viewer.caller.require(&state, &mut store, Action::ReadList, &list.resource())?;
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
            let mut text = Vec::new();
            muster_service::lists::write_csv(&mut text, world, &entries).map_err(|error| {
                ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, error.to_string())
            })?;
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
        let may_change = viewer.caller.may(&state, Action::ChangeList, &list.resource());
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
            note: query.note,
            may_change,
            total,
            entries: rows,
        }
        .into_response())
    })
    .await
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
    respond(viewer, move |viewer| {
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
    .await
}

struct OrderListRow {
    id: String,
    issued_on: NaiveDate,
    issued_by: String,
    state: String,
    title: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "orders.html")]
struct OrdersPage {
    viewer: Option<Viewer>,
    day: NaiveDate,
    may_draft: bool,
    orders: Vec<OrderListRow>,
}

/// Whether a caller may check drafts of his own organisation.
fn may_draft(state: &AppState, caller: &Caller) -> bool {
    caller.may(state, Action::CheckOrder, &crate::handlers::orders::own_draft(caller))
}

async fn orders(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<PageQuery>,
) -> Response {
    respond(viewer, move |viewer| {
        let day = day_or_today(query.as_of.as_deref(), "as_of")?;
        let mut store = state.store()?;
        viewer.caller.require(&state, &mut store, Action::ReadOrders, &Resource::Store)?;
        let snapshot = state.snapshot(&store)?;
        let book = snapshot.book();
        let orders = book
            .issued_by(day)
            .map(|issued| OrderListRow {
                id: issued.order.id.clone(),
                issued_on: issued.issued_on,
                issued_by: issued.order.issued_by.clone(),
                state: muster_service::orders::state(book, &issued.order.id, day),
                title: issued.order.title.clone(),
            })
            .collect();
        Ok(OrdersPage {
            may_draft: may_draft(&state, &viewer.caller),
            viewer: Some(viewer),
            day,
            orders,
        })
    })
    .await
}

struct RuleRow {
    number: usize,
    target: String,
    effect: &'static str,
    when: String,
    unless: String,
    reason: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "order.html")]
struct OrderPage {
    viewer: Option<Viewer>,
    id: String,
    day: NaiveDate,
    state: String,
    title: String,
    issued_by: String,
    issued_on: NaiveDate,
    effective_from: NaiveDate,
    effective_until: Option<NaiveDate>,
    addressed_to: String,
    overridden: bool,
    rationale: String,
    rules: Vec<RuleRow>,
    document: String,
}

async fn order(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Query(query): Query<PageQuery>,
) -> Response {
    respond(viewer, move |viewer| {
        let day = day_or_today(query.as_of.as_deref(), "as_of")?;
        let mut store = state.store()?;
        viewer.caller.require(&state, &mut store, Action::ReadOrders, &Resource::Store)?;
        let snapshot = state.snapshot(&store)?;
        let Some(issued) = snapshot.book().get(&id) else {
            return Err(ApiError::not_found(format!("no order `{id}` has been issued")));
        };
        let order = &issued.order;
        let rules = order
            .rules
            .iter()
            .map(|rule| RuleRow {
                number: rule.number,
                target: match &rule.target {
                    muster_orders::Target::Discharge => "discharge".to_string(),
                    muster_orders::Target::List(kind) => format!("{kind} lists"),
                },
                effect: rule.effect.as_str(),
                when: rule.when.source.clone(),
                unless: rule
                    .unless
                    .as_ref()
                    .map(|unless| unless.source.clone())
                    .unwrap_or_default(),
                reason: rule.reason.clone(),
            })
            .collect();
        Ok(OrderPage {
            viewer: Some(viewer),
            state: muster_service::orders::state(snapshot.book(), &id, day),
            id,
            day,
            title: order.title.clone(),
            issued_by: order.issued_by.clone(),
            issued_on: issued.issued_on,
            effective_from: order.effective_from,
            effective_until: order.effective_until,
            addressed_to: order.addressed_to.join(", "),
            overridden: issued.overridden,
            rationale: order.rationale.clone(),
            rules,
            document: order.source.clone(),
        })
    })
    .await
}

/// What the draft editor was asked to do.
#[derive(Deserialize, Default)]
struct DraftForm {
    #[serde(default)]
    document: String,
    #[serde(default)]
    as_of: String,
    #[serde(default)]
    site: String,
    #[serde(default, rename = "override")]
    overridden: Option<String>,
    #[serde(default)]
    action: String,
    #[serde(default)]
    csrf: String,
}

struct DiagnosticRow {
    line: usize,
    column: usize,
    message: String,
    help: Option<String>,
}

struct ImpactView {
    heading: String,
    lists: Vec<(String, String)>,
    discharges: Vec<(String, String, String)>,
}

#[derive(Template, Default)]
#[template(path = "draft_result.html")]
struct DraftResult {
    problem: Option<String>,
    diagnostics: Vec<DiagnosticRow>,
    rendered: String,
    message: Option<String>,
    conflicts: Vec<String>,
    impact: Option<ImpactView>,
    site: String,
    charts: Vec<(String, String)>,
}

#[derive(Template, WebTemplate)]
#[template(path = "draft.html")]
struct DraftPage {
    viewer: Option<Viewer>,
    document: String,
    as_of: String,
    sites: Vec<(String, bool)>,
    overridden: bool,
    result: String,
}

fn draft_page(viewer: Viewer, snapshot: &Snapshot, form: &DraftForm, result: String) -> DraftPage {
    DraftPage {
        viewer: Some(viewer),
        document: form.document.clone(),
        as_of: form.as_of.clone(),
        sites: snapshot
            .world()
            .sites
            .iter()
            .map(|site| (site.id.clone(), site.id == form.site))
            .collect(),
        overridden: form.overridden.is_some(),
        result,
    }
}

async fn draft_editor(State(state): State<AppState>, viewer: Viewer) -> Response {
    respond(viewer, move |viewer| {
        let store = state.store()?;
        let snapshot = state.snapshot(&store)?;
        if !may_draft(&state, &viewer.caller) {
            return Err(ApiError::forbidden("your role does not draft orders"));
        }
        let form = DraftForm {
            as_of: chrono::Local::now().date_naive().to_string(),
            ..DraftForm::default()
        };
        Ok(draft_page(viewer, &snapshot, &form, String::new()))
    })
    .await
}

/// Checks, previews or issues a draft. An htmx request gets the result
/// alone; a plain form post, the whole page with it.
async fn draft_action(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    Form(form): Form<DraftForm>,
) -> Response {
    let partial = headers.contains_key("hx-request");
    respond(viewer, move |viewer| {
        let mut store = state.store()?;
        let snapshot = state.snapshot(&store)?;
        let result = draft_result(&state, &viewer, &mut store, &snapshot, &form)?;
        let text = result
            .render()
            .map_err(|error| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, error.to_string()))?;
        if partial {
            return Ok(axum::response::Html(text).into_response());
        }
        Ok(draft_page(viewer, &snapshot, &form, text).into_response())
    })
    .await
}

fn draft_result(
    state: &AppState,
    viewer: &Viewer,
    store: &mut muster_store::SqliteStore,
    snapshot: &Snapshot,
    form: &DraftForm,
) -> Result<DraftResult, ApiError> {
    let caller = &viewer.caller;
    let issuing = form.action == "issue";
    let overridden = form.overridden.is_some();
    let day = if form.as_of.is_empty() {
        None
    } else {
        Some(crate::handlers::parse_day(&form.as_of, "as_of")?)
    };
    let resource = crate::handlers::orders::draft_resource(caller, &form.document);
    let action = if issuing { Action::IssueOrder } else { Action::CheckOrder };
    caller.require(state, store, action, &resource)?;
    if issuing && form.csrf != viewer.csrf {
        return Err(ApiError::forbidden("the form does not carry this session's token"));
    }
    let loaded = &snapshot.loaded;
    let outcome = if issuing {
        muster_service::orders::issue(
            store,
            loaded,
            "draft",
            &form.document,
            overridden,
            day,
            &caller.actor(),
        )
    } else {
        muster_service::orders::check(store, loaded, "draft", &form.document, day, false)
    };
    let mut result = DraftResult::default();
    let checked = match outcome {
        Ok(checked) => checked,
        Err(muster_service::ServiceError::Diagnostics { name, text, diagnostics }) => {
            result.diagnostics = diagnostics
                .iter()
                .map(|diagnostic| {
                    let (line, column) = muster_service::line_column(&text, diagnostic.span.start);
                    DiagnosticRow {
                        line,
                        column,
                        message: diagnostic.message.clone(),
                        help: diagnostic.help.clone(),
                    }
                })
                .collect();
            result.rendered = muster_service::render::render(&name, &text, &diagnostics);
            return Ok(result);
        }
        Err(muster_service::ServiceError::Conflict { lines, message, .. }) => {
            result.problem = Some(message);
            result.conflicts = lines;
            return Ok(result);
        }
        Err(other) => return Err(ApiError::from(other)),
    };
    let order = &checked.order;
    result.conflicts = if issuing && overridden {
        Vec::new()
    } else {
        muster_service::orders::conflict_lines(order, &checked.impact)
    };
    result.message = Some(match form.action.as_str() {
        "issue" => format!("order {} issued on {}", order.id, checked.day),
        _ => format!(
            "order {} is valid ({} rule{}){}",
            order.id,
            order.rules.len(),
            if order.rules.len() == 1 { "" } else { "s" },
            if checked.impact.conflicts.is_empty() { ", with no conflict" } else { "" }
        ),
    });
    if form.action == "preview" || issuing {
        result.impact = Some(ImpactView {
            heading: if issuing {
                "What it did".to_string()
            } else {
                "What it would do".to_string()
            },
            lists: checked
                .impact
                .lists
                .iter()
                .map(|list| (list.list.clone(), list.newly_excluded.join(", ")))
                .collect(),
            discharges: checked
                .impact
                .discharge
                .iter()
                .map(|change| {
                    (change.person.clone(), change.from.to_string(), change.to.to_string())
                })
                .collect(),
        });
    }
    if form.action == "preview" && !form.site.is_empty() {
        let (without, with) =
            muster_service::orders::strength_preview(loaded, &checked, &form.site)?;
        result.site = form.site.clone();
        let title = |how: &str| format!("{}, {how} {}", form.site, order.id);
        result.charts = vec![
            (
                format!("without {}", order.id),
                muster_service::chart::strength_svg(&title("without"), &without)?,
            ),
            (
                format!("with {}", order.id),
                muster_service::chart::strength_svg(&title("with"), &with)?,
            ),
        ];
    }
    Ok(result)
}

#[derive(Deserialize)]
struct RosterQuery {
    cycle: Option<String>,
    as_of: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "discharge.html")]
struct DischargePage {
    viewer: Option<Viewer>,
    cycle: String,
    date: NaiveDate,
    day: NaiveDate,
    counts: Vec<(&'static str, usize)>,
    total: usize,
    entries: Vec<(String, &'static str, NaiveDate, String)>,
}

async fn discharge(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<RosterQuery>,
) -> Response {
    respond(viewer, move |viewer| {
        let day = day_or_today(query.as_of.as_deref(), "as_of")?;
        let mut store = state.store()?;
        let caller = &viewer.caller;
        caller.require(&state, &mut store, Action::ReadRoster, &Resource::Store)?;
        let snapshot = state.snapshot(&store)?;
        let cycle: muster_core::Cycle = match query.cycle.as_deref().filter(|text| !text.is_empty())
        {
            Some(text) => {
                text.parse().map_err(|error| ApiError::bad_request(format!("{error}")))?
            }
            None => snapshot.world().calendar.cycle_on_or_after(day),
        };
        let roster = crate::handlers::reports::visible_roster(
            &state,
            caller,
            &snapshot,
            cycle,
            day,
            &Budget::unlimited(),
        )?;
        let entries = roster.entries;
        let statuses = [
            RosterStatus::Scheduled,
            RosterStatus::Delayed,
            RosterStatus::Exempt,
            RosterStatus::DelayedIn,
            RosterStatus::Discharged,
        ];
        let counts = statuses
            .iter()
            .map(|status| {
                (status.as_str(), entries.iter().filter(|entry| entry.status == *status).count())
            })
            .collect();
        let total = entries.len();
        let rows = entries
            .into_iter()
            .take(PAGE)
            .map(|entry| (entry.person, entry.status.as_str(), entry.date, entry.orders.join(", ")))
            .collect();
        Ok(DischargePage {
            viewer: Some(viewer),
            cycle: cycle.to_string(),
            date: roster.date,
            day,
            counts,
            total,
            entries: rows,
        })
    })
    .await
}

#[derive(Deserialize)]
struct StrengthQueryForm {
    site: Option<String>,
    from: Option<String>,
    to: Option<String>,
    order: Option<String>,
    as_of: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "strength.html")]
struct StrengthPage {
    viewer: Option<Viewer>,
    day: NaiveDate,
    sites: Vec<(String, bool)>,
    orders: Vec<(String, bool)>,
    from: String,
    to: String,
    charts: Vec<(String, String)>,
}

async fn strength(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<StrengthQueryForm>,
) -> Response {
    respond(viewer, move |viewer| {
        let day = day_or_today(query.as_of.as_deref(), "as_of")?;
        let mut store = state.store()?;
        viewer.caller.require(&state, &mut store, Action::ReadStrength, &Resource::Store)?;
        let snapshot = state.snapshot(&store)?;
        let world = snapshot.world();
        let site = query
            .site
            .filter(|site| !site.is_empty())
            .or_else(|| world.sites.first().map(|site| site.id.clone()))
            .unwrap_or_default();
        let month = |text: Option<String>, default: NaiveDate| -> Result<NaiveDate, ApiError> {
            match text.filter(|text| !text.is_empty()) {
                Some(text) => crate::handlers::parse_month(&text, "month"),
                None => Ok(default),
            }
        };
        let first = day.with_day0(0).unwrap_or(day);
        let from = month(query.from, first - chrono::Months::new(6))?;
        let to = month(query.to, first + chrono::Months::new(6))?;
        let chosen = query.order.filter(|order| !order.is_empty());
        let mut charts = Vec::new();
        if !site.is_empty() {
            let mut draw = |without: Vec<String>, caption: String| -> Result<(), ApiError> {
                let asked = muster_service::strength::StrengthQuery {
                    site: &site,
                    from,
                    to,
                    without: &without,
                    with: None,
                    day,
                };
                let counts = muster_service::strength::strength(&snapshot.loaded, &asked)?;
                let title = muster_service::strength::title(&asked);
                charts.push((caption, muster_service::chart::strength_svg(&title, &counts)?));
                Ok(())
            };
            match &chosen {
                Some(order) => {
                    draw(Vec::new(), format!("with {order}"))?;
                    draw(vec![order.clone()], format!("without {order}"))?;
                }
                None => draw(Vec::new(), "with the orders issued".to_string())?,
            }
        }
        let month_text = muster_service::strength::month_text;
        Ok(StrengthPage {
            viewer: Some(viewer),
            day,
            sites: world.sites.iter().map(|known| (known.id.clone(), known.id == site)).collect(),
            orders: snapshot
                .book()
                .issued_by(day)
                .filter(|issued| issued.order.governs_discharges())
                .map(|issued| {
                    (issued.order.id.clone(), chosen.as_deref() == Some(issued.order.id.as_str()))
                })
                .collect(),
            from: month_text(from),
            to: month_text(to),
            charts,
        })
    })
    .await
}

#[derive(Deserialize)]
struct EvidenceQuery {
    event: Option<String>,
    by: Option<String>,
    as_of: Option<String>,
}

struct GroupRow {
    name: String,
    population: u64,
    with_event: u64,
    rate: String,
    width: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "evidence.html")]
struct EvidencePage {
    viewer: Option<Viewer>,
    day: NaiveDate,
    event: String,
    by: String,
    to: NaiveDate,
    events: Vec<(&'static str, bool)>,
    fields: Vec<(String, bool)>,
    minimum: Option<u64>,
    suppressed: usize,
    groups: Vec<GroupRow>,
}

async fn evidence(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<EvidenceQuery>,
) -> Response {
    respond(viewer, move |viewer| {
        let day = day_or_today(query.as_of.as_deref(), "as_of")?;
        let mut store = state.store()?;
        let caller = &viewer.caller;
        caller.require(&state, &mut store, Action::ReadStats, &Resource::Store)?;
        let snapshot = state.snapshot(&store)?;
        let event = query.event.filter(|e| !e.is_empty()).unwrap_or_else(|| "posted".to_string());
        let by = query.by.filter(|b| !b.is_empty()).unwrap_or_else(|| "home_province".to_string());
        let asked = muster_service::stats::StatsQuery {
            event: &event,
            by: &by,
            from: None,
            to: None,
            condition: None,
            day,
        };
        let mut stats = muster_service::stats::stats(&snapshot.loaded, &asked)?;
        if caller.principal.role == muster_core::Role::Analyst {
            stats = stats.suppress_below(muster_service::stats::MINIMUM_COHORT);
        }
        let top = stats.groups.values().map(|group| group.rate()).fold(0.0_f64, f64::max);
        let groups = stats
            .groups
            .iter()
            .map(|(name, group)| GroupRow {
                name: if name.is_empty() { "(empty)".to_string() } else { name.clone() },
                population: group.population,
                with_event: group.with_event,
                rate: format!("{:.3}", group.rate()),
                width: format!("{:.1}", if top > 0.0 { group.rate() / top * 100.0 } else { 0.0 }),
            })
            .collect();
        let fields = muster_service::stats::cohort_fields()
            .into_iter()
            .map(|field| {
                let chosen = field == by;
                (field, chosen)
            })
            .collect();
        Ok(EvidencePage {
            viewer: Some(viewer),
            day,
            to: stats.to,
            events: muster_core::EventKind::ALL
                .iter()
                .map(|kind| (kind.as_str(), kind.as_str() == event))
                .collect(),
            fields,
            minimum: stats.minimum,
            suppressed: stats.suppressed,
            event,
            by,
            groups,
        })
    })
    .await
}

#[derive(Deserialize)]
struct AuditQuery {
    actor: Option<String>,
    since: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "audit.html")]
struct AuditPage {
    viewer: Option<Viewer>,
    intact: bool,
    verdict: String,
    actor: String,
    since: String,
    entries: Vec<(i64, String, String, String, String)>,
}

async fn audit(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<AuditQuery>,
) -> Response {
    respond(viewer, move |viewer| {
        let mut store = state.store()?;
        viewer.caller.require(&state, &mut store, Action::ReadAudit, &Resource::Store)?;
        let since = match query.since.as_deref().filter(|text| !text.is_empty()) {
            Some(text) => Some(crate::handlers::parse_day(text, "since")?.to_string()),
            None => None,
        };
        let actor = query.actor.unwrap_or_default();
        let (intact, verdict) = match store.audit_verify()? {
            None => (true, "The log is intact: every entry hashes to the next.".to_string()),
            Some(problem) => {
                (false, format!("The log is broken at entry {}: {}", problem.seq, problem.problem))
            }
        };
        let entries = store
            .audit_log()?
            .into_iter()
            .rev()
            .filter(|entry| {
                since.as_ref().is_none_or(|since| entry.recorded_at.get(..10) >= Some(since))
            })
            .filter(|entry| actor.is_empty() || entry.actor == actor)
            .take(PAGE)
            .map(|entry| (entry.seq, entry.recorded_at, entry.actor, entry.kind, entry.summary))
            .collect();
        Ok(AuditPage {
            viewer: Some(viewer),
            intact,
            verdict,
            actor,
            since: since.unwrap_or_default(),
            entries,
        })
    })
    .await
}

/// A change to a list, from the list page's forms.
#[derive(Deserialize)]
struct ListChange {
    csrf: String,
    #[serde(default)]
    persons: String,
    #[serde(default, rename = "where")]
    condition: String,
    #[serde(default)]
    person: String,
    #[serde(default)]
    as_of: String,
}

/// A change to a list: what it did, in words.
type Change = fn(
    &AppState,
    &Viewer,
    &mut muster_store::SqliteStore,
    &Snapshot,
    &str,
    &ListChange,
    NaiveDate,
) -> Result<String, ApiError>;

/// Makes a change to a list after the policies and the form's token allow
/// it, then goes back to the list with a note of what was done.
async fn change_list(
    state: AppState,
    viewer: Viewer,
    id: String,
    form: ListChange,
    change: Change,
) -> Response {
    respond(viewer, move |viewer| {
        if form.csrf != viewer.csrf {
            return Err(ApiError::forbidden("the form does not carry this session's token"));
        }
        let day = day_or_today(Some(form.as_of.as_str()).filter(|text| !text.is_empty()), "as_of")?;
        let mut store = state.store()?;
        let snapshot = state.snapshot(&store)?;
        let Some(list) = snapshot.list(&id) else {
            return Err(ApiError::not_found(format!("no list `{id}`")));
        };
        viewer.caller.require(&state, &mut store, Action::ChangeList, &list.resource())?;
        let note = change(&state, &viewer, &mut store, &snapshot, &id, &form, day)?;
        let query = [("as_of", day.to_string()), ("note", note)];
        let query = serde_urlencoded_pairs(&query);
        Ok(Redirect::to(&format!("/lists/{id}?{query}")).into_response())
    })
    .await
}

/// `key=value&...`, percent-encoded.
fn serde_urlencoded_pairs(pairs: &[(&str, String)]) -> String {
    pairs
        .iter()
        .map(|(key, value)| {
            let encoded: String = value
                .bytes()
                .map(|byte| match byte {
                    b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                        (byte as char).to_string()
                    }
                    other => format!("%{other:02X}"),
                })
                .collect();
            format!("{key}={encoded}")
        })
        .collect::<Vec<_>>()
        .join("&")
}

async fn list_add(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Form(form): Form<ListChange>,
) -> Response {
    change_list(state, viewer, id, form, |_, viewer, store, snapshot, id, form, day| {
        let persons: Vec<String> = form
            .persons
            .split(|c: char| c.is_whitespace() || c == ',')
            .filter(|person| !person.is_empty())
            .map(str::to_string)
            .collect();
        let condition = Some(form.condition.trim()).filter(|text| !text.is_empty());
        if persons.is_empty() && condition.is_none() {
            return Err(ApiError::bad_request("name persons to add, or a condition"));
        }
        let wanted = muster_service::lists::Wanted { persons, condition };
        let added = muster_service::lists::add(
            store,
            &snapshot.loaded,
            id,
            wanted,
            day,
            &viewer.caller.actor(),
            &|_, _| {},
        )?;
        let eligible =
            added.entries.iter().filter(|entry| entry.status == EntryStatus::Eligible).count();
        Ok(if added.added.is_empty() {
            format!("nobody new to add on {day}")
        } else {
            format!(
                "added {} on {day}: {eligible} eligible, {} not",
                muster_service::persons(added.added.len()),
                added.added.len() - eligible
            )
        })
    })
    .await
}

async fn list_remove(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Form(form): Form<ListChange>,
) -> Response {
    change_list(state, viewer, id, form, |_, viewer, store, _, id, form, day| {
        let person = form.person.trim().to_string();
        muster_service::lists::remove(
            store,
            id,
            std::slice::from_ref(&person),
            day,
            &viewer.caller.actor(),
        )?;
        Ok(format!("removed {person} on {day}"))
    })
    .await
}

async fn list_recheck(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Form(form): Form<ListChange>,
) -> Response {
    change_list(state, viewer, id, form, |_, viewer, store, snapshot, id, _, day| {
        let entries = muster_service::lists::recheck(
            store,
            &snapshot.loaded,
            id,
            day,
            &viewer.caller.actor(),
        )?;
        let flagged = entries.iter().filter(|entry| entry.status == EntryStatus::Flagged).count();
        Ok(if flagged == 0 {
            format!("re-checked on {day}: nothing flagged")
        } else {
            format!("re-checked on {day}: {flagged} flagged; the owner has a notice of them")
        })
    })
    .await
}
