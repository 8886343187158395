//! A doctor's calendars outside the service: the feed of their agenda that
//! Outlook, Google or Apple subscribe to (its secret's hash only), and the
//! external calendars they subscribe to, whose busy times are kept here.

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, params};
use serde::Serialize;

use super::db::{Cached, Db, StoreError, instant};
use crate::agenda::{Appointment, Interval};

/// An appointment as a calendar event.
#[derive(Debug, Clone, PartialEq)]
pub struct FeedEvent {
    /// The appointment.
    pub appointment: Appointment,
    /// Its consultation type's name.
    pub type_name: String,
    /// Changes since booking (a move or a cancellation adds one).
    pub sequence: i64,
    /// When it was last changed (or booked).
    pub stamp: DateTime<Utc>,
}

/// An external calendar a doctor subscribed to.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Subscription {
    /// Row id.
    pub id: i64,
    /// The doctor.
    pub doctor_id: i64,
    /// Its address (http or https).
    pub url: String,
    /// Last fetched successfully.
    pub fetched_at: Option<DateTime<Utc>>,
    /// The last failure, if the last fetch failed.
    pub error: Option<String>,
    /// Busy periods kept from it.
    pub busy: i64,
}

impl Db {
    /// Give a doctor's feed a new secret (the old URL stops working).
    pub fn set_feed_secret(&mut self, doctor_id: i64, token_hash: &str, now: DateTime<Utc>) -> Result<(), StoreError> {
        self.doctor_practice(doctor_id)?;
        self.conn.exec(
            "INSERT INTO calendar_feeds (doctor_id, token_hash, created_at) VALUES (?1, ?2, ?3)
             ON CONFLICT (doctor_id) DO UPDATE SET token_hash = excluded.token_hash, created_at = excluded.created_at",
            params![doctor_id, token_hash, now.timestamp()],
        )?;
        Ok(())
    }

    /// Stop a doctor's feed.
    pub fn revoke_feed(&mut self, doctor_id: i64) -> Result<(), StoreError> {
        self.conn.exec("DELETE FROM calendar_feeds WHERE doctor_id = ?1", [doctor_id])?;
        Ok(())
    }

    /// When a doctor's feed was made, if there is one.
    pub fn feed_since(&self, doctor_id: i64) -> Result<Option<DateTime<Utc>>, StoreError> {
        Ok(self.conn.row("SELECT created_at FROM calendar_feeds WHERE doctor_id = ?1", [doctor_id], |r| r.get::<_, i64>(0)).optional()?.map(instant))
    }

    /// The doctor whose feed has this secret's hash.
    pub fn feed_doctor(&self, token_hash: &str) -> Result<Option<i64>, StoreError> {
        Ok(self.conn.row("SELECT doctor_id FROM calendar_feeds WHERE token_hash = ?1", [token_hash], |r| r.get(0)).optional()?)
    }

    /// A doctor's appointments starting in `[from, to)`, cancelled ones too
    /// (a calendar shows them cancelled), as events.
    pub fn feed_events(&self, doctor_id: i64, from: DateTime<Utc>, to: DateTime<Utc>) -> Result<Vec<FeedEvent>, StoreError> {
        let mut st = self.conn.prepare_cached(
            "SELECT a.id, a.doctor_id, a.type_id, a.start_utc, a.end_utc, a.patient_name, a.phone, a.name_recording, a.source, a.status,
                    t.name, a.sequence, COALESCE(a.changed_at, a.created_at)
             FROM appointments a JOIN consultation_types t ON t.id = a.type_id
             WHERE a.doctor_id = ?1 AND a.start_utc >= ?2 AND a.start_utc < ?3 ORDER BY a.start_utc, a.id",
        )?;
        let rows = st
            .query_map(params![doctor_id, from.timestamp(), to.timestamp()], |r| {
                Ok(FeedEvent { appointment: Self::appointment_from_row(r)?, type_name: r.get(10)?, sequence: r.get(11)?, stamp: instant(r.get(12)?) })
            })?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// Subscribe a doctor to an external calendar.
    pub fn add_subscription(&mut self, doctor_id: i64, url: &str) -> Result<i64, StoreError> {
        self.doctor_practice(doctor_id)?;
        self.conn.exec("INSERT OR IGNORE INTO calendar_subscriptions (doctor_id, url) VALUES (?1, ?2)", params![doctor_id, url])?;
        Ok(self.conn.row("SELECT id FROM calendar_subscriptions WHERE doctor_id = ?1 AND url = ?2", params![doctor_id, url], |r| r.get(0))?)
    }

    /// Drop a subscription and its busy times.
    pub fn remove_subscription(&mut self, doctor_id: i64, id: i64) -> Result<(), StoreError> {
        let n = self.conn.exec("DELETE FROM calendar_subscriptions WHERE id = ?1 AND doctor_id = ?2", params![id, doctor_id])?;
        if n == 0 {
            return Err(StoreError::NotFound(format!("abonnement n°{id}")));
        }
        Ok(())
    }

    /// Subscriptions, of one doctor or all.
    pub fn subscriptions(&self, doctor_id: Option<i64>) -> Result<Vec<Subscription>, StoreError> {
        let mut st = self.conn.prepare_cached(
            "SELECT s.id, s.doctor_id, s.url, s.fetched_at, s.error, (SELECT COUNT(*) FROM external_busy b WHERE b.subscription_id = s.id)
             FROM calendar_subscriptions s WHERE ?1 IS NULL OR s.doctor_id = ?1 ORDER BY s.id",
        )?;
        let rows = st
            .query_map([doctor_id], |r| {
                Ok(Subscription {
                    id: r.get(0)?,
                    doctor_id: r.get(1)?,
                    url: r.get(2)?,
                    fetched_at: r.get::<_, Option<i64>>(3)?.map(instant),
                    error: r.get(4)?,
                    busy: r.get(5)?,
                })
            })?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// Replace a subscription's busy times with a fresh fetch, in one transaction.
    pub fn replace_busy(&mut self, id: i64, busy: &[Interval], now: DateTime<Utc>) -> Result<(), StoreError> {
        let tx = self.conn.transaction()?;
        let doctor_id: Option<i64> = tx.row("SELECT doctor_id FROM calendar_subscriptions WHERE id = ?1", [id], |r| r.get(0)).optional()?;
        let Some(doctor_id) = doctor_id else { return Err(StoreError::NotFound(format!("abonnement n°{id}"))) };
        tx.exec("DELETE FROM external_busy WHERE subscription_id = ?1", [id])?;
        {
            let mut st = tx.prepare_cached("INSERT INTO external_busy (subscription_id, doctor_id, start_utc, end_utc) VALUES (?1, ?2, ?3, ?4)")?;
            for (s, e) in busy.iter().filter(|(s, e)| e > s) {
                st.execute(params![id, doctor_id, s.timestamp(), e.timestamp()])?;
            }
        }
        tx.exec("UPDATE calendar_subscriptions SET fetched_at = ?1, error = NULL WHERE id = ?2", params![now.timestamp(), id])?;
        tx.commit()?;
        Ok(())
    }

    /// A fetch failed: the busy times kept so far stay (better stale than
    /// offering a time the doctor is away), the error is shown.
    pub fn subscription_failed(&mut self, id: i64, error: &str) -> Result<(), StoreError> {
        self.conn.exec("UPDATE calendar_subscriptions SET error = ?1 WHERE id = ?2", params![error, id])?;
        Ok(())
    }
}
