//! A generated army, the reference orders, and generators of orders and
//! conditions over the person schema, for the tests of the engine.

#![allow(dead_code, reason = "each test binary uses part of it")]

use std::path::Path;
use std::sync::OnceLock;

use chrono::{Months, NaiveDate};
use muster_core::Records;
use muster_engine::Engine;
use muster_orders::{IssuedOrder, OrderBook, World, parse_order};
use proptest::prelude::*;

pub fn day(year: i32, month: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, month, day).unwrap()
}

fn people() -> u64 {
    std::env::var("MUSTER_DIFFERENTIAL_PEOPLE")
        .ok()
        .and_then(|text| text.parse().ok())
        .unwrap_or(500)
}

/// A generated army, read as records.
pub fn records() -> &'static Records {
    static RECORDS: OnceLock<Records> = OnceLock::new();
    RECORDS.get_or_init(|| generated(people(), 7))
}

/// An army of `people` generated with `seed`, read as records.
pub fn generated(people: u64, seed: u64) -> Records {
    let dir = tempfile::tempdir().unwrap();
    muster_generate::generate(
        dir.path(),
        &muster_generate::Options::new(people, seed),
        &mut |_| {},
    )
    .unwrap();
    muster_dataset::read_dataset(dir.path()).unwrap().into_records().unwrap()
}

pub fn world() -> &'static World {
    static WORLD: OnceLock<World> = OnceLock::new();
    WORLD.get_or_init(|| World::new(records().clone()))
}

pub fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| Engine::from_world(world(), &mut |_, _, _| {}))
}

/// The reference orders, as their files give them.
pub fn reference_orders() -> Vec<String> {
    let orders =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../muster-cli/tests/fixtures/reference/orders");
    let mut texts: Vec<String> = std::fs::read_dir(&orders)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| !path.ends_with("bad-unknown-field.toml"))
        .map(|path| std::fs::read_to_string(path).unwrap())
        .collect();
    texts.sort();
    texts
}

/// Reads of one thing of a person, and a few that read more, or fail.
pub const LEAVES: &[&str] = &[
    r#"person.home_province == "Chagang""#,
    r#"person.home_province in ["South Hamgyong", "Pyongyang", "Rason"]"#,
    r#"person.home_county.startsWith("S")"#,
    r#"person.sex == "F""#,
    r#"person.branch == "army""#,
    r#"person.branch != """#,
    r#"person.rank == "sergeant""#,
    r#"person.specialty == "technician""#,
    r#"person.discharge_cycle == "2020-autumn""#,
    r#"person.discharge_cycle.endsWith("spring")"#,
    r#"person.discharge_cycle < "2016""#,
    "person.age > 30",
    "person.age % 4 == 1",
    "10 / (person.age - 25) > 0",
    r#"person.born < date("1985-06-01")"#,
    r#"person.enlisted < date("2012-01-01")"#,
    "person.term_end >= today",
    r#"person.status == "serving""#,
    r#"person.status in ["discharged", "abroad", "killed"]"#,
    r#"person.served_in("sgc")"#,
    r#"person.served_in("c1-1")"#,
    r#"person.served_in("errd")"#,
    r#"person.served_in_tagged("important")"#,
    r#"person.serving_in("c2")"#,
    r#"person.serving_in("strategic-force")"#,
    r#"person.deployed_at("gomdok")"#,
    r#"person.deployed_at("musan")"#,
    r#"person.admitted("central-university")"#,
    r#"person.admitted("central-univ")"#,
    r#"person.exempted("redeployment")"#,
    r#"person.had("injured")"#,
    r#"person.had("posted")"#,
    r#"person.had("awol")"#,
    r#"person.delayed_by("errd-2020-031")"#,
    r#"person.delayed_by("order-0")"#,
    r#"person.had("injured") == (person.age > 40)"#,
    r#"person.name.startsWith("K")"#,
    r#"person.id < "p0000200""#,
    r#"["sgc", "c3"].exists(u, person.served_in(u))"#,
    r#"size(person.home_county) > person.age / 8"#,
    r#"person.deployed_at(person.home_county)"#,
    r#"today > date("2021-01-01")"#,
    r#"person.had("injured") && today < date("2019-01-01")"#,
    "true",
    "false",
];

/// A condition built from the leaves with `&&`, `||`, `!` and `? :`.
pub fn condition() -> impl Strategy<Value = String> {
    let leaf = prop::sample::select(LEAVES).prop_map(str::to_string);
    leaf.prop_recursive(3, 10, 3, |inner| {
        prop_oneof![
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a}) && ({b})")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a}) || ({b})")),
            inner.clone().prop_map(|a| format!("!({a})")),
            (inner.clone(), inner.clone(), inner)
                .prop_map(|(a, b, c)| format!("({a}) ? ({b}) : ({c})")),
        ]
    })
}

/// One generated rule.
#[derive(Clone, Debug)]
pub struct DraftRule {
    /// 0, 1: exclude, require (list kinds); 2: delay; 3: protect.
    pub effect: u8,
    pub kind: bool,
    pub when: String,
    pub unless: Option<String>,
    /// Cycles after the cycle of the day of issue, or a date when odd.
    pub until: u32,
}

/// One generated order.
#[derive(Clone, Debug)]
pub struct Draft {
    /// Months after 2017-01-01.
    pub issued: u32,
    pub until: Option<u32>,
    pub recheck: bool,
    pub overridden: bool,
    pub supersedes_previous: bool,
    pub rules: Vec<DraftRule>,
}

fn draft_rule() -> impl Strategy<Value = DraftRule> {
    (0u8..4, any::<bool>(), condition(), prop::option::weighted(0.4, condition()), 0u32..8)
        .prop_map(|(effect, kind, when, unless, until)| DraftRule {
            effect,
            kind,
            when,
            unless,
            until,
        })
}

pub fn draft() -> impl Strategy<Value = Draft> {
    (
        0u32..84,
        prop::option::weighted(0.3, 1u32..40),
        prop::bool::weighted(0.8),
        prop::bool::weighted(0.3),
        prop::bool::weighted(0.2),
        prop::collection::vec(draft_rule(), 1..4),
    )
        .prop_map(|(issued, until, recheck, overridden, supersedes_previous, rules)| Draft {
            issued,
            until,
            recheck,
            overridden,
            supersedes_previous,
            rules,
        })
}

fn next(cycle: muster_core::Cycle) -> muster_core::Cycle {
    use muster_core::{Cycle, Season};
    match cycle.season {
        Season::Spring => Cycle { year: cycle.year, season: Season::Autumn },
        Season::Autumn => Cycle { year: cycle.year + 1, season: Season::Spring },
    }
}

/// The text of a generated order.
pub fn order_text(index: usize, draft: &Draft) -> String {
    let calendar = muster_core::Calendar::default();
    let issued_on = day(2017, 1, 1) + Months::new(draft.issued);
    let mut text = format!(
        "id = \"order-{index}\"\ntitle = \"generated\"\nissued_by = \"mod\"\nissued_on = {issued_on}\nrecheck = {}\n",
        draft.recheck
    );
    if let Some(months) = draft.until {
        text.push_str(&format!("effective_until = {}\n", issued_on + Months::new(months)));
    }
    if draft.supersedes_previous && index > 0 {
        text.push_str(&format!("supersedes = [\"order-{}\"]\n", index - 1));
    }
    for rule in &draft.rules {
        let kind = if rule.kind { "overseas-posting" } else { "redeployment" };
        let (applies_to, effect) = match rule.effect {
            0 => (kind, "exclude"),
            1 => (kind, "require"),
            2 => ("discharge", "delay"),
            _ => ("discharge", "protect"),
        };
        text.push_str(&format!(
            "\n[[rules]]\napplies_to = \"{applies_to}\"\neffect = \"{effect}\"\nwhen = '{}'\nreason = \"generated {effect}\"\n",
            rule.when
        ));
        if let Some(unless) = &rule.unless {
            text.push_str(&format!("unless = '{unless}'\n"));
        }
        if effect == "delay" {
            if rule.until % 2 == 1 {
                text.push_str(&format!("until = {}\n", issued_on + Months::new(rule.until * 2)));
            } else {
                let mut cycle = calendar.cycle_on_or_after(issued_on);
                for _ in 0..rule.until / 2 {
                    cycle = next(cycle);
                }
                text.push_str(&format!("until = \"{cycle}\"\n"));
            }
        }
    }
    text
}

/// The reference orders and the generated ones, issued on their days.
pub fn books(drafts: &[Draft]) -> OrderBook {
    let mut texts = reference_orders();
    texts.extend(drafts.iter().enumerate().map(|(index, draft)| order_text(index, draft)));
    let issued = texts
        .iter()
        .enumerate()
        .map(|(sequence, text)| {
            let order = parse_order(text).map_err(|errors| format!("{errors:?}\n{text}")).unwrap();
            let overridden = drafts
                .iter()
                .enumerate()
                .any(|(index, draft)| draft.overridden && order.id == format!("order-{index}"));
            IssuedOrder { issued_on: order.issued_on, order, sequence: sequence as i64, overridden }
        })
        .collect();
    OrderBook::new(issued, vec![])
}
