//! The demo practice `make run` starts with: "Cabinet médical des Tilleuls",
//! reachable at dialled number 1000, two doctors with realistic hours and
//! consultation types, a few appointments, one allowed correspondent.

use chrono::{DateTime, Datelike, Duration, TimeZone, Utc, Weekday};
use chrono_tz::Europe::Paris;

use crate::agenda::{CallerKind, DutyMode, Source, WeeklyRange};

use super::booking::BookingRequest;
use super::db::{Db, StoreError};
use super::practices::{PracticeField, PracticeHours};

/// The demo practice's name.
pub const DEMO_PRACTICE: &str = "Cabinet médical des Tilleuls";
/// Its dialled number.
pub const DEMO_DID: &str = "1000";

fn ranges(spec: &[&str]) -> Result<Vec<WeeklyRange>, StoreError> {
    spec.iter().map(|s| WeeklyRange::parse(s).map_err(StoreError::from)).collect()
}

/// Create the demo practice unless a practice of that name exists. Returns its id.
pub fn seed(db: &mut Db, now: DateTime<Utc>) -> Result<i64, StoreError> {
    if let Ok(id) = db.practice_id(DEMO_PRACTICE) {
        return Ok(id);
    }
    let id = db.create_practice(DEMO_PRACTICE, "12 rue des Tilleuls, 69003 Lyon", Paris)?;
    db.add_did(id, DEMO_DID)?;
    let week = |am: &str, pm: &str| -> Vec<String> {
        ["lundi", "mardi", "mercredi", "jeudi", "vendredi"].iter().flat_map(|d| [format!("{d} {am}"), format!("{d} {pm}")]).collect()
    };
    let opening: Vec<String> = week("08:00-12:30", "14:00-19:00");
    db.set_practice_hours(id, PracticeHours::Opening, &ranges(&opening.iter().map(String::as_str).collect::<Vec<_>>())?)?;
    db.set_practice_hours(id, PracticeHours::WalkIn, &ranges(&["lundi 08:00-10:00", "mercredi 08:00-10:00", "vendredi 17:00-19:00"])?)?;
    db.set_practice_field(id, PracticeField::PracticePhone, Some("user/1010"))?;
    db.set_practice_field(id, PracticeField::Secretaries, Some("secretariat"))?;
    db.set_practice_field(id, PracticeField::Instructions, Some("Pas de conseil médical. Renouvellements d'ordonnance: laisser un message au médecin."))?;
    db.set_duty(id, &DutyMode::AlwaysOn)?;

    let martin = db.add_doctor(id, "Docteur Claire Martin")?;
    let martin_hours: Vec<String> =
        ["lundi", "mardi", "jeudi", "vendredi"].iter().flat_map(|d| [format!("{d} 08:30-12:00"), format!("{d} 14:00-18:30")]).collect();
    db.set_working_hours(martin, &ranges(&martin_hours.iter().map(String::as_str).collect::<Vec<_>>())?)?;
    db.set_booking_rules(martin, Some(60), Some(30), Some(Some("user/1011")))?;
    db.set_doctor_instructions(martin, "Urgences du jour: les proposer à 11 h 40 ou 18 h 10.")?;
    let consult = db.add_type(martin, "consultation", 20, true, true)?;
    db.add_type(martin, "suivi de grossesse", 30, true, false)?;
    db.add_type(martin, "petite chirurgie", 40, false, false)?;

    let bernard = db.add_doctor(id, "Docteur Paul Bernard")?;
    let bernard_hours: Vec<String> = ["lundi", "mercredi", "jeudi", "vendredi"]
        .iter()
        .flat_map(|d| [format!("{d} 09:00-12:30"), format!("{d} 15:00-19:00")])
        .chain(["samedi 09:00-12:00".to_string()])
        .collect();
    db.set_working_hours(bernard, &ranges(&bernard_hours.iter().map(String::as_str).collect::<Vec<_>>())?)?;
    db.set_booking_rules(bernard, Some(120), Some(21), Some(Some("user/1012")))?;
    let consult_b = db.add_type(bernard, "consultation", 15, true, true)?;
    db.add_type(bernard, "certificat de sport", 15, true, true)?;

    db.set_caller_rule(id, Some(martin), "04 72 11 22 33", CallerKind::Allowed, "Hôpital Édouard-Herriot, service de cardiologie")?;
    db.set_caller_rule(id, None, "06 99 99 99 99", CallerKind::Blocked, "Démarchage")?;

    // A few appointments on the next working days, taken by staff (each
    // doctor on the days they work: the practice books inside the hours).
    let mut day = now.with_timezone(&Paris).date_naive();
    let mut placed = 0;
    for _ in 0..60 {
        if placed >= 4 {
            break;
        }
        day = day.succ_opt().unwrap_or(day);
        if matches!(day.weekday(), Weekday::Sat | Weekday::Sun | Weekday::Wed) {
            continue;
        }
        for (doctor, ty, h, m, who, phone) in
            [(martin, consult, 8, 30, "Mme Lefèvre", "06 12 34 56 78"), (bernard, consult_b, 9, 0, "M. Garcia", "06 55 44 33 22")]
        {
            let Some(start) = Paris.with_ymd_and_hms(day.year(), day.month(), day.day(), h, m, 0).single() else { continue };
            let req = BookingRequest {
                doctor_id: doctor,
                type_id: ty,
                start: start.with_timezone(&Utc),
                patient_name: who.to_string(),
                phone: crate::agenda::phone::normalize(phone).ok(),
                name_recording: None,
                source: Source::Staff,
                now: now - Duration::days(1),
            };
            if db.book(&req)?.is_ok() {
                placed += 1;
            }
        }
    }
    Ok(id)
}
