//! The product's Merkle tree against a second implementation written here
//! from RFC 9162's text (section 2.1): `MTH`, `PATH` and `PROOF` by their
//! recursive definitions over the whole list of entries, and an inclusion
//! check that rebuilds the root by the same recursion. Nothing of the
//! product's own code is used to decide what is right; its functions are
//! only called and compared. The sizes include the RFC's edge cases: 1, 2,
//! powers of two and one past them.

#![expect(clippy::unwrap_used, reason = "a test fails loudly")]

use muster_core::merkle::{self, Hash};
use sha2::{Digest, Sha256};

fn sha256(parts: &[&[u8]]) -> Hash {
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update(part);
    }
    hasher.finalize().into()
}

/// `k`: the largest power of two smaller than `n`.
fn k_of(n: usize) -> usize {
    let mut k = 1;
    while k << 1 < n {
        k <<= 1;
    }
    k
}

/// RFC 9162 2.1.1: `MTH({}) = SHA-256()`, `MTH({d0}) = SHA-256(0x00 || d0)`,
/// else `SHA-256(0x01 || MTH(D[0:k]) || MTH(D[k:n]))`.
fn mth(entries: &[Vec<u8>]) -> Hash {
    match entries.len() {
        0 => sha256(&[]),
        1 => sha256(&[&[0x00], &entries[0]]),
        n => {
            let k = k_of(n);
            sha256(&[&[0x01], &mth(&entries[..k]), &mth(&entries[k..])])
        }
    }
}

/// RFC 9162 2.1.3.1: `PATH(m, D[n])`.
fn path(m: usize, entries: &[Vec<u8>]) -> Vec<Hash> {
    let n = entries.len();
    if n <= 1 {
        return Vec::new();
    }
    let k = k_of(n);
    if m < k {
        let mut proof = path(m, &entries[..k]);
        proof.push(mth(&entries[k..]));
        proof
    } else {
        let mut proof = path(m - k, &entries[k..]);
        proof.push(mth(&entries[..k]));
        proof
    }
}

/// RFC 9162 2.1.4.1: `PROOF(m, D[n]) = SUBPROOF(m, D[n], true)`.
fn proof(m: usize, entries: &[Vec<u8>]) -> Vec<Hash> {
    subproof(m, entries, true)
}

fn subproof(m: usize, entries: &[Vec<u8>], b: bool) -> Vec<Hash> {
    let n = entries.len();
    if m == n {
        return if b { Vec::new() } else { vec![mth(entries)] };
    }
    let k = k_of(n);
    if m <= k {
        let mut proof = subproof(m, &entries[..k], b);
        proof.push(mth(&entries[k..]));
        proof
    } else {
        let mut proof = subproof(m - k, &entries[k..], false);
        proof.push(mth(&entries[..k]));
        proof
    }
}

/// The root an inclusion path leads to, by the recursion of `PATH`: the
/// last hash of the path is the sibling of the top split.
fn root_from_path(leaf: Hash, m: usize, n: usize, path: &[Hash]) -> Option<Hash> {
    if n == 1 {
        return path.is_empty().then_some(leaf);
    }
    let (sibling, below) = path.split_last()?;
    let k = k_of(n);
    if m < k {
        Some(sha256(&[&[0x01], &root_from_path(leaf, m, k, below)?, sibling]))
    } else {
        Some(sha256(&[&[0x01], sibling, &root_from_path(leaf, m - k, n - k, below)?]))
    }
}

/// The complete subtrees the product stores, made here from the leaves.
fn levels(entries: &[Vec<u8>]) -> Vec<Vec<Hash>> {
    let mut levels: Vec<Vec<Hash>> =
        vec![entries.iter().map(|entry| sha256(&[&[0x00], entry])).collect()];
    while levels.last().unwrap().len() > 1 {
        let above: Vec<Hash> = levels
            .last()
            .unwrap()
            .chunks_exact(2)
            .map(|pair| sha256(&[&[0x01], &pair[0], &pair[1]]))
            .collect();
        levels.push(above);
    }
    levels
}

const SIZES: [usize; 18] = [1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 100];

fn entries(n: usize) -> Vec<Vec<u8>> {
    (0..n).map(|i| format!("[{i},\"an entry of the audit log\"]").into_bytes()).collect()
}

#[test]
fn the_hashes_are_those_of_certificate_transparency() {
    // SHA-256 of nothing, and of the single byte 0x00 (the leaf of an
    // empty entry).
    let hex = |hash: Hash| hash.iter().map(|byte| format!("{byte:02x}")).collect::<String>();
    assert_eq!(
        hex(merkle::empty_root()),
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    );
    assert_eq!(
        hex(merkle::leaf_hash(b"")),
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"
    );
    assert_eq!(merkle::node_hash(&[1; 32], &[2; 32]), sha256(&[&[0x01], &[1; 32], &[2; 32]]));
}

#[test]
fn roots_and_proofs_agree_with_the_rfc_at_every_edge() {
    let all = entries(*SIZES.iter().max().unwrap());
    let stored = levels(&all);
    let mut node = |level: u32, index: u64| -> Result<Hash, String> {
        stored
            .get(level as usize)
            .and_then(|nodes| nodes.get(index as usize))
            .copied()
            .ok_or_else(|| format!("no node {level}/{index}"))
    };
    for n in SIZES {
        let tree = &all[..n];
        let root = merkle::root(n as u64, &mut node).unwrap();
        assert_eq!(root, mth(tree), "root of {n}");
        for m in 0..n {
            let got = merkle::inclusion_path(m as u64, n as u64, &mut node).unwrap();
            assert_eq!(got, path(m, tree), "PATH({m}, D[{n}])");
            let leaf = sha256(&[&[0x00], &tree[m]]);
            assert_eq!(root_from_path(leaf, m, n, &got), Some(root), "{m} in {n}");
            assert!(merkle::verify_inclusion(&leaf, m as u64, n as u64, &got, &root));
            // A wrong index, size, leaf or root does not verify.
            assert!(!merkle::verify_inclusion(&leaf, n as u64, n as u64, &got, &root));
            let other = sha256(&[&[0x00], b"another entry"]);
            assert!(!merkle::verify_inclusion(&other, m as u64, n as u64, &got, &root));
            if n > 1 {
                assert!(!merkle::verify_inclusion(&leaf, m as u64, n as u64, &got[1..], &root));
                assert!(!merkle::verify_inclusion(
                    &leaf,
                    m as u64,
                    n as u64,
                    &got,
                    &mth(&tree[1..])
                ));
            }
        }
        for m in 1..=n {
            let got = merkle::consistency_path(m as u64, n as u64, &mut node).unwrap();
            let expected = if m == n { Vec::new() } else { proof(m, tree) };
            assert_eq!(got, expected, "PROOF({m}, D[{n}])");
            let first = mth(&tree[..m]);
            assert!(merkle::verify_consistency(m as u64, n as u64, &first, &root, &got));
            if m < n {
                // A log rewritten before `m`: its old root does not prove.
                let mut rewritten = tree.to_vec();
                rewritten[m - 1] = b"rewritten".to_vec();
                let rewritten_root = mth(&rewritten);
                assert!(!merkle::verify_consistency(
                    m as u64,
                    n as u64,
                    &first,
                    &rewritten_root,
                    &got
                ));
                assert!(!merkle::verify_consistency(
                    m as u64,
                    n as u64,
                    &mth(&rewritten[..m]),
                    &root,
                    &got
                ));
                // A log cut back: the larger is not a prefix of the smaller.
                assert!(!merkle::verify_consistency(n as u64, m as u64, &root, &first, &got));
                if !got.is_empty() {
                    assert!(!merkle::verify_consistency(
                        m as u64,
                        n as u64,
                        &first,
                        &root,
                        &got[1..]
                    ));
                }
            }
        }
    }
}
