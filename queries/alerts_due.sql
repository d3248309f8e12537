-- Pending rows whose retry time has come, oldest first. Parameter: now (local).
SELECT id, entity, recipients, subject, body_text, body_html, message_id, attempts
FROM alerts_outbox
WHERE status = 'pending'
  AND (next_attempt_at IS NULL OR next_attempt_at <= CAST(? AS TIMESTAMP))
ORDER BY id;
