-- OLA per technician group of one entity and quarter (issue 13): the holds (ola_results) of the
-- tickets the solution indicators count — `m_solved` of indicator_members.sql, the solution
-- clock stopped in the quarter — by group, with a total row. Continues the WITH clause of
-- indicator_members.sql (its parameters, nothing else).
-- A ticket has one ola_results row per group that held its solution clock ('(sin grupo)' for
-- time without a group), and its rows add up to its solution business seconds, so the shares of
-- the groups add up to 100 %.
, solved AS (
    SELECT DISTINCT tid, sol_secs FROM members WHERE m_solved
),
holds AS (
    SELECT s.tid, o.tech_group, o.business_seconds, o.target_seconds, o.state
    FROM solved s
    JOIN tickets t ON t.rowid = s.tid
    JOIN ola_results o ON o.source = t.source AND o.ticket_id = t.ticket_id
),
-- The solution time of the tickets with holds: what each group's share is a part of.
whole AS (
    SELECT CAST(sum(sol_secs) AS DOUBLE) AS secs
    FROM solved
    WHERE tid IN (SELECT tid FROM holds)
),
by_group AS (
    SELECT GROUPING(tech_group) = 1 AS is_total,
           tech_group,
           count(DISTINCT tid) AS tickets,
           count(target_seconds) AS with_target,
           count(*) FILTER (WHERE state = 'met') AS met,
           count(*) FILTER (WHERE state = 'breached') AS breached,
           CAST(quantile_cont(business_seconds, 0.5) AS DOUBLE) / 3600.0 AS median_hours,
           CAST(sum(business_seconds) AS DOUBLE) AS secs
    FROM holds
    GROUP BY GROUPING SETS ((tech_group), ())
)
SELECT is_total, tech_group, tickets, with_target, met, breached,
       100.0 * met / nullif(met + breached, 0) AS compliance,
       median_hours,
       secs / 3600.0 AS total_hours,
       100.0 * secs / nullif((SELECT secs FROM whole), 0) AS share
FROM by_group
ORDER BY is_total, secs DESC, tech_group;
