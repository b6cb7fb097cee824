//! Parsing command-line values: times and UTF-16 splices.

use alongside_mobile_bridge::api::TextEdit;
use alongside_mobile_bridge::api::time::utc_millis;
use anyhow::{Context, bail};

/// A time: milliseconds since the epoch, or `YYYY-MM-DDTHH:MM[:SS][Z]`
/// (UTC).
pub fn parse_time(s: &str) -> anyhow::Result<i64> {
    if let Ok(ms) = s.parse::<i64>() {
        return Ok(ms);
    }
    let s = s.trim_end_matches('Z');
    let (date, time) = s
        .split_once('T')
        .context("expected YYYY-MM-DDTHH:MM or ms")?;
    let d: Vec<&str> = date.split('-').collect();
    let t: Vec<&str> = time.split(':').collect();
    if d.len() != 3 || !(2..=3).contains(&t.len()) {
        bail!("expected YYYY-MM-DDTHH:MM[:SS]");
    }
    let num = |x: &str| {
        x.parse::<u8>()
            .with_context(|| format!("{x:?} is not a number"))
    };
    let y: i64 = d[0].parse().context("bad year")?;
    let (mo, da, h, mi) = (num(d[1])?, num(d[2])?, num(t[0])?, num(t[1])?);
    let sec = t.get(2).map(|x| num(x)).transpose()?.unwrap_or(0);
    if alongside_shared::doc::CalendarDate::parse(date).is_none() || h > 23 || mi > 59 || sec > 59 {
        bail!("{s:?} is not a valid time");
    }
    Ok(utc_millis(y, mo, da, h, mi, sec))
}

/// `AT,DELETE,INSERT` in UTF-16 code units (INSERT may hold commas).
pub fn parse_splice(s: &str) -> anyhow::Result<TextEdit> {
    let mut parts = s.splitn(3, ',');
    let at = parts
        .next()
        .unwrap_or("")
        .trim()
        .parse()
        .context("AT must be a number")?;
    let delete = parts
        .next()
        .context("expected AT,DELETE,INSERT")?
        .trim()
        .parse()
        .context("DELETE must be a number")?;
    let insert = parts.next().unwrap_or("").to_owned();
    Ok(TextEdit::Splice { at, delete, insert })
}

/// `YYYY-MM-DD HH:MM` (UTC) for people.
pub fn fmt_time(ms: i64) -> String {
    let date = alongside_mobile_bridge::api::time::utc_date(ms)
        .map(|d| d.to_string())
        .unwrap_or_else(|| ms.to_string());
    let minutes = ms.rem_euclid(86_400_000) / 60_000;
    format!("{date} {:02}:{:02}", minutes / 60, minutes % 60)
}

/// `HH:MM` (UTC) for people.
pub fn fmt_clock(ms: i64) -> String {
    let minutes = ms.rem_euclid(86_400_000) / 60_000;
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}

/// An optional time for people.
pub fn fmt_opt(ms: Option<i64>) -> String {
    ms.map(fmt_time).unwrap_or_else(|| "—".into())
}
