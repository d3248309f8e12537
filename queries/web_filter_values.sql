-- Values offered by the dashboard filters for an entity (at most 500 of each).
-- Parameter: entity.
SELECT dimension, value FROM (
    SELECT 'category' AS dimension, category AS value FROM tickets WHERE entity = $1
    UNION
    SELECT 'group', tech_group FROM tickets WHERE entity = $1
    UNION
    SELECT 'technician', technician FROM tickets WHERE entity = $1
)
WHERE value IS NOT NULL AND value <> ''
QUALIFY row_number() OVER (PARTITION BY dimension ORDER BY value) <= 500
ORDER BY dimension, value;
