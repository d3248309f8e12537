-- Replaces the stored OLA holds with the evaluation just made (after ola_results_clear, inside
-- the transaction that replaces sla_results).
INSERT INTO ola_results (source, ticket_id, tech_group, business_seconds, target_seconds, state)
SELECT k.source, k.ticket_id, o.tech_group, o.business_seconds, o.target_seconds, o.state
FROM ola_eval o
JOIN eval_keys k USING (n);
