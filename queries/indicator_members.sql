-- Which tickets each indicator figure counts, for one entity and quarter (design §7): the one
-- membership definition that the figures (indicator_figures.sql), the solution-time histogram
-- (indicator_histogram.sql) and the drill-down lists (indicator_list.sql) all read. Not a
-- statement by itself: each of those files continues this WITH clause (src/store/queries.rs
-- joins them).
-- Parameters: $1 entity, NULL for every entity together; $2 quarter start, $3 quarter end
-- (exclusive), both local timestamps; $4 closing limit in business seconds; $5 priority,
-- $6 category, $7 group, $8 technician: filters, NULL for all; $9 entities and $10 their own
-- closing limits (two lists of the same length, may be empty): an entity listed there is held to
-- its own limit instead of $4 (every entity counted together, each on its calendar's day); $11
-- the policy version that measured the ticket's solution clock, '' for the unversioned [policy]
-- (stored NULL), NULL for all. A continuation's own parameters start at $12.
--
-- Each ticket contributes one row per role it plays in the quarter, so that every figure is
-- counted on its own date: 'c' created in the quarter (month of creation), 's' solved in the
-- quarter (month of the last solution), 'b' open at the end of a month of the quarter (that
-- month), 'e' survey answered in the quarter, 'v' survey sent in the quarter.
-- `members` adds one boolean column `m_<figure>` per figure: the row counts in that figure.
WITH limits AS (
    SELECT unnest(CAST($9 AS VARCHAR[])) AS entity, unnest(CAST($10 AS BIGINT[])) AS close_limit
),
base AS (
    SELECT t.rowid AS tid, t.created_at, t.type, t.priority, t.category, t.technician,
           t.tech_group,
           a.state AS att_state, a.business_seconds AS att_secs, a.stopped_at AS att_stop,
           s.state AS sol_state, s.business_seconds AS sol_secs, s.stopped_at AS sol_stop,
           s.reopened, s.closed_at AS closed_at, s.close_seconds,
           coalesce(l.close_limit, CAST($4 AS BIGINT)) AS close_limit, t.source, t.ticket_id
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
      -- A result without a calendar predates the versions (migration 008): no version known.
      AND (CAST($11 AS VARCHAR) IS NULL OR (s.calendar IS NOT NULL
          AND coalesce(s.policy_version, '') = CAST($11 AS VARCHAR)))
),
months AS (
    SELECT m.month, m.month + INTERVAL 1 MONTH AS month_end
    FROM range(CAST($2 AS TIMESTAMP), CAST($3 AS TIMESTAMP), INTERVAL 1 MONTH) AS m(month)
),
-- Only what the figures read, and the ticket's row id for the lists: the roles multiply the
-- rows, so keep them narrow.
roles AS (
    SELECT 'c' AS role, date_trunc('month', b.created_at) AS month, false AS q_end,
           NULL::DOUBLE AS score, NULL::BOOLEAN AS answered,
           b.* EXCLUDE (source, ticket_id)
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
-- The figure names after `m_` are the fields of mesa_sla_core::indicators::Figures (and
-- `attention_timed`: the tickets whose attention time the averages read; `backlog_quarter`:
-- open at the quarter's end, `backlog_month`: at the end of the row's month).
members AS (
    SELECT month, tid, priority, category, type, technician, tech_group, att_secs, sol_secs,
        role = 'c' AS m_registered,
        role = 'c' AND sol_stop < CAST($3 AS TIMESTAMP) AS m_registered_solved,
        role = 'c' AND att_state = 'met' AS m_attention_met,
        role = 'c' AND att_state = 'breached' AS m_attention_breached,
        role = 'c' AND att_stop IS NOT NULL AS m_attention_timed,
        role = 's' AS m_solved,
        role = 's' AND sol_state = 'met' AS m_solution_met,
        role = 's' AND sol_state = 'breached' AS m_solution_breached,
        role = 's' AND closed_at IS NOT NULL AND close_seconds <= close_limit
            AS m_closed_in_time,
        role = 's' AND (closed_at IS NOT NULL OR close_seconds > close_limit)
            AS m_closing_decided,
        role = 's' AND reopened > 0 AS m_reopened,
        role = 'b' AND q_end AS m_backlog_quarter,
        role = 'b' AS m_backlog_month,
        role = 'e' AS m_surveys_answered,
        role = 'e' AND score >= 4 AS m_surveys_satisfied,
        role = 'v' AS m_surveys_sent,
        role = 'v' AND answered AS m_surveys_sent_answered,
        -- The solution-time bin (store::indicators::HISTOGRAM_BINS) of a solved ticket.
        CASE WHEN role = 's' THEN
            CASE
                WHEN sol_secs <= 1 * 3600 THEN 0 WHEN sol_secs <= 2 * 3600 THEN 1
                WHEN sol_secs <= 4 * 3600 THEN 2 WHEN sol_secs <= 8 * 3600 THEN 3
                WHEN sol_secs <= 16 * 3600 THEN 4 WHEN sol_secs <= 27 * 3600 THEN 5
                WHEN sol_secs <= 45 * 3600 THEN 6 ELSE 7
            END
        END AS sol_bin
    FROM roles
)
