-- Drops the OLA holds of an evaluation once they replaced ola_results.
DROP TABLE IF EXISTS ola_eval;
