-- The trimmed list (fast_list_values_trimmed.sql) under the name the later queries read.
CREATE OR REPLACE TEMP VIEW fast_list_values AS SELECT * FROM fast_list_trimmed;
