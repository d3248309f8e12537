-- Before moving staged tickets: how many of their keys the store already has, and how many staged
-- rows repeat a ticket id (of any source: a cheap, safe stand-in for repeated keys). With none
-- of either a plain insert does what the upsert does.
SELECT
    (SELECT count(*) FROM staging_tickets s
     WHERE EXISTS (SELECT 1 FROM tickets t WHERE t.source = s.source AND t.ticket_id = s.ticket_id)),
    (SELECT count(*) - count(DISTINCT ticket_id) FROM staging_tickets);
