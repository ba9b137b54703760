//! Conditions compiled into set algebra.
//!
//! A condition is cut at its `&&`, `||`, `!` and `? :` into parts that
//! each read one thing of a person: one field (a key column, such as
//! `home_province`, or `age`), or one method with a literal argument (such
//! as `served_in("sgc")`). Such a part takes few values over all people, so
//! the reference interpreter evaluates it once per value, and the people it
//! holds for are the union of the bitmaps of the values it holds for (or,
//! for a method, its index on the day). A part with no read of a person is
//! evaluated once. A part that reads more than one thing is evaluated per
//! person, by the reference interpreter over the packed columns: the only
//! fallback.
//!
//! Every part has three outcomes, as in CEL: it holds, it does not, or it
//! fails (an error, or a value that is not a bool). The parts are combined
//! with CEL's rules for errors, so that the sets are exactly those the
//! reference interpreter decides.
//!
//! Every evaluation is made within the limits of muster-cel: the default
//! limit of one evaluation, and the request budget of the question. An
//! evaluation the request budget stopped counts as failed inside, and the
//! public question that finds its budget stopped fails as a whole
//! (`EngineError::Stopped`) rather than answer in part. Outcomes computed
//! under a stopped budget are never cached.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use chrono::NaiveDate;
use muster_cel::{
    BinaryOperator, Budget, Expr, ExprKind, Limits, Literal, Stop, UnaryOperator, Value,
};
use muster_core::{EventKind, Status};
use muster_orders::OrderBook;
use rayon::prelude::*;
use roaring::MultiOps;
use roaring::RoaringBitmap;

use crate::chain::Discharges;
use crate::engine::{Engine, Key};
use crate::people::{Cell, KeyColumn, covers, day_number};
use crate::subject::{
    ERROR, FALSE, KeySubject, MethodSubject, PackedPerson, Source, TRUE, age_on, evaluate_class,
    may_keep,
};

/// A question the engine did not answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum EngineError {
    /// The request budget stopped the evaluation of its conditions (spent,
    /// past its deadline, or cancelled): an answer would be partial.
    #[error("the question was stopped: {0}")]
    Stopped(#[from] Stop),
}

/// The answer of a question, unless its budget has stopped: then some
/// evaluation of it may have been cut short.
pub(crate) fn finish<T>(budget: &Budget, answer: T) -> Result<T, EngineError> {
    match budget.stopped() {
        Some(stop) => Err(EngineError::Stopped(stop)),
        None => Ok(answer),
    }
}

/// A condition compiled against an engine.
pub struct Plan {
    root: Node,
}

/// What a part of a condition reads of a person.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Atom {
    Key(Key),
    Method { method: String, argument: String },
}

enum Node {
    /// A part that reads nothing of a person.
    Constant(Expr),
    /// A part that reads one thing of a person.
    Table(Box<Table>),
    Not(Box<Node>),
    And(Box<Node>, Box<Node>),
    Or(Box<Node>, Box<Node>),
    Choose(Box<Node>, Box<Node>, Box<Node>),
    /// A part evaluated per person; `discharge` when it reads `status` or
    /// `delayed_by`.
    Scan {
        expr: Expr,
        discharge: bool,
    },
}

struct Table {
    atom: Atom,
    expr: Expr,
    /// Whether its outcome for a value depends on the day: it reads `age`
    /// or `today`.
    daily: bool,
    /// The outcome per value, for a table that does not depend on the day.
    cache: Mutex<Option<Arc<Vec<u8>>>>,
    /// The outcome per value of `born` for `age`, on the last day asked,
    /// with the number of values then.
    daily_cache: Mutex<DailyClasses>,
}

type DailyClasses = Option<(NaiveDate, usize, Arc<Vec<u8>>)>;

/// The outcome of a condition over a scope: the people it holds for, and
/// those it fails for; it does not hold for the rest of the scope.
#[derive(Clone, Debug, Default)]
pub(crate) struct Truth {
    pub(crate) holds: RoaringBitmap,
    pub(crate) fails: RoaringBitmap,
}

/// How `status` and `delayed_by` are answered while evaluating.
#[derive(Clone, Copy)]
pub(crate) enum Mode<'a> {
    /// Inside the discharge chains: the delays so far; no status.
    Chain(&'a HashMap<String, RoaringBitmap>),
    /// For list rules: everyone's discharges as of the day, computed when
    /// first needed.
    List { book: &'a OrderBook, discharges: &'a OnceLock<Discharges> },
}

/// What a plan is evaluated with.
#[derive(Clone, Copy)]
pub(crate) struct Context<'a> {
    pub(crate) engine: &'a Engine,
    pub(crate) day: NaiveDate,
    pub(crate) mode: Mode<'a>,
    /// The budget of the request, which every evaluation spends.
    pub(crate) budget: &'a Budget,
}

impl Engine {
    /// Compiles a condition.
    pub fn compile(&self, expr: &Expr) -> Plan {
        Plan { root: compile(expr) }
    }

    /// The people a condition holds for on `day`, with the orders of `book`
    /// for the reads of `status` and `delayed_by`, within the request
    /// budget: a question it stopped fails.
    pub fn select(
        &self,
        plan: &Plan,
        book: &OrderBook,
        day: NaiveDate,
        budget: &Budget,
    ) -> Result<RoaringBitmap, EngineError> {
        let discharges = OnceLock::new();
        let context = Context {
            engine: self,
            day,
            mode: Mode::List { book, discharges: &discharges },
            budget,
        };
        let selected = plan.truth(&self.everyone(), &context).holds;
        finish(budget, selected)
    }

    /// The people a condition holds for on `day`, and those for whom it
    /// fails to evaluate (neither true nor false).
    pub fn select_with_failures(
        &self,
        plan: &Plan,
        book: &OrderBook,
        day: NaiveDate,
        budget: &Budget,
    ) -> Result<(RoaringBitmap, RoaringBitmap), EngineError> {
        let discharges = OnceLock::new();
        let context = Context {
            engine: self,
            day,
            mode: Mode::List { book, discharges: &discharges },
            budget,
        };
        let truth = plan.truth(&self.everyone(), &context);
        finish(budget, (truth.holds, truth.fails))
    }
}

impl<'a> Context<'a> {
    /// The limits of each evaluation: the default limit of one, and the
    /// request budget.
    pub(crate) fn limits(&self) -> Limits<'a> {
        Limits::request(self.budget)
    }

    /// Everyone's discharges on the context's day, within its budget.
    pub(crate) fn discharges(&self, book: &OrderBook) -> Discharges {
        self.engine.discharges_within(book, self.day, self.budget)
    }
}

impl Plan {
    /// Whether any part is evaluated per person.
    pub fn scans(&self) -> bool {
        self.root.scans()
    }

    pub(crate) fn truth(&self, scope: &RoaringBitmap, context: &Context<'_>) -> Truth {
        self.root.truth(scope, context)
    }
}

/// A rule's conditions, compiled.
pub(crate) struct CompiledRule {
    pub(crate) when: Arc<Plan>,
    pub(crate) unless: Option<Arc<Plan>>,
}

/// Every rule of a book, compiled, by order id and rule number.
#[derive(Default)]
pub(crate) struct CompiledBook {
    /// By order id, then by rule number.
    rules: HashMap<String, Vec<(usize, CompiledRule)>>,
}

impl CompiledBook {
    pub(crate) fn get(&self, order: &str, rule: usize) -> Option<&CompiledRule> {
        self.rules
            .get(order)?
            .iter()
            .find(|(number, _)| *number == rule)
            .map(|(_, compiled)| compiled)
    }
}

impl Engine {
    /// Compiles every rule of a book.
    pub(crate) fn compile_book(&self, book: &OrderBook) -> CompiledBook {
        let mut compiled = CompiledBook::default();
        for issued in book.all() {
            for rule in &issued.order.rules {
                compiled.rules.entry(issued.order.id.clone()).or_default().push((
                    rule.number,
                    CompiledRule {
                        when: self.compile_cached(&rule.when.expr),
                        unless: rule
                            .unless
                            .as_ref()
                            .map(|unless| self.compile_cached(&unless.expr)),
                    },
                ));
            }
        }
        compiled
    }

    /// A rule's conditions, from the compiled book or compiled now.
    pub(crate) fn rule_plans(
        &self,
        compiled: Option<&CompiledBook>,
        order: &str,
        rule: &muster_orders::Rule,
    ) -> CompiledRule {
        if let Some(found) = compiled.and_then(|compiled| compiled.get(order, rule.number)) {
            return CompiledRule { when: found.when.clone(), unless: found.unless.clone() };
        }
        CompiledRule {
            when: self.compile_cached(&rule.when.expr),
            unless: rule.unless.as_ref().map(|unless| self.compile_cached(&unless.expr)),
        }
    }
}

impl Plan {
    /// The outcome for one person: `TRUE`, `FALSE` or `ERROR`.
    pub(crate) fn class_for(&self, subject: &PackedPerson<'_>) -> u8 {
        self.root.class_for(subject)
    }
}

impl Node {
    fn class_for(&self, subject: &PackedPerson<'_>) -> u8 {
        let day = subject.day;
        let limits = subject.limits;
        match self {
            Node::Constant(expr) => evaluate_class(expr, None, day, limits),
            Node::Scan { expr, .. } => evaluate_class(expr, Some(subject), day, limits),
            Node::Table(table) => table.class_for(subject),
            Node::Not(inner) => match inner.class_for(subject) {
                TRUE => FALSE,
                FALSE => TRUE,
                _ => ERROR,
            },
            Node::And(left, right) => {
                let left = left.class_for(subject);
                if left == FALSE {
                    return FALSE;
                }
                match right.class_for(subject) {
                    FALSE => FALSE,
                    TRUE if left == TRUE => TRUE,
                    _ => ERROR,
                }
            }
            Node::Or(left, right) => {
                let left = left.class_for(subject);
                if left == TRUE {
                    return TRUE;
                }
                match right.class_for(subject) {
                    TRUE => TRUE,
                    FALSE if left == FALSE => FALSE,
                    _ => ERROR,
                }
            }
            Node::Choose(condition, then, otherwise) => match condition.class_for(subject) {
                TRUE => then.class_for(subject),
                FALSE => otherwise.class_for(subject),
                _ => ERROR,
            },
        }
    }
}

impl Table {
    fn class_for(&self, subject: &PackedPerson<'_>) -> u8 {
        let engine = subject.engine;
        let day = subject.day;
        let limits = subject.limits;
        match &self.atom {
            Atom::Key(key) if !self.daily && *key != Key::Status => {
                let Some(column) = key.column().and_then(|column| engine.keys.get(column)) else {
                    return ERROR;
                };
                let classes = self.key_classes(*key, column, day, limits);
                let code = column.codes.get(subject.person as usize).copied().unwrap_or(0);
                classes.get(code as usize).copied().unwrap_or(ERROR)
            }
            Atom::Method { method, argument } if !self.daily => {
                let classes = self.cached(2, limits, || {
                    [false, true]
                        .into_iter()
                        .map(|answer| {
                            let stand_in = MethodSubject { method, argument, answer };
                            evaluate_class(&self.expr, Some(&stand_in), day, limits)
                        })
                        .collect()
                });
                let value = Value::String(argument.clone());
                match muster_cel::Subject::call(subject, method, &value) {
                    Some(Ok(Value::Bool(answer))) => classes[usize::from(answer)],
                    _ => ERROR,
                }
            }
            _ => evaluate_class(&self.expr, Some(subject), day, limits),
        }
    }
}

impl Node {
    fn scans(&self) -> bool {
        match self {
            Node::Constant(_) | Node::Table(_) => false,
            Node::Scan { .. } => true,
            Node::Not(inner) => inner.scans(),
            Node::And(left, right) | Node::Or(left, right) => left.scans() || right.scans(),
            Node::Choose(condition, then, otherwise) => {
                condition.scans() || then.scans() || otherwise.scans()
            }
        }
    }

    fn truth(&self, scope: &RoaringBitmap, context: &Context<'_>) -> Truth {
        if scope.is_empty() {
            return Truth::default();
        }
        match self {
            Node::Constant(expr) => match evaluate_class(expr, None, context.day, context.limits())
            {
                TRUE => Truth { holds: scope.clone(), fails: RoaringBitmap::new() },
                FALSE => Truth::default(),
                _ => Truth { holds: RoaringBitmap::new(), fails: scope.clone() },
            },
            Node::Table(table) => table.truth(scope, context),
            Node::Not(inner) => {
                let inner = inner.truth(scope, context);
                let mut holds = scope - &inner.holds;
                if !inner.fails.is_empty() {
                    holds -= &inner.fails;
                }
                Truth { holds, fails: inner.fails }
            }
            Node::And(left, right) => {
                // Where the left does not hold, neither does the whole;
                // elsewhere the right decides, or fails.
                let left = left.truth(scope, context);
                if left.fails.is_empty() {
                    // The right is evaluated where the left holds: there,
                    // the whole is the right.
                    return right.truth(&left.holds, context);
                }
                let rest = &left.holds | &left.fails;
                let right = right.truth(&rest, context);
                let holds = &left.holds & &right.holds;
                let fails = right.fails | (right.holds & &left.fails);
                Truth { holds, fails }
            }
            Node::Or(left, right) => {
                let left = left.truth(scope, context);
                let rest = scope - &left.holds;
                let right = right.truth(&rest, context);
                let holds = &left.holds | &right.holds;
                let right_false = &rest - &right.holds - &right.fails;
                let left_false = &rest - &left.fails;
                let fails = rest - &right.holds - (left_false & right_false);
                Truth { holds, fails }
            }
            Node::Choose(condition, then, otherwise) => {
                let condition = condition.truth(scope, context);
                let condition_false = scope - &condition.holds - &condition.fails;
                let then = then.truth(&condition.holds, context);
                let otherwise = otherwise.truth(&condition_false, context);
                Truth {
                    holds: then.holds | otherwise.holds,
                    fails: condition.fails | then.fails | otherwise.fails,
                }
            }
            Node::Scan { expr, discharge } => {
                let engine = context.engine;
                let day = context.day;
                let limits = context.limits();
                let empty: &[String] = &[];
                partition(engine, scope, |person| {
                    let source = match context.mode {
                        Mode::Chain(sets) => Source::ChainSets(sets),
                        Mode::List { book, discharges } if *discharge => {
                            Source::Bulk(discharges.get_or_init(|| context.discharges(book)))
                        }
                        Mode::List { .. } => Source::ChainList(empty),
                    };
                    let subject = PackedPerson { engine, person, day, source, limits };
                    evaluate_class(expr, Some(&subject), day, limits)
                })
            }
        }
    }
}

impl Table {
    fn truth(&self, scope: &RoaringBitmap, context: &Context<'_>) -> Truth {
        let engine = context.engine;
        let day = context.day;
        let limits = context.limits();
        match &self.atom {
            Atom::Key(Key::Status) => {
                let sets = match context.mode {
                    Mode::Chain(_) => {
                        let class = evaluate_class(
                            &self.expr,
                            Some(&KeySubject { key: Key::Status, value: Value::Null }),
                            day,
                            limits,
                        );
                        return whole(scope, class);
                    }
                    Mode::List { book, discharges } => {
                        discharges.get_or_init(|| context.discharges(book)).statuses(engine)
                    }
                };
                let mut truth = Truth::default();
                for (status, members) in Status::ALL.iter().zip(sets) {
                    let value = Value::String(status.as_str().to_string());
                    let subject = KeySubject { key: Key::Status, value };
                    match evaluate_class(&self.expr, Some(&subject), day, limits) {
                        TRUE => truth.holds |= members & scope,
                        FALSE => {}
                        _ => truth.fails |= members & scope,
                    }
                }
                truth
            }
            Atom::Key(key) => {
                let Some(column) = key.column().and_then(|column| engine.keys.get(column)) else {
                    return Truth::default();
                };
                let classes = self.key_classes(*key, column, day, limits);
                select(engine, column, &classes, scope)
            }
            Atom::Method { method, argument } => {
                let classes = self.cached(2, limits, || {
                    [false, true]
                        .into_iter()
                        .map(|answer| {
                            let subject = MethodSubject { method, argument, answer };
                            evaluate_class(&self.expr, Some(&subject), day, limits)
                        })
                        .collect()
                });
                let (when_false, when_true) = (classes[0], classes[1]);
                if when_false == when_true {
                    return whole(scope, when_true);
                }
                let holding = engine.method_set(method, argument, scope, context);
                let mut truth = Truth::default();
                // Those for whom it does not hold, only when they count.
                let others = (when_false != FALSE).then(|| scope - &holding);
                for (class, members) in [(when_true, Some(holding)), (when_false, others)] {
                    match (class, members) {
                        (TRUE, Some(members)) => truth.holds = members,
                        (FALSE, _) | (_, None) => {}
                        (_, Some(members)) => truth.fails = members,
                    }
                }
                truth
            }
        }
    }

    /// The outcome per code of the key's column.
    fn key_classes(
        &self,
        key: Key,
        column: &KeyColumn,
        day: NaiveDate,
        limits: Limits<'_>,
    ) -> Arc<Vec<u8>> {
        let evaluate = |value: Value| {
            evaluate_class(&self.expr, Some(&KeySubject { key, value }), day, limits)
        };
        if key == Key::Age {
            if let Ok(cache) = self.daily_cache.lock()
                && let Some((cached_day, values, classes)) = cache.as_ref()
                && *cached_day == day
                && *values == column.cells.len()
            {
                return classes.clone();
            }
            let mut by_age: HashMap<i64, u8> = HashMap::new();
            let classes: Vec<u8> = column
                .cells
                .iter()
                .map(|cell| {
                    let Cell::Date(Some(born)) = cell else {
                        return ERROR;
                    };
                    let age = age_on(*born, day);
                    *by_age.entry(age).or_insert_with(|| evaluate(Value::Int(age)))
                })
                .collect();
            let classes = Arc::new(classes);
            if may_keep(limits)
                && let Ok(mut cache) = self.daily_cache.lock()
            {
                *cache = Some((day, column.cells.len(), classes.clone()));
            }
            return classes;
        }
        self.cached(column.cells.len(), limits, || {
            column.cells.iter().map(|cell| evaluate(cell.value())).collect()
        })
    }

    /// The outcomes per value, from the cache when they do not depend on
    /// the day and the values are the same; kept in the cache unless the
    /// request budget stopped while they were computed.
    fn cached(
        &self,
        values: usize,
        limits: Limits<'_>,
        compute: impl FnOnce() -> Vec<u8>,
    ) -> Arc<Vec<u8>> {
        if self.daily {
            return Arc::new(compute());
        }
        let Ok(mut cache) = self.cache.lock() else {
            return Arc::new(compute());
        };
        if let Some(classes) = cache.as_ref()
            && classes.len() == values
        {
            return classes.clone();
        }
        let classes = Arc::new(compute());
        if may_keep(limits) {
            *cache = Some(classes.clone());
        }
        classes
    }
}

/// The intersection of two sets; when one is much smaller, each of its
/// members is probed in the other, instead of walking both.
fn intersect(left: &RoaringBitmap, right: &RoaringBitmap) -> RoaringBitmap {
    let (small, large) = if left.len() <= right.len() { (left, right) } else { (right, left) };
    // Roaring intersects an array with a dense container by bit tests,
    // but two arrays by walking both.
    let containers = u64::from(large.max().unwrap_or(0) >> 16) + 1;
    let sparse = large.len() < containers * 4096;
    if sparse && small.len() * 16 < large.len() {
        let both = small.iter().filter(|&person| large.contains(person));
        RoaringBitmap::from_sorted_iter(both).unwrap_or_default()
    } else {
        left & right
    }
}

/// The whole scope in one class.
fn whole(scope: &RoaringBitmap, class: u8) -> Truth {
    match class {
        TRUE => Truth { holds: scope.clone(), fails: RoaringBitmap::new() },
        FALSE => Truth::default(),
        _ => Truth { holds: RoaringBitmap::new(), fails: scope.clone() },
    }
}

/// The people of the scope by the class of their value in a key column:
/// by unions of the values' bitmaps when few values are involved, else by
/// a scan of the column.
fn select(engine: &Engine, column: &KeyColumn, classes: &[u8], scope: &RoaringBitmap) -> Truth {
    let class_of = |person: u32| {
        let code = column.codes.get(person as usize).copied().unwrap_or(0);
        classes.get(code as usize).copied().unwrap_or(ERROR)
    };
    // A tiny scope is read person by person.
    if scope.len() < 4096 {
        return partition(engine, scope, class_of);
    }
    let mut counts = [0u64; 3];
    let mut codes: [Vec<usize>; 3] = [Vec::new(), Vec::new(), Vec::new()];
    for (code, &class) in classes.iter().enumerate() {
        let class = usize::from(class.min(ERROR));
        counts[class] += u64::from(column.sizes.get(code).copied().unwrap_or(0));
        codes[class].push(code);
    }
    let majority = (0..3).max_by_key(|&class| counts[class]).unwrap_or(0);
    let minorities = [TRUE, ERROR].into_iter().filter(|&class| usize::from(class) != majority);
    let involved = minorities.clone().map(|class| codes[usize::from(class)].len()).sum::<usize>()
        + if majority == usize::from(FALSE) { 0 } else { codes[usize::from(FALSE)].len() };
    // A small scope, against many values' bitmaps, is read person by
    // person too; against a few values' bitmaps (such as `sex == "F"`),
    // it is intersected with them.
    let small = scope.len() * 16 < engine.len() as u64;
    if (small && involved > 8) || (involved > 512 && column.buckets.is_none()) {
        return partition(engine, scope, class_of);
    }
    let union = |class: usize| -> RoaringBitmap {
        let set = match &column.buckets {
            Some(buckets) if codes[class].len() > 64 => {
                // Whole buckets where every code is of the class, codes
                // one by one elsewhere.
                let mut whole = vec![0u32; buckets.codes.len()];
                for &code in &codes[class] {
                    if let Some(&bucket) = buckets.of_code.get(code) {
                        whole[bucket as usize] += 1;
                    }
                }
                let full: Vec<usize> = (0..buckets.codes.len())
                    .filter(|&bucket| buckets.codes[bucket].len() == whole[bucket] as usize)
                    .collect();
                // Runs of consecutive years, each one difference of two
                // cumulative sets (while the years are those of the build).
                let mut runs: Vec<RoaringBitmap> = Vec::new();
                let mut single: Vec<&RoaringBitmap> = Vec::new();
                if buckets.cumulative.is_some() && buckets.rank.len() == buckets.codes.len() {
                    let mut ranks: Vec<u32> =
                        full.iter().map(|&bucket| buckets.rank[bucket]).collect();
                    ranks.sort_unstable();
                    let mut start = 0;
                    while start < ranks.len() {
                        let mut end = start;
                        while end + 1 < ranks.len() && ranks[end + 1] == ranks[end] + 1 {
                            end += 1;
                        }
                        runs.extend(buckets.run(ranks[start], ranks[end]));
                        start = end + 1;
                    }
                } else {
                    single.extend(full.iter().map(|&bucket| &buckets.members[bucket]));
                }
                let full = runs.iter().chain(single);
                let partial = codes[class]
                    .iter()
                    .filter(|&&code| {
                        buckets.of_code.get(code).is_some_and(|&bucket| {
                            buckets.codes[bucket as usize].len() != whole[bucket as usize] as usize
                        })
                    })
                    .filter_map(|&code| column.members.get(code));
                full.chain(partial).collect::<Vec<&RoaringBitmap>>().union()
            }
            _ => codes[class].iter().filter_map(|&code| column.members.get(code)).union(),
        };
        intersect(&set, scope)
    };
    let mut truth = Truth::default();
    for class in minorities {
        let members = union(usize::from(class));
        if class == TRUE {
            truth.holds = members;
        } else {
            truth.fails = members;
        }
    }
    match majority as u8 {
        TRUE => {
            let others = union(usize::from(FALSE));
            truth.holds = scope - &truth.fails - others;
        }
        ERROR => {
            let others = union(usize::from(FALSE));
            truth.fails = scope - &truth.holds - others;
        }
        _ => {}
    }
    truth
}

/// The scope split by the class of each person, on both cores when it is
/// large.
fn partition(engine: &Engine, scope: &RoaringBitmap, class_of: impl Fn(u32) -> u8 + Sync) -> Truth {
    const CHUNK: u32 = 1 << 16;
    let split = |people: &mut dyn Iterator<Item = u32>| {
        let mut holds = Vec::new();
        let mut fails = Vec::new();
        for person in people {
            match class_of(person) {
                TRUE => holds.push(person),
                FALSE => {}
                _ => fails.push(person),
            }
        }
        Truth {
            holds: RoaringBitmap::from_sorted_iter(holds).unwrap_or_default(),
            fails: RoaringBitmap::from_sorted_iter(fails).unwrap_or_default(),
        }
    };
    if scope.len() < u64::from(CHUNK) {
        return split(&mut scope.iter());
    }
    let people = engine.len() as u32;
    let full = scope.len() == u64::from(people);
    let chunks: Vec<Truth> = (0..people.div_ceil(CHUNK))
        .into_par_iter()
        .map(|chunk| {
            let start = chunk * CHUNK;
            let end = (start + CHUNK).min(people);
            if full {
                split(&mut (start..end))
            } else {
                let mut range = RoaringBitmap::new();
                range.insert_range(start..end);
                split(&mut (range & scope).iter())
            }
        })
        .collect();
    let mut truth = Truth::default();
    for chunk in chunks {
        truth.holds |= chunk.holds;
        truth.fails |= chunk.fails;
    }
    truth
}

impl Engine {
    /// The people of the scope for whom a method holds on the context's
    /// day.
    fn method_set(
        &self,
        method: &str,
        argument: &str,
        scope: &RoaringBitmap,
        context: &Context<'_>,
    ) -> RoaringBitmap {
        let day = day_number(context.day);
        // A small scope: those of it for whom the fact ever holds, each
        // checked against his own rows, costs less than the index on the
        // day.
        let small = |ever: &RoaringBitmap| match method {
            // The periods of a site around a day are few: its index pays
            // but for a tiny scope.
            "deployed_at" => scope.len() < 1024,
            _ => scope.len() * 2 < ever.len(),
        };
        if method != "delayed_by"
            && let Some(ever) = self.ever(method, argument)
            && small(ever)
        {
            let Some(check) = self.method_check(method, argument) else {
                return RoaringBitmap::new();
            };
            // Intersecting sorted arrays walks both; a much smaller scope
            // is better probed person by person.
            let holds: Vec<u32> = if scope.len() * 8 < ever.len() {
                scope
                    .iter()
                    .filter(|&person| ever.contains(person) && self.check(&check, person, day))
                    .collect()
            } else {
                (ever & scope).iter().filter(|&person| self.check(&check, person, day)).collect()
            };
            return RoaringBitmap::from_sorted_iter(holds).unwrap_or_default();
        }
        let set = match method {
            "served_in" => self.units.code(argument).map(|unit| self.served[unit as usize].on(day)),
            "served_in_tagged" => {
                self.tags.code(argument).map(|tag| self.tagged[tag as usize].on(day))
            }
            "serving_in" => {
                let Some(unit) = self.units.code(argument) else {
                    return RoaringBitmap::new();
                };
                let candidates = self.served[unit as usize].on(day).into_owned() & scope;
                let serving = candidates.iter().filter(|&person| {
                    self.assignments.of(person).iter().any(|row| {
                        covers(row.from, row.to, day) && self.ancestors(row.unit).contains(&unit)
                    })
                });
                return RoaringBitmap::from_sorted_iter(serving).unwrap_or_default();
            }
            "deployed_at" => self
                .sites
                .code(argument)
                .map(|site| std::borrow::Cow::Owned(self.deployed[site as usize].on(day))),
            "admitted" => self
                .texts
                .code(argument)
                .and_then(|text| self.admitted.get(&text))
                .map(|index| index.on(day)),
            "exempted" => self
                .texts
                .code(argument)
                .and_then(|text| self.exempted.get(&text))
                .map(|index| std::borrow::Cow::Owned(index.on(day))),
            "had" => EventKind::ALL
                .iter()
                .position(|kind| kind.as_str() == argument)
                .map(|kind| self.had[kind].on(day)),
            "delayed_by" => {
                return match context.mode {
                    Mode::Chain(sets) => sets.get(argument).map(|set| set & scope),
                    Mode::List { book, discharges } => discharges
                        .get_or_init(|| context.discharges(book))
                        .delayed_set(argument)
                        .map(|set| set & scope),
                }
                .unwrap_or_default();
            }
            _ => None,
        };
        set.map(|set| intersect(set.as_ref(), scope)).unwrap_or_default()
    }
}

impl Engine {
    /// Everyone for whom a method ever holds, from its index.
    fn ever(&self, method: &str, argument: &str) -> Option<&RoaringBitmap> {
        let empty = || None;
        match method {
            "served_in" | "serving_in" => {
                self.units.code(argument).and_then(|unit| self.served.get(unit as usize))
            }
            "served_in_tagged" => {
                self.tags.code(argument).and_then(|tag| self.tagged.get(tag as usize))
            }
            "admitted" => self.texts.code(argument).and_then(|text| self.admitted.get(&text)),
            "exempted" => {
                return self
                    .texts
                    .code(argument)
                    .and_then(|text| self.exempted.get(&text))
                    .map(|index| index.ever());
            }
            "had" => EventKind::ALL
                .iter()
                .position(|kind| kind.as_str() == argument)
                .and_then(|kind| self.had.get(kind)),
            "deployed_at" => {
                return self
                    .sites
                    .code(argument)
                    .and_then(|site| self.deployed.get(site as usize))
                    .map(|index| index.ever());
            }
            _ => empty(),
        }
        .map(|index| index.ever())
    }
}

/// The methods of `person` that a compiled part may read.
const METHODS: [&str; 8] = [
    "served_in",
    "served_in_tagged",
    "serving_in",
    "deployed_at",
    "admitted",
    "exempted",
    "had",
    "delayed_by",
];

fn compile(expr: &Expr) -> Node {
    let mut analysis = Analysis::default();
    if analysis.visit(expr, &mut Vec::new()) {
        match analysis.atoms.as_slice() {
            [] => return Node::Constant(expr.clone()),
            [atom] => {
                let daily = analysis.today || *atom == Atom::Key(Key::Age);
                return Node::Table(Box::new(Table {
                    atom: atom.clone(),
                    expr: expr.clone(),
                    daily,
                    cache: Mutex::new(None),
                    daily_cache: Mutex::new(None),
                }));
            }
            _ => {}
        }
    }
    match &expr.kind {
        ExprKind::Unary { operator: UnaryOperator::Not, operand } => {
            Node::Not(Box::new(compile(operand)))
        }
        ExprKind::Binary { operator: BinaryOperator::And, left, right } => {
            Node::And(Box::new(compile(left)), Box::new(compile(right)))
        }
        ExprKind::Binary { operator: BinaryOperator::Or, left, right } => {
            Node::Or(Box::new(compile(left)), Box::new(compile(right)))
        }
        ExprKind::Conditional { condition, then_branch, else_branch } => Node::Choose(
            Box::new(compile(condition)),
            Box::new(compile(then_branch)),
            Box::new(compile(else_branch)),
        ),
        _ => Node::Scan { expr: expr.clone(), discharge: reads_discharge(expr) },
    }
}

/// What an expression reads of a person.
#[derive(Default)]
struct Analysis {
    atoms: Vec<Atom>,
    today: bool,
}

impl Analysis {
    /// Notes the reads of `expr`; false when it reads `person` in a way no
    /// atom covers.
    fn visit(&mut self, expr: &Expr, bound: &mut Vec<String>) -> bool {
        let is_person = |target: &Expr, bound: &[String]| matches!(&target.kind, ExprKind::Identifier(name) if name == "person" && !bound.iter().any(|own| own == "person"));
        match &expr.kind {
            ExprKind::Literal(_) => true,
            ExprKind::Identifier(name) => {
                if bound.iter().any(|own| own == name) {
                    return true;
                }
                if name == "today" {
                    self.today = true;
                }
                name != "person"
            }
            ExprKind::List(elements) => elements.iter().all(|element| self.visit(element, bound)),
            ExprKind::Unary { operand, .. } => self.visit(operand, bound),
            ExprKind::Binary { left, right, .. } => {
                self.visit(left, bound) && self.visit(right, bound)
            }
            ExprKind::Conditional { condition, then_branch, else_branch } => {
                self.visit(condition, bound)
                    && self.visit(then_branch, bound)
                    && self.visit(else_branch, bound)
            }
            ExprKind::Index { target, index } => {
                self.visit(target, bound) && self.visit(index, bound)
            }
            ExprKind::Member { target, field } => {
                if is_person(target, bound) {
                    return match Key::of_field(&field.name) {
                        Some(key) => {
                            self.note(Atom::Key(key));
                            true
                        }
                        None => false,
                    };
                }
                self.visit(target, bound)
            }
            ExprKind::Call { target: Some(target), function, arguments } => {
                if is_person(target, bound) {
                    let argument = match arguments.as_slice() {
                        [Expr { kind: ExprKind::Literal(Literal::String(argument)), .. }] => {
                            argument
                        }
                        _ => return false,
                    };
                    if !METHODS.contains(&function.name.as_str()) {
                        return false;
                    }
                    self.note(Atom::Method {
                        method: function.name.clone(),
                        argument: argument.clone(),
                    });
                    return true;
                }
                self.visit(target, bound)
                    && arguments.iter().all(|argument| self.visit(argument, bound))
            }
            ExprKind::Call { target: None, arguments, .. } => {
                arguments.iter().all(|argument| self.visit(argument, bound))
            }
            ExprKind::Macro { target, variable, filter, body, .. } => {
                if !self.visit(target, bound) {
                    return false;
                }
                bound.push(variable.name.clone());
                let inner = filter.as_ref().is_none_or(|filter| self.visit(filter, bound))
                    && self.visit(body, bound);
                bound.pop();
                inner
            }
        }
    }

    fn note(&mut self, atom: Atom) {
        if !self.atoms.contains(&atom) {
            self.atoms.push(atom);
        }
    }
}

/// Whether an expression reads `person.status` or calls `delayed_by`.
fn reads_discharge(expr: &Expr) -> bool {
    let children: Vec<&Expr> = match &expr.kind {
        ExprKind::Literal(_) | ExprKind::Identifier(_) => vec![],
        ExprKind::List(elements) => elements.iter().collect(),
        ExprKind::Unary { operand, .. } => vec![operand],
        ExprKind::Binary { left, right, .. } => vec![left, right],
        ExprKind::Conditional { condition, then_branch, else_branch } => {
            vec![condition, then_branch, else_branch]
        }
        ExprKind::Member { target, field } => {
            if field.name == "status" {
                return true;
            }
            vec![target]
        }
        ExprKind::Index { target, index } => vec![target, index],
        ExprKind::Call { target, function, arguments } => {
            if function.name == "delayed_by" {
                return true;
            }
            target.iter().map(|target| &**target).chain(arguments).collect()
        }
        ExprKind::Macro { target, filter, body, .. } => {
            let mut children: Vec<&Expr> = vec![target, body];
            children.extend(filter.iter().map(|filter| &**filter));
            children
        }
    };
    children.into_iter().any(reads_discharge)
}
