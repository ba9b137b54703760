-- The last act of a kind (the last import, the last order: whether what an
-- act or a read holds is still current) and the acts of a kind, without
-- reading every act.
CREATE INDEX acts_by_kind ON acts (kind, id);
