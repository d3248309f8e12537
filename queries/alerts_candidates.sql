-- Each staged clock with the highest level already decided for it (NULL: none) and the ticket
-- attributes routes and messages use, in staging order.
SELECT c.n, d.previous, t.entity, t.title, t.priority, t.category, t.tech_group, t.technician,
       t.status
FROM alerts_current c
JOIN tickets t ON t.source = c.source AND t.ticket_id = c.ticket_id
LEFT JOIN (
    SELECT a.source, a.ticket_id, a.metric, max(a.level) AS previous
    FROM alerts_decided a
    JOIN alerts_current k ON k.source = a.source AND k.ticket_id = a.ticket_id
        AND k.metric = a.metric
    GROUP BY a.source, a.ticket_id, a.metric
) d ON d.source = c.source AND d.ticket_id = c.ticket_id AND d.metric = c.metric
ORDER BY c.n;
