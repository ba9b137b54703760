//! Generates a dataset and prints its row counts and the time taken:
//! `cargo run --release -p muster-generate --example generate -- PEOPLE DIR [SEED]`.

use std::error::Error;
use std::path::PathBuf;
use std::time::Instant;

fn main() -> Result<(), Box<dyn Error>> {
    let mut arguments = std::env::args().skip(1);
    let people: u64 = arguments.next().ok_or("usage: generate PEOPLE DIR [SEED]")?.parse()?;
    let dir = PathBuf::from(arguments.next().ok_or("usage: generate PEOPLE DIR [SEED]")?);
    let seed: u64 = arguments.next().map(|seed| seed.parse()).transpose()?.unwrap_or(1);
    let options = muster_generate::Options::new(people, seed);
    let started = Instant::now();
    let summary = muster_generate::generate(&dir, &options, &mut |_| {})?;
    let elapsed = started.elapsed();
    for (file, rows) in &summary.files {
        println!("{file:<20} {rows:>10}");
    }
    println!("{:<20} {:>10}", "total", summary.total_rows());
    println!("{people} people in {:.2} s", elapsed.as_secs_f64());
    Ok(())
}
