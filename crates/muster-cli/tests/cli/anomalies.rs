//! The quality of the anomaly report on a generated army of 100,000 with
//! planted bad papers (`generate --plant-anomalies`): how many of the
//! planted papers it finds, and how many of its findings name none of
//! them; and, on the same army without planting, how many rate findings
//! it makes where there is nothing to find.

use std::collections::{BTreeMap, BTreeSet};

use crate::Sandbox;

/// The limits an auditor of the generated army sets: medical papers from
/// the kinds that issue them, resting on an injury or an admission.
const LIMITS: &str = r#"
[[limit]]
scope = "redeployment"
grounds = "medical"
issuer_kinds = ["institution", "unit-administration", "agency"]
corroboration = { kinds = ["injured", "admitted"], within_days = 180 }
"#;

/// What the report found on one army.
#[derive(Debug)]
struct Quality {
    planted: usize,
    found: usize,
    findings: usize,
    not_planted: usize,
    rate_findings: usize,
}

fn csv_rows(text: &str) -> Vec<BTreeMap<String, String>> {
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap_or_default().split(',').collect();
    lines
        .map(|line| {
            header
                .iter()
                .map(|name| name.to_string())
                .zip(line.split(',').map(str::to_string))
                .collect()
        })
        .collect()
}

fn report(seed: u64, plant: bool) -> Quality {
    let sandbox = Sandbox::new();
    let seed_text = seed.to_string();
    let mut generate = vec!["generate", "army", "--people", "100000", "--seed", &seed_text];
    if plant {
        generate.push("--plant-anomalies");
    }
    sandbox.ok(&generate);
    sandbox.ok(&["init"]);
    sandbox.ok(&["import", "army"]);
    std::fs::write(sandbox.path().join("limits.toml"), LIMITS).unwrap();
    sandbox.ok(&["exemption", "limits", "limits.toml"]);

    // The papers a clerk enters late, long after the day they bear.
    let late = std::fs::read_to_string(sandbox.path().join("army/late-papers.csv"))
        .map(|text| csv_rows(&text))
        .unwrap_or_default();
    assert_eq!(late.is_empty(), !plant, "late papers only when planted");
    for paper in &late {
        let cell = |name: &str| paper[name].as_str();
        sandbox.ok(&[
            "exemption",
            "issue",
            "--document",
            cell("document"),
            "--person",
            cell("person"),
            "--scope",
            cell("scope"),
            "--grounds",
            cell("grounds"),
            "--text",
            cell("text"),
            "--issuer",
            cell("issuer"),
            "--issued-on",
            cell("issued_on"),
        ]);
    }

    let register: serde_json::Value =
        serde_json::from_str(&sandbox.ok(&["exemption", "list", "--format", "json"])).unwrap();
    let paper_of: BTreeMap<&str, (&str, &str)> = register["papers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|paper| {
            let text = |name: &str| paper[name].as_str().unwrap();
            (text("id"), (text("document"), text("person")))
        })
        .collect();
    let planted: BTreeSet<(String, String)> =
        std::fs::read_to_string(sandbox.path().join("army/planted.csv"))
            .map(|text| csv_rows(&text))
            .unwrap_or_default()
            .into_iter()
            .map(|row| (row["document"].clone(), row["person"].clone()))
            .collect();

    let report = report_of(&sandbox);
    let findings = report["findings"].as_array().unwrap();
    let mut found = BTreeSet::new();
    let mut not_planted = 0;
    for finding in findings {
        let papers: Vec<(String, String)> = finding["papers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|id| {
                let (document, person) = paper_of[id.as_str().unwrap()];
                (document.to_string(), person.to_string())
            })
            .collect();
        let hits: Vec<&(String, String)> =
            papers.iter().filter(|paper| planted.contains(*paper)).collect();
        if hits.is_empty() {
            not_planted += 1;
        }
        found.extend(hits.into_iter().cloned());
        if finding["kind"] == "issuer-rate" {
            // A rate finding carries its numbers.
            assert!(
                finding["observed"].as_u64().unwrap() as f64
                    > finding["expected"].as_f64().unwrap()
            );
            assert!(finding["q_value"].as_f64().unwrap() <= 0.05, "{finding}");
        }
    }
    let rate_findings = findings
        .iter()
        .filter(|finding| finding["kind"] == "issuer-rate" || finding["kind"] == "list-rate")
        .count();
    Quality {
        planted: planted.len(),
        found: found.len(),
        findings: findings.len(),
        not_planted,
        rate_findings,
    }
}

fn holds_for(seed: u64) {
    let planted = report(seed, true);
    eprintln!("seed {seed}, planted: {planted:?}");
    assert!(planted.planted >= 30, "{planted:?}");
    assert!(planted.found * 100 >= planted.planted * 95, "found too few: {planted:?}");
    assert!(planted.not_planted * 100 <= planted.findings * 5, "too many false: {planted:?}");
    assert!(planted.rate_findings >= 1, "the seller is not found: {planted:?}");

    let honest = report(seed, false);
    eprintln!("seed {seed}, honest: {honest:?}");
    assert_eq!(honest.planted, 0);
    // Under no difference at all, the correction keeps the chance of any
    // rate finding at 5%: one is the most a seed may show.
    assert!(honest.rate_findings <= 1, "{honest:?}");
}

#[test]
fn the_report_finds_the_planted_papers_of_seed_1() {
    holds_for(1);
}

#[test]
fn the_report_finds_the_planted_papers_of_seed_2() {
    holds_for(2);
}

#[test]
fn the_report_finds_the_planted_papers_of_seed_3() {
    holds_for(3);
}

/// The `list-rate` findings of a report, by list.
fn list_rate_findings(report: &serde_json::Value) -> BTreeMap<String, serde_json::Value> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|finding| finding["kind"] == "list-rate")
        .map(|finding| {
            let why = finding["why"].as_str().unwrap();
            let list = why.split(" entries of ").nth(1).unwrap().split(' ').next().unwrap();
            (list.to_string(), finding.clone())
        })
        .collect()
}

#[test]
fn a_list_whose_entries_got_papers_is_found_beside_its_strata_and_its_twin_is_not() {
    let sandbox = Sandbox::new();
    sandbox.ok(&["generate", "army", "--people", "100000", "--seed", "4"]);
    sandbox.ok(&["init"]);
    sandbox.ok(&["import", "army"]);
    let organisations =
        csv_rows(&std::fs::read_to_string(sandbox.path().join("army/organisations.csv")).unwrap());
    let institution = organisations
        .iter()
        .find(|row| row["kind"] == "institution")
        .map(|row| row["id"].clone())
        .unwrap();
    // Two redeployment lists of the same day, of the soldiers of one
    // discharge cycle from two provinces (so that their strata hold others
    // to compare them with); the entries of the first then get 40 papers.
    for (list, province) in [("mines-a", "South Pyongan"), ("mines-b", "Pyongyang")] {
        sandbox.ok(&[
            "list",
            "create",
            list,
            "--kind",
            "redeployment",
            "--owner",
            "errd",
            "--as-of",
            "2025-06-01",
        ]);
        let condition = format!(
            "person.discharge_cycle == \"2026-autumn\" && person.home_province == \"{province}\""
        );
        sandbox.ok(&["list", "add", list, "--where", &condition, "--as-of", "2025-06-01"]);
    }
    let shown: serde_json::Value =
        serde_json::from_str(&sandbox.ok(&["list", "show", "mines-a", "--format", "json"]))
            .unwrap();
    let entries: Vec<String> = shown["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|entry| entry["person"].as_str().unwrap().to_string())
        .collect();
    assert!(entries.len() > 200, "{} entries", entries.len());
    let before = report_of(&sandbox);
    assert!(list_rate_findings(&before).is_empty(), "nothing to find yet: {before}");
    for (index, person) in entries.iter().step_by(entries.len() / 40).take(40).enumerate() {
        let document = format!("BOUGHT-{index}");
        sandbox.ok(&[
            "exemption",
            "issue",
            "--document",
            &document,
            "--person",
            person,
            "--scope",
            "redeployment",
            "--grounds",
            "family",
            "--issuer",
            &institution,
            "--issued-on",
            "2025-05-20",
        ]);
    }
    let after = report_of(&sandbox);
    let found = list_rate_findings(&after);
    assert_eq!(found.keys().collect::<Vec<_>>(), ["mines-a"], "{after}");
    let finding = &found["mines-a"];
    let observed = finding["observed"].as_u64().unwrap();
    let expected = finding["expected"].as_f64().unwrap();
    assert!(observed >= 40 && observed as f64 > 3.0 * expected, "{finding}");
    assert!(finding["q_value"].as_f64().unwrap() <= 0.05, "{finding}");
    eprintln!("list-rate: {finding}");
}

/// The report over 2025, as JSON.
fn report_of(sandbox: &Sandbox) -> serde_json::Value {
    serde_json::from_str(&sandbox.ok(&[
        "exemption",
        "anomalies",
        "--from",
        "2025-01-01",
        "--to",
        "2025-12-31",
        "--format",
        "json",
    ]))
    .unwrap()
}
