-- A failed attempt: the row stays pending until the back-off has passed.
-- Parameters: id, next_attempt_at (local), error.
UPDATE alerts_outbox
SET attempts = attempts + 1, next_attempt_at = CAST($2 AS TIMESTAMP), last_error = $3
WHERE id = $1 AND status = 'pending';
