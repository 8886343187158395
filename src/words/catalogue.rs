//! Every sentence the receptionist says, per language, in one place. A key
//! names a sentence; its text may hold `{placeholders}` filled at call time.
//! French is the product's language; English sits beside it to show that a
//! second language is a translation of this table, not a change of code: the
//! dates and times are worded from entries of the table too.

use std::collections::HashMap;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

/// A language of the catalogue.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    /// French (the default).
    #[default]
    Fr,
    /// English.
    En,
}

impl Lang {
    /// The espeak-ng voice for this language.
    pub fn voice(self) -> &'static str {
        match self {
            Lang::Fr => "fr",
            Lang::En => "en",
        }
    }
}

/// The name of a sentence of the catalogue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Key(pub &'static str);

/// (key, French, English).
pub const ENTRIES: &[(&str, &str, &str)] = &[
    ("advice", "Si la vie d'une personne est en danger, raccrochez et composez le 15.", "If someone's life is in danger, hang up and dial 15."),
    ("greeting", "{practice}, bonjour. {advice}", "{practice}, hello. {advice}"),
    (
        "menu.main",
        "Pour un rendez-vous, tapez 1. Pour annuler ou déplacer, 2. Un message au médecin, 3. Horaires et adresse, 4. Urgence, 9. Secrétariat, 0.",
        "To book, press 1. Cancel or move, 2. Message for the doctor, 3. Hours and address, 4. Emergency, 9. Secretaries, 0.",
    ),
    (
        "menu.silent",
        "Pour un rendez-vous, tapez 1. Sinon, restez en ligne: je vous passe le secrétariat.",
        "To book, press 1. Otherwise, stay on the line: I will put you through to the secretaries.",
    ),
    ("anything_else", "Pour autre chose, tapez étoile.", "For anything else, press star."),
    ("menu.allowed", "Pour parler au docteur, tapez 1. Pour les autres choix, tapez 2.", "To speak to the doctor, press 1. For other choices, press 2."),
    ("key.invalid", "Ce choix n'existe pas.", "That choice does not exist."),
    ("key.none", "Je n'ai pas entendu de choix.", "I did not hear a choice."),
    ("to_secretaries", "Je vous passe le secrétariat, merci de patienter.", "I am putting you through to the secretaries, please hold."),
    (
        "urgent",
        "Si la vie d'une personne est en danger, raccrochez et composez le 15. Sinon, restez en ligne: je vous passe en priorité une secrétaire.",
        "If someone's life is in danger, hang up and dial 15. Otherwise, stay on the line: I am putting you through to a secretary first.",
    ),
    ("blocked", "Le cabinet ne peut pas prendre votre appel. Au revoir.", "The practice cannot take your call. Goodbye."),
    (
        "withheld_no_cancel",
        "Votre numéro est masqué: pour annuler ou déplacer un rendez-vous, rappelez sans masquer votre numéro, ou tapez 0 pour le secrétariat.",
        "Your number is withheld: to cancel or move an appointment, call again without withholding your number, or press 0 for the secretaries.",
    ),
    ("record.name", "Après le bip, dites votre nom et votre prénom, puis tapez dièse.", "After the beep, say your surname and first name, then press hash."),
    ("record.message", "Après le bip, laissez votre message, puis tapez dièse.", "After the beep, leave your message, then press hash."),
    ("message.keep", "Pour garder votre message, tapez 1. Pour le réenregistrer, tapez 2.", "To keep your message, press 1. To record it again, press 2."),
    ("message.saved", "Votre message est enregistré, le médecin en sera informé. Au revoir.", "Your message is recorded, the doctor will be told. Goodbye."),
    ("nothing_heard", "Je n'ai rien entendu.", "I did not hear anything."),
    ("slot.taken", "Ce créneau vient d'être pris. Voici d'autres créneaux.", "This slot has just been taken. Here are other slots."),
    ("appointments.no_more", "Il n'y a pas d'autre rendez-vous.", "There is no other appointment."),
    ("appointments.none", "Je ne trouve aucun rendez-vous à venir pour votre numéro.", "I find no upcoming appointment for your number."),
    ("cancelled", "Votre rendez-vous est annulé.", "Your appointment is cancelled."),
    ("doctor.unavailable", "Le docteur n'est pas disponible.", "The doctor is not available."),
    ("doctor.put_through", "Je vous passe le docteur.", "I am putting you through to the doctor."),
    ("practice.unavailable", "Le cabinet ne peut pas vous répondre pour le moment.", "The practice cannot answer you at the moment."),
    ("offer_message", "Pour laisser un message, tapez 1. Sinon, vous pouvez raccrocher.", "To leave a message, press 1. Otherwise, you may hang up."),
    ("goodbye", "Au revoir.", "Goodbye."),
    ("speech.invite", "Vous pouvez aussi dire ce que vous souhaitez, après le bip.", "You may also say what you would like, after the beep."),
    (
        "speech.expected",
        "rendez-vous, annuler, déplacer, message, horaires, urgence, secrétariat",
        "appointment, cancel, move, message, hours, emergency, secretaries",
    ),
    ("speech.not_understood", "Je n'ai pas compris.", "I did not understand."),
    (
        "speech.readback",
        "Vous avez demandé: {choice}. Pour confirmer, tapez 1. Pour revenir au menu, tapez 2.",
        "You asked for: {choice}. To confirm, press 1. To go back to the menu, press 2.",
    ),
    ("choice.book", "prendre rendez-vous", "booking an appointment"),
    ("choice.cancel", "annuler ou déplacer un rendez-vous", "cancelling or moving an appointment"),
    ("choice.message", "laisser un message", "leaving a message"),
    ("choice.hours", "les horaires et l'adresse", "the hours and the address"),
    ("choice.urgent", "une urgence", "an emergency"),
    ("choice.secretaries", "parler au secrétariat", "speaking to the secretaries"),
    ("service_error", "Un problème technique m'empêche de continuer.", "A technical problem stops me from going on."),
    ("choose.item", "Pour {what}, tapez {n}.", "For {what}, press {n}."),
    (
        "booking.same_as_last",
        "Avec le {doctor}, pour {type}, comme la dernière fois, tapez 1. Pour un autre choix, tapez 2.",
        "With {doctor}, for {type}, as last time, press 1. For another choice, press 2.",
    ),
    ("choose.doctor", "Pour le {what}, tapez {n}.", "For {what}, press {n}."),
    ("slots.first", "Tapez {n} pour {when},", "Press {n} for {when},"),
    ("slots.item", "{n} pour {when},", "{n} for {when},"),
    ("slots.more", "{n} pour d'autres créneaux.", "{n} for other slots."),
    ("slots.only_more", "Tapez {n} pour d'autres créneaux.", "Press {n} for other slots."),
    (
        "slots.none",
        "Il n'y a plus de créneau disponible par téléphone dans les {days} prochains jours.",
        "There is no slot left to book by phone in the next {days} days.",
    ),
    ("slots.no_other", "Il n'y a pas d'autre créneau dans les {days} prochains jours.", "There is no other slot in the next {days} days."),
    (
        "booking.confirm",
        "Rendez-vous {when} avec le {doctor}. Pour confirmer, tapez 1. Pour choisir un autre créneau, tapez 2.",
        "Appointment {when} with {doctor}. To confirm, press 1. To choose another slot, press 2.",
    ),
    (
        "booking.done",
        "C'est noté: rendez-vous {when} avec le {doctor}, au {address}. {goodbye}",
        "Noted: appointment {when} with {doctor}, at {address}. {goodbye}",
    ),
    (
        "appointment.review",
        "Rendez-vous {when} avec le {doctor}. Pour l'annuler, tapez 1. Pour le déplacer, tapez 2. Pour le rendez-vous suivant, tapez 3.",
        "Appointment {when} with {doctor}. To cancel it, press 1. To move it, press 2. For the next appointment, press 3.",
    ),
    (
        "appointment.confirm_cancel",
        "Vous annulez le rendez-vous {when}. Pour confirmer, tapez 1. Pour revenir, tapez 2.",
        "You are cancelling the appointment {when}. To confirm, press 1. To go back, press 2.",
    ),
    ("appointment.moved", "Votre rendez-vous est déplacé {when} avec le {doctor}. {goodbye}", "Your appointment is moved to {when} with {doctor}. {goodbye}"),
    (
        "booking.too_many",
        "Votre numéro a déjà {max} rendez-vous à venir: je ne peux pas en prendre un autre par téléphone.",
        "Your number already has {max} upcoming appointments: I cannot book another one by phone.",
    ),
    ("hours.open", "Le cabinet est ouvert {timetable}.", "The practice is open {timetable}."),
    ("hours.none", "Le cabinet n'a pas d'horaires d'ouverture enregistrés.", "The practice has no opening hours on record."),
    ("hours.walk_in", "Consultations libres, sans rendez-vous: {timetable}.", "Walk-in consultations, without an appointment: {timetable}."),
    ("hours.address", "Le cabinet se trouve au {address}.", "The practice is at {address}."),
    ("timetable.one", "le {day} {hours}", "on {day} {hours}"),
    ("timetable.two", "le {first} et le {last} {hours}", "on {first} and {last} {hours}"),
    ("timetable.range", "du {first} au {last} {hours}", "from {first} to {last} {hours}"),
    ("timetable.hours", "de {start} à {end}", "from {start} to {end}"),
    ("timetable.and", " et ", " and "),
    ("when.today", "aujourd'hui à {time}", "today at {time}"),
    ("when.tomorrow", "demain à {time}", "tomorrow at {time}"),
    ("when.date", "le {date} à {time}", "on {date} at {time}"),
    ("date.this_year", "{weekday} {day} {month}", "{weekday} {day} {month}"),
    ("date.other_year", "{weekday} {day} {month} {year}", "{weekday} {day} {month} {year}"),
    ("date.first", "1er", "1"),
    ("time.h", "{h} heures", "{h} o'clock"),
    ("time.hm", "{h} heures {mm}", "{h}:{mm}"),
    ("time.one", "1 heure", "1 o'clock"),
    ("time.one_m", "1 heure {mm}", "1:{mm}"),
    ("time.noon", "midi", "noon"),
    ("time.noon_m", "midi {mm}", "12:{mm}"),
    ("time.midnight", "minuit", "midnight"),
    ("time.midnight_m", "minuit {mm}", "0:{mm}"),
    ("day.0", "lundi", "Monday"),
    ("day.1", "mardi", "Tuesday"),
    ("day.2", "mercredi", "Wednesday"),
    ("day.3", "jeudi", "Thursday"),
    ("day.4", "vendredi", "Friday"),
    ("day.5", "samedi", "Saturday"),
    ("day.6", "dimanche", "Sunday"),
    ("month.0", "janvier", "January"),
    ("month.1", "février", "February"),
    ("month.2", "mars", "March"),
    ("month.3", "avril", "April"),
    ("month.4", "mai", "May"),
    ("month.5", "juin", "June"),
    ("month.6", "juillet", "July"),
    ("month.7", "août", "August"),
    ("month.8", "septembre", "September"),
    ("month.9", "octobre", "October"),
    ("month.10", "novembre", "November"),
    ("month.11", "décembre", "December"),
    (
        "queue.position",
        "Vous êtes en position {position} dans la file d'attente. Temps d'attente estimé: environ {minutes} minutes.",
        "You are number {position} in the queue. Estimated wait: about {minutes} minutes.",
    ),
    ("queue.next", "Vous êtes le prochain appel. Une secrétaire va vous répondre.", "You are next in line. A secretary will answer you shortly."),
    ("queue.nobody", "Aucune secrétaire ne peut vous répondre pour le moment.", "No secretary can answer you at the moment."),
    ("queue.too_long", "L'attente est plus longue que prévu.", "The wait is longer than expected."),
    (
        "queue.offer",
        "Pour laisser un message au cabinet, tapez 1. Pour être rappelé à ce numéro, tapez 2.",
        "To leave a message for the practice, press 1. To be called back on this number, press 2.",
    ),
    ("queue.offer_message", "Pour laisser un message au cabinet, tapez 1.", "To leave a message for the practice, press 1."),
    (
        "callback.saved",
        "Votre demande de rappel est enregistrée: une secrétaire vous rappellera. Au revoir.",
        "Your call-back request is recorded: a secretary will call you back. Goodbye.",
    ),
    (
        "birth.ask",
        "Pour votre sécurité, tapez votre date de naissance: deux chiffres pour le jour, deux pour le mois, deux pour l'année.",
        "For your security, type your date of birth: two digits for the day, two for the month, two for the year.",
    ),
    ("birth.wrong", "Cette date ne correspond pas.", "This date does not match."),
    (
        "callback.refused",
        "Nous ne pouvons pas vous rappeler à ce numéro. Laissez plutôt un message au cabinet.",
        "We cannot call you back on this number. Please leave a message for the practice instead.",
    ),
    ("secretary.announce", "Appel pour {practice}. Motif: {reason}.", "Call for {practice}. Reason: {reason}."),
    ("secretary.urgent", "Appel urgent pour {practice}. Motif: {reason}.", "Urgent call for {practice}. Reason: {reason}."),
    ("secretary.callback", "Rappel d'un patient pour {practice}. Motif: {reason}.", "Calling a patient back for {practice}. Reason: {reason}."),
];

fn table() -> &'static HashMap<&'static str, (&'static str, &'static str)> {
    static TABLE: OnceLock<HashMap<&'static str, (&'static str, &'static str)>> = OnceLock::new();
    TABLE.get_or_init(|| ENTRIES.iter().map(|(k, fr, en)| (*k, (*fr, *en))).collect())
}

/// The text of `key` in `lang`. A key missing from the table reads as itself
/// (the catalogue test makes sure none is).
pub fn text(lang: Lang, key: Key) -> &'static str {
    match table().get(key.0) {
        Some((fr, en)) => match lang {
            Lang::Fr => fr,
            Lang::En => en,
        },
        None => key.0,
    }
}

/// The text of `key` with its `{placeholders}` filled.
pub fn fill(lang: Lang, key: Key, args: &[(&str, &str)]) -> String {
    fill_text(text(lang, key), args)
}

/// A text (a catalogue's, or part of one) with its `{placeholders}` filled.
pub fn fill_text(text: &str, args: &[(&str, &str)]) -> String {
    let mut out = text.to_string();
    for (name, value) in args {
        out = out.replace(&format!("{{{name}}}"), value);
    }
    out
}

/// The whole sentences of the catalogue that need no value: what can be
/// pre-rendered (and, later, replaced by a practice's own recording).
pub fn static_sentences() -> impl Iterator<Item = Key> {
    const FRAGMENTS: [&str; 7] = ["day.", "month.", "time.", "date.", "timetable.", "when.", "choice."];
    ENTRIES.iter().filter(|(k, fr, _)| placeholders(fr).is_empty() && !FRAGMENTS.iter().any(|f| k.starts_with(f))).map(|(k, _, _)| Key(k))
}

/// The placeholders of a text, sorted.
pub fn placeholders(text: &str) -> Vec<&str> {
    let mut out: Vec<&str> = text.split('{').skip(1).filter_map(|s| s.split_once('}').map(|(name, _)| name)).collect();
    out.sort();
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_has_a_french_and_an_english_text_with_the_same_placeholders() {
        let mut seen = std::collections::HashSet::new();
        for (key, fr, en) in ENTRIES {
            assert!(seen.insert(key), "key {key} twice");
            assert!(!fr.trim().is_empty(), "{key}: empty French text");
            assert!(!en.trim().is_empty(), "{key}: empty English text");
            assert_eq!(placeholders(fr), placeholders(en), "{key}: the translations fill different placeholders");
        }
    }

    #[test]
    fn filling_replaces_every_placeholder() {
        let s = fill(Lang::Fr, Key("booking.confirm"), &[("when", "demain à 9 heures"), ("doctor", "docteur martin")]);
        assert_eq!(s, "Rendez-vous demain à 9 heures avec le docteur martin. Pour confirmer, tapez 1. Pour choisir un autre créneau, tapez 2.");
        let s = fill(Lang::En, Key("booking.confirm"), &[("when", "tomorrow at 9 o'clock"), ("doctor", "Doctor Martin")]);
        assert!(s.starts_with("Appointment tomorrow at 9 o'clock with Doctor Martin."));
        assert!(placeholders(&s).is_empty());
    }
}
