-- Judges the staged ticket list row by row as glpi::list_row does (the same checks in the same
-- order; reject numbers are glpi::ListReject) and gives each row its canonical ticket. Labels are
-- looked up in fast_labels, which the reader's own Rust functions filled.
-- $1 source, $2 ingest run, $3 date order ('ymd', 'dmy' or 'mdy'), $4 GLPI 10 file (`''` stands
-- for `"`), $5 entity of every ticket (NULL: the file's own column), $6 longest duration in
-- seconds and $7 longest identifier in bytes (ingest::limits; an identifier with a control
-- character, Unicode's Cc as char::is_control, is refused too).
INSERT INTO fast_list_checked
WITH looked_up AS (
    SELECT
        v.*,
        fast_date(v.opened, $3) AS opened_at,
        fast_date(v.solved, $3) AS solved_at,
        fast_date(v.closed, $3) AS closed_at,
        fast_date(v.last_update, $3) AS last_update_at,
        st.text AS status_code,
        ty.text AS type_code,
        pr.num AS priority_number,
        du.num AS attention_seconds,
        CASE WHEN contains(v.technician, '<br>') THEN te.text ELSE v.technician END AS technicians,
        CASE WHEN contains(v.tech_group, '<br>') THEN gr.text ELSE v.tech_group END AS groups,
        CASE WHEN contains(v.requester, '<br>') THEN rq.text ELSE v.requester END AS requesters
    FROM fast_list_values v
    LEFT JOIN fast_labels st ON st.field = 'status' AND st.raw = v.status
    LEFT JOIN fast_labels ty ON ty.field = 'type' AND ty.raw = v.type
    LEFT JOIN fast_labels pr ON pr.field = 'priority' AND pr.raw = v.priority
    LEFT JOIN fast_labels du ON du.field = 'attention' AND du.raw = v.attention
    LEFT JOIN fast_labels te ON te.field = 'multi' AND te.raw = v.technician
    LEFT JOIN fast_labels gr ON gr.field = 'multi' AND gr.raw = v.tech_group
    LEFT JOIN fast_labels rq ON rq.field = 'multi' AND rq.raw = v.requester
), judged AS (
    SELECT *,
        CASE
            WHEN id IS NULL THEN 1
            WHEN strlen(id) > $7 OR regexp_matches(id, '[\x{0}-\x{1f}\x{7f}-\x{9f}]') THEN 14
            WHEN status IS NULL THEN 2
            WHEN status_code IS NULL THEN 3
            WHEN opened IS NOT NULL AND opened_at IS NULL THEN 4
            WHEN solved IS NOT NULL AND solved_at IS NULL THEN 5
            WHEN closed IS NOT NULL AND closed_at IS NULL THEN 6
            WHEN last_update IS NOT NULL AND last_update_at IS NULL THEN 7
            WHEN attention IS NOT NULL AND attention_seconds IS NULL THEN 8
            WHEN attention_seconds < 0 OR attention_seconds > $6 THEN 15
            WHEN opened IS NULL THEN 9
            WHEN solved_at < opened_at THEN 10
            WHEN closed_at < opened_at THEN 11
            WHEN type IS NOT NULL AND type_code IS NULL THEN 12
            WHEN priority IS NOT NULL AND priority_number IS NULL THEN 13
        END AS reject
    FROM looked_up
)
SELECT
    $1,
    id,
    coalesce(CAST($5 AS VARCHAR), CASE WHEN $4 THEN replace(entity, '''''', '"') ELSE entity END, ''),
    CASE WHEN $4 THEN replace(title, '''''', '"') ELSE title END,
    type_code,
    priority_number,
    priority,
    CASE WHEN $4 THEN replace(category, '''''', '"') ELSE category END,
    NULL,
    technicians,
    groups,
    requesters,
    NULL,
    status_code,
    status,
    opened_at,
    NULL,
    solved_at,
    closed_at,
    last_update_at,
    NULL,
    $2,
    attention_seconds,
    line,
    reject,
    CASE reject
        WHEN 14 THEN id
        WHEN 3 THEN status
        WHEN 4 THEN opened
        WHEN 5 THEN solved
        WHEN 6 THEN closed
        WHEN 7 THEN last_update
        WHEN 8 THEN attention
        WHEN 10 THEN solved
        WHEN 11 THEN closed
        WHEN 12 THEN type
        WHEN 13 THEN priority
        WHEN 15 THEN attention
    END
FROM judged;
