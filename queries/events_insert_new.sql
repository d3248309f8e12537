-- Adds staged events the store does not have yet. An event is identified by its ticket, instant,
-- kind, values and actor, so re-ingesting the same or an overlapping history adds nothing twice;
-- identical rows inside one file (two equal follow-ups in the same second) are all kept.
INSERT INTO ticket_events
SELECT s.* FROM staging_events s
WHERE NOT EXISTS (
    SELECT 1 FROM ticket_events e
    WHERE e.source = s.source AND e.ticket_id = s.ticket_id AND e.occurred_at = s.occurred_at
      AND e.kind = s.kind
      AND e.old_value IS NOT DISTINCT FROM s.old_value
      AND e.new_value IS NOT DISTINCT FROM s.new_value
      AND e.actor IS NOT DISTINCT FROM s.actor
);
