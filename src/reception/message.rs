//! Leaving a message for the doctor: the recording, keeping or redoing it,
//! saving it.

use super::*;

impl Receptionist {
    /// A step of this flow, with the last input.
    pub(super) fn step_message(self, step: Step, input: Input) -> Next {
        let l = self.ctx.lang;
        match step {
            Step::Recording { tries } => match input {
                Input::Recorded { path, secs } => self.go(Step::KeepMessage { path, secs }, vec![Self::ask(prompts::say(l, prompts::KEEP_MESSAGE))]),
                _ if tries == 0 => self.record_message_after(1, prompts::say(l, prompts::NOTHING_HEARD)),
                _ if matches!(self.ctx.duty, Duty::Holiday(_)) => {
                    let outcome = if self.tried.is_empty() { Outcome::Abandoned } else { Outcome::Info };
                    self.finish(outcome, vec![Action::Say(prompts::join(l, prompts::NOTHING_HEARD, prompts::GOODBYE)), Action::Hangup])
                }
                _ => self.menu(Some(prompts::say(l, prompts::NOTHING_HEARD))),
            },
            Step::KeepMessage { path, secs } => match input {
                Input::Digits(d) if d == "2" => {
                    let (me, mut actions) = self.record_message(0);
                    actions.insert(0, Action::Discard { recording: path });
                    (me, actions)
                }
                Input::Digits(d) if d == "1" || d.is_empty() => self.save_message(path, secs),
                Input::NoInput => self.save_message(path, secs),
                other => self.retry(&other, Self::ask(prompts::say(l, prompts::KEEP_MESSAGE)), "garder le message"),
            },
            Step::Saving => self.finish(Outcome::Message, vec![Action::Say(prompts::say(l, prompts::MESSAGE_SAVED)), Action::Hangup]),
            // A step of another flow: not this one's to answer.
            _ => (self, vec![]),
        }
    }

    pub(super) fn record_message(self, tries: u8) -> Next {
        let l = self.ctx.lang;
        self.go(
            Step::Recording { tries },
            vec![Action::Record { prompt: prompts::say(l, prompts::RECORD_MESSAGE), kind: RecordingKind::Message, max_secs: 120 }],
        )
    }

    pub(super) fn record_message_after(self, tries: u8, said: Utterance) -> Next {
        self.go(
            Step::Recording { tries },
            vec![Action::Record { prompt: said.then_sentence(prompts::RECORD_MESSAGE), kind: RecordingKind::Message, max_secs: 120 }],
        )
    }

    pub(super) fn save_message(self, path: String, secs: f64) -> Next {
        self.go(Step::Saving, vec![Action::SaveMessage { recording: path, secs, urgent: false }])
    }
}
