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

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use chrono::NaiveDate;
use muster_core::PersonFile;
use muster_engine::{Engine, ListMember};
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
    /// Reads a list and its changes from the store.
    pub fn load(store: &dyn Store, id: &str) -> Result<Option<ListRecord>, ServiceError> {
        let Some(stored) = store.list(id)? else {
            return Ok(None);
        };
        let changes = crate::load::list_changes(store, &stored.id)?;
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
    /// Reads every list and its changes.
    pub fn load(store: &dyn Store) -> Result<ListIndex, ServiceError> {
        let mut index = ListIndex::default();
        for stored in store.lists()? {
            let changes = crate::load::list_changes(store, &stored.id)?;
            let list = crate::load::list(&stored);
            index.lists.push(ListRecord { stored, list, changes });
        }
        Ok(index)
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

/// What the questions over the army read: the engine built from every
/// person's records, the rules, and every list. Built once and kept by a
/// server; loaded for one command by the command line.
pub struct Army {
    engine: Arc<Engine>,
    rules: Rules,
    lists: Arc<ListIndex>,
    /// The last `import` act the engine was built as of.
    records_act: i64,
    /// The last act the rules and lists were read as of.
    last_act: i64,
    /// The members of lists on days asked about, as the engine holds them.
    members: Mutex<HashMap<(String, NaiveDate), MemberSet>>,
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
            // was recorded meanwhile, read it again.
            if store.last_act_of("import")? != records_act {
                continue;
            }
            let world = Arc::new(engine.world().clone());
            let book = Arc::new(crate::load::book(store)?);
            return Ok(Army {
                engine: Arc::new(engine),
                rules: Rules { world, book },
                lists: Arc::new(ListIndex::load(store)?),
                records_act,
                last_act,
                members: Mutex::new(HashMap::new()),
            });
        }
    }

    /// The army as of the store's last act: this one when nothing was
    /// recorded since; else the orders and lists read again, and the engine
    /// too when records were imported since.
    pub fn refresh(
        self: &Arc<Army>,
        store: &dyn Store,
        progress: Progress<'_>,
    ) -> Result<Arc<Army>, ServiceError> {
        let last_act = store.last_act()?;
        if last_act == self.last_act {
            return Ok(Arc::clone(self));
        }
        let records_act = store.last_act_of("import")?;
        if records_act != self.records_act {
            return Ok(Arc::new(Army::load(store, progress)?));
        }
        Ok(Arc::new(Army {
            engine: Arc::clone(&self.engine),
            rules: Rules {
                world: Arc::clone(&self.rules.world),
                book: Arc::new(crate::load::book(store)?),
            },
            lists: Arc::new(ListIndex::load(store)?),
            records_act,
            last_act,
            members: Mutex::new(HashMap::new()),
        }))
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
