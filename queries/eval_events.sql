-- Events of the tickets to evaluate, in key order then as they happened. Codes: kind 1 status,
-- 2 technician assigned, 3 follow-up, 4 technician group changed (old_group → new_group),
-- 0 other; status codes 0 new … 5 closed.
SELECT
    k.n,
    CAST(epoch(e.occurred_at) AS BIGINT) AS at,
    CASE
        WHEN e.kind = 'status' THEN 1
        WHEN e.kind = 'assign_tech' AND coalesce(e.new_value, '') <> '' THEN 2
        WHEN e.kind = 'followup' THEN 3
        WHEN e.kind = 'assign_group'
            AND (coalesce(e.new_value, '') <> '' OR coalesce(e.old_value, '') <> '') THEN 4
        ELSE 0
    END AS kind,
    CASE e.old_value WHEN 'new' THEN 0 WHEN 'assigned' THEN 1 WHEN 'planned' THEN 2
        WHEN 'waiting' THEN 3 WHEN 'solved' THEN 4 WHEN 'closed' THEN 5 END AS old_status,
    CASE e.new_value WHEN 'new' THEN 0 WHEN 'assigned' THEN 1 WHEN 'planned' THEN 2
        WHEN 'waiting' THEN 3 WHEN 'solved' THEN 4 WHEN 'closed' THEN 5 END AS new_status,
    coalesce(e.is_public, true) AS is_public,
    coalesce(e.by_requester, false) AS by_requester,
    CASE WHEN e.kind = 'assign_group' THEN e.old_value END AS old_group,
    CASE WHEN e.kind = 'assign_group' THEN e.new_value END AS new_group
FROM ticket_events e
JOIN eval_keys k USING (source, ticket_id)
ORDER BY k.n, e.occurred_at, e.seq;
