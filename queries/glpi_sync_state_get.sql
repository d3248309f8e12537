-- The high-water mark of a GLPI API URL (no row: never synced, a full sync is due).
SELECT CAST(high_water AS VARCHAR), ids_at_mark FROM glpi_sync_state WHERE api_url = ?;
