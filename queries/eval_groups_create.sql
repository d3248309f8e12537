-- The technician groups the OLA holds of one evaluation refer to by id.
CREATE OR REPLACE TEMP TABLE eval_groups (
    id   INTEGER NOT NULL,
    name VARCHAR NOT NULL
);
