-- Rejected records of the judged list, in file order: record number (from 0), glpi::ListReject
-- number, raw value.
SELECT line, reject, reject_raw FROM fast_list_checked WHERE reject IS NOT NULL ORDER BY line;
