-- The high-water mark of a GLPI API URL (no row: never synced, a full sync is due).
SELECT high_water, ids_at_mark FROM glpi_sync_state WHERE api_url = ?;
