//! The engine loaded from a store, with progress.
//!
//! The store streams its rows through [`RecordScan`]: the small records
//! first, then each table of people and their history in parts, read on
//! both cores (two threads take the next part as they finish), straight
//! into the packed columns without making a record per row. The engine
//! knows no SQL: how the rows are read is the store's.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};

use chrono::NaiveDate;
use muster_core::scan::{PersonRow, RecordScan, ScanError, Table};
use muster_core::{Branch, Calendar, EventKind};
use muster_orders::World;
use rayon::prelude::*;

use crate::engine::{Engine, Key, Progress};
use crate::people::{
    AssignmentRow, Cell, Day, EventRow, FastMap, Interner, KeyColumn, OPEN, PaperRow, PeriodRow,
    Rows, TextColumn, day_number,
};

/// Why the engine could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("{0}")]
    Scan(#[from] ScanError),
    #[error("the store holds a value it cannot read: {what}")]
    Corrupt { what: String },
}

/// A part of a table to read.
#[derive(Clone, Copy)]
struct Part {
    table: Table,
    index: usize,
}

/// A part as read.
enum Read {
    /// `None` when the people are not in the order of ids.
    People(Option<PeopleChunk>),
    Service(RawRows),
    Events(RawRows),
}

/// Loads the engine from the rows a store streams; `progress` hears each
/// step with the work done so far and in all.
pub fn load(scan: &dyn RecordScan, progress: Progress<'_>) -> Result<Engine, LoadError> {
    progress("read units, sites and the calendar", 0, 1);
    let world = World::new(scan.small_records()?);
    let mut engine = Engine::empty(world);
    let calendar = engine.world.calendar;

    // The tables in parts, largest first.
    let mut parts: Vec<Part> = Vec::new();
    for table in [Table::Service, Table::Events, Table::People] {
        for index in 0..scan.parts(table)? {
            parts.push(Part { table, index });
        }
    }
    let total = parts.len() as u64;
    progress("read people, service and events", 0, total);
    let next = AtomicUsize::new(0);
    let read_parts = || -> Result<Vec<(usize, Read)>, LoadError> {
        let mut read = Vec::new();
        loop {
            let position = next.fetch_add(1, Ordering::Relaxed);
            let Some(part) = parts.get(position) else {
                return Ok(read);
            };
            read.push((position, read_part(scan, *part, calendar)?));
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
    read.sort_by_key(|(position, _)| *position);
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
            let mut reader = PeopleReader::new(calendar, true);
            scan.people_in_order(&mut |row| reader.push(row))?;
            vec![
                reader.finish()?.ok_or_else(|| LoadError::Corrupt {
                    what: "the order of people".to_string(),
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
    let mut by_unit: HashMap<u32, Vec<(u32, Day, Day)>> = HashMap::new();
    let mut named: Vec<(String, PeriodRow)> = Vec::new();
    scan.deployments(&mut |row| {
        let site = engine.sites.intern(row.site);
        let from = day_number(row.from);
        let to = row.to.map_or(OPEN, day_number);
        match (row.unit, row.person) {
            (Some(unit), _) => {
                let unit = engine.unit_code(unit);
                by_unit.entry(unit).or_default().push((site, from, to));
            }
            (None, Some(person)) => named.push((person.to_string(), PeriodRow { site, from, to })),
            (None, None) => {}
        }
    })?;
    let mut papers: Vec<(u32, PaperRow)> = Vec::new();
    scan.papers(&mut |row| {
        if let Some(person) = search(&engine.ids, row.person) {
            let scope = engine.texts.intern(row.scope);
            let (from, to) = (day_number(row.from), row.to.map_or(OPEN, day_number));
            papers.push((person, PaperRow { scope, from, to }));
        }
    })?;
    let mut papers = Rows::from_pairs(papers, count);
    papers.sort_each_by_key(|row| *row);
    engine.papers = papers;
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

/// Reads one part of a table.
fn read_part(scan: &dyn RecordScan, part: Part, calendar: Calendar) -> Result<Read, LoadError> {
    Ok(match part.table {
        Table::People => {
            let mut reader = PeopleReader::new(calendar, false);
            scan.people(part.index, &mut |row| reader.push(row))?;
            Read::People(reader.finish()?)
        }
        Table::Service => {
            let mut raw = RawRows::default();
            scan.service(part.index, &mut |row| {
                let (person_start, person_end) = raw.push_person(row.person);
                let unit = raw.texts.intern(row.unit);
                raw.rows.push(RawRow {
                    person_start,
                    person_end,
                    text: unit,
                    from: day_number(row.from),
                    to: row.to.map_or(OPEN, day_number),
                    ..RawRow::default()
                });
            })?;
            Read::Service(raw)
        }
        Table::Events => {
            let mut raw = RawRows::default();
            let empty = raw.texts.intern("");
            scan.events(part.index, &mut |row| {
                let (person_start, person_end) = raw.push_person(row.person);
                let reference =
                    if row.reference.is_empty() { empty } else { raw.texts.intern(row.reference) };
                let (detail, scope) = if row.detail.is_empty() {
                    (empty, empty)
                } else {
                    (
                        raw.texts.intern(row.detail),
                        raw.texts.intern(row.detail.split(':').next().unwrap_or_default().trim()),
                    )
                };
                raw.rows.push(RawRow {
                    person_start,
                    person_end,
                    text: reference,
                    detail,
                    scope,
                    kind: EventKind::ALL.iter().position(|own| *own == row.kind).unwrap_or(0) as u8,
                    from: day_number(row.date),
                    to: OPEN,
                });
            })?;
            Read::Events(raw)
        }
    })
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

/// Reads person rows into a chunk of columns. When `ordered`, they come in
/// the order of ids and versions, and a later version of a person replaces
/// the earlier; else they must come in the order of ids with one version
/// each, and the chunk is `None` when they did not.
struct PeopleReader {
    chunk: PeopleChunk,
    dictionaries: Vec<Dictionary>,
    branches: FastMap<String, ()>,
    ends: FastMap<(Day, u32), (Option<NaiveDate>, u32)>,
    calendar: Calendar,
    ordered: bool,
    out_of_order: bool,
    error: Option<LoadError>,
}

impl PeopleReader {
    fn new(calendar: Calendar, ordered: bool) -> PeopleReader {
        PeopleReader {
            chunk: PeopleChunk {
                ids: TextColumn::default(),
                names: TextColumn::default(),
                columns: vec![Default::default(); crate::engine::KEY_COLUMNS],
            },
            dictionaries: (0..crate::engine::KEY_COLUMNS).map(|_| Dictionary::default()).collect(),
            branches: FastMap::default(),
            ends: FastMap::default(),
            calendar,
            ordered,
            out_of_order: false,
            error: None,
        }
    }

    fn finish(self) -> Result<Option<PeopleChunk>, LoadError> {
        if let Some(error) = self.error {
            return Err(error);
        }
        Ok((!self.out_of_order).then_some(self.chunk))
    }

    fn push(&mut self, row: PersonRow<'_>) {
        if self.out_of_order || self.error.is_some() {
            return;
        }
        let chunk = &mut self.chunk;
        if let Some(last) = chunk.ids.last() {
            if !self.ordered && last >= row.id {
                self.out_of_order = true;
                return;
            }
            if last == row.id {
                // A later version of the same person replaces the earlier.
                chunk.ids.pop();
                chunk.names.pop();
                for (_, codes) in &mut chunk.columns {
                    codes.pop();
                }
            }
        }
        if !row.branch.is_empty() && !self.branches.contains_key(row.branch) {
            if row.branch.parse::<Branch>().is_err() {
                self.error =
                    Some(LoadError::Corrupt { what: format!("the branch `{}`", row.branch) });
                return;
            }
            self.branches.insert(row.branch.to_string(), ());
        }
        chunk.ids.push(row.id);
        chunk.names.push(row.name);
        let columns = &mut chunk.columns;
        let dictionaries = &mut self.dictionaries;
        let calendar = self.calendar;
        let (term_end, cycle) = match row.enlisted.zip(row.term_months) {
            Some((day, months)) => {
                let cycles = &mut columns[Key::DischargeCycle as usize].0;
                let cycle_dictionary = &mut dictionaries[Key::DischargeCycle as usize];
                *self.ends.entry((day_number(day), months)).or_insert_with(|| {
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
            (Key::Sex, row.sex),
            (Key::Branch, row.branch),
            (Key::HomeProvince, row.home_province),
            (Key::HomeCounty, row.home_county),
            (Key::Rank, row.rank),
            (Key::Specialty, row.specialty),
        ];
        for (key, value) in texts {
            let (cells, codes) = &mut columns[key as usize];
            codes.push(dictionaries[key as usize].text(cells, value));
        }
        columns[Key::DischargeCycle as usize].1.push(cycle);
        for (key, day) in
            [(Key::Born, Some(row.born)), (Key::Enlisted, row.enlisted), (Key::TermEnd, term_end)]
        {
            let (cells, codes) = &mut columns[key as usize];
            codes.push(dictionaries[key as usize].day(cells, day));
        }
    }
}
