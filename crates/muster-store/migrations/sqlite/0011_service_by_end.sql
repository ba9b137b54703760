-- Who served during a window (the anomaly report's exposure): the
-- assignments still open or ending on or after the window's first day,
-- read from the index alone.
CREATE INDEX service_by_end ON service (to_day, from_day, unit, person, act);
