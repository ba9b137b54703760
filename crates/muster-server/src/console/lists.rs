//! The lists the viewer may read; one list's entries with their statuses
//! and reasons (and its CSV); adding, removing and re-checking.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Form, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::NaiveDate;
use muster_access::Action;
use muster_service::lists::Query as ListQuery;
use muster_service::{EntryStatus, ListRecord};
use serde::Deserialize;

use super::{PAGE, PageQuery, Viewer, respond};
use crate::context::Context;
use crate::error::ApiError;
use crate::extract::{Path, Query};
use crate::state::AppState;

/// A list as the dashboard and the lists page show it.
pub struct ListRow {
    pub id: String,
    pub kind: String,
    pub owner: String,
    pub entries: usize,
    pub flagged: usize,
}

/// The lists the viewer may read on a day, with their flagged entries
/// counted by the engine.
pub fn readable_lists(context: &Context, day: NaiveDate) -> Result<Vec<ListRow>, ApiError> {
    let readable = |list: &ListRecord| context.may(Action::ReadList, &Context::list_resource(list));
    let lists =
        muster_service::lists::summaries(&context.army, day, true, &readable, &context.budget)?;
    Ok(lists
        .lists
        .into_iter()
        .map(|list| ListRow {
            id: list.id,
            kind: list.kind,
            owner: list.owner,
            entries: list.entries,
            flagged: list.flagged.unwrap_or(0),
        })
        .collect())
}

#[derive(Template, WebTemplate)]
#[template(path = "lists.html")]
struct ListsPage {
    viewer: Option<Viewer>,
    day: NaiveDate,
    lists: Vec<ListRow>,
}

pub async fn lists(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<PageQuery>,
) -> Response {
    respond(viewer, move |viewer| {
        let day = query.day()?;
        let context = viewer.context(&state)?;
        let lists = readable_lists(&context, day)?;
        Ok(ListsPage { viewer: Some(viewer), day, lists })
    })
    .await
}

struct EntryRow {
    person: String,
    name: String,
    status: String,
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
    /// The act on many people the viewer may do from this list (its kind's
    /// act), or empty.
    mass: &'static str,
    /// The statuses to filter by, and whether each is chosen.
    options: Vec<(&'static str, bool)>,
    total: usize,
    entries: Vec<EntryRow>,
}

pub async fn list(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Query(query): Query<PageQuery>,
) -> Response {
    let csv = id.strip_suffix(".csv").map(str::to_string);
    respond(viewer, move |viewer| {
        let day = query.day()?;
        let status = query
            .status
            .as_deref()
            .filter(|word| !word.is_empty())
            .map(muster_service::lists::entry_status)
            .transpose()?;
        let id = csv.clone().unwrap_or(id);
        let mut context = viewer.context(&state)?;
        context.require_list(Action::ReadList, &id)?;
        let limit = if csv.is_some() { None } else { Some(PAGE) };
        let page = muster_service::lists::show(
            &context.army,
            &id,
            &ListQuery { day, status, offset: 0, limit },
            &context.budget,
        )?;
        if csv.is_some() {
            let mut text = Vec::new();
            muster_service::lists::write_csv(&mut text, &page.entries).map_err(|error| {
                ApiError::new(axum::http::StatusCode::INTERNAL_SERVER_ERROR, error.to_string())
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
        let list = context.army.list(&id)?;
        let may_change = context.may(Action::ChangeList, &Context::list_resource(list));
        let mass = mass_offer(&context, &list.list.kind, &list.list.owner);
        let rows = page
            .entries
            .iter()
            .take(PAGE)
            .map(|entry| EntryRow {
                person: entry.person.clone(),
                name: entry.name.clone(),
                status: entry.status.clone(),
                reasons: muster_service::lists::reasons_text(entry),
            })
            .collect();
        Ok(ListPage {
            viewer: Some(viewer),
            id: page.list,
            kind: page.kind,
            owner: page.owner,
            day,
            options: ["eligible", "excluded", "flagged", "removed"]
                .into_iter()
                .map(|word| (word, query.status.as_deref() == Some(word)))
                .collect(),
            status: query.status.unwrap_or_default(),
            note: query.note,
            may_change,
            mass,
            total: page.total,
            entries: rows,
        }
        .into_response())
    })
    .await
}

/// The act on many people made from a list of `kind` owned by `owner`,
/// when the policies allow the viewer it (the act decides again, on the
/// unit it names).
fn mass_offer(context: &Context, kind: &str, owner: &str) -> &'static str {
    let (act, action) = match kind {
        "call-up" => ("call-up", Action::CallUp),
        "redeployment" => ("redeploy", Action::Redeploy),
        "overseas-posting" => ("list-post", Action::PostList),
        _ => return "",
    };
    let subject = muster_service::acts::Subject {
        placement: owner.to_string(),
        lists: vec![owner.to_string()],
        ..Default::default()
    };
    if context.may(action, &crate::context::act_resource(&subject, "")) { act } else { "" }
}

/// A change to a list, from the list page's forms.
#[derive(Deserialize)]
pub struct ListChange {
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
type Change = fn(&mut Context, &str, &ListChange, NaiveDate) -> Result<String, ApiError>;

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
        viewer.require_token(&form.csrf)?;
        let day = super::form_day(&form.as_of)?;
        let mut context = viewer.context(&state)?;
        context.require_list(Action::ChangeList, &id)?;
        let note = change(&mut context, &id, &form, day)?;
        let query = url_query(&[("as_of", day.to_string()), ("note", note)]);
        Ok(Redirect::to(&format!("/lists/{id}?{query}")).into_response())
    })
    .await
}

/// `key=value&...`, percent-encoded.
pub(super) fn url_query(pairs: &[(&str, String)]) -> String {
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

pub async fn add(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Form(form): Form<ListChange>,
) -> Response {
    change_list(state, viewer, id, form, |context, id, form, day| {
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
        let readable = context.readable();
        let budget = std::sync::Arc::clone(&context.budget);
        let wanted = muster_service::lists::Wanted {
            persons,
            condition,
            readable: &readable,
            budget: &budget,
        };
        let actor = context.actor();
        let (store, army) = context.store_and_army();
        let added = muster_service::lists::add(store, army, id, wanted, day, &actor)?;
        let eligible = added
            .entries
            .iter()
            .filter(|entry| entry.status == EntryStatus::Eligible.as_str())
            .count();
        Ok(if added.added == 0 {
            format!("nobody new to add on {day}")
        } else {
            format!(
                "added {} on {day}: {eligible} eligible, {} not",
                muster_service::persons(added.added),
                added.added - eligible
            )
        })
    })
    .await
}

pub async fn remove(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Form(form): Form<ListChange>,
) -> Response {
    change_list(state, viewer, id, form, |context, id, form, day| {
        let person = form.person.trim().to_string();
        let actor = context.actor();
        let (store, army) = context.store_and_army();
        muster_service::lists::remove(store, army, id, std::slice::from_ref(&person), day, &actor)?;
        Ok(format!("removed {person} on {day}"))
    })
    .await
}

pub async fn recheck(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Form(form): Form<ListChange>,
) -> Response {
    change_list(state, viewer, id, form, |context, id, _, day| {
        let actor = context.actor();
        let budget = std::sync::Arc::clone(&context.budget);
        let (store, army) = context.store_and_army();
        let page = muster_service::lists::recheck(store, army, id, day, &actor, &budget)?;
        let flagged = page
            .entries
            .iter()
            .filter(|entry| entry.status == EntryStatus::Flagged.as_str())
            .count();
        Ok(if flagged == 0 {
            format!("re-checked on {day}: nothing flagged")
        } else {
            format!("re-checked on {day}: {flagged} flagged; the owner has a notice of them")
        })
    })
    .await
}
