//! The engine against the peers a user would otherwise use, on a generated
//! store: SQL in SQLite (with indexes, written as a competent user would),
//! the reference interpreter, and a plain Rust loop over a packed array of
//! the fields each question needs (the memory-bound limit). One run prints
//! one table.
//!
//! `MUSTER_BENCH_PEOPLE` (default 1000000) is the size of the army;
//! `MUSTER_BENCH_DIR` (default `target/bench-data`) holds the generated
//! dataset and its store, made on the first run; `MUSTER_BENCH_REFERENCE`
//! (default 1000000) is the most people the reference interpreter is timed
//! on: past it, its time is measured on that many and scaled.

#![expect(clippy::unwrap_used, clippy::expect_used, reason = "a benchmark fails loudly")]

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use muster_cel::Budget;
use muster_core::{Cycle, EventKind, PersonFile, Records, Season};
use muster_engine::{Engine, ListMember};
use muster_orders::{
    EntryStatus, IssuedOrder, List, ListWithEntries, OrderBook, PersonView, World, discharge,
    impact, parse_order, roster, screen,
};
use muster_store::{SqliteStore, Store};
use roaring::RoaringBitmap;
use rusqlite::Connection;

fn day(year: i32, month: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, month, day).unwrap()
}

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|text| text.parse().ok()).unwrap_or(default)
}

/// Resident memory of this process, in bytes.
fn resident() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map_or(0, |kib| kib * 1024)
}

/// The median of `runs` timings of `work`, and its last result.
fn time<T>(runs: usize, mut work: impl FnMut() -> T) -> (Duration, T) {
    let mut times = Vec::with_capacity(runs);
    let mut result = None;
    for _ in 0..runs.max(1) {
        let started = Instant::now();
        result = Some(work());
        times.push(started.elapsed());
    }
    times.sort();
    (times[times.len() / 2], result.expect("at least one run"))
}

fn show(duration: Duration) -> String {
    let seconds = duration.as_secs_f64();
    if seconds >= 1.0 {
        format!("{seconds:.2} s")
    } else if seconds >= 1e-3 {
        format!("{:.2} ms", seconds * 1e3)
    } else {
        format!("{:.1} µs", seconds * 1e6)
    }
}

/// One row of the table: a question, and how long each peer took.
struct Row {
    question: String,
    engine: Duration,
    engine_one_core: Option<Duration>,
    peers: Vec<(&'static str, Option<Duration>, String)>,
    answer: String,
}

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The generated dataset and its store, made when missing.
fn store_path(people: u64) -> PathBuf {
    let dir = std::env::var("MUSTER_BENCH_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| workspace().join("target/bench-data"));
    std::fs::create_dir_all(&dir).unwrap();
    let data = dir.join(format!("people-{people}"));
    let db = dir.join(format!("people-{people}.db"));
    if !db.exists() {
        eprintln!("generating {people} people into {}", data.display());
        muster_generate::generate(&data, &muster_generate::Options::new(people, 1), &mut |_| {})
            .unwrap();
        eprintln!("importing into {}", db.display());
        let dataset = muster_dataset::read_dataset(&data).unwrap();
        let mut store = SqliteStore::create(&db).unwrap();
        let act = muster_store::NewAct {
            kind: "import".into(),
            valid_on: day(2000, 1, 1),
            actor: "bench".into(),
            summary: "import".into(),
        };
        store.import(dataset, muster_dataset::Mode::New, act, &mut |_, _| {}).unwrap();
    }
    db
}

/// The standing orders of the broad question: the reference orders and
/// one more with eight rules for postings abroad.
const STANDING: &str = r#"
id = "bench-standing"
title = "Postings abroad: standing exclusions"
issued_by = "mod"
issued_on = 2024-03-01

[[rules]]
applies_to = "overseas-posting"
effect = "exclude"
when = 'person.had("awol")'
reason = "Absent without leave"

[[rules]]
applies_to = "overseas-posting"
effect = "exclude"
when = 'person.had("killed")'
reason = "Killed"

[[rules]]
applies_to = "overseas-posting"
effect = "exclude"
when = 'person.age < 20'
reason = "Too young"

[[rules]]
applies_to = "overseas-posting"
effect = "exclude"
when = 'person.exempted("posting")'
reason = "Exempt from postings"

[[rules]]
applies_to = "overseas-posting"
effect = "exclude"
when = 'person.home_province == "Ryanggang" && person.sex == "F"'
reason = "Border province"

[[rules]]
applies_to = "overseas-posting"
effect = "exclude"
when = 'person.served_in("c3-2")'
reason = "Served in the 3rd Corps, 2nd Division"

[[rules]]
applies_to = "overseas-posting"
effect = "require"
when = 'person.age <= 55'
reason = "Too old"

[[rules]]
applies_to = "overseas-posting"
effect = "exclude"
when = 'person.had("injured") && person.age > 45'
reason = "Injured, over 45"
"#;

fn reference_orders() -> Vec<String> {
    let orders = workspace().join("crates/muster-cli/tests/fixtures/reference/orders");
    let mut texts: Vec<String> = std::fs::read_dir(&orders)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| !path.ends_with("bad-unknown-field.toml"))
        .map(|path| std::fs::read_to_string(path).unwrap())
        .collect();
    texts.sort();
    texts
}

fn book(texts: &[String]) -> OrderBook {
    let issued = texts
        .iter()
        .enumerate()
        .map(|(sequence, text)| {
            let order = parse_order(text).map_err(|errors| format!("{errors:?}")).unwrap();
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

const SELECTIVE: &str = r#"person.discharge_cycle == "2020-autumn" && person.deployed_at("gomdok") && !person.admitted("central-university") && person.home_province != "Chagang" && !person.served_in_tagged("important")"#;

const SQL_UNITS: &str = "
  important(id) AS (
    SELECT id FROM units WHERE ';' || tags || ';' LIKE '%;important;%'
    UNION SELECT u.id FROM units u JOIN important i ON u.parent = i.id),
  below(top, id) AS (
    SELECT id, id FROM units
    UNION ALL SELECT b.top, u.id FROM units u JOIN below b ON u.parent = b.id)";

const SQL_SELECTIVE: &str = "
WITH RECURSIVE {units},
  deployed(person) AS (
    SELECT person FROM deployments
    WHERE person IS NOT NULL AND site = ?1 AND from_day <= ?2 AND (to_day IS NULL OR to_day >= ?2)
    UNION
    SELECT s.person FROM deployments d JOIN below b ON b.top = d.unit JOIN service s ON s.unit = b.id
    WHERE d.unit IS NOT NULL AND d.site = ?1 AND d.from_day <= ?2 AND (d.to_day IS NULL OR d.to_day >= ?2)
      AND s.from_day <= ?2 AND (s.to_day IS NULL OR s.to_day >= ?2))
SELECT c.person FROM bench_cycles c JOIN people p ON p.id = c.person
WHERE c.discharge_cycle = ?3 AND p.home_province <> 'Chagang'
  AND c.person IN deployed
  AND c.person NOT IN (SELECT person FROM events WHERE kind = 'admitted'
      AND (detail = 'central-university' OR ref = 'central-university') AND day <= ?2)
  AND c.person NOT IN (SELECT person FROM service WHERE unit IN important AND from_day <= ?2)
ORDER BY c.person";

const SQL_BROAD: &str = "
WITH RECURSIVE
  important(id) AS (
    SELECT id FROM units WHERE ';' || tags || ';' LIKE '%;important;%'
    UNION SELECT u.id FROM units u JOIN important i ON u.parent = i.id),
  corps(id) AS (SELECT 'c3-2' UNION SELECT u.id FROM units u JOIN corps c ON u.parent = c.id)
SELECT p.id,
  p.home_province = 'Chagang',
  p.id IN (SELECT person FROM service WHERE unit IN important AND from_day <= ?1),
  p.id IN (SELECT person FROM events WHERE kind = 'awol' AND day <= ?1),
  p.id IN (SELECT person FROM events WHERE kind = 'killed' AND day <= ?1),
  p.age < 20,
  p.id IN (SELECT person FROM events WHERE kind = 'exempted' AND day <= ?1
           AND trim(substr(detail, 1, instr(detail || ':', ':') - 1)) = 'posting'),
  p.home_province = 'Ryanggang' AND p.sex = 'F',
  p.id IN (SELECT person FROM service WHERE unit IN corps AND from_day <= ?1),
  NOT (p.age <= 55),
  p.id IN (SELECT person FROM events WHERE kind = 'injured' AND day <= ?1) AND p.age > 45,
  p.home_province = 'Chagang'
    OR p.id IN (SELECT person FROM service WHERE unit IN important AND from_day <= ?2)
FROM (SELECT id, home_province, sex,
        CAST(strftime('%Y', ?1) AS INTEGER) - CAST(strftime('%Y', born) AS INTEGER)
          - (strftime('%m-%d', ?1) < strftime('%m-%d', born)) AS age
      FROM people {where}) p
ORDER BY p.id";

/// One person's row of the broad question, with the unit subtrees kept in
/// tables, as a competent user asks it for one person.
const SQL_ONE: &str = "
SELECT p.id,
  p.home_province = 'Chagang',
  EXISTS (SELECT 1 FROM service s WHERE s.person = p.id AND s.from_day <= ?1
          AND s.unit IN (SELECT id FROM bench_important)),
  EXISTS (SELECT 1 FROM events e WHERE e.person = p.id AND e.kind = 'awol' AND e.day <= ?1),
  EXISTS (SELECT 1 FROM events e WHERE e.person = p.id AND e.kind = 'killed' AND e.day <= ?1),
  p.age < 20,
  EXISTS (SELECT 1 FROM events e WHERE e.person = p.id AND e.kind = 'exempted' AND e.day <= ?1
          AND trim(substr(e.detail, 1, instr(e.detail || ':', ':') - 1)) = 'posting'),
  p.home_province = 'Ryanggang' AND p.sex = 'F',
  EXISTS (SELECT 1 FROM service s WHERE s.person = p.id AND s.from_day <= ?1
          AND s.unit IN (SELECT id FROM bench_corps)),
  NOT (p.age <= 55),
  EXISTS (SELECT 1 FROM events e WHERE e.person = p.id AND e.kind = 'injured' AND e.day <= ?1)
    AND p.age > 45
FROM (SELECT id, home_province, sex,
        CAST(strftime('%Y', ?1) AS INTEGER) - CAST(strftime('%Y', born) AS INTEGER)
          - (strftime('%m-%d', ?1) < strftime('%m-%d', born)) AS age
      FROM people WHERE id = ?2) p";

/// The indexes and the derived discharge-cycle column a competent user
/// adds for these questions.
fn prepare_sql(connection: &Connection, world: &World) -> Duration {
    let started = Instant::now();
    connection
        .execute_batch(
            "CREATE INDEX IF NOT EXISTS bench_service_unit ON service (unit, from_day, person);
             CREATE INDEX IF NOT EXISTS bench_events_kind ON events (kind, day, person);
             CREATE INDEX IF NOT EXISTS bench_deployments_site ON deployments (site, from_day);
             CREATE INDEX IF NOT EXISTS bench_units_parent ON units (parent);
             CREATE TABLE IF NOT EXISTS bench_cycles (person TEXT PRIMARY KEY, discharge_cycle TEXT NOT NULL) WITHOUT ROWID;
             DROP TABLE IF EXISTS bench_important;
             CREATE TABLE bench_important AS WITH RECURSIVE important(id) AS (
               SELECT id FROM units WHERE ';' || tags || ';' LIKE '%;important;%'
               UNION SELECT u.id FROM units u JOIN important i ON u.parent = i.id)
               SELECT id FROM important;
             DROP TABLE IF EXISTS bench_corps;
             CREATE TABLE bench_corps AS WITH RECURSIVE corps(id) AS (
               SELECT 'c3-2' UNION SELECT u.id FROM units u JOIN corps c ON u.parent = c.id)
               SELECT id FROM corps;",
        )
        .unwrap();
    let count: i64 =
        connection.query_row("SELECT count(*) FROM bench_cycles", [], |row| row.get(0)).unwrap();
    if count == 0 {
        connection.execute_batch("BEGIN").unwrap();
        {
            let mut insert =
                connection.prepare("INSERT INTO bench_cycles VALUES (?1, ?2)").unwrap();
            for file in &world.people {
                if let Some(cycle) = file.discharge_cycle(&world.calendar) {
                    insert.execute((&file.person.id, cycle.to_string())).unwrap();
                }
            }
        }
        connection
            .execute_batch(
                "CREATE INDEX IF NOT EXISTS bench_cycles_cycle ON bench_cycles (discharge_cycle, person);
                 COMMIT; ANALYZE;",
            )
            .unwrap();
    }
    started.elapsed()
}

/// The fields the selective question reads, packed per person.
struct SelectivePacked {
    cycle: u16,
    province: u16,
    admitted_first: i32,
    important_first: i32,
    periods_start: u32,
    periods_count: u32,
}

/// The fields the broad question reads, packed per person.
struct BroadPacked {
    province: u8,
    female: bool,
    born_year: i16,
    born_month_day: u16,
    important_first: i32,
    corps_first: i32,
    awol_first: i32,
    killed_first: i32,
    injured_first: i32,
    posting_exempt_first: i32,
}

fn number(date: NaiveDate) -> i32 {
    chrono::Datelike::num_days_from_ce(&date)
}

fn first_assignment(world: &World, file: &PersonFile, within: impl Fn(&str) -> bool) -> i32 {
    let _ = world;
    file.assignments
        .iter()
        .filter(|assignment| within(&assignment.unit))
        .map(|assignment| number(assignment.from))
        .min()
        .unwrap_or(i32::MAX)
}

fn first_event(file: &PersonFile, matches: impl Fn(&muster_core::Event) -> bool) -> i32 {
    file.events
        .iter()
        .filter(|event| matches(event))
        .map(|event| number(event.date))
        .min()
        .unwrap_or(i32::MAX)
}

fn main() {
    let people = env_number("MUSTER_BENCH_PEOPLE", 1_000_000);
    let reference_limit = env_number("MUSTER_BENCH_REFERENCE", 1_000_000) as usize;
    let db = store_path(people);
    let mut rows: Vec<Row> = Vec::new();

    // 6. Loading the engine from the store, and the memory it holds.
    let before = resident();
    let mut last_step = String::new();
    let started = Instant::now();
    let scan = muster_store::SqliteScan::new(&db).unwrap();
    let mut engine = muster_engine::load(&scan, &mut |step, done, total| {
        if step != last_step {
            eprintln!("  {step} ({:.2} s)", started.elapsed().as_secs_f64());
            last_step = step.to_string();
        }
        let _ = (done, total);
    })
    .unwrap();
    let load_time = started.elapsed();
    let engine_resident = resident().saturating_sub(before);
    let engine_heap = engine.heap_bytes();
    eprintln!("engine loaded in {}", show(load_time));
    if let Ok(what) = std::env::var("MUSTER_BENCH_PROFILE") {
        profile(&mut engine, &what, &db);
        return;
    }

    // The reference: every record in memory, indexed by person.
    let store = SqliteStore::open(&db).unwrap();
    let before = resident();
    let (reference_load, world) = time(1, || {
        let records: Records = store.records().unwrap();
        World::new(records)
    });
    let world_resident = resident().saturating_sub(before);
    eprintln!("reference world loaded in {}", show(reference_load));

    let connection = Connection::open(&db).unwrap();
    let sql_setup = prepare_sql(&connection, &world);
    eprintln!("sql indexes ready in {}", show(sql_setup));
    let one_core = rayon::ThreadPoolBuilder::new().num_threads(1).build().unwrap();
    let reference_people = world.people.len().min(reference_limit);
    let scale = world.people.len() as f64 / reference_people.max(1) as f64;
    let scaled = |duration: Duration| duration.mul_f64(scale);
    let scaled_note = if reference_people < world.people.len() {
        format!("measured on {reference_people}, scaled")
    } else {
        String::new()
    };

    let mut texts = reference_orders();
    let reference_book = book(&texts);
    texts.push(STANDING.to_string());
    let standing_book = book(&texts);

    // 1. Selective: the people a narrow condition selects, on the eve of
    // the autumn 2020 discharges.
    let on = day(2020, 9, 30);
    let expr = muster_cel::parse(SELECTIVE).unwrap();
    let plan = engine.compile(&expr);
    let (engine_time, selected) =
        time(50, || engine.select(&plan, &reference_book, on, &Budget::unlimited()).unwrap());
    let (engine_one, _) = one_core.install(|| {
        time(50, || engine.select(&plan, &reference_book, on, &Budget::unlimited()).unwrap())
    });
    let sql = SQL_SELECTIVE.replace("{units}", SQL_UNITS);
    let (sql_time, sql_selected) = time(3, || {
        let mut statement = connection.prepare_cached(&sql).unwrap();
        let ids: Vec<String> = statement
            .query_map(("gomdok", "2020-09-30", "2020-autumn"), |row| row.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        ids
    });
    let (reference_time, reference_selected) = time(1, || {
        let mut count = 0usize;
        for file in world.people.iter().take(reference_people) {
            let view = PersonView::new(&world, &reference_book, file, on);
            let environment = muster_cel::Environment { today: Some(on), person: Some(&view) };
            let mut reads = muster_cel::Reads::new();
            if muster_cel::evaluate(&expr, &environment, &mut reads)
                == Ok(muster_cel::Value::Bool(true))
            {
                count += 1;
            }
        }
        count
    });
    // The plain loop over the packed fields.
    let cycle_code = |file: &PersonFile| -> u16 {
        match file.discharge_cycle(&world.calendar) {
            Some(Cycle { year: 2020, season: Season::Autumn }) => 1,
            Some(_) => 2,
            None => 0,
        }
    };
    let mut gomdok_periods: Vec<(i32, i32)> = Vec::new();
    let packed: Vec<SelectivePacked> = world
        .people
        .iter()
        .map(|file| {
            let start = gomdok_periods.len() as u32;
            for period in file.deployment_periods(&world.tree) {
                if period.deployment.site == "gomdok" {
                    gomdok_periods.push((number(period.from), period.to.map_or(i32::MAX, number)));
                }
            }
            SelectivePacked {
                cycle: cycle_code(file),
                province: u16::from(file.person.home_province == "Chagang"),
                admitted_first: first_event(file, |event| {
                    event.kind == EventKind::Admitted
                        && (event.detail == "central-university"
                            || event.reference == "central-university")
                }),
                important_first: first_assignment(&world, file, |unit| {
                    world.unit_has_tag(unit, "important")
                }),
                periods_start: start,
                periods_count: gomdok_periods.len() as u32 - start,
            }
        })
        .collect();
    let on_number = number(on);
    let (loop_time, loop_selected) = time(20, || {
        let mut selected = Vec::new();
        for (position, person) in packed.iter().enumerate() {
            if person.cycle == 1
                && person.province == 0
                && person.admitted_first > on_number
                && person.important_first > on_number
            {
                let periods = &gomdok_periods[person.periods_start as usize
                    ..(person.periods_start + person.periods_count) as usize];
                if periods.iter().any(|&(from, to)| from <= on_number && on_number <= to) {
                    selected.push(position as u32);
                }
            }
        }
        selected
    });
    assert_eq!(selected.len() as usize, sql_selected.len(), "the engine and SQL agree");
    assert_eq!(selected.len() as usize, loop_selected.len(), "the engine and the loop agree");
    if reference_people == world.people.len() {
        assert_eq!(
            selected.len() as usize,
            reference_selected,
            "the engine and the reference agree"
        );
    }
    rows.push(Row {
        question: "1. selective: narrow condition over everyone".into(),
        engine: engine_time,
        engine_one_core: Some(engine_one),
        peers: vec![
            ("SQLite", Some(sql_time), String::new()),
            ("reference", Some(scaled(reference_time)), scaled_note.clone()),
            ("plain loop", Some(loop_time), String::new()),
        ],
        answer: format!("{} people", selected.len()),
    });
    eprintln!("selective done");

    // 2. Broad: every entry of a list of everyone, against the standing
    // orders for postings abroad, with statuses and reasons.
    let on = day(2024, 6, 1);
    let nominated_on = day(2024, 2, 1);
    let members: Vec<ListMember> = (0..engine.len() as u32)
        .map(|person| ListMember { person, nominated_on, active: true })
        .collect();
    let kind = "overseas-posting";
    let (engine_time, statuses) = time(10, || {
        engine.list_statuses(&standing_book, kind, &members, on, &Budget::unlimited()).unwrap()
    });
    let (engine_one, _) = one_core.install(|| {
        time(5, || {
            engine.list_statuses(&standing_book, kind, &members, on, &Budget::unlimited()).unwrap()
        })
    });
    let rules = statuses.rules.len();
    let count =
        |status: EntryStatus| statuses.entries().filter(|entry| entry.status == status).count();
    let (eligible, excluded, flagged) =
        (count(EntryStatus::Eligible), count(EntryStatus::Excluded), count(EntryStatus::Flagged));
    let broad_sql = SQL_BROAD.replace("{where}", "");
    let (sql_time, sql_counts) = time(1, || {
        let mut statement = connection.prepare_cached(&broad_sql).unwrap();
        let mut counts = [0usize; 3];
        let mut rows = statement.query(("2024-06-01", "2024-02-01")).unwrap();
        let mut entries: Vec<(String, u8, u16)> = Vec::new();
        while let Some(row) = rows.next().unwrap() {
            let id: String = row.get(0).unwrap();
            let mut mask = 0u16;
            for rule in 0..10 {
                let excluded: bool = row.get(rule + 1).unwrap();
                if excluded {
                    mask |= 1 << rule;
                }
            }
            let excluded_then: bool = row.get(11).unwrap();
            let status = if mask == 0 {
                0
            } else if excluded_then {
                1
            } else {
                2
            };
            counts[usize::from(status)] += 1;
            entries.push((id, status, mask));
        }
        counts
    });
    let (reference_time, reference_counts) = time(1, || {
        let mut counts = [0usize; 3];
        for file in world.people.iter().take(reference_people) {
            let screening = screen(&world, &standing_book, file, kind, on, Some(nominated_on));
            let reasons: Vec<(String, usize)> =
                screening.excluding().map(|check| (check.order.clone(), check.rule)).collect();
            let status = if screening.eligible {
                0
            } else if screen(&world, &standing_book, file, kind, nominated_on, Some(nominated_on))
                .eligible
            {
                2
            } else {
                1
            };
            counts[status] += 1;
            drop(reasons);
        }
        counts
    });
    let province_codes = |province: &str| -> u8 {
        match province {
            "Chagang" => 1,
            "Ryanggang" => 2,
            _ => 0,
        }
    };
    let broad: Vec<BroadPacked> = world
        .people
        .iter()
        .map(|file| {
            let born = file.person.born;
            BroadPacked {
                province: province_codes(&file.person.home_province),
                female: file.person.sex == muster_core::Sex::Female,
                born_year: chrono::Datelike::year(&born) as i16,
                born_month_day: (chrono::Datelike::month(&born) * 32 + chrono::Datelike::day(&born))
                    as u16,
                important_first: first_assignment(&world, file, |unit| {
                    world.unit_has_tag(unit, "important")
                }),
                corps_first: first_assignment(&world, file, |unit| {
                    world.tree.is_within(unit, "c3-2")
                }),
                awol_first: first_event(file, |event| event.kind == EventKind::Awol),
                killed_first: first_event(file, |event| event.kind == EventKind::Killed),
                injured_first: first_event(file, |event| event.kind == EventKind::Injured),
                posting_exempt_first: first_event(file, |event| {
                    event.kind == EventKind::Exempted && event.exemption_scope() == "posting"
                }),
            }
        })
        .collect();
    let (on_number, nominated_number) = (number(on), number(nominated_on));
    let (on_year, on_month_day) = (2024i16, 6 * 32 + 1);
    let (loop_time, loop_counts) = time(10, || {
        let mut entries: Vec<(u8, u16)> = Vec::with_capacity(broad.len());
        let mut counts = [0usize; 3];
        for person in &broad {
            let age = on_year - person.born_year - i16::from(on_month_day < person.born_month_day);
            let mut mask = 0u16;
            let rules = [
                person.province == 1,
                person.important_first <= on_number,
                person.awol_first <= on_number,
                person.killed_first <= on_number,
                age < 20,
                person.posting_exempt_first <= on_number,
                person.province == 2 && person.female,
                person.corps_first <= on_number,
                age > 55,
                person.injured_first <= on_number && age > 45,
            ];
            for (rule, excluded) in rules.into_iter().enumerate() {
                mask |= u16::from(excluded) << rule;
            }
            let status = if mask == 0 {
                0
            } else if person.province == 1 || person.important_first <= nominated_number {
                1
            } else {
                2
            };
            counts[usize::from(status)] += 1;
            entries.push((status, mask));
        }
        counts
    });
    let engine_counts = [eligible, excluded, flagged];
    assert_eq!(engine_counts, sql_counts, "the engine and SQL agree");
    assert_eq!(engine_counts, loop_counts, "the engine and the loop agree");
    if reference_people == world.people.len() {
        assert_eq!(engine_counts, reference_counts, "the engine and the reference agree");
    }
    rows.push(Row {
        question: format!("2. broad: list of everyone, {rules} rules, statuses and reasons"),
        engine: engine_time,
        engine_one_core: Some(engine_one),
        peers: vec![
            ("SQLite", Some(sql_time), String::new()),
            ("reference", Some(scaled(reference_time)), scaled_note.clone()),
            ("plain loop", Some(loop_time), String::new()),
        ],
        answer: format!("{eligible} eligible, {excluded} excluded, {flagged} flagged"),
    });
    eprintln!("broad done");

    // 3. The discharge roster of a cycle.
    let cycle = Cycle { year: 2020, season: Season::Autumn };
    let as_of = day(2024, 6, 1);
    let (engine_time, engine_roster) =
        time(5, || engine.roster(&reference_book, cycle, as_of, &Budget::unlimited()).unwrap());
    let (engine_one, _) = one_core.install(|| {
        time(3, || engine.roster(&reference_book, cycle, as_of, &Budget::unlimited()).unwrap())
    });
    let (reference_time, reference_roster) =
        time(1, || roster(&world, &reference_book, cycle, as_of));
    assert_eq!(engine_roster, reference_roster, "the engine and the reference agree");
    rows.push(Row {
        question: format!("3. discharge roster of {cycle}"),
        engine: engine_time,
        engine_one_core: Some(engine_one),
        peers: vec![
            ("SQLite", None, "the chain of orders is not SQL".into()),
            ("reference", Some(reference_time), String::new()),
            ("plain loop", None, String::new()),
        ],
        answer: format!("{} entries", engine_roster.entries.len()),
    });
    eprintln!("roster done");

    // 4. One person's change reflected in his list statuses and discharge
    // date.
    let lists = vec![("everyone".to_string(), kind.to_string(), members.clone())];
    let mut live = engine.live(standing_book.clone(), on, lists);
    let changed: Vec<PersonFile> = (0..200)
        .map(|index| {
            let mut file = world.people[(index * 4_999) % world.people.len()].clone();
            file.events.push(muster_core::Event {
                person: file.person.id.clone(),
                date: day(2024, 5, 1),
                kind: if index % 2 == 0 { EventKind::Awol } else { EventKind::Injured },
                reference: String::new(),
                detail: String::new(),
            });
            file
        })
        .collect();
    let started = Instant::now();
    for file in &changed {
        engine.update_person(&mut live, file).unwrap();
    }
    let engine_time = started.elapsed() / changed.len() as u32;
    let started = Instant::now();
    for file in &changed {
        let screening = screen(&world, &standing_book, file, kind, on, Some(nominated_on));
        let _ = screening.eligible
            || screen(&world, &standing_book, file, kind, nominated_on, Some(nominated_on))
                .eligible;
        let _ = discharge(&world, &standing_book, file, on).date();
    }
    let reference_time = started.elapsed() / changed.len() as u32;
    let started = Instant::now();
    for file in &changed {
        let mut statement = connection.prepare_cached(SQL_ONE).unwrap();
        let mut rows = statement.query(("2024-06-01", &file.person.id)).unwrap();
        while rows.next().unwrap().is_some() {}
    }
    let sql_time = started.elapsed() / changed.len() as u32;
    rows.push(Row {
        question: "4. one person's change: list status and discharge date".into(),
        engine: engine_time,
        engine_one_core: None,
        peers: vec![
            ("SQLite", Some(sql_time), "his row of the broad query".into()),
            ("reference", Some(reference_time), "his screening and chain".into()),
            ("plain loop", Some(loop_time), "the whole loop again".into()),
        ],
        answer: format!("{} changes", changed.len()),
    });
    eprintln!("change done");

    // 5. Order preview of the reference orders over the whole store, with
    // the list of everyone.
    let changes: Vec<muster_orders::EntryChange> = world
        .people
        .iter()
        .map(|file| muster_orders::EntryChange {
            person: file.person.id.clone(),
            added: true,
            on: day(2018, 1, 2),
        })
        .collect();
    let list = List {
        id: "everyone".into(),
        kind: kind.into(),
        owner: "placement".into(),
        created_on: day(2018, 1, 1),
    };
    let with_entries = [ListWithEntries { list: &list, changes: &changes }];
    let preview = |engine: Option<&Engine>| {
        let mut moved = 0usize;
        for issued in reference_book.all() {
            let before = reference_book.without(&issued.order.id);
            let result = match engine {
                Some(engine) => engine
                    .impact(
                        &before,
                        &reference_book,
                        &issued.order.id,
                        issued.issued_on,
                        &with_entries,
                        &Budget::unlimited(),
                    )
                    .unwrap(),
                None => impact(
                    &world,
                    &before,
                    &reference_book,
                    &issued.order.id,
                    issued.issued_on,
                    &with_entries,
                ),
            };
            moved += result.discharge.len()
                + result.lists.iter().map(|list| list.newly_excluded.len()).sum::<usize>();
        }
        moved
    };
    let (engine_time, engine_moved) = time(3, || preview(Some(&engine)));
    let (engine_one, _) = one_core.install(|| time(1, || preview(Some(&engine))));
    let (reference_time, reference_moved) = time(1, || preview(None));
    assert_eq!(engine_moved, reference_moved, "the engine and the reference agree");
    rows.push(Row {
        question: format!("5. preview of the {} reference orders", reference_book.all().len()),
        engine: engine_time,
        engine_one_core: Some(engine_one),
        peers: vec![
            ("SQLite", None, "the chain of orders is not SQL".into()),
            ("reference", Some(reference_time), String::new()),
            ("plain loop", None, String::new()),
        ],
        answer: format!("{engine_moved} people excluded or moved"),
    });

    rows.push(Row {
        question: "6. load from the store".into(),
        engine: load_time,
        engine_one_core: None,
        peers: vec![
            ("SQLite", None, "reads on demand".into()),
            ("reference", Some(reference_load), "records and World".into()),
            ("plain loop", None, String::new()),
        ],
        answer: format!(
            "engine {:.0} MiB resident ({:.0} MiB counted), reference {:.0} MiB",
            engine_resident as f64 / 1048576.0,
            engine_heap as f64 / 1048576.0,
            world_resident as f64 / 1048576.0
        ),
    });

    print_table(people, &rows);
    let _ = RoaringBitmap::new();
}

/// Runs one question of the engine over and over, for a profiler
/// (`MUSTER_BENCH_PROFILE=selective`, `broad`, `roster` or `change`; or
/// `leaves`, which times each part of the selective condition and each
/// prefix of it). `MUSTER_BENCH_CONDITION` replaces the selective
/// condition.
fn profile(engine: &mut Engine, what: &str, db: &Path) {
    let mut texts = reference_orders();
    let reference_book = book(&texts);
    texts.push(STANDING.to_string());
    let standing_book = book(&texts);
    let members: Vec<ListMember> = (0..engine.len() as u32)
        .map(|person| ListMember { person, nominated_on: day(2024, 2, 1), active: true })
        .collect();
    let runs: u32 = match what {
        "selective" => 2000,
        "change" => 20_000,
        _ => 40,
    };
    let mut live = (what == "change").then(|| {
        let lists = vec![("everyone".to_string(), "overseas-posting".to_string(), members.clone())];
        engine.live(standing_book.clone(), day(2024, 6, 1), lists)
    });
    let files: Vec<PersonFile> = if what == "change" {
        let world = World::new(SqliteStore::open(db).unwrap().records().unwrap());
        // Each a different person, as in the table: his rows and index
        // entries are not in the caches.
        (0..runs as usize)
            .map(|index| {
                let mut file = world.people[(index * 4_999) % world.people.len()].clone();
                file.events.push(muster_core::Event {
                    person: file.person.id.clone(),
                    date: day(2024, 5, 1),
                    kind: EventKind::Injured,
                    reference: String::new(),
                    detail: String::new(),
                });
                file
            })
            .collect()
    } else {
        Vec::new()
    };
    if what == "leaves" {
        let leaves: Vec<&str> = SELECTIVE.split(" && ").collect();
        let mut conditions: Vec<String> = leaves.iter().map(|leaf| leaf.to_string()).collect();
        conditions.extend((2..=leaves.len()).map(|end| leaves[..end].join(" && ")));
        for leaf in conditions {
            let plan = engine.compile(&muster_cel::parse(&leaf).unwrap());
            let started = Instant::now();
            for _ in 0..500 {
                engine
                    .select(&plan, &reference_book, day(2020, 9, 30), &Budget::unlimited())
                    .unwrap();
            }
            eprintln!("{leaf}: {}", show(started.elapsed() / 500));
        }
        return;
    }
    let condition =
        std::env::var("MUSTER_BENCH_CONDITION").unwrap_or_else(|_| SELECTIVE.to_string());
    let plan = engine.compile(&muster_cel::parse(&condition).unwrap());
    // `MUSTER_BENCH_DAY` (YYYY-MM-DD) replaces the selective day.
    let on = std::env::var("MUSTER_BENCH_DAY")
        .ok()
        .and_then(|text| NaiveDate::parse_from_str(&text, "%Y-%m-%d").ok())
        .unwrap_or_else(|| day(2020, 9, 30));
    let started = Instant::now();
    for run in 0..runs {
        match (what, &mut live) {
            ("selective", _) => {
                engine.select(&plan, &reference_book, on, &Budget::unlimited()).unwrap();
            }
            ("broad", _) => {
                engine
                    .list_statuses(
                        &standing_book,
                        "overseas-posting",
                        &members,
                        day(2024, 6, 1),
                        &Budget::unlimited(),
                    )
                    .unwrap();
            }
            ("change", Some(live)) => {
                engine.update_person(live, &files[run as usize % files.len()]).unwrap();
            }
            _ => {
                engine
                    .roster(
                        &reference_book,
                        Cycle { year: 2020, season: Season::Autumn },
                        day(2024, 6, 1),
                        &Budget::unlimited(),
                    )
                    .unwrap();
            }
        }
    }
    eprintln!("{what}: {} per run", show(started.elapsed() / runs));
}

fn print_table(people: u64, rows: &[Row]) {
    println!();
    println!("muster-engine benchmark: {people} people, {} cores", rayon::current_num_threads());
    println!("| question | engine | engine, 1 core | SQLite | reference | plain loop | answer |");
    println!("|---|---|---|---|---|---|---|");
    for row in rows {
        let mut line = format!(
            "| {} | {} | {} ",
            row.question,
            show(row.engine),
            row.engine_one_core.map_or("-".into(), show)
        );
        for (_, time, note) in &row.peers {
            let cell = match time {
                Some(time) => {
                    let ratio = time.as_secs_f64() / row.engine.as_secs_f64().max(1e-12);
                    let note = if note.is_empty() { String::new() } else { format!(" ({note})") };
                    format!("{} = {ratio:.1}x{note}", show(*time))
                }
                None if note.is_empty() => "-".into(),
                None => format!("- ({note})"),
            };
            line.push_str(&format!("| {cell} "));
        }
        line.push_str(&format!("| {} |", row.answer));
        println!("{line}");
    }
}
