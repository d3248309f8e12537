-- Frees the staged text of a ticket list once it is judged (fast_list_checked holds what is left
-- to do), before the upsert needs the memory.
DROP VIEW IF EXISTS fast_list_values;
DROP TABLE IF EXISTS fast_list_trimmed;
DROP TABLE IF EXISTS fast_list_stage;
