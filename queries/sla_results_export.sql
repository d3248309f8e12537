-- The results as exported by `evaluate --export`: numeric ticket ids sort as numbers.
SELECT source, ticket_id, metric, target_seconds, business_seconds, paused_seconds, state
FROM sla_results
ORDER BY source, TRY_CAST(ticket_id AS BIGINT) NULLS LAST, ticket_id, metric;
