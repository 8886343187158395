//! The names of what a call came to (the calls table's outcomes) in French
//! and English, which the web pages and the mails both show.

/// The outcomes of the calls table, in French.
pub const OUTCOMES_FR: &[(&str, &str)] = &[
    ("booked", "rendez-vous pris"),
    ("cancelled", "rendez-vous annulé"),
    ("moved", "rendez-vous déplacé"),
    ("message", "message laissé"),
    ("info", "horaires et adresse donnés"),
    ("doctor", "passé au médecin"),
    ("secretaries", "passé au secrétariat"),
    ("urgent", "urgence passée au secrétariat"),
    ("callback", "rappel demandé"),
    ("practice_phone", "renvoyé au cabinet"),
    ("refused", "numéro bloqué"),
    ("abandoned", "raccroché"),
    ("unrouted", "numéro non attribué"),
    ("handled", "traité par une secrétaire"),
    ("information", "renseignement donné"),
    ("put_through", "passé au cabinet"),
    ("other", "autre"),
];

/// The outcomes of the calls table, in English.
pub const OUTCOMES_EN: &[(&str, &str)] = &[
    ("booked", "appointment booked"),
    ("cancelled", "appointment cancelled"),
    ("moved", "appointment moved"),
    ("message", "message left"),
    ("info", "hours and address given"),
    ("doctor", "put through to the doctor"),
    ("secretaries", "handed to the secretaries"),
    ("urgent", "urgent, handed to the secretaries"),
    ("callback", "call-back asked"),
    ("practice_phone", "sent to the practice's phone"),
    ("refused", "blocked number"),
    ("abandoned", "hung up"),
    ("unrouted", "number not assigned"),
    ("handled", "handled by a secretary"),
    ("information", "information given"),
    ("put_through", "put through to the practice"),
    ("other", "other"),
];

/// Why calls went to a human (`Handover::as_str`), in French.
pub const HANDOVERS_FR: &[(&str, &str)] = &[
    ("asked", "demandé par l'appelant"),
    ("urgent", "urgence"),
    ("no_answer", "pas de réponse"),
    ("wrong_keys", "touches invalides"),
    ("unidentified", "date de naissance non reconnue"),
    ("not_bookable", "rien de réservable par téléphone"),
    ("agenda_refused", "refusé par l'agenda"),
    ("service_error", "erreur du service"),
    ("off_duty", "hors des heures du standard virtuel"),
    ("allowed_caller", "appelant autorisé, passé au médecin"),
    ("unknown", "non précisé"),
];

/// Why calls went to a human, in English.
pub const HANDOVERS_EN: &[(&str, &str)] = &[
    ("asked", "asked by the caller"),
    ("urgent", "urgent"),
    ("no_answer", "no answer"),
    ("wrong_keys", "wrong keys"),
    ("unidentified", "date of birth not recognised"),
    ("not_bookable", "nothing bookable by phone"),
    ("agenda_refused", "refused by the agenda"),
    ("service_error", "service error"),
    ("off_duty", "outside the receptionist's hours"),
    ("allowed_caller", "allowed caller, put through to the doctor"),
    ("unknown", "not recorded"),
];

/// The words of an outcome in a table (the outcome's own name when the table lacks it).
pub fn outcome<'a>(table: &'static [(&'static str, &'static str)], name: &'a str) -> &'a str {
    table.iter().find(|(k, _)| *k == name).map(|(_, v)| *v).unwrap_or(name)
}
