-- The SMTP server accepted the message. Parameters: id, now (local).
UPDATE alerts_outbox
SET status = 'sent', attempts = attempts + 1, sent_at = CAST($2 AS TIMESTAMP),
    next_attempt_at = NULL, last_error = NULL
WHERE id = $1 AND status = 'pending';
