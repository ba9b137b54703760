//! The engine: every person in packed columns, with the indexes that rules
//! are compiled against, built from a [`World`].

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use chrono::NaiveDate;
use muster_core::{Deployed, EventKind, PersonFile, Records};
use muster_orders::World;
use rayon::prelude::*;
use roaring::RoaringBitmap;

use crate::index::{IntervalIndex, MonotoneIndex};
use crate::people::{
    AssignmentRow, Cell, Day, EventRow, IdTable, Interner, KeyColumn, OPEN, PaperRow, PeriodRow,
    Rows, TextColumn, day_number, end_number,
};
use crate::plan::Plan;

/// A field of a person with few distinct values, held as a key column; or
/// one derived from such a column (`Age`) or from the discharge chains
/// (`Status`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum Key {
    Sex,
    Branch,
    HomeProvince,
    HomeCounty,
    Rank,
    Specialty,
    DischargeCycle,
    Born,
    Enlisted,
    TermEnd,
    /// Derived from `Born` and the day.
    Age,
    /// Derived from the events and the discharge chains as of the day.
    Status,
}

/// The number of key columns held: every key before `Age`.
pub(crate) const KEY_COLUMNS: usize = 10;

impl Key {
    /// The key a field of `person` is read from; `None` for `id` and
    /// `name`, which have as many values as people, and unknown fields.
    pub(crate) fn of_field(name: &str) -> Option<Key> {
        Some(match name {
            "sex" => Key::Sex,
            "branch" => Key::Branch,
            "home_province" => Key::HomeProvince,
            "home_county" => Key::HomeCounty,
            "rank" => Key::Rank,
            "specialty" => Key::Specialty,
            "discharge_cycle" => Key::DischargeCycle,
            "born" => Key::Born,
            "enlisted" => Key::Enlisted,
            "term_end" => Key::TermEnd,
            "age" => Key::Age,
            "status" => Key::Status,
            _ => return None,
        })
    }

    /// The column this key is held in, or read from (`Born` for `Age`).
    pub(crate) fn column(self) -> Option<usize> {
        match self {
            Key::Age => Some(Key::Born as usize),
            Key::Status => None,
            key => Some(key as usize),
        }
    }
}

/// The people of a [`World`] in packed columns, with indexes.
pub struct Engine {
    /// The records other than people: units, sites, the calendar.
    pub(crate) world: World,
    pub(crate) ids: TextColumn,
    /// Each id's position.
    id_table: IdTable,
    pub(crate) names: TextColumn,
    pub(crate) keys: Vec<KeyColumn>,
    pub(crate) units: Interner,
    /// For each unit code, the codes of the unit and every unit above it.
    pub(crate) unit_ancestors: Vec<Vec<u32>>,
    /// For each unit code, the codes of the tags it carries or inherits.
    pub(crate) unit_tags: Vec<Vec<u32>>,
    pub(crate) tags: Interner,
    /// Every tag some unit carries.
    all_tags: Vec<String>,
    pub(crate) sites: Interner,
    pub(crate) texts: Interner,
    pub(crate) assignments: Rows<AssignmentRow>,
    pub(crate) periods: Rows<PeriodRow>,
    pub(crate) events: Rows<EventRow>,
    /// The days each person's papers exempt him, by scope.
    pub(crate) papers: Rows<PaperRow>,
    /// Per unit code: who served in it or below it, from which day.
    pub(crate) served: Vec<MonotoneIndex>,
    /// Per tag code: who served in a unit with the tag, from which day.
    pub(crate) tagged: Vec<MonotoneIndex>,
    /// Per event kind, in the order of `EventKind::ALL`.
    pub(crate) had: Vec<MonotoneIndex>,
    /// Per text code of a category or institution id.
    pub(crate) admitted: HashMap<u32, MonotoneIndex>,
    /// Per text code of an exemption scope: who is exempted, between
    /// which days (from an `exempted` event without end, or by a paper).
    pub(crate) exempted: HashMap<u32, IntervalIndex>,
    /// Per site code: who is deployed there, between which days.
    pub(crate) deployed: Vec<IntervalIndex>,
    /// Who is abroad (posted, not returned), between which days.
    pub(crate) abroad: IntervalIndex,
    /// The conditions compiled so far, by their text.
    plans: Mutex<HashMap<String, Arc<Plan>>>,
}

/// What building the engine reports as it goes: the step, then the people
/// done so far and in all.
pub type Progress<'a> = &'a mut dyn FnMut(&str, u64, u64);

/// A person's history rows, packed, as the indexes read them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct PackedHistory {
    pub(crate) assignments: Vec<AssignmentRow>,
    pub(crate) periods: Vec<PeriodRow>,
    pub(crate) events: Vec<EventRow>,
    pub(crate) papers: Vec<PaperRow>,
}

impl Engine {
    /// Builds the engine from records.
    pub fn from_records(records: Records, progress: Progress<'_>) -> Engine {
        progress("index records", 0, 1);
        let mut world = World::new(records);
        let people = std::mem::take(&mut world.people);
        progress("index records", 1, 1);
        Engine::build(world, &people, progress)
    }

    /// Builds the engine from a world, leaving its people's files aside:
    /// the engine holds them in its own columns.
    pub fn from_world(world: &World, progress: Progress<'_>) -> Engine {
        let records = Records {
            calendar: Some(world.calendar),
            organisations: world.organisations.clone(),
            units: world.units.values().cloned().collect(),
            sites: world.sites.clone(),
            campaigns: world.campaigns.clone(),
            ..Records::default()
        };
        Engine::build(World::new(records), &world.people, progress)
    }

    /// Builds the engine from the world's records other than people, and
    /// the people's files, sorted by id.
    /// An engine with no people, for the records of a world other than
    /// people.
    pub(crate) fn empty(world: World) -> Engine {
        let mut engine = Engine {
            world,
            ids: TextColumn::default(),
            id_table: IdTable::default(),
            names: TextColumn::default(),
            keys: vec![KeyColumn::default(); KEY_COLUMNS],
            units: Interner::default(),
            unit_ancestors: Vec::new(),
            unit_tags: Vec::new(),
            tags: Interner::default(),
            all_tags: Vec::new(),
            sites: Interner::default(),
            texts: Interner::default(),
            assignments: Rows::default(),
            periods: Rows::default(),
            events: Rows::default(),
            papers: Rows::default(),
            served: Vec::new(),
            tagged: Vec::new(),
            had: Vec::new(),
            admitted: HashMap::new(),
            exempted: HashMap::new(),
            deployed: Vec::new(),
            abroad: IntervalIndex::default(),
            plans: Mutex::new(HashMap::new()),
        };
        let mut unit_ids: Vec<String> = engine.world.units.keys().cloned().collect();
        unit_ids.sort();
        for id in &unit_ids {
            engine.unit_code(id);
        }
        let mut site_ids: Vec<String> =
            engine.world.sites.iter().map(|site| site.id.clone()).collect();
        site_ids.sort();
        for id in &site_ids {
            engine.sites.intern(id);
        }

        engine
    }

    pub(crate) fn build(world: World, people: &[PersonFile], progress: Progress<'_>) -> Engine {
        let total = people.len() as u64;
        let mut engine = Engine::empty(world);
        // The person's own columns, one person after another.
        let step = (total / 100).max(1);
        for (position, file) in people.iter().enumerate() {
            engine.push_person(file);
            if (position as u64).is_multiple_of(step) {
                progress("pack people", position as u64, total);
            }
        }
        progress("pack people", total, total);

        progress("build indexes", 0, 1);
        engine.build_indexes();
        progress("build indexes", 1, 1);
        engine
    }

    /// The number of people.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// Whether the engine holds no one.
    pub fn is_empty(&self) -> bool {
        self.ids.len() == 0
    }

    /// Everyone: the bitmap of every person's position.
    pub fn everyone(&self) -> RoaringBitmap {
        let mut everyone = RoaringBitmap::new();
        everyone.insert_range(0..self.len() as u32);
        everyone
    }

    /// A person's id.
    pub fn person_id(&self, person: u32) -> &str {
        self.ids.get(person)
    }

    /// Finds a person added after the build by his id.
    pub(crate) fn index_id(&mut self, person: u32) {
        if self.id_table.is_empty() {
            self.id_table = IdTable::new(&self.ids);
        } else {
            self.id_table.insert(&self.ids, person);
        }
    }

    /// A person's name.
    pub fn person_name(&self, person: u32) -> &str {
        self.names.get(person)
    }

    /// A person's position, by id.
    pub fn position(&self, id: &str) -> Option<u32> {
        if !self.id_table.is_empty() {
            return self.id_table.find(&self.ids, id);
        }
        let (mut low, mut high) = (0usize, self.len());
        while low < high {
            let middle = (low + high) / 2;
            match self.ids.get(middle as u32).cmp(id) {
                std::cmp::Ordering::Less => low = middle + 1,
                std::cmp::Ordering::Greater => high = middle,
                std::cmp::Ordering::Equal => return Some(middle as u32),
            }
        }
        None
    }

    /// The world the engine was built from, without its people.
    pub fn world(&self) -> &World {
        &self.world
    }

    /// The code of a unit id, adding it (with the units above it) when new.
    pub(crate) fn unit_code(&mut self, id: &str) -> u32 {
        if let Some(code) = self.units.code(id) {
            return code;
        }
        let code = self.units.intern(id);
        let chain: Vec<String> =
            self.world.tree.ancestors_or_self(id).map(str::to_string).collect();
        let mut ancestors = Vec::with_capacity(chain.len());
        for ancestor in &chain {
            let ancestor_code = if ancestor == id { code } else { self.unit_code(ancestor) };
            ancestors.push(ancestor_code);
        }
        if self.all_tags.is_empty() {
            let mut all: Vec<String> =
                self.world.units.values().flat_map(|unit| unit.tags.iter()).cloned().collect();
            all.sort();
            all.dedup();
            self.all_tags = all;
        }
        let carried: Vec<&String> =
            self.all_tags.iter().filter(|tag| self.world.unit_has_tag(id, tag)).collect();
        let carried: Vec<String> = carried.into_iter().cloned().collect();
        let tags = carried.iter().map(|tag| self.tags.intern(tag)).collect();
        let slot = code as usize;
        if self.unit_ancestors.len() <= slot {
            self.unit_ancestors.resize(slot + 1, Vec::new());
            self.unit_tags.resize(slot + 1, Vec::new());
        }
        self.unit_ancestors[slot] = ancestors;
        self.unit_tags[slot] = tags;
        code
    }

    /// Packs a person's history rows, adding new ids to the dictionaries.
    pub(crate) fn pack_history(&mut self, file: &PersonFile) -> PackedHistory {
        let assignments: Vec<AssignmentRow> = file
            .assignments
            .iter()
            .map(|assignment| AssignmentRow {
                unit: self.unit_code(&assignment.unit),
                from: day_number(assignment.from),
                to: end_number(assignment.to),
            })
            .collect();
        // `PersonFile::deployment_periods`, over unit codes: a unit
        // deployment reaches each assignment in the unit or below it.
        let mut periods: Vec<(Day, &str, PeriodRow)> = Vec::new();
        for deployment in &file.deployments {
            let site = self.sites.intern(&deployment.site);
            let (from, to) = (day_number(deployment.from), end_number(deployment.to));
            match &deployment.deployed {
                Deployed::Person(id) if *id == file.person.id => {
                    periods.push((from, &deployment.site, PeriodRow { site, from, to }));
                }
                Deployed::Person(_) => {}
                Deployed::Unit(unit) => {
                    let unit = self.unit_code(unit);
                    for row in &assignments {
                        if !self.ancestors(row.unit).contains(&unit) {
                            continue;
                        }
                        let (from, to) = (from.max(row.from), to.min(row.to));
                        if from <= to {
                            periods.push((from, &deployment.site, PeriodRow { site, from, to }));
                        }
                    }
                }
            }
        }
        periods.sort_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)));
        let periods = periods.into_iter().map(|(_, _, period)| period).collect();
        let events = file
            .events
            .iter()
            .map(|event| EventRow {
                kind: event.kind,
                date: day_number(event.date),
                reference: self.texts.intern(&event.reference),
                detail: self.texts.intern(&event.detail),
                scope: self.texts.intern(event.exemption_scope()),
            })
            .collect();
        let mut papers: Vec<PaperRow> = file
            .papers
            .iter()
            .filter_map(|held| {
                let (from, to) = held.period()?;
                Some(PaperRow {
                    scope: self.texts.intern(&held.paper.scope),
                    from: day_number(from),
                    to: to.map_or(OPEN, day_number),
                })
            })
            .collect();
        papers.sort_unstable();
        PackedHistory { assignments, periods, events, papers }
    }

    /// The cells of a person's key columns, in the order of `Key`.
    pub(crate) fn person_cells(&self, file: &PersonFile) -> [Cell; KEY_COLUMNS] {
        let person = &file.person;
        let text = |text: &str| Cell::Text(text.to_string());
        [
            text(person.sex.as_str()),
            text(person.branch.map(|branch| branch.as_str()).unwrap_or_default()),
            text(&person.home_province),
            text(&person.home_county),
            text(&person.rank),
            text(&person.specialty),
            text(
                &file
                    .discharge_cycle(&self.world.calendar)
                    .map(|cycle| cycle.to_string())
                    .unwrap_or_default(),
            ),
            Cell::Date(Some(person.born)),
            Cell::Date(person.enlisted),
            Cell::Date(file.term_end()),
        ]
    }

    fn push_person(&mut self, file: &PersonFile) {
        let person = &file.person;
        self.ids.push(&person.id);
        self.names.push(&person.name);
        let texts = [
            person.sex.as_str(),
            person.branch.map(|branch| branch.as_str()).unwrap_or_default(),
            &person.home_province,
            &person.home_county,
            &person.rank,
            &person.specialty,
        ];
        for (column, text) in texts.into_iter().enumerate() {
            self.keys[column].push_text(text);
        }
        let cycle = file
            .discharge_cycle(&self.world.calendar)
            .map(|cycle| cycle.to_string())
            .unwrap_or_default();
        self.keys[Key::DischargeCycle as usize].push_text(&cycle);
        self.keys[Key::Born as usize].push(Cell::Date(Some(person.born)));
        self.keys[Key::Enlisted as usize].push(Cell::Date(person.enlisted));
        self.keys[Key::TermEnd as usize].push(Cell::Date(file.term_end()));
        let history = self.pack_history(file);
        self.assignments.push(history.assignments);
        self.periods.push(history.periods);
        self.events.push(history.events);
        self.papers.push(history.papers);
    }

    /// Builds every index from the packed rows.
    pub(crate) fn build_indexes(&mut self) {
        let mut dates: Vec<&mut KeyColumn> = self
            .keys
            .iter_mut()
            .enumerate()
            .filter(|(key, _)| {
                [Key::Born, Key::Enlisted, Key::TermEnd].iter().any(|own| *own as usize == *key)
            })
            .map(|(_, column)| column)
            .collect();
        dates.par_iter_mut().for_each(|column| column.build_buckets());
        let people = self.len() as u32;
        let sites = self.sites.len();
        let engine = &*self;
        let (((served, tagged), id_table), ((had, (admitted, exempted)), (deployed, abroad))) =
            rayon::join(
                || {
                    let (served, tagged) = engine.served_lists();
                    rayon::join(
                        || {
                            let served: Vec<MonotoneIndex> =
                                served.into_par_iter().map(MonotoneIndex::new).collect();
                            let tagged: Vec<MonotoneIndex> =
                                tagged.into_par_iter().map(MonotoneIndex::new).collect();
                            (served, tagged)
                        },
                        || IdTable::new(&engine.ids),
                    )
                },
                || {
                    rayon::join(
                        || engine.event_indexes(people),
                        || {
                            let mut deployed: Vec<Vec<(Day, Day, u32)>> = vec![Vec::new(); sites];
                            let mut abroad = Vec::new();
                            for person in 0..people {
                                for row in engine.periods.of(person) {
                                    deployed[row.site as usize].push((row.from, row.to, person));
                                }
                                for (from, to) in abroad_periods(engine.events.of(person)) {
                                    abroad.push((from, to, person));
                                }
                            }
                            let deployed =
                                deployed.into_par_iter().map(IntervalIndex::new).collect();
                            (deployed, IntervalIndex::new(abroad))
                        },
                    )
                },
            );
        self.served = served;
        self.tagged = tagged;
        self.id_table = id_table;
        self.had = had;
        self.admitted = admitted;
        self.exempted = exempted;
        self.deployed = deployed;
        self.abroad = abroad;
    }

    /// For each unit, who served in it or below it and from which day; for
    /// each tag, who served in a unit with it: blocks of people on both
    /// cores, each person's units and tags kept in small lists, the blocks'
    /// lists then joined in the order of people.
    #[expect(clippy::type_complexity, reason = "two lists of pairs built in one pass")]
    fn served_lists(&self) -> (Vec<Vec<(Day, u32)>>, Vec<Vec<(Day, u32)>>) {
        const BLOCK: u32 = 1 << 17;
        let people = self.len() as u32;
        let (units, tags) = (self.units.len(), self.tags.len());
        let blocks: Vec<(Vec<Vec<(Day, u32)>>, Vec<Vec<(Day, u32)>>)> = (0..people.div_ceil(BLOCK))
            .into_par_iter()
            .map(|block| {
                let mut served: Vec<Vec<(Day, u32)>> = vec![Vec::new(); units];
                let mut tagged: Vec<Vec<(Day, u32)>> = vec![Vec::new(); tags];
                let mut firsts: Vec<(u32, Day)> = Vec::new();
                let mut tag_firsts: Vec<(u32, Day)> = Vec::new();
                for person in block * BLOCK..((block + 1) * BLOCK).min(people) {
                    firsts.clear();
                    tag_firsts.clear();
                    for row in self.assignments.of(person) {
                        for &unit in self.ancestors(row.unit) {
                            keep_first_in(&mut firsts, unit, row.from);
                        }
                        for &tag in self.tags_of(row.unit) {
                            keep_first_in(&mut tag_firsts, tag, row.from);
                        }
                    }
                    for &(unit, first) in &firsts {
                        served[unit as usize].push((first, person));
                    }
                    for &(tag, first) in &tag_firsts {
                        tagged[tag as usize].push((first, person));
                    }
                }
                (served, tagged)
            })
            .collect();
        let mut served: Vec<Vec<(Day, u32)>> = vec![Vec::new(); units];
        let mut tagged: Vec<Vec<(Day, u32)>> = vec![Vec::new(); tags];
        for (block_served, block_tagged) in blocks {
            for (all, part) in
                served.iter_mut().zip(block_served).chain(tagged.iter_mut().zip(block_tagged))
            {
                if all.is_empty() {
                    *all = part;
                } else {
                    all.extend(part);
                }
            }
        }
        (served, tagged)
    }

    #[expect(clippy::type_complexity, reason = "three indexes built in one pass")]
    fn event_indexes(
        &self,
        people: u32,
    ) -> (Vec<MonotoneIndex>, (HashMap<u32, MonotoneIndex>, HashMap<u32, IntervalIndex>)) {
        let mut had: Vec<Vec<(Day, u32)>> = vec![Vec::new(); EventKind::ALL.len()];
        let mut admitted: HashMap<u32, Vec<(Day, u32)>> = HashMap::new();
        let mut exempted: HashMap<u32, Vec<(Day, Day, u32)>> = HashMap::new();
        for person in 0..people {
            let history = PersonFacts::of(self.events.of(person), self.papers.of(person));
            for (kind, first) in history.had.iter().enumerate() {
                if let Some(first) = first {
                    had[kind].push((*first, person));
                }
            }
            for (text, first) in history.admitted {
                admitted.entry(text).or_default().push((first, person));
            }
            for (text, from, to) in history.exempted {
                exempted.entry(text).or_default().push((from, to, person));
            }
        }
        let had = had.into_par_iter().map(MonotoneIndex::new).collect();
        let admitted =
            admitted.into_par_iter().map(|(text, rows)| (text, MonotoneIndex::new(rows))).collect();
        let exempted =
            exempted.into_par_iter().map(|(text, rows)| (text, IntervalIndex::new(rows))).collect();
        (had, (admitted, exempted))
    }

    /// A condition compiled, or taken from those compiled before.
    pub(crate) fn compile_cached(&self, expr: &muster_cel::Expr) -> Arc<Plan> {
        let text = expr.to_string();
        if let Ok(plans) = self.plans.lock()
            && let Some(plan) = plans.get(&text)
        {
            return plan.clone();
        }
        let plan = Arc::new(self.compile(expr));
        if let Ok(mut plans) = self.plans.lock() {
            plans.insert(text, plan.clone());
        }
        plan
    }

    /// The unit and the units above it.
    pub(crate) fn ancestors(&self, unit: u32) -> &[u32] {
        self.unit_ancestors.get(unit as usize).map_or(&[], Vec::as_slice)
    }

    /// The tags a unit carries or inherits.
    pub(crate) fn tags_of(&self, unit: u32) -> &[u32] {
        self.unit_tags.get(unit as usize).map_or(&[], Vec::as_slice)
    }

    /// A person's value of a key column.
    pub(crate) fn cell(&self, key: Key, person: u32) -> &Cell {
        static EMPTY: Cell = Cell::Date(None);
        match key.column() {
            Some(column) => self.keys[column].cell(person),
            None => &EMPTY,
        }
    }

    /// A person's date of a date key column.
    pub(crate) fn date(&self, key: Key, person: u32) -> Option<NaiveDate> {
        match self.cell(key, person) {
            Cell::Date(date) => *date,
            Cell::Text(_) => None,
        }
    }

    /// His first `discharged` event on or before `as_of`.
    pub(crate) fn discharged_on(&self, person: u32, as_of: Day) -> Option<Day> {
        self.events
            .of(person)
            .iter()
            .filter(|event| event.kind == EventKind::Discharged && event.date <= as_of)
            .map(|event| event.date)
            .min()
    }

    /// A person as the engine holds him, in words, his rows sorted: for
    /// tests that two engines hold the same.
    #[doc(hidden)]
    pub fn describe_person(&self, person: u32) -> String {
        let cells: Vec<String> =
            self.keys.iter().map(|key| format!("{:?}", key.cell(person))).collect();
        let mut assignments: Vec<(String, Day, Day)> = self
            .assignments
            .of(person)
            .iter()
            .map(|row| (self.units.text(row.unit).to_string(), row.from, row.to))
            .collect();
        assignments.sort();
        let mut periods: Vec<(String, Day, Day)> = self
            .periods
            .of(person)
            .iter()
            .map(|row| (self.sites.text(row.site).to_string(), row.from, row.to))
            .collect();
        periods.sort();
        let mut events: Vec<(Day, &str, &str, &str, &str)> = self
            .events
            .of(person)
            .iter()
            .map(|row| {
                (
                    row.date,
                    row.kind.as_str(),
                    self.texts.text(row.reference),
                    self.texts.text(row.detail),
                    self.texts.text(row.scope),
                )
            })
            .collect();
        events.sort();
        let papers: Vec<(&str, Day, Day)> = self
            .papers
            .of(person)
            .iter()
            .map(|row| (self.texts.text(row.scope), row.from, row.to))
            .collect();
        format!(
            "{} {} {cells:?} {assignments:?} {periods:?} {events:?} {papers:?}",
            self.ids.get(person),
            self.names.get(person)
        )
    }

    /// An estimate of the memory the engine holds, in bytes.
    pub fn heap_bytes(&self) -> usize {
        let keys: usize = self
            .keys
            .iter()
            .map(|key| {
                key.codes.capacity() * 4
                    + key.members.iter().map(RoaringBitmap::serialized_size).sum::<usize>()
            })
            .sum();
        let indexes: usize = self.served.iter().map(MonotoneIndex::heap_bytes).sum::<usize>()
            + self.tagged.iter().map(MonotoneIndex::heap_bytes).sum::<usize>()
            + self.had.iter().map(MonotoneIndex::heap_bytes).sum::<usize>()
            + self.admitted.values().map(MonotoneIndex::heap_bytes).sum::<usize>()
            + self.exempted.values().map(IntervalIndex::heap_bytes).sum::<usize>()
            + self.deployed.iter().map(IntervalIndex::heap_bytes).sum::<usize>()
            + self.abroad.heap_bytes();
        self.ids.heap_bytes()
            + self.id_table.heap_bytes()
            + self.names.heap_bytes()
            + keys
            + self.assignments.heap_bytes()
            + self.periods.heap_bytes()
            + self.events.heap_bytes()
            + self.papers.heap_bytes()
            + indexes
    }
}

/// What a person's events and papers say, for the indexes: the first day
/// of each kind and of each admission, and the days of each exemption
/// scope.
pub(crate) struct PersonFacts {
    pub(crate) had: [Option<Day>; 8],
    pub(crate) admitted: Vec<(u32, Day)>,
    /// `(scope, first day, last day)`, sorted.
    pub(crate) exempted: Vec<(u32, Day, Day)>,
}

impl PersonFacts {
    pub(crate) fn of(events: &[EventRow], papers: &[PaperRow]) -> PersonFacts {
        let mut facts = PersonFacts { had: [None; 8], admitted: Vec::new(), exempted: Vec::new() };
        let mut exempted_since: Vec<(u32, Day)> = Vec::new();
        for event in events {
            let kind = kind_position(event.kind);
            if let Some(slot) = facts.had.get_mut(kind) {
                *slot = Some(slot.map_or(event.date, |first: Day| first.min(event.date)));
            }
            match event.kind {
                EventKind::Admitted => {
                    keep_first_in(&mut facts.admitted, event.detail, event.date);
                    keep_first_in(&mut facts.admitted, event.reference, event.date);
                }
                EventKind::Exempted => keep_first_in(&mut exempted_since, event.scope, event.date),
                _ => {}
            }
        }
        facts.exempted =
            exempted_since.into_iter().map(|(scope, from)| (scope, from, OPEN)).collect();
        facts.exempted.extend(papers.iter().map(|paper| (paper.scope, paper.from, paper.to)));
        facts.exempted.sort_unstable();
        facts.exempted.dedup();
        facts
    }
}

/// The position of an event kind in `EventKind::ALL`.
pub(crate) fn kind_position(kind: EventKind) -> usize {
    EventKind::ALL.iter().position(|own| *own == kind).unwrap_or(0)
}

/// The periods a person is abroad: from each posting to the day before the
/// first return on or after it.
pub(crate) fn abroad_periods(events: &[EventRow]) -> Vec<(Day, Day)> {
    let mut periods = Vec::new();
    for posted in events.iter().filter(|event| event.kind == EventKind::Posted) {
        let returned = events
            .iter()
            .filter(|event| event.kind == EventKind::Returned && event.date >= posted.date)
            .map(|event| event.date)
            .min();
        match returned {
            Some(returned) if returned > posted.date => periods.push((posted.date, returned - 1)),
            Some(_) => {}
            None => periods.push((posted.date, OPEN)),
        }
    }
    periods
}

fn keep_first_in(firsts: &mut Vec<(u32, Day)>, key: u32, day: Day) {
    match firsts.iter_mut().find(|(own, _)| *own == key) {
        Some((_, first)) => *first = (*first).min(day),
        None => firsts.push((key, day)),
    }
}
