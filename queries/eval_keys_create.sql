-- Numbers the tickets to evaluate, so that tickets and events stream in the same order and
-- results join back by a small integer.
CREATE OR REPLACE TEMP TABLE eval_keys AS
SELECT row_number() OVER (ORDER BY source, ticket_id) AS n, source, ticket_id
FROM tickets
WHERE created_at <= CAST(? AS TIMESTAMP);
