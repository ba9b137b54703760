//! The indexes over people: who has a fact from a day onward (served in a
//! unit, had an event), and who is somewhere between two days (deployed at
//! a site).

use std::borrow::Cow;
use std::collections::HashMap;

use roaring::RoaringBitmap;

use crate::people::{Day, covers};

/// The people for whom a fact holds from a day onward, and never stops
/// holding: each with the first day it holds.
#[derive(Clone, Debug, Default)]
pub(crate) struct MonotoneIndex {
    /// Everyone for whom it ever holds.
    ever: RoaringBitmap,
    /// `(first day, person)`, sorted; for the people changed since the
    /// build, `patched` is right instead.
    by_date: Vec<(Day, u32)>,
    last: Day,
    patched: HashMap<u32, Option<Day>>,
}

impl MonotoneIndex {
    /// An index of these `(first day, person)` pairs, one per person.
    pub(crate) fn new(mut by_date: Vec<(Day, u32)>) -> MonotoneIndex {
        // Pairs are mostly given in the order of people.
        let ever = if by_date.is_sorted_by_key(|&(_, person)| person) {
            RoaringBitmap::from_sorted_iter(by_date.iter().map(|&(_, person)| person))
                .unwrap_or_default()
        } else {
            by_date.iter().map(|&(_, person)| person).collect()
        };
        sort_by_day(&mut by_date);
        let last = by_date.last().map_or(Day::MIN, |&(day, _)| day);
        MonotoneIndex { ever, by_date, last, patched: HashMap::new() }
    }

    /// Everyone for whom it ever holds.
    pub(crate) fn ever(&self) -> &RoaringBitmap {
        &self.ever
    }

    /// The people for whom it holds on `day`.
    pub(crate) fn on(&self, day: Day) -> Cow<'_, RoaringBitmap> {
        if day >= self.last && self.patched.is_empty() {
            return Cow::Borrowed(&self.ever);
        }
        let cut = self.by_date.partition_point(|&(first, _)| first <= day);
        let late = &self.by_date[cut..];
        let unpatched = |person: &u32| !self.patched.contains_key(person);
        let mut people = if late.len() * 4 < self.by_date.len() {
            let mut late: Vec<u32> =
                late.iter().map(|&(_, person)| person).filter(|person| unpatched(person)).collect();
            late.sort_unstable();
            &self.ever - RoaringBitmap::from_sorted_iter(late).unwrap_or_default()
        } else {
            let mut early: Vec<u32> = self.by_date[..cut]
                .iter()
                .map(|&(_, person)| person)
                .filter(|person| unpatched(person))
                .collect();
            early.sort_unstable();
            RoaringBitmap::from_sorted_iter(early).unwrap_or_default()
        };
        for (&person, first) in &self.patched {
            match first {
                Some(first) if *first <= day => {
                    people.insert(person);
                }
                _ => {
                    people.remove(person);
                }
            }
        }
        Cow::Owned(people)
    }

    /// The people for whom it first holds after `after`, on or before
    /// `until`.
    pub(crate) fn first_between(&self, after: Day, until: Day) -> RoaringBitmap {
        let start = self.by_date.partition_point(|&(first, _)| first <= after);
        let end = self.by_date.partition_point(|&(first, _)| first <= until);
        let mut people: Vec<u32> = self.by_date[start..end.max(start)]
            .iter()
            .map(|&(_, person)| person)
            .filter(|person| !self.patched.contains_key(person))
            .collect();
        for (&person, first) in &self.patched {
            if first.is_some_and(|first| after < first && first <= until) {
                people.push(person);
            }
        }
        people.sort_unstable();
        RoaringBitmap::from_sorted_iter(people).unwrap_or_default()
    }

    /// Calls `each` with every person for whom it holds on `day`, and the
    /// first day it does.
    pub(crate) fn firsts_until(&self, day: Day, mut each: impl FnMut(u32, Day)) {
        let end = self.by_date.partition_point(|&(first, _)| first <= day);
        for &(first, person) in &self.by_date[..end] {
            if !self.patched.contains_key(&person) {
                each(person, first);
            }
        }
        for (&person, first) in &self.patched {
            if let Some(first) = first
                && *first <= day
            {
                each(person, *first);
            }
        }
    }

    /// Sets the first day it holds for a person, `None` for never.
    pub(crate) fn set(&mut self, person: u32, first: Option<Day>) {
        if first.is_some() {
            self.ever.insert(person);
        } else {
            self.ever.remove(person);
        }
        self.patched.insert(person, first);
    }

    pub(crate) fn heap_bytes(&self) -> usize {
        self.ever.serialized_size() + self.by_date.capacity() * 8
    }
}

/// The days of a block of the period index.
const BLOCK: Day = 64;

/// A period over more than this many blocks is kept apart, among the
/// long periods by first day, instead of being copied into every block it
/// covers.
const LONG: Day = 8;

/// Sorts `(day, person)` pairs by day, then person: pairs given in the
/// order of people are sorted by day alone, by a stable radix sort of the
/// days when they span less than 2^16 days.
fn sort_by_day(pairs: &mut Vec<(Day, u32)>) {
    let low = pairs.iter().map(|&(day, _)| day).min().unwrap_or(0);
    let high = pairs.iter().map(|&(day, _)| day).max().unwrap_or(0);
    let by_person = pairs.is_sorted_by_key(|&(_, person)| person);
    if pairs.len() < 4096 || !by_person || i64::from(high) - i64::from(low) >= 1 << 16 {
        pairs.sort_unstable();
        return;
    }
    let mut other = vec![(0, 0); pairs.len()];
    for shift in [0, 8] {
        let digit = |day: Day| ((day - low) as usize >> shift) & 0xff;
        let mut starts = [0usize; 257];
        for &(day, _) in pairs.iter() {
            starts[digit(day) + 1] += 1;
        }
        for index in 1..starts.len() {
            starts[index] += starts[index - 1];
        }
        for &pair in pairs.iter() {
            let slot = &mut starts[digit(pair.0)];
            other[*slot] = pair;
            *slot += 1;
        }
        std::mem::swap(pairs, &mut other);
    }
}

/// The people who are somewhere between two days. The days are cut into
/// blocks of `BLOCK` days; each block holds the periods that overlap it,
/// in the order of their people, so that the people within a period on a
/// day are those of the day's block whose period covers the day, already
/// sorted. Periods without an end are a monotone fact (from their first
/// day onward); the few very long periods are kept apart.
#[derive(Clone, Debug, Default)]
pub(crate) struct IntervalIndex {
    /// The number of the first block.
    first_block: Day,
    /// Where each block's periods start in `entries`, and where the last
    /// ends.
    starts: Vec<u32>,
    /// `(first day, last day, person)`, block after block, each block's by
    /// person.
    entries: Vec<(Day, Day, u32)>,
    /// Periods over more than `LONG` blocks, by first day.
    long: Vec<(Day, Day, u32)>,
    /// The longest of them, in days: one that covers a day began at most
    /// this long before it.
    longest: Day,
    /// Periods without an end: each person from the first day of his
    /// first such period.
    open: MonotoneIndex,
    patched: HashMap<u32, Vec<(Day, Day)>>,
    /// Everyone with a period.
    ever: RoaringBitmap,
}

impl IntervalIndex {
    pub(crate) fn new(mut periods: Vec<(Day, Day, u32)>) -> IntervalIndex {
        let ever = periods.iter().map(|&(_, _, person)| person).collect();
        // Each block's periods in the order of people: periods are given
        // one person after another, so this sort is a pass.
        periods.sort_by_key(|&(_, _, person)| person);
        let mut open: Vec<(Day, u32)> = Vec::new();
        let mut long = Vec::new();
        let mut bounded = Vec::with_capacity(periods.len());
        for (from, to, person) in periods {
            if to == Day::MAX {
                match open.last_mut() {
                    Some((first, last)) if *last == person => *first = (*first).min(from),
                    _ => open.push((from, person)),
                }
            } else if from > to {
                // Covers no day.
            } else if to.div_euclid(BLOCK) - from.div_euclid(BLOCK) > LONG {
                long.push((from, to, person));
            } else {
                bounded.push((from, to, person));
            }
        }
        long.sort_unstable();
        let longest = long.iter().map(|&(from, to, _)| to.saturating_sub(from)).max().unwrap_or(0);
        let first_block = bounded.iter().map(|&(from, _, _)| from.div_euclid(BLOCK)).min();
        let last_block = bounded.iter().map(|&(_, to, _)| to.div_euclid(BLOCK)).max();
        let (first_block, blocks) = match (first_block, last_block) {
            (Some(first), Some(last)) => (first, (last - first + 1) as usize),
            _ => (0, 0),
        };
        let mut starts = vec![0u32; blocks + 1];
        for &(from, to, _) in &bounded {
            for block in from.div_euclid(BLOCK)..=to.div_euclid(BLOCK) {
                starts[(block - first_block) as usize + 1] += 1;
            }
        }
        for index in 1..starts.len() {
            starts[index] += starts[index - 1];
        }
        let mut next = starts.clone();
        let mut entries = vec![(0, 0, 0); starts.last().copied().unwrap_or(0) as usize];
        for &(from, to, person) in &bounded {
            for block in from.div_euclid(BLOCK)..=to.div_euclid(BLOCK) {
                let slot = &mut next[(block - first_block) as usize];
                entries[*slot as usize] = (from, to, person);
                *slot += 1;
            }
        }
        IntervalIndex {
            first_block,
            starts,
            entries,
            long,
            longest,
            open: MonotoneIndex::new(open),
            patched: HashMap::new(),
            ever,
        }
    }

    /// Everyone with a period.
    pub(crate) fn ever(&self) -> &RoaringBitmap {
        &self.ever
    }

    /// The people within a period on `day`.
    pub(crate) fn on(&self, day: Day) -> RoaringBitmap {
        let unpatched =
            |person: &u32| self.patched.is_empty() || !self.patched.contains_key(person);
        let block = day.div_euclid(BLOCK) - self.first_block;
        let entries = usize::try_from(block)
            .ok()
            .and_then(|block| Some(*self.starts.get(block)?..*self.starts.get(block + 1)?))
            .and_then(|range| self.entries.get(range.start as usize..range.end as usize))
            .unwrap_or(&[]);
        let mut people: Vec<u32> = Vec::with_capacity(entries.len());
        for &(from, to, person) in entries {
            if covers(from, to, day) && people.last() != Some(&person) && unpatched(&person) {
                people.push(person);
            }
        }
        let start =
            self.long.partition_point(|&(from, _, _)| from < day.saturating_sub(self.longest));
        let end = self.long.partition_point(|&(from, _, _)| from <= day);
        let mut extra: Vec<u32> = self.long[start..end.max(start)]
            .iter()
            .filter(|&&(from, to, person)| covers(from, to, day) && unpatched(&person))
            .map(|&(_, _, person)| person)
            .collect();
        for (&person, periods) in &self.patched {
            if periods.iter().any(|&(from, to)| covers(from, to, day)) {
                extra.push(person);
            }
        }
        if !extra.is_empty() {
            people.extend(extra);
            people.sort_unstable();
            people.dedup();
        }
        let mut set = RoaringBitmap::from_sorted_iter(people).unwrap_or_default();
        if !self.open.ever().is_empty() {
            let open = self.open.on(day);
            if self.patched.is_empty() {
                set |= open.as_ref();
            } else {
                let mut open = open.into_owned();
                for person in self.patched.keys() {
                    open.remove(*person);
                }
                set |= open;
                for (&person, periods) in &self.patched {
                    if periods.iter().any(|&(from, to)| covers(from, to, day)) {
                        set.insert(person);
                    }
                }
            }
        }
        set
    }

    /// Sets the periods of a person.
    pub(crate) fn set(&mut self, person: u32, periods: Vec<(Day, Day)>) {
        if periods.is_empty() {
            self.ever.remove(person);
        } else {
            self.ever.insert(person);
        }
        self.patched.insert(person, periods);
    }

    pub(crate) fn heap_bytes(&self) -> usize {
        self.starts.capacity() * 4
            + self.entries.capacity() * 12
            + self.long.capacity() * 12
            + self.open.heap_bytes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn people(bitmap: &RoaringBitmap) -> Vec<u32> {
        bitmap.iter().collect()
    }

    #[test]
    fn a_monotone_fact_holds_from_its_first_day() {
        let mut index = MonotoneIndex::new(vec![(5, 1), (3, 2), (9, 7)]);
        assert_eq!(people(&index.on(2)), Vec::<u32>::new());
        assert_eq!(people(&index.on(5)), [1, 2]);
        assert_eq!(people(&index.on(100)), [1, 2, 7]);
        index.set(2, None);
        index.set(4, Some(6));
        assert_eq!(people(&index.on(5)), [1]);
        assert_eq!(people(&index.on(6)), [1, 4]);
        assert_eq!(people(index.ever()), [1, 4, 7]);
    }

    #[test]
    fn a_period_holds_between_its_days() {
        let mut index = IntervalIndex::new(vec![(1, 4, 3), (2, Day::MAX, 1), (6, 8, 3)]);
        assert_eq!(people(&index.on(3)), [1, 3]);
        assert_eq!(people(&index.on(5)), [1]);
        assert_eq!(people(&index.on(7)), [1, 3]);
        index.set(1, vec![(10, 11)]);
        assert_eq!(people(&index.on(7)), [3]);
        assert_eq!(people(&index.on(10)), [1]);
    }

    #[test]
    fn periods_across_blocks_are_found_on_every_day() {
        // Short and long periods, over several blocks, some without an end.
        let mut periods = Vec::new();
        let mut seed = 7u64;
        let mut next = |below: u64| {
            seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            ((seed >> 33) % below) as Day
        };
        for person in 0..200u32 {
            for _ in 0..next(3) {
                let from = next(2000);
                let to = match next(10) {
                    0 => Day::MAX,
                    1 => from + 5000 + next(3000),
                    _ => from + next(300),
                };
                periods.push((from, to, person));
            }
        }
        let mut index = IntervalIndex::new(periods.clone());
        index.set(5, vec![(100, 120)]);
        periods.retain(|&(_, _, person)| person != 5);
        periods.push((100, 120, 5));
        for day in (0..9000).step_by(37) {
            let mut expected: Vec<u32> = periods
                .iter()
                .filter(|&&(from, to, _)| covers(from, to, day))
                .map(|&(_, _, person)| person)
                .collect();
            expected.sort_unstable();
            expected.dedup();
            assert_eq!(people(&index.on(day)), expected, "day {day}");
        }
    }

    #[test]
    fn pairs_sort_by_day_then_person() {
        let mut pairs: Vec<(Day, u32)> = (0..10_000u32)
            .map(|person| (700_000 + ((person * 7919) % 3001) as Day, person))
            .collect();
        let mut expected = pairs.clone();
        expected.sort_unstable();
        sort_by_day(&mut pairs);
        assert_eq!(pairs, expected);
    }
}
