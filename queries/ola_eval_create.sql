-- OLA holds of one evaluation, keyed by eval_keys.n, before they replace ola_results.
CREATE OR REPLACE TEMP TABLE ola_eval (
    n                BIGINT NOT NULL,
    group_id         INTEGER NOT NULL,
    business_seconds BIGINT NOT NULL,
    target_seconds   BIGINT,
    state            VARCHAR NOT NULL
);
