-- A person's entries on every list, found without reading the lists: for
-- the questions about one person (his explanation on a list, whose lists
-- he is on).

CREATE INDEX list_entries_by_person ON list_entries (person, list);
