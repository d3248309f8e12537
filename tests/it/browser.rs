//! The dashboard in a real headless Chromium, driven over the W3C WebDriver protocol
//! (chromedriver): load the overview, pick a priority in the filter form (its script reloads
//! the page with the filter in the URL), assert on the rendered DOM, follow a tile to its list
//! of cases and fetch the list's download, and save screenshots under `target/`. Without
//! Chromium or chromedriver it fails under CI and is skipped elsewhere, saying why.

use std::process::{Child, Command, Stdio};

use serde_json::{Value, json};

use crate::helpers::{require_program, runs};
use crate::http::send;
use crate::web::spawn_app;
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use mesa_sla::web::WebConfig;

struct Driver {
    child: Child,
    addr: String,
    session: String,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Driver {
    async fn call(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let target = format!("/session/{}{path}", self.session);
        let bytes = body.map(|b| b.to_string().into_bytes());
        let r = send(&self.addr, method, &target, None, bytes.as_deref()).await;
        let v = r.json();
        assert!(
            r.status == 200,
            "WebDriver {method} {path}: {} {v}",
            r.status
        );
        v["value"].clone()
    }

    async fn find(&self, css: &str) -> String {
        let v = self
            .call(
                "POST",
                "/element",
                Some(json!({"using": "css selector", "value": css})),
            )
            .await;
        v.as_object()
            .and_then(|o| o.values().next())
            .and_then(Value::as_str)
            .unwrap_or_else(|| panic!("no element {css}: {v}"))
            .to_owned()
    }

    async fn text(&self, css: &str) -> String {
        let id = self.find(css).await;
        self.call("GET", &format!("/element/{id}/text"), None)
            .await
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    /// The page's URL once it contains `part` (after a navigation), or as it is after 5 s.
    async fn wait_for_url(&self, part: &str) -> String {
        let mut url = String::new();
        for _ in 0..50 {
            url = self.url().await;
            if url.contains(part) {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        url
    }

    async fn url(&self) -> String {
        self.call("GET", "/url", None)
            .await
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn overview_filters_in_a_real_browser() {
    let found = ["chromium", "chromium-browser", "google-chrome"]
        .into_iter()
        .find(|b| runs(b))
        .filter(|_| runs("chromedriver"));
    let Some(chromium) = require_program(
        found,
        "la prueba en el navegador",
        "Chromium y chromedriver",
        "instale los paquetes chromium y chromium-driver",
    ) else {
        return;
    };
    // A browser that hangs must fail the test, not the whole run.
    tokio::time::timeout(std::time::Duration::from_secs(240), drive(chromium))
        .await
        .expect("the browser test finished within 4 minutes");
}

async fn drive(chromium: &str) {
    let server = spawn_app(WebConfig::default()).await;
    let app = &server.addr;
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port();
    let child = Command::new("chromedriver")
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromedriver starts");
    let addr = format!("127.0.0.1:{port}");
    let mut driver = Driver {
        child,
        addr: addr.clone(),
        session: String::new(),
    };
    let mut up = false;
    for _ in 0..50 {
        if tokio::net::TcpStream::connect(&addr).await.is_ok() {
            up = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(up, "chromedriver did not start");
    let profile = tempfile::tempdir().expect("profile");
    let caps = json!({"capabilities": {"alwaysMatch": {
        "browserName": "chrome",
        "goog:chromeOptions": {
            "binary": which(chromium),
            "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                     "--no-first-run", "--disable-background-networking",
                     "--disable-component-update", "--disable-sync",
                     "--window-size=1400,2000",
                     format!("--user-data-dir={}", profile.path().display())]
        }
    }}});
    let r = send(
        &addr,
        "POST",
        "/session",
        None,
        Some(caps.to_string().as_bytes()),
    )
    .await;
    let v = r.json();
    assert_eq!(r.status, 200, "new session: {v}");
    driver.session = v["value"]["sessionId"]
        .as_str()
        .expect("session id")
        .to_owned();

    let start = format!("http://{app}/?entity=Prueba&quarter=2025-Q3");
    driver
        .call("POST", "/url", Some(json!({ "url": start })))
        .await;
    assert_eq!(driver.text(".tile[data-id=registrados] .value").await, "3");
    // Pick "Alta" in the priority filter: the page reloads with the filter in its URL.
    let option = driver
        .find("select[name=priority] option[value=\"4\"]")
        .await;
    driver
        .call("POST", &format!("/element/{option}/click"), Some(json!({})))
        .await;
    let url = driver.wait_for_url("priority=4").await;
    assert!(url.contains("priority=4"), "{url}");
    // Tickets 1 and 3 are Alta; both were attended in time.
    assert_eq!(driver.text(".tile[data-id=registrados] .value").await, "2");
    assert_eq!(
        driver.text(".tile[data-id=atencion_en_meta] .value").await,
        "100,0 %"
    );
    let selected = driver.text("select[name=priority] option[selected]").await;
    assert_eq!(selected, "Alta");
    screenshot(&driver, "tablero-filtro-prioridad.png").await;
    drill_down(&driver).await;
    driver.call("DELETE", "", None).await;
}

/// Clicks the denominator of a tile: the list page shows the tile's count and its rows; its
/// CSV download, fetched by the page, holds the same cases.
async fn drill_down(driver: &Driver) {
    let css = ".tile[data-id=atencion_en_meta] a[data-parte=denominador]";
    let count = driver.text(css).await;
    // Alta: tickets 1 and 3, both with their attention measured.
    assert_eq!(count, "2");
    let link = driver.find(css).await;
    driver
        .call("POST", &format!("/element/{link}/click"), Some(json!({})))
        .await;
    let url = driver.wait_for_url("/casos?").await;
    assert!(
        url.contains("/casos?") && url.contains("parte=denominador"),
        "{url}"
    );
    assert_eq!(driver.text("#total-casos").await, format!("{count} casos"));
    assert_eq!(driver.text("#casos tbody tr:nth-child(2) td a").await, "3");
    screenshot(driver, "lista-de-casos.png").await;
    // The download, as the browser gets it.
    let csv = driver.find("#descargar-csv").await;
    let href = driver
        .call("GET", &format!("/element/{csv}/property/href"), None)
        .await;
    let script = "const done = arguments[arguments.length - 1];\
        fetch(arguments[0]).then(r => r.text().then(t => done([r.status,\
        r.headers.get('content-type'), r.headers.get('content-disposition'), t])))\
        .catch(e => done([0, String(e), '', '']));";
    let got = driver
        .call(
            "POST",
            "/execute/async",
            Some(json!({ "script": script, "args": [href] })),
        )
        .await;
    assert_eq!(got[0], 200, "{got}");
    assert!(
        got[1].as_str().is_some_and(|t| t.starts_with("text/csv")),
        "{got}"
    );
    assert!(
        got[2].as_str().is_some_and(|d| d.starts_with("attachment")),
        "{got}"
    );
    let text = got[3].as_str().unwrap_or_default();
    let ids: Vec<&str> = text
        .lines()
        .skip(1)
        .filter_map(|l| l.split(';').nth(1))
        .collect();
    assert_eq!(ids, ["1", "3"], "{text}");
}

/// Saves a screenshot of the current page under the target folder.
async fn screenshot(driver: &Driver, name: &str) {
    let shot = driver.call("GET", "/screenshot", None).await;
    let png = BASE64
        .decode(shot.as_str().expect("base64 screenshot"))
        .expect("valid base64");
    assert!(png.starts_with(b"\x89PNG"), "a PNG screenshot");
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target"));
    std::fs::create_dir_all(&target).expect("target dir");
    let path = target.join(name);
    std::fs::write(&path, png).expect("screenshot written");
    eprintln!("captura: {}", path.display());
}

fn which(bin: &str) -> String {
    Command::new("sh")
        .args(["-c", &format!("command -v {bin}")])
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .filter(|p| !p.is_empty())
        .unwrap_or_else(|| bin.to_owned())
}
