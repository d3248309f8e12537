-- The dates of the staged list: how many only the reference reader can read, and how many are
-- day or month first (with none, only year first reads anything: no need to count).
SELECT
    count(*) FILTER (WHERE NOT fast_date_decided(v)),
    count(*) FILTER (WHERE fast_d_shape(v))
FROM (
    SELECT opened AS v FROM fast_list_values
    UNION ALL SELECT solved FROM fast_list_values
    UNION ALL SELECT closed FROM fast_list_values
    UNION ALL SELECT last_update FROM fast_list_values
)
WHERE v IS NOT NULL;
