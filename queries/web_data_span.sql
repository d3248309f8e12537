-- The first and the last instant an entity's tickets mention (creation, solution, closure):
-- the quarters a view of the entity can show. Parameter: entity.
SELECT min(created_at),
       max(greatest(created_at, coalesce(solved_at, created_at), coalesce(closed_at, created_at)))
FROM tickets
WHERE entity = $1;
