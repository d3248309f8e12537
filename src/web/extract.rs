//! Extractors whose rejections are the server's own Spanish errors: the same as axum's `Query`,
//! `Path` and `Bytes`, but a bad query string, path or body is answered with [`ApiError`]'s JSON
//! (API routes) or the error page (page routes), never with axum's English text.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use super::ApiError;
use super::pages::PageError;

/// Query parameters; a value that does not parse is a Spanish 400.
pub struct Query<T>(pub T);

/// Path parameters; a segment that does not decode or parse is a Spanish 400.
pub struct Path<T>(pub T);

/// The whole request body; over the limit it is a Spanish 413.
pub struct Body(pub Bytes);

/// [`Query`] for the pages: its errors are shown as the error page.
pub struct PageQuery<T>(pub T);

/// [`Path`] for the pages: its errors are shown as the error page.
pub struct PagePath<T>(pub T);

impl<T, S> FromRequestParts<S> for Query<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let axum::extract::Query(value) =
            axum::extract::Query::<T>::from_request_parts(parts, state).await?;
        Ok(Query(value))
    }
}

impl<T, S> FromRequestParts<S> for Path<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let axum::extract::Path(value) =
            axum::extract::Path::<T>::from_request_parts(parts, state).await?;
        Ok(Path(value))
    }
}

impl<S> FromRequest<S> for Body
where
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        Ok(Body(Bytes::from_request(req, state).await?))
    }
}

impl<T, S> FromRequestParts<S> for PageQuery<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, PageError> {
        let Query(value) = Query::<T>::from_request_parts(parts, state).await?;
        Ok(PageQuery(value))
    }
}

impl<T, S> FromRequestParts<S> for PagePath<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, PageError> {
        let Path(value) = Path::<T>::from_request_parts(parts, state).await?;
        Ok(PagePath(value))
    }
}
