-- Records staged from a ticket list export.
SELECT count(*) FROM fast_list_stage;
