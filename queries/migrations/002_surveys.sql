-- 002: satisfaction surveys ("encuesta de percepción"), one per ticket: GLPI's
-- glpi_ticketsatisfactions or Dexon's survey columns. Unanswered surveys have no answered_at.
CREATE TABLE ticket_surveys (
    source          VARCHAR NOT NULL,
    ticket_id       VARCHAR NOT NULL,
    sent_at         TIMESTAMP,
    answered_at     TIMESTAMP,
    score           DOUBLE,                       -- 0–5 (GLPI); 4–5 count as satisfied
    comment         VARCHAR,
    ingest_run      BIGINT,
    PRIMARY KEY (source, ticket_id)
);
