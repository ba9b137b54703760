//! House rules, enforced: no debugging leftovers in the code, the docs in
//! step with the code, and the layers as meant (`../shared/layers.md`):
//! each crate's `Cargo.toml` and each source file's lines are read, and a
//! dependency the layers forbid fails, naming the file and the line.

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

/// A rule: sources under `from` (a crate, or a folder of one) must not name
/// any of `to`, for the reason given.
struct Never {
    from: &'static str,
    to: &'static [&'static str],
    why: &'static str,
}

const NEVER: &[Never] = &[
    Never {
        from: "muster-core",
        to: &["muster_", "rusqlite", "axum", "tokio"],
        why: "the domain knows no SQL, HTTP, terminal, and nothing of muster above it",
    },
    Never {
        from: "muster-cel",
        to: &["muster_core", "muster_orders"],
        why: "the language knows no domain: the person schema is given to it as data",
    },
    Never {
        from: "muster-orders",
        to: &["muster_store", "muster_engine", "muster_service", "rusqlite"],
        why: "the reference is pure, and the definition does not lean on the fast copy",
    },
    Never {
        from: "muster-engine",
        to: &["muster_store", "rusqlite", "muster_service"],
        why: "the engine reads no SQL: the store streams rows to it",
    },
    Never {
        from: "muster-store",
        to: &["muster_orders", "muster_engine", "muster_service"],
        why: "the store keeps records; it does not decide",
    },
    Never {
        from: "muster-service",
        to: &["muster_server", "muster_cli", "axum", "indicatif"],
        why: "the service knows no HTTP and no terminal",
    },
    Never {
        from: "muster-server/src/handlers",
        to: &["muster_orders", "muster_engine"],
        why: "front ends do not decide: they ask the service",
    },
    Never {
        from: "muster-server/src/console",
        to: &["muster_orders", "muster_engine", "crate::handlers", "super::handlers"],
        why: "pages ask the service, not the API's handlers, and do not decide",
    },
    Never {
        from: "muster-cli/src/commands",
        to: &["muster_orders", "muster_engine", "SqliteStore"],
        why: "front ends do not decide, and are written against the store trait",
    },
    Never {
        from: "muster-server",
        to: &["muster_cli", "SqliteStore"],
        why: "the server is a library, written against the store trait",
    },
];

fn crates() -> PathBuf {
    workspace().join("crates")
}

/// The crate a rule's `from` is in, and the folder of its sources.
fn sources(from: &str) -> (String, PathBuf) {
    let crate_name = from.split('/').next().unwrap().to_string();
    let folder =
        if from.contains('/') { crates().join(from) } else { crates().join(from).join("src") };
    (crate_name, folder)
}

#[test]
fn no_source_file_names_what_its_layer_may_not_reach() {
    let mut broken = Vec::new();
    for rule in NEVER {
        let (_, folder) = sources(rule.from);
        let mut files = Vec::new();
        if folder.is_dir() {
            rust_files(&folder, &mut files);
        }
        // A crate's folder `src/x` stands for the module `x.rs` too.
        let module = folder.with_extension("rs");
        if module.is_file() {
            files.push(module);
        }
        assert!(!files.is_empty(), "no sources under {}", folder.display());
        for file in files {
            let text = std::fs::read_to_string(&file).unwrap();
            for (number, line) in text.lines().enumerate() {
                let code = line.split("//").next().unwrap_or_default();
                for forbidden in rule.to {
                    if names(code, forbidden) {
                        broken.push(format!(
                            "{}:{}: `{forbidden}` ({})",
                            file.strip_prefix(crates()).unwrap_or(&file).display(),
                            number + 1,
                            rule.why
                        ));
                    }
                }
            }
        }
    }
    assert!(broken.is_empty(), "the layers are broken:\n{}", broken.join("\n"));
}

/// Whether code names a crate or item: as a path (`muster_orders::...`), in
/// a `use`, or a type named on its own.
fn names(code: &str, forbidden: &str) -> bool {
    if forbidden.ends_with('_') {
        return code.contains(forbidden) && code.contains("::")
            || code.trim_start().starts_with(&format!("use {forbidden}"));
    }
    code.match_indices(forbidden).any(|(at, _)| {
        let before = code[..at].chars().next_back();
        let after = code[at + forbidden.len()..].chars().next();
        let word = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
        !word(before) && !word(after)
    })
}

#[test]
fn no_crate_depends_on_what_its_layer_may_not_reach() {
    let mut broken = Vec::new();
    for rule in NEVER.iter().filter(|rule| !rule.from.contains('/')) {
        let (crate_name, _) = sources(rule.from);
        let manifest = crates().join(&crate_name).join("Cargo.toml");
        let text = std::fs::read_to_string(&manifest).unwrap();
        let value: toml::Table = toml::from_str(&text).unwrap();
        let Some(dependencies) = value.get("dependencies").and_then(toml::Value::as_table) else {
            continue;
        };
        for name in dependencies.keys() {
            let as_path = name.replace('-', "_");
            for forbidden in rule.to {
                let hit = if forbidden.ends_with('_') {
                    as_path.starts_with(forbidden) && as_path != crate_name.replace('-', "_")
                } else {
                    as_path == *forbidden
                };
                if hit {
                    broken.push(format!("{crate_name} depends on `{name}` ({})", rule.why));
                }
            }
        }
    }
    assert!(broken.is_empty(), "the layers are broken:\n{}", broken.join("\n"));
}

#[test]
fn the_rules_catch_what_they_are_written_for() {
    assert!(names("use muster_orders::World;", "muster_orders"));
    assert!(names("    let x = muster_engine::load(scan);", "muster_engine"));
    assert!(!names("use muster_ordersx::World;", "muster_orders"));
    assert!(names("fn f(store: &SqliteStore) {}", "SqliteStore"));
    assert!(!names("fn f(store: &SqliteStores) {}", "SqliteStore"));
    assert!(names("use muster_store::Store;", "muster_"));
    assert!(!names("// muster_ in a comment", "muster_"));
}
