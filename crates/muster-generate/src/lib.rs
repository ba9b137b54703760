//! A synthetic dataset for muster, in its import format (see
//! `spec/dataset.md`), deterministic for a seed, fast enough for millions
//! of people.
//!
//! # The generated army
//!
//! **Organisations.** The ministry (`mod`) with its enlisted-rank
//! recruitment department (`errd`); the agencies `msc` (military security),
//! `mss` (state security) and `msoc` (social security); institutions
//! (`central-univ`, `kim-chaek-univ`, a medical college, a provincial
//! university); placement companies (`haebit`, `sonbong`, `korea-unha`,
//! `rungrado`, `paekho`), each posting to its own countries; and one
//! unit administration per top command (`adm-c1`, `adm-sgc`, ...), under
//! the ministry.
//!
//! **Units.** About one unit per 200 people (at least about 40), in trees
//! up to five levels deep (top command > division > regiment > battalion >
//! company) under the top commands: the important ones, tagged `important`
//! at their top only (`sgc`, the Supreme Guard Command; `strategic-force`,
//! branch `strategic`; `first-brigade`), numbered corps `c1` to `c12`
//! (fewer for small datasets), the fleets `east-fleet` and `west-fleet`
//! (branch `navy`) and air divisions `air1` to `air4` (branch `air`). A
//! unit's id extends its parent's (`c8-1-3`); some divisions and regiments
//! of the corps are tagged `engineering`; every unit is administered by the
//! administration of its top command.
//!
//! **Sites and campaigns.** Thirty sites across the provinces: mines (among
//! them `gomdok`, `yongyang`, `daehung`), flood-restoration zones,
//! construction sites and farms. Each site has campaigns in some years from
//! 2012 to the horizon (`musan-mining-2015`), and always
//! `gomdok-restoration-2020`, from September 2020 to May 2021, and a
//! campaign at Daehung of the horizon's year, from 150 days before the
//! horizon to 180 days after it, whose units are still there on the last
//! day. Each campaign gets whole units of the corps (a share of their leaf
//! units, engineering units first for restoration and construction); what
//! it requires is set from the people actually there on its middle day.
//!
//! **People.** A tenth are civilians who never served: labourers, miners,
//! farmers, sent to sites and posted abroad. The others are soldiers, born
//! 60 to 17 years before the horizon, enlisted at 17 or 18, mostly in
//! spring, for 120 months (some 84, 96, 126 or 132; women, about 15%,
//! 84). Their service is one to four consecutive assignments at leaf units
//! (or the units just above) of their branch, the first from the day they
//! enlisted, each ending the day before the next; about 4% serve in an
//! important command, mostly at first. A soldier stays with his unit while
//! it is away at a site: a transfer waits for its return, or is dropped. A
//! soldier is discharged on the first spring (02-01) or autumn (10-01)
//! cycle day on or after his term end, a few earlier (often after an
//! injury); he is assigned, and deployed with his unit, up to the day
//! before his discharge, and no longer after it; while he serves at the
//! horizon his assignment stays open. Many soldiers near their 2020 autumn
//! discharge were moved to units sent to Gomdok, and those there with their
//! unit on the cycle day were kept until 2021-02-01, as the reported order
//! `errd-2020-031` has it, but for those admitted to a central university
//! by then. After service, more than half are posted abroad (Russia, China,
//! the Gulf states, ...) and most come back years later (none across the
//! border closure of 2020 to 2023), a posting never beginning before the
//! return from the last; a few go absent without leave. Some are admitted
//! to institutions near the end of their term, some are sent alone to
//! mines. People at sites are injured, at mines most often, and a few are
//! killed: nothing is recorded after a death. No event is recorded twice:
//! two draws of one day (an injury at a site and another) are one event.
//!
//! **Exemption papers** (`exemptions.csv`). A few soldiers in a hundred
//! hold a paper (scopes `redeployment`, `delay` and `overseas-posting`),
//! among them some of those sent to the mines, against a redeployment
//! there, dated while they are at one. Most are issued by institutions
//! (any of them for a medical certificate; the institution that admitted
//! him, on the grounds of his admission, the more often the fewer it
//! admits, so that each institution issues about as many) and by the
//! administration of his unit that day (never for a paper sought at a
//! mine: those come from the institutions), the rest by the agencies and the
//! department; the organisations of one kind issue alike, and an
//! administration in proportion to its people. Every paper on medical
//! grounds follows an injury or an admission of the 180 days before.
//! Document numbers are unique (`MED-2020/000114`); papers have no end.
//!
//! **Planted anomalies** (`plant_anomalies`), drawn from a stream of their
//! own so that the army is the same without them: among soldiers serving
//! in the horizon's year, one corps administration sells redeployment
//! papers to one in a hundred of its people (`issuer-rate`), and six in
//! ten thousand each get a paper entered late (`late-papers.csv`, to be
//! entered by `exemption issue`: `dated-back`), a paper bearing another's
//! number (`duplicate-document`), or a medical paper resting on nothing
//! (`uncorroborated`). `planted.csv` lists each planted paper (finding,
//! document, person, issuer).

//! # Determinism and size
//!
//! Everything is drawn from ChaCha streams of the seed, one per part, and
//! never from the clock or a hash map, so the same options give the same
//! bytes. People are drawn and written one at a time: memory stays small
//! whatever their number.

mod army;
mod campaigns;
mod days;
mod geography;
mod names;
mod organisations;
mod output;
mod people;
mod random;

use std::path::Path;

use chrono::NaiveDate;
use rand::Rng;

use crate::army::Army;
use crate::campaigns::Plan;
use crate::days::{Day, DayText, day_of, ymd};
use crate::geography::{SITES, SiteKind};
use crate::organisations::{MINISTRY, ORGANISATIONS};
use crate::output::{Table, digits};
use crate::people::{PeopleTables, Population};
use crate::random::{Stream, random_stream};

/// What to generate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Options {
    /// How many people.
    pub people: u64,
    /// The seed every random draw comes from.
    pub seed: u64,
    /// The last day of the records: nothing happens after it, and whoever
    /// still serves then has an open assignment.
    pub horizon: NaiveDate,
    /// Whether to plant known bad exemption papers, with their truth in
    /// `planted.csv` and the papers to enter late in `late-papers.csv`.
    pub plant_anomalies: bool,
}

impl Options {
    /// The first year a horizon may fall in.
    pub const FIRST_HORIZON_YEAR: i32 = 1990;
    /// The last year a horizon may fall in.
    pub const LAST_HORIZON_YEAR: i32 = 2200;

    /// The horizon of [`Options::new`]: fixed, so that the output never
    /// depends on the clock.
    pub const DEFAULT_HORIZON: NaiveDate = match NaiveDate::from_ymd_opt(2025, 12, 31) {
        Some(date) => date,
        None => NaiveDate::MIN,
    };

    /// `people` people from `seed`, with the horizon on 2025-12-31.
    pub fn new(people: u64, seed: u64) -> Self {
        Options { people, seed, horizon: Options::DEFAULT_HORIZON, plant_anomalies: false }
    }
}

/// What was written: each file with its count of data rows (the header not
/// counted), in the order of [`FILES`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Summary {
    /// Each file's name, such as `people.csv`, with its data rows.
    pub files: Vec<(String, u64)>,
}

impl Summary {
    /// The data rows of one file, if it was written.
    pub fn rows(&self, file: &str) -> Option<u64> {
        self.files.iter().find(|(name, _)| name == file).map(|(_, rows)| *rows)
    }

    /// The data rows of all files.
    pub fn total_rows(&self) -> u64 {
        self.files.iter().map(|(_, rows)| rows).sum()
    }
}

/// Why a dataset could not be generated.
#[derive(Debug, thiserror::Error)]
pub enum GenerateError {
    /// The output folder could not be created.
    #[error("cannot create the folder `{path}`: {source}")]
    CreateFolder { path: String, source: std::io::Error },
    /// A file could not be written.
    #[error("cannot write `{path}`: {source}")]
    Write { path: String, source: std::io::Error },
    /// The horizon is too far in the past or the future.
    #[error("the horizon `{horizon}` is not between the years {first} and {last}")]
    Horizon { horizon: NaiveDate, first: i32, last: i32 },
}

/// The files written, in the order of [`Summary::files`].
pub const FILES: &[&str] = &[
    "organisations.csv",
    "units.csv",
    "sites.csv",
    "campaigns.csv",
    "people.csv",
    "service.csv",
    "deployments.csv",
    "events.csv",
    "exemptions.csv",
];

/// The files written besides [`FILES`] with `--plant-anomalies`.
pub const PLANTED_FILES: &[&str] = &["planted.csv", "late-papers.csv"];

/// The columns of `exemptions.csv` (and `late-papers.csv`).
const PAPER_COLUMNS: &[&str] = &[
    "document",
    "person",
    "scope",
    "grounds",
    "text",
    "issuer",
    "official",
    "issued_on",
    "valid_from",
    "valid_until",
];

/// Writes a dataset into `dir` (created if missing), telling `progress` how
/// many people are done from time to time.
pub fn generate(
    dir: &Path,
    options: &Options,
    progress: &mut dyn FnMut(u64),
) -> Result<Summary, GenerateError> {
    let horizon_year = chrono::Datelike::year(&options.horizon);
    if !(Options::FIRST_HORIZON_YEAR..=Options::LAST_HORIZON_YEAR).contains(&horizon_year) {
        return Err(GenerateError::Horizon {
            horizon: options.horizon,
            first: Options::FIRST_HORIZON_YEAR,
            last: Options::LAST_HORIZON_YEAR,
        });
    }
    std::fs::create_dir_all(dir).map_err(|source| GenerateError::CreateFolder {
        path: dir.display().to_string(),
        source,
    })?;
    let horizon = day_of(options.horizon);
    let days = DayText::new(ymd(horizon_year - 70, 1, 1), ymd(horizon_year + 3, 12, 31));
    let army = Army::new(options.people / 200, &mut random_stream(options.seed, Stream::Army));
    let plan = Plan::new(&army, horizon, &mut random_stream(options.seed, Stream::Campaigns));

    let mut organisations = Table::create(dir, FILES[0], &["id", "name", "kind", "parent"])?;
    write_organisations(&mut organisations, &army)?;
    let mut units = Table::create(
        dir,
        FILES[1],
        &["id", "name", "parent", "branch", "tags", "administration"],
    )?;
    write_units(&mut units, &army)?;
    let mut sites = Table::create(dir, FILES[2], &["id", "name", "province", "kind"])?;
    for site in SITES {
        sites.row([
            site.id.as_bytes(),
            site.name.as_bytes(),
            site.province.as_bytes(),
            site.kind.as_str().as_bytes(),
        ])?;
    }
    let mut campaigns = Table::create(
        dir,
        FILES[3],
        &["id", "site", "from", "to", "required", "required_technicians"],
    )?;
    let mut tables = PeopleTables {
        people: Table::create(
            dir,
            FILES[4],
            &[
                "id",
                "name",
                "born",
                "sex",
                "home_province",
                "home_county",
                "branch",
                "rank",
                "specialty",
                "enlisted",
                "term_months",
            ],
        )?,
        service: Table::create(dir, FILES[5], &["person", "unit", "from", "to"])?,
        deployments: Table::create(
            dir,
            FILES[6],
            &["unit", "person", "site", "campaign", "from", "to"],
        )?,
        events: Table::create(dir, FILES[7], &["person", "date", "kind", "ref", "detail"])?,
        exemptions: Table::create(dir, FILES[8], PAPER_COLUMNS)?,
        planted: if options.plant_anomalies {
            Some((
                Table::create(dir, PLANTED_FILES[0], &["finding", "document", "person", "issuer"])?,
                Table::create(dir, PLANTED_FILES[1], PAPER_COLUMNS)?,
            ))
        } else {
            None
        },
        papers: 0,
        reused: None,
    };
    write_unit_deployments(&mut tables.deployments, &army, &plan, &days)?;

    let mut population = Population::new(&army, &plan, &days, horizon);
    let mut planting = random_stream(options.seed, Stream::Anomalies);
    if options.plant_anomalies {
        // One administration of a corps sells papers.
        let corps: Vec<u32> = (0..army.commands.len())
            .filter(|&index| {
                let command = &army.commands[index];
                command.role == crate::army::Role::Corps && !command.leaves.is_empty()
            })
            .filter_map(|index| u32::try_from(index).ok())
            .collect();
        population.seller = crate::random::pick_uniform(&corps, &mut planting);
    }
    let mut people_random = random_stream(options.seed, Stream::People);
    let counts = population.write(
        options.people,
        &mut tables,
        &mut people_random,
        &mut planting,
        progress,
    )?;

    let mut random = random_stream(options.seed, Stream::Requirements);
    let mut number_buffer = [0u8; 20];
    let mut technicians_buffer = [0u8; 20];
    for (index, campaign) in plan.campaigns.iter().enumerate() {
        // A campaign asks for somewhat more than it has, and for more
        // technicians still: they are scarce.
        let people = counts.people[index];
        let required = ((people * random.random_range(85..=130) + 50) / 100).max(1);
        let technicians = (SITES[campaign.site].kind != SiteKind::Farm).then(|| {
            ((counts.technicians[index] * random.random_range(100..=180) + 50) / 100).min(required)
        });
        let from = days.text(campaign.from);
        let to = days.text(campaign.to);
        campaigns.row([
            campaign.id.as_bytes(),
            SITES[campaign.site].id.as_bytes(),
            &from,
            &to,
            digits(required, &mut number_buffer),
            technicians
                .map_or(&b""[..], |technicians| digits(technicians, &mut technicians_buffer)),
        ])?;
    }

    let mut files = vec![
        organisations.finish()?,
        units.finish()?,
        sites.finish()?,
        campaigns.finish()?,
        tables.people.finish()?,
        tables.service.finish()?,
        tables.deployments.finish()?,
        tables.events.finish()?,
        tables.exemptions.finish()?,
    ];
    if let Some((planted, late)) = tables.planted {
        files.push(planted.finish()?);
        files.push(late.finish()?);
    }
    Ok(Summary { files })
}

fn write_organisations(table: &mut Table, army: &Army) -> Result<(), GenerateError> {
    for organisation in ORGANISATIONS {
        table.row([
            organisation.id.as_bytes(),
            organisation.name.as_bytes(),
            organisation.kind.as_bytes(),
            organisation.parent.as_bytes(),
        ])?;
    }
    for command in &army.commands {
        table.row([
            command.administration.as_bytes(),
            command.administration_name.as_bytes(),
            b"unit-administration",
            MINISTRY.as_bytes(),
        ])?;
    }
    Ok(())
}

fn write_units(table: &mut Table, army: &Army) -> Result<(), GenerateError> {
    for unit in &army.units {
        let command = &army.commands[unit.command as usize];
        let parent = unit.parent.map_or("", |parent| army.units[parent as usize].id.as_str());
        table.row([
            unit.id.as_bytes(),
            unit.name.as_bytes(),
            parent.as_bytes(),
            command.branch.as_str().as_bytes(),
            army.tags(unit).as_bytes(),
            command.administration.as_bytes(),
        ])?;
    }
    Ok(())
}

fn write_unit_deployments(
    table: &mut Table,
    army: &Army,
    plan: &Plan,
    days: &DayText,
) -> Result<(), GenerateError> {
    for deployment in &plan.deployments {
        let from = days.text(deployment.from);
        let to: Option<[u8; 10]> = deployment.to.map(|to: Day| days.text(to));
        table.row([
            army.units[deployment.unit as usize].id.as_bytes(),
            b"",
            SITES[deployment.site].id.as_bytes(),
            plan.campaigns[deployment.campaign as usize].id.as_bytes(),
            &from,
            to.as_ref().map_or(&[][..], |to| &to[..]),
        ])?;
    }
    Ok(())
}
