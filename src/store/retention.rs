//! Health data kept no longer than needed: each practice's retention period
//! (90 days by default), after which messages and their recordings and
//! transcripts, call-back requests, the caller and detail of a call, and the
//! recorded names of past appointments are purged (the call rows stay, for
//! the figures, without who called); and one person's data erased on
//! request (GDPR art. 17). Files are deleted by the caller of these, after
//! the transaction: the lists of paths come back.

use chrono::{DateTime, Duration, Utc};
use rusqlite::params;
use serde::Serialize;

use super::db::{Cached, Db, StoreError};

/// What a purge or an erasure removed (or, dry, would remove).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Purged {
    /// Messages deleted.
    pub messages: usize,
    /// Call-back requests deleted.
    pub callbacks: usize,
    /// Calls whose caller and detail were wiped.
    pub calls: usize,
    /// Appointments whose recorded name (or, for an erasure, the patient's
    /// name and number) were wiped.
    pub appointments: usize,
    /// Known patients' names forgotten.
    pub patients: usize,
    /// Recordings to delete.
    pub files: Vec<String>,
}

impl Purged {
    /// One line for the audit log and the command line.
    pub fn summary(&self) -> String {
        format!(
            "{} message(s), {} rappel(s), {} appel(s), {} rendez-vous, {} patient(s), {} fichier(s)",
            self.messages,
            self.callbacks,
            self.calls,
            self.appointments,
            self.patients,
            self.files.len()
        )
    }
}

fn paths(conn: &rusqlite::Connection, sql: &str, p: impl rusqlite::Params) -> Result<Vec<String>, StoreError> {
    let mut st = conn.prepare_cached(sql)?;
    let rows = st.query_map(p, |r| r.get::<_, String>(0))?.collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

impl Db {
    /// Days practice `id` keeps health data.
    pub fn retention_days(&self, practice_id: i64) -> Result<i64, StoreError> {
        Ok(self.conn.row("SELECT retention_days FROM practices WHERE id = ?1", [practice_id], |r| r.get(0))?)
    }

    /// Purge what practice `id` keeps past its retention period, as of `now`;
    /// `dry`: count only.
    pub fn purge(&mut self, practice_id: i64, now: DateTime<Utc>, dry: bool) -> Result<Purged, StoreError> {
        let before = (now - Duration::days(self.retention_days(practice_id)?)).timestamp();
        let mut out = Purged::default();
        let tx = self.conn.transaction()?;
        {
            out.files.extend(paths(&tx, "SELECT audio_path FROM messages WHERE practice_id = ?1 AND received_at < ?2", params![practice_id, before])?);
            out.files.extend(paths(
                &tx,
                "SELECT a.name_recording FROM appointments a JOIN doctors d ON d.id = a.doctor_id WHERE d.practice_id = ?1 AND a.end_utc < ?2 AND a.name_recording IS NOT NULL",
                params![practice_id, before],
            )?);
            if dry {
                out.messages =
                    tx.row("SELECT COUNT(*) FROM messages WHERE practice_id = ?1 AND received_at < ?2", params![practice_id, before], |r| r.get(0))?;
                out.callbacks =
                    tx.row("SELECT COUNT(*) FROM callbacks WHERE practice_id = ?1 AND requested_at < ?2", params![practice_id, before], |r| r.get(0))?;
                out.calls = tx.row(
                    "SELECT COUNT(*) FROM calls WHERE practice_id = ?1 AND started_at < ?2 AND (caller IS NOT NULL OR detail <> '')",
                    params![practice_id, before],
                    |r| r.get(0),
                )?;
            } else {
                out.messages = tx.exec("DELETE FROM messages WHERE practice_id = ?1 AND received_at < ?2", params![practice_id, before])?;
                out.callbacks = tx.exec("DELETE FROM callbacks WHERE practice_id = ?1 AND requested_at < ?2", params![practice_id, before])?;
                out.calls = tx.exec(
                    "UPDATE calls SET caller = NULL, detail = '' WHERE practice_id = ?1 AND started_at < ?2 AND (caller IS NOT NULL OR detail <> '')",
                    params![practice_id, before],
                )?;
                out.appointments = tx.exec(
                    "UPDATE appointments SET name_recording = NULL WHERE name_recording IS NOT NULL AND end_utc < ?2 AND doctor_id IN (SELECT id FROM doctors WHERE practice_id = ?1)",
                    params![practice_id, before],
                )?;
            }
            if dry {
                out.appointments = tx.row(
                    "SELECT COUNT(*) FROM appointments WHERE name_recording IS NOT NULL AND end_utc < ?2 AND doctor_id IN (SELECT id FROM doctors WHERE practice_id = ?1)",
                    params![practice_id, before],
                    |r| r.get(0),
                )?;
            }
        }
        tx.commit()?;
        Ok(out)
    }

    /// Erase one person's data at practice `id` (the number, E.164): their
    /// messages and recordings, call-back requests, the name the practice
    /// knew them by; their calls keep no number; their appointments keep no
    /// name, number or recording, and the future ones are cancelled.
    pub fn forget(&mut self, practice_id: i64, phone: &str, now: DateTime<Utc>) -> Result<Purged, StoreError> {
        let mut out = Purged::default();
        let tx = self.conn.transaction()?;
        {
            out.files.extend(paths(&tx, "SELECT audio_path FROM messages WHERE practice_id = ?1 AND caller = ?2", params![practice_id, phone])?);
            out.files.extend(paths(
                &tx,
                "SELECT a.name_recording FROM appointments a JOIN doctors d ON d.id = a.doctor_id WHERE d.practice_id = ?1 AND a.phone = ?2 AND a.name_recording IS NOT NULL",
                params![practice_id, phone],
            )?);
            out.messages = tx.exec("DELETE FROM messages WHERE practice_id = ?1 AND caller = ?2", params![practice_id, phone])?;
            out.callbacks = tx.exec("DELETE FROM callbacks WHERE practice_id = ?1 AND caller = ?2", params![practice_id, phone])?;
            out.calls = tx.exec("UPDATE calls SET caller = NULL, detail = '' WHERE practice_id = ?1 AND caller = ?2", params![practice_id, phone])?;
            out.patients = tx.exec("DELETE FROM patients WHERE practice_id = ?1 AND phone = ?2", params![practice_id, phone])?;
            let ids = "SELECT a.id FROM appointments a JOIN doctors d ON d.id = a.doctor_id WHERE d.practice_id = ?1 AND a.phone = ?2";
            // Future appointments are cancelled: their slots are free again.
            tx.exec(
                &format!("DELETE FROM appointment_blocks WHERE appointment_id IN ({ids} AND a.start_utc >= ?3 AND a.status = 'booked')"),
                params![practice_id, phone, now.timestamp()],
            )?;
            tx.exec(
                &format!("UPDATE appointments SET status = 'cancelled' WHERE id IN ({ids} AND a.start_utc >= ?3)"),
                params![practice_id, phone, now.timestamp()],
            )?;
            out.appointments = tx.exec(
                &format!("UPDATE appointments SET patient_name = '', phone = NULL, name_recording = NULL WHERE id IN ({ids})"),
                params![practice_id, phone],
            )?;
        }
        tx.commit()?;
        Ok(out)
    }
}

/// Delete the files a purge or an erasure lists; returns how many were
/// deleted (one already gone counts as deleted).
pub fn delete_files(files: &[String]) -> usize {
    files
        .iter()
        .filter(|f| match std::fs::remove_file(f) {
            Ok(()) => true,
            Err(e) => e.kind() == std::io::ErrorKind::NotFound,
        })
        .count()
}
