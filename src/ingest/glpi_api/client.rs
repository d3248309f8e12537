//! The HTTP side of the GLPI sync: the validated settings with their secrets, the session
//! (`initSession`/`killSession`, logging in again when it expires), retries with back-off,
//! paged listings and what one ticket brings along (history, follow-ups, actors).

use std::time::Duration;

use chrono::NaiveDateTime;
use reqwest::blocking::Client;
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, HeaderValue, LOCATION};
use serde_json::Value;
use sha2::{Digest, Sha256};

use super::normalize::{is_ticket_id, text};
use super::{DATE_FORMAT, GlpiApiConfig, GlpiApiError};
use crate::ingest::glpi;

/// A bound on pages per listing, so that a server that never ends a listing cannot loop us.
const MAX_PAGES: u32 = 100_000;
const INIT_SESSION: &str = "initSession";

/// The validated configuration with its secrets.
pub(super) struct Settings {
    /// Base URL without a trailing `/` and without user information.
    pub(super) url: String,
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
    pub(super) fn resolve(
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
pub(super) struct Api<'a> {
    http: Client,
    settings: &'a Settings,
    session: Option<HeaderValue>,
    /// No request has succeeded with the current session yet: if GLPI calls it invalid now,
    /// logging in again would not help.
    fresh_session: bool,
    pub(super) requests: u64,
    /// Hash of every JSON body received, recorded as the run's sha256.
    pub(super) payload: Sha256,
}

impl<'a> Api<'a> {
    pub(super) fn new(settings: &'a Settings) -> Result<Api<'a>, GlpiApiError> {
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

    pub(super) fn init_session(&mut self) -> Result<(), GlpiApiError> {
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
    pub(super) fn kill_session(&mut self) {
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
    pub(super) fn list_all(
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
    pub(super) fn changed_after(
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
    pub(super) fn ticket(&mut self, id: &str) -> Result<Option<Value>, GlpiApiError> {
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
    pub(super) fn bundle(&mut self, ticket: Value) -> Result<Bundle, GlpiApiError> {
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
pub(super) struct Bundle {
    pub(super) ticket: Value,
    pub(super) logs: Vec<Value>,
    pub(super) followups: Vec<Value>,
    pub(super) users: Vec<Value>,
    pub(super) groups: Vec<Value>,
}

impl Bundle {
    /// Id and `date_mod`, for the high-water mark.
    pub(super) fn key(&self) -> Option<(String, NaiveDateTime)> {
        let id = text(self.ticket.get("id")).filter(|i| is_ticket_id(i))?;
        let date_mod = text(self.ticket.get("date_mod")).and_then(|d| glpi::history_date(&d))?;
        Some((id, date_mod))
    }
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
        assert_eq!(clip("áéíóú", 3), "áéí…");
        assert_eq!(backoff(1), Duration::from_millis(500));
        assert_eq!(backoff(3), Duration::from_millis(2000));
        assert_eq!(backoff(30), Duration::from_millis(8000));
    }
}
