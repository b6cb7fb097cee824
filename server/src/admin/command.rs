//! The `admin` command line: `alongside-server admin
//! user|team|device|assign|cover|unlock …`.
//!
//! [`AdminCommand`] is the clap subcommand tree and [`run`] carries a parsed
//! command out against a migrated database, printing for a human and for
//! scripts: a secret that is handed out (a generated password, a device
//! token) is printed alone on the last line of stdout. Nothing prompts;
//! `--password-stdin` reads the password from standard input.
//!
//! More administration joins by adding a variant to [`AdminCommand`] and its
//! arm in [`run`].

use std::io::BufRead;

use clap::{Args, Subcommand};
use uuid::Uuid;

use super::{AdminError, Lifetime, NewUser, enroll::DEFAULT_LIFETIME_DAYS};
use crate::audit::{AuditAction, AuditOutcome, AuditRecord};
use crate::auth::Role;
use crate::db::Db;

/// `admin` subcommands.
#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Manage users.
    User {
        /// What to do.
        #[command(subcommand)]
        action: UserAction,
    },
    /// Manage teams.
    Team {
        /// What to do.
        #[command(subcommand)]
        action: TeamAction,
    },
    /// Manage enrolled devices.
    Device {
        /// What to do.
        #[command(subcommand)]
        action: DeviceAction,
    },
    /// The hash-chained audit trail.
    Audit {
        /// What to do with it.
        #[command(subcommand)]
        action: super::audit::AuditCommand,
    },
    /// Assign a participant record to a peer; the previous peer's devices
    /// are told to purge it.
    Assign {
        /// The participant record (document id or automerge: URL).
        #[arg(long)]
        participant: String,
        /// The peer's username.
        #[arg(long)]
        to: String,
    },
    /// Let a colleague (a peer) write a participant record and its logs
    /// besides its assigned peer, while that peer is away; `--end` ends
    /// it and the colleague's devices are told to purge them.
    Cover {
        /// The participant record (document id or automerge: URL).
        #[arg(long)]
        participant: String,
        /// The covering peer's username.
        #[arg(long)]
        by: String,
        /// The cover's last day (YYYY-MM-DD, UTC): it ends by itself
        /// after it. Without: until `--end`.
        #[arg(long, conflicts_with = "end")]
        until: Option<String>,
        /// End the cover instead of granting it.
        #[arg(long)]
        end: bool,
    },
    /// Clear a sign-in lockout of an account or a client address.
    Unlock(UnlockArgs),
}

/// `admin unlock` flags (one or both).
#[derive(Debug, Args)]
#[group(required = true, multiple = true)]
pub struct UnlockArgs {
    /// The account's username.
    #[arg(long)]
    pub username: Option<String>,
    /// The client address (IPv4 or IPv6).
    #[arg(long)]
    pub address: Option<String>,
}

/// `admin user` subcommands.
#[derive(Debug, Subcommand)]
pub enum UserAction {
    /// Add a user (and their team membership).
    Add(UserAddArgs),
}

/// `admin user add` flags.
#[derive(Debug, Args)]
pub struct UserAddArgs {
    /// Sign-in name.
    #[arg(long)]
    pub username: String,
    /// `peer`, `supervisor` or `admin`.
    #[arg(long, value_parser = parse_role)]
    pub role: Role,
    /// Team the peer joins, or the supervisor supervises.
    #[arg(long)]
    pub team: Option<String>,
    /// Name shown in the console (default: the username).
    #[arg(long)]
    pub display_name: Option<String>,
    /// Read the password from the first line of standard input. Without it a
    /// random password is generated and printed.
    #[arg(long)]
    pub password_stdin: bool,
}

/// `admin team` subcommands.
#[derive(Debug, Subcommand)]
pub enum TeamAction {
    /// Add a team.
    Add {
        /// Its name.
        #[arg(long)]
        name: String,
    },
}

/// `admin device` subcommands.
#[derive(Debug, Subcommand)]
pub enum DeviceAction {
    /// Enrol a device for a user; prints its token alone on the last line.
    Enroll {
        /// The device's user.
        #[arg(long)]
        username: String,
        /// A name to recognise the device by.
        #[arg(long)]
        device_name: String,
        /// Days until the token expires.
        #[arg(long, default_value_t = DEFAULT_LIFETIME_DAYS, allow_negative_numbers = true)]
        expires_in_days: i64,
    },
    /// List devices (all, or one user's).
    List {
        /// Only this user's devices.
        #[arg(long)]
        username: Option<String>,
    },
    /// Revoke a device: its token is refused from now on.
    Revoke {
        /// The device's id.
        #[arg(long)]
        device: Uuid,
    },
    /// Give a device a new token (the old one stops working at once); prints
    /// it alone on the last line.
    Rotate {
        /// The device's id.
        #[arg(long)]
        device: Uuid,
        /// Days until the new token expires.
        #[arg(long, default_value_t = DEFAULT_LIFETIME_DAYS, allow_negative_numbers = true)]
        expires_in_days: i64,
    },
}

fn parse_role(name: &str) -> Result<Role, String> {
    Role::parse(name).ok_or_else(|| format!("{name:?} is not one of peer, supervisor, admin"))
}

/// Carries out `command` against `db` (already migrated), printing to
/// stdout.
pub async fn run(db: &Db, command: AdminCommand) -> Result<(), AdminError> {
    let audited = audit_entry(&command);
    // Reading the trail is audited whatever it found (a broken chain was
    // still read); a change only when it was made.
    let read = matches!(command, AdminCommand::Audit { .. });
    let result = execute(db, command).await;
    if let Some(record) = audited
        && (result.is_ok() || read)
    {
        db.append_audit(&[record]).await?;
    }
    result
}

/// The audit event a command leaves (no secrets in it): every change, and
/// every read of the audit trail (which names who touched which record).
/// Listing devices shows no participant data and leaves none.
fn audit_entry(command: &AdminCommand) -> Option<AuditRecord> {
    let (action, detail, document) = match command {
        AdminCommand::User {
            action: UserAction::Add(args),
        } => (
            AuditAction::AccountChanged,
            format!("user add {} as {}", args.username, args.role),
            None,
        ),
        AdminCommand::Team {
            action: TeamAction::Add { name },
        } => (
            AuditAction::AccountChanged,
            format!("team add {name}"),
            None,
        ),
        AdminCommand::Device { action } => match action {
            DeviceAction::Enroll {
                username,
                device_name,
                ..
            } => (
                AuditAction::DeviceEnrolled,
                format!("device enroll {device_name:?} for {username}"),
                None,
            ),
            DeviceAction::Revoke { device } => (
                AuditAction::DeviceRevoked,
                format!("device revoke {device}"),
                None,
            ),
            DeviceAction::Rotate { device, .. } => (
                AuditAction::DeviceRotated,
                format!("device rotate {device}"),
                None,
            ),
            DeviceAction::List { .. } => return None,
        },
        AdminCommand::Audit { action } => (
            AuditAction::AuditRead,
            super::audit::describe(action),
            match action {
                super::audit::AuditCommand::List(args) => args.document,
                super::audit::AuditCommand::Verify => None,
            },
        ),
        AdminCommand::Unlock(args) => (
            AuditAction::AccountChanged,
            format!(
                "unlock {}",
                args.username
                    .as_deref()
                    .or(args.address.as_deref())
                    .unwrap_or_default()
            ),
            None,
        ),
        AdminCommand::Assign { participant, to } => (
            AuditAction::Assigned,
            format!("assign to {to}"),
            super::assign::parse_document(participant).ok(),
        ),
        AdminCommand::Cover {
            participant,
            by,
            until,
            end,
        } => (
            if *end {
                AuditAction::CoverEnded
            } else {
                AuditAction::CoverGranted
            },
            match (end, until) {
                (true, _) => format!("end cover by {by}"),
                (false, Some(day)) => format!("cover by {by} through {day}"),
                (false, None) => format!("cover by {by}"),
            },
            super::assign::parse_document(participant).ok(),
        ),
    };
    let operator = std::env::var("USER").unwrap_or_else(|_| "unknown".into());
    let mut record = AuditRecord::new(action, AuditOutcome::Allowed)
        .detail(format!("admin command line (os user {operator}): {detail}"));
    if let Some(document) = document {
        record = record.document(document);
    }
    Some(record)
}

async fn execute(db: &Db, command: AdminCommand) -> Result<(), AdminError> {
    match command {
        AdminCommand::User {
            action: UserAction::Add(args),
        } => user_add(db, args).await,
        AdminCommand::Team {
            action: TeamAction::Add { name },
        } => {
            let id = super::add_team(db, &name).await?;
            println!("added team {name} ({id})");
            Ok(())
        }
        AdminCommand::Device { action } => device(db, action).await,
        AdminCommand::Audit { action } => match super::audit::run(db, &action).await? {
            super::audit::Outcome::Done => Ok(()),
            super::audit::Outcome::Broken(message) => Err(AdminError::AuditBroken(message)),
        },
        AdminCommand::Unlock(args) => unlock(db, args).await,
        AdminCommand::Assign { participant, to } => {
            let id = super::assign::parse_document(&participant)?;
            let done = super::assign(db, id, &to).await?;
            match done.previous {
                Some(previous) => println!(
                    "assigned {participant} to {to} (from user {previous}), with {} accompaniment log(s)",
                    done.accompaniments.len()
                ),
                None => println!(
                    "assigned {participant} to {to}, with {} accompaniment log(s)",
                    done.accompaniments.len()
                ),
            }
            Ok(())
        }
        AdminCommand::Cover {
            participant,
            by,
            until,
            end,
        } => {
            let id = super::assign::parse_document(&participant)?;
            match super::cover::cover(db, id, &by, until.as_deref(), end).await? {
                super::cover::CoverChange::Granted {
                    accompaniments,
                    through,
                } => println!(
                    "{by} covers {participant} (with {accompaniments} accompaniment log(s)) besides its assigned peer, {}",
                    match through {
                        Some(day) => format!("through {day} (UTC)"),
                        None => "until ended with --end".to_owned(),
                    }
                ),
                super::cover::CoverChange::Ended => {
                    println!("{by} no longer covers {participant}; their devices purge it")
                }
                super::cover::CoverChange::NoCover => {
                    println!("{by} did not cover {participant}; nothing changed")
                }
            }
            Ok(())
        }
    }
}

async fn user_add(db: &Db, args: UserAddArgs) -> Result<(), AdminError> {
    let password = if args.password_stdin {
        Some(read_password_line().await?)
    } else {
        None
    };
    let added = super::add_user(
        db,
        NewUser {
            username: args.username,
            role: args.role,
            display_name: args.display_name,
            password,
            team: args.team.clone(),
        },
    )
    .await?;
    match &args.team {
        Some(team) => println!(
            "added {} {} ({}) to team {team}",
            added.role, added.username, added.id
        ),
        None => println!("added {} {} ({})", added.role, added.username, added.id),
    }
    if let Some(password) = added.generated_password {
        println!("generated password (shown once):");
        println!("{password}");
    }
    Ok(())
}

async fn device(db: &Db, action: DeviceAction) -> Result<(), AdminError> {
    match action {
        DeviceAction::Enroll {
            username,
            device_name,
            expires_in_days,
        } => {
            let enrolled =
                super::enroll_device(db, &username, &device_name, Lifetime::days(expires_in_days))
                    .await?;
            println!(
                "enrolled device {} ({device_name}) for {username}, expires {}; its token (shown once):",
                enrolled.device_id, enrolled.expires_at
            );
            println!("{}", enrolled.token);
        }
        DeviceAction::List { username } => {
            let devices = super::list_devices(db, username.as_deref()).await?;
            println!("device\tuser\tname\tstatus\texpires\tlast seen\tapp version");
            for d in devices {
                let status = if d.revoked_at.is_some() {
                    "revoked"
                } else if d.expired {
                    "expired"
                } else {
                    "active"
                };
                let seen = match (&d.last_seen_at, &d.last_seen_addr) {
                    (Some(at), Some(addr)) => format!("{at} from {addr}"),
                    (Some(at), None) => at.clone(),
                    _ => "never".to_owned(),
                };
                let version = d.app_version.as_deref().unwrap_or("not reported");
                println!(
                    "{}\t{}\t{}\t{status}\t{}\t{seen}\t{version}",
                    d.id, d.username, d.name, d.expires_at
                );
            }
        }
        DeviceAction::Revoke { device } => {
            super::revoke_device(db, device).await?;
            println!("revoked device {device}");
        }
        DeviceAction::Rotate {
            device,
            expires_in_days,
        } => {
            let rotated =
                super::rotate_device_token(db, device, Lifetime::days(expires_in_days)).await?;
            println!(
                "rotated the token of device {device}, expires {}; the new token (shown once):",
                rotated.expires_at
            );
            println!("{}", rotated.token);
        }
    }
    Ok(())
}

async fn unlock(db: &Db, args: UnlockArgs) -> Result<(), AdminError> {
    let mut targets = Vec::new();
    if let Some(name) = args.username {
        targets.push(super::Unlock::Account(name));
    }
    if let Some(address) = &args.address {
        targets.push(super::Unlock::address(address)?);
    }
    for target in targets {
        let key = target.key();
        if super::unlock(db, &target).await? {
            println!("unlocked {key}");
        } else {
            println!("{key} was not locked");
        }
    }
    Ok(())
}

/// The first line of standard input, without its line ending.
async fn read_password_line() -> Result<String, AdminError> {
    let read = tokio::task::spawn_blocking(|| {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line).map(|_| line)
    })
    .await;
    let line = match read {
        Ok(Ok(line)) => line,
        Ok(Err(e)) => {
            return Err(AdminError::Invalid {
                field: "password",
                reason: format!("reading standard input: {e}"),
            });
        }
        Err(e) => {
            return Err(AdminError::Invalid {
                field: "password",
                reason: format!("reading standard input: {e}"),
            });
        }
    };
    let password = line.strip_suffix('\n').unwrap_or(&line);
    let password = password.strip_suffix('\r').unwrap_or(password);
    if password.is_empty() {
        return Err(AdminError::Invalid {
            field: "password",
            reason: "standard input held no password".into(),
        });
    }
    Ok(password.to_owned())
}
