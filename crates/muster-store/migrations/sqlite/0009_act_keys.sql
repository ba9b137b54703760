-- The key a caller gave an act (`--key`): a second act with the same key
-- does nothing and is answered with the first one.
CREATE TABLE act_keys (
    key TEXT NOT NULL UNIQUE,
    act INTEGER NOT NULL REFERENCES acts (id)
);
