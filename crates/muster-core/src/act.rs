//! Acts: every change to the records is an act, with the day it takes
//! effect (valid time) and the moment it was recorded (system time).
//!
//! Nothing is updated in place. A record that an act replaces keeps its
//! earlier versions; which version is read depends on the day asked about.

use chrono::NaiveDate;
use serde::Serialize;

/// The number of an act; acts are numbered in the order they are recorded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct ActId(pub i64);

/// An act as the store keeps it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Act {
    pub id: ActId,
    /// What kind of change, such as `import`.
    pub kind: String,
    /// The day the change takes effect.
    pub valid_on: NaiveDate,
    /// When the store recorded it, RFC 3339 in UTC.
    pub recorded_at: String,
    /// Who made it.
    pub actor: String,
    /// A one-line account of what it changed.
    pub summary: String,
}

/// One version of a record, with the act that wrote it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Version<T> {
    pub act: ActId,
    pub valid_on: NaiveDate,
    pub record: T,
}

/// The version in effect on `day`, from versions in the order they were
/// recorded.
///
/// It is the last recorded version that took effect on or before `day`. A
/// record is known before its first version takes effect too (the facts it
/// holds carry their own dates), so before that day the first version is in
/// effect.
pub fn in_effect<T>(versions: &[Version<T>], day: NaiveDate) -> Option<&Version<T>> {
    versions.iter().rev().find(|version| version.valid_on <= day).or_else(|| versions.first())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::date::parse_date;

    fn version(act: i64, valid_on: &str, record: &'static str) -> Version<&'static str> {
        Version { act: ActId(act), valid_on: parse_date(valid_on).unwrap(), record }
    }

    #[test]
    fn the_last_recorded_version_in_effect_wins() {
        let versions = [
            version(1, "2024-01-01", "first"),
            version(2, "2025-01-01", "second"),
            version(3, "2024-06-01", "correction"),
        ];
        let on = |day: &str| in_effect(&versions, parse_date(day).unwrap()).unwrap().record;
        assert_eq!(on("2020-01-01"), "first");
        assert_eq!(on("2024-03-01"), "first");
        assert_eq!(on("2024-07-01"), "correction");
        assert_eq!(on("2025-02-01"), "correction");
        assert!(in_effect::<&str>(&[], parse_date("2024-01-01").unwrap()).is_none());
    }
}
