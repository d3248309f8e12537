//! GLPI REST API sync (`apirest.php`): the session, paged downloads of tickets (all of them the
//! first time, then only those changed after a high-water mark on `date_mod`) and of their
//! history, follow-ups and actors, normalised through the GLPI readers' row mappings and loaded
//! as one ingest run.

use std::collections::BTreeSet;
use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use chrono::{Local, NaiveDateTime};
use duckdb::{OptionalExt, params};
use reqwest::blocking::Client;
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, HeaderValue, LOCATION};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use thiserror::Error;

use super::glpi::{self, SOURCE};
use super::load::{Record, Reject, TicketRow};
use super::{IngestError, load_records};
use crate::config::Config;
use crate::model::{Status, TicketType, parse_priority, priority_label_es};
use crate::store::{Store, StoreError, queries};

/// The `kind` of the ingest runs this sync records.
pub const KIND: &str = "glpi-api";

const DATE_FORMAT: &str = "%Y-%m-%d %H:%M:%S";
/// A bound on pages per listing, so that a server that never ends a listing cannot loop us.
const MAX_PAGES: u32 = 100_000;
const INIT_SESSION: &str = "initSession";

fn default_app_token_env() -> String {
    "MESA_SLA_GLPI_APP_TOKEN".into()
}
fn default_user_token_env() -> String {
    "MESA_SLA_GLPI_USER_TOKEN".into()
}
fn default_page_size() -> u32 {
    500
}
fn default_timeout_secs() -> u64 {
    30
}
fn default_retries() -> u32 {
    3
}

/// `[glpi_api]`: where GLPI's REST API is and how to talk to it. The tokens never appear in the
/// configuration: it names the environment variables that hold them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GlpiApiConfig {
    /// `https://…/apirest.php`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Environment variable holding the App-Token of the API client (optional in GLPI).
    #[serde(default = "default_app_token_env")]
    pub app_token_env: String,
    /// Environment variable holding the user's API token ("Token de API" in the preferences).
    #[serde(default = "default_user_token_env")]
    pub user_token_env: String,
    /// Entity of every ticket (default: each ticket's entity in GLPI).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entity: Option<String>,
    /// Rows per request (`range`), for tickets and for sub-items.
    #[serde(default = "default_page_size")]
    pub page_size: u32,
    /// Time limit of one request, in seconds.
    #[serde(default = "default_timeout_secs")]
    pub timeout_secs: u64,
    /// Further attempts after a 5xx answer, a timeout or a connection error.
    #[serde(default = "default_retries")]
    pub retries: u32,
    /// PEM certificate of an internal authority that signs GLPI's HTTPS certificate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ca_cert: Option<PathBuf>,
}

impl Default for GlpiApiConfig {
    fn default() -> Self {
        GlpiApiConfig {
            url: None,
            app_token_env: default_app_token_env(),
            user_token_env: default_user_token_env(),
            entity: None,
            page_size: default_page_size(),
            timeout_secs: default_timeout_secs(),
            retries: default_retries(),
            ca_cert: None,
        }
    }
}

/// Why a sync failed. The store is left as it was.
#[derive(Debug, Error)]
pub enum GlpiApiError {
    #[error("GLPI no está configurado: {0}")]
    NotConfigured(String),
    #[error("GLPI rechazó la autenticación en {endpoint} (HTTP {status}, {said}). {hint}")]
    Auth {
        endpoint: String,
        status: u16,
        said: String,
        hint: String,
    },
    #[error(
        "GLPI negó el acceso a {endpoint} (HTTP {status}, {said}). Revise que el perfil del usuario \
         de la API pueda ver los casos, su historial y sus seguimientos, y el rango de IP del \
         cliente de la API en GLPI (Configuración > General > API)."
    )]
    Forbidden {
        endpoint: String,
        status: u16,
        said: String,
    },
    #[error("GLPI respondió HTTP {status} en {endpoint}: {said}")]
    Http {
        endpoint: String,
        status: u16,
        said: String,
    },
    #[error(
        "GLPI respondió con una redirección (HTTP {status}) a «{location}» en {endpoint}: \
         configure en [glpi_api] url la dirección definitiva de apirest.php"
    )]
    Redirect {
        endpoint: String,
        status: u16,
        location: String,
    },
    #[error("GLPI no respondió en {endpoint} después de {attempts} intento(s): {detail}")]
    Unavailable {
        endpoint: String,
        attempts: u32,
        detail: String,
    },
    #[error(
        "la respuesta de {endpoint} (HTTP {status}) es {what}, no JSON: ¿la URL de [glpi_api] \
         apunta a …/apirest.php, o respondió una página de inicio de sesión o un proxy? \
         Comienzo de la respuesta: «{snippet}»"
    )]
    NotJson {
        endpoint: String,
        status: u16,
        what: String,
        snippet: String,
    },
    #[error("respuesta inesperada de GLPI en {endpoint}: {reason}")]
    Malformed { endpoint: String, reason: String },
    #[error(transparent)]
    Ingest(#[from] IngestError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<duckdb::Error> for GlpiApiError {
    fn from(e: duckdb::Error) -> Self {
        GlpiApiError::Store(StoreError::Db(e))
    }
}

/// What one sync did.
#[derive(Debug, Clone, PartialEq)]
pub struct GlpiSyncSummary {
    /// The API URL (without any user information).
    pub url: String,
    /// `None` for a full sync; else the high-water mark the incremental pull started from.
    pub since: Option<NaiveDateTime>,
    /// Tickets and events read from GLPI (events already in the store are not added twice).
    pub tickets: u64,
    pub events: u64,
    pub rejected: u64,
    /// History rows without SLA information (location changes, documents…).
    pub skipped: u64,
    /// The ingest run, when something was loaded.
    pub run_id: Option<i64>,
    /// The high-water mark after this sync.
    pub high_water: Option<NaiveDateTime>,
    /// HTTP requests made (retries included).
    pub requests: u64,
    /// The first rejects (all are in `ingest_rejects`; `line` is the GLPI ticket id).
    pub sample_rejects: Vec<Reject>,
}

impl fmt::Display for GlpiSyncSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mark = |d: Option<NaiveDateTime>| {
            d.map_or_else(
                || "sin fecha".to_owned(),
                |d| d.format(DATE_FORMAT).to_string(),
            )
        };
        write!(f, "GLPI {}: ", self.url)?;
        match (self.since, self.run_id) {
            (Some(since), None) => {
                return write!(
                    f,
                    "sin cambios desde {} ({} solicitudes).",
                    since.format(DATE_FORMAT),
                    self.requests
                );
            }
            (Some(since), Some(_)) => write!(
                f,
                "{} casos modificados desde {}",
                self.tickets,
                since.format(DATE_FORMAT)
            )?,
            (None, _) => write!(f, "sincronización completa, {} casos", self.tickets)?,
        }
        write!(
            f,
            " y {} eventos leídos, {} rechazados",
            self.events, self.rejected
        )?;
        if self.skipped > 0 {
            write!(f, ", {} filas de historial sin datos de ANS", self.skipped)?;
        }
        if let Some(run) = self.run_id {
            write!(f, " (carga #{run}, {} solicitudes)", self.requests)?;
        } else {
            write!(f, " ({} solicitudes)", self.requests)?;
        }
        write!(f, "; marca de agua {}.", mark(self.high_water))
    }
}

/// Options of one sync.
#[derive(Debug, Clone, Copy, Default)]
pub struct SyncOptions {
    /// Download every ticket even when a high-water mark exists.
    pub full: bool,
}

/// Syncs the store with the configured GLPI (tokens from the environment): a full download the
/// first time, then the tickets changed since the last sync. Blocking: async callers run it in
/// `spawn_blocking`.
pub fn sync(store: &mut Store, config: &Config) -> Result<GlpiSyncSummary, GlpiApiError> {
    sync_with(store, &config.glpi_api, SyncOptions::default(), &|name| {
        std::env::var(name).ok()
    })
}

/// [`sync`] with explicit options and environment lookup (tests, `--full`).
pub fn sync_with(
    store: &mut Store,
    cfg: &GlpiApiConfig,
    opts: SyncOptions,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<GlpiSyncSummary, GlpiApiError> {
    let settings = Settings::resolve(cfg, env)?;
    let mark = if opts.full {
        None
    } else {
        read_mark(store, &settings.url)?
    };
    let mut api = Api::new(&settings)?;
    api.init_session()?;
    let fetched = fetch(&mut api, mark.as_ref());
    // Always close the session, also when the download failed (best effort).
    api.kill_session();
    let bundles = fetched?;
    let requests = api.requests;
    let sha: String = api
        .payload
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();

    let since = mark.as_ref().map(|m| m.at);
    let mut new_mark = mark;
    let mut records = Vec::new();
    let (mut tickets, mut events) = (0u64, 0u64);
    for b in &bundles {
        if let Some((id, date_mod)) = b.key() {
            advance(&mut new_mark, id, date_mod);
        }
        let before = records.len();
        normalise(b, cfg.entity.as_deref(), &mut records);
        for r in &records[before..] {
            match r {
                Record::Ticket(_) => tickets += 1,
                Record::Event(_) => events += 1,
                _ => {}
            }
        }
    }
    let loaded = if bundles.is_empty() {
        None
    } else {
        Some(load_records(
            store,
            &settings.url,
            &sha,
            KIND,
            records.into_iter().map(Ok),
        )?)
    };
    // Written after the load's own transaction: if this fails, the next sync only fetches again
    // what is already stored, which loading ignores.
    write_mark(
        store,
        &settings.url,
        new_mark.as_ref(),
        loaded.as_ref().map(|s| s.run_id),
    )?;
    Ok(GlpiSyncSummary {
        url: settings.url,
        since,
        tickets,
        events,
        rejected: loaded.as_ref().map_or(0, |s| s.rejected),
        skipped: loaded.as_ref().map_or(0, |s| s.skipped),
        run_id: loaded.as_ref().map(|s| s.run_id),
        high_water: new_mark.map(|m| m.at),
        requests,
        sample_rejects: loaded.map(|s| s.sample_rejects).unwrap_or_default(),
    })
}

/// The validated configuration with its secrets.
struct Settings {
    /// Base URL without a trailing `/` and without user information.
    url: String,
    app_token: Option<HeaderValue>,
    authorization: HeaderValue,
    app_token_env: String,
    user_token_env: String,
    page_size: u32,
    timeout: Duration,
    retries: u32,
    ca_cert: Option<reqwest::Certificate>,
}

impl Settings {
    fn resolve(
        cfg: &GlpiApiConfig,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Settings, GlpiApiError> {
        let missing = GlpiApiError::NotConfigured;
        let raw = cfg.url.as_deref().map(str::trim).unwrap_or_default();
        if raw.is_empty() {
            return Err(missing(
                "falta `url` en la sección [glpi_api] de la configuración (la dirección de \
                 apirest.php, p. ej. https://mesa.entidad.gov.co/apirest.php)"
                    .into(),
            ));
        }
        let mut parsed = reqwest::Url::parse(raw).map_err(|e| {
            missing(format!(
                "la URL «{raw}» de [glpi_api] no es válida ({e}); use p. ej. \
                 https://mesa.entidad.gov.co/apirest.php"
            ))
        })?;
        if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
            return Err(missing(format!(
                "la URL «{raw}» de [glpi_api] debe empezar por https:// (o http://)"
            )));
        }
        if parsed.query().is_some() || parsed.fragment().is_some() {
            return Err(missing(format!(
                "la URL «{raw}» de [glpi_api] no debe llevar parámetros: solo la dirección de \
                 apirest.php"
            )));
        }
        // User information in the URL would end up in logs and in ingest_runs.
        let _ = parsed.set_username("");
        let _ = parsed.set_password(None);
        let url = parsed.as_str().trim_end_matches('/').to_owned();
        let secret = |name: &str| {
            env(name)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        let header = |value: String, name: &str| {
            HeaderValue::from_str(&value)
                .map(|mut h| {
                    h.set_sensitive(true);
                    h
                })
                .map_err(|_| {
                    missing(format!(
                        "el token de la variable de entorno {name} contiene caracteres no válidos"
                    ))
                })
        };
        let user = secret(&cfg.user_token_env).ok_or_else(|| {
            missing(format!(
                "la variable de entorno {} (user_token_env) con el token de API del usuario no \
                 está definida",
                cfg.user_token_env
            ))
        })?;
        let authorization = header(format!("user_token {user}"), &cfg.user_token_env)?;
        let app_token = secret(&cfg.app_token_env)
            .map(|t| header(t, &cfg.app_token_env))
            .transpose()?;
        if cfg.page_size == 0 {
            return Err(missing("page_size debe ser mayor que 0".into()));
        }
        if cfg.timeout_secs == 0 {
            return Err(missing("timeout_secs debe ser mayor que 0".into()));
        }
        let ca_cert = match &cfg.ca_cert {
            None => None,
            Some(path) => {
                let pem = std::fs::read(path).map_err(|e| {
                    missing(format!(
                        "no se pudo leer el certificado ca_cert {}: {e}",
                        path.display()
                    ))
                })?;
                Some(reqwest::Certificate::from_pem(&pem).map_err(|e| {
                    missing(format!(
                        "el certificado ca_cert {} no es un PEM válido: {e}",
                        path.display()
                    ))
                })?)
            }
        };
        Ok(Settings {
            url,
            app_token,
            authorization,
            app_token_env: cfg.app_token_env.clone(),
            user_token_env: cfg.user_token_env.clone(),
            page_size: cfg.page_size,
            timeout: Duration::from_secs(cfg.timeout_secs),
            retries: cfg.retries,
            ca_cert,
        })
    }
}

/// A successful answer.
struct Answer {
    json: Value,
    /// `Content-Range: start-end/total`.
    total: Option<u64>,
}

/// GLPI's answer to one request, after retries.
enum Reply {
    Ok(Answer),
    /// A 4xx with GLPI's `["ERROR_CODE", "message"]`.
    Refused {
        status: u16,
        code: String,
        message: String,
    },
}

/// One attempt's outcome.
enum Attempt {
    Done(Reply),
    /// Worth another try: 5xx, 429, timeout, connection error.
    Transient(String),
    Fatal(GlpiApiError),
}

/// A session with GLPI's API.
struct Api<'a> {
    http: Client,
    settings: &'a Settings,
    session: Option<HeaderValue>,
    /// No request has succeeded with the current session yet: if GLPI calls it invalid now,
    /// logging in again would not help.
    fresh_session: bool,
    requests: u64,
    /// Hash of every JSON body received, recorded as the run's sha256.
    payload: Sha256,
}

impl<'a> Api<'a> {
    fn new(settings: &'a Settings) -> Result<Api<'a>, GlpiApiError> {
        let mut builder = Client::builder()
            .timeout(settings.timeout)
            .connect_timeout(settings.timeout.min(Duration::from_secs(10)))
            // A redirect would carry the session headers elsewhere: refuse it and say so.
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("mesa-sla/", env!("CARGO_PKG_VERSION")));
        if let Some(cert) = &settings.ca_cert {
            builder = builder.add_root_certificate(cert.clone());
        }
        let http = builder.build().map_err(|e| {
            GlpiApiError::NotConfigured(format!(
                "no se pudo preparar el cliente HTTP: {}",
                error_chain(&e)
            ))
        })?;
        Ok(Api {
            http,
            settings,
            session: None,
            fresh_session: false,
            requests: 0,
            payload: Sha256::new(),
        })
    }

    fn init_session(&mut self) -> Result<(), GlpiApiError> {
        let answer = self.get_json(INIT_SESSION, &[])?;
        let token = answer
            .json
            .get("session_token")
            .and_then(Value::as_str)
            .filter(|t| !t.is_empty())
            .ok_or_else(|| GlpiApiError::Malformed {
                endpoint: INIT_SESSION.into(),
                reason: "la respuesta no trae session_token".into(),
            })?;
        let mut header = HeaderValue::from_str(token).map_err(|_| GlpiApiError::Malformed {
            endpoint: INIT_SESSION.into(),
            reason: "el session_token contiene caracteres no válidos".into(),
        })?;
        header.set_sensitive(true);
        self.session = Some(header);
        self.fresh_session = true;
        Ok(())
    }

    /// Closes the session; failures only get logged (GLPI expires idle sessions anyway).
    fn kill_session(&mut self) {
        let Some(session) = self.session.take() else {
            return;
        };
        let mut req = self
            .http
            .get(format!("{}/killSession", self.settings.url))
            .header(CONTENT_TYPE, "application/json")
            .header("Session-Token", session);
        if let Some(app) = &self.settings.app_token {
            req = req.header("App-Token", app.clone());
        }
        self.requests += 1;
        match req.send() {
            Ok(r) if r.status().is_success() => {}
            Ok(r) => tracing::warn!(status = r.status().as_u16(), "killSession falló"),
            Err(e) => tracing::warn!(error = %error_chain(&e), "killSession falló"),
        }
    }

    /// A request that must succeed.
    fn get_json(
        &mut self,
        endpoint: &str,
        query: &[(&str, String)],
    ) -> Result<Answer, GlpiApiError> {
        match self.request(endpoint, query)? {
            Reply::Ok(a) => Ok(a),
            Reply::Refused {
                status,
                code,
                message,
            } => Err(self.refusal(endpoint, status, &code, &message)),
        }
    }

    /// One request with retries on transient failures, logging in again once when the session
    /// expired in the middle of a sync.
    fn request(&mut self, endpoint: &str, query: &[(&str, String)]) -> Result<Reply, GlpiApiError> {
        loop {
            let reply = self.request_with_retries(endpoint, query)?;
            match &reply {
                Reply::Refused { code, .. }
                    if code == "ERROR_SESSION_TOKEN_INVALID"
                        && endpoint != INIT_SESSION
                        && !self.fresh_session =>
                {
                    tracing::info!(endpoint, "la sesión de GLPI venció; se abre una nueva");
                    self.init_session()?;
                }
                Reply::Ok(_) => {
                    self.fresh_session = false;
                    return Ok(reply);
                }
                Reply::Refused { .. } => return Ok(reply),
            }
        }
    }

    fn request_with_retries(
        &mut self,
        endpoint: &str,
        query: &[(&str, String)],
    ) -> Result<Reply, GlpiApiError> {
        let attempts = self.settings.retries.saturating_add(1);
        let mut attempt = 0;
        loop {
            attempt += 1;
            match self.attempt(endpoint, query) {
                Attempt::Done(reply) => return Ok(reply),
                Attempt::Fatal(e) => return Err(e),
                Attempt::Transient(detail) if attempt >= attempts => {
                    return Err(GlpiApiError::Unavailable {
                        endpoint: endpoint.to_owned(),
                        attempts,
                        detail,
                    });
                }
                Attempt::Transient(detail) => {
                    let wait = backoff(attempt);
                    tracing::warn!(
                        endpoint,
                        attempt,
                        detail,
                        wait_ms = wait.as_millis() as u64,
                        "GLPI no respondió; se reintenta"
                    );
                    std::thread::sleep(wait);
                }
            }
        }
    }

    fn attempt(&mut self, endpoint: &str, query: &[(&str, String)]) -> Attempt {
        let mut req = self
            .http
            .get(format!("{}/{endpoint}", self.settings.url))
            .query(query)
            .header(CONTENT_TYPE, "application/json");
        if let Some(app) = &self.settings.app_token {
            req = req.header("App-Token", app.clone());
        }
        if endpoint == INIT_SESSION {
            req = req.header(AUTHORIZATION, self.settings.authorization.clone());
        } else if let Some(session) = &self.session {
            req = req.header("Session-Token", session.clone());
        }
        self.requests += 1;
        tracing::debug!(endpoint, "GET");
        let resp = match req.send() {
            Ok(r) => r,
            Err(e) => return Attempt::Transient(error_chain(&e)),
        };
        let status = resp.status();
        let header = |name: reqwest::header::HeaderName| {
            resp.headers()
                .get(name)
                .and_then(|v: &HeaderValue| v.to_str().ok())
                .map(str::to_owned)
        };
        let content_type = header(CONTENT_TYPE).unwrap_or_default();
        let total = header(reqwest::header::CONTENT_RANGE).and_then(|r| content_range_total(&r));
        let location = header(LOCATION);
        let body = match resp.text() {
            Ok(b) => b,
            Err(e) => return Attempt::Transient(error_chain(&e)),
        };
        if status.is_server_error() || status.as_u16() == 429 {
            let said = match parse_json(&body, &content_type) {
                Ok(v) => said(&v),
                Err(_) => snippet(&body),
            };
            return Attempt::Transient(format!("HTTP {}: {said}", status.as_u16()));
        }
        if status.is_redirection() {
            return Attempt::Fatal(GlpiApiError::Redirect {
                endpoint: endpoint.to_owned(),
                status: status.as_u16(),
                location: location.unwrap_or_default(),
            });
        }
        let json = match parse_json(&body, &content_type) {
            Ok(v) => v,
            Err(what) => {
                return Attempt::Fatal(GlpiApiError::NotJson {
                    endpoint: endpoint.to_owned(),
                    status: status.as_u16(),
                    what: what.to_owned(),
                    snippet: snippet(&body),
                });
            }
        };
        if status.is_success() {
            self.payload.update(body.as_bytes());
            return Attempt::Done(Reply::Ok(Answer { json, total }));
        }
        let (code, message) = glpi_error(&json);
        Attempt::Done(Reply::Refused {
            status: status.as_u16(),
            code,
            message,
        })
    }

    /// The error for a refused request, with a hint about what to check.
    fn refusal(&self, endpoint: &str, status: u16, code: &str, message: &str) -> GlpiApiError {
        let said = glpi_said(code, message);
        let endpoint = endpoint.to_owned();
        let s = self.settings;
        let hint = match code {
            "ERROR_APP_TOKEN_PARAMETERS_MISSING" | "ERROR_WRONG_APP_TOKEN_PARAMETER" => {
                Some(format!(
                    "Revise el App-Token del cliente de la API (variable de entorno {}; en GLPI: \
                     Configuración > General > API).",
                    s.app_token_env
                ))
            }
            "ERROR_GLPI_LOGIN_USER_TOKEN"
            | "ERROR_LOGIN_PARAMETERS_MISSING"
            | "ERROR_GLPI_LOGIN"
            | "ERROR_LOGIN_WITH_CREDENTIALS_DISABLED" => Some(format!(
                "Revise el token de API del usuario (variable de entorno {}; en GLPI: \
                 Preferencias > Token de API).",
                s.user_token_env
            )),
            "ERROR_SESSION_TOKEN_INVALID" | "ERROR_SESSION_TOKEN_MISSING" => Some(
                "La sesión abierta con initSession no es válida; vuelva a intentarlo y, si \
                 persiste, revise la configuración de sesiones de GLPI."
                    .to_owned(),
            ),
            _ if status == 401 => Some(format!(
                "Revise los tokens (variables de entorno {} y {}).",
                s.app_token_env, s.user_token_env
            )),
            _ => None,
        };
        if status == 403 || matches!(code, "ERROR_RIGHT_MISSING" | "ERROR_NOT_ALLOWED_IP") {
            return GlpiApiError::Forbidden {
                endpoint,
                status,
                said,
            };
        }
        match hint {
            Some(hint) => GlpiApiError::Auth {
                endpoint,
                status,
                said,
                hint,
            },
            None => GlpiApiError::Http {
                endpoint,
                status,
                said,
            },
        }
    }

    /// Every row of a list endpoint (`Ticket/`, sub-items), page by page with `range`.
    fn list_all(
        &mut self,
        endpoint: &str,
        params: &[(&str, String)],
    ) -> Result<Vec<Value>, GlpiApiError> {
        let size = u64::from(self.settings.page_size);
        let mut rows = Vec::new();
        let mut start = 0u64;
        for _ in 0..MAX_PAGES {
            let mut query = params.to_vec();
            query.push(("range", format!("{start}-{}", start + size - 1)));
            let answer = match self.request(endpoint, &query)? {
                Reply::Ok(a) => a,
                // GLPI's answer to a range past the end (the list shrank while paging).
                Reply::Refused { code, .. } if code == "ERROR_RANGE_EXCEED_TOTAL" => {
                    return Ok(rows);
                }
                Reply::Refused {
                    status,
                    code,
                    message,
                } => return Err(self.refusal(endpoint, status, &code, &message)),
            };
            let Value::Array(page) = answer.json else {
                return Err(GlpiApiError::Malformed {
                    endpoint: endpoint.to_owned(),
                    reason: "se esperaba una lista".into(),
                });
            };
            let n = page.len() as u64;
            rows.extend(page);
            start += n;
            let done = match answer.total {
                Some(total) => start >= total,
                None => n < size,
            };
            if n == 0 || done {
                return Ok(rows);
            }
        }
        Err(GlpiApiError::Malformed {
            endpoint: endpoint.to_owned(),
            reason: format!("la paginación no termina después de {MAX_PAGES} páginas"),
        })
    }

    /// Ids (and `date_mod`) of the tickets modified after `after`, through the search engine:
    /// field 19 is the ticket's last update, field 2 its id.
    fn changed_after(
        &mut self,
        after: NaiveDateTime,
    ) -> Result<Vec<(String, Option<NaiveDateTime>)>, GlpiApiError> {
        const ENDPOINT: &str = "search/Ticket";
        let size = u64::from(self.settings.page_size);
        let mut found = Vec::new();
        let mut start = 0u64;
        for _ in 0..MAX_PAGES {
            let query = [
                ("criteria[0][field]", "19".to_owned()),
                ("criteria[0][searchtype]", "morethan".to_owned()),
                ("criteria[0][value]", after.format(DATE_FORMAT).to_string()),
                ("forcedisplay[0]", "2".to_owned()),
                ("forcedisplay[1]", "19".to_owned()),
                ("sort", "2".to_owned()),
                ("order", "ASC".to_owned()),
                ("range", format!("{start}-{}", start + size - 1)),
            ];
            let answer = match self.request(ENDPOINT, &query)? {
                Reply::Ok(a) => a,
                Reply::Refused { code, .. } if code == "ERROR_RANGE_EXCEED_TOTAL" => {
                    return Ok(found);
                }
                Reply::Refused {
                    status,
                    code,
                    message,
                } => return Err(self.refusal(ENDPOINT, status, &code, &message)),
            };
            let malformed = |reason: &str| GlpiApiError::Malformed {
                endpoint: ENDPOINT.to_owned(),
                reason: reason.to_owned(),
            };
            let Value::Object(obj) = &answer.json else {
                return Err(malformed("se esperaba un objeto con totalcount y data"));
            };
            let total = obj
                .get("totalcount")
                .and_then(|v| text(Some(v)))
                .and_then(|t| t.parse::<u64>().ok())
                .or(answer.total);
            // `data` is a list, or an object keyed by id with `withindexes`; absent when empty.
            let rows: Vec<&Value> = match obj.get("data") {
                None | Some(Value::Null) => Vec::new(),
                Some(Value::Array(a)) => a.iter().collect(),
                Some(Value::Object(o)) => o.values().collect(),
                Some(_) => return Err(malformed("`data` no es una lista")),
            };
            let n = rows.len() as u64;
            for row in rows {
                let id = text(row.get("2"))
                    .filter(|id| is_ticket_id(id))
                    .ok_or_else(|| malformed("una fila no trae el ID del caso (campo 2)"))?;
                let date_mod = text(row.get("19")).and_then(|d| glpi::history_date(&d));
                found.push((id, date_mod));
            }
            start += n;
            let done = match total {
                Some(total) => start >= total,
                None => n < size,
            };
            if n == 0 || done {
                return Ok(found);
            }
        }
        Err(GlpiApiError::Malformed {
            endpoint: ENDPOINT.to_owned(),
            reason: format!("la paginación no termina después de {MAX_PAGES} páginas"),
        })
    }

    /// One ticket; `None` when it no longer exists (purged since the search).
    fn ticket(&mut self, id: &str) -> Result<Option<Value>, GlpiApiError> {
        let endpoint = format!("Ticket/{id}");
        let query = [
            ("expand_dropdowns", "true".to_owned()),
            ("get_hateoas", "false".to_owned()),
        ];
        match self.request(&endpoint, &query)? {
            Reply::Ok(a) if a.json.is_object() => Ok(Some(a.json)),
            Reply::Ok(_) => Err(GlpiApiError::Malformed {
                endpoint,
                reason: "se esperaba un objeto".into(),
            }),
            Reply::Refused { status: 404, .. } => Ok(None),
            Reply::Refused {
                status,
                code,
                message,
            } => Err(self.refusal(&endpoint, status, &code, &message)),
        }
    }

    /// A ticket with its history, follow-ups, users and groups.
    fn bundle(&mut self, ticket: Value) -> Result<Bundle, GlpiApiError> {
        let id = text(ticket.get("id")).unwrap_or_default();
        if !is_ticket_id(&id) {
            // Normalisation rejects it with the reason; no sub-items to ask for.
            return Ok(Bundle {
                ticket,
                ..Bundle::default()
            });
        }
        let expand = [
            ("expand_dropdowns", "true".to_owned()),
            ("get_hateoas", "false".to_owned()),
        ];
        let plain = [("get_hateoas", "false".to_owned())];
        Ok(Bundle {
            logs: self.list_all(&format!("Ticket/{id}/Log"), &plain)?,
            followups: self.list_all(&format!("Ticket/{id}/ITILFollowup"), &expand)?,
            users: self.list_all(&format!("Ticket/{id}/Ticket_User"), &expand)?,
            groups: self.list_all(&format!("Ticket/{id}/Group_Ticket"), &expand)?,
            ticket,
        })
    }
}

/// Everything fetched about one ticket.
#[derive(Debug, Default)]
struct Bundle {
    ticket: Value,
    logs: Vec<Value>,
    followups: Vec<Value>,
    users: Vec<Value>,
    groups: Vec<Value>,
}

impl Bundle {
    /// Id and `date_mod`, for the high-water mark.
    fn key(&self) -> Option<(String, NaiveDateTime)> {
        let id = text(self.ticket.get("id")).filter(|i| is_ticket_id(i))?;
        let date_mod = text(self.ticket.get("date_mod")).and_then(|d| glpi::history_date(&d))?;
        Some((id, date_mod))
    }
}

/// Downloads what this sync needs: every ticket, or those changed after the mark.
fn fetch(api: &mut Api<'_>, mark: Option<&Mark>) -> Result<Vec<Bundle>, GlpiApiError> {
    let tickets = match mark {
        None => {
            let query = [
                ("expand_dropdowns", "true".to_owned()),
                ("get_hateoas", "false".to_owned()),
            ];
            let all = api.list_all("Ticket/", &query)?;
            tracing::info!(tickets = all.len(), "casos listados en GLPI");
            all
        }
        Some(mark) => {
            // GLPI dates have whole seconds and `morethan` is strict: asking from the second
            // before the mark also catches tickets changed within the mark's own second after
            // the last sync; those already fetched at exactly the mark are skipped.
            let after = mark.at - chrono::Duration::seconds(1);
            let mut ids = Vec::new();
            for (id, date_mod) in api.changed_after(after)? {
                if date_mod == Some(mark.at) && mark.ids.contains(&id) {
                    continue;
                }
                if !ids.contains(&id) {
                    ids.push(id);
                }
            }
            tracing::info!(tickets = ids.len(), "casos modificados en GLPI");
            let mut tickets = Vec::with_capacity(ids.len());
            for id in ids {
                if let Some(t) = api.ticket(&id)? {
                    tickets.push(t);
                }
            }
            tickets
        }
    };
    let total = tickets.len();
    let mut bundles = Vec::with_capacity(total);
    for (i, ticket) in tickets.into_iter().enumerate() {
        bundles.push(api.bundle(ticket)?);
        if (i + 1) % 100 == 0 {
            tracing::info!(done = i + 1, total, "historial descargado");
        }
    }
    Ok(bundles)
}

/// The high-water mark: the greatest `date_mod` seen and the tickets fetched at that second.
#[derive(Debug, Clone, PartialEq)]
struct Mark {
    at: NaiveDateTime,
    ids: BTreeSet<String>,
}

fn advance(mark: &mut Option<Mark>, id: String, date_mod: NaiveDateTime) {
    match mark {
        Some(m) if date_mod < m.at => {}
        Some(m) if date_mod == m.at => {
            m.ids.insert(id);
        }
        _ => {
            *mark = Some(Mark {
                at: date_mod,
                ids: BTreeSet::from([id]),
            });
        }
    }
}

fn read_mark(store: &Store, url: &str) -> Result<Option<Mark>, GlpiApiError> {
    let row: Option<(Option<String>, String)> = store
        .conn()
        .query_row(queries::GLPI_SYNC_STATE_GET, params![url], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .optional()?;
    Ok(row.and_then(|(at, ids)| {
        Some(Mark {
            at: super::parse_datetime(&at?)?,
            ids: ids
                .split(',')
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect(),
        })
    }))
}

fn write_mark(
    store: &Store,
    url: &str,
    mark: Option<&Mark>,
    run: Option<i64>,
) -> Result<(), GlpiApiError> {
    let now = Local::now().naive_local().format(DATE_FORMAT).to_string();
    store.conn().execute(
        queries::GLPI_SYNC_STATE_UPSERT,
        params![
            url,
            mark.map(|m| m.at.format(DATE_FORMAT).to_string()),
            mark.map(|m| m.ids.iter().cloned().collect::<Vec<_>>().join(","))
                .unwrap_or_default(),
            now,
            run
        ],
    )?;
    Ok(())
}

/// Turns one ticket and its sub-items into canonical records, through the same mappings as the
/// CSV readers: `glpi_logs` rows for the history, `glpi_itilfollowups` rows for follow-ups.
fn normalise(b: &Bundle, entity: Option<&str>, out: &mut Vec<Record>) {
    let ticket = ticket_row(b, entity);
    let Record::Ticket(t) = &ticket else {
        out.push(ticket);
        return;
    };
    let id = t.ticket_id.clone();
    let line = t.line;
    out.push(ticket);
    for log in &b.logs {
        let row = flatten(log, &id, &[]);
        out.push(glpi::log_row(&|c| lookup(&row, c), line));
    }
    let requesters = actors(&b.users, "users_id", 1);
    for fu in &b.followups {
        // The API has no `is_requester`: the author is the requester when GLPI names the same
        // user (both come expanded to names, or both as ids).
        let author = text(fu.get("users_id")).filter(|a| !a.is_empty());
        let by_requester = author.map(|a| if requesters.contains(&a) { "1" } else { "0" });
        let extra: Vec<(&str, String)> = by_requester
            .map(|f| ("is_requester", f.to_owned()))
            .into_iter()
            .collect();
        let row = flatten(fu, &id, &extra);
        out.push(glpi::followup_row(&|c| lookup(&row, c), line));
    }
}

fn ticket_row(b: &Bundle, entity: Option<&str>) -> Record {
    let t = &b.ticket;
    let get = |k: &str| {
        text(t.get(k))
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
    };
    let reject = |line: u64, column: &str, raw: Option<String>, reason: String| {
        Record::Reject(Reject {
            line,
            column: Some(column.to_owned()),
            raw,
            reason,
        })
    };
    let Some(id) = get("id").filter(|i| is_ticket_id(i)) else {
        return reject(0, "id", get("id"), "caso sin identificador válido".into());
    };
    let line = id.parse::<u64>().unwrap_or(0);
    let bad = |column: &str, raw: Option<String>, what: &str| {
        reject(line, column, raw, format!("caso {id}: {what}"))
    };
    let status = match get("status") {
        None => return bad("status", None, "falta el estado"),
        Some(raw) => match raw.parse::<i64>().ok().and_then(Status::from_glpi_code) {
            Some(s) => s,
            None => return bad("status", Some(raw), "código de estado desconocido"),
        },
    };
    let mut dates = [None; 4];
    for (k, field) in ["date", "solvedate", "closedate", "date_mod"]
        .into_iter()
        .enumerate()
    {
        if let Some(raw) = get(field) {
            match glpi::history_date(&raw) {
                Some(d) => dates[k] = Some(d),
                None => return bad(field, Some(raw), "fecha inválida"),
            }
        }
    }
    let [opened, solved, closed, date_mod] = dates;
    let Some(created_at) =
        opened.or_else(|| get("date_creation").and_then(|d| glpi::history_date(&d)))
    else {
        return bad("date", None, "falta la fecha de apertura");
    };
    for (d, field) in [(solved, "solvedate"), (closed, "closedate")] {
        if d.is_some_and(|d| d < created_at) {
            return bad(field, get(field), "fecha anterior a la apertura del caso");
        }
    }
    let ticket_type = match get("type").filter(|t| t != "0") {
        None => None,
        Some(raw) => match TicketType::parse(&raw) {
            Some(t) => Some(t),
            None => return bad("type", Some(raw), "tipo desconocido"),
        },
    };
    let priority = match get("priority").filter(|p| p != "0") {
        None => None,
        Some(raw) => match parse_priority(&raw) {
            Some(p) => Some(p),
            None => return bad("priority", Some(raw), "prioridad desconocida"),
        },
    };
    let joined = |names: Vec<String>| Some(names.join(", ")).filter(|s| !s.is_empty());
    Record::Ticket(Box::new(TicketRow {
        source: SOURCE.to_owned(),
        ticket_id: id,
        entity: entity
            .map(str::to_owned)
            .or_else(|| dropdown(t.get("entities_id")))
            .unwrap_or_default(),
        title: get("name").map(|s| unescape(&s)),
        ticket_type,
        priority,
        priority_label: priority.map(|p| priority_label_es(p).to_owned()),
        category: dropdown(t.get("itilcategories_id")),
        service: None,
        technician: joined(actors(&b.users, "users_id", 2)),
        tech_group: joined(actors(&b.groups, "groups_id", 2)),
        requester: joined(actors(&b.users, "users_id", 1)),
        channel: dropdown(t.get("requesttypes_id")),
        status,
        status_label: Some(status.label_es().to_owned()),
        created_at,
        taken_at: None,
        solved_at: solved,
        closed_at: closed,
        last_update: date_mod,
        satisfaction: None,
        // GLPI's own take-into-account time, used only for tickets without any history; 0 means
        // "not taken yet" there.
        attention_source_seconds: get("takeintoaccount_delay_stat")
            .and_then(|s| s.parse::<i64>().ok())
            .filter(|s| *s > 0),
        line,
    }))
}

/// Names (or ids) of a ticket's actors of one role: `Ticket_User`/`Group_Ticket` rows with
/// `type` 1 requester, 2 assigned, 3 observer; in GLPI's order, without repeats.
fn actors(rows: &[Value], field: &str, role: i64) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for row in rows {
        let is_role = text(row.get("type")).and_then(|t| t.parse::<i64>().ok()) == Some(role);
        if let Some(name) = dropdown(row.get(field)).filter(|_| is_role)
            && !names.contains(&name)
        {
            names.push(name);
        }
    }
    names
}

/// A JSON object as `column → text`, the way the CSV readers see a row; `items_id` is the
/// ticket the sub-item was fetched for.
fn flatten(row: &Value, ticket_id: &str, extra: &[(&str, String)]) -> Vec<(String, String)> {
    let empty = Map::new();
    let obj = row.as_object().unwrap_or(&empty);
    let mut cols: Vec<(String, String)> = obj
        .iter()
        .filter(|(k, _)| k.as_str() != "items_id")
        .filter_map(|(k, v)| text(Some(v)).map(|t| (k.to_ascii_lowercase(), t)))
        .collect();
    cols.push(("items_id".into(), ticket_id.to_owned()));
    if !obj.contains_key("itemtype") {
        cols.push(("itemtype".into(), "Ticket".into()));
    }
    cols.extend(extra.iter().map(|(k, v)| ((*k).to_owned(), v.clone())));
    cols
}

fn lookup<'a>(row: &'a [(String, String)], column: &str) -> Option<&'a str> {
    row.iter().find(|(k, _)| k == column).map(|(_, v)| v.trim())
}

/// A scalar JSON value as text (GLPI sends numbers as numbers or as strings, depending on the
/// database driver).
fn text(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(if *b { "1" } else { "0" }.to_owned()),
        _ => None,
    }
}

/// An expanded dropdown (`expand_dropdowns=true` gives names; an empty one comes as `""`,
/// `"&nbsp;"` or `0`).
fn dropdown(v: Option<&Value>) -> Option<String> {
    let t = unescape(text(v)?.trim());
    let t = t.trim();
    (!t.is_empty() && t != "0").then(|| t.to_owned())
}

/// Undoes the HTML entities GLPI stores some texts with.
fn unescape(s: &str) -> String {
    if !s.contains('&') {
        return s.to_owned();
    }
    s.replace("&nbsp;", " ")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#039;", "'")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

fn is_ticket_id(id: &str) -> bool {
    !id.is_empty() && id.len() <= 18 && id.bytes().all(|b| b.is_ascii_digit())
}

/// The total of `Content-Range: start-end/total`.
fn content_range_total(header: &str) -> Option<u64> {
    header.rsplit_once('/')?.1.trim().parse().ok()
}

/// JSON, or what the body is instead (for the error message).
fn parse_json(body: &str, content_type: &str) -> Result<Value, &'static str> {
    let start = body.trim_start_matches('\u{feff}').trim_start();
    let html = content_type.to_ascii_lowercase().contains("html") || start.starts_with('<');
    if html {
        return Err("una página HTML");
    }
    if start.is_empty() {
        return Err("una respuesta vacía");
    }
    serde_json::from_str(start).map_err(|_| "un texto")
}

/// GLPI's error answer `["ERROR_CODE", "message"]`.
fn glpi_error(v: &Value) -> (String, String) {
    match v {
        Value::Array(a) => (
            a.first()
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned(),
            a.get(1)
                .and_then(Value::as_str)
                .map(|m| clip(m, 300))
                .unwrap_or_default(),
        ),
        Value::String(s) => (String::new(), clip(s, 300)),
        other => (String::new(), clip(&other.to_string(), 300)),
    }
}

fn said(v: &Value) -> String {
    let (code, message) = glpi_error(v);
    glpi_said(&code, &message)
}

fn glpi_said(code: &str, message: &str) -> String {
    match (code.is_empty(), message.is_empty()) {
        (false, false) => format!("{code}: {message}"),
        (false, true) => code.to_owned(),
        (true, false) => message.to_owned(),
        (true, true) => "sin detalle".to_owned(),
    }
}

/// The start of a body, on one line, for error messages.
fn snippet(body: &str) -> String {
    clip(&body.split_whitespace().collect::<Vec<_>>().join(" "), 120)
}

fn clip(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_owned(),
    }
}

fn backoff(attempt: u32) -> Duration {
    Duration::from_millis(500u64.saturating_mul(1 << attempt.saturating_sub(1).min(4)))
}

/// An error with its causes (reqwest's own message hides "connection refused" in the chain).
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        let next = c.to_string();
        if !s.contains(&next) {
            s.push_str(": ");
            s.push_str(&next);
        }
        cause = c.source();
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn env_with(user: Option<&str>) -> impl Fn(&str) -> Option<String> {
        let user = user.map(str::to_owned);
        move |name: &str| {
            (name == "MESA_SLA_GLPI_USER_TOKEN")
                .then(|| user.clone())
                .flatten()
        }
    }

    fn configured(url: &str) -> GlpiApiConfig {
        GlpiApiConfig {
            url: Some(url.into()),
            ..GlpiApiConfig::default()
        }
    }

    #[test]
    fn the_section_parses_with_its_defaults() {
        let cfg: GlpiApiConfig = toml::from_str(
            "url = \"https://mesa.entidad.gov.co/apirest.php\"\nentity = \"Alcaldía\"\n",
        )
        .expect("parses");
        assert_eq!(cfg.page_size, 500);
        assert_eq!(cfg.timeout_secs, 30);
        assert_eq!(cfg.retries, 3);
        assert_eq!(cfg.user_token_env, "MESA_SLA_GLPI_USER_TOKEN");
        assert!(toml::from_str::<GlpiApiConfig>("token = \"x\"\n").is_err());
    }

    #[test]
    fn the_commented_example_section_is_valid() {
        let section = crate::config::example_sections(&["glpi_api"]);
        let cfg = Config::parse(&section, "ejemplo").expect("uncommented parses");
        assert_eq!(
            cfg.glpi_api.url.as_deref(),
            Some("https://mesa.entidad.gov.co/apirest.php")
        );
        assert_eq!(cfg.glpi_api.page_size, 500);
        assert!(cfg.glpi_api.ca_cert.is_some() && cfg.glpi_api.entity.is_some());
    }

    #[test]
    fn missing_settings_say_what_is_missing() {
        let err = |cfg: &GlpiApiConfig, user: Option<&str>| {
            Settings::resolve(cfg, &env_with(user))
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default()
        };
        let e = err(&GlpiApiConfig::default(), Some("u"));
        assert!(
            e.starts_with("GLPI no está configurado: falta `url`"),
            "{e}"
        );
        let e = err(&configured("https://glpi.example/apirest.php"), None);
        assert!(e.contains("MESA_SLA_GLPI_USER_TOKEN"), "{e}");
        let e = err(&configured("ftp://glpi.example/apirest.php"), Some("u"));
        assert!(e.contains("debe empezar por https://"), "{e}");
        let e = err(&configured("glpi.example/apirest.php"), Some("u"));
        assert!(e.contains("no es válida"), "{e}");
        let e = err(
            &configured("https://glpi.example/apirest.php"),
            Some("a\nb"),
        );
        assert!(
            e.contains("caracteres no válidos") && !e.contains("a\nb"),
            "{e}"
        );
        let mut cfg = configured("https://glpi.example/apirest.php");
        cfg.ca_cert = Some("/no/existe/ca.pem".into());
        let e = err(&cfg, Some("u"));
        assert!(e.contains("no se pudo leer el certificado"), "{e}");
    }

    #[test]
    fn user_information_never_reaches_the_stored_url() {
        let s = Settings::resolve(
            &configured("https://admin:clave@glpi.example/glpi/apirest.php/"),
            &env_with(Some("secreto")),
        )
        .expect("resolves");
        assert_eq!(s.url, "https://glpi.example/glpi/apirest.php");
        assert!(s.authorization.is_sensitive());
        assert!(!format!("{:?}", s.authorization).contains("secreto"));
    }

    #[test]
    fn api_tickets_normalise_like_the_list() {
        let b = Bundle {
            ticket: json!({
                "id": 42, "name": "Impresora &quot;HP&quot; sin tóner", "status": 5,
                "priority": "4", "type": 2, "date": "2025-03-03 08:15:00",
                "solvedate": "2025-03-03 09:00:10", "closedate": null,
                "date_mod": "2025-03-03 09:00:10", "itilcategories_id": "Hardware &gt; Impresoras",
                "entities_id": "Entidad Raíz > Alcaldía", "requesttypes_id": "&nbsp;",
                "takeintoaccount_delay_stat": 0
            }),
            users: vec![
                json!({"users_id": "Ana Pérez", "type": 1}),
                json!({"users_id": "Luis Gómez", "type": 2}),
                json!({"users_id": "Marta Ruiz", "type": "2"}),
                json!({"users_id": "Luis Gómez", "type": 2}),
            ],
            groups: vec![json!({"groups_id": "Soporte N1", "type": 2})],
            logs: vec![
                json!({"id": 7, "itemtype": "Ticket", "items_id": 42, "itemtype_link": "",
                       "linked_action": 0, "user_name": "Luis Gómez (5)",
                       "date_mod": "2025-03-03 08:20:00", "id_search_option": 12,
                       "old_value": "1", "new_value": "2"}),
                json!({"id": 8, "itemtype": "Ticket", "items_id": 42,
                       "itemtype_link": "ITILSolution", "linked_action": 17,
                       "date_mod": "2025-03-03 09:00:10", "id_search_option": 0,
                       "old_value": "", "new_value": ""}),
            ],
            followups: vec![
                json!({"id": 3, "itemtype": "Ticket", "items_id": 42, "users_id": "Ana Pérez",
                       "date": "2025-03-03 08:16:00", "is_private": 0}),
                json!({"id": 4, "itemtype": "Ticket", "items_id": 42, "users_id": "Luis Gómez",
                       "date": "2025-03-03 08:30:00", "is_private": 1}),
            ],
        };
        let mut out = Vec::new();
        normalise(&b, None, &mut out);
        let Record::Ticket(t) = &out[0] else {
            panic!("first record is the ticket: {:?}", out[0])
        };
        assert_eq!(t.ticket_id, "42");
        assert_eq!(t.title.as_deref(), Some("Impresora \"HP\" sin tóner"));
        assert_eq!(t.status, Status::Solved);
        assert_eq!(
            (t.priority, t.ticket_type),
            (Some(4), Some(TicketType::Request))
        );
        assert_eq!(t.category.as_deref(), Some("Hardware > Impresoras"));
        assert_eq!(t.technician.as_deref(), Some("Luis Gómez, Marta Ruiz"));
        assert_eq!(t.tech_group.as_deref(), Some("Soporte N1"));
        assert_eq!(t.requester.as_deref(), Some("Ana Pérez"));
        assert_eq!(t.channel, None);
        assert_eq!(t.attention_source_seconds, None);
        assert_eq!(t.closed_at, None);
        let Record::Event(status) = &out[1] else {
            panic!("status event: {:?}", out[1])
        };
        assert_eq!(
            (status.kind.as_str(), status.new_value.as_deref()),
            ("status", Some("assigned"))
        );
        assert_eq!(out[2], Record::Skip);
        let Record::Event(f1) = &out[3] else {
            panic!("follow-up: {:?}", out[3])
        };
        assert_eq!((f1.is_public, f1.by_requester), (Some(true), Some(true)));
        let Record::Event(f2) = &out[4] else {
            panic!("follow-up: {:?}", out[4])
        };
        assert_eq!((f2.is_public, f2.by_requester), (Some(false), Some(false)));

        let mut out = Vec::new();
        normalise(&b, Some("Otra"), &mut out);
        assert!(matches!(&out[0], Record::Ticket(t) if t.entity == "Otra"));
    }

    #[test]
    fn impossible_tickets_are_rejected_with_their_id() {
        let reason = |ticket: Value| {
            let mut out = Vec::new();
            normalise(
                &Bundle {
                    ticket,
                    ..Bundle::default()
                },
                None,
                &mut out,
            );
            match &out[..] {
                [Record::Reject(r)] => (r.line, r.reason.clone()),
                other => panic!("one reject expected: {other:?}"),
            }
        };
        let (line, why) = reason(json!({"id": 7, "status": 9, "date": "2025-01-01 08:00:00"}));
        assert_eq!(line, 7);
        assert!(why.contains("caso 7") && why.contains("estado"), "{why}");
        let (_, why) = reason(json!({"id": 7, "status": 1}));
        assert!(why.contains("apertura"), "{why}");
        let (_, why) = reason(json!({"id": 7, "status": 5, "date": "2025-01-02 08:00:00",
                                      "solvedate": "2025-01-01 08:00:00"}));
        assert!(why.contains("anterior a la apertura"), "{why}");
        let (_, why) = reason(json!({"id": 7, "status": 1, "date": "ayer"}));
        assert!(why.contains("fecha inválida"), "{why}");
        let (line, _) = reason(json!({"name": "sin id", "status": 1}));
        assert_eq!(line, 0);
    }

    #[test]
    fn the_mark_keeps_the_tickets_of_its_second() {
        let d = |s: &str| crate::ingest::parse_datetime(s).expect("date");
        let mut mark = None;
        advance(&mut mark, "1".into(), d("2025-01-01 10:00:00"));
        advance(&mut mark, "2".into(), d("2025-01-01 10:00:05"));
        advance(&mut mark, "3".into(), d("2025-01-01 10:00:05"));
        advance(&mut mark, "4".into(), d("2025-01-01 09:00:00"));
        let m = mark.expect("mark");
        assert_eq!(m.at, d("2025-01-01 10:00:05"));
        assert_eq!(m.ids, BTreeSet::from(["2".to_owned(), "3".to_owned()]));
    }

    #[test]
    fn glpi_answers_are_read_defensively() {
        assert_eq!(content_range_total("0-49/300"), Some(300));
        assert_eq!(content_range_total("0--1/0"), Some(0));
        assert_eq!(content_range_total("bytes"), None);
        assert_eq!(
            parse_json("<!DOCTYPE html><html>", "text/html"),
            Err("una página HTML")
        );
        assert_eq!(parse_json("  <html>", ""), Err("una página HTML"));
        assert_eq!(parse_json("Fatal error", "text/plain"), Err("un texto"));
        assert!(parse_json("{\"a\":1}", "application/json; charset=UTF-8").is_ok());
        assert_eq!(
            glpi_error(&json!([
                "ERROR_SESSION_TOKEN_INVALID",
                "session_token inválido"
            ])),
            (
                "ERROR_SESSION_TOKEN_INVALID".to_owned(),
                "session_token inválido".to_owned()
            )
        );
        assert_eq!(dropdown(Some(&json!("&nbsp;"))), None);
        assert_eq!(dropdown(Some(&json!(0))), None);
        assert_eq!(dropdown(Some(&json!("A &amp; B"))), Some("A & B".into()));
        assert_eq!(clip("áéíóú", 3), "áéí…");
        assert_eq!(backoff(1), Duration::from_millis(500));
        assert_eq!(backoff(3), Duration::from_millis(2000));
        assert_eq!(backoff(30), Duration::from_millis(8000));
    }

    #[test]
    fn the_summary_is_one_spanish_line() {
        let d = |s: &str| crate::ingest::parse_datetime(s);
        let mut s = GlpiSyncSummary {
            url: "https://glpi.example/apirest.php".into(),
            since: None,
            tickets: 300,
            events: 3474,
            rejected: 0,
            skipped: 1047,
            run_id: Some(1),
            high_water: d("2025-12-31 21:06:00"),
            requests: 1234,
            sample_rejects: Vec::new(),
        };
        let line = s.to_string();
        assert!(!line.contains('\n'));
        assert!(
            line.contains("sincronización completa, 300 casos y 3474 eventos leídos"),
            "{line}"
        );
        assert!(line.contains("marca de agua 2025-12-31 21:06:00"), "{line}");
        s.since = d("2025-12-31 21:06:00");
        s.run_id = None;
        assert!(
            s.to_string()
                .contains("sin cambios desde 2025-12-31 21:06:00"),
            "{s}"
        );
    }
}
