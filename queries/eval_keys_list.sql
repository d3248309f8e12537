-- The keys of the tickets numbered in eval_keys, in their order.
SELECT source, ticket_id FROM eval_keys ORDER BY n;
