-- Every value a view of an entity can be filtered by, checked before anything is computed (a
-- value that matches nothing is refused); the dropdowns offer the first 500 of each. The policy
-- versions are those of the solution results, '' for the unversioned [policy] (stored NULL).
-- Parameter: entity.
SELECT dimension, value FROM (
    SELECT 'category' AS dimension, category AS value FROM tickets WHERE entity = $1
    UNION
    SELECT 'group', tech_group FROM tickets WHERE entity = $1
    UNION
    SELECT 'technician', technician FROM tickets WHERE entity = $1
    UNION
    SELECT 'priority', CAST(priority AS VARCHAR) FROM tickets WHERE entity = $1
    UNION
    SELECT 'policy_version', coalesce(s.policy_version, '')
    FROM tickets t
    JOIN sla_results s ON s.source = t.source AND s.ticket_id = t.ticket_id
    WHERE t.entity = $1 AND s.metric = 'solution' AND s.calendar IS NOT NULL
)
WHERE value IS NOT NULL AND (value <> '' OR dimension = 'policy_version')
ORDER BY dimension, value;
