-- The records of muster. Nothing is updated in place or deleted: every
-- change is an act, and every row names the act that wrote it.
--
-- Id-bearing records (organisations, units, sites, campaigns, people) keep
-- one row per version, keyed by (id, act); the version in force is chosen by
-- the act's day and order. History rows (service, deployments) that an
-- update corrects are not changed: the correcting row names the row it
-- replaces in `replaces`.

CREATE TABLE acts (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    valid_on TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    actor TEXT NOT NULL,
    summary TEXT NOT NULL
);

CREATE TABLE calendars (
    act INTEGER NOT NULL PRIMARY KEY REFERENCES acts (id),
    spring TEXT NOT NULL,
    autumn TEXT NOT NULL
);

CREATE TABLE organisations (
    id TEXT NOT NULL,
    act INTEGER NOT NULL REFERENCES acts (id),
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    parent TEXT,
    PRIMARY KEY (id, act)
);

CREATE TABLE units (
    id TEXT NOT NULL,
    act INTEGER NOT NULL REFERENCES acts (id),
    name TEXT NOT NULL,
    parent TEXT,
    branch TEXT NOT NULL,
    tags TEXT NOT NULL,
    administration TEXT,
    PRIMARY KEY (id, act)
);

CREATE TABLE sites (
    id TEXT NOT NULL,
    act INTEGER NOT NULL REFERENCES acts (id),
    name TEXT NOT NULL,
    province TEXT NOT NULL,
    kind TEXT NOT NULL,
    PRIMARY KEY (id, act)
);

CREATE TABLE campaigns (
    id TEXT NOT NULL,
    act INTEGER NOT NULL REFERENCES acts (id),
    site TEXT NOT NULL,
    from_day TEXT NOT NULL,
    to_day TEXT NOT NULL,
    required INTEGER NOT NULL,
    required_technicians INTEGER,
    PRIMARY KEY (id, act)
);

CREATE TABLE people (
    id TEXT NOT NULL,
    act INTEGER NOT NULL REFERENCES acts (id),
    name TEXT NOT NULL,
    born TEXT NOT NULL,
    sex TEXT NOT NULL,
    home_province TEXT NOT NULL,
    home_county TEXT NOT NULL,
    branch TEXT,
    rank TEXT NOT NULL,
    specialty TEXT NOT NULL,
    enlisted TEXT,
    term_months INTEGER,
    PRIMARY KEY (id, act)
);

CREATE TABLE service (
    id INTEGER PRIMARY KEY,
    act INTEGER NOT NULL REFERENCES acts (id),
    replaces INTEGER REFERENCES service (id),
    person TEXT NOT NULL,
    unit TEXT NOT NULL,
    from_day TEXT NOT NULL,
    to_day TEXT
);
CREATE INDEX service_by_person ON service (person);
CREATE INDEX service_replaced ON service (replaces) WHERE replaces IS NOT NULL;

CREATE TABLE deployments (
    id INTEGER PRIMARY KEY,
    act INTEGER NOT NULL REFERENCES acts (id),
    replaces INTEGER REFERENCES deployments (id),
    unit TEXT,
    person TEXT,
    site TEXT NOT NULL,
    campaign TEXT NOT NULL,
    from_day TEXT NOT NULL,
    to_day TEXT
);
CREATE INDEX deployments_by_person ON deployments (person) WHERE person IS NOT NULL;
CREATE INDEX deployments_by_unit ON deployments (unit) WHERE unit IS NOT NULL;
CREATE INDEX deployments_replaced ON deployments (replaces) WHERE replaces IS NOT NULL;

CREATE TABLE events (
    id INTEGER PRIMARY KEY,
    act INTEGER NOT NULL REFERENCES acts (id),
    person TEXT NOT NULL,
    day TEXT NOT NULL,
    kind TEXT NOT NULL,
    ref TEXT NOT NULL,
    detail TEXT NOT NULL
);
CREATE INDEX events_by_person ON events (person);
