//! Integration tests, one binary: golden results from the samples, the CLI end to end, and
//! ingest of good and bad canonical files.

mod cli;
mod golden;
mod helpers;
mod http;
mod ingest_canonical;
mod ingest_dexon;
mod ingest_fast;
mod ingest_glpi;
mod report;
mod volume;
mod web;
