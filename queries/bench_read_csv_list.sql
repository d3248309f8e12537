-- Benchmark baseline: DuckDB's bare read of a GLPI ticket list export (sniffed, every column
-- text, nothing validated) into a new table. Parameter: the file.
CREATE TABLE raw_list AS
SELECT * FROM read_csv(?, delim = ';', header = true, all_varchar = true);
