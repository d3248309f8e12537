-- The reasons rows were rejected, per load from a given run id on: how many rows each, and
-- the first line with it; most frequent first.
SELECT run_id, reason, count(*) AS n, min(line) AS first_line
FROM ingest_rejects
WHERE run_id >= ?
GROUP BY run_id, reason
ORDER BY run_id DESC, n DESC, reason;
