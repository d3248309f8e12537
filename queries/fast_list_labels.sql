-- The distinct values of the staged list that the reference reader's own Rust functions decide:
-- statuses, types, priorities, localized durations and multi-valued cells (`A<br>B`).
SELECT DISTINCT 'status' AS field, status AS raw FROM fast_list_values WHERE status IS NOT NULL
UNION ALL
SELECT DISTINCT 'type', type FROM fast_list_values WHERE type IS NOT NULL
UNION ALL
SELECT DISTINCT 'priority', priority FROM fast_list_values WHERE priority IS NOT NULL
UNION ALL
SELECT DISTINCT 'attention', attention FROM fast_list_values WHERE attention IS NOT NULL
UNION ALL
SELECT DISTINCT 'multi', v FROM (
    SELECT technician AS v FROM fast_list_values
    UNION ALL SELECT tech_group FROM fast_list_values
    UNION ALL SELECT requester FROM fast_list_values
) WHERE contains(v, '<br>');
