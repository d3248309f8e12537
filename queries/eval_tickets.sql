-- Tickets to evaluate, in key order. Instants are local wall-clock seconds (epoch of the naive
-- timestamp); the calendar turns them into UTC instants.
SELECT
    k.n,
    t.entity,
    t.type,
    t.priority,
    coalesce(t.category, '') AS category,
    coalesce(t.service, '') AS service,
    CASE t.status WHEN 'new' THEN 0 WHEN 'assigned' THEN 1 WHEN 'planned' THEN 2
        WHEN 'waiting' THEN 3 WHEN 'solved' THEN 4 WHEN 'closed' THEN 5 END AS status,
    CAST(epoch(t.created_at) AS BIGINT) AS created_at,
    CAST(epoch(t.taken_at) AS BIGINT) AS taken_at,
    CAST(epoch(t.solved_at) AS BIGINT) AS solved_at,
    CAST(epoch(t.closed_at) AS BIGINT) AS closed_at,
    t.attention_source_seconds,
    coalesce(t.tech_group, '') AS tech_group
FROM eval_keys k
JOIN tickets t USING (source, ticket_id)
ORDER BY k.n;
