-- Moves staged surveys into the store: one per ticket, the last line of the file wins.
INSERT INTO ticket_surveys
SELECT * EXCLUDE (line) FROM (
    SELECT * FROM staging_surveys
    QUALIFY row_number() OVER (PARTITION BY source, ticket_id ORDER BY line DESC) = 1
)
ON CONFLICT (source, ticket_id) DO UPDATE SET
    sent_at = excluded.sent_at,
    answered_at = excluded.answered_at,
    score = excluded.score,
    comment = excluded.comment,
    ingest_run = excluded.ingest_run;
