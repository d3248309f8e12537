-- Drops the staging tables of a load once merged (several statements).
DROP TABLE IF EXISTS staging_tickets;
DROP TABLE IF EXISTS staging_events;
DROP TABLE IF EXISTS staging_surveys;
