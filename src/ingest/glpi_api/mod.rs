//! GLPI REST API sync (`apirest.php`): the `[glpi_api]` section and the sync itself — a full
//! download the first time, then only the tickets changed after the high-water mark on
//! `date_mod` (`mark`) — over the HTTP session of `client`, normalised into canonical records by
//! `normalize` and loaded as one ingest run.

mod client;
mod mark;
mod normalize;

use std::fmt;
use std::path::PathBuf;

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};
use sha2::Digest;
use thiserror::Error;

use self::client::{Api, Bundle, Settings};
use self::mark::{Mark, advance, read_mark, write_mark};
use self::normalize::normalise;
use super::load::{Record, Reject};
use super::{IngestError, load_records};
use crate::store::{Store, StoreError};

/// The `kind` of the ingest runs this sync records.
pub const KIND: &str = "glpi-api";

const DATE_FORMAT: &str = "%Y-%m-%d %H:%M:%S";

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

/// Syncs the store with GLPI as `[glpi_api]` says (tokens from the environment): a full
/// download the first time, then the tickets changed since the last sync. Blocking: async
/// callers run it in `spawn_blocking`.
pub fn sync(store: &mut Store, cfg: &GlpiApiConfig) -> Result<GlpiSyncSummary, GlpiApiError> {
    sync_with(store, cfg, SyncOptions::default(), &|name| {
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

#[cfg(test)]
mod tests {
    use super::*;

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
