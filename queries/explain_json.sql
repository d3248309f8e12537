-- Prefix of a statement whose physical plan is wanted as JSON (fast.rs checks that its staging
-- loads keep file order).
EXPLAIN (FORMAT json)
