-- The columns of a table or view, in order, with their types (tests check that column lists
-- written in several files stay equal). Parameter: the table's name.
SELECT column_name, data_type
FROM duckdb_columns()
WHERE table_name = ?
ORDER BY column_index;
