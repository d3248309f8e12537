-- Per-file staging area for tickets: same columns as `tickets` plus the source line.
-- Written out column by column on purpose: with this DuckDB, rows appended inside a transaction
-- to a table made by CREATE TABLE … AS SELECT are lost beyond one row group (122,880 rows);
-- tests/it/volume.rs guards against it.
CREATE OR REPLACE TEMP TABLE staging_tickets (
    source          VARCHAR NOT NULL,
    ticket_id       VARCHAR NOT NULL,
    entity          VARCHAR NOT NULL,
    title           VARCHAR,
    type            VARCHAR,
    priority        TINYINT,
    priority_label  VARCHAR,
    category        VARCHAR,
    service         VARCHAR,
    technician      VARCHAR,
    tech_group      VARCHAR,
    requester       VARCHAR,
    channel         VARCHAR,
    status          VARCHAR NOT NULL,
    status_label    VARCHAR,
    created_at      TIMESTAMP NOT NULL,
    taken_at        TIMESTAMP,
    solved_at       TIMESTAMP,
    closed_at       TIMESTAMP,
    last_update     TIMESTAMP,
    satisfaction    DOUBLE,
    ingest_run      BIGINT,
    attention_source_seconds BIGINT,
    line            BIGINT
);
