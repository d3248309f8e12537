-- Solved tickets of one entity and quarter by business hours of solution, in fixed bins.
-- Parameters: $1 entity, $2 quarter start, $3 quarter end (exclusive); $4–$7 filters as in
-- indicator_figures.sql (priority, category, group, technician), NULL for all.
SELECT
    CASE
        WHEN h <= 1 THEN 0 WHEN h <= 2 THEN 1 WHEN h <= 4 THEN 2 WHEN h <= 8 THEN 3
        WHEN h <= 16 THEN 4 WHEN h <= 27 THEN 5 WHEN h <= 45 THEN 6 ELSE 7
    END AS bin,
    count(*) AS tickets
FROM (
    SELECT s.business_seconds / 3600.0 AS h
    FROM tickets t
    JOIN sla_results s
        ON s.source = t.source AND s.ticket_id = t.ticket_id AND s.metric = 'solution'
    WHERE t.entity = $1
      AND (CAST($4 AS VARCHAR) IS NULL OR CAST(t.priority AS VARCHAR) = CAST($4 AS VARCHAR))
      AND (CAST($5 AS VARCHAR) IS NULL OR t.category = CAST($5 AS VARCHAR))
      AND (CAST($6 AS VARCHAR) IS NULL OR t.tech_group = CAST($6 AS VARCHAR))
      AND (CAST($7 AS VARCHAR) IS NULL OR t.technician = CAST($7 AS VARCHAR))
      AND s.stopped_at >= CAST($2 AS TIMESTAMP) AND s.stopped_at < CAST($3 AS TIMESTAMP)
)
GROUP BY ALL
ORDER BY bin;
