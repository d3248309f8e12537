-- Opens a job run when the job starts; returns its id.
INSERT INTO job_runs (job, "trigger", as_of, started_at)
VALUES (?, ?, ?, ?)
RETURNING id;
