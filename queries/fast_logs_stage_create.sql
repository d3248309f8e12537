-- Every record of a glpi_logs export as the DuckDB-native path stages it (src/ingest/fast.rs),
-- in file order (rowid = record number from 0): the event it gives; or kind NULL, a row without
-- SLA information; or the reject number of glpi::LogReject with the raw value. `undecided`: a
-- date only the reference reader can read (the file then goes to it).
CREATE OR REPLACE TEMP TABLE fast_logs_stage (
    ticket_id       VARCHAR,
    seq             BIGINT,
    occurred_at     TIMESTAMP,
    kind            VARCHAR,
    old_value       VARCHAR,
    new_value       VARCHAR,
    actor           VARCHAR,
    undecided       BOOLEAN,
    reject          TINYINT,
    reject_raw      VARCHAR
);
