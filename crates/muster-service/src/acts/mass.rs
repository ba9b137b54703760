//! The acts on many people, from a list or a roster: a call-up, a group
//! redeployment, the postings abroad of a list's eligible candidates, and
//! the carrying out of a cycle's discharges.
//!
//! A mass act is one act. Inside its write transaction it reads who it is
//! on (the list's entries, or the roster's persons), decides each person's
//! entry by the reference interpreter over his own records, and for each
//! `eligible` one (each due to be discharged) makes the rows of the act on
//! one person it stands for (`on_person`: the same checks, the same
//! refusals), checked by the import's rules against his records. The others
//! are answered `refused` with the rules that exclude them (and the papers
//! an exemption rule honoured). One failed check refuses the whole act,
//! every failure listed; nothing is written. A preview runs the same
//! decision on the store as it stands and writes nothing, so that it
//! answers what the act would do.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::NaiveDate;
use muster_core::{EntryChange, EventKind, PersonFile, Records, Status};
use muster_dataset::{Mode, Plan};
use muster_orders::{EntryStatus, StepResult};
use muster_store::{ActWrite, NewAct, NewNotice, Store, StoreError};
use serde::Serialize;
use serde_json::{Value, json};

use super::{Act, Authorize, Rows, Subject, administrations_of, invalid, reason, refused};
use crate::views::{MassDone, MassError, MassRefused, Reason};
use crate::{Rules, ServiceError};

/// How many of the persons a notice names; the rest are counted.
const NAMED_IN_A_NOTICE: usize = 20;

/// An act on the entries of a list, or on the persons of a roster.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "act", rename_all = "kebab-case")]
pub enum MassAct {
    /// Enlists the eligible entries of a `call-up` list into a unit.
    CallUp { list: String, unit: String, term_months: String },
    /// Deploys the eligible entries of a `redeployment` list at a site (and
    /// assigns them to a unit when one is given).
    Redeploy {
        list: String,
        site: String,
        campaign: Option<String>,
        unit: Option<String>,
        until: Option<String>,
    },
    /// Posts abroad the eligible entries of an `overseas-posting` list (the
    /// first `limit` in nomination order).
    Post { list: String, country: String, limit: Option<usize> },
    /// Records the discharge, on the cycle's date, of each person of its
    /// roster due that day.
    CarryOut { cycle: String },
}

/// The kinds of the acts on many people, as recorded (`MassAct::kind`).
pub const KINDS: [&str; 4] = ["call-up", "redeploy", "list-post", "carry-out"];

impl MassAct {
    /// The act's kind, as recorded: one of `KINDS`.
    pub fn kind(&self) -> &'static str {
        match self {
            MassAct::CallUp { .. } => "call-up",
            MassAct::Redeploy { .. } => "redeploy",
            MassAct::Post { .. } => "list-post",
            MassAct::CarryOut { .. } => "carry-out",
        }
    }

    /// The list it is made from.
    pub fn list(&self) -> Option<&str> {
        match self {
            MassAct::CallUp { list, .. }
            | MassAct::Redeploy { list, .. }
            | MassAct::Post { list, .. } => Some(list),
            MassAct::CarryOut { .. } => None,
        }
    }

    /// The kind of list it is made from.
    fn list_kind(&self) -> &'static str {
        match self {
            MassAct::CallUp { .. } => "call-up",
            MassAct::Redeploy { .. } => "redeployment",
            MassAct::Post { .. } => "overseas-posting",
            MassAct::CarryOut { .. } => "",
        }
    }

    /// A one-line account of the act.
    pub fn summary(&self) -> String {
        match self {
            MassAct::CallUp { list, unit, term_months } => {
                format!("call up list {list} into {unit} for {term_months} months")
            }
            MassAct::Redeploy { list, site, unit, .. } => match unit {
                Some(unit) => format!("redeploy list {list} at {site}, into {unit}"),
                None => format!("redeploy list {list} at {site}"),
            },
            MassAct::Post { list, country, .. } => {
                format!("post the eligible of list {list} to {country}")
            }
            MassAct::CarryOut { cycle } => format!("carry out the discharges of {cycle}"),
        }
    }

    /// What the act does to each person, in words for a notice.
    fn verb(&self) -> String {
        match self {
            MassAct::CallUp { unit, .. } => format!("called up into `{unit}`"),
            MassAct::Redeploy { site, unit: Some(unit), .. } => {
                format!("redeployed at `{site}` and assigned to `{unit}`")
            }
            MassAct::Redeploy { site, .. } => format!("redeployed at `{site}`"),
            MassAct::Post { country, .. } => format!("posted to {country}"),
            MassAct::CarryOut { .. } => "discharged".to_string(),
        }
    }

    /// The act on one person it does to `person`.
    fn on(&self, person: &str) -> Vec<Act> {
        let person = person.to_string();
        match self {
            MassAct::CallUp { unit, term_months, .. } => vec![Act::Enlist {
                person,
                unit: unit.clone(),
                term_months: term_months.clone(),
                branch: None,
                rank: None,
            }],
            MassAct::Redeploy { site, campaign, unit, until, .. } => {
                let mut acts = Vec::new();
                if let Some(unit) = unit {
                    acts.push(Act::Assign { person: person.clone(), unit: unit.clone() });
                }
                acts.push(Act::Deploy {
                    person,
                    site: site.clone(),
                    campaign: campaign.clone(),
                    until: until.clone(),
                });
                acts
            }
            MassAct::Post { list, country, .. } => {
                vec![Act::Post { person, list: list.clone(), country: country.clone() }]
            }
            MassAct::CarryOut { .. } => {
                vec![Act::Discharge { person, early: false, grounds: None }]
            }
        }
    }
}

/// A person of a roster, as the engine put him on it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Due {
    pub person: String,
    /// `scheduled`, `delayed`, `exempt`, `delayed-in` or `discharged`.
    pub status: String,
    pub date: NaiveDate,
}

/// Who a carry-out is on: the roster of its cycle, as the engine computed
/// it from the store as of act `through`. The act is refused if anything
/// was recorded since (the roster would be stale); run it again.
#[derive(Clone, Debug)]
pub struct RosterOf {
    pub date: NaiveDate,
    pub entries: Vec<Due>,
    pub through: i64,
}

/// Told how far a mass act has come: its step, how many, of how many.
pub type Progress<'a> = &'a (dyn Fn(&str, usize, usize) + Sync);

/// What a mass act is given beside the act itself.
pub struct Given<'a> {
    /// The day of the act (for a carry-out, the cycle's date).
    pub day: NaiveDate,
    pub actor: &'a str,
    /// Answer what the act would do, and write nothing.
    pub preview: bool,
    /// A key: a second act with it does nothing and answers the first.
    pub key: Option<&'a str>,
    /// For a carry-out, its roster.
    pub roster: Option<&'a RosterOf>,
    /// What the act may spend: its deadline, checked person by person (a
    /// request's), so that no act holds the write lock past it.
    pub budget: Option<&'a muster_cel::Budget>,
    /// Told how far the act has come: its step (`screening`, `checking`,
    /// `writing`), and how many of how many, every few hundred persons.
    pub progress: Option<Progress<'a>>,
}

/// How many persons are decided between two looks at the budget.
const PERSONS_BETWEEN_CHECKS: usize = 256;

/// Stops the decision when the budget has run out (its deadline passed,
/// or its request went away).
fn spend(given: &Given<'_>, step: &str, count: usize, of: usize) -> Result<(), ServiceError> {
    if let Some(progress) = given.progress
        && count.is_multiple_of(PERSONS_BETWEEN_CHECKS)
    {
        progress(step, count, of);
    }
    match given.budget {
        Some(budget) if count.is_multiple_of(PERSONS_BETWEEN_CHECKS) => {
            budget.check().map_err(ServiceError::Stopped)
        }
        _ => Ok(()),
    }
}

/// Does a mass act, or previews it (`given.preview`).
pub fn record(
    store: &mut dyn Store,
    rules: &Rules,
    act: &MassAct,
    given: &Given<'_>,
    authorize: Authorize<'_>,
) -> Result<MassDone, ServiceError> {
    if let Some(key) = given.key {
        check_key(key)?;
        if let Some(first) = store.act_of_key(key)? {
            return answer_of_key(&*store, act, key, first);
        }
    }
    if given.preview {
        let decided = decide(&*store, rules, act, given, authorize)?;
        let refusal = verdict(act, given, &decided).map(|refusal| refusal.to_string());
        return Ok(MassDone {
            refusal,
            act: None,
            kind: act.kind().to_string(),
            list: act.list().map(str::to_string),
            cycle: cycle_of(act),
            as_of: given.day,
            recorded_at: None,
            actor: given.actor.to_string(),
            preview: true,
            key: given.key.map(str::to_string),
            done: decided.done,
            refused: decided.refused,
            errors: decided.errors,
            notices: decided.notices.iter().map(|notice| notice.organisation.clone()).collect(),
        });
    }
    let new_act = NewAct {
        kind: act.kind().to_string(),
        valid_on: given.day,
        actor: given.actor.to_string(),
        summary: act.summary(),
    };
    let mut first: Option<i64> = None;
    let recorded = crate::acts::record_deciding(store, new_act, &mut |store| {
        if let Some(key) = given.key
            && let Some(act) = store.act_of_key(key)?
        {
            first = Some(act);
            return Err(ServiceError::Store(StoreError::Refused {
                reason: format!("key `{key}` was used already"),
            }));
        }
        let decided = decide(store, rules, act, given, &mut *authorize)?;
        if let Some(refusal) = verdict(act, given, &decided) {
            return Err(refusal);
        }
        if let Some(progress) = given.progress {
            progress("writing", decided.done.len(), decided.done.len());
        }
        Ok(decided.write(act, given))
    });
    match recorded {
        Ok(recorded) => answer_of(&*store, recorded.id.0),
        Err(error) => {
            if let (Some(key), Some(first)) = (given.key, first) {
                return answer_of_key(&*store, act, key, first);
            }
            Err(error)
        }
    }
}

/// Why the act decided would be refused: a person failing its checks, or
/// no one due.
fn verdict(act: &MassAct, given: &Given<'_>, decided: &Decided) -> Option<ServiceError> {
    if !decided.errors.is_empty() {
        Some(failed(act, &decided.errors))
    } else if decided.done.is_empty() {
        Some(refused(format!(
            "no one of {} is due on {}: the {} would change nothing",
            match (act.list(), cycle_of(act)) {
                (Some(list), _) => format!("list `{list}`"),
                (None, cycle) => format!("the roster of {}", cycle.unwrap_or_default()),
            },
            given.day,
            act.kind()
        )))
    } else {
        None
    }
}

/// A key as given: an id's length and characters, so that it can be named.
fn check_key(key: &str) -> Result<(), ServiceError> {
    let fine = !key.is_empty()
        && key.len() <= 200
        && key.chars().all(|c| c.is_ascii_alphanumeric() || "-_.:/".contains(c));
    if fine {
        Ok(())
    } else {
        Err(ServiceError::InvalidValue("key: 1 to 200 letters, digits and `-_.:/`".to_string()))
    }
}

fn cycle_of(act: &MassAct) -> Option<String> {
    match act {
        MassAct::CarryOut { cycle } => Some(cycle.clone()),
        _ => None,
    }
}

/// The answer of act `first`, recorded with `key`, to an act given the
/// same key: the same act (its kind and list), or a refusal.
fn answer_of_key(
    store: &dyn Store,
    act: &MassAct,
    key: &str,
    first: i64,
) -> Result<MassDone, ServiceError> {
    let done = answer_of(store, first)?;
    if done.kind != act.kind() || done.list.as_deref() != act.list() || done.cycle != cycle_of(act)
    {
        return Err(refused(format!(
            "key `{key}` was given to act {first} ({}{}): a key names one act",
            done.kind,
            done.list.as_deref().map(|list| format!(" of list {list}")).unwrap_or_default()
        )));
    }
    Ok(done)
}

/// The answer of a recorded mass act, from what its audit entry holds.
pub fn answer_of(store: &dyn Store, id: i64) -> Result<MassDone, ServiceError> {
    let stored = store
        .act(id)?
        .ok_or_else(|| ServiceError::NotFound(format!("no act {id} has been recorded")))?;
    let content = &stored.content;
    let text = |field: &str| content.get(field).and_then(Value::as_str).map(str::to_string);
    let parse = |field: &str| -> Result<Value, ServiceError> {
        Ok(content.get(field).cloned().unwrap_or(Value::Array(Vec::new())))
    };
    let corrupt = |error: serde_json::Error| {
        ServiceError::Internal(format!("act {id} holds an answer muster cannot read: {error}"))
    };
    Ok(MassDone {
        act: Some(stored.act.id.0),
        kind: stored.act.kind.clone(),
        list: text("list"),
        cycle: text("cycle"),
        as_of: stored.act.valid_on,
        recorded_at: Some(stored.act.recorded_at.clone()),
        actor: stored.act.actor.clone(),
        preview: false,
        key: text("key"),
        done: serde_json::from_value(parse("done")?).map_err(corrupt)?,
        refused: serde_json::from_value(parse("refused")?).map_err(corrupt)?,
        errors: Vec::new(),
        refusal: None,
        notices: serde_json::from_value(parse("notices")?).map_err(corrupt)?,
    })
}

/// The refusal of a whole act: every person's failure.
fn failed(act: &MassAct, errors: &[MassError]) -> ServiceError {
    let mut message = format!(
        "the {} is refused: {} failed its checks; nothing was written",
        act.kind(),
        crate::persons(errors.len())
    );
    for error in errors {
        for (index, line) in error.message.lines().enumerate() {
            if index == 0 {
                message.push_str(&format!("\n  {}: {line}", error.person));
            } else {
                message.push_str(&format!("\n    {line}"));
            }
        }
    }
    ServiceError::Refused { message, details: Some(json!({ "errors": errors })) }
}

/// What a mass act does, decided from the store as it stands.
struct Decided {
    done: Vec<String>,
    refused: Vec<MassRefused>,
    errors: Vec<MassError>,
    plan: Plan,
    notices: Vec<NewNotice>,
}

impl Decided {
    /// The act's write: its rows, its notices, and its answer for the
    /// audit entry.
    fn write(self, act: &MassAct, given: &Given<'_>) -> ActWrite {
        let content = json!({
            "act": act.kind(),
            "as_of": given.day,
            "given": act,
            "list": act.list(),
            "cycle": cycle_of(act),
            "key": given.key,
            "persons": self.done,
            "done": self.done,
            "refused": self.refused,
            "notices": self.notices.iter().map(|notice| notice.organisation.clone()).collect::<Vec<_>>(),
        });
        ActWrite {
            plan: self.plan,
            notices: self.notices,
            content,
            key: given.key.map(str::to_string),
            ..ActWrite::default()
        }
    }
}

/// Decides a mass act over the store as it stands: whom it is on, what it
/// does to each, and who is refused.
fn decide(
    store: &dyn Store,
    rules: &Rules,
    act: &MassAct,
    given: &Given<'_>,
    authorize: Authorize<'_>,
) -> Result<Decided, ServiceError> {
    let world = &rules.world;
    let day = given.day;
    let mut subject = Subject::default();
    let mut owner = None;
    let mut chosen: Vec<String> = Vec::new();
    let mut refused_entries: Vec<MassRefused> = Vec::new();
    let mut files: HashMap<String, PersonFile> = HashMap::new();
    match act {
        MassAct::CarryOut { .. } => {
            let Some(roster) = given.roster else {
                return Err(ServiceError::Internal("a carry-out without its roster".to_string()));
            };
            if !authorize(&subject) {
                return Err(ServiceError::Denied(Box::new(subject)));
            }
            let last = store.last_act()?;
            if last != roster.through {
                return Err(refused(format!(
                    "the records changed while the roster was read (act {last} was recorded since act {}): run the carry-out again",
                    roster.through
                )));
            }
            let ids: Vec<String> =
                roster.entries.iter().map(|entry| entry.person.clone()).collect();
            for file in store.people_files(&ids, &world.tree)? {
                files.insert(file.person.id.clone(), file);
            }
            for entry in &roster.entries {
                // One due whose state forbids a discharge on the day (abroad,
                // awol, killed) is left out as the list acts leave out the
                // ineligible: discharged when he is back, by his own act.
                let state = files
                    .get(&entry.person)
                    .map(|file| file.status_on(roster.date, None))
                    .filter(|state| *state != Status::Serving);
                match entry.status.as_str() {
                    "scheduled" | "exempt" | "delayed-in"
                        if entry.date == roster.date && state.is_none() =>
                    {
                        chosen.push(entry.person.clone());
                    }
                    "scheduled" | "exempt" | "delayed-in" if entry.date == roster.date => {
                        refused_entries.push(MassRefused {
                            person: entry.person.clone(),
                            status: state.map_or("", Status::as_str).to_string(),
                            reasons: Vec::new(),
                            papers: Vec::new(),
                        });
                    }
                    "discharged" => {}
                    status => {
                        let reasons = files
                            .get(&entry.person)
                            .map(|file| delays(rules, file, day))
                            .unwrap_or_default();
                        refused_entries.push(MassRefused {
                            person: entry.person.clone(),
                            status: status.to_string(),
                            reasons,
                            papers: Vec::new(),
                        });
                    }
                }
            }
        }
        _ => {
            let id = act.list().unwrap_or_default();
            // A list the store does not hold is seen with no owner: only a
            // caller who may do the act on any list learns it is missing.
            let stored = store.list(id)?;
            if let Some(stored) = &stored {
                subject.placement = stored.owner.clone();
                subject.lists = vec![stored.owner.clone()];
            }
            if let MassAct::CallUp { unit, .. } | MassAct::Redeploy { unit: Some(unit), .. } = act {
                subject.into = administrations_of(rules, unit);
            }
            if !authorize(&subject) {
                return Err(ServiceError::Denied(Box::new(subject)));
            }
            let stored = stored.ok_or_else(|| ServiceError::NotFound(format!("no list `{id}`")))?;
            known_arguments(rules, act)?;
            owner = Some(stored.owner.clone());
            let list = crate::load::list(&stored);
            if list.kind != act.list_kind() {
                return Err(refused(format!(
                    "list `{id}` is of kind `{}`: a {} is made from a list of kind `{}`",
                    list.kind,
                    act.kind(),
                    act.list_kind()
                )));
            }
            if list.created_on > day {
                return Err(refused(format!(
                    "list `{id}` was made on {}, after {day}",
                    list.created_on
                )));
            }
            let changes = crate::load::list_changes(store, id, store.last_act()?)?;
            let members = muster_orders::members(&changes, day);
            let mut own: HashMap<&str, Vec<EntryChange>> = HashMap::new();
            for change in &changes {
                own.entry(change.person.as_str()).or_default().push(change.clone());
            }
            let ids: Vec<String> = members
                .iter()
                .filter(|(_, _, active)| *active)
                .map(|(person, _, _)| person.clone())
                .collect();
            for file in store.people_files(&ids, &world.tree)? {
                files.insert(file.person.id.clone(), file);
            }
            let limit = match act {
                MassAct::Post { limit, .. } => *limit,
                _ => None,
            };
            for (count, person) in ids.iter().enumerate() {
                spend(given, "screening", count, ids.len())?;
                let Some(file) = files.get(person) else {
                    continue;
                };
                let changes = own.get(person.as_str()).map(Vec::as_slice).unwrap_or_default();
                let Some(entry) =
                    muster_orders::person_entry(world, &rules.book, &list, file, changes, day)
                else {
                    continue;
                };
                if entry.status == EntryStatus::Eligible {
                    if limit.is_none_or(|limit| chosen.len() < limit) {
                        chosen.push(person.clone());
                    }
                    continue;
                }
                refused_entries.push(MassRefused {
                    person: person.clone(),
                    status: entry.status.as_str().to_string(),
                    reasons: entry.reasons.iter().map(reason).collect(),
                    papers: papers(rules, file, &entry.reasons, day),
                });
            }
        }
    }

    // Every person's rows checked together, as one import checks them (the
    // common case: one read of the rows, one check); if any person fails,
    // each is checked on his own, so that every failure is named by person.
    let mut errors = Vec::new();
    let plan = match together(store, rules, act, &chosen, &files, given)? {
        Some(plan) => plan,
        None => {
            let mut plan = Plan::default();
            for (count, person) in chosen.iter().enumerate() {
                spend(given, "checking", count, chosen.len())?;
                let Some(file) = files.get(person) else {
                    errors.push(MassError {
                        person: person.clone(),
                        message: format!("no person `{person}` in the store"),
                    });
                    continue;
                };
                match person_plan(store, rules, act, file, day) {
                    Ok(own) => merge(&mut plan, own),
                    Err(error) => errors
                        .push(MassError { person: person.clone(), message: error.to_string() }),
                }
            }
            plan
        }
    };
    let mut moved: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for person in &chosen {
        let Some(file) = files.get(person) else {
            continue;
        };
        let mut organisations: BTreeSet<String> = BTreeSet::new();
        if let Some(assigned) = file.assignments.iter().find(|assignment| assignment.covers(day)) {
            organisations.extend(administrations_of(rules, &assigned.unit));
        }
        if let MassAct::CallUp { unit, .. } | MassAct::Redeploy { unit: Some(unit), .. } = act {
            organisations.extend(administrations_of(rules, unit));
        }
        for organisation in organisations {
            moved.entry(organisation).or_default().push(person.clone());
        }
    }
    let mut notices = Vec::new();
    let list = act.list().map(str::to_string);
    let of = list.as_deref().map(|list| format!(" from list {list}")).unwrap_or_default();
    for (organisation, persons) in &moved {
        notices.push(NewNotice {
            organisation: organisation.clone(),
            order: None,
            list: list.clone(),
            message: format!(
                "{} of your people {} on {day}{of}: {}",
                persons.len(),
                act.verb(),
                named(persons)
            ),
        });
    }
    if let Some(owner) = owner
        && !moved.contains_key(&owner)
    {
        notices.push(NewNotice {
            organisation: owner,
            order: None,
            list: list.clone(),
            message: format!(
                "{} of your list {} on {day}, {} refused: {}",
                crate::persons(chosen.len()),
                act.verb(),
                refused_entries.len(),
                named(&chosen)
            ),
        });
    }
    Ok(Decided { done: chosen, refused: refused_entries, errors, plan, notices })
}

/// The unit, site and campaign an act names, known to the records: one
/// error for the act, not one for each of its people.
fn known_arguments(rules: &Rules, act: &MassAct) -> Result<(), ServiceError> {
    let world = &rules.world;
    let unit = match act {
        MassAct::CallUp { unit, .. } | MassAct::Redeploy { unit: Some(unit), .. } => Some(unit),
        _ => None,
    };
    if let Some(unit) = unit
        && !world.units.contains_key(unit)
    {
        return Err(ServiceError::NotFound(format!("no unit `{unit}`")));
    }
    if let MassAct::Redeploy { site, campaign, .. } = act {
        if !world.sites.iter().any(|known| known.id == *site) {
            return Err(ServiceError::NotFound(format!("no site `{site}`")));
        }
        if let Some(campaign) = campaign {
            match world.campaigns.iter().find(|known| known.id == *campaign) {
                None => return Err(ServiceError::NotFound(format!("no campaign `{campaign}`"))),
                Some(known) if known.site != *site => {
                    return Err(ServiceError::InvalidValue(format!(
                        "campaign `{campaign}` is at site `{}`, not `{site}`",
                        known.site
                    )));
                }
                Some(_) => {}
            }
        }
    }
    Ok(())
}

/// "p1, p2 and 3 more".
fn named(persons: &[String]) -> String {
    let shown: Vec<&str> = persons.iter().take(NAMED_IN_A_NOTICE).map(String::as_str).collect();
    let mut text = shown.join(", ");
    if persons.len() > shown.len() {
        text.push_str(&format!(" and {} more", persons.len() - shown.len()));
    }
    text
}

/// The rows of the act on each person chosen, all checked at once by the
/// import's rules against their records: the plan, or none if any person
/// fails (then each is checked on his own, to name his failure).
fn together(
    store: &dyn Store,
    rules: &Rules,
    act: &MassAct,
    chosen: &[String],
    files: &HashMap<String, PersonFile>,
    given: &Given<'_>,
) -> Result<Option<Plan>, ServiceError> {
    let day = given.day;
    let mut rows = Rows::default();
    for (count, person) in chosen.iter().enumerate() {
        spend(given, "checking", count, chosen.len())?;
        let Some(file) = files.get(person) else {
            return Ok(None);
        };
        let own = match person_rows(store, rules, act, file, day) {
            Ok(own) => own,
            Err(ServiceError::Stopped(stop)) => return Err(ServiceError::Stopped(stop)),
            Err(_) => return Ok(None),
        };
        rows.people.extend(own.people);
        rows.service.extend(own.service);
        rows.deployments.extend(own.deployments);
        rows.events.extend(own.events);
        rows.files.push(file.clone());
    }
    let Some(last) = act.on("").pop() else {
        return Ok(Some(Plan::default()));
    };
    let stored = rows.known(rules, store, &last)?;
    let Ok(dataset) = rows.dataset() else {
        return Ok(None);
    };
    Ok(muster_dataset::check(&stored, dataset, Mode::Update).ok())
}

/// The rows of the acts on one person a mass act does to him.
fn person_rows(
    store: &dyn Store,
    rules: &Rules,
    act: &MassAct,
    file: &PersonFile,
    day: NaiveDate,
) -> Result<Rows, ServiceError> {
    let mut rows = Rows::default();
    for one in &act.on(&file.person.id) {
        if let Act::Assign { unit, .. } = one
            && file
                .assignments
                .iter()
                .any(|assignment| assignment.covers(day) && assignment.unit == *unit)
        {
            // Assigned there already: the redeployment only deploys him.
            continue;
        }
        let own = super::on_person(store, rules, one, file, day)?;
        rows.people.extend(own.people);
        rows.service.extend(own.service);
        rows.deployments.extend(own.deployments);
        rows.events.extend(own.events);
    }
    Ok(rows)
}

/// The rows of the act on one person a mass act does to him, checked by
/// the import's rules against his records.
fn person_plan(
    store: &dyn Store,
    rules: &Rules,
    act: &MassAct,
    file: &PersonFile,
    day: NaiveDate,
) -> Result<Plan, ServiceError> {
    let mut rows = person_rows(store, rules, act, file, day)?;
    rows.files = vec![file.clone()];
    let acts = act.on(&file.person.id);
    let stored: Records = match acts.last() {
        Some(one) => rows.known(rules, store, one)?,
        None => Records::default(),
    };
    muster_dataset::check(&stored, rows.dataset()?, Mode::Update).map_err(invalid)
}

fn merge(plan: &mut Plan, own: Plan) {
    plan.people.extend(own.people);
    plan.assignments.extend(own.assignments);
    plan.deployments.extend(own.deployments);
    plan.events.extend(own.events);
    plan.unchanged += own.unchanged;
}

/// The rules that moved his discharge, as reasons.
fn delays(rules: &Rules, file: &PersonFile, day: NaiveDate) -> Vec<Reason> {
    let file = crate::people::as_of(file.clone(), day);
    let chain = muster_orders::discharge(&rules.world, &rules.book, &file, day);
    chain
        .steps
        .iter()
        .filter(|step| {
            matches!(step.result, StepResult::Delayed { .. } | StepResult::Overridden { .. })
        })
        .map(|step| Reason {
            order: step.order.clone(),
            rule: step.rule,
            reason: rule_reason(rules, &step.order, step.rule),
        })
        .collect()
}

fn rule_reason(rules: &Rules, order: &str, rule: usize) -> String {
    rules
        .book
        .get(order)
        .and_then(|issued| issued.order.rules.iter().find(|own| own.number == rule))
        .map(|rule| rule.reason.clone())
        .unwrap_or_default()
}

/// The papers of his that the rules excluding him honour: his exemptions
/// valid on the day of a scope that one of those rules reads
/// (`person.exempted(SCOPE)`): an `exempted` event by its text (the
/// detail after the scope), a paper of the register by its number, its
/// grounds (or text), its document and its issuer.
fn papers(
    rules: &Rules,
    file: &PersonFile,
    reasons: &[muster_orders::Reason],
    day: NaiveDate,
) -> Vec<String> {
    let mut scopes = BTreeSet::new();
    for reason in reasons {
        let Some(rule) = rules
            .book
            .get(&reason.order)
            .and_then(|issued| issued.order.rules.iter().find(|rule| rule.number == reason.rule))
        else {
            continue;
        };
        exempted_scopes(&rule.when.expr, &mut scopes);
        if let Some(unless) = &rule.unless {
            exempted_scopes(&unless.expr, &mut scopes);
        }
    }
    file.events
        .iter()
        .filter(|event| {
            event.kind == EventKind::Exempted
                && event.date <= day
                && scopes.contains(event.exemption_scope())
        })
        .map(|event| {
            let (_, text) = event.detail.split_once(':').unwrap_or(("", &event.detail));
            text.trim().to_string()
        })
        .chain(
            file.papers
                .iter()
                .filter(|held| scopes.contains(&held.paper.scope) && held.holds_on(day))
                .map(|held| {
                    let paper = &held.paper;
                    let what =
                        if paper.text.is_empty() { paper.grounds.as_str() } else { &paper.text };
                    format!("{} {what} {} from {}", held.id, paper.document, paper.issuer)
                }),
        )
        .collect()
}

/// The scopes of the `exempted("SCOPE")` calls in a condition.
fn exempted_scopes(expr: &muster_cel::Expr, scopes: &mut BTreeSet<String>) {
    use muster_cel::syntax::{ExprKind, Literal};
    match &expr.kind {
        ExprKind::Call { target, function, arguments } => {
            if function.name == "exempted"
                && let [argument] = arguments.as_slice()
                && let ExprKind::Literal(Literal::String(scope)) = &argument.kind
            {
                scopes.insert(scope.clone());
            }
            if let Some(target) = target {
                exempted_scopes(target, scopes);
            }
            for argument in arguments {
                exempted_scopes(argument, scopes);
            }
        }
        ExprKind::Literal(_) | ExprKind::Identifier(_) => {}
        ExprKind::List(items) => {
            for item in items {
                exempted_scopes(item, scopes);
            }
        }
        ExprKind::Unary { operand, .. } => exempted_scopes(operand, scopes),
        ExprKind::Binary { left, right, .. } => {
            exempted_scopes(left, scopes);
            exempted_scopes(right, scopes);
        }
        ExprKind::Conditional { condition, then_branch, else_branch } => {
            exempted_scopes(condition, scopes);
            exempted_scopes(then_branch, scopes);
            exempted_scopes(else_branch, scopes);
        }
        ExprKind::Member { target, .. } => exempted_scopes(target, scopes),
        ExprKind::Index { target, index } => {
            exempted_scopes(target, scopes);
            exempted_scopes(index, scopes);
        }
        ExprKind::Macro { target, filter, body, .. } => {
            exempted_scopes(target, scopes);
            if let Some(filter) = filter {
                exempted_scopes(filter, scopes);
            }
            exempted_scopes(body, scopes);
        }
    }
}

/// The roster a carry-out of `cycle` is on: as of the cycle's date, from
/// the engine as of its last act.
pub fn roster_of(
    army: &crate::Army,
    cycle: &str,
    budget: &muster_cel::Budget,
) -> Result<RosterOf, ServiceError> {
    let cycle = crate::reports::cycle(cycle)?;
    let date = army.world().calendar.cycle_date(cycle);
    let roster = army.engine().roster(army.book(), cycle, date, budget)?;
    Ok(RosterOf {
        date: roster.date,
        entries: roster
            .entries
            .into_iter()
            .map(|entry| Due {
                person: entry.person,
                status: entry.status.as_str().to_string(),
                date: entry.date,
            })
            .collect(),
        through: army.last_act(),
    })
}

/// The rules that refused a person, in words: "ORDER rule N: reason; ...".
pub fn reasons_text(refused: &MassRefused) -> String {
    refused
        .reasons
        .iter()
        .map(|reason| format!("{} rule {}: {}", reason.order, reason.rule, reason.reason))
        .collect::<Vec<_>>()
        .join("; ")
}

/// Writes a mass act's outcome person by person as CSV: person, outcome
/// (`done` or `refused`), status, reasons, papers.
pub fn write_csv(out: impl std::io::Write, done: &MassDone) -> Result<(), csv::Error> {
    let mut writer = csv::Writer::from_writer(out);
    writer.write_record(["person", "outcome", "status", "reasons", "papers"])?;
    let outcome = if done.act.is_some() { "done" } else { "would be done" };
    for person in &done.done {
        writer.write_record([person.as_str(), outcome, "", "", ""])?;
    }
    for refused in &done.refused {
        writer.write_record([
            refused.person.as_str(),
            "refused",
            refused.status.as_str(),
            &reasons_text(refused),
            &refused.papers.join(" "),
        ])?;
    }
    writer.flush()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_mass_act_has_its_kind_among_the_kinds() {
        let acts = [
            MassAct::CallUp {
                list: String::new(),
                unit: String::new(),
                term_months: String::new(),
            },
            MassAct::Redeploy {
                list: String::new(),
                site: String::new(),
                campaign: None,
                unit: None,
                until: None,
            },
            MassAct::Post { list: String::new(), country: String::new(), limit: None },
            MassAct::CarryOut { cycle: String::new() },
        ];
        let kinds: Vec<&str> = acts.iter().map(MassAct::kind).collect();
        assert_eq!(kinds, KINDS);
    }
}
