//! The auditor's report on the register of exemption papers
//! (`spec/exemptions.md`, "The anomaly report"): what in it looks wrong,
//! each finding with the papers and persons it rests on and a sentence.
//!
//! This module holds the kinds decided paper by paper, without a test of
//! rates: `dated-back`, `duplicate-document`, and the breaches of the
//! limits in force (`issuer-not-allowed`, `over-limit`, `uncorroborated`),
//! whenever the papers were entered. A pure function of what the caller
//! read; it reads nothing itself.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use muster_core::{HeldPaper, OrganisationKind, PersonFile};
use serde::Serialize;

use crate::limits::Limits;

/// How late a paper may be entered after the day it bears before it is
/// `dated-back`.
pub const LATE_DAYS: i64 = 30;

/// A paper of the register with what the report needs of its entry.
#[derive(Clone, Debug)]
pub struct Entered<'a> {
    pub held: &'a HeldPaper,
    /// The day muster learned of it (the day of the moment its act was
    /// recorded, in UTC).
    pub recorded_on: NaiveDate,
    /// The moment its act was recorded, RFC 3339, to order it against
    /// other acts.
    pub recorded_at: &'a str,
    /// Whether it was entered by `exemption issue` (an import of past
    /// records is not a late entry).
    pub issued: bool,
    pub issuer_kind: Option<OrganisationKind>,
}

/// A nomination of a person to a list: the list, its kind, the day it
/// took effect and the moment it was recorded.
#[derive(Clone, Debug)]
pub struct Nomination<'a> {
    pub person: &'a str,
    pub list: &'a str,
    pub kind: &'a str,
    pub on: NaiveDate,
    pub recorded_at: &'a str,
}

/// One finding of the report.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Finding {
    pub kind: &'static str,
    pub issuer: Option<String>,
    pub papers: Vec<String>,
    pub persons: Vec<String>,
    /// The papers counted, for a rate finding.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub observed: Option<u64>,
    /// The papers its peers' rate predicts, for a rate finding.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expected: Option<f64>,
    /// The exact tail probability of `observed` or more.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub p_value: Option<f64>,
    /// `p_value` corrected for the number of tests (Benjamini-Hochberg).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub q_value: Option<f64>,
    pub why: String,
}

/// The findings decided paper by paper, over the papers whose day lies in
/// `from ..= to` (and, with `scope`, of that scope), in the order of the
/// kinds, then of the papers' numbers. `files` holds the file of each
/// person with a paper (for corroboration and counts).
pub fn paper_findings(
    papers: &[Entered<'_>],
    nominations: &[Nomination<'_>],
    limits: &Limits,
    files: &BTreeMap<&str, &PersonFile>,
    window: (NaiveDate, NaiveDate),
    scope: Option<&str>,
) -> Vec<Finding> {
    let (from, to) = window;
    let within = |entered: &&Entered<'_>| {
        let paper = &entered.held.paper;
        from <= paper.issued_on
            && paper.issued_on <= to
            && scope.is_none_or(|scope| paper.scope == scope)
    };
    let chosen: Vec<&Entered<'_>> = papers.iter().filter(within).collect();
    let mut findings = Vec::new();

    // Dated back: entered long after the day it bears, or after the person
    // was put on a list it exempts him from, while bearing an earlier day.
    for entered in chosen.iter().filter(|entered| entered.issued) {
        let paper = &entered.held.paper;
        let late = (entered.recorded_on - paper.issued_on).num_days();
        let escaped = nominations.iter().find(|nomination| {
            nomination.person == paper.person
                && nomination.kind == paper.scope
                && nomination.recorded_at < entered.recorded_at
                && paper.issued_on <= nomination.on
        });
        let why = match escaped {
            Some(nomination) => Some(format!(
                "entered on {} after {} was put on list {} (on {}), and it bears {}, before it",
                entered.recorded_on, paper.person, nomination.list, nomination.on, paper.issued_on
            )),
            None if late > LATE_DAYS => Some(format!(
                "entered on {}, {late} days after the day it bears ({}); more than {LATE_DAYS} is late",
                entered.recorded_on, paper.issued_on
            )),
            None => None,
        };
        if let Some(why) = why {
            findings.push(finding("dated-back", entered.held, why));
        }
    }

    // One document number on papers of several persons or issuers.
    let mut by_document: BTreeMap<&str, Vec<&HeldPaper>> = BTreeMap::new();
    for entered in &chosen {
        if !entered.held.paper.document.is_empty() {
            by_document.entry(&entered.held.paper.document).or_default().push(entered.held);
        }
    }
    for (document, held) in by_document {
        let mut persons: Vec<String> = held.iter().map(|held| held.paper.person.clone()).collect();
        persons.sort();
        persons.dedup();
        let mut issuers: Vec<&str> = held.iter().map(|held| held.paper.issuer.as_str()).collect();
        issuers.sort_unstable();
        issuers.dedup();
        if persons.len() < 2 && issuers.len() < 2 {
            continue;
        }
        findings.push(Finding {
            kind: "duplicate-document",
            issuer: (issuers.len() == 1).then(|| issuers[0].to_string()),
            papers: held.iter().map(|held| held.id.clone()).collect(),
            why: format!(
                "document {document} is borne by {} papers of {} persons from {}",
                held.len(),
                persons.len(),
                issuers.join(", ")
            ),
            persons,
            observed: None,
            expected: None,
            p_value: None,
            q_value: None,
        });
    }

    // The limits in force, whenever the papers were entered.
    for kind in ["issuer-not-allowed", "over-limit", "uncorroborated"] {
        for entered in &chosen {
            let paper = &entered.held.paper;
            let Some(file) = files.get(paper.person.as_str()) else {
                continue;
            };
            for breach in limits.breaches(paper, entered.issuer_kind, file) {
                if breach.kind == kind {
                    let why = format!("{}: {}", Limits::name(&breach), breach.why);
                    findings.push(finding(kind, entered.held, why));
                }
            }
        }
    }
    findings
}

fn finding(kind: &'static str, held: &HeldPaper, why: String) -> Finding {
    Finding {
        kind,
        issuer: Some(held.paper.issuer.clone()),
        papers: vec![held.id.clone()],
        persons: vec![held.paper.person.clone()],
        observed: None,
        expected: None,
        p_value: None,
        q_value: None,
        why,
    }
}
