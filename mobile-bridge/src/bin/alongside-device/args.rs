//! Parsing command-line values: times and UTF-16 splices.

use alongside_mobile_bridge::api::TextEdit;
use alongside_shared::doc::CalendarDate;
use alongside_shared::time::{self, millis_from_civil};
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
    if CalendarDate::parse(date).is_none() || h > 23 || mi > 59 || sec > 59 {
        bail!("{s:?} is not a valid time");
    }
    Ok(millis_from_civil(
        y,
        mo.into(),
        da.into(),
        h.into(),
        mi.into(),
        sec.into(),
    ))
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
    let date = CalendarDate::of_utc_millis(ms)
        .map(|d| d.to_string())
        .unwrap_or_else(|| ms.to_string());
    format!("{date} {}", time::clock(ms))
}

/// An optional time for people.
pub fn fmt_opt(ms: Option<i64>) -> String {
    ms.map(fmt_time).unwrap_or_else(|| "—".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_parse_and_print_in_utc() {
        let ms = parse_time("2024-02-29T23:59:59Z").unwrap_or_default();
        assert_eq!(ms, 1_709_251_199_000);
        assert_eq!(parse_time("2024-02-29T23:59").ok(), Some(ms - 59_000));
        assert_eq!(fmt_time(ms), "2024-02-29 23:59");
        assert_eq!(fmt_time(0), "1970-01-01 00:00");
        assert!(parse_time("2023-02-29T10:00").is_err());
        // Outside the years 1–9999 the date shows as the number.
        assert_eq!(fmt_time(253_402_300_800_000), "253402300800000 00:00");
        assert_eq!(fmt_opt(None), "—");
    }
}
