//! Finding free slots: the next N starts at which a consultation of a given
//! length fits in a doctor's working hours, outside absences and existing
//! appointments, with the phone-booking notice and horizon honoured.

use chrono::{DateTime, Datelike, Duration, LocalResult, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use super::{Absence, WeeklyRange};

/// A busy interval of the agenda: [start, end).
pub type Interval = (DateTime<Utc>, DateTime<Utc>);

/// A free slot offered to a caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Slot {
    /// Start instant.
    pub start: DateTime<Utc>,
    /// End instant.
    pub end: DateTime<Utc>,
}

/// What the slot search needs to know.
#[derive(Debug, Clone)]
pub struct SlotQuery<'a> {
    /// The practice's time zone.
    pub tz: Tz,
    /// The doctor's weekly working hours (local).
    pub working_hours: &'a [WeeklyRange],
    /// The doctor's absences (local).
    pub absences: &'a [Absence],
    /// Busy intervals (existing appointments), as instants, any order.
    pub busy: &'a [Interval],
    /// Length of the consultation, minutes.
    pub duration_minutes: i64,
    /// Now.
    pub now: DateTime<Utc>,
    /// Offer nothing before `now + notice`.
    pub min_notice_minutes: i64,
    /// Offer nothing after `now + horizon`.
    pub horizon_days: i64,
    /// Offer nothing before this instant (for "other slots": after the last offered).
    pub after: Option<DateTime<Utc>>,
    /// How many slots at most.
    pub count: usize,
}

/// The first `count` free slots, in time order.
pub fn free_slots(q: &SlotQuery<'_>) -> Vec<Slot> {
    let mut out = Vec::new();
    if q.duration_minutes <= 0 || q.count == 0 {
        return out;
    }
    let length = Duration::minutes(q.duration_minutes);
    let earliest = {
        let notice = q.now + Duration::minutes(q.min_notice_minutes.max(0));
        match q.after {
            Some(a) if a > notice => a,
            _ => notice,
        }
    };
    let latest = q.now + Duration::days(q.horizon_days.max(0));
    let mut busy: Vec<Interval> = q.busy.to_vec();
    busy.sort();
    let absences: Vec<(NaiveDateTime, NaiveDateTime)> = q.absences.iter().map(|a| (a.start, a.end)).collect();

    // Candidates come in time order: the busy times that end by a
    // candidate's start are behind every later one too, and are passed
    // once (`behind`) instead of compared again at every candidate; the
    // look stops at the first busy time starting after the candidate ends.
    let mut behind = 0;
    let mut last_start = None;
    let mut day = earliest.with_timezone(&q.tz).date_naive();
    let last_day = latest.with_timezone(&q.tz).date_naive();
    while day <= last_day {
        let mut ranges: Vec<&WeeklyRange> = q.working_hours.iter().filter(|r| r.day == day.weekday()).collect();
        ranges.sort_by_key(|r| r.start);
        for r in ranges {
            let range_end = day.and_time(r.end);
            let mut local = day.and_time(r.start);
            // Slots are laid end to end from the start of each working range,
            // as on a paper agenda.
            while local + length <= range_end {
                let step = local;
                local += length;
                let start = match q.tz.from_local_datetime(&step) {
                    LocalResult::Single(t) => t.with_timezone(&Utc),
                    // Autumn: the repeated hour is offered once, at its first occurrence.
                    LocalResult::Ambiguous(first, _) => first.with_timezone(&Utc),
                    // Spring: this local time does not exist.
                    LocalResult::None => continue,
                };
                let end = start + length;
                if start < earliest || start > latest {
                    continue;
                }
                if absences.iter().any(|(a, b)| step < *b && *a < step + length) {
                    continue;
                }
                if last_start.is_some_and(|l| start < l) {
                    // Out of order (working ranges that overlap): look again from the first.
                    behind = 0;
                }
                last_start = Some(start);
                while behind < busy.len() && busy[behind].1 <= start {
                    behind += 1;
                }
                if busy[behind..].iter().take_while(|(b0, _)| *b0 < end).any(|(_, b1)| start < *b1) {
                    continue;
                }
                out.push(Slot { start, end });
                if out.len() >= q.count {
                    return out;
                }
            }
        }
        day = match day.succ_opt() {
            Some(d) => d,
            None => break,
        };
    }
    out
}

/// Whether `[start, start + length)` lies within one working range of the
/// doctor's local day and outside every absence: the frame of the agenda,
/// which the practice's own bookings keep too (the notice, the horizon and
/// what may be booked by phone are the phone's own rules).
pub fn within_working_hours(tz: Tz, working_hours: &[WeeklyRange], absences: &[Absence], start: DateTime<Utc>, length: Duration) -> bool {
    let (from, to) = (start.with_timezone(&tz).naive_local(), (start + length).with_timezone(&tz).naive_local());
    // Ranges do not cross midnight: neither does a booking inside one.
    let fits = from.date() == to.date() && working_hours.iter().any(|r| r.day == from.date().weekday() && r.start <= from.time() && to.time() <= r.end);
    fits && !absences.iter().any(|a| from < a.end && a.start < to)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_practice_books_inside_the_working_hours_and_outside_absences() {
        let hours = vec![WeeklyRange::parse("lundi 08:00-12:00").unwrap()];
        let away = Absence {
            id: 1,
            doctor_id: 1,
            start: NaiveDate::from_ymd_opt(2026, 11, 30).unwrap().and_hms_opt(10, 0, 0).unwrap(),
            end: NaiveDate::from_ymd_opt(2026, 11, 30).unwrap().and_hms_opt(11, 0, 0).unwrap(),
            reason: String::new(),
        };
        let twenty = Duration::minutes(20);
        assert!(within_working_hours(Paris, &hours, &[], paris(2026, 11, 23, 8, 0), twenty));
        assert!(within_working_hours(Paris, &hours, &[], paris(2026, 11, 23, 11, 40), twenty));
        assert!(!within_working_hours(Paris, &hours, &[], paris(2026, 11, 23, 11, 45), twenty), "past the end");
        assert!(!within_working_hours(Paris, &hours, &[], paris(2026, 11, 23, 7, 50), twenty), "before the start");
        assert!(!within_working_hours(Paris, &hours, &[], paris(2026, 11, 24, 9, 0), twenty), "not a working day");
        assert!(!within_working_hours(Paris, &hours, std::slice::from_ref(&away), paris(2026, 11, 30, 10, 50), twenty), "in an absence");
        assert!(within_working_hours(Paris, &hours, &[away], paris(2026, 11, 30, 11, 0), twenty));
    }
    use crate::agenda::WeeklyRange;
    use chrono::{NaiveDate, Weekday};
    use chrono_tz::Europe::Paris;
    use proptest::prelude::*;

    fn paris(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
        Paris.with_ymd_and_hms(y, m, d, h, min, 0).single().unwrap().with_timezone(&Utc)
    }

    fn every_day(spec: &str) -> Vec<WeeklyRange> {
        ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"]
            .iter()
            .flat_map(|d| spec.split(',').map(move |r| WeeklyRange::parse(&format!("{d} {r}")).unwrap()))
            .collect()
    }

    fn query<'a>(hours: &'a [WeeklyRange], busy: &'a [(DateTime<Utc>, DateTime<Utc>)], absences: &'a [Absence], now: DateTime<Utc>) -> SlotQuery<'a> {
        SlotQuery { tz: Paris, working_hours: hours, absences, busy, duration_minutes: 20, now, min_notice_minutes: 0, horizon_days: 30, after: None, count: 3 }
    }

    #[test]
    fn slots_follow_working_hours_and_skip_breaks_and_busy() {
        let hours = vec![WeeklyRange::parse("lundi 08:00-09:00").unwrap(), WeeklyRange::parse("lundi 14:00-15:00").unwrap()];
        let busy = vec![(paris(2026, 11, 23, 8, 20), paris(2026, 11, 23, 8, 40))];
        let now = paris(2026, 11, 22, 12, 0); // Sunday
        let q = SlotQuery { count: 4, ..query(&hours, &busy, &[], now) };
        let got: Vec<_> = free_slots(&q).iter().map(|s| s.start).collect();
        assert_eq!(got, vec![paris(2026, 11, 23, 8, 0), paris(2026, 11, 23, 8, 40), paris(2026, 11, 23, 14, 0), paris(2026, 11, 23, 14, 20)]);
    }

    #[test]
    fn notice_horizon_and_after_are_honoured() {
        let hours = every_day("08:00-12:00");
        let now = paris(2026, 11, 23, 8, 5);
        let q = SlotQuery { min_notice_minutes: 120, ..query(&hours, &[], &[], now) };
        assert_eq!(free_slots(&q)[0].start, paris(2026, 11, 23, 10, 20));
        let q = SlotQuery { horizon_days: 0, min_notice_minutes: 0, ..query(&hours, &[], &[], now) };
        assert!(free_slots(&q).iter().all(|s| s.start <= now));
        let q = SlotQuery { after: Some(paris(2026, 11, 24, 11, 0)), ..query(&hours, &[], &[], now) };
        assert_eq!(free_slots(&q)[0].start, paris(2026, 11, 24, 11, 0));
    }

    #[test]
    fn absences_remove_slots() {
        let hours = every_day("08:00-09:00");
        let now = paris(2026, 11, 22, 12, 0);
        let away = vec![Absence {
            id: 1,
            doctor_id: 1,
            start: NaiveDate::from_ymd_opt(2026, 11, 23).unwrap().and_hms_opt(0, 0, 0).unwrap(),
            end: NaiveDate::from_ymd_opt(2026, 11, 24).unwrap().and_hms_opt(8, 30, 0).unwrap(),
            reason: "congés".into(),
        }];
        let got = free_slots(&query(&hours, &[], &away, now));
        assert_eq!(got[0].start, paris(2026, 11, 24, 8, 40));
    }

    #[test]
    fn spring_forward_has_no_slot_in_the_missing_hour() {
        // 29 March 2026: 02:00 -> 03:00 in Paris. A doctor "working" 01:00-04:00.
        let hours = vec![WeeklyRange::parse("dimanche 01:00-04:00").unwrap()];
        let now = paris(2026, 3, 28, 12, 0);
        let q = SlotQuery { count: 20, duration_minutes: 30, horizon_days: 2, ..query(&hours, &[], &[], now) };
        let got = free_slots(&q);
        let locals: Vec<String> = got.iter().map(|s| s.start.with_timezone(&Paris).format("%H:%M").to_string()).collect();
        assert_eq!(locals, vec!["01:00", "01:30", "03:00", "03:30"]);
        assert!(got.iter().all(|s| s.start.with_timezone(&Paris).date_naive() == NaiveDate::from_ymd_opt(2026, 3, 29).unwrap()));
    }

    #[test]
    fn fall_back_offers_the_repeated_hour_once() {
        // 25 October 2026: 03:00 -> 02:00 in Paris.
        let hours = vec![WeeklyRange::parse("dimanche 01:00-04:00").unwrap()];
        let now = paris(2026, 10, 24, 12, 0);
        let q = SlotQuery { count: 20, duration_minutes: 30, horizon_days: 2, ..query(&hours, &[], &[], now) };
        let got = free_slots(&q);
        let locals: Vec<String> = got.iter().map(|s| s.start.with_timezone(&Paris).format("%H:%M").to_string()).collect();
        assert_eq!(locals, vec!["01:00", "01:30", "02:00", "02:30", "03:00", "03:30"]);
        let mut starts: Vec<_> = got.iter().map(|s| s.start).collect();
        starts.dedup();
        assert_eq!(starts.len(), got.len());
    }

    #[test]
    fn normal_days_around_dst_keep_their_local_hours() {
        let hours = every_day("09:00-10:00");
        for (y, m, d) in [(2026, 3, 28), (2026, 10, 24)] {
            let now = paris(y, m, d, 12, 0);
            let q = SlotQuery { count: 9, ..query(&hours, &[], &[], now) };
            for s in free_slots(&q) {
                let h = s.start.with_timezone(&Paris).format("%H").to_string();
                assert_eq!(h, "09", "{s:?}");
            }
        }
    }

    proptest! {
        #[test]
        fn the_search_misses_no_free_slot_among_busy_times_of_any_length(
            busy in proptest::collection::vec((0i64..(14 * 24 * 12), 1i64..(3 * 24 * 12)), 0..40),
            count in 1usize..30,
        ) {
            // Busy times from five minutes to three days, overlapping one
            // another: what is offered is exactly the first `count` of the
            // slots an empty agenda offers that no busy time touches.
            let hours = vec![WeeklyRange::parse("lundi 08:00-12:00").unwrap(), WeeklyRange::parse("mardi 09:00-17:00").unwrap()];
            let base = paris(2026, 3, 23, 0, 0);
            let busy: Vec<_> = busy.iter().map(|(s, len)| (base + Duration::minutes(s * 5), base + Duration::minutes((s + len) * 5))).collect();
            let q = SlotQuery { tz: Paris, working_hours: &hours, absences: &[], busy: &busy,
                duration_minutes: 20, now: base, min_notice_minutes: 0, horizon_days: 21, after: None, count };
            let every = free_slots(&SlotQuery { busy: &[], count: 10_000, ..q.clone() });
            let expected: Vec<Slot> = every.into_iter().filter(|s| busy.iter().all(|(a, b)| !(s.start < *b && *a < s.end))).take(count).collect();
            prop_assert_eq!(free_slots(&q), expected);
        }

        #[test]
        fn offered_slots_are_free_ordered_and_inside_hours(
            busy_starts in proptest::collection::vec(0i64..(14 * 24 * 12), 0..40),
            dur in 1i64..7,
            notice in 0i64..2000,
            now_off in 0i64..(24 * 12),
        ) {
            let hours = vec![
                WeeklyRange::parse("lundi 08:00-12:00").unwrap(),
                WeeklyRange::parse("lundi 14:00-18:30").unwrap(),
                WeeklyRange::parse("mercredi 09:00-12:00").unwrap(),
                WeeklyRange::parse("samedi 09:00-11:00").unwrap(),
            ];
            let base = paris(2026, 3, 23, 0, 0);
            let busy: Vec<_> = busy_starts.iter().map(|b| {
                let s = base + Duration::minutes(b * 5);
                (s, s + Duration::minutes(15))
            }).collect();
            let now = base + Duration::minutes(now_off * 5);
            let q = SlotQuery { tz: Paris, working_hours: &hours, absences: &[], busy: &busy,
                duration_minutes: dur * 10, now, min_notice_minutes: notice, horizon_days: 14, after: None, count: 12 };
            let got = free_slots(&q);
            for w in got.windows(2) { prop_assert!(w[0].end <= w[1].start); }
            for s in &got {
                prop_assert!(s.start >= now + Duration::minutes(notice));
                prop_assert!(busy.iter().all(|(a, b)| !(s.start < *b && *a < s.end)));
                let ls = s.start.with_timezone(&Paris).naive_local();
                let le = s.end.with_timezone(&Paris).naive_local();
                prop_assert!(hours.iter().any(|r| r.day == ls.weekday() && r.start <= ls.time() && le.time() <= r.end && ls.date() == le.date()));
                prop_assert!(ls.weekday() != Weekday::Sun);
            }
        }
    }
}
