//! The rate tests of the anomaly report (`spec/exemptions.md`,
//! `issuer-rate`): an issuer whose papers are far more than its peers'
//! rate predicts, with an exact test and the Benjamini-Hochberg correction
//! for how many issuers were tested.
//!
//! - An issuer that administers units is held to the rate of the other
//!   administering issuers per person serving in their units: its papers
//!   are Poisson with mean `exposure x (peers' papers / peers' exposure)`.
//! - Any other issuer is held to the others of its kind: of the `n`
//!   papers the `k` organisations of that kind issued, its count is
//!   binomial with `n` trials of chance `1 / k` (an equal share).
//!
//! Each scope is tested apart (a redeployment paper is not a delay
//! paper); every test of every scope is one family for the correction.
//! The tail probabilities come from `statrs` (the regularized incomplete
//! gamma and beta functions), never from an approximation.

use std::collections::{BTreeMap, BTreeSet};

use muster_core::{HeldPaper, OrganisationKind};
use serde::Serialize;
use statrs::distribution::{Binomial, DiscreteCDF, Poisson};

use crate::anomalies::Finding;

/// The false discovery rate the report controls.
pub const FALSE_DISCOVERY_RATE: f64 = 0.05;

/// One issuer's test, before the correction.
#[derive(Clone, Debug, PartialEq)]
struct Tested<'a> {
    scope: &'a str,
    issuer: &'a str,
    observed: u64,
    expected: f64,
    p_value: f64,
    why: String,
}

/// One issuer's test with its correction, found or not: what the report's
/// chart draws (each issuer's papers beside what its peers predict).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct IssuerRate {
    pub scope: String,
    pub issuer: String,
    pub observed: u64,
    pub expected: f64,
    pub p_value: f64,
    pub q_value: f64,
    /// Whether it is reported (`q_value` at most the false discovery rate,
    /// and more papers than expected).
    pub found: bool,
}

/// Every issuer's test, and the `issuer-rate` findings among them.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Rates {
    pub tested: Vec<IssuerRate>,
    pub findings: Vec<Finding>,
}

/// The `issuer-rate` tests over `papers` (those the report looks at: in
/// its window and scope). `organisations` are every organisation with its
/// kind (peers that issued nothing count as peers); `exposure` holds, for
/// each organisation that administers units, the people serving in them
/// during the window.
pub fn issuer_rates(
    papers: &[&HeldPaper],
    organisations: &[(&str, OrganisationKind)],
    exposure: &BTreeMap<String, u64>,
) -> Rates {
    let mut by_scope: BTreeMap<&str, BTreeMap<&str, Vec<&HeldPaper>>> = BTreeMap::new();
    for held in papers {
        by_scope
            .entry(held.paper.scope.as_str())
            .or_default()
            .entry(held.paper.issuer.as_str())
            .or_default()
            .push(held);
    }
    let mut tests = Vec::new();
    for (scope, by_issuer) in &by_scope {
        let count = |issuer: &str| by_issuer.get(issuer).map_or(0, |papers| papers.len() as u64);
        tests.extend(administration_tests(scope, exposure, &count));
        tests.extend(kind_tests(scope, organisations, exposure, &count));
    }
    let q_values = benjamini_hochberg(&tests.iter().map(|test| test.p_value).collect::<Vec<_>>());
    let mut rates = Rates::default();
    for (test, q_value) in tests.into_iter().zip(q_values) {
        let found = q_value <= FALSE_DISCOVERY_RATE && (test.observed as f64) > test.expected;
        rates.tested.push(IssuerRate {
            scope: test.scope.to_string(),
            issuer: test.issuer.to_string(),
            observed: test.observed,
            expected: round(test.expected),
            p_value: test.p_value,
            q_value,
            found,
        });
        if !found {
            continue;
        }
        let held = by_scope
            .get(test.scope)
            .and_then(|by_issuer| by_issuer.get(test.issuer))
            .map_or(&[][..], Vec::as_slice);
        let persons: BTreeSet<&str> = held.iter().map(|held| held.paper.person.as_str()).collect();
        rates.findings.push(Finding {
            kind: "issuer-rate",
            issuer: Some(test.issuer.to_string()),
            papers: held.iter().map(|held| held.id.clone()).collect(),
            persons: persons.into_iter().map(str::to_string).collect(),
            observed: Some(test.observed),
            expected: Some(round(test.expected)),
            p_value: Some(test.p_value),
            q_value: Some(q_value),
            why: test.why,
        });
    }
    rates
}

/// One stratum of a list's test (people of one discharge cycle and site
/// on the list's day): how many of them are on the list, how many of those
/// hold a paper of the list's kind, how many people the stratum holds, and
/// how many of them hold one.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ListStratum {
    pub entries: u64,
    pub exempted_entries: u64,
    pub people: u64,
    pub exempted: u64,
}

/// A list to test: its id, kind and day, its strata, and the papers and
/// persons of its exempted entries.
#[derive(Clone, Debug, PartialEq)]
pub struct ListCase {
    pub list: String,
    pub kind: String,
    pub day: chrono::NaiveDate,
    pub strata: Vec<ListStratum>,
    pub papers: Vec<String>,
    pub persons: Vec<String>,
}

/// The `list-rate` findings: each list whose entries hold papers of its
/// kind far more often than the people of their strata who are not on it
/// (exact Poisson upper tail of the exempted entries, the expectation
/// summed stratum by stratum), corrected over the lists tested
/// (Benjamini-Hochberg).
pub fn list_rates(cases: &[ListCase]) -> Vec<Finding> {
    let mut tests: Vec<(&ListCase, u64, u64, f64, f64)> = Vec::new();
    for case in cases {
        let (mut observed, mut entries, mut expected) = (0_u64, 0_u64, 0.0_f64);
        for stratum in &case.strata {
            let others = stratum.people.saturating_sub(stratum.entries);
            if others == 0 || stratum.entries == 0 {
                // No one to compare them with.
                continue;
            }
            let rate =
                stratum.exempted.saturating_sub(stratum.exempted_entries) as f64 / others as f64;
            observed += stratum.exempted_entries;
            entries += stratum.entries;
            expected += stratum.entries as f64 * rate;
        }
        if expected <= 0.0 {
            continue;
        }
        let Some(p_value) = poisson_at_least(expected, observed) else {
            continue;
        };
        tests.push((case, observed, entries, expected, p_value));
    }
    let q_values = benjamini_hochberg(&tests.iter().map(|test| test.4).collect::<Vec<_>>());
    let mut findings = Vec::new();
    for ((case, observed, entries, expected, p_value), q_value) in tests.into_iter().zip(q_values) {
        if q_value > FALSE_DISCOVERY_RATE || (observed as f64) <= expected {
            continue;
        }
        findings.push(Finding {
            kind: "list-rate",
            issuer: None,
            papers: case.papers.clone(),
            persons: case.persons.clone(),
            observed: Some(observed),
            expected: Some(round(expected)),
            p_value: Some(p_value),
            q_value: Some(q_value),
            why: format!(
                "{observed} of the {} entries of {} hold {} papers on {}; people of the same discharge cycle and site: {expected:.1} expected",
                muster_cel::check::grouped(entries),
                case.list,
                case.kind,
                case.day
            ),
        });
    }
    findings
}

/// Each administering issuer against the others' papers per person.
fn administration_tests<'a>(
    scope: &'a str,
    exposure: &'a BTreeMap<String, u64>,
    count: &dyn Fn(&str) -> u64,
) -> Vec<Tested<'a>> {
    let total_papers: u64 = exposure.keys().map(|issuer| count(issuer)).sum();
    let total_people: u64 = exposure.values().sum();
    let mut tests = Vec::new();
    for (issuer, &people) in exposure {
        let observed = count(issuer);
        let peers_papers = total_papers - observed;
        let peers_people = total_people - people;
        if peers_papers == 0 || peers_people == 0 || people == 0 {
            // No rate to hold it to.
            continue;
        }
        let rate = peers_papers as f64 / peers_people as f64;
        let expected = people as f64 * rate;
        let Some(p_value) = poisson_at_least(expected, observed) else {
            continue;
        };
        tests.push(Tested {
            scope,
            issuer,
            observed,
            expected,
            p_value,
            why: format!(
                "{observed} {scope} papers for {} people; its peers: {:.1} per 1,000",
                muster_cel::check::grouped(people),
                rate * 1000.0
            ),
        });
    }
    tests
}

/// Each issuer that administers no unit against an equal share of the
/// papers of its kind.
fn kind_tests<'a>(
    scope: &'a str,
    organisations: &[(&'a str, OrganisationKind)],
    exposure: &BTreeMap<String, u64>,
    count: &dyn Fn(&str) -> u64,
) -> Vec<Tested<'a>> {
    let mut by_kind: BTreeMap<&str, Vec<&'a str>> = BTreeMap::new();
    for &(organisation, kind) in organisations {
        if !exposure.contains_key(organisation) {
            by_kind.entry(kind.as_str()).or_default().push(organisation);
        }
    }
    let mut tests = Vec::new();
    for (kind, members) in by_kind {
        let papers: u64 = members.iter().map(|member| count(member)).sum();
        let peers = members.len() as u64;
        if peers < 2 || papers == 0 {
            continue;
        }
        for issuer in members {
            let observed = count(issuer);
            let expected = papers as f64 / peers as f64;
            let Some(p_value) = binomial_at_least(papers, 1.0 / peers as f64, observed) else {
                continue;
            };
            tests.push(Tested {
                scope,
                issuer,
                observed,
                expected,
                p_value,
                why: format!(
                    "{observed} of the {papers} {scope} papers of the {peers} organisations of kind {kind}; an equal share is {expected:.1}"
                ),
            });
        }
    }
    tests
}

/// P(X >= k) for X Poisson of mean `mean`.
fn poisson_at_least(mean: f64, k: u64) -> Option<f64> {
    if k == 0 {
        return Some(1.0);
    }
    Poisson::new(mean).ok().map(|poisson| poisson.sf(k - 1))
}

/// P(X >= k) for X binomial of `n` trials of chance `p`.
fn binomial_at_least(n: u64, p: f64, k: u64) -> Option<f64> {
    if k == 0 {
        return Some(1.0);
    }
    Binomial::new(p, n).ok().map(|binomial| binomial.sf(k - 1))
}

/// The Benjamini-Hochberg adjusted p-values (q-values), in the order of
/// `p_values`: `q(i) = min over j ranked at or after i of p(j) m / rank(j)`,
/// at most 1.
pub fn benjamini_hochberg(p_values: &[f64]) -> Vec<f64> {
    let m = p_values.len();
    let mut order: Vec<usize> = (0..m).collect();
    order.sort_by(|&a, &b| p_values[a].total_cmp(&p_values[b]));
    let mut q_values = vec![1.0; m];
    let mut running = 1.0_f64;
    for (rank, &index) in order.iter().enumerate().rev() {
        let adjusted = p_values[index] * m as f64 / (rank + 1) as f64;
        running = running.min(adjusted).min(1.0);
        q_values[index] = running;
    }
    q_values
}

/// Three significant decimals are enough to read an expected count.
fn round(value: f64) -> f64 {
    (value * 1000.0).round() / 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;
    use muster_core::{Grounds, Paper};

    fn paper(id: usize, issuer: &str, scope: &str) -> HeldPaper {
        let day = NaiveDate::from_ymd_opt(2025, 3, 2).expect("a day");
        HeldPaper {
            id: format!("X-{id:06}"),
            paper: Paper {
                document: format!("D-{id}"),
                person: format!("P{id}"),
                scope: scope.to_string(),
                grounds: Grounds::Medical,
                text: String::new(),
                issuer: issuer.to_string(),
                official: String::new(),
                issued_on: day,
                valid_from: day,
                valid_until: None,
            },
            revoked: None,
        }
    }

    #[test]
    fn the_tails_are_exact() {
        // P(X >= 3) for Poisson(1) = 1 - e^-1 (1 + 1 + 1/2).
        let expected = 1.0 - (-1.0_f64).exp() * 2.5;
        let got = poisson_at_least(1.0, 3).expect("a mean");
        assert!((got - expected).abs() < 1e-12, "{got} {expected}");
        // P(X >= 9) for 10 fair coins = 11 / 1024.
        let got = binomial_at_least(10, 0.5, 9).expect("a chance");
        assert!((got - 11.0 / 1024.0).abs() < 1e-12, "{got}");
        assert_eq!(poisson_at_least(2.0, 0), Some(1.0));
    }

    #[test]
    fn benjamini_hochberg_adjusts_by_rank_and_keeps_the_order() {
        let q = benjamini_hochberg(&[0.01, 0.04, 0.03, 0.5]);
        // Ranked: 0.01 (x4/1 = 0.04), 0.03 (x4/2 = 0.06), 0.04 (x4/3 =
        // 0.0533, then the running minimum), 0.5 (x4/4 = 0.5).
        let want = [0.04, 0.053_333_333_333_333_33, 0.053_333_333_333_333_33, 0.5];
        for (got, want) in q.iter().zip(want) {
            assert!((got - want).abs() < 1e-12, "{q:?}");
        }
        assert!(benjamini_hochberg(&[]).is_empty());
    }

    #[test]
    fn an_administration_far_above_its_peers_is_found_and_its_peers_are_not() {
        let mut papers = Vec::new();
        let mut next = 0;
        let mut issue = |issuer: &str, n: usize, papers: &mut Vec<HeldPaper>| {
            for _ in 0..n {
                next += 1;
                papers.push(paper(next, issuer, "redeployment"));
            }
        };
        // Peers: 5 papers per 1,000 people; the seller: 41 for 1,210.
        issue("adm-a", 10, &mut papers);
        issue("adm-b", 11, &mut papers);
        issue("adm-c", 9, &mut papers);
        issue("adm-seller", 41, &mut papers);
        let exposure: BTreeMap<String, u64> =
            [("adm-a", 2000), ("adm-b", 2100), ("adm-c", 1900), ("adm-seller", 1210)]
                .into_iter()
                .map(|(issuer, people)| (issuer.to_string(), people))
                .collect();
        let organisations: Vec<(&str, OrganisationKind)> = exposure
            .keys()
            .map(|issuer| (issuer.as_str(), OrganisationKind::UnitAdministration))
            .collect();
        let held: Vec<&HeldPaper> = papers.iter().collect();
        let findings = issuer_rates(&held, &organisations, &exposure).findings;
        assert_eq!(findings.len(), 1, "{findings:?}");
        let finding = &findings[0];
        assert_eq!(finding.issuer.as_deref(), Some("adm-seller"));
        assert_eq!(finding.observed, Some(41));
        assert_eq!(finding.papers.len(), 41);
        // 30 papers for 6,000 peers: 5 per 1,000, so 6.05 expected.
        assert_eq!(finding.expected, Some(6.05));
        assert!(finding.p_value.is_some_and(|p| p < 1e-15), "{finding:?}");
        assert!(finding.q_value.is_some_and(|q| q < 1e-14), "{finding:?}");
        assert_eq!(
            finding.why,
            "41 redeployment papers for 1,210 people; its peers: 5.0 per 1,000"
        );
    }

    #[test]
    fn an_institution_is_held_to_an_equal_share_of_its_kind() {
        let mut papers = Vec::new();
        for (index, issuer) in ["univ-a"; 30]
            .iter()
            .chain(["univ-b"; 4].iter())
            .chain(["univ-c"; 5].iter())
            .enumerate()
        {
            papers.push(paper(index, issuer, "delay"));
        }
        let organisations = [
            ("univ-a", OrganisationKind::Institution),
            ("univ-b", OrganisationKind::Institution),
            ("univ-c", OrganisationKind::Institution),
            ("univ-d", OrganisationKind::Institution),
            ("errd", OrganisationKind::Department),
        ];
        let held: Vec<&HeldPaper> = papers.iter().collect();
        let findings = issuer_rates(&held, &organisations, &BTreeMap::new()).findings;
        assert_eq!(findings.len(), 1, "{findings:?}");
        assert_eq!(findings[0].issuer.as_deref(), Some("univ-a"));
        assert_eq!(findings[0].expected, Some(9.75));
        assert_eq!(
            findings[0].why,
            "30 of the 39 delay papers of the 4 organisations of kind institution; an equal share is 9.8"
        );
    }

    #[test]
    fn equal_rates_find_nothing() {
        let mut papers = Vec::new();
        for index in 0..40 {
            let issuer = ["adm-a", "adm-b", "adm-c", "adm-d"][index % 4];
            papers.push(paper(index, issuer, "redeployment"));
        }
        let exposure: BTreeMap<String, u64> =
            ["adm-a", "adm-b", "adm-c", "adm-d"].map(|issuer| (issuer.to_string(), 1000)).into();
        let held: Vec<&HeldPaper> = papers.iter().collect();
        assert!(issuer_rates(&held, &[], &exposure).findings.is_empty());
    }

    #[test]
    fn a_list_exempted_far_above_its_strata_is_found_and_one_at_their_rate_is_not() {
        let day = NaiveDate::from_ymd_opt(2025, 6, 1).expect("a day");
        let case = |list: &str, strata: Vec<ListStratum>| ListCase {
            list: list.to_string(),
            kind: "redeployment".to_string(),
            day,
            strata,
            papers: vec!["X-000001".to_string()],
            persons: vec!["P1".to_string()],
        };
        // Two strata at 1% among those not listed: 300 and 200 entries
        // predict 5; 40 exempted is far above, 5 is not.
        let stratum = |entries, exempted_entries, people, exempted| ListStratum {
            entries,
            exempted_entries,
            people,
            exempted,
        };
        let bought =
            case("bought", vec![stratum(300, 25, 10_300, 125), stratum(200, 15, 5_200, 65)]);
        let honest = case("honest", vec![stratum(300, 3, 10_300, 103), stratum(200, 2, 5_200, 52)]);
        // A stratum with no one off the list compares nothing.
        let alone = case("alone", vec![stratum(10, 10, 10, 10)]);
        let findings = list_rates(&[bought, honest, alone]);
        assert_eq!(findings.len(), 1, "{findings:?}");
        let found = &findings[0];
        assert_eq!(found.kind, "list-rate");
        assert_eq!(found.observed, Some(40));
        assert_eq!(found.expected, Some(5.0));
        assert!(found.q_value.expect("a q") < 1e-12, "{found:?}");
        assert!(found.why.contains("40 of the 500 entries of bought"), "{}", found.why);
    }
}
