-- Every value a view of an entity can be filtered by (all of them, unlike the dropdowns' list),
-- so that a request for a value that matches nothing is refused before anything is computed.
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
