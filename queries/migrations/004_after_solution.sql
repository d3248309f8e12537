-- 004: what followed the solution, stored on the solution row of sla_results (NULL on attention
-- rows): how many times the ticket was reopened, when it was closed, and the business seconds
-- from the solution to the closing (or to the evaluation instant while it is not closed yet).
ALTER TABLE sla_results ADD COLUMN reopened INTEGER;
ALTER TABLE sla_results ADD COLUMN closed_at TIMESTAMP;
ALTER TABLE sla_results ADD COLUMN close_seconds BIGINT;
