//! Form bodies (`application/x-www-form-urlencoded`) of console POSTs.
//! [`ConsoleForm`] parses one into a struct whose fields are all optional,
//! so that a missing field is the handler's clear message (and a missing
//! CSRF token its 403), never a generic rejection.

use axum::Form;
use axum::extract::{FromRequest, Request};
use serde::de::DeserializeOwned;

use super::page::ConsoleError;

/// A parsed form body.
#[derive(Debug)]
pub struct ConsoleForm<T>(pub T);

impl<S, T> FromRequest<S> for ConsoleForm<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = ConsoleError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ConsoleError> {
        match Form::<T>::from_request(request, state).await {
            Ok(Form(value)) => Ok(ConsoleForm(value)),
            Err(rejection) => Err(ConsoleError::BadRequest(format!(
                "The form could not be read ({}).",
                rejection.body_text()
            ))),
        }
    }
}

/// `value` trimmed, or `None` when absent or blank.
pub fn non_blank(value: Option<&str>) -> Option<&str> {
    value.map(str::trim).filter(|v| !v.is_empty())
}
