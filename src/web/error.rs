//! The one error type of the HTTP layer: a status and a Spanish message, as JSON; internal
//! details are logged, never sent (no paths, no stack traces). axum's own rejections (query,
//! path, body) are turned into it here, so that no English framework text reaches a client.

use std::time::Duration;

use axum::Json;
use axum::extract::path::ErrorKind;
use axum::extract::rejection::{BytesRejection, JsonRejection, PathRejection, QueryRejection};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// Seconds a client is told to wait (`Retry-After`) when the server is busy.
pub const RETRY_AFTER_SECS: u64 = 2;

// Clone: one result of a single-flight computation is handed to every request that waited.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    BadRequest(String),
    #[error("se requiere autenticación")]
    Unauthorized,
    #[error("{0}")]
    NotFound(String),
    #[error("el método {0} no está permitido en esta dirección")]
    MethodNotAllowed(String),
    #[error("{0}")]
    PayloadTooLarge(String),
    #[error("{0}")]
    UnsupportedMediaType(String),
    #[error("{0}")]
    Unprocessable(String),
    /// Too many failed log-ins: the client may try again after `retry_after`.
    #[error(
        "demasiados intentos fallidos de inicio de sesión: espere {} s antes de intentarlo de nuevo",
        whole_seconds(*retry_after)
    )]
    TooManyAttempts { retry_after: Duration },
    /// The server is at its limit (computations or writes queued): 503 with `Retry-After`.
    #[error("{0}")]
    Busy(String),
    #[error("error interno")]
    Internal(String),
}

/// Seconds to announce in `Retry-After`: rounded up, never 0.
fn whole_seconds(d: Duration) -> u64 {
    u64::try_from(d.as_millis().div_ceil(1000))
        .unwrap_or(u64::MAX)
        .max(1)
}

impl ApiError {
    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::Unauthorized => StatusCode::UNAUTHORIZED,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::Unprocessable(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::TooManyAttempts { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Busy(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// Any lower-layer failure: logged in full, answered as a bare "error interno".
    pub fn internal(e: impl std::fmt::Display) -> ApiError {
        ApiError::Internal(e.to_string())
    }

    /// Headers the response of this error carries besides its body (`WWW-Authenticate`,
    /// `Retry-After`).
    fn decorate(&self, response: &mut Response) {
        match self {
            ApiError::Unauthorized => {
                response.headers_mut().insert(
                    header::WWW_AUTHENTICATE,
                    HeaderValue::from_static("Bearer realm=\"mesa-sla\""),
                );
            }
            ApiError::TooManyAttempts { retry_after } => {
                response
                    .headers_mut()
                    .insert(header::RETRY_AFTER, whole_seconds(*retry_after).into());
            }
            ApiError::Busy(_) => {
                response
                    .headers_mut()
                    .insert(header::RETRY_AFTER, RETRY_AFTER_SECS.into());
            }
            _ => {}
        }
    }
}

impl From<crate::store::StoreError> for ApiError {
    fn from(e: crate::store::StoreError) -> Self {
        ApiError::internal(e)
    }
}

impl From<crate::report::ReportError> for ApiError {
    fn from(e: crate::report::ReportError) -> Self {
        match e {
            crate::report::ReportError::NoData { .. } => ApiError::NotFound(e.to_string()),
            other => ApiError::internal(other),
        }
    }
}

/// The parameter a query-string error names: serde reports `name: what went wrong`. Only a
/// plain parameter name is taken (the rest of the text is serde's English).
fn query_parameter(detail: &str) -> Option<&str> {
    let (name, _) = detail.split_once(": ")?;
    let plain = !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    plain.then_some(name)
}

impl From<QueryRejection> for ApiError {
    fn from(rejection: QueryRejection) -> Self {
        let text = rejection.body_text();
        let detail = text
            .strip_prefix("Failed to deserialize query string: ")
            .unwrap_or_default();
        ApiError::BadRequest(match query_parameter(detail) {
            Some(name) => format!("el parámetro «{name}» de la consulta no tiene un valor válido"),
            None => "los parámetros de la consulta (después de «?») no son válidos".into(),
        })
    }
}

impl From<PathRejection> for ApiError {
    fn from(rejection: PathRejection) -> Self {
        let PathRejection::FailedToDeserializePathParams(failed) = rejection else {
            return ApiError::internal(rejection.body_text());
        };
        if failed.status().is_server_error() {
            return ApiError::internal(failed.body_text());
        }
        ApiError::BadRequest(match failed.kind() {
            ErrorKind::InvalidUtf8InPathParam { .. } => {
                "la dirección no es válida: uno de sus segmentos no es texto UTF-8 válido".into()
            }
            ErrorKind::ParseErrorAtKey { key, value, .. }
            | ErrorKind::DeserializeError { key, value, .. } => {
                format!("la dirección no es válida: «{value}» no sirve como «{key}»")
            }
            ErrorKind::ParseError { value, .. } | ErrorKind::ParseErrorAtIndex { value, .. } => {
                format!("la dirección no es válida: «{value}» no es un valor admitido")
            }
            _ => "la dirección no es válida".into(),
        })
    }
}

/// A body that could not be read: too large (413) or cut short (400).
fn body_error(status: StatusCode) -> ApiError {
    if status == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::PayloadTooLarge(format!(
            "el cuerpo de la solicitud supera el límite de {} MB",
            super::BODY_LIMIT / (1024 * 1024)
        ))
    } else {
        ApiError::BadRequest("no se pudo leer el cuerpo de la solicitud".into())
    }
}

impl From<BytesRejection> for ApiError {
    fn from(rejection: BytesRejection) -> Self {
        body_error(rejection.status())
    }
}

impl From<JsonRejection> for ApiError {
    fn from(rejection: JsonRejection) -> Self {
        match rejection {
            // serde's detail (which field, which line), without axum's English sentence.
            JsonRejection::JsonDataError(e) => {
                ApiError::Unprocessable(match std::error::Error::source(&e) {
                    Some(detail) => format!("el JSON no tiene la forma esperada: {detail}"),
                    None => "el JSON no tiene la forma esperada".into(),
                })
            }
            JsonRejection::JsonSyntaxError(_) => {
                ApiError::BadRequest("el cuerpo no es JSON válido".into())
            }
            JsonRejection::MissingJsonContentType(_) => {
                ApiError::UnsupportedMediaType("se espera «Content-Type: application/json»".into())
            }
            JsonRejection::BytesRejection(e) => body_error(e.status()),
            other => ApiError::internal(other.body_text()),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if let ApiError::Internal(detail) = &self {
            tracing::error!("error interno: {detail}");
        }
        let status = self.status();
        let mut response = (
            status,
            Json(serde_json::json!({ "error": self.to_string() })),
        )
            .into_response();
        self.decorate(&mut response);
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_rounds_up_and_is_never_zero() {
        assert_eq!(whole_seconds(Duration::from_millis(1500)), 2);
        assert_eq!(whole_seconds(Duration::from_secs(3)), 3);
        assert_eq!(whole_seconds(Duration::ZERO), 1);
    }

    #[test]
    fn query_errors_name_only_a_plain_parameter() {
        assert_eq!(
            query_parameter("limit: invalid digit found in string"),
            Some("limit")
        );
        assert_eq!(query_parameter("invalid type: map"), None);
        assert_eq!(query_parameter("no separator"), None);
    }
}
