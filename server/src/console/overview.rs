//! The team overview (`GET /overview`): for each peer of the supervisor's
//! teams, caseload size, notes awaiting review, notes amended after
//! review and accompaniments this week; and each device's last sync and
//! the app version it last reported, with devices silent for longer than
//! the threshold (48 hours) standing out — a phone that stopped syncing
//! holds notes nobody sees.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, State};
use axum::response::Response;
use maud::html;

use super::page::{ConsoleError, Section, layout, respond};
use super::queue::{ReviewStanding, classified};
use super::session::Supervisor;
use super::time;
use crate::audit::console as audited;
use crate::db::Db;
use crate::db::console::{DeviceSeen, PeerLoad};
use uuid::Uuid;

/// One peer's figures.
#[derive(Debug, Clone)]
pub struct PeerFigures {
    /// Caseload and accompaniments.
    pub load: PeerLoad,
    /// Notes awaiting a first review.
    pub awaiting: usize,
    /// Notes amended after approval.
    pub amended: usize,
    /// Notes revised after changes were requested.
    pub revised: usize,
}

/// The overview's figures for `supervisor`.
pub async fn figures(
    db: &Db,
    supervisor: Uuid,
    stale_hours: i64,
) -> Result<(Vec<PeerFigures>, Vec<DeviceSeen>), ConsoleError> {
    let entries = classified(db, supervisor).await?;
    let count = |peer: Uuid, s: ReviewStanding| {
        let id = peer.to_string();
        entries
            .iter()
            .filter(|e| e.row.author_id == id && e.standing == s)
            .count()
    };
    let peers = db
        .team_load(supervisor)
        .await?
        .into_iter()
        .map(|load| PeerFigures {
            awaiting: count(load.peer.id, ReviewStanding::Awaiting),
            amended: count(load.peer.id, ReviewStanding::Amended),
            revised: count(load.peer.id, ReviewStanding::Revised),
            load,
        })
        .collect();
    let devices = db.team_devices(supervisor, stale_hours).await?;
    Ok((peers, devices))
}

/// `GET /overview`.
pub async fn page(
    State(state): State<super::ConsoleState>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    who: Supervisor,
) -> Result<Response, ConsoleError> {
    let hours = state.settings.stale_device_hours;
    let (peers, devices) = figures(&state.db, who.user_id, hours).await?;
    audited::viewed(&state.audit, who.viewer(), addr, None, "team overview").await;
    let name_of = |id: Uuid| {
        peers
            .iter()
            .find(|p| p.load.peer.id == id)
            .map(|p| p.load.peer.display_name.clone())
            .unwrap_or_default()
    };
    let stale = devices.iter().filter(|d| d.stale).count();
    let body = html! {
        section aria-labelledby="peers-h" {
            h2 #peers-h { "Peers" }
            div.table-wrap { table #peers {
                thead { tr {
                    th scope="col" { "Peer" }
                    th scope="col" { "Caseload" }
                    th scope="col" { "Awaiting review" }
                    th scope="col" { "Amended after review" }
                    th scope="col" { "Revised after changes requested" }
                    th scope="col" { "Accompaniments this week" }
                } }
                tbody {
                    @for p in &peers {
                        tr data-peer=(p.load.peer.username) {
                            th scope="row" { (p.load.peer.display_name) }
                            td { (p.load.caseload) }
                            td { a href={"/queue?state=awaiting&peer=" (p.load.peer.id)} { (p.awaiting) } }
                            td { a href={"/queue?state=amended&peer=" (p.load.peer.id)} { (p.amended) } }
                            td { a href={"/queue?state=revised&peer=" (p.load.peer.id)} { (p.revised) } }
                            td { a href={"/accompaniments?peer=" (p.load.peer.id)} { (p.load.accompaniments_this_week) } }
                        }
                    }
                }
            } }
        }
        section aria-labelledby="devices-h" {
            h2 #devices-h { "Devices" }
            @if stale > 0 {
                p.error role="status" { (stale) " device(s) have not synced for more than " (hours) " hours: notes on them are not visible here." }
            }
            div.table-wrap { table #devices {
                thead { tr {
                    th scope="col" { "Device" }
                    th scope="col" { "Peer" }
                    th scope="col" { "Last sync" }
                    th scope="col" { "App version" }
                } }
                tbody {
                    @for d in &devices {
                        tr class=[d.stale.then_some("stale")] data-device=(d.device_id) data-stale=(d.stale) {
                            td { (d.name) @if d.stale { " " span.badge.amended { "silent > " (hours) " h" } } }
                            td { (name_of(d.peer_id)) }
                            td { @match d.last_seen_at { Some(ms) => { (time::date_time(ms)) " UTC" }, None => "never" } }
                            td.app-version data-app-version=[d.app_version.as_deref()] {
                                @match &d.app_version {
                                    Some(v) => { code { (v) } }
                                    None => "not reported",
                                }
                            }
                        }
                    }
                }
            } }
        }
    };
    Ok(respond(layout(
        "Team overview",
        Some(&who),
        Section::Overview,
        body,
    )))
}
