//! Integration tests, one binary: golden results from the samples, every reader, the CLI end to
//! end, the report, the server (and a real browser), the scheduler, alerts through a real SMTP
//! server and the GLPI API sync against a fake GLPI.

// Test code: an unmet expectation is the test failing, with its message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod alerts;
mod architecture;
mod browser;
mod cli;
mod cli_outputs;
mod comparison;
mod drill;
mod entity_names;
mod extreme;
mod ficha;
mod glpi_api;
mod golden;
mod helpers;
mod http;
mod ingest_canonical;
mod ingest_dexon;
mod ingest_fast;
mod ingest_glpi;
mod ingest_xlsx;
mod messages;
mod model;
mod ola_sheet;
mod operations;
mod outputs;
mod report;
mod report_slugs;
mod schedule;
mod server;
mod store;
mod store_open;
mod ticket_model;
mod trend;
mod version_filter;
mod volume;
mod web;
mod web_lists;
mod web_load;
