-- Replaces the stored OLA holds with the evaluation just made (after ola_results_clear, inside
-- the transaction that replaces sla_results).
INSERT INTO ola_results (source, ticket_id, tech_group, business_seconds, target_seconds, state)
SELECT k.source, k.ticket_id, g.name, o.business_seconds, o.target_seconds, o.state
FROM ola_eval o
JOIN eval_keys k USING (n)
JOIN eval_groups g ON g.id = o.group_id;
