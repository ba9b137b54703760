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

    let report: serde_json::Value = serde_json::from_str(&sandbox.ok(&[
        "exemption",
        "anomalies",
        "--from",
        "2025-01-01",
        "--to",
        "2025-12-31",
        "--format",
        "json",
    ]))
    .unwrap();
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
