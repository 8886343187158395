//! Appointments: free slots, booking, cancelling and moving, each one
//! transaction; the no-overlap guarantee is the `appointment_blocks` primary key.

use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;
use rusqlite::{OptionalExtension, TransactionBehavior, params};
use thiserror::Error;

use crate::agenda::{self, Appointment, ConsultationType, Doctor, GRAIN_MINUTES, RuleError, Slot, SlotQuery, Source};

use super::db::{Cached, Db, StoreError, corrupt, instant, is_unique_violation};

/// How many days of the agenda the slot search reads first.
const SEARCH_FIRST_DAYS: i64 = 7;

/// Why a booking was refused.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum BookError {
    /// Someone else took the slot first (or it overlaps another appointment).
    #[error("ce créneau vient d'être pris")]
    SlotTaken,
    /// The phone number already holds the maximum of future appointments.
    #[error("ce numéro a déjà {max} rendez-vous à venir")]
    TooManyFuture {
        /// The practice's cap.
        max: i64,
    },
    /// The slot or the type cannot be booked by phone.
    #[error("réservation impossible: {0}")]
    NotBookable(String),
}

/// A booking to make.
#[derive(Debug, Clone)]
pub struct BookingRequest {
    /// Doctor.
    pub doctor_id: i64,
    /// Consultation type (gives the duration).
    pub type_id: i64,
    /// Start instant.
    pub start: DateTime<Utc>,
    /// Patient's name (may be empty when only a recording was made).
    pub patient_name: String,
    /// Caller's number, E.164.
    pub phone: Option<String>,
    /// The recorded name, if any.
    pub name_recording: Option<String>,
    /// Phone (rules apply) or staff.
    pub source: Source,
    /// The moment of booking (notice and horizon are counted from it).
    pub now: DateTime<Utc>,
}

impl Db {
    /// Busy intervals of a doctor overlapping `[from, to)`.
    fn busy(&self, doctor_id: i64, from: DateTime<Utc>, to: DateTime<Utc>) -> Result<Vec<agenda::Interval>, StoreError> {
        // Appointments last hours at most: starting a day before `from` covers any that overlaps it.
        let mut st = self.conn.prepare_cached(
            "SELECT start_utc, end_utc FROM appointments WHERE doctor_id = ?1 AND status = 'booked' AND start_utc >= ?2 AND start_utc < ?3 AND end_utc > ?4 ORDER BY start_utc",
        )?;
        let rows = st
            .query_map(params![doctor_id, (from - Duration::days(1)).timestamp(), to.timestamp(), from.timestamp()], |r| {
                Ok((instant(r.get(0)?), instant(r.get(1)?)))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// Busy times of a doctor's subscribed calendars overlapping `[from, to)`
    /// (events may last days: no lower bound on their start).
    fn external_busy(&self, doctor_id: i64, from: DateTime<Utc>, to: DateTime<Utc>) -> Result<Vec<agenda::Interval>, StoreError> {
        let mut st = self
            .conn
            .prepare_cached("SELECT start_utc, end_utc FROM external_busy WHERE doctor_id = ?1 AND start_utc < ?2 AND end_utc > ?3 ORDER BY start_utc")?;
        let rows = st
            .query_map(params![doctor_id, to.timestamp(), from.timestamp()], |r| Ok((instant(r.get(0)?), instant(r.get(1)?))))?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    fn doctor_row(&self, doctor_id: i64) -> Result<(Doctor, Tz), StoreError> {
        let practice_id: i64 = self
            .conn
            .row("SELECT practice_id FROM doctors WHERE id = ?1", [doctor_id], |r| r.get(0))
            .optional()?
            .ok_or_else(|| StoreError::NotFound(format!("médecin n°{doctor_id}")))?;
        let tz_s: String = self.conn.row("SELECT timezone FROM practices WHERE id = ?1", [practice_id], |r| r.get(0))?;
        let tz: Tz = tz_s.parse().map_err(|_| corrupt("timezone", &tz_s))?;
        let doctor =
            self.doctors(practice_id)?.into_iter().find(|d| d.id == doctor_id).ok_or_else(|| StoreError::NotFound(format!("médecin n°{doctor_id}")))?;
        Ok((doctor, tz))
    }

    /// The next `count` free slots for a doctor and type, after `after`.
    pub fn free_slots(&self, doctor_id: i64, type_id: i64, now: DateTime<Utc>, after: Option<DateTime<Utc>>, count: usize) -> Result<Vec<Slot>, StoreError> {
        self.free_slots_besides(doctor_id, type_id, now, after, count, &[])
    }

    /// [`Self::free_slots`], leaving out the times in `held` too (the slots
    /// offered to other callers).
    pub fn free_slots_besides(
        &self,
        doctor_id: i64,
        type_id: i64,
        now: DateTime<Utc>,
        after: Option<DateTime<Utc>>,
        count: usize,
        held: &[agenda::Interval],
    ) -> Result<Vec<Slot>, StoreError> {
        let ty = self.type_row(type_id)?;
        self.slots(doctor_id, ty.duration_minutes, now, after, count, Some(held))
    }

    /// The agenda's slots for a doctor: with `held` (times held for other
    /// callers, left out too), those no appointment takes; without, every
    /// slot the rules would offer. Neither offers a busy time of the
    /// doctor's subscribed calendars.
    fn slots(
        &self,
        doctor_id: i64,
        duration_minutes: i64,
        now: DateTime<Utc>,
        after: Option<DateTime<Utc>>,
        count: usize,
        held: Option<&[agenda::Interval]>,
    ) -> Result<Vec<Slot>, StoreError> {
        let (doctor, tz) = self.doctor_row(doctor_id)?;
        let absences = self.absences(doctor_id)?;
        // A subscribed calendar's busy times are never offered; the
        // appointments are, without `held`, the blocks' business.
        let from = match after {
            Some(a) if a > now => a,
            _ => now,
        };
        let horizon_end = now + Duration::days(doctor.horizon_days + 1);
        // The busy times are read a week at a time, then four times as far,
        // up to the horizon: the next free slots of a full agenda are near,
        // and reading the whole horizon's appointments at each search cost
        // more than the search (a Monday's agenda holds weeks of them).
        // A slot that ends by the end of what was read is known free; the
        // first `count` of them are the answer. Each step reads only what
        // the last did not (a time across the boundary may be read twice:
        // the search does not mind).
        let mut span = Duration::days(SEARCH_FIRST_DAYS);
        let mut busy: Vec<agenda::Interval> = held.map(<[_]>::to_vec).unwrap_or_default();
        let mut read_to = from;
        loop {
            let to = (from + span).min(horizon_end);
            busy.extend(self.external_busy(doctor_id, read_to, to)?);
            if held.is_some() {
                busy.extend(self.busy(doctor_id, read_to, to)?);
            }
            read_to = to;
            let mut found = agenda::free_slots(&SlotQuery {
                tz,
                working_hours: &doctor.working_hours,
                absences: &absences,
                busy: &busy,
                duration_minutes,
                now,
                min_notice_minutes: doctor.min_notice_minutes,
                horizon_days: doctor.horizon_days,
                after,
                count,
            });
            if to >= horizon_end {
                return Ok(found);
            }
            found.retain(|s| s.end <= to);
            if found.len() >= count {
                return Ok(found);
            }
            span = span * 4;
        }
    }

    /// Claim the blocks of `[start, end)` for appointment `id`.
    fn claim_blocks(
        tx: &rusqlite::Transaction<'_>,
        doctor_id: i64,
        id: i64,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
    ) -> Result<Result<(), BookError>, StoreError> {
        let grain = GRAIN_MINUTES * 60;
        let first = start.timestamp().div_euclid(grain);
        let last = (end.timestamp() - 1).div_euclid(grain);
        let mut st = tx.prepare_cached("INSERT INTO appointment_blocks (doctor_id, block, appointment_id) VALUES (?1, ?2, ?3)")?;
        for block in first..=last {
            match st.execute(params![doctor_id, block, id]) {
                Ok(_) => {}
                Err(e) if is_unique_violation(&e) => return Ok(Err(BookError::SlotTaken)),
                Err(e) => return Err(e.into()),
            }
        }
        Ok(Ok(()))
    }

    /// Whether a phone booking at `start` is one the agenda would offer
    /// (working hours, absences, notice, horizon), ignoring other bookings:
    /// those are the blocks' business.
    fn offerable(&self, doctor_id: i64, ty: &ConsultationType, start: DateTime<Utc>, now: DateTime<Utc>) -> Result<bool, StoreError> {
        let found = self.slots(doctor_id, ty.duration_minutes, now, Some(start), 1, None)?;
        Ok(found.first().map(|s| s.start) == Some(start))
    }

    /// Whether a booking by the practice at `start` keeps to the doctor's
    /// working hours and absences.
    fn in_working_hours(&self, doctor_id: i64, ty: &ConsultationType, start: DateTime<Utc>) -> Result<bool, StoreError> {
        let (doctor, tz) = self.doctor_row(doctor_id)?;
        let absences = self.absences(doctor_id)?;
        Ok(agenda::within_working_hours(tz, &doctor.working_hours, &absences, start, Duration::minutes(ty.duration_minutes)))
    }

    /// Book, atomically. `Ok(Err(_))` is a refusal the caller is told about.
    pub fn book(&mut self, req: &BookingRequest) -> Result<Result<Appointment, BookError>, StoreError> {
        let ty = self.type_row(req.type_id)?;
        if ty.doctor_id != req.doctor_id {
            return Err(RuleError::new("type", "ce type de consultation n'appartient pas à ce médecin").into());
        }
        if req.start.timestamp() % (GRAIN_MINUTES * 60) != 0 {
            return Err(RuleError::new("start", format!("un rendez-vous commence sur un multiple de {GRAIN_MINUTES} minutes")).into());
        }
        let end = req.start + Duration::minutes(ty.duration_minutes);
        if req.source == Source::Staff && !self.in_working_hours(req.doctor_id, &ty, req.start)? {
            return Ok(Err(BookError::NotBookable("en dehors des heures de consultation du médecin, ou pendant une absence".into())));
        }
        if req.source == Source::Phone {
            if !ty.phone_bookable {
                return Ok(Err(BookError::NotBookable(format!("« {} » ne se prend pas par téléphone", ty.name))));
            }
            if !self.offerable(req.doctor_id, &ty, req.start, req.now)? {
                return Ok(Err(BookError::NotBookable("ce créneau n'est pas proposé".into())));
            }
        }
        let practice_id: i64 = self.conn.row("SELECT practice_id FROM doctors WHERE id = ?1", [req.doctor_id], |r| r.get(0))?;
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        if let (Source::Phone, Some(phone)) = (req.source, &req.phone) {
            let max: i64 = tx.row("SELECT max_future_per_phone FROM practices WHERE id = ?1", [practice_id], |r| r.get(0))?;
            let held: i64 = tx.row(
                "SELECT COUNT(*) FROM appointments a JOIN doctors d ON d.id = a.doctor_id WHERE d.practice_id = ?1 AND a.phone = ?2 AND a.status = 'booked' AND a.start_utc > ?3",
                params![practice_id, phone, req.now.timestamp()],
                |r| r.get(0),
            )?;
            if held >= max {
                return Ok(Err(BookError::TooManyFuture { max }));
            }
        }
        tx.exec(
            "INSERT INTO appointments (doctor_id, type_id, start_utc, end_utc, patient_name, phone, name_recording, source, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            params![
                req.doctor_id,
                req.type_id,
                req.start.timestamp(),
                end.timestamp(),
                req.patient_name,
                req.phone,
                req.name_recording,
                if req.source == Source::Phone { "phone" } else { "staff" },
                req.now.timestamp()
            ],
        )?;
        let id = tx.last_insert_rowid();
        if let Err(refusal) = Self::claim_blocks(&tx, req.doctor_id, id, req.start, end)? {
            // Dropping the transaction rolls the appointment back.
            return Ok(Err(refusal));
        }
        if let (Some(phone), false) = (&req.phone, req.patient_name.trim().is_empty()) {
            tx.exec("INSERT OR IGNORE INTO patients (practice_id, phone, name) VALUES (?1, ?2, ?3)", params![practice_id, phone, req.patient_name.trim()])?;
        }
        tx.commit()?;
        Ok(Ok(self.appointment(id)?))
    }

    /// One appointment.
    pub fn appointment(&self, id: i64) -> Result<Appointment, StoreError> {
        self.conn
            .row(
                "SELECT id, doctor_id, type_id, start_utc, end_utc, patient_name, phone, name_recording, source, status FROM appointments WHERE id = ?1",
                [id],
                Self::appointment_from_row,
            )
            .optional()?
            .ok_or_else(|| StoreError::NotFound(format!("rendez-vous n°{id}")))
    }

    pub(super) fn appointment_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Appointment> {
        let source: String = r.get(8)?;
        Ok(Appointment {
            id: r.get(0)?,
            doctor_id: r.get(1)?,
            type_id: r.get(2)?,
            start: instant(r.get(3)?),
            end: instant(r.get(4)?),
            patient_name: r.get(5)?,
            phone: r.get(6)?,
            name_recording: r.get(7)?,
            source: if source == "staff" { Source::Staff } else { Source::Phone },
            status: r.get(9)?,
        })
    }

    /// Appointments of a practice between two instants (every status).
    pub fn appointments(&self, practice_id: i64, from: DateTime<Utc>, to: DateTime<Utc>) -> Result<Vec<Appointment>, StoreError> {
        let mut st = self.conn.prepare_cached(
            "SELECT a.id, a.doctor_id, a.type_id, a.start_utc, a.end_utc, a.patient_name, a.phone, a.name_recording, a.source, a.status
             FROM appointments a JOIN doctors d ON d.id = a.doctor_id WHERE d.practice_id = ?1 AND a.start_utc >= ?2 AND a.start_utc < ?3 ORDER BY a.start_utc, a.id",
        )?;
        let rows = st.query_map(params![practice_id, from.timestamp(), to.timestamp()], Self::appointment_from_row)?.collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// Future booked appointments held by a phone number in a practice.
    pub fn future_appointments(&self, practice_id: i64, phone: &str, now: DateTime<Utc>) -> Result<Vec<Appointment>, StoreError> {
        let mut st = self.conn.prepare_cached(
            "SELECT a.id, a.doctor_id, a.type_id, a.start_utc, a.end_utc, a.patient_name, a.phone, a.name_recording, a.source, a.status
             FROM appointments a JOIN doctors d ON d.id = a.doctor_id WHERE d.practice_id = ?1 AND a.phone = ?2 AND a.status = 'booked' AND a.start_utc > ?3 ORDER BY a.start_utc",
        )?;
        let rows = st.query_map(params![practice_id, phone, now.timestamp()], Self::appointment_from_row)?.collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// The doctor and the type of the last appointment booked for `phone`
    /// at the practice (cancelled ones too: the caller chose them).
    pub fn last_booked(&self, practice_id: i64, phone: &str) -> Result<Option<(i64, i64)>, StoreError> {
        let mut st = self.conn.prepare_cached(
            "SELECT a.doctor_id, a.type_id FROM appointments a JOIN doctors d ON d.id = a.doctor_id
             WHERE d.practice_id = ?1 AND a.phone = ?2 ORDER BY a.created_at DESC, a.id DESC LIMIT 1",
        )?;
        Ok(st.query_row(params![practice_id, phone], |r| Ok((r.get(0)?, r.get(1)?))).optional()?)
    }

    /// Cancel an appointment held by `phone` (any holder when `phone` is None: staff).
    pub fn cancel(&mut self, id: i64, phone: Option<&str>) -> Result<bool, StoreError> {
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let changed = tx.exec(
            "UPDATE appointments SET status = 'cancelled', sequence = sequence + 1, changed_at = CAST(strftime('%s', 'now') AS INTEGER)
             WHERE id = ?1 AND status = 'booked' AND (?2 IS NULL OR phone = ?2)",
            params![id, phone],
        )?;
        if changed == 1 {
            tx.exec("DELETE FROM appointment_blocks WHERE appointment_id = ?1", [id])?;
        }
        tx.commit()?;
        Ok(changed == 1)
    }

    /// Move an appointment held by `phone` to `new_start`, in one transaction:
    /// either the new slot is taken and nothing changed, or the old one is freed.
    pub fn move_appointment(
        &mut self,
        id: i64,
        phone: Option<&str>,
        new_start: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<Result<Appointment, BookError>, StoreError> {
        let old = self.appointment(id)?;
        if old.status != "booked" || (phone.is_some() && old.phone.as_deref() != phone) {
            return Err(StoreError::NotFound(format!("rendez-vous n°{id}")));
        }
        let ty = self.type_row(old.type_id)?;
        if phone.is_some() && !self.offerable(old.doctor_id, &ty, new_start, now)? {
            return Ok(Err(BookError::NotBookable("ce créneau n'est pas proposé".into())));
        }
        if phone.is_none() && !self.in_working_hours(old.doctor_id, &ty, new_start)? {
            return Ok(Err(BookError::NotBookable("en dehors des heures de consultation du médecin, ou pendant une absence".into())));
        }
        let end = new_start + Duration::minutes(ty.duration_minutes);
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        // Checked again under the write lock: a cancellation may have
        // committed since the appointment was read (the caller on the phone,
        // a secretary in the console), and moving it would give its new
        // slot's blocks to an appointment that is not booked.
        let still_booked: bool = tx
            .query_row("SELECT status = 'booked' AND (?2 IS NULL OR phone = ?2) FROM appointments WHERE id = ?1", params![id, phone], |r| r.get(0))
            .optional()?
            .unwrap_or(false);
        if !still_booked {
            return Err(StoreError::NotFound(format!("rendez-vous n°{id}")));
        }
        tx.exec("DELETE FROM appointment_blocks WHERE appointment_id = ?1", [id])?;
        if let Err(refusal) = Self::claim_blocks(&tx, old.doctor_id, id, new_start, end)? {
            return Ok(Err(refusal));
        }
        tx.exec(
            "UPDATE appointments SET start_utc = ?1, end_utc = ?2, sequence = sequence + 1, changed_at = ?4 WHERE id = ?3",
            params![new_start.timestamp(), end.timestamp(), id, now.timestamp()],
        )?;
        tx.commit()?;
        Ok(Ok(self.appointment(id)?))
    }
}
