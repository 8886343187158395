//! Messages left by callers, their transcripts, and the recordings still
//! waiting for their text.

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, params};
use serde::{Deserialize, Serialize};

use super::db::{Cached, Db, StoreError, instant};

/// A message left by a caller.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MessageRow {
    /// Row id.
    pub id: i64,
    /// Practice.
    pub practice_id: i64,
    /// Caller's number, if not withheld.
    pub caller: Option<String>,
    /// When it was left.
    pub received_at: DateTime<Utc>,
    /// The recording.
    pub audio_path: String,
    /// Length in seconds.
    pub duration_secs: f64,
    /// Transcript, once made.
    pub transcript: Option<String>,
    /// Flagged urgent.
    pub urgent: bool,
    /// Handled by the practice (read, called back…).
    pub read: bool,
    /// Who marked it handled.
    pub handled_by: Option<String>,
}

/// Recordings still without their text: messages, then appointments'
/// recorded names, each `(id, audio path)`.
pub type Untranscribed = (Vec<(i64, String)>, Vec<(i64, String)>);

impl Db {
    /// Store a message and, in the same transaction, the notice that tells
    /// the practice of it (mailed by `mail`): the row and its notice are
    /// kept or lost together. Returns its id.
    pub fn save_message(
        &mut self,
        practice_id: i64,
        caller: Option<&str>,
        at: DateTime<Utc>,
        audio_path: &str,
        duration_secs: f64,
        urgent: bool,
    ) -> Result<i64, StoreError> {
        self.insert_message(practice_id, caller, at, (audio_path, duration_secs), None, urgent)
    }

    /// A message typed by a remote secretary for the doctor: no recording,
    /// its text is its transcript; told to the practice like the others.
    pub fn save_typed_message(&mut self, practice_id: i64, caller: Option<&str>, at: DateTime<Utc>, text: &str, urgent: bool) -> Result<i64, StoreError> {
        crate::agenda::text::check_text("message", text, 4000)?;
        if text.trim().is_empty() {
            return Err(StoreError::Rule(crate::agenda::RuleError::new("message", "vide")));
        }
        self.insert_message(practice_id, caller, at, ("", 0.0), Some(text.trim()), urgent)
    }

    /// A message (its recording and length, `("", 0.0)` for none) and, in
    /// the same transaction, the notice that tells the practice of it.
    fn insert_message(
        &mut self,
        practice_id: i64,
        caller: Option<&str>,
        at: DateTime<Utc>,
        (audio_path, duration_secs): (&str, f64),
        transcript: Option<&str>,
        urgent: bool,
    ) -> Result<i64, StoreError> {
        let tx = self.conn.transaction()?;
        tx.exec(
            "INSERT INTO messages (practice_id, caller, received_at, audio_path, duration_secs, transcript, urgent) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![practice_id, caller, at.timestamp(), audio_path, duration_secs, transcript, urgent],
        )?;
        let id = tx.last_insert_rowid();
        let notice =
            super::notices::NewNotice { practice_id, kind: super::notices::NoticeKind::Message, ref_id: Some(id), caller, detail: "", urgent, due: at };
        super::notices::queue_notice(&tx, &notice)?;
        tx.commit()?;
        Ok(id)
    }

    /// Store a message's transcript; the message becomes urgent when the
    /// transcription found signs of an emergency (`urgent`: the caller
    /// decides, the store only records; a message never stops being urgent).
    pub fn set_transcript(&mut self, message_id: i64, transcript: &str, urgent: bool) -> Result<bool, StoreError> {
        let n = self.conn.exec("UPDATE messages SET transcript = ?1, urgent = urgent OR ?2 WHERE id = ?3", params![transcript, urgent, message_id])?;
        if n == 0 {
            return Err(StoreError::NotFound(format!("message n°{message_id}")));
        }
        Ok(urgent)
    }

    /// The patient's name of an appointment, from the recording of it said at
    /// booking; a name staff typed is kept.
    pub fn set_patient_name(&mut self, appointment_id: i64, name: &str) -> Result<(), StoreError> {
        let name = name.trim().trim_end_matches('.').trim();
        self.conn.exec("UPDATE appointments SET patient_name = ?1 WHERE id = ?2 AND patient_name = ''", params![name, appointment_id])?;
        let (phone, practice): (Option<String>, i64) = self
            .conn
            .row("SELECT a.phone, d.practice_id FROM appointments a JOIN doctors d ON d.id = a.doctor_id WHERE a.id = ?1", [appointment_id], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .optional()?
            .ok_or_else(|| StoreError::NotFound(format!("rendez-vous n°{appointment_id}")))?;
        if let (Some(phone), false) = (phone, name.is_empty()) {
            self.conn.exec("INSERT OR IGNORE INTO patients (practice_id, phone, name) VALUES (?1, ?2, ?3)", params![practice, phone, name])?;
        }
        Ok(())
    }

    /// Messages still without their transcript (the transcriptions' backlog).
    pub fn untranscribed_count(&self) -> Result<i64, StoreError> {
        Ok(self.conn.row("SELECT count(*) FROM messages WHERE transcript IS NULL", [], |r| r.get(0))?)
    }

    /// Recordings still without their text, oldest first, at most `limit` of
    /// each kind: messages without a transcript (ids after `after.0`), and
    /// booked appointments whose name was recorded but is still empty (ids
    /// after `after.1`). A caller pages through them by passing the last ids.
    pub fn untranscribed(&self, after: (i64, i64), limit: usize) -> Result<Untranscribed, StoreError> {
        let pairs = |sql: &str, after: i64| -> Result<Vec<(i64, String)>, StoreError> {
            let mut st = self.conn.prepare_cached(sql)?;
            let rows = st.query_map([after, limit as i64], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<Result<Vec<_>, _>>()?;
            Ok(rows)
        };
        Ok((
            pairs("SELECT id, audio_path FROM messages WHERE transcript IS NULL AND id > ?1 ORDER BY id LIMIT ?2", after.0)?,
            pairs(
                "SELECT id, name_recording FROM appointments WHERE name_recording IS NOT NULL AND patient_name = '' AND status = 'booked' AND id > ?1 ORDER BY id LIMIT ?2",
                after.1,
            )?,
        ))
    }

    /// Messages of a practice: urgent ones not handled first, then the
    /// others not handled, then the handled ones; newest first in each.
    pub fn messages(&self, practice_id: i64) -> Result<Vec<MessageRow>, StoreError> {
        let mut st = self.conn.prepare_cached(&format!(
            "SELECT {MESSAGE_COLUMNS} FROM messages WHERE practice_id = ?1 ORDER BY read, (urgent AND NOT read) DESC, received_at DESC, id DESC"
        ))?;
        let rows = st.query_map([practice_id], message_from_row)?.collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// One message of a practice (`NotFound` when it is another's).
    pub fn message(&self, practice_id: i64, id: i64) -> Result<MessageRow, StoreError> {
        self.conn
            .row(&format!("SELECT {MESSAGE_COLUMNS} FROM messages WHERE id = ?1 AND practice_id = ?2"), params![id, practice_id], message_from_row)
            .optional()?
            .ok_or_else(|| StoreError::NotFound(format!("message n°{id}")))
    }

    /// Mark a message handled (or not) by `by`.
    pub fn set_message_handled(&mut self, practice_id: i64, id: i64, handled: bool, by: &str, now: DateTime<Utc>) -> Result<(), StoreError> {
        let n = self.conn.exec(
            "UPDATE messages SET read = ?1, handled_at = CASE WHEN ?1 THEN ?2 END, handled_by = CASE WHEN ?1 THEN ?3 END WHERE id = ?4 AND practice_id = ?5",
            params![handled, now.timestamp(), by, id, practice_id],
        )?;
        if n == 0 {
            return Err(StoreError::NotFound(format!("message n°{id}")));
        }
        Ok(())
    }
}

const MESSAGE_COLUMNS: &str = "id, practice_id, caller, received_at, audio_path, duration_secs, transcript, urgent, read, handled_by";

fn message_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<MessageRow> {
    Ok(MessageRow {
        id: r.get(0)?,
        practice_id: r.get(1)?,
        caller: r.get(2)?,
        received_at: instant(r.get(3)?),
        audio_path: r.get(4)?,
        duration_secs: r.get(5)?,
        transcript: r.get(6)?,
        urgent: r.get(7)?,
        read: r.get(8)?,
        handled_by: r.get(9)?,
    })
}
