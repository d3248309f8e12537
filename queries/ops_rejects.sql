-- The first rejected rows (at most ? per load, in file order) of the loads from a given run id
-- on.
SELECT run_id, line, column_name, raw_value, reason
FROM (
    SELECT *, row_number() OVER (PARTITION BY run_id ORDER BY line) AS n
    FROM ingest_rejects
    WHERE run_id >= ?
)
WHERE n <= ?
ORDER BY run_id DESC, line;
