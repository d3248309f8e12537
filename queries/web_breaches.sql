-- Latest breaches of an entity: stopped clocks by when they stopped, open ones (still running
-- past their target) first. Parameters: $1 entity, $2–$5 filters as in web_at_risk.sql, $6 how
-- many.
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
ORDER BY r.stopped_at DESC NULLS FIRST, t.created_at DESC, t.source, t.ticket_id
LIMIT $6;
