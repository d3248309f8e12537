-- One ticket. Parameters: source, ticket_id.
SELECT source, ticket_id, entity, title, type, priority, category, service, technician,
       tech_group, status, created_at, solved_at, closed_at, last_update
FROM tickets
WHERE source = ? AND ticket_id = ?;
