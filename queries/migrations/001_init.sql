-- 001: canonical tables (design §3): tickets, their events, ingest runs and rejects, SLA results.

CREATE TABLE tickets (
    source          VARCHAR NOT NULL,             -- glpi | dexon | canonical | api …
    ticket_id       VARCHAR NOT NULL,
    entity          VARCHAR NOT NULL DEFAULT '',
    title           VARCHAR,
    type            VARCHAR,                      -- incident | request
    priority        TINYINT,                      -- 1 (muy baja) … 6 (mayor)
    priority_label  VARCHAR,
    category        VARCHAR,                      -- full path: 'Software > Ofimática'
    service         VARCHAR,
    technician      VARCHAR,
    tech_group      VARCHAR,
    requester       VARCHAR,
    channel         VARCHAR,
    status          VARCHAR NOT NULL,             -- new | assigned | planned | waiting | solved | closed
    status_label    VARCHAR,
    created_at      TIMESTAMP NOT NULL,           -- local wall-clock time of the entity
    taken_at        TIMESTAMP,
    solved_at       TIMESTAMP,
    closed_at       TIMESTAMP,
    last_update     TIMESTAMP,
    satisfaction    DOUBLE,
    ingest_run      BIGINT,
    PRIMARY KEY (source, ticket_id)
);

CREATE TABLE ticket_events (
    source          VARCHAR NOT NULL,
    ticket_id       VARCHAR NOT NULL,
    seq             BIGINT NOT NULL,              -- order among events of the same second
    occurred_at     TIMESTAMP NOT NULL,
    kind            VARCHAR NOT NULL,             -- status | assign_tech | assign_group | followup | solution | priority | category
    old_value       VARCHAR,
    new_value       VARCHAR,
    actor           VARCHAR,
    is_public       BOOLEAN,
    by_requester    BOOLEAN,
    ingest_run      BIGINT
);

CREATE SEQUENCE ingest_run_seq START 1;

CREATE TABLE ingest_runs (
    id              BIGINT PRIMARY KEY DEFAULT nextval('ingest_run_seq'),
    file_name       VARCHAR NOT NULL,
    sha256          VARCHAR NOT NULL,
    kind            VARCHAR NOT NULL,
    rows_read       BIGINT NOT NULL DEFAULT 0,
    rows_accepted   BIGINT NOT NULL DEFAULT 0,
    rows_rejected   BIGINT NOT NULL DEFAULT 0,
    started_at      TIMESTAMP NOT NULL,
    finished_at     TIMESTAMP,
    status          VARCHAR NOT NULL              -- ok | partial
);

CREATE TABLE ingest_rejects (
    run_id          BIGINT NOT NULL,
    line            BIGINT NOT NULL,
    column_name     VARCHAR,
    raw_value       VARCHAR,
    reason          VARCHAR NOT NULL
);

CREATE TABLE sla_results (
    source           VARCHAR NOT NULL,
    ticket_id        VARCHAR NOT NULL,
    metric           VARCHAR NOT NULL,            -- attention | solution
    target_seconds   BIGINT,
    business_seconds BIGINT NOT NULL,
    paused_seconds   BIGINT NOT NULL,
    state            VARCHAR NOT NULL,            -- met | breached | running | at_risk | no_target
    level            TINYINT NOT NULL,            -- thresholds reached while open (+1 when breached)
    rule             VARCHAR,
    stopped_at       TIMESTAMP,
    deadline         TIMESTAMP,
    no_history       BOOLEAN NOT NULL,
    as_of            TIMESTAMP NOT NULL,
    computed_at      TIMESTAMP NOT NULL
);
