DELETE FROM sla_results;
