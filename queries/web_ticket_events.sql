-- The history of one ticket, as it happened. Parameters: source, ticket_id.
SELECT occurred_at, kind, old_value, new_value, actor, is_public
FROM ticket_events
WHERE source = ? AND ticket_id = ?
ORDER BY occurred_at, seq;
