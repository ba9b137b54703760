//! What the questions read, loaded from a store: the rules (the records
//! other than people, and every order) for questions about one person; the
//! army (the engine built from every person's records, with the rules and
//! the lists) for questions over many.
//!
//! This is where the choice is made between the engine and the reference:
//! a question about one person reads his own records from the store and is
//! decided by the reference interpreter over them and the [`Rules`]; a
//! question over many is asked of the engine held by the [`Army`]. Nothing
//! here builds every person's file.

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex, OnceLock};

use chrono::NaiveDate;
use muster_cel::Budget;
use muster_core::PersonFile;
use muster_engine::{Engine, ListMember, ListStatuses};
use muster_orders::{EntryChange, List, OrderBook, World};
use muster_store::{Store, StoredList};

use crate::ServiceError;

/// What a question about one person needs besides his own records: the
/// records other than people (the calendar, organisations, the unit tree,
/// sites and campaigns) and every order issued, with their revocations.
#[derive(Clone)]
pub struct Rules {
    pub world: Arc<World>,
    pub book: Arc<OrderBook>,
}

impl Rules {
    /// Reads the records other than people, and every order.
    pub fn load(store: &dyn Store) -> Result<Rules, ServiceError> {
        Ok(Rules {
            world: Arc::new(World::new(store.small_records()?)),
            book: Arc::new(crate::load::book(store)?),
        })
    }

    /// A person's file as of `day`, read from the store, or not found.
    pub fn person(
        &self,
        store: &dyn Store,
        id: &str,
        day: NaiveDate,
    ) -> Result<muster_store::PersonRecords, ServiceError> {
        store
            .person(id, day, &self.world.tree)?
            .ok_or_else(|| ServiceError::NotFound(format!("no person `{id}` in the store")))
    }
}

/// A list and every change to its entries.
#[derive(Clone, Debug)]
pub struct ListRecord {
    pub stored: StoredList,
    pub list: List,
    /// Every change, in the order of the days they take effect.
    pub changes: Vec<EntryChange>,
}

impl ListRecord {
    /// Reads a list and its changes by act `through` from the store.
    pub fn load(
        store: &dyn Store,
        id: &str,
        through: i64,
    ) -> Result<Option<ListRecord>, ServiceError> {
        let Some(stored) = store.list(id)? else {
            return Ok(None);
        };
        let changes = crate::load::list_changes(store, &stored.id, through)?;
        let list = crate::load::list(&stored);
        Ok(Some(ListRecord { stored, list, changes }))
    }

    /// Who is on the list on `day`: each person, his nomination day, and
    /// whether he is on it (not removed), in nomination order.
    pub fn members(&self, day: NaiveDate) -> Vec<(String, NaiveDate, bool)> {
        muster_orders::members(&self.changes, day)
    }
}

/// For each person, the positions of the lists he was on, each with his own
/// changes.
type OnLists = HashMap<String, Vec<(usize, Vec<EntryChange>)>>;

/// How many (list, day) member sets are kept.
const MEMBER_SETS: usize = 64;

/// Every list, with each person's own changes, so that "whose lists is he
/// on" and a page of a list are answered without walking every entry.
#[derive(Debug, Default)]
pub struct ListIndex {
    lists: Vec<ListRecord>,
    /// For each person ever on a list, the positions in `lists` of the
    /// lists he was on, each with his own entry changes; made when first
    /// asked (whose lists is he on), not when the lists are read.
    on_lists: OnceLock<OnLists>,
}

impl ListIndex {
    /// Reads every list created by act `through`, and its changes by then.
    pub fn load(store: &dyn Store, through: i64) -> Result<ListIndex, ServiceError> {
        let mut index = ListIndex::default();
        for stored in store.lists()?.into_iter().filter(|stored| stored.act.id.0 <= through) {
            let changes = crate::load::list_changes(store, &stored.id, through)?;
            let list = crate::load::list(&stored);
            index.lists.push(ListRecord { stored, list, changes });
        }
        Ok(index)
    }

    /// Takes a list created since the lists were read.
    fn insert(&mut self, record: ListRecord) {
        match self.position(&record.stored.id) {
            Some(position) => self.lists[position] = record,
            None => self.lists.push(record),
        }
    }

    /// Takes changes to entries recorded since the lists were read (each
    /// with its list's id, in the order recorded), keeping each list's
    /// changes in the order of their days and, within a day, of their
    /// recording. Returns the ids of the lists changed.
    fn append(&mut self, changes: Vec<(String, EntryChange)>) -> Vec<String> {
        let mut changed: Vec<String> = Vec::new();
        for (id, change) in changes {
            let Some(position) = self.position(&id) else {
                continue;
            };
            if let Some(on_lists) = self.on_lists.get_mut() {
                let lists = on_lists.entry(change.person.clone()).or_default();
                match lists.iter_mut().find(|(at, _)| *at == position) {
                    Some((_, own)) => {
                        own.push(change.clone());
                        own.sort_by_key(|change| change.on);
                    }
                    None => lists.push((position, vec![change.clone()])),
                }
            }
            let list = &mut self.lists[position];
            let sorted = list.changes.last().is_none_or(|last| last.on <= change.on);
            list.changes.push(change);
            if !sorted {
                // Stable: changes of a day keep the order they were recorded in.
                list.changes.sort_by_key(|change| change.on);
            }
            if !changed.contains(&id) {
                changed.push(id);
            }
        }
        changed
    }

    /// Each person's own changes, by the lists he was on.
    fn on_lists(&self) -> &OnLists {
        self.on_lists.get_or_init(|| {
            let mut on_lists = OnLists::new();
            for (position, list) in self.lists.iter().enumerate() {
                for change in &list.changes {
                    let lists = on_lists.entry(change.person.clone()).or_default();
                    match lists.last_mut() {
                        Some((last, own)) if *last == position => own.push(change.clone()),
                        _ => lists.push((position, vec![change.clone()])),
                    }
                }
            }
            on_lists
        })
    }

    /// Every list, in the order created.
    pub fn all(&self) -> &[ListRecord] {
        &self.lists
    }

    /// A list by id.
    pub fn get(&self, id: &str) -> Option<&ListRecord> {
        self.lists.iter().find(|list| list.stored.id == id)
    }

    fn position(&self, id: &str) -> Option<usize> {
        self.lists.iter().position(|list| list.stored.id == id)
    }

    /// A person's own entry changes on a list.
    pub fn own_changes(&self, person: &str, id: &str) -> &[EntryChange] {
        let Some(position) = self.position(id) else {
            return &[];
        };
        self.on_lists()
            .get(person)
            .and_then(|lists| lists.iter().find(|(at, _)| *at == position))
            .map_or(&[], |(_, own)| own.as_slice())
    }

    /// The owners of the lists a person is on, on a day.
    pub fn owners_of(&self, person: &str, day: NaiveDate) -> Vec<String> {
        let mut owners: Vec<String> = Vec::new();
        for (position, own) in self.on_lists().get(person).into_iter().flatten() {
            let list = &self.lists[*position];
            if list.list.created_on > day {
                continue;
            }
            let active = muster_orders::members(own, day).into_iter().any(|(_, _, active)| active);
            if active && !owners.contains(&list.list.owner) {
                owners.push(list.list.owner.clone());
            }
        }
        owners.sort();
        owners
    }
}

/// What catching the army up read from the store, to be taken into it
/// (`Army::read_up`, then `Army::take_up`).
#[derive(Default)]
pub struct CatchUp {
    /// The last act read.
    last: i64,
    /// The army is to be loaded again.
    reload: bool,
    /// The lists made and the entries changed, act by act.
    lists: Vec<ListStep>,
    /// The orders, when an order's act is among those read.
    book: Option<OrderBook>,
    /// The files of the persons the acts touched.
    files: Vec<PersonFile>,
}

/// A step of catching up the lists.
enum ListStep {
    Created(String, Box<ListRecord>),
    Changes(Vec<(String, EntryChange)>),
}

/// What the questions over the army read: the engine built from every
/// person's records, the rules, and every list. Built once and kept by a
/// server, which brings it up to date act by act ([`Army::catch_up`]);
/// loaded for one command by the command line.
pub struct Army {
    engine: Engine,
    rules: Rules,
    lists: ListIndex,
    /// The last act the army holds.
    last_act: i64,
    /// The members of lists on days asked about, as the engine holds them.
    members: Mutex<HashMap<(String, NaiveDate), MemberSet>>,
    /// The statuses of lists' entries on days asked about, kept up to date
    /// by the acts (an act that changes a person computes his entries
    /// again), so that a page of one status is not screened per read.
    statuses: Mutex<HashMap<(String, NaiveDate), Arc<ListStatuses>>>,
}

/// A list's members on a day, as the engine holds them.
pub type MemberSet = Arc<Vec<ListMember>>;

/// Reports the steps of loading the engine: the step, done, total.
pub type Progress<'a> = &'a mut dyn FnMut(&str, u64, u64);

impl Army {
    /// Loads the engine from the store's rows, the orders and the lists.
    pub fn load(store: &dyn Store, progress: Progress<'_>) -> Result<Army, ServiceError> {
        loop {
            let last_act = store.last_act()?;
            let records_act = store.last_act_of("import")?;
            let engine = load_engine(store, progress)?;
            // The engine is read on connections of its own: if an import
            // was recorded meanwhile, read it again; any other act since is
            // caught up with.
            if store.last_act_of("import")? != records_act {
                continue;
            }
            let world = Arc::new(engine.world().clone());
            let book = Arc::new(crate::load::book(store)?);
            let mut army = Army {
                engine,
                rules: Rules { world, book },
                lists: ListIndex::load(store, last_act)?,
                last_act,
                members: Mutex::new(HashMap::new()),
                statuses: Mutex::new(HashMap::new()),
            };
            // Acts recorded while the engine was read: their rows may or
            // may not have been read with it; their persons are read again.
            army.catch_up(store, progress)?;
            return Ok(army);
        }
    }

    /// Brings the army up to the store's last act, act by act and without
    /// reading it whole: an order's act reads the orders again; a list's
    /// act takes the entries it wrote; an act on the records reads again
    /// the files of the persons it names (for a unit's act, everyone who
    /// ever served in the unit or below) and gives them to the engine, and
    /// their list entries are computed again. Only an import (or the
    /// reversal of a registration, which takes a person out) loads the
    /// army again.
    pub fn catch_up(
        &mut self,
        store: &dyn Store,
        progress: Progress<'_>,
    ) -> Result<(), ServiceError> {
        let read = self.read_up(store)?;
        self.take_up(read, store, progress)
    }

    /// What catching up reads from the store (`Army::catch_up`'s first
    /// half): it only reads the army, so that readers go on beside it; the
    /// second half, `Army::take_up`, only changes the army in memory.
    pub fn read_up(&self, store: &dyn Store) -> Result<CatchUp, ServiceError> {
        let acts = store.acts_after(self.last_act)?;
        let Some(last) = acts.last().map(|act| act.id.0) else {
            return Ok(CatchUp { last: self.last_act, ..CatchUp::default() });
        };
        if acts.iter().any(|act| act.kind == "import") {
            return Ok(CatchUp { last, reload: true, ..CatchUp::default() });
        }
        let mut read = CatchUp { last, ..CatchUp::default() };
        let mut book = false;
        let mut persons: BTreeSet<String> = BTreeSet::new();
        let mut units: BTreeSet<String> = BTreeSet::new();
        for act in &acts {
            if act.kind.starts_with("order-") {
                book = true;
                continue;
            }
            let (created, changes) = store.act_list_changes(act.id.0)?;
            for id in created {
                if let Some(record) = ListRecord::load(store, &id, act.id.0 - 1)? {
                    read.lists.push(ListStep::Created(id, Box::new(record)));
                }
            }
            read.lists.push(ListStep::Changes(changes));
            let subjects = store.act_subjects(act.id.0)?;
            persons.extend(subjects.persons);
            units.extend(subjects.units);
        }
        if book {
            read.book = Some(crate::load::book(store)?);
        }
        for unit in &units {
            for person in self.engine.unit_members(unit) {
                persons.insert(self.engine.person_id(person).to_string());
            }
        }
        let ids: Vec<String> = persons.into_iter().collect();
        read.files = store.people_files(&ids, &self.rules.world.tree)?;
        if read.files.len() < ids.len() {
            let found: BTreeSet<&str> =
                read.files.iter().map(|file| file.person.id.as_str()).collect();
            read.reload = ids
                .iter()
                .any(|id| !found.contains(id.as_str()) && self.engine.position(id).is_some());
        }
        Ok(read)
    }

    /// Takes what `Army::read_up` read into the army: in memory, but for a
    /// reload (after an import, or a person taken out), which reads the
    /// army again.
    pub fn take_up(
        &mut self,
        read: CatchUp,
        store: &dyn Store,
        progress: Progress<'_>,
    ) -> Result<(), ServiceError> {
        if read.reload {
            *self = Army::load(store, progress)?;
            return Ok(());
        }
        if read.last <= self.last_act {
            return Ok(());
        }
        for step in read.lists {
            match step {
                ListStep::Created(id, record) => {
                    self.forget_list(&id);
                    self.lists.insert(*record);
                }
                ListStep::Changes(changes) => {
                    for id in self.lists.append(changes) {
                        self.forget_list(&id);
                    }
                }
            }
        }
        if let Some(book) = read.book {
            self.rules.book = Arc::new(book);
            if let Ok(mut statuses) = self.statuses.lock() {
                statuses.clear();
            }
        }
        let mut changed = Vec::with_capacity(read.files.len());
        for file in &read.files {
            changed.push(self.engine.set_person(file));
        }
        if !changed.is_empty()
            && let Ok(mut statuses) = self.statuses.lock()
        {
            for held in statuses.values_mut() {
                self.engine.restate(&self.rules.book, Arc::make_mut(held), &changed);
            }
        }
        self.last_act = read.last;
        Ok(())
    }

    /// Forgets what is kept of a list's members and statuses.
    fn forget_list(&self, id: &str) {
        if let Ok(mut members) = self.members.lock() {
            members.retain(|(list, _), _| list != id);
        }
        if let Ok(mut statuses) = self.statuses.lock() {
            statuses.retain(|(list, _), _| list != id);
        }
    }

    /// The number of the last act this army holds.
    pub fn last_act(&self) -> i64 {
        self.last_act
    }

    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    pub fn rules(&self) -> &Rules {
        &self.rules
    }

    pub fn world(&self) -> &World {
        &self.rules.world
    }

    pub fn book(&self) -> &OrderBook {
        &self.rules.book
    }

    pub fn lists(&self) -> &ListIndex {
        &self.lists
    }

    /// The members of a list on a day, as the engine holds them, in
    /// nomination order (kept for the next page); `None` for no such list.
    pub fn members(&self, id: &str, day: NaiveDate) -> Option<MemberSet> {
        let key = (id.to_string(), day);
        if let Ok(cached) = self.members.lock()
            && let Some(members) = cached.get(&key)
        {
            return Some(Arc::clone(members));
        }
        let list = self.lists.get(id)?;
        let members = Arc::new(self.engine.list_members(&list.changes, day));
        if let Ok(mut cached) = self.members.lock() {
            if cached.len() >= MEMBER_SETS {
                cached.clear();
            }
            cached.insert(key, Arc::clone(&members));
        }
        Some(members)
    }

    /// The statuses of a list's entries on a day, kept once computed (and
    /// kept up to date by the acts); `None` for no such list. A question
    /// the budget stopped keeps nothing.
    pub fn statuses(
        &self,
        id: &str,
        day: NaiveDate,
        budget: &Budget,
    ) -> Result<Option<Arc<ListStatuses>>, ServiceError> {
        let key = (id.to_string(), day);
        if let Ok(cached) = self.statuses.lock()
            && let Some(statuses) = cached.get(&key)
        {
            return Ok(Some(Arc::clone(statuses)));
        }
        let (Some(list), Some(members)) = (self.lists.get(id), self.members(id, day)) else {
            return Ok(None);
        };
        let statuses = Arc::new(self.engine.list_statuses(
            &self.rules.book,
            &list.list.kind,
            &members,
            day,
            budget,
        )?);
        if let Ok(mut cached) = self.statuses.lock() {
            if cached.len() >= MEMBER_SETS {
                cached.clear();
            }
            cached.insert(key, Arc::clone(&statuses));
        }
        Ok(Some(statuses))
    }

    /// A list, as held.
    pub fn list(&self, id: &str) -> Result<&ListRecord, ServiceError> {
        self.lists.get(id).ok_or_else(|| ServiceError::NotFound(format!("no list `{id}`")))
    }

    /// Who administers a person and whose lists he is on, on a day (what
    /// the policies ask of a person); `None` for one the store does not
    /// hold.
    pub fn custody(&self, person: &str, day: NaiveDate) -> Option<Custody> {
        let position = self.engine.position(person)?;
        Some(Custody {
            administrations: self.engine.administrations(position, day),
            lists: self.lists.owners_of(person, day),
        })
    }
}

/// Who answers for a person: the organisations administering the units he
/// served in by the day (or units above them), and the owners of the lists
/// he is on.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Custody {
    pub administrations: Vec<String>,
    pub lists: Vec<String>,
}

impl Custody {
    /// A person's custody from his own file and the lists.
    pub fn of_file(world: &World, lists: &[String], file: &PersonFile, day: NaiveDate) -> Custody {
        let mut organisations = std::collections::BTreeSet::new();
        for assignment in file.assignments.iter().filter(|assignment| assignment.from <= day) {
            for unit in world.tree.ancestors_or_self(&assignment.unit) {
                if let Some(administration) =
                    world.units.get(unit).and_then(|unit| unit.administration.clone())
                {
                    organisations.insert(administration);
                }
            }
        }
        Custody { administrations: organisations.into_iter().collect(), lists: lists.to_vec() }
    }
}

/// Loads the engine from a store's rows.
pub fn load_engine(store: &dyn Store, progress: Progress<'_>) -> Result<Engine, ServiceError> {
    let scan = store.scan()?;
    muster_engine::load(scan.as_ref(), progress)
        .map_err(|error| ServiceError::Internal(format!("the engine could not be loaded: {error}")))
}
