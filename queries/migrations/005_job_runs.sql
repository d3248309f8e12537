-- 005: every run of a scheduled job (design §10), by the scheduler of `serve` or by hand with
-- `run-job`. The row is inserted when the job starts and completed when it ends, so a run that
-- never finished (the process was stopped) is visible too.

CREATE SEQUENCE job_run_seq START 1;

CREATE TABLE job_runs (
    id              BIGINT PRIMARY KEY DEFAULT nextval('job_run_seq'),
    job             VARCHAR NOT NULL,             -- ingest-folder | glpi-sync | evaluate | alerts | quarterly-report
    "trigger"       VARCHAR NOT NULL,             -- schedule | manual
    as_of           TIMESTAMP NOT NULL,           -- instant the job worked for (local time of the calendar)
    started_at      TIMESTAMP NOT NULL,
    finished_at     TIMESTAMP,
    outcome         VARCHAR,                      -- ok | error | skipped (NULL while running)
    message         VARCHAR                       -- one-line Spanish summary or error
);
