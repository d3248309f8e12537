-- Open clocks past a warning threshold, least business time left first (dashboard and API).
-- Parameters: $1 entity, $2–$5 filters (priority, category, group, technician; NULL for all),
-- $6 how many, $7 the policy version of the ticket's solution clock ('' for the unversioned
-- [policy]; NULL for all).
SELECT t.source, t.ticket_id, t.title, t.priority, t.category, t.technician, t.tech_group,
       r.metric, r.business_seconds, r.target_seconds,
       r.target_seconds - r.business_seconds AS left_seconds, r.deadline, r.level
FROM sla_results r
JOIN tickets t ON t.source = r.source AND t.ticket_id = r.ticket_id
WHERE t.entity = $1 AND r.state = 'at_risk'
  AND (CAST($2 AS VARCHAR) IS NULL OR CAST(t.priority AS VARCHAR) = CAST($2 AS VARCHAR))
  AND (CAST($3 AS VARCHAR) IS NULL OR t.category = CAST($3 AS VARCHAR))
  AND (CAST($4 AS VARCHAR) IS NULL OR t.tech_group = CAST($4 AS VARCHAR))
  AND (CAST($5 AS VARCHAR) IS NULL OR t.technician = CAST($5 AS VARCHAR))
  -- Both clocks of a ticket are measured by one version (chosen by its opening date), so each
  -- row's is the solution clock's.
  AND (CAST($7 AS VARCHAR) IS NULL OR (r.calendar IS NOT NULL
      AND coalesce(r.policy_version, '') = CAST($7 AS VARCHAR)))
ORDER BY left_seconds, r.deadline NULLS LAST, t.source, t.ticket_id
LIMIT $6;
