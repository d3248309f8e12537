//! The operations page `/operaciones` and its JSON `/api/v1/operations`: the latest runs of
//! each job, the alerts outbox and the latest loads with their rejected rows, for a coordinator
//! who does not write SQL. Read fresh on every request (small tables, one store task).
//!
//! Who may see it: the dashboard has no roles — every authenticated reader (or, without
//! authentication, anyone on loopback) reads every page. The outbox names the people alerts go
//! to, so e-mail addresses are masked here, in the page and in the JSON alike
//! (`director.tic@entidad.gov.co` → `d•••@entidad.gov.co`, also inside SMTP errors), and the
//! messages' bodies are not shown.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::response::Html;
use minijinja::context;
use minijinja::value::{Serde, Value};
use serde::Serialize;

use super::pages::{PageError, render};
use super::{ApiError, AppState};
use crate::model::Metric;
use crate::schedule::JobName;
use crate::store::Store;
use crate::store::operations::{
    IngestItem, JobRunItem, OutboxItem, OutboxSummary, RejectItem, RejectReason,
};

/// Runs shown per job.
const RUNS_PER_JOB: usize = 5;
/// Outbox rows shown (pending first).
const OUTBOX_ROWS: usize = 50;
/// Loads shown.
const INGESTS: usize = 20;
/// Rejected rows shown per load (the reasons are all counted).
const REJECTS_PER_RUN: usize = 20;

/// Everything the page shows.
#[derive(Debug, Clone, Serialize)]
pub struct Operations {
    /// Every job, even one that never ran, with its latest runs (most recent first).
    pub jobs: Vec<JobRuns>,
    pub outbox: Outbox,
    /// The latest loads, most recent first.
    pub ingests: Vec<Ingest>,
}

#[derive(Debug, Clone, Serialize)]
pub struct JobRuns {
    pub job: String,
    pub runs: Vec<JobRunItem>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Outbox {
    #[serde(flatten)]
    pub summary: OutboxSummary,
    /// Pending rows first, then the most recent; addresses masked.
    pub rows: Vec<OutboxItem>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Ingest {
    #[serde(flatten)]
    pub run: IngestItem,
    pub reasons: Vec<RejectReason>,
    pub rejects: Vec<RejectItem>,
}

/// Reads everything the page shows, in one store task.
fn read(store: &Store) -> Result<Operations, ApiError> {
    let ops = store.operations();
    let runs = ops.job_runs(RUNS_PER_JOB)?;
    let mut jobs: Vec<JobRuns> = JobName::ALL
        .iter()
        .map(|j| JobRuns {
            job: j.as_str().to_owned(),
            runs: Vec::new(),
        })
        .collect();
    for run in runs {
        match jobs.iter_mut().find(|j| j.job == run.job) {
            Some(j) => j.runs.push(run),
            // A job this version no longer knows: shown under its stored name.
            None => jobs.push(JobRuns {
                job: run.job.clone(),
                runs: vec![run],
            }),
        }
    }
    let mut rows = ops.outbox(OUTBOX_ROWS)?;
    for row in &mut rows {
        row.recipients = mask_emails(&row.recipients);
        row.last_error = row.last_error.as_deref().map(mask_emails);
    }
    let outbox = Outbox {
        summary: ops.outbox_summary()?,
        rows,
    };
    let runs = ops.ingests(INGESTS)?;
    let from = runs.iter().map(|r| r.id).min().unwrap_or(i64::MAX);
    let (reasons, rejects) = if runs.is_empty() {
        (Vec::new(), Vec::new())
    } else {
        (
            ops.reject_reasons(from)?,
            ops.rejects(from, REJECTS_PER_RUN)?,
        )
    };
    let ingests = runs
        .into_iter()
        .map(|run| Ingest {
            reasons: reasons
                .iter()
                .filter(|r| r.run_id == run.id)
                .cloned()
                .collect(),
            rejects: rejects
                .iter()
                .filter(|r| r.run_id == run.id)
                .cloned()
                .collect(),
            run,
        })
        .collect();
    Ok(Operations {
        jobs,
        outbox,
        ingests,
    })
}

async fn operations(state: &Arc<AppState>) -> Result<Operations, ApiError> {
    let admitted = state.admit()?;
    state
        .with_store(move |_, store| {
            let _admitted = admitted;
            read(store)
        })
        .await
}

pub async fn api(State(state): State<Arc<AppState>>) -> Result<Json<Operations>, ApiError> {
    Ok(Json(operations(&state).await?))
}

/// Every e-mail address in `text` with its local part cut to its first character:
/// `Director <director.tic@entidad.gov.co>` → `Director <d•••@entidad.gov.co>`.
pub fn mask_emails(text: &str) -> String {
    let local = |c: char| c.is_alphanumeric() || "._%+-'".contains(c);
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut start = 0;
    for (at, c) in chars.iter().enumerate() {
        if *c != '@' {
            continue;
        }
        let mut first = at;
        while first > start && local(chars[first - 1]) {
            first -= 1;
        }
        if first == at {
            continue;
        }
        out.extend(&chars[start..=first]);
        out.push_str("•••");
        start = at;
    }
    out.extend(&chars[start..]);
    out
}

fn when(t: Option<chrono::NaiveDateTime>) -> String {
    t.map(|t| t.format("%d/%m/%Y %H:%M").to_string())
        .unwrap_or_else(|| "—".into())
}

/// "45 s", "2 min 05 s", "1 h 03 min".
pub fn duration_text(seconds: Option<i64>) -> String {
    match seconds {
        None => "—".into(),
        Some(s) if s < 60 => format!("{} s", s.max(0)),
        Some(s) if s < 3600 => format!("{} min {:02} s", s / 60, s % 60),
        Some(s) => format!("{} h {:02} min", s / 3600, s % 3600 / 60),
    }
}

fn job_label(code: &str) -> &str {
    match code {
        "ingest-folder" => "Carga de la carpeta",
        "glpi-sync" => "Sincronización con GLPI",
        "evaluate" => "Evaluación de los ANS",
        "alerts" => "Alertas por correo",
        "quarterly-report" => "Informe trimestral",
        other => other,
    }
}

/// The Spanish word and the CSS class of a run's outcome.
fn outcome_label(run: &JobRunItem) -> (&'static str, &'static str) {
    match (run.outcome.as_deref(), run.finished_at) {
        (Some("ok"), _) => ("Correcto", "ok"),
        (Some("error"), _) => ("Error", "error"),
        (Some("skipped"), _) => ("Omitido", "skipped"),
        (None, None) => ("En curso", "running"),
        _ => ("Desconocido", "skipped"),
    }
}

fn outbox_status(code: &str) -> (&str, &'static str) {
    match code {
        "pending" => ("Pendiente", "pending"),
        "sent" => ("Enviado", "ok"),
        "no_recipient" => ("Sin destinatario", "skipped"),
        other => (other, "skipped"),
    }
}

/// What an outbox row is about: "Alerta · caso glpi/12 · Solución incumplida" or "Resumen
/// diario del 08/07/2025".
fn outbox_about(row: &OutboxItem) -> String {
    if row.kind == "digest" {
        let day = row
            .digest_day
            .map(|d| d.format("%d/%m/%Y").to_string())
            .unwrap_or_default();
        return format!("Resumen diario del {day}");
    }
    let metric = row
        .metric
        .as_deref()
        .and_then(Metric::from_code)
        .map_or("", |m| m.label_es());
    let level = match row.level.as_deref() {
        Some("breached") => "incumplida",
        Some("at_risk") => "en riesgo",
        _ => "",
    };
    format!(
        "Alerta · caso {}/{} · {metric} {level}",
        row.source.as_deref().unwrap_or(""),
        row.ticket_id.as_deref().unwrap_or("")
    )
}

fn job_rows(jobs: &[JobRuns]) -> Vec<Value> {
    jobs.iter()
        .map(|j| {
            let runs: Vec<_> = j
                .runs
                .iter()
                .map(|r| {
                    let (outcome, class) = outcome_label(r);
                    context! {
                        started => when(Some(r.started_at)),
                        as_of => when(Some(r.as_of)),
                        trigger => if r.trigger == "manual" { "a mano" } else { "programado" },
                        outcome, class,
                        duration => duration_text(r.seconds),
                        message => r.message.clone().unwrap_or_default(),
                    }
                })
                .collect();
            context! { job => &j.job, label => job_label(&j.job), runs }
        })
        .collect()
}

fn outbox_rows(rows: &[OutboxItem]) -> Vec<Value> {
    rows.iter()
        .map(|r| {
            let (status, class) = outbox_status(&r.status);
            context! {
                id => r.id,
                about => outbox_about(r),
                subject => &r.subject,
                recipients => r.recipients.lines().collect::<Vec<_>>().join(", "),
                decided => when(Some(r.decided_at)),
                status, class,
                attempts => r.attempts,
                next => if r.status == "pending" { when(r.next_attempt_at) } else { "—".into() },
                sent => when(r.sent_at),
                error => r.last_error.clone().unwrap_or_default(),
            }
        })
        .collect()
}

fn ingest_rows(ingests: &[Ingest]) -> Vec<Value> {
    use crate::indicators::fmt_count;
    let count = |n: i64| fmt_count(u64::try_from(n).unwrap_or(0));
    ingests
        .iter()
        .map(|i| {
            let r = &i.run;
            let seconds = r.finished_at.map(|f| (f - r.started_at).num_seconds());
            context! {
                id => r.id,
                file => &r.file_name,
                kind => &r.kind,
                started => when(Some(r.started_at)),
                duration => duration_text(seconds),
                read => count(r.rows_read),
                accepted => count(r.rows_accepted),
                rejected => count(r.rows_rejected),
                rejected_n => r.rows_rejected,
                status => if r.status == "ok" { "Completa" } else { "Con rechazos" },
                class => if r.status == "ok" { "ok" } else { "pending" },
                reasons => Value::from(Serde(&i.reasons)),
                rejects => Value::from(Serde(&i.rejects)),
                shown => i.rejects.len(),
            }
        })
        .collect()
}

pub async fn page(State(state): State<Arc<AppState>>) -> Result<Html<String>, PageError> {
    let ops = operations(&state).await?;
    let now = state
        .engine
        .default
        .local_from_instant(chrono::Utc::now().timestamp());
    let s = &ops.outbox.summary;
    render(
        "operations.html",
        context! {
            now => when(Some(now)),
            jobs => job_rows(&ops.jobs),
            outbox => context! {
                pending => s.pending, sent => s.sent, no_recipient => s.no_recipient,
                failed_attempts => s.failed_attempts,
                next_retry => s.next_retry.map(|t| when(Some(t))),
                rows => outbox_rows(&ops.outbox.rows),
            },
            ingests => ingest_rows(&ops.ingests),
            runs_per_job => RUNS_PER_JOB,
            outbox_rows => OUTBOX_ROWS,
        },
    )
}

#[cfg(test)]
mod tests {
    use super::{duration_text, mask_emails};

    #[test]
    fn addresses_are_masked_and_the_rest_kept() {
        assert_eq!(
            mask_emails("mesa@entidad.gov.co\nDirector TIC <director.tic@entidad.gov.co>"),
            "m•••@entidad.gov.co\nDirector TIC <d•••@entidad.gov.co>"
        );
        assert_eq!(
            mask_emails("550 5.1.1 <a.b+c@x.co>: usuario desconocido; otro@y.co"),
            "550 5.1.1 <a•••@x.co>: usuario desconocido; o•••@y.co"
        );
        assert_eq!(
            mask_emails("sin direcciones @ aquí"),
            "sin direcciones @ aquí"
        );
        assert_eq!(mask_emails(""), "");
    }

    #[test]
    fn durations_read_in_spanish_units() {
        assert_eq!(duration_text(None), "—");
        assert_eq!(duration_text(Some(45)), "45 s");
        assert_eq!(duration_text(Some(125)), "2 min 05 s");
        assert_eq!(duration_text(Some(3780)), "1 h 03 min");
    }
}
