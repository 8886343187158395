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

/// The words of an outcome in a table (the outcome's own name when the table lacks it).
pub fn outcome<'a>(table: &'static [(&'static str, &'static str)], name: &'a str) -> &'a str {
    table.iter().find(|(k, _)| *k == name).map(|(_, v)| *v).unwrap_or(name)
}
