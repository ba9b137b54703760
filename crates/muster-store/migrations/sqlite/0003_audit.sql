-- The audit log: every act, and every event of the server that is no act
-- (a login, a refused request), chained by SHA-256. Rows are only appended.
CREATE TABLE audit (
    seq INTEGER PRIMARY KEY,
    act INTEGER REFERENCES acts (id),
    recorded_at TEXT NOT NULL,
    actor TEXT NOT NULL,
    kind TEXT NOT NULL,
    valid_on TEXT,
    summary TEXT NOT NULL,
    -- What the act did, canonical JSON.
    content TEXT NOT NULL,
    previous TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX audit_act ON audit (act);
