-- Opens an ingest run under an id reserved with ingest_run_next_id.sql.
INSERT INTO ingest_runs (id, file_name, sha256, kind, started_at, status)
VALUES (?, ?, ?, ?, CAST(? AS TIMESTAMP), 'running');
