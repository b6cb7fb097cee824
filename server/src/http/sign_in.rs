//! Checking a username and password, shared by device enrolment
//! (`POST /api/v1/devices`) and the supervisor console's `POST /signin`, so
//! both throttle, verify and audit sign-ins the same way:
//!
//! 1. a locked account or address is refused before the password is looked
//!    at, so even the right one is refused;
//! 2. the password is checked with Argon2id off the async threads, behind
//!    the API's gate on concurrent checks; an unknown user is checked
//!    against a dummy hash, so both failures take the same time and get the
//!    same answer, and both are counted;
//! 3. a disabled account is refused like a wrong password;
//! 4. success clears the account's failures and is audited.
//!
//! What the caller does with the account (the role it needs) is its own
//! business.

use std::net::SocketAddr;

use crate::auth::{password, throttle};
use crate::db::DbError;
use crate::db::accounts::LoginRow;
use crate::http::{AppState, audited};

/// Why a sign-in was refused.
#[derive(Debug, thiserror::Error)]
pub(crate) enum SignInRefused {
    /// The account or the address is locked for this many seconds.
    #[error("locked for {0} s")]
    Locked(u64),
    /// Wrong username or password, or a disabled account (one answer).
    #[error("wrong username or password")]
    Invalid,
    /// The database failed.
    #[error(transparent)]
    Db(#[from] DbError),
    /// The password check could not run.
    #[error("password check: {0}")]
    Internal(String),
}

/// Checks `username` and `password` from `addr`: the account's row on
/// success. Every outcome is logged and audited as a sign-in.
pub(crate) async fn check_password(
    state: &AppState,
    addr: SocketAddr,
    username: &str,
    password: String,
) -> Result<LoginRow, SignInRefused> {
    let db = &state.db;
    let account_key = throttle::account_key(username);
    let keys = [account_key.clone(), throttle::address_key(addr.ip())];
    if let Some(retry_after_secs) = throttle::locked_for(db, &keys).await? {
        tracing::info!(%username, %addr, "sign-in refused: locked");
        audited::sign_in(state, addr, None, username, Err("locked"));
        return Err(SignInRefused::Locked(retry_after_secs));
    }

    let login = db.login_row(username).await?;
    let stored = login.as_ref().map(|l| l.password_hash.clone());
    let matches = {
        let _permit = state
            .api
            .password_checks
            .acquire()
            .await
            .map_err(|e| SignInRefused::Internal(format!("gate: {e}")))?;
        tokio::task::spawn_blocking(move || password::verify(&password, stored.as_deref()))
            .await
            .map_err(|e| SignInRefused::Internal(e.to_string()))?
    };
    let login = match login {
        Some(login) if matches => login,
        _ => {
            throttle::record_failure(db, &state.api.limits, &keys[0], &keys[1]).await?;
            tracing::info!(%username, %addr, "sign-in refused: wrong username or password");
            audited::sign_in(
                state,
                addr,
                None,
                username,
                Err("wrong username or password"),
            );
            return Err(SignInRefused::Invalid);
        }
    };
    if login.disabled {
        tracing::info!(%username, %addr, "sign-in refused: user disabled");
        audited::sign_in(
            state,
            addr,
            Some((login.id, username)),
            username,
            Err("disabled"),
        );
        return Err(SignInRefused::Invalid);
    }
    throttle::record_success(db, &account_key).await?;
    audited::sign_in(state, addr, Some((login.id, username)), username, Ok(()));
    Ok(login)
}
