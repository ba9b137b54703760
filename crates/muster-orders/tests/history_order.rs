//! A rule gives the same answer for a person whatever the order of his
//! history rows: on a generated army and the reference orders, every
//! screening and every discharge chain is the same after the service,
//! deployment and event rows are shuffled.

#![expect(clippy::unwrap_used, clippy::expect_used, reason = "a test fails loudly")]

use std::path::Path;
use std::sync::OnceLock;

use chrono::NaiveDate;
use muster_core::Records;
use muster_orders::{IssuedOrder, OrderBook, World, discharge, parse_order, screen};
use proptest::prelude::*;

/// Rules that read every kind of history, beside the reference orders.
const HISTORY_ORDER: &str = r#"
id = "test-history"
title = "Rules that read every kind of history"
issued_by = "mod"
issued_on = 2020-01-01

[[rules]]
applies_to = "overseas-posting"
effect = "exclude"
when = 'person.serving_in("strategic-force") || person.deployed_at("musan")'
reason = "now"

[[rules]]
applies_to = "overseas-posting"
effect = "require"
when = 'person.had("posted") || person.exempted("medical") || person.admitted("university")'
unless = 'person.had("awol") && person.age > 30'
reason = "past"

[[rules]]
applies_to = "redeployment"
effect = "exclude"
when = 'person.status in ["abroad", "awol", "killed"] || person.served_in("errd")'
reason = "status"

[[rules]]
applies_to = "discharge"
effect = "delay"
until = "2022-spring"
when = 'person.age > 22 && !person.deployed_at("tanchon-port") && !person.had("injured")'
reason = "port"
"#;

const DAYS: [(i32, u32, u32); 4] = [(2020, 9, 1), (2021, 1, 5), (2023, 6, 1), (2024, 1, 10)];

fn day((year, month, day): (i32, u32, u32)) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, month, day).unwrap()
}

/// A generated army of 400 people, read as records.
fn records() -> &'static Records {
    static RECORDS: OnceLock<Records> = OnceLock::new();
    RECORDS.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        muster_generate::generate(dir.path(), &muster_generate::Options::new(400, 11), &mut |_| {})
            .unwrap();
        muster_dataset::read_dataset(dir.path()).unwrap().into_records().unwrap()
    })
}

/// The reference orders and the history order, issued on their days.
fn book() -> OrderBook {
    let orders =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../muster-cli/tests/fixtures/reference/orders");
    let mut texts: Vec<String> = std::fs::read_dir(&orders)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| !path.ends_with("bad-unknown-field.toml"))
        .map(|path| std::fs::read_to_string(path).unwrap())
        .collect();
    texts.sort();
    texts.push(HISTORY_ORDER.to_owned());
    let issued = texts
        .iter()
        .enumerate()
        .map(|(sequence, text)| {
            let order = parse_order(text).expect("the orders parse");
            IssuedOrder {
                issued_on: order.issued_on,
                order,
                sequence: sequence as i64,
                overridden: false,
            }
        })
        .collect();
    OrderBook::new(issued, vec![])
}

/// Every decision for every person, as text to compare.
fn decisions(records: Records, book: &OrderBook) -> Vec<String> {
    let world = World::new(records);
    let mut lines = Vec::new();
    for file in &world.people {
        for at in DAYS {
            let at = day(at);
            for kind in ["overseas-posting", "redeployment"] {
                let screening = screen(&world, book, file, kind, at, Some(day((2020, 1, 1))));
                lines.push(format!("{} {at} {kind} {screening:?}", file.person.id));
            }
            let chain = discharge(&world, book, file, at);
            lines.push(format!(
                "{} {at} discharge {:?} {:?}",
                file.person.id,
                chain.date(),
                chain.steps
            ));
        }
    }
    lines
}

fn baseline() -> &'static Vec<String> {
    static BASELINE: OnceLock<Vec<String>> = OnceLock::new();
    BASELINE.get_or_init(|| decisions(records().clone(), &book()))
}

/// Fisher-Yates with a small generator of its own, so that one seed names
/// one order of the rows.
fn shuffle<T>(rows: &mut [T], seed: &mut u64) {
    for index in (1..rows.len()).rev() {
        *seed =
            seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        let other = ((*seed >> 33) % (index as u64 + 1)) as usize;
        rows.swap(index, other);
    }
}

#[test]
fn the_baseline_has_decisions_that_bite() {
    let baseline = baseline();
    // The rules are not vacuous on this army: some exclude, some delay.
    assert!(baseline.iter().any(|line| line.contains("excludes: true")));
    assert!(baseline.iter().any(|line| line.contains("Delayed")));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(8))]

    #[test]
    fn decisions_do_not_depend_on_the_order_of_history_rows(mut seed in any::<u64>()) {
        let mut records = records().clone();
        shuffle(&mut records.assignments, &mut seed);
        shuffle(&mut records.deployments, &mut seed);
        shuffle(&mut records.events, &mut seed);
        shuffle(&mut records.people, &mut seed);
        let shuffled = decisions(records, &book());
        let baseline = baseline();
        prop_assert_eq!(shuffled.len(), baseline.len());
        for (left, right) in shuffled.iter().zip(baseline) {
            prop_assert_eq!(left, right);
        }
    }
}
