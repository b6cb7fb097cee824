//! Accompaniment logs per peer and week (`GET /accompaniments`), with
//! durations computed from the field timestamps (time with the provider:
//! seen → ended; whole trip: departed → returned), outcomes and open
//! follow-ups; and the same filtered list as CSV
//! (`GET /accompaniments.csv`).

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use maud::html;
use serde::Deserialize;
use uuid::Uuid;

use super::ConsoleState;
use super::page::{ConsoleError, Section, layout, respond};
use super::queue::participant_href;
use super::session::Supervisor;
use super::time;
use crate::audit::console as audited;
use crate::db::console::AccompanimentLine;
use alongside_shared::doc::rules::{self, StepTimes};

/// `?peer=…&week=YYYY-MM-DD` (any day of the week; default this week).
#[derive(Debug, Default, Deserialize)]
pub struct LogFilter {
    peer: Option<String>,
    week: Option<String>,
}

/// A parsed filter: the peer, and the week's Monday (ms).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Parsed {
    /// Only this peer's logs.
    pub peer: Option<Uuid>,
    /// Monday 00:00 UTC of the week.
    pub week: i64,
}

impl LogFilter {
    /// Parses the filter; `now` decides the default week.
    pub fn parse(&self, now: i64) -> Result<Parsed, ConsoleError> {
        let peer = match self
            .peer
            .as_deref()
            .map(str::trim)
            .filter(|p| !p.is_empty())
        {
            None => None,
            Some(p) => Some(Uuid::parse_str(p).map_err(|_| {
                ConsoleError::BadRequest(format!("{p:?} is not a peer of your teams."))
            })?),
        };
        let week = match self
            .week
            .as_deref()
            .map(str::trim)
            .filter(|w| !w.is_empty())
        {
            None => time::week_start(now),
            Some(w) => time::week_start(time::parse_date(w).ok_or_else(|| {
                ConsoleError::BadRequest(format!("{w:?} is not a date (YYYY-MM-DD)."))
            })?),
        };
        Ok(Parsed { peer, week })
    }
}

/// The steps of `l` that are out of order (`arrived after returned`), as
/// two devices stamping concurrently can merge them; durations across them
/// mean nothing, so [`with_provider`] and [`whole_trip`] are then `None`
/// and the page says so instead of showing minutes.
pub fn out_of_order(l: &AccompanimentLine) -> Option<String> {
    let times = StepTimes([
        l.departed_at,
        l.arrived_at,
        l.started_at,
        l.ended_at,
        l.returned_at,
    ]);
    rules::out_of_order(&times).map(|(a, b)| format!("{} after {}", a.name(), b.name()))
}

/// Time with the provider (seen → ended), unless the steps are out of
/// order.
pub fn with_provider(l: &AccompanimentLine) -> Option<i64> {
    out_of_order(l)
        .is_none()
        .then(|| span(l.started_at, l.ended_at))
        .flatten()
}

/// The whole trip (departed → returned), unless the steps are out of order.
pub fn whole_trip(l: &AccompanimentLine) -> Option<i64> {
    out_of_order(l)
        .is_none()
        .then(|| span(l.departed_at, l.returned_at))
        .flatten()
}

/// What the duration cells show: minutes, `–`, or that the steps are out
/// of order.
fn duration_cell(l: &AccompanimentLine, d: Option<i64>) -> String {
    match out_of_order(l) {
        Some(pair) => format!("steps out of order ({pair})"),
        None => d.map(time::duration).unwrap_or_else(|| "–".into()),
    }
}

/// `from` → `to`, when both were recorded and in order.
pub fn span(from: Option<i64>, to: Option<i64>) -> Option<i64> {
    match (from, to) {
        (Some(a), Some(b)) if b >= a => Some(b - a),
        _ => None,
    }
}

fn lines(
    state: &ConsoleState,
    who: &Supervisor,
    f: Parsed,
) -> impl Future<Output = Result<Vec<AccompanimentLine>, ConsoleError>> {
    let db = state.db.clone();
    let user = who.user_id;
    async move {
        Ok(db
            .team_accompaniments(user, f.peer, f.week, f.week + 7 * time::DAY_MS)
            .await?)
    }
}

fn follow_ups(line: &AccompanimentLine) -> String {
    line.open_follow_ups
        .iter()
        .map(|(text, due)| match due {
            Some(d) => format!("{text} (due {d})"),
            None => text.clone(),
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// `GET /accompaniments`.
pub async fn page(
    State(state): State<ConsoleState>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    who: Supervisor,
    Query(query): Query<LogFilter>,
) -> Result<Response, ConsoleError> {
    let f = query.parse(time::now_ms())?;
    let peers = state.db.supervised_peers(who.user_id).await?;
    let rows = lines(&state, &who, f).await?;
    audited::viewed(&state.audit, who.viewer(), addr, None, "accompaniment logs").await;
    let week = time::date(f.week);
    let href = |path: &str, week_ms: i64| {
        let week = time::date(week_ms);
        match f.peer {
            Some(p) => format!("{path}?week={week}&peer={p}"),
            None => format!("{path}?week={week}"),
        }
    };
    let csv_href = href("/accompaniments.csv", f.week);
    let body = html! {
        form.filters method="get" action="/accompaniments" {
            div {
                label for="peer" { "Peer" }
                select #peer name="peer" {
                    option value="" { "Everyone" }
                    @for p in &peers {
                        option value=(p.id) selected[f.peer == Some(p.id)] { (p.display_name) }
                    }
                }
            }
            div {
                label for="week" { "Week of" }
                input #week name="week" type="date" value=(week);
            }
            button type="submit" { "Show" }
            a href=(csv_href) download { "Download CSV" }
        }
        p { (rows.len()) " accompaniment(s) in the week of " (week) "." }
        nav.weeks aria-label="Weeks" {
            a rel="prev" href=(href("/accompaniments", f.week - 7 * time::DAY_MS)) { "← Previous week" }
            " "
            a rel="next" href=(href("/accompaniments", f.week + 7 * time::DAY_MS)) { "Next week →" }
        }
        div.table-wrap { table #accompaniments {
            thead { tr {
                th scope="col" { "Created" }
                th scope="col" { "Participant" }
                th scope="col" { "Peer" }
                th scope="col" { "Appointment" }
                th scope="col" { "Status" }
                th scope="col" { "With provider" }
                th scope="col" { "Whole trip" }
                th scope="col" { "Outcome" }
                th scope="col" { "Open follow-ups" }
            } }
            tbody {
                @for l in &rows {
                    tr {
                        td { (time::date_time(l.created_at)) }
                        td { a href=(participant_href(l.participant, None)) { (l.participant_name) } }
                        td { (l.peer_name.as_deref().unwrap_or(&l.peer_id)) }
                        td { (l.kind) ": " (l.provider) ", " (l.place) }
                        td { (l.status) }
                        td { (duration_cell(l, with_provider(l))) }
                        td { (duration_cell(l, whole_trip(l))) }
                        td { (l.outcome) }
                        td { (follow_ups(l)) }
                    }
                }
            }
        } }
    };
    Ok(respond(layout(
        "Accompaniments",
        Some(&who),
        Section::Accompaniments,
        body,
    )))
}

/// One CSV field: quoted when needed, and a leading `=`, `+`, `-` or `@`
/// defused so a spreadsheet does not run it as a formula.
pub fn csv_field(value: &str) -> String {
    let defused = if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{value}")
    } else {
        value.to_owned()
    };
    if defused.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", defused.replace('"', "\"\""))
    } else {
        defused
    }
}

/// The CSV of `rows`, with a header line.
pub fn to_csv(rows: &[AccompanimentLine]) -> String {
    let mut out = String::from(
        "created_at,participant,peer,kind,provider,place,status,departed_at,arrived_at,seen_at,ended_at,returned_at,minutes_with_provider,minutes_whole_trip,outcome,open_follow_ups\r\n",
    );
    let opt_time = |t: Option<i64>| t.map(time::date_time).unwrap_or_default();
    let minutes = |d: Option<i64>| d.map(|ms| (ms / 60_000).to_string()).unwrap_or_default();
    for l in rows {
        let fields = [
            time::date_time(l.created_at),
            l.participant_name.clone(),
            l.peer_name.clone().unwrap_or_else(|| l.peer_id.clone()),
            l.kind.clone(),
            l.provider.clone(),
            l.place.clone(),
            l.status.clone(),
            opt_time(l.departed_at),
            opt_time(l.arrived_at),
            opt_time(l.started_at),
            opt_time(l.ended_at),
            opt_time(l.returned_at),
            minutes(with_provider(l)),
            minutes(whole_trip(l)),
            l.outcome.clone(),
            follow_ups(l),
        ];
        let line: Vec<String> = fields.iter().map(|f| csv_field(f)).collect();
        out.push_str(&line.join(","));
        out.push_str("\r\n");
    }
    out
}

/// `GET /accompaniments.csv`.
pub async fn csv(
    State(state): State<ConsoleState>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    who: Supervisor,
    Query(query): Query<LogFilter>,
) -> Result<Response, ConsoleError> {
    let f = query.parse(time::now_ms())?;
    let rows = lines(&state, &who, f).await?;
    audited::viewed(
        &state.audit,
        who.viewer(),
        addr,
        None,
        "accompaniment logs (CSV export)",
    )
    .await;
    let name = format!(
        "attachment; filename=\"accompaniments-{}.csv\"",
        time::date(f.week)
    );
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (header::CONTENT_DISPOSITION, name),
        ],
        to_csv(&rows),
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields_are_quoted_and_formulas_defused() {
        assert_eq!(csv_field("plain"), "plain");
        assert_eq!(csv_field("a, b"), "\"a, b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("=SUM(A1)"), "'=SUM(A1)");
        assert_eq!(span(Some(10), Some(70)), Some(60));
        assert_eq!(span(Some(70), Some(10)), None);
        assert_eq!(span(None, Some(10)), None);
    }

    #[test]
    fn weeks_and_peers_are_parsed() {
        let now = time::parse_date("2026-11-22").unwrap_or_default();
        let f = LogFilter::default()
            .parse(now)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(time::date(f.week), "2026-11-16");
        let f = LogFilter {
            peer: None,
            week: Some("2026-11-04".into()),
        }
        .parse(now)
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(time::date(f.week), "2026-11-02");
        assert!(
            LogFilter {
                peer: None,
                week: Some("soon".into())
            }
            .parse(now)
            .is_err()
        );
        assert!(
            LogFilter {
                peer: Some("x".into()),
                week: None
            }
            .parse(now)
            .is_err()
        );
    }

    #[test]
    fn steps_merged_out_of_order_show_as_such_rather_than_minutes() {
        let mut l = AccompanimentLine {
            document: Uuid::nil(),
            participant: Uuid::nil(),
            participant_name: "Rosa".into(),
            peer_id: "p".into(),
            peer_name: None,
            kind: "housing".into(),
            place: "Office".into(),
            provider: "Desk".into(),
            status: "completed".into(),
            scheduled_at: None,
            departed_at: Some(0),
            arrived_at: Some(600_000),
            started_at: Some(900_000),
            ended_at: Some(1_800_000),
            returned_at: Some(2_400_000),
            outcome: String::new(),
            created_at: 0,
            open_follow_ups: Vec::new(),
        };
        assert_eq!(with_provider(&l), Some(900_000));
        assert_eq!(whole_trip(&l), Some(2_400_000));
        // Arrival re-stamped on another device after the return merged in.
        l.arrived_at = Some(3_000_000);
        assert_eq!(out_of_order(&l).as_deref(), Some("arrived after seen"));
        assert_eq!((with_provider(&l), whole_trip(&l)), (None, None));
        assert!(duration_cell(&l, None).starts_with("steps out of order"));
        assert!(to_csv(&[l]).contains(",,,"), "no minutes in the CSV");
    }
}
