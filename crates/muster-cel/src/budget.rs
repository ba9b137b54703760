//! Budgets of cost units (see `cost.rs` for what a unit is): the most one
//! evaluation may spend (`Limits`), and a request's budget shared by all
//! its evaluations, with a deadline and a cancellation flag (`Budget`).
//!
//! A `Budget` is `Sync`: the threads of one request spend it together. Its
//! counter only grows, a deadline once passed stays passed, and a
//! cancellation is never undone, so once a budget has stopped it stays
//! stopped: a caller that finds it stopped after a question knows that
//! some evaluation of the question may have been cut short.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Instant;

use crate::cost::EVALUATION_BUDGET;

/// Why the evaluations of a request were stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, thiserror::Error)]
pub enum Stop {
    #[error("the request exceeded its budget of {limit} cost units")]
    Spent { limit: u64 },
    #[error("the request passed its deadline")]
    Deadline,
    #[error("the request was cancelled")]
    Cancelled,
}

/// The budget of one request: a limit on the cost units spent by all its
/// evaluations together, an optional deadline, and a cancellation flag.
#[derive(Debug)]
pub struct Budget {
    limit: u64,
    spent: AtomicU64,
    deadline: Option<Instant>,
    cancelled: AtomicBool,
    /// Set when the deadline was seen to have passed, so that later
    /// checks need not read the clock.
    expired: AtomicBool,
}

/// What one evaluation may spend: its own limit, and the request budget
/// it spends too, if any.
#[derive(Clone, Copy, Debug)]
pub struct Limits<'budget> {
    /// The most cost units the evaluation may spend.
    pub evaluation: u64,
    /// The request the evaluation is part of.
    pub request: Option<&'budget Budget>,
}

impl Budget {
    /// A budget of `limit` cost units, with no deadline.
    pub const fn new(limit: u64) -> Budget {
        Budget {
            limit,
            spent: AtomicU64::new(0),
            deadline: None,
            cancelled: AtomicBool::new(false),
            expired: AtomicBool::new(false),
        }
    }

    /// A budget with no limit on cost units: it stops only at its deadline,
    /// if it is given one, or when it is cancelled. Each evaluation keeps
    /// its own limit.
    pub const fn unlimited() -> Budget {
        Budget::new(u64::MAX)
    }

    /// The same budget, stopping at `deadline`.
    pub fn with_deadline(mut self, deadline: Instant) -> Budget {
        self.deadline = Some(deadline);
        self
    }

    /// The most cost units the request may spend.
    pub fn limit(&self) -> u64 {
        self.limit
    }

    /// The cost units spent so far.
    pub fn spent(&self) -> u64 {
        self.spent.load(Ordering::Relaxed)
    }

    /// Stops every evaluation that spends this budget, from now on.
    pub fn cancel(&self) {
        self.cancelled.store(true, Ordering::Relaxed);
    }

    pub fn is_cancelled(&self) -> bool {
        self.cancelled.load(Ordering::Relaxed)
    }

    /// Why the budget has stopped, as far as is known without reading the
    /// clock: a deadline counts once `check` or `charge` has seen it pass.
    pub fn stopped(&self) -> Option<Stop> {
        if self.is_cancelled() {
            return Some(Stop::Cancelled);
        }
        if self.expired.load(Ordering::Relaxed) {
            return Some(Stop::Deadline);
        }
        if self.spent() > self.limit {
            return Some(Stop::Spent { limit: self.limit });
        }
        None
    }

    /// Whether the request may go on: not cancelled, within its limit and
    /// before its deadline (which reads the clock).
    pub fn check(&self) -> Result<(), Stop> {
        if let Some(stop) = self.stopped() {
            return Err(stop);
        }
        if let Some(deadline) = self.deadline
            && Instant::now() >= deadline
        {
            self.expired.store(true, Ordering::Relaxed);
            return Err(Stop::Deadline);
        }
        Ok(())
    }

    /// Spends `units`, then checks the budget.
    pub fn charge(&self, units: u64) -> Result<(), Stop> {
        self.spent.fetch_add(units, Ordering::Relaxed);
        self.check()
    }
}

impl Default for Limits<'_> {
    /// The default limit of one evaluation, `EVALUATION_BUDGET`, and no
    /// request budget.
    fn default() -> Self {
        Limits { evaluation: EVALUATION_BUDGET, request: None }
    }
}

impl<'budget> Limits<'budget> {
    /// The default limit of one evaluation, spending the request's budget
    /// too.
    pub fn request(budget: &'budget Budget) -> Limits<'budget> {
        Limits { evaluation: EVALUATION_BUDGET, request: Some(budget) }
    }

    /// A limit of `units` for one evaluation, with no request budget.
    pub fn evaluation(units: u64) -> Limits<'static> {
        Limits { evaluation: units, request: None }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn a_budget_stops_once_spent_and_stays_stopped() {
        let budget = Budget::new(10);
        assert_eq!(budget.charge(10), Ok(()));
        assert_eq!(budget.charge(1), Err(Stop::Spent { limit: 10 }));
        assert_eq!(budget.stopped(), Some(Stop::Spent { limit: 10 }));
        assert_eq!(budget.check(), Err(Stop::Spent { limit: 10 }));
        assert_eq!(budget.spent(), 11);
    }

    #[test]
    fn a_cancelled_budget_stops() {
        let budget = Budget::unlimited();
        assert_eq!(budget.check(), Ok(()));
        budget.cancel();
        assert!(budget.is_cancelled());
        assert_eq!(budget.charge(1), Err(Stop::Cancelled));
    }

    #[test]
    fn a_budget_stops_at_its_deadline() {
        let budget = Budget::unlimited().with_deadline(Instant::now());
        assert_eq!(budget.stopped(), None, "the clock is only read by `check`");
        assert_eq!(budget.check(), Err(Stop::Deadline));
        assert_eq!(budget.stopped(), Some(Stop::Deadline));
        let later = Budget::unlimited().with_deadline(Instant::now() + Duration::from_secs(3600));
        assert_eq!(later.charge(1_000_000), Ok(()));
    }

    #[test]
    fn a_budget_is_shared_across_threads() {
        fn shared<T: Sync + Send>(_: &T) {}
        let budget = Budget::new(1_000);
        shared(&budget);
        std::thread::scope(|scope| {
            for _ in 0..4 {
                scope.spawn(|| {
                    for _ in 0..100 {
                        let _ = budget.charge(1);
                    }
                });
            }
        });
        assert_eq!(budget.spent(), 400);
        assert_eq!(budget.check(), Ok(()));
    }
}
