-- Compliance per entity and quarter of creation, for the CLI summaries.
SELECT
    t.entity,
    CAST(year(t.created_at) AS VARCHAR) || '-Q' || CAST(quarter(t.created_at) AS VARCHAR) AS quarter,
    count(DISTINCT t.source || '/' || t.ticket_id) AS tickets,
    count(*) FILTER (WHERE r.metric = 'attention' AND r.state = 'met') AS attention_met,
    count(*) FILTER (WHERE r.metric = 'attention' AND r.state IN ('met', 'breached')) AS attention_closed,
    count(*) FILTER (WHERE r.metric = 'solution' AND r.state = 'met') AS solution_met,
    count(*) FILTER (WHERE r.metric = 'solution' AND r.state IN ('met', 'breached')) AS solution_closed,
    count(*) FILTER (WHERE r.state = 'at_risk') AS at_risk,
    count(*) FILTER (WHERE r.state = 'breached' AND r.stopped_at IS NULL) AS open_breached
FROM tickets t
JOIN sla_results r USING (source, ticket_id)
GROUP BY ALL
ORDER BY 1, 2;
