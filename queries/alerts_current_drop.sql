-- Drops the staged clocks of a decision once read.
DROP TABLE IF EXISTS alerts_current;
