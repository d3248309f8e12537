UPDATE ingest_runs
SET rows_read = ?, rows_accepted = ?, rows_rejected = ?, finished_at = CAST(? AS TIMESTAMP), status = ?
WHERE id = ?;
