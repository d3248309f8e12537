//! E-mail alerts end to end against a real SMTP server process on loopback (Python's aiosmtpd,
//! `tests/fixtures/alerts/smtp_sink.py`): exactly one message per threshold crossed; with the
//! server stopped the alerts pile up with their failed attempts recorded; after restarting the
//! store and the server each pending alert arrives once. Also: tickets no route covers, quiet
//! hours, the daily digest, and configuration errors.

use std::collections::{BTreeSet, HashMap};
use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use chrono::NaiveDateTime;
use mesa_sla::alerts::{self, AlertsError, DecideSummary, DeliverySummary};
use mesa_sla::config::Config;
use mesa_sla::evaluation::{evaluate_open, evaluate_store};
use mesa_sla::ingest;
use mesa_sla::store::Store;

use crate::helpers::{fixtures, require_program};

fn dir() -> PathBuf {
    fixtures().join("alerts")
}

fn at(text: &str) -> NaiveDateTime {
    ingest::parse_datetime(text).expect("valid instant")
}

/// The `alerts` job as the application wires it from a whole configuration: its engine,
/// `[alerts]`, `[smtp]` and the GLPI base URL.
fn run_alerts(
    store: &mut Store,
    cfg: &Config,
    as_of: NaiveDateTime,
) -> Result<alerts::AlertRunSummary, AlertsError> {
    let engine = cfg.engine().expect("engine");
    let base = cfg.glpi_base_url.as_deref();
    alerts::run(store, &engine, &cfg.alerts, &cfg.smtp, base, as_of)
}

/// [`run_alerts`]'s decision half.
fn decide_alerts(
    store: &mut Store,
    cfg: &Config,
    as_of: NaiveDateTime,
) -> Result<DecideSummary, AlertsError> {
    let engine = cfg.engine().expect("engine");
    let base = cfg.glpi_base_url.as_deref();
    alerts::decide(store, &engine, &cfg.alerts, &cfg.smtp, base, as_of)
}

/// [`run_alerts`]'s delivery half.
fn deliver_alerts(
    store: &mut Store,
    cfg: &Config,
    now: NaiveDateTime,
) -> Result<DeliverySummary, AlertsError> {
    let engine = cfg.engine().expect("engine");
    alerts::deliver(store, &engine, &cfg.alerts, &cfg.smtp, now)
}

/// Whether aiosmtpd can be imported (missing: a failure under CI, a skip elsewhere).
fn smtp_server_available() -> bool {
    let ok = Command::new("python3")
        .args(["-c", "import aiosmtpd"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    require_program(
        ok.then_some(()),
        "la prueba de alertas",
        "un servidor SMTP real, aiosmtpd de Python",
        "python3 -m pip install aiosmtpd",
    )
    .is_some()
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free loopback port")
        .port()
}

/// The SMTP server process; killed when dropped.
struct SmtpSink {
    child: Child,
}

impl SmtpSink {
    /// Starts the server and waits until it says it accepts connections.
    fn start(port: u16, inbox: &Path) -> SmtpSink {
        let mut child = Command::new("python3")
            .arg(dir().join("smtp_sink.py"))
            .arg(port.to_string())
            .arg(inbox)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("python3 starts");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut line)
            .expect("server output");
        assert_eq!(line.trim(), "listo", "the SMTP server did not start");
        SmtpSink { child }
    }

    fn stop(mut self) {
        self.child.kill().expect("kill the SMTP server");
        self.child.wait().expect("SMTP server exits");
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A message the server accepted.
#[derive(Debug, Clone)]
struct Received {
    rcpt: Vec<String>,
    from: String,
    subject: String,
    message_id: String,
    content_type: String,
    text: String,
    html: String,
}

impl Received {
    /// (ticket, metric, state) read back from the subject, e.g. "[ANS] En riesgo: atención del
    /// caso 101 — …" → ("101", "atención", "En riesgo").
    fn key(&self) -> (String, String, String) {
        let rest = self.subject.strip_prefix("[ANS] ").expect("subject prefix");
        let (state, rest) = rest.split_once(": ").expect("state");
        let (metric, rest) = rest.split_once(" del caso ").expect("metric");
        let ticket = rest.split(' ').next().expect("ticket");
        (ticket.to_owned(), metric.to_owned(), state.to_owned())
    }
}

fn inbox(dir: &Path) -> Vec<Received> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("inbox")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    files
        .iter()
        .map(|p| {
            let v: serde_json::Value =
                serde_json::from_str(&std::fs::read_to_string(p).expect("read")).expect("json");
            let s = |k: &str| v[k].as_str().unwrap_or_default().to_owned();
            let mut rcpt: Vec<String> = v["rcpt_to"]
                .as_array()
                .expect("recipients")
                .iter()
                .map(|r| r.as_str().expect("address").to_owned())
                .collect();
            rcpt.sort();
            Received {
                rcpt,
                from: s("from"),
                subject: s("subject"),
                message_id: s("message_id"),
                content_type: s("content_type"),
                text: s("text"),
                html: s("html"),
            }
        })
        .collect()
}

type Key = (String, String, String, Vec<String>);

fn keys(messages: &[Received]) -> BTreeSet<Key> {
    let set: BTreeSet<Key> = messages
        .iter()
        .map(|m| {
            let (t, metric, state) = m.key();
            (t, metric, state, m.rcpt.clone())
        })
        .collect();
    assert_eq!(set.len(), messages.len(), "a crossing was mailed twice");
    set
}

fn key(ticket: &str, metric: &str, state: &str, rcpt: &[&str]) -> Key {
    let mut rcpt: Vec<String> = rcpt.iter().map(|r| (*r).to_owned()).collect();
    rcpt.sort();
    (ticket.into(), metric.into(), state.into(), rcpt)
}

const MESA: &str = "mesa@entidad.gov.co";
const DIRECTOR: &str = "director.tic@entidad.gov.co";
const REDES: &str = "redes@entidad.gov.co";

fn config(port: u16, extra_alerts: &str) -> Config {
    Config::parse(&config_text(port, extra_alerts), "prueba").expect("test config")
}

fn config_text(port: u16, extra_alerts: &str) -> String {
    format!(
        r#"
glpi_base_url = "https://glpi.example/"

[smtp]
host = "127.0.0.1"
port = {port}
security = "none"
from = "ANS Mesa de Servicios <ans@entidad.gov.co>"
timeout_secs = 10

[[policy.rule]]
name = "General"
attention = "2h"
solution = "8h"

[alerts]
warn_at = 0.75
{extra_alerts}

[[alerts.route]]
name = "Redes"
group = ["Redes"]
to = ["{REDES}"]

[[alerts.route]]
group = []
priority = []
to = ["{MESA}"]
escalate_to = ["Director TIC <{DIRECTOR}>"]
"#
    )
}

fn load(store: &mut Store) {
    crate::helpers::load_canonical(store, &dir());
}

fn count(store: &Store, sql: &str) -> i64 {
    store
        .sql_for_tests()
        .query_row(sql, [], |r| r.get(0))
        .expect("count query")
}

#[test]
fn one_message_per_crossing_and_nothing_lost_in_an_outage() {
    if !smtp_server_available() {
        return;
    }
    let tmp = tempfile::tempdir().expect("tempdir");
    let db = tmp.path().join("alertas.duckdb");
    let mail = tmp.path().join("buzon");
    std::fs::create_dir(&mail).expect("inbox dir");
    let port = free_port();
    let cfg = config(port, "");
    let mut store = Store::open(&db).expect("store");
    load(&mut store);
    let server = SmtpSink::start(port, &mail);

    // T1, 09:45: 101 and 105 at 87 % of their attention target; 103, a week old, past both
    // targets at first sight (one breach alert per metric, no catch-up "at risk"); 106 paused
    // past 75 % of its solution target. 102's attention and 104 are finished: nothing.
    let s = run_alerts(&mut store, &cfg, at("2025-07-08 09:45:00")).expect("run T1");
    assert_eq!(s.to_string(), "5 alertas nuevas, 5 enviadas, 0 pendientes");
    let t1 = inbox(&mail);
    assert_eq!(
        keys(&t1),
        BTreeSet::from([
            key("101", "atención", "En riesgo", &[MESA]),
            key("103", "atención", "Incumplido", &[MESA, DIRECTOR]),
            key("103", "solución", "Incumplido", &[MESA, DIRECTOR]),
            key("105", "atención", "En riesgo", &[REDES]),
            key("106", "solución", "En riesgo", &[MESA]),
        ])
    );
    let m101 = t1.iter().find(|m| m.key().0 == "101").expect("101 mailed");
    assert_eq!(m101.content_type, "multipart/alternative");
    assert!(m101.from.contains("ans@entidad.gov.co"), "{}", m101.from);
    assert_eq!(
        m101.subject,
        "[ANS] En riesgo: atención del caso 101 — Impresora <HP> & tóner"
    );
    for needle in [
        "El caso 101 alcanzó el 87 % de su meta de atención",
        "Título: Impresora <HP> & tóner",
        "Entidad: Prueba",
        "Métrica: Atención",
        "Tiempo transcurrido: 1,75 h hábiles de una meta de 2 h (87 %)",
        "Vencimiento: 2025-07-08 10:00 (hora local)",
        "https://glpi.example/front/ticket.form.php?id=101",
    ] {
        assert!(
            m101.text.contains(needle),
            "{needle} missing in:\n{}",
            m101.text
        );
    }
    assert!(m101.html.contains("Impresora &lt;HP&gt; &amp; tóner"));
    assert!(!m101.html.contains("<HP>"));
    assert!(
        m101.html
            .contains("href=\"https://glpi.example/front/ticket.form.php?id=101\"")
    );
    let m106 = t1.iter().find(|m| m.key().0 == "106").expect("106 mailed");
    assert!(m106.text.contains("Vencimiento: en pausa"), "{}", m106.text);

    // The same instant again: nothing new.
    let s = run_alerts(&mut store, &cfg, at("2025-07-08 09:45:00")).expect("run T1 again");
    assert_eq!(s.to_string(), "0 alertas nuevas, 0 enviadas, 0 pendientes");
    assert_eq!(inbox(&mail).len(), 5);

    // T2, 10:30: attention of 101 and 105 breached; escalation on the general route only.
    let s = run_alerts(&mut store, &cfg, at("2025-07-08 10:30:00")).expect("run T2");
    assert_eq!(s.decided.new_alerts, 2);
    assert_eq!(s.delivery.sent, 2);
    let t2 = inbox(&mail);
    let new: BTreeSet<Key> = keys(&t2).difference(&keys(&t1)).cloned().collect();
    assert_eq!(
        new,
        BTreeSet::from([
            key("101", "atención", "Incumplido", &[MESA, DIRECTOR]),
            key("105", "atención", "Incumplido", &[REDES]),
        ])
    );

    // The server goes away. T3, 14:30: solution of 101, 102 and 105 at risk: decided, not sent,
    // each attempt recorded; one unreachable server is not tried once per alert.
    server.stop();
    let s = run_alerts(&mut store, &cfg, at("2025-07-08 14:30:00")).expect("run T3");
    assert_eq!(
        (s.decided.new_alerts, s.delivery),
        (
            3,
            DeliverySummary {
                sent: 0,
                failed: 3,
                held: 0,
                pending: 3
            }
        )
    );
    assert_eq!(
        s.to_string(),
        "3 alertas nuevas, 0 enviadas, 3 pendientes, 3 intentos fallidos"
    );
    assert_eq!(
        count(
            &store,
            "SELECT count(*) FROM alerts_attempts WHERE outcome = 'failed' \
             AND error LIKE '%127.0.0.1%'"
        ),
        3
    );
    // One minute later the first back-off (60 s) has passed: a second attempt each, which
    // doubles the wait; a run in between does not try again.
    let s = run_alerts(&mut store, &cfg, at("2025-07-08 14:31:00")).expect("retry");
    assert_eq!((s.delivery.failed, s.delivery.pending), (3, 3));
    let s = run_alerts(&mut store, &cfg, at("2025-07-08 14:32:00")).expect("backing off");
    assert_eq!((s.delivery.failed, s.delivery.pending), (0, 3));
    assert_eq!(
        count(
            &store,
            "SELECT count(*) FROM alerts_outbox WHERE status = 'pending' AND attempts = 2 \
             AND next_attempt_at = TIMESTAMP '2025-07-08 14:33:00'"
        ),
        3
    );
    assert_eq!(inbox(&mail).len(), 7);

    // Restart: a new process opens the store; the server is back.
    drop(store);
    let mut store = Store::open(&db).expect("store reopens");
    let server = SmtpSink::start(port, &mail);
    let s = run_alerts(&mut store, &cfg, at("2025-07-08 14:40:00")).expect("after restart");
    assert_eq!(s.to_string(), "0 alertas nuevas, 3 enviadas, 0 pendientes");
    let t3 = inbox(&mail);
    let new: BTreeSet<Key> = keys(&t3).difference(&keys(&t2)).cloned().collect();
    assert_eq!(
        new,
        BTreeSet::from([
            key("101", "solución", "En riesgo", &[MESA]),
            key("102", "solución", "En riesgo", &[MESA]),
            key("105", "solución", "En riesgo", &[REDES]),
        ])
    );
    // And never again.
    let s = run_alerts(&mut store, &cfg, at("2025-07-08 14:45:00")).expect("later");
    assert_eq!(s.to_string(), "0 alertas nuevas, 0 enviadas, 0 pendientes");
    server.stop();
    let all = inbox(&mail);
    assert_eq!(all.len(), 10);
    keys(&all);
    // Finished clocks never alerted.
    assert!(!all.iter().any(|m| {
        let (t, metric, _) = m.key();
        t == "104" || (t == "102" && metric == "atención") || (t == "106" && metric == "atención")
    }));
    let ids: BTreeSet<&str> = all.iter().map(|m| m.message_id.as_str()).collect();
    assert_eq!(ids.len(), 10, "each message has its own Message-ID");

    // The store tells the whole story: every row sent, the late ones after two failures.
    assert_eq!(
        count(
            &store,
            "SELECT count(*) FROM alerts_outbox WHERE status = 'sent'"
        ),
        10
    );
    assert_eq!(
        count(
            &store,
            "SELECT count(*) FROM (SELECT outbox_id, string_agg(outcome, ',' ORDER BY attempt) AS o \
             FROM alerts_attempts GROUP BY outbox_id) WHERE o = 'failed,failed,sent'"
        ),
        3
    );
    assert_eq!(count(&store, "SELECT count(*) FROM alerts_attempts"), 7 + 9);
    // 103 was decided at both levels at once, covered by its single breach alert.
    assert_eq!(
        count(
            &store,
            "SELECT count(DISTINCT outbox_id) FROM alerts_decided \
             WHERE ticket_id = '103' AND metric = 'solution' AND level IN (1, 2)"
        ),
        1
    );
    assert_eq!(
        count(
            &store,
            "SELECT count(*) FROM alerts_decided WHERE ticket_id = '103'"
        ),
        4
    );
}

/// The scheduler's job through the binary: `run-job alerts --as-of` decides and delivers in
/// one run, records the run, and a second run at the same instant sends nothing.
#[test]
fn run_job_alerts_decides_and_delivers_through_the_binary() {
    if !smtp_server_available() {
        return;
    }
    let tmp = tempfile::tempdir().expect("tempdir");
    let mail = tmp.path().join("buzon");
    std::fs::create_dir(&mail).expect("inbox dir");
    let port = free_port();
    let cfg = tmp.path().join("mesa-sla.toml");
    std::fs::write(&cfg, config_text(port, "")).expect("config written");
    let run = |args: &[&str]| {
        let o = Command::new(env!("CARGO_BIN_EXE_mesa-sla"))
            .current_dir(tmp.path())
            .args(["--db", "s.duckdb", "--config", "mesa-sla.toml"])
            .args(args)
            .output()
            .expect("binary runs");
        let out = String::from_utf8_lossy(&o.stdout).into_owned();
        let err = String::from_utf8_lossy(&o.stderr).into_owned();
        assert!(o.status.success(), "{args:?}: {out}{err}");
        out
    };
    let tickets = dir().join("tickets.csv");
    let events = dir().join("events.csv");
    run(&[
        "ingest",
        "canonical",
        tickets.to_str().expect("utf-8 path"),
        events.to_str().expect("utf-8 path"),
    ]);
    let _server = SmtpSink::start(port, &mail);
    let out = run(&["run-job", "alerts", "--as-of", "2025-07-08 09:45:00"]);
    assert!(out.contains("5 alertas nuevas, 5 enviadas"), "{out}");
    assert_eq!(inbox(&mail).len(), 5);
    let out = run(&["run-job", "alerts", "--as-of", "2025-07-08 09:45:00"]);
    assert!(out.contains("0 alertas nuevas"), "{out}");
    assert_eq!(inbox(&mail).len(), 5, "nothing is sent twice");
    let store = Store::open(&tmp.path().join("s.duckdb")).expect("store");
    assert_eq!(
        count(
            &store,
            "SELECT count(*) FROM job_runs WHERE job = 'alerts' AND outcome = 'ok' \
             AND trigger = 'manual'"
        ),
        2
    );
    assert_eq!(count(&store, "SELECT count(*) FROM alerts_outbox"), 5);
}

#[test]
fn unrouted_alerts_quiet_hours_and_the_daily_digest() {
    // No server at all: nothing here may reach one before the last step.
    let port = free_port();
    let text = format!(
        r#"
[smtp]
host = "127.0.0.1"
port = {port}
from = "ans@entidad.gov.co"
timeout_secs = 5

[[policy.rule]]
attention = "2h"
solution = "8h"

[alerts]
quiet_outside_business_hours = true
daily_digest = "08:00"

[[alerts.route]]
group = ["Redes"]
to = ["{REDES}"]
escalate_to = ["{DIRECTOR}"]
"#
    );
    let cfg = Config::parse(&text, "prueba").expect("config");
    let mut store = Store::open_in_memory().expect("store");
    load(&mut store);

    // Only 105 (group Redes) has a route: the other four alerts are recorded without recipient,
    // not lost and not sent. One digest for the one recipient with something to read.
    let d = decide_alerts(&mut store, &cfg, at("2025-07-08 09:45:00")).expect("decide");
    assert_eq!(
        d,
        DecideSummary {
            new_alerts: 1,
            no_recipient: 4,
            digests: 1
        }
    );
    assert_eq!(
        count(
            &store,
            "SELECT count(*) FROM alerts_outbox WHERE status = 'no_recipient' AND recipients = ''"
        ),
        4
    );
    let digest: (String, String) = store
        .sql_for_tests()
        .query_row(
            "SELECT recipients, body_text FROM alerts_outbox WHERE kind = 'digest'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .expect("digest row");
    assert_eq!(digest.0, REDES);
    assert!(digest.1.contains("Caso 105"), "{}", digest.1);
    assert!(!digest.1.contains("Caso 101"), "{}", digest.1);
    // Later the same day: no second digest, no new alert.
    let d = decide_alerts(&mut store, &cfg, at("2025-07-08 09:50:00")).expect("decide");
    assert_eq!(d, DecideSummary::default());

    // 19:00 is outside business hours: both held, no attempt, no connection.
    let s = deliver_alerts(&mut store, &cfg, at("2025-07-08 19:00:00")).expect("deliver");
    assert_eq!(
        s,
        DeliverySummary {
            sent: 0,
            failed: 0,
            held: 2,
            pending: 2
        }
    );
    assert_eq!(count(&store, "SELECT count(*) FROM alerts_attempts"), 0);

    // A password is required once a username is set; without it nothing is attempted.
    let with_user = Config::parse(
        &text.replace(
            "timeout_secs = 5",
            "timeout_secs = 5\nusername = \"ans\"\npassword_env = \"MESA_SLA_PRUEBA_CLAVE_INEXISTENTE\"",
        ),
        "prueba",
    )
    .expect("config");
    let err =
        deliver_alerts(&mut store, &with_user, at("2025-07-09 08:30:00")).expect_err("no password");
    assert!(matches!(err, AlertsError::MissingPassword { .. }), "{err}");
    assert!(
        err.to_string()
            .contains("MESA_SLA_PRUEBA_CLAVE_INEXISTENTE"),
        "{err}"
    );
    assert_eq!(count(&store, "SELECT count(*) FROM alerts_attempts"), 0);

    // Next morning the desk is open but nothing listens on the port: both attempts recorded
    // as failed, still pending; unrouted alerts are never attempted.
    let s = deliver_alerts(&mut store, &cfg, at("2025-07-09 08:30:00")).expect("deliver");
    assert_eq!((s.sent, s.failed, s.held, s.pending), (0, 2, 0, 2));
    assert_eq!(
        count(
            &store,
            "SELECT count(*) FROM alerts_attempts a JOIN alerts_outbox o ON o.id = a.outbox_id \
             WHERE o.status = 'no_recipient'"
        ),
        0
    );
}

#[test]
fn without_an_smtp_server_configured_alerts_wait() {
    let cfg = Config::parse(
        "[[policy.rule]]\nattention = \"2h\"\n[[alerts.route]]\nto = [\"mesa@entidad.gov.co\"]\n",
        "prueba",
    )
    .expect("config");
    let mut store = Store::open_in_memory().expect("store");
    load(&mut store);
    let err = run_alerts(&mut store, &cfg, at("2025-07-08 09:45:00")).expect_err("no server");
    assert!(
        matches!(err, AlertsError::NoServer { decided, pending: 3 } if decided.new_alerts == 3),
        "{err}"
    );
    assert!(err.to_string().contains("[smtp] host"), "{err}");
    // The delivery half alone says the same about what it cannot send.
    let err = deliver_alerts(&mut store, &cfg, at("2025-07-08 09:45:00")).expect_err("no server");
    assert!(matches!(err, AlertsError::NoSmtp { pending: 3 }), "{err}");
    // Decided all the same, and not decided twice.
    let d = decide_alerts(&mut store, &cfg, at("2025-07-08 09:45:00")).expect("decide");
    assert_eq!(d, DecideSummary::default());
    assert_eq!(
        count(
            &store,
            "SELECT count(*) FROM alerts_outbox WHERE status = 'pending'"
        ),
        3
    );
}

#[test]
fn bad_alert_settings_are_refused_at_load() {
    let err = Config::parse(
        "[[alerts.route]]\nto = [\"mesa@entidad.gov.co\", \"director(at)entidad.gov.co\"]\n",
        "alertas.toml",
    )
    .expect_err("bad address");
    assert!(
        err.to_string().contains("«director(at)entidad.gov.co»"),
        "{err}"
    );
    let err = Config::parse(
        "[smtp]\nhost = \"smtp.entidad.gov.co\"\nsecurity = \"ssl\"\nfrom = \"ANS <ans@entidad\"\n",
        "alertas.toml",
    )
    .expect_err("bad sender");
    assert!(err.to_string().contains("[smtp] from"), "{err}");
    let err = Config::parse("[alerts]\nwarn_at = 0\n", "alertas.toml").expect_err("bad threshold");
    assert!(err.to_string().contains("warn_at"), "{err}");
}

/// A clock of sla_results: (source, ticket, metric) → (business seconds, state, level, deadline).
type ClockKey = (String, String, String);
type StoredClock = (i64, String, i64, Option<NaiveDateTime>);

#[test]
fn open_tickets_evaluated_in_memory_match_the_stored_evaluation() {
    // Alerts read only the tickets that may be open at the instant; replaying past instants of
    // the samples (most tickets closed since) must find every running clock, with the same
    // numbers as the full evaluation into sla_results.
    let mut store = crate::helpers::sample_store();
    let engine = crate::helpers::sample_config().engine().expect("engine");
    for instant in [
        "2025-02-14 10:00:00",
        "2025-06-30 15:30:00",
        "2025-10-01 09:00:00",
        "2025-12-31 23:59:59",
    ] {
        let as_of = at(instant);
        evaluate_store(&mut store, &engine, as_of, as_of).expect("evaluates");
        let stored: HashMap<ClockKey, StoredClock> = store
            .sql_for_tests()
            .prepare(
                "SELECT source, ticket_id, metric, business_seconds, state, level, deadline \
                     FROM sla_results WHERE stopped_at IS NULL",
            )
            .expect("prepare")
            .query_map([], |r| {
                Ok((
                    (r.get(0)?, r.get(1)?, r.get(2)?),
                    (r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?),
                ))
            })
            .expect("query")
            .collect::<Result<_, _>>()
            .expect("rows");
        assert!(!stored.is_empty(), "{instant}: some clock runs");
        let open = evaluate_open(&store, &engine, as_of).expect("evaluates open");
        let mut running = 0;
        for t in &open {
            for m in t.measures.iter().filter(|m| m.stopped_at.is_none()) {
                running += 1;
                let k = (
                    t.source.clone(),
                    t.ticket_id.clone(),
                    m.metric.code().to_owned(),
                );
                let s = stored
                    .get(&k)
                    .unwrap_or_else(|| panic!("{instant}: {k:?} runs only in memory"));
                let deadline = m.deadline.map(|d| t.calendar.local_from_instant(d));
                assert_eq!(
                    (m.business, m.state.code(), i64::from(m.level), deadline),
                    (s.0, s.1.as_str(), s.2, s.3),
                    "{instant}: {k:?}"
                );
            }
        }
        assert_eq!(
            running,
            stored.len(),
            "{instant}: every running clock is read"
        );
        assert!(open.len() < 300, "{instant}: closed tickets are not read");
    }
}
