-- Reserves the id of an ingest run before its transaction (the DuckDB-native path needs it while
-- it prepares the rows the transaction will move).
SELECT nextval('ingest_run_seq');
