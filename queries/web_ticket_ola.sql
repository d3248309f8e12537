-- The OLA holds of one ticket, by group. Parameters: source, ticket_id.
SELECT tech_group, business_seconds, target_seconds, state
FROM ola_results
WHERE source = ? AND ticket_id = ?
ORDER BY tech_group;
