//! Who may read and who may write: bearer tokens for programs, named users with argon2 password
//! hashes (HTTP Basic) for people opening the dashboard in a browser.

use std::collections::HashSet;
use std::sync::Mutex;

use argon2::Argon2;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use axum::http::HeaderMap;
use axum::http::header::AUTHORIZATION;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

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

pub fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
}

/// Verifies HTTP Basic credentials against the configured users. Argon2 is deliberately slow
/// (tens of milliseconds), so a verified header is remembered by its SHA-256: a browser sends
/// the same header with every request and the dashboard must not pay for it each time.
pub struct BasicUsers {
    users: Vec<WebUser>,
    verified: Mutex<HashSet<[u8; 32]>>,
}

/// Remembered credentials at most; past that the memory starts over (visitors choose headers).
const VERIFIED_CAP: usize = 10_000;

impl BasicUsers {
    pub fn new(users: Vec<WebUser>) -> BasicUsers {
        BasicUsers {
            users,
            verified: Mutex::new(HashSet::new()),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.users.is_empty()
    }

    /// True when the request carries `Authorization: Basic …` of a configured user.
    pub fn allows(&self, headers: &HeaderMap) -> bool {
        if self.users.is_empty() {
            return false;
        }
        let Some(encoded) = headers
            .get(AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Basic "))
        else {
            return false;
        };
        let key: [u8; 32] = Sha256::digest(encoded.trim().as_bytes()).into();
        if self.verified.lock().is_ok_and(|v| v.contains(&key)) {
            return true;
        }
        let Some((name, password)) = decode_basic(encoded.trim()) else {
            return false;
        };
        let ok = self.users.iter().any(|u| {
            u.name == name
                && PasswordHash::new(&u.password_hash).is_ok_and(|h| {
                    Argon2::default()
                        .verify_password(password.as_bytes(), &h)
                        .is_ok()
                })
        });
        if ok && let Ok(mut v) = self.verified.lock() {
            if v.len() >= VERIFIED_CAP {
                v.clear();
            }
            v.insert(key);
        }
        ok
    }
}

/// `user:password` from the base64 of a Basic header.
fn decode_basic(encoded: &str) -> Option<(String, String)> {
    let text = String::from_utf8(base64_decode(encoded)?).ok()?;
    let (name, password) = text.split_once(':')?;
    Some((name.to_owned(), password.to_owned()))
}

/// Standard base64 (RFC 4648, padding optional). Written here because it is a dozen lines, and
/// the base64 crates in the tree come in through other crates at versions of their choosing.
pub fn base64_decode(encoded: &str) -> Option<Vec<u8>> {
    let value = |c: u8| -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        } as u32)
    };
    let body = encoded.trim().trim_end_matches('=');
    let digits = body.bytes().map(value).collect::<Option<Vec<u32>>>()?;
    if digits.len() % 4 == 1 {
        return None;
    }
    let mut out = Vec::with_capacity(digits.len() * 3 / 4);
    for chunk in digits.chunks(4) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |acc, (i, d)| acc | d << (18 - 6 * i));
        let bytes = [(n >> 16) as u8, (n >> 8) as u8, n as u8];
        out.extend_from_slice(&bytes[..chunk.len() - 1]);
    }
    Some(out)
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
    fn base64_decodes() {
        assert_eq!(base64_decode("aGVsbG8=").as_deref(), Some(&b"hello"[..]));
        assert_eq!(
            base64_decode("aGVsbG8hIQ==").as_deref(),
            Some(&b"hello!!"[..])
        );
        assert_eq!(base64_decode("YWJj").as_deref(), Some(&b"abc"[..]));
        assert_eq!(base64_decode("YWJjZ"), None, "a lone sixth bit group");
    }

    #[test]
    fn basic_decodes_user_and_password() {
        // "Aladdin:open sesame" is RFC 7617's example.
        assert_eq!(
            decode_basic("QWxhZGRpbjpvcGVuIHNlc2FtZQ=="),
            Some(("Aladdin".into(), "open sesame".into()))
        );
        assert_eq!(decode_basic("%%%"), None);
        assert_eq!(
            decode_basic("bm9jb2xvbg=="),
            None,
            "no colon: not credentials"
        );
    }

    #[test]
    fn users_verify_by_argon2_and_only_with_the_right_password() {
        const RIGHT: &str = "Y2FsaWRhZDpjb250cmFzZcOxYSBzZWd1cmE="; // calidad:contraseña segura
        const WRONG_PASSWORD: &str = "Y2FsaWRhZDpjb250cmFzZcOxYQ=="; // calidad:contraseña
        const WRONG_USER: &str = "b3Rybzpjb250cmFzZcOxYSBzZWd1cmE="; // otro:contraseña segura
        let hash = hash_password("contraseña segura").expect("hash");
        assert!(hash.starts_with("$argon2id$"), "{hash}");
        let users = vec![WebUser {
            name: "calidad".into(),
            password_hash: hash,
        }];
        validate_users(&users).expect("valid");
        let auth = BasicUsers::new(users);
        assert!(auth.allows(&basic(RIGHT)));
        // Remembered: the same header again is accepted without a second argon2 run.
        assert!(auth.allows(&basic(RIGHT)));
        assert!(!auth.allows(&basic(WRONG_PASSWORD)));
        assert!(!auth.allows(&basic(WRONG_USER)));
        assert!(!auth.allows(&HeaderMap::new()));
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
