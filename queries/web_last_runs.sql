-- Last ingest and evaluation, for /metrics: seconds since the epoch of the local timestamps.
SELECT
    (SELECT epoch(max(finished_at)) FROM ingest_runs) AS last_ingest,
    (SELECT epoch(max(computed_at)) FROM sla_results) AS last_evaluation,
    (SELECT count(*) FROM tickets) AS tickets;
