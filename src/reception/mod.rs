//! The receptionist: the dialogue as a pure state machine.
//!
//! [`Receptionist::step`] takes the last [`Input`] (a key, a timeout, a
//! recording, the agenda's answer, a hang-up) and returns the next
//! [`Action`]s. It decides and never performs: no IO, no tokio, no SQL. The
//! call driver performs the actions in order and feeds back the result of the
//! last one (or `HungUp` as soon as the caller is gone).
//!
//! Rules it keeps: the emergency advice is said first and cannot be skipped;
//! nothing changes the agenda without a confirmation key; a recorded message
//! is kept even if the caller hangs up right after; every dead end goes to
//! the secretaries with the reason and what the caller already tried.

pub mod prompts;

use chrono::{DateTime, Duration, Utc};

use crate::agenda::{Appointment, CallerKind, CallerRule, Duty, Practice, Slot};
use crate::speech::catalogue::Lang;
use crate::speech::wording;

/// A doctor the caller may book with, and the types bookable by phone.
#[derive(Debug, Clone, PartialEq)]
pub struct DoctorChoice {
    /// Doctor id.
    pub id: i64,
    /// Name as said ("Docteur Claire Martin").
    pub name: String,
    /// Phone-bookable types: (id, name).
    pub types: Vec<(i64, String)>,
    /// Horizon in days, said when no slot is left.
    pub horizon_days: i64,
    /// The doctor's own phone (for allowed callers).
    pub dial: Option<String>,
}

/// What the receptionist knows when the call starts.
#[derive(Debug, Clone)]
pub struct CallContext {
    /// The practice.
    pub practice: Practice,
    /// Bookable doctors in menu order.
    pub doctors: Vec<DoctorChoice>,
    /// The caller's number (E.164), `None` when withheld.
    pub caller: Option<String>,
    /// The practice's rule for this caller, if any.
    pub caller_rule: Option<CallerRule>,
    /// On duty, off duty or holiday.
    pub duty: Duty,
    /// When the call started.
    pub now: DateTime<Utc>,
    /// The language the receptionist speaks.
    pub lang: Lang,
    /// Whether spoken answers can be understood (a speech model is loaded).
    pub speech: bool,
    /// Whether the caller's number is one the practice calls back
    /// (`agenda::phone::callback_check`): only then is a call-back offered.
    pub callable: bool,
}

/// What kind of recording is asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordingKind {
    /// The caller's name, at booking.
    Name,
    /// A message for the doctor.
    Message,
    /// A short spoken answer at the menu.
    Answer,
}

/// Something for the driver to do.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// Answer the call.
    Answer,
    /// Say a text; no key interrupts it.
    Say(String),
    /// Say a text that a key interrupts, and collect up to `max_digits` keys.
    /// Result: `Digits` or `NoInput`.
    Ask {
        /// The question.
        prompt: String,
        /// How many keys at most.
        max_digits: u8,
    },
    /// Say `prompt`, beep, record. Result: `Recorded` or `NothingRecorded`.
    Record {
        /// The instruction.
        prompt: String,
        /// What is recorded.
        kind: RecordingKind,
        /// Longest recording, seconds.
        max_secs: u32,
    },
    /// Result: `Slots`.
    FindSlots {
        /// Doctor.
        doctor_id: i64,
        /// Type.
        type_id: i64,
        /// Only slots after this instant.
        after: Option<DateTime<Utc>>,
        /// How many.
        count: usize,
    },
    /// Result: `Booked` or `Refused`.
    Book {
        /// Doctor.
        doctor_id: i64,
        /// Type.
        type_id: i64,
        /// Start.
        start: DateTime<Utc>,
        /// The recorded name.
        name_recording: Option<String>,
    },
    /// What a short recorded answer asks for. Result: `Understood`.
    Understand {
        /// The recording.
        recording: String,
    },
    /// The caller's future appointments. Result: `Appointments`.
    ListAppointments,
    /// Result: `Cancelled`.
    Cancel {
        /// Appointment.
        appointment_id: i64,
    },
    /// Result: `Booked` (the moved appointment) or `Refused`.
    Move {
        /// Appointment.
        appointment_id: i64,
        /// New start.
        start: DateTime<Utc>,
    },
    /// Store a message. Result: `Done`.
    SaveMessage {
        /// The recording.
        recording: String,
        /// Its length.
        secs: f64,
        /// Flagged urgent.
        urgent: bool,
    },
    /// Put the caller through. Result: `BridgeEnded`.
    Bridge {
        /// Dial string.
        dial: String,
    },
    /// Hand the call to the secretaries' queue (ends the receptionist's part).
    ToSecretaries {
        /// Why, and what the caller already did.
        reason: String,
        /// Urgent calls go first.
        urgent: bool,
    },
    /// Put the call through to the practice's own phone (off duty), before
    /// answering. Result: `BridgeEnded`.
    ToPracticePhone {
        /// Dial string.
        dial: String,
    },
    /// Store the caller's request to be called back. Result: `Done`.
    RequestCallback {
        /// Why they called.
        reason: String,
        /// Urgent.
        urgent: bool,
    },
    /// Hang up.
    Hangup,
}

impl Action {
    /// Whether this action ends the receptionist's part of the call.
    pub fn is_final(&self) -> bool {
        matches!(self, Action::ToSecretaries { .. } | Action::Hangup)
    }
}

/// Why the agenda refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// Taken meanwhile.
    SlotTaken,
    /// Cap reached.
    TooMany(i64),
    /// Not bookable.
    NotBookable,
}

/// What happened last.
#[derive(Debug, Clone, PartialEq)]
pub enum Input {
    /// The call has just arrived.
    Start,
    /// The last action completed and returns nothing.
    Done,
    /// Keys.
    Digits(String),
    /// No key before the timeout.
    NoInput,
    /// A recording was made.
    Recorded {
        /// File.
        path: String,
        /// Length.
        secs: f64,
    },
    /// Nothing was recorded (silence, or too short).
    NothingRecorded,
    /// Free slots.
    Slots(Vec<Slot>),
    /// Booked (or moved).
    Booked(Appointment),
    /// Refused.
    Refused(Refusal),
    /// The caller's appointments.
    Appointments(Vec<Appointment>),
    /// Whether the cancellation happened.
    Cancelled(bool),
    /// The menu choice a spoken answer names, if any.
    Understood(Option<crate::speech::intent::MenuChoice>),
    /// Bridge over; `answered` tells whether anyone picked up.
    BridgeEnded {
        /// Picked up.
        answered: bool,
    },
    /// The service failed (database, speech…): hand over.
    Failed(String),
    /// The call-back was not taken (a number the practice does not call,
    /// or too many requests today): the caller leaves a message instead.
    CallbackRefused,
    /// The caller hung up.
    /// The secretaries' queue gave the call back: nobody is logged in for
    /// the practice (`nobody`), or the wait was too long.
    SecretariesUnavailable {
        /// Nobody logged in (rather than a long wait).
        nobody: bool,
    },
    HungUp,
}

/// How the call ended, for statistics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Still going.
    InProgress,
    /// An appointment was booked.
    Booked,
    /// One was cancelled.
    Cancelled,
    /// One was moved.
    Moved,
    /// A message was left.
    Message,
    /// Hours / address given.
    Info,
    /// Put through to the doctor.
    Doctor,
    /// Handed to the secretaries.
    Secretaries,
    /// Handed to the secretaries as urgent.
    Urgent,
    /// No secretary could answer: the caller asked to be called back.
    Callback,
    /// Off duty: to the practice's own phone.
    PracticePhone,
    /// Refused (blocked number).
    Refused,
    /// The caller hung up before anything was done.
    Abandoned,
}

impl Outcome {
    /// Its name in the calls table.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::InProgress => "in_progress",
            Outcome::Booked => "booked",
            Outcome::Cancelled => "cancelled",
            Outcome::Moved => "moved",
            Outcome::Message => "message",
            Outcome::Info => "info",
            Outcome::Doctor => "doctor",
            Outcome::Secretaries => "secretaries",
            Outcome::Urgent => "urgent",
            Outcome::Callback => "callback",
            Outcome::PracticePhone => "practice_phone",
            Outcome::Refused => "refused",
            Outcome::Abandoned => "abandoned",
        }
    }
}

/// Booking or moving: what is being chosen.
#[derive(Debug, Clone, PartialEq)]
struct Draft {
    doctor: usize,
    type_id: i64,
    /// When moving, the appointment moved.
    moving: Option<i64>,
    offered: Vec<Slot>,
    chosen: Option<Slot>,
    recording: Option<String>,
}

/// Where in the dialogue the call is.
#[derive(Debug, Clone, PartialEq)]
enum Step {
    Start,
    PracticePhone,
    PreMenu,
    Bridging,
    AfterDoctor,
    Menu,
    ChooseDoctor,
    ChooseType(usize),
    Searching(Draft),
    OfferSlots(Draft),
    RecordingName(Draft),
    Confirm(Draft),
    Booking(Draft),
    Listing,
    Review(Vec<Appointment>, usize),
    ConfirmCancel(Vec<Appointment>, usize),
    Cancelling,
    Recording {
        tries: u8,
    },
    KeepMessage {
        path: String,
        secs: f64,
    },
    Saving,
    OfferMessage,
    Listening,
    Understanding,
    ConfirmSpoken(crate::speech::intent::MenuChoice),
    /// The secretaries could not answer: message or call back.
    QueueFallback {
        urgent: bool,
    },
    CallbackRequested,
    Done,
}

/// The receptionist for one call.
#[derive(Debug, Clone)]
pub struct Receptionist {
    ctx: CallContext,
    step: Step,
    /// Invalid keys and timeouts in a row at the current question.
    misses: u8,
    /// What the caller tried, for the secretaries.
    tried: Vec<&'static str>,
    outcome: Outcome,
    /// The reason given when handed over.
    detail: String,
    /// Speech was offered once already in this call.
    spoke: bool,
}

type Next = (Receptionist, Vec<Action>);

impl Receptionist {
    /// A receptionist at the start of a call.
    pub fn new(ctx: CallContext) -> Self {
        Self { ctx, step: Step::Start, misses: 0, tried: Vec::new(), outcome: Outcome::InProgress, detail: String::new(), spoke: false }
    }

    /// How the call ended (or `InProgress`).
    pub fn outcome(&self) -> Outcome {
        self.outcome
    }

    /// The reason recorded with the outcome.
    pub fn detail(&self) -> &str {
        &self.detail
    }

    /// Whether the dialogue is over.
    pub fn is_done(&self) -> bool {
        self.step == Step::Done
    }

    /// The practice this call is for.
    pub fn context(&self) -> &CallContext {
        &self.ctx
    }

    fn go(mut self, step: Step, actions: Vec<Action>) -> Next {
        if step != self.step {
            self.misses = 0;
        }
        self.step = step;
        (self, actions)
    }

    fn finish(mut self, outcome: Outcome, actions: Vec<Action>) -> Next {
        if self.outcome == Outcome::InProgress || outcome != Outcome::Abandoned {
            self.outcome = outcome;
        }
        self.step = Step::Done;
        (self, actions)
    }

    fn when(&self, at: DateTime<Utc>) -> String {
        wording::when(self.ctx.lang, at, self.ctx.practice.timezone, self.ctx.now)
    }

    fn doctor_name(&self, id: i64) -> String {
        self.ctx.doctors.iter().find(|d| d.id == id).map(|d| d.name.to_lowercase()).unwrap_or_else(|| "médecin".into())
    }

    /// Hand over to the secretaries with the reason and the history.
    fn hand_to_secretaries(mut self, why: &str, urgent: bool, say: &str) -> Next {
        let mut reason = why.to_string();
        if !self.tried.is_empty() {
            reason.push_str(&format!(" (a essayé: {})", self.tried.join(", ")));
        }
        self.detail = reason.clone();
        let outcome = if urgent { Outcome::Urgent } else { Outcome::Secretaries };
        self.finish(outcome, vec![Action::Say(say.to_string()), Action::ToSecretaries { reason, urgent }])
    }

    fn menu(self, before: Option<&str>) -> Next {
        let l = self.ctx.lang;
        let prompt = match before {
            Some(b) => format!("{b} {}", prompts::t(l, prompts::MAIN_MENU)),
            None => prompts::t(l, prompts::MAIN_MENU).to_string(),
        };
        self.go(Step::Menu, vec![Action::Ask { prompt, max_digits: 1 }])
    }

    /// Same question again after a bad key or a timeout; the second miss hands over.
    fn retry(mut self, input: &Input, question: Action, what: &str) -> Next {
        let l = self.ctx.lang;
        self.misses += 1;
        let (said, why) = match input {
            Input::NoInput => (prompts::t(l, prompts::NO_KEY), format!("pas de réponse: {what}")),
            _ => (prompts::t(l, prompts::INVALID_KEY), format!("touche invalide: {what}")),
        };
        if self.misses >= 2 {
            return self.hand_to_secretaries(&why, false, prompts::t(l, prompts::TO_SECRETARIES));
        }
        let question = match question {
            Action::Ask { prompt, max_digits } => Action::Ask { prompt: format!("{said} {prompt}"), max_digits },
            other => other,
        };
        (self, vec![question])
    }

    fn ask(prompt: String) -> Action {
        Action::Ask { prompt, max_digits: 1 }
    }

    /// Advance the dialogue.
    pub fn step(self, input: Input) -> Next {
        let l = self.ctx.lang;
        match input {
            Input::HungUp => return self.hung_up(),
            Input::SecretariesUnavailable { nobody } => {
                let urgent = self.outcome == Outcome::Urgent;
                let mut me = self;
                me.outcome = Outcome::InProgress;
                let first = if nobody { prompts::QUEUE_NOBODY } else { prompts::QUEUE_TOO_LONG };
                let prompt = format!("{} {}", prompts::t(l, first), me.fallback_offer());
                return me.go(Step::QueueFallback { urgent }, vec![Self::ask(prompt)]);
            }
            Input::Failed(why) => {
                if self.step == Step::Done {
                    return (self, vec![]);
                }
                return self.hand_to_secretaries(
                    &format!("erreur du service: {why}"),
                    false,
                    &format!("{} {}", prompts::t(l, prompts::SERVICE_ERROR), prompts::t(l, prompts::TO_SECRETARIES)),
                );
            }
            _ => {}
        }
        let step = self.step.clone();
        match step {
            Step::Start => self.start(),
            Step::PracticePhone => match input {
                Input::BridgeEnded { answered: true } => self.finish(Outcome::PracticePhone, vec![Action::Hangup]),
                _ => {
                    let say = format!("{} {}", prompts::greeting(l, &self.ctx.practice.name), prompts::t(l, prompts::PRACTICE_UNAVAILABLE));
                    self.go(
                        Step::Recording { tries: 0 },
                        vec![
                            Action::Answer,
                            Action::Say(say),
                            Action::Record { prompt: prompts::t(l, prompts::RECORD_MESSAGE).into(), kind: RecordingKind::Message, max_secs: 120 },
                        ],
                    )
                }
            },
            Step::PreMenu => match input {
                Input::Digits(d) if d == "1" => {
                    let dial = self.allowed_dial();
                    match dial {
                        Some(dial) => self.go(Step::Bridging, vec![Action::Say(prompts::t(l, prompts::DOCTOR_PUT_THROUGH).into()), Action::Bridge { dial }]),
                        None => self.go(
                            Step::AfterDoctor,
                            vec![Self::ask(format!("{} {}", prompts::t(l, prompts::DOCTOR_UNAVAILABLE), prompts::t(l, prompts::OFFER_MESSAGE)))],
                        ),
                    }
                }
                _ => self.menu(None),
            },
            Step::Bridging => match input {
                Input::BridgeEnded { answered: true } => {
                    self.finish(Outcome::Doctor, vec![Action::Say(prompts::t(l, prompts::GOODBYE).into()), Action::Hangup])
                }
                _ => self.go(
                    Step::AfterDoctor,
                    vec![Self::ask(format!("{} {}", prompts::t(l, prompts::DOCTOR_UNAVAILABLE), prompts::t(l, prompts::OFFER_MESSAGE)))],
                ),
            },
            Step::QueueFallback { urgent } => match input {
                Input::Digits(d) if d == "1" => self.record_message(0),
                Input::Digits(d) if d == "2" && self.ctx.caller.is_some() && self.ctx.callable => {
                    let reason = self.detail.clone();
                    self.go(Step::CallbackRequested, vec![Action::RequestCallback { reason, urgent }])
                }
                other => {
                    let mut me = self;
                    me.misses += 1;
                    let before = if matches!(other, Input::Digits(_)) { prompts::INVALID_KEY } else { prompts::NO_KEY };
                    if me.misses >= 2 {
                        // Nothing chosen twice: what the caller says is kept as a message.
                        me.record_message_after(0, prompts::t(l, before))
                    } else {
                        let prompt = format!("{} {}", prompts::t(l, before), me.fallback_offer());
                        (me, vec![Self::ask(prompt)])
                    }
                }
            },
            Step::CallbackRequested => match input {
                Input::Done => self.finish(Outcome::Callback, vec![Action::Say(prompts::t(l, prompts::CALLBACK_SAVED).into()), Action::Hangup]),
                Input::CallbackRefused => self.record_message_after(0, prompts::t(l, prompts::CALLBACK_REFUSED)),
                _ => self.record_message_after(0, prompts::t(l, prompts::SERVICE_ERROR)),
            },
            Step::AfterDoctor | Step::OfferMessage => match input {
                Input::Digits(d) if d == "1" => self.record_message(0),
                _ => {
                    let outcome = if self.tried.is_empty() { Outcome::Abandoned } else { Outcome::Info };
                    self.finish(outcome, vec![Action::Say(prompts::t(l, prompts::GOODBYE).into()), Action::Hangup])
                }
            },
            // A silent menu, the first time: the caller may say what they want.
            Step::Menu if input == Input::NoInput && self.ctx.speech && !self.spoke => {
                let mut me = self;
                me.spoke = true;
                me.go(Step::Listening, vec![Action::Record { prompt: prompts::t(l, prompts::SPEECH_INVITE).into(), kind: RecordingKind::Answer, max_secs: 5 }])
            }
            Step::Menu => self.on_menu(input),
            Step::Listening => match input {
                Input::Recorded { path, .. } => self.go(Step::Understanding, vec![Action::Understand { recording: path }]),
                _ => self.menu(Some(prompts::t(l, prompts::NO_KEY))),
            },
            Step::Understanding => match input {
                Input::Understood(Some(choice)) => self.go(Step::ConfirmSpoken(choice), vec![Self::ask(prompts::spoken_readback(l, choice))]),
                _ => self.menu(Some(prompts::t(l, prompts::NOT_UNDERSTOOD))),
            },
            // Nothing happens on a spoken word alone: the key confirms.
            Step::ConfirmSpoken(choice) => match input {
                Input::Digits(d) if d == "1" => {
                    let mut me = self;
                    me.step = Step::Menu;
                    me.on_menu(Input::Digits(choice.key().to_string()))
                }
                _ => self.menu(None),
            },
            Step::ChooseDoctor => {
                let question = Self::ask(self.doctor_question());
                match input {
                    Input::Digits(d) => match d.parse::<usize>() {
                        Ok(n) if n >= 1 && n <= self.ctx.doctors.len() => self.after_doctor(n - 1),
                        _ => self.retry(&Input::Digits(d), question, "choix du médecin"),
                    },
                    other => self.retry(&other, question, "choix du médecin"),
                }
            }
            Step::ChooseType(doc) => {
                let types = self.ctx.doctors[doc].types.clone();
                let question = Self::ask(self.type_question(doc));
                match input {
                    Input::Digits(d) => match d.parse::<usize>() {
                        Ok(n) if n >= 1 && n <= types.len() => {
                            self.search(Draft { doctor: doc, type_id: types[n - 1].0, moving: None, offered: vec![], chosen: None, recording: None }, None)
                        }
                        _ => self.retry(&Input::Digits(d), question, "choix du type de consultation"),
                    },
                    other => self.retry(&other, question, "choix du type de consultation"),
                }
            }
            Step::Searching(mut draft) => match input {
                Input::Slots(slots) if slots.is_empty() && draft.offered.is_empty() => {
                    let days = self.ctx.doctors[draft.doctor].horizon_days;
                    self.go(Step::OfferMessage, vec![Self::ask(format!("{} {}", prompts::no_slot(l, days), prompts::t(l, prompts::OFFER_MESSAGE)))])
                }
                Input::Slots(slots) if slots.is_empty() => {
                    // "Other slots" found nothing more: offer the first ones again.
                    let days = self.ctx.doctors[draft.doctor].horizon_days;
                    let say = prompts::no_other_slot(l, days);
                    draft.offered.clear();
                    let doctor_id = self.ctx.doctors[draft.doctor].id;
                    let type_id = draft.type_id;
                    self.go(Step::Searching(draft), vec![Action::Say(say), Action::FindSlots { doctor_id, type_id, after: None, count: 3 }])
                }
                Input::Slots(slots) => {
                    draft.offered = slots;
                    let prompt = prompts::offer_slots(l, &draft.offered.iter().map(|s| s.start).collect::<Vec<_>>(), self.ctx.practice.timezone, self.ctx.now);
                    self.go(Step::OfferSlots(draft), vec![Self::ask(prompt)])
                }
                other => {
                    self.hand_to_secretaries(&format!("recherche de créneaux: réponse inattendue {other:?}"), false, prompts::t(l, prompts::TO_SECRETARIES))
                }
            },
            Step::OfferSlots(mut draft) => {
                let n = draft.offered.len();
                let question =
                    Self::ask(prompts::offer_slots(l, &draft.offered.iter().map(|s| s.start).collect::<Vec<_>>(), self.ctx.practice.timezone, self.ctx.now));
                match input {
                    Input::Digits(d) => match d.parse::<usize>() {
                        Ok(k) if k >= 1 && k <= n => {
                            draft.chosen = Some(draft.offered[k - 1]);
                            // A move keeps the appointment's name; a caller who
                            // already said their name in this call (then heard the
                            // slot was taken, or chose another) is not asked again.
                            if draft.moving.is_some() || draft.recording.is_some() {
                                let prompt = self.confirm_prompt(&draft);
                                self.go(Step::Confirm(draft), vec![Self::ask(prompt)])
                            } else {
                                self.go(
                                    Step::RecordingName(draft),
                                    vec![Action::Record { prompt: prompts::t(l, prompts::RECORD_NAME).into(), kind: RecordingKind::Name, max_secs: 10 }],
                                )
                            }
                        }
                        Ok(k) if k == n + 1 => {
                            let after = draft.offered.last().map(|s| s.start + Duration::seconds(1));
                            self.search(draft, after)
                        }
                        _ => self.retry(&Input::Digits(d), question, "choix du créneau"),
                    },
                    other => self.retry(&other, question, "choix du créneau"),
                }
            }
            Step::RecordingName(mut draft) => {
                if let Input::Recorded { path, .. } = input {
                    draft.recording = Some(path);
                }
                let prompt = self.confirm_prompt(&draft);
                self.go(Step::Confirm(draft), vec![Self::ask(prompt)])
            }
            Step::Confirm(draft) => {
                let question = Self::ask(self.confirm_prompt(&draft));
                match input {
                    Input::Digits(d) if d == "1" => {
                        let Some(slot) = draft.chosen else { return self.search(draft, None) };
                        let doctor_id = self.ctx.doctors[draft.doctor].id;
                        let action = match draft.moving {
                            Some(appointment_id) => Action::Move { appointment_id, start: slot.start },
                            None => Action::Book { doctor_id, type_id: draft.type_id, start: slot.start, name_recording: draft.recording.clone() },
                        };
                        self.go(Step::Booking(draft), vec![action])
                    }
                    Input::Digits(d) if d == "2" => self.search(Draft { chosen: None, offered: vec![], ..draft }, None),
                    other => self.retry(&other, question, "confirmation du rendez-vous"),
                }
            }
            Step::Booking(draft) => match input {
                Input::Booked(appt) => {
                    let when = self.when(appt.start);
                    let doctor = self.doctor_name(appt.doctor_id);
                    if draft.moving.is_some() {
                        self.finish(Outcome::Moved, vec![Action::Say(prompts::moved(l, &when, &doctor)), Action::Hangup])
                    } else {
                        let address = self.ctx.practice.address.clone();
                        self.finish(Outcome::Booked, vec![Action::Say(prompts::booked(l, &when, &doctor, &address)), Action::Hangup])
                    }
                }
                Input::Refused(Refusal::TooMany(max)) => self.menu(Some(&prompts::too_many(l, max))),
                Input::Refused(_) => {
                    let doctor_id = self.ctx.doctors[draft.doctor].id;
                    let type_id = draft.type_id;
                    let draft = Draft { offered: vec![], chosen: None, ..draft };
                    self.go(
                        Step::Searching(draft),
                        vec![Action::Say(prompts::t(l, prompts::SLOT_TAKEN).into()), Action::FindSlots { doctor_id, type_id, after: None, count: 3 }],
                    )
                }
                other => self.hand_to_secretaries(&format!("réservation: réponse inattendue {other:?}"), false, prompts::t(l, prompts::TO_SECRETARIES)),
            },
            Step::Listing => match input {
                Input::Appointments(list) if list.is_empty() => self.menu(Some(prompts::t(l, prompts::NO_APPOINTMENT))),
                Input::Appointments(list) => self.review(list, 0),
                other => {
                    self.hand_to_secretaries(&format!("liste des rendez-vous: réponse inattendue {other:?}"), false, prompts::t(l, prompts::TO_SECRETARIES))
                }
            },
            Step::Review(list, i) => {
                let question = Self::ask(self.review_prompt(&list[i]));
                match input {
                    Input::Digits(d) if d == "1" => {
                        let prompt = prompts::confirm_cancel(l, &self.when(list[i].start));
                        self.go(Step::ConfirmCancel(list, i), vec![Self::ask(prompt)])
                    }
                    Input::Digits(d) if d == "2" => {
                        let a = list[i].clone();
                        match self.ctx.doctors.iter().position(|d| d.id == a.doctor_id) {
                            Some(doc) => {
                                self.search(Draft { doctor: doc, type_id: a.type_id, moving: Some(a.id), offered: vec![], chosen: None, recording: None }, None)
                            }
                            None => self.hand_to_secretaries(
                                "déplacement d'un rendez-vous d'un médecin non réservable par téléphone",
                                false,
                                prompts::t(l, prompts::TO_SECRETARIES),
                            ),
                        }
                    }
                    Input::Digits(d) if d == "3" => {
                        if i + 1 < list.len() {
                            self.review(list, i + 1)
                        } else {
                            self.menu(Some(prompts::t(l, prompts::NO_MORE_APPOINTMENTS)))
                        }
                    }
                    other => self.retry(&other, question, "rendez-vous à annuler ou déplacer"),
                }
            }
            Step::ConfirmCancel(list, i) => {
                let question = Self::ask(prompts::confirm_cancel(l, &self.when(list[i].start)));
                match input {
                    Input::Digits(d) if d == "1" => {
                        let appointment_id = list[i].id;
                        self.go(Step::Cancelling, vec![Action::Cancel { appointment_id }])
                    }
                    Input::Digits(d) if d == "2" => self.review(list, i),
                    other => self.retry(&other, question, "confirmation de l'annulation"),
                }
            }
            Step::Cancelling => match input {
                Input::Cancelled(true) => self.finish(Outcome::Cancelled, vec![Action::Say(prompts::t(l, prompts::CANCELLED).into()), Action::Hangup]),
                _ => self.hand_to_secretaries("annulation refusée par l'agenda", false, prompts::t(l, prompts::TO_SECRETARIES)),
            },
            Step::Recording { tries } => match input {
                Input::Recorded { path, secs } => self.go(Step::KeepMessage { path, secs }, vec![Self::ask(prompts::t(l, prompts::KEEP_MESSAGE).into())]),
                _ if tries == 0 => self.record_message_after(1, prompts::t(l, prompts::NOTHING_HEARD)),
                _ if matches!(self.ctx.duty, Duty::Holiday(_)) => {
                    let outcome = if self.tried.is_empty() { Outcome::Abandoned } else { Outcome::Info };
                    self.finish(
                        outcome,
                        vec![Action::Say(format!("{} {}", prompts::t(l, prompts::NOTHING_HEARD), prompts::t(l, prompts::GOODBYE))), Action::Hangup],
                    )
                }
                _ => self.menu(Some(prompts::t(l, prompts::NOTHING_HEARD))),
            },
            Step::KeepMessage { path, secs } => match input {
                Input::Digits(d) if d == "2" => self.record_message(0),
                Input::Digits(d) if d == "1" || d.is_empty() => self.save_message(path, secs),
                Input::NoInput => self.save_message(path, secs),
                other => self.retry(&other, Self::ask(prompts::t(l, prompts::KEEP_MESSAGE).into()), "garder le message"),
            },
            Step::Saving => self.finish(Outcome::Message, vec![Action::Say(prompts::t(l, prompts::MESSAGE_SAVED).into()), Action::Hangup]),
            Step::Done => (self, vec![]),
        }
    }

    fn start(self) -> Next {
        let l = self.ctx.lang;
        let greeting = prompts::greeting(l, &self.ctx.practice.name);
        let secretaries_or_phone = |me: Self| -> Next {
            match me.ctx.practice.practice_phone.clone() {
                Some(dial) => me.go(Step::PracticePhone, vec![Action::ToPracticePhone { dial }]),
                None => me.hand_to_secretaries("hors des heures du standard virtuel", false, prompts::t(l, prompts::TO_SECRETARIES)),
            }
        };
        match self.ctx.duty.clone() {
            Duty::OffDuty => secretaries_or_phone(self),
            Duty::Holiday(message) => {
                let mut me = self;
                me.step = Step::Recording { tries: 0 };
                let actions = vec![
                    Action::Answer,
                    Action::Say(greeting),
                    Action::Say(message),
                    Action::Record { prompt: prompts::t(l, prompts::RECORD_MESSAGE).into(), kind: RecordingKind::Message, max_secs: 120 },
                ];
                (me, actions)
            }
            Duty::OnDuty => match self.ctx.caller_rule.as_ref().map(|r| r.kind.clone()) {
                Some(CallerKind::Blocked) => {
                    let mut me = self;
                    me.detail = "numéro bloqué".into();
                    me.finish(Outcome::Refused, vec![Action::Answer, Action::Say(prompts::t(l, prompts::BLOCKED).into()), Action::Hangup])
                }
                Some(CallerKind::Allowed) => {
                    self.go(Step::PreMenu, vec![Action::Answer, Action::Say(greeting), Self::ask(prompts::t(l, prompts::ALLOWED_PRE_MENU).into())])
                }
                None => self.go(Step::Menu, vec![Action::Answer, Action::Say(greeting), Self::ask(prompts::t(l, prompts::MAIN_MENU).into())]),
            },
        }
    }

    fn allowed_dial(&self) -> Option<String> {
        let rule = self.ctx.caller_rule.as_ref()?;
        match rule.doctor_id {
            Some(id) => self.ctx.doctors.iter().find(|d| d.id == id).and_then(|d| d.dial.clone()),
            None => self.ctx.doctors.iter().find_map(|d| d.dial.clone()),
        }
    }

    fn on_menu(mut self, input: Input) -> Next {
        let l = self.ctx.lang;
        let question = Self::ask(prompts::t(l, prompts::MAIN_MENU).into());
        match input {
            Input::Digits(d) => match d.as_str() {
                "1" => {
                    self.tried.push("prise de rendez-vous");
                    match self.ctx.doctors.len() {
                        0 => self.hand_to_secretaries("aucun médecin réservable par téléphone", false, prompts::t(l, prompts::TO_SECRETARIES)),
                        1 => self.after_doctor(0),
                        _ => {
                            let q = self.doctor_question();
                            self.go(Step::ChooseDoctor, vec![Self::ask(q)])
                        }
                    }
                }
                "2" => {
                    self.tried.push("annulation ou déplacement");
                    if self.ctx.caller.is_none() {
                        self.menu(Some(prompts::t(l, prompts::WITHHELD_NO_CANCEL)))
                    } else {
                        self.go(Step::Listing, vec![Action::ListAppointments])
                    }
                }
                "3" => {
                    self.tried.push("message");
                    self.record_message(0)
                }
                "4" => {
                    self.tried.push("horaires");
                    if self.outcome == Outcome::InProgress {
                        self.outcome = Outcome::Info;
                    }
                    let p = &self.ctx.practice;
                    let text = prompts::hours(l, &p.opening_hours, &p.walk_in_hours, &p.address);
                    let mut me = self;
                    me.misses = 0;
                    (me, vec![Action::Say(text), Self::ask(prompts::t(l, prompts::MAIN_MENU).into())])
                }
                "9" => self.hand_to_secretaries("urgence (touche 9)", true, prompts::t(l, prompts::URGENT)),
                "0" => self.hand_to_secretaries("demande du secrétariat (touche 0)", false, prompts::t(l, prompts::TO_SECRETARIES)),
                "*" => {
                    self.misses = 0;
                    (self, vec![question])
                }
                _ => self.retry(&Input::Digits(d), question, "menu principal"),
            },
            other => self.retry(&other, question, "menu principal"),
        }
    }

    fn doctor_question(&self) -> String {
        let l = self.ctx.lang;
        let names: Vec<String> = self.ctx.doctors.iter().map(|d| d.name.to_lowercase()).collect();
        prompts::choose(l, prompts::CHOOSE_DOCTOR, &names)
    }

    fn type_question(&self, doc: usize) -> String {
        let l = self.ctx.lang;
        let names: Vec<String> = self.ctx.doctors[doc].types.iter().map(|(_, n)| n.clone()).collect();
        prompts::choose(l, prompts::CHOOSE_TYPE, &names)
    }

    fn after_doctor(self, doc: usize) -> Next {
        let l = self.ctx.lang;
        let types = self.ctx.doctors[doc].types.clone();
        match types.len() {
            0 => self.hand_to_secretaries("aucun type de consultation réservable par téléphone", false, prompts::t(l, prompts::TO_SECRETARIES)),
            1 => self.search(Draft { doctor: doc, type_id: types[0].0, moving: None, offered: vec![], chosen: None, recording: None }, None),
            _ => {
                let q = self.type_question(doc);
                self.go(Step::ChooseType(doc), vec![Self::ask(q)])
            }
        }
    }

    fn search(self, draft: Draft, after: Option<DateTime<Utc>>) -> Next {
        let doctor_id = self.ctx.doctors[draft.doctor].id;
        let type_id = draft.type_id;
        self.go(Step::Searching(draft), vec![Action::FindSlots { doctor_id, type_id, after, count: 3 }])
    }

    fn confirm_prompt(&self, draft: &Draft) -> String {
        let l = self.ctx.lang;
        let when = draft.chosen.map(|s| self.when(s.start)).unwrap_or_default();
        prompts::confirm_booking(l, &when, &self.ctx.doctors[draft.doctor].name.to_lowercase())
    }

    fn review_prompt(&self, a: &Appointment) -> String {
        let l = self.ctx.lang;
        prompts::review_appointment(l, &self.when(a.start), &self.doctor_name(a.doctor_id))
    }

    fn review(self, list: Vec<Appointment>, i: usize) -> Next {
        let prompt = self.review_prompt(&list[i]);
        self.go(Step::Review(list, i), vec![Self::ask(prompt)])
    }

    /// Message, and call back when the number is known.
    fn fallback_offer(&self) -> &'static str {
        let l = self.ctx.lang;
        if self.ctx.caller.is_some() && self.ctx.callable { prompts::t(l, prompts::QUEUE_OFFER) } else { prompts::t(l, prompts::QUEUE_OFFER_MESSAGE) }
    }

    fn record_message(self, tries: u8) -> Next {
        let l = self.ctx.lang;
        self.go(
            Step::Recording { tries },
            vec![Action::Record { prompt: prompts::t(l, prompts::RECORD_MESSAGE).into(), kind: RecordingKind::Message, max_secs: 120 }],
        )
    }

    fn record_message_after(self, tries: u8, said: &str) -> Next {
        let l = self.ctx.lang;
        self.go(
            Step::Recording { tries },
            vec![Action::Record { prompt: format!("{said} {}", prompts::t(l, prompts::RECORD_MESSAGE)), kind: RecordingKind::Message, max_secs: 120 }],
        )
    }

    fn save_message(self, path: String, secs: f64) -> Next {
        self.go(Step::Saving, vec![Action::SaveMessage { recording: path, secs, urgent: false }])
    }

    /// The caller is gone: keep what they left, never half-do anything else.
    fn hung_up(self) -> Next {
        match self.step.clone() {
            Step::KeepMessage { path, secs } => {
                let mut me = self;
                me.step = Step::Done;
                me.outcome = Outcome::Message;
                (me, vec![Action::SaveMessage { recording: path, secs, urgent: false }])
            }
            Step::Done => (self, vec![]),
            // The message was saved; the goodbye was cut short.
            Step::Saving => self.finish(Outcome::Message, vec![]),
            _ => {
                let outcome = if self.outcome == Outcome::InProgress { Outcome::Abandoned } else { self.outcome };
                self.finish(outcome, vec![])
            }
        }
    }
}

#[cfg(test)]
mod tests;
