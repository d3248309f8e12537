-- 003: the take-into-account time a source computed itself (GLPI's "Estadísticas - Tiempo en
-- atender el servicio"), in seconds. Used only for tickets without any history.
ALTER TABLE tickets ADD COLUMN attention_source_seconds BIGINT;
