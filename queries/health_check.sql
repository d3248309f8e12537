-- Whether the database answers (/healthz).
SELECT 1;
