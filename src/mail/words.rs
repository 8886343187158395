//! The words of the mails, in French and in English.

use crate::words::catalogue::Lang;
use crate::words::{OUTCOMES_EN, OUTCOMES_FR};

/// Every fixed text of the mails, in one language.
#[derive(Debug)]
pub struct MailWords {
    /// Before an urgent subject.
    pub urgent_tag: &'static str,
    /// A message's subject.
    pub message_subject: &'static str,
    /// Its first line.
    pub message_intro: &'static str,
    /// An urgent call's subject.
    pub urgent_call_subject: &'static str,
    /// Its first line.
    pub urgent_call_intro: &'static str,
    /// The summary's subject.
    pub summary_subject: &'static str,
    /// Its first line.
    pub summary_intro: &'static str,
    /// When.
    pub received: &'static str,
    /// Who.
    pub caller: &'static str,
    /// A withheld number.
    pub withheld: &'static str,
    /// How long.
    pub length: &'static str,
    /// The transcript.
    pub transcript: &'static str,
    /// No transcript (yet).
    pub no_transcript: &'static str,
    /// Why it was handed over.
    pub reason: &'static str,
    /// Calls.
    pub calls: &'static str,
    /// Booked.
    pub booked: &'static str,
    /// Cancelled.
    pub cancelled: &'static str,
    /// Messages.
    pub messages: &'static str,
    /// "urgent".
    pub of_which_urgent: &'static str,
    /// Outcome names (the calls table's, then the words).
    pub outcomes: &'static [(&'static str, &'static str)],
}

impl MailWords {
    /// The words of an outcome of the calls table.
    pub fn outcome<'a>(&self, name: &'a str) -> &'a str {
        crate::words::outcome(self.outcomes, name)
    }
}

static FR: MailWords = MailWords {
    urgent_tag: "[URGENT] ",
    message_subject: "Nouveau message",
    message_intro: "Un patient a laissé un message au cabinet.",
    urgent_call_subject: "Appel urgent passé au secrétariat",
    urgent_call_intro: "Un appel urgent vient d'être passé en priorité aux secrétaires (le patient a entendu le conseil d'appeler le 15 si une vie est en danger).",
    summary_subject: "Résumé du",
    summary_intro: "Ce que la standardiste a fait du",
    received: "Reçu le",
    caller: "Numéro",
    withheld: "masqué",
    length: "Durée",
    transcript: "Transcription (automatique, à vérifier en écoutant l'enregistrement joint)",
    no_transcript: "(pas de transcription: écoutez l'enregistrement joint)",
    reason: "Motif",
    calls: "Appels",
    booked: "Rendez-vous pris",
    cancelled: "Rendez-vous annulés",
    messages: "Messages",
    of_which_urgent: "urgents",
    outcomes: OUTCOMES_FR,
};

static EN: MailWords = MailWords {
    urgent_tag: "[URGENT] ",
    message_subject: "New message",
    message_intro: "A patient left a message for the practice.",
    urgent_call_subject: "Urgent call handed to the secretaries",
    urgent_call_intro: "An urgent call was just handed to the secretaries first (the caller heard the advice to dial 15 if a life is in danger).",
    summary_subject: "Summary of",
    summary_intro: "What the receptionist did from",
    received: "Received",
    caller: "Number",
    withheld: "withheld",
    length: "Length",
    transcript: "Transcript (automatic: check it against the attached recording)",
    no_transcript: "(no transcript: listen to the attached recording)",
    reason: "Reason",
    calls: "Calls",
    booked: "Appointments booked",
    cancelled: "Appointments cancelled",
    messages: "Messages",
    of_which_urgent: "urgent",
    outcomes: OUTCOMES_EN,
};

/// The words of a language.
pub fn for_lang(lang: Lang) -> &'static MailWords {
    match lang {
        Lang::Fr => &FR,
        Lang::En => &EN,
    }
}
