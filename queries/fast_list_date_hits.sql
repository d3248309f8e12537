-- How many dates of the staged list each order reads (ymd, dmy, mdy), for glpi::decide_dates.
SELECT
    count(fast_date(v, 'ymd')),
    count(fast_date(v, 'dmy')),
    count(fast_date(v, 'mdy'))
FROM (
    SELECT opened AS v FROM fast_list_values
    UNION ALL SELECT solved FROM fast_list_values
    UNION ALL SELECT closed FROM fast_list_values
    UNION ALL SELECT last_update FROM fast_list_values
)
WHERE v IS NOT NULL;
