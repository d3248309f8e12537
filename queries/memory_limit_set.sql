-- Sets DuckDB's memory limit for the whole database. Parameter: the limit, e.g. '1GB'.
SET memory_limit = ?;
