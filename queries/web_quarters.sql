-- Quarters with tickets created, newest first. Parameter: entity.
SELECT DISTINCT year(created_at) AS y, quarter(created_at) AS q
FROM tickets
WHERE entity = ?
ORDER BY y DESC, q DESC;
