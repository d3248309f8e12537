-- Entities with tickets created or solved in a quarter. Parameters: quarter start, end.
SELECT DISTINCT t.entity
FROM tickets t
LEFT JOIN sla_results s
    ON s.source = t.source AND s.ticket_id = t.ticket_id AND s.metric = 'solution'
WHERE (t.created_at >= CAST($1 AS TIMESTAMP) AND t.created_at < CAST($2 AS TIMESTAMP))
   OR (s.stopped_at >= CAST($1 AS TIMESTAMP) AND s.stopped_at < CAST($2 AS TIMESTAMP))
ORDER BY 1;
