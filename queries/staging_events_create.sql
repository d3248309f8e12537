-- Per-file staging area for events: same columns as `ticket_events` (written out for the reason
-- given in staging_tickets_create.sql).
CREATE OR REPLACE TEMP TABLE staging_events (
    source          VARCHAR NOT NULL,
    ticket_id       VARCHAR NOT NULL,
    seq             BIGINT NOT NULL,
    occurred_at     TIMESTAMP NOT NULL,
    kind            VARCHAR NOT NULL,
    old_value       VARCHAR,
    new_value       VARCHAR,
    actor           VARCHAR,
    is_public       BOOLEAN,
    by_requester    BOOLEAN,
    ingest_run      BIGINT
);
