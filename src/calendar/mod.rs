//! The doctor's agenda in Outlook, Google or Apple calendars, both ways:
//! an iCalendar feed (RFC 5545, built with the `icalendar` crate) of a
//! doctor's appointments at a secret URL — times in UTC, one stable UID per
//! appointment and its SEQUENCE, so that a move is a change of the same
//! event and a cancellation shows as cancelled — and the busy times of the
//! external calendars a doctor subscribes to, fetched every few minutes and
//! never offered on the phone.

use std::time::Duration;

use chrono::{DateTime, Duration as Span, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;
use icalendar::{Calendar, CalendarDateTime, Component, DatePerhapsTime, Event, EventLike, EventStatus};
use tokio::sync::watch;
use tracing::{info, warn};

use crate::agenda::Interval;
use crate::store::{FeedEvent, Store, StoreError, Subscription};

/// How often the subscribed calendars are fetched again.
pub const REFRESH_EVERY: Duration = Duration::from_secs(15 * 60);

/// Largest calendar fetched (bytes).
const MAX_FEED_BYTES: u64 = 4 * 1024 * 1024;

/// Occurrences of one recurring event kept at most.
const MAX_OCCURRENCES: u16 = 2000;

/// The feed of one doctor's appointments.
pub fn feed(doctor: &str, practice: &str, tz: Tz, events: &[FeedEvent]) -> String {
    let mut cal = Calendar::new();
    cal.name(&format!("{doctor} — {practice}"));
    cal.append_property(icalendar::Property::new("X-WR-TIMEZONE", tz.name()));
    for e in events {
        let a = &e.appointment;
        let who = if a.patient_name.trim().is_empty() { "patient (nom enregistré)" } else { a.patient_name.trim() };
        let mut ev = Event::with_uid(&format!("appointment-{}@standardiste", a.id));
        ev.summary(&format!("{who} — {}", e.type_name))
            .starts(a.start)
            .ends(a.end)
            .timestamp(e.stamp)
            .sequence(e.sequence.clamp(0, u32::MAX as i64) as u32)
            .description(&format!(
                "{}{}",
                a.phone.as_deref().map(|p| format!("Tél. {p}\n")).unwrap_or_default(),
                if a.source == crate::agenda::Source::Phone { "Pris par la standardiste" } else { "Saisi par le cabinet" }
            ))
            .status(if a.status == "cancelled" { EventStatus::Cancelled } else { EventStatus::Confirmed });
        cal.push(ev.done());
    }
    cal.done().to_string()
}

/// The busy times of an iCalendar text between `from` and `to`: every event
/// not marked free (TRANSP:TRANSPARENT) nor cancelled, recurring ones
/// expanded; floating times and all-day events are read in `tz`.
pub fn busy_times(text: &str, tz: Tz, from: DateTime<Utc>, to: DateTime<Utc>) -> Result<Vec<Interval>, String> {
    let cal: Calendar = text.parse().map_err(|e: String| format!("not an iCalendar file: {}", e.lines().next().unwrap_or("")))?;
    let cal_tz = cal.get_timezone().and_then(|t| t.parse::<Tz>().ok()).unwrap_or(tz);
    let mut out = Vec::new();
    for ce in cal.calendar_events() {
        let ev = ce.event();
        if ev.property_value("TRANSP").is_some_and(|t| t.eq_ignore_ascii_case("TRANSPARENT")) || ev.get_status() == Some(EventStatus::Cancelled) {
            continue;
        }
        let Some(start) = ev.get_start().and_then(|s| instant(&s, cal_tz)) else { continue };
        let end = match ev.get_end().and_then(|e| instant(&e, cal_tz)) {
            Some(e) if e > start => e,
            _ => match ev.get_start() {
                Some(DatePerhapsTime::Date(_)) => start + Span::days(1),
                _ => start + Span::hours(1),
            },
        };
        let length = end - start;
        if ev.property_value("RRULE").is_some() {
            let set = ce.get_recurrence().map_err(|e| format!("a recurring event cannot be read: {e}"))?;
            let after = (from - length).with_timezone(&rrule::Tz::UTC);
            let before = to.with_timezone(&rrule::Tz::UTC);
            for occurrence in set.after(after).before(before).all(MAX_OCCURRENCES).dates {
                let s = occurrence.with_timezone(&Utc);
                out.push((s, s + length));
            }
        } else if start < to && end > from {
            out.push((start, end));
        }
    }
    out.sort();
    Ok(out)
}

fn instant(d: &DatePerhapsTime, tz: Tz) -> Option<DateTime<Utc>> {
    match d {
        DatePerhapsTime::Date(day) => local(tz, *day),
        DatePerhapsTime::DateTime(CalendarDateTime::Floating(t)) => tz.from_local_datetime(t).earliest().map(|t| t.with_timezone(&Utc)),
        DatePerhapsTime::DateTime(dt) => dt.try_into_utc(),
    }
}

fn local(tz: Tz, day: NaiveDate) -> Option<DateTime<Utc>> {
    tz.from_local_datetime(&day.and_hms_opt(0, 0, 0)?).earliest().map(|t| t.with_timezone(&Utc))
}

/// Why a subscription's address is refused.
pub fn check_url(url: &str) -> Result<(), &'static str> {
    let lower = url.trim().to_ascii_lowercase();
    let rest =
        ["https://", "http://", "webcal://"].iter().find_map(|p| lower.strip_prefix(p)).ok_or("the address starts with https:// (or webcal://, http://)")?;
    if rest.is_empty() || url.len() > 2000 || url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("not a web address");
    }
    Ok(())
}

/// Whether an address is one of this host's or its private networks' (a
/// subscription must not make the service fetch from inside).
fn inside(ip: std::net::IpAddr) -> bool {
    match ip {
        std::net::IpAddr::V4(v4) => {
            v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_multicast()
                || v4.octets()[0] == 100 && (v4.octets()[1] & 0xc0) == 64
        }
        std::net::IpAddr::V6(v6) => {
            v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (v6.segments()[0] & 0xfe00) == 0xfc00
                || (v6.segments()[0] & 0xffc0) == 0xfe80
                || v6.to_ipv4_mapped().is_some_and(|v4| inside(v4.into()))
        }
    }
}

/// Refuse an address on this host or a private network, unless allowed
/// (`[web] allow_private_calendars`, for a calendar server of the practice's own network).
fn check_host(url: &str, allow_private: bool) -> Result<(), String> {
    if allow_private {
        return Ok(());
    }
    let rest = url.split_once("://").map(|(_, r)| r).unwrap_or(url);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let authority = authority.rsplit_once('@').map(|(_, h)| h).unwrap_or(authority);
    let (host, port) = match authority.strip_prefix('[') {
        Some(v6) => {
            let (h, after) = v6.split_once(']').ok_or("address illisible")?;
            (h.to_string(), after.strip_prefix(':').and_then(|p| p.parse().ok()).unwrap_or(443))
        }
        None => match authority.rsplit_once(':') {
            Some((h, p)) => (h.to_string(), p.parse().map_err(|_| "port illisible".to_string())?),
            None => (authority.to_string(), 443),
        },
    };
    use std::net::ToSocketAddrs;
    let addrs: Vec<_> = (host.as_str(), port).to_socket_addrs().map_err(|e| format!("{host}: {e}"))?.collect();
    if addrs.is_empty() || addrs.iter().any(|a| inside(a.ip())) {
        return Err(format!("{host}: an address of this host or of a private network is not fetched ([web] allow_private_calendars)"));
    }
    Ok(())
}

/// Fetch one subscribed calendar (blocking: run it off the runtime). Off
/// private networks, redirects are not followed (one could lead inside).
fn fetch(url: &str, allow_private: bool) -> Result<String, String> {
    let url = url.replacen("webcal://", "https://", 1);
    check_host(&url, allow_private)?;
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(Duration::from_secs(20)))
        .max_redirects(if allow_private { 3 } else { 0 })
        .http_status_as_error(true)
        .build()
        .into();
    let mut resp = agent.get(&url).call().map_err(|e| format!("fetch failed: {e}"))?;
    resp.body_mut().with_config().limit(MAX_FEED_BYTES).read_to_string().map_err(|e| format!("fetch failed: {e}"))
}

/// Fetch a subscription and keep its busy times for the doctor's horizon.
pub async fn refresh(store: &Store, sub: &Subscription, now: DateTime<Utc>, allow_private: bool) -> Result<usize, StoreError> {
    let doctor_id = sub.doctor_id;
    let tz = store.run(move |db| Ok(db.snapshot(db.doctor_practice(doctor_id)?)?.practice.timezone)).await?;
    let url = sub.url.clone();
    let text = tokio::task::spawn_blocking(move || fetch(&url, allow_private)).await.unwrap_or_else(|e| Err(e.to_string()));
    let id = sub.id;
    // A year ahead covers any booking horizon.
    match text.and_then(|t| busy_times(&t, tz, now - Span::days(1), now + Span::days(366))) {
        Ok(busy) => {
            let n = busy.len();
            store.run(move |db| db.replace_busy(id, &busy, now)).await?;
            Ok(n)
        }
        Err(e) => {
            warn!(subscription = id, error = %e, "a subscribed calendar could not be read: its last busy times stay");
            store.run(move |db| db.subscription_failed(id, &e)).await?;
            Ok(0)
        }
    }
}

/// Refresh every subscription now and then every [`REFRESH_EVERY`], until `shutdown`.
pub async fn refresh_periodically(store: Store, every: Duration, allow_private: bool, mut shutdown: watch::Receiver<bool>) {
    loop {
        match store.run(|db| db.subscriptions(None)).await {
            Ok(subs) => {
                for sub in subs {
                    match refresh(&store, &sub, Utc::now(), allow_private).await {
                        Ok(n) => info!(subscription = sub.id, busy = n, "subscribed calendar fetched"),
                        Err(e) => warn!(error = %e, "subscribed calendar: the store failed"),
                    }
                }
            }
            Err(e) => warn!(error = %e, "subscribed calendars: the store failed"),
        }
        tokio::select! {
            _ = tokio::time::sleep(every) => {}
            _ = shutdown.changed() => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono_tz::Europe::Paris;

    fn utc(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, h, min, 0).unwrap()
    }

    #[test]
    fn busy_times_read_zones_floating_all_day_free_and_recurring_events() {
        let text = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n\
BEGIN:VEVENT\r\nUID:a\r\nDTSTAMP:20261101T000000Z\r\nDTSTART;TZID=Europe/Paris:20261202T100000\r\nDTEND;TZID=Europe/Paris:20261202T110000\r\nSUMMARY:Réunion\r\nEND:VEVENT\r\n\
BEGIN:VEVENT\r\nUID:b\r\nDTSTAMP:20261101T000000Z\r\nDTSTART:20261203T140000\r\nDTEND:20261203T150000\r\nEND:VEVENT\r\n\
BEGIN:VEVENT\r\nUID:c\r\nDTSTAMP:20261101T000000Z\r\nDTSTART;VALUE=DATE:20261204\r\nDTEND;VALUE=DATE:20261205\r\nEND:VEVENT\r\n\
BEGIN:VEVENT\r\nUID:d\r\nDTSTAMP:20261101T000000Z\r\nDTSTART:20261205T090000Z\r\nDTEND:20261205T100000Z\r\nTRANSP:TRANSPARENT\r\nEND:VEVENT\r\n\
BEGIN:VEVENT\r\nUID:e\r\nDTSTAMP:20261101T000000Z\r\nDTSTART:20261207T080000Z\r\nDTEND:20261207T083000Z\r\nRRULE:FREQ=WEEKLY;COUNT=3\r\nEND:VEVENT\r\n\
END:VCALENDAR\r\n";
        let busy = busy_times(text, Paris, utc(2026, 12, 1, 0, 0), utc(2027, 1, 1, 0, 0)).unwrap();
        assert_eq!(
            busy,
            vec![
                (utc(2026, 12, 2, 9, 0), utc(2026, 12, 2, 10, 0)),
                (utc(2026, 12, 3, 13, 0), utc(2026, 12, 3, 14, 0)),
                (utc(2026, 12, 3, 23, 0), utc(2026, 12, 4, 23, 0)),
                (utc(2026, 12, 7, 8, 0), utc(2026, 12, 7, 8, 30)),
                (utc(2026, 12, 14, 8, 0), utc(2026, 12, 14, 8, 30)),
                (utc(2026, 12, 21, 8, 0), utc(2026, 12, 21, 8, 30)),
            ]
        );
        assert!(busy_times("hello", Paris, utc(2026, 12, 1, 0, 0), utc(2027, 1, 1, 0, 0)).is_err());
    }

    #[test]
    fn this_host_and_private_networks_are_not_fetched() {
        for url in [
            "http://127.0.0.1:8021/x.ics",
            "https://10.1.2.3/x",
            "http://[::1]:80/",
            "https://localhost/cal.ics",
            "http://192.168.1.1/",
            "http://169.254.169.254/latest",
        ] {
            assert!(check_host(url, false).is_err(), "{url}");
            assert!(check_host(url, true).is_ok(), "{url}");
        }
        assert!(check_host("https://8.8.8.8/x.ics", false).is_ok());
    }

    #[test]
    fn only_web_addresses_are_subscribed() {
        assert!(check_url("https://outlook.office365.com/owa/calendar/x/reachcalendar.ics").is_ok());
        for bad in ["file:///etc/passwd", "ftp://x", "https://", "javascript:alert(1)", "https://a b"] {
            assert!(check_url(bad).is_err(), "{bad}");
        }
    }
}
