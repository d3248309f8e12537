-- Drops the results of an evaluation once they replaced sla_results.
DROP TABLE IF EXISTS eval_results;
