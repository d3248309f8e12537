-- Digests already written for a day (whatever their delivery state). Parameter: the day.
SELECT dedupe_key FROM alerts_outbox
WHERE kind = 'digest' AND digest_day = CAST(? AS DATE);
