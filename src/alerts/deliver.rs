//! Delivering the outbox by SMTP (lettre, blocking): pending rows whose back-off has passed are
//! sent one by one, each attempt recorded; a row is marked sent only once the server accepted it.

use chrono::NaiveDateTime;
use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{Message, SmtpTransport, Transport};

use super::config::{Alerts, Security, Smtp};
use super::{AlertsError, DeliverySummary};
use crate::engine::Engine;
use crate::store::Store;
use crate::store::outbox::{Attempt, DueMessage as Due};

/// Why one delivery failed.
struct Failure {
    message: String,
    /// The server could not be reached or talked to at all: the other rows of this round would
    /// fail the same way, so they are not tried (each waiting for the timeout).
    server_down: bool,
}

/// Sends the pending rows due at `now` (local wall-clock time of the default calendar).
pub(crate) fn deliver_with(
    store: &mut Store,
    engine: &Engine,
    alerts: &Alerts,
    smtp: Option<&Smtp>,
    now: NaiveDateTime,
) -> Result<DeliverySummary, AlertsError> {
    let due: Vec<Due> = store.outbox().due(now)?;

    let mut summary = DeliverySummary::default();
    // Quiet hours: held rows stay pending, untouched, until the entity's desk is open.
    let (send, held): (Vec<Due>, Vec<Due>) = due.into_iter().partition(|d| {
        if !alerts.quiet_outside_business_hours {
            return true;
        }
        let cal = engine.calendar_for(&d.entity);
        cal.is_open(cal.instant_from_local(now))
    });
    summary.held = held.len();

    if !send.is_empty() {
        let smtp = smtp.ok_or(AlertsError::NoSmtp {
            pending: send.len(),
        })?;
        let transport = transport(smtp)?;
        let mut down: Option<String> = None;
        for d in &send {
            let outcome = match &down {
                Some(reason) => Err(Failure {
                    message: format!("{reason} (no se volvió a intentar en esta ronda)"),
                    server_down: true,
                }),
                None => send_one(&transport, smtp, d),
            };
            match outcome {
                Ok(()) => {
                    record(store, d, now, None, alerts)?;
                    tracing::info!(alerta = d.id, "alerta enviada");
                    summary.sent += 1;
                }
                Err(f) => {
                    tracing::warn!(alerta = d.id, error = %f.message, "no se pudo enviar la alerta");
                    record(store, d, now, Some(&f.message), alerts)?;
                    if f.server_down && down.is_none() {
                        down = Some(f.message);
                    }
                    summary.failed += 1;
                }
            }
        }
    }
    summary.pending = store.outbox().pending_count()?;
    Ok(summary)
}

/// Records one attempt and its effect on the row, together.
fn record(
    store: &Store,
    d: &Due,
    now: NaiveDateTime,
    error: Option<&str>,
    alerts: &Alerts,
) -> Result<(), AlertsError> {
    let attempt = d.attempts.saturating_add(1);
    let outcome = match error {
        None => Attempt::Sent,
        Some(e) => {
            let wait = alerts.backoff(u32::try_from(attempt).unwrap_or(1));
            Attempt::Failed {
                retry_at: now + chrono::Duration::seconds(wait.as_secs() as i64),
                error: e,
            }
        }
    };
    store.outbox().record_attempt(d.id, attempt, now, outcome)?;
    Ok(())
}

/// The SMTP transport. The password is read from the environment here, handed to lettre, and
/// kept nowhere else (lettre's `Credentials` does not print it either).
fn transport(smtp: &Smtp) -> Result<SmtpTransport, AlertsError> {
    let fail = |e: lettre::transport::smtp::Error| AlertsError::Transport {
        host: smtp.host.clone(),
        message: e.to_string(),
    };
    let builder = match smtp.security {
        Security::None => SmtpTransport::builder_dangerous(&smtp.host),
        Security::StartTls => SmtpTransport::starttls_relay(&smtp.host).map_err(fail)?,
        Security::Tls => SmtpTransport::relay(&smtp.host).map_err(fail)?,
    };
    let mut builder = builder.port(smtp.port).timeout(Some(smtp.timeout));
    if let Some(user) = &smtp.username {
        if smtp.security == Security::None && !is_loopback(&smtp.host) {
            tracing::warn!(
                servidor = %smtp.host,
                "[smtp] security = \"none\" con usuario: la contraseña viaja sin cifrar; use starttls o tls"
            );
        }
        let password = std::env::var(&smtp.password_env)
            .ok()
            .filter(|p| !p.is_empty())
            .ok_or_else(|| AlertsError::MissingPassword {
                var: smtp.password_env.clone(),
            })?;
        builder = builder.credentials(Credentials::new(user.clone(), password));
    }
    Ok(builder.build())
}

fn is_loopback(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

fn send_one(transport: &SmtpTransport, smtp: &Smtp, d: &Due) -> Result<(), Failure> {
    let local = |message: String| Failure {
        message,
        server_down: false,
    };
    let mut builder = Message::builder()
        .from(smtp.from.clone())
        .subject(d.subject.clone())
        .message_id(Some(d.message_id.clone()));
    for line in d.recipients.lines().filter(|l| !l.trim().is_empty()) {
        let to: Mailbox = line
            .parse()
            .map_err(|_| local(format!("destinatario «{line}» inválido")))?;
        builder = builder.to(to);
    }
    let message = builder
        .multipart(MultiPart::alternative_plain_html(
            d.text.clone(),
            d.html.clone(),
        ))
        .map_err(|e| local(format!("no se pudo armar el mensaje: {e}")))?;
    transport.send(&message).map(|_| ()).map_err(|e| {
        let per_message = e.is_permanent() || e.is_transient();
        Failure {
            message: if per_message {
                format!(
                    "el servidor SMTP {}:{} rechazó el mensaje: {e}",
                    smtp.host, smtp.port
                )
            } else {
                format!(
                    "no se pudo entregar al servidor SMTP {}:{}: {e}",
                    smtp.host, smtp.port
                )
            },
            server_down: !per_message,
        }
    })
}
