//! The main menu: keys, a spoken answer read back and confirmed by key,
//! misses and the way to the secretaries.

use super::*;

impl Receptionist {
    /// A step of this flow, with the last input.
    pub(super) fn step_menu(self, step: Step, input: Input) -> Next {
        let l = self.ctx.lang;
        match step {
            Step::Menu if input == Input::NoInput && self.ctx.speech && !self.spoke => {
                let mut me = self;
                me.spoke = true;
                me.go(Step::Listening, vec![Action::Record { prompt: prompts::say(l, prompts::SPEECH_INVITE), kind: RecordingKind::Answer, max_secs: 5 }])
            }
            // A first silence: the menu once more, short; a second one: a human.
            Step::Menu if input == Input::NoInput && self.misses == 0 => {
                let mut me = self;
                me.misses = 1;
                me.go(Step::Menu, vec![Self::ask(prompts::join(l, prompts::NO_KEY, prompts::MENU_SILENT))])
            }
            Step::Menu => self.on_menu(input),
            // Done: star (or any choice of the menu, typed at once) for more;
            // silence is a goodbye, never the secretaries.
            Step::AnythingElse => match input {
                Input::Digits(d) if d == "*" => self.menu(None),
                Input::Digits(d) => {
                    let mut me = self;
                    me.step = Step::Menu;
                    me.on_menu(Input::Digits(d))
                }
                _ => {
                    // Told what they called for (the hours, that no booking is possible).
                    let outcome = if self.outcome == Outcome::InProgress { Outcome::Info } else { self.outcome };
                    self.finish(outcome, vec![Action::Say(prompts::say(l, prompts::GOODBYE)), Action::Hangup])
                }
            },
            Step::Listening => match input {
                Input::Recorded { path, .. } => self.go(Step::Understanding, vec![Action::Understand { recording: path }]),
                // Silent at the menu and at the invitation to speak: a human, at once.
                _ => self.hand_to_secretaries(Handover::NoAnswer, "pas de réponse: menu principal", prompts::say(l, prompts::TO_SECRETARIES)),
            },
            Step::Understanding => match input {
                Input::Understood(Some(choice)) => self.go(Step::ConfirmSpoken(choice), vec![Self::ask(prompts::spoken_readback(l, choice))]),
                _ => self.menu(Some(prompts::say(l, prompts::NOT_UNDERSTOOD))),
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
            // A step of another flow: not this one's to answer.
            _ => (self, vec![]),
        }
    }

    /// A task is done: say so (no key cuts it short), then ask once whether
    /// there is anything else.
    pub(super) fn anything_else(mut self, said: Utterance) -> Next {
        self.misses = 0;
        let l = self.ctx.lang;
        self.go(Step::AnythingElse, vec![Action::Say(said), Self::ask(prompts::say(l, prompts::ANYTHING_ELSE))])
    }

    pub(super) fn menu(self, before: Option<Utterance>) -> Next {
        let l = self.ctx.lang;
        let prompt = match before {
            Some(b) => b.then_sentence(prompts::MAIN_MENU),
            None => prompts::say(l, prompts::MAIN_MENU),
        };
        self.go(Step::Menu, vec![Action::Ask { prompt, max_digits: 1 }])
    }

    pub(super) fn on_menu(mut self, input: Input) -> Next {
        let l = self.ctx.lang;
        let question = Self::ask(prompts::say(l, prompts::MAIN_MENU));
        match input {
            Input::Digits(d) => match d.as_str() {
                "1" => {
                    self.tried.push("prise de rendez-vous");
                    self.start_booking()
                }
                "2" => {
                    self.tried.push("annulation ou déplacement");
                    if self.ctx.caller.is_none() { self.menu(Some(prompts::say(l, prompts::WITHHELD_NO_CANCEL))) } else { self.appointments_or_identity() }
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
                    let text = prompts::hours(l, &day_hours(&p.opening_hours), &day_hours(&p.walk_in_hours), &p.address);
                    self.anything_else(text)
                }
                "9" => self.hand_to_secretaries(Handover::Urgent, "urgence (touche 9)", prompts::say(l, prompts::URGENT)),
                "0" => self.hand_to_secretaries(Handover::Asked, "demande du secrétariat (touche 0)", prompts::say(l, prompts::TO_SECRETARIES)),
                "*" => {
                    self.misses = 0;
                    (self, vec![question])
                }
                _ => self.retry(&Input::Digits(d), question, "menu principal"),
            },
            other => self.retry(&other, question, "menu principal"),
        }
    }
}
