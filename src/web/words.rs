//! The words of the web pages, in French and in English: data, apart from
//! the code that lays the pages out. One line a text, both languages side
//! by side, so that a translation is checked at a glance.

/// Declares [`Words`] and its two tables from `name: "français", "English";` lines.
macro_rules! words {
    ($($name:ident: $fr:literal, $en:literal;)*) => {
        /// Every fixed text of the pages, in one language.
        #[derive(Debug)]
        pub struct Words {
            /// `fr` or `en`.
            pub lang: &'static str,
            /// The other language, for the switch link.
            pub other_lang: &'static str,
            /// Its name, in itself.
            pub other_lang_name: &'static str,
            /// Day names, Monday first.
            pub days: [&'static str; 7],
            /// The calls table's outcomes.
            pub outcomes: &'static [(&'static str, &'static str)],
            /// Why calls went to a human.
            pub handovers: &'static [(&'static str, &'static str)],
            $(
                #[doc = $fr]
                pub $name: &'static str,
            )*
        }

        /// French.
        pub static FR: Words = Words {
            lang: "fr",
            other_lang: "en",
            other_lang_name: "English",
            days: ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"],
            outcomes: crate::words::OUTCOMES_FR,
            handovers: crate::words::HANDOVERS_FR,
            $($name: $fr,)*
        };

        /// English.
        pub static EN: Words = Words {
            lang: "en",
            other_lang: "fr",
            other_lang_name: "Français",
            days: ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"],
            outcomes: crate::words::OUTCOMES_EN,
            handovers: crate::words::HANDOVERS_EN,
            $($name: $en,)*
        };
    };
}

words! {
    nav: "Navigation", "Navigation";
    logout: "Se déconnecter", "Log out";
    login_title: "Connexion", "Log in";
    login_label: "Identifiant", "Login";
    password_label: "Mot de passe", "Password";
    login_button: "Se connecter", "Log in";
    login_wrong: "Identifiant ou mot de passe incorrect.", "Wrong login or password.";
    login_locked: "Trop d'essais: la connexion est bloquée pour quelques minutes.", "Too many tries: logging in is blocked for a few minutes.";
    login_expired: "Le formulaire a expiré: recommencez.", "The form has expired: try again.";
    account_title: "Mon compte", "My account";
    role_label: "Rôle", "Role";
    practices_label: "Cabinets", "Practices";
    role_admin: "administrateur", "administrator";
    role_staff: "cabinet (médecin ou assistant)", "practice (doctor or assistant)";
    role_secretary: "secrétaire", "secretary";
    password_change: "Changer le mot de passe", "Change the password";
    password_current: "Mot de passe actuel", "Current password";
    password_new: "Nouveau mot de passe (10 caractères au moins)", "New password (at least 10 characters)";
    password_changed: "Mot de passe changé; vos autres sessions sont fermées.", "Password changed; your other sessions are closed.";
    password_too_short: "Le nouveau mot de passe doit avoir au moins 10 caractères.", "The new password needs at least 10 characters.";
    error_generic: "Une erreur est survenue; réessayez.", "Something went wrong; try again.";
    nav_today: "Aujourd'hui", "Today";
    nav_agenda: "Agenda", "Agenda";
    nav_messages: "Messages", "Messages";
    nav_settings: "Réglages", "Settings";
    nav_voice: "Voix", "Voice";
    nav_figures: "Chiffres", "Figures";
    figures_title: "Chiffres", "Figures";
    figures_period: "Les 30 derniers jours", "The last 30 days";
    figures_alone: "finis sans humain", "finished without a human";
    figures_handed: "transmis (secrétariat, médecin, cabinet)", "handed over (secretaries, doctor, practice)";
    figures_urgent: "urgents", "urgent";
    figures_abandoned: "raccrochés avant la fin", "hung up before the end";
    figures_wait: "attente moyenne au secrétariat", "average wait for the secretaries";
    figures_longest: "au plus", "at most";
    figures_saved: "économisés", "saved";
    figures_saved_help: "les appels finis sans humain, au prix d'un appel de télésecrétariat", "the calls finished without a human, at a télésecrétariat's price per call";
    figures_by_day: "Appels par jour", "Calls per day";
    figures_by_hour: "Appels par heure de la journée", "Calls by hour of the day";
    figures_busiest: "Heures les plus chargées", "Busiest hours";
    figures_why: "Pourquoi transmis", "Why handed over";
    figures_day: "Jour", "Day";
    nav_practice: "Cabinet", "Practice";
    choose: "Afficher", "Show";
    save: "Enregistrer", "Save";
    add: "Ajouter", "Add";
    remove: "Retirer", "Remove";
    saved: "Enregistré: l'appel suivant en tient compte.", "Saved: the next call follows it.";
    today_title: "Aujourd'hui", "Today";
    since_yesterday: "Depuis hier à cette heure", "Since this time yesterday";
    calls: "Appels", "Calls";
    booked_count: "Rendez-vous pris", "Appointments booked";
    cancelled_count: "Rendez-vous annulés", "Appointments cancelled";
    messages_count: "Messages", "Messages";
    urgent_first: "Urgent", "Urgent";
    no_calls: "Aucun appel.", "No call.";
    col_time: "Heure", "Time";
    col_caller: "Numéro", "Number";
    col_outcome: "Issue", "Outcome";
    col_detail: "Détail", "Detail";
    col_doctor: "Médecin", "Doctor";
    col_patient: "Patient", "Patient";
    col_type: "Motif", "Type";
    next_appointments: "Prochains rendez-vous", "Next appointments";
    no_appointments: "Aucun rendez-vous.", "No appointment.";
    mails_waiting: "Mails en attente d'envoi", "Mails waiting to be sent";
    withheld: "masqué", "withheld";
    by_secretaries: "Traités par les secrétaires", "Handled by the secretaries";
    agenda_title: "Agenda", "Agenda";
    doctor: "Médecin", "Doctor";
    week_of: "Semaine du", "Week of";
    prev_week: "← Semaine précédente", "← Previous week";
    next_week: "Semaine suivante →", "Next week →";
    working_hours: "Consultations", "Working hours";
    not_working: "Pas de consultation", "No consultations";
    holiday: "Fermeture", "Closed";
    absence: "Absence", "Absence";
    by_phone: "par téléphone", "by phone";
    by_staff: "par le cabinet", "by the practice";
    cancelled_badge: "annulé", "cancelled";
    name_recorded: "Nom enregistré", "Recorded name";
    move_label: "Déplacer", "Move";
    cancel: "Annuler le rendez-vous", "Cancel the appointment";
    book_title: "Prendre un rendez-vous", "Book an appointment";
    type_label: "Motif", "Type";
    date: "Date", "Date";
    time: "Heure", "Time";
    patient_name: "Nom du patient", "Patient's name";
    patient_phone: "Téléphone du patient", "Patient's phone";
    book_button: "Réserver", "Book";
    booked_ok: "Rendez-vous réservé.", "Appointment booked.";
    moved_ok: "Rendez-vous déplacé.", "Appointment moved.";
    cancelled_ok: "Rendez-vous annulé.", "Appointment cancelled.";
    slot_taken: "Ce créneau est déjà pris: choisissez-en un autre.", "This slot is already taken: choose another.";
    free_slots: "Prochains créneaux libres", "Next free slots";
    absence_title: "Ajouter une absence", "Add an absence";
    absence_start: "Début", "Start";
    absence_end: "Fin", "End";
    absence_reason: "Motif", "Reason";
    absence_added: "Absence ajoutée: ces créneaux ne sont plus proposés.", "Absence added: these slots are no longer offered.";
    absence_removed: "Absence retirée.", "Absence removed.";
    feed_title: "Agenda dans Outlook, Google, Apple", "Agenda in Outlook, Google, Apple";
    feed_none: "Aucun abonnement pour ce médecin.", "No feed for this doctor.";
    feed_active: "Lien d'abonnement actif depuis le", "Feed active since";
    feed_create: "Créer un lien d'abonnement", "Make a feed link";
    feed_renew: "Nouveau lien (l'ancien cesse de marcher)", "New link (the old one stops working)";
    feed_revoke: "Supprimer le lien", "Remove the link";
    feed_new: "Copiez ce lien dans votre agenda (« s'abonner à un calendrier »); il ne sera plus affiché:", "Copy this link into your calendar (\"subscribe to a calendar\"); it will not be shown again:";
    subs_title: "Agendas externes (heures occupées jamais proposées)", "External calendars (busy times never offered)";
    subs_url: "Adresse iCalendar (https://…)", "iCalendar address (https://…)";
    subs_add: "S'abonner", "Subscribe";
    subs_fetched: "lu le", "read on";
    subs_busy: "périodes occupées", "busy periods";
    subs_error: "erreur", "error";
    settings_title: "Réglages", "Settings";
    hours_title: "Horaires", "Hours";
    opening_hours: "Heures d'ouverture", "Opening hours";
    walk_in_hours: "Consultations libres (sans rendez-vous)", "Walk-in hours";
    hours_help: "Une plage par ligne, ex. « lundi 08:30-12:00 ».", "One range per line, e.g. \"lundi 08:30-12:00\".";
    address: "Adresse", "Address";
    practice_name: "Nom du cabinet (dit à l'accueil)", "The practice's name (said in the greeting)";
    doctor_hours: "Heures de consultation du médecin", "The doctor's working hours";
    types_title: "Motifs de consultation", "Consultation types";
    type_name: "Nom", "Name";
    duration: "Durée (min)", "Length (min)";
    phone_bookable: "Réservable par téléphone", "Bookable by phone";
    new_patients: "Nouveaux patients", "New patients";
    rules_title: "Règles de réservation", "Booking rules";
    min_notice: "Délai minimum (minutes)", "Minimum notice (minutes)";
    horizon: "Horizon (jours)", "Horizon (days)";
    max_future: "Rendez-vous à venir par numéro", "Upcoming appointments per number";
    duty_title: "Quand la standardiste répond", "When the receptionist answers";
    duty_always: "Toujours", "Always";
    duty_outside: "En dehors des heures du secrétariat du cabinet", "Outside the practice secretary's hours";
    duty_on_demand: "À la demande", "On demand";
    duty_on: "En service", "On";
    secretary_hours: "Heures du secrétariat du cabinet", "The practice secretary's hours";
    holidays_title: "Fermetures", "Holidays";
    holiday_start: "Premier jour", "First day";
    holiday_end: "Dernier jour", "Last day";
    holiday_message: "Message aux patients", "Message to callers";
    callers_title: "Appelants autorisés et bloqués", "Allowed and blocked callers";
    caller_phone: "Numéro", "Number";
    caller_kind: "Règle", "Rule";
    caller_allowed: "autorisé (passé au médecin)", "allowed (put through)";
    caller_blocked: "bloqué", "blocked";
    caller_label: "Qui", "Who";
    instructions_title: "Consignes aux secrétaires", "Instructions for the secretaries";
    instructions_practice: "Consignes du cabinet", "The practice's instructions";
    instructions_doctor: "Consignes du médecin", "The doctor's instructions";
    dids_title: "Numéros du cabinet", "The practice's numbers";
    dids_admin_only: "Les numéros sont ajoutés par l'administrateur du standard.", "Numbers are added by the switch's administrator.";
    mail_title: "Prévenir le cabinet par mail", "Mail to the practice";
    emails: "Adresses (séparées par des virgules)", "Addresses (comma-separated)";
    summary_hour: "Heure du résumé quotidien (0-23, vide: aucun)", "Hour of the daily summary (0-23, empty: none)";
    messages_title: "Messages", "Messages";
    no_messages: "Aucun message.", "No message.";
    received: "Reçu le", "Received";
    length: "Durée", "Length";
    transcript: "Transcription", "Transcript";
    no_transcript: "Pas encore de transcription.", "No transcript yet.";
    call_back: "Rappeler", "Call back";
    mark_handled: "Marquer comme traité", "Mark as handled";
    mark_unhandled: "Remettre à traiter", "Mark as not handled";
    handled_by: "Traité par", "Handled by";
    urgent: "URGENT", "URGENT";
    voice_title: "Voix de la standardiste", "The receptionist's voice";
    voice_help: "Chaque phrase fixe peut être remplacée par votre propre enregistrement: envoyez un fichier, ou enregistrez-la ici.", "Every fixed sentence can be replaced by your own recording: upload a file, or record it here.";
    own_recording: "votre enregistrement", "your recording";
    synthetic: "voix de synthèse", "synthetic voice";
    upload: "Envoyer un fichier", "Upload a file";
    record: "Enregistrer au micro", "Record with the microphone";
    stop: "Arrêter", "Stop";
    back_to_synthetic: "Revenir à la voix de synthèse", "Back to the synthetic voice";
    voice_saved: "Enregistrement en place: l'appel suivant le fait entendre.", "Recording in place: the next call plays it.";
    voice_reset: "Voix de synthèse rétablie.", "Synthetic voice restored.";
    voice_bad: "Ce fichier n'est pas un son lisible.", "This file is not a readable sound.";
}

impl Words {
    /// The words of an outcome of the calls table.
    pub fn outcome<'a>(&self, name: &'a str) -> &'a str {
        crate::words::outcome(self.outcomes, name)
    }

    /// A weekday's name.
    pub fn day(&self, day: chrono::Weekday) -> &'static str {
        self.days[day.num_days_from_monday() as usize]
    }
}

/// The words for a language tag (`en`, `en-GB,en;q=0.9`…): English when it
/// asks for English first, French otherwise.
pub fn words_for(tag: &str) -> &'static Words {
    if tag.trim().to_ascii_lowercase().starts_with("en") { &EN } else { &FR }
}

/// The words of the receptionist's language.
pub fn words_of(lang: crate::words::catalogue::Lang) -> &'static Words {
    match lang {
        crate::words::catalogue::Lang::Fr => &FR,
        crate::words::catalogue::Lang::En => &EN,
    }
}

/// The console's words (key, French, English), sent to its script.
pub const CONSOLE: &[(&str, &str, &str)] = &[
    ("title", "Console des secrétaires", "Secretaries' console"),
    ("me", "Mon état", "My state"),
    ("logged_out", "Déconnectée", "Logged out"),
    ("available", "Disponible", "Available"),
    ("offered", "Un appel sonne sur votre poste", "A call rings on your phone"),
    ("on_call", "En ligne", "On a call"),
    ("wrap_up", "Fin d'appel", "Wrap-up"),
    ("paused", "En pause", "Paused"),
    ("login", "Commencer (disponible)", "Start (available)"),
    ("pause", "Pause", "Pause"),
    ("pause_reason", "Motif de la pause", "Reason of the pause"),
    ("resume", "Reprendre", "Resume"),
    ("logout", "Terminer la journée", "End the day"),
    ("seconds_left", "s restantes", "s left"),
    ("queue", "File d'attente", "Queue"),
    ("practice", "Cabinet", "Practice"),
    ("reason", "Motif", "Reason"),
    ("waited", "Attente", "Waiting"),
    ("position", "Rang", "Position"),
    ("ringing", "Sonne chez", "Ringing"),
    ("no_waiting", "Aucun appel en attente.", "No call waiting."),
    ("urgent", "URGENT", "URGENT"),
    ("card", "Appel", "Call"),
    ("caller", "Numéro", "Number"),
    ("withheld", "masqué", "withheld"),
    ("instructions", "Consignes du cabinet", "The practice's instructions"),
    ("doctor_instructions", "Consignes des médecins", "The doctors' instructions"),
    ("appointments", "Rendez-vous du patient", "The caller's appointments"),
    ("messages", "Messages du patient", "The caller's messages"),
    ("calls", "Appels précédents", "Previous calls"),
    ("none", "aucun", "none"),
    ("cancel", "Annuler", "Cancel"),
    ("move", "Déplacer ici", "Move here"),
    ("book_title", "Prendre un rendez-vous", "Book an appointment"),
    ("doctor", "Médecin", "Doctor"),
    ("type", "Motif", "Type"),
    ("find", "Chercher des créneaux", "Find slots"),
    ("patient", "Nom du patient", "Patient's name"),
    ("book", "Réserver", "Book"),
    ("booked", "Rendez-vous réservé", "Appointment booked"),
    ("message_title", "Message pour le médecin", "Message for the doctor"),
    ("send", "Envoyer", "Send"),
    ("sent", "Message transmis au médecin", "Message passed on to the doctor"),
    ("close_title", "Clore l'appel", "Close the call"),
    ("close", "Clore", "Close"),
    ("closed", "Appel clos", "Call closed"),
    ("out_booked", "rendez-vous pris", "appointment booked"),
    ("out_cancelled", "rendez-vous annulé", "appointment cancelled"),
    ("out_message", "message pris", "message taken"),
    ("out_information", "renseignement", "information"),
    ("out_put_through", "passé au cabinet", "put through"),
    ("out_other", "autre", "other"),
    ("callbacks", "Rappels à faire", "Call-backs to place"),
    ("call_back", "Rappeler maintenant", "Call back now"),
    ("no_callbacks", "Aucun rappel à faire.", "No call-back to place."),
    ("asked", "demandé le", "asked on"),
    ("placed", "rappelé le", "called back on"),
    ("attempts", "essai(s)", "attempt(s)"),
    ("last", "dernier", "last"),
    ("calling", "appel en cours par", "being called by"),
    ("lost", "Connexion perdue: reconnexion…", "Connection lost: reconnecting…"),
    ("error", "Refusé", "Refused"),
];

/// The console's words in one language, as a JSON object for its script.
pub fn console_words(lang: crate::words::catalogue::Lang) -> String {
    let map: serde_json::Map<String, serde_json::Value> =
        CONSOLE.iter().map(|(k, fr, en)| (k.to_string(), serde_json::Value::from(if lang == crate::words::catalogue::Lang::En { *en } else { *fr }))).collect();
    // Kept inside a <script type="application/json">: no "</" may close it early.
    serde_json::Value::Object(map).to_string().replace("</", "<\\/")
}
