-- Latest breaches of an entity in a quarter: stopped clocks by when they stopped, open ones
-- (still running past their target) first. A breach belongs to the quarter its indicator counts
-- it in (indicator_figures.sql, and the workbook's indicator_breaches.sql): attention by the
-- ticket's creation, solution by when the clock stopped (the last solution), an open solution
-- clock by the ticket's creation. Parameters: $1 entity, $2–$5 filters as in web_at_risk.sql,
-- $6 quarter start, $7 quarter end (exclusive), $8 how many, $9 the policy version as in
-- web_at_risk.sql's $7.
SELECT t.source, t.ticket_id, t.title, t.priority, t.category, t.technician, t.tech_group,
       r.metric, r.business_seconds, r.target_seconds,
       r.business_seconds - r.target_seconds AS excess_seconds, r.stopped_at, t.created_at
FROM sla_results r
JOIN tickets t ON t.source = r.source AND t.ticket_id = r.ticket_id
WHERE t.entity = $1 AND r.state = 'breached'
  AND (CAST($2 AS VARCHAR) IS NULL OR CAST(t.priority AS VARCHAR) = CAST($2 AS VARCHAR))
  AND (CAST($3 AS VARCHAR) IS NULL OR t.category = CAST($3 AS VARCHAR))
  AND (CAST($4 AS VARCHAR) IS NULL OR t.tech_group = CAST($4 AS VARCHAR))
  AND (CAST($5 AS VARCHAR) IS NULL OR t.technician = CAST($5 AS VARCHAR))
  -- Both clocks of a ticket are measured by one version (chosen by its opening date), so each
  -- row's is the solution clock's.
  AND (CAST($9 AS VARCHAR) IS NULL OR (r.calendar IS NOT NULL
      AND coalesce(r.policy_version, '') = CAST($9 AS VARCHAR)))
  AND t.created_at < CAST($7 AS TIMESTAMP)
  AND (
    (r.metric = 'attention'
        AND t.created_at >= CAST($6 AS TIMESTAMP))
    OR (r.metric = 'solution'
        AND ((r.stopped_at >= CAST($6 AS TIMESTAMP) AND r.stopped_at < CAST($7 AS TIMESTAMP))
          OR (r.stopped_at IS NULL AND t.created_at >= CAST($6 AS TIMESTAMP))))
  )
ORDER BY r.stopped_at DESC NULLS FIRST, t.created_at DESC, t.source, t.ticket_id
LIMIT $8;
