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
        by_date.sort_unstable();
        let mut people: Vec<u32> = by_date.iter().map(|&(_, person)| person).collect();
        people.sort_unstable();
        let ever = RoaringBitmap::from_sorted_iter(people).unwrap_or_default();
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

/// The people who are somewhere between two days: each period with its
/// person, in the order of their first days; those without an end apart.
#[derive(Clone, Debug, Default)]
pub(crate) struct IntervalIndex {
    /// Periods with an end, by first day.
    periods: Vec<(Day, Day, u32)>,
    /// The longest of them, in days: a period that covers a day began at
    /// most this long before it.
    longest: Day,
    /// Periods without an end, by first day.
    open: Vec<(Day, u32)>,
    patched: HashMap<u32, Vec<(Day, Day)>>,
    /// Everyone with a period.
    ever: RoaringBitmap,
}

impl IntervalIndex {
    pub(crate) fn new(periods: Vec<(Day, Day, u32)>) -> IntervalIndex {
        let ever = periods.iter().map(|&(_, _, person)| person).collect();
        let (open, mut periods): (Vec<_>, Vec<_>) =
            periods.into_iter().partition(|&(_, to, _)| to == Day::MAX);
        let mut open: Vec<(Day, u32)> =
            open.into_iter().map(|(from, _, person)| (from, person)).collect();
        open.sort_unstable();
        periods.sort_unstable();
        let longest =
            periods.iter().map(|&(from, to, _)| to.saturating_sub(from)).max().unwrap_or(0);
        IntervalIndex { periods, longest, open, patched: HashMap::new(), ever }
    }

    /// Everyone with a period.
    pub(crate) fn ever(&self) -> &RoaringBitmap {
        &self.ever
    }

    /// The people within a period on `day`.
    pub(crate) fn on(&self, day: Day) -> RoaringBitmap {
        let unpatched =
            |person: &u32| self.patched.is_empty() || !self.patched.contains_key(person);
        let earliest = day.saturating_sub(self.longest);
        let start = self.periods.partition_point(|&(from, _, _)| from < earliest);
        let end = self.periods.partition_point(|&(from, _, _)| from <= day);
        let mut people: Vec<u32> = self.periods[start..end.max(start)]
            .iter()
            .filter(|&&(from, to, person)| covers(from, to, day) && unpatched(&person))
            .map(|&(_, _, person)| person)
            .collect();
        let open_end = self.open.partition_point(|&(from, _)| from <= day);
        people.extend(
            self.open[..open_end]
                .iter()
                .map(|&(_, person)| person)
                .filter(|person| unpatched(person)),
        );
        for (&person, periods) in &self.patched {
            if periods.iter().any(|&(from, to)| covers(from, to, day)) {
                people.push(person);
            }
        }
        people.sort_unstable();
        people.dedup();
        RoaringBitmap::from_sorted_iter(people).unwrap_or_default()
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
        self.periods.capacity() * 12
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
}
