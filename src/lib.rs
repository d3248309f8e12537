//! mesa-sla: service-level (ANS) measurement for IT service desks of Colombian public entities.
//!
//! Domain core without I/O: [`calendar`], [`sla`], [`model`]. Adapters: [`store`] (DuckDB),
//! [`ingest`] (source files), [`evaluation`] (store ↔ engine), [`demo`] (synthetic data).
//! [`indicators`] (quarterly figures, no I/O), [`report`] (workbook, charts), [`web`] (dashboard
//! and API), [`alerts`] (outbox and SMTP). [`schedule`] runs jobs (ingest, evaluation, alerts,
//! report…) on cron expressions inside `serve`.
//! [`config`] composes the sections each feature owns; [`app`] is the composition root that
//! wires store, configuration and jobs for `serve` and `run-job`; [`commands`] wires them for
//! the CLI defined in [`cli`].

pub mod alerts;
pub mod app;
pub mod bench;
pub mod calendar;
pub mod cli;
pub mod commands;
pub mod config;
pub mod demo;
pub mod engine;
pub mod evaluation;
pub mod indicators;
pub mod ingest;
pub mod model;
pub mod report;
pub mod schedule;
pub mod sla;
pub mod store;
pub mod web;
