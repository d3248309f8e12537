-- Runs left unfinished by a process that stopped: closed as errors when the scheduler starts
-- (only one process at a time can open the database, so none of them is still running).
UPDATE job_runs
SET finished_at = ?, outcome = 'error', message = ?
WHERE finished_at IS NULL;
