-- Records where a GLPI API sync left off; `last_run` keeps the previous run when this one loaded
-- nothing.
INSERT INTO glpi_sync_state (api_url, high_water, ids_at_mark, synced_at, last_run)
VALUES (?, CAST(? AS TIMESTAMP), ?, CAST(? AS TIMESTAMP), ?)
ON CONFLICT (api_url) DO UPDATE SET
    high_water = excluded.high_water,
    ids_at_mark = excluded.ids_at_mark,
    synced_at = excluded.synced_at,
    last_run = coalesce(excluded.last_run, glpi_sync_state.last_run);
