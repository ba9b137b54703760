//! A person's page: his record, his history as a timeline, his status, and
//! why, rule by rule, for each list kind and for his discharge. A role cut
//! to some fields (a placement officer) sees those only.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::response::Response;
use chrono::NaiveDate;
use muster_access::Action;
use muster_service::explain::Subject;
use muster_service::views;

use super::{PageQuery, Viewer, respond};
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
        let mut context = viewer.context(&state)?;
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
        Ok(PersonPage {
            viewer: Some(viewer),
            name: person.person.name.clone(),
            id,
            day,
            status: person.status.clone(),
            fields: fields(&person),
            timeline: timeline(&person),
            whys,
        })
    })
    .await
}
