-- Opens an ingest run; returns its id.
INSERT INTO ingest_runs (file_name, sha256, kind, started_at, status)
VALUES (?, ?, ?, CAST(? AS TIMESTAMP), 'running')
RETURNING id;
