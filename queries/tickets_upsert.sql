-- Moves staged tickets into the store: one row per key (the last line of the file wins), and an
-- existing ticket is only replaced by data at least as recent as what the store holds.
INSERT INTO tickets
SELECT * EXCLUDE (line) FROM (
    SELECT * FROM staging_tickets
    QUALIFY row_number() OVER (PARTITION BY source, ticket_id ORDER BY line DESC) = 1
)
ON CONFLICT (source, ticket_id) DO UPDATE SET
    entity = excluded.entity,
    title = excluded.title,
    type = excluded.type,
    priority = excluded.priority,
    priority_label = excluded.priority_label,
    category = excluded.category,
    service = excluded.service,
    technician = excluded.technician,
    tech_group = excluded.tech_group,
    requester = excluded.requester,
    channel = excluded.channel,
    status = excluded.status,
    status_label = excluded.status_label,
    created_at = excluded.created_at,
    taken_at = excluded.taken_at,
    solved_at = excluded.solved_at,
    closed_at = excluded.closed_at,
    last_update = excluded.last_update,
    satisfaction = excluded.satisfaction,
    ingest_run = excluded.ingest_run,
    attention_source_seconds = excluded.attention_source_seconds
WHERE tickets.last_update IS NULL
   OR excluded.last_update IS NULL
   OR excluded.last_update >= tickets.last_update;
