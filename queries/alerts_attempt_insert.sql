-- One delivery attempt. Parameters: outbox_id, attempt number, attempted_at (local), outcome, error.
INSERT INTO alerts_attempts (outbox_id, attempt, attempted_at, outcome, error)
VALUES (?, ?, CAST(? AS TIMESTAMP), ?, ?);
