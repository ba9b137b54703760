//! Signed checkpoints of the audit log and its proofs (`spec/known-at.md`,
//! "The audit log as a Merkle tree"): the store's Ed25519 signing key (a
//! file beside the store, readable by its owner only), a checkpoint in the
//! signed-note form of transparency logs, an act's inclusion proof, the
//! consistency proof between two sizes, and the check that the log extends
//! a checkpoint kept elsewhere.
//!
//! The note (C2SP `tlog-checkpoint` in a C2SP `signed-note`):
//!
//! ```text
//! ORIGIN
//! TREE SIZE
//! BASE64 ROOT HASH
//!
//! — ORIGIN BASE64(KEY ID ‖ SIGNATURE)
//! ```
//!
//! The signature is Ed25519 over the text up to the blank line (its three
//! lines, each ended by a newline); the key id is the first 4 bytes of
//! SHA-256(origin ‖ "\n" ‖ 0x01 ‖ public key).

use std::path::{Path, PathBuf};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use muster_core::merkle::{self, Hash};
use muster_store::Store;
use serde::Serialize;

use crate::ServiceError;

/// The most bytes a checkpoint file given to `verify` may hold.
pub const MAX_CHECKPOINT: usize = 16 * 1024;

/// Where the signing key of the store at `location` is kept by default:
/// beside it, its name and `.key`.
pub fn key_beside(location: &str) -> PathBuf {
    PathBuf::from(format!("{location}.key"))
}

/// The origin a new store's checkpoints bear: the store file's name when
/// it is made (kept in its key file, so that a copy of the store elsewhere
/// signs as the same log).
pub fn origin_of(location: &str) -> String {
    Path::new(location)
        .file_name()
        .map(|name| name.to_string_lossy().to_string())
        .filter(|name| !name.is_empty())
        .unwrap_or_else(|| "muster".to_string())
}

fn key_error(path: &Path, what: impl std::fmt::Display) -> ServiceError {
    ServiceError::Invalid(format!("the signing key {}: {what}", path.display()))
}

/// A store's signing key and the origin its checkpoints bear.
pub struct StoreKey {
    pub signing: SigningKey,
    pub origin: String,
}

/// Makes a new signing key at `path` for the log named `origin`, readable
/// by its owner only; refuses to replace one.
pub fn make_key(path: &Path, origin: &str) -> Result<VerifyingKey, ServiceError> {
    use std::io::Write as _;
    let key = SigningKey::generate(&mut rand_core::OsRng);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    let mut file = options.open(path).map_err(|error| key_error(path, error))?;
    let text =
        format!("muster ed25519 signing key\n{}\n{origin}\n", STANDARD.encode(key.to_bytes()));
    file.write_all(text.as_bytes()).map_err(|error| key_error(path, error))?;
    file.sync_all().map_err(|error| key_error(path, error))?;
    Ok(key.verifying_key())
}

/// Reads the signing key at `path` and its origin.
pub fn read_key(path: &Path) -> Result<StoreKey, ServiceError> {
    let text = std::fs::read_to_string(path).map_err(|error| {
        key_error(path, format!("{error} (`muster init` makes one beside a new store)"))
    })?;
    let mut lines = text.lines();
    if lines.next() != Some("muster ed25519 signing key") {
        return Err(key_error(path, "is not a muster signing key"));
    }
    let seed = lines
        .next()
        .and_then(|line| STANDARD.decode(line.trim()).ok())
        .and_then(|bytes| <[u8; 32]>::try_from(bytes.as_slice()).ok())
        .ok_or_else(|| key_error(path, "holds no 32-byte key"))?;
    let origin = lines
        .next()
        .map(str::trim)
        .filter(|origin| !origin.is_empty() && !origin.contains(char::is_whitespace))
        .ok_or_else(|| key_error(path, "names no origin"))?;
    Ok(StoreKey { signing: SigningKey::from_bytes(&seed), origin: origin.to_string() })
}

/// The public key, in base64.
pub fn public_key(key: &VerifyingKey) -> String {
    STANDARD.encode(key.as_bytes())
}

/// The 4-byte id of a key under a name (signed-note).
fn key_id(name: &str, key: &VerifyingKey) -> [u8; 4] {
    use sha2::{Digest, Sha256};
    let mut hasher = Sha256::new();
    hasher.update(name.as_bytes());
    hasher.update(b"\n");
    hasher.update([0x01]);
    hasher.update(key.as_bytes());
    let digest = hasher.finalize();
    [digest[0], digest[1], digest[2], digest[3]]
}

/// A signed checkpoint (`audit checkpoint --format json`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct CheckpointView {
    pub origin: String,
    pub tree_size: u64,
    /// The root hash, base64.
    pub root_hash: String,
    /// The signed note, as kept and given back to `verify`.
    pub note: String,
}

/// The checkpoint of the log as it stands, signed.
pub fn checkpoint(store: &dyn Store, key: &StoreKey) -> Result<CheckpointView, ServiceError> {
    let (origin, key) = (key.origin.as_str(), &key.signing);
    let size = store.audit_tree_size()?;
    let root = store.audit_root(size)?;
    let root_hash = STANDARD.encode(root);
    let text = format!("{origin}\n{size}\n{root_hash}\n");
    let signature = key.sign(text.as_bytes());
    let mut signed = key_id(origin, &key.verifying_key()).to_vec();
    signed.extend_from_slice(&signature.to_bytes());
    let note = format!("{text}\n\u{2014} {origin} {}\n", STANDARD.encode(signed));
    Ok(CheckpointView { origin: origin.to_string(), tree_size: size, root_hash, note })
}

/// A checkpoint as read from its note, its signature checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Checkpoint {
    pub origin: String,
    pub size: u64,
    pub root: Hash,
}

/// Reads a signed note and checks its signature by `key` under `origin`:
/// every problem named.
pub fn read_checkpoint(note: &str, key: &StoreKey) -> Result<Checkpoint, ServiceError> {
    let (origin, key) = (key.origin.as_str(), &key.signing.verifying_key());
    let bad = |what: &str| ServiceError::Invalid(format!("the checkpoint {what}"));
    if note.len() > MAX_CHECKPOINT {
        return Err(bad("is too large to be one"));
    }
    let Some((text, signatures)) = note.split_once("\n\n") else {
        return Err(bad("has no blank line before its signature"));
    };
    let text = format!("{text}\n");
    let mut lines = text.lines();
    let (Some(named), Some(size), Some(root)) = (lines.next(), lines.next(), lines.next()) else {
        return Err(bad("lacks its origin, size or root hash line"));
    };
    let size: u64 = size.parse().map_err(|_| bad("size line is not a number"))?;
    let root = STANDARD
        .decode(root)
        .ok()
        .and_then(|bytes| Hash::try_from(bytes.as_slice()).ok())
        .ok_or_else(|| bad("root hash line is not a base64 SHA-256 hash"))?;
    if named != origin {
        return Err(bad(&format!("is of `{named}`, not of this store (`{origin}`)")));
    }
    let id = key_id(origin, key);
    let mut signed = false;
    for line in signatures.lines().filter(|line| !line.is_empty()) {
        let Some(rest) = line.strip_prefix("\u{2014} ") else {
            return Err(bad("has a signature line that does not start with `— `"));
        };
        let Some((name, value)) = rest.split_once(' ') else {
            return Err(bad("has a signature line without its name and signature"));
        };
        let Some(bytes) = STANDARD.decode(value).ok().filter(|bytes| bytes.len() == 68) else {
            return Err(bad("has a signature that is not a key id and an Ed25519 signature"));
        };
        if name != origin || bytes[..4] != id {
            continue;
        }
        let signature =
            Signature::from_slice(&bytes[4..]).map_err(|_| bad("has a bad signature"))?;
        if key.verify(text.as_bytes(), &signature).is_err() {
            return Err(bad(
                "is not signed by this store's key: its text or signature was changed",
            ));
        }
        signed = true;
    }
    if !signed {
        return Err(bad("bears no signature by this store's key"));
    }
    Ok(Checkpoint { origin: origin.to_string(), size, root })
}

/// An act's inclusion proof (`audit prove --format json`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct InclusionView {
    pub act: i64,
    pub leaf_index: u64,
    pub tree_size: u64,
    /// base64.
    pub leaf_hash: String,
    /// RFC 9162's audit path, from the leaf up, base64.
    pub proof: Vec<String>,
    /// base64.
    pub root_hash: String,
}

/// The inclusion proof of act `act`'s entry in the tree of `size` entries
/// (default: the log as it stands).
pub fn prove(
    store: &dyn Store,
    act: i64,
    size: Option<u64>,
) -> Result<InclusionView, ServiceError> {
    let entry = store
        .audit_entry_of(act)?
        .ok_or_else(|| ServiceError::NotFound(format!("no act {act} is on the audit log")))?;
    let held = store.audit_tree_size()?;
    let size = size.unwrap_or(held);
    if size > held {
        return Err(ServiceError::Invalid(format!(
            "the audit log holds {held} entries, not {size}"
        )));
    }
    let index = u64::try_from(entry.seq - 1).unwrap_or(0);
    if index >= size {
        return Err(ServiceError::Invalid(format!(
            "act {act} is entry {} of the log, after the tree of {size} entries",
            entry.seq
        )));
    }
    let (leaf, path) = store.audit_inclusion(index, size)?;
    let root = store.audit_root(size)?;
    Ok(InclusionView {
        act,
        leaf_index: index,
        tree_size: size,
        leaf_hash: STANDARD.encode(leaf),
        proof: path.iter().map(|hash| STANDARD.encode(hash)).collect(),
        root_hash: STANDARD.encode(root),
    })
}

/// A consistency proof between two sizes of the log.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ConsistencyView {
    pub from: u64,
    pub to: u64,
    /// base64, RFC 9162's consistency path.
    pub proof: Vec<String>,
    pub from_root: String,
    pub to_root: String,
}

/// The consistency proof between the trees of `from` and `to` entries.
pub fn consistency(store: &dyn Store, from: u64, to: u64) -> Result<ConsistencyView, ServiceError> {
    let held = store.audit_tree_size()?;
    if to > held || from > to {
        return Err(ServiceError::Invalid(format!(
            "the audit log holds {held} entries: no consistency proof from {from} to {to}"
        )));
    }
    let path = store.audit_consistency(from, to)?;
    Ok(ConsistencyView {
        from,
        to,
        proof: path.iter().map(|hash| STANDARD.encode(hash)).collect(),
        from_root: STANDARD.encode(store.audit_root(from)?),
        to_root: STANDARD.encode(store.audit_root(to)?),
    })
}

/// Whether the log extends `checkpoint`: `None`, or what is wrong (a log
/// cut back below it, or its first entries no longer those it signed).
pub fn extends(store: &dyn Store, checkpoint: &Checkpoint) -> Result<Option<String>, ServiceError> {
    let size = store.audit_tree_size()?;
    if checkpoint.size > size {
        return Ok(Some(format!(
            "the log holds {size} entries, fewer than the {} of the checkpoint: it was cut back",
            checkpoint.size
        )));
    }
    let root = store.audit_root(size)?;
    let path = store.audit_consistency(checkpoint.size, size)?;
    if merkle::verify_consistency(checkpoint.size, size, &checkpoint.root, &root, &path) {
        return Ok(None);
    }
    Ok(Some(format!(
        "the log's first {} entries are not those the checkpoint signed: the log was rewritten since",
        checkpoint.size
    )))
}
