//! The figures a practice pays for, day by day in its own time zone: calls,
//! the share the receptionist finished without a human (booked, cancelled,
//! moved, a message, the hours told, a blocked number told), those handed
//! over and to whom, urgent calls, callers who hung up, the waits in the
//! secretaries' queue, the busiest hours, and what a télésecrétariat would
//! have charged for the calls finished without it.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Timelike, Utc};
use chrono_tz::Tz;
use rusqlite::params;
use serde::Serialize;

use super::db::{Db, StoreError, instant};

/// Longest period asked at once.
pub const MAX_DAYS: u32 = 366;

/// Who finished a call, from its recorded outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Finished {
    /// The receptionist, alone.
    WithoutHuman,
    /// A human: the secretaries, the doctor, the practice's phone (`to`).
    HandedOver {
        /// To whom: `secretaries`, `doctor`, `practice_phone`.
        to: &'static str,
    },
    /// The caller hung up before anything was done.
    Abandoned,
    /// A number of no practice.
    Unrouted,
}

/// Who finished a call that ended with `outcome` (`Outcome::as_str`).
pub fn finished_by(outcome: &str) -> Finished {
    match outcome {
        "booked" | "cancelled" | "moved" | "message" | "info" | "refused" => Finished::WithoutHuman,
        "secretaries" | "urgent" | "callback" => Finished::HandedOver { to: "secretaries" },
        "doctor" => Finished::HandedOver { to: "doctor" },
        "practice_phone" => Finished::HandedOver { to: "practice_phone" },
        "unrouted" => Finished::Unrouted,
        _ => Finished::Abandoned,
    }
}

/// One day's figures (or a period's, in [`PracticeStats::total`]).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct DayStats {
    /// The day (the period's first day for a total).
    pub day: NaiveDate,
    /// Calls.
    pub calls: i64,
    /// Finished by the receptionist alone.
    pub without_human: i64,
    /// Handed to a human.
    pub handed_over: i64,
    /// Urgent calls (key 9, or said so).
    pub urgent: i64,
    /// Callers who hung up before anything was done.
    pub abandoned: i64,
    /// Every outcome and its calls.
    pub by_outcome: BTreeMap<String, i64>,
    /// The calls handed to a human, by why (`Handover::as_str`; `unknown`
    /// for calls recorded before the reason was).
    pub by_handover: BTreeMap<String, i64>,
    /// Calls that waited in the secretaries' queue.
    pub waited: i64,
    /// Their average wait, seconds.
    pub average_wait_secs: f64,
    /// The longest, seconds.
    pub longest_wait_secs: f64,
    #[serde(skip)]
    total_wait_secs: f64,
}

impl DayStats {
    fn add(&mut self, outcome: &str, handover: Option<&str>, wait: Option<f64>) {
        self.calls += 1;
        *self.by_outcome.entry(outcome.to_string()).or_default() += 1;
        match finished_by(outcome) {
            Finished::WithoutHuman => self.without_human += 1,
            Finished::HandedOver { .. } => {
                self.handed_over += 1;
                *self.by_handover.entry(handover.unwrap_or("unknown").to_string()).or_default() += 1;
            }
            Finished::Abandoned => self.abandoned += 1,
            Finished::Unrouted => {}
        }
        if outcome == "urgent" {
            self.urgent += 1;
        }
        if let Some(w) = wait {
            self.waited += 1;
            self.total_wait_secs += w;
            self.longest_wait_secs = self.longest_wait_secs.max(w);
            self.average_wait_secs = self.total_wait_secs / self.waited as f64;
        }
    }

    /// The share finished without a human, 0 to 1.
    pub fn share_without_human(&self) -> f64 {
        if self.calls == 0 { 0.0 } else { self.without_human as f64 / self.calls as f64 }
    }
}

/// A practice's figures over a period.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PracticeStats {
    /// The practice.
    pub practice_id: i64,
    /// First and last day (local).
    pub from: NaiveDate,
    /// Last day.
    pub to: NaiveDate,
    /// Each day, the first first; days without a call are there, at zero.
    pub days: Vec<DayStats>,
    /// The whole period.
    pub total: DayStats,
    /// Share of the period's calls finished without a human, 0 to 1.
    pub share_without_human: f64,
    /// Calls by local hour of the day (0–23) over the period.
    pub by_hour: Vec<i64>,
    /// The three busiest hours, busiest first.
    pub busiest_hours: Vec<u32>,
    /// What a télésecrétariat charges a call (`[stats] price_per_call`).
    pub price_per_call: f64,
    /// Saved: the calls finished without a human, at that price.
    pub saved: f64,
}

impl Db {
    /// The figures of the `days` days ending today (at `now`) in the
    /// practice's own time zone.
    pub fn recent_stats(&self, practice_id: i64, now: DateTime<Utc>, days: u32, price_per_call: f64) -> Result<PracticeStats, StoreError> {
        let tz = self.snapshot(practice_id)?.practice.timezone;
        self.practice_stats(practice_id, tz, now.with_timezone(&tz).date_naive(), days, price_per_call)
    }

    /// The figures of `days` days ending with `last` (the practice's local
    /// days, in `tz`), a télésecrétariat's call at `price_per_call`.
    pub fn practice_stats(&self, practice_id: i64, tz: Tz, last: NaiveDate, days: u32, price_per_call: f64) -> Result<PracticeStats, StoreError> {
        if !(1..=MAX_DAYS).contains(&days) {
            return Err(StoreError::Invalid(format!("days: between 1 and {MAX_DAYS}")));
        }
        let from = last - Duration::days(i64::from(days) - 1);
        let midnight = |d: NaiveDate| -> DateTime<Utc> {
            let naive = d.and_hms_opt(0, 0, 0).unwrap_or_default();
            tz.from_local_datetime(&naive).earliest().map(|t| t.with_timezone(&Utc)).unwrap_or_else(|| Utc.from_utc_datetime(&naive))
        };
        let (start, end) = (midnight(from), midnight(last + Duration::days(1)));
        let mut st = self.conn.prepare_cached(
            "SELECT started_at, outcome, queue_wait_secs, handover FROM calls WHERE practice_id = ?1 AND started_at >= ?2 AND started_at < ?3",
        )?;
        let rows = st
            .query_map(params![practice_id, start.timestamp(), end.timestamp()], |r| {
                Ok((instant(r.get(0)?), r.get::<_, String>(1)?, r.get::<_, Option<f64>>(2)?, r.get::<_, Option<String>>(3)?))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        let mut per_day: Vec<DayStats> = (0..days).map(|i| DayStats { day: from + Duration::days(i64::from(i)), ..DayStats::default() }).collect();
        let mut total = DayStats { day: from, ..DayStats::default() };
        let mut by_hour = vec![0i64; 24];
        for (at, outcome, wait, handover) in rows {
            let local = at.with_timezone(&tz);
            let index = (local.date_naive() - from).num_days();
            if let Some(day) = usize::try_from(index).ok().and_then(|i| per_day.get_mut(i)) {
                day.add(&outcome, handover.as_deref(), wait);
                total.add(&outcome, handover.as_deref(), wait);
                by_hour[local.hour() as usize] += 1;
            }
        }
        let mut hours: Vec<u32> = (0..24).filter(|h| by_hour[*h as usize] > 0).collect();
        hours.sort_by_key(|h| (std::cmp::Reverse(by_hour[*h as usize]), *h));
        hours.truncate(3);
        Ok(PracticeStats {
            practice_id,
            from,
            to: last,
            share_without_human: total.share_without_human(),
            saved: (total.without_human as f64 * price_per_call * 100.0).round() / 100.0,
            days: per_day,
            total,
            by_hour,
            busiest_hours: hours,
            price_per_call,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::CallRecord;

    fn call(db: &mut Db, at: DateTime<Utc>, outcome: &str, wait: Option<f64>) {
        let handover = match finished_by(outcome) {
            Finished::HandedOver { .. } => Some(if outcome == "urgent" { "urgent" } else { "asked" }.to_string()),
            _ => None,
        };
        let uuid = uuid::Uuid::new_v4().to_string();
        let rec = CallRecord {
            practice_id: Some(1),
            uuid,
            caller: None,
            started_at: at,
            ended_at: at,
            outcome: outcome.into(),
            detail: String::new(),
            queue_wait_secs: wait,
            handover,
        };
        db.record_call(&rec).unwrap();
    }

    #[test]
    fn each_local_day_counts_its_calls_and_the_saving_is_the_calls_finished_alone() {
        let dir = tempfile::tempdir().unwrap();
        let mut db = Db::open(&dir.path().join("db.sqlite")).unwrap();
        let id = db.create_practice("Cabinet", "", chrono_tz::Europe::Paris).unwrap();
        assert_eq!(id, 1);
        let paris = chrono_tz::Europe::Paris;
        let at = |d: u32, h: u32, m: u32| paris.with_ymd_and_hms(2026, 11, d, h, m, 0).unwrap().with_timezone(&Utc);
        // Monday the 23rd: a busy morning.
        for (h, m, o, w) in
            [(8, 5, "booked", None), (8, 20, "booked", None), (8, 40, "message", None), (9, 0, "secretaries", Some(30.0)), (9, 10, "urgent", Some(10.0))]
        {
            call(&mut db, at(23, h, m), o, w);
        }
        // Tuesday: one caller hangs up, one is told the hours at 00:30 local
        // (the day before in UTC: still Tuesday here).
        call(&mut db, at(24, 0, 30), "info", None);
        call(&mut db, at(24, 11, 0), "abandoned", None);
        // Outside the period, and another practice: not counted.
        call(&mut db, at(22, 9, 0), "booked", None);
        let s = db.practice_stats(1, paris, NaiveDate::from_ymd_opt(2026, 11, 25).unwrap(), 3, 0.85).unwrap();
        assert_eq!(s.days.len(), 3);
        let (mon, tue, wed) = (&s.days[0], &s.days[1], &s.days[2]);
        assert_eq!((mon.calls, mon.without_human, mon.handed_over, mon.urgent, mon.abandoned), (5, 3, 2, 1, 0));
        assert_eq!((mon.waited, mon.average_wait_secs, mon.longest_wait_secs), (2, 20.0, 30.0));
        assert_eq!((tue.calls, tue.without_human, tue.abandoned), (2, 1, 1));
        assert_eq!(wed.calls, 0);
        assert_eq!(s.total.calls, 7);
        assert_eq!(s.total.by_outcome["booked"], 2);
        assert_eq!(s.total.by_handover, BTreeMap::from([("asked".to_string(), 1), ("urgent".to_string(), 1)]));
        assert_eq!(mon.by_handover.values().sum::<i64>(), mon.handed_over);
        assert!((s.share_without_human - 4.0 / 7.0).abs() < 1e-9);
        assert_eq!(s.saved, 3.4, "4 calls at 0.85 €");
        assert_eq!(s.busiest_hours, vec![8, 9, 0]);
        assert_eq!(s.by_hour.iter().sum::<i64>(), 7);
        assert!(db.practice_stats(1, paris, NaiveDate::from_ymd_opt(2026, 11, 25).unwrap(), 0, 0.85).is_err());
    }
}
