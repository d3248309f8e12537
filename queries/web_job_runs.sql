-- Finished job runs per job and outcome, and when the last of them finished (seconds since the
-- epoch of the local timestamp), for /metrics.
SELECT job, outcome, count(*) AS runs, epoch(max(finished_at)) AS last_finished
FROM job_runs
WHERE finished_at IS NOT NULL AND outcome IS NOT NULL
GROUP BY job, outcome
ORDER BY job, outcome;
