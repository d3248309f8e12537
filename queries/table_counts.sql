SELECT
    (SELECT count(*) FROM tickets) AS tickets,
    (SELECT count(*) FROM ticket_events) AS events,
    (SELECT count(*) FROM ingest_runs) AS runs,
    (SELECT count(*) FROM ingest_rejects) AS rejects,
    (SELECT count(*) FROM ticket_surveys) AS surveys,
    (SELECT count(*) FROM sla_results) AS results;
