//! `muster generate`: deterministic, and imports cleanly.

use std::path::Path;

use crate::Sandbox;

fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| {
            let entry = entry.unwrap();
            (entry.file_name().to_string_lossy().into_owned(), std::fs::read(entry.path()).unwrap())
        })
        .collect();
    files.sort();
    files
}

#[test]
fn the_same_seed_gives_byte_identical_files() {
    let sandbox = Sandbox::new();
    sandbox.ok(&["generate", "a", "--people", "3000", "--seed", "7"]);
    sandbox.ok(&["generate", "b", "--people", "3000", "--seed", "7"]);
    sandbox.ok(&["generate", "c", "--people", "3000", "--seed", "8"]);
    let a = files(&sandbox.path().join("a"));
    let b = files(&sandbox.path().join("b"));
    let c = files(&sandbox.path().join("c"));
    assert!(a.iter().any(|(name, _)| name == "people.csv"));
    assert_eq!(a, b);
    assert_ne!(a, c);
}

#[test]
fn a_generated_dataset_imports_cleanly() {
    let sandbox = Sandbox::new();
    sandbox.ok(&["generate", "army", "--people", "5000", "--seed", "3"]);
    sandbox.ok(&["init"]);
    let output = sandbox.ok(&["import", "army"]);
    assert!(output.contains("people 5000"), "{output}");
    let show = sandbox.ok(&["person", "show", "p0000001", "--format", "json"]);
    assert!(show.contains(r#""id": "p0000001""#), "{show}");
}
