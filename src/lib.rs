//! mesa-sla: service-level (ANS) measurement for IT service desks of Colombian public entities.
//!
//! The domain core without I/O lives in the `mesa-sla-core` crate (`crates/core`) and is
//! re-exported here under its usual paths: [`calendar`], [`sla`], [`model`], [`indicators`]
//! (quarterly figures) and [`engine`] (calendars + policy, built from the `[calendar]`,
//! `[[entity]]` and `[policy]` sections). This package holds the adapters: [`store`] (DuckDB),
//! [`ingest`] (source files), [`evaluation`] (store ↔ engine), [`demo`] (synthetic data),
//! [`report`] (workbook, charts), [`web`] (dashboard and API), [`alerts`] (outbox and SMTP).
//! [`schedule`] runs jobs (ingest, evaluation, alerts, report…) on cron expressions inside
//! `serve`. [`config`] composes the sections each feature owns; [`app`] is the composition root
//! that wires store, configuration and jobs for `serve` and `run-job`; [`commands`] wires them
//! for the CLI defined in [`cli`].

pub use mesa_sla_core::{calendar, engine, indicators, model, sla};

pub mod alerts;
pub mod app;
pub mod bench;
pub mod cli;
pub mod commands;
pub mod config;
pub mod demo;
pub mod evaluation;
pub mod fs_error;
pub mod ingest;
pub mod report;
pub mod schedule;
pub mod store;
pub mod web;
