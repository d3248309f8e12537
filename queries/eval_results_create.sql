-- Results of one evaluation, keyed by eval_keys.n, before they replace sla_results.
CREATE OR REPLACE TEMP TABLE eval_results (
    n                BIGINT NOT NULL,
    metric           VARCHAR NOT NULL,
    target_seconds   BIGINT,
    business_seconds BIGINT NOT NULL,
    paused_seconds   BIGINT NOT NULL,
    state            VARCHAR NOT NULL,
    level            TINYINT NOT NULL,
    rule             VARCHAR,
    stopped_at       BIGINT,
    deadline         BIGINT,
    no_history       BOOLEAN NOT NULL,
    reopened         INTEGER,
    closed_at        BIGINT,
    close_seconds    BIGINT,
    plan             INTEGER NOT NULL,
    paused_waiting_seconds BIGINT,
    paused_planned_seconds BIGINT,
    paused_solved_seconds BIGINT
);
