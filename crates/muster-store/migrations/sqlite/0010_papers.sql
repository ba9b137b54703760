-- The register of exemption papers (spec/exemptions.md). A paper is
-- numbered by its row (`X-000123`); nothing is changed in place: a
-- revocation, an auditor's note and a set of limits are rows of acts of
-- their own.

CREATE TABLE papers (
    id INTEGER PRIMARY KEY,
    act INTEGER NOT NULL REFERENCES acts (id),
    document TEXT NOT NULL,
    person TEXT NOT NULL,
    scope TEXT NOT NULL,
    grounds TEXT NOT NULL,
    text TEXT NOT NULL,
    issuer TEXT NOT NULL,
    official TEXT NOT NULL,
    issued_on TEXT NOT NULL,
    valid_from TEXT NOT NULL,
    valid_until TEXT
);
CREATE INDEX papers_by_person ON papers (person);
CREATE INDEX papers_by_document ON papers (document);

-- A revocation or a note names the paper by its number in the register:
-- `X-000123` for a paper entered as one, `E-000123` for one read from an
-- `exempted` event.
CREATE TABLE paper_revocations (
    id INTEGER PRIMARY KEY,
    act INTEGER NOT NULL REFERENCES acts (id),
    paper TEXT NOT NULL,
    on_day TEXT NOT NULL,
    reason TEXT NOT NULL
);
CREATE INDEX paper_revocations_by_paper ON paper_revocations (paper);

CREATE TABLE paper_notes (
    id INTEGER PRIMARY KEY,
    act INTEGER NOT NULL REFERENCES acts (id),
    paper TEXT NOT NULL,
    note TEXT NOT NULL
);
CREATE INDEX paper_notes_by_paper ON paper_notes (paper);

-- The papers of `exempted` events, read with the register.
CREATE INDEX events_exempted ON events (person) WHERE kind = 'exempted';

-- The limits on issuing papers, each set whole by an act (TOML, as given).
CREATE TABLE exemption_limits (
    act INTEGER NOT NULL PRIMARY KEY REFERENCES acts (id),
    document TEXT NOT NULL
);
