//! [`Device`]: the extractor of an API request's device, from its
//! `Authorization: Bearer` token (the API takes no token in the query,
//! where it would end up in logs). A refusal is a 401 `unauthorized` (with
//! the purge instruction for a revoked device), or 503 when the database
//! cannot be asked.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRef, FromRequestParts};
use axum::http::request::Parts;
use uuid::Uuid;

use super::ApiError;
use crate::auth::Principal;
use crate::auth::device::authenticate_request;
use crate::http::Gate;

/// An authenticated device and its user.
#[derive(Debug, Clone)]
pub struct Device {
    /// The user behind the token.
    pub principal: Principal,
    /// The device the token belongs to.
    pub device_id: Uuid,
}

impl<S> FromRequestParts<S> for Device
where
    S: Send + Sync,
    Gate: FromRef<S>,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let state = Gate::from_ref(state);
        let addr = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|info| info.0);
        let principal = match authenticate_request(&state.db, &parts.headers, None, addr).await {
            Ok(principal) => principal,
            Err(refused) => {
                if let Some(addr) = addr {
                    crate::http::audit_refused_token(&state.audit, addr, &refused).await;
                }
                return Err(refused.into());
            }
        };
        let device_id = principal
            .device_id
            .ok_or(ApiError::Unauthorized { purge: false })?;
        Ok(Device {
            principal,
            device_id,
        })
    }
}
