//! House rules, enforced: no debugging leftovers in the code, and the docs
//! in step with the code.

use std::path::{Path, PathBuf};

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn rust_files(dir: &Path, files: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            if path.file_name().is_some_and(|name| name == "target" || name == "fixtures") {
                continue;
            }
            rust_files(&path, files);
        } else if path.extension().is_some_and(|extension| extension == "rs") {
            files.push(path);
        }
    }
}

#[test]
fn no_debugging_leftovers() {
    let mut files = Vec::new();
    rust_files(&workspace().join("crates"), &mut files);
    assert!(files.len() > 10);
    let banned = [
        concat!("dbg", "!("),
        concat!("todo", "!("),
        concat!("unimplemented", "!("),
        concat!("print", "ln!(\"DEBUG"),
    ];
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        for word in banned {
            assert!(!text.contains(word), "{} contains `{word}`", file.display());
        }
    }
}

#[test]
fn architecture_names_every_crate() {
    let architecture = std::fs::read_to_string(workspace().join("ARCHITECTURE.md")).unwrap();
    for entry in std::fs::read_dir(workspace().join("crates")).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        assert!(
            architecture.contains(&format!("`crates/{name}`")),
            "ARCHITECTURE.md does not describe crates/{name}"
        );
    }
}

#[test]
fn readme_names_every_command() {
    let readme = std::fs::read_to_string(workspace().join("README.md")).unwrap();
    let help = crate::Sandbox::new().ok(&["--help"]);
    let commands: Vec<&str> = help
        .lines()
        .skip_while(|line| !line.starts_with("Commands:"))
        .skip(1)
        .take_while(|line| line.starts_with("  "))
        .filter_map(|line| line.split_whitespace().next())
        .filter(|command| *command != "help")
        .collect();
    assert!(commands.contains(&"import"), "{help}");
    for command in commands {
        assert!(
            readme.contains(&format!("`muster {command}")),
            "README.md does not document `muster {command}`"
        );
    }
}
