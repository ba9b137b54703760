//! The dataset reader and checker on a folder of CSV files made from the
//! input: split at every NUL byte, the parts are the files of the dataset
//! in the order of `muster_dataset::FILES` (`calendar.toml`,
//! `organisations.csv`, `units.csv`, `sites.csv`, `campaigns.csv`,
//! `people.csv`, `service.csv`, `deployments.csv`, `events.csv`); an empty
//! or missing part is a file left out, but `people.csv` is always written.
//!
//! The dataset is checked as the import checks it, against an empty store
//! and, with `--update`, against a store holding the reference scenario. It
//! must never panic; errors are fine, but a dataset with an error found
//! while reading is never accepted, every error is in a file of the
//! dataset with a line, and a dataset accepted into an empty store makes a
//! world whose people all have a status.

#![no_main]

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use muster_core::Records;
use muster_dataset::{Errors, FILES, ImportError, Mode, Plan};
use muster_fuzz::{reference, today};
use muster_orders::{OrderBook, World};

/// The folder the files are written to, made once (in memory where the
/// system has a place for it).
fn folder() -> &'static Path {
    static FOLDER: OnceLock<(tempfile::TempDir, PathBuf)> = OnceLock::new();
    let (_, path) = FOLDER.get_or_init(|| {
        let memory = Path::new("/dev/shm");
        let dir = if memory.is_dir() { tempfile::tempdir_in(memory) } else { tempfile::tempdir() }
            .expect("a temporary folder");
        let path = dir.path().join("dataset");
        std::fs::create_dir(&path).expect("the dataset folder");
        (dir, path)
    });
    path
}

fn well_placed(errors: &Errors) {
    for error in errors.errors() {
        assert!(
            FILES.contains(&error.file.as_str()),
            "an error in no file of the dataset: {error}"
        );
        assert!(error.line >= 1, "an error before the first line: {error}");
    }
    // The report is what the user reads: the first hundred, then a count.
    let report = errors.report(100);
    assert!(report.lines().count() <= 101, "more than a hundred errors printed");
}

/// The records an empty store holds after writing the plan.
fn written(plan: Plan) -> Records {
    Records {
        calendar: plan.calendar,
        organisations: plan.organisations,
        units: plan.units,
        sites: plan.sites,
        campaigns: plan.campaigns,
        people: plan.people,
        assignments: plan.assignments,
        deployments: plan.deployments,
        events: plan.events,
        papers: plan
            .papers
            .into_iter()
            .enumerate()
            .map(|(position, paper)| muster_core::HeldPaper {
                id: muster_dataset::paper_id(position as i64 + 1),
                paper,
                revoked: None,
            })
            .collect(),
    }
}

fuzz_target!(|data: &[u8]| {
    let dir = folder();
    let mut parts = data.split(|&byte| byte == 0);
    for name in FILES {
        let path = dir.join(name);
        match parts.next() {
            Some(part) if !part.is_empty() || *name == "people.csv" => {
                std::fs::write(&path, part).expect("a file of the dataset")
            }
            _ if *name == "people.csv" => std::fs::write(&path, "").expect("people.csv"),
            _ => {
                if path.exists() {
                    std::fs::remove_file(&path).expect("a file left out");
                }
            }
        }
    }

    let dataset = match muster_dataset::read_dataset(dir) {
        Ok(dataset) => dataset,
        Err(ImportError::Io { .. }) => return,
        Err(ImportError::Invalid(errors)) => {
            unreachable!("reading returns its errors with the dataset: {errors}")
        }
    };
    well_placed(&dataset.errors);
    let read_errors = dataset.errors.count();

    match muster_dataset::check(&Records::default(), dataset.clone(), Mode::New) {
        Err(ImportError::Invalid(errors)) => {
            well_placed(&errors);
            assert!(errors.count() >= read_errors, "checking lost errors found while reading");
        }
        Err(ImportError::Io { .. }) => unreachable!("checking reads no file"),
        Ok(plan) => {
            assert_eq!(read_errors, 0, "a dataset with errors was accepted");
            let world = World::new(written(plan));
            let book = OrderBook::default();
            for file in &world.people {
                let discharge = muster_orders::discharge(&world, &book, file, today());
                let _ = file.status_on(today(), discharge.date());
            }
        }
    }

    let stored = &reference().records;
    match muster_dataset::check(stored, dataset, Mode::Update) {
        Err(ImportError::Invalid(errors)) => well_placed(&errors),
        Err(ImportError::Io { .. }) => unreachable!("checking reads no file"),
        Ok(_) => assert_eq!(read_errors, 0, "a dataset with errors was accepted"),
    }
});
