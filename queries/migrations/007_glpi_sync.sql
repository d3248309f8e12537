-- 007: where each GLPI REST API sync left off. One row per API URL: the high-water mark on the
-- tickets' `date_mod`, the tickets already fetched at exactly that second (GLPI dates have whole
-- seconds, so the next pull asks from the second before and skips only these), and the last run.
CREATE TABLE glpi_sync_state (
    api_url         VARCHAR PRIMARY KEY,
    high_water      TIMESTAMP,                    -- greatest date_mod seen (GLPI local time)
    ids_at_mark     VARCHAR NOT NULL DEFAULT '',  -- comma-separated ticket ids with date_mod = high_water
    synced_at       TIMESTAMP NOT NULL,           -- wall clock of the last successful sync
    last_run        BIGINT                        -- ingest_runs.id of the last sync that loaded data
);
