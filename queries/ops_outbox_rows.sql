-- Outbox rows for the operations page: the pending ones first, then the most recent, up to a
-- limit.
SELECT id, kind, source, ticket_id, metric, level, entity, digest_day, decided_at, recipients,
       subject, status, attempts, next_attempt_at, sent_at, last_error
FROM alerts_outbox
ORDER BY (status = 'pending') DESC, id DESC
LIMIT ?;
