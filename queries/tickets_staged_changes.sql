-- What moving the staged tickets into the store (tickets_upsert.sql) will change, counted before
-- it runs, per ticket of the file (its last line wins): new to the store; replacing a stored
-- ticket with other data; equal to the stored one (whichever run loaded it); or older than the
-- stored one, which the upsert keeps. A row is compared whole (`s`, `t`: the row as a struct),
-- so a column added to `tickets` is compared too.
WITH staged AS (
    SELECT * EXCLUDE (ingest_run, line) FROM staging_tickets
    QUALIFY row_number() OVER (PARTITION BY source, ticket_id ORDER BY line DESC) = 1
),
stored AS (
    SELECT * EXCLUDE (ingest_run) FROM tickets
),
compared AS (
    SELECT t.ticket_id IS NULL AS is_new,
           s IS NOT DISTINCT FROM t AS same,
           coalesce(s.last_update < t.last_update, false) AS older
    FROM staged s
    LEFT JOIN stored t ON t.source = s.source AND t.ticket_id = s.ticket_id
)
SELECT
    count(*) FILTER (WHERE is_new),
    count(*) FILTER (WHERE NOT is_new AND NOT same AND NOT older),
    count(*) FILTER (WHERE NOT is_new AND same),
    count(*) FILTER (WHERE NOT is_new AND NOT same AND older)
FROM compared;
