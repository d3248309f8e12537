//! The server loop and the request guard under hostile clients, on loopback: bounded `/metrics`
//! labels, slow header senders cut off, the connection cap, graceful shutdown, failed log-ins
//! limited, and axum's rejections answered in Spanish.

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use mesa_sla::indicators::Definitions;
use mesa_sla::store::Store;
use mesa_sla::web::auth::{WebUser, hash_password};
use mesa_sla::web::{AppState, NO_ROUTE, WebConfig};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::http::{Response, send, send_authorized, send_from};
use crate::report::hand_engine;
use crate::web::spawn_app;

const VIEWER: &str = "token-de-lectura-de-prueba";
const INGEST: &str = "token-de-carga-de-prueba";

/// The `mesa_sla_http_requests_total` lines of a `/metrics` text.
fn request_lines(metrics: &str) -> Vec<&str> {
    metrics
        .lines()
        .filter(|l| l.starts_with("mesa_sla_http_requests_total{"))
        .collect()
}

async fn scrape(addr: &str) -> String {
    let r = send(addr, "GET", "/metrics", Some(VIEWER), None).await;
    assert_eq!(r.status, 200);
    r.text()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_labels_stay_bounded_whatever_the_paths() {
    let app = spawn_app(WebConfig {
        viewer_tokens: vec![VIEWER.into()],
        ..WebConfig::default()
    })
    .await;
    // Long, never repeated paths: unmatched ones, and ones that match a route template.
    let paths = |i: usize| {
        let tail = format!("{i}-{}", "x".repeat(300));
        [
            format!("/{tail}"),
            format!("/api/v1/{tail}"),
            format!("/api/v1/tickets/glpi/{tail}"),
            format!("/api/v1/tickets/{tail}/{i}/events"),
            format!("/casos/{tail}/{i}"),
            format!("/static/{tail}"),
            format!("/graficos/{tail}.svg"),
        ]
    };
    let batch = |from: usize, to: usize| {
        let addr = app.addr.clone();
        async move {
            for i in from..to {
                for path in paths(i) {
                    // Authenticated (404s, 405s) and not (401s before any handler runs).
                    send(&addr, "GET", &path, Some(VIEWER), None).await;
                    let r = send(&addr, "GET", &path, None, None).await;
                    assert_eq!(r.status, 401, "{path}");
                }
            }
        }
    };
    batch(0, 2).await;
    let before = scrape(&app.addr).await;
    batch(2, 40).await;
    let after = scrape(&app.addr).await;
    let (lines_before, lines_after) = (request_lines(&before), request_lines(&after));
    assert!(!lines_before.is_empty(), "{before}");
    // The /metrics label itself appears with the first scrape: count without it.
    let without_metrics = |lines: &[&str]| {
        lines
            .iter()
            .filter(|l| !l.contains("route=\"/metrics\""))
            .count()
    };
    assert_eq!(
        without_metrics(&lines_before),
        without_metrics(&lines_after),
        "{after}"
    );
    assert!(
        !after.contains("xxxxxxxx"),
        "a path became a label: {after}"
    );
    // Unmatched requests share one label and are still counted: 2 unmatched paths per round,
    // 40 rounds, authenticated (404) and not (401).
    for status in [404, 401] {
        let line =
            format!("mesa_sla_http_requests_total{{route=\"{NO_ROUTE}\",status=\"{status}\"}} 80");
        assert!(after.contains(&line), "{line}\n{after}");
    }
    assert!(after.contains(
        "mesa_sla_http_requests_total{route=\"/api/v1/tickets/{source}/{id}/events\",status=\"405\"} 40"
    ), "{after}");
    assert!(
        after.contains("mesa_sla_http_requests_total{route=\"/static/{file}\",status=\"401\"} 40"),
        "{after}"
    );
}

/// A client that opens a request and sends one more header line every 200 ms without ever
/// finishing it. Returns how long the server kept the connection open (`None`: still open
/// after `give_up`).
async fn slow_client(addr: String, give_up: Duration) -> Option<Duration> {
    let mut stream = TcpStream::connect(&addr).await.ok()?;
    let started = Instant::now();
    if stream
        .write_all(format!("GET / HTTP/1.1\r\nHost: {addr}\r\n").as_bytes())
        .await
        .is_err()
    {
        return Some(started.elapsed());
    }
    let mut buf = [0u8; 1024];
    loop {
        tokio::select! {
            read = stream.read(&mut buf) => match read {
                Ok(0) | Err(_) => return Some(started.elapsed()),
                Ok(_) => {} // a 408 before the close
            },
            () = tokio::time::sleep(Duration::from_millis(200)) => {
                if started.elapsed() > give_up {
                    return None;
                }
                if stream.write_all(b"X-Lento: 1\r\n").await.is_err() {
                    return Some(started.elapsed());
                }
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_header_senders_are_cut_off_while_others_are_served() {
    let app = spawn_app(WebConfig {
        header_read_timeout_secs: Some(1),
        ..WebConfig::default()
    })
    .await;
    let give_up = Duration::from_secs(20);
    let slow: Vec<_> = (0..50)
        .map(|_| tokio::spawn(slow_client(app.addr.clone(), give_up)))
        .collect();
    // Meanwhile a normal request is answered.
    let health = send(&app.addr, "GET", "/healthz", None, None).await;
    assert_eq!((health.status, health.text().as_str()), (200, "ok"));
    let mut open = 0;
    let mut longest = Duration::ZERO;
    for client in slow {
        match client.await.expect("client task") {
            Some(held) => longest = longest.max(held),
            None => open += 1,
        }
    }
    assert_eq!(open, 0, "connections still open after {give_up:?}");
    // Each was closed at its timeout (1 s), whatever it kept sending; generous for a busy
    // machine, far below the 20 s the clients would keep trickling.
    assert!(longest < Duration::from_secs(10), "{longest:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_beyond_the_cap_wait_and_are_served_once_others_close() {
    let app = spawn_app(WebConfig {
        max_connections: Some(3),
        ..WebConfig::default()
    })
    .await;
    // Three connections hold every slot (the header timeout is the default 30 s).
    let mut held = Vec::new();
    for _ in 0..3 {
        let mut s = TcpStream::connect(&app.addr).await.expect("connects");
        s.write_all(b"GET / HTTP/1.1\r\n").await.expect("writes");
        held.push(s);
    }
    let addr = app.addr.clone();
    let mut health = tokio::spawn(async move { send(&addr, "GET", "/healthz", None, None).await });
    // Connected (the kernel queues it) but not served while the slots are held.
    let waited = tokio::time::timeout(Duration::from_secs(1), &mut health).await;
    assert!(waited.is_err(), "answered beyond the cap");
    // Two clients leave: the waiting one is served.
    held.truncate(1);
    let r = tokio::time::timeout(Duration::from_secs(20), health)
        .await
        .expect("served once slots are free")
        .expect("task");
    assert_eq!((r.status, r.text().as_str()), (200, "ok"));
    // And the server goes on serving new clients.
    assert_eq!(
        send(&app.addr, "GET", "/healthz", None, None).await.status,
        200
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_stops_accepting_and_closes_idle_connections() {
    let store = Store::open_in_memory().expect("store");
    let state = AppState::new(
        store,
        hand_engine(),
        Definitions::builtin(),
        WebConfig::default(),
        None,
    )
    .expect("state");
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let (tx, rx) = tokio::sync::oneshot::channel::<SocketAddr>();
    let server = tokio::spawn(mesa_sla::web::serve_until(
        Arc::new(state),
        "127.0.0.1:0".parse().expect("addr"),
        move |local| {
            let _ = tx.send(local);
        },
        async {
            let _ = stopped.await;
        },
    ));
    let addr = rx.await.expect("started").to_string();
    assert_eq!(send(&addr, "GET", "/healthz", None, None).await.status, 200);
    let idle = TcpStream::connect(&addr).await.expect("connects");
    stop.send(()).expect("server waiting");
    tokio::time::timeout(Duration::from_secs(20), server)
        .await
        .expect("the server ends")
        .expect("task")
        .expect("clean end");
    assert!(TcpStream::connect(&addr).await.is_err(), "still accepting");
    drop(idle);
}

fn basic(user_password: &str) -> String {
    format!("Basic {}", BASE64.encode(user_password))
}

/// Whether the body is the JSON error with this Spanish text.
fn spanish_json(r: &Response, text: &str) -> bool {
    r.json()["error"].as_str().is_some_and(|e| e.contains(text))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_passwords_are_limited_per_client_and_the_right_user_still_gets_in() {
    let app = spawn_app(WebConfig {
        users: vec![WebUser {
            name: "calidad".into(),
            password_hash: hash_password("clave-de-calidad").expect("hash"),
        }],
        ..WebConfig::default()
    })
    .await;
    let guesser = Ipv4Addr::new(127, 0, 0, 5);
    let wrong = basic("calidad:otra-clave");
    // The limit: 10 failures per address (src/web/auth.rs); then 429 without checking.
    for attempt in 1..=10 {
        let r = send_from(
            guesser,
            &app.addr,
            "GET",
            "/api/v1/openapi.json",
            Some(&wrong),
        )
        .await;
        assert_eq!(r.status, 401, "attempt {attempt}");
    }
    let r = send_from(
        guesser,
        &app.addr,
        "GET",
        "/api/v1/openapi.json",
        Some(&wrong),
    )
    .await;
    assert_eq!(r.status, 429, "{}", r.text());
    assert!(
        spanish_json(&r, "demasiados intentos fallidos"),
        "{}",
        r.text()
    );
    let retry: u64 = r
        .header("retry-after")
        .and_then(|v| v.parse().ok())
        .expect("Retry-After in seconds");
    assert!((1..=300).contains(&retry), "{retry}");
    // The right user from another address gets in (scheme in lower case, RFC 7235).
    let right = basic("calidad:clave-de-calidad");
    let lower = right.replacen("Basic", "basic", 1);
    let r = send_from(
        Ipv4Addr::new(127, 0, 0, 6),
        &app.addr,
        "GET",
        "/api/v1/openapi.json",
        Some(&lower),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text());
    // The guessing address stays limited for anything but that verified header, which is
    // remembered (as before) and accepted without a new argon2 run.
    let r = send_from(
        guesser,
        &app.addr,
        "GET",
        "/api/v1/openapi.json",
        Some(&wrong),
    )
    .await;
    assert_eq!(r.status, 429);
    let r = send_from(
        guesser,
        &app.addr,
        "GET",
        "/api/v1/openapi.json",
        Some(&right),
    )
    .await;
    assert_eq!(r.status, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn auth_schemes_are_case_insensitive() {
    let app = spawn_app(WebConfig {
        viewer_tokens: vec![VIEWER.into()],
        users: vec![WebUser {
            name: "calidad".into(),
            password_hash: hash_password("clave-de-calidad").expect("hash"),
        }],
        ..WebConfig::default()
    })
    .await;
    let target = "/api/v1/openapi.json";
    for scheme in ["Bearer", "bearer", "BEARER"] {
        let r = send_authorized(
            &app.addr,
            "GET",
            target,
            Some(&format!("{scheme} {VIEWER}")),
            None,
        )
        .await;
        assert_eq!(r.status, 200, "{scheme}");
    }
    let pair = BASE64.encode("calidad:clave-de-calidad");
    for scheme in ["Basic", "basic", "BASIC"] {
        let r = send_authorized(
            &app.addr,
            "GET",
            target,
            Some(&format!("{scheme} {pair}")),
            None,
        )
        .await;
        assert_eq!(r.status, 200, "{scheme}");
    }
    let r = send_authorized(
        &app.addr,
        "GET",
        target,
        Some(&format!("Bearer{VIEWER}")),
        None,
    )
    .await;
    assert_eq!(r.status, 401, "no space: not the Bearer scheme");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn framework_rejections_are_spanish_errors() {
    let app = spawn_app(WebConfig {
        ingest_tokens: vec![INGEST.into()],
        ..WebConfig::default()
    })
    .await;
    let get = |target: &'static str| send(&app.addr, "GET", target, None, None);
    let english = ["Failed", "Invalid", "deserialize", "length limit"];
    let no_english = |r: &Response| {
        let body = r.text();
        assert!(!english.iter().any(|e| body.contains(e)), "{body}");
    };

    // A query value of the wrong type: JSON for the API, the error page for the pages.
    let r = get("/api/v1/breaches?limit=diez").await;
    assert_eq!(r.status, 400);
    assert!(spanish_json(&r, "el parámetro «limit»"), "{}", r.text());
    no_english(&r);
    let r = get("/?limit=diez").await;
    assert_eq!(r.status, 400);
    assert!(r.text().contains("Solicitud no válida") && r.text().contains("«limit»"));
    no_english(&r);

    // A path segment that is not UTF-8 once decoded.
    let r = get("/api/v1/tickets/%FF/1").await;
    assert_eq!(r.status, 400);
    assert!(spanish_json(&r, "no es texto UTF-8 válido"), "{}", r.text());
    no_english(&r);
    let r = get("/casos/%FF/1").await;
    assert_eq!(r.status, 400);
    assert!(
        r.text().contains("no es texto UTF-8 válido"),
        "{}",
        r.text()
    );
    no_english(&r);

    // A body over the 10 MB limit.
    let big = vec![b' '; 11 * 1024 * 1024];
    let r = send(
        &app.addr,
        "POST",
        "/api/v1/tickets",
        Some(INGEST),
        Some(&big),
    )
    .await;
    assert_eq!(r.status, 413);
    assert!(
        spanish_json(&r, "supera el límite de 10 MB"),
        "{}",
        r.text()
    );

    // A method the route does not take.
    let r = send(&app.addr, "POST", "/healthz", Some(INGEST), Some(b"{}")).await;
    assert_eq!(r.status, 405);
    assert!(
        spanish_json(&r, "el método POST no está permitido"),
        "{}",
        r.text()
    );
}
