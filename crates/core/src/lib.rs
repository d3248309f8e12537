//! mesa-sla-core: the domain core of mesa-sla, without I/O and without DuckDB, HTTP or e-mail.
//!
//! [`calendar`] (business hours, Colombian holidays, time zones, business-time arithmetic),
//! [`sla`] (the attention and solution clocks of a ticket under a [`sla::policy::Policy`]),
//! [`model`] (statuses, types, priorities, metrics and SLA states shared by every layer),
//! [`indicators`] (quarterly indicator definitions, traffic lights and the analysis sentence),
//! [`config`] (the `[calendar]` and `[[entity]]` sections of the configuration file) and
//! [`engine`] (every calendar and the policy, built once from those sections).
//!
//! The root package `mesa-sla` re-exports these modules under the same paths and adds the
//! adapters: store, ingest, evaluation, report, web, alerts, schedule and the CLI.
//! `cargo test -p mesa-sla-core` builds and tests this crate alone: the fast loop for calendar
//! and engine work.

pub mod calendar;
pub mod config;
pub mod engine;
pub mod indicators;
pub mod model;
pub mod sla;
