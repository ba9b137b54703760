//! Running each command: open the store, call the core, print the result.

mod acts;
mod audit;
mod demo;
mod discharge;
mod exemptions;
mod explain;
mod lists;
mod orders;
mod person;
mod serve;
mod stats;
mod users;

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context, bail};
use chrono::NaiveDate;
use muster_dataset::{ImportError, Mode};
use muster_service::Army;
use muster_store::{NewAct, Store, StoreError};

use crate::cli::{Cli, Command, DischargeCommand, GenerateArgs, ImportArgs, PersonCommand};
use crate::progress;

/// Prints the diagnostics of a text (an order, or a `--where` condition)
/// and a line that counts them.
pub fn report(error: &muster_service::ServiceError) -> anyhow::Result<()> {
    let muster_service::ServiceError::Diagnostics { name, text, diagnostics } = error else {
        return Ok(());
    };
    let mut stderr = std::io::stderr().lock();
    let count = diagnostics.len();
    let errors = format!("{count} error{}", if count == 1 { "" } else { "s" });
    if name == muster_service::lists::CONDITION {
        stderr
            .write_all(muster_service::render::render("--where", text, diagnostics).as_bytes())?;
        writeln!(stderr, "error: the condition has {errors}; nothing was done")?;
    } else {
        stderr.write_all(muster_service::render::render(name, text, diagnostics).as_bytes())?;
        writeln!(stderr, "error: `{name}` has {errors}")?;
    }
    Ok(())
}

/// How many dataset errors are printed before the rest are only counted.
const ERRORS_SHOWN: usize = 100;

/// The command line with the store resolved.
struct Resolved {
    db: String,
    command: Command,
}

/// `demo` is run before the store is resolved.
fn unreachable_demo() -> anyhow::Result<ExitCode> {
    bail!("`demo` makes its own store")
}

/// Runs one command.
pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    if let Command::Demo(args) = &cli.command {
        return demo::demo(cli.db.as_deref(), args);
    }
    let db = cli.db.unwrap_or_else(|| "muster.db".to_string());
    let cli = Resolved { db, command: cli.command };
    match cli.command {
        Command::Init(args) => init(&cli.db, args.key.as_deref()),
        Command::Import(args) => import(&cli.db, args),
        Command::Generate(args) => generate(args),
        Command::Person(PersonCommand::Show(args)) => person::show(&cli.db, &args),
        Command::Person(command) => acts::person(&cli.db, command),
        Command::Unit(command) => acts::unit(&cli.db, command),
        Command::Act(command) => acts::run(&cli.db, command),
        Command::Order(command) => orders::run(&cli.db, command),
        Command::List(command) => lists::run(&cli.db, command),
        Command::Exemption(command) => exemptions::run(&cli.db, command),
        Command::Explain(args) => explain::explain(&cli.db, &args),
        Command::Notices(args) => explain::notices(&cli.db, &args),
        Command::Discharge(DischargeCommand::Roster { cycle, as_of, format }) => {
            discharge::roster(&cli.db, &cycle, as_of.as_of.unwrap_or_else(today), format)
        }
        Command::Discharge(DischargeCommand::CarryOut { cycle, preview, key, format }) => {
            acts::carry_out(&cli.db, &cycle, preview, key.as_deref(), format)
        }
        Command::Strength(args) => discharge::strength(&cli.db, &args),
        Command::Stats(args) => stats::stats(&cli.db, &args),
        Command::Audit(command) => audit::run(&cli.db, command),
        Command::User(command) => users::run(&cli.db, command),
        Command::Serve(args) => serve::serve(&cli.db, &args),
        Command::Demo(_) => unreachable_demo(),
    }
}

/// Today, by the local clock.
pub fn today() -> NaiveDate {
    chrono::Local::now().date_naive()
}

/// Opens the store at `db`: a SQLite file's path, or a database's URL.
pub fn open(db: &str) -> anyhow::Result<Box<dyn Store>> {
    Ok(muster_store::open(db)?)
}

/// The army of a store: the engine loaded from its rows (with a progress
/// bar on a terminal), its orders and its lists.
pub fn army(store: &dyn Store) -> anyhow::Result<Army> {
    let bar = progress::bar("records", false);
    let army = Army::load(store, &mut progress::steps(&bar));
    bar.finish_and_clear();
    Ok(army?)
}

/// What a command's question over the army may spend: the budget of a
/// request, with no deadline (the command is stopped by its user).
pub fn budget() -> muster_service::Budget {
    muster_service::Budget::new(muster_service::REQUEST_BUDGET)
}

/// The rules of a store: the records other than people, and every order.
pub fn rules(store: &dyn Store) -> anyhow::Result<muster_service::Rules> {
    Ok(muster_service::Rules::load(store)?)
}

/// Prints a view as indented JSON.
pub fn print_json(view: &impl serde::Serialize) -> anyhow::Result<()> {
    let mut text = serde_json::to_string_pretty(view)?;
    text.push('\n');
    std::io::stdout().lock().write_all(text.as_bytes())?;
    Ok(())
}

fn init(db: &str, key: Option<&std::path::Path>) -> anyhow::Result<ExitCode> {
    use muster_service::checkpoint;
    let key = key.map_or_else(|| checkpoint::key_beside(db), std::path::Path::to_path_buf);
    // A store there already is named as such first.
    if key.exists() && !std::path::Path::new(db).exists() {
        anyhow::bail!(
            "a signing key is at {} already: move it away, or give another with --key",
            key.display()
        );
    }
    let location = muster_store::create(db)?;
    let public = checkpoint::make_key(&key, &checkpoint::origin_of(db))?;
    writeln!(
        std::io::stdout(),
        "created an empty store at {location}, its signing key at {} (public key {})",
        key.display(),
        checkpoint::public_key(&public)
    )?;
    Ok(ExitCode::SUCCESS)
}

fn import(db: &str, args: ImportArgs) -> anyhow::Result<ExitCode> {
    let started = Instant::now();
    let mut store = open(db)?;
    let reading = progress::bar("reading", true);
    let read_started = Instant::now();
    let dataset = muster_dataset::read_dataset_with_progress(&args.dir, &mut |done, total| {
        reading.set_length(total);
        reading.set_position(done);
    });
    reading.finish_and_clear();
    let read_time = read_started.elapsed();
    let dataset = match dataset {
        Ok(dataset) => dataset,
        Err(ImportError::Invalid(errors)) => return report_invalid(&errors),
        Err(error) => return Err(error.into()),
    };
    let mode = if args.update { Mode::Update } else { Mode::New };
    let act = NewAct {
        kind: "import".to_string(),
        valid_on: args.as_of.unwrap_or_else(today),
        actor: actor(),
        summary: format!(
            "import{} of {} ({} rows)",
            if args.update { " --update" } else { "" },
            args.dir.display(),
            dataset.row_count()
        ),
    };
    let writing = progress::bar("writing", false);
    let result = store.import(dataset, mode, act, &mut |done, total| {
        writing.set_length(total);
        writing.set_position(done);
    });
    writing.finish_and_clear();
    let report = match result {
        Ok(report) => report,
        Err(StoreError::Invalid(errors)) => return report_invalid(&errors),
        Err(error) => return Err(error.into()),
    };
    let mut stdout = std::io::stdout().lock();
    let written: u64 = report.written.iter().map(|(_, count)| count).sum();
    let parts: Vec<String> = report
        .written
        .iter()
        .filter(|(_, count)| *count > 0)
        .map(|(file, count)| {
            format!("{} {count}", file.trim_end_matches(".csv").trim_end_matches(".toml"))
        })
        .collect();
    writeln!(stdout, "imported {written} rows as act {}: {}", report.act.0, parts.join(", "))?;
    if report.unchanged > 0 {
        writeln!(
            stdout,
            "{} rows were already in the store as given, and left as they were",
            report.unchanged
        )?;
    }
    if args.timings {
        let mut stderr = std::io::stderr().lock();
        writeln!(stderr, "{:<28} {:>8.3} s", "read the files", read_time.as_secs_f64())?;
        for (phase, time) in &report.timings {
            writeln!(stderr, "{phase:<28} {:>8.3} s", time.as_secs_f64())?;
        }
        writeln!(stderr, "{:<28} {:>8.3} s", "total", started.elapsed().as_secs_f64())?;
        if let Some(peak) = peak_memory_kib() {
            writeln!(stderr, "{:<28} {:>8.1} MiB", "peak memory", peak as f64 / 1024.0)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Prints the first errors of an invalid dataset, then what that means.
fn report_invalid(errors: &muster_dataset::Errors) -> anyhow::Result<ExitCode> {
    let mut stderr = std::io::stderr().lock();
    stderr.write_all(errors.report(ERRORS_SHOWN).as_bytes())?;
    writeln!(stderr, "error: {errors}; nothing was stored")?;
    Ok(ExitCode::FAILURE)
}

fn generate(args: GenerateArgs) -> anyhow::Result<ExitCode> {
    let options = muster_generate::Options {
        plant_anomalies: args.plant_anomalies,
        ..muster_generate::Options::new(args.people, args.seed)
    };
    let bar = progress::bar("generating", false);
    bar.set_length(args.people);
    let summary =
        muster_generate::generate(&args.dir, &options, &mut |done| bar.set_position(done))
            .with_context(|| format!("cannot generate a dataset in `{}`", args.dir.display()))?;
    bar.finish_and_clear();
    let mut stdout = std::io::stdout().lock();
    let parts: Vec<String> =
        summary.files.iter().map(|(file, rows)| format!("{file} {rows}")).collect();
    writeln!(stdout, "wrote {}: {}", args.dir.display(), parts.join(", "))?;
    Ok(ExitCode::SUCCESS)
}

/// Who is acting: the login name, for the record of acts.
pub fn actor() -> String {
    std::env::var("USER")
        .or_else(|_| std::env::var("LOGNAME"))
        .map(|name| format!("cli:{name}"))
        .unwrap_or_else(|_| "cli".to_string())
}

/// The peak resident memory of this process, in KiB, where the system
/// tells it.
fn peak_memory_kib() -> Option<u64> {
    let status = std::fs::read_to_string(Path::new("/proc/self/status")).ok()?;
    let line = status.lines().find(|line| line.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}
