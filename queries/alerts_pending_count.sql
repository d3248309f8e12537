-- Alerts and digests still waiting to be delivered.
SELECT count(*) FROM alerts_outbox WHERE status = 'pending';
