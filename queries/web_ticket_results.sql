-- The SLA results of one ticket. Parameters: source, ticket_id.
SELECT metric, target_seconds, business_seconds, paused_seconds, state, rule, stopped_at,
       deadline, no_history, as_of, reopened, closed_at, close_seconds,
       policy_version, calendar, before_first_version,
       paused_waiting_seconds, paused_planned_seconds, paused_solved_seconds
FROM sla_results
WHERE source = ? AND ticket_id = ?
ORDER BY metric;
