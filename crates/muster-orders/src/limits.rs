//! The limits on issuing exemption papers (`spec/exemptions.md`, "Limits"):
//! who may issue on which grounds, the longest validity, papers per person,
//! corroboration by an earlier event. A pure function of a paper, its
//! issuer's kind and the person's file says which limits it breaks.

use std::ops::Range;

use chrono::NaiveDate;
use muster_core::{EventKind, Grounds, OrganisationKind, Paper, PersonFile};
use serde::{Deserialize, Serialize};

/// The limits in force, in the order written.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Limits {
    pub limits: Vec<Limit>,
}

/// One `[[limit]]`: it governs the papers of its scope and grounds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Limit {
    pub scope: String,
    pub grounds: Grounds,
    /// The kinds of organisation that may issue such papers; `None`: any.
    pub issuer_kinds: Option<Vec<OrganisationKind>>,
    /// The longest validity, in days (counting both ends).
    pub max_days: Option<u32>,
    /// Papers of this scope and grounds a person may hold in any 365 days.
    pub max_per_person: Option<u32>,
    pub corroboration: Option<Corroboration>,
}

/// The person has an event of one of the kinds in the days before the day
/// the paper bears.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Corroboration {
    pub kinds: Vec<EventKind>,
    pub within_days: u32,
}

/// A limit a paper breaks: which (its number, from 1, in the file; 0 for
/// the rule that holds where no limit names the issuers: no papers from a
/// placement organisation), and why, in a sentence.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Breach {
    pub limit: usize,
    /// `issuer-not-allowed`, `over-limit` (validity or count) or
    /// `uncorroborated`.
    pub kind: &'static str,
    pub why: String,
}

/// An error in a limits document, with the bytes it lies on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LimitsError {
    pub span: Range<usize>,
    pub message: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    limit: Vec<toml::Spanned<RawLimit>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLimit {
    scope: String,
    grounds: toml::Spanned<String>,
    issuer_kinds: Option<Vec<String>>,
    max_days: Option<u32>,
    max_per_person: Option<u32>,
    corroboration: Option<RawCorroboration>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCorroboration {
    kinds: Vec<String>,
    within_days: u32,
}

/// Reads a limits document; every error found, each with its place.
pub fn parse_limits(text: &str) -> Result<Limits, Vec<LimitsError>> {
    let file: File = toml::from_str(text).map_err(|error| {
        vec![LimitsError {
            span: error.span().unwrap_or(0..0),
            message: format!("the limits are not valid: {}", error.message().trim()),
        }]
    })?;
    let mut errors = Vec::new();
    let mut limits = Vec::new();
    for spanned in file.limit {
        let span = spanned.span();
        let raw = spanned.into_inner();
        let grounds = match raw.grounds.get_ref().parse::<Grounds>() {
            Ok(grounds) => Some(grounds),
            Err(unknown) => {
                errors.push(LimitsError { span: raw.grounds.span(), message: unknown.to_string() });
                None
            }
        };
        let mut error = |message: String| errors.push(LimitsError { span: span.clone(), message });
        let issuer_kinds = raw.issuer_kinds.map(|kinds| {
            kinds
                .iter()
                .filter_map(|kind| match kind.parse::<OrganisationKind>() {
                    Ok(kind) => Some(kind),
                    Err(unknown) => {
                        error(unknown.to_string());
                        None
                    }
                })
                .collect::<Vec<_>>()
        });
        let corroboration = raw.corroboration.map(|raw| Corroboration {
            kinds: raw
                .kinds
                .iter()
                .filter_map(|kind| match kind.parse::<EventKind>() {
                    Ok(kind) => Some(kind),
                    Err(unknown) => {
                        error(unknown.to_string());
                        None
                    }
                })
                .collect(),
            within_days: raw.within_days,
        });
        if raw.max_days == Some(0) {
            error("`max_days` is at least 1".to_string());
        }
        if raw.scope.trim().is_empty() {
            error("`scope` names a scope, such as `redeployment`".to_string());
        }
        if let Some(grounds) = grounds {
            limits.push(Limit {
                scope: raw.scope,
                grounds,
                issuer_kinds,
                max_days: raw.max_days,
                max_per_person: raw.max_per_person,
                corroboration,
            });
        }
    }
    if errors.is_empty() { Ok(Limits { limits }) } else { Err(errors) }
}

impl Limits {
    /// The limits `paper` breaks, given its issuer's kind (`None` for an
    /// issuer the records do not hold) and the person's file (his events,
    /// and his other papers, not counting `paper` itself).
    pub fn breaches(
        &self,
        paper: &Paper,
        issuer_kind: Option<OrganisationKind>,
        file: &PersonFile,
    ) -> Vec<Breach> {
        let mut breaches = Vec::new();
        for (index, limit) in self.limits.iter().enumerate() {
            if limit.scope != paper.scope || limit.grounds != paper.grounds {
                continue;
            }
            let number = index + 1;
            let what = format!("{} papers on {} grounds", limit.scope, limit.grounds);
            if let Some(kinds) = &limit.issuer_kinds
                && !issuer_kind.is_some_and(|kind| kinds.contains(&kind))
            {
                let allowed: Vec<&str> = kinds.iter().map(|kind| kind.as_str()).collect();
                breaches.push(Breach {
                    limit: number,
                    kind: "issuer-not-allowed",
                    why: format!(
                        "{what} are issued by {}, and `{}` is {}",
                        allowed.join(" or "),
                        paper.issuer,
                        issuer_kind.map_or("no organisation known", |kind| kind.as_str())
                    ),
                });
            }
            if let Some(max) = limit.max_days {
                let days = paper.valid_until.map(|until| (until - paper.valid_from).num_days() + 1);
                if days.is_none_or(|days| days > i64::from(max)) {
                    breaches.push(Breach {
                        limit: number,
                        kind: "over-limit",
                        why: match days {
                            Some(days) => {
                                format!("{what} are valid at most {max} days; this one {days}")
                            }
                            None => {
                                format!("{what} are valid at most {max} days; this one has no end")
                            }
                        },
                    });
                }
            }
            if let Some(max) = limit.max_per_person {
                let window_start = paper.issued_on - chrono::Days::new(364);
                let held = file
                    .papers
                    .iter()
                    .filter(|held| {
                        held.paper != *paper
                            && held.paper.scope == limit.scope
                            && held.paper.grounds == limit.grounds
                            && window_start <= held.paper.issued_on
                            && held.paper.issued_on <= paper.issued_on
                    })
                    .count();
                if held + 1 > max as usize {
                    breaches.push(Breach {
                        limit: number,
                        kind: "over-limit",
                        why: format!(
                            "at most {max} {what} in 365 days; {} holds {held} already",
                            paper.person
                        ),
                    });
                }
            }
            if let Some(corroboration) = &limit.corroboration
                && !corroborated(corroboration, paper.issued_on, file)
            {
                let kinds: Vec<&str> =
                    corroboration.kinds.iter().map(|kind| kind.as_str()).collect();
                breaches.push(Breach {
                    limit: number,
                    kind: "uncorroborated",
                    why: format!(
                        "{what} rest on an event ({}) in the {} days before the day they bear; {} has none",
                        kinds.join(", "),
                        corroboration.within_days,
                        paper.person
                    ),
                });
            }
        }
        let named = self.limits.iter().any(|limit| {
            limit.scope == paper.scope
                && limit.grounds == paper.grounds
                && limit.issuer_kinds.is_some()
        });
        if !named && issuer_kind == Some(OrganisationKind::Placement) {
            breaches.push(Breach {
                limit: 0,
                kind: "issuer-not-allowed",
                why: format!(
                    "no limit lets a placement organisation issue {} papers on {} grounds, and `{}` is one",
                    paper.scope,
                    paper.grounds.as_str(),
                    paper.issuer
                ),
            });
        }
        breaches
    }

    /// How a breach names its limit: `limit 2`, or for the rule without a
    /// limit, `the default rule`.
    pub fn name(breach: &Breach) -> String {
        if breach.limit == 0 {
            "the default rule".to_string()
        } else {
            format!("limit {}", breach.limit)
        }
    }
}

/// Whether the person has an event of one of the kinds in the
/// `within_days` days before `issued_on`, or on that day (an injury and its
/// certificate may bear the same day).
fn corroborated(corroboration: &Corroboration, issued_on: NaiveDate, file: &PersonFile) -> bool {
    let earliest = issued_on - chrono::Days::new(u64::from(corroboration.within_days));
    file.events.iter().any(|event| {
        corroboration.kinds.contains(&event.kind)
            && earliest <= event.date
            && event.date <= issued_on
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_limits_file_is_read_and_its_errors_are_placed() {
        let limits = parse_limits(
            "[[limit]]\nscope = \"redeployment\"\ngrounds = \"medical\"\nissuer_kinds = [\"institution\"]\nmax_days = 365\n",
        )
        .unwrap();
        assert_eq!(limits.limits.len(), 1);
        assert_eq!(limits.limits[0].issuer_kinds, Some(vec![OrganisationKind::Institution]));
        // An unknown field, an unknown kind: each an error at its place.
        let errors = parse_limits("[[limit]]\nscope = \"x\"\ngrounds = \"medical\"\ncolour = 1\n")
            .unwrap_err();
        assert!(errors[0].message.contains("colour"), "{errors:?}");
        let text = "[[limit]]\nscope = \"x\"\ngrounds = \"medical\"\nissuer_kinds = [\"guild\"]\n";
        let errors = parse_limits(text).unwrap_err();
        assert!(errors[0].message.contains("unknown organisation kind `guild`"), "{errors:?}");
        assert!(parse_limits("").unwrap().limits.is_empty());
    }
}
