//! The records muster keeps: organisations, units, sites, campaigns, people
//! and the history rows that belong to people (service assignments,
//! deployments, events).
//!
//! Every record here is plain data, as the dataset gives it; ids are strings.
//! Empty text cells are empty strings; optional days are `Option`.

use std::fmt;
use std::str::FromStr;

use chrono::NaiveDate;
use serde::Serialize;

macro_rules! word_enum {
    ($(#[$meta:meta])* $name:ident, $what:literal { $($variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
        pub enum $name {
            $(#[serde(rename = $text)] $variant),+
        }

        impl $name {
            /// Every value, in the order the spec lists them.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The word the dataset uses for this value.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text),+
                }
            }

            /// The words accepted, for error messages: `a`, `b` or `c`.
            pub fn expected() -> String {
                crate::model::one_of(Self::ALL.iter().map(|value| value.as_str()))
            }
        }

        impl FromStr for $name {
            type Err = UnknownWord;

            fn from_str(text: &str) -> Result<Self, UnknownWord> {
                match text {
                    $($text => Ok($name::$variant),)+
                    _ => Err(UnknownWord { what: $what, text: text.to_string(), expected: Self::expected() }),
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

/// A word that is not one of those a field accepts.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {what} `{text}`: expected {expected}")]
pub struct UnknownWord {
    pub what: &'static str,
    pub text: String,
    pub expected: String,
}

word_enum!(
    /// What an organisation is.
    OrganisationKind, "organisation kind" {
        Ministry => "ministry",
        Department => "department",
        UnitAdministration => "unit-administration",
        Placement => "placement",
        Agency => "agency",
        Institution => "institution",
    }
);

word_enum!(
    /// What a user of the server may do, within his organisation.
    Role, "role" {
        Ministry => "ministry",
        Department => "department",
        UnitAdmin => "unit-admin",
        Placement => "placement",
        Analyst => "analyst",
        Auditor => "auditor",
    }
);

word_enum!(
    /// The branch of the armed forces a unit or a soldier belongs to.
    Branch, "branch" {
        Army => "army",
        Navy => "navy",
        Air => "air",
        Strategic => "strategic",
        Other => "other",
    }
);

word_enum!(
    /// A person's sex, as the dataset records it.
    Sex, "sex" {
        Male => "M",
        Female => "F",
    }
);

word_enum!(
    /// What an event records.
    EventKind, "event kind" {
        Admitted => "admitted",
        Discharged => "discharged",
        Posted => "posted",
        Returned => "returned",
        Injured => "injured",
        Killed => "killed",
        Awol => "awol",
        Exempted => "exempted",
    }
);

word_enum!(
    /// The grounds an exemption paper is issued on.
    Grounds, "grounds" {
        Medical => "medical",
        Family => "family",
        Education => "education",
        Technical => "technical",
        Other => "other",
    }
);

/// `a`, `b` or `c`, with each word in backticks.
pub fn one_of<'a>(words: impl Iterator<Item = &'a str>) -> String {
    let words: Vec<String> = words.map(|word| format!("`{word}`")).collect();
    match words.split_last() {
        None => String::new(),
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
    }
}

/// An organisation: the ministry, a department, a unit administration, a
/// placement company, an agency or an institution.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Organisation {
    pub id: String,
    pub name: String,
    pub kind: OrganisationKind,
    pub parent: Option<String>,
}

/// A unit of the armed forces; units form a tree through `parent`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Unit {
    pub id: String,
    pub name: String,
    pub parent: Option<String>,
    pub branch: Branch,
    pub tags: Vec<String>,
    pub administration: Option<String>,
}

/// A place people are deployed to: a mine, a restoration zone, a farm.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Site {
    pub id: String,
    pub name: String,
    pub province: String,
    pub kind: String,
}

/// What a site needs during a period.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Campaign {
    pub id: String,
    pub site: String,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub required: u32,
    pub required_technicians: Option<u32>,
}

/// A person: a serving or former soldier, or a civilian.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Person {
    pub id: String,
    pub name: String,
    pub born: NaiveDate,
    pub sex: Sex,
    pub home_province: String,
    pub home_county: String,
    /// `None` for one who never served.
    pub branch: Option<Branch>,
    pub rank: String,
    pub specialty: String,
    /// `None` for one who never served.
    pub enlisted: Option<NaiveDate>,
    /// Set exactly when `enlisted` is.
    pub term_months: Option<u32>,
}

/// An assignment of a person to a unit, from its first day to its last
/// (`None` while it lasts).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct Assignment {
    pub person: String,
    pub unit: String,
    pub from: NaiveDate,
    pub to: Option<NaiveDate>,
}

/// Who a deployment sends: a whole unit (with its sub-units) or one person.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase", tag = "kind", content = "id")]
pub enum Deployed {
    Unit(String),
    Person(String),
}

/// A unit or a person sent to a site.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct Deployment {
    pub deployed: Deployed,
    pub site: String,
    /// Empty when the deployment belongs to no campaign.
    pub campaign: String,
    pub from: NaiveDate,
    pub to: Option<NaiveDate>,
}

/// Something that happened to a person on a day.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct Event {
    pub person: String,
    pub date: NaiveDate,
    pub kind: EventKind,
    /// The id it refers to (an organisation or a site), or empty.
    #[serde(rename = "ref")]
    pub reference: String,
    pub detail: String,
}

/// An exemption paper as issued: who it exempts, from what, on which
/// grounds, who issued it and the period it bears (`spec/exemptions.md`).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct Paper {
    /// The number written on the paper (empty for a paper read from an
    /// `exempted` event).
    pub document: String,
    pub person: String,
    /// What it exempts from: `redeployment`, `delay`, `call-up`,
    /// `overseas-posting` or another list kind.
    pub scope: String,
    pub grounds: Grounds,
    pub text: String,
    /// The organisation that issued it.
    pub issuer: String,
    /// The official who signed it, or empty.
    pub official: String,
    /// The day the paper bears.
    pub issued_on: NaiveDate,
    pub valid_from: NaiveDate,
    /// Its last day; `None` when it has no end.
    pub valid_until: Option<NaiveDate>,
}

/// The end of a paper before its term: from the day, with the reason.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct Revocation {
    pub on: NaiveDate,
    pub reason: String,
}

/// A paper in the register: its number there, and its revocation.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct HeldPaper {
    /// muster's own number: `X-000123` for a paper entered as one,
    /// `E-000123` for one read from an `exempted` event.
    pub id: String,
    pub paper: Paper,
    pub revoked: Option<Revocation>,
}

impl Paper {
    /// A paper read from an `exempted` event: the ref is the issuer, the
    /// detail's text before the first `:` the scope and the rest the text,
    /// grounds `other`, no document number, valid from its day without end.
    pub fn of_event(event: &Event) -> Paper {
        let text = event.detail.split_once(':').map_or("", |(_, text)| text).trim();
        Paper {
            document: String::new(),
            person: event.person.clone(),
            scope: event.exemption_scope().to_string(),
            grounds: Grounds::Other,
            text: text.to_string(),
            issuer: event.reference.clone(),
            official: String::new(),
            issued_on: event.date,
            valid_from: event.date,
            valid_until: None,
        }
    }
}

impl HeldPaper {
    /// The days it exempts: from its first day of validity to its last, or
    /// to the day before its revocation; `None` when that is no day at all.
    pub fn period(&self) -> Option<(NaiveDate, Option<NaiveDate>)> {
        let from = self.paper.valid_from;
        let mut to = self.paper.valid_until;
        if let Some(revoked) = &self.revoked {
            let last = revoked.on.pred_opt()?;
            to = Some(to.map_or(last, |to| to.min(last)));
        }
        match to {
            Some(to) if to < from => None,
            to => Some((from, to)),
        }
    }

    /// Whether it exempts on `day`: valid that day and not revoked by then.
    pub fn holds_on(&self, day: NaiveDate) -> bool {
        self.period().is_some_and(|(from, to)| covers(from, to, day))
    }
}

impl Unit {
    /// Whether the unit carries the tag itself.
    pub fn has_tag(&self, tag: &str) -> bool {
        self.tags.iter().any(|own| own == tag)
    }
}

/// Whether `day` lies within `from ..= to`, `to` being open when `None`.
pub fn covers(from: NaiveDate, to: Option<NaiveDate>, day: NaiveDate) -> bool {
    from <= day && to.is_none_or(|to| day <= to)
}

impl Assignment {
    /// Whether the person is assigned on `day`.
    pub fn covers(&self, day: NaiveDate) -> bool {
        covers(self.from, self.to, day)
    }
}

impl Deployment {
    /// Whether the deployment lasts on `day`.
    pub fn covers(&self, day: NaiveDate) -> bool {
        covers(self.from, self.to, day)
    }
}

impl Event {
    /// The scope of an `exempted` event: the detail's text before its first
    /// `:`, trimmed.
    pub fn exemption_scope(&self) -> &str {
        self.detail.split(':').next().unwrap_or_default().trim()
    }
}
