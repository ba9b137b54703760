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
    AssignmentRow, Cell, Day, EventRow, FastMap, Interner, KeyColumn, OPEN, PeriodRow, Rows,
    TextColumn, day_number,
};
use rayon::prelude::*;

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

/// How many parts each table of people and their history is read in: the
/// parts are read on both cores, each on its own connection, the next
/// part by whichever core is free.
const PARTS: i64 = 4;

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
    let calendar = engine.world.calendar;

    // The tables in parts of their rowids, largest first.
    let mut parts: Vec<Part> = Vec::new();
    for (table, make) in [
        ("service", Part::Service as fn(i64, i64) -> Part),
        ("events", Part::Events),
        ("people", Part::People),
    ] {
        // Each bound on its own, for SQLite to find it without a scan.
        let bound = |order: &str| -> Result<Option<i64>, LoadError> {
            let sql = format!("SELECT rowid FROM {table} ORDER BY rowid {order} LIMIT 1");
            let mut statement = connection.prepare(&sql)?;
            let mut rows = statement.query([])?;
            Ok(match rows.next()? {
                Some(row) => Some(row.get(0)?),
                None => None,
            })
        };
        let (low, high) = (bound("ASC")?, bound("DESC")?);
        let (Some(low), Some(high)) = (low, high) else {
            parts.push(make(1, 0));
            continue;
        };
        let size = (high - low) / PARTS + 1;
        let mut from = low;
        while from <= high {
            parts.push(make(from, (from + size - 1).min(high)));
            from += size;
        }
    }
    let total = parts.len() as u64;
    progress("read people, service and events", 0, total);
    let next = std::sync::atomic::AtomicUsize::new(0);
    let done = std::sync::atomic::AtomicUsize::new(0);
    let read_parts = || -> Result<Vec<(usize, Read)>, LoadError> {
        let connection = open()?;
        // Pages mapped rather than copied into SQLite's cache.
        connection.execute_batch("PRAGMA mmap_size = 17179869184")?;
        let mut read = Vec::new();
        loop {
            let index = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let Some(part) = parts.get(index) else {
                return Ok(read);
            };
            read.push((index, part.read(&connection, calendar)?));
            done.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
    };
    let (mine, theirs) = std::thread::scope(|scope| {
        let theirs = scope.spawn(read_parts);
        let mine = read_parts();
        let theirs = theirs.join().unwrap_or_else(|_| {
            Err(LoadError::Corrupt { what: "a reading thread failed".to_string() })
        });
        (mine, theirs)
    });
    let mut read: Vec<(usize, Read)> = mine?;
    read.extend(theirs?);
    read.sort_by_key(|(index, _)| *index);
    progress("read people, service and events", total, total);

    let mut people_parts = Vec::new();
    let mut service_parts = Vec::new();
    let mut event_parts = Vec::new();
    for (_, part) in read {
        match part {
            Read::People(people) => people_parts.push(people),
            Read::Service(rows) => service_parts.push(rows),
            Read::Events(rows) => event_parts.push(rows),
        }
    }
    // People in the order of ids with one version of each (as after an
    // import), else read again in the order of ids and versions.
    let parts: Option<Vec<PeopleChunk>> = people_parts.into_iter().collect();
    let parts: Option<Vec<PeopleChunk>> = parts.map(|parts| {
        parts.into_iter().filter(|part| part.ids.len() > 0).collect::<Vec<PeopleChunk>>()
    });
    let people: Vec<PeopleChunk> = match parts {
        Some(parts)
            if parts.windows(2).all(|pair| match (pair[0].ids.last(), pair[1].ids.first()) {
                (Some(last), Some(first)) => last < first,
                _ => false,
            }) =>
        {
            parts
        }
        _ => {
            let sql = format!("{PEOPLE} ORDER BY id, act");
            vec![
                read_people(&connection, &sql, [], calendar, true)?.ok_or_else(|| {
                    LoadError::Corrupt { what: "the order of people".to_string() }
                })?,
            ]
        }
    };

    progress("pack people", 0, 1);
    let people = PeopleChunk::merge(people);
    engine.ids = people.ids;
    engine.names = people.names;
    let count = engine.ids.len() as u32;

    // The dictionaries first; then the key columns, the service rows and
    // the event rows are packed side by side.
    let unit_codes: Vec<Vec<u32>> = service_parts
        .iter()
        .map(|part| {
            (0..part.texts.len() as u32)
                .map(|code| engine.unit_code(part.texts.text(code)))
                .collect()
        })
        .collect();
    let text_codes: Vec<Vec<u32>> = event_parts
        .iter()
        .map(|part| {
            (0..part.texts.len() as u32)
                .map(|code| engine.texts.intern(part.texts.text(code)))
                .collect()
        })
        .collect();
    // Deployment periods: those naming a person, and those of a unit for
    // each assignment within it.
    let deployments = read_deployments(&connection)?;
    let mut by_unit: HashMap<u32, Vec<(u32, Day, Day)>> = HashMap::new();
    let mut named: Vec<(String, PeriodRow)> = Vec::new();
    for deployment in &deployments {
        let site = engine.sites.intern(&deployment.site);
        match &deployment.deployed {
            Deployed::Unit(unit) => {
                let unit = engine.unit_code(unit);
                by_unit.entry(unit).or_default().push((site, deployment.from, deployment.to));
            }
            Deployed::Person(id) => {
                named.push((
                    id.clone(),
                    PeriodRow { site, from: deployment.from, to: deployment.to },
                ));
            }
        }
    }
    let columns = people.columns;
    let engine_ref = &engine;
    let (keys, ((assignments, periods), events)) = rayon::join(
        || {
            columns
                .into_par_iter()
                .map(|(cells, codes)| KeyColumn::from_parts(cells, codes))
                .collect::<Vec<KeyColumn>>()
        },
        || {
            rayon::join(
                || {
                    let assignments = pack_service(engine_ref, &service_parts, &unit_codes, count);
                    let periods = unit_periods(engine_ref, &assignments, &by_unit, named, count);
                    (assignments, periods)
                },
                || pack_events(engine_ref, &event_parts, &text_codes, count),
            )
        },
    );
    engine.keys = keys;
    engine.assignments = assignments;
    engine.events = events;
    engine.periods = periods;
    progress("pack people", 1, 1);
    progress("build indexes", 0, 1);
    engine.build_indexes();
    progress("build indexes", 1, 1);
    Ok(engine)
}

/// The service rows, by person.
fn pack_service(
    engine: &Engine,
    parts: &[RawRows],
    unit_codes: &[Vec<u32>],
    count: u32,
) -> Rows<AssignmentRow> {
    let ids = &engine.ids;
    let assignments: Vec<Vec<(u32, AssignmentRow)>> = parts
        .par_iter()
        .zip(unit_codes)
        .map(|(part, units)| {
            let mut resolver = Resolver::new();
            let mut rows = Vec::with_capacity(part.rows.len());
            for row in &part.rows {
                let Some(person) = resolver.find_row(ids, part, row) else {
                    continue;
                };
                rows.push((
                    person,
                    AssignmentRow { unit: units[row.text as usize], from: row.from, to: row.to },
                ));
            }
            rows
        })
        .collect();
    let mut assignments = Rows::from_pairs(assignments.concat(), count);
    assignments.sort_each_by_key(|row| row.from);
    assignments
}

/// The event rows, by person.
fn pack_events(
    engine: &Engine,
    parts: &[RawRows],
    text_codes: &[Vec<u32>],
    count: u32,
) -> Rows<EventRow> {
    let ids = &engine.ids;
    let event_rows: Vec<Vec<(u32, EventRow)>> = parts
        .par_iter()
        .zip(text_codes)
        .map(|(part, texts)| {
            let mut resolver = Resolver::new();
            let mut rows = Vec::with_capacity(part.rows.len());
            for row in &part.rows {
                let Some(person) = resolver.find_row(ids, part, row) else {
                    continue;
                };
                let kind =
                    EventKind::ALL.get(row.kind as usize).copied().unwrap_or(EventKind::Injured);
                rows.push((
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
            rows
        })
        .collect();
    let mut events = Rows::from_pairs(event_rows.concat(), count);
    events.sort_each_by_key(|row| row.date);
    events
}

/// The deployment periods: those naming a person, and those of a unit for
/// each assignment within it.
fn unit_periods(
    engine: &Engine,
    assignments: &Rows<AssignmentRow>,
    by_unit: &HashMap<u32, Vec<(u32, Day, Day)>>,
    named: Vec<(String, PeriodRow)>,
    count: u32,
) -> Rows<PeriodRow> {
    let mut periods: Vec<(u32, PeriodRow)> = named
        .into_iter()
        .filter_map(|(id, period)| Some((search(&engine.ids, &id)?, period)))
        .collect();
    if !by_unit.is_empty() {
        // For each unit, the deployments of it and of the units above it.
        let reaching: Vec<Vec<(u32, Day, Day)>> = (0..engine.units.len() as u32)
            .map(|unit| {
                engine
                    .ancestors(unit)
                    .iter()
                    .filter_map(|ancestor| by_unit.get(ancestor))
                    .flatten()
                    .copied()
                    .collect()
            })
            .collect();
        for person in 0..count {
            for row in assignments.of(person) {
                let reach = reaching.get(row.unit as usize).map_or(&[][..], Vec::as_slice);
                for &(site, from, to) in reach {
                    let from = from.max(row.from);
                    let to = to.min(row.to);
                    if from <= to {
                        periods.push((person, PeriodRow { site, from, to }));
                    }
                }
            }
        }
    }
    Rows::from_pairs(periods, count)
}

/// A part of a table to read: its first and last rowid.
enum Part {
    People(i64, i64),
    Service(i64, i64),
    Events(i64, i64),
}

/// A part as read.
enum Read {
    /// `None` when the people are not in the order of ids.
    People(Option<PeopleChunk>),
    Service(RawRows),
    Events(RawRows),
}

impl Part {
    fn read(&self, connection: &Connection, calendar: Calendar) -> Result<Read, LoadError> {
        Ok(match *self {
            Part::People(low, high) => {
                let sql = format!("{PEOPLE} WHERE rowid BETWEEN ?1 AND ?2");
                Read::People(read_people(connection, &sql, [low, high], calendar, false)?)
            }
            Part::Service(low, high) => Read::Service(read_service(connection, low, high)?),
            Part::Events(low, high) => Read::Events(read_events(connection, low, high)?),
        })
    }
}

/// Finds people's positions by id: first among the next few after the
/// last found (rows come grouped by person, in the order of ids), else by
/// a binary search of the sorted ids.
struct Resolver {
    last: u32,
    /// Where the id of the last row found starts in its rows' buffer, and
    /// his position, if found.
    last_row: Option<(u32, Option<u32>)>,
}

impl Resolver {
    fn new() -> Resolver {
        Resolver { last: 0, last_row: None }
    }

    /// The position of a row's person: the last row's when the row shares
    /// its id.
    fn find_row(&mut self, ids: &TextColumn, rows: &RawRows, row: &RawRow) -> Option<u32> {
        if let Some((start, found)) = self.last_row
            && start == row.person_start
        {
            return found;
        }
        let found = self.find(ids, rows.person(row));
        self.last_row = Some((row.person_start, found));
        found
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
    /// Room for the rows of rowids `low ..= high`.
    fn with_capacity(low: i64, high: i64) -> RawRows {
        let rows = usize::try_from(high - low + 1).unwrap_or(0).min(1 << 24);
        RawRows { rows: Vec::with_capacity(rows), ..RawRows::default() }
    }

    fn person(&self, row: &RawRow) -> &str {
        self.persons.get(row.person_start as usize..row.person_end as usize).unwrap_or("")
    }

    fn push_person(&mut self, id: &str) -> (u32, u32) {
        // Rows come grouped by person: the same id as the last row's is
        // not kept twice.
        if let Some(last) = self.rows.last()
            && self.person(last) == id
        {
            return (last.person_start, last.person_end);
        }
        let start = self.persons.len() as u32;
        self.persons.push_str(id);
        (start, self.persons.len() as u32)
    }
}

fn text<'row>(row: &'row Row<'_>, index: usize) -> Result<&'row str, LoadError> {
    Ok(row.get_ref(index)?.as_str_or_null()?.unwrap_or(""))
}

fn parse_day(text: &str) -> Result<NaiveDate, LoadError> {
    parse_day_bytes(text.as_bytes())
}

/// A day written `YYYY-MM-DD`, read from its bytes.
fn parse_day_bytes(bytes: &[u8]) -> Result<NaiveDate, LoadError> {
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
    parsed.ok_or_else(|| LoadError::Corrupt {
        what: format!("the day `{}`", String::from_utf8_lossy(bytes)),
    })
}

/// A day column, read from its bytes: a day is ASCII, no need to check
/// the text first.
fn day_bytes(row: &Row<'_>, index: usize) -> Result<Option<NaiveDate>, LoadError> {
    match row.get_ref(index)? {
        rusqlite::types::ValueRef::Null => Ok(None),
        value => Ok(Some(parse_day_bytes(value.as_bytes()?)?)),
    }
}

fn day_of(row: &Row<'_>, index: usize) -> Result<Day, LoadError> {
    match day_bytes(row, index)? {
        Some(day) => Ok(day_number(day)),
        None => Err(LoadError::Corrupt { what: "a missing day".to_string() }),
    }
}

fn end_of(row: &Row<'_>, index: usize) -> Result<Day, LoadError> {
    Ok(day_bytes(row, index)?.map_or(OPEN, day_number))
}

fn read_service(connection: &Connection, low: i64, high: i64) -> Result<RawRows, LoadError> {
    let mut raw = RawRows::with_capacity(low, high);
    // Rows that a later row replaces are left out, as the store reads
    // them (the replaced ids are found by their own index).
    let mut statement = connection.prepare(
        "SELECT person, unit, from_day, to_day FROM service
         WHERE id BETWEEN ?1 AND ?2
           AND id NOT IN (SELECT replaces FROM service WHERE replaces IS NOT NULL)
         ORDER BY id",
    )?;
    let mut rows = statement.query([low, high])?;
    while let Some(row) = rows.next()? {
        let (person_start, person_end) = raw.push_person(text(row, 0)?);
        let unit = raw.texts.intern(text(row, 1)?);
        raw.rows.push(RawRow {
            person_start,
            person_end,
            text: unit,
            from: day_of(row, 2)?,
            to: end_of(row, 3)?,
            ..RawRow::default()
        });
    }
    Ok(raw)
}

fn read_events(connection: &Connection, low: i64, high: i64) -> Result<RawRows, LoadError> {
    let mut raw = RawRows::with_capacity(low, high);
    let mut statement = connection.prepare(
        "SELECT person, day, kind, ref, detail FROM events WHERE id BETWEEN ?1 AND ?2 ORDER BY id",
    )?;
    let mut rows = statement.query([low, high])?;
    let empty = raw.texts.intern("");
    while let Some(row) = rows.next()? {
        let (person_start, person_end) = raw.push_person(text(row, 0)?);
        let kind_text = text(row, 2)?;
        let kind: EventKind = kind_text
            .parse()
            .map_err(|_| LoadError::Corrupt { what: format!("the event kind `{kind_text}`") })?;
        let reference_text = text(row, 3)?;
        let reference =
            if reference_text.is_empty() { empty } else { raw.texts.intern(reference_text) };
        let detail_text = text(row, 4)?;
        let (detail, scope) = if detail_text.is_empty() {
            (empty, empty)
        } else {
            (
                raw.texts.intern(detail_text),
                raw.texts.intern(detail_text.split(':').next().unwrap_or_default().trim()),
            )
        };
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

const PEOPLE: &str = "SELECT id, name, born, sex, home_province, home_county, branch, rank,
                             specialty, enlisted, term_months FROM people";

/// The people's own columns, as read from a part of the table: their
/// values and each person's code, by column, in the order of `Key`.
struct PeopleChunk {
    ids: TextColumn,
    names: TextColumn,
    columns: Vec<(Vec<Cell>, Vec<u32>)>,
}

/// The codes of a column's values, as read.
#[derive(Default)]
struct Dictionary {
    texts: FastMap<String, u32>,
    days: FastMap<Option<Day>, u32>,
}

impl Dictionary {
    fn text(&mut self, cells: &mut Vec<Cell>, text: &str) -> u32 {
        if let Some(&code) = self.texts.get(text) {
            return code;
        }
        let code = cells.len() as u32;
        cells.push(Cell::Text(text.to_string()));
        self.texts.insert(text.to_string(), code);
        code
    }

    fn day(&mut self, cells: &mut Vec<Cell>, day: Option<NaiveDate>) -> u32 {
        *self.days.entry(day.map(day_number)).or_insert_with(|| {
            cells.push(Cell::Date(day));
            cells.len() as u32 - 1
        })
    }
}

impl PeopleChunk {
    /// The chunks one after another, their codes made those of one
    /// dictionary per column.
    fn merge(chunks: Vec<PeopleChunk>) -> PeopleChunk {
        let mut chunks = chunks.into_iter();
        let Some(mut merged) = chunks.next() else {
            return PeopleChunk {
                ids: TextColumn::default(),
                names: TextColumn::default(),
                columns: vec![Default::default(); crate::engine::KEY_COLUMNS],
            };
        };
        let mut lookups: Vec<FastMap<Cell, u32>> = merged
            .columns
            .iter()
            .map(|(cells, _)| {
                cells.iter().enumerate().map(|(code, cell)| (cell.clone(), code as u32)).collect()
            })
            .collect();
        for chunk in chunks {
            merged.ids.append(&chunk.ids);
            merged.names.append(&chunk.names);
            for (((cells, codes), lookup), (their_cells, their_codes)) in
                merged.columns.iter_mut().zip(&mut lookups).zip(chunk.columns)
            {
                let recode: Vec<u32> = their_cells
                    .into_iter()
                    .map(|cell| {
                        *lookup.entry(cell.clone()).or_insert_with(|| {
                            cells.push(cell);
                            cells.len() as u32 - 1
                        })
                    })
                    .collect();
                codes.extend(their_codes.into_iter().map(|code| recode[code as usize]));
            }
        }
        merged
    }
}

/// Reads people with `sql`. When `ordered`, they come in the order of ids
/// and versions, and a later version of a person replaces the earlier;
/// else they must come in the order of ids with one version each, and
/// `None` says they did not.
fn read_people(
    connection: &Connection,
    sql: &str,
    parameters: impl rusqlite::Params,
    calendar: Calendar,
    ordered: bool,
) -> Result<Option<PeopleChunk>, LoadError> {
    let mut chunk = PeopleChunk {
        ids: TextColumn::default(),
        names: TextColumn::default(),
        columns: vec![Default::default(); crate::engine::KEY_COLUMNS],
    };
    let mut dictionaries: Vec<Dictionary> =
        (0..crate::engine::KEY_COLUMNS).map(|_| Dictionary::default()).collect();
    let mut branches: FastMap<String, ()> = FastMap::default();
    let mut ends: FastMap<(Day, u32), (Option<NaiveDate>, u32)> = FastMap::default();
    let mut statement = connection.prepare(sql)?;
    let mut rows = statement.query(parameters)?;
    while let Some(row) = rows.next()? {
        let id = text(row, 0)?;
        if let Some(last) = chunk.ids.last() {
            if !ordered && last >= id {
                return Ok(None);
            }
            if last == id {
                // A later version of the same person replaces the earlier.
                chunk.ids.pop();
                chunk.names.pop();
                for (_, codes) in &mut chunk.columns {
                    codes.pop();
                }
            }
        }
        chunk.ids.push(id);
        chunk.names.push(text(row, 1)?);
        let born = day_bytes(row, 2)?
            .ok_or_else(|| LoadError::Corrupt { what: "a missing day".to_string() })?;
        let branch = text(row, 6)?;
        if !branch.is_empty() && !branches.contains_key(branch) {
            branch
                .parse::<Branch>()
                .map_err(|_| LoadError::Corrupt { what: format!("the branch `{branch}`") })?;
            branches.insert(branch.to_string(), ());
        }
        let enlisted = day_bytes(row, 9)?;
        let months: Option<u32> = row.get(10)?;
        let columns = &mut chunk.columns;
        let (term_end, cycle) = match enlisted.zip(months) {
            Some((day, months)) => {
                let cycles = &mut columns[Key::DischargeCycle as usize].0;
                let cycle_dictionary = &mut dictionaries[Key::DischargeCycle as usize];
                *ends.entry((day_number(day), months)).or_insert_with(|| {
                    let term_end = muster_core::term_end(day, months);
                    let cycle = term_end
                        .map(|term_end| calendar.cycle_on_or_after(term_end).to_string())
                        .unwrap_or_default();
                    (term_end, cycle_dictionary.text(cycles, &cycle))
                })
            }
            None => {
                let cycles = &mut columns[Key::DischargeCycle as usize].0;
                (None, dictionaries[Key::DischargeCycle as usize].text(cycles, ""))
            }
        };
        let texts = [
            (Key::Sex, text(row, 3)?),
            (Key::Branch, branch),
            (Key::HomeProvince, text(row, 4)?),
            (Key::HomeCounty, text(row, 5)?),
            (Key::Rank, text(row, 7)?),
            (Key::Specialty, text(row, 8)?),
        ];
        for (key, value) in texts {
            let (cells, codes) = &mut columns[key as usize];
            codes.push(dictionaries[key as usize].text(cells, value));
        }
        columns[Key::DischargeCycle as usize].1.push(cycle);
        for (key, day) in
            [(Key::Born, Some(born)), (Key::Enlisted, enlisted), (Key::TermEnd, term_end)]
        {
            let (cells, codes) = &mut columns[key as usize];
            codes.push(dictionaries[key as usize].day(cells, day));
        }
    }
    Ok(Some(chunk))
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
