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

/// The `issuer-rate` findings over `papers` (those the report looks at:
/// in its window and scope). `organisations` are every organisation with
/// its kind (peers that issued nothing count as peers); `exposure` holds,
/// for each organisation that administers units, the people serving in
/// them during the window.
pub fn issuer_rates(
    papers: &[&HeldPaper],
    organisations: &[(&str, OrganisationKind)],
    exposure: &BTreeMap<String, u64>,
) -> Vec<Finding> {
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
    let mut findings = Vec::new();
    for (test, q_value) in tests.into_iter().zip(q_values) {
        if q_value > FALSE_DISCOVERY_RATE || (test.observed as f64) <= test.expected {
            continue;
        }
        let held = by_scope
            .get(test.scope)
            .and_then(|by_issuer| by_issuer.get(test.issuer))
            .map_or(&[][..], Vec::as_slice);
        let persons: BTreeSet<&str> = held.iter().map(|held| held.paper.person.as_str()).collect();
        findings.push(Finding {
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
        let findings = issuer_rates(&held, &organisations, &exposure);
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
        let findings = issuer_rates(&held, &organisations, &BTreeMap::new());
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
        assert!(issuer_rates(&held, &[], &exposure).is_empty());
    }
}
