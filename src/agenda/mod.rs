//! The practice's agenda as plain Rust: who works when, what can be booked,
//! which slots are free, which callers may reach the doctor, and whether the
//! receptionist is on duty. No SQL and no tokio here: `store/` reads and
//! writes these facts, `reception/` asks questions of them.
//!
//! Times: every rule (working hours, walk-in hours, absences) is a *local*
//! time of the practice's time zone; appointments are instants (UTC). The
//! conversion goes through `chrono-tz`, so a slot in the hour that does not
//! exist on the spring-forward day is never offered, and a slot in the hour
//! that happens twice in autumn is offered once.

pub mod phone;
pub mod slots;
pub mod text;

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, Utc, Weekday};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};
use thiserror::Error;

pub use slots::{Interval, Slot, SlotQuery, free_slots, within_working_hours};

/// A rule of the agenda that does not hold; names the field at fault.
#[derive(Debug, Error, PartialEq, Eq)]
#[error("{field}: {message}")]
pub struct RuleError {
    /// Which field is wrong (`working_hours`, `absence.end`, …).
    pub field: String,
    /// What is wrong with it, in words an administrator understands.
    pub message: String,
}

impl RuleError {
    /// Build an error about `field`.
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self { field: field.into(), message: message.into() }
    }
}

/// How a remote secretary serves a practice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// Takes the practice's calls first.
    Primary,
    /// Takes them when no primary secretary is free.
    Overflow,
}

impl Level {
    /// Its one name: in the schema, on the command line, in the API.
    pub fn name(self) -> &'static str {
        match self {
            Level::Primary => "primary",
            Level::Overflow => "overflow",
        }
    }

    /// The level of that name.
    pub fn named(s: &str) -> Option<Level> {
        [Level::Primary, Level::Overflow].into_iter().find(|l| l.name() == s)
    }
}

/// One range of a weekly timetable: "Monday 08:30–12:00".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct WeeklyRange {
    /// Day of the week.
    #[serde(with = "weekday_fr")]
    pub day: Weekday,
    /// Local start time.
    pub start: NaiveTime,
    /// Local end time (after `start`; ranges do not cross midnight).
    pub end: NaiveTime,
}

/// A timetable as the words say it: each range's day, start and end.
pub fn day_hours(ranges: &[WeeklyRange]) -> Vec<(Weekday, NaiveTime, NaiveTime)> {
    ranges.iter().map(|r| (r.day, r.start, r.end)).collect()
}

/// Weekdays are written in French in exports and on the command line.
pub mod weekday_fr {
    use chrono::Weekday;
    use serde::{Deserialize, Deserializer, Serializer};

    /// French names, Monday first.
    pub const NAMES: [&str; 7] = ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"];

    /// The French name of a day.
    pub fn name(day: Weekday) -> &'static str {
        NAMES[day.num_days_from_monday() as usize]
    }

    /// Read a day written in French or English (`lundi`, `lun`, `mon`, `monday`).
    pub fn parse(text: &str) -> Option<Weekday> {
        let t = text.trim().to_lowercase();
        if let Some(i) = NAMES.iter().position(|n| *n == t || (t.len() >= 3 && n.starts_with(&t))) {
            return Weekday::try_from(i as u8).ok();
        }
        t.parse::<Weekday>().ok()
    }

    pub(crate) fn serialize<S: Serializer>(day: &Weekday, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(name(*day))
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Weekday, D::Error> {
        let text = String::deserialize(d)?;
        parse(&text).ok_or_else(|| serde::de::Error::custom(format!("jour inconnu: {text}")))
    }
}

impl WeeklyRange {
    /// Parse `lundi 08:30-12:00`.
    pub fn parse(text: &str) -> Result<Self, RuleError> {
        let err = |m: &str| RuleError::new("horaire", format!("« {text} »: {m} (attendu: « lundi 08:30-12:00 »)"));
        let (day, times) = text.trim().split_once(' ').ok_or_else(|| err("il manque les heures"))?;
        let day = weekday_fr::parse(day).ok_or_else(|| err("jour inconnu"))?;
        let (start, end) = times.trim().split_once('-').ok_or_else(|| err("il manque le tiret"))?;
        let start = parse_time(start).ok_or_else(|| err("heure de début illisible"))?;
        let end = parse_time(end).ok_or_else(|| err("heure de fin illisible"))?;
        let range = WeeklyRange { day, start, end };
        range.check("horaire")?;
        Ok(range)
    }

    fn check(&self, field: &str) -> Result<(), RuleError> {
        if self.end <= self.start {
            return Err(RuleError::new(
                field,
                format!(
                    "{} {}: la fin ({}) est avant le début ({})",
                    weekday_fr::name(self.day),
                    self.start.format("%H:%M"),
                    self.end.format("%H:%M"),
                    self.start.format("%H:%M")
                ),
            ));
        }
        Ok(())
    }
}

impl std::fmt::Display for WeeklyRange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}-{}", weekday_fr::name(self.day), self.start.format("%H:%M"), self.end.format("%H:%M"))
    }
}

/// `08:30`, `8h30`, `8h`.
pub fn parse_time(text: &str) -> Option<NaiveTime> {
    let t = text.trim().to_lowercase().replace('h', ":");
    let t = if t.ends_with(':') { format!("{t}00") } else { t };
    NaiveTime::parse_from_str(&t, "%H:%M").ok()
}

/// Check a weekly timetable: every range ends after it starts and no two
/// ranges of one day overlap. `field` names the timetable in errors.
pub fn check_timetable(field: &str, ranges: &[WeeklyRange]) -> Result<(), RuleError> {
    for r in ranges {
        r.check(field)?;
    }
    for (i, a) in ranges.iter().enumerate() {
        for b in &ranges[i + 1..] {
            if a.day == b.day && a.start < b.end && b.start < a.end {
                return Err(RuleError::new(field, format!("les plages « {a} » et « {b} » se chevauchent")));
            }
        }
    }
    Ok(())
}

/// A doctor of the practice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Doctor {
    /// Row id.
    pub id: i64,
    /// Name as the receptionist says it ("Docteur Martin").
    pub name: String,
    /// Order in the booking menu (1, 2, …).
    pub position: i64,
    /// Weekly working hours; the gaps between ranges are the breaks.
    pub working_hours: Vec<WeeklyRange>,
    /// Phone bookings need at least this much notice (minutes).
    pub min_notice_minutes: i64,
    /// Phone bookings are offered up to this many days ahead.
    pub horizon_days: i64,
    /// Dial string of the doctor's own phone, for allowed callers.
    pub dial: Option<String>,
}

/// A kind of consultation a doctor offers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsultationType {
    /// Row id.
    pub id: i64,
    /// The doctor it belongs to.
    pub doctor_id: i64,
    /// Name the caller hears ("consultation", "vaccination").
    pub name: String,
    /// Minutes; a multiple of [`GRAIN_MINUTES`].
    pub duration_minutes: i64,
    /// Whether the receptionist may book it; otherwise only staff can.
    pub phone_bookable: bool,
    /// Whether a caller unknown to the practice may book it.
    pub new_patients: bool,
}

impl ConsultationType {
    /// Whether the receptionist may book this type for a caller: the doctor
    /// lets it be booked by phone, and a caller the practice does not know
    /// yet (no appointment under the number) only when it is open to new
    /// patients.
    pub fn bookable_by_phone(&self, known_caller: bool) -> bool {
        self.phone_bookable && (known_caller || self.new_patients)
    }
}

/// The agenda's grain: durations and slot starts are multiples of this.
/// The schema's no-overlap guarantee is built on it (see `store/`).
pub const GRAIN_MINUTES: i64 = 5;

/// A dated absence (holiday, training) of a doctor, in local times.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Absence {
    /// Row id.
    pub id: i64,
    /// The doctor away.
    pub doctor_id: i64,
    /// First local moment away.
    pub start: NaiveDateTime,
    /// Local moment back.
    pub end: NaiveDateTime,
    /// Free text ("congés").
    pub reason: String,
}

/// Where an appointment came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// Booked by the receptionist on the phone.
    Phone,
    /// Entered by the practice's staff.
    Staff,
}

/// An appointment in the agenda.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Appointment {
    /// Row id.
    pub id: i64,
    /// The doctor seen.
    pub doctor_id: i64,
    /// Consultation type.
    pub type_id: i64,
    /// Start instant.
    pub start: DateTime<Utc>,
    /// End instant.
    pub end: DateTime<Utc>,
    /// Patient's name as given (or the recorded name's transcript).
    pub patient_name: String,
    /// Patient's phone number (E.164), if known.
    pub phone: Option<String>,
    /// Recording of the name said by the caller, if any.
    pub name_recording: Option<String>,
    /// Who booked it.
    pub source: Source,
    /// `booked` or `cancelled`.
    pub status: String,
}

/// The receptionist's duty schedule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "mode", rename_all = "snake_case")]
pub enum DutyMode {
    /// Answers every call.
    AlwaysOn,
    /// Answers only outside the practice secretary's hours.
    OutsideSecretaryHours {
        /// The secretary's weekly hours (local).
        secretary_hours: Vec<WeeklyRange>,
    },
    /// Answers only while the doctor's switch is on.
    OnDemand {
        /// The switch.
        on: bool,
    },
}

/// A dated holiday period with its own message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HolidayPeriod {
    /// Row id.
    pub id: i64,
    /// First day (local).
    pub start: NaiveDate,
    /// Last day included (local).
    pub end: NaiveDate,
    /// What callers hear ("le cabinet est fermé jusqu'au 2 janvier").
    pub message: String,
}

/// What the receptionist does with a call at a given moment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Duty {
    /// The receptionist answers.
    OnDuty,
    /// The practice's own secretary or phone takes it.
    OffDuty,
    /// Holiday: the caller hears this message and may leave one.
    Holiday(String),
}

/// Decide the duty at `now` from the mode and the holiday periods.
pub fn duty_at(mode: &DutyMode, holidays: &[HolidayPeriod], tz: Tz, now: DateTime<Utc>) -> Duty {
    let local = now.with_timezone(&tz).naive_local();
    if let Some(h) = holidays.iter().find(|h| h.start <= local.date() && local.date() <= h.end) {
        return Duty::Holiday(h.message.clone());
    }
    match mode {
        DutyMode::AlwaysOn => Duty::OnDuty,
        DutyMode::OnDemand { on } => {
            if *on {
                Duty::OnDuty
            } else {
                Duty::OffDuty
            }
        }
        DutyMode::OutsideSecretaryHours { secretary_hours } => {
            if within(secretary_hours, local) {
                Duty::OffDuty
            } else {
                Duty::OnDuty
            }
        }
    }
}

/// Whether a local moment falls in a weekly timetable.
pub fn within(ranges: &[WeeklyRange], local: NaiveDateTime) -> bool {
    use chrono::Datelike;
    let day = local.date().weekday();
    let t = local.time();
    ranges.iter().any(|r| r.day == day && r.start <= t && t < r.end)
}

/// How the practice treats a caller's number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CallerKind {
    /// May interrupt the doctor (a patient followed closely, a hospital, a pharmacy).
    Allowed,
    /// The practice does not take calls from this number.
    Blocked,
}

/// A rule about one number, for the practice or one doctor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallerRule {
    /// Row id.
    pub id: i64,
    /// E.164 number.
    pub phone: String,
    /// Allowed or blocked.
    pub kind: CallerKind,
    /// Who it is ("Pharmacie du marché").
    pub label: String,
    /// The doctor it applies to; `None` for the whole practice.
    pub doctor_id: Option<i64>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn by_phone_a_new_caller_books_only_the_types_open_to_new_patients() {
        let t = |phone_bookable, new_patients| ConsultationType { id: 1, doctor_id: 1, name: "c".into(), duration_minutes: 15, phone_bookable, new_patients };
        assert!(t(true, true).bookable_by_phone(false));
        assert!(t(true, false).bookable_by_phone(true));
        assert!(!t(true, false).bookable_by_phone(false));
        assert!(!t(false, true).bookable_by_phone(true), "staff only");
    }

    #[test]
    fn weekly_ranges_parse_and_refuse_inverted_hours() {
        let r = WeeklyRange::parse("lundi 08:30-12:00").unwrap();
        assert_eq!(r.day, Weekday::Mon);
        assert_eq!(r.to_string(), "lundi 08:30-12:00");
        let e = WeeklyRange::parse("mardi 14:00-09:00").unwrap_err();
        assert!(e.message.contains("avant le début"), "{e}");
        assert!(WeeklyRange::parse("funday 8:00-9:00").is_err());
        assert_eq!(WeeklyRange::parse("ven 8h-12h").unwrap().end, NaiveTime::from_hms_opt(12, 0, 0).unwrap());
    }

    #[test]
    fn overlapping_ranges_are_named() {
        let a = WeeklyRange::parse("lundi 08:00-12:00").unwrap();
        let b = WeeklyRange::parse("lundi 11:00-13:00").unwrap();
        let e = check_timetable("working_hours", &[a, b]).unwrap_err();
        assert_eq!(e.field, "working_hours");
        assert!(e.message.contains("chevauchent"));
    }

    #[test]
    fn duty_follows_mode_and_holidays() {
        let tz = chrono_tz::Europe::Paris;
        // Monday 23 November 2026, 10:00 Paris.
        let now = tz.with_ymd_and_hms(2026, 11, 23, 10, 0, 0).unwrap().with_timezone(&Utc);
        let secretary = vec![WeeklyRange::parse("lundi 09:00-12:00").unwrap()];
        assert_eq!(duty_at(&DutyMode::AlwaysOn, &[], tz, now), Duty::OnDuty);
        assert_eq!(duty_at(&DutyMode::OutsideSecretaryHours { secretary_hours: secretary.clone() }, &[], tz, now), Duty::OffDuty);
        let evening = now + chrono::Duration::hours(8);
        assert_eq!(duty_at(&DutyMode::OutsideSecretaryHours { secretary_hours: secretary }, &[], tz, evening), Duty::OnDuty);
        assert_eq!(duty_at(&DutyMode::OnDemand { on: false }, &[], tz, now), Duty::OffDuty);
        let h = HolidayPeriod {
            id: 1,
            start: NaiveDate::from_ymd_opt(2026, 11, 20).unwrap(),
            end: NaiveDate::from_ymd_opt(2026, 11, 23).unwrap(),
            message: "fermé".into(),
        };
        assert_eq!(duty_at(&DutyMode::AlwaysOn, &[h], tz, now), Duty::Holiday("fermé".into()));
    }
}

/// A practice: the facts the receptionist reads at the start of every call.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Practice {
    /// Row id.
    pub id: i64,
    /// Name said in the greeting.
    pub name: String,
    /// Street address, said with the hours and after a booking.
    pub address: String,
    /// Time zone of every local time of the practice.
    pub timezone: Tz,
    /// Dialled numbers that reach it.
    pub dids: Vec<String>,
    /// Weekly opening hours.
    pub opening_hours: Vec<WeeklyRange>,
    /// Weekly walk-in hours ("consultations libres").
    pub walk_in_hours: Vec<WeeklyRange>,
    /// Dial string of the practice's own phone or secretary, used off duty.
    pub practice_phone: Option<String>,
    /// Where calls go for the remote secretaries (a dialplan extension).
    pub secretaries: Option<String>,
    /// When the receptionist is on duty.
    pub duty: DutyMode,
    /// Cap on future appointments per phone number.
    pub max_future_per_phone: i64,
    /// Instructions for the remote secretaries.
    pub instructions: String,
    /// Calling codes of the countries the practice calls back besides
    /// France (`phone::callback_check`); empty: French numbers only.
    pub callback_countries: Vec<u16>,
    /// Before an appointment is read out or changed, the caller types the
    /// date of birth the practice knows for that number (when it knows one).
    pub verify_birth_date: bool,
}
