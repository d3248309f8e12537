//! Integration tests, one binary: golden results from the samples, the CLI end to end, and
//! ingest of good and bad canonical files.

mod browser;
mod cli;
mod glpi_api;
mod golden;
mod helpers;
mod http;
mod ingest_canonical;
mod ingest_dexon;
mod ingest_glpi;
mod report;
mod schedule;
mod volume;
mod web;
