-- Per-file staging area for events.
CREATE OR REPLACE TEMP TABLE staging_events AS
SELECT * FROM ticket_events WITH NO DATA;
