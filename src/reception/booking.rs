//! Booking and moving an appointment: the doctor, the consultation type,
//! the slots offered, the caller's name, the confirmation key, the booking.

use super::*;

impl Receptionist {
    /// A step of this flow, with the last input.
    pub(super) fn step_booking(self, step: Step, input: Input) -> Next {
        let l = self.ctx.lang;
        match step {
            Step::SameAsLast(doc, type_id) => {
                let question = Self::ask(self.same_as_last_question(doc, type_id));
                match input {
                    Input::Digits(d) if d == "1" => {
                        self.search(Draft { doctor: doc, type_id, moving: None, offered: vec![], chosen: None, recording: None }, None)
                    }
                    Input::Digits(d) if d == "2" => self.choose_doctor(),
                    other => self.retry(&other, question, "même médecin que la dernière fois"),
                }
            }
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
                    self.go(Step::OfferMessage, vec![Self::ask(prompts::no_slot(l, days).then_sentence(prompts::OFFER_MESSAGE))])
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
                other => self.hand_to_secretaries(
                    Handover::ServiceError,
                    &format!("recherche de créneaux: réponse inattendue {other:?}"),
                    prompts::say(l, prompts::TO_SECRETARIES),
                ),
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
                            // slot was taken, or chose another), or whose name the
                            // practice has, is not asked again.
                            if draft.moving.is_some() || draft.recording.is_some() || self.ctx.name_on_file.is_some() {
                                let prompt = self.confirm_prompt(&draft);
                                self.go(Step::Confirm(draft), vec![Self::ask(prompt)])
                            } else {
                                self.go(
                                    Step::RecordingName(draft),
                                    vec![Action::Record { prompt: prompts::say(l, prompts::RECORD_NAME), kind: RecordingKind::Name, max_secs: 10 }],
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
                        self.finish(Outcome::Moved, vec![Action::Say(prompts::moved(l, when, &doctor)), Action::Hangup])
                    } else {
                        let address = self.ctx.practice.address.clone();
                        self.finish(Outcome::Booked, vec![Action::Say(prompts::booked(l, when, &doctor, &address)), Action::Hangup])
                    }
                }
                Input::Refused(Refusal::TooMany(max)) => self.anything_else(prompts::too_many(l, max)),
                Input::Refused(_) => {
                    let doctor_id = self.ctx.doctors[draft.doctor].id;
                    let type_id = draft.type_id;
                    let draft = Draft { offered: vec![], chosen: None, ..draft };
                    self.go(
                        Step::Searching(draft),
                        vec![Action::Say(prompts::say(l, prompts::SLOT_TAKEN)), Action::FindSlots { doctor_id, type_id, after: None, count: 3 }],
                    )
                }
                other => self.hand_to_secretaries(
                    Handover::ServiceError,
                    &format!("réservation: réponse inattendue {other:?}"),
                    prompts::say(l, prompts::TO_SECRETARIES),
                ),
            },
            // A step of another flow: not this one's to answer.
            _ => (self, vec![]),
        }
    }

    pub(super) fn doctor_question(&self) -> Utterance {
        let l = self.ctx.lang;
        let names: Vec<String> = self.ctx.doctors.iter().map(|d| d.name.to_lowercase()).collect();
        prompts::choose(l, prompts::CHOOSE_DOCTOR, &names)
    }

    pub(super) fn type_question(&self, doc: usize) -> Utterance {
        let l = self.ctx.lang;
        let names: Vec<String> = self.ctx.doctors[doc].types.iter().map(|(_, n)| n.clone()).collect();
        prompts::choose(l, prompts::CHOOSE_TYPE, &names)
    }

    /// Booking starts: the doctor and the type booked last, when the caller
    /// would otherwise have a choice to make, else the usual questions.
    pub(super) fn start_booking(self) -> Next {
        let choices = self.ctx.doctors.len() > 1 || self.ctx.doctors.iter().any(|d| d.types.len() > 1);
        let last = self.ctx.last_booked.and_then(|(doctor_id, type_id)| {
            let doc = self.ctx.doctors.iter().position(|d| d.id == doctor_id)?;
            self.ctx.doctors[doc].types.iter().any(|t| t.0 == type_id).then_some((doc, type_id))
        });
        match last {
            Some((doc, type_id)) if choices => {
                let q = self.same_as_last_question(doc, type_id);
                self.go(Step::SameAsLast(doc, type_id), vec![Self::ask(q)])
            }
            _ => self.choose_doctor(),
        }
    }

    fn same_as_last_question(&self, doc: usize, type_id: i64) -> Utterance {
        let d = &self.ctx.doctors[doc];
        let kind = d.types.iter().find(|t| t.0 == type_id).map(|t| t.1.as_str()).unwrap_or("");
        prompts::same_as_last(self.ctx.lang, &d.name.to_lowercase(), kind)
    }

    /// Which doctor (none asked when there is one).
    pub(super) fn choose_doctor(self) -> Next {
        let l = self.ctx.lang;
        match self.ctx.doctors.len() {
            0 => self.hand_to_secretaries(Handover::NotBookable, "aucun médecin réservable par téléphone", prompts::say(l, prompts::TO_SECRETARIES)),
            1 => self.after_doctor(0),
            _ => {
                let q = self.doctor_question();
                self.go(Step::ChooseDoctor, vec![Self::ask(q)])
            }
        }
    }

    pub(super) fn after_doctor(self, doc: usize) -> Next {
        let l = self.ctx.lang;
        let types = self.ctx.doctors[doc].types.clone();
        match types.len() {
            0 => {
                self.hand_to_secretaries(Handover::NotBookable, "aucun type de consultation réservable par téléphone", prompts::say(l, prompts::TO_SECRETARIES))
            }
            1 => self.search(Draft { doctor: doc, type_id: types[0].0, moving: None, offered: vec![], chosen: None, recording: None }, None),
            _ => {
                let q = self.type_question(doc);
                self.go(Step::ChooseType(doc), vec![Self::ask(q)])
            }
        }
    }

    pub(super) fn search(self, draft: Draft, after: Option<DateTime<Utc>>) -> Next {
        let doctor_id = self.ctx.doctors[draft.doctor].id;
        let type_id = draft.type_id;
        self.go(Step::Searching(draft), vec![Action::FindSlots { doctor_id, type_id, after, count: 3 }])
    }

    pub(super) fn confirm_prompt(&self, draft: &Draft) -> Utterance {
        let l = self.ctx.lang;
        let when = draft.chosen.map(|s| self.when(s.start)).unwrap_or_else(|| Fill::Words(String::new()));
        prompts::confirm_booking(l, when, &self.ctx.doctors[draft.doctor].name.to_lowercase())
    }
}
