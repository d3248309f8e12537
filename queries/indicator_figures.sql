-- Indicator figures of one entity and quarter (design §7), for the whole quarter and broken down
-- by month, priority, category, type, technician and group in one pass (GROUPING SETS).
-- Parameters: $1 entity, NULL for every entity together; $2 quarter start, $3 quarter end
-- (exclusive), both local timestamps; $4 closing limit in business seconds; $5 priority,
-- $6 category, $7 group, $8 technician: filters, NULL for all; $9 entities and $10 their own
-- closing limits (two lists of the same length, may be empty): an entity listed there is held to
-- its own limit instead of $4 (every entity counted together, each on its calendar's day).
--
-- Each ticket contributes one row per role it plays in the quarter, so that every figure is
-- counted on its own date: 'c' created in the quarter (month of creation), 's' solved in the
-- quarter (month of the last solution), 'b' open at the end of a month of the quarter (that
-- month), 'e' survey answered in the quarter, 'v' survey sent in the quarter.
WITH limits AS (
    SELECT unnest(CAST($9 AS VARCHAR[])) AS entity, unnest(CAST($10 AS BIGINT[])) AS close_limit
),
base AS (
    SELECT t.source, t.ticket_id, t.created_at, t.type, t.priority, t.category, t.technician,
           t.tech_group,
           a.state AS att_state, a.business_seconds AS att_secs, a.stopped_at AS att_stop,
           s.state AS sol_state, s.business_seconds AS sol_secs, s.stopped_at AS sol_stop,
           s.reopened, s.closed_at AS closed_at, s.close_seconds,
           coalesce(l.close_limit, CAST($4 AS BIGINT)) AS close_limit
    FROM tickets t
    LEFT JOIN limits l ON l.entity = t.entity
    LEFT JOIN sla_results a
        ON a.source = t.source AND a.ticket_id = t.ticket_id AND a.metric = 'attention'
    LEFT JOIN sla_results s
        ON s.source = t.source AND s.ticket_id = t.ticket_id AND s.metric = 'solution'
    WHERE (CAST($1 AS VARCHAR) IS NULL OR t.entity = CAST($1 AS VARCHAR))
      AND t.created_at < CAST($3 AS TIMESTAMP)
      AND (CAST($5 AS VARCHAR) IS NULL OR CAST(t.priority AS VARCHAR) = CAST($5 AS VARCHAR))
      AND (CAST($6 AS VARCHAR) IS NULL OR t.category = CAST($6 AS VARCHAR))
      AND (CAST($7 AS VARCHAR) IS NULL OR t.tech_group = CAST($7 AS VARCHAR))
      AND (CAST($8 AS VARCHAR) IS NULL OR t.technician = CAST($8 AS VARCHAR))
),
months AS (
    SELECT m.month, m.month + INTERVAL 1 MONTH AS month_end
    FROM range(CAST($2 AS TIMESTAMP), CAST($3 AS TIMESTAMP), INTERVAL 1 MONTH) AS m(month)
),
-- Only what the aggregates read: the roles multiply the rows, so keep them narrow.
roles AS (
    SELECT 'c' AS role, date_trunc('month', b.created_at) AS month, false AS q_end,
           NULL::DOUBLE AS score, NULL::BOOLEAN AS answered, b.* EXCLUDE (source, ticket_id)
    FROM base b
    WHERE b.created_at >= CAST($2 AS TIMESTAMP)
    UNION ALL
    SELECT 's', date_trunc('month', b.sol_stop), false, NULL, NULL,
           b.* EXCLUDE (source, ticket_id)
    FROM base b
    WHERE b.sol_stop >= CAST($2 AS TIMESTAMP) AND b.sol_stop < CAST($3 AS TIMESTAMP)
    UNION ALL
    SELECT 'b', m.month, m.month_end = CAST($3 AS TIMESTAMP), NULL, NULL,
           b.* EXCLUDE (source, ticket_id)
    FROM base b, months m
    WHERE b.created_at < m.month_end AND (b.sol_stop IS NULL OR b.sol_stop >= m.month_end)
    UNION ALL
    SELECT 'e', date_trunc('month', v.answered_at), false, v.score, true,
           b.* EXCLUDE (source, ticket_id)
    FROM base b JOIN ticket_surveys v USING (source, ticket_id)
    WHERE v.answered_at >= CAST($2 AS TIMESTAMP) AND v.answered_at < CAST($3 AS TIMESTAMP)
    UNION ALL
    SELECT 'v', date_trunc('month', v.sent_at), false, v.score, v.answered_at IS NOT NULL,
           b.* EXCLUDE (source, ticket_id)
    FROM base b JOIN ticket_surveys v USING (source, ticket_id)
    WHERE v.sent_at >= CAST($2 AS TIMESTAMP) AND v.sent_at < CAST($3 AS TIMESTAMP)
),
figures AS (
SELECT
    CASE
        WHEN GROUPING(month) = 0 THEN 'month'
        WHEN GROUPING(priority) = 0 THEN 'priority'
        WHEN GROUPING(category) = 0 THEN 'category'
        WHEN GROUPING(type) = 0 THEN 'type'
        WHEN GROUPING(technician) = 0 THEN 'technician'
        WHEN GROUPING(tech_group) = 0 THEN 'group'
        ELSE 'total'
    END AS dimension,
    CAST(coalesce(strftime(month, '%Y-%m'), CAST(priority AS VARCHAR), category, type, technician,
        tech_group) AS VARCHAR) AS key,
    count(*) FILTER (WHERE role = 'c') AS registered,
    count(*) FILTER (WHERE role = 'c' AND sol_stop < CAST($3 AS TIMESTAMP)) AS registered_solved,
    count(*) FILTER (WHERE role = 'c' AND att_state = 'met') AS attention_met,
    count(*) FILTER (WHERE role = 'c' AND att_state = 'breached') AS attention_breached,
    avg(att_secs) FILTER (WHERE role = 'c' AND att_stop IS NOT NULL) / 3600.0 AS attention_mean,
    -- One quantile state per metric for both quantiles: each state holds every value.
    quantile_cont(att_secs, [0.5, 0.9]) FILTER (WHERE role = 'c' AND att_stop IS NOT NULL)
        AS attention_q,
    count(*) FILTER (WHERE role = 's') AS solved,
    count(*) FILTER (WHERE role = 's' AND sol_state = 'met') AS solution_met,
    count(*) FILTER (WHERE role = 's' AND sol_state = 'breached') AS solution_breached,
    avg(sol_secs) FILTER (WHERE role = 's') / 3600.0 AS solution_mean,
    quantile_cont(sol_secs, [0.5, 0.9]) FILTER (WHERE role = 's') AS solution_q,
    count(*) FILTER (WHERE role = 's' AND closed_at IS NOT NULL AND close_seconds <= close_limit)
        AS closed_in_time,
    count(*) FILTER (WHERE role = 's' AND (closed_at IS NOT NULL OR close_seconds > close_limit))
        AS closing_decided,
    count(*) FILTER (WHERE role = 's' AND reopened > 0) AS reopened,
    -- Month rows count the backlog at the end of their month; the others at the quarter's end.
    count(*) FILTER (WHERE role = 'b' AND q_end) AS backlog_quarter,
    count(*) FILTER (WHERE role = 'b') AS backlog_month,
    count(*) FILTER (WHERE role = 'e') AS surveys_answered,
    count(*) FILTER (WHERE role = 'e' AND score >= 4) AS surveys_satisfied,
    count(*) FILTER (WHERE role = 'v') AS surveys_sent,
    count(*) FILTER (WHERE role = 'v' AND answered) AS surveys_sent_answered
FROM roles
GROUP BY GROUPING SETS ((), (month), (priority), (category), (type), (technician), (tech_group))
)
SELECT dimension, key, registered, registered_solved, attention_met, attention_breached,
       attention_mean, attention_q[1] / 3600.0 AS attention_median,
       attention_q[2] / 3600.0 AS attention_p90,
       solved, solution_met, solution_breached, solution_mean,
       solution_q[1] / 3600.0 AS solution_median, solution_q[2] / 3600.0 AS solution_p90,
       closed_in_time, closing_decided, reopened, backlog_quarter, backlog_month,
       surveys_answered, surveys_satisfied, surveys_sent, surveys_sent_answered
FROM figures
ORDER BY dimension, key NULLS LAST;
