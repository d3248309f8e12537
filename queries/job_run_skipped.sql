-- A run that did not start (the previous one was still running): recorded whole at once.
INSERT INTO job_runs (job, "trigger", as_of, started_at, finished_at, outcome, message)
VALUES (?, ?, ?, ?, ?, 'skipped', ?)
RETURNING id;
