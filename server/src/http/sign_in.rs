//! Checking a username and password, shared by device enrolment
//! (`POST /api/v1/devices`) and the supervisor console's `POST /signin`, so
//! both throttle, verify and audit sign-ins the same way:
//!
//! 1. the attempt takes a slot on its account and its address
//!    ([`throttle::admit`]) before anything else; a locked key, or one whose
//!    slots are all held by attempts being checked, refuses it at once, so
//!    even the right password is refused and no password is checked;
//! 2. the password is checked with Argon2id off the async threads, behind
//!    the API's gate on concurrent checks; an unknown user is checked
//!    against a dummy hash, so both failures take the same time and get the
//!    same answer, and both are counted;
//! 3. a disabled account is refused like a wrong password;
//! 4. the slot is settled (a failure counted, or a success clearing the
//!    account's failures) and the outcome audited.
//!
//! Steps 2–4 run in a task of their own, so a client that hangs up
//! mid-check cannot leave its slot taken.
//!
//! What the caller does with the account (the role it needs) is its own
//! business.

use std::net::SocketAddr;

use crate::auth::password;
use crate::auth::throttle::{self, AttemptKeys};
use crate::db::DbError;
use crate::db::accounts::LoginRow;
use crate::http::{AppState, audited};
use crate::metrics::Metrics;

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

/// What checking the password found.
enum Verdict {
    /// The right password of an account that may sign in.
    Accepted(LoginRow),
    /// A failed sign-in: of this user, if the password was theirs; why.
    Refused(Option<LoginRow>, &'static str),
    /// The right password of a disabled account: refused like a wrong one,
    /// not counted.
    Disabled(LoginRow),
}

/// Checks `username` and `password` from `addr`: the account's row on
/// success. Every outcome is logged and audited as a sign-in.
pub(crate) async fn check_password(
    state: &AppState,
    addr: SocketAddr,
    username: &str,
    password: String,
) -> Result<LoginRow, SignInRefused> {
    let keys = AttemptKeys::new(username, addr.ip());
    if let Some(retry_after_secs) = throttle::admit(&state.db, &state.api.limits, &keys).await? {
        Metrics::inc(&state.metrics.sign_ins_throttled);
        tracing::info!(%username, %addr, "sign-in refused: locked");
        audited::sign_in(state, addr, None, username, Err("locked"));
        return Err(SignInRefused::Locked(retry_after_secs));
    }
    // The attempt holds a slot from here: settle it even if the request
    // is dropped.
    let settle = tokio::spawn(check_and_settle(
        state.clone(),
        addr,
        username.to_owned(),
        password,
        keys,
    ));
    settle
        .await
        .map_err(|e| SignInRefused::Internal(format!("sign-in task: {e}")))?
}

/// Steps 2–4 of the module docs, for an admitted attempt.
async fn check_and_settle(
    state: AppState,
    addr: SocketAddr,
    username: String,
    password: String,
    keys: AttemptKeys,
) -> Result<LoginRow, SignInRefused> {
    let db = &state.db;
    let verdict = match check(&state, &username, password).await {
        Ok(verdict) => verdict,
        Err(e) => {
            if let Err(release) = throttle::abandoned(db, &keys).await {
                tracing::warn!(error = %release, %username, "sign-in slot not released");
            }
            return Err(e);
        }
    };
    match verdict {
        Verdict::Accepted(login) => {
            throttle::succeeded(db, &keys).await?;
            audited::sign_in(&state, addr, Some((login.id, &username)), &username, Ok(()));
            Ok(login)
        }
        Verdict::Refused(login, why) => {
            throttle::failed(db, &state.api.limits, &keys).await?;
            tracing::info!(%username, %addr, "sign-in refused: {why}");
            let user = login.as_ref().map(|l| (l.id, username.as_str()));
            audited::sign_in(&state, addr, user, &username, Err(why));
            Err(SignInRefused::Invalid)
        }
        Verdict::Disabled(login) => {
            throttle::abandoned(db, &keys).await?;
            tracing::info!(%username, %addr, "sign-in refused: user disabled");
            audited::sign_in(
                &state,
                addr,
                Some((login.id, &username)),
                &username,
                Err("disabled"),
            );
            Err(SignInRefused::Invalid)
        }
    }
}

/// Looks the account up and checks the password.
async fn check(
    state: &AppState,
    username: &str,
    password: String,
) -> Result<Verdict, SignInRefused> {
    let login = state.db.login_row(username).await?;
    let stored = login.as_ref().map(|l| l.password_hash.clone());
    let matches = {
        let _permit = state
            .api
            .password_checks
            .acquire()
            .await
            .map_err(|e| SignInRefused::Internal(format!("gate: {e}")))?;
        Metrics::inc(&state.metrics.password_checks);
        tokio::task::spawn_blocking(move || password::verify(&password, stored.as_deref()))
            .await
            .map_err(|e| SignInRefused::Internal(e.to_string()))?
    };
    Ok(match login {
        Some(login) if matches && login.disabled => Verdict::Disabled(login),
        Some(login) if matches => Verdict::Accepted(login),
        _ => Verdict::Refused(None, "wrong username or password"),
    })
}
