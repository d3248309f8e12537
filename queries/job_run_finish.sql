-- Completes a job run with its outcome and message.
UPDATE job_runs
SET finished_at = ?, outcome = ?, message = ?
WHERE id = ?;
