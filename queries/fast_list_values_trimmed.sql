-- The staged list as the reference reader sees its values (str::trim, empty = none), for files
-- where some value starts or ends with white space: trimmed once (exact trimming is slow), then
-- read through the view of fast_list_values_view.sql.
CREATE OR REPLACE TEMP TABLE fast_list_trimmed AS
SELECT
    rowid AS line,
    fast_trim_exact(id) AS id,
    fast_trim_exact(title) AS title,
    fast_trim_exact(status) AS status,
    fast_trim_exact(opened) AS opened,
    fast_trim_exact(solved) AS solved,
    fast_trim_exact(closed) AS closed,
    fast_trim_exact(priority) AS priority,
    fast_trim_exact(category) AS category,
    fast_trim_exact(type) AS type,
    fast_trim_exact(technician) AS technician,
    fast_trim_exact(tech_group) AS tech_group,
    fast_trim_exact(requester) AS requester,
    fast_trim_exact(entity) AS entity,
    fast_trim_exact(last_update) AS last_update,
    fast_trim_exact(attention) AS attention
FROM fast_list_stage;
