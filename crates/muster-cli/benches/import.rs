//! The import benchmark: `muster import` of a generated dataset into a
//! fresh store, side by side with the peer a user would otherwise reach
//! for, `sqlite3`'s `.import` of the same CSV files into plain tables plus
//! the indexes a user would add.
//!
//! Run with `cargo bench -p muster-cli --bench import`; the number of
//! people comes from `MUSTER_BENCH_PEOPLE` (default 1,000,000). The dataset
//! is generated once into `target/bench-data/` and reused.

#![expect(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a benchmark stops at the first failure"
)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const PEER_TABLES: &[&str] =
    &["organisations", "units", "sites", "campaigns", "people", "service", "deployments", "events"];

const PEER_INDEXES: &str = "
CREATE UNIQUE INDEX people_id ON people (id);
CREATE INDEX service_person ON service (person);
CREATE INDEX service_unit ON service (unit);
CREATE INDEX deployments_unit ON deployments (unit);
CREATE INDEX deployments_person ON deployments (person);
CREATE INDEX events_person ON events (person);
CREATE INDEX events_kind ON events (kind);
";

fn main() {
    let people: u64 = std::env::var("MUSTER_BENCH_PEOPLE")
        .ok()
        .and_then(|text| text.parse().ok())
        .unwrap_or(1_000_000);
    let muster = env!("CARGO_BIN_EXE_muster");
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/bench-data");
    let data = root.join(format!("people-{people}"));
    if !data.join("events.csv").exists() {
        eprintln!("generating {people} people into {}", data.display());
        let status = Command::new(muster)
            .args([
                "generate",
                data.to_str().unwrap(),
                "--people",
                &people.to_string(),
                "--seed",
                "1",
            ])
            .status()
            .unwrap();
        assert!(status.success());
    }
    let rows: Vec<(String, u64)> = PEER_TABLES
        .iter()
        .map(|table| {
            let file = data.join(format!("{table}.csv"));
            let text = std::fs::read(&file).unwrap_or_default();
            let lines = text.iter().filter(|&&byte| byte == b'\n').count() as u64;
            (table.to_string(), lines.saturating_sub(1))
        })
        .collect();
    let bytes: u64 = PEER_TABLES
        .iter()
        .filter_map(|table| std::fs::metadata(data.join(format!("{table}.csv"))).ok())
        .map(|metadata| metadata.len())
        .sum();

    let work = tempfile::tempdir_in(&root).unwrap();

    // muster: init, then import with its own account of where the time goes.
    let store = work.path().join("muster.db");
    let status =
        Command::new(muster).args(["--db", store.to_str().unwrap(), "init"]).status().unwrap();
    assert!(status.success());
    let child = Command::new(muster)
        .args(["--db", store.to_str().unwrap(), "import", data.to_str().unwrap(), "--timings"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (muster_time, muster_peak, phases) = measure_with_output(child);
    let muster_size = file_size(&store) + file_size(&store.with_extension("db-wal"));

    // The peer: sqlite3 .import into plain tables, then the indexes.
    let peer = work.path().join("peer.db");
    let mut script = String::from(".mode csv\n");
    for table in PEER_TABLES {
        let file = data.join(format!("{table}.csv"));
        if file.exists() {
            script.push_str(&format!(".import {} {table}\n", file.display()));
        }
    }
    let (peer_import, peer_import_peak) = measure(sqlite3(&peer, &script));
    let (peer_index, peer_index_peak) = measure(sqlite3(&peer, PEER_INDEXES));
    let peer_size = file_size(&peer);

    let total_rows: u64 = rows.iter().map(|(_, count)| count).sum();
    println!();
    println!(
        "import of a generated dataset: {people} people, {total_rows} rows, {:.0} MiB of CSV",
        mib(bytes)
    );
    for (table, count) in &rows {
        println!("  {table:<14} {count:>10} rows");
    }
    println!();
    println!("{:<46} {:>9} {:>11} {:>10}", "", "wall s", "peak MiB", "store MiB");
    println!(
        "{:<46} {:>9.2} {:>11.0} {:>10.0}",
        "muster import (check, history, WAL, FULL sync)",
        secs(muster_time),
        muster_peak,
        mib(muster_size)
    );
    println!(
        "{:<46} {:>9.2} {:>11.0} {:>10}",
        "sqlite3 .import (plain tables)",
        secs(peer_import),
        peer_import_peak,
        ""
    );
    println!(
        "{:<46} {:>9.2} {:>11.0} {:>10}",
        "sqlite3 CREATE INDEX (7 indexes)",
        secs(peer_index),
        peer_index_peak,
        ""
    );
    println!(
        "{:<46} {:>9.2} {:>11} {:>10.0}",
        "sqlite3 import + index",
        secs(peer_import + peer_index),
        "",
        mib(peer_size)
    );
    println!();
    println!(
        "muster / sqlite3 (import + index): {:.2}x",
        secs(muster_time) / secs(peer_import + peer_index)
    );
    println!("where muster's time goes:");
    for line in phases.lines() {
        println!("  {line}");
    }
}

fn sqlite3(db: &Path, script: &str) -> Child {
    let mut child = Command::new("sqlite3")
        .arg(db)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .expect("the peer needs the sqlite3 command (apt-get install sqlite3)");
    use std::io::Write;
    child.stdin.take().unwrap().write_all(script.as_bytes()).unwrap();
    child
}

/// Waits for a child, sampling its peak resident memory as it runs.
fn measure(mut child: Child) -> (Duration, f64) {
    let started = Instant::now();
    let mut peak_kib = 0u64;
    loop {
        peak_kib = peak_kib.max(peak_memory_kib(child.id()).unwrap_or(0));
        if let Some(status) = child.try_wait().unwrap() {
            assert!(status.success(), "{status}");
            return (started.elapsed(), peak_kib as f64 / 1024.0);
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Like [`measure`], also reading what the child wrote to stderr.
fn measure_with_output(mut child: Child) -> (Duration, f64, String) {
    let mut stderr = child.stderr.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut text = String::new();
        std::io::Read::read_to_string(&mut stderr, &mut text).unwrap();
        text
    });
    let (time, peak) = measure(child);
    let text = reader.join().unwrap();
    let reported_peak = text
        .lines()
        .find(|line| line.starts_with("peak memory"))
        .and_then(|line| line.split_whitespace().nth(2))
        .and_then(|value| value.parse::<f64>().ok())
        .unwrap_or(peak);
    (time, reported_peak.max(peak), text)
}

fn peak_memory_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(PathBuf::from(format!("/proc/{pid}/status"))).ok()?;
    let line = status.lines().find(|line| line.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn file_size(path: &Path) -> u64 {
    std::fs::metadata(path).map(|metadata| metadata.len()).unwrap_or(0)
}

fn secs(duration: Duration) -> f64 {
    duration.as_secs_f64()
}

fn mib(bytes: u64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}
