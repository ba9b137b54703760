//! The acts recorded: the latest first, by kind and days; one act with
//! every row it wrote (`act show`), and its reversal for a caller who may.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Form, State};
use axum::response::{IntoResponse, Redirect, Response};
use muster_access::{Action, Resource};
use muster_service::acts::ActQuery;
use muster_service::views;
use serde::Deserialize;

use super::{Viewer, respond};
use crate::error::ApiError;
use crate::extract::{Path, Query};
use crate::state::AppState;

/// The most acts the page lists.
const SHOWN: usize = 200;

#[derive(Template, WebTemplate)]
#[template(path = "acts.html")]
struct ActsPage {
    viewer: Option<Viewer>,
    kind: String,
    since: String,
    until: String,
    acts: Vec<views::ActRow>,
}

#[derive(Deserialize)]
pub struct ActsQuery {
    kind: Option<String>,
    since: Option<String>,
    until: Option<String>,
}

pub async fn acts(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<ActsQuery>,
) -> Response {
    respond(viewer, move |viewer| {
        let text = |value: &Option<String>| value.clone().unwrap_or_default().trim().to_string();
        let (kind, since, until) = (text(&query.kind), text(&query.since), text(&query.until));
        let day = |text: &str, name: &str| {
            (!text.is_empty()).then(|| crate::params::parse_day(text, name)).transpose()
        };
        if !kind.is_empty() {
            crate::limits::check_id("an act kind", &kind)?;
        }
        let asked = ActQuery {
            since: day(&since, "since")?,
            until: day(&until, "until")?,
            kind: (!kind.is_empty()).then(|| kind.clone()),
            limit: SHOWN,
        };
        let mut context = viewer.context(&state)?;
        context.require(Action::ReadActs, &Resource::Store)?;
        let listed = muster_service::acts::list(context.store(), &asked)?;
        Ok(ActsPage { viewer: Some(viewer), kind, since, until, acts: listed.acts })
    })
    .await
}

#[derive(Template, WebTemplate)]
#[template(path = "act.html")]
struct ActPage {
    viewer: Option<Viewer>,
    act: views::ActShown,
    /// Each table's rows, one line a row.
    rows: Vec<(String, Vec<String>)>,
    may_reverse: bool,
    /// An act on many people: it has a page of its outcome per person.
    mass: bool,
    note: Option<String>,
}

#[derive(Deserialize)]
pub struct ActPageQuery {
    note: Option<String>,
}

/// The organisation of the user an actor names (`user:NAME`); none for the
/// command line's.
fn recorded_by(context: &crate::context::Context, actor: &str) -> Result<String, ApiError> {
    let Some(name) = actor.strip_prefix("user:") else {
        return Ok(String::new());
    };
    Ok(context
        .store()
        .users()?
        .into_iter()
        .find(|user| user.name == name)
        .map(|user| user.organisation)
        .unwrap_or_default())
}

/// Whether the caller may reverse the act: one not reversed and not a
/// reversal, when the policies allow him acts of its recorder's.
pub fn may_reverse(
    context: &crate::context::Context,
    act: &views::ActShown,
) -> Result<bool, ApiError> {
    let by = recorded_by(context, &act.actor)?;
    let resource = crate::context::act_resource(&Default::default(), &by);
    Ok(act.reversed_by.is_none()
        && act.reverses.is_none()
        && context.may(Action::ReverseAct, &resource))
}

pub async fn act(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    Query(query): Query<ActPageQuery>,
) -> Response {
    respond(viewer, move |viewer| {
        let mut context = viewer.context(&state)?;
        context.require(Action::ReadActs, &Resource::Store)?;
        let act = muster_service::acts::show(context.store(), id)?;
        let may_reverse = may_reverse(&context, &act)?;
        let rows = act
            .rows
            .iter()
            .map(|table| {
                let lines = table
                    .rows
                    .iter()
                    .map(|row| {
                        row.as_object()
                            .map(|cells| {
                                cells
                                    .iter()
                                    .map(|(column, value)| match value {
                                        serde_json::Value::String(text) => {
                                            format!("{column}={text}")
                                        }
                                        serde_json::Value::Null => format!("{column}=-"),
                                        other => format!("{column}={other}"),
                                    })
                                    .collect::<Vec<_>>()
                                    .join(" ")
                            })
                            .unwrap_or_else(|| row.to_string())
                    })
                    .collect();
                (table.table.clone(), lines)
            })
            .collect();
        Ok(ActPage {
            viewer: Some(viewer),
            mass: muster_service::acts::mass::KINDS.contains(&act.kind.as_str()),
            act,
            rows,
            may_reverse,
            note: query.note.filter(|note| !note.is_empty()),
        })
    })
    .await
}

#[derive(Deserialize)]
pub struct ReverseForm {
    csrf: String,
    reason: String,
}

/// Reverses the act, and back to its page.
pub async fn reverse(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    Form(form): Form<ReverseForm>,
) -> Response {
    respond(viewer, move |viewer| {
        viewer.require_token(&form.csrf)?;
        crate::limits::check_chars("reason", &form.reason, crate::limits::MAX_REASON)?;
        let mut context = viewer.context(&state)?;
        let Some(recorded) = context.store().act(id)? else {
            let absent = crate::context::act_resource(&Default::default(), "");
            return Err(context.absent(
                Action::ReverseAct,
                &absent,
                format!("no act {id} has been recorded"),
            ));
        };
        let by = recorded_by(&context, &recorded.act.actor)?;
        context
            .require(Action::ReverseAct, &crate::context::act_resource(&Default::default(), &by))?;
        let actor = context.actor();
        let day = crate::params::day_or_today(None, "as_of")?;
        let state = context.state.clone();
        let (store, army) = context.store_and_army();
        let done = {
            let _turn = state.write_turn();
            muster_service::acts::reverse(store, army.rules(), id, &form.reason, day, &actor)?
        };
        let note = format!("reversed by act {}", done.act);
        let query = super::lists::url_query(&[("note", note)]);
        Ok(Redirect::to(&format!("/acts/{id}?{query}")).into_response())
    })
    .await
}
