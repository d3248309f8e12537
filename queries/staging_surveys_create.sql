-- Per-file staging area for surveys (columns written out: see staging_tickets_create.sql).
CREATE OR REPLACE TEMP TABLE staging_surveys (
    source          VARCHAR NOT NULL,
    ticket_id       VARCHAR NOT NULL,
    sent_at         TIMESTAMP,
    answered_at     TIMESTAMP,
    score           DOUBLE,
    comment         VARCHAR,
    ingest_run      BIGINT,
    line            BIGINT
);
