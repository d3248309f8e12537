-- What the staged glpi_logs export holds: records, rows without SLA information, rejects, and
-- what only the reference reader can do (dates it alone reads; events without a numeric id,
-- ordered by their line there).
SELECT
    count(*),
    count(*) FILTER (WHERE kind IS NULL),
    count(reject),
    count(*) FILTER (WHERE undecided),
    count(*) FILTER (WHERE kind IS NOT NULL AND reject IS NULL AND NOT undecided AND seq IS NULL)
FROM fast_logs_stage;
