-- Rejected records of the staged glpi_logs export, in file order: record number (from 0),
-- glpi::LogReject number, raw value.
SELECT rowid, reject, reject_raw FROM fast_logs_stage WHERE reject IS NOT NULL ORDER BY rowid;
