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
//! 3. the right password of a disabled account, or of an account whose
//!    role may not come in at this [`Door`] (an administrator enrolling a
//!    device, a peer on the console), is refused exactly like a wrong
//!    password — the same answer, and counted as a failure — so neither
//!    the answer nor the lockout tells that the password was right; the
//!    audit trail records what it was;
//! 4. the slot is settled (a failure counted, or a success clearing the
//!    account's failures) and the outcome audited.
//!
//! Steps 2–4 run in a task of their own, so a client that hangs up
//! mid-check cannot leave its slot taken.

use std::net::SocketAddr;

use crate::audit::edge as audited;
use crate::auth::throttle::{self, AttemptKeys};
use crate::auth::{Role, password};
use crate::db::DbError;
use crate::db::accounts::LoginRow;
use crate::http::SignInState;
use crate::metrics::Metrics;

/// Where a sign-in comes in, and who may use it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Door {
    /// The roles that may sign in here.
    roles: &'static [Role],
    /// What it is, for the audit trail.
    name: &'static str,
}

/// Device enrolment (`POST /api/v1/devices`): peers and supervisors.
pub(crate) const DEVICE_ENROLMENT: Door = Door {
    roles: &[Role::Peer, Role::Supervisor],
    name: "device enrolment",
};

/// The supervisor console's sign-in: supervisors only.
pub(crate) const CONSOLE: Door = Door {
    roles: &[Role::Supervisor],
    name: "the supervisor console",
};

/// Why a sign-in was refused.
#[derive(Debug, thiserror::Error)]
pub(crate) enum SignInRefused {
    /// The account or the address is locked for this many seconds.
    #[error("locked for {0} s")]
    Locked(u64),
    /// Wrong username or password, a disabled account, or an account that
    /// may not sign in at this door (one answer).
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
    /// The right password of an account that may sign in here.
    Accepted(LoginRow),
    /// A failed sign-in: of this account, when the password was right;
    /// why, for the audit trail.
    Refused(Option<LoginRow>, String),
}

/// Checks `username` and `password` from `addr` at `door`: the account's
/// row on success. Every outcome is logged and audited as a sign-in.
pub(crate) async fn check_password(
    state: &SignInState,
    addr: SocketAddr,
    username: &str,
    password: String,
    door: Door,
) -> Result<LoginRow, SignInRefused> {
    let keys = AttemptKeys::new(username, addr.ip());
    if let Some(retry_after_secs) = throttle::admit(&state.db, &state.limits, &keys).await? {
        Metrics::inc(&state.metrics.sign_ins_throttled);
        tracing::info!(%username, %addr, "sign-in refused: locked");
        audited::sign_in(&state.audit, addr, None, username, Err("locked")).await;
        return Err(SignInRefused::Locked(retry_after_secs));
    }
    // The attempt holds a slot from here: settle it even if the request
    // is dropped.
    let settle = tokio::spawn(check_and_settle(
        state.clone(),
        addr,
        username.to_owned(),
        password,
        door,
        keys,
    ));
    settle
        .await
        .map_err(|e| SignInRefused::Internal(format!("sign-in task: {e}")))?
}

/// Steps 2–4 of the module docs, for an admitted attempt.
async fn check_and_settle(
    state: SignInState,
    addr: SocketAddr,
    username: String,
    password: String,
    door: Door,
    keys: AttemptKeys,
) -> Result<LoginRow, SignInRefused> {
    let db = &state.db;
    let verdict = match check(&state, &username, password, door).await {
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
            audited::sign_in(
                &state.audit,
                addr,
                Some((login.id, &username)),
                &username,
                Ok(()),
            )
            .await;
            Ok(login)
        }
        Verdict::Refused(login, why) => {
            throttle::failed(db, &state.limits, &keys).await?;
            tracing::info!(%username, %addr, door = door.name, "sign-in refused: {why}");
            let user = login.as_ref().map(|l| (l.id, username.as_str()));
            audited::sign_in(&state.audit, addr, user, &username, Err(&why)).await;
            Err(SignInRefused::Invalid)
        }
    }
}

/// Looks the account up, checks the password, and whether the account may
/// sign in at `door`.
async fn check(
    state: &SignInState,
    username: &str,
    password: String,
    door: Door,
) -> Result<Verdict, SignInRefused> {
    let login = state.db.login_row(username).await?;
    let stored = login.as_ref().map(|l| l.password_hash.clone());
    let matches = {
        let _permit = state
            .password_checks
            .acquire()
            .await
            .map_err(|e| SignInRefused::Internal(format!("gate: {e}")))?;
        Metrics::inc(&state.metrics.password_checks);
        tokio::task::spawn_blocking(move || password::verify(&password, stored.as_deref()))
            .await
            .map_err(|e| SignInRefused::Internal(e.to_string()))?
    };
    let Some(login) = login.filter(|_| matches) else {
        return Ok(Verdict::Refused(None, "wrong username or password".into()));
    };
    if login.disabled {
        let why = "right password, but the account is disabled".to_owned();
        return Ok(Verdict::Refused(Some(login), why));
    }
    let why = match Role::parse(&login.role) {
        Some(role) if door.roles.contains(&role) => return Ok(Verdict::Accepted(login)),
        Some(role) => format!("right password, but role {role} may not use {}", door.name),
        None => {
            tracing::error!(%username, role = %login.role, "sign-in: the account's role is unknown");
            format!("right password, but the role {:?} is unknown", login.role)
        }
    };
    Ok(Verdict::Refused(Some(login), why))
}
