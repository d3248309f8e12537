DELETE FROM ola_results;
