-- The accepted rows of the judged list under the name and columns of the staging table, so that
-- the ticket upsert of the reference path (tickets_upsert.sql, tickets_insert_staged.sql) moves
-- them into the store unchanged.
CREATE OR REPLACE TEMP VIEW staging_tickets AS
SELECT * EXCLUDE (reject, reject_raw) FROM fast_list_checked WHERE reject IS NULL;
