//! End-to-end tests of the `muster` command line: each test runs the real
//! binary in a temporary folder against a real SQLite store.

#![expect(clippy::unwrap_used, reason = "a test fails loudly at the first surprise")]

mod acts;
mod anomalies;
mod audit;
mod checkpoint;
mod demo;
mod discharge;
mod exemptions;
mod generate;
mod import;
mod kill;
mod live;
mod mass;
mod orders;
mod person;
mod scenario;
mod serve;
mod tidy;
mod users;

use std::path::{Path, PathBuf};
use std::process::Command;

/// A temporary folder to run `muster` in, with its store `muster.db`.
pub struct Sandbox {
    dir: tempfile::TempDir,
}

/// What one run printed, and how it ended.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Default for Sandbox {
    fn default() -> Self {
        Sandbox::new()
    }
}

impl Sandbox {
    pub fn new() -> Sandbox {
        Sandbox { dir: tempfile::tempdir().unwrap() }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn db(&self) -> PathBuf {
        self.path().join("muster.db")
    }

    /// The command, ready to run in the sandbox.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_muster"));
        command.current_dir(self.path()).env_remove("MUSTER_DB").args(args);
        command
    }

    /// Runs `muster` with these arguments.
    pub fn run(&self, args: &[&str]) -> Run {
        let output = self.command(args).output().unwrap();
        Run {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8(output.stdout).unwrap(),
            stderr: String::from_utf8(output.stderr).unwrap(),
        }
    }

    /// Runs `muster` and requires it to succeed.
    pub fn ok(&self, args: &[&str]) -> String {
        let run = self.run(args);
        assert_eq!(run.code, 0, "muster {args:?} failed:\n{}{}", run.stdout, run.stderr);
        run.stdout
    }

    /// Copies the reference scenario into `name` inside the sandbox.
    pub fn reference(&self, name: &str) -> PathBuf {
        let target = self.path().join(name);
        copy_dir(&reference_dir(), &target);
        target
    }

    /// A store holding the reference scenario.
    pub fn with_reference() -> Sandbox {
        let sandbox = Sandbox::new();
        sandbox.reference("reference");
        sandbox.ok(&["init"]);
        sandbox.ok(&["import", "reference", "--as-of", "2020-01-01"]);
        sandbox
    }

    /// Every row of every table of the store, as text, to compare states.
    pub fn dump(&self) -> String {
        dump_store(&self.db())
    }
}

/// The reference scenario, copied into the project as a fixture.
pub fn reference_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/reference")
}

pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// Every row of every table, in rowid order.
pub fn dump_store(db: &Path) -> String {
    let connection = rusqlite::Connection::open(db).unwrap();
    let mut tables: Vec<String> = connection
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        .unwrap()
        .query_map([], |row| row.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    tables.retain(|table| table != "migrations");
    let mut text = String::new();
    for table in tables {
        // In the order written; a table without rowids (the audit tree) in
        // the order of its key.
        let mut statement = connection
            .prepare(&format!("SELECT * FROM {table} ORDER BY rowid"))
            .or_else(|_| connection.prepare(&format!("SELECT * FROM {table} ORDER BY 1, 2")))
            .unwrap();
        let columns = statement.column_count();
        let mut rows = statement.query([]).unwrap();
        while let Some(row) = rows.next().unwrap() {
            text.push_str(&table);
            for index in 0..columns {
                let value: rusqlite::types::Value = row.get(index).unwrap();
                text.push_str(&format!(" {value:?}"));
            }
            text.push('\n');
        }
    }
    text
}
