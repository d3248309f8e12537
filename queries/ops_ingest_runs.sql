-- The latest loads, most recent first, up to a limit.
SELECT id, file_name, kind, rows_read, rows_accepted, rows_rejected, started_at, finished_at,
       status
FROM ingest_runs
ORDER BY id DESC
LIMIT ?;
