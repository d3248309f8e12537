-- 006: e-mail alerts (design §9). Every alert ever decided is a row of alerts_outbox, written in
-- the same transaction as the alerts_decided rows that stop it from being decided again; the
-- sender then delivers pending rows and records each attempt in alerts_attempts. State lives
-- only here, so an SMTP outage or a restart delays alerts without losing or repeating them.

CREATE SEQUENCE alerts_outbox_seq START 1;

CREATE TABLE alerts_outbox (
    id              BIGINT PRIMARY KEY DEFAULT nextval('alerts_outbox_seq'),
    kind            VARCHAR NOT NULL,             -- alert | digest
    -- alert:<source>:<ticket>:<metric>:<level> or digest:<day>:<recipient>: one row per crossing
    dedupe_key      VARCHAR NOT NULL UNIQUE,
    source          VARCHAR,                      -- alert rows: the ticket and clock
    ticket_id       VARCHAR,
    metric          VARCHAR,                      -- attention | solution
    level           VARCHAR,                      -- at_risk | breached
    entity          VARCHAR NOT NULL DEFAULT '',  -- whose calendar holds quiet hours
    digest_day      DATE,                         -- digest rows: the day summarised
    decided_at      TIMESTAMP NOT NULL,           -- evaluation instant (local) that decided it
    recipients      VARCHAR NOT NULL,             -- one address per line; empty: no recipient
    subject         VARCHAR NOT NULL,
    body_text       VARCHAR NOT NULL,
    body_html       VARCHAR NOT NULL,
    message_id      VARCHAR NOT NULL,             -- stable Message-ID: receivers can spot a resend
    status          VARCHAR NOT NULL,             -- pending | sent | no_recipient
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMP,                    -- not before this instant (back-off)
    sent_at         TIMESTAMP,
    last_error      VARCHAR
);

CREATE TABLE alerts_decided (
    source          VARCHAR NOT NULL,
    ticket_id       VARCHAR NOT NULL,
    metric          VARCHAR NOT NULL,
    level           TINYINT NOT NULL,             -- 1 at risk, 2 breached
    decided_at      TIMESTAMP NOT NULL,
    outbox_id       BIGINT NOT NULL,              -- the alert that covered this level
    PRIMARY KEY (source, ticket_id, metric, level)
);

CREATE TABLE alerts_attempts (
    outbox_id       BIGINT NOT NULL,
    attempt         INTEGER NOT NULL,
    attempted_at    TIMESTAMP NOT NULL,           -- local, the clock of the run
    outcome         VARCHAR NOT NULL,             -- sent | failed
    error           VARCHAR
);
