//! The remote secretaries (who they are, how to ring them, which practices
//! they serve), callers who asked to be called back, and what a secretary
//! sees about a call: the doctors' instructions and the caller's history.

use chrono::{DateTime, Duration, Utc};
use rusqlite::{OptionalExtension, params};
use serde::{Deserialize, Serialize};

use crate::agenda::Appointment;
use crate::agenda::Level;

use super::db::{Cached, Db, StoreError, instant};
use super::messages::MessageRow;

/// A secretary of the partner télésecrétariat.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Secretary {
    /// Short id they log in with (`ana`).
    pub id: String,
    /// Name.
    pub name: String,
    /// What FreeSWITCH dials to reach their phone (`user/1101`, any dial string).
    pub dial: String,
    /// The practices they serve, with the level.
    pub practices: Vec<(i64, Level)>,
}

/// A caller who asked to be called back.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Callback {
    /// Id.
    pub id: i64,
    /// Practice called.
    pub practice_id: i64,
    /// Number to call (E.164).
    pub caller: String,
    /// Why they called, as the receptionist handed them over.
    pub reason: String,
    /// Urgent.
    pub urgent: bool,
    /// When they asked.
    pub requested_at: DateTime<Utc>,
    /// When a secretary placed the call back.
    pub placed_at: Option<DateTime<Utc>>,
    /// Who placed it.
    pub placed_by: Option<String>,
    /// How it went (`answered`, or why nobody was reached: « pas de réponse »…);
    /// for one still to do, how the last attempt went.
    pub outcome: Option<String>,
    /// Calls placed for it so far (one that reached nobody stays to do).
    pub attempts: i64,
    /// The secretary whose call back is under way.
    pub claimed_by: Option<String>,
}

/// What a secretary reads before speaking for a practice.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Instructions {
    /// Practice name.
    pub practice: String,
    /// The practice's instructions.
    pub practice_instructions: String,
    /// Each doctor's name and instructions.
    pub doctors: Vec<(String, String)>,
}

/// What the practice knows of a caller.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CallerHistory {
    /// Appointments of the last 90 days and to come, by date.
    pub appointments: Vec<Appointment>,
    /// Their latest messages (ten at most), newest first.
    pub messages: Vec<MessageRow>,
    /// Their latest calls' outcomes (ten at most), newest first: (when, outcome, detail).
    pub calls: Vec<(DateTime<Utc>, String, String)>,
}

fn level_of(s: &str) -> Result<Level, StoreError> {
    Level::named(s).ok_or_else(|| StoreError::Corrupt { what: "secretary_practices.level".into(), detail: s.into() })
}

fn callback_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Callback> {
    Ok(Callback {
        id: r.get(0)?,
        practice_id: r.get(1)?,
        caller: r.get(2)?,
        reason: r.get(3)?,
        urgent: r.get(4)?,
        requested_at: instant(r.get(5)?),
        placed_at: r.get::<_, Option<i64>>(6)?.map(instant),
        placed_by: r.get(7)?,
        outcome: r.get(8)?,
        attempts: r.get(9)?,
        claimed_by: r.get(10)?,
    })
}

const CALLBACK_COLS: &str = "id, practice_id, caller, reason, urgent, requested_at, placed_at, placed_by, outcome, attempts, claimed_by";

/// A claim older than this is a call back that never reported (the service
/// stopped while it rang): another secretary may take it.
pub const CLAIM_STALE: Duration = Duration::minutes(5);

/// How many call-back requests are taken over the last day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CallbackLimits {
    /// From one number.
    pub per_number: u32,
    /// For one practice.
    pub per_practice: u32,
}

/// Why a call-back request was not taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CallbackRefusal {
    /// A number the practice does not call.
    #[error("{0}")]
    Number(crate::agenda::phone::CallbackBlock),
    /// Too many requests from this number today.
    #[error("plus de {0} demandes de rappel pour ce numéro en un jour")]
    NumberLimit(u32),
    /// Too many requests for this practice today.
    #[error("plus de {0} demandes de rappel pour ce cabinet en un jour")]
    PracticeLimit(u32),
}

impl Db {
    /// Add or replace a secretary and the practices they serve.
    pub fn put_secretary(&mut self, s: &Secretary) -> Result<(), StoreError> {
        if s.id.trim().is_empty() || s.dial.trim().is_empty() {
            return Err(StoreError::Invalid("a secretary needs an id and a dial string".into()));
        }
        crate::agenda::text::check_extension("id", &s.id)?;
        crate::agenda::text::check_name("name", &s.name)?;
        crate::agenda::text::check_dial("dial", &s.dial)?;
        let tx = self.conn.transaction()?;
        tx.exec(
            "INSERT INTO secretaries (id, name, dial) VALUES (?1, ?2, ?3) ON CONFLICT (id) DO UPDATE SET name = excluded.name, dial = excluded.dial",
            params![s.id, s.name, s.dial],
        )?;
        tx.exec("DELETE FROM secretary_practices WHERE secretary_id = ?1", [&s.id])?;
        for (practice_id, level) in &s.practices {
            let known: Option<i64> = tx.row("SELECT id FROM practices WHERE id = ?1", [practice_id], |r| r.get(0)).optional()?;
            if known.is_none() {
                return Err(StoreError::NotFound(format!("practice {practice_id}")));
            }
            tx.exec("INSERT INTO secretary_practices (secretary_id, practice_id, level) VALUES (?1, ?2, ?3)", params![s.id, practice_id, level.name()])?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Remove a secretary.
    pub fn remove_secretary(&mut self, id: &str) -> Result<(), StoreError> {
        match self.conn.exec("DELETE FROM secretaries WHERE id = ?1", [id])? {
            0 => Err(StoreError::NotFound(format!("secretary {id}"))),
            _ => Ok(()),
        }
    }

    /// The practices a secretary serves.
    fn practices_of(&self, id: &str) -> Result<Vec<(i64, Level)>, StoreError> {
        let mut st = self.conn.prepare_cached("SELECT practice_id, level FROM secretary_practices WHERE secretary_id = ?1 ORDER BY practice_id")?;
        let raw = st.query_map([id], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))?.collect::<Result<Vec<_>, _>>()?;
        raw.into_iter().map(|(p, l)| Ok((p, level_of(&l)?))).collect()
    }

    /// Every secretary, by id.
    pub fn secretaries(&self) -> Result<Vec<Secretary>, StoreError> {
        let mut st = self.conn.prepare_cached("SELECT id, name, dial FROM secretaries ORDER BY id")?;
        let rows = st.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?)))?.collect::<Result<Vec<_>, _>>()?;
        rows.into_iter().map(|(id, name, dial)| Ok(Secretary { practices: self.practices_of(&id)?, id, name, dial })).collect()
    }

    /// One secretary (read at each log-in: only that one).
    pub fn secretary(&self, id: &str) -> Result<Secretary, StoreError> {
        let row = self
            .conn
            .row("SELECT name, dial FROM secretaries WHERE id = ?1", [id], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))
            .optional()?
            .ok_or_else(|| StoreError::NotFound(format!("secretary {id}")))?;
        Ok(Secretary { id: id.to_string(), name: row.0, dial: row.1, practices: self.practices_of(id)? })
    }

    /// Keep what a secretary chose: `out`, `in` or `paused` (with why), to
    /// restore it when the service starts again.
    pub fn set_presence(&mut self, id: &str, presence: &str, reason: &str) -> Result<(), StoreError> {
        self.conn.exec("UPDATE secretaries SET presence = ?2, pause_reason = ?3 WHERE id = ?1", params![id, presence, reason])?;
        Ok(())
    }

    /// The secretaries logged in or paused when the service last ran:
    /// (id, `in` or `paused`, why paused).
    pub fn presences(&self) -> Result<Vec<(String, String, String)>, StoreError> {
        let mut st = self.conn.prepare_cached("SELECT id, presence, pause_reason FROM secretaries WHERE presence <> 'out' ORDER BY id")?;
        let rows = st.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?.collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// A secretary's leg is about to ring (kept until it is gone).
    pub fn keep_leg(&mut self, id: &str, at: DateTime<Utc>) -> Result<(), StoreError> {
        self.conn.exec("INSERT OR REPLACE INTO queue_legs (id, rung_at) VALUES (?1, ?2)", params![id, at.timestamp()])?;
        Ok(())
    }

    /// A secretary's leg is gone.
    pub fn forget_leg(&mut self, id: &str) -> Result<(), StoreError> {
        self.conn.exec("DELETE FROM queue_legs WHERE id = ?1", [id])?;
        Ok(())
    }

    /// The legs rung and not known to be gone.
    pub fn kept_legs(&self) -> Result<Vec<String>, StoreError> {
        let mut st = self.conn.prepare_cached("SELECT id FROM queue_legs ORDER BY rung_at")?;
        let rows = st.query_map([], |r| r.get(0))?.collect::<Result<Vec<String>, _>>()?;
        Ok(rows)
    }

    /// Whether any secretary serves this practice.
    pub fn has_secretaries(&self, practice_id: i64) -> Result<bool, StoreError> {
        Ok(self.conn.row("SELECT EXISTS (SELECT 1 FROM secretary_practices WHERE practice_id = ?1)", [practice_id], |r| r.get(0))?)
    }

    /// A caller asks to be called back: refused (`Ok(Err(…))`) for a number
    /// the practice would not call (`phone::callback_check`), or past the
    /// limits of requests per number and per practice over the last day.
    pub fn request_callback(
        &mut self,
        practice_id: i64,
        caller: &str,
        reason: &str,
        urgent: bool,
        at: DateTime<Utc>,
        limits: CallbackLimits,
    ) -> Result<Result<i64, CallbackRefusal>, StoreError> {
        let countries: Vec<u16> = self.practice_callback_countries(practice_id)?;
        if let Err(why) = crate::agenda::phone::callback_check(caller, &countries) {
            return Ok(Err(CallbackRefusal::Number(why)));
        }
        let since = (at - chrono::Duration::days(1)).timestamp();
        let by_number: u32 = self.conn.row("SELECT COUNT(*) FROM callbacks WHERE caller = ?1 AND requested_at > ?2", params![caller, since], |r| r.get(0))?;
        if by_number >= limits.per_number {
            return Ok(Err(CallbackRefusal::NumberLimit(limits.per_number)));
        }
        let by_practice: u32 =
            self.conn.row("SELECT COUNT(*) FROM callbacks WHERE practice_id = ?1 AND requested_at > ?2", params![practice_id, since], |r| r.get(0))?;
        if by_practice >= limits.per_practice {
            return Ok(Err(CallbackRefusal::PracticeLimit(limits.per_practice)));
        }
        self.conn.exec(
            "INSERT INTO callbacks (practice_id, caller, reason, urgent, requested_at) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![practice_id, caller, reason, urgent, at.timestamp()],
        )?;
        Ok(Ok(self.conn.last_insert_rowid()))
    }

    /// The calling codes a practice calls back besides France.
    pub fn practice_callback_countries(&self, practice_id: i64) -> Result<Vec<u16>, StoreError> {
        let text: String = self
            .conn
            .row("SELECT callback_countries FROM practices WHERE id = ?1", [practice_id], |r| r.get(0))
            .optional()?
            .ok_or_else(|| StoreError::NotFound(format!("cabinet n°{practice_id}")))?;
        serde_json::from_str(&text).map_err(|e| StoreError::Corrupt { what: "callback_countries".into(), detail: e.to_string() })
    }

    /// Callbacks, urgent first then oldest first; only those not placed yet
    /// when `open_only`.
    pub fn callbacks(&self, open_only: bool) -> Result<Vec<Callback>, StoreError> {
        let sql = format!("SELECT {CALLBACK_COLS} FROM callbacks WHERE (?1 = 0 OR placed_at IS NULL) ORDER BY urgent DESC, requested_at, id");
        let mut st = self.conn.prepare_cached(&sql)?;
        let rows = st.query_map([open_only], callback_from_row)?.collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// Callbacks not placed yet, and those placed since `since` (the
    /// consoles' list: it stays short however long the table grows).
    pub fn callbacks_since(&self, since: DateTime<Utc>) -> Result<Vec<Callback>, StoreError> {
        let sql = format!("SELECT {CALLBACK_COLS} FROM callbacks WHERE placed_at IS NULL OR placed_at >= ?1 ORDER BY urgent DESC, requested_at, id");
        let mut st = self.conn.prepare_cached(&sql)?;
        let rows = st.query_map([since.timestamp()], callback_from_row)?.collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// One callback.
    pub fn callback(&self, id: i64) -> Result<Callback, StoreError> {
        let sql = format!("SELECT {CALLBACK_COLS} FROM callbacks WHERE id = ?1");
        self.conn.row(&sql, [id], callback_from_row).optional()?.ok_or_else(|| StoreError::NotFound(format!("callback {id}")))
    }

    /// A secretary placed the call back; `outcome` says how it went.
    pub fn callback_placed(&mut self, id: i64, by: &str, at: DateTime<Utc>, outcome: &str) -> Result<(), StoreError> {
        match self.conn.exec(
            "UPDATE callbacks SET placed_at = ?2, placed_by = ?3, outcome = ?4, claimed_by = NULL, claimed_at = NULL WHERE id = ?1",
            params![id, at.timestamp(), by, outcome],
        )? {
            0 => Err(StoreError::NotFound(format!("callback {id}"))),
            _ => Ok(()),
        }
    }

    /// Claim a call back still to do for `by`, in one statement: of two
    /// secretaries clicking at once, one gets it (`Ok(true)`), the other
    /// `Ok(false)`. A claim older than [`CLAIM_STALE`] no longer holds.
    pub fn claim_callback(&mut self, id: i64, by: &str, at: DateTime<Utc>) -> Result<bool, StoreError> {
        let stale = (at - CLAIM_STALE).timestamp();
        let claimed = self.conn.exec(
            "UPDATE callbacks SET claimed_by = ?2, claimed_at = ?3 WHERE id = ?1 AND placed_at IS NULL AND (claimed_by IS NULL OR claimed_at < ?4)",
            params![id, by, at.timestamp(), stale],
        )?;
        Ok(claimed == 1)
    }

    /// The claim of `by` is given back (the call could not be started).
    pub fn release_callback(&mut self, id: i64, by: &str) -> Result<(), StoreError> {
        self.conn.exec("UPDATE callbacks SET claimed_by = NULL, claimed_at = NULL WHERE id = ?1 AND claimed_by = ?2", params![id, by])?;
        Ok(())
    }

    /// One attempt of a call back: answered, it is done; otherwise it stays
    /// to do, its attempts counted and `outcome` kept as the last one.
    pub fn callback_attempt(&mut self, id: i64, by: &str, at: DateTime<Utc>, answered: bool, outcome: &str) -> Result<(), StoreError> {
        match self.conn.exec(
            "UPDATE callbacks SET attempts = attempts + 1, placed_at = CASE WHEN ?5 THEN ?2 ELSE placed_at END, placed_by = ?3, outcome = ?4,
             claimed_by = NULL, claimed_at = NULL WHERE id = ?1",
            params![id, at.timestamp(), by, outcome, answered],
        )? {
            0 => Err(StoreError::NotFound(format!("callback {id}"))),
            _ => Ok(()),
        }
    }

    /// The practice's and its doctors' instructions.
    pub fn instructions(&self, practice_id: i64) -> Result<Instructions, StoreError> {
        let snap = self.snapshot(practice_id)?;
        let mut doctors = Vec::new();
        for d in &snap.doctors {
            doctors.push((d.name.clone(), self.doctor_instructions(d.id)?));
        }
        Ok(Instructions { practice: snap.practice.name, practice_instructions: snap.practice.instructions, doctors })
    }

    /// A caller's recent and future appointments, messages and calls in a practice.
    pub fn caller_history(&self, practice_id: i64, phone: &str, now: DateTime<Utc>) -> Result<CallerHistory, StoreError> {
        let mut st = self.conn.prepare_cached(
            "SELECT a.id, a.doctor_id, a.type_id, a.start_utc, a.end_utc, a.patient_name, a.phone, a.name_recording, a.source, a.status
             FROM appointments a JOIN doctors d ON d.id = a.doctor_id WHERE d.practice_id = ?1 AND a.phone = ?2 AND a.start_utc >= ?3 ORDER BY a.start_utc, a.id",
        )?;
        let since = now - Duration::days(90);
        let appointments = st.query_map(params![practice_id, phone, since.timestamp()], Db::appointment_from_row)?.collect::<Result<Vec<_>, _>>()?;
        let messages = self.messages(practice_id)?.into_iter().filter(|m| m.caller.as_deref() == Some(phone)).take(10).collect();
        let mut st =
            self.conn.prepare_cached("SELECT started_at, outcome, detail FROM calls WHERE practice_id = ?1 AND caller = ?2 ORDER BY id DESC LIMIT 10")?;
        let calls = st.query_map(params![practice_id, phone], |r| Ok((instant(r.get(0)?), r.get(1)?, r.get(2)?)))?.collect::<Result<Vec<_>, _>>()?;
        Ok(CallerHistory { appointments, messages, calls })
    }
}
