-- Reversals: an act that corrects another, so that the records read as if
-- the reversed act had never happened, on every day. Nothing is deleted:
-- the reversed act's rows stay, and every read of the records leaves out
-- the rows of reversed acts (and what they replaced comes back).

CREATE TABLE reversals (
    act INTEGER NOT NULL REFERENCES acts (id),
    reversed INTEGER NOT NULL UNIQUE REFERENCES acts (id),
    reason TEXT NOT NULL
);

-- The members of a unit on a day, for an act on the unit.
CREATE INDEX service_by_unit ON service (unit);
