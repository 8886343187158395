//! Every read and write of the practice's facts, synchronous, on one
//! connection. Bookings, cancellations and moves are single transactions; the
//! no-overlap guarantee is the `appointment_blocks` primary key.

use std::path::Path;
use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;
use rusqlite::{Connection, ErrorCode, OptionalExtension, Params, Row, TransactionBehavior, params};
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::agenda::{
    self, Absence, Appointment, CallerKind, CallerRule, ConsultationType, Doctor, DutyMode, GRAIN_MINUTES, HolidayPeriod, Practice, RuleError, Slot, SlotQuery,
    Source, WeeklyRange, check_timetable,
};

use super::schema;

/// What went wrong in the store.
#[derive(Debug, Error)]
pub enum StoreError {
    /// SQLite said no.
    #[error("base de données: {0}")]
    Sql(#[from] rusqlite::Error),
    /// A stored value could not be read back (hand-edited file?).
    #[error("valeur illisible dans la base ({what}): {detail}")]
    Corrupt {
        /// Which value.
        what: String,
        /// Why.
        detail: String,
    },
    /// Input that breaks an agenda rule; names the field.
    #[error("{0}")]
    Rule(#[from] RuleError),
    /// Input that cannot be stored as given; says why.
    #[error("{0}")]
    Invalid(String),
    /// Something named does not exist.
    #[error("{0} introuvable")]
    NotFound(String),
    /// A previous holder of the connection panicked.
    #[error("connexion à la base inutilisable (panique précédente)")]
    Poisoned,
    /// The blocking task failed.
    #[error("tâche de base de données: {0}")]
    Task(String),
}

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

/// Everything the receptionist needs about a practice, read at call start.
#[derive(Debug, Clone)]
pub struct PracticeSnapshot {
    /// The practice.
    pub practice: Practice,
    /// Its doctors, in menu order.
    pub doctors: Vec<Doctor>,
    /// Their consultation types.
    pub types: Vec<ConsultationType>,
    /// Holiday periods.
    pub holidays: Vec<HolidayPeriod>,
}

/// Recordings still without their text: messages, then appointments'
/// recorded names, each `(id, audio path)`.
pub type Untranscribed = (Vec<(i64, String)>, Vec<(i64, String)>);

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
    /// Read by the doctor.
    pub read: bool,
}

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
}

/// One connection to the file.
pub struct Db {
    pub(super) conn: Connection,
}

fn corrupt(what: &str, detail: impl ToString) -> StoreError {
    StoreError::Corrupt { what: what.to_string(), detail: detail.to_string() }
}

fn json_col<T: for<'de> Deserialize<'de>>(what: &str, text: &str) -> Result<T, StoreError> {
    serde_json::from_str(text).map_err(|e| corrupt(what, e))
}

fn to_json<T: Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_else(|_| "null".to_string())
}

pub(super) fn instant(secs: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(secs, 0).single().unwrap_or_default()
}

const LOCAL_FMT: &str = "%Y-%m-%dT%H:%M";

fn is_unique_violation(e: &rusqlite::Error) -> bool {
    matches!(e, rusqlite::Error::SqliteFailure(f, _) if f.code == ErrorCode::ConstraintViolation)
}

/// Statements through the connection's statement cache: a call's reads and
/// a booking ran the same few statements again and again, and parsing their
/// SQL each time was a third of the store threads' time under load.
pub(crate) trait Cached {
    /// `execute`, with the statement prepared once per connection.
    fn exec<P: Params>(&self, sql: &str, params: P) -> rusqlite::Result<usize>;
    /// `query_row`, with the statement prepared once per connection.
    fn row<T, P: Params, F: FnOnce(&Row<'_>) -> rusqlite::Result<T>>(&self, sql: &str, params: P, f: F) -> rusqlite::Result<T>;
}

impl Cached for Connection {
    fn exec<P: Params>(&self, sql: &str, params: P) -> rusqlite::Result<usize> {
        self.prepare_cached(sql)?.execute(params)
    }

    fn row<T, P: Params, F: FnOnce(&Row<'_>) -> rusqlite::Result<T>>(&self, sql: &str, params: P, f: F) -> rusqlite::Result<T> {
        self.prepare_cached(sql)?.query_row(params, f)
    }
}

/// Statements kept per connection: every statement the service runs, with room.
const STATEMENT_CACHE: usize = 128;

impl Db {
    /// Open the file, turn on WAL and foreign keys, and migrate.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        let mut conn = Connection::open(path)?;
        conn.busy_timeout(StdDuration::from_secs(10))?;
        conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.pragma_update(None, "foreign_keys", true)?;
        schema::migrate(&mut conn)?;
        Ok(Self { conn })
    }

    /// The schema version of the open file.
    pub fn schema_version(&self) -> Result<i64, StoreError> {
        Ok(self.conn.row("PRAGMA user_version", [], |r| r.get(0))?)
    }

    // ------------------------------------------------------------ practices

    /// Create a practice; returns its id.
    pub fn create_practice(&mut self, name: &str, address: &str, tz: Tz) -> Result<i64, StoreError> {
        if name.trim().is_empty() {
            return Err(RuleError::new("name", "le nom du cabinet est vide").into());
        }
        self.conn.exec("INSERT INTO practices (name, address, timezone) VALUES (?1, ?2, ?3)", params![name.trim(), address, tz.name()])?;
        Ok(self.conn.last_insert_rowid())
    }

    /// The id of the practice named `name`.
    pub fn practice_id(&self, name: &str) -> Result<i64, StoreError> {
        self.conn
            .row("SELECT id FROM practices WHERE name = ?1", [name], |r| r.get(0))
            .optional()?
            .ok_or_else(|| StoreError::NotFound(format!("cabinet « {name} »")))
    }

    /// Names of every practice.
    pub fn practice_names(&self) -> Result<Vec<String>, StoreError> {
        let mut st = self.conn.prepare_cached("SELECT name FROM practices ORDER BY name")?;
        let rows = st.query_map([], |r| r.get(0))?.collect::<Result<Vec<String>, _>>()?;
        Ok(rows)
    }

    /// Attach a dialled number to a practice (one number, one practice).
    pub fn add_did(&mut self, practice_id: i64, did: &str) -> Result<(), StoreError> {
        let did = agenda::phone::normalize(did).map_err(|e| RuleError::new("did", e.to_string()))?;
        match self.conn.exec("INSERT INTO dids (did, practice_id) VALUES (?1, ?2)", params![did, practice_id]) {
            Ok(_) => Ok(()),
            Err(e) if is_unique_violation(&e) => Err(RuleError::new("did", format!("le numéro {did} sert déjà un cabinet")).into()),
            Err(e) => Err(e.into()),
        }
    }

    /// Set one scalar field of a practice.
    pub fn set_practice_field(&mut self, practice_id: i64, field: &str, value: Option<&str>) -> Result<(), StoreError> {
        let text = value.unwrap_or("");
        match field {
            // Free texts: empty is empty.
            "address" | "instructions" => {
                let sql = format!("UPDATE practices SET {field} = ?1 WHERE id = ?2");
                self.conn.exec(&sql, params![text, practice_id])?;
            }
            // Dial strings and extensions: empty means none.
            "practice_phone" | "secretaries" => {
                let sql = format!("UPDATE practices SET {field} = ?1 WHERE id = ?2");
                self.conn.exec(&sql, params![Some(text).filter(|t| !t.is_empty()), practice_id])?;
            }
            "max_future_per_phone" => {
                let n: i64 = text.parse().map_err(|_| RuleError::new(field, "un nombre entier est attendu"))?;
                if n < 0 {
                    return Err(RuleError::new(field, "doit être positif").into());
                }
                self.conn.exec("UPDATE practices SET max_future_per_phone = ?1 WHERE id = ?2", params![n, practice_id])?;
            }
            "timezone" => {
                let tz: Tz = text.parse().map_err(|_| RuleError::new(field, "fuseau horaire inconnu (ex. Europe/Paris)"))?;
                self.conn.exec("UPDATE practices SET timezone = ?1 WHERE id = ?2", params![tz.name(), practice_id])?;
            }
            other => return Err(RuleError::new(other, "champ inconnu").into()),
        }
        Ok(())
    }

    /// Replace the opening or walk-in hours (`which` = `opening_hours` | `walk_in_hours`).
    pub fn set_practice_hours(&mut self, practice_id: i64, which: &str, ranges: &[WeeklyRange]) -> Result<(), StoreError> {
        if which != "opening_hours" && which != "walk_in_hours" {
            return Err(RuleError::new(which, "champ inconnu").into());
        }
        check_timetable(which, ranges)?;
        let sql = format!("UPDATE practices SET {which} = ?1 WHERE id = ?2");
        self.conn.exec(&sql, params![to_json(&ranges), practice_id])?;
        Ok(())
    }

    /// Set the receptionist's duty mode.
    pub fn set_duty(&mut self, practice_id: i64, duty: &DutyMode) -> Result<(), StoreError> {
        if let DutyMode::OutsideSecretaryHours { secretary_hours } = duty {
            check_timetable("secretary_hours", secretary_hours)?;
        }
        self.conn.exec("UPDATE practices SET duty = ?1 WHERE id = ?2", params![to_json(duty), practice_id])?;
        Ok(())
    }

    /// Add a holiday period.
    pub fn add_holiday(&mut self, practice_id: i64, start: NaiveDate, end: NaiveDate, message: &str) -> Result<i64, StoreError> {
        if end < start {
            return Err(RuleError::new("end", "la fin des congés est avant leur début").into());
        }
        if message.trim().is_empty() {
            return Err(RuleError::new("message", "le message de congés est vide").into());
        }
        self.conn.exec(
            "INSERT INTO holidays (practice_id, start_day, end_day, message) VALUES (?1, ?2, ?3, ?4)",
            params![practice_id, start.to_string(), end.to_string(), message],
        )?;
        Ok(self.conn.last_insert_rowid())
    }

    fn practice_row(&self, id: i64) -> Result<Practice, StoreError> {
        let row = self
            .conn
            .row(
                "SELECT id, name, address, timezone, opening_hours, walk_in_hours, practice_phone, secretaries, duty, max_future_per_phone, instructions FROM practices WHERE id = ?1",
                [id],
                |r| {
                    Ok((
                        r.get::<_, i64>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(2)?,
                        r.get::<_, String>(3)?,
                        r.get::<_, String>(4)?,
                        r.get::<_, String>(5)?,
                        r.get::<_, Option<String>>(6)?,
                        r.get::<_, Option<String>>(7)?,
                        r.get::<_, String>(8)?,
                        r.get::<_, i64>(9)?,
                        r.get::<_, String>(10)?,
                    ))
                },
            )
            .optional()?
            .ok_or_else(|| StoreError::NotFound(format!("cabinet n°{id}")))?;
        let mut st = self.conn.prepare_cached("SELECT did FROM dids WHERE practice_id = ?1 ORDER BY did")?;
        let dids = st.query_map([id], |r| r.get(0))?.collect::<Result<Vec<String>, _>>()?;
        Ok(Practice {
            id: row.0,
            name: row.1,
            address: row.2,
            timezone: row.3.parse().map_err(|_| corrupt("timezone", &row.3))?,
            dids,
            opening_hours: json_col("opening_hours", &row.4)?,
            walk_in_hours: json_col("walk_in_hours", &row.5)?,
            practice_phone: row.6,
            secretaries: row.7,
            duty: json_col("duty", &row.8)?,
            max_future_per_phone: row.9,
            instructions: row.10,
        })
    }

    /// Everything about the practice reached at dialled number `did`.
    pub fn snapshot_by_did(&self, did: &str) -> Result<Option<PracticeSnapshot>, StoreError> {
        let key = agenda::phone::normalize(did).unwrap_or_else(|_| did.to_string());
        let id: Option<i64> = self.conn.row("SELECT practice_id FROM dids WHERE did = ?1", [key], |r| r.get(0)).optional()?;
        match id {
            Some(id) => Ok(Some(self.snapshot(id)?)),
            None => Ok(None),
        }
    }

    /// Everything about practice `id`.
    pub fn snapshot(&self, id: i64) -> Result<PracticeSnapshot, StoreError> {
        let practice = self.practice_row(id)?;
        let doctors = self.doctors(id)?;
        let mut types = Vec::new();
        for d in &doctors {
            types.extend(self.types(d.id)?);
        }
        let mut st = self.conn.prepare_cached("SELECT id, start_day, end_day, message FROM holidays WHERE practice_id = ?1 ORDER BY start_day")?;
        let raw = st
            .query_map([id], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?, r.get::<_, String>(3)?)))?
            .collect::<Result<Vec<_>, _>>()?;
        let mut holidays = Vec::new();
        for (hid, s, e, message) in raw {
            holidays.push(HolidayPeriod {
                id: hid,
                start: s.parse().map_err(|_| corrupt("holidays.start_day", &s))?,
                end: e.parse().map_err(|_| corrupt("holidays.end_day", &e))?,
                message,
            });
        }
        Ok(PracticeSnapshot { practice, doctors, types, holidays })
    }

    // -------------------------------------------------------------- doctors

    /// Add a doctor at the end of the practice's menu.
    pub fn add_doctor(&mut self, practice_id: i64, name: &str) -> Result<i64, StoreError> {
        if name.trim().is_empty() {
            return Err(RuleError::new("name", "le nom du médecin est vide").into());
        }
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
            if n < 0 {
                return Err(RuleError::new("min_notice_minutes", "doit être positif").into());
            }
            self.conn.exec("UPDATE doctors SET min_notice_minutes = ?1 WHERE id = ?2", params![n, doctor_id])?;
        }
        if let Some(h) = horizon_days {
            if h < 0 {
                return Err(RuleError::new("horizon_days", "doit être positif").into());
            }
            self.conn.exec("UPDATE doctors SET horizon_days = ?1 WHERE id = ?2", params![h, doctor_id])?;
        }
        if let Some(d) = dial {
            self.conn.exec("UPDATE doctors SET dial = ?1 WHERE id = ?2", params![d, doctor_id])?;
        }
        Ok(())
    }

    /// Set a doctor's instructions for the secretaries.
    pub fn set_doctor_instructions(&mut self, doctor_id: i64, text: &str) -> Result<(), StoreError> {
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
        let rows = st
            .query_map([doctor_id], |r| {
                Ok(ConsultationType {
                    id: r.get(0)?,
                    doctor_id: r.get(1)?,
                    name: r.get(2)?,
                    duration_minutes: r.get(3)?,
                    phone_bookable: r.get(4)?,
                    new_patients: r.get(5)?,
                })
            })?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    fn type_row(&self, type_id: i64) -> Result<ConsultationType, StoreError> {
        self.conn
            .row("SELECT id, doctor_id, name, duration_minutes, phone_bookable, new_patients FROM consultation_types WHERE id = ?1", [type_id], |r| {
                Ok(ConsultationType {
                    id: r.get(0)?,
                    doctor_id: r.get(1)?,
                    name: r.get(2)?,
                    duration_minutes: r.get(3)?,
                    phone_bookable: r.get(4)?,
                    new_patients: r.get(5)?,
                })
            })
            .optional()?
            .ok_or_else(|| StoreError::NotFound(format!("type de consultation n°{type_id}")))
    }

    /// Add an absence (local times).
    pub fn add_absence(&mut self, doctor_id: i64, start: NaiveDateTime, end: NaiveDateTime, reason: &str) -> Result<i64, StoreError> {
        if end <= start {
            return Err(RuleError::new("end", "la fin de l'absence est avant son début").into());
        }
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

    // --------------------------------------------------------- caller rules

    /// Add or replace the rule for one number.
    pub fn set_caller_rule(&mut self, practice_id: i64, doctor_id: Option<i64>, phone: &str, kind: CallerKind, label: &str) -> Result<i64, StoreError> {
        let phone = agenda::phone::normalize(phone).map_err(|e| RuleError::new("phone", e.to_string()))?;
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

    /// Record a patient's name for a number.
    pub fn add_patient(&mut self, practice_id: i64, phone: &str, name: &str) -> Result<(), StoreError> {
        let phone = agenda::phone::normalize(phone).map_err(|e| RuleError::new("phone", e.to_string()))?;
        self.conn.exec("INSERT OR IGNORE INTO patients (practice_id, phone, name) VALUES (?1, ?2, ?3)", params![practice_id, phone, name])?;
        Ok(())
    }

    // ---------------------------------------------------------- appointments

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
        let ty = self.type_row(type_id)?;
        self.slots(doctor_id, ty.duration_minutes, now, after, count, true)
    }

    /// The agenda's slots for a doctor: with `with_busy`, those no appointment
    /// takes; without, every slot the rules would offer.
    fn slots(
        &self,
        doctor_id: i64,
        duration_minutes: i64,
        now: DateTime<Utc>,
        after: Option<DateTime<Utc>>,
        count: usize,
        with_busy: bool,
    ) -> Result<Vec<Slot>, StoreError> {
        let (doctor, tz) = self.doctor_row(doctor_id)?;
        let absences = self.absences(doctor_id)?;
        let busy = if with_busy {
            let from = match after {
                Some(a) if a > now => a,
                _ => now,
            };
            self.busy(doctor_id, from, now + Duration::days(doctor.horizon_days + 1))?
        } else {
            Vec::new()
        };
        Ok(agenda::free_slots(&SlotQuery {
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
        }))
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
        let found = self.slots(doctor_id, ty.duration_minutes, now, Some(start), 1, false)?;
        Ok(found.first().map(|s| s.start) == Some(start))
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

    /// Cancel an appointment held by `phone` (any holder when `phone` is None: staff).
    pub fn cancel(&mut self, id: i64, phone: Option<&str>) -> Result<bool, StoreError> {
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let changed =
            tx.exec("UPDATE appointments SET status = 'cancelled' WHERE id = ?1 AND status = 'booked' AND (?2 IS NULL OR phone = ?2)", params![id, phone])?;
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
        let end = new_start + Duration::minutes(ty.duration_minutes);
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.exec("DELETE FROM appointment_blocks WHERE appointment_id = ?1", [id])?;
        if let Err(refusal) = Self::claim_blocks(&tx, old.doctor_id, id, new_start, end)? {
            return Ok(Err(refusal));
        }
        tx.exec("UPDATE appointments SET start_utc = ?1, end_utc = ?2 WHERE id = ?3", params![new_start.timestamp(), end.timestamp(), id])?;
        tx.commit()?;
        Ok(Ok(self.appointment(id)?))
    }

    // -------------------------------------------------------------- messages

    /// Store a message; returns its id.
    pub fn save_message(
        &mut self,
        practice_id: i64,
        caller: Option<&str>,
        at: DateTime<Utc>,
        audio_path: &str,
        duration_secs: f64,
        urgent: bool,
    ) -> Result<i64, StoreError> {
        self.conn.exec(
            "INSERT INTO messages (practice_id, caller, received_at, audio_path, duration_secs, urgent) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![practice_id, caller, at.timestamp(), audio_path, duration_secs, urgent],
        )?;
        Ok(self.conn.last_insert_rowid())
    }

    /// Store a message's transcript; the message becomes urgent when the
    /// words suggest an emergency (it never stops being urgent).
    pub fn set_transcript(&mut self, message_id: i64, transcript: &str) -> Result<bool, StoreError> {
        let urgent = crate::speech::intent::is_urgent(transcript);
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

    /// Messages of a practice, newest first.
    pub fn messages(&self, practice_id: i64) -> Result<Vec<MessageRow>, StoreError> {
        let mut st = self.conn.prepare_cached("SELECT id, practice_id, caller, received_at, audio_path, duration_secs, transcript, urgent, read FROM messages WHERE practice_id = ?1 ORDER BY received_at DESC, id DESC")?;
        let rows = st
            .query_map([practice_id], |r| {
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
                })
            })?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    // ----------------------------------------------------------------- calls

    /// Record a finished call.
    pub fn record_call(&mut self, c: &CallRecord) -> Result<(), StoreError> {
        self.conn.exec(
            "INSERT INTO calls (practice_id, uuid, caller, started_at, ended_at, outcome, detail) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![c.practice_id, c.uuid, c.caller, c.started_at.timestamp(), c.ended_at.timestamp(), c.outcome, c.detail],
        )?;
        Ok(())
    }

    /// Calls recorded, newest first.
    pub fn calls(&self, limit: i64) -> Result<Vec<CallRecord>, StoreError> {
        let mut st =
            self.conn.prepare_cached("SELECT practice_id, uuid, caller, started_at, ended_at, outcome, detail FROM calls ORDER BY id DESC LIMIT ?1")?;
        let rows = st
            .query_map([limit], |r| {
                Ok(CallRecord {
                    practice_id: r.get(0)?,
                    uuid: r.get(1)?,
                    caller: r.get(2)?,
                    started_at: instant(r.get(3)?),
                    ended_at: instant(r.get(4)?),
                    outcome: r.get(5)?,
                    detail: r.get(6)?,
                })
            })?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// Direct access for export/import within the crate.
    pub(crate) fn conn(&mut self) -> &mut Connection {
        &mut self.conn
    }
}
