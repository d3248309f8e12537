-- The tickets behind one figure of one entity and quarter (the drill-down lists of the
-- dashboard): a page of them, sorted, with the total. Continues the WITH clause of
-- indicator_members.sql, whose `m_` columns say which figure each role of a ticket counts in,
-- so a list holds exactly the tickets its figure counts.
-- Parameters: $1–$11 those of indicator_members.sql; $12 the figures whose tickets are listed
-- and $13 those whose tickets are left out, comma-separated names after `m_` ('' for none);
-- $14 a month 'YYYY-MM' of the quarter, $15 a solution-time bin: NULL for all; $16 the sort key
-- (one of those below, from a fixed list in src/store/drill.rs), $17 true for descending;
-- $18 how many rows, $19 how many to skip.
-- The columns are those of indicator_cases.sql (the workbook's Casos sheet), then the total.
, scoped AS (
    SELECT tid, COLUMNS('^m_')
    FROM members
    WHERE (CAST($14 AS VARCHAR) IS NULL OR strftime(month, '%Y-%m') = CAST($14 AS VARCHAR))
      AND (CAST($15 AS INTEGER) IS NULL OR sol_bin = CAST($15 AS INTEGER))
),
chosen AS (
    SELECT tid
    FROM (UNPIVOT scoped ON COLUMNS('^m_') INTO NAME figure VALUE member)
    WHERE member
    GROUP BY tid
    HAVING bool_or(list_contains(string_split(CAST($12 AS VARCHAR), ','), figure[3:]))
       AND NOT bool_or(list_contains(string_split(CAST($13 AS VARCHAR), ','), figure[3:]))
),
listed AS (
    SELECT t.source, t.ticket_id, t.title, t.type, t.priority, t.category, t.service,
           t.technician, t.tech_group, t.status, t.created_at,
           a.stopped_at AS attended_at, s.stopped_at AS solved_at, s.closed_at,
           a.business_seconds / 3600.0 AS attention_h,
           a.target_seconds / 3600.0 AS attention_target_h, a.state AS attention_state,
           s.business_seconds / 3600.0 AS solution_h, s.paused_seconds / 3600.0 AS paused_h,
           s.target_seconds / 3600.0 AS solution_target_h, s.state AS solution_state,
           coalesce(s.rule, a.rule) AS rule, s.reopened, s.no_history,
           CASE WHEN s.calendar IS NOT NULL THEN coalesce(s.policy_version, '') END
               AS policy_version,
           s.calendar, a.calendar AS attention_calendar
    FROM chosen c
    JOIN tickets t ON t.rowid = c.tid
    LEFT JOIN sla_results a
        ON a.source = t.source AND a.ticket_id = t.ticket_id AND a.metric = 'attention'
    LEFT JOIN sla_results s
        ON s.source = t.source AND s.ticket_id = t.ticket_id AND s.metric = 'solution'
),
keyed AS (
    SELECT *,
        CASE CAST($16 AS VARCHAR)
            WHEN 'caso' THEN TRY_CAST(ticket_id AS DOUBLE)
            WHEN 'prioridad' THEN CAST(priority AS DOUBLE)
            WHEN 'creado' THEN epoch(created_at)
            WHEN 'atendido' THEN epoch(attended_at)
            WHEN 'solucionado' THEN epoch(solved_at)
            WHEN 'cerrado' THEN epoch(closed_at)
            WHEN 'atencion' THEN attention_h
            WHEN 'solucion' THEN solution_h
            WHEN 'reaperturas' THEN CAST(reopened AS DOUBLE)
        END AS sort_n,
        CASE CAST($16 AS VARCHAR)
            WHEN 'caso' THEN ticket_id
            WHEN 'titulo' THEN lower(title)
            WHEN 'tipo' THEN type
            WHEN 'categoria' THEN lower(category)
            WHEN 'tecnico' THEN lower(technician)
            WHEN 'grupo' THEN lower(tech_group)
            WHEN 'estado' THEN status
            WHEN 'ans_atencion' THEN attention_state
            WHEN 'ans_solucion' THEN solution_state
        END AS sort_s
    FROM listed
)
SELECT * EXCLUDE (sort_n, sort_s), count(*) OVER () AS total
FROM keyed
ORDER BY
    CASE WHEN NOT CAST($17 AS BOOLEAN) THEN sort_n END ASC NULLS LAST,
    CASE WHEN CAST($17 AS BOOLEAN) THEN sort_n END DESC NULLS LAST,
    CASE WHEN NOT CAST($17 AS BOOLEAN) THEN sort_s END ASC NULLS LAST,
    CASE WHEN CAST($17 AS BOOLEAN) THEN sort_s END DESC NULLS LAST,
    created_at, source, TRY_CAST(ticket_id AS BIGINT) NULLS LAST, ticket_id
LIMIT $18 OFFSET $19;
