-- Job runs, most recent first, up to a limit.
SELECT id, job, "trigger", as_of, started_at, finished_at, outcome, message
FROM job_runs
ORDER BY id DESC
LIMIT ?;
