-- Reads a glpi_logs export with DuckDB's parallel CSV reader (dialect given, nothing sniffed,
-- every column text) and stages each record typed and judged as glpi::log_row does, with the
-- same checks in the same order. $1 file, $2 delimiter, $3 columns {name: 'VARCHAR'} in file
-- order (glpi::logs_stage_columns; `_x…` ones are ignored), $4 status codes of GLPI numbers
-- 1, 2, …, $5 values need trimming (inspect.rs found white space at the edge of one), $6 longest
-- identifier in bytes (ingest::limits; one with a control character is refused too).
INSERT INTO fast_logs_stage
SELECT
    CASE WHEN ok THEN items_id END,
    CASE WHEN ok THEN seq END,
    CASE WHEN ok THEN occurred END,
    kind,
    CASE WHEN ok THEN CASE WHEN kind = 'status' THEN old_code ELSE old_value END END,
    CASE WHEN ok THEN CASE WHEN kind = 'status' THEN new_code ELSE new_value END END,
    CASE WHEN ok THEN user_name END,
    kind IS NOT NULL AND items_id IS NOT NULL AND NOT decided,
    reject,
    CASE reject WHEN 2 THEN coalesce(date_mod, '') WHEN 3 THEN coalesce(new_value, '')
                WHEN 4 THEN items_id END
FROM (
    SELECT *, kind IS NOT NULL AND decided AND reject IS NULL AS ok
    FROM (
        SELECT *,
            CASE
                WHEN kind IS NULL THEN NULL
                WHEN items_id IS NULL THEN 1
                WHEN strlen(items_id) > $6
                     OR regexp_matches(items_id, '[\x{0}-\x{1f}\x{7f}-\x{9f}]') THEN 4
                WHEN NOT decided THEN NULL
                WHEN occurred IS NULL THEN 2
                WHEN kind = 'status' AND new_code IS NULL THEN 3
            END AS reject
        FROM (
            SELECT *,
                CASE
                    -- itemtype must be `ticket` in any ASCII case (eq_ignore_ascii_case).
                    WHEN NOT (coalesce(itemtype, '') = 'Ticket'
                              OR regexp_full_match(coalesce(itemtype, ''), '[Tt][Ii][Cc][Kk][Ee][Tt]'))
                        THEN NULL
                    WHEN coalesce(linked_action, '0') <> '0' THEN NULL
                    WHEN id_search_option = '12' THEN 'status'
                    WHEN id_search_option = '5' THEN 'assign_tech'
                    WHEN id_search_option = '8' THEN 'assign_group'
                END AS kind,
                -- fast_date_decided and fast_date (ymd), with the layout matched only once.
                date_mod IS NULL
                    OR ((CASE WHEN y THEN true ELSE fast_d_shape(date_mod) END)
                        AND NOT (strlen(date_mod) = 19 AND substr(date_mod, 18, 2) = '60'))
                    AS decided,
                CASE WHEN y AND substr(date_mod, 1, 4) BETWEEN '1984' AND '2100' THEN
                    CASE WHEN strlen(date_mod) = 19
                        THEN fast_strptime(date_mod, '%Y-%m-%d %H:%M:%S')
                        ELSE fast_strptime(date_mod, '%Y-%m-%d %H:%M') END
                END AS occurred,
                CASE WHEN id_search_option = '12' THEN fast_glpi_status(old_value, $4) END AS old_code,
                CASE WHEN id_search_option = '12' THEN fast_glpi_status(new_value, $4) END AS new_code,
                fast_i64(id) AS seq
            FROM (
            SELECT *, fast_y_shape(date_mod) AS y
            FROM (
                SELECT
                    fast_trim(id, $5) AS id,
                    fast_trim(itemtype, $5) AS itemtype,
                    fast_trim(items_id, $5) AS items_id,
                    fast_trim(linked_action, $5) AS linked_action,
                    fast_trim(user_name, $5) AS user_name,
                    fast_trim(date_mod, $5) AS date_mod,
                    fast_trim(id_search_option, $5) AS id_search_option,
                    fast_trim(old_value, $5) AS old_value,
                    fast_trim(new_value, $5) AS new_value
                FROM read_csv($1, delim = $2, quote = '"', escape = '"', header = true,
                              auto_detect = false, columns = $3, strict_mode = true)
            )
            )
        )
    )
);
