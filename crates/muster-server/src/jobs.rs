//! The acts on many people the console runs in the background: each a job
//! with how far it has come, seen only by the user who started it, kept
//! in memory until an hour after it ended (its result is the act, on the
//! store; a job lost with its server is an act done or not done, as the
//! store's transaction decides).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use parking_lot::Mutex;

/// How long an ended job is kept to be looked at.
const KEPT: Duration = Duration::from_secs(3600);

/// The most jobs kept at once (the oldest ended ones go first).
const MOST: usize = 1000;

/// The most jobs of one user running at once.
const RUNNING_PER_USER: usize = 2;

/// How a job ended: the act it recorded, or why nothing was written.
#[derive(Clone, Debug)]
pub enum Ended {
    Done(i64),
    Failed { status: u16, message: String },
}

/// One act running in the background.
#[derive(Debug)]
pub struct Job {
    pub id: String,
    /// The user who started it: nobody else sees it.
    pub owner: String,
    /// What it does, in words ("call-up of list L").
    pub title: String,
    /// How many persons the preview said it would act on.
    pub count: usize,
    stage: Mutex<(String, usize, usize)>,
    ended: Mutex<Option<(Ended, Instant)>>,
}

impl Job {
    /// Where it is: its step, and how many of how many.
    pub fn stage(&self) -> (String, usize, usize) {
        self.stage.lock().clone()
    }

    pub fn advance(&self, step: &str, done: usize, of: usize) {
        *self.stage.lock() = (step.to_string(), done, of);
    }

    pub fn end(&self, ended: Ended) {
        *self.ended.lock() = Some((ended, Instant::now()));
    }

    pub fn ended(&self) -> Option<Ended> {
        self.ended.lock().as_ref().map(|(ended, _)| ended.clone())
    }

    fn ended_before(&self, moment: Instant) -> bool {
        self.ended.lock().as_ref().is_some_and(|(_, at)| *at < moment)
    }
}

/// The jobs of a server.
#[derive(Default)]
pub struct Jobs(Mutex<HashMap<String, Arc<Job>>>);

impl Jobs {
    /// A new job, running from now; none while `owner` has as many running
    /// as a user may, or the server as many as it keeps.
    pub fn start(&self, owner: &str, title: String, count: usize) -> Option<Arc<Job>> {
        let job = Arc::new(Job {
            id: muster_access::generate_token(),
            owner: owner.to_string(),
            title,
            count,
            stage: Mutex::new(("starting".to_string(), 0, count)),
            ended: Mutex::new(None),
        });
        let mut jobs = self.0.lock();
        let running =
            jobs.values().filter(|job| job.owner == owner && job.ended().is_none()).count();
        if running >= RUNNING_PER_USER {
            return None;
        }
        if let Some(long_ago) = Instant::now().checked_sub(KEPT) {
            jobs.retain(|_, job| !job.ended_before(long_ago));
        }
        while jobs.len() >= MOST {
            let oldest = jobs
                .values()
                .filter_map(|job| job.ended.lock().as_ref().map(|(_, at)| (*at, job.id.clone())))
                .min();
            match oldest {
                Some((_, id)) => jobs.remove(&id),
                None => return None,
            };
        }
        jobs.insert(job.id.clone(), Arc::clone(&job));
        Some(job)
    }

    /// The job `id`, if `owner` started it.
    pub fn of(&self, id: &str, owner: &str) -> Option<Arc<Job>> {
        self.0.lock().get(id).filter(|job| job.owner == owner).cloned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_job_is_seen_by_its_owner_only() {
        let jobs = Jobs::default();
        let job = jobs.start("alice", "call-up of list l".to_string(), 3).expect("started");
        assert!(jobs.of(&job.id, "alice").is_some());
        assert!(jobs.of(&job.id, "bob").is_none());
        assert!(jobs.of("no-such-job", "alice").is_none());
        job.advance("checking", 1, 3);
        assert_eq!(job.stage(), ("checking".to_string(), 1, 3));
        assert!(job.ended().is_none());
        job.end(Ended::Done(7));
        assert!(matches!(job.ended(), Some(Ended::Done(7))));
    }

    #[test]
    fn a_user_runs_no_more_than_two_at_once() {
        let jobs = Jobs::default();
        let first = jobs.start("alice", "one".to_string(), 1).expect("first");
        let _second = jobs.start("alice", "two".to_string(), 1).expect("second");
        assert!(jobs.start("alice", "three".to_string(), 1).is_none());
        assert!(jobs.start("bob", "his".to_string(), 1).is_some());
        first.end(Ended::Failed { status: 409, message: "refused".to_string() });
        assert!(jobs.start("alice", "three".to_string(), 1).is_some());
    }
}
