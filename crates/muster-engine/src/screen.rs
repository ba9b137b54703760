//! Screening for a list kind: everyone at once by set algebra, or one
//! person as the reference interpreter does it; and the statuses and
//! reasons of every entry of a list.

use std::collections::{BTreeMap, HashMap};
use std::sync::OnceLock;

use chrono::NaiveDate;
use muster_cel::{Budget, Limits};
use muster_orders::{
    Effect, EntryChange, EntryStatus, IssuedOrder, OrderBook, Reason, Rule, Target,
};
use rayon::prelude::*;
use roaring::{MultiOps, RoaringBitmap};

use crate::chain::Discharges;
use crate::engine::Engine;
use crate::plan::{CompiledBook, Context, EngineError, Mode, finish};
use crate::subject::{PackedPerson, Source, TRUE};

/// What the members of a list are like, found in one pass.
struct Shape {
    /// Entry `i` is person `i`'s, for everyone.
    in_order: bool,
    all_active: bool,
    /// The day all were nominated on, if one.
    one_day: Option<NaiveDate>,
}

impl Shape {
    fn of(engine: &Engine, members: &[ListMember]) -> Shape {
        let first = members.first().map(|member| member.nominated_on);
        // Each block of members read on its own, on both cores.
        let block = |(index, members): (usize, &[ListMember])| {
            let offset = index * PARALLEL_ENTRIES;
            let (mut in_order, mut all_active, mut one_day) = (true, true, true);
            for (position, member) in members.iter().enumerate() {
                in_order &= member.person as usize == offset + position;
                all_active &= member.active;
                one_day &= Some(member.nominated_on) == first;
            }
            (in_order, all_active, one_day)
        };
        let both =
            |a: (bool, bool, bool), b: (bool, bool, bool)| (a.0 && b.0, a.1 && b.1, a.2 && b.2);
        let (in_order, all_active, one_day) = members
            .par_chunks(PARALLEL_ENTRIES)
            .enumerate()
            .map(block)
            .reduce(|| (true, true, true), both);
        Shape {
            in_order: in_order && members.len() == engine.len(),
            all_active,
            one_day: first.filter(|_| one_day),
        }
    }
}

/// Calls `each` with the members of a bitmap from `start` up to `end`
/// (excluded), in order: the bitmap's iterator moved to the range, then
/// walked container by container (`for_each`), faster than value by value.
fn each_between(bitmap: &RoaringBitmap, start: u32, end: u32, each: impl FnMut(u32)) {
    if end <= start || bitmap.is_empty() {
        return;
    }
    let mut members = bitmap.iter();
    members.advance_to(start);
    members.advance_back_to(end - 1);
    members.for_each(each);
}

/// The flag of an entry rides on the high bit of its set of reasons.
const FLAGGED: u32 = 1 << 31;

/// The most rules whose reason sets are found by bit masks.
const MASK_RULES: usize = 16;

/// From this many entries, they are made on both cores, in blocks of a
/// quarter of it.
const PARALLEL_ENTRIES: usize = 1 << 16;

/// A list rule in force on a day.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ListRule {
    pub order: String,
    pub rule: usize,
    pub effect: Effect,
    pub reason: String,
    /// The day its order was issued, and whether the order re-checks
    /// entries nominated before it.
    pub issued_on: NaiveDate,
    pub recheck: bool,
}

/// Everyone in a scope screened for a list kind on a day.
#[derive(Clone, Debug)]
pub struct Screenings {
    /// The rules in force for the kind, in order of issue.
    pub rules: Vec<ListRule>,
    /// For each rule, the people it makes not eligible.
    pub excluded_by: Vec<RoaringBitmap>,
    /// The people of the scope no rule excludes.
    pub eligible: RoaringBitmap,
}

/// One person screened: eligible, or the rules that exclude him.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PersonScreening {
    pub eligible: bool,
    pub excluding: Vec<Reason>,
}

/// Someone on a list on a day: his position, the day he was last
/// nominated, and whether he is on it still (else he was taken off).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ListMember {
    pub person: u32,
    pub nominated_on: NaiveDate,
    pub active: bool,
}

/// The statuses and reasons of every entry of a list on a day, held by
/// columns: one word per entry (its status and its set of reasons), its
/// person and nomination day only when they are not the obvious ones.
#[derive(Clone, Debug)]
pub struct ListStatuses {
    pub kind: String,
    pub day: NaiveDate,
    /// The rules in force for the kind on the day.
    pub rules: Vec<ListRule>,
    /// Each set of excluding rules met, as positions in `rules`; the first
    /// is empty.
    pub reason_sets: Vec<Vec<usize>>,
    reason_index: HashMap<Vec<usize>, u32>,
    /// Each entry's status (the top two bits) and reason set (the rest).
    states: Vec<u32>,
    /// Each entry's person; `None` when entry `i` is person `i`'s.
    persons: Option<Vec<u32>>,
    /// Each entry's nomination day, or one day for all.
    nominated: Nominated,
    /// The position of each person's entry, by the person's position;
    /// `u32::MAX` for one not on the list. `None` when entry `i` is person
    /// `i`'s, for everyone.
    positions: Option<Vec<u32>>,
}

#[derive(Clone, Debug)]
enum Nominated {
    All(NaiveDate),
    Each(Vec<NaiveDate>),
}

/// The bits of an entry's word that hold its reason set.
const REASONS: u32 = (1 << 30) - 1;

fn state_word(status: EntryStatus, reasons: u32) -> u32 {
    let status = match status {
        EntryStatus::Eligible => 0,
        EntryStatus::Excluded => 1,
        EntryStatus::Flagged => 2,
        EntryStatus::Removed => 3,
    };
    (status << 30) | (reasons & REASONS)
}

fn status_of(word: u32) -> EntryStatus {
    match word >> 30 {
        0 => EntryStatus::Eligible,
        1 => EntryStatus::Excluded,
        2 => EntryStatus::Flagged,
        _ => EntryStatus::Removed,
    }
}

/// One entry's status and the set of rules that exclude it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EntryState {
    pub person: u32,
    pub nominated_on: NaiveDate,
    pub status: EntryStatus,
    /// A position in `ListStatuses::reason_sets`.
    pub reasons: u32,
}

fn list_rules<'b>(
    book: &'b OrderBook,
    kind: &str,
    day: NaiveDate,
) -> Vec<(&'b IssuedOrder, &'b Rule)> {
    let mut rules = Vec::new();
    for issued in book.issued_by(day) {
        if !book.in_force(issued, day, day) {
            continue;
        }
        for rule in &issued.order.rules {
            if matches!(&rule.target, Target::List(own) if own == kind) {
                rules.push((issued, rule));
            }
        }
    }
    rules
}

fn list_rule(issued: &IssuedOrder, rule: &Rule) -> ListRule {
    ListRule {
        order: issued.order.id.clone(),
        rule: rule.number,
        effect: rule.effect,
        reason: rule.reason.clone(),
        issued_on: issued.issued_on,
        recheck: issued.order.recheck,
    }
}

impl ListRule {
    /// Whether the rule counts against an entry nominated on `nominated_on`.
    pub fn counts_for(&self, nominated_on: Option<NaiveDate>) -> bool {
        self.recheck || nominated_on.is_none_or(|nominated| nominated >= self.issued_on)
    }

    /// The reason an entry gives for this rule.
    pub fn reason(&self) -> Reason {
        Reason { order: self.order.clone(), rule: self.rule, reason: self.reason.clone() }
    }
}

impl Engine {
    /// Screens everyone in `scope` for lists of `kind` on `day`, as entries
    /// nominated on `nominated_on`, within the request budget: a question
    /// it stopped fails.
    pub fn screen_all(
        &self,
        book: &OrderBook,
        kind: &str,
        day: NaiveDate,
        nominated_on: Option<NaiveDate>,
        scope: &RoaringBitmap,
        budget: &Budget,
    ) -> Result<Screenings, EngineError> {
        let screenings = self.screen_within(book, kind, day, nominated_on, scope, budget);
        finish(budget, screenings)
    }

    /// `screen_all`, leaving it to the caller to refuse what a stopped
    /// budget cut short.
    pub(crate) fn screen_within(
        &self,
        book: &OrderBook,
        kind: &str,
        day: NaiveDate,
        nominated_on: Option<NaiveDate>,
        scope: &RoaringBitmap,
        budget: &Budget,
    ) -> Screenings {
        let discharges = OnceLock::new();
        self.screen_with(book, kind, day, nominated_on, scope, &discharges, budget)
    }

    #[expect(clippy::too_many_arguments, reason = "the question, and what it is asked with")]
    fn screen_with(
        &self,
        book: &OrderBook,
        kind: &str,
        day: NaiveDate,
        nominated_on: Option<NaiveDate>,
        scope: &RoaringBitmap,
        discharges: &OnceLock<Discharges>,
        budget: &Budget,
    ) -> Screenings {
        let rules = list_rules(book, kind, day);
        let context = Context { engine: self, day, mode: Mode::List { book, discharges }, budget };
        let excluded_by: Vec<RoaringBitmap> = rules
            .par_iter()
            .map(|(issued, rule)| {
                if !list_rule(issued, rule).counts_for(nominated_on) {
                    return RoaringBitmap::new();
                }
                let when = self.compile_cached(&rule.when.expr).truth(scope, &context).holds;
                let candidates = match rule.effect {
                    Effect::Exclude => when,
                    Effect::Require => scope - when,
                    Effect::Delay | Effect::Protect => return RoaringBitmap::new(),
                };
                match &rule.unless {
                    Some(unless) => {
                        let exempt =
                            self.compile_cached(&unless.expr).truth(&candidates, &context).holds;
                        candidates - exempt
                    }
                    None => candidates,
                }
            })
            .collect();
        let mut eligible = scope.clone();
        for excluded in &excluded_by {
            eligible -= excluded;
        }
        let rules = rules.iter().map(|(issued, rule)| list_rule(issued, rule)).collect();
        Screenings { rules, excluded_by, eligible }
    }

    /// Screens one person for lists of `kind` on `day`: the reference
    /// screening, over the packed columns.
    pub fn screen_person(
        &self,
        book: &OrderBook,
        person: u32,
        kind: &str,
        day: NaiveDate,
        nominated_on: Option<NaiveDate>,
    ) -> PersonScreening {
        let excluding: Vec<Reason> = self
            .excluding_rules(book, None, person, kind, day, nominated_on)
            .into_iter()
            .map(|rule| rule.reason())
            .collect();
        PersonScreening { eligible: excluding.is_empty(), excluding }
    }

    pub(crate) fn excluding_rules(
        &self,
        book: &OrderBook,
        compiled: Option<&CompiledBook>,
        person: u32,
        kind: &str,
        day: NaiveDate,
        nominated_on: Option<NaiveDate>,
    ) -> Vec<ListRule> {
        let subject = PackedPerson {
            engine: self,
            person,
            day,
            source: Source::Single { book, discharge: Default::default() },
            limits: Limits::default(),
        };
        let mut excluding = Vec::new();
        for (issued, rule) in list_rules(book, kind, day) {
            if !issued.order.recheck
                && nominated_on.is_some_and(|nominated| nominated < issued.issued_on)
            {
                continue;
            }
            let plans = self.rule_plans(compiled, &issued.order.id, rule);
            let when = plans.when.class_for(&subject) == TRUE;
            let unless =
                || plans.unless.as_ref().is_some_and(|unless| unless.class_for(&subject) == TRUE);
            let excludes = match rule.effect {
                Effect::Exclude => when && !unless(),
                Effect::Require => !when && !unless(),
                Effect::Delay | Effect::Protect => false,
            };
            if excludes {
                excluding.push(list_rule(issued, rule));
            }
        }
        excluding
    }

    /// Who is on a list on `day`, from its changes, as `muster_orders::members`
    /// gives it; people the engine does not hold are left out.
    pub fn list_members(&self, changes: &[EntryChange], day: NaiveDate) -> Vec<ListMember> {
        let mut members: Vec<ListMember> = Vec::new();
        let mut slots: Vec<u32> = vec![u32::MAX; self.len()];
        let mut last = 0u32;
        for change in changes.iter().filter(|change| change.on <= day) {
            // Changes often come in the order of ids: try the next person
            // first.
            let next = [last, last + 1]
                .into_iter()
                .find(|&candidate| {
                    (candidate as usize) < self.len() && self.ids.get(candidate) == change.person
                })
                .or_else(|| self.position(&change.person));
            let Some(person) = next else {
                continue;
            };
            last = person;
            match slots[person as usize] {
                u32::MAX if change.added => {
                    slots[person as usize] = members.len() as u32;
                    members.push(ListMember { person, nominated_on: change.on, active: true });
                }
                u32::MAX => {}
                slot => {
                    let member = &mut members[slot as usize];
                    if change.added {
                        if !member.active {
                            member.nominated_on = change.on;
                            member.active = true;
                        }
                    } else {
                        member.active = false;
                    }
                }
            }
        }
        members
    }

    /// The active members by the day they were nominated.
    fn nominated(
        &self,
        members: &[ListMember],
        shape: &Shape,
    ) -> BTreeMap<NaiveDate, RoaringBitmap> {
        let mut nominated: BTreeMap<NaiveDate, RoaringBitmap> = BTreeMap::new();
        // Everyone, in order, nominated on one day: the common case.
        if let (true, true, Some(day)) = (shape.in_order, shape.all_active, shape.one_day) {
            nominated.insert(day, self.everyone());
            return nominated;
        }
        let mut by_day: Vec<(NaiveDate, Vec<u32>)> = Vec::new();
        let mut last = 0usize;
        for member in members.iter().filter(|member| member.active) {
            if by_day.get(last).is_none_or(|(day, _)| *day != member.nominated_on) {
                last = match by_day.iter().position(|(day, _)| *day == member.nominated_on) {
                    Some(position) => position,
                    None => {
                        by_day.push((member.nominated_on, Vec::new()));
                        by_day.len() - 1
                    }
                };
            }
            by_day[last].1.push(member.person);
        }
        for (day, mut people) in by_day {
            people.sort_unstable();
            people.dedup();
            nominated.insert(day, RoaringBitmap::from_sorted_iter(people).unwrap_or_default());
        }
        nominated
    }

    /// The status and reasons of every entry of a list of `kind` on `day`,
    /// within the request budget: a question it stopped fails.
    pub fn list_statuses(
        &self,
        book: &OrderBook,
        kind: &str,
        members: &[ListMember],
        day: NaiveDate,
        budget: &Budget,
    ) -> Result<ListStatuses, EngineError> {
        let statuses = self.list_statuses_within(book, kind, members, day, budget);
        finish(budget, statuses)
    }

    /// `list_statuses`, leaving it to the caller to refuse what a stopped
    /// budget cut short.
    pub(crate) fn list_statuses_within(
        &self,
        book: &OrderBook,
        kind: &str,
        members: &[ListMember],
        day: NaiveDate,
        budget: &Budget,
    ) -> ListStatuses {
        let rules: Vec<ListRule> = list_rules(book, kind, day)
            .iter()
            .map(|(issued, rule)| list_rule(issued, rule))
            .collect();
        // The entries by the day they were nominated, then by the rules
        // that count for them.
        let shape = Shape::of(self, members);
        let nominated = self.nominated(members, &shape);
        let mut groups: BTreeMap<Vec<bool>, (NaiveDate, RoaringBitmap)> = BTreeMap::new();
        for (nominated_on, people) in &nominated {
            let counting: Vec<bool> =
                rules.iter().map(|rule| rule.counts_for(Some(*nominated_on))).collect();
            let group =
                groups.entry(counting).or_insert_with(|| (*nominated_on, RoaringBitmap::new()));
            group.1 |= people;
        }
        let discharges = OnceLock::new();
        let mut excluded_by = vec![RoaringBitmap::new(); rules.len()];
        for (nominated_on, scope) in groups.values() {
            let screenings =
                self.screen_with(book, kind, day, Some(*nominated_on), scope, &discharges, budget);
            for (own, theirs) in excluded_by.iter_mut().zip(screenings.excluded_by) {
                if own.is_empty() {
                    *own = theirs;
                } else {
                    *own |= theirs;
                }
            }
        }
        let excluded: RoaringBitmap = excluded_by.iter().union();
        // Those excluded now who were eligible when nominated are flagged.
        let mut flagged = RoaringBitmap::new();
        for (nominated_on, scope) in &nominated {
            let scope = scope & &excluded;
            if scope.is_empty() {
                continue;
            }
            let then =
                self.screen_within(book, kind, *nominated_on, Some(*nominated_on), &scope, budget);
            flagged |= then.eligible;
        }

        // Entry `i` is person `i`'s in the common case: no persons nor
        // positions to keep.
        let in_order = shape.in_order;
        let nominated_on = match (shape.one_day, members.is_empty()) {
            (_, true) => Nominated::All(day),
            (Some(one), false) => Nominated::All(one),
            (None, false) => {
                Nominated::Each(members.iter().map(|member| member.nominated_on).collect())
            }
        };
        let mut statuses = ListStatuses {
            kind: kind.to_string(),
            day,
            rules,
            reason_sets: vec![Vec::new()],
            reason_index: HashMap::from([(Vec::new(), 0)]),
            states: Vec::new(),
            persons: None,
            nominated: nominated_on,
            positions: None,
        };
        // Each person's word: eligible (zero) but for the excluded.
        let words = if statuses.rules.len() <= MASK_RULES {
            self.reason_masks(&mut statuses, &excluded_by, &excluded, &flagged)
        } else {
            self.reason_set_codes(&mut statuses, &excluded_by, &flagged)
        };
        statuses.states = if in_order && shape.all_active {
            words
        } else {
            let entry = |member: &ListMember| {
                if member.active {
                    words.get(member.person as usize).copied().unwrap_or(0)
                } else {
                    state_word(EntryStatus::Removed, 0)
                }
            };
            if members.len() >= PARALLEL_ENTRIES {
                members.par_iter().with_min_len(PARALLEL_ENTRIES / 4).map(entry).collect()
            } else {
                members.iter().map(entry).collect()
            }
        };
        if !in_order {
            statuses.persons = Some(members.iter().map(|member| member.person).collect());
            let mut positions = vec![u32::MAX; self.len()];
            for (position, member) in members.iter().enumerate() {
                if let Some(slot) = positions.get_mut(member.person as usize) {
                    *slot = position as u32;
                }
            }
            statuses.positions = Some(positions);
        }
        statuses
    }

    /// Each person's word (status and reason set), when the rules are few
    /// enough for a bit mask: each block of people on its own, on both
    /// cores, its rules' bits set person by person, then the masks met
    /// replaced by their sets' positions; only the excluded are read and
    /// written, the others stay eligible (zero).
    fn reason_masks(
        &self,
        statuses: &mut ListStatuses,
        excluded_by: &[RoaringBitmap],
        excluded: &RoaringBitmap,
        flagged: &RoaringBitmap,
    ) -> Vec<u32> {
        const BLOCK: usize = 1 << 16;
        let mut words = vec![0u32; self.len()];
        let met: Vec<Vec<u32>> = words
            .par_chunks_mut(BLOCK)
            .enumerate()
            .map(|(block, words)| {
                let start = (block * BLOCK) as u32;
                let end = start + words.len() as u32;
                for (rule, people) in excluded_by.iter().enumerate() {
                    each_between(people, start, end, |person| {
                        words[(person - start) as usize] |= 1 << rule;
                    });
                }
                // The masks met in the block.
                let mut seen = vec![0u64; (1usize << MASK_RULES) / 64];
                let mut met = Vec::new();
                each_between(excluded, start, end, |person| {
                    let mask = words[(person - start) as usize];
                    let (word, bit) = ((mask / 64) as usize, mask % 64);
                    if seen[word] & (1 << bit) == 0 {
                        seen[word] |= 1 << bit;
                        met.push(mask);
                    }
                });
                met
            })
            .collect();
        let mut met: Vec<u32> = met.concat();
        met.sort_unstable();
        met.dedup();
        let mut codes = vec![0u32; 1 << MASK_RULES];
        for mask in met {
            let set: Vec<usize> = (0..MASK_RULES).filter(|&rule| mask & (1 << rule) != 0).collect();
            codes[mask as usize] = statuses.intern(set);
        }
        words.par_chunks_mut(BLOCK).enumerate().for_each(|(block, words)| {
            let start = (block * BLOCK) as u32;
            let end = start + words.len() as u32;
            // Every excluded one first, then the flagged among them.
            each_between(excluded, start, end, |person| {
                let slot = &mut words[(person - start) as usize];
                *slot = state_word(EntryStatus::Excluded, codes[*slot as usize]);
            });
            each_between(flagged, start, end, |person| {
                let slot = &mut words[(person - start) as usize];
                *slot = state_word(EntryStatus::Flagged, *slot & REASONS);
            });
        });
        words
    }

    /// Each person's word, for any number of rules: rule after rule, each
    /// person's set so far and the rule give his next.
    fn reason_set_codes(
        &self,
        statuses: &mut ListStatuses,
        excluded_by: &[RoaringBitmap],
        flagged: &RoaringBitmap,
    ) -> Vec<u32> {
        let mut sets = vec![0u32; self.len()];
        for (rule, people) in excluded_by.iter().enumerate() {
            let mut next: Vec<u32> = Vec::new();
            for person in people {
                let slot = &mut sets[person as usize];
                let old = *slot as usize;
                if next.len() <= old {
                    next.resize(old + 1, u32::MAX);
                }
                if next[old] == u32::MAX {
                    let mut set = statuses.reason_sets[old].clone();
                    set.push(rule);
                    next[old] = statuses.intern(set);
                }
                *slot = next[old];
            }
        }
        for person in flagged {
            if let Some(set) = sets.get_mut(person as usize) {
                *set |= FLAGGED;
            }
        }
        for set in &mut sets {
            let reasons = *set & !FLAGGED;
            let status = if reasons == 0 {
                EntryStatus::Eligible
            } else if *set & FLAGGED != 0 {
                EntryStatus::Flagged
            } else {
                EntryStatus::Excluded
            };
            *set = state_word(status, reasons);
        }
        sets
    }

    /// One entry's status and reasons, computed for him alone.
    pub(crate) fn entry_state(
        &self,
        book: &OrderBook,
        compiled: &CompiledBook,
        statuses: &mut ListStatuses,
        person: u32,
        nominated_on: NaiveDate,
    ) -> (EntryStatus, u32) {
        let kind = statuses.kind.clone();
        let day = statuses.day;
        let excluding =
            self.excluding_rules(book, Some(compiled), person, &kind, day, Some(nominated_on));
        if excluding.is_empty() {
            return (EntryStatus::Eligible, 0);
        }
        let set: Vec<usize> = excluding
            .iter()
            .filter_map(|rule| statuses.rules.iter().position(|own| own == rule))
            .collect();
        let reasons = statuses.intern(set);
        let then = self.excluding_rules(
            book,
            Some(compiled),
            person,
            &kind,
            nominated_on,
            Some(nominated_on),
        );
        let status = if then.is_empty() { EntryStatus::Flagged } else { EntryStatus::Excluded };
        (status, reasons)
    }
}

impl ListStatuses {
    fn intern(&mut self, set: Vec<usize>) -> u32 {
        if let Some(&position) = self.reason_index.get(&set) {
            return position;
        }
        let position = self.reason_sets.len() as u32;
        self.reason_sets.push(set.clone());
        self.reason_index.insert(set, position);
        position
    }

    /// The number of entries.
    pub fn len(&self) -> usize {
        self.states.len()
    }

    /// Whether the list has no entries.
    pub fn is_empty(&self) -> bool {
        self.states.is_empty()
    }

    /// The entry at a position, in the order of the members given.
    pub fn entry_at(&self, position: usize) -> Option<EntryState> {
        let word = *self.states.get(position)?;
        let person = match &self.persons {
            Some(persons) => *persons.get(position)?,
            None => position as u32,
        };
        let nominated_on = match &self.nominated {
            Nominated::All(day) => *day,
            Nominated::Each(days) => *days.get(position)?,
        };
        Some(EntryState { person, nominated_on, status: status_of(word), reasons: word & REASONS })
    }

    /// Every entry, in the order of the members given.
    pub fn entries(&self) -> impl Iterator<Item = EntryState> + '_ {
        (0..self.len()).filter_map(|position| self.entry_at(position))
    }

    /// The number of entries with a status, without making them.
    pub fn count(&self, status: EntryStatus) -> usize {
        let word = state_word(status, 0) >> 30;
        self.states.iter().filter(|&&state| state >> 30 == word).count()
    }

    /// The reasons of an entry, as the reference gives them.
    pub fn reasons(&self, entry: &EntryState) -> Vec<Reason> {
        self.reason_sets
            .get(entry.reasons as usize)
            .map(|set| {
                set.iter().filter_map(|&rule| self.rules.get(rule)).map(ListRule::reason).collect()
            })
            .unwrap_or_default()
    }

    /// A person's entry, if he is on the list.
    pub fn entry(&self, person: u32) -> Option<EntryState> {
        self.position(person).and_then(|position| self.entry_at(position))
    }

    /// Gives the entry at a position another status and reason set.
    pub(crate) fn set_state(&mut self, position: usize, status: EntryStatus, reasons: u32) {
        if let Some(state) = self.states.get_mut(position) {
            *state = state_word(status, reasons);
        }
    }

    /// The position of a person's entry, if he is on the list.
    pub(crate) fn position(&self, person: u32) -> Option<usize> {
        match &self.positions {
            Some(positions) => {
                let position = *positions.get(person as usize)?;
                (position != u32::MAX).then_some(position as usize)
            }
            None => ((person as usize) < self.states.len()).then_some(person as usize),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn members_between_two_values_are_walked_in_order() {
        // Sparse and dense containers, and ranges within, across and
        // outside them.
        let mut bitmap: RoaringBitmap = (0..300_000u32).filter(|value| value % 7 == 0).collect();
        bitmap.insert_range(400_000..470_000);
        bitmap.insert(1 << 20);
        let ranges = [
            (0, 1 << 16),
            (1 << 16, 2 << 16),
            (5 << 16, 6 << 16),
            (6 << 16, 7 << 16),
            (7 << 16, 17 << 16),
            (12_345, 398_765),
            (1 << 20, (1 << 20) + 1),
            (2 << 20, 3 << 20),
            (10, 10),
        ];
        for (start, end) in ranges {
            let mut walked = Vec::new();
            each_between(&bitmap, start, end, |value| walked.push(value));
            let expected: Vec<u32> =
                bitmap.iter().filter(|value| (start..end).contains(value)).collect();
            assert_eq!(walked, expected, "{start}..{end}");
        }
    }
}
