//! Signed checkpoints of the audit log (`spec/known-at.md`): a checkpoint
//! kept elsewhere catches a log cut back, or rewritten consistently (chain,
//! tree and rows all made anew), which `audit verify` alone cannot; an
//! act's proof verifies against the checkpoint's root; a changed entry or
//! tree node is named; a forged or foreign checkpoint is refused.

use std::path::Path;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use muster_core::merkle;

use crate::Sandbox;

/// A consistent copy of the store as it stands (`VACUUM INTO`).
fn copy(from: &Path, to: &Path) {
    let connection = rusqlite::Connection::open(from).unwrap();
    connection.execute("VACUUM INTO ?1", [to.to_str().unwrap()]).unwrap();
}

fn create_list(sandbox: &Sandbox, db: &str, id: &str) {
    sandbox.ok(&[
        "--db",
        db,
        "list",
        "create",
        id,
        "--kind",
        "overseas-posting",
        "--owner",
        "haebit",
        "--as-of",
        "2024-01-10",
    ]);
}

fn hash(text: &serde_json::Value) -> merkle::Hash {
    merkle::Hash::try_from(STANDARD.decode(text.as_str().unwrap()).unwrap().as_slice()).unwrap()
}

#[test]
fn a_checkpoint_kept_elsewhere_catches_a_log_cut_back_or_rewritten() {
    let sandbox = Sandbox::with_reference();
    let db = sandbox.db();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(sandbox.path().join("muster.db.key")).unwrap().permissions();
        assert_eq!(mode.mode() & 0o777, 0o600, "the key is its owner's only");
    }
    for id in ["a1", "a2"] {
        create_list(&sandbox, "muster.db", id);
    }
    // An older copy of the store, as a backup restored later would be.
    copy(&db, &sandbox.path().join("early.db"));
    for id in ["a3", "a4"] {
        create_list(&sandbox, "muster.db", id);
    }
    let kept: serde_json::Value =
        serde_json::from_str(&sandbox.ok(&["audit", "checkpoint", "--format", "json"])).unwrap();
    let size = kept["tree_size"].as_u64().unwrap();
    assert_eq!(size, 5, "{kept}");
    let note = kept["note"].as_str().unwrap();
    assert_eq!(sandbox.ok(&["audit", "checkpoint"]), note, "the same note in both forms");
    assert!(
        note.starts_with(&format!(
            "muster.db\n5\n{}\n\n\u{2014} muster.db ",
            kept["root_hash"].as_str().unwrap()
        )),
        "{note}"
    );
    std::fs::write(sandbox.path().join("kept.note"), note).unwrap();
    for id in ["a5", "a6", "a7"] {
        create_list(&sandbox, "muster.db", id);
    }

    // The log grown since extends the checkpoint; an act's entry is proved
    // in the checkpoint's tree, and the proof leads to its root.
    let verified = sandbox.ok(&["audit", "verify", "--checkpoint", "kept.note"]);
    assert!(verified.contains("extends the checkpoint of 5 entries: 8 entries now"), "{verified}");
    let proof: serde_json::Value = serde_json::from_str(&sandbox.ok(&[
        "audit",
        "prove",
        "3",
        "--checkpoint",
        "kept.note",
        "--format",
        "json",
    ]))
    .unwrap();
    assert_eq!((proof["act"].as_i64(), proof["tree_size"].as_u64()), (Some(3), Some(5)), "{proof}");
    let path: Vec<merkle::Hash> = proof["proof"].as_array().unwrap().iter().map(hash).collect();
    assert_eq!(path.len(), 3, "{proof}");
    assert_eq!(proof["root_hash"], kept["root_hash"]);
    let index = proof["leaf_index"].as_u64().unwrap();
    assert!(merkle::verify_inclusion(
        &hash(&proof["leaf_hash"]),
        index,
        5,
        &path,
        &hash(&kept["root_hash"])
    ));
    let now: serde_json::Value =
        serde_json::from_str(&sandbox.ok(&["audit", "prove", "3", "--format", "json"])).unwrap();
    assert_eq!(now["tree_size"], 8);
    let run = sandbox.run(&["audit", "prove", "8", "--checkpoint", "kept.note"]);
    assert_ne!(run.code, 0, "act 8 came after the checkpoint");

    // Cut back: the older copy is whole by itself, but shorter than the
    // checkpoint.
    let key = ["--key", "muster.db.key"];
    let early = ["--db", "early.db"];
    sandbox.ok(&[&early[..], &["audit", "verify"]].concat());
    let run = sandbox
        .run(&[&early[..], &["audit", "verify", "--checkpoint", "kept.note"], &key[..]].concat());
    assert_eq!(run.code, 1, "{run:?}");
    assert!(
        run.stderr.contains("holds 3 entries, fewer than the 5 of the checkpoint: it was cut back"),
        "{run:?}"
    );

    // Rewritten: the older copy given other acts, chain, tree and rows all
    // consistent: only the checkpoint tells.
    for id in ["b3", "b4", "b5"] {
        create_list(&sandbox, "early.db", id);
    }
    sandbox.ok(&[&early[..], &["audit", "verify"]].concat());
    let run = sandbox
        .run(&[&early[..], &["audit", "verify", "--checkpoint", "kept.note"], &key[..]].concat());
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.stderr.contains("first 5 entries are not those the checkpoint signed"), "{run:?}");

    // A checkpoint changed after it was signed, or signed by another key.
    let forged = note.replacen("\n5\n", "\n4\n", 1);
    std::fs::write(sandbox.path().join("forged.note"), forged).unwrap();
    let run = sandbox.run(&["audit", "verify", "--checkpoint", "forged.note"]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.stderr.contains("is not signed by this store's key"), "{run:?}");
    let other = Sandbox::with_reference();
    let foreign = other.ok(&["audit", "checkpoint"]);
    std::fs::write(sandbox.path().join("foreign.note"), foreign).unwrap();
    let run = sandbox.run(&["audit", "verify", "--checkpoint", "foreign.note"]);
    assert!(run.stderr.contains("bears no signature by this store's key"), "{run:?}");
    std::fs::write(sandbox.path().join("garbage.note"), "muster.db\nfive\n").unwrap();
    let run = sandbox.run(&["audit", "verify", "--checkpoint", "garbage.note"]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.stderr.contains("the checkpoint"), "{run:?}");
}

#[test]
fn a_changed_entry_or_tree_node_is_named() {
    let sandbox = Sandbox::with_reference();
    for id in ["a1", "a2", "a3"] {
        create_list(&sandbox, "muster.db", id);
    }
    let db = sandbox.db();
    for (name, sql, expected) in [
        (
            "node.db",
            "UPDATE audit_tree SET hash = zeroblob(32) WHERE level = 1 AND idx = 1",
            "broken at entry 3: the audit tree's node at level 1, index 1 is not the hash of its children",
        ),
        (
            "leaf.db",
            "UPDATE audit_tree SET hash = zeroblob(32) WHERE level = 0 AND idx = 2",
            "broken at entry 3: the audit tree's leaf 2 is not the hash of entry 3",
        ),
        (
            "missing.db",
            "DELETE FROM audit_tree WHERE level = 0 AND idx = 3",
            "broken at entry 4: entry 4 has no leaf in the audit tree",
        ),
        (
            "entry.db",
            "UPDATE audit SET summary = 'nothing happened' WHERE seq = 2",
            "broken at entry 2",
        ),
    ] {
        let copy_path = sandbox.path().join(name);
        copy(&db, &copy_path);
        let connection = rusqlite::Connection::open(&copy_path).unwrap();
        connection.execute_batch(sql).unwrap();
        drop(connection);
        let run = sandbox.run(&["--db", name, "audit", "verify"]);
        assert_eq!(run.code, 1, "{name}: {run:?}");
        assert!(run.stderr.contains(expected), "{name}: {}", run.stderr);
    }
}

#[test]
fn a_store_made_before_keys_gets_one_on_demand_and_never_a_second() {
    let sandbox = Sandbox::with_reference();
    std::fs::remove_file(sandbox.path().join("muster.db.key")).unwrap();
    let run = sandbox.run(&["audit", "checkpoint"]);
    assert_ne!(run.code, 0);
    assert!(run.stderr.contains("muster.db.key"), "{run:?}");
    let public = sandbox.ok(&["audit", "key", "--new"]);
    assert_eq!(public.trim().len(), 44, "{public}");
    assert_eq!(sandbox.ok(&["audit", "key"]), public);
    let run = sandbox.run(&["audit", "key", "--new"]);
    assert_ne!(run.code, 0, "a key is never replaced: {run:?}");
    assert_eq!(sandbox.ok(&["audit", "key"]), public);
    let note = sandbox.ok(&["audit", "checkpoint"]);
    std::fs::write(sandbox.path().join("kept.note"), note).unwrap();
    sandbox.ok(&["audit", "verify", "--checkpoint", "kept.note"]);
}
