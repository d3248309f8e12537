-- Every ticket of one entity and quarter (created or solved in it), for the *Casos* sheet.
-- Requesters are personal data (Ley 1581 de 2012) the indicators do not need: left out.
-- Parameters: $1 entity, $2 quarter start, $3 quarter end (exclusive); $4, $5 a range of creation
-- dates, so that the sheet can be read in parts; $6 priority, $7 category, $8 group, $9
-- technician, $10 policy version (as indicator_members.sql's $11): the dashboard's filters, NULL
-- for all. `policy_version` is the solution clock's: '' for the unversioned [policy], NULL when
-- the results do not say (evaluated before migration 008, or not evaluated); then the calendar
-- of each clock.
SELECT t.source, t.ticket_id, t.title, t.type, t.priority, t.category, t.service, t.technician,
       t.tech_group, t.status, t.created_at,
       a.stopped_at AS attended_at, s.stopped_at AS solved_at, s.closed_at,
       a.business_seconds / 3600.0 AS attention_h, a.target_seconds / 3600.0 AS attention_target_h,
       a.state AS attention_state,
       s.business_seconds / 3600.0 AS solution_h, s.paused_seconds / 3600.0 AS paused_h,
       s.target_seconds / 3600.0 AS solution_target_h, s.state AS solution_state,
       coalesce(s.rule, a.rule) AS rule, s.reopened, s.no_history,
       CASE WHEN s.calendar IS NOT NULL THEN coalesce(s.policy_version, '') END AS policy_version,
       s.calendar, a.calendar AS attention_calendar
FROM tickets t
LEFT JOIN sla_results a
    ON a.source = t.source AND a.ticket_id = t.ticket_id AND a.metric = 'attention'
LEFT JOIN sla_results s
    ON s.source = t.source AND s.ticket_id = t.ticket_id AND s.metric = 'solution'
WHERE t.entity = $1
  AND t.created_at >= CAST($4 AS TIMESTAMP) AND t.created_at < CAST($5 AS TIMESTAMP)
  AND (CAST($6 AS VARCHAR) IS NULL OR CAST(t.priority AS VARCHAR) = CAST($6 AS VARCHAR))
  AND (CAST($7 AS VARCHAR) IS NULL OR t.category = CAST($7 AS VARCHAR))
  AND (CAST($8 AS VARCHAR) IS NULL OR t.tech_group = CAST($8 AS VARCHAR))
  AND (CAST($9 AS VARCHAR) IS NULL OR t.technician = CAST($9 AS VARCHAR))
  AND (CAST($10 AS VARCHAR) IS NULL OR (s.calendar IS NOT NULL
      AND coalesce(s.policy_version, '') = CAST($10 AS VARCHAR)))
  AND ((t.created_at >= CAST($2 AS TIMESTAMP) AND t.created_at < CAST($3 AS TIMESTAMP))
    OR (s.stopped_at >= CAST($2 AS TIMESTAMP) AND s.stopped_at < CAST($3 AS TIMESTAMP)))
ORDER BY t.created_at, t.source, TRY_CAST(t.ticket_id AS BIGINT) NULLS LAST, t.ticket_id;
