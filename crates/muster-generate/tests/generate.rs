//! The generated dataset, read back: the rules the import enforces, the
//! shape described in the crate's documentation, and determinism.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::error::Error;
use std::path::Path;

use chrono::{Datelike, Months, NaiveDate};
use muster_generate::{FILES, GenerateError, Options, generate};

type TestResult = Result<(), Box<dyn Error>>;

/// An assignment read back: first day, last day if any, unit.
type Assignment<'a> = (NaiveDate, Option<NaiveDate>, &'a str);

/// The columns of each file, as `spec/dataset.md` gives them.
const COLUMNS: &[(&str, &[&str])] = &[
    ("organisations.csv", &["id", "name", "kind", "parent"]),
    ("units.csv", &["id", "name", "parent", "branch", "tags", "administration"]),
    ("sites.csv", &["id", "name", "province", "kind"]),
    ("campaigns.csv", &["id", "site", "from", "to", "required", "required_technicians"]),
    (
        "people.csv",
        &[
            "id",
            "name",
            "born",
            "sex",
            "home_province",
            "home_county",
            "branch",
            "rank",
            "specialty",
            "enlisted",
            "term_months",
        ],
    ),
    ("service.csv", &["person", "unit", "from", "to"]),
    ("deployments.csv", &["unit", "person", "site", "campaign", "from", "to"]),
    ("events.csv", &["person", "date", "kind", "ref", "detail"]),
    ("exemptions.csv", PAPER_COLUMNS),
    ("planted.csv", &["finding", "document", "person", "issuer"]),
    ("late-papers.csv", PAPER_COLUMNS),
];

/// The columns of a file of papers (`spec/exemptions.md`, but `id`).
const PAPER_COLUMNS: &[&str] = &[
    "document",
    "person",
    "scope",
    "grounds",
    "text",
    "issuer",
    "official",
    "issued_on",
    "valid_from",
    "valid_until",
];

const BRANCHES: &[&str] = &["army", "navy", "air", "strategic", "other"];

/// One file read back: its rows as maps from column to cell.
fn read(dir: &Path, file: &str) -> Result<Vec<BTreeMap<String, String>>, Box<dyn Error>> {
    let mut reader = csv::Reader::from_path(dir.join(file))?;
    let header: Vec<String> = reader.headers()?.iter().map(str::to_string).collect();
    let expected = COLUMNS.iter().find(|(name, _)| *name == file).map(|(_, columns)| *columns);
    assert_eq!(Some(header.iter().map(String::as_str).collect::<Vec<_>>().as_slice()), expected);
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record?;
        assert_eq!(record.len(), header.len(), "{file}: a row of {} fields", record.len());
        rows.push(header.iter().cloned().zip(record.iter().map(str::to_string)).collect());
    }
    Ok(rows)
}

fn cell<'a>(row: &'a BTreeMap<String, String>, column: &str) -> &'a str {
    row.get(column).map_or("", String::as_str)
}

fn date(text: &str) -> Result<NaiveDate, Box<dyn Error>> {
    assert_eq!(text.len(), 10, "`{text}` is not YYYY-MM-DD");
    Ok(NaiveDate::parse_from_str(text, "%Y-%m-%d")?)
}

fn optional_date(text: &str) -> Result<Option<NaiveDate>, Box<dyn Error>> {
    if text.is_empty() { Ok(None) } else { date(text).map(Some) }
}

/// Whether following `parent` from every id ends without a cycle, every
/// parent existing.
fn is_forest(parents: &HashMap<String, String>) -> bool {
    parents.keys().all(|start| {
        let mut seen = HashSet::new();
        let mut current = start.as_str();
        loop {
            if !seen.insert(current) {
                return false;
            }
            match parents.get(current).map(String::as_str) {
                None => return false,
                Some("") => return true,
                Some(parent) => current = parent,
            }
        }
    })
}

/// The discharge cycle of a term end: 02-01 or 10-01, on or after it.
fn cycle(term_end: NaiveDate) -> Option<NaiveDate> {
    let year = term_end.year();
    let spring = NaiveDate::from_ymd_opt(year, 2, 1)?;
    let autumn = NaiveDate::from_ymd_opt(year, 10, 1)?;
    if term_end <= spring {
        Some(spring)
    } else if term_end <= autumn {
        Some(autumn)
    } else {
        NaiveDate::from_ymd_opt(year + 1, 2, 1)
    }
}

#[test]
fn the_same_seed_gives_the_same_bytes() -> TestResult {
    let first = tempfile::tempdir()?;
    let second = tempfile::tempdir()?;
    let third = tempfile::tempdir()?;
    let options = Options::new(1500, 7);
    generate(first.path(), &options, &mut |_| {})?;
    generate(second.path(), &options, &mut |_| {})?;
    generate(third.path(), &Options::new(1500, 8), &mut |_| {})?;
    let mut differing = 0;
    for file in FILES {
        let bytes = std::fs::read(first.path().join(file))?;
        assert_eq!(bytes, std::fs::read(second.path().join(file))?, "{file} differs");
        if bytes != std::fs::read(third.path().join(file))? {
            differing += 1;
        }
    }
    assert!(differing >= 5, "another seed changed only {differing} files");
    Ok(())
}

#[test]
fn the_summary_counts_the_rows_and_progress_reaches_the_end() -> TestResult {
    let dir = tempfile::tempdir()?;
    let nested = dir.path().join("a").join("b");
    let mut reported = Vec::new();
    let summary = generate(&nested, &Options::new(40_000, 1), &mut |done| reported.push(done))?;
    assert_eq!(reported.last(), Some(&40_000));
    assert!(reported.windows(2).all(|pair| pair[0] <= pair[1]));
    let names: Vec<&str> = summary.files.iter().map(|(name, _)| name.as_str()).collect();
    assert_eq!(names, FILES);
    for (file, rows) in &summary.files {
        let text = std::fs::read_to_string(nested.join(file))?;
        let lines = csv::Reader::from_reader(text.as_bytes()).records().count() as u64;
        assert_eq!(lines, *rows, "{file}");
    }
    assert_eq!(summary.rows("people.csv"), Some(40_000));
    // About one unit per 200 people.
    let units = summary.rows("units.csv").unwrap_or(0);
    assert!((150..=260).contains(&units), "{units} units");
    Ok(())
}

#[test]
fn errors_name_the_path() -> TestResult {
    let dir = tempfile::tempdir()?;
    let file = dir.path().join("taken");
    std::fs::write(&file, "not a folder")?;
    let error = generate(&file.join("inside"), &Options::new(10, 1), &mut |_| {})
        .err()
        .ok_or("generating inside a file succeeded")?;
    assert!(matches!(error, GenerateError::CreateFolder { .. }));
    let message = error.to_string();
    assert!(message.starts_with("cannot create the folder `"), "{message}");
    assert!(message.contains("taken"), "{message}");
    let mut options = Options::new(10, 1);
    options.horizon = NaiveDate::from_ymd_opt(1800, 1, 1).ok_or("a date")?;
    let error = generate(dir.path(), &options, &mut |_| {}).err().ok_or("an old horizon passed")?;
    assert_eq!(
        error.to_string(),
        "the horizon `1800-01-01` is not between the years 1990 and 2200"
    );
    Ok(())
}

/// Two draws for one person may fall on one day (an injury at a site and
/// another of the same day, say): the import refuses an event twice, so
/// none may be. Small armies send many to the sites, where injuries are
/// drawn month by month, so they meet the case most often.
#[test]
fn no_event_is_recorded_twice() -> TestResult {
    for seed in 0..48 {
        let dir = tempfile::tempdir()?;
        generate(dir.path(), &Options::new(4000, seed), &mut |_| {})?;
        let mut reader = csv::Reader::from_path(dir.path().join("events.csv"))?;
        let mut seen = HashSet::new();
        for record in reader.records() {
            let record = record?;
            let row: Vec<&str> = record.iter().collect();
            assert!(seen.insert(row.join(",")), "seed {seed}: the event {row:?} twice");
        }
        assert!(seen.len() > 4000, "seed {seed}: only {} events", seen.len());
    }
    Ok(())
}

/// The mine of the demo's redeployment list is worked at the horizon: its
/// units are there with serving soldiers, a few of whom hold papers
/// against a redeployment.
#[test]
fn serving_soldiers_are_at_daehung_at_the_horizon_a_few_with_papers() -> TestResult {
    let dir = tempfile::tempdir()?;
    generate(dir.path(), &Options::new(30_000, 1), &mut |_| {})?;
    let day = NaiveDate::from_ymd_opt(2025, 12, 15).ok_or("a date")?;
    let covers = |row: &BTreeMap<String, String>| -> Result<bool, Box<dyn Error>> {
        Ok(date(cell(row, "from"))? <= day
            && optional_date(cell(row, "to"))?.is_none_or(|to| day <= to))
    };
    let units = read(dir.path(), "units.csv")?;
    let parents: HashMap<&str, &str> =
        units.iter().map(|row| (cell(row, "id"), cell(row, "parent"))).collect();
    let deployments = read(dir.path(), "deployments.csv")?;
    let mut deployed_units = HashSet::new();
    for row in deployments.iter().filter(|row| cell(row, "site") == "daehung") {
        if covers(row)? && !cell(row, "unit").is_empty() {
            assert!(cell(row, "to").is_empty(), "a unit left Daehung before the horizon");
            deployed_units.insert(cell(row, "unit"));
        }
    }
    assert!(!deployed_units.is_empty(), "no unit at Daehung on {day}");
    let service = read(dir.path(), "service.csv")?;
    let mut there = HashSet::new();
    for row in &service {
        let mut unit = Some(cell(row, "unit"));
        let under = std::iter::from_fn(|| {
            let current = unit?;
            unit = parents.get(current).copied().filter(|parent| !parent.is_empty());
            Some(current)
        })
        .any(|unit| deployed_units.contains(unit));
        if under && covers(row)? {
            there.insert(cell(row, "person"));
        }
    }
    let events = read(dir.path(), "events.csv")?;
    let mut gone = HashSet::new();
    for row in &events {
        if date(cell(row, "date"))? <= day
            && matches!(cell(row, "kind"), "killed" | "awol" | "posted" | "discharged")
        {
            gone.insert(cell(row, "person"));
        }
    }
    let exemptions = read(dir.path(), "exemptions.csv")?;
    let mut papers = HashSet::new();
    for row in &exemptions {
        if date(cell(row, "issued_on"))? <= day && cell(row, "scope") == "redeployment" {
            papers.insert(cell(row, "person"));
        }
    }
    let serving: Vec<&str> =
        there.iter().copied().filter(|person| !gone.contains(person)).collect();
    let with_papers = serving.iter().filter(|person| papers.contains(*person)).count();
    assert!(serving.len() >= 20, "{} serving at Daehung", serving.len());
    assert!(
        with_papers >= 1 && with_papers * 5 <= serving.len(),
        "{with_papers} of {} with papers",
        serving.len()
    );
    Ok(())
}

#[test]
fn small_datasets_pass_the_import_rules_and_look_real() -> TestResult {
    let dir = tempfile::tempdir()?;
    let options = Options::new(3000, 42);
    generate(dir.path(), &options, &mut |_| {})?;
    check(dir.path(), &options)
}

#[test]
fn another_horizon_passes_the_import_rules() -> TestResult {
    let dir = tempfile::tempdir()?;
    let mut options = Options::new(2000, 3);
    options.horizon = NaiveDate::from_ymd_opt(2019, 6, 15).ok_or("a date")?;
    generate(dir.path(), &options, &mut |_| {})?;
    check_rules(dir.path(), &options)?;
    Ok(())
}

/// The rules of the import, and the shape of the data.
fn check(dir: &Path, options: &Options) -> TestResult {
    let data = check_rules(dir, options)?;
    check_shape(&data)
}

/// What the shape checks need of a dataset read back.
struct Data {
    units: Vec<BTreeMap<String, String>>,
    people: Vec<BTreeMap<String, String>>,
    service: Vec<BTreeMap<String, String>>,
    deployments: Vec<BTreeMap<String, String>>,
    events: Vec<BTreeMap<String, String>>,
    exemptions: Vec<BTreeMap<String, String>>,
    campaigns: Vec<BTreeMap<String, String>>,
    /// The kind of each organisation, by id.
    organisation_kinds: HashMap<String, String>,
    horizon: NaiveDate,
}

fn check_rules(dir: &Path, options: &Options) -> Result<Data, Box<dyn Error>> {
    let organisations = read(dir, "organisations.csv")?;
    let units = read(dir, "units.csv")?;
    let sites = read(dir, "sites.csv")?;
    let campaigns = read(dir, "campaigns.csv")?;
    let people = read(dir, "people.csv")?;
    let service = read(dir, "service.csv")?;
    let deployments = read(dir, "deployments.csv")?;
    let events = read(dir, "events.csv")?;

    // Organisations.
    let mut organisation_kinds = HashMap::new();
    let mut organisation_parents = HashMap::new();
    for row in &organisations {
        let id = cell(row, "id").to_string();
        assert!(!id.is_empty() && !cell(row, "name").is_empty());
        let kind = cell(row, "kind");
        assert!(
            ["ministry", "department", "unit-administration", "placement", "agency", "institution"]
                .contains(&kind),
            "organisation kind `{kind}`"
        );
        assert!(organisation_kinds.insert(id.clone(), kind.to_string()).is_none(), "{id} twice");
        organisation_parents.insert(id, cell(row, "parent").to_string());
    }
    assert!(is_forest(&organisation_parents), "organisation parents are not a forest");
    for (id, kind) in [
        ("mod", "ministry"),
        ("errd", "department"),
        ("msc", "agency"),
        ("mss", "agency"),
        ("msoc", "agency"),
        ("central-univ", "institution"),
        ("haebit", "placement"),
        ("sonbong", "placement"),
        ("adm-c1", "unit-administration"),
    ] {
        assert_eq!(organisation_kinds.get(id).map(String::as_str), Some(kind), "{id}");
    }

    // Units.
    let mut unit_parents = HashMap::new();
    for row in &units {
        let id = cell(row, "id").to_string();
        assert!(!id.is_empty() && !cell(row, "name").is_empty());
        assert!(BRANCHES.contains(&cell(row, "branch")), "branch of {id}");
        for tag in cell(row, "tags").split(';').filter(|tag| !tag.is_empty()) {
            assert!(tag.chars().all(|c| c.is_ascii_lowercase() || c == '-'), "tag `{tag}`");
        }
        let administration = cell(row, "administration");
        assert!(administration.is_empty() || organisation_kinds.contains_key(administration));
        assert!(unit_parents.insert(id.clone(), cell(row, "parent").to_string()).is_none(), "{id}");
    }
    assert!(is_forest(&unit_parents), "unit parents are not a forest");
    let unit_rows: HashMap<&str, &BTreeMap<String, String>> =
        units.iter().map(|row| (cell(row, "id"), row)).collect();
    for (id, tags, branch) in [
        ("sgc", "important", "army"),
        ("strategic-force", "important", "strategic"),
        ("first-brigade", "important", "army"),
    ] {
        let row = unit_rows.get(id).ok_or(format!("no unit {id}"))?;
        assert_eq!((cell(row, "tags"), cell(row, "branch")), (tags, branch));
    }

    // Sites and campaigns.
    let mut site_ids = HashSet::new();
    for row in &sites {
        for column in ["id", "name", "province", "kind"] {
            assert!(!cell(row, column).is_empty(), "site without {column}");
        }
        assert!(site_ids.insert(cell(row, "id").to_string()), "site twice");
    }
    for id in ["gomdok", "yongyang", "daehung"] {
        assert!(site_ids.contains(id), "no site {id}");
    }
    assert!((20..=40).contains(&sites.len()));
    let mut campaign_sites = HashMap::new();
    for row in &campaigns {
        let id = cell(row, "id").to_string();
        let site = cell(row, "site").to_string();
        assert!(site_ids.contains(&site));
        assert!(date(cell(row, "from"))? <= date(cell(row, "to"))?, "campaign {id}");
        let required: u64 = cell(row, "required").parse()?;
        let technicians = cell(row, "required_technicians");
        if !technicians.is_empty() {
            assert!(technicians.parse::<u64>()? <= required, "campaign {id}");
        }
        assert!(campaign_sites.insert(id, site).is_none(), "campaign twice");
    }
    assert_eq!(
        campaign_sites.get("gomdok-restoration-2020").map(String::as_str),
        (options.horizon >= NaiveDate::from_ymd_opt(2020, 9, 5).ok_or("a date")?)
            .then_some("gomdok")
    );

    // People.
    let mut born = HashMap::new();
    let mut enlisted = HashMap::new();
    let width = options.people.to_string().len().max(7);
    for (index, row) in people.iter().enumerate() {
        let id = cell(row, "id").to_string();
        assert_eq!(id, format!("p{:0width$}", index + 1));
        let name = cell(row, "name");
        let (surname, given) = name.split_once(' ').ok_or(format!("name `{name}`"))?;
        assert!(!surname.is_empty() && given.split('-').count() == 2, "name `{name}`");
        let birth = date(cell(row, "born"))?;
        assert!(["M", "F"].contains(&cell(row, "sex")));
        assert!(!cell(row, "home_province").is_empty());
        let branch = cell(row, "branch");
        assert!(branch.is_empty() || BRANCHES.contains(&branch));
        let term = cell(row, "term_months");
        match optional_date(cell(row, "enlisted"))? {
            Some(day) => {
                assert!(term.parse::<u32>()? > 0);
                assert!(!branch.is_empty());
                assert!(day > birth, "{id} enlisted before birth");
                assert!(day <= options.horizon, "{id} enlisted after the horizon");
                let months = term.parse::<u32>()?;
                enlisted.insert(id.clone(), (day, months));
            }
            None => {
                assert!(term.is_empty() && branch.is_empty() && cell(row, "rank").is_empty());
            }
        }
        assert!(born.insert(id, birth).is_none());
    }

    // Service.
    let mut assignments: BTreeMap<&str, Vec<Assignment<'_>>> = BTreeMap::new();
    for row in &service {
        let person = cell(row, "person");
        let unit = cell(row, "unit");
        assert!(unit_parents.contains_key(unit), "unknown unit {unit}");
        let (enlisted_on, _) = enlisted.get(person).ok_or(format!("{person} never enlisted"))?;
        let from = date(cell(row, "from"))?;
        let to = optional_date(cell(row, "to"))?;
        assert!(from >= *enlisted_on, "{person} assigned before enlisting");
        assert!(to.is_none_or(|to| to >= from), "{person} assignment ends before it starts");
        assignments.entry(person).or_default().push((from, to, unit));
    }
    for (person, list) in &assignments {
        assert!((1..=4).contains(&list.len()), "{person} has {} assignments", list.len());
        assert_eq!(Some(list[0].0), enlisted.get(*person).map(|(day, _)| *day), "{person}");
        for pair in list.windows(2) {
            let end = pair[0].1.ok_or(format!("{person}: an open assignment before another"))?;
            assert_eq!(end.succ_opt(), Some(pair[1].0), "{person}: assignments not consecutive");
        }
    }

    // Deployments.
    let mut unit_deployments: Vec<(&str, &str, NaiveDate, Option<NaiveDate>)> = Vec::new();
    for row in &deployments {
        let unit = cell(row, "unit");
        let person = cell(row, "person");
        assert!(unit.is_empty() != person.is_empty(), "exactly one of unit and person");
        assert!(unit.is_empty() || unit_parents.contains_key(unit));
        assert!(person.is_empty() || born.contains_key(person));
        let site = cell(row, "site");
        assert!(site_ids.contains(site));
        let campaign = cell(row, "campaign");
        assert!(
            campaign.is_empty() || campaign_sites.get(campaign).map(String::as_str) == Some(site),
            "campaign {campaign} is not at {site}"
        );
        let from = date(cell(row, "from"))?;
        let to = optional_date(cell(row, "to"))?;
        assert!(to.is_none_or(|to| to >= from));
        if let Some(birth) = born.get(person) {
            assert!(from > *birth);
        }
        if !unit.is_empty() {
            unit_deployments.push((unit, site, from, to));
        }
    }
    // The deployments of a unit, itself or through a parent, holding it on
    // every day of `days`.
    let away = |unit: &str, site: Option<&str>, days: (NaiveDate, NaiveDate)| {
        let ancestors: Vec<&str> = std::iter::successors(Some(unit), |unit| {
            unit_parents.get(*unit).map(String::as_str).filter(|parent| !parent.is_empty())
        })
        .collect();
        unit_deployments.iter().any(|(deployed, at, from, to)| {
            ancestors.contains(deployed)
                && site.is_none_or(|site| site == *at)
                && *from <= days.0
                && to.is_none_or(|to| days.1 <= to)
        })
    };
    // A soldier is not moved out of a unit while it is away at a site.
    for (person, list) in &assignments {
        for pair in list.windows(2) {
            let day = pair[1].0;
            let eve = day.pred_opt().ok_or("a day")?;
            assert!(!away(pair[0].2, None, (eve, day)), "{person} left {} while away", pair[0].2);
        }
    }

    // Events.
    let mut last_event: HashMap<&str, (NaiveDate, &str)> = HashMap::new();
    let mut discharges = HashMap::new();
    let mut central_university: HashMap<&str, NaiveDate> = HashMap::new();
    let mut seen_events = HashSet::new();
    let mut abroad = HashSet::new();
    for row in &events {
        let person = cell(row, "person");
        let day = date(cell(row, "date"))?;
        let birth = born.get(person).ok_or(format!("unknown person {person}"))?;
        assert!(day >= *birth, "{person}: an event before birth");
        assert!(day <= options.horizon, "{person}: an event after the horizon");
        let reference = cell(row, "ref");
        let detail = cell(row, "detail");
        let kind = cell(row, "kind");
        let organisation = organisation_kinds.get(reference).map(String::as_str);
        match kind {
            "discharged" => {
                assert!(reference.is_empty());
                assert!(discharges.insert(person, day).is_none(), "{person} discharged twice");
            }
            "admitted" => {
                assert_eq!(organisation, Some("institution"));
                if detail == "central-university" {
                    central_university.entry(person).or_insert(day);
                }
            }
            "posted" => {
                assert_eq!(organisation, Some("placement"));
                assert!(!detail.is_empty(), "a posting without a country");
                assert!(abroad.insert(person), "{person} posted on {day} while abroad");
            }
            "returned" => {
                assert_eq!(organisation, Some("placement"));
                assert!(abroad.remove(person), "{person} returned on {day} while home");
            }
            "injured" | "killed" | "awol" => {
                assert!(reference.is_empty() || site_ids.contains(reference));
            }
            other => return Err(format!("unknown event kind `{other}`").into()),
        }
        if let Some((previous, previous_kind)) = last_event.get(person) {
            assert!(*previous <= day, "{person}: events out of order");
            assert_ne!(*previous_kind, "killed", "{person}: an event after death");
        }
        last_event.insert(person, (day, kind));
        assert!(
            seen_events.insert((person, day, kind, reference, detail)),
            "{person}: the event {day} {kind} `{reference}` `{detail}` twice"
        );
    }

    // Discharges: on the cycle of the term end or earlier, or for those
    // at Gomdok on their autumn 2020 cycle day, on the spring cycle after
    // it; the last assignment ending the day before; open assignments only
    // for those still serving.
    let gomdok_cycle = NaiveDate::from_ymd_opt(2020, 10, 1).ok_or("a date")?;
    let gomdok_hold = NaiveDate::from_ymd_opt(2021, 2, 1).ok_or("a date")?;
    let mut on_cycle = 0;
    let mut held = 0;
    for (person, (enlisted_on, months)) in &enlisted {
        let list = assignments.get(person.as_str()).ok_or(format!("{person} has no service"))?;
        let last_end = list.last().and_then(|(_, to, _)| *to);
        let term_end = enlisted_on.checked_add_months(Months::new(*months)).ok_or("a term end")?;
        let cycle_day = cycle(term_end).ok_or("a cycle")?;
        let died = last_event.get(person.as_str()).is_some_and(|(_, kind)| *kind == "killed");
        // Whether he is at Gomdok with his unit on the autumn 2020 cycle
        // day, not admitted to a central university by then: kept there.
        let kept_at_gomdok = cycle_day == gomdok_cycle
            && list.iter().any(|(from, to, unit)| {
                *from <= gomdok_cycle
                    && to.is_none_or(|to| gomdok_cycle <= to)
                    && away(unit, Some("gomdok"), (gomdok_cycle, gomdok_cycle))
            })
            && central_university.get(person.as_str()).is_none_or(|day| *day > gomdok_cycle);
        match discharges.get(person.as_str()) {
            Some(discharge) if *discharge == gomdok_hold && kept_at_gomdok => held += 1,
            Some(discharge) => {
                assert!(*discharge <= cycle_day, "{person} discharged after his cycle");
                assert!(!kept_at_gomdok, "{person} not kept at Gomdok");
                if *discharge == cycle_day {
                    on_cycle += 1;
                }
            }
            None if died => assert!(last_end.is_some()),
            None => {
                assert!(last_end.is_none(), "{person}: not discharged but not serving");
                let due = if kept_at_gomdok { gomdok_hold } else { cycle_day };
                assert!(due > options.horizon, "{person} should have been discharged");
            }
        }
        if let Some(discharge) = discharges.get(person.as_str()) {
            assert_eq!(last_end.and_then(|end| end.succ_opt()), Some(*discharge), "{person}");
        }
    }
    assert!(on_cycle * 10 >= discharges.len() * 9, "too many early discharges");
    if options.horizon >= gomdok_hold && options.people >= 2000 {
        assert!(held > 0, "nobody kept at Gomdok");
    }

    Ok(Data {
        units,
        people,
        service,
        deployments,
        events,
        exemptions: read(dir, "exemptions.csv")?,
        campaigns,
        organisation_kinds,
        horizon: options.horizon,
    })
}

/// The top command of a unit.
fn top_of<'a>(parents: &HashMap<&'a str, &'a str>, mut unit: &'a str) -> &'a str {
    while let Some(parent) = parents.get(unit).filter(|parent| !parent.is_empty()) {
        unit = parent;
    }
    unit
}

/// The counts are about what the crate's documentation describes.
fn check_shape(data: &Data) -> TestResult {
    let people = data.people.len() as f64;
    let soldiers = data.people.iter().filter(|row| !cell(row, "enlisted").is_empty()).count();
    let civilian_share = 1.0 - soldiers as f64 / people;
    assert!((0.07..=0.13).contains(&civilian_share), "civilian share {civilian_share}");
    let women = data
        .people
        .iter()
        .filter(|row| !cell(row, "enlisted").is_empty() && cell(row, "sex") == "F")
        .count();
    let women_share = women as f64 / soldiers as f64;
    assert!((0.10..=0.20).contains(&women_share), "women share {women_share}");
    let technicians = data.people.iter().filter(|row| cell(row, "specialty") == "technician");
    let technician_share = technicians.count() as f64 / people;
    assert!((0.10..=0.20).contains(&technician_share), "technician share {technician_share}");

    let per_soldier = data.service.len() as f64 / soldiers as f64;
    assert!((2.5..=3.4).contains(&per_soldier), "{per_soldier} assignments per soldier");

    // The units under an important top command.
    let parents: HashMap<&str, &str> =
        data.units.iter().map(|row| (cell(row, "id"), cell(row, "parent"))).collect();
    let tags: HashMap<&str, &str> =
        data.units.iter().map(|row| (cell(row, "id"), cell(row, "tags"))).collect();
    let important: BTreeSet<&str> = data
        .service
        .iter()
        .filter(|row| tags.get(top_of(&parents, cell(row, "unit"))) == Some(&"important"))
        .map(|row| cell(row, "person"))
        .collect();
    let important_share = important.len() as f64 / soldiers as f64;
    assert!((0.02..=0.07).contains(&important_share), "important share {important_share}");
    assert!(tags.values().any(|tags| *tags == "engineering"), "no engineering unit");

    let per_person = data.events.len() as f64 / people;
    assert!((1.6..=2.5).contains(&per_person), "{per_person} events per person");
    let alone = data.deployments.iter().filter(|row| !cell(row, "person").is_empty()).count();
    let alone_share = alone as f64 / people;
    assert!((0.015..=0.05).contains(&alone_share), "{alone_share} deployed alone");
    let mut kinds: BTreeMap<&str, usize> = BTreeMap::new();
    for row in &data.events {
        *kinds.entry(cell(row, "kind")).or_default() += 1;
    }
    for kind in ["admitted", "discharged", "posted", "returned", "injured", "awol"] {
        assert!(kinds.get(kind).copied().unwrap_or(0) > 0, "no `{kind}` event: {kinds:?}");
    }
    assert!(kinds.get("posted") >= kinds.get("returned"));

    // People at Gomdok on 2020-10-01, through their units or alone.
    let day = NaiveDate::from_ymd_opt(2020, 10, 1).ok_or("a date")?;
    assert!(data.horizon >= day);
    let covers = |row: &BTreeMap<String, String>| -> Result<bool, Box<dyn Error>> {
        Ok(date(cell(row, "from"))? <= day
            && optional_date(cell(row, "to"))?.is_none_or(|to| day <= to))
    };
    let mut deployed_units = HashSet::new();
    let mut at_gomdok = HashSet::new();
    for row in data.deployments.iter().filter(|row| cell(row, "site") == "gomdok") {
        if covers(row)? {
            deployed_units.insert(cell(row, "unit"));
            at_gomdok.insert(cell(row, "person"));
        }
    }
    at_gomdok.remove("");
    let under_deployed = |unit: &str| {
        let mut ancestors = std::iter::successors(Some(unit), |unit| {
            parents.get(unit).copied().filter(|parent| !parent.is_empty())
        });
        ancestors.any(|unit| deployed_units.contains(unit))
    };
    for row in &data.service {
        if covers(row)? && under_deployed(cell(row, "unit")) {
            at_gomdok.insert(cell(row, "person"));
        }
    }
    assert!(!at_gomdok.is_empty(), "nobody at Gomdok on {day}");

    // Exemption papers: a few per hundred soldiers, most of them from
    // institutions and unit administrations, most medical ones resting on
    // an injury or an admission of the 180 days before.
    let mut person_events: HashMap<&str, Vec<(NaiveDate, &str)>> = HashMap::new();
    for row in &data.events {
        person_events
            .entry(cell(row, "person"))
            .or_default()
            .push((date(cell(row, "date"))?, cell(row, "kind")));
    }
    let papers: Vec<&BTreeMap<String, String>> = data.exemptions.iter().collect();
    let documents: HashSet<&str> = papers.iter().map(|row| cell(row, "document")).collect();
    assert_eq!(documents.len(), papers.len(), "a document number on two papers");
    for row in &papers {
        let kind = data.organisation_kinds.get(cell(row, "issuer")).map(String::as_str);
        assert!(
            matches!(kind, Some("institution" | "unit-administration" | "agency" | "department")),
            "a paper issued by `{}`",
            cell(row, "issuer")
        );
        assert!(!cell(row, "scope").is_empty() && !cell(row, "grounds").is_empty());
    }
    let per_hundred = papers.len() as f64 * 100.0 / soldiers as f64;
    assert!((1.5..=6.0).contains(&per_hundred), "{per_hundred} papers per hundred soldiers");
    let issued_close = papers
        .iter()
        .filter(|row| {
            let kind = data.organisation_kinds.get(cell(row, "issuer")).map(String::as_str);
            matches!(kind, Some("institution" | "unit-administration"))
        })
        .count();
    assert!(issued_close * 10 >= papers.len() * 6, "{issued_close} of {} papers", papers.len());
    let mut medical = 0;
    let mut corroborated = 0;
    for row in papers.iter().filter(|row| cell(row, "grounds") == "medical") {
        medical += 1;
        let day = date(cell(row, "issued_on"))?;
        let earlier = person_events.get(cell(row, "person")).is_some_and(|events| {
            events.iter().any(|(on, kind)| {
                matches!(*kind, "injured" | "admitted")
                    && *on < day
                    && (day - *on).num_days() <= 180
            })
        });
        if earlier {
            corroborated += 1;
        }
    }
    // Without planted anomalies, every medical paper rests on one (but
    // for a paper of a soldier's first days, with no room before it).
    assert!(medical > 0 && corroborated * 100 >= medical * 98, "{corroborated} of {medical}");

    // What campaigns require is of the order of the people sent.
    let required: u64 = data
        .campaigns
        .iter()
        .map(|row| cell(row, "required").parse::<u64>())
        .sum::<Result<u64, _>>()?;
    assert!(required > 0);
    Ok(())
}

#[test]
#[ignore = "slow: many seeds and sizes; run with --ignored"]
fn many_seeds_pass_the_import_rules_and_look_real() -> TestResult {
    for seed in 0..40 {
        for people in [2500, 6000] {
            let dir = tempfile::tempdir()?;
            let options = Options::new(people, seed);
            generate(dir.path(), &options, &mut |_| {})?;
            check(dir.path(), &options)
                .map_err(|error| format!("seed {seed}, {people}: {error}"))?;
        }
    }
    Ok(())
}

#[test]
fn planted_anomalies_leave_the_army_as_it_was_and_write_their_truth() -> TestResult {
    let honest = tempfile::tempdir()?;
    let planted = tempfile::tempdir()?;
    let options = Options::new(20_000, 4);
    generate(honest.path(), &options, &mut |_| {})?;
    let summary =
        generate(planted.path(), &Options { plant_anomalies: true, ..options }, &mut |_| {})?;
    for file in &FILES[..8] {
        let a = std::fs::read(honest.path().join(file))?;
        let b = std::fs::read(planted.path().join(file))?;
        assert!(a == b, "{file} differs with planted anomalies");
    }
    assert!(!honest.path().join("planted.csv").exists());
    let truth = read(planted.path(), "planted.csv")?;
    let papers = read(planted.path(), "exemptions.csv")?;
    let late = read(planted.path(), "late-papers.csv")?;
    assert_eq!(summary.rows("planted.csv"), Some(truth.len() as u64));
    let mut kinds: BTreeMap<&str, usize> = BTreeMap::new();
    for row in &truth {
        *kinds.entry(cell(row, "finding")).or_default() += 1;
        let in_file = |rows: &[BTreeMap<String, String>]| {
            rows.iter().any(|paper| {
                cell(paper, "document") == cell(row, "document")
                    && cell(paper, "person") == cell(row, "person")
            })
        };
        let file = if cell(row, "finding") == "dated-back" { &late } else { &papers };
        assert!(in_file(file), "planted {row:?} not written");
    }
    for kind in ["issuer-rate", "dated-back", "duplicate-document", "uncorroborated"] {
        assert!(kinds.get(kind).copied().unwrap_or(0) > 0, "nothing planted for {kind}: {kinds:?}");
    }
    // The sold papers all come from one administration.
    let sellers: HashSet<&str> = truth
        .iter()
        .filter(|row| cell(row, "finding") == "issuer-rate")
        .map(|row| cell(row, "issuer"))
        .collect();
    assert_eq!(sellers.len(), 1, "{sellers:?}");
    Ok(())
}
