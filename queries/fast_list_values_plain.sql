-- The staged list as the reference reader sees its values, when none needs trimming.
CREATE OR REPLACE TEMP VIEW fast_list_values AS
SELECT rowid AS line, * FROM fast_list_stage;
