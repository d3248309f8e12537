-- The alerts outbox at a glance: rows by delivery state, failed delivery attempts ever made,
-- and the earliest retry planned for a pending row that already failed.
SELECT
    count(*) FILTER (WHERE status = 'pending') AS pending,
    count(*) FILTER (WHERE status = 'sent') AS sent,
    count(*) FILTER (WHERE status = 'no_recipient') AS no_recipient,
    (SELECT count(*) FROM alerts_attempts WHERE outcome = 'failed') AS failed_attempts,
    min(next_attempt_at) FILTER (WHERE status = 'pending' AND attempts > 0) AS next_retry
FROM alerts_outbox;
