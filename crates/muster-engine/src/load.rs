//! The engine loaded from a store, with progress.
//!
//! From any store, `load` reads every record and builds the engine from
//! them. From a SQLite store, `load_sqlite` reads the tables straight into
//! the packed columns, on both cores (people on one connection, service
//! and events on another), without making a record per row: the same
//! engine, in a fraction of the time and memory. This is the one place of
//! the crate that knows SQL.

use std::collections::HashMap;
use std::path::Path;

use chrono::NaiveDate;
use muster_core::{
    Branch, Calendar, Campaign, EventKind, MonthDay, Organisation, OrganisationKind, Records, Site,
    Unit,
};
use muster_orders::World;
use muster_store::{Store, StoreError};
use rusqlite::{Connection, OpenFlags, Row};

use crate::engine::{Engine, Key, Progress};
use crate::people::{
    AssignmentRow, Cell, Day, EventRow, Interner, KeyColumn, OPEN, PeriodRow, Rows, TextColumn,
    day_number,
};

/// Why the engine could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("could not read the store: {0}")]
    Store(#[from] StoreError),
    #[error("could not read the store: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("the store holds a value it cannot read: {what}")]
    Corrupt { what: String },
}

impl From<rusqlite::types::FromSqlError> for LoadError {
    fn from(error: rusqlite::types::FromSqlError) -> LoadError {
        LoadError::Corrupt { what: error.to_string() }
    }
}

/// Loads every record of a store and builds the engine; `progress` hears
/// each step with the work done so far and in all.
pub fn load(store: &dyn Store, progress: Progress<'_>) -> Result<Engine, LoadError> {
    progress("read the store", 0, 1);
    let records = store.records()?;
    progress("read the store", 1, 1);
    Ok(Engine::from_records(records, progress))
}

/// Loads the engine from the SQLite store at `path`, straight into the
/// packed columns.
pub fn load_sqlite(path: &Path, progress: Progress<'_>) -> Result<Engine, LoadError> {
    let open = || {
        Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
    };
    let connection = open()?;
    progress("read units, sites and the calendar", 0, 1);
    let world = World::new(small_records(&connection)?);
    let mut engine = Engine::empty(world);
    progress("read people, service and events", 0, 3);
    let calendar = engine.world.calendar;
    let (people_and_events, service) = std::thread::scope(|scope| {
        let service = scope.spawn(|| -> Result<RawRows, LoadError> { read_service(&open()?) });
        let people_and_events = read_people(&connection, calendar)
            .and_then(|people| Ok((people, read_events(&connection)?)));
        let service = service.join().unwrap_or_else(|_| {
            Err(LoadError::Corrupt { what: "a reading thread failed".to_string() })
        });
        (people_and_events, service)
    });
    let (people, events) = people_and_events?;
    let service = service?;
    progress("read people, service and events", 3, 3);

    progress("pack people", 0, 1);
    let count = people.ids.len() as u32;
    engine.ids = people.ids;
    engine.names = people.names;
    engine.keys = people.keys;

    // Service rows, by person.
    let units: Vec<u32> = (0..service.texts.len() as u32)
        .map(|code| engine.unit_code(service.texts.text(code)))
        .collect();
    let mut assignments: Vec<(u32, AssignmentRow)> = Vec::with_capacity(service.rows.len());
    let mut resolver = Resolver::new();
    for row in &service.rows {
        let Some(person) = resolver.find(&engine.ids, service.person(row)) else {
            continue;
        };
        assignments.push((
            person,
            AssignmentRow { unit: units[row.text as usize], from: row.from, to: row.to },
        ));
    }
    let mut assignments = Rows::from_pairs(assignments, count);
    assignments.sort_each_by_key(|row| row.from);

    // Event rows, by person.
    let texts: Vec<u32> = (0..events.texts.len() as u32)
        .map(|code| engine.texts.intern(events.texts.text(code)))
        .collect();
    let mut event_rows: Vec<(u32, EventRow)> = Vec::with_capacity(events.rows.len());
    let mut resolver = Resolver::new();
    for row in &events.rows {
        let Some(person) = resolver.find(&engine.ids, events.person(row)) else {
            continue;
        };
        let kind = EventKind::ALL.get(row.kind as usize).copied().unwrap_or(EventKind::Injured);
        event_rows.push((
            person,
            EventRow {
                kind,
                date: row.from,
                reference: texts[row.text as usize],
                detail: texts[row.detail as usize],
                scope: texts[row.scope as usize],
            },
        ));
    }
    let mut events_by_person = Rows::from_pairs(event_rows, count);
    events_by_person.sort_each_by_key(|row| row.date);

    // Deployment periods: those naming a person, and those of a unit for
    // each assignment within it.
    let deployments = read_deployments(&connection)?;
    let mut by_unit: HashMap<u32, Vec<(u32, Day, Day)>> = HashMap::new();
    let mut periods: Vec<(u32, PeriodRow)> = Vec::new();
    for deployment in &deployments {
        let site = engine.sites.intern(&deployment.site);
        match &deployment.deployed {
            Deployed::Unit(unit) => {
                let unit = engine.unit_code(unit);
                by_unit.entry(unit).or_default().push((site, deployment.from, deployment.to));
            }
            Deployed::Person(id) => {
                if let Some(person) = search(&engine.ids, id) {
                    periods.push((
                        person,
                        PeriodRow { site, from: deployment.from, to: deployment.to },
                    ));
                }
            }
        }
    }
    if !by_unit.is_empty() {
        for person in 0..count {
            for row in assignments.of(person) {
                for unit in engine.ancestors(row.unit) {
                    for &(site, from, to) in by_unit.get(unit).map_or(&[][..], Vec::as_slice) {
                        let from = from.max(row.from);
                        let to = to.min(row.to);
                        if from <= to {
                            periods.push((person, PeriodRow { site, from, to }));
                        }
                    }
                }
            }
        }
    }
    engine.assignments = assignments;
    engine.events = events_by_person;
    engine.periods = Rows::from_pairs(periods, count);
    progress("pack people", 1, 1);
    progress("build indexes", 0, 1);
    engine.build_indexes();
    progress("build indexes", 1, 1);
    Ok(engine)
}

/// Finds people's positions by id: first among the next few after the
/// last found (rows come grouped by person, in the order of ids), else by
/// a binary search of the sorted ids.
struct Resolver {
    last: u32,
}

impl Resolver {
    fn new() -> Resolver {
        Resolver { last: 0 }
    }

    fn find(&mut self, ids: &TextColumn, id: &str) -> Option<u32> {
        let end = (self.last as usize + 8).min(ids.len()) as u32;
        for candidate in self.last..end {
            if ids.get(candidate) == id {
                self.last = candidate;
                return Some(candidate);
            }
        }
        let found = search(ids, id)?;
        self.last = found;
        Some(found)
    }
}

/// The position of an id among sorted ids.
fn search(ids: &TextColumn, id: &str) -> Option<u32> {
    let (mut low, mut high) = (0usize, ids.len());
    while low < high {
        let middle = (low + high) / 2;
        match ids.get(middle as u32).cmp(id) {
            std::cmp::Ordering::Less => low = middle + 1,
            std::cmp::Ordering::Greater => high = middle,
            std::cmp::Ordering::Equal => return Some(middle as u32),
        }
    }
    None
}

/// A history row as read: its person's id in a buffer, its texts as codes.
#[derive(Clone, Copy, Default)]
struct RawRow {
    person_end: u32,
    person_start: u32,
    text: u32,
    detail: u32,
    scope: u32,
    kind: u8,
    from: Day,
    to: Day,
}

/// History rows as read from one table.
#[derive(Default)]
struct RawRows {
    persons: String,
    texts: Interner,
    rows: Vec<RawRow>,
}

impl RawRows {
    fn person(&self, row: &RawRow) -> &str {
        self.persons.get(row.person_start as usize..row.person_end as usize).unwrap_or("")
    }

    fn push_person(&mut self, id: &str) -> (u32, u32) {
        let start = self.persons.len() as u32;
        self.persons.push_str(id);
        (start, self.persons.len() as u32)
    }
}

fn text<'row>(row: &'row Row<'_>, index: usize) -> Result<&'row str, LoadError> {
    Ok(row.get_ref(index)?.as_str_or_null()?.unwrap_or(""))
}

fn parse_day(text: &str) -> Result<NaiveDate, LoadError> {
    let bytes = text.as_bytes();
    let number = |range: std::ops::Range<usize>| -> Option<u32> {
        let mut value = 0u32;
        for &byte in bytes.get(range)? {
            if !byte.is_ascii_digit() {
                return None;
            }
            value = value * 10 + u32::from(byte - b'0');
        }
        Some(value)
    };
    let parsed = (bytes.len() == 10 && bytes[4] == b'-' && bytes[7] == b'-')
        .then(|| NaiveDate::from_ymd_opt(number(0..4)? as i32, number(5..7)?, number(8..10)?))
        .flatten();
    parsed.ok_or_else(|| LoadError::Corrupt { what: format!("the day `{text}`") })
}

fn day_of(row: &Row<'_>, index: usize) -> Result<Day, LoadError> {
    Ok(day_number(parse_day(text(row, index)?)?))
}

fn end_of(row: &Row<'_>, index: usize) -> Result<Day, LoadError> {
    match row.get_ref(index)?.as_str_or_null()? {
        Some(text) => Ok(day_number(parse_day(text)?)),
        None => Ok(OPEN),
    }
}

fn read_service(connection: &Connection) -> Result<RawRows, LoadError> {
    let mut raw = RawRows::default();
    // Rows that a later row replaces are left out, as the store reads
    // them; a replacing row always comes after the row it replaces.
    let mut statement = connection
        .prepare("SELECT id, replaces, person, unit, from_day, to_day FROM service ORDER BY id")?;
    let mut rows = statement.query([])?;
    let mut ids: Vec<i64> = Vec::new();
    let mut replaced: Vec<i64> = Vec::new();
    while let Some(row) = rows.next()? {
        let id: i64 = row.get(0)?;
        if let Some(replaces) = row.get::<_, Option<i64>>(1)? {
            replaced.push(replaces);
        }
        let (person_start, person_end) = raw.push_person(text(row, 2)?);
        let unit = raw.texts.intern(text(row, 3)?);
        raw.rows.push(RawRow {
            person_start,
            person_end,
            text: unit,
            from: day_of(row, 4)?,
            to: end_of(row, 5)?,
            ..RawRow::default()
        });
        ids.push(id);
    }
    if !replaced.is_empty() {
        replaced.sort_unstable();
        let mut kept = Vec::with_capacity(raw.rows.len());
        for (position, row) in raw.rows.iter().enumerate() {
            let replaced_row =
                ids.get(position).is_some_and(|id| replaced.binary_search(id).is_ok());
            if !replaced_row {
                kept.push(*row);
            }
        }
        raw.rows = kept;
    }
    Ok(raw)
}

fn read_events(connection: &Connection) -> Result<RawRows, LoadError> {
    let mut raw = RawRows::default();
    let mut statement =
        connection.prepare("SELECT person, day, kind, ref, detail FROM events ORDER BY id")?;
    let mut rows = statement.query([])?;
    while let Some(row) = rows.next()? {
        let (person_start, person_end) = raw.push_person(text(row, 0)?);
        let kind_text = text(row, 2)?;
        let kind: EventKind = kind_text
            .parse()
            .map_err(|_| LoadError::Corrupt { what: format!("the event kind `{kind_text}`") })?;
        let reference = raw.texts.intern(text(row, 3)?);
        let detail_text = text(row, 4)?;
        let detail = raw.texts.intern(detail_text);
        let scope = raw.texts.intern(detail_text.split(':').next().unwrap_or_default().trim());
        raw.rows.push(RawRow {
            person_start,
            person_end,
            text: reference,
            detail,
            scope,
            kind: EventKind::ALL.iter().position(|own| *own == kind).unwrap_or(0) as u8,
            from: day_of(row, 1)?,
            to: OPEN,
        });
    }
    Ok(raw)
}

/// The people's own columns, as read.
struct PeopleColumns {
    ids: TextColumn,
    names: TextColumn,
    keys: Vec<KeyColumn>,
}

fn read_people(connection: &Connection, calendar: Calendar) -> Result<PeopleColumns, LoadError> {
    // In the order stored, when that is the order of ids with one version
    // of each (as after an import); else in the order of ids and versions.
    let columns = read_people_in(connection, calendar, false)?;
    match columns {
        Some(columns) => Ok(columns),
        None => read_people_in(connection, calendar, true)?
            .ok_or_else(|| LoadError::Corrupt { what: "the order of people".to_string() }),
    }
}

fn read_people_in(
    connection: &Connection,
    calendar: Calendar,
    ordered: bool,
) -> Result<Option<PeopleColumns>, LoadError> {
    let mut columns = PeopleColumns {
        ids: Default::default(),
        names: Default::default(),
        keys: vec![Default::default(); crate::engine::KEY_COLUMNS],
    };
    let mut cycles: HashMap<Option<NaiveDate>, String> = HashMap::new();
    let sql = "SELECT id, name, born, sex, home_province, home_county, branch, rank, specialty,
                      enlisted, term_months FROM people";
    let mut statement = if ordered {
        connection.prepare(&format!("{sql} ORDER BY id, act"))?
    } else {
        connection.prepare(sql)?
    };
    let mut rows = statement.query([])?;
    while let Some(row) = rows.next()? {
        let id = text(row, 0)?;
        let people = columns.ids.len();
        if !ordered && people > 0 && columns.ids.get(people as u32 - 1) >= id {
            return Ok(None);
        }
        if people > 0 && columns.ids.get(people as u32 - 1) == id {
            // A later version of the same person replaces the earlier.
            columns.ids.pop();
            columns.names.pop();
            for key in &mut columns.keys {
                key.pop();
            }
        }
        columns.ids.push(id);
        columns.names.push(text(row, 1)?);
        let born = parse_day(text(row, 2)?)?;
        let sex = text(row, 3)?;
        let branch = text(row, 6)?;
        if !branch.is_empty() {
            branch
                .parse::<Branch>()
                .map_err(|_| LoadError::Corrupt { what: format!("the branch `{branch}`") })?;
        }
        let enlisted = row.get_ref(9)?.as_str_or_null()?.map(parse_day).transpose()?;
        let months: Option<u32> = row.get(10)?;
        let term_end =
            enlisted.zip(months).and_then(|(day, months)| muster_core::term_end(day, months));
        let cycle = cycles.entry(term_end).or_insert_with(|| {
            term_end
                .map(|term_end| calendar.cycle_on_or_after(term_end).to_string())
                .unwrap_or_default()
        });
        let keys = &mut columns.keys;
        keys[Key::Sex as usize].push_text(sex);
        keys[Key::Branch as usize].push_text(branch);
        keys[Key::HomeProvince as usize].push_text(text(row, 4)?);
        keys[Key::HomeCounty as usize].push_text(text(row, 5)?);
        keys[Key::Rank as usize].push_text(text(row, 7)?);
        keys[Key::Specialty as usize].push_text(text(row, 8)?);
        keys[Key::DischargeCycle as usize].push_text(cycle);
        keys[Key::Born as usize].push(Cell::Date(Some(born)));
        keys[Key::Enlisted as usize].push(Cell::Date(enlisted));
        keys[Key::TermEnd as usize].push(Cell::Date(term_end));
    }
    Ok(Some(columns))
}

enum Deployed {
    Unit(String),
    Person(String),
}

struct RawDeployment {
    deployed: Deployed,
    site: String,
    from: Day,
    to: Day,
}

fn read_deployments(connection: &Connection) -> Result<Vec<RawDeployment>, LoadError> {
    let mut statement = connection.prepare(
        "SELECT unit, person, site, from_day, to_day FROM deployments d
         WHERE NOT EXISTS (SELECT 1 FROM deployments r WHERE r.replaces = d.id) ORDER BY id",
    )?;
    let mut rows = statement.query([])?;
    let mut deployments = Vec::new();
    while let Some(row) = rows.next()? {
        let unit: Option<String> = row.get(0)?;
        let person: Option<String> = row.get(1)?;
        let deployed = match (unit, person) {
            (Some(unit), _) => Deployed::Unit(unit),
            (None, Some(person)) => Deployed::Person(person),
            (None, None) => continue,
        };
        deployments.push(RawDeployment {
            deployed,
            site: row.get(2)?,
            from: day_of(row, 3)?,
            to: end_of(row, 4)?,
        });
    }
    Ok(deployments)
}

/// The records other than people and their history: the calendar,
/// organisations, units, sites and campaigns, each in its latest version.
fn small_records(connection: &Connection) -> Result<Records, LoadError> {
    fn latest<T>(
        connection: &Connection,
        sql: &str,
        read: impl Fn(&Row<'_>) -> Result<T, LoadError>,
    ) -> Result<Vec<T>, LoadError> {
        let mut statement = connection.prepare(sql)?;
        let mut rows = statement.query([])?;
        let mut records: Vec<(String, T)> = Vec::new();
        while let Some(row) = rows.next()? {
            let id: String = row.get(0)?;
            let record = read(row)?;
            match records.last_mut() {
                Some((last, slot)) if *last == id => *slot = record,
                _ => records.push((id, record)),
            }
        }
        Ok(records.into_iter().map(|(_, record)| record).collect())
    }
    let corrupt = |what: String| LoadError::Corrupt { what };
    let calendar: Option<(String, String)> = {
        let mut statement =
            connection.prepare("SELECT spring, autumn FROM calendars ORDER BY act DESC LIMIT 1")?;
        let mut rows = statement.query([])?;
        match rows.next()? {
            Some(row) => Some((row.get(0)?, row.get(1)?)),
            None => None,
        }
    };
    let calendar = match calendar {
        Some((spring, autumn)) => {
            let spring: MonthDay = spring.parse().map_err(|_| corrupt(format!("`{spring}`")))?;
            let autumn: MonthDay = autumn.parse().map_err(|_| corrupt(format!("`{autumn}`")))?;
            Some(Calendar::new(spring, autumn).map_err(|error| corrupt(error.to_string()))?)
        }
        None => None,
    };
    let organisations = latest(
        connection,
        "SELECT id, name, kind, parent FROM organisations ORDER BY id, act",
        |row| {
            let kind: String = row.get(2)?;
            Ok(Organisation {
                id: row.get(0)?,
                name: row.get(1)?,
                kind: kind
                    .parse::<OrganisationKind>()
                    .map_err(|error| corrupt(error.to_string()))?,
                parent: row.get(3)?,
            })
        },
    )?;
    let units = latest(
        connection,
        "SELECT id, name, parent, branch, tags, administration FROM units ORDER BY id, act",
        |row| {
            let branch: String = row.get(3)?;
            let tags: String = row.get(4)?;
            Ok(Unit {
                id: row.get(0)?,
                name: row.get(1)?,
                parent: row.get(2)?,
                branch: branch.parse::<Branch>().map_err(|error| corrupt(error.to_string()))?,
                tags: tags.split(';').filter(|tag| !tag.is_empty()).map(str::to_string).collect(),
                administration: row.get(5)?,
            })
        },
    )?;
    let sites =
        latest(connection, "SELECT id, name, province, kind FROM sites ORDER BY id, act", |row| {
            Ok(Site {
                id: row.get(0)?,
                name: row.get(1)?,
                province: row.get(2)?,
                kind: row.get(3)?,
            })
        })?;
    let campaigns = latest(
        connection,
        "SELECT id, site, from_day, to_day, required, required_technicians FROM campaigns ORDER BY id, act",
        |row| {
            Ok(Campaign {
                id: row.get(0)?,
                site: row.get(1)?,
                from: parse_day(text(row, 2)?)?,
                to: parse_day(text(row, 3)?)?,
                required: row.get(4)?,
                required_technicians: row.get(5)?,
            })
        },
    )?;
    Ok(Records { calendar, organisations, units, sites, campaigns, ..Records::default() })
}
