-- The audit log as a Merkle tree (RFC 9162): the hash of every complete
-- subtree, level 0 the leaves (entry `seq` is leaf `seq - 1`), level `l`
-- index `i` the leaves `i * 2^l .. (i + 1) * 2^l`. A root or a proof reads
-- O(log n) of them. The entries logged before are carried over, entry for
-- entry, when this migration is applied (a store migrated from before the
-- audit log has the table made first, so that the entries the earlier
-- migrations append are leaves at once).
CREATE TABLE IF NOT EXISTS audit_tree (
    level INTEGER NOT NULL,
    idx INTEGER NOT NULL,
    hash BLOB NOT NULL,
    PRIMARY KEY (level, idx)
) WITHOUT ROWID;
