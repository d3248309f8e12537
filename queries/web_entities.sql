-- Every entity in the store.
SELECT DISTINCT entity FROM tickets ORDER BY 1;
