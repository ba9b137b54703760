//! The audit log as a Merkle tree (RFC 9162, section 2.1: the hashing of
//! Certificate Transparency): the entries are the leaves in order,
//! `leaf = SHA-256(0x00 ‖ entry)`, `node = SHA-256(0x01 ‖ left ‖ right)`,
//! and a tree of `n` leaves splits at the largest power of two below `n`.
//!
//! The store keeps the hash of every complete subtree (level `l`, index
//! `i`: the leaves `i·2^l .. (i+1)·2^l`), so that a root or a proof reads
//! `O(log n)` stored hashes and never walks the log: the functions here
//! take a `node` function that fetches one. They decide nothing about
//! storage, and read nothing themselves.
//!
//! Hand-written because they are the product's own record: the crates that
//! implement RFC 6962/9162 trees keep the whole tree in memory, where the
//! store keeps it in its tables. The tests check them against a second
//! implementation written from the RFC's text (`tests/merkle.rs`).

use sha2::{Digest, Sha256};

/// A SHA-256 hash.
pub type Hash = [u8; 32];

/// The hash of a leaf: `SHA-256(0x00 ‖ data)`.
pub fn leaf_hash(data: &[u8]) -> Hash {
    let mut hasher = Sha256::new();
    hasher.update([0x00]);
    hasher.update(data);
    hasher.finalize().into()
}

/// The hash of an inner node: `SHA-256(0x01 ‖ left ‖ right)`.
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut hasher = Sha256::new();
    hasher.update([0x01]);
    hasher.update(left);
    hasher.update(right);
    hasher.finalize().into()
}

/// The hash of the empty tree: SHA-256 of nothing.
pub fn empty_root() -> Hash {
    Sha256::digest([]).into()
}

/// The largest power of two smaller than `n` (`n >= 2`).
fn split(n: u64) -> u64 {
    let mut k = 1;
    while k * 2 < n {
        k *= 2;
    }
    k
}

/// The complete subtrees a new leaf at `index` completes: each `(level,
/// index)` with the children it is hashed from, from the lowest up. The
/// store appends the leaf `(0, index)`, then these.
pub fn completed(index: u64) -> Vec<(u32, u64)> {
    let mut nodes = Vec::new();
    let (mut level, mut at) = (0_u32, index);
    while at % 2 == 1 {
        level += 1;
        at /= 2;
        nodes.push((level, at));
    }
    nodes
}

/// Fetches the stored hash of a complete subtree: level and index.
pub type Node<'a, E> = dyn FnMut(u32, u64) -> Result<Hash, E> + 'a;

/// `MTH(D[start..end])`, from the stored complete subtrees (`start <
/// end`, `start` aligned as RFC 9162's recursion leaves it).
pub fn range_hash<E>(start: u64, end: u64, node: &mut Node<'_, E>) -> Result<Hash, E> {
    let n = end - start;
    if n.is_power_of_two() && start.is_multiple_of(n) {
        return node(n.trailing_zeros(), start / n);
    }
    let k = split(n);
    let left = range_hash(start, start + k, node)?;
    let right = range_hash(start + k, end, node)?;
    Ok(node_hash(&left, &right))
}

/// The root of the tree of the first `size` leaves.
pub fn root<E>(size: u64, node: &mut Node<'_, E>) -> Result<Hash, E> {
    if size == 0 {
        return Ok(empty_root());
    }
    range_hash(0, size, node)
}

/// The inclusion proof (RFC 9162 `PATH(m, D[0:n])`) of leaf `index` in the
/// tree of `size` leaves, from the leaf up.
pub fn inclusion_path<E>(index: u64, size: u64, node: &mut Node<'_, E>) -> Result<Vec<Hash>, E> {
    let mut path = Vec::new();
    path_of(index, 0, size, node, &mut path)?;
    Ok(path)
}

fn path_of<E>(
    m: u64,
    start: u64,
    end: u64,
    node: &mut Node<'_, E>,
    path: &mut Vec<Hash>,
) -> Result<(), E> {
    let n = end - start;
    if n <= 1 {
        return Ok(());
    }
    let k = split(n);
    if m < k {
        path_of(m, start, start + k, node, path)?;
        path.push(range_hash(start + k, end, node)?);
    } else {
        path_of(m - k, start + k, end, node, path)?;
        path.push(range_hash(start, start + k, node)?);
    }
    Ok(())
}

/// The consistency proof (RFC 9162 `PROOF(m, D[0:n])`) between the trees
/// of `m` and `n` leaves (`0 < m <= n`).
pub fn consistency_path<E>(m: u64, n: u64, node: &mut Node<'_, E>) -> Result<Vec<Hash>, E> {
    let mut path = Vec::new();
    if m == 0 || m >= n {
        return Ok(path);
    }
    subproof(m, 0, n, true, node, &mut path)?;
    Ok(path)
}

fn subproof<E>(
    m: u64,
    start: u64,
    end: u64,
    complete: bool,
    node: &mut Node<'_, E>,
    path: &mut Vec<Hash>,
) -> Result<(), E> {
    let n = end - start;
    if m == n {
        if !complete {
            path.push(range_hash(start, end, node)?);
        }
        return Ok(());
    }
    let k = split(n);
    if m <= k {
        subproof(m, start, start + k, complete, node, path)?;
        path.push(range_hash(start + k, end, node)?);
    } else {
        subproof(m - k, start + k, end, false, node, path)?;
        path.push(range_hash(start, start + k, node)?);
    }
    Ok(())
}

/// Whether `path` proves leaf `index` (hash `leaf`) in the tree of `size`
/// leaves with root `root` (RFC 9162, 2.1.3.2).
pub fn verify_inclusion(leaf: &Hash, index: u64, size: u64, path: &[Hash], root: &Hash) -> bool {
    if index >= size {
        return false;
    }
    let (mut fn_, mut sn) = (index, size - 1);
    let mut r = *leaf;
    for p in path {
        if sn == 0 {
            return false;
        }
        if fn_ % 2 == 1 || fn_ == sn {
            r = node_hash(p, &r);
            if fn_ % 2 == 0 {
                while fn_ % 2 == 0 && fn_ != 0 {
                    fn_ >>= 1;
                    sn >>= 1;
                }
            }
        } else {
            r = node_hash(&r, p);
        }
        fn_ >>= 1;
        sn >>= 1;
    }
    sn == 0 && r == *root
}

/// Whether `path` proves the tree of `first` leaves (root `first_root`) a
/// prefix of the tree of `second` leaves (root `second_root`) (RFC 9162,
/// 2.1.4.2).
pub fn verify_consistency(
    first: u64,
    second: u64,
    first_root: &Hash,
    second_root: &Hash,
    path: &[Hash],
) -> bool {
    if first > second {
        return false;
    }
    if first == second {
        return path.is_empty() && first_root == second_root;
    }
    if first == 0 {
        return path.is_empty();
    }
    if path.is_empty() {
        return false;
    }
    let mut path: Vec<Hash> = path.to_vec();
    if first.is_power_of_two() {
        path.insert(0, *first_root);
    }
    let Some((&head, rest)) = path.split_first() else {
        return false;
    };
    let (mut fn_, mut sn) = (first - 1, second - 1);
    while fn_ % 2 == 1 {
        fn_ >>= 1;
        sn >>= 1;
    }
    let (mut fr, mut sr) = (head, head);
    for c in rest {
        if sn == 0 {
            return false;
        }
        if fn_ % 2 == 1 || fn_ == sn {
            fr = node_hash(c, &fr);
            sr = node_hash(c, &sr);
            if fn_ % 2 == 0 {
                while fn_ % 2 == 0 && fn_ != 0 {
                    fn_ >>= 1;
                    sn >>= 1;
                }
            }
        } else {
            sr = node_hash(&sr, c);
        }
        fn_ >>= 1;
        sn >>= 1;
    }
    sn == 0 && fr == *first_root && sr == *second_root
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The stored subtrees of a log, computed over all its leaves.
    fn stored(leaves: &[Hash]) -> Vec<Vec<Hash>> {
        let mut levels = vec![leaves.to_vec()];
        while levels.last().is_some_and(|level| level.len() > 1) {
            let below = levels.last().map(Vec::as_slice).unwrap_or_default();
            let above = below.chunks_exact(2).map(|pair| node_hash(&pair[0], &pair[1])).collect();
            levels.push(above);
        }
        levels
    }

    #[test]
    fn appending_completes_the_subtrees_above_a_right_child() {
        assert!(completed(0).is_empty());
        assert_eq!(completed(1), [(1, 0)]);
        assert!(completed(2).is_empty());
        assert_eq!(completed(3), [(1, 1), (2, 0)]);
        assert_eq!(completed(7), [(1, 3), (2, 1), (3, 0)]);
    }

    #[test]
    fn proofs_from_the_stored_subtrees_verify_and_a_wrong_one_does_not() {
        let leaves: Vec<Hash> = (0..37_u32).map(|i| leaf_hash(&i.to_be_bytes())).collect();
        let levels = stored(&leaves);
        let mut node = |level: u32, index: u64| -> Result<Hash, ()> {
            levels
                .get(level as usize)
                .and_then(|nodes| nodes.get(index as usize))
                .copied()
                .ok_or(())
        };
        for size in 1..=37_u64 {
            let top = root(size, &mut node).expect("a root");
            for index in 0..size {
                let path = inclusion_path(index, size, &mut node).expect("a path");
                assert!(verify_inclusion(&leaves[index as usize], index, size, &path, &top));
                let other = leaves[((index + 1) % 37) as usize];
                assert!(!verify_inclusion(&other, index, size, &path, &top));
            }
            for first in 1..=size {
                let path = consistency_path(first, size, &mut node).expect("a path");
                let first_root = root(first, &mut node).expect("a root");
                assert!(
                    verify_consistency(first, size, &first_root, &top, &path),
                    "{first} {size}"
                );
                if first < size {
                    let wrong = leaf_hash(b"rewritten");
                    assert!(!verify_consistency(first, size, &wrong, &top, &path));
                }
            }
        }
        assert_eq!(root(0, &mut node), Ok(empty_root()));
    }
}
