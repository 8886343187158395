//! A whole practice as JSON: what `export` writes and `import` reads. Rows are
//! named by what they are (doctor's name, type's name), never by database id,
//! so export → import (into another file) → export gives the same document.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use chrono_tz::Tz;
use rusqlite::params;
use serde::{Deserialize, Serialize};

use crate::agenda::{CallerKind, DutyMode, GRAIN_MINUTES, RuleError, Source, WeeklyRange};

use super::db::{Db, StoreError};
use super::practices::{PracticeField, PracticeHours};

/// The document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PracticeExport {
    /// Name.
    pub name: String,
    /// Address.
    pub address: String,
    /// IANA time zone.
    pub timezone: String,
    /// Dialled numbers.
    pub dids: Vec<String>,
    /// Opening hours.
    pub opening_hours: Vec<WeeklyRange>,
    /// Walk-in hours.
    pub walk_in_hours: Vec<WeeklyRange>,
    /// The practice's own phone.
    pub practice_phone: Option<String>,
    /// The secretaries' extension.
    pub secretaries: Option<String>,
    /// Duty schedule.
    pub duty: DutyMode,
    /// Cap per phone number.
    pub max_future_per_phone: i64,
    /// Instructions for the secretaries.
    pub instructions: String,
    /// Countries called back besides France (calling codes).
    #[serde(default)]
    pub callback_countries: Vec<u16>,
    /// Holiday periods.
    pub holidays: Vec<HolidayExport>,
    /// Doctors, in menu order.
    pub doctors: Vec<DoctorExport>,
    /// Caller rules.
    pub caller_rules: Vec<CallerRuleExport>,
    /// Known patients.
    pub patients: Vec<PatientExport>,
}

/// A holiday period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HolidayExport {
    /// First day.
    pub start: NaiveDate,
    /// Last day.
    pub end: NaiveDate,
    /// Message.
    pub message: String,
}

/// A doctor and everything that hangs from them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DoctorExport {
    /// Name.
    pub name: String,
    /// Working hours.
    pub working_hours: Vec<WeeklyRange>,
    /// Notice, minutes.
    pub min_notice_minutes: i64,
    /// Horizon, days.
    pub horizon_days: i64,
    /// Own phone.
    pub dial: Option<String>,
    /// Instructions for the secretaries.
    pub instructions: String,
    /// Consultation types.
    pub types: Vec<TypeExport>,
    /// Absences.
    pub absences: Vec<AbsenceExport>,
    /// Appointments.
    pub appointments: Vec<AppointmentExport>,
}

/// A consultation type.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TypeExport {
    /// Name.
    pub name: String,
    /// Minutes.
    pub duration_minutes: i64,
    /// Bookable by phone.
    pub phone_bookable: bool,
    /// Open to new patients.
    pub new_patients: bool,
}

/// An absence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AbsenceExport {
    /// Local start.
    pub start: NaiveDateTime,
    /// Local end.
    pub end: NaiveDateTime,
    /// Reason.
    pub reason: String,
}

/// An appointment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AppointmentExport {
    /// Consultation type's name.
    pub type_name: String,
    /// Start.
    pub start: DateTime<Utc>,
    /// End.
    pub end: DateTime<Utc>,
    /// Patient.
    pub patient_name: String,
    /// Phone.
    pub phone: Option<String>,
    /// Recorded name.
    pub name_recording: Option<String>,
    /// Who booked.
    pub source: Source,
    /// booked / cancelled.
    pub status: String,
}

/// A caller rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CallerRuleExport {
    /// Number.
    pub phone: String,
    /// Allowed or blocked.
    pub kind: CallerKind,
    /// Label.
    pub label: String,
    /// The doctor's name, when the rule is a doctor's.
    pub doctor: Option<String>,
}

/// A known patient.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PatientExport {
    /// Number.
    pub phone: String,
    /// Name.
    pub name: String,
    /// Date of birth, when known.
    #[serde(default)]
    pub birth_date: Option<NaiveDate>,
}

impl Db {
    /// Export practice `name`.
    pub fn export_practice(&mut self, name: &str) -> Result<PracticeExport, StoreError> {
        let id = self.practice_id(name)?;
        let snap = self.snapshot(id)?;
        let p = snap.practice;
        let far_past = DateTime::<Utc>::MIN_UTC;
        let far_future = DateTime::<Utc>::MAX_UTC;
        let all = self.appointments(id, far_past, far_future)?;
        let mut doctors = Vec::new();
        for d in &snap.doctors {
            let types = self.types(d.id)?;
            let type_name = |tid: i64| types.iter().find(|t| t.id == tid).map(|t| t.name.clone()).unwrap_or_default();
            doctors.push(DoctorExport {
                name: d.name.clone(),
                working_hours: d.working_hours.clone(),
                min_notice_minutes: d.min_notice_minutes,
                horizon_days: d.horizon_days,
                dial: d.dial.clone(),
                instructions: self.doctor_instructions(d.id)?,
                types: types
                    .iter()
                    .map(|t| TypeExport {
                        name: t.name.clone(),
                        duration_minutes: t.duration_minutes,
                        phone_bookable: t.phone_bookable,
                        new_patients: t.new_patients,
                    })
                    .collect(),
                absences: self.absences(d.id)?.into_iter().map(|a| AbsenceExport { start: a.start, end: a.end, reason: a.reason }).collect(),
                appointments: all
                    .iter()
                    .filter(|a| a.doctor_id == d.id)
                    .map(|a| AppointmentExport {
                        type_name: type_name(a.type_id),
                        start: a.start,
                        end: a.end,
                        patient_name: a.patient_name.clone(),
                        phone: a.phone.clone(),
                        name_recording: a.name_recording.clone(),
                        source: a.source,
                        status: a.status.clone(),
                    })
                    .collect(),
            });
        }
        let caller_rules = self
            .caller_rules(id)?
            .into_iter()
            .map(|r| CallerRuleExport {
                phone: r.phone,
                kind: r.kind,
                label: r.label,
                doctor: r.doctor_id.and_then(|did| snap.doctors.iter().find(|d| d.id == did).map(|d| d.name.clone())),
            })
            .collect();
        let mut st = self.conn().prepare("SELECT phone, name, birth_date FROM patients WHERE practice_id = ?1 ORDER BY phone, name")?;
        let patients = st
            .query_map([id], |r| {
                let birth: Option<String> = r.get(2)?;
                Ok(PatientExport { phone: r.get(0)?, name: r.get(1)?, birth_date: birth.and_then(|b| b.parse().ok()) })
            })?
            .collect::<Result<Vec<_>, _>>()?;
        drop(st);
        Ok(PracticeExport {
            name: p.name,
            address: p.address,
            timezone: p.timezone.name().to_string(),
            dids: p.dids,
            opening_hours: p.opening_hours,
            walk_in_hours: p.walk_in_hours,
            practice_phone: p.practice_phone,
            secretaries: p.secretaries,
            duty: p.duty,
            max_future_per_phone: p.max_future_per_phone,
            instructions: p.instructions,
            callback_countries: p.callback_countries,
            holidays: snap.holidays.into_iter().map(|h| HolidayExport { start: h.start, end: h.end, message: h.message }).collect(),
            doctors,
            caller_rules,
            patients,
        })
    }

    /// Import a practice (it must not exist yet), all or nothing.
    pub fn import_practice(&mut self, doc: &PracticeExport) -> Result<i64, StoreError> {
        self.conn().execute_batch("BEGIN IMMEDIATE")?;
        match self.import_inner(doc) {
            Ok(id) => {
                self.conn().execute_batch("COMMIT")?;
                Ok(id)
            }
            Err(e) => {
                let _ = self.conn().execute_batch("ROLLBACK");
                Err(e)
            }
        }
    }

    fn import_inner(&mut self, doc: &PracticeExport) -> Result<i64, StoreError> {
        let tz: Tz = doc.timezone.parse().map_err(|_| RuleError::new("timezone", format!("fuseau horaire inconnu: {}", doc.timezone)))?;
        if self.practice_id(&doc.name).is_ok() {
            return Err(RuleError::new("name", format!("le cabinet « {} » existe déjà", doc.name)).into());
        }
        let id = self.create_practice(&doc.name, &doc.address, tz)?;
        for did in &doc.dids {
            self.add_did(id, did)?;
        }
        self.set_practice_hours(id, PracticeHours::Opening, &doc.opening_hours)?;
        self.set_practice_hours(id, PracticeHours::WalkIn, &doc.walk_in_hours)?;
        self.set_practice_field(id, PracticeField::PracticePhone, doc.practice_phone.as_deref())?;
        self.set_practice_field(id, PracticeField::Secretaries, doc.secretaries.as_deref())?;
        self.set_practice_field(id, PracticeField::MaxFuturePerPhone, Some(&doc.max_future_per_phone.to_string()))?;
        self.set_practice_field(id, PracticeField::Instructions, Some(&doc.instructions))?;
        let countries: Vec<String> = doc.callback_countries.iter().map(u16::to_string).collect();
        self.set_practice_field(id, PracticeField::CallbackCountries, Some(&countries.join(",")))?;
        self.set_duty(id, &doc.duty)?;
        for h in &doc.holidays {
            self.add_holiday(id, h.start, h.end, &h.message)?;
        }
        for d in &doc.doctors {
            let did = self.add_doctor(id, &d.name)?;
            self.set_working_hours(did, &d.working_hours)?;
            self.set_booking_rules(did, Some(d.min_notice_minutes), Some(d.horizon_days), Some(d.dial.as_deref()))?;
            self.set_doctor_instructions(did, &d.instructions)?;
            let mut type_ids = Vec::new();
            for t in &d.types {
                type_ids.push((t.name.clone(), self.add_type(did, &t.name, t.duration_minutes, t.phone_bookable, t.new_patients)?));
            }
            for a in &d.absences {
                self.add_absence(did, a.start, a.end, &a.reason)?;
            }
            for a in &d.appointments {
                let tid = type_ids
                    .iter()
                    .find(|(n, _)| *n == a.type_name)
                    .map(|(_, t)| *t)
                    .ok_or_else(|| RuleError::new("appointments.type_name", format!("type inconnu: {}", a.type_name)))?;
                if a.end <= a.start {
                    return Err(RuleError::new("appointments.end", "la fin est avant le début").into());
                }
                let conn = self.conn();
                conn.execute(
                    "INSERT INTO appointments (doctor_id, type_id, start_utc, end_utc, patient_name, phone, name_recording, source, status, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?3)",
                    params![
                        did,
                        tid,
                        a.start.timestamp(),
                        a.end.timestamp(),
                        a.patient_name,
                        a.phone,
                        a.name_recording,
                        if a.source == Source::Phone { "phone" } else { "staff" },
                        a.status
                    ],
                )?;
                let aid = conn.last_insert_rowid();
                if a.status == "booked" {
                    let grain = GRAIN_MINUTES * 60;
                    for block in a.start.timestamp().div_euclid(grain)..=(a.end.timestamp() - 1).div_euclid(grain) {
                        conn.execute("INSERT INTO appointment_blocks (doctor_id, block, appointment_id) VALUES (?1, ?2, ?3)", params![did, block, aid])
                            .map_err(|_| RuleError::new("appointments", format!("deux rendez-vous se chevauchent le {}", a.start)))?;
                    }
                }
            }
        }
        for r in &doc.caller_rules {
            let doctor_id = match &r.doctor {
                Some(name) => Some(self.doctor_id(id, name)?),
                None => None,
            };
            self.set_caller_rule(id, doctor_id, &r.phone, r.kind.clone(), &r.label)?;
        }
        for p in &doc.patients {
            self.add_patient(id, &p.phone, &p.name)?;
            if let Some(b) = p.birth_date {
                self.set_birth_date(id, &p.phone, &p.name, b)?;
            }
        }
        Ok(id)
    }
}
