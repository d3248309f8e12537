DROP VIEW IF EXISTS staging_tickets;
