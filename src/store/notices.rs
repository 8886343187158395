//! What the practice must be told (a new message, an urgent call handed
//! over, the daily summary), kept as rows until the mail is sent: written in
//! the same transaction as what they tell of, retried with backoff, never
//! lost. The mail itself is worded and sent by `mail`.

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;

use super::db::{Cached, Db, StoreError, corrupt, instant};

/// What a notice tells of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NoticeKind {
    /// A message was left (`ref_id`: the message).
    Message,
    /// A call was handed to the secretaries as urgent.
    UrgentCall,
    /// The daily summary (`detail`: the local day, `YYYY-MM-DD`).
    Summary,
}

impl NoticeKind {
    /// Its name in the table.
    pub fn name(self) -> &'static str {
        match self {
            Self::Message => "message",
            Self::UrgentCall => "urgent_call",
            Self::Summary => "summary",
        }
    }

    fn named(s: &str) -> Option<Self> {
        [Self::Message, Self::UrgentCall, Self::Summary].into_iter().find(|k| k.name() == s)
    }
}

/// A notice to write.
#[derive(Debug, Clone)]
pub struct NewNotice<'a> {
    /// The practice told.
    pub practice_id: i64,
    /// Of what.
    pub kind: NoticeKind,
    /// The row it tells of.
    pub ref_id: Option<i64>,
    /// The caller's number.
    pub caller: Option<&'a str>,
    /// Free detail (the reason of a hand-over, the summary's day).
    pub detail: &'a str,
    /// Urgent: said in the subject, sent before the others.
    pub urgent: bool,
    /// Not sent before.
    pub due: DateTime<Utc>,
}

/// A notice waiting to be sent.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Notice {
    /// Row id.
    pub id: i64,
    /// The practice told.
    pub practice_id: i64,
    /// Of what.
    pub kind: NoticeKind,
    /// The row it tells of.
    pub ref_id: Option<i64>,
    /// The caller's number.
    pub caller: Option<String>,
    /// Free detail.
    pub detail: String,
    /// Urgent.
    pub urgent: bool,
    /// Written at.
    pub created_at: DateTime<Utc>,
    /// Failed tries so far.
    pub attempts: i64,
    /// The last failure.
    pub last_error: Option<String>,
}

/// Where and when a practice is told.
#[derive(Debug, Clone, PartialEq)]
pub struct MailSettings {
    /// The practice.
    pub practice_id: i64,
    /// Its name.
    pub name: String,
    /// Its time zone.
    pub tz: Tz,
    /// Its addresses (may be empty: nobody is mailed, nothing is lost).
    pub emails: Vec<String>,
    /// The local hour of the daily summary, if any.
    pub summary_hour: Option<u32>,
    /// The last local day a summary was queued for.
    pub summary_sent_day: Option<NaiveDate>,
}

/// A day's figures, for the summary and the Today page.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct DayFigures {
    /// Calls, by outcome (name, count), most frequent first.
    pub calls: Vec<(String, i64)>,
    /// Calls in all.
    pub total_calls: i64,
    /// Appointments booked in the period (by phone or staff).
    pub booked: i64,
    /// Appointments cancelled in the period.
    pub cancelled: i64,
    /// Messages left.
    pub messages: i64,
    /// Of which urgent.
    pub urgent_messages: i64,
    /// Calls the remote secretaries closed, by outcome (name, count).
    pub by_secretaries: Vec<(String, i64)>,
}

/// A notice not sent yet.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Unsent {
    /// Row id.
    pub id: i64,
    /// Its kind's name.
    pub kind: String,
    /// Failed tries.
    pub attempts: i64,
    /// The last failure.
    pub last_error: Option<String>,
}

/// Write a notice (inside the caller's transaction).
pub(crate) fn queue_notice(conn: &Connection, n: &NewNotice<'_>) -> Result<i64, StoreError> {
    conn.exec(
        "INSERT INTO outbox (practice_id, kind, ref_id, caller, detail, urgent, created_at, due_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7)",
        params![n.practice_id, n.kind.name(), n.ref_id, n.caller, n.detail, n.urgent, n.due.timestamp()],
    )?;
    Ok(conn.last_insert_rowid())
}

/// The addresses of a practice's `email` field: comma- or space-separated.
pub fn parse_emails(text: &str) -> Vec<String> {
    text.split([',', ';', ' ', '\n']).map(str::trim).filter(|s| !s.is_empty()).map(str::to_string).collect()
}

impl Db {
    /// Write a notice on its own.
    pub fn notify(&mut self, n: &NewNotice<'_>) -> Result<i64, StoreError> {
        queue_notice(&self.conn, n)
    }

    /// Notices due at `now`, urgent first then oldest, at most `limit`.
    pub fn due_notices(&self, now: DateTime<Utc>, limit: usize) -> Result<Vec<Notice>, StoreError> {
        let mut st = self.conn.prepare_cached(
            "SELECT id, practice_id, kind, ref_id, caller, detail, urgent, created_at, attempts, last_error FROM outbox
             WHERE sent_at IS NULL AND due_at <= ?1 ORDER BY urgent DESC, due_at, id LIMIT ?2",
        )?;
        let raw = st
            .query_map(params![now.timestamp(), limit as i64], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, Option<i64>>(3)?,
                    r.get::<_, Option<String>>(4)?,
                    r.get::<_, String>(5)?,
                    r.get::<_, bool>(6)?,
                    r.get::<_, i64>(7)?,
                    r.get::<_, i64>(8)?,
                    r.get::<_, Option<String>>(9)?,
                ))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        raw.into_iter()
            .map(|(id, practice_id, kind, ref_id, caller, detail, urgent, created, attempts, last_error)| {
                Ok(Notice {
                    id,
                    practice_id,
                    kind: NoticeKind::named(&kind).ok_or_else(|| corrupt("outbox.kind", &kind))?,
                    ref_id,
                    caller,
                    detail,
                    urgent,
                    created_at: instant(created),
                    attempts,
                    last_error,
                })
            })
            .collect()
    }

    /// The notice was sent (or has nothing left to send).
    pub fn notice_sent(&mut self, id: i64, now: DateTime<Utc>) -> Result<(), StoreError> {
        self.conn.exec("UPDATE outbox SET sent_at = ?1 WHERE id = ?2", params![now.timestamp(), id])?;
        Ok(())
    }

    /// Sending failed: tried again at `next`.
    pub fn notice_failed(&mut self, id: i64, error: &str, next: DateTime<Utc>) -> Result<(), StoreError> {
        self.conn.exec("UPDATE outbox SET attempts = attempts + 1, last_error = ?1, due_at = ?2 WHERE id = ?3", params![error, next.timestamp(), id])?;
        Ok(())
    }

    /// Not yet (a transcript still to come): looked at again at `next`.
    pub fn postpone_notice(&mut self, id: i64, next: DateTime<Utc>) -> Result<(), StoreError> {
        self.conn.exec("UPDATE outbox SET due_at = ?1 WHERE id = ?2", params![next.timestamp(), id])?;
        Ok(())
    }

    /// Notices not sent yet, for a practice or all (oldest first).
    pub fn unsent_notices(&self, practice_id: Option<i64>) -> Result<Vec<Unsent>, StoreError> {
        let mut st = self
            .conn
            .prepare_cached("SELECT id, kind, attempts, last_error FROM outbox WHERE sent_at IS NULL AND (?1 IS NULL OR practice_id = ?1) ORDER BY id")?;
        let rows = st
            .query_map([practice_id], |r| Ok(Unsent { id: r.get(0)?, kind: r.get(1)?, attempts: r.get(2)?, last_error: r.get(3)? }))?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// Where and when every practice is told.
    pub fn mail_settings(&self) -> Result<Vec<MailSettings>, StoreError> {
        let mut st = self.conn.prepare_cached("SELECT id, name, timezone, email, summary_hour, summary_sent_day FROM practices ORDER BY id")?;
        let raw = st
            .query_map([], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, Option<u32>>(4)?,
                    r.get::<_, Option<String>>(5)?,
                ))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        raw.into_iter()
            .map(|(practice_id, name, tz, email, summary_hour, day)| {
                Ok(MailSettings {
                    practice_id,
                    name,
                    tz: tz.parse().map_err(|_| corrupt("timezone", &tz))?,
                    emails: parse_emails(&email),
                    summary_hour,
                    summary_sent_day: day.map(|d| d.parse().map_err(|_| corrupt("summary_sent_day", &d))).transpose()?,
                })
            })
            .collect()
    }

    /// One practice's mail settings.
    pub fn practice_mail(&self, practice_id: i64) -> Result<MailSettings, StoreError> {
        self.mail_settings()?.into_iter().find(|m| m.practice_id == practice_id).ok_or_else(|| StoreError::NotFound(format!("cabinet n°{practice_id}")))
    }

    /// Queue the summary of local day `day`, once: false when it was queued already.
    pub fn queue_summary(&mut self, practice_id: i64, day: NaiveDate, now: DateTime<Utc>) -> Result<bool, StoreError> {
        let tx = self.conn.transaction()?;
        let day_s = day.to_string();
        let n = tx.exec(
            "UPDATE practices SET summary_sent_day = ?1 WHERE id = ?2 AND (summary_sent_day IS NULL OR summary_sent_day < ?1)",
            params![day_s, practice_id],
        )?;
        if n == 1 {
            queue_notice(&tx, &NewNotice { practice_id, kind: NoticeKind::Summary, ref_id: None, caller: None, detail: &day_s, urgent: false, due: now })?;
        }
        tx.commit()?;
        Ok(n == 1)
    }

    /// What happened in a practice in `[from, to)`.
    pub fn figures(&self, practice_id: i64, from: DateTime<Utc>, to: DateTime<Utc>) -> Result<DayFigures, StoreError> {
        let (f, t) = (from.timestamp(), to.timestamp());
        let mut st = self.conn.prepare_cached(
            "SELECT outcome, COUNT(*) FROM calls WHERE practice_id = ?1 AND started_at >= ?2 AND started_at < ?3 GROUP BY outcome ORDER BY COUNT(*) DESC, outcome",
        )?;
        let calls = st.query_map(params![practice_id, f, t], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))?.collect::<Result<Vec<_>, _>>()?;
        let count = |sql: &str| -> Result<i64, StoreError> { Ok(self.conn.row(sql, params![practice_id, f, t], |r| r.get(0))?) };
        let mut st = self.conn.prepare_cached(
            "SELECT outcome, COUNT(*) FROM handled_calls WHERE practice_id = ?1 AND at >= ?2 AND at < ?3 GROUP BY outcome ORDER BY COUNT(*) DESC, outcome",
        )?;
        let by_secretaries = st.query_map(params![practice_id, f, t], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))?.collect::<Result<Vec<_>, _>>()?;
        Ok(DayFigures {
            by_secretaries,
            total_calls: calls.iter().map(|c| c.1).sum(),
            calls,
            booked: count(
                "SELECT COUNT(*) FROM appointments a JOIN doctors d ON d.id = a.doctor_id WHERE d.practice_id = ?1 AND a.created_at >= ?2 AND a.created_at < ?3",
            )?,
            cancelled: count(
                "SELECT COUNT(*) FROM appointments a JOIN doctors d ON d.id = a.doctor_id WHERE d.practice_id = ?1 AND a.status = 'cancelled' AND a.changed_at >= ?2 AND a.changed_at < ?3",
            )?,
            messages: count("SELECT COUNT(*) FROM messages WHERE practice_id = ?1 AND received_at >= ?2 AND received_at < ?3")?,
            urgent_messages: count("SELECT COUNT(*) FROM messages WHERE practice_id = ?1 AND urgent AND received_at >= ?2 AND received_at < ?3")?,
        })
    }

    /// The practice of a doctor.
    pub fn doctor_practice(&self, doctor_id: i64) -> Result<i64, StoreError> {
        self.conn
            .row("SELECT practice_id FROM doctors WHERE id = ?1", [doctor_id], |r| r.get(0))
            .optional()?
            .ok_or_else(|| StoreError::NotFound(format!("médecin n°{doctor_id}")))
    }
}
