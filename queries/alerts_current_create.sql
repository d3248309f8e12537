-- Open clocks at or past an alert threshold in this run (n indexes the caller's list), so that
-- what was decided before and the ticket attributes come back in one join.
CREATE OR REPLACE TEMP TABLE alerts_current (
    n           BIGINT NOT NULL,
    source      VARCHAR NOT NULL,
    ticket_id   VARCHAR NOT NULL,
    metric      VARCHAR NOT NULL,
    level       TINYINT NOT NULL              -- 1 at risk, 2 breached
);
