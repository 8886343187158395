//! Practices: their names, numbers (DIDs), hours, duty mode and holidays,
//! and the snapshot a call reads at its start.

use chrono::NaiveDate;
use chrono_tz::Tz;
use rusqlite::{OptionalExtension, params};

use crate::agenda::text;
use crate::agenda::{self, ConsultationType, Doctor, DutyMode, HolidayPeriod, Practice, RuleError, WeeklyRange, check_timetable};

use super::db::{Cached, Db, StoreError, corrupt, is_unique_violation, json_col, to_json};

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

/// Longest address or holiday message.
pub const MAX_ADDRESS_CHARS: usize = 500;

/// A scalar field of a practice that can be set on its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PracticeField {
    /// The practice's name, said in the greeting (and set on the call for
    /// the secretaries: it reaches the switch).
    Name,
    /// The postal address, told with the hours.
    Address,
    /// The instructions (consignes) the secretaries read.
    Instructions,
    /// The practice's own phone (a dial string), for callers put through.
    PracticePhone,
    /// The dialplan extension of the secretaries.
    Secretaries,
    /// Future appointments one number may hold.
    MaxFuturePerPhone,
    /// The practice's time zone (IANA name).
    Timezone,
    /// Calling codes of the countries called back besides France ("41, 32").
    CallbackCountries,
    /// Days health data is kept (recordings, transcripts, call details).
    RetentionDays,
    /// Ask the date of birth before an appointment is read out or changed (`true`/`false`).
    VerifyBirthDate,
    /// The addresses told of each message and urgent call ("a@x.fr, b@x.fr").
    Email,
    /// The local hour (0–23) of the daily summary mail; empty: none.
    SummaryHour,
}

impl PracticeField {
    /// Every field, in the order the command line lists them.
    pub const ALL: [PracticeField; 12] = [
        Self::Name,
        Self::Address,
        Self::Instructions,
        Self::PracticePhone,
        Self::Secretaries,
        Self::MaxFuturePerPhone,
        Self::Timezone,
        Self::CallbackCountries,
        Self::RetentionDays,
        Self::VerifyBirthDate,
        Self::Email,
        Self::SummaryHour,
    ];

    /// Its name on the command line and in the schema.
    pub fn name(self) -> &'static str {
        match self {
            Self::Name => "name",
            Self::Address => "address",
            Self::Instructions => "instructions",
            Self::PracticePhone => "practice_phone",
            Self::Secretaries => "secretaries",
            Self::MaxFuturePerPhone => "max_future_per_phone",
            Self::Timezone => "timezone",
            Self::CallbackCountries => "callback_countries",
            Self::RetentionDays => "retention_days",
            Self::VerifyBirthDate => "verify_birth_date",
            Self::Email => "email",
            Self::SummaryHour => "summary_hour",
        }
    }
}

impl std::str::FromStr for PracticeField {
    type Err = RuleError;

    fn from_str(s: &str) -> Result<Self, RuleError> {
        Self::ALL.into_iter().find(|f| f.name() == s).ok_or_else(|| {
            let names: Vec<&str> = Self::ALL.iter().map(|f| f.name()).collect();
            RuleError::new(s, format!("champ inconnu (champs: {})", names.join(", ")))
        })
    }
}

/// Which weekly hours of a practice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PracticeHours {
    /// When the practice is open.
    Opening,
    /// When patients may come without an appointment.
    WalkIn,
}

impl PracticeHours {
    /// Its column.
    pub fn column(self) -> &'static str {
        match self {
            Self::Opening => "opening_hours",
            Self::WalkIn => "walk_in_hours",
        }
    }
}

impl Db {
    /// Create a practice; returns its id.
    pub fn create_practice(&mut self, name: &str, address: &str, tz: Tz) -> Result<i64, StoreError> {
        if name.trim().is_empty() {
            return Err(RuleError::new("name", "le nom du cabinet est vide").into());
        }
        text::check_name("name", name)?;
        text::check_text("address", address, MAX_ADDRESS_CHARS)?;
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

    /// Every dialled number and its practice's name, by number.
    pub fn practice_numbers(&self) -> Result<Vec<(String, String)>, StoreError> {
        let mut st = self.conn.prepare_cached("SELECT d.did, p.name FROM dids d JOIN practices p ON p.id = d.practice_id ORDER BY d.did")?;
        let rows = st.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// The id and name of each of these practices, in the order given
    /// (unknown ids left out): what a page's practice selector shows.
    pub fn practice_labels(&self, ids: &[i64]) -> Result<Vec<(i64, String)>, StoreError> {
        let mut st = self.conn.prepare_cached("SELECT id, name FROM practices")?;
        let all: std::collections::HashMap<i64, String> = st.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<Result<_, _>>()?;
        Ok(ids.iter().filter_map(|id| all.get(id).map(|n| (*id, n.clone()))).collect())
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

    /// Set one scalar field of a practice (`None` or an empty text clears a
    /// dial string or an extension).
    pub fn set_practice_field(&mut self, practice_id: i64, field: PracticeField, value: Option<&str>) -> Result<(), StoreError> {
        let text = value.unwrap_or("");
        let name = field.name();
        match field {
            PracticeField::Name => {
                text::check_name(name, text)?;
                match self.conn.exec("UPDATE practices SET name = ?1 WHERE id = ?2", params![text, practice_id]) {
                    Err(e) if is_unique_violation(&e) => return Err(RuleError::new(name, format!("un autre cabinet s'appelle déjà « {text} »")).into()),
                    other => {
                        other?;
                    }
                }
            }
            // Free texts: empty is empty.
            PracticeField::Address | PracticeField::Instructions => {
                text::check_text(name, text, if field == PracticeField::Address { MAX_ADDRESS_CHARS } else { super::doctors::MAX_INSTRUCTIONS_CHARS })?;
                let sql = format!("UPDATE practices SET {name} = ?1 WHERE id = ?2");
                self.conn.exec(&sql, params![text, practice_id])?;
            }
            // Dial strings and extensions: empty means none.
            PracticeField::PracticePhone | PracticeField::Secretaries => {
                match field {
                    _ if text.is_empty() => {}
                    PracticeField::PracticePhone => text::check_dial(name, text)?,
                    _ => text::check_extension(name, text)?,
                }
                let sql = format!("UPDATE practices SET {name} = ?1 WHERE id = ?2");
                self.conn.exec(&sql, params![Some(text).filter(|t| !t.is_empty()), practice_id])?;
            }
            PracticeField::MaxFuturePerPhone => {
                let n: i64 = text.parse().map_err(|_| RuleError::new(name, "un nombre entier est attendu"))?;
                if n < 0 {
                    return Err(RuleError::new(name, "doit être positif").into());
                }
                self.conn.exec("UPDATE practices SET max_future_per_phone = ?1 WHERE id = ?2", params![n, practice_id])?;
            }
            PracticeField::CallbackCountries => {
                let mut codes = Vec::new();
                for part in text.split([',', ' ']).map(|p| p.trim().trim_start_matches('+')).filter(|p| !p.is_empty()) {
                    let code: u16 = part
                        .parse()
                        .ok()
                        .filter(|c| (1..=999).contains(c))
                        .ok_or_else(|| RuleError::new(name, format!("« {part} » n'est pas un indicatif de pays (ex. 41, 32)")))?;
                    codes.push(code);
                }
                codes.sort_unstable();
                codes.dedup();
                self.conn.exec("UPDATE practices SET callback_countries = ?1 WHERE id = ?2", params![to_json(&codes), practice_id])?;
            }
            PracticeField::VerifyBirthDate => {
                let on = match text {
                    "true" | "oui" | "1" => true,
                    "false" | "non" | "0" => false,
                    _ => return Err(RuleError::new(name, "true ou false").into()),
                };
                self.conn.exec("UPDATE practices SET verify_birth_date = ?1 WHERE id = ?2", params![on, practice_id])?;
            }
            PracticeField::RetentionDays => {
                let days: i64 = text
                    .parse()
                    .ok()
                    .filter(|d| (1..=3650).contains(d))
                    .ok_or_else(|| RuleError::new(name, "un nombre de jours entre 1 et 3650 est attendu"))?;
                self.conn.exec("UPDATE practices SET retention_days = ?1 WHERE id = ?2", params![days, practice_id])?;
            }
            PracticeField::Email => {
                let emails = super::notices::parse_emails(text);
                if emails.len() > 10 {
                    return Err(RuleError::new(name, "dix adresses au plus").into());
                }
                for e in &emails {
                    text::check_email(name, e)?;
                }
                self.conn.exec("UPDATE practices SET email = ?1 WHERE id = ?2", params![emails.join(", "), practice_id])?;
            }
            PracticeField::SummaryHour => {
                let hour = match text.trim() {
                    "" => None,
                    t => Some(
                        t.trim_end_matches('h')
                            .parse::<u32>()
                            .ok()
                            .filter(|h| *h < 24)
                            .ok_or_else(|| RuleError::new(name, "une heure entre 0 et 23 est attendue"))?,
                    ),
                };
                self.conn.exec("UPDATE practices SET summary_hour = ?1 WHERE id = ?2", params![hour, practice_id])?;
            }
            PracticeField::Timezone => {
                let tz: Tz = text.parse().map_err(|_| RuleError::new(name, "fuseau horaire inconnu (ex. Europe/Paris)"))?;
                self.conn.exec("UPDATE practices SET timezone = ?1 WHERE id = ?2", params![tz.name(), practice_id])?;
            }
        }
        Ok(())
    }

    /// Replace the opening or walk-in hours.
    pub fn set_practice_hours(&mut self, practice_id: i64, which: PracticeHours, ranges: &[WeeklyRange]) -> Result<(), StoreError> {
        let column = which.column();
        check_timetable(column, ranges)?;
        let sql = format!("UPDATE practices SET {column} = ?1 WHERE id = ?2");
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
        text::check_text("message", message, MAX_ADDRESS_CHARS)?;
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
                "SELECT id, name, address, timezone, opening_hours, walk_in_hours, practice_phone, secretaries, duty, max_future_per_phone, instructions, callback_countries, verify_birth_date FROM practices WHERE id = ?1",
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
                        r.get::<_, String>(11)?,
                        r.get::<_, bool>(12)?,
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
            callback_countries: json_col("callback_countries", &row.11)?,
            verify_birth_date: row.12,
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
}
