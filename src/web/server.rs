//! The server loop: hyper's HTTP/1 server under the router, with what `axum::serve` lacks —
//! a header-read timeout (idle keep-alive connections included), a cap on open connections,
//! accept errors (such as running out of file descriptors) met by backing off, the client's
//! address in every request (`ConnectInfo`) and a graceful shutdown.
//!
//! At the cap the loop stops accepting: further connections wait in the kernel's backlog and
//! are served in order as others close, rather than being accepted only to be dropped. Every
//! held connection is bounded by the header-read timeout (or by the request timeout once its
//! headers are in), so a queued client waits at most about that long.

use std::future::Future;
use std::net::SocketAddr;
use std::pin::pin;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, watch};
use tower::ServiceExt;

use super::WebConfig;

/// Default of `[web] header_read_timeout_secs`.
pub const DEFAULT_HEADER_READ_TIMEOUT_SECS: u64 = 30;
/// Default of `[web] max_connections`: well under the usual limit of 1,024 descriptors, which
/// the store, the logs and the scheduled jobs share with the connections.
pub const DEFAULT_MAX_CONNECTIONS: usize = 512;
/// After Ctrl-C, open connections get this long to finish their current request.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(30);
/// Backing off after an accept error: from this pause, doubling, up to the next.
const FIRST_PAUSE: Duration = Duration::from_millis(10);
const LONGEST_PAUSE: Duration = Duration::from_secs(1);

/// A `[web]` connection setting that cannot be used.
#[derive(Debug, thiserror::Error)]
#[error("[web] {0} debe ser mayor que 0")]
pub struct LimitsError(&'static str);

/// The connection limits of `[web]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub header_read_timeout: Duration,
    pub max_connections: usize,
}

impl Limits {
    /// The configured limits, or their defaults; zero is refused.
    pub fn of(web: &WebConfig) -> Result<Limits, LimitsError> {
        let secs = web
            .header_read_timeout_secs
            .unwrap_or(DEFAULT_HEADER_READ_TIMEOUT_SECS);
        let max = web.max_connections.unwrap_or(DEFAULT_MAX_CONNECTIONS);
        if secs == 0 {
            return Err(LimitsError("header_read_timeout_secs"));
        }
        if max == 0 {
            return Err(LimitsError("max_connections"));
        }
        Ok(Limits {
            header_read_timeout: Duration::from_secs(secs),
            // The semaphore's own ceiling; no machine has that many descriptors anyway.
            max_connections: max.min(Semaphore::MAX_PERMITS).min(u32::MAX as usize),
        })
    }
}

/// Serves `app` on `listener` until `shutdown` completes, then lets open connections finish
/// (at most [`SHUTDOWN_GRACE`]).
pub async fn run(
    listener: TcpListener,
    app: Router,
    limits: Limits,
    shutdown: impl Future<Output = ()>,
) {
    let slots = Arc::new(Semaphore::new(limits.max_connections));
    let (stop, stopping) = watch::channel(false);
    let mut shutdown = pin!(shutdown);
    loop {
        let slot = tokio::select! {
            biased;
            () = &mut shutdown => break,
            slot = slots.clone().acquire_owned() => match slot {
                Ok(slot) => slot,
                Err(_) => break, // closed: never, the loop owns it
            },
        };
        let (stream, peer) = tokio::select! {
            biased;
            () = &mut shutdown => break,
            accepted = accept(&listener) => accepted,
        };
        tokio::spawn(connection(
            stream,
            peer,
            app.clone(),
            limits.header_read_timeout,
            stopping.clone(),
            slot,
        ));
    }
    drop(listener);
    let _ = stop.send(true);
    // Every slot back means every connection has ended.
    let all = u32::try_from(limits.max_connections).unwrap_or(u32::MAX);
    if tokio::time::timeout(SHUTDOWN_GRACE, slots.acquire_many(all))
        .await
        .is_err()
    {
        tracing::warn!("conexiones aún abiertas al terminar: se cierran");
    }
}

/// The next connection. Errors that concern one connection (reset before it was accepted) are
/// skipped; others, such as running out of descriptors (EMFILE), are waited out with a growing
/// pause instead of retried at once in a busy loop.
async fn accept(listener: &TcpListener) -> (TcpStream, SocketAddr) {
    let mut pause = FIRST_PAUSE;
    loop {
        match listener.accept().await {
            Ok(accepted) => return accepted,
            Err(e) if per_connection(&e) => continue,
            Err(e) => {
                tracing::warn!("no se pudo aceptar una conexión ({e}); nuevo intento en {pause:?}");
                tokio::time::sleep(pause).await;
                pause = (pause * 2).min(LONGEST_PAUSE);
            }
        }
    }
}

fn per_connection(e: &std::io::Error) -> bool {
    use std::io::ErrorKind::{ConnectionAborted, ConnectionRefused, ConnectionReset};
    matches!(
        e.kind(),
        ConnectionAborted | ConnectionRefused | ConnectionReset
    )
}

/// Serves one connection until it ends, or until shutdown (then its current request finishes).
async fn connection(
    stream: TcpStream,
    peer: SocketAddr,
    app: Router,
    header_read_timeout: Duration,
    mut stopping: watch::Receiver<bool>,
    _slot: OwnedSemaphorePermit,
) {
    let _ = stream.set_nodelay(true);
    let service = hyper::service::service_fn(move |mut req: hyper::Request<Incoming>| {
        req.extensions_mut().insert(ConnectInfo(peer));
        app.clone().oneshot(req)
    });
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(header_read_timeout);
    let mut conn = pin!(builder.serve_connection(TokioIo::new(stream), service));
    let ended = tokio::select! {
        ended = conn.as_mut() => ended,
        () = async {
            let _ = stopping.wait_for(|stop| *stop).await;
        } => {
            conn.as_mut().graceful_shutdown();
            conn.await
        }
    };
    if let Err(e) = ended {
        tracing::debug!("conexión de {peer} terminada: {e}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_default_as_documented_and_refuse_zero() {
        let limits = Limits::of(&WebConfig::default()).expect("defaults");
        assert_eq!(limits.header_read_timeout, Duration::from_secs(30));
        assert_eq!(limits.max_connections, 512);
        // `mesa-sla init` documents the same defaults.
        let example = include_str!("../config_example.toml");
        assert!(example.contains("# header_read_timeout_secs = 30\n"));
        assert!(example.contains("# max_connections = 512\n"));
        let zero = WebConfig {
            max_connections: Some(0),
            ..WebConfig::default()
        };
        let err = Limits::of(&zero).expect_err("zero refused");
        assert_eq!(
            err.to_string(),
            "[web] max_connections debe ser mayor que 0"
        );
        let zero = WebConfig {
            header_read_timeout_secs: Some(0),
            ..WebConfig::default()
        };
        assert!(Limits::of(&zero).is_err());
    }
}
