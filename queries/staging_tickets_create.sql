-- Per-file staging area for tickets (temporary: private to the connection, gone on rollback).
CREATE OR REPLACE TEMP TABLE staging_tickets AS
SELECT *, CAST(NULL AS BIGINT) AS line FROM tickets WITH NO DATA;
