-- Where each clock of each plan of one evaluation takes its rules from: results refer to a plan
-- by number instead of repeating these per ticket.
CREATE OR REPLACE TEMP TABLE eval_plans (
    plan                 INTEGER NOT NULL,
    metric               VARCHAR NOT NULL,
    policy_version       VARCHAR,
    calendar             VARCHAR NOT NULL,
    before_first_version BOOLEAN NOT NULL
);
