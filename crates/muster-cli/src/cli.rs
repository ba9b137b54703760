//! The arguments of every command.

use std::path::PathBuf;

use chrono::NaiveDate;
use clap::{Args, Parser, Subcommand, ValueEnum};

/// muster administers the manpower of a conscript armed force under the
/// orders of its ministry, and makes those orders executable.
#[derive(Parser, Debug)]
#[command(name = "muster", version, about, long_about = None)]
pub struct Cli {
    /// The store: a SQLite file, created by `muster init` (default:
    /// `muster.db` here; for `demo`, a new one in a temporary folder).
    #[arg(long, global = true, env = "MUSTER_DB", value_name = "PATH|URL")]
    pub db: Option<String>,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Create an empty store (refuses to overwrite one), and its signing key.
    Init(InitArgs),
    /// Load a dataset folder, all or nothing.
    Import(ImportArgs),
    /// Write a realistic synthetic dataset, deterministic for a seed.
    Generate(GenerateArgs),
    /// People's records, and the acts on one person.
    #[command(subcommand)]
    Person(PersonCommand),
    /// A unit's deployment and recall.
    #[command(subcommand)]
    Unit(UnitCommand),
    /// The acts recorded: show one, reverse one, list them.
    #[command(subcommand)]
    Act(ActCommand),
    /// Orders: check, preview, issue, revoke, list, show.
    #[command(subcommand)]
    Order(OrderCommand),
    /// Lists of candidates: create, add, remove, show, recheck.
    #[command(subcommand)]
    List(ListCommand),
    /// The register of exemption papers: issue, revoke, list, show, review.
    #[command(subcommand)]
    Exemption(ExemptionCommand),
    /// Why: every rule in force for a person and a subject, and what it read.
    Explain(ExplainArgs),
    /// What orders and re-checks have left for an organisation.
    Notices(NoticesArgs),
    /// Discharge rosters.
    #[command(subcommand)]
    Discharge(DischargeCommand),
    /// Headcount and technicians at a site month by month, beside what its campaigns require.
    Strength(StrengthArgs),
    /// Outcome rates by cohort: how many of each group had an event.
    Stats(StatsArgs),
    /// Serve the HTTP API.
    Serve(ServeArgs),
    /// A store with a generated army, the reported orders and a user per role; then serve it.
    Demo(DemoArgs),
    /// Accounts for the server: add, list, disable, reset, token.
    #[command(subcommand)]
    User(UserCommand),
    /// The change record: its log, its integrity check, its current head.
    #[command(subcommand)]
    Audit(AuditCommand),
}

#[derive(Args, Debug)]
pub struct InitArgs {
    /// Where to keep the store's signing key (default: beside the store,
    /// its name and `.key`).
    #[arg(long, value_name = "FILE")]
    pub key: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub struct ServeArgs {
    /// Where to listen.
    #[arg(long, default_value = "127.0.0.1:8080", value_name = "HOST:PORT")]
    pub addr: String,
    /// Cedar policies to use instead of the default ones (validated at start).
    #[arg(long, value_name = "FILE")]
    pub policies: Option<PathBuf>,
    /// The server is reached over TLS through a proxy: session cookies are
    /// `Secure`, and a client's address is the last one the proxy adds to
    /// `X-Forwarded-For`.
    #[arg(long, env = "MUSTER_BEHIND_TLS_PROXY")]
    pub behind_tls_proxy: bool,
    /// The store's signing key, for the audit log's checkpoints (default:
    /// beside the store).
    #[arg(long, value_name = "FILE")]
    pub key: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub struct DemoArgs {
    /// How many people the generated army has.
    #[arg(long, default_value_t = 100_000, value_name = "N")]
    pub people: u64,
    /// Where to listen.
    #[arg(long, default_value = "127.0.0.1:8080", value_name = "HOST:PORT")]
    pub addr: String,
    /// Make the store and stop, without serving.
    #[arg(long)]
    pub no_serve: bool,
}

#[derive(Subcommand, Debug)]
pub enum UserCommand {
    /// Add a user of an organisation with a role; prints his first password once.
    Add {
        name: String,
        /// His organisation.
        #[arg(long)]
        org: String,
        /// ministry, department, unit-admin, placement, analyst or auditor.
        #[arg(long)]
        role: String,
        /// Read the password from standard input instead of generating one.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Every user, with his organisation, role and state.
    List {
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Disable a user: he can no longer log in, nor use his tokens.
    Disable { name: String },
    /// Give a user a new password (enables him again); prints it once.
    Reset {
        name: String,
        /// Read the password from standard input instead of generating one.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Make an API token for a user's programs; prints it once.
    Token {
        name: String,
        /// What the token is for.
        #[arg(long, default_value = "api")]
        label: String,
    },
}

#[derive(Subcommand, Debug)]
pub enum AuditCommand {
    /// The entries of the log, oldest first.
    Log {
        /// Only entries recorded on or after this day.
        #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_day)]
        since: Option<NaiveDate>,
        /// Only entries of this actor.
        #[arg(long)]
        actor: Option<String>,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Checks the hash chain, the rows against their entries and the Merkle
    /// tree; with a checkpoint kept elsewhere, that the log extends it.
    /// Names the first problem (exit 1).
    Verify {
        /// A checkpoint printed by `audit checkpoint` before.
        #[arg(long, value_name = "FILE")]
        checkpoint: Option<PathBuf>,
        /// The store's signing key (default: beside the store).
        #[arg(long, value_name = "FILE")]
        key: Option<PathBuf>,
    },
    /// The last entry's number and hash, to keep elsewhere.
    Head,
    /// The store's Ed25519 public key, base64; with `--new`, first make
    /// the key of a store made before stores had one.
    Key {
        #[arg(long, value_name = "FILE")]
        key: Option<PathBuf>,
        /// Make the key (refused when there is one).
        #[arg(long)]
        new: bool,
    },
    /// A signed checkpoint of the log: its size and Merkle root.
    Checkpoint {
        #[arg(long, value_name = "FILE")]
        key: Option<PathBuf>,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// The inclusion proof of an act's entry in the log's tree (of a
    /// checkpoint's size, or as it stands).
    Prove {
        act: i64,
        #[arg(long, value_name = "FILE")]
        checkpoint: Option<PathBuf>,
        #[arg(long, value_name = "FILE")]
        key: Option<PathBuf>,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
}

#[derive(Subcommand, Debug)]
pub enum DischargeCommand {
    /// The roster of a cycle: scheduled, delayed, exempt, delayed-in, discharged.
    Roster {
        /// The cycle, `YYYY-spring` or `YYYY-autumn`.
        cycle: String,
        #[command(flatten)]
        as_of: AsOf,
        #[arg(long, value_enum, default_value_t = ListFormat::Table)]
        format: ListFormat,
    },
    /// Record the discharge of each person of the cycle's roster due on its
    /// date (scheduled, exempt, delayed-in), on that date.
    CarryOut {
        /// The cycle, `YYYY-spring` or `YYYY-autumn`.
        cycle: String,
        /// Answer what the act would do to each person, and write nothing.
        #[arg(long)]
        preview: bool,
        /// A key: a second carry-out with it does nothing and answers the first.
        #[arg(long, value_name = "K")]
        key: Option<String>,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
}

#[derive(Args, Debug)]
pub struct StrengthArgs {
    /// The site.
    pub site: String,
    /// The first month, `YYYY-MM`.
    #[arg(long, value_name = "YYYY-MM", value_parser = parse_month)]
    pub from: NaiveDate,
    /// The last month, `YYYY-MM`.
    #[arg(long, value_name = "YYYY-MM", value_parser = parse_month)]
    pub to: NaiveDate,
    /// A draft order, counted as if issued on its `issued_on`.
    #[arg(long, value_name = "ORDER.toml")]
    pub with: Option<PathBuf>,
    /// An issued order, left out as if it had never been issued.
    #[arg(long, value_name = "ID")]
    pub without: Vec<String>,
    /// Also draw the chart as an SVG file.
    #[arg(long, value_name = "FILE")]
    pub svg: Option<PathBuf>,
    #[command(flatten)]
    pub as_of: AsOf,
    #[arg(long, value_enum, default_value_t = ListFormat::Table)]
    pub format: ListFormat,
}

#[derive(Args, Debug)]
pub struct StatsArgs {
    /// The event kind counted (`awol`, `posted`, `injured`, ...).
    #[arg(long)]
    pub event: String,
    /// The string field of `person` that makes the groups (`home_province`, ...).
    #[arg(long)]
    pub by: String,
    /// The first day an event counts (default: no limit).
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_day)]
    pub from: Option<NaiveDate>,
    /// The last day an event counts (default: the as-of day).
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_day)]
    pub to: Option<NaiveDate>,
    /// Who counts: a condition on `person` on the as-of day (default: everyone).
    #[arg(long = "where", value_name = "EXPR")]
    pub condition: Option<String>,
    #[command(flatten)]
    pub as_of: AsOf,
    #[arg(long, value_enum, default_value_t = ListFormat::Table)]
    pub format: ListFormat,
}

/// The day a command reads as of, or the day an act takes effect.
#[derive(Args, Debug, Clone, Copy)]
pub struct AsOf {
    /// The day (default: today).
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_day)]
    pub as_of: Option<NaiveDate>,
}

#[derive(Subcommand, Debug)]
pub enum OrderCommand {
    /// Parse and type-check an order; report conflicts (exit 1 on either).
    Check {
        file: PathBuf,
        #[command(flatten)]
        as_of: AsOf,
    },
    /// The impact of an order if it were issued on the day: lists, discharges, conflicts.
    Preview {
        file: PathBuf,
        /// Also the strength of this site, month by month for a year from
        /// the order's `effective_from`, without and with the order.
        #[arg(long, value_name = "SITE")]
        site: Option<String>,
        #[command(flatten)]
        as_of: AsOf,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Issue an order: store it, re-screen the lists it governs, leave notices.
    Issue {
        file: PathBuf,
        /// Apply its delays to protected persons too (recorded with the order).
        #[arg(long = "override")]
        override_protection: bool,
        /// The day of issue (default: the document's `issued_on`).
        #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_day)]
        as_of: Option<NaiveDate>,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// End an order's force from a day.
    Revoke {
        id: String,
        /// The first day the order is no longer in force.
        #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_day)]
        on: NaiveDate,
        #[arg(long)]
        reason: String,
        #[command(flatten)]
        as_of: AsOf,
    },
    /// The orders issued by the day, with their state.
    List {
        #[command(flatten)]
        as_of: AsOf,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// One order: its document, state and the impact recorded when issued.
    Show {
        id: String,
        #[command(flatten)]
        as_of: AsOf,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
}

#[derive(Subcommand, Debug)]
pub enum ListCommand {
    /// Create a list of candidates.
    Create {
        id: String,
        /// The kind of list, as orders name it (`overseas-posting`, `redeployment`, ...).
        #[arg(long)]
        kind: String,
        /// The organisation that owns the list.
        #[arg(long)]
        owner: String,
        #[arg(long, default_value = "")]
        title: String,
        /// How many candidates are sought.
        #[arg(long)]
        quota: Option<u32>,
        #[command(flatten)]
        as_of: AsOf,
    },
    /// Nominate persons; each is screened at once.
    Add {
        id: String,
        /// Person ids.
        persons: Vec<String>,
        /// A file of person ids, one a line (or a CSV whose first column is the id).
        #[arg(long, value_name = "FILE")]
        from: Option<PathBuf>,
        /// Everyone for whom this condition holds on the day.
        #[arg(long = "where", value_name = "EXPR")]
        condition: Option<String>,
        #[command(flatten)]
        as_of: AsOf,
        #[arg(long, value_enum, default_value_t = ListFormat::Table)]
        format: ListFormat,
    },
    /// Take persons off a list.
    Remove {
        id: String,
        #[arg(required = true)]
        persons: Vec<String>,
        #[command(flatten)]
        as_of: AsOf,
    },
    /// The entries, with status and reasons on the day.
    Show {
        id: String,
        /// Only entries of this status.
        #[arg(long, value_enum)]
        status: Option<StatusFilter>,
        #[command(flatten)]
        as_of: AsOf,
        #[arg(long, value_enum, default_value_t = ListFormat::Table)]
        format: ListFormat,
    },
    /// Enlist the eligible entries of a call-up list into a unit.
    CallUp {
        id: String,
        #[arg(long, value_name = "U")]
        unit: String,
        #[arg(long, value_name = "N")]
        term_months: String,
        #[command(flatten)]
        mass: MassArgs,
    },
    /// Deploy the eligible entries of a redeployment list at a site (and
    /// assign them to a unit).
    Redeploy {
        id: String,
        #[arg(long, value_name = "S")]
        site: String,
        #[arg(long, value_name = "C")]
        campaign: Option<String>,
        #[arg(long, value_name = "U")]
        unit: Option<String>,
        /// The last day deployed, `YYYY-MM-DD` (default: open).
        #[arg(long, value_name = "D2")]
        until: Option<String>,
        #[command(flatten)]
        mass: MassArgs,
    },
    /// Post abroad the eligible entries of an overseas-posting list.
    Post {
        id: String,
        /// Only the eligible entries are posted (the flag says so).
        #[arg(long, required = true)]
        eligible: bool,
        #[arg(long, value_name = "C")]
        country: String,
        /// At most this many: the first in nomination order.
        #[arg(long, value_name = "N")]
        limit: Option<usize>,
        #[command(flatten)]
        mass: MassArgs,
    },
    /// Re-screen every entry on the day, and tell the owner of flagged ones.
    Recheck {
        id: String,
        #[command(flatten)]
        as_of: AsOf,
        #[arg(long, value_enum, default_value_t = ListFormat::Table)]
        format: ListFormat,
    },
}

#[derive(Args, Debug)]
#[command(group(clap::ArgGroup::new("subject").required(true).args(["kind", "list", "discharge"])))]
pub struct ExplainArgs {
    pub person: String,
    /// A list kind.
    #[arg(long)]
    pub kind: Option<String>,
    /// A list: its kind, and the day he was nominated to it.
    #[arg(long)]
    pub list: Option<String>,
    /// His discharge date, rule by rule.
    #[arg(long)]
    pub discharge: bool,
    #[command(flatten)]
    pub as_of: AsOf,
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

#[derive(Args, Debug)]
pub struct NoticesArgs {
    pub organisation: String,
    #[command(flatten)]
    pub as_of: AsOf,
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

/// How lists are printed.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ListFormat {
    Table,
    Json,
    Csv,
}

/// An entry status to filter on.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum StatusFilter {
    Eligible,
    Excluded,
    Flagged,
    Removed,
}

#[derive(Args, Debug)]
pub struct ImportArgs {
    /// The dataset folder (people.csv and the other files of the format).
    pub dir: PathBuf,
    /// Replace the records with the same ids, and append history rows.
    #[arg(long)]
    pub update: bool,
    /// The day the import takes effect (default: today).
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_day)]
    pub as_of: Option<NaiveDate>,
    /// Print how long each phase took, and the peak memory, to stderr.
    #[arg(long)]
    pub timings: bool,
}

#[derive(Args, Debug)]
pub struct GenerateArgs {
    /// The folder to write (created if missing).
    pub dir: PathBuf,
    /// How many people.
    #[arg(long, value_name = "N")]
    pub people: u64,
    /// The seed: the same seed gives the same files.
    #[arg(long, value_name = "S", default_value_t = 1)]
    pub seed: u64,
    /// Plant known bad exemption papers (sold by one administration,
    /// entered late, numbers reused, medical papers resting on nothing),
    /// with their truth in `planted.csv` and the late ones, to enter with
    /// `exemption issue`, in `late-papers.csv`.
    #[arg(long)]
    pub plant_anomalies: bool,
}

#[derive(Subcommand, Debug)]
pub enum PersonCommand {
    /// A person's record, full history, and status on a day.
    Show(PersonShowArgs),
    /// A new person record: a civilian.
    Register {
        id: String,
        #[arg(long, value_name = "N")]
        name: String,
        #[arg(long, value_name = "YYYY-MM-DD")]
        born: String,
        #[arg(long, value_name = "M|F")]
        sex: String,
        #[arg(long, value_name = "P")]
        home_province: String,
        #[arg(long, value_name = "C")]
        home_county: Option<String>,
        #[arg(long, value_name = "S")]
        specialty: Option<String>,
        #[command(flatten)]
        act: ActArgs,
    },
    /// A new version of his record, from the day.
    Update {
        id: String,
        #[arg(long, value_name = "R")]
        rank: Option<String>,
        #[arg(long, value_name = "S")]
        specialty: Option<String>,
        #[arg(long, value_name = "N")]
        name: Option<String>,
        #[arg(long, value_name = "C")]
        home_county: Option<String>,
        #[command(flatten)]
        act: ActArgs,
    },
    /// His enlistment and term, and his assignment to a unit from the day.
    Enlist {
        id: String,
        #[arg(long, value_name = "U")]
        unit: String,
        #[arg(long, value_name = "N")]
        term_months: String,
        #[arg(long, value_name = "B")]
        branch: Option<String>,
        #[arg(long, value_name = "R")]
        rank: Option<String>,
        #[command(flatten)]
        act: ActArgs,
    },
    /// A transfer: his open assignment ends the day before, the new one begins.
    Assign {
        id: String,
        #[arg(long, value_name = "U")]
        unit: String,
        #[command(flatten)]
        act: ActArgs,
    },
    /// A deployment of his own at a site, from the day.
    Deploy {
        id: String,
        #[arg(long, value_name = "S")]
        site: String,
        #[arg(long, value_name = "C")]
        campaign: Option<String>,
        /// The last day (default: open).
        #[arg(long, value_name = "YYYY-MM-DD")]
        until: Option<String>,
        #[command(flatten)]
        act: ActArgs,
    },
    /// Ends his open deployment at a site: the last day deployed is the day before.
    Recall {
        id: String,
        #[arg(long, value_name = "S")]
        site: String,
        #[command(flatten)]
        act: ActArgs,
    },
    /// An event of the dataset's kinds (injured, killed, awol, admitted, exempted, returned).
    Event {
        id: String,
        #[arg(long, value_name = "K")]
        kind: String,
        #[arg(long = "ref", value_name = "R")]
        reference: Option<String>,
        #[arg(long, value_name = "T")]
        detail: Option<String>,
        #[command(flatten)]
        act: ActArgs,
    },
    /// His discharge on the day: his computed date, or earlier with --early --grounds.
    Discharge {
        id: String,
        #[arg(long, requires = "grounds")]
        early: bool,
        #[arg(long, value_name = "TEXT")]
        grounds: Option<String>,
        #[command(flatten)]
        act: ActArgs,
    },
    /// Posts him abroad from a list on which he is eligible.
    Post {
        id: String,
        #[arg(long, value_name = "L")]
        list: String,
        #[arg(long, value_name = "C")]
        country: String,
        #[command(flatten)]
        act: ActArgs,
    },
    /// His return from his last posting abroad.
    Return {
        id: String,
        #[command(flatten)]
        act: ActArgs,
    },
}

/// What every act on many people takes: preview or do, its key, its day,
/// and how its answer is printed.
#[derive(Args, Debug)]
pub struct MassArgs {
    /// Answer what the act would do to each person, and write nothing.
    #[arg(long)]
    pub preview: bool,
    /// A key for the act: a second act with the same key does nothing and
    /// answers the first one's result (a retry is harmless).
    #[arg(long, value_name = "K")]
    pub key: Option<String>,
    /// The first day the act's new state holds (default: today).
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_day)]
    pub as_of: Option<NaiveDate>,
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

/// What every act takes: its day, and how its answer is printed.
#[derive(Args, Debug)]
pub struct ActArgs {
    /// The first day the act's new state holds (default: today).
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_day)]
    pub as_of: Option<NaiveDate>,
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

#[derive(Subcommand, Debug)]
pub enum UnitCommand {
    /// A deployment of the unit (and its sub-units) at a site, from the day.
    Deploy {
        id: String,
        #[arg(long, value_name = "S")]
        site: String,
        #[arg(long, value_name = "C")]
        campaign: Option<String>,
        /// The last day (default: open).
        #[arg(long, value_name = "YYYY-MM-DD")]
        until: Option<String>,
        #[command(flatten)]
        act: ActArgs,
    },
    /// Ends the unit's open deployment at a site: the last day is the day before.
    Recall {
        id: String,
        #[arg(long, value_name = "S")]
        site: String,
        #[command(flatten)]
        act: ActArgs,
    },
}

#[derive(Subcommand, Debug)]
pub enum ActCommand {
    /// What an act did: kind, days, actor, every row it wrote, the persons.
    Show {
        act: i64,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// A correction: from now on the records read as if the act had never happened.
    Reverse {
        act: i64,
        #[arg(long, value_name = "TEXT")]
        reason: String,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// The acts recorded, the latest first.
    List {
        /// Acts whose day is on or after this one.
        #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_day)]
        since: Option<NaiveDate>,
        /// Acts whose day is on or before this one.
        #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_day)]
        until: Option<NaiveDate>,
        #[arg(long, value_name = "KIND")]
        kind: Option<String>,
        /// At most this many.
        #[arg(long, value_name = "N", default_value_t = 50)]
        limit: usize,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
}

#[derive(Subcommand, Debug)]
pub enum ExemptionCommand {
    /// Enter a paper into the register (an act).
    Issue {
        /// The number written on the paper.
        #[arg(long, value_name = "N")]
        document: String,
        #[arg(long, value_name = "P")]
        person: String,
        /// What it exempts from: redeployment, delay, call-up, overseas-posting, or another list kind.
        #[arg(long, value_name = "S")]
        scope: String,
        /// medical, family, education, technical or other.
        #[arg(long, value_name = "G")]
        grounds: String,
        /// The organisation that issued it.
        #[arg(long, value_name = "ORG")]
        issuer: String,
        /// The official who signed it.
        #[arg(long, value_name = "NAME", default_value = "")]
        official: String,
        /// The grounds in words.
        #[arg(long, value_name = "T", default_value = "")]
        text: String,
        /// The day the paper bears.
        #[arg(long, value_name = "YYYY-MM-DD")]
        issued_on: String,
        /// The first day it is valid (default: the day it bears).
        #[arg(long, value_name = "YYYY-MM-DD")]
        valid_from: Option<String>,
        /// Its last day (default: no end).
        #[arg(long, value_name = "YYYY-MM-DD")]
        valid_until: Option<String>,
        #[command(flatten)]
        act: ActArgs,
    },
    /// End a paper from the day (`--as-of`), with the reason (an act).
    Revoke {
        id: String,
        #[arg(long, value_name = "TEXT")]
        reason: String,
        #[command(flatten)]
        act: ActArgs,
    },
    /// The register: every paper, or those matching every filter given.
    List {
        #[arg(long, value_name = "P")]
        person: Option<String>,
        #[arg(long, value_name = "ORG")]
        issuer: Option<String>,
        #[arg(long, value_name = "S")]
        scope: Option<String>,
        #[arg(long, value_name = "G")]
        grounds: Option<String>,
        #[arg(long, value_name = "N")]
        document: Option<String>,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// One paper with its history and the auditors' notes.
    Show {
        id: String,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Set the limits on issuing papers from a TOML file (an act), or show those in force.
    Limits {
        /// The limits, whole ([[limit]] tables).
        file: Option<PathBuf>,
        /// Show the limits in force instead.
        #[arg(long, conflicts_with = "file")]
        show: bool,
        #[command(flatten)]
        act: ActArgs,
    },
    /// The auditor's report: papers dated back, document numbers reused, limits broken.
    Anomalies {
        /// Papers that bear this day or a later one (default: ten years before --to).
        #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_day)]
        from: Option<NaiveDate>,
        /// Papers that bear this day or an earlier one (default: today).
        #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_day)]
        to: Option<NaiveDate>,
        #[arg(long, value_name = "S")]
        scope: Option<String>,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// An auditor's note on a paper, kept with it (an act).
    Review {
        id: String,
        #[arg(long, value_name = "TEXT")]
        note: String,
        #[command(flatten)]
        act: ActArgs,
    },
}

#[derive(Args, Debug)]
pub struct PersonShowArgs {
    /// The person's id.
    pub id: String,
    /// The day to show the record as of (default: today).
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_day)]
    pub as_of: Option<NaiveDate>,
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

/// How records are printed.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Table,
    Json,
}

/// `YYYY-MM` as the first day of the month.
fn parse_month(text: &str) -> Result<NaiveDate, String> {
    muster_core::parse_date(&format!("{text}-01"))
        .filter(|_| text.len() == 7)
        .ok_or_else(|| format!("`{text}` is not a month of the form YYYY-MM"))
}

fn parse_day(text: &str) -> Result<NaiveDate, String> {
    muster_core::parse_date(text)
        .ok_or_else(|| format!("`{text}` is not a date of the form YYYY-MM-DD"))
}
