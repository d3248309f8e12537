-- Drops the plans of an evaluation once its results replaced sla_results.
DROP TABLE IF EXISTS eval_plans;
