-- Orders, their revocations, candidate lists and their entries, and the
-- notices orders and re-checks leave for organisations. As for records,
-- rows are only ever inserted: an order's document is kept as issued, a
-- revocation is a row of its own, and taking a person off a list is an
-- entry row with the action `remove`.

CREATE TABLE orders (
    id TEXT NOT NULL PRIMARY KEY,
    act INTEGER NOT NULL REFERENCES acts (id),
    document TEXT NOT NULL,
    override INTEGER NOT NULL,
    impact TEXT NOT NULL
);

CREATE TABLE revocations (
    order_id TEXT NOT NULL REFERENCES orders (id),
    act INTEGER NOT NULL REFERENCES acts (id),
    on_day TEXT NOT NULL,
    reason TEXT NOT NULL,
    PRIMARY KEY (order_id, act)
);

CREATE TABLE lists (
    id TEXT NOT NULL PRIMARY KEY,
    act INTEGER NOT NULL REFERENCES acts (id),
    kind TEXT NOT NULL,
    owner TEXT NOT NULL,
    title TEXT NOT NULL,
    quota INTEGER
);

CREATE TABLE list_entries (
    id INTEGER PRIMARY KEY,
    act INTEGER NOT NULL REFERENCES acts (id),
    list TEXT NOT NULL REFERENCES lists (id),
    person TEXT NOT NULL,
    action TEXT NOT NULL
);
CREATE INDEX list_entries_by_list ON list_entries (list);

CREATE TABLE notices (
    id INTEGER PRIMARY KEY,
    act INTEGER NOT NULL REFERENCES acts (id),
    organisation TEXT NOT NULL,
    order_id TEXT,
    list TEXT,
    message TEXT NOT NULL
);
CREATE INDEX notices_by_organisation ON notices (organisation);
