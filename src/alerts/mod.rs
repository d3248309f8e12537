//! E-mail alerts (design §9): deciding, for every open clock, each threshold crossed (at risk,
//! breached) into the `alerts_outbox` exactly once, and delivering the outbox by SMTP with
//! retries. All state lives in the store, so an SMTP outage or a restart only delays alerts.
//!
//! [`run`] is the `alerts` job: it decides and then delivers. [`decide`] and [`deliver`] are the
//! two halves, for tests.

pub mod config;
pub mod decide;
pub mod deliver;
pub mod message;

use std::fmt;

use chrono::NaiveDateTime;
use thiserror::Error;

use crate::engine::Engine;
use crate::store::{Store, StoreError};

pub use config::{AlertsConfig, AlertsConfigError, RouteConfig, SmtpConfig};
pub use decide::{AlertLevel, Crossing, crossing, level_of};

/// Errors of the alerts job.
#[derive(Debug, Error)]
pub enum AlertsError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Config(#[from] AlertsConfigError),
    #[error(
        "no hay servidor SMTP configurado (indique [smtp] host y from): las alertas por enviar ({pending}) quedan pendientes"
    )]
    NoSmtp { pending: usize },
    /// The `alerts` job without `[smtp]`: it decided, and nothing can be sent.
    #[error(
        "no hay servidor de correo configurado ([smtp] host y from), no se envió nada: {}",
        unsent(decided, *pending)
    )]
    NoServer {
        decided: DecideSummary,
        /// Alerts waiting in the outbox for a server, this run's and earlier ones.
        pending: usize,
    },
    #[error(
        "la variable de entorno {var} con la contraseña SMTP no está definida (se configuró [smtp] username); las alertas quedan pendientes"
    )]
    MissingPassword { var: String },
    #[error("no se pudo preparar la conexión SMTP con {host}: {message}")]
    Transport { host: String, message: String },
}

/// What a decision pass wrote to the outbox.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DecideSummary {
    /// New alerts with recipients, waiting for delivery.
    pub new_alerts: usize,
    /// New alerts no route gave a recipient to (recorded as `no_recipient`, not sent).
    pub no_recipient: usize,
    /// Daily digests written.
    pub digests: usize,
}

/// What a delivery pass did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DeliverySummary {
    /// Accepted by the SMTP server.
    pub sent: usize,
    /// Attempts that failed (the rows stay pending, retried after a back-off).
    pub failed: usize,
    /// Due but held by quiet hours.
    pub held: usize,
    /// Rows still pending after this pass (due later, failed, or held).
    pub pending: usize,
}

/// The outcome of one `alerts` job run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AlertRunSummary {
    pub decided: DecideSummary,
    pub delivery: DeliverySummary,
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// What a run without a server decided and left waiting, e.g. "se decidieron 28 alertas nuevas
/// (28 sin destinatario); 0 esperan en la bandeja de salida hasta que se configure [smtp]".
fn unsent(decided: &DecideSummary, pending: usize) -> String {
    let new = decided.new_alerts + decided.no_recipient;
    let mut text = format!(
        "se {} {}",
        if new == 1 { "decidió" } else { "decidieron" },
        plural(new, "alerta nueva", "alertas nuevas")
    );
    if decided.no_recipient > 0 {
        text.push_str(&format!(" ({} sin destinatario)", decided.no_recipient));
    }
    text.push_str(&format!(
        "; {} en la bandeja de salida hasta que se configure [smtp]",
        plural(pending, "espera", "esperan")
    ));
    text
}

impl fmt::Display for AlertRunSummary {
    /// One line in Spanish, e.g. "3 alertas nuevas, 3 enviadas, 0 pendientes".
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (d, s) = (&self.decided, &self.delivery);
        write!(
            f,
            "{}, {}, {}",
            plural(d.new_alerts, "alerta nueva", "alertas nuevas"),
            plural(s.sent, "enviada", "enviadas"),
            plural(s.pending, "pendiente", "pendientes")
        )?;
        if s.failed > 0 {
            write!(
                f,
                ", {}",
                plural(s.failed, "intento fallido", "intentos fallidos")
            )?;
        }
        if s.held > 0 {
            write!(
                f,
                ", {} fuera del horario hábil",
                plural(s.held, "retenida", "retenidas")
            )?;
        }
        if d.no_recipient > 0 {
            write!(f, ", {} sin destinatario", d.no_recipient)?;
        }
        if d.digests > 0 {
            write!(
                f,
                ", {}",
                plural(d.digests, "resumen diario", "resúmenes diarios")
            )?;
        }
        Ok(())
    }
}

/// The `alerts` job: decides the alerts due as of `as_of` (local wall-clock time of the default
/// calendar), then delivers every pending one whose retry time has come, using `as_of` as the
/// clock (so that `--as-of` replays are reproducible). `glpi_base_url` makes the links to GLPI
/// tickets in the messages. Without `[smtp]` it decides all the same and answers
/// [`AlertsError::NoServer`], saying what waits in the outbox. Blocking.
pub fn run(
    store: &mut Store,
    engine: &Engine,
    alerts: &AlertsConfig,
    smtp: &SmtpConfig,
    glpi_base_url: Option<&str>,
    as_of: NaiveDateTime,
) -> Result<AlertRunSummary, AlertsError> {
    let alerts = alerts.compile()?;
    let smtp = smtp.compile()?;
    let decided = decide::decide_with(store, engine, &alerts, smtp.as_ref(), glpi_base_url, as_of)?;
    if smtp.is_none() {
        let pending = store.outbox().pending_count()?;
        return Err(AlertsError::NoServer { decided, pending });
    }
    let delivery = deliver::deliver_with(store, engine, &alerts, smtp.as_ref(), as_of)?;
    Ok(AlertRunSummary { decided, delivery })
}

/// Only the decision half of [`run`]: writes new alerts to the outbox, sends nothing.
pub fn decide(
    store: &mut Store,
    engine: &Engine,
    alerts: &AlertsConfig,
    smtp: &SmtpConfig,
    glpi_base_url: Option<&str>,
    as_of: NaiveDateTime,
) -> Result<DecideSummary, AlertsError> {
    let alerts = alerts.compile()?;
    let smtp = smtp.compile()?;
    decide::decide_with(store, engine, &alerts, smtp.as_ref(), glpi_base_url, as_of)
}

/// Only the delivery half of [`run`]: sends the pending alerts due at `now`.
pub fn deliver(
    store: &mut Store,
    engine: &Engine,
    alerts: &AlertsConfig,
    smtp: &SmtpConfig,
    now: NaiveDateTime,
) -> Result<DeliverySummary, AlertsError> {
    let alerts = alerts.compile()?;
    let smtp = smtp.compile()?;
    deliver::deliver_with(store, engine, &alerts, smtp.as_ref(), now)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_run_without_a_server_says_what_it_decided_and_what_waits() {
        let decided = DecideSummary {
            new_alerts: 3,
            no_recipient: 25,
            digests: 0,
        };
        assert_eq!(
            AlertsError::NoServer {
                decided,
                pending: 3
            }
            .to_string(),
            "no hay servidor de correo configurado ([smtp] host y from), no se envió nada: se \
             decidieron 28 alertas nuevas (25 sin destinatario); 3 esperan en la bandeja de \
             salida hasta que se configure [smtp]"
        );
        let one = DecideSummary {
            new_alerts: 1,
            ..DecideSummary::default()
        };
        assert!(
            AlertsError::NoServer {
                decided: one,
                pending: 1
            }
            .to_string()
            .ends_with("se decidió 1 alerta nueva; 1 espera en la bandeja de salida hasta que se configure [smtp]")
        );
    }

    #[test]
    fn the_summary_is_one_spanish_line() {
        let mut s = AlertRunSummary::default();
        s.decided.new_alerts = 3;
        s.delivery.sent = 3;
        assert_eq!(s.to_string(), "3 alertas nuevas, 3 enviadas, 0 pendientes");
        s.decided.new_alerts = 1;
        s.delivery = DeliverySummary {
            sent: 0,
            failed: 1,
            held: 0,
            pending: 1,
        };
        s.decided.no_recipient = 2;
        s.decided.digests = 1;
        assert_eq!(
            s.to_string(),
            "1 alerta nueva, 0 enviadas, 1 pendiente, 1 intento fallido, 2 sin destinatario, 1 resumen diario"
        );
        s.delivery.failed = 0;
        s.delivery.held = 2;
        s.decided.no_recipient = 0;
        s.decided.digests = 0;
        assert_eq!(
            s.to_string(),
            "1 alerta nueva, 0 enviadas, 1 pendiente, 2 retenidas fuera del horario hábil"
        );
    }
}
