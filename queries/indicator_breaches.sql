-- Breaches of one entity and quarter, for the *Incumplimientos* sheet: attention breached on a
-- ticket created in the quarter; solution breached on a ticket solved in the quarter, or still
-- open and created in it. Parameters: $1 entity, $2 quarter start, $3 quarter end (exclusive);
-- $4, $5 a range of creation dates; $6 priority, $7 category, $8 group, $9 technician, $10 the
-- policy version of the ticket's solution clock ('' for the unversioned [policy]): the
-- dashboard's filters, NULL for all.
SELECT t.source, t.ticket_id, t.title, r.metric, t.priority, t.category, t.technician,
       t.tech_group, t.status, t.created_at, r.stopped_at,
       r.business_seconds / 3600.0 AS business_h, r.target_seconds / 3600.0 AS target_h,
       (r.business_seconds - r.target_seconds) / 3600.0 AS excess_h,
       r.paused_seconds / 3600.0 AS paused_h, r.rule
FROM tickets t
JOIN sla_results r ON r.source = t.source AND r.ticket_id = t.ticket_id
WHERE t.entity = $1 AND r.state = 'breached'
  AND t.created_at >= CAST($4 AS TIMESTAMP) AND t.created_at < CAST($5 AS TIMESTAMP)
  AND (CAST($6 AS VARCHAR) IS NULL OR CAST(t.priority AS VARCHAR) = CAST($6 AS VARCHAR))
  AND (CAST($7 AS VARCHAR) IS NULL OR t.category = CAST($7 AS VARCHAR))
  AND (CAST($8 AS VARCHAR) IS NULL OR t.tech_group = CAST($8 AS VARCHAR))
  AND (CAST($9 AS VARCHAR) IS NULL OR t.technician = CAST($9 AS VARCHAR))
  -- Both clocks of a ticket are measured by one version (chosen by its opening date), so each
  -- row's is the solution clock's.
  AND (CAST($10 AS VARCHAR) IS NULL OR (r.calendar IS NOT NULL
      AND coalesce(r.policy_version, '') = CAST($10 AS VARCHAR)))
  AND (
    (r.metric = 'attention'
        AND t.created_at >= CAST($2 AS TIMESTAMP) AND t.created_at < CAST($3 AS TIMESTAMP))
    OR (r.metric = 'solution'
        AND ((r.stopped_at >= CAST($2 AS TIMESTAMP) AND r.stopped_at < CAST($3 AS TIMESTAMP))
          OR (r.stopped_at IS NULL
            AND t.created_at >= CAST($2 AS TIMESTAMP) AND t.created_at < CAST($3 AS TIMESTAMP))))
  )
ORDER BY r.metric, excess_h DESC, t.source, t.ticket_id;
