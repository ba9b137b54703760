//! The people in packed columns: dictionary-encoded strings, dates as day
//! numbers, and each person's history rows side by side in flat arrays.

use std::collections::HashMap;

use chrono::NaiveDate;
use muster_cel::Value;
use muster_core::EventKind;
use roaring::RoaringBitmap;

/// A date as a day number (days from the first day of the common era).
pub(crate) type Day = i32;

/// The end of a period that has no end.
pub(crate) const OPEN: Day = Day::MAX;

/// The day number of a date.
pub(crate) fn day_number(date: NaiveDate) -> Day {
    chrono::Datelike::num_days_from_ce(&date)
}

/// The date of a day number.
pub(crate) fn date_of(day: Day) -> NaiveDate {
    NaiveDate::from_num_days_from_ce_opt(day).unwrap_or(NaiveDate::MIN)
}

/// The day number of the end of a period, `OPEN` when it has none.
pub(crate) fn end_number(date: Option<NaiveDate>) -> Day {
    date.map_or(OPEN, day_number)
}

/// A fast hash for the short strings of the dictionaries, which come
/// from the store, not from an adversary: eight bytes at a time, each
/// mixed in by a rotation and a multiplication, the whole mixed once more
/// at the end so that the low bits, which pick a slot, depend on all.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct WordHash(u64);

const WORD_HASH_FACTOR: u64 = 0x517c_c1b7_2722_0a95;

impl WordHash {
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(WORD_HASH_FACTOR);
    }
}

impl std::hash::Hasher for WordHash {
    fn finish(&self) -> u64 {
        let mut hash = self.0;
        hash ^= hash >> 33;
        hash = hash.wrapping_mul(0xff51_afd7_ed55_8ccd);
        hash ^ (hash >> 33)
    }

    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            self.add(u64::from_le_bytes(word));
        }
        let rest = chunks.remainder();
        let mut word = [0u8; 8];
        word[..rest.len()].copy_from_slice(rest);
        self.add(u64::from_le_bytes(word) ^ ((bytes.len() as u64) << 56));
    }

    fn write_u8(&mut self, value: u8) {
        self.add(u64::from(value));
    }

    fn write_u32(&mut self, value: u32) {
        self.add(u64::from(value));
    }

    fn write_i32(&mut self, value: i32) {
        self.add(u64::from(value as u32));
    }

    fn write_u64(&mut self, value: u64) {
        self.add(value);
    }

    fn write_usize(&mut self, value: usize) {
        self.add(value as u64);
    }
}

/// A map with the word hash.
pub(crate) type FastMap<K, V> = HashMap<K, V, std::hash::BuildHasherDefault<WordHash>>;

/// Strings, each stored once and named by a code.
#[derive(Clone, Debug, Default)]
pub(crate) struct Interner {
    texts: Vec<String>,
    codes: FastMap<String, u32>,
}

impl Interner {
    /// The code of a text, adding it when new.
    pub(crate) fn intern(&mut self, text: &str) -> u32 {
        if let Some(&code) = self.codes.get(text) {
            return code;
        }
        let code = self.texts.len() as u32;
        self.texts.push(text.to_string());
        self.codes.insert(text.to_string(), code);
        code
    }

    /// The code of a text already held.
    pub(crate) fn code(&self, text: &str) -> Option<u32> {
        self.codes.get(text).copied()
    }

    pub(crate) fn len(&self) -> usize {
        self.texts.len()
    }

    /// The text of a code.
    pub(crate) fn text(&self, code: u32) -> &str {
        self.texts.get(code as usize).map_or("", String::as_str)
    }
}

/// One value a key column takes: a text, or a date that may be missing.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Cell {
    Text(String),
    Date(Option<NaiveDate>),
}

impl Cell {
    /// The value a rule reads.
    pub(crate) fn value(&self) -> Value {
        match self {
            Cell::Text(text) => Value::String(text.clone()),
            Cell::Date(date) => Value::from(*date),
        }
    }
}

/// A field with few distinct values: each person's code, each value once,
/// and for each value the bitmap of the people who have it.
#[derive(Clone, Debug, Default)]
pub(crate) struct KeyColumn {
    pub(crate) cells: Vec<Cell>,
    lookup: FastMap<Cell, u32>,
    text_lookup: FastMap<String, u32>,
    pub(crate) codes: Vec<u32>,
    pub(crate) members: Vec<RoaringBitmap>,
    /// The number of people holding each value (the length of its
    /// bitmap, without walking the bitmap's containers).
    pub(crate) sizes: Vec<u32>,
    /// For a date column, its values grouped by year: a condition that
    /// holds for whole years (such as `age < 20`) is a union of a few
    /// years' bitmaps, and of the days of the years it cuts.
    pub(crate) buckets: Option<Buckets>,
}

/// The codes of a column grouped into buckets, with each bucket's people.
#[derive(Clone, Debug, Default)]
pub(crate) struct Buckets {
    /// The bucket of each code.
    pub(crate) of_code: Vec<u32>,
    /// The codes of each bucket.
    pub(crate) codes: Vec<Vec<u32>>,
    pub(crate) members: Vec<RoaringBitmap>,
    by_year: HashMap<i32, u32>,
    years: Vec<i32>,
    /// The place of each bucket in the order of years.
    pub(crate) rank: Vec<u32>,
    /// By rank: everyone in the buckets of that rank or lower, so that a
    /// run of years is one difference; `None` once a year came that the
    /// build did not see.
    pub(crate) cumulative: Option<Vec<RoaringBitmap>>,
}

impl Buckets {
    /// The people of the buckets whose ranks run from `first` to `last`.
    pub(crate) fn run(&self, first: u32, last: u32) -> Option<RoaringBitmap> {
        let cumulative = self.cumulative.as_ref()?;
        let upto = cumulative.get(last as usize)?;
        Some(match first.checked_sub(1).and_then(|below| cumulative.get(below as usize)) {
            Some(below) => upto - below,
            None => upto.clone(),
        })
    }

    /// Adds a person after the build to the cumulative sets of a bucket.
    fn add_person(&mut self, person: u32, bucket: u32) {
        let Some(&rank) = self.rank.get(bucket as usize) else {
            return;
        };
        if let Some(cumulative) = &mut self.cumulative {
            for set in cumulative.iter_mut().skip(rank as usize) {
                set.insert(person);
            }
        }
    }

    /// Moves a person from one bucket to another in the cumulative sets.
    fn move_person(&mut self, person: u32, from: u32, to: u32) {
        let (Some(&from), Some(&to)) = (self.rank.get(from as usize), self.rank.get(to as usize))
        else {
            return;
        };
        let Some(cumulative) = &mut self.cumulative else {
            return;
        };
        if from < to {
            for set in &mut cumulative[from as usize..to as usize] {
                set.remove(person);
            }
        } else {
            for set in &mut cumulative[to as usize..from as usize] {
                set.insert(person);
            }
        }
    }

    fn bucket_for(&mut self, cell: &Cell) -> u32 {
        let year = match cell {
            Cell::Date(Some(date)) => chrono::Datelike::year(date),
            _ => i32::MIN,
        };
        if let Some(&bucket) = self.by_year.get(&year) {
            return bucket;
        }
        let bucket = self.codes.len() as u32;
        self.codes.push(Vec::new());
        self.members.push(RoaringBitmap::new());
        self.by_year.insert(year, bucket);
        self.years.push(year);
        self.cumulative = None;
        bucket
    }

    fn add_code(&mut self, code: u32, cell: &Cell) {
        let bucket = self.bucket_for(cell);
        if self.of_code.len() <= code as usize {
            self.of_code.resize(code as usize + 1, 0);
        }
        self.of_code[code as usize] = bucket;
        self.codes[bucket as usize].push(code);
    }
}

impl KeyColumn {
    /// A column of these values and each person's code, with the bitmap
    /// of each value's people.
    pub(crate) fn from_parts(cells: Vec<Cell>, codes: Vec<u32>) -> KeyColumn {
        let mut lookup = FastMap::default();
        let mut text_lookup = FastMap::default();
        for (code, cell) in cells.iter().enumerate() {
            match cell {
                Cell::Text(text) => text_lookup.insert(text.clone(), code as u32),
                Cell::Date(_) => lookup.insert(cell.clone(), code as u32),
            };
        }
        // The people of each value, by a counting sort of the codes.
        let mut starts = vec![0u32; cells.len() + 1];
        for &code in &codes {
            if let Some(count) = starts.get_mut(code as usize + 1) {
                *count += 1;
            }
        }
        let sizes: Vec<u32> = starts[1..].to_vec();
        for index in 1..starts.len() {
            starts[index] += starts[index - 1];
        }
        let mut next = starts.clone();
        let mut people = vec![0u32; codes.len()];
        for (person, &code) in codes.iter().enumerate() {
            if let Some(slot) = next.get_mut(code as usize) {
                people[*slot as usize] = person as u32;
                *slot += 1;
            }
        }
        let members = starts
            .windows(2)
            .map(|window| {
                let people = &people[window[0] as usize..window[1] as usize];
                RoaringBitmap::from_sorted_iter(people.iter().copied()).unwrap_or_default()
            })
            .collect();
        KeyColumn { cells, lookup, text_lookup, codes, members, sizes, buckets: None }
    }

    /// Groups a date column's values by year.
    pub(crate) fn build_buckets(&mut self) {
        let mut buckets = Buckets::default();
        for (code, cell) in self.cells.iter().enumerate() {
            buckets.add_code(code as u32, cell);
        }
        buckets.members = buckets
            .codes
            .iter()
            .map(|codes| {
                roaring::MultiOps::union(
                    codes.iter().filter_map(|&code| self.members.get(code as usize)),
                )
            })
            .collect();
        let mut order: Vec<u32> = (0..buckets.years.len() as u32).collect();
        order.sort_by_key(|&bucket| buckets.years[bucket as usize]);
        buckets.rank = vec![0; order.len()];
        let mut cumulative = Vec::with_capacity(order.len());
        let mut running = RoaringBitmap::new();
        for (rank, &bucket) in order.iter().enumerate() {
            buckets.rank[bucket as usize] = rank as u32;
            running |= &buckets.members[bucket as usize];
            cumulative.push(running.clone());
        }
        buckets.cumulative = Some(cumulative);
        self.buckets = Some(buckets);
    }

    fn code_of(&mut self, cell: Cell) -> u32 {
        let existing = match &cell {
            Cell::Text(text) => self.text_lookup.get(text.as_str()).copied(),
            Cell::Date(_) => self.lookup.get(&cell).copied(),
        };
        if let Some(code) = existing {
            return code;
        }
        let code = self.cells.len() as u32;
        if let Some(buckets) = &mut self.buckets {
            buckets.add_code(code, &cell);
        }
        match &cell {
            Cell::Text(text) => {
                self.text_lookup.insert(text.clone(), code);
            }
            Cell::Date(_) => {
                self.lookup.insert(cell.clone(), code);
            }
        }
        self.cells.push(cell);
        self.members.push(RoaringBitmap::new());
        self.sizes.push(0);
        code
    }

    /// The code of a text value, without allocating when it is known.
    pub(crate) fn push_text(&mut self, text: &str) {
        let code = match self.text_lookup.get(text) {
            Some(&code) => code,
            None => self.code_of(Cell::Text(text.to_string())),
        };
        self.push_code(code);
    }

    pub(crate) fn push(&mut self, cell: Cell) {
        let code = self.code_of(cell);
        self.push_code(code);
    }

    /// Adds a person after the build: his value, and his place in the
    /// value's bucket of years.
    pub(crate) fn append(&mut self, cell: Cell) {
        let code = self.code_of(cell);
        let person = self.codes.len() as u32;
        self.push_code(code);
        if let Some(buckets) = &mut self.buckets {
            let bucket = buckets.of_code.get(code as usize).copied().unwrap_or(0);
            buckets.add_person(person, bucket);
            if let Some(members) = buckets.members.get_mut(bucket as usize) {
                members.insert(person);
            }
        }
    }

    fn push_code(&mut self, code: u32) {
        let person = self.codes.len() as u32;
        self.codes.push(code);
        if let Some(size) = self.sizes.get_mut(code as usize) {
            *size += 1;
        }
        if let Some(members) = self.members.get_mut(code as usize)
            && !members.push(person)
        {
            // People come in order, so this is an append, but for one
            // pushed again after `pop`.
            members.insert(person);
        }
    }

    /// Gives a person another value.
    pub(crate) fn set(&mut self, person: u32, cell: Cell) {
        let code = self.code_of(cell);
        let Some(slot) = self.codes.get_mut(person as usize) else {
            return;
        };
        if *slot == code {
            return;
        }
        let old = std::mem::replace(slot, code);
        if let Some(members) = self.members.get_mut(old as usize) {
            members.remove(person);
        }
        if let Some(members) = self.members.get_mut(code as usize) {
            members.insert(person);
        }
        if let Some(size) = self.sizes.get_mut(old as usize) {
            *size -= 1;
        }
        if let Some(size) = self.sizes.get_mut(code as usize) {
            *size += 1;
        }
        if let Some(buckets) = &mut self.buckets {
            let bucket = |code: u32| buckets.of_code.get(code as usize).copied().unwrap_or(0);
            let (from, to) = (bucket(old), bucket(code));
            if from != to {
                buckets.move_person(person, from, to);
            }
            for (code, insert) in [(old, false), (code, true)] {
                let bucket = buckets.of_code.get(code as usize).copied().unwrap_or(0);
                if let Some(members) = buckets.members.get_mut(bucket as usize) {
                    if insert {
                        members.insert(person);
                    } else {
                        members.remove(person);
                    }
                }
            }
        }
    }

    /// The value of a person.
    pub(crate) fn cell(&self, person: u32) -> &Cell {
        static EMPTY: Cell = Cell::Date(None);
        self.codes
            .get(person as usize)
            .and_then(|&code| self.cells.get(code as usize))
            .unwrap_or(&EMPTY)
    }
}

/// A text per person, packed in one buffer.
#[derive(Clone, Debug, Default)]
pub(crate) struct TextColumn {
    bytes: String,
    ends: Vec<u32>,
    overrides: HashMap<u32, String>,
}

impl TextColumn {
    /// Appends the texts of another column.
    pub(crate) fn append(&mut self, other: &TextColumn) {
        let offset = self.bytes.len() as u32;
        self.bytes.push_str(&other.bytes);
        self.ends.extend(other.ends.iter().map(|end| end + offset));
    }

    /// The first text.
    pub(crate) fn first(&self) -> Option<&str> {
        (!self.ends.is_empty()).then(|| self.get(0))
    }

    /// The last text.
    pub(crate) fn last(&self) -> Option<&str> {
        self.ends.len().checked_sub(1).map(|last| self.get(last as u32))
    }

    pub(crate) fn push(&mut self, text: &str) {
        self.bytes.push_str(text);
        self.ends.push(self.bytes.len() as u32);
    }

    /// Takes the last text off.
    pub(crate) fn pop(&mut self) {
        self.ends.pop();
        let end = self.ends.last().copied().unwrap_or(0) as usize;
        self.bytes.truncate(end);
    }

    pub(crate) fn get(&self, person: u32) -> &str {
        if !self.overrides.is_empty()
            && let Some(text) = self.overrides.get(&person)
        {
            return text;
        }
        let index = person as usize;
        let start = if index == 0 { 0 } else { self.ends.get(index - 1).copied().unwrap_or(0) };
        let end = self.ends.get(index).copied().unwrap_or(start);
        self.bytes.get(start as usize..end as usize).unwrap_or("")
    }

    pub(crate) fn set(&mut self, person: u32, text: &str) {
        if self.get(person) != text {
            self.overrides.insert(person, text.to_string());
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.ends.len()
    }

    pub(crate) fn heap_bytes(&self) -> usize {
        self.bytes.capacity() + self.ends.capacity() * 4
    }
}

/// Each id's position, by a hash table: finding one among a million
/// sorted ids by halving reads twenty of them, each from cold memory;
/// the table reads one slot and, mostly, one id.
#[derive(Clone, Debug, Default)]
pub(crate) struct IdTable {
    /// Open addressing, linear probing: the high half of an id's hash
    /// and its position plus one; zero for an empty slot.
    slots: Vec<u64>,
}

impl IdTable {
    pub(crate) fn new(ids: &TextColumn) -> IdTable {
        let count = ids.len();
        let size = (count * 2).next_power_of_two().max(16);
        let mut slots = vec![0u64; size];
        let mask = size - 1;
        for position in 0..count as u32 {
            let hash = hash_id(ids.get(position));
            let mut slot = (hash as usize) & mask;
            while slots[slot] != 0 {
                slot = (slot + 1) & mask;
            }
            slots[slot] = (hash & !0xffff_ffff) | (u64::from(position) + 1);
        }
        IdTable { slots }
    }

    /// The position of an id; `None` when the table holds no such id.
    pub(crate) fn find(&self, ids: &TextColumn, id: &str) -> Option<u32> {
        let mask = self.slots.len().checked_sub(1)?;
        let hash = hash_id(id);
        let mut slot = (hash as usize) & mask;
        loop {
            let entry = *self.slots.get(slot)?;
            if entry == 0 {
                return None;
            }
            if entry & !0xffff_ffff == hash & !0xffff_ffff {
                let position = (entry & 0xffff_ffff) as u32 - 1;
                if ids.get(position) == id {
                    return Some(position);
                }
            }
            slot = (slot + 1) & mask;
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    /// Adds the id at a position (the last of `ids`), growing the table
    /// when it is half full.
    pub(crate) fn insert(&mut self, ids: &TextColumn, position: u32) {
        if (ids.len() * 2) > self.slots.len() {
            *self = IdTable::new(ids);
            return;
        }
        let mask = self.slots.len() - 1;
        let hash = hash_id(ids.get(position));
        let mut slot = (hash as usize) & mask;
        while self.slots[slot] != 0 {
            slot = (slot + 1) & mask;
        }
        self.slots[slot] = (hash & !0xffff_ffff) | (u64::from(position) + 1);
    }

    pub(crate) fn heap_bytes(&self) -> usize {
        self.slots.capacity() * 8
    }
}

/// The hash of an id.
fn hash_id(id: &str) -> u64 {
    let mut hasher = WordHash::default();
    std::hash::Hasher::write(&mut hasher, id.as_bytes());
    std::hash::Hasher::finish(&hasher)
}

/// Rows per person, packed one person after another; a person whose rows
/// changed since the build keeps them apart.
#[derive(Clone, Debug)]
pub(crate) struct Rows<T> {
    starts: Vec<u32>,
    rows: Vec<T>,
    overrides: HashMap<u32, Vec<T>>,
}

impl<T> Default for Rows<T> {
    fn default() -> Self {
        Rows { starts: vec![0], rows: Vec::new(), overrides: HashMap::new() }
    }
}

impl<T: Clone + Default> Rows<T> {
    /// The rows of `people` people from `(person, row)` pairs, each
    /// person's in the order given.
    pub(crate) fn from_pairs(pairs: Vec<(u32, T)>, people: u32) -> Rows<T> {
        let mut starts = vec![0u32; people as usize + 1];
        for (person, _) in &pairs {
            if let Some(count) = starts.get_mut(*person as usize + 1) {
                *count += 1;
            }
        }
        for index in 1..starts.len() {
            starts[index] += starts[index - 1];
        }
        let mut next = starts.clone();
        let mut rows = vec![T::default(); pairs.len()];
        for (person, row) in pairs {
            if let Some(slot) = next.get_mut(person as usize) {
                rows[*slot as usize] = row;
                *slot += 1;
            }
        }
        Rows { starts, rows, overrides: HashMap::new() }
    }

    /// Sorts each person's rows by a key.
    pub(crate) fn sort_each_by_key<K: Ord>(&mut self, key: impl Fn(&T) -> K) {
        for window in self.starts.windows(2) {
            if let Some(rows) = self.rows.get_mut(window[0] as usize..window[1] as usize)
                && !rows.is_sorted_by_key(&key)
            {
                rows.sort_by_key(&key);
            }
        }
    }
}

impl<T: Clone> Rows<T> {
    /// Appends the rows of the next person.
    pub(crate) fn push(&mut self, rows: impl IntoIterator<Item = T>) {
        self.rows.extend(rows);
        self.starts.push(self.rows.len() as u32);
    }

    pub(crate) fn of(&self, person: u32) -> &[T] {
        if !self.overrides.is_empty()
            && let Some(rows) = self.overrides.get(&person)
        {
            return rows;
        }
        let index = person as usize;
        let start = self.starts.get(index).copied().unwrap_or(0) as usize;
        let end = self.starts.get(index + 1).copied().unwrap_or(0) as usize;
        self.rows.get(start..end).unwrap_or(&[])
    }

    pub(crate) fn set(&mut self, person: u32, rows: Vec<T>) {
        self.overrides.insert(person, rows);
    }

    pub(crate) fn heap_bytes(&self) -> usize {
        self.starts.capacity() * 4 + self.rows.capacity() * std::mem::size_of::<T>()
    }
}

/// An assignment to a unit.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct AssignmentRow {
    pub(crate) unit: u32,
    pub(crate) from: Day,
    pub(crate) to: Day,
}

/// A period during which a person is deployed at a site.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct PeriodRow {
    pub(crate) site: u32,
    pub(crate) from: Day,
    pub(crate) to: Day,
}

/// An event, its texts as codes of the engine's text dictionary.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct EventRow {
    pub(crate) kind: EventKind,
    pub(crate) date: Day,
    pub(crate) reference: u32,
    pub(crate) detail: u32,
    /// The exemption scope of the detail.
    pub(crate) scope: u32,
}

/// The days a paper exempts a person from a scope (a code of the engine's
/// text dictionary), `to` being `OPEN` when it has no end.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct PaperRow {
    pub(crate) scope: u32,
    pub(crate) from: Day,
    pub(crate) to: Day,
}

impl Default for EventRow {
    fn default() -> EventRow {
        EventRow { kind: EventKind::Injured, date: 0, reference: 0, detail: 0, scope: 0 }
    }
}

/// Whether `day` lies within `from ..= to`.
pub(crate) fn covers(from: Day, to: Day, day: Day) -> bool {
    from <= day && day <= to
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(year: i32, month: u32) -> Cell {
        Cell::Date(NaiveDate::from_ymd_opt(year, month, 1))
    }

    /// The people of the buckets of years `first ..= last`, one by one.
    fn years(column: &KeyColumn, first: i32, last: i32) -> Vec<u32> {
        let mut people: Vec<u32> = (0..column.codes.len() as u32)
            .filter(|&person| match column.cell(person) {
                Cell::Date(Some(day)) => (first..=last).contains(&chrono::Datelike::year(day)),
                _ => false,
            })
            .collect();
        people.sort_unstable();
        people
    }

    #[test]
    fn runs_of_years_follow_changes() {
        let mut column = KeyColumn::default();
        for cell in [date(1990, 1), date(1992, 5), date(1991, 3), date(1990, 7), date(1993, 2)] {
            column.push(cell);
        }
        column.build_buckets();
        let run = |column: &KeyColumn, first: i32, last: i32| {
            let buckets = column.buckets.as_ref().unwrap();
            let rank = |year: i32| {
                let bucket = buckets.of_code
                    [column.cells.iter().position(|cell| matches!(cell, Cell::Date(Some(day)) if chrono::Datelike::year(day) == year)).unwrap()];
                buckets.rank[bucket as usize]
            };
            buckets.run(rank(first), rank(last)).unwrap().iter().collect::<Vec<u32>>()
        };
        assert_eq!(run(&column, 1990, 1991), years(&column, 1990, 1991));
        assert_eq!(run(&column, 1991, 1993), years(&column, 1991, 1993));
        column.set(0, date(1993, 9));
        column.set(4, date(1990, 2));
        assert_eq!(run(&column, 1990, 1991), years(&column, 1990, 1991));
        assert_eq!(run(&column, 1992, 1993), years(&column, 1992, 1993));
        assert_eq!(run(&column, 1990, 1993), years(&column, 1990, 1993));
    }
}
