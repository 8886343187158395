//! The caller's appointments: read out one by one, cancelled (after a
//! confirmation key) or moved.

use super::*;

/// Wrong dates of birth before the secretaries take over.
const BIRTH_TRIES: u8 = 3;

impl Receptionist {
    /// A step of this flow, with the last input.
    pub(super) fn step_appointments(self, step: Step, input: Input) -> Next {
        let l = self.ctx.lang;
        match step {
            Step::VerifyBirth { tries } => match input {
                Input::Digits(d) if self.ctx.birth_dates.contains(&d) => {
                    let mut me = self;
                    me.verified = true;
                    me.go(Step::Listing, vec![Action::ListAppointments])
                }
                _ if tries + 1 >= BIRTH_TRIES => self.hand_to_secretaries(
                    Handover::Unidentified,
                    "date de naissance incorrecte trois fois (rendez-vous)",
                    prompts::join(l, prompts::BIRTH_WRONG, prompts::TO_SECRETARIES),
                ),
                _ => self.go(
                    Step::VerifyBirth { tries: tries + 1 },
                    vec![Action::Ask { prompt: prompts::join(l, prompts::BIRTH_WRONG, prompts::BIRTH_ASK), max_digits: 6 }],
                ),
            },
            Step::Listing => match input {
                Input::Appointments(list) if list.is_empty() => self.menu(Some(prompts::say(l, prompts::NO_APPOINTMENT))),
                Input::Appointments(list) => self.review(list, 0),
                other => self.hand_to_secretaries(
                    Handover::ServiceError,
                    &format!("liste des rendez-vous: réponse inattendue {other:?}"),
                    prompts::say(l, prompts::TO_SECRETARIES),
                ),
            },
            Step::Review(list, i) => {
                let question = Self::ask(self.review_prompt(&list[i]));
                match input {
                    Input::Digits(d) if d == "1" => {
                        let prompt = prompts::confirm_cancel(l, self.when(list[i].start));
                        self.go(Step::ConfirmCancel(list, i), vec![Self::ask(prompt)])
                    }
                    Input::Digits(d) if d == "2" => {
                        let a = list[i].clone();
                        match self.ctx.doctors.iter().position(|d| d.id == a.doctor_id) {
                            Some(doc) => {
                                self.search(Draft { doctor: doc, type_id: a.type_id, moving: Some(a.id), offered: vec![], chosen: None, recording: None }, None)
                            }
                            None => self.hand_to_secretaries(
                                Handover::NotBookable,
                                "déplacement d'un rendez-vous d'un médecin non réservable par téléphone",
                                prompts::say(l, prompts::TO_SECRETARIES),
                            ),
                        }
                    }
                    Input::Digits(d) if d == "3" => {
                        if i + 1 < list.len() {
                            self.review(list, i + 1)
                        } else {
                            self.menu(Some(prompts::say(l, prompts::NO_MORE_APPOINTMENTS)))
                        }
                    }
                    other => self.retry(&other, question, "rendez-vous à annuler ou déplacer"),
                }
            }
            Step::ConfirmCancel(list, i) => {
                let question = Self::ask(prompts::confirm_cancel(l, self.when(list[i].start)));
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
                Input::Cancelled(true) => {
                    let mut me = self;
                    me.outcome = Outcome::Cancelled;
                    me.anything_else(prompts::say(l, prompts::CANCELLED))
                }
                _ => self.hand_to_secretaries(Handover::AgendaRefused, "annulation refusée par l'agenda", prompts::say(l, prompts::TO_SECRETARIES)),
            },
            // A step of another flow: not this one's to answer.
            _ => (self, vec![]),
        }
    }

    pub(super) fn review_prompt(&self, a: &Appointment) -> Utterance {
        let l = self.ctx.lang;
        prompts::review_appointment(l, self.when(a.start), &self.doctor_name(a.doctor_id))
    }

    pub(super) fn review(self, list: Vec<Appointment>, i: usize) -> Next {
        let prompt = self.review_prompt(&list[i]);
        self.go(Step::Review(list, i), vec![Self::ask(prompt)])
    }

    /// Key 2: the caller's appointments — after the date of birth when the
    /// practice verifies it and knows one for the number (whoever presents
    /// a patient's number could otherwise hear and cancel their appointments).
    pub(super) fn appointments_or_identity(self) -> Next {
        let l = self.ctx.lang;
        if self.ctx.practice.verify_birth_date && !self.ctx.birth_dates.is_empty() && !self.verified {
            return self.go(Step::VerifyBirth { tries: 0 }, vec![Action::Ask { prompt: prompts::say(l, prompts::BIRTH_ASK), max_digits: 6 }]);
        }
        self.go(Step::Listing, vec![Action::ListAppointments])
    }
}
