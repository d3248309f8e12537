-- Temporary macros of the DuckDB-native ingest path (src/ingest/fast.rs). Each one mirrors a
-- Rust function of the reference readers; the unit tests of fast.rs check the date rules against
-- DateFormat::parse and parse_datetime, tests/it/ingest_fast.rs compares whole loads.
-- The staging loads that use them must keep file order (rowid = record number): expressions
-- only, no joins or aggregates (fast.rs checks that DuckDB plans them as a batch insert).

-- char::is_whitespace (Unicode White_Space) of a code point.
CREATE OR REPLACE TEMP MACRO fast_is_space(cp) AS
    cp BETWEEN 9 AND 13 OR cp = 32
    OR (cp >= 133 AND (cp = 133 OR cp = 160 OR cp = 5760 OR cp BETWEEN 8192 AND 8202
                       OR cp = 8232 OR cp = 8233 OR cp = 8239 OR cp = 8287 OR cp = 12288));

-- str::trim, with an empty result as NULL. trim(s, characters) is slow, so it only runs on the
-- values that start or end with white space.
CREATE OR REPLACE TEMP MACRO fast_trim_exact(s) AS
    CASE
        WHEN fast_is_space(ascii(s)) OR fast_is_space(ascii(s[-1])) THEN
            NULLIF(trim(s, chr(9) || chr(10) || chr(11) || chr(12) || chr(13) || chr(32)
                || chr(133) || chr(160) || chr(5760) || chr(8192) || chr(8193) || chr(8194)
                || chr(8195) || chr(8196) || chr(8197) || chr(8198) || chr(8199) || chr(8200)
                || chr(8201) || chr(8202) || chr(8232) || chr(8233) || chr(8239) || chr(8287)
                || chr(12288)), '')
        ELSE NULLIF(s, '')
    END;

-- A value as the reference reader sees it (trimmed, empty = none). When no value of the file
-- has white space at an edge (`ragged` false, found by src/ingest/inspect.rs) DuckDB's value is
-- that already: an empty field reads as NULL.
CREATE OR REPLACE TEMP MACRO fast_trim(s, ragged) AS
    CASE WHEN ragged THEN fast_trim_exact(s) ELSE s END;

-- The fixed-width layouts of fixed_datetime (src/ingest/mod.rs): year first, or day and month
-- first; `-`, `/` or `.` between the date parts; `T` or a space before the time; seconds optional.
CREATE OR REPLACE TEMP MACRO fast_y_shape(v) AS
    regexp_full_match(v, '[0-9]{4}[-/.][0-9]{2}[-/.][0-9]{2}[ T][0-9]{2}:[0-9]{2}(:[0-9]{2})?');
CREATE OR REPLACE TEMP MACRO fast_d_shape(v) AS
    regexp_full_match(v, '[0-9]{2}[-/.][0-9]{2}[-/.][0-9]{4}[ T][0-9]{2}:[0-9]{2}(:[0-9]{2})?');

-- Dates SQL reads exactly as the reference reader does: the fixed-width layouts, except a 60th
-- second (chrono's fallback takes it as a leap second), and the empty text (no date). Any other
-- text may be read by chrono's lenient fallback: such a file goes to the reference reader.
CREATE OR REPLACE TEMP MACRO fast_date_decided(v) AS
    v = ''
    OR ((fast_y_shape(v) OR fast_d_shape(v)) AND NOT (strlen(v) = 19 AND substr(v, 18, 2) = '60'));

-- DateFormat::parse (and parse_datetime for 'ymd') of a decided value in order `o` ('ymd',
-- 'dmy' or 'mdy'): NULL when the date or time does not exist or the year is outside 1984–2100.
-- The shape fixes every width, so strptime cannot read more than fixed_datetime does; the usual
-- `-` and space need no translation to strptime's layout.
CREATE OR REPLACE TEMP MACRO fast_strptime(v, f) AS
    coalesce(try_strptime(v, f), try_strptime(translate(v, '/.T', '-- '), f));
CREATE OR REPLACE TEMP MACRO fast_date(v, o) AS
    CASE
        WHEN o = 'ymd' AND fast_y_shape(v) AND substr(v, 1, 4) BETWEEN '1984' AND '2100' THEN
            CASE WHEN strlen(v) = 19
                THEN fast_strptime(v, '%Y-%m-%d %H:%M:%S')
                ELSE fast_strptime(v, '%Y-%m-%d %H:%M') END
        WHEN o = 'dmy' AND fast_d_shape(v) AND substr(v, 7, 4) BETWEEN '1984' AND '2100' THEN
            CASE WHEN strlen(v) = 19
                THEN fast_strptime(v, '%d-%m-%Y %H:%M:%S')
                ELSE fast_strptime(v, '%d-%m-%Y %H:%M') END
        WHEN o = 'mdy' AND fast_d_shape(v) AND substr(v, 7, 4) BETWEEN '1984' AND '2100' THEN
            CASE WHEN strlen(v) = 19
                THEN fast_strptime(v, '%m-%d-%Y %H:%M:%S')
                ELSE fast_strptime(v, '%m-%d-%Y %H:%M') END
    END;

-- Status::from_glpi_code(v.parse::<i64>()) as a stored code: `codes` lists the codes of GLPI
-- numbers 1, 2, … An optional `+`, any leading zeros, one digit 1–6: i64 parsing accepts exactly
-- these for the numbers 1–6.
CREATE OR REPLACE TEMP MACRO fast_glpi_status(v, codes) AS
    CASE
        -- Not an IN list: DuckDB may plan one as a join, and a join does not keep file order.
        WHEN strlen(v) = 1 AND v BETWEEN '1' AND '6' THEN list_extract(codes, CAST(v AS INTEGER))
        WHEN regexp_full_match(v, '\+?0*[1-6]') THEN list_extract(codes, CAST(right(v, 1) AS INTEGER))
    END;

-- v.parse::<i64>(): an optional sign and ASCII digits (DuckDB's cast alone also reads `5.0`,
-- `1_000` or ` 5`).
CREATE OR REPLACE TEMP MACRO fast_i64(v) AS
    CASE WHEN regexp_full_match(v, '[+-]?[0-9]+') THEN TRY_CAST(v AS BIGINT) END;
