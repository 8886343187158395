//! Booking by keys: doctors, types, slots, the name, the read-back, a slot
//! taken meanwhile, no slot, too many, bad keys at every question.

use super::*;

pub(super) fn booking_until_slots() -> Vec<Input> {
    vec![digits("1"), digits("1"), digits("1"), Input::Slots(vec![slot(9, 0), slot(9, 20), slot(9, 40)])]
}

#[test]
fn booking_by_keys_from_menu_to_goodbye() {
    let mut inputs = booking_until_slots();
    inputs.extend([digits("2"), Input::Recorded { path: "/r/nom.wav".into(), secs: 2.0 }, digits("1"), Input::Booked(appt(7, 10, 100, slot(9, 20)))]);
    let (r, out) = run(ctx(), inputs);
    assert_eq!(ask_text(&out[1]), "Pour le docteur claire martin, tapez 1. Pour le docteur paul bernard, tapez 2.");
    assert_eq!(ask_text(&out[2]), "Pour consultation, tapez 1. Pour suivi de grossesse, tapez 2.");
    assert_eq!(out[3], vec![Action::FindSlots { doctor_id: 10, type_id: 100, after: None, count: 3 }]);
    assert_eq!(ask_text(&out[4]), "Tapez 1 pour demain à 9 heures, 2 pour demain à 9 heures 20, 3 pour demain à 9 heures 40, 4 pour d'autres créneaux.");
    assert!(matches!(out[5][0], Action::Record { kind: RecordingKind::Name, .. }));
    assert_eq!(
        ask_text(&out[6]),
        "Rendez-vous demain à 9 heures 20 avec le docteur claire martin. Pour confirmer, tapez 1. Pour choisir un autre créneau, tapez 2."
    );
    assert_eq!(out[7], vec![Action::Book { doctor_id: 10, type_id: 100, start: slot(9, 20).start, name_recording: Some("/r/nom.wav".into()) }]);
    assert_eq!(
        out[8],
        vec![say("C'est noté: rendez-vous demain à 9 heures 20 avec le docteur claire martin, au 12 rue des Tilleuls, 69003 Lyon. Au revoir."), Action::Hangup]
    );
    assert_eq!(r.outcome(), Outcome::Booked);
}

#[test]
fn one_doctor_and_one_type_skip_the_questions() {
    let mut c = ctx();
    c.doctors.truncate(1);
    c.doctors[0].types.truncate(1);
    let (_, out) = run(c, vec![digits("1")]);
    assert_eq!(out[1], vec![Action::FindSlots { doctor_id: 10, type_id: 100, after: None, count: 3 }]);
}

#[test]
fn other_slots_continue_after_the_last_offered() {
    let mut inputs = booking_until_slots();
    inputs.push(digits("4"));
    let (_, out) = run(ctx(), inputs);
    assert_eq!(out[5], vec![Action::FindSlots { doctor_id: 10, type_id: 100, after: Some(slot(9, 40).start + Duration::seconds(1)), count: 3 }]);
}

#[test]
fn a_slot_taken_meanwhile_is_said_and_new_slots_offered() {
    let mut inputs = booking_until_slots();
    inputs.extend([digits("1"), Input::NothingRecorded, digits("1"), Input::Refused(Refusal::SlotTaken)]);
    let (r, out) = run(ctx(), inputs);
    assert_eq!(out[8], vec![say(fr(prompts::SLOT_TAKEN)), Action::FindSlots { doctor_id: 10, type_id: 100, after: None, count: 3 }]);
    assert_eq!(r.outcome(), Outcome::InProgress);
}

#[test]
fn after_a_slot_taken_the_name_already_said_is_not_asked_again() {
    let mut inputs = booking_until_slots();
    let name = Input::Recorded { path: "/r/nom.wav".into(), secs: 2.0 };
    inputs.extend([
        digits("1"),
        name,
        digits("1"),
        Input::Refused(Refusal::SlotTaken),
        Input::Slots(vec![slot(10, 0), slot(10, 20)]),
        digits("2"),
        digits("1"),
    ]);
    let (_, out) = run(ctx(), inputs);
    assert!(matches!(out[5][0], Action::Record { kind: RecordingKind::Name, .. }));
    // The second choice goes straight to the read-back, then books with the first recording.
    assert!(!out[10].iter().any(|a| matches!(a, Action::Record { .. })), "{:?}", out[10]);
    assert!(ask_text(&out[10]).starts_with("Rendez-vous demain à 10 heures 20"), "{}", ask_text(&out[10]));
    assert_eq!(out[11], vec![Action::Book { doctor_id: 10, type_id: 100, start: slot(10, 20).start, name_recording: Some("/r/nom.wav".into()) }]);
}

#[test]
fn choosing_another_slot_at_the_read_back_searches_again() {
    let mut inputs = booking_until_slots();
    inputs.extend([digits("1"), Input::NothingRecorded, digits("2")]);
    let (_, out) = run(ctx(), inputs);
    assert_eq!(out[7], vec![Action::FindSlots { doctor_id: 10, type_id: 100, after: None, count: 3 }]);
}

#[test]
fn no_slot_within_the_horizon_offers_a_message_never_the_secretaries() {
    let (r, out) = run(ctx(), vec![digits("1"), digits("2"), Input::Slots(vec![]), digits("1")]);
    assert_eq!(ask_text(&out[3]), format!("{} {}", prompts::no_slot(Lang::Fr, 21), fr(prompts::OFFER_MESSAGE)));
    assert!(matches!(out[4][0], Action::Record { kind: RecordingKind::Message, .. }));
    let (r2, out2) = run(ctx(), vec![digits("1"), digits("2"), Input::Slots(vec![]), Input::NoInput]);
    assert!(out2.iter().all(|a| secretaries(a).is_none()));
    assert_eq!(out2[4], vec![say(fr(prompts::GOODBYE)), Action::Hangup]);
    assert_eq!(r.outcome(), Outcome::InProgress);
    assert_ne!(r2.outcome(), Outcome::Secretaries);
}

#[test]
fn too_many_appointments_is_said_and_silence_is_a_goodbye() {
    let mut inputs = booking_until_slots();
    inputs.extend([digits("1"), Input::NothingRecorded, digits("1"), Input::Refused(Refusal::TooMany(3))]);
    let (_, out) = run(ctx(), inputs.clone());
    assert_eq!(out[8][0], Action::Say(Utterance::words(Lang::Fr, prompts::too_many(Lang::Fr, 3).text())));
    assert_eq!(ask_text(&out[8]), fr(prompts::ANYTHING_ELSE));
    inputs.push(Input::NoInput);
    let (r, out) = run(ctx(), inputs.clone());
    assert_eq!(out[9], vec![say(fr(prompts::GOODBYE)), Action::Hangup]);
    assert_eq!(r.outcome(), Outcome::Info, "told why, not handed over");
    // Star: the whole menu; a choice of the menu typed at once does what it says.
    let mut star = inputs.clone();
    star[inputs.len() - 1] = digits("*");
    assert_eq!(ask_text(&run(ctx(), star).1[9]), fr(prompts::MAIN_MENU));
    let mut zero = inputs.clone();
    zero[inputs.len() - 1] = digits("0");
    assert!(secretaries(&run(ctx(), zero).1[9]).is_some());
}

#[test]
fn a_caller_whose_name_the_practice_has_is_not_asked_it() {
    let mut c = ctx();
    c.name_on_file = Some("Jean Dupont".into());
    let mut inputs = booking_until_slots();
    inputs.push(digits("2"));
    let (_, out) = run(c, inputs);
    assert!(ask_text(&out[5]).starts_with("Rendez-vous demain à 9 heures 20"), "straight to the read-back: {:?}", out[5]);
    assert!(out.iter().flatten().all(|a| !matches!(a, Action::Record { .. })));
}

#[test]
fn bad_keys_in_every_booking_question_hand_over() {
    // doctor, type, slot, confirmation
    let prefixes: Vec<Vec<Input>> = vec![vec![digits("1")], vec![digits("1"), digits("1")], booking_until_slots(), {
        let mut v = booking_until_slots();
        v.extend([digits("1"), Input::NothingRecorded]);
        v
    }];
    for p in prefixes {
        let n = p.len();
        let mut inputs = p.clone();
        inputs.extend([digits("8"), Input::NoInput]);
        let (_, out) = run(ctx(), inputs);
        assert!(ask_text(&out[n + 1]).starts_with(fr(prompts::INVALID_KEY)), "{:?}", out[n + 1]);
        assert!(secretaries(&out[n + 2]).is_some(), "second miss hands over after {n} inputs");
    }
}

#[test]
fn a_known_patient_books_in_four_keys_with_the_doctor_and_type_of_last_time() {
    let mut c = ctx();
    c.name_on_file = Some("Jean Dupont".into());
    c.last_booked = Some((10, 101));
    let (_, out) = run(c.clone(), vec![digits("1")]);
    assert_eq!(ask_text(&out[1]), "Avec le docteur claire martin, pour suivi de grossesse, comme la dernière fois, tapez 1. Pour un autre choix, tapez 2.");
    let keys = [digits("1"), digits("1")];
    let mut inputs = keys.to_vec();
    inputs.push(Input::Slots(vec![slot(9, 0), slot(9, 20), slot(9, 40)]));
    inputs.extend([digits("1"), digits("1")]);
    let (r, out) = run(c.clone(), inputs);
    assert_eq!(out[2], vec![Action::FindSlots { doctor_id: 10, type_id: 101, after: None, count: 3 }]);
    assert!(matches!(out[5].as_slice(), [Action::Book { doctor_id: 10, type_id: 101, name_recording: None, .. }]), "{:?}", out[5]);
    let pressed = out.len() - 1 - 1; // every input but the agenda's answer
    assert_eq!(pressed, 4, "menu 1, as last time 1, slot 1, confirm 1");
    let _ = r;
    // "2": the usual questions.
    let (_, out) = run(c.clone(), vec![digits("1"), digits("2")]);
    assert!(ask_text(&out[2]).starts_with("Pour le docteur"), "{:?}", out[2]);
    // A type no longer bookable by phone is not offered.
    c.last_booked = Some((10, 999));
    let (_, out) = run(c, vec![digits("1")]);
    assert!(ask_text(&out[1]).starts_with("Pour le docteur"), "{:?}", out[1]);
}
