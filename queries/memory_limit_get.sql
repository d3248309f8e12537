-- DuckDB's current memory limit (e.g. '18.7 GiB').
SELECT current_setting('memory_limit');
