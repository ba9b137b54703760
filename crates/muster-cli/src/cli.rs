//! The arguments of every command.

use std::path::PathBuf;

use chrono::NaiveDate;
use clap::{Args, Parser, Subcommand, ValueEnum};

/// muster administers the manpower of a conscript armed force under the
/// orders of its ministry, and makes those orders executable.
#[derive(Parser, Debug)]
#[command(name = "muster", version, about, long_about = None)]
pub struct Cli {
    /// The store: a SQLite file, created by `muster init`.
    #[arg(
        long,
        global = true,
        env = "MUSTER_DB",
        default_value = "muster.db",
        value_name = "PATH|URL"
    )]
    pub db: String,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Create an empty store (refuses to overwrite one).
    Init,
    /// Load a dataset folder, all or nothing.
    Import(ImportArgs),
    /// Write a realistic synthetic dataset, deterministic for a seed.
    Generate(GenerateArgs),
    /// People's records.
    #[command(subcommand)]
    Person(PersonCommand),
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
}

#[derive(Subcommand, Debug)]
pub enum PersonCommand {
    /// A person's record, full history, and status on a day.
    Show(PersonShowArgs),
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

fn parse_day(text: &str) -> Result<NaiveDate, String> {
    muster_core::parse_date(text)
        .ok_or_else(|| format!("`{text}` is not a date of the form YYYY-MM-DD"))
}
