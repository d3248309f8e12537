-- Forgets the tickets numbered for an evaluation.
DROP TABLE IF EXISTS eval_keys;
