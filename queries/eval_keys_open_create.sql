-- Numbers the tickets whose clocks may still run at the instant $1 (local): open now, or with a
-- change after $1 (a replay of the past sees the tickets that were open then). Tickets closed by
-- $1 with nothing after it have both clocks stopped and are left out (alerts read only these).
CREATE OR REPLACE TEMP TABLE eval_keys AS
SELECT row_number() OVER (ORDER BY t.source, t.ticket_id) AS n, t.source, t.ticket_id
FROM tickets t
WHERE t.created_at <= CAST($1 AS TIMESTAMP)
  AND (t.status NOT IN ('solved', 'closed')
       OR t.taken_at > CAST($1 AS TIMESTAMP)
       OR t.solved_at > CAST($1 AS TIMESTAMP)
       OR t.closed_at > CAST($1 AS TIMESTAMP)
       OR EXISTS (SELECT 1 FROM ticket_events e
                  WHERE e.source = t.source AND e.ticket_id = t.ticket_id
                    AND e.occurred_at > CAST($1 AS TIMESTAMP)));
