//! Every menu, every bad key and timeout, a hang-up at every step.

use chrono::{Duration, TimeZone, Utc};
use chrono_tz::Europe::Paris;

use super::*;
use crate::agenda::{Appointment, CallerKind, CallerRule, Duty, DutyMode, Practice, Slot, Source, WeeklyRange};
use crate::words::catalogue::{Key, Lang};

mod booking;
use booking::booking_until_slots;

fn fr(key: Key) -> &'static str {
    prompts::t(Lang::Fr, key)
}

/// What is said, as plain words: the tests read the text the caller hears
/// (the utterances' structure is `words/`'s, shown by its own tests and by
/// `what_is_said_keeps_its_fixed_sentences_apart` below).
fn said_as_words(a: Action) -> Action {
    let words = |u: Utterance| Utterance::words(u.lang, u.text());
    match a {
        Action::Say(u) => Action::Say(words(u)),
        Action::Ask { prompt, max_digits } => Action::Ask { prompt: words(prompt), max_digits },
        Action::Record { prompt, kind, max_secs } => Action::Record { prompt: words(prompt), kind, max_secs },
        other => other,
    }
}

/// Saying these words.
fn say(text: &str) -> Action {
    Action::Say(Utterance::words(Lang::Fr, text))
}

fn now() -> DateTime<Utc> {
    Paris.with_ymd_and_hms(2026, 11, 23, 9, 0, 0).unwrap().with_timezone(&Utc)
}

fn ctx() -> CallContext {
    CallContext {
        practice: Practice {
            id: 1,
            name: "Cabinet médical des Tilleuls".into(),
            address: "12 rue des Tilleuls, 69003 Lyon".into(),
            timezone: Paris,
            dids: vec!["1000".into()],
            opening_hours: vec![WeeklyRange::parse("lundi 08:00-12:00").unwrap()],
            walk_in_hours: vec![WeeklyRange::parse("mercredi 08:00-10:00").unwrap()],
            practice_phone: Some("user/1010".into()),
            secretaries: Some("secretariat".into()),
            duty: DutyMode::AlwaysOn,
            max_future_per_phone: 3,
            instructions: String::new(),
            callback_countries: Vec::new(),
            verify_birth_date: true,
        },
        doctors: vec![
            DoctorChoice {
                id: 10,
                name: "Docteur Claire Martin".into(),
                types: vec![(100, "consultation".into()), (101, "suivi de grossesse".into())],
                horizon_days: 30,
                dial: Some("user/1011".into()),
            },
            DoctorChoice {
                id: 20,
                name: "Docteur Paul Bernard".into(),
                types: vec![(200, "consultation".into())],
                horizon_days: 21,
                dial: Some("user/1012".into()),
            },
        ],
        caller: Some("+33611223344".into()),
        caller_rule: None,
        duty: Duty::OnDuty,
        now: now(),
        lang: Lang::Fr,
        speech: false,
        callable: true,
        birth_dates: Vec::new(),
        name_on_file: None,
        last_booked: None,
    }
}

fn slot(h: u32, m: u32) -> Slot {
    let start = Paris.with_ymd_and_hms(2026, 11, 24, h, m, 0).unwrap().with_timezone(&Utc);
    Slot { start, end: start + Duration::minutes(20) }
}

fn appt(id: i64, doctor: i64, ty: i64, s: Slot) -> Appointment {
    Appointment {
        id,
        doctor_id: doctor,
        type_id: ty,
        start: s.start,
        end: s.end,
        patient_name: String::new(),
        phone: Some("+33611223344".into()),
        name_recording: None,
        source: Source::Phone,
        status: "booked".into(),
    }
}

fn digits(d: &str) -> Input {
    Input::Digits(d.into())
}

/// Feed inputs in order; return the machine and every batch of actions.
fn run(ctx: CallContext, inputs: Vec<Input>) -> (Receptionist, Vec<Vec<Action>>) {
    let mut r = Receptionist::new(ctx);
    let mut out = Vec::new();
    for i in std::iter::once(Input::Start).chain(inputs) {
        let (next, actions) = r.step(i);
        r = next;
        out.push(actions.into_iter().map(said_as_words).collect());
    }
    (r, out)
}

fn ask_text(a: &[Action]) -> String {
    a.iter()
        .find_map(|x| match x {
            Action::Ask { prompt, .. } => Some(prompt.text()),
            _ => None,
        })
        .unwrap_or_default()
}

fn secretaries(a: &[Action]) -> Option<(String, bool)> {
    a.iter().find_map(|x| match x {
        Action::ToSecretaries { reason, urgent } => Some((reason.clone(), *urgent)),
        _ => None,
    })
}

#[test]
fn the_greeting_says_the_practice_then_the_15_advice_then_the_menu() {
    let (_, out) = run(ctx(), vec![]);
    let first = &out[0];
    assert_eq!(first[0], Action::Answer);
    match &first[1] {
        Action::Say(t) => {
            assert!(t.text().starts_with("Cabinet médical des Tilleuls, bonjour."));
            assert!(t.text().contains("raccrochez et composez le 15"));
        }
        other => panic!("the advice is a Say (no key skips it), got {other:?}"),
    }
    assert_eq!(ask_text(first), fr(prompts::MAIN_MENU));
}

#[test]
fn every_greeting_starts_with_the_advice_that_no_key_skips() {
    let mut allowed = ctx();
    allowed.caller_rule = Some(CallerRule { id: 1, phone: "+33611223344".into(), kind: CallerKind::Allowed, label: "Pharmacie".into(), doctor_id: Some(10) });
    let mut holiday = ctx();
    holiday.duty = Duty::Holiday("Le cabinet est fermé jusqu'au 2 janvier.".into());
    for c in [ctx(), allowed, holiday] {
        let (_, out) = run(c, vec![]);
        let said = out[0].iter().find_map(|a| if let Action::Say(t) = a { Some(t.text()) } else { None }).unwrap();
        assert!(said.contains(fr(prompts::EMERGENCY_ADVICE)), "{said}");
    }
}

#[test]
fn off_duty_calls_ring_the_practice_then_fall_back_to_a_message() {
    let mut c = ctx();
    c.duty = Duty::OffDuty;
    let (r, out) = run(c.clone(), vec![Input::BridgeEnded { answered: true }]);
    assert_eq!(out[0], vec![Action::ToPracticePhone { dial: "user/1010".into() }]);
    assert_eq!(out[1], vec![Action::Hangup]);
    assert_eq!(r.outcome(), Outcome::PracticePhone);
    assert_eq!(r.handover(), Some(Handover::OffDuty));
    let (_, out) = run(c.clone(), vec![Input::BridgeEnded { answered: false }]);
    assert_eq!(out[1][0], Action::Answer);
    assert!(matches!(out[1][2], Action::Record { kind: RecordingKind::Message, .. }));
    c.practice.practice_phone = None;
    let (r, out) = run(c, vec![]);
    assert!(secretaries(&out[0]).is_some());
    assert_eq!(r.outcome(), Outcome::Secretaries);
    assert_eq!(r.handover(), Some(Handover::OffDuty));
}

#[test]
fn a_holiday_plays_its_message_and_takes_one() {
    let mut c = ctx();
    c.duty = Duty::Holiday("Le cabinet est fermé jusqu'au 2 janvier.".into());
    let (r, out) = run(c, vec![Input::Recorded { path: "/r/1.wav".into(), secs: 5.0 }, digits("1"), Input::Done]);
    assert_eq!(out[0][2], say("Le cabinet est fermé jusqu'au 2 janvier."));
    assert_eq!(ask_text(&out[1]), fr(prompts::KEEP_MESSAGE));
    assert_eq!(out[2], vec![Action::SaveMessage { recording: "/r/1.wav".into(), secs: 5.0, urgent: false }]);
    assert_eq!(out[3], vec![say(fr(prompts::MESSAGE_SAVED)), Action::Hangup]);
    assert_eq!(r.outcome(), Outcome::Message);
}

#[test]
fn a_blocked_number_is_told_politely() {
    let mut c = ctx();
    c.caller_rule = Some(CallerRule { id: 1, phone: "+33611223344".into(), kind: CallerKind::Blocked, label: "x".into(), doctor_id: None });
    let (r, out) = run(c, vec![]);
    assert_eq!(out[0], vec![Action::Answer, say(fr(prompts::BLOCKED)), Action::Hangup]);
    assert_eq!(r.outcome(), Outcome::Refused);
}

#[test]
fn an_allowed_caller_reaches_the_doctor_or_leaves_a_message() {
    let mut c = ctx();
    c.caller_rule = Some(CallerRule { id: 1, phone: "+33611223344".into(), kind: CallerKind::Allowed, label: "Hôpital".into(), doctor_id: Some(20) });
    let (r, out) = run(c.clone(), vec![digits("1"), Input::BridgeEnded { answered: true }]);
    assert_eq!(ask_text(&out[0]), fr(prompts::ALLOWED_PRE_MENU));
    assert!(out[1].contains(&Action::Bridge { dial: "user/1012".into() }), "the rule's doctor");
    assert_eq!(r.outcome(), Outcome::Doctor);
    assert_eq!(r.handover(), Some(Handover::AllowedCaller));
    let (_, out) = run(c.clone(), vec![digits("1"), Input::BridgeEnded { answered: false }, digits("1")]);
    assert!(ask_text(&out[2]).contains(fr(prompts::DOCTOR_UNAVAILABLE)));
    assert!(matches!(out[3][0], Action::Record { kind: RecordingKind::Message, .. }));
    let (_, out) = run(c, vec![digits("2")]);
    assert_eq!(ask_text(&out[1]), fr(prompts::MAIN_MENU));
}

#[test]
fn a_bad_key_repeats_then_hands_over_with_the_reason() {
    let (_, out) = run(ctx(), vec![digits("7")]);
    assert_eq!(ask_text(&out[1]), format!("{} {}", fr(prompts::INVALID_KEY), fr(prompts::MAIN_MENU)));
    let (r, out) = run(ctx(), vec![digits("7"), digits("8")]);
    let (reason, urgent) = secretaries(&out[2]).unwrap();
    assert!(reason.starts_with("touche invalide: menu principal"), "{reason}");
    assert!(!urgent);
    assert_eq!(r.outcome(), Outcome::Secretaries);
    assert_eq!(r.handover(), Some(Handover::WrongKeys));
}

#[test]
fn no_key_repeats_once_then_hands_over() {
    // The second time, short: one key, or stay on the line for a human.
    let (_, out) = run(ctx(), vec![Input::NoInput]);
    assert_eq!(ask_text(&out[1]), format!("{} {}", fr(prompts::NO_KEY), fr(prompts::MENU_SILENT)));
    let (_, out) = run(ctx(), vec![Input::NoInput, digits("1")]);
    assert!(ask_text(&out[2]).starts_with("Pour le docteur"), "the short menu's key books: {:?}", out[2]);
    let (r, out) = run(ctx(), vec![Input::NoInput, Input::NoInput]);
    assert!(secretaries(&out[2]).unwrap().0.starts_with("pas de réponse: menu principal"));
    assert_eq!(r.handover(), Some(Handover::NoAnswer));
    // A good key in between resets the count.
    let (_, out) = run(ctx(), vec![Input::NoInput, digits("*"), Input::NoInput]);
    assert!(secretaries(&out[3]).is_none());
}

#[test]
fn star_repeats_and_keys_0_4_9_do_what_the_menu_says() {
    let (_, out) = run(ctx(), vec![digits("*")]);
    assert_eq!(ask_text(&out[1]), fr(prompts::MAIN_MENU));
    let (r, out) = run(ctx(), vec![digits("4")]);
    match &out[1][0] {
        Action::Say(t) => {
            let t = t.text();
            assert!(t.contains("Le cabinet est ouvert le lundi de 8 heures à midi"), "{t}");
            assert!(t.contains("Consultations libres, sans rendez-vous: le mercredi de 8 heures à 10 heures"), "{t}");
            assert!(t.contains("12 rue des Tilleuls"), "{t}");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(ask_text(&out[1]), fr(prompts::ANYTHING_ELSE), "anything else, not the whole menu");
    assert_eq!(r.outcome(), Outcome::Info);
    assert_eq!(r.handover(), None, "nothing handed over");
    let (r, _) = run(ctx(), vec![digits("0")]);
    assert_eq!((r.outcome(), r.handover()), (Outcome::Secretaries, Some(Handover::Asked)));
    let (r, out) = run(ctx(), vec![digits("9")]);
    assert_eq!(out[1][0], say(fr(prompts::URGENT)));
    assert!(fr(prompts::URGENT).contains("composez le 15"));
    assert_eq!(secretaries(&out[1]), Some(("urgence (touche 9)".into(), true)));
    assert_eq!(r.outcome(), Outcome::Urgent);
    assert_eq!(r.handover(), Some(Handover::Urgent));
    let (r, out) = run(ctx(), vec![digits("4"), digits("0")]);
    assert_eq!(secretaries(&out[2]).unwrap().0, "demande du secrétariat (touche 0) (a essayé: horaires)");
    assert_eq!(r.outcome(), Outcome::Secretaries);
}

#[test]
fn cancelling_reads_each_appointment_and_asks_for_confirmation() {
    let list = vec![appt(1, 10, 100, slot(9, 0)), appt(2, 20, 200, slot(10, 0))];
    let (r, out) = run(ctx(), vec![digits("2"), Input::Appointments(list), digits("3"), digits("1"), digits("1"), Input::Cancelled(true)]);
    assert_eq!(out[1], vec![Action::ListAppointments]);
    assert!(ask_text(&out[2]).starts_with("Rendez-vous demain à 9 heures avec le docteur claire martin."));
    assert!(ask_text(&out[3]).starts_with("Rendez-vous demain à 10 heures avec le docteur paul bernard."));
    assert!(ask_text(&out[4]).starts_with("Vous annulez le rendez-vous demain à 10 heures."));
    assert_eq!(out[5], vec![Action::Cancel { appointment_id: 2 }]);
    assert_eq!(out[6][0], say(fr(prompts::CANCELLED)));
    assert_eq!(ask_text(&out[6]), fr(prompts::ANYTHING_ELSE));
    assert_eq!(r.outcome(), Outcome::Cancelled);
    let (r, out) = run(
        ctx(),
        vec![digits("2"), Input::Appointments(vec![appt(1, 10, 100, slot(9, 0))]), digits("1"), digits("1"), Input::Cancelled(true), Input::NoInput],
    );
    assert_eq!(out[6], vec![say(fr(prompts::GOODBYE)), Action::Hangup], "silence after a cancellation is a goodbye");
    assert_eq!(r.outcome(), Outcome::Cancelled);
    // "2" at the confirmation goes back to the appointment.
    let (_, out) = run(ctx(), vec![digits("2"), Input::Appointments(vec![appt(1, 10, 100, slot(9, 0))]), digits("1"), digits("2"), digits("3")]);
    assert!(ask_text(&out[4]).starts_with("Rendez-vous demain"));
    assert_eq!(ask_text(&out[5]), format!("{} {}", fr(prompts::NO_MORE_APPOINTMENTS), fr(prompts::MAIN_MENU)));
}

#[test]
fn moving_offers_slots_and_swaps_in_one_action() {
    let list = vec![appt(5, 20, 200, slot(9, 0))];
    let (r, out) = run(
        ctx(),
        vec![
            digits("2"),
            Input::Appointments(list),
            digits("2"),
            Input::Slots(vec![slot(11, 0)]),
            digits("1"),
            digits("1"),
            Input::Booked(appt(5, 20, 200, slot(11, 0))),
        ],
    );
    assert_eq!(out[3], vec![Action::FindSlots { doctor_id: 20, type_id: 200, after: None, count: 3 }]);
    assert!(ask_text(&out[5]).starts_with("Rendez-vous demain à 11 heures"), "no name recording when moving");
    assert_eq!(out[6], vec![Action::Move { appointment_id: 5, start: slot(11, 0).start }]);
    assert_eq!(out[7], vec![say("Votre rendez-vous est déplacé demain à 11 heures avec le docteur paul bernard. Au revoir."), Action::Hangup]);
    assert_eq!(r.outcome(), Outcome::Moved);
}

#[test]
fn a_withheld_number_cannot_cancel_and_nobody_without_appointments_is_stuck() {
    let mut c = ctx();
    c.caller = None;
    let (_, out) = run(c, vec![digits("2")]);
    assert_eq!(ask_text(&out[1]), format!("{} {}", fr(prompts::WITHHELD_NO_CANCEL), fr(prompts::MAIN_MENU)));
    let (_, out) = run(ctx(), vec![digits("2"), Input::Appointments(vec![])]);
    assert_eq!(ask_text(&out[2]), format!("{} {}", fr(prompts::NO_APPOINTMENT), fr(prompts::MAIN_MENU)));
}

#[test]
fn a_message_can_be_re_recorded_then_kept() {
    let rec = |p: &str| Input::Recorded { path: p.into(), secs: 3.5 };
    let (r, out) = run(ctx(), vec![digits("3"), rec("/a.wav"), digits("2"), rec("/b.wav"), digits("1"), Input::Done]);
    assert!(matches!(out[1][0], Action::Record { kind: RecordingKind::Message, max_secs: 120, .. }));
    // The first take is deleted at once; the new one is recorded.
    assert_eq!(out[3][0], Action::Discard { recording: "/a.wav".into() });
    assert!(matches!(out[3][1], Action::Record { .. }));
    assert_eq!(out[5], vec![Action::SaveMessage { recording: "/b.wav".into(), secs: 3.5, urgent: false }]);
    assert_eq!(r.outcome(), Outcome::Message);
    // Silence twice: back to the menu, nothing saved.
    let (_, out) = run(ctx(), vec![digits("3"), Input::NothingRecorded, Input::NothingRecorded]);
    assert!(matches!(&out[2][0], Action::Record { prompt, .. } if prompt.text().starts_with(fr(prompts::NOTHING_HEARD))));
    assert_eq!(ask_text(&out[3]), format!("{} {}", fr(prompts::NOTHING_HEARD), fr(prompts::MAIN_MENU)));
}

#[test]
fn a_message_recorded_then_hung_up_on_is_kept() {
    let (r, out) = run(ctx(), vec![digits("3"), Input::Recorded { path: "/m.wav".into(), secs: 8.0 }, Input::HungUp]);
    assert_eq!(out[3], vec![Action::SaveMessage { recording: "/m.wav".into(), secs: 8.0, urgent: false }]);
    assert_eq!(r.outcome(), Outcome::Message);
    assert!(r.is_done());
}

#[test]
fn a_service_error_hands_over_with_the_reason() {
    let (r, out) = run(ctx(), vec![digits("1"), digits("1"), digits("1"), Input::Failed("base verrouillée".into())]);
    let (reason, _) = secretaries(&out[4]).unwrap();
    assert!(reason.starts_with("erreur du service: base verrouillée"), "{reason}");
    assert!(reason.contains("a essayé: prise de rendez-vous"));
    assert_eq!(r.outcome(), Outcome::Secretaries);
    assert_eq!(r.handover(), Some(Handover::ServiceError));
}

/// Every path of the tests above, cut by a hang-up at every step: nothing
/// changes the agenda without its confirmation key, nothing is asked after.
#[test]
fn a_hang_up_at_every_step_leaves_nothing_half_done() {
    let rec = Input::Recorded { path: "/m.wav".into(), secs: 2.0 };
    let mut booking = booking_until_slots();
    booking.extend([digits("1"), rec.clone(), digits("1"), Input::Booked(appt(7, 10, 100, slot(9, 0)))]);
    let paths: Vec<Vec<Input>> = vec![
        booking,
        vec![digits("2"), Input::Appointments(vec![appt(1, 10, 100, slot(9, 0))]), digits("1"), digits("1"), Input::Cancelled(true)],
        vec![
            digits("2"),
            Input::Appointments(vec![appt(1, 10, 100, slot(9, 0))]),
            digits("2"),
            Input::Slots(vec![slot(11, 0)]),
            digits("1"),
            digits("1"),
            Input::Booked(appt(1, 10, 100, slot(11, 0))),
        ],
        vec![digits("3"), rec.clone(), digits("1"), Input::Done],
        vec![digits("4"), digits("9")],
    ];
    for path in paths {
        for cut in 0..=path.len() {
            let mut inputs: Vec<Input> = path[..cut].to_vec();
            inputs.push(Input::HungUp);
            let (r, out) = run(ctx(), inputs.clone());
            let last = out.last().unwrap();
            assert!(r.is_done(), "done after a hang-up at {cut}");
            assert_ne!(r.outcome(), Outcome::InProgress);
            for a in last {
                assert!(matches!(a, Action::SaveMessage { .. }), "only a recorded message is kept after a hang-up, got {a:?} at {cut} of {path:?}");
            }
            // Nothing that changes the agenda was emitted before its confirmation key.
            for (i, batch) in out.iter().enumerate() {
                for a in batch {
                    if matches!(a, Action::Book { .. } | Action::Cancel { .. } | Action::Move { .. }) {
                        assert_eq!(inputs[i - 1], digits("1"), "agenda changed without the confirmation key");
                    }
                }
            }
            // After the hang-up, stepping again does nothing.
            let (_, again) = r.step(Input::Done);
            assert!(again.is_empty());
        }
    }
}

#[test]
fn the_same_dialogue_speaks_english_from_the_english_catalogue() {
    let mut c = ctx();
    c.lang = Lang::En;
    let (_, out) = run(c.clone(), vec![]);
    assert_eq!(out[0][1], Action::Say(Utterance::words(Lang::En, "Cabinet médical des Tilleuls, hello. If someone's life is in danger, hang up and dial 15.")));
    assert!(ask_text(&out[0]).starts_with("To book, press 1."));
    let (_, out) = run(c, booking_until_slots());
    assert_eq!(ask_text(&out[4]), "Press 1 for tomorrow at 9 o'clock, 2 for tomorrow at 9:20, 3 for tomorrow at 9:40, 4 for other slots.");
}

#[test]
fn a_silent_menu_invites_speech_once_and_a_key_confirms_what_was_understood() {
    use crate::words::intent::MenuChoice;
    let mut c = ctx();
    c.speech = true;
    let heard = Input::Recorded { path: "/r/answer.wav".into(), secs: 1.5 };
    let (_, out) = run(c.clone(), vec![Input::NoInput, heard.clone(), Input::Understood(Some(MenuChoice::CancelOrMove)), digits("1")]);
    assert!(matches!(&out[1][0], Action::Record { kind: RecordingKind::Answer, prompt, .. } if prompt.text() == fr(prompts::SPEECH_INVITE)));
    assert_eq!(out[2], vec![Action::Understand { recording: "/r/answer.wav".into() }]);
    assert_eq!(ask_text(&out[3]), "Vous avez demandé: annuler ou déplacer un rendez-vous. Pour confirmer, tapez 1. Pour revenir au menu, tapez 2.");
    assert_eq!(out[4], vec![Action::ListAppointments], "the key did what key 2 does");
    // Not understood: back to the key menu; a second silence then repeats the menu, short, no second invitation.
    let (_, out) = run(c.clone(), vec![Input::NoInput, heard.clone(), Input::Understood(None), Input::NoInput]);
    assert_eq!(ask_text(&out[3]), format!("{} {}", fr(prompts::NOT_UNDERSTOOD), fr(prompts::MAIN_MENU)));
    assert_eq!(ask_text(&out[4]), format!("{} {}", fr(prompts::NO_KEY), fr(prompts::MENU_SILENT)));
    // Silent at the menu and at the invitation: a human at once.
    let (r, out) = run(c.clone(), vec![Input::NoInput, Input::NothingRecorded]);
    assert_eq!(secretaries(&out[2]).unwrap().0, "pas de réponse: menu principal");
    assert_eq!(r.outcome(), Outcome::Secretaries);
    // "2" at the read-back: back to the menu, nothing done.
    let (_, out) = run(c.clone(), vec![Input::NoInput, heard, Input::Understood(Some(MenuChoice::Urgent)), digits("2")]);
    assert_eq!(ask_text(&out[4]), fr(prompts::MAIN_MENU));
    assert!(out.iter().flatten().all(|a| !matches!(a, Action::ToSecretaries { .. })), "a spoken word alone does nothing");
    // Without a model, no invitation.
    let (_, out) = run(ctx(), vec![Input::NoInput]);
    assert_eq!(ask_text(&out[1]), format!("{} {}", fr(prompts::NO_KEY), fr(prompts::MENU_SILENT)));
}

#[test]
fn a_known_date_of_birth_is_asked_before_any_appointment_is_read() {
    let mut c = ctx();
    c.birth_dates = vec!["170580".into()];
    let (_, out) = run(c.clone(), vec![digits("2"), digits("170580"), Input::Appointments(vec![appt(1, 10, 100, slot(9, 0))])]);
    assert_eq!(ask_text(&out[1]), fr(prompts::BIRTH_ASK));
    assert!(matches!(out[1][0], Action::Ask { max_digits: 6, .. }));
    assert_eq!(out[2], vec![Action::ListAppointments], "the right date opens the appointments");
    // Three wrong dates: no appointment looked up, the secretaries.
    let (r, out) = run(c.clone(), vec![digits("2"), digits("010101"), digits("020202"), digits("030303")]);
    assert!(out.iter().flatten().all(|a| *a != Action::ListAppointments), "{out:?}");
    assert!(ask_text(&out[2]).starts_with(fr(prompts::BIRTH_WRONG)));
    assert!(secretaries(&out[4]).is_some(), "{:?}", out[4]);
    assert!(r.detail().contains("date de naissance"));
    // A practice that does not verify, or no date known: straight to the list.
    let mut off = c;
    off.practice.verify_birth_date = false;
    let (_, out) = run(off, vec![digits("2")]);
    assert_eq!(out[1], vec![Action::ListAppointments]);
    let (_, out) = run(ctx(), vec![digits("2")]);
    assert_eq!(out[1], vec![Action::ListAppointments]);
}

#[test]
fn an_appointment_read_to_a_caller_never_names_its_type() {
    // No date of birth known: the caller is not verified, and hears when and
    // with whom, never what for ("suivi de grossesse" would tell a stranger
    // holding the patient's phone more than the date).
    let list = vec![appt(1, 10, 101, slot(9, 0))];
    let flows = [
        vec![digits("2"), Input::Appointments(list.clone()), digits("1")],
        vec![digits("2"), Input::Appointments(list.clone()), digits("3"), digits("1"), Input::Cancelled(true)],
        vec![
            digits("2"),
            Input::Appointments(list.clone()),
            digits("2"),
            Input::Slots(vec![slot(11, 0)]),
            digits("1"),
            digits("1"),
            Input::Booked(appt(1, 10, 101, slot(11, 0))),
        ],
    ];
    for inputs in flows {
        let (_, out) = run(ctx(), inputs);
        let said: Vec<String> = out
            .iter()
            .flatten()
            .filter_map(|a| match a {
                Action::Ask { prompt, .. } | Action::Say(prompt) => Some(prompt.text()),
                _ => None,
            })
            .collect();
        assert!(said.iter().any(|s| s.contains("claire martin")), "{said:?}");
        assert!(said.iter().all(|s| !s.contains("grossesse")), "{said:?}");
    }
}

#[test]
fn what_is_said_keeps_its_fixed_sentences_apart() {
    use crate::words::Segment;
    // Stepped without `run`, which reads the words only.
    let r = Receptionist::new(ctx());
    let (r, out) = r.step(Input::Start);
    let Action::Say(greeting) = &out[1] else { panic!("{out:?}") };
    // The advice is a sentence of its own in the greeting: a practice's recording of it plays there.
    assert_eq!(greeting.segments().last(), Some(&Segment::Sentence(prompts::EMERGENCY_ADVICE, fr(prompts::EMERGENCY_ADVICE))));
    let (_, out) = r.step(digits("7"));
    let Action::Ask { prompt, .. } = &out[0] else { panic!("{out:?}") };
    assert_eq!(prompt, &prompts::join(Lang::Fr, prompts::INVALID_KEY, prompts::MAIN_MENU));
    // The goodbye closing a booking is the catalogue's own.
    let done = prompts::booked(Lang::Fr, "demain à 9 heures", "docteur martin", "12 rue des Tilleuls");
    assert_eq!(done.segments().last(), Some(&Segment::Sentence(prompts::GOODBYE, fr(prompts::GOODBYE))));
}

/// Seconds the voice takes to say this, rendered by espeak-ng as on a call.
async fn spoken(voice: &crate::speech::Voice, said: &Utterance) -> f64 {
    let mut secs = 0.0;
    for file in voice.render_utterance(said).await.unwrap() {
        secs += crate::speech::recognition::read_wav_16k(&file).unwrap().len() as f64 / 16_000.0;
    }
    secs
}

#[tokio::test]
async fn a_caller_who_presses_nothing_is_handed_to_a_human_within_45_seconds_of_the_answer() {
    let dir = tempfile::tempdir().unwrap();
    let defaults = crate::config::Config::default();
    let voice = crate::speech::Voice::new("espeak-ng", "fr", defaults.speech.rate, dir.path());
    let timeout = defaults.server.digit_timeout_ms as f64 / 1000.0;
    for speech in [false, true] {
        let mut c = ctx();
        c.speech = speech;
        let mut r = Receptionist::new(c);
        let (mut input, mut secs, mut heard) = (Input::Start, 0.0, Vec::new());
        'call: loop {
            let (next, actions) = r.step(input);
            r = next;
            input = Input::Done;
            for a in actions {
                match a {
                    Action::Answer => {}
                    Action::Say(u) => secs += spoken(&voice, &u).await,
                    Action::Ask { prompt, .. } => {
                        secs += spoken(&voice, &prompt).await + timeout;
                        heard.push(prompt.text());
                        input = Input::NoInput;
                    }
                    Action::Record { prompt, max_secs, .. } => {
                        secs += spoken(&voice, &prompt).await + max_secs as f64;
                        input = Input::NothingRecorded;
                    }
                    Action::ToSecretaries { reason, .. } => {
                        assert!(reason.starts_with("pas de réponse"), "{reason}");
                        break 'call;
                    }
                    other => panic!("a silent caller: {other:?}"),
                }
            }
        }
        assert!(secs <= 45.0, "speech model {speech}: handed over {secs:.1} s after the answer, having heard {heard:?}");
        assert!(secs >= 20.0, "the greeting and the menu at least: {secs:.1} s");
    }
}

#[tokio::test]
async fn the_main_menu_takes_under_12_seconds() {
    let dir = tempfile::tempdir().unwrap();
    for lang in [Lang::Fr, Lang::En] {
        let voice = crate::speech::Voice::new("espeak-ng", lang.voice(), crate::config::Config::default().speech.rate, dir.path());
        let secs = spoken(&voice, &prompts::say(lang, prompts::MAIN_MENU)).await;
        assert!(secs < 12.0 && secs > 5.0, "{lang:?}: {secs:.1} s");
    }
}
