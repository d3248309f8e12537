-- The records of a GLPI ticket list export as DuckDB's CSV reader gives them, one column per
-- field the reference reader knows (glpi::Field), in file order (rowid = record number from 0).
CREATE OR REPLACE TEMP TABLE fast_list_stage (
    id              VARCHAR,
    title           VARCHAR,
    status          VARCHAR,
    opened          VARCHAR,
    solved          VARCHAR,
    closed          VARCHAR,
    priority        VARCHAR,
    category        VARCHAR,
    type            VARCHAR,
    technician      VARCHAR,
    tech_group      VARCHAR,
    requester       VARCHAR,
    entity          VARCHAR,
    last_update     VARCHAR,
    attention       VARCHAR
);
