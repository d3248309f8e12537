-- Every value a view of an entity can be filtered by, checked before anything is computed (a
-- value that matches nothing is refused); the dropdowns offer the first 500 of each.
-- Parameter: entity.
SELECT dimension, value FROM (
    SELECT 'category' AS dimension, category AS value FROM tickets WHERE entity = $1
    UNION
    SELECT 'group', tech_group FROM tickets WHERE entity = $1
    UNION
    SELECT 'technician', technician FROM tickets WHERE entity = $1
    UNION
    SELECT 'priority', CAST(priority AS VARCHAR) FROM tickets WHERE entity = $1
)
WHERE value IS NOT NULL AND value <> ''
ORDER BY dimension, value;
