-- Reads a GLPI ticket list export with DuckDB's parallel CSV reader (dialect given, nothing
-- sniffed, every column text) into fast_list_stage; a field the file lacks stays NULL.
-- $1 file, $2 delimiter, $3 columns {name: 'VARCHAR'} in file order (glpi::list_stage_columns;
-- `_x…` ones are ignored).
INSERT INTO fast_list_stage BY NAME
SELECT COLUMNS('^[a-z]')
FROM read_csv($1, delim = $2, quote = '"', escape = '"', header = true,
              auto_detect = false, columns = $3, strict_mode = true);
