//! What the receptionist says, in French. Every sentence the caller hears is
//! built here, from the practice's facts; nothing medical is ever said.

use chrono::{DateTime, NaiveTime, Utc, Weekday};
use chrono_tz::Tz;

use crate::agenda::{weekday_fr, WeeklyRange};
use crate::speech::french;

/// The advice said at the start of every call, which no key can skip.
pub const EMERGENCY_ADVICE: &str = "Si la vie d'une personne est en danger, raccrochez et composez le 15.";

/// Greeting with the practice's name, then the advice.
pub fn greeting(practice: &str) -> String {
    format!("{practice}, bonjour. {EMERGENCY_ADVICE}")
}

/// The main menu.
pub const MAIN_MENU: &str = "Pour prendre rendez-vous, tapez 1. Pour annuler ou déplacer un rendez-vous, tapez 2. Pour laisser un message au médecin, tapez 3. Pour les horaires et l'adresse du cabinet, tapez 4. Pour une urgence, tapez 9. Pour parler au secrétariat, tapez 0. Pour réécouter, tapez étoile.";

/// Said before the menu to callers the doctor allows.
pub const ALLOWED_PRE_MENU: &str = "Pour parler au docteur, tapez 1. Pour les autres choix, tapez 2.";

/// An invalid key.
pub const INVALID_KEY: &str = "Ce choix n'existe pas.";
/// No key at all.
pub const NO_KEY: &str = "Je n'ai pas entendu de choix.";
/// Handing over to the secretaries.
pub const TO_SECRETARIES: &str = "Je vous passe le secrétariat, merci de patienter.";
/// Key 9.
pub const URGENT: &str = "Si la vie d'une personne est en danger, raccrochez et composez le 15. Sinon, restez en ligne: je vous passe en priorité une secrétaire.";
/// A blocked number.
pub const BLOCKED: &str = "Le cabinet ne peut pas prendre votre appel. Au revoir.";
/// Withheld number, key 2.
pub const WITHHELD_NO_CANCEL: &str = "Votre numéro est masqué: pour annuler ou déplacer un rendez-vous, rappelez sans masquer votre numéro, ou tapez 0 pour le secrétariat.";
/// Record a name.
pub const RECORD_NAME: &str = "Après le bip, dites votre nom et votre prénom, puis tapez dièse.";
/// Record a message.
pub const RECORD_MESSAGE: &str = "Après le bip, laissez votre message, puis tapez dièse.";
/// Keep or redo a message.
pub const KEEP_MESSAGE: &str = "Pour garder votre message, tapez 1. Pour le réenregistrer, tapez 2.";
/// Message stored.
pub const MESSAGE_SAVED: &str = "Votre message est enregistré, le médecin en sera informé. Au revoir.";
/// Nothing recorded.
pub const NOTHING_HEARD: &str = "Je n'ai rien entendu.";
/// Slot taken while the caller chose.
pub const SLOT_TAKEN: &str = "Ce créneau vient d'être pris. Voici d'autres créneaux.";
/// No more appointment to review.
pub const NO_MORE_APPOINTMENTS: &str = "Il n'y a pas d'autre rendez-vous.";
/// No future appointment.
pub const NO_APPOINTMENT: &str = "Je ne trouve aucun rendez-vous à venir pour votre numéro.";
/// Cancelled.
pub const CANCELLED: &str = "Votre rendez-vous est annulé. Au revoir.";
/// The doctor cannot be reached.
pub const DOCTOR_UNAVAILABLE: &str = "Le docteur n'est pas disponible.";
/// The practice's own phone did not answer.
pub const PRACTICE_UNAVAILABLE: &str = "Le cabinet ne peut pas vous répondre pour le moment.";
/// Offer a message when nothing else can be done.
pub const OFFER_MESSAGE: &str = "Pour laisser un message, tapez 1. Sinon, vous pouvez raccrocher.";
/// Goodbye.
pub const GOODBYE: &str = "Au revoir.";
/// Error in the service.
pub const SERVICE_ERROR: &str = "Un problème technique m'empêche de continuer.";

/// "Pour le docteur Martin, tapez 1. …"
pub fn choose(what: &str, names: &[String]) -> String {
    names.iter().enumerate().map(|(i, n)| format!("Pour {what}{n}, tapez {}.", i + 1)).collect::<Vec<_>>().join(" ")
}

/// "Tapez 1 pour …, 2 pour …, 3 pour …, 4 pour d'autres créneaux."
pub fn offer_slots(starts: &[DateTime<Utc>], tz: Tz, now: DateTime<Utc>) -> String {
    let mut parts: Vec<String> = starts.iter().enumerate().map(|(i, s)| format!("{} pour {}", i + 1, french::when(*s, tz, now))).collect();
    parts.push(format!("{} pour d'autres créneaux", starts.len() + 1));
    format!("Tapez {}.", parts.join(", "))
}

/// No slot within the horizon.
pub fn no_slot(days: i64) -> String {
    format!("Il n'y a plus de créneau disponible par téléphone dans les {days} prochains jours.")
}

/// Read-back before booking.
pub fn confirm_booking(when: &str, doctor: &str) -> String {
    format!("Rendez-vous {when} avec le {doctor}. Pour confirmer, tapez 1. Pour choisir un autre créneau, tapez 2.")
}

/// Closing sentence after a booking.
pub fn booked(when: &str, doctor: &str, address: &str) -> String {
    format!("C'est noté: rendez-vous {when} avec le {doctor}, au {address}. Au revoir.")
}

/// One of the caller's appointments, and what can be done with it.
pub fn review_appointment(when: &str, doctor: &str) -> String {
    format!("Rendez-vous {when} avec le {doctor}. Pour l'annuler, tapez 1. Pour le déplacer, tapez 2. Pour le rendez-vous suivant, tapez 3.")
}

/// Confirm a cancellation.
pub fn confirm_cancel(when: &str) -> String {
    format!("Vous annulez le rendez-vous {when}. Pour confirmer, tapez 1. Pour revenir, tapez 2.")
}

/// Moved.
pub fn moved(when: &str, doctor: &str) -> String {
    format!("Votre rendez-vous est déplacé {when} avec le {doctor}. Au revoir.")
}

/// Too many future appointments.
pub fn too_many(max: i64) -> String {
    format!("Votre numéro a déjà {max} rendez-vous à venir: je ne peux pas en prendre un autre par téléphone.")
}

/// Opening hours, walk-in hours and address, from the structured timetables.
pub fn hours(opening: &[WeeklyRange], walk_in: &[WeeklyRange], address: &str) -> String {
    let mut s = String::new();
    if opening.is_empty() {
        s.push_str("Le cabinet n'a pas d'horaires d'ouverture enregistrés. ");
    } else {
        s.push_str(&format!("Le cabinet est ouvert {}. ", timetable(opening)));
    }
    if !walk_in.is_empty() {
        s.push_str(&format!("Consultations libres, sans rendez-vous: {}. ", timetable(walk_in)));
    }
    if !address.trim().is_empty() {
        s.push_str(&format!("Le cabinet se trouve au {address}."));
    }
    s.trim().to_string()
}

/// "du lundi au vendredi de 8 heures à midi 30 et de 14 heures à 19 heures, le samedi de 9 heures à midi"
pub fn timetable(ranges: &[WeeklyRange]) -> String {
    let days = [Weekday::Mon, Weekday::Tue, Weekday::Wed, Weekday::Thu, Weekday::Fri, Weekday::Sat, Weekday::Sun];
    let per_day: Vec<(Weekday, Vec<(NaiveTime, NaiveTime)>)> = days
        .iter()
        .map(|d| {
            let mut r: Vec<_> = ranges.iter().filter(|x| x.day == *d).map(|x| (x.start, x.end)).collect();
            r.sort();
            (*d, r)
        })
        .collect();
    // Group consecutive days with the same hours.
    let mut groups: Vec<(usize, usize)> = Vec::new();
    for i in 0..per_day.len() {
        if per_day[i].1.is_empty() {
            continue;
        }
        match groups.last_mut() {
            Some((_, end)) if *end + 1 == i && per_day[*end].1 == per_day[i].1 => *end = i,
            _ => groups.push((i, i)),
        }
    }
    groups
        .iter()
        .map(|(a, b)| {
            let span = match b - a {
                0 => format!("le {}", weekday_fr::name(per_day[*a].0)),
                1 => format!("le {} et le {}", weekday_fr::name(per_day[*a].0), weekday_fr::name(per_day[*b].0)),
                _ => format!("du {} au {}", weekday_fr::name(per_day[*a].0), weekday_fr::name(per_day[*b].0)),
            };
            let hours = per_day[*a].1.iter().map(|(s, e)| format!("de {} à {}", french::time(*s), french::time(*e))).collect::<Vec<_>>().join(" et ");
            format!("{span} {hours}")
        })
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timetables_group_days_with_the_same_hours() {
        let mut r = Vec::new();
        for d in ["lundi", "mardi", "mercredi", "jeudi", "vendredi"] {
            r.push(WeeklyRange::parse(&format!("{d} 08:00-12:30")).unwrap());
            r.push(WeeklyRange::parse(&format!("{d} 14:00-19:00")).unwrap());
        }
        r.push(WeeklyRange::parse("samedi 09:00-12:00").unwrap());
        assert_eq!(timetable(&r), "du lundi au vendredi de 8 heures à midi 30 et de 14 heures à 19 heures, le samedi de 9 heures à midi");
    }

    #[test]
    fn choices_are_numbered_in_order() {
        assert_eq!(choose("le ", &["docteur Martin".into(), "docteur Bernard".into()]), "Pour le docteur Martin, tapez 1. Pour le docteur Bernard, tapez 2.");
    }
}
