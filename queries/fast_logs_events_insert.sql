-- Adds the staged glpi_logs events the store does not have yet, with the same rule as
-- events_insert_new.sql (an event is its ticket, instant, kind, values and actor).
-- $1 source, $2 ingest run.
INSERT INTO ticket_events
SELECT $1, s.ticket_id, s.seq, s.occurred_at, s.kind, s.old_value, s.new_value, s.actor,
       NULL, NULL, $2
FROM fast_logs_stage s
WHERE s.kind IS NOT NULL AND s.reject IS NULL
  AND NOT EXISTS (
    SELECT 1 FROM ticket_events e
    WHERE e.source = $1 AND e.ticket_id = s.ticket_id AND e.occurred_at = s.occurred_at
      AND e.kind = s.kind
      AND e.old_value IS NOT DISTINCT FROM s.old_value
      AND e.new_value IS NOT DISTINCT FROM s.new_value
      AND e.actor IS NOT DISTINCT FROM s.actor
);
