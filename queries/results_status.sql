-- Whether the stored SLA results are current: when they were computed and for which instant,
-- and when the last ingest finished.
SELECT
    (SELECT max(as_of) FROM sla_results) AS as_of,
    (SELECT max(computed_at) FROM sla_results) AS computed_at,
    (SELECT max(finished_at) FROM ingest_runs) AS last_ingest,
    (SELECT count(*) FROM tickets) AS tickets;
