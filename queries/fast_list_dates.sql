-- The dates of the staged list: how many only the reference reader can read
-- (fast_date_decided, spelled out so that each value runs through as few patterns as possible),
-- and how many are day or month first (with none, only year first reads anything).
SELECT
    count(*) FILTER (WHERE NOT (v = '' OR ((y OR d) AND NOT leap))),
    count(*) FILTER (WHERE d)
FROM (
    SELECT
        v,
        y,
        CASE WHEN y THEN false ELSE fast_d_shape(v) END AS d,
        strlen(v) = 19 AND substr(v, 18, 2) = '60' AS leap
    FROM (
        SELECT v, fast_y_shape(v) AS y
        FROM (
            SELECT opened AS v FROM fast_list_values
            UNION ALL SELECT solved FROM fast_list_values
            UNION ALL SELECT closed FROM fast_list_values
            UNION ALL SELECT last_update FROM fast_list_values
        )
        WHERE v IS NOT NULL
    )
);
