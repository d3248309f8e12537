-- The latest runs of each job (at most ? per job), jobs by name and each job's runs most recent
-- first, with their duration in whole seconds (NULL while a run has not finished).
SELECT id, job, "trigger", as_of, started_at, finished_at, outcome, message,
       date_diff('second', started_at, finished_at) AS seconds
FROM (
    SELECT *, row_number() OVER (PARTITION BY job ORDER BY id DESC) AS n
    FROM job_runs
)
WHERE n <= ?
ORDER BY job, id DESC;
