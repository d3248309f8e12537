-- The OLA holds as exported by `evaluate --export-ola`: numeric ticket ids sort as numbers.
SELECT source, ticket_id, tech_group, business_seconds, target_seconds, state
FROM ola_results
ORDER BY source, TRY_CAST(ticket_id AS BIGINT) NULLS LAST, ticket_id, tech_group;
