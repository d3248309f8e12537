-- Removes what the DuckDB-native ingest path left on the connection.
DROP VIEW IF EXISTS fast_list_values;
DROP TABLE IF EXISTS fast_list_trimmed;
DROP TABLE IF EXISTS fast_list_checked;
DROP TABLE IF EXISTS fast_list_stage;
DROP TABLE IF EXISTS fast_labels;
DROP TABLE IF EXISTS fast_logs_stage;
