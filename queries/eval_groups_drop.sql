-- Drops the group names of an evaluation's OLA holds.
DROP TABLE IF EXISTS eval_groups;
