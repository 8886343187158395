//! One row per finished call, for the statistics and the caller's history.

use chrono::{DateTime, Utc};
use rusqlite::params;
use serde::{Deserialize, Serialize};

use super::db::{Cached, Db, StoreError, instant};

/// One finished call, for statistics.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CallRecord {
    /// Practice, when it was found.
    pub practice_id: Option<i64>,
    /// FreeSWITCH's unique id of the channel.
    pub uuid: String,
    /// Caller's number.
    pub caller: Option<String>,
    /// Start.
    pub started_at: DateTime<Utc>,
    /// End.
    pub ended_at: DateTime<Utc>,
    /// booked, cancelled, moved, message, info, doctor, secretaries, urgent, abandoned, …
    pub outcome: String,
    /// Free detail (the reason handed to the secretaries).
    pub detail: String,
    /// Seconds waited in the secretaries' queue, for a call that went there.
    pub queue_wait_secs: Option<f64>,
    /// Why a call that ended with a human went there (`Handover::as_str`).
    pub handover: Option<String>,
}

impl Db {
    /// Record a finished call.
    pub fn record_call(&mut self, c: &CallRecord) -> Result<(), StoreError> {
        self.conn.exec(
            "INSERT INTO calls (practice_id, uuid, caller, started_at, ended_at, outcome, detail, queue_wait_secs, handover) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            params![c.practice_id, c.uuid, c.caller, c.started_at.timestamp(), c.ended_at.timestamp(), c.outcome, c.detail, c.queue_wait_secs, c.handover],
        )?;
        Ok(())
    }

    /// Calls recorded, newest first.
    pub fn calls(&self, limit: i64) -> Result<Vec<CallRecord>, StoreError> {
        let mut st = self.conn.prepare_cached(
            "SELECT practice_id, uuid, caller, started_at, ended_at, outcome, detail, queue_wait_secs, handover FROM calls ORDER BY id DESC LIMIT ?1",
        )?;
        let rows = st.query_map([limit], call_from_row)?.collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// A practice's calls that started at or after `since`, newest first.
    pub fn calls_since(&self, practice_id: i64, since: DateTime<Utc>) -> Result<Vec<CallRecord>, StoreError> {
        let mut st = self.conn.prepare_cached(
            "SELECT practice_id, uuid, caller, started_at, ended_at, outcome, detail, queue_wait_secs, handover FROM calls WHERE practice_id = ?1 AND started_at >= ?2 ORDER BY started_at DESC, id DESC",
        )?;
        let rows = st.query_map(params![practice_id, since.timestamp()], call_from_row)?.collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }
}

/// What a secretary may close a call with.
pub const HUMAN_OUTCOMES: [&str; 6] = ["booked", "cancelled", "message", "information", "put_through", "other"];

impl Db {
    /// A secretary closed call `uuid` with `outcome` (once: closing again
    /// changes the outcome).
    pub fn close_handled_call(&mut self, uuid: &str, practice_id: i64, secretary: &str, outcome: &str, at: DateTime<Utc>) -> Result<(), StoreError> {
        if !HUMAN_OUTCOMES.contains(&outcome) {
            return Err(StoreError::Rule(crate::agenda::RuleError::new("outcome", format!("issue inconnue (issues: {})", HUMAN_OUTCOMES.join(", ")))));
        }
        self.conn.exec(
            "INSERT INTO handled_calls (uuid, practice_id, secretary, outcome, at) VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (uuid) DO UPDATE SET outcome = excluded.outcome, secretary = excluded.secretary, at = excluded.at",
            params![uuid, practice_id, secretary, outcome, at.timestamp()],
        )?;
        Ok(())
    }
}

fn call_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<CallRecord> {
    Ok(CallRecord {
        practice_id: r.get(0)?,
        uuid: r.get(1)?,
        caller: r.get(2)?,
        started_at: instant(r.get(3)?),
        ended_at: instant(r.get(4)?),
        outcome: r.get(5)?,
        detail: r.get(6)?,
        queue_wait_secs: r.get(7)?,
        handover: r.get(8)?,
    })
}
