//! Who may read and who may write: bearer tokens for programs, named users with argon2 password
//! hashes (HTTP Basic) for people opening the dashboard in a browser, verified off the async
//! workers and with failed log-ins limited per client address and per user.

use std::collections::{HashMap, HashSet};
use std::net::{IpAddr, Ipv6Addr};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use argon2::Argon2;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use axum::http::HeaderMap;
use axum::http::header::AUTHORIZATION;
use base64::Engine;
use base64::alphabet;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use tokio::sync::Semaphore;

/// A person who may read the dashboard: `[[web.users]] name = "…", password_hash = "$argon2id$…"`
/// (the hash from `mesa-sla hash-password`; the password itself is never stored).
#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebUser {
    pub name: String,
    pub password_hash: String,
}

impl std::fmt::Debug for WebUser {
    // The hash is not a secret in the way a password is, but it has no business in logs.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebUser").field("name", &self.name).finish()
    }
}

/// A `[[web.users]]` entry that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum AuthConfigError {
    #[error("[[web.users]]: un usuario no tiene nombre")]
    NoName,
    #[error(
        "[[web.users]] «{0}»: password_hash no es un hash argon2 válido (genérelo con \
         `mesa-sla hash-password`)"
    )]
    BadHash(String),
    #[error("[[web.users]]: el usuario «{0}» está repetido")]
    Duplicate(String),
}

/// Checks every configured user before the server starts, so that a typo is reported at
/// start-up and not as a login that never works.
pub fn validate_users(users: &[WebUser]) -> Result<(), AuthConfigError> {
    let mut seen = HashSet::new();
    for u in users {
        if u.name.trim().is_empty() {
            return Err(AuthConfigError::NoName);
        }
        if !seen.insert(u.name.as_str()) {
            return Err(AuthConfigError::Duplicate(u.name.clone()));
        }
        let parsed = PasswordHash::new(&u.password_hash)
            .map_err(|_| AuthConfigError::BadHash(u.name.clone()))?;
        if !parsed.algorithm.as_str().starts_with("argon2") {
            return Err(AuthConfigError::BadHash(u.name.clone()));
        }
    }
    Ok(())
}

/// A password that could not be hashed.
#[derive(Debug, thiserror::Error)]
#[error("no se pudo calcular el hash: {0}")]
pub struct HashError(argon2::password_hash::Error);

/// The PHC string of an argon2id hash of `password` with a random salt.
pub fn hash_password(password: &str) -> Result<String, HashError> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(HashError)
}

/// Compares in time independent of where the strings differ.
pub fn token_matches(presented: &str, allowed: &[String]) -> bool {
    allowed.iter().fold(false, |ok, t| {
        let same = t.len() == presented.len()
            && t.bytes()
                .zip(presented.bytes())
                .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                == 0;
        ok | same
    })
}

/// The credentials of `Authorization: <scheme> <credentials>`. The scheme is compared without
/// regard to case (RFC 7235: "bearer", "Basic" and "BASIC" are the same scheme).
fn credentials<'h>(headers: &'h HeaderMap, scheme: &str) -> Option<&'h str> {
    let value = headers.get(AUTHORIZATION)?.to_str().ok()?.trim();
    let (given, rest) = value.split_once(' ')?;
    given
        .eq_ignore_ascii_case(scheme)
        .then_some(rest.trim())
        .filter(|c| !c.is_empty())
}

/// The token of `Authorization: Bearer …`.
pub fn bearer(headers: &HeaderMap) -> Option<&str> {
    credentials(headers, "bearer")
}

/// Failed log-ins allowed from one client address (an IPv6 /64) per window.
const FAILURES_PER_ADDRESS: u32 = 10;
/// Failed log-ins allowed for one configured user name, from all addresses, per window. Higher
/// than the per-address limit, so that one client's guessing does not lock the user out.
const FAILURES_PER_USER: u32 = 30;
/// How long failures are remembered: a client or user over its limit waits for the end of the
/// window that its first failure opened.
const FAILURE_WINDOW: Duration = Duration::from_secs(300);
/// Client addresses remembered at most (users are bounded by the configuration).
const ADDRESSES_CAP: usize = 10_000;
/// Argon2 verifications running at once, in the blocking pool: each takes tens of milliseconds
/// of a core and the async workers must stay free for everyone else.
const CONCURRENT_VERIFICATIONS: usize = 2;

/// What a request's HTTP Basic credentials amount to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Login {
    /// No Basic credentials (or no users configured).
    Absent,
    /// A configured user with the right password.
    Allowed,
    /// Wrong user or password (counted against the client and the user).
    Denied,
    /// Too many failures from this client or for this user: try again after this long.
    Limited(Duration),
}

/// Verifies HTTP Basic credentials against the configured users. Argon2 is deliberately slow
/// (tens of milliseconds), so a verified header is remembered by its SHA-256: a browser sends
/// the same header with every request and the dashboard must not pay for it each time. The
/// verification itself runs in the blocking pool, a few at a time, and failures are limited
/// per client address and per user name.
pub struct BasicUsers {
    users: Arc<Vec<WebUser>>,
    verified: Mutex<HashSet<[u8; 32]>>,
    verifying: Arc<Semaphore>,
    failures: Arc<Failures>,
}

/// Remembered credentials at most; past that the memory starts over (visitors choose headers).
const VERIFIED_CAP: usize = 10_000;

impl BasicUsers {
    pub fn new(users: Vec<WebUser>) -> BasicUsers {
        BasicUsers {
            users: Arc::new(users),
            verified: Mutex::new(HashSet::new()),
            verifying: Arc::new(Semaphore::new(CONCURRENT_VERIFICATIONS)),
            failures: Arc::new(Failures::default()),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.users.is_empty()
    }

    /// Checks the request's `Authorization: Basic …` sent from `client`.
    pub async fn check(&self, headers: &HeaderMap, client: IpAddr) -> Login {
        if self.users.is_empty() {
            return Login::Absent;
        }
        let Some(encoded) = credentials(headers, "basic") else {
            return Login::Absent;
        };
        let key: [u8; 32] = Sha256::digest(encoded.as_bytes()).into();
        // A header verified before is let in even while its user is limited: the limit stops
        // guessing, not the people already logged in.
        if self.verified.lock().is_ok_and(|v| v.contains(&key)) {
            return Login::Allowed;
        }
        let client = address_key(client);
        let Some((name, password)) = decode_basic(encoded) else {
            if let Some(wait) = self.failures.limited(client, None) {
                return Login::Limited(wait);
            }
            self.failures.record(client, None);
            return Login::Denied;
        };
        // Failures are counted per user only for configured names: visitors choose the others.
        let user = self.users.iter().position(|u| u.name == name);
        let user_name = user.is_some().then_some(name.as_str());
        if let Some(wait) = self.failures.limited(client, user_name) {
            return Login::Limited(wait);
        }
        let Some(index) = user else {
            self.failures.record(client, None);
            return Login::Denied;
        };
        let Ok(permit) = self.verifying.clone().acquire_owned().await else {
            return Login::Denied;
        };
        // Attempts that queued for the permit are checked again: the ones before them may have
        // used up the limit meanwhile.
        if let Some(wait) = self.failures.limited(client, user_name) {
            return Login::Limited(wait);
        }
        let (users, failures) = (self.users.clone(), self.failures.clone());
        // The permit and the count go with the work: a client that hangs up does not free the
        // permit early, nor escape the count.
        let verified = tokio::task::spawn_blocking(move || {
            let _permit = permit;
            let user = &users[index];
            let ok = PasswordHash::new(&user.password_hash).is_ok_and(|h| {
                Argon2::default()
                    .verify_password(password.as_bytes(), &h)
                    .is_ok()
            });
            if !ok {
                failures.record(client, Some(&user.name));
            }
            ok
        })
        .await
        .unwrap_or(false);
        if !verified {
            return Login::Denied;
        }
        if let Ok(mut v) = self.verified.lock() {
            if v.len() >= VERIFIED_CAP {
                v.clear();
            }
            v.insert(key);
        }
        Login::Allowed
    }
}

/// The address failures are counted against: an IPv4 address, or the /64 network of an IPv6
/// one (a single client usually holds a whole /64).
fn address_key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let s = v6.segments();
                IpAddr::V6(Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
            }
        },
        v4 => v4,
    }
}

/// Failures in the current window of one client or user.
#[derive(Debug, Clone, Copy)]
struct Window {
    opened: Instant,
    failures: u32,
}

impl Window {
    /// How long until the window closes, when it is over `limit`.
    fn wait(&self, limit: u32, now: Instant) -> Option<Duration> {
        let end = self.opened + FAILURE_WINDOW;
        (self.failures >= limit && now < end).then(|| end - now)
    }
}

/// Failed log-ins per client address and per configured user name, in fixed windows.
#[derive(Default)]
struct Failures {
    addresses: Mutex<HashMap<IpAddr, Window>>,
    users: Mutex<HashMap<String, Window>>,
}

impl Failures {
    /// How long `client` (or `user`) must wait, when over its limit.
    fn limited(&self, client: IpAddr, user: Option<&str>) -> Option<Duration> {
        let now = Instant::now();
        let by_address = self.addresses.lock().ok().and_then(|a| {
            a.get(&client)
                .and_then(|w| w.wait(FAILURES_PER_ADDRESS, now))
        });
        let by_user = user.and_then(|u| {
            self.users
                .lock()
                .ok()
                .and_then(|m| m.get(u).and_then(|w| w.wait(FAILURES_PER_USER, now)))
        });
        by_address.max(by_user)
    }

    fn record(&self, client: IpAddr, user: Option<&str>) {
        let now = Instant::now();
        if let Ok(mut addresses) = self.addresses.lock() {
            if !addresses.contains_key(&client) && addresses.len() >= ADDRESSES_CAP {
                addresses.retain(|_, w| now < w.opened + FAILURE_WINDOW);
                // Still full of live windows: the oldest one goes.
                if addresses.len() >= ADDRESSES_CAP
                    && let Some(oldest) = addresses.iter().min_by_key(|(_, w)| w.opened)
                {
                    let oldest = *oldest.0;
                    addresses.remove(&oldest);
                }
            }
            count(
                addresses.entry(client).or_insert(Window {
                    opened: now,
                    failures: 0,
                }),
                now,
            );
        }
        if let Some(user) = user
            && let Ok(mut users) = self.users.lock()
        {
            count(
                users.entry(user.to_owned()).or_insert(Window {
                    opened: now,
                    failures: 0,
                }),
                now,
            );
        }
    }
}

/// One more failure in `w`, which starts over when its window has closed.
fn count(w: &mut Window, now: Instant) {
    if now >= w.opened + FAILURE_WINDOW {
        *w = Window {
            opened: now,
            failures: 0,
        };
    }
    w.failures = w.failures.saturating_add(1);
}

/// Standard base64 as browsers send it in Basic credentials (RFC 7617), padding optional.
const BASIC_BASE64: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// `user:password` from the base64 of a Basic header.
fn decode_basic(encoded: &str) -> Option<(String, String)> {
    let text = String::from_utf8(BASIC_BASE64.decode(encoded.trim()).ok()?).ok()?;
    let (name, password) = text.split_once(':')?;
    Some((name.to_owned(), password.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A Basic header from its base64 (encoded with Python's base64 module).
    fn basic(encoded: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(
            AUTHORIZATION,
            format!("Basic {encoded}").parse().expect("header"),
        );
        h
    }

    #[test]
    fn tokens_compare_whole() {
        let allowed = vec!["s3cret-token".to_owned()];
        assert!(token_matches("s3cret-token", &allowed));
        assert!(!token_matches("s3cret-tokem", &allowed));
        assert!(!token_matches("s3cret", &allowed));
        assert!(!token_matches("", &[]));
    }

    #[test]
    fn schemes_are_case_insensitive() {
        let with = |value: &str| {
            let mut h = HeaderMap::new();
            h.insert(AUTHORIZATION, value.parse().expect("header"));
            h
        };
        for value in ["Bearer t0k", "bearer t0k", "BEARER  t0k"] {
            assert_eq!(bearer(&with(value)), Some("t0k"), "{value}");
        }
        assert_eq!(bearer(&with("Basic t0k")), None);
        assert_eq!(bearer(&with("Bearertok")), None);
        assert_eq!(bearer(&with("Bearer ")), None);
        assert_eq!(credentials(&with("bAsIc YWJj"), "basic"), Some("YWJj"));
    }

    #[test]
    fn basic_decodes_user_and_password() {
        // "Aladdin:open sesame" is RFC 7617's example.
        assert_eq!(
            decode_basic("QWxhZGRpbjpvcGVuIHNlc2FtZQ=="),
            Some(("Aladdin".into(), "open sesame".into()))
        );
        // Padding is optional, as before.
        assert_eq!(
            decode_basic("QWxhZGRpbjpvcGVuIHNlc2FtZQ"),
            Some(("Aladdin".into(), "open sesame".into()))
        );
        assert_eq!(decode_basic("%%%"), None);
        assert_eq!(decode_basic("YWJjZ"), None, "a lone sixth bit group");
        assert_eq!(
            decode_basic("bm9jb2xvbg=="),
            None,
            "no colon: not credentials"
        );
    }

    const RIGHT: &str = "Y2FsaWRhZDpjb250cmFzZcOxYSBzZWd1cmE="; // calidad:contraseña segura
    const WRONG_PASSWORD: &str = "Y2FsaWRhZDpjb250cmFzZcOxYQ=="; // calidad:contraseña
    const WRONG_USER: &str = "b3Rybzpjb250cmFzZcOxYSBzZWd1cmE="; // otro:contraseña segura

    fn calidad() -> BasicUsers {
        let hash = hash_password("contraseña segura").expect("hash");
        assert!(hash.starts_with("$argon2id$"), "{hash}");
        let users = vec![WebUser {
            name: "calidad".into(),
            password_hash: hash,
        }];
        validate_users(&users).expect("valid");
        BasicUsers::new(users)
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().expect("address")
    }

    #[tokio::test]
    async fn users_verify_by_argon2_and_only_with_the_right_password() {
        let auth = calidad();
        let here = ip("192.0.2.1");
        assert_eq!(auth.check(&basic(RIGHT), here).await, Login::Allowed);
        // Remembered: the same header again is accepted without a second argon2 run.
        assert_eq!(auth.check(&basic(RIGHT), here).await, Login::Allowed);
        assert_eq!(
            auth.check(&basic(WRONG_PASSWORD), here).await,
            Login::Denied
        );
        assert_eq!(auth.check(&basic(WRONG_USER), here).await, Login::Denied);
        assert_eq!(auth.check(&HeaderMap::new(), here).await, Login::Absent);
        let mut lower = HeaderMap::new();
        lower.insert(AUTHORIZATION, format!("basic {RIGHT}").parse().expect("h"));
        assert_eq!(auth.check(&lower, here).await, Login::Allowed);
    }

    #[tokio::test]
    async fn failures_are_limited_per_address_and_per_user() {
        let auth = calidad();
        let guesser = ip("192.0.2.7");
        for _ in 0..FAILURES_PER_ADDRESS {
            assert_eq!(
                auth.check(&basic(WRONG_PASSWORD), guesser).await,
                Login::Denied
            );
        }
        let Login::Limited(wait) = auth.check(&basic(WRONG_PASSWORD), guesser).await else {
            panic!("the guesser is limited");
        };
        assert!(wait > Duration::ZERO && wait <= FAILURE_WINDOW, "{wait:?}");
        // Even the right password waits: a limited client learns nothing more.
        assert!(matches!(
            auth.check(&basic(RIGHT), guesser).await,
            Login::Limited(_)
        ));
        // Another address still gets in (the user is below its own limit).
        assert_eq!(
            auth.check(&basic(RIGHT), ip("192.0.2.8")).await,
            Login::Allowed
        );
        // The same /64 is the same client.
        let net = ip("2001:db8:1:2::1");
        for _ in 0..FAILURES_PER_ADDRESS {
            auth.check(&basic(WRONG_USER), net).await;
        }
        assert!(matches!(
            auth.check(&basic(WRONG_USER), ip("2001:db8:1:2::ffff"))
                .await,
            Login::Limited(_)
        ));
        // Spread over many addresses, guesses against one user stop at the user's limit.
        let mut denied = FAILURES_PER_ADDRESS; // the guesser's
        let mut limited = false;
        for i in 0..2 * FAILURES_PER_USER {
            let from = IpAddr::V4(std::net::Ipv4Addr::from(0x0a00_0000 + i));
            match auth.check(&basic(WRONG_PASSWORD), from).await {
                Login::Denied => denied += 1,
                Login::Limited(_) => {
                    limited = true;
                    break;
                }
                other => panic!("{other:?}"),
            }
        }
        assert!(limited, "the user is limited");
        assert_eq!(denied, FAILURES_PER_USER);
        // The header verified before stays good.
        assert_eq!(
            auth.check(&basic(RIGHT), ip("192.0.2.9")).await,
            Login::Allowed
        );
    }

    #[test]
    fn remembered_addresses_are_bounded() {
        let failures = Failures::default();
        for i in 0..(ADDRESSES_CAP as u32 + 50) {
            failures.record(IpAddr::V4(std::net::Ipv4Addr::from(i)), None);
        }
        assert_eq!(
            failures.addresses.lock().expect("lock").len(),
            ADDRESSES_CAP
        );
    }

    #[test]
    fn bad_user_entries_are_refused_at_start_up() {
        let bad = |name: &str, hash: &str| {
            validate_users(&[WebUser {
                name: name.into(),
                password_hash: hash.into(),
            }])
            .expect_err("refused")
            .to_string()
        };
        assert!(bad("ana", "plaintext").contains("hash-password"));
        assert!(bad("", "x").contains("nombre"));
        let hash = hash_password("x").expect("hash");
        let twice = vec![
            WebUser {
                name: "ana".into(),
                password_hash: hash.clone(),
            },
            WebUser {
                name: "ana".into(),
                password_hash: hash,
            },
        ];
        assert!(
            validate_users(&twice)
                .expect_err("dup")
                .to_string()
                .contains("repetido")
        );
    }
}
