//! The people: soldiers, serving and former, and civilians who never
//! served. Each person is drawn whole (service, deployments, events), then
//! written, then forgotten, so memory does not grow with their number.
//!
//! A soldier's life: enlisted at 17 or 18, a term of 120 months (84 for a
//! woman), one to four consecutive assignments at leaf units of his branch
//! (the first more often in an important command), deployed wherever his
//! units are sent and never moved out of a unit while it is away,
//! discharged at the first spring or autumn cycle on or after his term end
//! (a few early, often after an injury; those kept at Gomdok in 2020 at the
//! next spring), assigned up to the day before; exemption papers for a few,
//! from institutions and unit administrations mostly; after that, often
//! posted abroad by a placement company, and back years later. A civilian:
//! labour at sites, postings abroad. Anyone may be injured (at a mine most
//! often) or killed, and nothing follows a death.

use chrono::Datelike;
use rand::Rng;

use crate::GenerateError;
use crate::army::{Army, Branch};
use crate::campaigns::Plan;
use crate::days::{Day, DayText, add_months, date_of, discharge_cycle, ymd};
use crate::geography::{PROVINCES, SITES, SiteKind};
use crate::names::Names;
use crate::organisations::{INSTITUTIONS, MEDICAL_COLLEGE, PLACEMENTS};
use crate::output::{Table, digits, person_id};
use crate::random::{Random, Weighted, pick_from, pick_uniform};

/// The share of people who never served.
const CIVILIAN_SHARE: f64 = 0.10;

/// The branches of soldiers, in thousandths.
const SOLDIER_BRANCHES: &[(Branch, u32)] =
    &[(Branch::Army, 815), (Branch::Navy, 80), (Branch::Air, 90), (Branch::Strategic, 15)];

/// The terms of men, in months, with weights; women serve 84 months.
const MALE_TERMS: &[(u32, u32)] = &[(120, 80), (84, 5), (96, 5), (126, 5), (132, 5)];

/// The term of women, in months.
const FEMALE_TERM: u32 = 84;

/// The months soldiers enlist in, with weights.
const ENLISTMENT_MONTHS: &[(u32, u32)] =
    &[(3, 10), (4, 35), (5, 20), (6, 5), (8, 10), (9, 10), (10, 10)];

/// How many assignments a full term holds, with weights.
const ASSIGNMENT_COUNTS: &[(usize, u32)] = &[(1, 5), (2, 15), (3, 35), (4, 45)];

/// The specialties of soldiers, in thousandths; the empty one is none.
const SOLDIER_SPECIALTIES: &[(&str, u32)] = &[
    ("technician", 150),
    ("driver", 110),
    ("mechanic", 80),
    ("builder", 100),
    ("miner", 50),
    ("welder", 40),
    ("electrician", 50),
    ("cook", 50),
    ("signaller", 50),
    ("medic", 30),
    ("", 290),
];

/// The specialties of civilians, in thousandths.
const CIVILIAN_SPECIALTIES: &[(&str, u32)] = &[
    ("labourer", 350),
    ("miner", 150),
    ("builder", 100),
    ("farmer", 100),
    ("driver", 50),
    ("technician", 50),
    ("welder", 30),
    ("", 170),
];

/// The admission category that exempted from the Gomdok hold of 2020.
const CENTRAL_UNIVERSITY: &str = "central-university";

/// The scope of the papers sought against a redeployment to the mines.
const REDEPLOYMENT: &str = "redeployment";

/// The department, which issues papers when no unit administration can.
const DEPARTMENT: &str = "errd";

/// The specialty that is scarce, counted apart for the campaigns.
const TECHNICIAN: &str = "technician";

/// The enlisted ranks, one step for about two years of service.
const RANKS: &[&str] =
    &["private", "corporal", "junior sergeant", "sergeant", "staff sergeant", "master sergeant"];

/// What an exemption exempts from, with weights: the list kinds and the
/// discharge delays of `spec/exemptions.md`.
const EXEMPTION_SCOPES: &[(&str, u32)] =
    &[("redeployment", 60), ("delay", 25), ("overseas-posting", 15)];

/// Who issues an exemption paper.
#[derive(Clone, Copy, Debug)]
enum Issuer {
    /// An organisation of the fixed set.
    Organisation(&'static str),
    /// One of these, each as likely: the organisations of one kind issue
    /// alike, so that the anomaly report's equal-share test holds them to
    /// the truth.
    AnyOf(&'static [&'static str]),
    /// The administration of the soldier's unit on the day.
    Administration,
}

/// The institutions, each issuing medical certificates as often.
const INSTITUTION_IDS: &[&str] =
    &["central-univ", "kim-chaek-univ", "pyongyang-medical", "hamhung-chemical-univ"];

/// The agencies.
const AGENCIES: &[&str] = &["msc", "mss", "msoc"];

/// The grounds of exemption papers: the words, who issues them (with
/// weights), and whether they rest on an earlier injury or admission.
struct Grounds {
    text: &'static str,
    /// The grounds word of `spec/exemptions.md`.
    word: &'static str,
    issuers: &'static [(Issuer, u32)],
    needs_evidence: bool,
}

/// The grounds of exemptions, with weights. Most papers come from
/// institutions and unit administrations; the agencies and the department
/// issue the rest.
const EXEMPTION_GROUNDS: &[(Grounds, u32)] = &[
    (
        Grounds {
            text: "medical certificate",
            word: "medical",
            issuers: &[
                (Issuer::AnyOf(INSTITUTION_IDS), 60),
                (Issuer::Administration, 30),
                (Issuer::AnyOf(AGENCIES), 10),
            ],
            needs_evidence: true,
        },
        50,
    ),
    (
        Grounds {
            text: "family hardship",
            word: "family",
            issuers: &[(Issuer::Administration, 65), (Issuer::AnyOf(AGENCIES), 35)],
            needs_evidence: false,
        },
        22,
    ),
    (
        Grounds {
            text: "technician shortage",
            word: "technical",
            issuers: &[(Issuer::Administration, 60), (Issuer::Organisation("errd"), 40)],
            needs_evidence: false,
        },
        16,
    ),
    (
        Grounds {
            text: "injury record",
            word: "medical",
            issuers: &[(Issuer::Administration, 70), (Issuer::AnyOf(AGENCIES), 30)],
            needs_evidence: true,
        },
        12,
    ),
];

/// The grounds of the papers an institution issues to a soldier it
/// admitted.
const ADMISSION_GROUNDS: &str = "admission papers";

/// The chance that a soldier admitted to the least chosen institution has
/// his papers on the grounds of that admission; at the others, in the
/// inverse of how often they admit, so that each institution issues as
/// many admission papers.
const ON_ADMISSION: f64 = 0.5;

/// The days before a paper its evidence may lie, as the limits of
/// `spec/exemptions.md` count them.
const EVIDENCE_DAYS: Day = 180;

/// The chance that a soldier sent to the mines gets papers against being
/// redeployed there, during one of his stays.
const MINE_PAPERS: f64 = 0.06;

/// The chance that a soldier gets exemption papers at some time of his
/// service, besides those sought at the mines.
const PAPERS: f64 = 0.02;

/// The days of 18 years, near enough, from birth to adulthood.
const ADULTHOOD_DAYS: Day = 18 * 365 + 4;

/// What an event records.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Admitted,
    Discharged,
    Posted,
    Returned,
    Injured,
    Killed,
    Awol,
}

impl Kind {
    fn as_str(self) -> &'static str {
        match self {
            Kind::Admitted => "admitted",
            Kind::Discharged => "discharged",
            Kind::Posted => "posted",
            Kind::Returned => "returned",
            Kind::Injured => "injured",
            Kind::Killed => "killed",
            Kind::Awol => "awol",
        }
    }
}

/// What an event refers to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Reference {
    Nothing,
    Organisation(&'static str),
    /// The administration of a top command, by its index in
    /// [`Army::commands`].
    Administration(u32),
    /// The index of a site in [`SITES`].
    Site(usize),
}

/// The detail of an event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Detail {
    Nothing,
    Text(&'static str),
}

/// An exemption paper drawn for a person (a row of `exemptions.csv`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Paper {
    date: Day,
    scope: &'static str,
    grounds: &'static str,
    text: &'static str,
    issuer: Reference,
    planted: Option<Planted>,
}

/// What is wrong with a planted paper: the finding of the anomaly report
/// that should name it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Planted {
    /// Sold by one administration (`issuer-rate`).
    Sold,
    /// Entered long after the day it bears (`dated-back`): written to
    /// `late-papers.csv`, to be entered by `exemption issue`.
    Late,
    /// Bearing the number of another person's paper (`duplicate-document`).
    Reused,
    /// A medical paper with no injury or admission before it
    /// (`uncorroborated`).
    Uncorroborated,
}

impl Planted {
    fn finding(self) -> &'static str {
        match self {
            Planted::Sold => "issuer-rate",
            Planted::Late => "dated-back",
            Planted::Reused => "duplicate-document",
            Planted::Uncorroborated => "uncorroborated",
        }
    }
}

/// In ten thousand soldiers serving in the horizon's year, those of the
/// selling administration who buy a paper from it.
const SOLD: u32 = 100;

/// In ten thousand soldiers serving in the horizon's year, those with a
/// planted paper of each other kind.
const PLANTED_EACH: u32 = 6;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Event {
    date: Day,
    kind: Kind,
    reference: Reference,
    detail: Detail,
}

/// An assignment to a unit; `to` is `None` while it lasts at the horizon.
#[derive(Clone, Copy, Debug)]
struct Assignment {
    unit: u32,
    from: Day,
    to: Option<Day>,
}

/// A deployment naming the person.
#[derive(Clone, Copy, Debug)]
struct Individual {
    site: usize,
    campaign: Option<u32>,
    from: Day,
    to: Option<Day>,
}

/// Days a person spends at a site, however he was sent, up to the horizon.
#[derive(Clone, Copy, Debug)]
struct Span {
    site: usize,
    campaign: Option<u32>,
    from: Day,
    to: Day,
}

/// A soldier's enlistment and its end.
#[derive(Clone, Copy, Debug)]
struct Service {
    branch: Branch,
    enlisted: Day,
    term_months: u32,
    rank: &'static str,
}

/// One person being drawn; its buffers are kept from one person to the
/// next.
#[derive(Default)]
struct Life {
    name: String,
    female: bool,
    born: Day,
    province: usize,
    county: &'static str,
    specialty: &'static str,
    service: Option<Service>,
    assignments: Vec<Assignment>,
    individual: Vec<Individual>,
    spans: Vec<Span>,
    events: Vec<Event>,
    papers: Vec<Paper>,
    /// The campaigns the person was counted in.
    counted: Vec<u32>,
    /// The first day he may be posted abroad again: the day after his
    /// last return, `Day::MAX` when he never came back.
    home_from: Day,
    /// The text of a detail being written.
    detail: String,
}

impl Life {
    fn clear(&mut self) {
        self.service = None;
        self.specialty = "";
        self.assignments.clear();
        self.individual.clear();
        self.spans.clear();
        self.events.clear();
        self.papers.clear();
        self.counted.clear();
        self.home_from = 0;
    }

    fn event(&mut self, date: Day, kind: Kind, reference: Reference, detail: Detail) {
        self.events.push(Event { date, kind, reference, detail });
    }

    /// The unit the person is assigned to on `day`, if any.
    fn unit_on(&self, day: Day) -> Option<u32> {
        self.assignments
            .iter()
            .find(|assignment| assignment.from <= day && assignment.to.is_none_or(|to| day <= to))
            .map(|assignment| assignment.unit)
    }

    /// The site the person is at on `day`, if any.
    fn site_on(&self, day: Day) -> Reference {
        self.spans
            .iter()
            .find(|span| span.from <= day && day <= span.to)
            .map_or(Reference::Nothing, |span| Reference::Site(span.site))
    }
}

/// The files the people are written to.
pub(crate) struct PeopleTables {
    pub(crate) people: Table,
    pub(crate) service: Table,
    pub(crate) deployments: Table,
    pub(crate) events: Table,
    pub(crate) exemptions: Table,
    /// With `--plant-anomalies`: the planted papers' truth, and the papers
    /// to enter late.
    pub(crate) planted: Option<(Table, Table)>,
    /// The papers numbered so far, for their document numbers.
    pub(crate) papers: u64,
    /// A planted paper whose number waits for a second person.
    pub(crate) reused: Option<(Vec<u8>, Vec<u8>)>,
}

/// How many people each campaign had on the day it is counted on.
pub(crate) struct CampaignCounts {
    pub(crate) people: Vec<u64>,
    pub(crate) technicians: Vec<u64>,
}

/// Everything people are drawn from.
pub(crate) struct Population<'a> {
    army: &'a Army,
    plan: &'a Plan,
    days: &'a DayText,
    horizon: Day,
    soldier_born: (Day, Day),
    civilian_born: (Day, Day),
    /// The autumn of 2020 closed borders until summer 2023: no one left
    /// or came back in between.
    border_closure: (Day, Day),
    names: Names,
    provinces: Weighted,
    branches: Weighted,
    male_terms: Weighted,
    enlistment_months: Weighted,
    assignment_counts: Weighted,
    soldier_specialties: Weighted,
    civilian_specialties: Weighted,
    exemption_scopes: Weighted,
    exemption_grounds: Weighted,
    /// For each grounds of [`EXEMPTION_GROUNDS`], its issuers.
    issuers: Vec<Weighted>,
    institutions: Weighted,
    placements: Weighted,
    countries: Vec<Weighted>,
    /// With `--plant-anomalies`, the command whose administration sells
    /// papers.
    pub(crate) seller: Option<u32>,
}

impl<'a> Population<'a> {
    pub(crate) fn new(army: &'a Army, plan: &'a Plan, days: &'a DayText, horizon: Day) -> Self {
        let year = crate::days::year_of(horizon);
        Population {
            army,
            plan,
            days,
            horizon,
            soldier_born: (ymd(year - 60, 1, 1), ymd(year - 17, 8, 31)),
            // A civilian is an adult at the horizon.
            civilian_born: (ymd(year - 65, 1, 1), horizon - ADULTHOOD_DAYS),
            border_closure: (ymd(2020, 2, 1), ymd(2023, 8, 1)),
            names: Names::new(),
            provinces: Weighted::new(
                PROVINCES.iter().map(|province| province.population_thousands),
            ),
            branches: Weighted::of(SOLDIER_BRANCHES),
            male_terms: Weighted::of(MALE_TERMS),
            enlistment_months: Weighted::of(ENLISTMENT_MONTHS),
            assignment_counts: Weighted::of(ASSIGNMENT_COUNTS),
            soldier_specialties: Weighted::of(SOLDIER_SPECIALTIES),
            civilian_specialties: Weighted::of(CIVILIAN_SPECIALTIES),
            exemption_scopes: Weighted::of(EXEMPTION_SCOPES),
            exemption_grounds: Weighted::of(EXEMPTION_GROUNDS),
            issuers: EXEMPTION_GROUNDS
                .iter()
                .map(|(grounds, _)| Weighted::of(grounds.issuers))
                .collect(),
            institutions: Weighted::of(INSTITUTIONS),
            placements: Weighted::new(PLACEMENTS.iter().map(|(_, weight)| *weight)),
            countries: PLACEMENTS
                .iter()
                .map(|(placement, _)| Weighted::of(placement.countries))
                .collect(),
            seller: None,
        }
    }

    /// Draws and writes `count` people, telling `progress` how many are
    /// done; returns the people counted in each campaign.
    pub(crate) fn write(
        &self,
        count: u64,
        tables: &mut PeopleTables,
        random: &mut Random,
        planting: &mut Random,
        progress: &mut dyn FnMut(u64),
    ) -> Result<CampaignCounts, GenerateError> {
        let campaigns = self.plan.campaigns.len();
        let mut counts =
            CampaignCounts { people: vec![0; campaigns], technicians: vec![0; campaigns] };
        let width = count.to_string().len().max(7);
        let mut life = Life::default();
        let mut id_buffer = [0u8; 24];
        for number in 1..=count {
            self.draw(random, &mut life);
            if life.service.is_some() {
                self.plant(planting, &mut life);
            }
            self.count(&mut life, &mut counts);
            let id = person_id(number, width, &mut id_buffer);
            self.write_life(id, &mut life, tables)?;
            if number % 16_384 == 0 {
                progress(number);
            }
        }
        progress(count);
        Ok(counts)
    }

    /// Draws one whole person into `life`.
    fn draw(&self, random: &mut Random, life: &mut Life) {
        life.clear();
        life.province = self.provinces.pick(random);
        let counties = PROVINCES[life.province].counties;
        life.county = pick_uniform(counties, random).unwrap_or("");
        if random.random_bool(CIVILIAN_SHARE) {
            self.draw_civilian(random, life);
        } else {
            self.draw_soldier(random, life);
        }
        self.draw_hazards(random, life);
        self.end_at_death(life);
        let horizon = self.horizon;
        life.events.retain(|event| event.date <= horizon);
        let death =
            life.events.iter().find(|event| event.kind == Kind::Killed).map(|event| event.date);
        life.papers
            .retain(|paper| paper.date <= horizon && death.is_none_or(|death| paper.date < death));
        life.events.sort_by_key(|event| event.date);
        forget_repeats(&mut life.events);
    }

    fn draw_soldier(&self, random: &mut Random, life: &mut Life) {
        let horizon = self.horizon;
        life.female = random.random_bool(0.15);
        self.names.draw(life.female, random, &mut life.name);
        life.born = random.random_range(self.soldier_born.0..=self.soldier_born.1);
        let born = date_of(life.born);
        let age = if born.month() >= 9 || random.random_bool(0.25) { 18 } else { 17 };
        let month = pick_from(ENLISTMENT_MONTHS, &self.enlistment_months, random);
        let mut enlisted = ymd(born.year() + age, month, random.random_range(1..=28));
        if enlisted > horizon {
            enlisted = horizon - random.random_range(0..60);
        }
        let term_months =
            if life.female { FEMALE_TERM } else { pick_from(MALE_TERMS, &self.male_terms, random) };
        let term_end = add_months(enlisted, term_months);
        let cycle = discharge_cycle(term_end);
        let mut discharge = cycle;
        let mut early = false;
        if random.random_bool(0.03) && cycle - enlisted > 240 {
            discharge = enlisted + random.random_range(180..cycle - enlisted - 30);
            early = true;
        }
        // The last day of the service as planned; a hold at a site may
        // lengthen it.
        let last_planned = discharge - 1;
        let branch = pick_from(SOLDIER_BRANCHES, &self.branches, random);
        life.specialty = pick_from(SOLDIER_SPECIALTIES, &self.soldier_specialties, random);

        // The assignments split the planned service at random days; those
        // starting after the horizon are not known yet.
        let length = last_planned - enlisted + 1;
        let wanted = pick_from(ASSIGNMENT_COUNTS, &self.assignment_counts, random);
        let count = wanted.min(usize::try_from(length / 150).unwrap_or(1).max(1));
        let mut starts = [0 as Day; 4];
        let mut found = 1;
        for _ in 1..count {
            let start = random.random_range(1..length);
            if !starts[..found].contains(&start) {
                starts[found] = start;
                found += 1;
            }
        }
        starts[..found].sort_unstable();
        let mut command = None;
        for index in 0..found {
            let from = enlisted + starts[index];
            if from > horizon {
                break;
            }
            let to =
                if index + 1 < found { enlisted + starts[index + 1] - 1 } else { last_planned };
            let chosen = self.pick_command(branch, index, command, random);
            command = Some(chosen);
            // A new assignment is to another unit, as a rule.
            let previous = life.assignments.last().map(|assignment| assignment.unit);
            let mut unit = self.army.pick_unit(chosen, random);
            for _ in 0..3 {
                if Some(unit) != previous {
                    break;
                }
                unit = self.army.pick_unit(chosen, random);
            }
            life.assignments.push(Assignment { unit, from, to: Some(to) });
        }
        // Soldiers near the end of their term were sent to restore Gomdok
        // in the autumn of 2020.
        if let Some(gomdok) = &self.plan.gomdok
            && let Some(last) = life.assignments.last_mut()
            && branch == Branch::Army
            && !early
            && cycle == gomdok.cycle
            && cycle <= horizon
            && random.random_bool(0.25)
            && let Some(unit) = pick_uniform(&gomdok.leaves, random)
        {
            last.unit = unit;
        }
        self.keep_with_deployed_units(life);
        life.assignments.retain(|assignment| assignment.from <= horizon);

        if random.random_bool(0.035) {
            let date = (term_end - random.random_range(365..=1095)).max(enlisted + 180);
            if date < discharge.min(horizon + 1) {
                let index = self.institutions.pick(random);
                let ((institution, category), _) = INSTITUTIONS[index];
                life.event(
                    date,
                    Kind::Admitted,
                    Reference::Organisation(institution),
                    Detail::Text(category),
                );
            }
        }
        // Those at Gomdok on their autumn 2020 cycle day were kept there
        // until the spring, as the department ordered; an admission to a
        // central university exempted them.
        if let Some(gomdok) = &self.plan.gomdok
            && !early
            && cycle == gomdok.cycle
            && let Some(last) = life.assignments.last()
            && self.away_at(last.unit, gomdok.site, cycle)
            && !life.events.iter().any(|event| {
                event.kind == Kind::Admitted
                    && event.detail == Detail::Text(CENTRAL_UNIVERSITY)
                    && event.date <= cycle
            })
        {
            discharge = discharge_cycle(cycle + 1);
        }
        let discharged = discharge <= horizon;
        // The last day served, or the horizon for one still serving.
        let service_end = if discharged { discharge - 1 } else { horizon };
        // He stays in his last unit up to the day before his discharge, or
        // is still there at the horizon.
        if let Some(last) = life.assignments.last_mut() {
            last.to = discharged.then_some(discharge - 1);
        }
        self.add_unit_spans(life);

        // About one step every two and a half years, some faster, some
        // slower.
        let months = (service_end - enlisted) / 30;
        let step = usize::try_from(months / 30).unwrap_or(0);
        let rank_index = match random.random_range(0..6) {
            0 => step.saturating_sub(2),
            1 | 2 => step.saturating_sub(1),
            5 => step + 1,
            _ => step,
        };
        let rank = if months < 6 { RANKS[0] } else { RANKS[rank_index.min(RANKS.len() - 1)] };
        life.service = Some(Service { branch, enlisted, term_months, rank });

        // Sent alone to a mine to replace the injured and the dead.
        if random.random_bool(0.025) {
            self.deploy_alone(random, life, (enlisted + 90, service_end), true);
        }
        if random.random_bool(PAPERS) && enlisted + 90 <= service_end {
            let date = random.random_range(enlisted + 90..=service_end);
            let scope = pick_from(EXEMPTION_SCOPES, &self.exemption_scopes, random);
            self.draw_paper(random, life, date, scope, false);
        }
        // Some of those sent to the mines seek papers against being
        // redeployed there, while they are at one.
        let mine_stay = |span: &&Span| {
            SITES[span.site].kind == SiteKind::Mine && span.from + 7 <= span.to.min(service_end)
        };
        let at_mines = life.spans.iter().filter(mine_stay).count();
        if at_mines > 0 && random.random_bool(MINE_PAPERS) {
            let chosen = random.random_range(0..at_mines);
            let stay = life.spans.iter().filter(mine_stay).nth(chosen).copied();
            if let Some(stay) = stay {
                let date = random.random_range(stay.from + 7..=stay.to.min(service_end));
                self.draw_paper(random, life, date, REDEPLOYMENT, true);
            }
        }
        // A few serving soldiers are posted abroad with their unit's
        // construction brigades.
        if random.random_bool(0.012) && enlisted + 365 <= service_end {
            let start = random.random_range(enlisted + 365..=service_end);
            self.post_abroad(random, life, start, 0.0);
        }
        if early && random.random_bool(0.6) {
            let date = (discharge - random.random_range(7..=60)).max(enlisted);
            let site = life.site_on(date);
            life.event(date, Kind::Injured, site, Detail::Nothing);
        }
        if discharged {
            life.event(discharge, Kind::Discharged, Reference::Nothing, Detail::Nothing);
            if random.random_bool(0.58) {
                let start = discharge + random.random_range(30..=2500);
                self.post_abroad(random, life, start, 0.45);
            }
            if random.random_bool(0.02) {
                self.deploy_alone(random, life, (discharge + 30, horizon), false);
            }
        }
        if random.random_bool(0.002) {
            let date = random.random_range(enlisted..=horizon);
            life.event(date, Kind::Killed, Reference::Nothing, Detail::Nothing);
        }
        if random.random_bool(0.06) {
            let date = random.random_range(enlisted..=horizon);
            let site = life.site_on(date);
            life.event(date, Kind::Injured, site, Detail::Nothing);
        }
    }

    /// An exemption paper of `scope` issued on `date` to a serving soldier:
    /// on the grounds of his admission to an institution, by it, or on
    /// other grounds, resting on an earlier injury when the grounds need
    /// one. Papers sought `at_mine` come from institutions, never from
    /// the administration that sent him there.
    fn draw_paper(
        &self,
        random: &mut Random,
        life: &mut Life,
        date: Day,
        scope: &'static str,
        at_mine: bool,
    ) {
        let admission = life
            .events
            .iter()
            .rev()
            .find(|event| event.kind == Kind::Admitted && event.date <= date)
            .map(|event| event.reference);
        let on_admission = |institution: Reference| match institution {
            Reference::Organisation(id) => {
                let weight = INSTITUTIONS
                    .iter()
                    .find(|((institution, _), _)| *institution == id)
                    .map_or(1, |(_, weight)| *weight);
                let least = INSTITUTIONS.iter().map(|(_, weight)| *weight).min().unwrap_or(1);
                ON_ADMISSION * f64::from(least) / f64::from(weight.max(1))
            }
            _ => 0.0,
        };
        let paper = match admission {
            Some(institution) if random.random_bool(on_admission(institution)) => Paper {
                date,
                scope,
                grounds: "education",
                text: ADMISSION_GROUNDS,
                issuer: institution,
                planted: None,
            },
            _ => {
                let index = self.exemption_grounds.pick(random).min(EXEMPTION_GROUNDS.len() - 1);
                let (grounds, _) = &EXEMPTION_GROUNDS[index];
                let enlisted = life.service.map_or(date, |service| service.enlisted);
                let earliest = (date - EVIDENCE_DAYS).max(enlisted);
                let has_evidence = life.events.iter().any(|event| {
                    matches!(event.kind, Kind::Injured | Kind::Admitted)
                        && earliest <= event.date
                        && event.date < date
                });
                if grounds.needs_evidence && !has_evidence && earliest < date {
                    let day = random.random_range(earliest..date);
                    let site = life.site_on(day);
                    life.event(day, Kind::Injured, site, Detail::Nothing);
                }
                let issuer = match pick_from(grounds.issuers, &self.issuers[index], random) {
                    Issuer::Administration if at_mine => Reference::Organisation(
                        pick_uniform(INSTITUTION_IDS, random).unwrap_or(MEDICAL_COLLEGE),
                    ),
                    issuer => self.issuer_of(issuer, life, date, random),
                };
                Paper {
                    date,
                    scope,
                    grounds: grounds.word,
                    text: grounds.text,
                    issuer,
                    planted: None,
                }
            }
        };
        life.papers.push(paper);
    }

    /// The organisation behind `issuer` for a paper of `date`.
    fn issuer_of(&self, issuer: Issuer, life: &Life, date: Day, random: &mut Random) -> Reference {
        match issuer {
            Issuer::Organisation(id) => Reference::Organisation(id),
            Issuer::AnyOf(ids) => {
                Reference::Organisation(pick_uniform(ids, random).unwrap_or(DEPARTMENT))
            }
            Issuer::Administration => {
                life.unit_on(date).map_or(Reference::Organisation(DEPARTMENT), |unit| {
                    Reference::Administration(self.army.units[unit as usize].command)
                })
            }
        }
    }

    /// With `--plant-anomalies`: the known bad papers of a soldier who
    /// serves in the horizon's year, drawn from their own stream (the army
    /// is the same with or without them): papers sold by one
    /// administration, papers entered late, document numbers reused, and
    /// medical papers resting on nothing recorded.
    fn plant(&self, random: &mut Random, life: &mut Life) {
        let Some(seller) = self.seller else {
            return;
        };
        let year_start = ymd(crate::days::year_of(self.horizon), 1, 1);
        let death = life
            .events
            .iter()
            .filter(|event| event.kind == Kind::Killed)
            .map(|event| event.date)
            .min()
            .unwrap_or(Day::MAX);
        let last = self.horizon.min(death.saturating_sub(1));
        let Some((from, to, unit)) = life.assignments.iter().rev().find_map(|assignment| {
            let from = assignment.from.max(year_start);
            let to = assignment.to.unwrap_or(last).min(last);
            (from <= to).then_some((from, to, assignment.unit))
        }) else {
            return;
        };
        let command = self.army.units[unit as usize].command;
        let date = random.random_range(from..=to);
        let draw = random.random_range(0..10_000u32);
        let administration = Reference::Administration(command);
        let planted = if command == seller && draw < SOLD {
            Some((Planted::Sold, REDEPLOYMENT, "family", "family hardship", administration))
        } else if draw >= 10_000 - PLANTED_EACH {
            Some((Planted::Late, REDEPLOYMENT, "family", "family hardship", administration))
        } else if draw >= 10_000 - 2 * PLANTED_EACH {
            let issuer = Reference::Organisation(DEPARTMENT);
            Some((Planted::Reused, "delay", "technical", "technician shortage", issuer))
        } else if draw >= 10_000 - 3 * PLANTED_EACH {
            let earliest = date.saturating_sub(EVIDENCE_DAYS);
            let evidence = life.events.iter().any(|event| {
                matches!(event.kind, Kind::Injured | Kind::Admitted)
                    && earliest <= event.date
                    && event.date < date
            });
            let institution = pick_uniform(INSTITUTION_IDS, random).unwrap_or(MEDICAL_COLLEGE);
            let issuer = Reference::Organisation(institution);
            (!evidence).then_some((
                Planted::Uncorroborated,
                REDEPLOYMENT,
                "medical",
                "medical certificate",
                issuer,
            ))
        } else {
            None
        };
        if let Some((planted, scope, grounds, text, issuer)) = planted {
            life.papers.push(Paper { date, scope, grounds, text, issuer, planted: Some(planted) });
        }
    }

    /// Whether `unit`, itself or through a parent, is deployed at `site`
    /// on `day`.
    fn away_at(&self, unit: u32, site: usize, day: Day) -> bool {
        self.plan.covering[unit as usize].iter().any(|&index| {
            let deployment = &self.plan.deployments[index as usize];
            deployment.site == site
                && deployment.from <= day
                && deployment.to.is_none_or(|to| day <= to)
        })
    }

    /// The day a unit away at a site on the eve of `day` and on `day`
    /// itself is back: the day after its deployment ends, `Day::MAX` while
    /// it lasts at the horizon; `None` when it is not away then.
    fn back_from(&self, unit: u32, day: Day) -> Option<Day> {
        self.plan.covering[unit as usize]
            .iter()
            .map(|&index| &self.plan.deployments[index as usize])
            .filter(|deployment| deployment.from < day && deployment.to.is_none_or(|to| day <= to))
            .map(|deployment| deployment.to.map_or(Day::MAX, |to| to + 1))
            .max()
    }

    /// A soldier is not moved out of a unit while it is away at a site: a
    /// transfer waits for the unit's return, and is dropped when the next
    /// one (or the end of the planned service) comes first.
    fn keep_with_deployed_units(&self, life: &mut Life) {
        let assignments = &mut life.assignments;
        let mut index = 1;
        while index < assignments.len() {
            let leaving = assignments[index - 1].unit;
            let last = assignments[index].to.unwrap_or(Day::MAX);
            let mut start = assignments[index].from;
            while start <= last {
                match self.back_from(leaving, start) {
                    Some(back) => start = back,
                    None => break,
                }
            }
            if start > last {
                assignments[index - 1].to = assignments[index].to;
                assignments.remove(index);
            } else {
                assignments[index - 1].to = Some(start - 1);
                assignments[index].from = start;
                index += 1;
            }
        }
    }

    fn draw_civilian(&self, random: &mut Random, life: &mut Life) {
        let horizon = self.horizon;
        life.female = random.random_bool(0.45);
        self.names.draw(life.female, random, &mut life.name);
        life.born = random.random_range(self.civilian_born.0..=self.civilian_born.1);
        life.specialty = pick_from(CIVILIAN_SPECIALTIES, &self.civilian_specialties, random);
        let adult = life.born + ADULTHOOD_DAYS;
        if random.random_bool(0.06) {
            self.deploy_alone(random, life, (adult, horizon), false);
        }
        if random.random_bool(0.55) && adult + 365 <= horizon {
            let start = random.random_range(adult + 365..=horizon);
            self.post_abroad(random, life, start, 0.45);
        }
        if random.random_bool(0.002) {
            let date = random.random_range(adult..=horizon);
            life.event(date, Kind::Killed, Reference::Nothing, Detail::Nothing);
        }
        if random.random_bool(0.06) {
            let date = random.random_range(adult..=horizon);
            let site = life.site_on(date);
            life.event(date, Kind::Injured, site, Detail::Nothing);
        }
    }

    /// The command of a soldier's next assignment.
    fn pick_command(
        &self,
        branch: Branch,
        index: usize,
        current: Option<u32>,
        random: &mut Random,
    ) -> u32 {
        let army = self.army;
        if branch == Branch::Army {
            let important_chance = if index == 0 { 0.022 } else { 0.005 };
            if random.random_bool(important_chance) {
                return army.important_army.pick(random);
            }
        }
        if let Some(current) = current
            && !army.commands[current as usize].important
            && random.random_bool(0.6)
        {
            return current;
        }
        army.pool(branch).pick(random)
    }

    /// The days the person's units were deployed while he was in them.
    fn add_unit_spans(&self, life: &mut Life) {
        for assignment in &life.assignments {
            let assignment_to = assignment.to.unwrap_or(self.horizon);
            for &index in &self.plan.covering[assignment.unit as usize] {
                let deployment = &self.plan.deployments[index as usize];
                let from = assignment.from.max(deployment.from);
                let to = assignment_to.min(deployment.to.unwrap_or(self.horizon));
                if from <= to {
                    life.spans.push(Span {
                        site: deployment.site,
                        campaign: Some(deployment.campaign),
                        from,
                        to,
                    });
                }
            }
        }
    }

    /// Sends the person alone to a campaign within `window` (first and last
    /// day), to a mine when `mines`; the deployment lasts past the window's
    /// end only when that end is the horizon.
    fn deploy_alone(&self, random: &mut Random, life: &mut Life, window: (Day, Day), mines: bool) {
        let (first, last) = window;
        if first > last {
            return;
        }
        let campaigns = if mines { &self.plan.mine_campaigns } else { &self.plan.all_campaigns };
        for _ in 0..8 {
            let Some(index) = pick_uniform(campaigns, random) else {
                return;
            };
            let campaign = &self.plan.campaigns[index as usize];
            if campaign.from > last || campaign.to < first {
                continue;
            }
            let from = (campaign.from + random.random_range(0..=30)).max(first);
            let planned_to = (from + random.random_range(60..=300))
                .min(campaign.to + random.random_range(0..=15));
            if from > last || planned_to < from {
                continue;
            }
            let to = if planned_to <= last {
                Some(planned_to)
            } else if last >= self.horizon {
                None
            } else {
                Some(last)
            };
            let site = campaign.site;
            life.individual.push(Individual { site, campaign: Some(index), from, to });
            let span_to = to.unwrap_or(self.horizon).min(self.horizon);
            life.spans.push(Span { site, campaign: Some(index), from, to: span_to });
            return;
        }
    }

    /// Posts the person abroad from `start` (or from his return, when he is
    /// still abroad then), and again after each return with `again` as the
    /// chance.
    fn post_abroad(&self, random: &mut Random, life: &mut Life, start: Day, again: f64) {
        let mut start = self.outside_closure(start.max(life.home_from), random);
        for _ in 0..4 {
            if start > self.horizon {
                return;
            }
            life.home_from = Day::MAX;
            let index = self.placements.pick(random);
            let (placement, _) = &PLACEMENTS[index];
            let country = pick_from(placement.countries, &self.countries[index], random);
            let company = Reference::Organisation(placement.id);
            life.event(start, Kind::Posted, company, Detail::Text(country));
            let length = random.random_range(540..=1460);
            if random.random_bool(0.03) {
                let date = start + random.random_range(30..=length);
                life.event(date, Kind::Awol, Reference::Nothing, Detail::Nothing);
                return;
            }
            let back = self.outside_closure(start + length, random);
            if back > self.horizon {
                return;
            }
            life.event(back, Kind::Returned, company, Detail::Nothing);
            life.home_from = back + 1;
            if !random.random_bool(again) {
                return;
            }
            start = self.outside_closure(back + random.random_range(90..=900), random);
        }
    }

    /// A day moved past the border closure when it falls within it.
    fn outside_closure(&self, day: Day, random: &mut Random) -> Day {
        let (closed, reopened) = self.border_closure;
        if closed <= day && day < reopened { reopened + random.random_range(0..=365) } else { day }
    }

    /// Injuries and deaths at the sites the person was sent to.
    fn draw_hazards(&self, random: &mut Random, life: &mut Life) {
        for index in 0..life.spans.len() {
            let span = life.spans[index];
            let (injury, death) = match SITES[span.site].kind {
                SiteKind::Mine => (0.035, 0.002),
                SiteKind::Restoration | SiteKind::Construction => (0.012, 0.0005),
                SiteKind::Farm => (0.004, 0.0),
            };
            let mut month_start = span.from;
            while month_start <= span.to {
                let month_end = (month_start + 29).min(span.to);
                if random.random_bool(injury) {
                    let date = random.random_range(month_start..=month_end);
                    life.event(date, Kind::Injured, Reference::Site(span.site), Detail::Nothing);
                }
                if death > 0.0 && random.random_bool(death) {
                    let date = random.random_range(month_start..=month_end);
                    life.event(date, Kind::Killed, Reference::Site(span.site), Detail::Nothing);
                }
                month_start = month_end + 1;
            }
        }
    }

    /// Cuts the record at the first death: nothing after it, and the
    /// service and deployments end that day.
    fn end_at_death(&self, life: &mut Life) {
        let Some(death) = life
            .events
            .iter()
            .filter(|event| event.kind == Kind::Killed)
            .map(|event| event.date)
            .min()
        else {
            return;
        };
        let mut killed_kept = false;
        life.events.retain(|event| {
            if event.date < death {
                true
            } else if event.date == death && event.kind == Kind::Killed && !killed_kept {
                killed_kept = true;
                true
            } else {
                false
            }
        });
        life.assignments.retain(|assignment| assignment.from <= death);
        if let Some(last) = life.assignments.last_mut()
            && last.to.is_none_or(|to| to > death)
        {
            last.to = Some(death);
        }
        life.individual.retain(|deployment| deployment.from <= death);
        for deployment in &mut life.individual {
            if deployment.to.is_none_or(|to| to > death) {
                deployment.to = Some(death);
            }
        }
        life.spans.retain(|span| span.from <= death);
        for span in &mut life.spans {
            span.to = span.to.min(death);
        }
    }

    /// Counts the person in each campaign he is at on its counting day.
    fn count(&self, life: &mut Life, counts: &mut CampaignCounts) {
        let technician = life.specialty == TECHNICIAN;
        for span in &life.spans {
            let Some(campaign) = span.campaign else {
                continue;
            };
            let day = self.plan.campaigns[campaign as usize].counted_on;
            if span.from <= day && day <= span.to && !life.counted.contains(&campaign) {
                life.counted.push(campaign);
                counts.people[campaign as usize] += 1;
                if technician {
                    counts.technicians[campaign as usize] += 1;
                }
            }
        }
    }

    /// Writes the person's rows.
    fn write_life(
        &self,
        id: &[u8],
        life: &mut Life,
        tables: &mut PeopleTables,
    ) -> Result<(), GenerateError> {
        let days = self.days;
        let born = days.text(life.born);
        let sex: &[u8] = if life.female { b"F" } else { b"M" };
        let mut term_buffer = [0u8; 20];
        let (branch, rank, enlisted, term): (&[u8], &[u8], [u8; 10], &[u8]) = match &life.service {
            Some(service) => (
                service.branch.as_str().as_bytes(),
                service.rank.as_bytes(),
                days.text(service.enlisted),
                digits(u64::from(service.term_months), &mut term_buffer),
            ),
            None => (b"", b"", [0; 10], b""),
        };
        let enlisted: &[u8] = if life.service.is_some() { &enlisted } else { b"" };
        tables.people.row([
            id,
            life.name.as_bytes(),
            &born,
            sex,
            PROVINCES[life.province].name.as_bytes(),
            life.county.as_bytes(),
            branch,
            rank,
            life.specialty.as_bytes(),
            enlisted,
            term,
        ])?;
        for assignment in &life.assignments {
            let from = days.text(assignment.from);
            let to = assignment.to.map(|to| days.text(to));
            tables.service.row([
                id,
                self.army.units[assignment.unit as usize].id.as_bytes(),
                &from,
                to.as_ref().map_or(&[][..], |to| &to[..]),
            ])?;
        }
        for deployment in &life.individual {
            let from = days.text(deployment.from);
            let to = deployment.to.map(|to| days.text(to));
            let campaign = deployment
                .campaign
                .map_or(&b""[..], |index| self.plan.campaigns[index as usize].id.as_bytes());
            tables.deployments.row([
                b"",
                id,
                SITES[deployment.site].id.as_bytes(),
                campaign,
                &from,
                to.as_ref().map_or(&[][..], |to| &to[..]),
            ])?;
        }
        for event in &life.events {
            let date = days.text(event.date);
            let reference = self.reference(event.reference);
            life.detail.clear();
            match event.detail {
                Detail::Nothing => {}
                Detail::Text(text) => life.detail.push_str(text),
            }
            tables.events.row([
                id,
                &date,
                event.kind.as_str().as_bytes(),
                reference,
                life.detail.as_bytes(),
            ])?;
        }
        for paper in &life.papers {
            self.write_paper(id, paper, tables)?;
        }
        Ok(())
    }

    fn reference(&self, reference: Reference) -> &[u8] {
        match reference {
            Reference::Nothing => b"",
            Reference::Organisation(id) => id.as_bytes(),
            Reference::Administration(command) => {
                self.army.commands[command as usize].administration.as_bytes()
            }
            Reference::Site(site) => SITES[site].id.as_bytes(),
        }
    }

    /// Writes a paper to `exemptions.csv` (or, entered late, to
    /// `late-papers.csv`), and a planted one's truth to `planted.csv`.
    fn write_paper(
        &self,
        id: &[u8],
        paper: &Paper,
        tables: &mut PeopleTables,
    ) -> Result<(), GenerateError> {
        let date = self.days.text(paper.date);
        let issuer = self.reference(paper.issuer);
        tables.papers += 1;
        let prefix = match paper.grounds {
            "medical" => "MED",
            "family" => "FAM",
            "technical" => "TEC",
            "education" => "EDU",
            _ => "OTH",
        };
        let mut document =
            format!("{prefix}-{}/{:06}", crate::days::year_of(paper.date), tables.papers)
                .into_bytes();
        let mut truth: Vec<(Vec<u8>, Vec<u8>)> = Vec::new();
        if paper.planted == Some(Planted::Reused) {
            match tables.reused.take() {
                // The second paper bears the first one's number: both are
                // planted.
                Some((first, person)) => {
                    document.clone_from(&first);
                    truth.push((first, person));
                    truth.push((document.clone(), id.to_vec()));
                }
                None => tables.reused = Some((document.clone(), id.to_vec())),
            }
        } else if paper.planted.is_some() {
            truth.push((document.clone(), id.to_vec()));
        }
        let row = [
            &document[..],
            id,
            paper.scope.as_bytes(),
            paper.grounds.as_bytes(),
            paper.text.as_bytes(),
            issuer,
            b"",
            &date,
            &date,
            b"",
        ];
        match (&mut tables.planted, paper.planted) {
            (Some((_, late)), Some(Planted::Late)) => late.row(row)?,
            _ => tables.exemptions.row(row)?,
        }
        if let (Some((planted, _)), Some(kind)) = (&mut tables.planted, paper.planted) {
            for (document, person) in truth {
                planted.row([kind.finding().as_bytes(), &document, &person, issuer])?;
            }
        }
        Ok(())
    }
}

/// Keeps one of the events drawn twice for one day (an injury at a site and
/// another on the same day, say): they are one event, and the import refuses
/// a repeated one. `events` are sorted by day.
fn forget_repeats(events: &mut Vec<Event>) {
    let mut kept = 0;
    for index in 0..events.len() {
        let event = events[index];
        let day_start = events[..kept].iter().rposition(|earlier| earlier.date != event.date);
        let same_day = &events[day_start.map_or(0, |position| position + 1)..kept];
        if !same_day.contains(&event) {
            events[kept] = event;
            kept += 1;
        }
    }
    events.truncate(kept);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(date: Day, kind: Kind, reference: Reference) -> Event {
        Event { date, kind, reference, detail: Detail::Nothing }
    }

    #[test]
    fn an_event_drawn_twice_on_one_day_is_kept_once() {
        let injured = event(10, Kind::Injured, Reference::Site(2));
        let discharged = event(10, Kind::Discharged, Reference::Nothing);
        let elsewhere = event(10, Kind::Injured, Reference::Site(3));
        let later = event(11, Kind::Injured, Reference::Site(2));
        let mut events = vec![
            event(9, Kind::Injured, Reference::Site(2)),
            injured,
            discharged,
            injured,
            elsewhere,
            later,
            later,
        ];
        forget_repeats(&mut events);
        assert_eq!(
            events,
            vec![
                event(9, Kind::Injured, Reference::Site(2)),
                injured,
                discharged,
                elsewhere,
                later
            ]
        );
    }
}
