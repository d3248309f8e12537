-- Moves staged tickets into the store when none of their keys is there yet and no key repeats
-- in the file: what tickets_upsert.sql does in that case, without its conflict handling.
INSERT INTO tickets SELECT * EXCLUDE (line) FROM staging_tickets;
