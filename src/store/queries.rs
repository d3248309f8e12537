//! Every SQL statement of the store, loaded from `queries/*.sql` at compile time.

/// `NAME => "a.sql"` embeds one file; `NAME => "a.sql" + "b.sql"` joins files into one
/// statement (a shared WITH clause and what continues it).
macro_rules! queries {
    ($($name:ident => $file:literal $(+ $more:literal)*),* $(,)?) => {
        $(pub const $name: &str = concat!(
            include_str!(concat!("../../queries/", $file)),
            $(include_str!(concat!("../../queries/", $more)),)*
        );)*
        /// Every statement, by file name: a test prepares each one against a migrated database.
        pub const ALL: &[(&str, &str)] = &[$((concat!($file, $(" + ", $more,)*), $name)),*];
    };
}

queries! {
    APPLIED_MIGRATIONS => "applied_migrations.sql",
    RECORD_MIGRATION => "record_migration.sql",
    INGEST_RUN_INSERT => "ingest_run_insert.sql",
    INGEST_RUN_FINISH => "ingest_run_finish.sql",
    INGEST_REJECT_INSERT => "ingest_reject_insert.sql",
    INGEST_RUN_NEXT_ID => "ingest_run_next_id.sql",
    INGEST_RUN_INSERT_ID => "ingest_run_insert_id.sql",
    STAGING_TICKETS_CREATE => "staging_tickets_create.sql",
    STAGING_EVENTS_CREATE => "staging_events_create.sql",
    STAGING_SURVEYS_CREATE => "staging_surveys_create.sql",
    SURVEYS_UPSERT => "surveys_upsert.sql",
    TICKETS_UPSERT => "tickets_upsert.sql",
    EVENTS_INSERT_NEW => "events_insert_new.sql",
    EVAL_KEYS_CREATE => "eval_keys_create.sql",
    EVAL_TICKETS => "eval_tickets.sql",
    EVAL_EVENTS => "eval_events.sql",
    EVAL_RESULTS_CREATE => "eval_results_create.sql",
    EVAL_RESULTS_DROP => "eval_results_drop.sql",
    OLA_EVAL_CREATE => "ola_eval_create.sql",
    EVAL_PLANS_CREATE => "eval_plans_create.sql",
    EVAL_GROUPS_CREATE => "eval_groups_create.sql",
    EVAL_GROUPS_DROP => "eval_groups_drop.sql",
    EVAL_PLANS_DROP => "eval_plans_drop.sql",
    OLA_RESULTS_REPLACE => "ola_results_replace.sql",
    OLA_RESULTS_CLEAR => "ola_results_clear.sql",
    OLA_EVAL_DROP => "ola_eval_drop.sql",
    OLA_RESULTS_EXPORT => "ola_results_export.sql",
    EVAL_KEYS_DROP => "eval_keys_drop.sql",
    SLA_RESULTS_CLEAR => "sla_results_clear.sql",
    SLA_RESULTS_REPLACE => "sla_results_replace.sql",
    SLA_RESULTS_EXPORT => "sla_results_export.sql",
    SUMMARY_BY_QUARTER => "summary_by_quarter.sql",
    TABLE_COUNTS => "table_counts.sql",
    INDICATOR_FIGURES => "indicator_members.sql" + "indicator_figures.sql",
    INDICATOR_HISTOGRAM => "indicator_members.sql" + "indicator_histogram.sql",
    INDICATOR_LIST => "indicator_members.sql" + "indicator_list.sql",
    INDICATOR_OLA_GROUPS => "indicator_members.sql" + "indicator_ola_groups.sql",
    INDICATOR_ENTITIES => "indicator_entities.sql",
    INDICATOR_CASES => "indicator_cases.sql",
    INDICATOR_BREACHES => "indicator_breaches.sql",
    RESULTS_STATUS => "results_status.sql",
    MEMORY_LIMIT_GET => "memory_limit_get.sql",
    MEMORY_LIMIT_SET => "memory_limit_set.sql",
    WEB_AT_RISK => "web_at_risk.sql",
    WEB_BREACHES => "web_breaches.sql",
    WEB_TICKET => "web_ticket.sql",
    WEB_TICKET_RESULTS => "web_ticket_results.sql",
    WEB_TICKET_EVENTS => "web_ticket_events.sql",
    WEB_TICKET_OLA => "web_ticket_ola.sql",
    WEB_ENTITIES => "web_entities.sql",
    WEB_QUARTERS => "web_quarters.sql",
    WEB_KNOWN_VALUES => "web_known_values.sql",
    WEB_DATA_SPAN => "web_data_span.sql",
    WEB_LAST_RUNS => "web_last_runs.sql",
    HEALTH_CHECK => "health_check.sql",
    GLPI_SYNC_STATE_GET => "glpi_sync_state_get.sql",
    GLPI_SYNC_STATE_UPSERT => "glpi_sync_state_upsert.sql",
    JOB_RUN_INSERT => "job_run_insert.sql",
    JOB_RUN_FINISH => "job_run_finish.sql",
    JOB_RUN_SKIPPED => "job_run_skipped.sql",
    JOB_RUNS_INTERRUPTED => "job_runs_interrupted.sql",
    JOB_RUNS_LIST => "job_runs_list.sql",
    WEB_JOB_RUNS => "web_job_runs.sql",
    OPS_JOB_RUNS => "ops_job_runs.sql",
    OPS_OUTBOX_SUMMARY => "ops_outbox_summary.sql",
    OPS_OUTBOX_ROWS => "ops_outbox_rows.sql",
    OPS_INGEST_RUNS => "ops_ingest_runs.sql",
    OPS_REJECT_REASONS => "ops_reject_reasons.sql",
    OPS_REJECTS => "ops_rejects.sql",
    EVAL_KEYS_OPEN_CREATE => "eval_keys_open_create.sql",
    EVAL_KEYS_LIST => "eval_keys_list.sql",
    ALERTS_CURRENT_CREATE => "alerts_current_create.sql",
    ALERTS_CANDIDATES => "alerts_candidates.sql",
    ALERTS_CURRENT_DROP => "alerts_current_drop.sql",
    ALERTS_OUTBOX_INSERT => "alerts_outbox_insert.sql",
    ALERTS_DECIDED_INSERT => "alerts_decided_insert.sql",
    ALERTS_DIGESTS_OF_DAY => "alerts_digests_of_day.sql",
    ALERTS_DUE => "alerts_due.sql",
    ALERTS_MARK_SENT => "alerts_mark_sent.sql",
    ALERTS_MARK_FAILED => "alerts_mark_failed.sql",
    ALERTS_ATTEMPT_INSERT => "alerts_attempt_insert.sql",
    ALERTS_PENDING_COUNT => "alerts_pending_count.sql",
    TICKETS_STAGED_CHECK => "tickets_staged_check.sql",
    TICKETS_INSERT_STAGED => "tickets_insert_staged.sql",
    TICKETS_STAGED_CHANGES => "tickets_staged_changes.sql",
    FAST_LOGS_STAGE_CREATE => "fast_logs_stage_create.sql",
    FAST_LOGS_STAGE_LOAD => "fast_logs_stage_load.sql",
    FAST_LOGS_SUMMARY => "fast_logs_summary.sql",
    FAST_LOGS_REJECTS => "fast_logs_rejects.sql",
    FAST_LOGS_EVENTS_INSERT => "fast_logs_events_insert.sql",
    FAST_LIST_STAGE_CREATE => "fast_list_stage_create.sql",
    FAST_LIST_STAGE_LOAD => "fast_list_stage_load.sql",
    FAST_LIST_COUNT => "fast_list_count.sql",
    FAST_LIST_VALUES_PLAIN => "fast_list_values_plain.sql",
    FAST_LIST_VALUES_TRIMMED => "fast_list_values_trimmed.sql",
    FAST_LIST_VALUES_VIEW => "fast_list_values_view.sql",
    FAST_LIST_DATES => "fast_list_dates.sql",
    FAST_LIST_DATE_HITS => "fast_list_date_hits.sql",
    FAST_LIST_LABELS => "fast_list_labels.sql",
    FAST_LABELS_CREATE => "fast_labels_create.sql",
    FAST_LIST_CHECKED_CREATE => "fast_list_checked_create.sql",
    FAST_LIST_CHECK => "fast_list_check.sql",
    FAST_LIST_STAGED_VIEW => "fast_list_staged_view.sql",
    FAST_LIST_STAGED_VIEW_DROP => "fast_list_staged_view_drop.sql",
    FAST_LIST_SUMMARY => "fast_list_summary.sql",
    FAST_LIST_REJECTS => "fast_list_rejects.sql",
    BENCH_READ_CSV_LIST => "bench_read_csv_list.sql",
    BENCH_READ_CSV_LOGS => "bench_read_csv_logs.sql",
}

/// Statements that create temporary tables other statements read; they run first when every
/// query is prepared in the test.
pub const SETUP: &[&str] = &[
    STAGING_TICKETS_CREATE,
    STAGING_EVENTS_CREATE,
    STAGING_SURVEYS_CREATE,
    EVAL_RESULTS_CREATE,
    OLA_EVAL_CREATE,
    EVAL_PLANS_CREATE,
    EVAL_GROUPS_CREATE,
    ALERTS_CURRENT_CREATE,
    FAST_MACROS,
    FAST_LOGS_STAGE_CREATE,
    FAST_LIST_STAGE_CREATE,
    FAST_LIST_VALUES_TRIMMED,
    FAST_LIST_VALUES_PLAIN,
    FAST_LABELS_CREATE,
    FAST_LIST_CHECKED_CREATE,
];

/// The temporary macros of the DuckDB-native ingest path (several statements).
pub const FAST_MACROS: &str = include_str!("../../queries/fast_macros.sql");

/// Prefix that asks for a statement's physical plan as JSON (not a statement by itself).
pub const EXPLAIN_JSON: &str = include_str!("../../queries/explain_json.sql");

/// Drops the staged text of a ticket list once judged (several statements).
pub const FAST_LIST_STAGE_DROP: &str = include_str!("../../queries/fast_list_stage_drop.sql");

/// Drops the staging tables of a load once merged (several statements).
pub const STAGING_DROP: &str = include_str!("../../queries/staging_drop.sql");

/// Drops what the DuckDB-native ingest path leaves on a connection (several statements).
pub const FAST_DROP: &str = include_str!("../../queries/fast_drop.sql");

/// Schema bookkeeping, run before migrations.
pub const SCHEMA_MIGRATIONS: &str = include_str!("../../queries/schema_migrations.sql");

/// Numbered migrations, applied in order at start-up.
pub const MIGRATIONS: &[(i32, &str, &str)] = &[
    (
        1,
        "001_init",
        include_str!("../../queries/migrations/001_init.sql"),
    ),
    (
        2,
        "002_surveys",
        include_str!("../../queries/migrations/002_surveys.sql"),
    ),
    (
        3,
        "003_attention_source",
        include_str!("../../queries/migrations/003_attention_source.sql"),
    ),
    (
        4,
        "004_after_solution",
        include_str!("../../queries/migrations/004_after_solution.sql"),
    ),
    (
        5,
        "005_job_runs",
        include_str!("../../queries/migrations/005_job_runs.sql"),
    ),
    (
        6,
        "006_alerts",
        include_str!("../../queries/migrations/006_alerts.sql"),
    ),
    (
        7,
        "007_glpi_sync",
        include_str!("../../queries/migrations/007_glpi_sync.sql"),
    ),
    (
        8,
        "008_model_v2",
        include_str!("../../queries/migrations/008_model_v2.sql"),
    ),
];
