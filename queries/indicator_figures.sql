-- Indicator figures of one entity and quarter (design §7), for the whole quarter and broken down
-- by month, priority, category, type, technician and group in one pass (GROUPING SETS).
-- Continues the WITH clause of indicator_members.sql (its parameters; every count is one of its
-- `m_` membership columns, so the drill-down lists hold exactly the tickets counted here).
, figures AS (
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
    count(*) FILTER (WHERE m_registered) AS registered,
    count(*) FILTER (WHERE m_registered_solved) AS registered_solved,
    count(*) FILTER (WHERE m_attention_met) AS attention_met,
    count(*) FILTER (WHERE m_attention_breached) AS attention_breached,
    avg(att_secs) FILTER (WHERE m_attention_timed) / 3600.0 AS attention_mean,
    -- One quantile state per metric for both quantiles: each state holds every value.
    quantile_cont(att_secs, [0.5, 0.9]) FILTER (WHERE m_attention_timed) AS attention_q,
    count(*) FILTER (WHERE m_solved) AS solved,
    count(*) FILTER (WHERE m_solution_met) AS solution_met,
    count(*) FILTER (WHERE m_solution_breached) AS solution_breached,
    avg(sol_secs) FILTER (WHERE m_solved) / 3600.0 AS solution_mean,
    quantile_cont(sol_secs, [0.5, 0.9]) FILTER (WHERE m_solved) AS solution_q,
    count(*) FILTER (WHERE m_closed_in_time) AS closed_in_time,
    count(*) FILTER (WHERE m_closing_decided) AS closing_decided,
    count(*) FILTER (WHERE m_reopened) AS reopened,
    -- Month rows count the backlog at the end of their month; the others at the quarter's end.
    count(*) FILTER (WHERE m_backlog_quarter) AS backlog_quarter,
    count(*) FILTER (WHERE m_backlog_month) AS backlog_month,
    count(*) FILTER (WHERE m_surveys_answered) AS surveys_answered,
    count(*) FILTER (WHERE m_surveys_satisfied) AS surveys_satisfied,
    count(*) FILTER (WHERE m_surveys_sent) AS surveys_sent,
    count(*) FILTER (WHERE m_surveys_sent_answered) AS surveys_sent_answered
FROM members
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
