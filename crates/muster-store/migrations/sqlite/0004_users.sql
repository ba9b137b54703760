-- Accounts for the server. Rows are only appended: a change to a user
-- (disabled, password reset) is a new version of his row under its act.
CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    act INTEGER NOT NULL REFERENCES acts (id),
    name TEXT NOT NULL,
    organisation TEXT NOT NULL,
    role TEXT NOT NULL,
    -- argon2id, PHC string format.
    password_hash TEXT NOT NULL,
    disabled INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX users_name ON users (name, id);

-- API tokens for programs: only their SHA-256 is kept.
CREATE TABLE tokens (
    id INTEGER PRIMARY KEY,
    act INTEGER NOT NULL REFERENCES acts (id),
    user_name TEXT NOT NULL,
    label TEXT NOT NULL,
    token_sha256 TEXT NOT NULL UNIQUE
);
