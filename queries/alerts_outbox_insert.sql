-- A decided alert or digest. Parameters: kind, dedupe_key, source, ticket_id, metric, level,
-- entity, digest_day, decided_at (local), recipients, subject, body_text, body_html,
-- message_id, status. Returns the new id.
INSERT INTO alerts_outbox (kind, dedupe_key, source, ticket_id, metric, level, entity,
    digest_day, decided_at, recipients, subject, body_text, body_html, message_id, status)
VALUES (?, ?, ?, ?, ?, ?, ?, CAST(? AS DATE), CAST(? AS TIMESTAMP), ?, ?, ?, ?, ?, ?)
RETURNING id;
