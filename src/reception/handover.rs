//! Handing a call over: the practice's own phone off duty, the doctor for
//! callers he allows, the secretaries (with the reason and what the caller
//! tried), and what the caller may do when nobody can answer: a message or a
//! call-back.

use super::*;

impl Receptionist {
    /// A step of this flow, with the last input.
    pub(super) fn step_handover(self, step: Step, input: Input) -> Next {
        let l = self.ctx.lang;
        match step {
            Step::PracticePhone => match input {
                Input::BridgeEnded { answered: true } => self.finish(Outcome::PracticePhone, vec![Action::Hangup]),
                _ => {
                    let say = prompts::greeting(l, &self.ctx.practice.name).then_sentence(prompts::PRACTICE_UNAVAILABLE);
                    self.go(
                        Step::Recording { tries: 0 },
                        vec![
                            Action::Answer,
                            Action::Say(say),
                            Action::Record { prompt: prompts::say(l, prompts::RECORD_MESSAGE), kind: RecordingKind::Message, max_secs: 120 },
                        ],
                    )
                }
            },
            Step::PreMenu => match input {
                Input::Digits(d) if d == "1" => {
                    let dial = self.allowed_dial();
                    match dial {
                        Some(dial) => {
                            let mut me = self;
                            me.handover = Some(Handover::AllowedCaller);
                            me.go(Step::Bridging, vec![Action::Say(prompts::say(l, prompts::DOCTOR_PUT_THROUGH)), Action::Bridge { dial }])
                        }
                        None => self.go(Step::AfterDoctor, vec![Self::ask(prompts::join(l, prompts::DOCTOR_UNAVAILABLE, prompts::OFFER_MESSAGE))]),
                    }
                }
                _ => self.menu(None),
            },
            Step::Bridging => match input {
                Input::BridgeEnded { answered: true } => self.finish(Outcome::Doctor, vec![Action::Say(prompts::say(l, prompts::GOODBYE)), Action::Hangup]),
                _ => self.go(Step::AfterDoctor, vec![Self::ask(prompts::join(l, prompts::DOCTOR_UNAVAILABLE, prompts::OFFER_MESSAGE))]),
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
                        me.record_message_after(0, prompts::say(l, before))
                    } else {
                        let prompt = prompts::say(l, before).then(me.fallback_offer());
                        (me, vec![Self::ask(prompt)])
                    }
                }
            },
            Step::CallbackRequested => match input {
                Input::Done => self.finish(Outcome::Callback, vec![Action::Say(prompts::say(l, prompts::CALLBACK_SAVED)), Action::Hangup]),
                Input::CallbackRefused => self.record_message_after(0, prompts::say(l, prompts::CALLBACK_REFUSED)),
                _ => self.record_message_after(0, prompts::say(l, prompts::SERVICE_ERROR)),
            },
            Step::AfterDoctor | Step::OfferMessage => match input {
                Input::Digits(d) if d == "1" => self.record_message(0),
                _ => {
                    let outcome = if self.tried.is_empty() { Outcome::Abandoned } else { Outcome::Info };
                    self.finish(outcome, vec![Action::Say(prompts::say(l, prompts::GOODBYE)), Action::Hangup])
                }
            },
            // A silent menu, the first time: the caller may say what they want.
            // A step of another flow: not this one's to answer.
            _ => (self, vec![]),
        }
    }

    /// Hand over to the secretaries with the reason and the history.
    pub(super) fn hand_to_secretaries(mut self, kind: Handover, why: &str, say: Utterance) -> Next {
        let urgent = kind == Handover::Urgent;
        self.handover = Some(kind);
        let mut reason = why.to_string();
        if !self.tried.is_empty() {
            reason.push_str(&format!(" (a essayé: {})", self.tried.join(", ")));
        }
        self.detail = reason.clone();
        let outcome = if urgent { Outcome::Urgent } else { Outcome::Secretaries };
        self.finish(outcome, vec![Action::Say(say), Action::ToSecretaries { reason, urgent }])
    }

    pub(super) fn allowed_dial(&self) -> Option<String> {
        let rule = self.ctx.caller_rule.as_ref()?;
        match rule.doctor_id {
            Some(id) => self.ctx.doctors.iter().find(|d| d.id == id).and_then(|d| d.dial.clone()),
            None => self.ctx.doctors.iter().find_map(|d| d.dial.clone()),
        }
    }

    /// Message, and call back when the number is known.
    pub(super) fn fallback_offer(&self) -> Utterance {
        let l = self.ctx.lang;
        if self.ctx.caller.is_some() && self.ctx.callable { prompts::say(l, prompts::QUEUE_OFFER) } else { prompts::say(l, prompts::QUEUE_OFFER_MESSAGE) }
    }
}
