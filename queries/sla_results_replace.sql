-- Replaces the stored results with the evaluation just made (instants back to local timestamps).
-- Parameters: as_of (local), computed_at (local).
INSERT INTO sla_results (source, ticket_id, metric, target_seconds, business_seconds,
    paused_seconds, state, level, rule, stopped_at, deadline, no_history, as_of, computed_at,
    reopened, closed_at, close_seconds, policy_version, calendar, before_first_version,
    paused_waiting_seconds, paused_planned_seconds, paused_solved_seconds)
SELECT k.source, k.ticket_id, r.metric, r.target_seconds, r.business_seconds, r.paused_seconds,
       r.state, r.level, r.rule, make_timestamp(r.stopped_at * 1000000),
       make_timestamp(r.deadline * 1000000), r.no_history,
       CAST(? AS TIMESTAMP), CAST(? AS TIMESTAMP),
       r.reopened, make_timestamp(r.closed_at * 1000000), r.close_seconds,
       p.policy_version, p.calendar, p.before_first_version,
       r.paused_waiting_seconds, r.paused_planned_seconds, r.paused_solved_seconds
FROM eval_results r
JOIN eval_keys k USING (n)
JOIN eval_plans p ON p.plan = r.plan AND p.metric = r.metric;
