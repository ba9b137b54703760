//! Throttling password guesses: failed logins are counted per user name and
//! per client address; after a few, each further attempt must wait longer,
//! and after many within a window the name (or the address) is locked out
//! for a while, whatever password is sent.
//!
//! The counts are kept behind [`LoginThrottle`], so that several servers
//! can later keep them in a store they share; [`MemoryThrottle`] keeps them
//! in this server's memory. Time comes from a [`Clock`], so that tests can
//! move it on instead of sleeping.

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

/// Where the time comes from.
pub trait Clock: Send + Sync {
    fn now(&self) -> SystemTime;
}

/// The system's clock.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> SystemTime {
        SystemTime::now()
    }
}

/// A clock that stands still until it is moved on: for tests.
#[derive(Debug)]
pub struct ManualClock(Mutex<SystemTime>);

impl ManualClock {
    /// A clock showing `start`.
    pub fn new(start: SystemTime) -> ManualClock {
        ManualClock(Mutex::new(start))
    }

    /// Moves the clock on.
    pub fn advance(&self, by: Duration) {
        if let Ok(mut now) = self.0.lock() {
            *now += by;
        }
    }
}

impl Clock for ManualClock {
    fn now(&self) -> SystemTime {
        self.0.lock().map(|now| *now).unwrap_or(SystemTime::UNIX_EPOCH)
    }
}

/// How failures of one key (a name, or an address) are answered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ThrottleRules {
    /// Failures older than this are forgotten.
    pub window: Duration,
    /// How many failures within the window are let through without a wait.
    pub free: usize,
    /// The wait after the first failure past the free ones; it doubles with
    /// each further failure, up to `longest_wait`.
    pub first_wait: Duration,
    pub longest_wait: Duration,
    /// After this many failures within the window, the key is locked out.
    pub lockout_after: usize,
    /// How long a lockout lasts.
    pub lockout: Duration,
}

impl ThrottleRules {
    /// For a user name: 3 failures free, then waits of 1, 2, 4 ... s (at
    /// most 60 s), and a lockout of 15 minutes at the 10th failure within
    /// 15 minutes.
    pub const NAME: ThrottleRules = ThrottleRules {
        window: Duration::from_secs(15 * 60),
        free: 3,
        first_wait: Duration::from_secs(1),
        longest_wait: Duration::from_secs(60),
        lockout_after: 10,
        lockout: Duration::from_secs(15 * 60),
    };

    /// For a client address, which may try many names: 20 failures free,
    /// then growing waits (at most 10 s), and a lockout of 15 minutes at the 50th failure
    /// within 15 minutes.
    pub const ADDRESS: ThrottleRules = ThrottleRules {
        window: Duration::from_secs(15 * 60),
        free: 20,
        first_wait: Duration::from_secs(1),
        longest_wait: Duration::from_secs(10),
        lockout_after: 50,
        lockout: Duration::from_secs(15 * 60),
    };

    /// The wait after `failures` failures since the last of them.
    fn wait(&self, failures: usize) -> Duration {
        if failures < self.free.max(1) {
            return Duration::ZERO;
        }
        let doublings = u32::try_from(failures - self.free.max(1)).unwrap_or(u32::MAX).min(30);
        self.first_wait.saturating_mul(1 << doublings).min(self.longest_wait)
    }
}

/// What is throttled: a user name, or a client address.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ThrottleKey {
    Name(String),
    Address(IpAddr),
}

impl std::fmt::Display for ThrottleKey {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ThrottleKey::Name(name) => write!(formatter, "user name `{name}`"),
            ThrottleKey::Address(address) => write!(formatter, "address {address}"),
        }
    }
}

/// A login attempt refused before its password is looked at.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refused {
    /// How long to wait before the next attempt.
    pub retry_after: Duration,
    /// Whether the name or the address is locked out (not only made to wait).
    pub locked: bool,
}

/// A lockout begun by a failed attempt.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Lockout {
    pub key: ThrottleKey,
    /// The failures within the window that led to it.
    pub failures: usize,
    pub until: SystemTime,
}

/// An attempt let through: counted as a failure until it succeeds.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Attempt {
    /// The lockouts this attempt begins if it fails.
    pub lockouts: Vec<Lockout>,
}

/// Where failed logins are counted.
pub trait LoginThrottle: Send + Sync {
    /// Asks to try a password for these keys at `now`: refused, with how
    /// long to wait, or let through. An attempt let through counts as a
    /// failure at once (so that attempts made at the same moment each
    /// count) until [`LoginThrottle::succeeded`] says otherwise.
    fn attempt(&self, keys: &[ThrottleKey], now: SystemTime) -> Result<Attempt, Refused>;

    /// The attempt for these keys succeeded: the name's failures are
    /// forgotten, and the address's count is what it was before it.
    fn succeeded(&self, keys: &[ThrottleKey], now: SystemTime);
}

/// The failures of one key.
#[derive(Debug, Default)]
struct Failures {
    /// When each failure within the window was made, oldest first.
    at: VecDeque<SystemTime>,
    locked_until: Option<SystemTime>,
}

impl Failures {
    fn forget_before(&mut self, rules: &ThrottleRules, now: SystemTime) {
        while let Some(first) = self.at.front() {
            if now.duration_since(*first).unwrap_or_default() >= rules.window {
                self.at.pop_front();
            } else {
                break;
            }
        }
        if self.locked_until.is_some_and(|until| until <= now) {
            self.locked_until = None;
            self.at.clear();
        }
    }

    /// Whether an attempt may be made now.
    fn check(&self, rules: &ThrottleRules, now: SystemTime) -> Result<(), Refused> {
        if let Some(until) = self.locked_until {
            return Err(Refused {
                retry_after: until.duration_since(now).unwrap_or_default(),
                locked: true,
            });
        }
        let Some(last) = self.at.back() else { return Ok(()) };
        let ready = *last + rules.wait(self.at.len());
        match ready.duration_since(now) {
            Ok(wait) if !wait.is_zero() => Err(Refused { retry_after: wait, locked: false }),
            _ => Ok(()),
        }
    }

    fn is_stale(&self, rules: &ThrottleRules, now: SystemTime) -> bool {
        self.locked_until.is_none_or(|until| until <= now)
            && self
                .at
                .back()
                .is_none_or(|last| now.duration_since(*last).unwrap_or_default() >= rules.window)
    }
}

/// Failed logins counted in this server's memory. At most `capacity` keys
/// are kept: when there are more, those whose failures are forgotten go
/// first, then those unused longest.
pub struct MemoryThrottle {
    names: ThrottleRules,
    addresses: ThrottleRules,
    capacity: usize,
    keys: Mutex<HashMap<ThrottleKey, Failures>>,
}

impl MemoryThrottle {
    /// With the rules for names and for addresses.
    pub fn new(names: ThrottleRules, addresses: ThrottleRules) -> MemoryThrottle {
        MemoryThrottle { names, addresses, capacity: 100_000, keys: Mutex::new(HashMap::new()) }
    }

    fn rules(&self, key: &ThrottleKey) -> &ThrottleRules {
        match key {
            ThrottleKey::Name(_) => &self.names,
            ThrottleKey::Address(_) => &self.addresses,
        }
    }

    /// Makes room for a new key.
    fn make_room(&self, keys: &mut HashMap<ThrottleKey, Failures>, now: SystemTime) {
        if keys.len() < self.capacity {
            return;
        }
        keys.retain(|key, failures| !failures.is_stale(self.rules(key), now));
        while keys.len() >= self.capacity {
            let oldest = keys
                .iter()
                .filter(|(_, failures)| failures.locked_until.is_none())
                .min_by_key(|(_, failures)| failures.at.back().copied())
                .or_else(|| keys.iter().min_by_key(|(_, failures)| failures.locked_until))
                .map(|(key, _)| key.clone());
            match oldest {
                Some(key) => keys.remove(&key),
                None => break,
            };
        }
    }
}

impl Default for MemoryThrottle {
    fn default() -> Self {
        MemoryThrottle::new(ThrottleRules::NAME, ThrottleRules::ADDRESS)
    }
}

impl LoginThrottle for MemoryThrottle {
    fn attempt(&self, keys: &[ThrottleKey], now: SystemTime) -> Result<Attempt, Refused> {
        let Ok(mut held) = self.keys.lock() else {
            return Err(Refused { retry_after: Duration::from_secs(1), locked: false });
        };
        let mut refusal: Option<Refused> = None;
        for key in keys {
            if let Some(failures) = held.get_mut(key) {
                failures.forget_before(self.rules(key), now);
                if let Err(refused) = failures.check(self.rules(key), now) {
                    let longer =
                        refusal.as_ref().is_none_or(|r| refused.retry_after > r.retry_after);
                    if longer {
                        refusal = Some(refused);
                    }
                }
            }
        }
        if let Some(refused) = refusal {
            return Err(refused);
        }
        let mut attempt = Attempt::default();
        for key in keys {
            if !held.contains_key(key) {
                self.make_room(&mut held, now);
            }
            let rules = *self.rules(key);
            let failures = held.entry(key.clone()).or_default();
            failures.at.push_back(now);
            if failures.at.len() >= rules.lockout_after {
                let until = now + rules.lockout;
                failures.locked_until = Some(until);
                attempt.lockouts.push(Lockout {
                    key: key.clone(),
                    failures: failures.at.len(),
                    until,
                });
            }
        }
        Ok(attempt)
    }

    fn succeeded(&self, keys: &[ThrottleKey], now: SystemTime) {
        let Ok(mut held) = self.keys.lock() else { return };
        for key in keys {
            match key {
                ThrottleKey::Name(_) => {
                    held.remove(key);
                }
                ThrottleKey::Address(_) => {
                    let rules = *self.rules(key);
                    if let Some(failures) = held.get_mut(key) {
                        if let Some(position) = failures.at.iter().rposition(|at| *at == now) {
                            failures.at.remove(position);
                        } else {
                            failures.at.pop_back();
                        }
                        if failures.at.len() < rules.lockout_after {
                            failures.locked_until = None;
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(text: &str) -> ThrottleKey {
        ThrottleKey::Name(text.to_string())
    }

    #[test]
    fn waits_grow_after_the_free_failures_and_a_lockout_comes_at_the_tenth() {
        let throttle = MemoryThrottle::default();
        let clock = ManualClock::new(SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000));
        let keys = [name("minister")];
        let mut waits = Vec::new();
        for failure in 1..=10 {
            let attempt = match throttle.attempt(&keys, clock.now()) {
                Ok(attempt) => attempt,
                Err(refused) => {
                    waits.push(refused.retry_after.as_secs());
                    clock.advance(refused.retry_after);
                    throttle.attempt(&keys, clock.now()).unwrap()
                }
            };
            assert_eq!(attempt.lockouts.len(), usize::from(failure == 10), "failure {failure}");
        }
        assert_eq!(waits, [1, 2, 4, 8, 16, 32, 60]);
        let refused = throttle.attempt(&keys, clock.now()).unwrap_err();
        assert!(refused.locked);
        assert_eq!(refused.retry_after, Duration::from_secs(15 * 60));
        clock.advance(Duration::from_secs(15 * 60));
        assert!(throttle.attempt(&keys, clock.now()).is_ok());
    }

    #[test]
    fn a_success_forgets_the_name_and_takes_back_the_address_count() {
        let throttle = MemoryThrottle::default();
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(5_000);
        let address = ThrottleKey::Address("127.0.0.1".parse().unwrap());
        let keys = [name("placer"), address.clone()];
        throttle.attempt(&keys, now).unwrap();
        throttle.attempt(&keys, now).unwrap();
        throttle.succeeded(&keys, now);
        let held = throttle.keys.lock().unwrap();
        assert!(!held.contains_key(&name("placer")));
        assert_eq!(held[&address].at.len(), 1);
    }

    #[test]
    fn the_keys_kept_are_bounded() {
        let throttle = MemoryThrottle { capacity: 50, ..MemoryThrottle::default() };
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(5_000);
        for index in 0..500 {
            throttle.attempt(&[name(&format!("n{index}"))], now).unwrap();
        }
        assert!(throttle.keys.lock().unwrap().len() <= 50);
    }
}
