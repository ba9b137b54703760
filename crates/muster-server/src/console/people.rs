//! A person's page: his record, his history as a timeline, his status, and
//! why, rule by rule, for each list kind and for his discharge. A role cut
//! to some fields (a placement officer) sees those only. Below, the acts the
//! caller may do on him (assign, deploy, record an event, discharge, post
//! from a list), each a form; an act refused is shown in place, on the page
//! as it stands.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Form, State};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::NaiveDate;
use muster_access::Action;
use muster_service::acts::Act;
use muster_service::explain::Subject;
use muster_service::views;
use serde::Deserialize;

use super::{PageQuery, Viewer, respond};
use crate::context::blocking;
use crate::error::ApiError;
use crate::extract::{Path, Query};
use crate::state::AppState;

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
    /// The acts he may be the subject of that the caller may do.
    acts: Acts,
    /// What the last act did, shown once.
    note: Option<String>,
    /// An act refused: which, and why.
    problem: Option<(String, String)>,
}

/// The acts offered on a person's page, with what their forms choose from.
#[derive(Default)]
struct Acts {
    assign: bool,
    deploy: bool,
    event: bool,
    discharge: bool,
    /// The overseas-posting lists he is on that the caller may post from.
    post: Vec<String>,
    units: Vec<String>,
    sites: Vec<String>,
    /// The event kinds the caller may record.
    kinds: Vec<&'static str>,
}

impl Acts {
    fn any(&self) -> bool {
        self.assign || self.deploy || self.event || self.discharge || !self.post.is_empty()
    }
}

/// The event kinds of the form (a discharge, a posting and a return are
/// acts of their own).
const EVENT_KINDS: [&str; 5] = ["injured", "killed", "awol", "admitted", "exempted"];

/// Which acts the caller may do on `id` on `day`, as the policies would
/// decide them on what the army holds of him (the act itself is decided
/// again in its transaction).
fn offered(context: &crate::context::Context, id: &str, day: NaiveDate) -> Acts {
    let custody = context.army.custody(id, day).unwrap_or_default();
    let subject = |into: Vec<String>, event: &str, placement: &str| {
        crate::context::act_resource(
            &muster_service::acts::Subject {
                administrations: custody.administrations.clone(),
                lists: custody.lists.clone(),
                into,
                event: event.to_string(),
                placement: placement.to_string(),
            },
            "",
        )
    };
    let world = context.army.world();
    let mut units: Vec<String> = world
        .units
        .keys()
        .filter(|unit| {
            let into: Vec<String> = world
                .tree
                .ancestors_or_self(unit)
                .filter_map(|unit| {
                    world.units.get(unit).and_then(|unit| unit.administration.clone())
                })
                .collect();
            context.may(Action::Assign, &subject(into, "", ""))
        })
        .cloned()
        .collect();
    units.sort();
    let mut sites: Vec<String> = world.sites.iter().map(|site| site.id.clone()).collect();
    sites.sort();
    let kinds: Vec<&'static str> = EVENT_KINDS
        .into_iter()
        .filter(|kind| context.may(Action::RecordEvent, &subject(Vec::new(), kind, "")))
        .collect();
    let mut post: Vec<String> = context
        .army
        .lists()
        .all()
        .iter()
        .filter(|list| list.list.kind == "overseas-posting" && list.list.created_on <= day)
        .filter(|list| {
            context.may(Action::ReadList, &crate::context::Context::list_resource(list))
                && context.may(Action::Post, &subject(Vec::new(), "", &list.list.owner))
        })
        .filter(|list| {
            context.army.members(&list.list.id, day).is_some_and(|members| {
                let position = context.army.engine().position(id);
                members.iter().any(|member| Some(member.person) == position)
            })
        })
        .map(|list| list.list.id.clone())
        .collect();
    post.sort();
    Acts {
        assign: !units.is_empty(),
        deploy: context.may(Action::Deploy, &subject(Vec::new(), "", "")),
        event: !kinds.is_empty(),
        discharge: context.may(Action::Discharge, &subject(Vec::new(), "", "")),
        post,
        units,
        sites,
        kinds,
    }
}

fn why(explanation: &views::Explanation) -> Why {
    let fact = |fact: &views::ExplainedFact| WhyLine {
        text: fact.note.clone(),
        decisive: fact.decisive,
        reads: Vec::new(),
    };
    let mut lines: Vec<WhyLine> =
        explanation.facts.iter().filter(|fact| !fact.after_rules).map(fact).collect();
    for rule in &explanation.rules {
        let unless = rule
            .unless_text
            .as_ref()
            .map(|unless| format!(", unless {unless}"))
            .unwrap_or_default();
        let note = if rule.note.is_empty() { String::new() } else { format!(": {}", rule.note) };
        lines.push(WhyLine {
            text: format!(
                "{} rule {} ({}): when {}{unless}{note}",
                rule.order, rule.rule, rule.effect, rule.when_text
            ),
            decisive: rule.decisive,
            reads: rule.read_lines.clone(),
        });
    }
    lines.extend(explanation.facts.iter().filter(|fact| fact.after_rules).map(fact));
    Why { subject: explanation.subject.clone(), decision: explanation.decision.clone(), lines }
}

/// The fields shown, in order, as `(name, value)`.
fn fields(person: &views::Person) -> Vec<(String, String)> {
    let record = &person.person;
    let day = |day: &Option<NaiveDate>| day.map(|day| day.to_string()).unwrap_or_default();
    let mut fields = vec![
        ("born", Some(record.born.to_string())),
        ("sex", Some(record.sex.clone())),
        ("home province", Some(record.home_province.clone())),
        ("home county", record.home_county.clone()),
        ("branch", record.branch.as_ref().map(|branch| branch.clone().unwrap_or_default())),
        ("rank", record.rank.clone()),
        ("specialty", Some(record.specialty.clone())),
        ("enlisted", record.enlisted.as_ref().map(day)),
        ("term end", person.term_end.as_ref().map(day)),
        ("discharge date", person.discharge_date.as_ref().map(day)),
    ];
    fields.retain(|(_, value)| value.is_some());
    fields.into_iter().map(|(name, value)| (name.to_string(), value.unwrap_or_default())).collect()
}

/// His history in the order of days.
fn timeline(person: &views::Person) -> Vec<(NaiveDate, String)> {
    let mut timeline = Vec::new();
    for assignment in person.service.iter().flatten() {
        timeline.push((assignment.from, format!("assigned to {}", assignment.unit)));
    }
    for period in person.deployments.iter().flatten() {
        timeline.push((period.from, format!("deployed at {}", period.site)));
    }
    for event in person.events.iter().flatten() {
        let detail =
            if event.detail.is_empty() { String::new() } else { format!(": {}", event.detail) };
        timeline.push((event.date, format!("{}{detail}", event.kind)));
    }
    timeline.sort();
    timeline
}

pub async fn person(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Query(query): Query<PageQuery>,
) -> Response {
    respond(viewer, move |viewer| {
        let day = query.day()?;
        let note = query.note.clone().filter(|note| !note.is_empty());
        page(&state, viewer, id, day, note, None)
    })
    .await
}

/// The person's page, with a note of the last act or the refusal of one.
fn page(
    state: &AppState,
    viewer: Viewer,
    id: String,
    day: NaiveDate,
    note: Option<String>,
    problem: Option<(String, String)>,
) -> Result<PersonPage, ApiError> {
    {
        let mut context = viewer.context(state)?;
        context.require_person(Action::ReadPerson, &id, day)?;
        let rules = context.army.rules();
        let mut person = muster_service::people::show(context.store(), rules, &id, day)?;
        context.cut_person(&mut person);
        let mut whys = Vec::new();
        if context.may(Action::Explain, &context.person_resource(&id, day)) {
            let mut kinds: Vec<String> =
                context.army.lists().all().iter().map(|list| list.list.kind.clone()).collect();
            kinds.sort();
            kinds.dedup();
            for kind in &kinds {
                let explanation = muster_service::explain::explain(
                    context.store(),
                    rules,
                    &id,
                    Subject::Kind(kind),
                    day,
                )?;
                whys.push(why(&explanation));
            }
            let explanation = muster_service::explain::explain(
                context.store(),
                rules,
                &id,
                Subject::Discharge,
                day,
            )?;
            whys.push(why(&explanation));
        }
        let acts = offered(&context, &id, day);
        Ok(PersonPage {
            viewer: Some(viewer),
            name: person.person.name.clone(),
            id,
            day,
            status: person.status.clone(),
            fields: fields(&person),
            timeline: timeline(&person),
            whys,
            acts,
            note,
            problem,
        })
    }
}

/// The form of an act on a person: which act, and its fields.
#[derive(Deserialize)]
pub struct ActForm {
    csrf: String,
    act: String,
    #[serde(default)]
    as_of: String,
    #[serde(default)]
    unit: String,
    #[serde(default)]
    site: String,
    #[serde(default)]
    campaign: String,
    #[serde(default)]
    until: String,
    #[serde(default)]
    kind: String,
    #[serde(default, rename = "ref")]
    reference: String,
    #[serde(default)]
    detail: String,
    #[serde(default)]
    early: Option<String>,
    #[serde(default)]
    grounds: String,
    #[serde(default)]
    list: String,
    #[serde(default)]
    country: String,
}

fn given(text: &str) -> Option<String> {
    Some(text.trim()).filter(|text| !text.is_empty()).map(str::to_string)
}

impl ActForm {
    /// The act the form asks for, and the action the policies decide.
    fn act(&self, person: &str) -> Result<(Action, Act), ApiError> {
        let person = person.to_string();
        Ok(match self.act.as_str() {
            "assign" => {
                (Action::Assign, Act::Assign { person, unit: self.unit.trim().to_string() })
            }
            "deploy" => (
                Action::Deploy,
                Act::Deploy {
                    person,
                    site: self.site.trim().to_string(),
                    campaign: given(&self.campaign),
                    until: given(&self.until),
                },
            ),
            "event" => (
                Action::RecordEvent,
                Act::Event {
                    person,
                    kind: self.kind.trim().to_string(),
                    reference: given(&self.reference),
                    detail: given(&self.detail),
                },
            ),
            "discharge" => (
                Action::Discharge,
                Act::Discharge {
                    person,
                    early: self.early.is_some(),
                    grounds: given(&self.grounds),
                },
            ),
            "post" => (
                Action::Post,
                Act::Post {
                    person,
                    list: self.list.trim().to_string(),
                    country: self.country.trim().to_string(),
                },
            ),
            other => return Err(ApiError::bad_request(format!("no act `{other}` on a person"))),
        })
    }
}

/// Does an act on a person from his page: back to the page with what it
/// did, or the page with the refusal in place (a refusal by the policies is
/// the page of a refusal, and on the audit log).
pub async fn act(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Form(form): Form<ActForm>,
) -> Response {
    let shown = viewer.clone();
    let result = blocking(move || {
        viewer.require_token(&form.csrf)?;
        let day = super::form_day(form.as_of.trim())?;
        for (field, text) in [
            ("unit", &form.unit),
            ("site", &form.site),
            ("campaign", &form.campaign),
            ("kind", &form.kind),
            ("list", &form.list),
        ] {
            if !text.trim().is_empty() {
                crate::limits::check_id(field, text.trim())?;
            }
        }
        for (field, text) in [
            ("ref", &form.reference),
            ("detail", &form.detail),
            ("grounds", &form.grounds),
            ("country", &form.country),
            ("until", &form.until),
        ] {
            crate::limits::check_chars(field, text, crate::limits::MAX_REASON)?;
        }
        let (action, act) = form.act(&id)?;
        let mut store = state.store()?;
        let rules = state.rules(&*store)?;
        let recorded = crate::context::record_act(
            &state,
            &mut *store,
            &viewer.caller,
            &rules,
            action,
            &act,
            day,
        );
        drop(store);
        match recorded {
            Ok(done) => {
                let note = format!("act {} ({}) done: {}", done.act, done.kind, act.summary());
                let query = super::lists::url_query(&[("as_of", day.to_string()), ("note", note)]);
                Ok(Redirect::to(&format!("/people/{id}?{query}")).into_response())
            }
            Err(error) if error.status == axum::http::StatusCode::FORBIDDEN => Err(error),
            Err(error) => {
                let status = error.status;
                let problem = Some((act.kind().to_string(), error.message));
                let page = page(&state, viewer, id, day, None, problem)?;
                Ok((status, page).into_response())
            }
        }
    })
    .await;
    match result {
        Ok(response) => response,
        Err(error) => super::problem(Some(shown), error),
    }
}
