//! Doctors and their agenda settings: working hours, booking rules,
//! consultation types, absences; the callers the practice allows or blocks;
//! the patients it knows by number.

use chrono::NaiveDateTime;
use rusqlite::{OptionalExtension, params};

use crate::agenda::text;
use crate::agenda::{self, Absence, CallerKind, CallerRule, ConsultationType, Doctor, GRAIN_MINUTES, RuleError, WeeklyRange, check_timetable};

use super::db::{Cached, Db, LOCAL_FMT, StoreError, corrupt, is_unique_violation, json_col, to_json};

/// Longest minimum notice for a phone booking: thirty days.
pub const MAX_NOTICE_MINUTES: i64 = 30 * 24 * 60;
/// Furthest a phone booking may be: two years.
pub const MAX_HORIZON_DAYS: i64 = 730;
/// Longest instructions for the secretaries.
pub const MAX_INSTRUCTIONS_CHARS: usize = 4000;

/// A consultation type from `id, doctor_id, name, duration_minutes, phone_bookable, new_patients`.
fn type_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<ConsultationType> {
    Ok(ConsultationType {
        id: r.get(0)?,
        doctor_id: r.get(1)?,
        name: r.get(2)?,
        duration_minutes: r.get(3)?,
        phone_bookable: r.get(4)?,
        new_patients: r.get(5)?,
    })
}

impl Db {
    /// Add a doctor at the end of the practice's menu.
    pub fn add_doctor(&mut self, practice_id: i64, name: &str) -> Result<i64, StoreError> {
        if name.trim().is_empty() {
            return Err(RuleError::new("name", "le nom du médecin est vide").into());
        }
        text::check_name("name", name)?;
        let position: i64 = self.conn.row("SELECT COALESCE(MAX(position), 0) + 1 FROM doctors WHERE practice_id = ?1", [practice_id], |r| r.get(0))?;
        match self.conn.exec("INSERT INTO doctors (practice_id, name, position) VALUES (?1, ?2, ?3)", params![practice_id, name.trim(), position]) {
            Ok(_) => Ok(self.conn.last_insert_rowid()),
            Err(e) if is_unique_violation(&e) => Err(RuleError::new("name", format!("« {name} » existe déjà dans ce cabinet")).into()),
            Err(e) => Err(e.into()),
        }
    }

    /// The id of doctor `name` in practice `practice_id`.
    pub fn doctor_id(&self, practice_id: i64, name: &str) -> Result<i64, StoreError> {
        self.conn
            .row("SELECT id FROM doctors WHERE practice_id = ?1 AND name = ?2", params![practice_id, name], |r| r.get(0))
            .optional()?
            .ok_or_else(|| StoreError::NotFound(format!("médecin « {name} »")))
    }

    /// Doctors of a practice in menu order.
    pub fn doctors(&self, practice_id: i64) -> Result<Vec<Doctor>, StoreError> {
        let mut st = self.conn.prepare_cached(
            "SELECT id, name, position, working_hours, min_notice_minutes, horizon_days, dial FROM doctors WHERE practice_id = ?1 ORDER BY position",
        )?;
        let raw = st
            .query_map([practice_id], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, i64>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, i64>(4)?,
                    r.get::<_, i64>(5)?,
                    r.get::<_, Option<String>>(6)?,
                ))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        raw.into_iter()
            .map(|(id, name, position, hours, notice, horizon, dial)| {
                Ok(Doctor { id, name, position, working_hours: json_col("working_hours", &hours)?, min_notice_minutes: notice, horizon_days: horizon, dial })
            })
            .collect()
    }

    /// Replace a doctor's weekly working hours.
    pub fn set_working_hours(&mut self, doctor_id: i64, ranges: &[WeeklyRange]) -> Result<(), StoreError> {
        check_timetable("working_hours", ranges)?;
        self.conn.exec("UPDATE doctors SET working_hours = ?1 WHERE id = ?2", params![to_json(&ranges), doctor_id])?;
        Ok(())
    }

    /// Set the phone-booking notice and horizon, and the doctor's own dial string.
    pub fn set_booking_rules(
        &mut self,
        doctor_id: i64,
        notice_minutes: Option<i64>,
        horizon_days: Option<i64>,
        dial: Option<Option<&str>>,
    ) -> Result<(), StoreError> {
        if let Some(n) = notice_minutes {
            if !(0..=MAX_NOTICE_MINUTES).contains(&n) {
                return Err(RuleError::new("min_notice_minutes", format!("doit être entre 0 et {MAX_NOTICE_MINUTES} minutes")).into());
            }
            self.conn.exec("UPDATE doctors SET min_notice_minutes = ?1 WHERE id = ?2", params![n, doctor_id])?;
        }
        if let Some(h) = horizon_days {
            if !(0..=MAX_HORIZON_DAYS).contains(&h) {
                return Err(RuleError::new("horizon_days", format!("doit être entre 0 et {MAX_HORIZON_DAYS} jours")).into());
            }
            self.conn.exec("UPDATE doctors SET horizon_days = ?1 WHERE id = ?2", params![h, doctor_id])?;
        }
        if let Some(d) = dial {
            if let Some(d) = d {
                text::check_dial("dial", d)?;
            }
            self.conn.exec("UPDATE doctors SET dial = ?1 WHERE id = ?2", params![d, doctor_id])?;
        }
        Ok(())
    }

    /// Set a doctor's instructions for the secretaries.
    pub fn set_doctor_instructions(&mut self, doctor_id: i64, text: &str) -> Result<(), StoreError> {
        text::check_text("instructions", text, MAX_INSTRUCTIONS_CHARS)?;
        self.conn.exec("UPDATE doctors SET instructions = ?1 WHERE id = ?2", params![text, doctor_id])?;
        Ok(())
    }

    /// A doctor's instructions for the secretaries.
    pub fn doctor_instructions(&self, doctor_id: i64) -> Result<String, StoreError> {
        Ok(self.conn.row("SELECT instructions FROM doctors WHERE id = ?1", [doctor_id], |r| r.get(0))?)
    }

    /// Add a consultation type.
    pub fn add_type(&mut self, doctor_id: i64, name: &str, duration_minutes: i64, phone_bookable: bool, new_patients: bool) -> Result<i64, StoreError> {
        if name.trim().is_empty() {
            return Err(RuleError::new("name", "le nom du type de consultation est vide").into());
        }
        text::check_name("name", name)?;
        if duration_minutes <= 0 || duration_minutes % GRAIN_MINUTES != 0 {
            return Err(RuleError::new("duration", format!("la durée doit être un multiple positif de {GRAIN_MINUTES} minutes")).into());
        }
        match self.conn.exec(
            "INSERT INTO consultation_types (doctor_id, name, duration_minutes, phone_bookable, new_patients) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![doctor_id, name.trim(), duration_minutes, phone_bookable, new_patients],
        ) {
            Ok(_) => Ok(self.conn.last_insert_rowid()),
            Err(e) if is_unique_violation(&e) => Err(RuleError::new("name", format!("le type « {name} » existe déjà")).into()),
            Err(e) => Err(e.into()),
        }
    }

    /// Change a consultation type (appointments already taken keep their length).
    pub fn update_type(&mut self, doctor_id: i64, name: &str, duration_minutes: i64, phone_bookable: bool, new_patients: bool) -> Result<i64, StoreError> {
        if duration_minutes <= 0 || duration_minutes % GRAIN_MINUTES != 0 {
            return Err(RuleError::new("duration", format!("la durée doit être un multiple positif de {GRAIN_MINUTES} minutes")).into());
        }
        let n = self.conn.exec(
            "UPDATE consultation_types SET duration_minutes = ?3, phone_bookable = ?4, new_patients = ?5 WHERE doctor_id = ?1 AND name = ?2",
            params![doctor_id, name.trim(), duration_minutes, phone_bookable, new_patients],
        )?;
        if n == 0 {
            return Err(StoreError::NotFound(format!("type de consultation « {name} »")));
        }
        Ok(self.conn.row("SELECT id FROM consultation_types WHERE doctor_id = ?1 AND name = ?2", params![doctor_id, name.trim()], |r| r.get(0))?)
    }

    /// Remove an absence of a doctor.
    pub fn remove_absence(&mut self, doctor_id: i64, absence_id: i64) -> Result<(), StoreError> {
        match self.conn.exec("DELETE FROM absences WHERE id = ?1 AND doctor_id = ?2", params![absence_id, doctor_id])? {
            0 => Err(StoreError::NotFound(format!("absence n°{absence_id}"))),
            _ => Ok(()),
        }
    }

    /// Remove a holiday period.
    pub fn remove_holiday(&mut self, practice_id: i64, holiday_id: i64) -> Result<(), StoreError> {
        match self.conn.exec("DELETE FROM holidays WHERE id = ?1 AND practice_id = ?2", params![holiday_id, practice_id])? {
            0 => Err(StoreError::NotFound(format!("période de congés n°{holiday_id}"))),
            _ => Ok(()),
        }
    }

    /// Remove the rule for one number.
    pub fn remove_caller_rule(&mut self, practice_id: i64, phone: &str) -> Result<(), StoreError> {
        let phone = agenda::phone::normalize(phone).map_err(|e| RuleError::new("phone", e.to_string()))?;
        match self.conn.exec("DELETE FROM caller_rules WHERE practice_id = ?1 AND phone = ?2", params![practice_id, phone])? {
            0 => Err(StoreError::NotFound(format!("règle pour le {phone}"))),
            _ => Ok(()),
        }
    }

    /// Consultation types of a doctor.
    pub fn types(&self, doctor_id: i64) -> Result<Vec<ConsultationType>, StoreError> {
        let mut st = self.conn.prepare_cached(
            "SELECT id, doctor_id, name, duration_minutes, phone_bookable, new_patients FROM consultation_types WHERE doctor_id = ?1 ORDER BY id",
        )?;
        let rows = st.query_map([doctor_id], type_from_row)?.collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    pub(super) fn type_row(&self, type_id: i64) -> Result<ConsultationType, StoreError> {
        self.conn
            .row("SELECT id, doctor_id, name, duration_minutes, phone_bookable, new_patients FROM consultation_types WHERE id = ?1", [type_id], type_from_row)
            .optional()?
            .ok_or_else(|| StoreError::NotFound(format!("type de consultation n°{type_id}")))
    }

    /// Add an absence (local times).
    pub fn add_absence(&mut self, doctor_id: i64, start: NaiveDateTime, end: NaiveDateTime, reason: &str) -> Result<i64, StoreError> {
        if end <= start {
            return Err(RuleError::new("end", "la fin de l'absence est avant son début").into());
        }
        text::check_text("reason", reason, text::MAX_NAME_CHARS)?;
        self.conn.exec(
            "INSERT INTO absences (doctor_id, start_local, end_local, reason) VALUES (?1, ?2, ?3, ?4)",
            params![doctor_id, start.format(LOCAL_FMT).to_string(), end.format(LOCAL_FMT).to_string(), reason],
        )?;
        Ok(self.conn.last_insert_rowid())
    }

    /// Absences of a doctor.
    pub fn absences(&self, doctor_id: i64) -> Result<Vec<Absence>, StoreError> {
        let mut st =
            self.conn.prepare_cached("SELECT id, doctor_id, start_local, end_local, reason FROM absences WHERE doctor_id = ?1 ORDER BY start_local")?;
        let raw = st
            .query_map([doctor_id], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?, r.get::<_, String>(2)?, r.get::<_, String>(3)?, r.get::<_, String>(4)?)))?
            .collect::<Result<Vec<_>, _>>()?;
        raw.into_iter()
            .map(|(id, doctor_id, s, e, reason)| {
                Ok(Absence {
                    id,
                    doctor_id,
                    start: NaiveDateTime::parse_from_str(&s, LOCAL_FMT).map_err(|_| corrupt("absences.start_local", &s))?,
                    end: NaiveDateTime::parse_from_str(&e, LOCAL_FMT).map_err(|_| corrupt("absences.end_local", &e))?,
                    reason,
                })
            })
            .collect()
    }

    /// Add or replace the rule for one number.
    pub fn set_caller_rule(&mut self, practice_id: i64, doctor_id: Option<i64>, phone: &str, kind: CallerKind, label: &str) -> Result<i64, StoreError> {
        let phone = agenda::phone::normalize(phone).map_err(|e| RuleError::new("phone", e.to_string()))?;
        // A label is shown to the staff, never sent to the switch.
        text::check_text("label", label, text::MAX_NAME_CHARS)?;
        let kind_s = match kind {
            CallerKind::Allowed => "allowed",
            CallerKind::Blocked => "blocked",
        };
        self.conn.exec(
            "INSERT INTO caller_rules (practice_id, doctor_id, phone, kind, label) VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (practice_id, phone) DO UPDATE SET doctor_id = excluded.doctor_id, kind = excluded.kind, label = excluded.label",
            params![practice_id, doctor_id, phone, kind_s, label],
        )?;
        Ok(self.conn.row("SELECT id FROM caller_rules WHERE practice_id = ?1 AND phone = ?2", params![practice_id, phone], |r| r.get(0))?)
    }

    /// Every caller rule of a practice.
    pub fn caller_rules(&self, practice_id: i64) -> Result<Vec<CallerRule>, StoreError> {
        let mut st = self.conn.prepare_cached("SELECT id, phone, kind, label, doctor_id FROM caller_rules WHERE practice_id = ?1 ORDER BY phone")?;
        let rows = st
            .query_map([practice_id], |r| {
                let kind: String = r.get(2)?;
                Ok(CallerRule {
                    id: r.get(0)?,
                    phone: r.get(1)?,
                    kind: if kind == "blocked" { CallerKind::Blocked } else { CallerKind::Allowed },
                    label: r.get(3)?,
                    doctor_id: r.get(4)?,
                })
            })?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// The rule for one caller, if any.
    pub fn caller_rule(&self, practice_id: i64, phone: &str) -> Result<Option<CallerRule>, StoreError> {
        Ok(self.caller_rules(practice_id)?.into_iter().find(|r| r.phone == phone))
    }

    /// Names known for a phone number (a family may share one).
    pub fn patient_names(&self, practice_id: i64, phone: &str) -> Result<Vec<String>, StoreError> {
        let mut st = self.conn.prepare_cached("SELECT name FROM patients WHERE practice_id = ?1 AND phone = ?2 ORDER BY name")?;
        let rows = st.query_map(params![practice_id, phone], |r| r.get(0))?.collect::<Result<Vec<String>, _>>()?;
        Ok(rows)
    }

    /// The dates of birth the practice knows for a number, as a caller types
    /// them: `JJMMAA`.
    pub fn birth_dates(&self, practice_id: i64, phone: &str) -> Result<Vec<String>, StoreError> {
        let mut st = self.conn.prepare_cached("SELECT birth_date FROM patients WHERE practice_id = ?1 AND phone = ?2 AND birth_date IS NOT NULL")?;
        let rows = st.query_map(params![practice_id, phone], |r| r.get::<_, String>(0))?.collect::<Result<Vec<_>, _>>()?;
        Ok(rows.iter().filter_map(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok()).map(|d| d.format("%d%m%y").to_string()).collect())
    }

    /// Set the date of birth of the patients known at that number by that name.
    pub fn set_birth_date(&mut self, practice_id: i64, phone: &str, name: &str, birth: chrono::NaiveDate) -> Result<(), StoreError> {
        let phone = agenda::phone::normalize(phone).map_err(|e| RuleError::new("phone", e.to_string()))?;
        if self.conn.exec(
            "UPDATE patients SET birth_date = ?4 WHERE practice_id = ?1 AND phone = ?2 AND name = ?3",
            params![practice_id, phone, name, birth.to_string()],
        )? == 0
        {
            return Err(StoreError::NotFound(format!("patient « {name} »")));
        }
        Ok(())
    }

    /// Record a patient's name for a number.
    pub fn add_patient(&mut self, practice_id: i64, phone: &str, name: &str) -> Result<(), StoreError> {
        let phone = agenda::phone::normalize(phone).map_err(|e| RuleError::new("phone", e.to_string()))?;
        // A patient's name is shown and spoken, never sent to the switch.
        text::check_text("name", name, text::MAX_NAME_CHARS)?;
        self.conn.exec("INSERT OR IGNORE INTO patients (practice_id, phone, name) VALUES (?1, ?2, ?3)", params![practice_id, phone, name])?;
        Ok(())
    }
}
