//! The audit log, filtered by actor and day, and whether it verifies; the
//! log's signed checkpoint to download, and an older checkpoint checked
//! against the log (cut back, or rewritten since).

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Form, State};
use axum::response::{IntoResponse, Response};
use muster_access::{Action, Resource};
use serde::Deserialize;

use super::{PAGE, Viewer, respond};
use crate::extract::Query;
use crate::state::AppState;

#[derive(Deserialize)]
pub struct AuditQuery {
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
    /// The checkpoint of the log as it stands.
    checkpoint: muster_service::checkpoint::CheckpointView,
    /// What an older checkpoint given to the page says: whether the log
    /// extends it, and in words.
    checked: Option<(bool, String)>,
}

/// An older checkpoint to check against the log.
#[derive(Deserialize)]
pub struct CheckForm {
    csrf: String,
    #[serde(default)]
    checkpoint: String,
}

pub async fn audit(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<AuditQuery>,
) -> Response {
    respond(viewer, move |viewer| audit_page(&state, viewer, query, None)).await
}

/// The checkpoint of the log as it stands, as a file to keep.
pub async fn checkpoint_file(State(state): State<AppState>, viewer: Viewer) -> Response {
    respond(viewer, move |viewer| {
        let mut context = viewer.context(&state)?;
        context.require(Action::ReadAudit, &Resource::Store)?;
        let view = muster_service::checkpoint::checkpoint(context.store(), &state.signing_key()?)?;
        let name = format!("attachment; filename=\"checkpoint-{}.txt\"", view.tree_size);
        Ok((
            [
                (axum::http::header::CONTENT_TYPE, "text/plain; charset=utf-8".to_string()),
                (axum::http::header::CONTENT_DISPOSITION, name),
            ],
            view.note,
        )
            .into_response())
    })
    .await
}

/// Checks a checkpoint kept before against the log, and shows the page
/// with what it found.
pub async fn check_checkpoint(
    State(state): State<AppState>,
    viewer: Viewer,
    Form(form): Form<CheckForm>,
) -> Response {
    respond(viewer, move |viewer| {
        viewer.require_token(&form.csrf)?;
        crate::limits::check_bytes(
            "checkpoint",
            &form.checkpoint,
            muster_service::checkpoint::MAX_CHECKPOINT,
        )?;
        let checked = {
            let mut context = viewer.context(&state)?;
            context.require(Action::ReadAudit, &Resource::Store)?;
            let key = state.signing_key()?;
            let note = form.checkpoint.replace("\r\n", "\n");
            match muster_service::checkpoint::read_checkpoint(&note, &key) {
                Err(error) => (false, error.to_string()),
                Ok(kept) => match muster_service::checkpoint::extends(context.store(), &kept)? {
                    None => (
                        true,
                        format!(
                            "The log extends the checkpoint of {} entries: nothing was cut back or rewritten since.",
                            kept.size
                        ),
                    ),
                    Some(problem) => (false, problem),
                },
            }
        };
        let query = AuditQuery { actor: None, since: None };
        audit_page(&state, viewer, query, Some(checked))
    })
    .await
}

fn audit_page(
    state: &AppState,
    viewer: Viewer,
    query: AuditQuery,
    checked: Option<(bool, String)>,
) -> Result<AuditPage, crate::error::ApiError> {
    {
        let mut context = viewer.context(state)?;
        context.require(Action::ReadAudit, &Resource::Store)?;
        let since = query
            .since
            .as_deref()
            .filter(|text| !text.is_empty())
            .map(|text| crate::params::parse_day(text, "since"))
            .transpose()?;
        let actor = query.actor.unwrap_or_default();
        let verdict = muster_service::records::audit_verify(context.store())?;
        let text = match (&verdict.entry, &verdict.problem) {
            (Some(entry), Some(problem)) => {
                format!("The log is broken at entry {entry}: {problem}")
            }
            _ => "The log is intact: every entry hashes to the next.".to_string(),
        };
        let actor_filter = Some(actor.as_str()).filter(|actor| !actor.is_empty());
        let log = muster_service::records::audit_log(context.store(), since, actor_filter)?;
        let entries = log
            .entries
            .into_iter()
            .rev()
            .take(PAGE)
            .map(|entry| (entry.seq, entry.recorded_at, entry.actor, entry.kind, entry.summary))
            .collect();
        let checkpoint =
            muster_service::checkpoint::checkpoint(context.store(), &state.signing_key()?)?;
        Ok(AuditPage {
            viewer: Some(viewer),
            intact: verdict.intact,
            verdict: text,
            actor,
            since: since.map(|day| day.to_string()).unwrap_or_default(),
            entries,
            checkpoint,
            checked,
        })
    }
}
