-- A level of a clock recorded as decided, with the outbox row that covered it.
-- Parameters: source, ticket_id, metric, level, decided_at (local), outbox_id.
INSERT INTO alerts_decided (source, ticket_id, metric, level, decided_at, outbox_id)
VALUES (?, ?, ?, ?, CAST(? AS TIMESTAMP), ?);
