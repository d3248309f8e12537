-- Solved tickets of one entity and quarter by business hours of solution, in fixed bins
-- (store::indicators::HISTOGRAM_BINS). Continues the WITH clause of indicator_members.sql (its
-- parameters): the bin and the solved tickets are the ones the drill-down lists show.
SELECT sol_bin AS bin, count(*) AS tickets
FROM members
WHERE m_solved
GROUP BY ALL
ORDER BY bin;
