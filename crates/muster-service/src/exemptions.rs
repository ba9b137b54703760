//! The register of exemption papers (`spec/exemptions.md`): a paper
//! entered, revoked, or given an auditor's note, each an act of its own;
//! the register read with filters, and one paper with its history.
//!
//! A paper is entered as a row of `exemptions.csv`, read and checked by the
//! import's own reader and rules inside the act's transaction, so that
//! `exemption issue` refuses what an import would, in the same words.

use chrono::NaiveDate;
use muster_core::{HeldPaper, Records};
use muster_dataset::Mode;
use muster_store::{
    ActWrite, NewAct, NewPaperNote, NewPaperRevocation, PaperFilter, RegisteredPaper, Store,
};
use serde::Serialize;
use serde_json::json;

use crate::ServiceError;
use crate::model::Rules;

/// A paper as the policies see it, read inside the act's transaction: the
/// organisations administering the units its person served in by the
/// act's day (or units above them), and its issuer. A paper about to be
/// entered has the id `new`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PaperSubject {
    pub id: String,
    pub administrations: Vec<String>,
    pub issuer: String,
}

/// Decides whether the caller may do an act on a paper: `true` lets it go
/// on. The command line allows everything; the server asks the policies.
pub type PaperAuthorize<'a> = &'a mut dyn FnMut(&PaperSubject) -> bool;

/// Lets every act on a paper go on (the command line).
pub fn anyone(_: &PaperSubject) -> bool {
    true
}

/// The paper subject of a person's file on a day.
fn subject_of(
    rules: &Rules,
    id: &str,
    file: Option<&muster_core::PersonFile>,
    issuer: &str,
    day: NaiveDate,
) -> PaperSubject {
    let administrations = file
        .map(|file| crate::model::Custody::of_file(&rules.world, &[], file, day).administrations)
        .unwrap_or_default();
    PaperSubject { id: id.to_string(), administrations, issuer: issuer.to_string() }
}

/// A paper to enter, its fields as given (checked as a row of
/// `exemptions.csv`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct NewPaper {
    pub document: String,
    pub person: String,
    pub scope: String,
    pub grounds: String,
    #[serde(default)]
    pub text: String,
    pub issuer: String,
    #[serde(default)]
    pub official: String,
    pub issued_on: String,
    #[serde(default)]
    pub valid_from: Option<String>,
    #[serde(default)]
    pub valid_until: Option<String>,
}

/// A paper's revocation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct RevokedView {
    #[schema(value_type = String, format = Date)]
    pub on: NaiveDate,
    pub reason: String,
}

/// A paper of the register, as `exemption list` answers it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct PaperView {
    pub id: String,
    pub document: String,
    pub person: String,
    pub scope: String,
    pub grounds: String,
    pub text: String,
    pub issuer: String,
    pub official: String,
    #[schema(value_type = String, format = Date)]
    pub issued_on: NaiveDate,
    #[schema(value_type = String, format = Date)]
    pub valid_from: NaiveDate,
    #[schema(value_type = Option<String>, format = Date)]
    pub valid_until: Option<NaiveDate>,
    /// When muster learned of it: the moment the act that entered it was
    /// recorded.
    pub recorded_at: String,
    /// The act that entered it, and its kind (`import`, `exemption-issue`,
    /// or for a paper of an `exempted` event the act that recorded it).
    pub act: i64,
    pub entered_by: String,
    pub revoked: Option<RevokedView>,
}

/// The register, or the papers an act entered.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Papers {
    pub papers: Vec<PaperView>,
}

/// An act on the register, with what it answered.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct PaperAct {
    pub act: i64,
    pub kind: String,
    #[schema(value_type = String, format = Date)]
    pub as_of: NaiveDate,
    pub recorded_at: String,
    pub actor: String,
    pub papers: Vec<PaperView>,
}

/// An auditor's note on a paper.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct NoteView {
    pub act: i64,
    pub recorded_at: String,
    pub actor: String,
    pub note: String,
}

/// One paper with its history: who entered it and when, its revocation's
/// act, and the auditors' notes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct PaperDetail {
    pub paper: PaperView,
    pub entered_by_actor: String,
    pub revoked_by: Option<i64>,
    pub notes: Vec<NoteView>,
}

impl PaperView {
    pub fn of(registered: &RegisteredPaper) -> PaperView {
        let HeldPaper { id, paper, revoked } = &registered.held;
        PaperView {
            id: id.clone(),
            document: paper.document.clone(),
            person: paper.person.clone(),
            scope: paper.scope.clone(),
            grounds: paper.grounds.as_str().to_string(),
            text: paper.text.clone(),
            issuer: paper.issuer.clone(),
            official: paper.official.clone(),
            issued_on: paper.issued_on,
            valid_from: paper.valid_from,
            valid_until: paper.valid_until,
            recorded_at: registered.act.recorded_at.clone(),
            act: registered.act.id.0,
            entered_by: registered.act.kind.clone(),
            revoked: revoked
                .as_ref()
                .map(|revoked| RevokedView { on: revoked.on, reason: revoked.reason.clone() }),
        }
    }
}

/// The register, filtered.
pub fn list(store: &dyn Store, filter: &PaperFilter) -> Result<Papers, ServiceError> {
    Ok(Papers { papers: store.papers(filter)?.iter().map(PaperView::of).collect() })
}

/// One paper with its history.
pub fn show(store: &dyn Store, id: &str) -> Result<PaperDetail, ServiceError> {
    let history =
        store.paper(id)?.ok_or_else(|| ServiceError::NotFound(format!("no paper `{id}`")))?;
    Ok(PaperDetail {
        paper: PaperView::of(&history.paper),
        entered_by_actor: history.paper.act.actor.clone(),
        revoked_by: history.revoked_by.map(|act| act.id.0),
        notes: history
            .notes
            .into_iter()
            .map(|(act, note)| NoteView {
                act: act.id.0,
                recorded_at: act.recorded_at,
                actor: act.actor,
                note,
            })
            .collect(),
    })
}

/// Enters a paper into the register, as one act on day `day`: its fields
/// read and checked as a row of `exemptions.csv` against the person and
/// the organisations the store holds, in the act's transaction.
pub fn issue(
    store: &mut dyn Store,
    rules: &Rules,
    paper: &NewPaper,
    day: NaiveDate,
    actor: &str,
    authorize: PaperAuthorize<'_>,
) -> Result<PaperAct, ServiceError> {
    let new_act = NewAct {
        kind: "exemption-issue".to_string(),
        valid_on: day,
        actor: actor.to_string(),
        summary: format!(
            "{} paper `{}` for {} from `{}`",
            paper.scope, paper.document, paper.person, paper.issuer
        ),
    };
    let recorded = crate::acts::record_deciding(store, new_act, &mut |store| {
        let file = store
            .people_files(std::slice::from_ref(&paper.person), &rules.world.tree)?
            .into_iter()
            .next();
        let subject = subject_of(rules, "new", file.as_ref(), &paper.issuer, day);
        if !authorize(&subject) {
            return Err(ServiceError::PaperDenied(Box::new(subject)));
        }
        let cells: Vec<(&str, &str)> = vec![
            ("document", &paper.document),
            ("person", &paper.person),
            ("scope", &paper.scope),
            ("grounds", &paper.grounds),
            ("text", &paper.text),
            ("issuer", &paper.issuer),
            ("official", &paper.official),
            ("issued_on", &paper.issued_on),
            ("valid_from", paper.valid_from.as_deref().unwrap_or("")),
            ("valid_until", paper.valid_until.as_deref().unwrap_or("")),
        ];
        let dataset = muster_dataset::read_rows("exemptions.csv", &[cells])
            .map_err(|errors| crate::acts::invalid(muster_dataset::ImportError::Invalid(errors)))?;
        let file =
            file.ok_or_else(|| ServiceError::NotFound(format!("no person `{}`", paper.person)))?;
        let stored = Records {
            organisations: rules.world.organisations.clone(),
            people: vec![file.person.clone()],
            papers: file.papers.clone(),
            ..Records::default()
        };
        let plan =
            muster_dataset::check(&stored, dataset, Mode::Update).map_err(crate::acts::invalid)?;
        let Some(entered) = plan.papers.first() else {
            return Err(ServiceError::Refused {
                message: "the register already holds this paper".to_string(),
                details: None,
            });
        };
        // The limits in force when it is entered (and where none names
        // the issuers, the rule that a placement organisation issues none).
        let limits = match store.exemption_limits()? {
            Some((_, text)) => muster_orders::limits::parse_limits(&text).map_err(|_| {
                ServiceError::Internal("the limits in force cannot be read".to_string())
            })?,
            None => muster_orders::limits::Limits::default(),
        };
        let kind = rules
            .world
            .organisations
            .iter()
            .find(|organisation| organisation.id == entered.issuer)
            .map(|organisation| organisation.kind);
        let breaches = limits.breaches(entered, kind, &file);
        if !breaches.is_empty() {
            let lines: Vec<String> = breaches
                .iter()
                .map(|breach| {
                    let name = muster_orders::limits::Limits::name(breach);
                    format!("{name} ({}): {}", breach.kind, breach.why)
                })
                .collect();
            return Err(ServiceError::OverLimit {
                message: format!("the paper breaks the limits in force: {}", lines.join("; ")),
                breaches: json!(breaches),
            });
        }
        let content = json!({"act": "exemption-issue", "as_of": day, "given": paper, "persons": [paper.person]});
        Ok(ActWrite { plan, content, ..ActWrite::default() })
    })?;
    answer(store, recorded, &paper.person)
}

/// Revokes a paper from day `day` on, as one act; refused for a paper
/// already revoked.
pub fn revoke(
    store: &mut dyn Store,
    rules: &Rules,
    id: &str,
    reason: &str,
    day: NaiveDate,
    actor: &str,
    authorize: PaperAuthorize<'_>,
) -> Result<PaperAct, ServiceError> {
    if reason.trim().is_empty() {
        return Err(ServiceError::Invalid("a revocation gives its reason (`--reason`)".into()));
    }
    let new_act = NewAct {
        kind: "exemption-revoke".to_string(),
        valid_on: day,
        actor: actor.to_string(),
        summary: format!("paper {id} revoked: {reason}"),
    };
    let recorded = crate::acts::record_deciding(store, new_act, &mut |store| {
        let history =
            store.paper(id)?.ok_or_else(|| ServiceError::NotFound(format!("no paper `{id}`")))?;
        authorize_on(store, rules, &history, day, authorize)?;
        if let Some(revoked) = &history.paper.held.revoked {
            return Err(ServiceError::Refused {
                message: format!("paper {id} was revoked already, from {}", revoked.on),
                details: None,
            });
        }
        let person = history.paper.held.paper.person.clone();
        Ok(ActWrite {
            paper_revocations: vec![NewPaperRevocation {
                paper: id.to_string(),
                on: day,
                reason: reason.to_string(),
            }],
            content: json!({"act": "exemption-revoke", "as_of": day, "paper": id, "reason": reason, "persons": [person]}),
            ..ActWrite::default()
        })
    })?;
    answer_with(store, recorded, id)
}

/// Asks `authorize` about a paper of the register, as it stands in the
/// act's transaction.
fn authorize_on(
    store: &dyn Store,
    rules: &Rules,
    history: &muster_store::PaperHistory,
    day: NaiveDate,
    authorize: PaperAuthorize<'_>,
) -> Result<(), ServiceError> {
    let paper = &history.paper.held;
    let file = store
        .people_files(std::slice::from_ref(&paper.paper.person), &rules.world.tree)?
        .into_iter()
        .next();
    let subject = subject_of(rules, &paper.id, file.as_ref(), &paper.paper.issuer, day);
    if authorize(&subject) { Ok(()) } else { Err(ServiceError::PaperDenied(Box::new(subject))) }
}

/// Keeps an auditor's note with a paper, as one act.
pub fn review(
    store: &mut dyn Store,
    rules: &Rules,
    id: &str,
    note: &str,
    day: NaiveDate,
    actor: &str,
    authorize: PaperAuthorize<'_>,
) -> Result<PaperAct, ServiceError> {
    if note.trim().is_empty() {
        return Err(ServiceError::Invalid("a note says something (`--note`)".into()));
    }
    let new_act = NewAct {
        kind: "exemption-review".to_string(),
        valid_on: day,
        actor: actor.to_string(),
        summary: format!("note on paper {id}"),
    };
    let recorded = crate::acts::record_deciding(store, new_act, &mut |store| {
        let history =
            store.paper(id)?.ok_or_else(|| ServiceError::NotFound(format!("no paper `{id}`")))?;
        authorize_on(store, rules, &history, day, authorize)?;
        Ok(ActWrite {
            paper_notes: vec![NewPaperNote { paper: id.to_string(), note: note.to_string() }],
            content: json!({"act": "exemption-review", "as_of": day, "paper": id, "note": note}),
            ..ActWrite::default()
        })
    })?;
    answer_with(store, recorded, id)
}

pub use muster_orders::anomalies::Finding;
pub use muster_orders::rates::IssuerRate;

/// The limits in force, as set (the document, and the act that set it).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct LimitsView {
    /// `None` when no limits were ever set.
    pub act: Option<i64>,
    pub recorded_at: Option<String>,
    pub document: String,
    /// Each limit, as read.
    #[schema(value_type = Vec<Object>)]
    pub limits: serde_json::Value,
}

/// The limits in force.
pub fn limits(store: &dyn Store) -> Result<LimitsView, ServiceError> {
    let Some((act, document)) = store.exemption_limits()? else {
        return Ok(LimitsView {
            act: None,
            recorded_at: None,
            document: String::new(),
            limits: json!([]),
        });
    };
    let parsed = muster_orders::limits::parse_limits(&document)
        .map_err(|_| ServiceError::Internal("the limits in force cannot be read".to_string()))?;
    Ok(LimitsView {
        act: Some(act.id.0),
        recorded_at: Some(act.recorded_at),
        document,
        limits: json!(parsed.limits),
    })
}

/// Sets the limits on issuing papers, whole, as one act: `text` is read
/// first, and every error in it named with its line and column under
/// `name`; papers entered before are not judged by them (the anomaly
/// report shows those that break them).
pub fn set_limits(
    store: &mut dyn Store,
    name: &str,
    text: &str,
    day: NaiveDate,
    actor: &str,
) -> Result<LimitsView, ServiceError> {
    let parsed = muster_orders::limits::parse_limits(text).map_err(|errors| {
        let lines: Vec<String> = errors
            .iter()
            .map(|error| {
                let (line, column) = crate::line_column(text, error.span.start);
                format!("{name}:{line}:{column}: {}", error.message)
            })
            .collect();
        ServiceError::Invalid(lines.join("\n"))
    })?;
    let new_act = NewAct {
        kind: "exemption-limits".to_string(),
        valid_on: day,
        actor: actor.to_string(),
        summary: format!("{} limits on issuing papers", parsed.limits.len()),
    };
    crate::acts::record_deciding(store, new_act, &mut |_| {
        Ok(ActWrite {
            exemption_limits: Some(text.to_string()),
            content: json!({"act": "exemption-limits", "as_of": day, "limits": parsed.limits}),
            ..ActWrite::default()
        })
    })?;
    limits(store)
}

/// The auditor's report over the papers that bear a day in `from ..= to`.
#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
pub struct AnomalyReport {
    #[schema(value_type = String, format = Date)]
    pub from: NaiveDate,
    #[schema(value_type = String, format = Date)]
    pub to: NaiveDate,
    #[schema(value_type = Vec<Object>)]
    pub findings: Vec<muster_orders::anomalies::Finding>,
    /// Every issuer's rate test, found or not (scope, issuer, observed,
    /// expected, p_value, q_value, found): what the console's chart draws.
    #[schema(value_type = Vec<Object>)]
    pub rates: Vec<muster_orders::rates::IssuerRate>,
}

/// The anomaly report: the findings decided paper by paper
/// (`muster_orders::anomalies::paper_findings`) over the register, each
/// person's file, his nominations to lists, and the limits in force; the
/// rates of each issuer against its peers, and of each list against the
/// people of its entries' strata (`army`: the engine as of the last act,
/// loaded from the store when not given and a list is to be tested).
pub fn anomalies(
    store: &dyn Store,
    rules: &Rules,
    army: Option<&muster_engine::Engine>,
    from: NaiveDate,
    to: NaiveDate,
    scope: Option<&str>,
) -> Result<AnomalyReport, ServiceError> {
    use std::collections::{BTreeMap, BTreeSet, HashMap};
    if to < from {
        return Err(ServiceError::Invalid(format!("the window ends on {to}, before {from}")));
    }
    let registered = store.papers(&PaperFilter::default())?;
    let persons: Vec<String> = registered
        .iter()
        .map(|paper| paper.held.paper.person.clone())
        .collect::<BTreeSet<String>>()
        .into_iter()
        .collect();
    let files = store.people_files(&persons, &rules.world.tree)?;
    let files: BTreeMap<&str, &muster_core::PersonFile> =
        files.iter().map(|file| (file.person.id.as_str(), file)).collect();
    let kinds: HashMap<String, String> =
        store.lists()?.into_iter().map(|list| (list.id, list.kind)).collect();
    let entries = store.persons_entries(&persons)?;
    let nominations: Vec<muster_orders::anomalies::Nomination<'_>> = entries
        .iter()
        .filter(|(_, entry)| entry.action == muster_store::EntryAction::Add)
        .filter_map(|(list, entry)| {
            Some(muster_orders::anomalies::Nomination {
                person: &entry.person,
                list,
                kind: kinds.get(list)?,
                on: entry.act.valid_on,
                recorded_at: &entry.act.recorded_at,
            })
        })
        .collect();
    let limits = match store.exemption_limits()? {
        Some((_, text)) => muster_orders::limits::parse_limits(&text).map_err(|_| {
            ServiceError::Internal("the limits in force cannot be read".to_string())
        })?,
        None => muster_orders::limits::Limits::default(),
    };
    let issuer_kinds: HashMap<&str, muster_core::OrganisationKind> = rules
        .world
        .organisations
        .iter()
        .map(|organisation| (organisation.id.as_str(), organisation.kind))
        .collect();
    let entered: Vec<muster_orders::anomalies::Entered<'_>> = registered
        .iter()
        .map(|paper| muster_orders::anomalies::Entered {
            held: &paper.held,
            recorded_on: paper
                .act
                .recorded_at
                .get(..10)
                .and_then(muster_core::parse_date)
                .unwrap_or(paper.act.valid_on),
            recorded_at: &paper.act.recorded_at,
            issued: paper.act.kind == "exemption-issue",
            issuer_kind: issuer_kinds.get(paper.held.paper.issuer.as_str()).copied(),
        })
        .collect();
    let mut findings = muster_orders::anomalies::paper_findings(
        &entered,
        &nominations,
        &limits,
        &files,
        (from, to),
        scope,
    );
    // The rates: the papers bearing a day of the window, each
    // administration held to the people serving in its units then.
    let within: Vec<&muster_core::HeldPaper> = registered
        .iter()
        .map(|paper| &paper.held)
        .filter(|held| {
            from <= held.paper.issued_on
                && held.paper.issued_on <= to
                && scope.is_none_or(|scope| held.paper.scope == scope)
        })
        .collect();
    let mut exposure: BTreeMap<String, u64> = BTreeMap::new();
    for (unit, people) in store.serving_by_unit(from, to)? {
        let mut administrations: Vec<&String> = rules
            .world
            .tree
            .ancestors_or_self(&unit)
            .filter_map(|unit| rules.world.units.get(unit)?.administration.as_ref())
            .collect();
        administrations.sort();
        administrations.dedup();
        for administration in administrations {
            *exposure.entry(administration.clone()).or_default() += people;
        }
    }
    let organisations: Vec<(&str, muster_core::OrganisationKind)> = rules
        .world
        .organisations
        .iter()
        .map(|organisation| (organisation.id.as_str(), organisation.kind))
        .collect();
    let rates = muster_orders::rates::issuer_rates(&within, &organisations, &exposure);
    let lists = list_cases(store, army, &registered, from, to, scope)?;
    // The rate findings first: they are about issuers and lists, the
    // others about papers.
    findings.splice(0..0, muster_orders::rates::list_rates(&lists));
    findings.splice(0..0, rates.findings);
    Ok(AnomalyReport { from, to, findings, rates: rates.tested })
}

/// The lists `list-rate` tests: those made on a day of the window, of a
/// kind (in `scope`, when given) some paper exempts from. A list's day is
/// the day it was made; its entries are those it holds now; a person is
/// exempted from its kind when a paper of that scope (revoked since or
/// not) is valid on that day. The strata are the army's on that day.
fn list_cases(
    store: &dyn Store,
    army: Option<&muster_engine::Engine>,
    registered: &[muster_store::RegisteredPaper],
    from: NaiveDate,
    to: NaiveDate,
    scope: Option<&str>,
) -> Result<Vec<muster_orders::rates::ListCase>, ServiceError> {
    use std::collections::{BTreeMap, BTreeSet, HashMap};
    let scopes: BTreeSet<&str> =
        registered.iter().map(|paper| paper.held.paper.scope.as_str()).collect();
    let lists: Vec<muster_store::StoredList> = store
        .lists()?
        .into_iter()
        .filter(|list| from <= list.act.valid_on && list.act.valid_on <= to)
        .filter(|list| scopes.contains(list.kind.as_str()))
        .filter(|list| scope.is_none_or(|scope| scope == list.kind))
        .collect();
    if lists.is_empty() {
        return Ok(Vec::new());
    }
    let loaded;
    let engine = match army {
        Some(engine) => engine,
        None => {
            loaded = crate::model::load_engine(store, &mut |_, _, _| {})?;
            &loaded
        }
    };
    let mut strata_of_day: HashMap<NaiveDate, muster_engine::Strata> = HashMap::new();
    let mut cases = Vec::new();
    for list in lists {
        let day = list.act.valid_on;
        let strata = strata_of_day.entry(day).or_insert_with(|| engine.strata(day));
        // The papers of the list's kind valid on its day, by holder.
        let mut held: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for paper in registered {
            let paper_of = &paper.held.paper;
            if paper_of.scope == list.kind
                && paper_of.valid_from <= day
                && paper_of.valid_until.is_none_or(|until| day <= until)
            {
                held.entry(paper_of.person.as_str()).or_default().push(paper.held.id.as_str());
            }
        }
        let mut counts = vec![muster_orders::rates::ListStratum::default(); strata.strata.len()];
        for (stratum, (_, _, people)) in counts.iter_mut().zip(&strata.strata) {
            stratum.people = *people;
        }
        let stratum_of =
            |person: &str| engine.position(person).and_then(|position| strata.of(position));
        for person in held.keys() {
            if let Some(stratum) = stratum_of(person).and_then(|at| counts.get_mut(at)) {
                stratum.exempted += 1;
            }
        }
        let mut members: BTreeMap<String, bool> = BTreeMap::new();
        for entry in store.entries(&list.id)? {
            members.insert(entry.person, entry.action == muster_store::EntryAction::Add);
        }
        let (mut papers, mut persons) = (Vec::new(), Vec::new());
        for person in members.iter().filter(|(_, member)| **member).map(|(person, _)| person) {
            let Some(stratum) = stratum_of(person).and_then(|at| counts.get_mut(at)) else {
                continue;
            };
            stratum.entries += 1;
            if let Some(ids) = held.get(person.as_str()) {
                stratum.exempted_entries += 1;
                papers.extend(ids.iter().map(|id| id.to_string()));
                persons.push(person.clone());
            }
        }
        cases.push(muster_orders::rates::ListCase {
            list: list.id,
            kind: list.kind,
            day,
            strata: counts.into_iter().filter(|stratum| stratum.entries > 0).collect(),
            papers,
            persons,
        });
    }
    Ok(cases)
}

/// The answer to an act that entered a person's papers: the papers it
/// entered.
fn answer(
    store: &dyn Store,
    act: muster_core::Act,
    person: &str,
) -> Result<PaperAct, ServiceError> {
    let filter = PaperFilter { person: Some(person.to_string()), ..PaperFilter::default() };
    let papers: Vec<PaperView> = store
        .papers(&filter)?
        .iter()
        .filter(|paper| paper.act.id == act.id)
        .map(PaperView::of)
        .collect();
    Ok(done(act, papers))
}

/// The answer to an act on one paper: the paper as it now stands.
fn answer_with(
    store: &dyn Store,
    act: muster_core::Act,
    id: &str,
) -> Result<PaperAct, ServiceError> {
    let papers = store.paper(id)?.map(|history| PaperView::of(&history.paper));
    Ok(done(act, papers.into_iter().collect()))
}

fn done(act: muster_core::Act, papers: Vec<PaperView>) -> PaperAct {
    PaperAct {
        act: act.id.0,
        kind: act.kind,
        as_of: act.valid_on,
        recorded_at: act.recorded_at,
        actor: act.actor,
        papers,
    }
}
