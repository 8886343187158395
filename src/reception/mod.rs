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

mod appointments;
mod booking;
mod handover;
mod menu;
mod message;
mod types;

pub use types::*;

use chrono::{DateTime, Duration, Utc};

use crate::agenda::{Appointment, CallerKind, Duty, Slot, day_hours};
use crate::words::{Fill, Utterance, prompts, wording};

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
    /// The doctor (index) and type of the caller's last appointment, offered.
    SameAsLast(usize, i64),
    ChooseDoctor,
    ChooseType(usize),
    Searching(Draft),
    OfferSlots(Draft),
    RecordingName(Draft),
    Confirm(Draft),
    Booking(Draft),
    /// The caller types their date of birth before any appointment is read.
    VerifyBirth {
        tries: u8,
    },
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
    /// A task is done: star for another, silence for goodbye.
    AnythingElse,
    Listening,
    Understanding,
    ConfirmSpoken(crate::words::intent::MenuChoice),
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
    /// Why the call went to a human, when it did.
    handover: Option<Handover>,
    /// Speech was offered once already in this call.
    spoke: bool,
    /// The caller typed a date of birth the practice knows for the number.
    verified: bool,
}

type Next = (Receptionist, Vec<Action>);

impl Receptionist {
    /// A receptionist at the start of a call.
    pub fn new(ctx: CallContext) -> Self {
        Self {
            ctx,
            step: Step::Start,
            misses: 0,
            tried: Vec::new(),
            outcome: Outcome::InProgress,
            detail: String::new(),
            handover: None,
            spoke: false,
            verified: false,
        }
    }

    /// How the call ended (or `InProgress`).
    pub fn outcome(&self) -> Outcome {
        self.outcome
    }

    /// The reason recorded with the outcome.
    pub fn detail(&self) -> &str {
        &self.detail
    }

    /// Why the call went to a human (the last hand-over, when there were two).
    pub fn handover(&self) -> Option<Handover> {
        self.handover
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

    /// When `at` is, as said: its day and its time rendered apart.
    fn when(&self, at: DateTime<Utc>) -> Fill {
        Fill::Apart(wording::when_apart(self.ctx.lang, at, self.ctx.practice.timezone, self.ctx.now))
    }

    fn doctor_name(&self, id: i64) -> String {
        self.ctx.doctors.iter().find(|d| d.id == id).map(|d| d.name.to_lowercase()).unwrap_or_else(|| "médecin".into())
    }

    /// Same question again after a bad key or a timeout; the second miss hands over.
    fn retry(mut self, input: &Input, question: Action, what: &str) -> Next {
        let l = self.ctx.lang;
        self.misses += 1;
        let (said, kind, why) = match input {
            Input::NoInput => (prompts::say(l, prompts::NO_KEY), Handover::NoAnswer, format!("pas de réponse: {what}")),
            _ => (prompts::say(l, prompts::INVALID_KEY), Handover::WrongKeys, format!("touche invalide: {what}")),
        };
        if self.misses >= 2 {
            return self.hand_to_secretaries(kind, &why, prompts::say(l, prompts::TO_SECRETARIES));
        }
        let question = match question {
            Action::Ask { prompt, max_digits } => Action::Ask { prompt: said.then(prompt), max_digits },
            other => other,
        };
        (self, vec![question])
    }

    fn ask(prompt: Utterance) -> Action {
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
                let prompt = prompts::say(l, first).then(me.fallback_offer());
                return me.go(Step::QueueFallback { urgent }, vec![Self::ask(prompt)]);
            }
            Input::Failed(why) => {
                if self.step == Step::Done {
                    return (self, vec![]);
                }
                return self.hand_to_secretaries(
                    Handover::ServiceError,
                    &format!("erreur du service: {why}"),
                    prompts::join(l, prompts::SERVICE_ERROR, prompts::TO_SECRETARIES),
                );
            }
            _ => {}
        }
        let step = self.step.clone();
        match step {
            Step::Start => self.start(),
            Step::PracticePhone
            | Step::PreMenu
            | Step::Bridging
            | Step::QueueFallback { .. }
            | Step::CallbackRequested
            | Step::AfterDoctor
            | Step::OfferMessage => self.step_handover(step, input),
            Step::Menu | Step::AnythingElse | Step::Listening | Step::Understanding | Step::ConfirmSpoken(_) => self.step_menu(step, input),
            Step::SameAsLast(..)
            | Step::ChooseDoctor
            | Step::ChooseType(_)
            | Step::Searching(_)
            | Step::OfferSlots(_)
            | Step::RecordingName(_)
            | Step::Confirm(_)
            | Step::Booking(_) => self.step_booking(step, input),
            Step::VerifyBirth { .. } | Step::Listing | Step::Review(..) | Step::ConfirmCancel(..) | Step::Cancelling => self.step_appointments(step, input),
            Step::Recording { .. } | Step::KeepMessage { .. } | Step::Saving => self.step_message(step, input),
            Step::Done => (self, vec![]),
        }
    }

    fn start(self) -> Next {
        let l = self.ctx.lang;
        let greeting = prompts::greeting(l, &self.ctx.practice.name);
        let secretaries_or_phone = |me: Self| -> Next {
            match me.ctx.practice.practice_phone.clone() {
                Some(dial) => {
                    let mut me = me;
                    me.handover = Some(Handover::OffDuty);
                    me.go(Step::PracticePhone, vec![Action::ToPracticePhone { dial }])
                }
                None => me.hand_to_secretaries(Handover::OffDuty, "hors des heures du standard virtuel", prompts::say(l, prompts::TO_SECRETARIES)),
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
                    Action::Say(Utterance::words(l, message)),
                    Action::Record { prompt: prompts::say(l, prompts::RECORD_MESSAGE), kind: RecordingKind::Message, max_secs: 120 },
                ];
                (me, actions)
            }
            Duty::OnDuty => match self.ctx.caller_rule.as_ref().map(|r| r.kind.clone()) {
                Some(CallerKind::Blocked) => {
                    let mut me = self;
                    me.detail = "numéro bloqué".into();
                    me.finish(Outcome::Refused, vec![Action::Answer, Action::Say(prompts::say(l, prompts::BLOCKED)), Action::Hangup])
                }
                Some(CallerKind::Allowed) => {
                    self.go(Step::PreMenu, vec![Action::Answer, Action::Say(greeting), Self::ask(prompts::say(l, prompts::ALLOWED_PRE_MENU))])
                }
                None => self.go(Step::Menu, vec![Action::Answer, Action::Say(greeting), Self::ask(prompts::say(l, prompts::MAIN_MENU))]),
            },
        }
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
