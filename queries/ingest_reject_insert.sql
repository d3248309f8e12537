INSERT INTO ingest_rejects (run_id, line, column_name, raw_value, reason) VALUES (?, ?, ?, ?, ?);
