//! Shorter calls (issue 21), over TCP as the switch sees them: the time a
//! caller spends is what the switch plays (the rendered files' lengths) and
//! waits for (each question's timeout, each recording's longest time).

use crate::common;

use common::{Patient, Transcript, call, start};
use standardiste::config::Config;

const CALLER_E164: &str = "+33611223344";

/// Seconds a playback argument lasts, as the switch plays it (its files
/// must all be readable wavs).
fn secs_of(arg: &str) -> f64 {
    scripted_switch::try_play_length(arg).unwrap_or_else(|e| panic!("{e}")).as_secs_f64()
}

/// Seconds from the answer until the switch received `until` (an app name),
/// for a caller who lets every question run out and says nothing.
fn silent_seconds(t: &Transcript, until: &str) -> f64 {
    let mut secs = 0.0;
    for c in &t.commands {
        match c.app() {
            Some(app) if app == until => return secs,
            Some("playback") => secs += secs_of(c.arg()),
            Some("play_and_get_digits") => {
                // min max tries timeout terminators file invalid-file var regexp inter-digit
                let parts: Vec<&str> = c.arg().split(' ').collect();
                let tries: f64 = parts[2].parse().unwrap();
                let timeout: f64 = parts[3].parse::<f64>().unwrap() / 1000.0;
                secs += tries * (secs_of(parts[5]) + timeout);
            }
            Some("record") => secs += c.arg().split(' ').nth(1).unwrap().parse::<f64>().unwrap(),
            _ => {}
        }
    }
    panic!("no {until} in {:?}", t.apps())
}

fn outcome(svc: &common::TestService) -> String {
    svc.running.store.run_sync(|db| db.calls(1)).unwrap()[0].outcome.clone()
}

fn real_timeouts(c: &mut Config) {
    c.server.digit_timeout_ms = Config::default().server.digit_timeout_ms;
}

#[tokio::test]
async fn the_hours_then_silence_is_a_goodbye_not_a_hand_over() {
    let svc = start(real_timeouts).await;
    let t = call(svc.running.addr, "0611223344", Patient::keys(&["4", ""])).await;
    assert_eq!(t.transferred, None, "{:?}", t.apps());
    assert_eq!(t.commands.last().and_then(|c| c.headers.get("call-command")).map(String::as_str), Some("hangup"));
    assert_eq!(t.questions, 2, "the menu, then once: anything else?");
    assert_eq!(outcome(&svc), "info");
}

#[tokio::test]
async fn a_caller_who_presses_nothing_reaches_a_human_within_45_seconds() {
    let model = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("models/ggml-base.bin");
    for speech in [false, true] {
        let svc = start(|c| {
            real_timeouts(c);
            if speech {
                c.speech.model = model.clone();
            }
        })
        .await;
        let mut silent = Patient::keys(&["", "", "", "", ""]);
        // Nothing said at the invitation to speak.
        silent.record_ms = 0;
        let t = call(svc.running.addr, "0611223344", silent).await;
        assert!(t.transferred.is_some(), "speech {speech}: {:?}", t.apps());
        assert!(t.vars["standardiste_reason"].starts_with("pas de r"), "{:?}", t.vars);
        assert_eq!(t.apps().iter().any(|a| a == "record"), speech, "the invitation to speak only with a model: {:?}", t.apps());
        let secs = silent_seconds(&t, "transfer");
        assert!(secs <= 45.0, "speech model {speech}: handed over {secs:.1} s after the answer: {:?}", t.apps());
        assert!(secs >= 20.0, "the greeting and the menu at least: {secs:.1} s");
        assert_eq!(outcome(&svc), "secretaries");
    }
}

#[tokio::test]
async fn a_key_typed_during_the_greeting_answers_the_menu_which_is_not_played() {
    let svc = start(real_timeouts).await;
    // 4 pressed during the greeting (the first playback): the hours at once; then silence.
    let t = call(svc.running.addr, "0611223344", Patient { type_ahead: Some((1, "4".into())), ..Patient::keys(&[""]) }).await;
    let apps = t.apps();
    assert_eq!(t.questions, 1, "only: anything else? {apps:?}");
    let greeting = t.commands.iter().find(|c| c.app() == Some("playback")).unwrap();
    // The greeting, with the emergency advice at its end, is played whole:
    // no key stops a plain playback, and nothing breaks it.
    let multiset = t.commands.iter().find(|c| c.app() == Some("multiset")).unwrap();
    assert!(multiset.arg().contains("playback_terminators=none"), "{}", multiset.arg());
    assert!(t.commands.iter().all(|c| !c.line.starts_with("api uuid_break")));
    assert_eq!(apps.iter().filter(|a| *a == "playback").count(), 3, "the greeting, the hours, the goodbye: {apps:?}");
    assert_ne!(greeting.arg(), "");
    assert_eq!(outcome(&svc), "info");
    // The same without the key: the menu is asked.
    let t = call(svc.running.addr, "0611223344", Patient::keys(&["4", ""])).await;
    assert_eq!(t.questions, 2);
}

#[tokio::test]
async fn keys_typed_during_a_sentence_do_not_answer_a_question_not_yet_heard() {
    let svc = start(real_timeouts).await;
    // The doctor's correspondent: 1 (put me through); 1 pressed while "I am
    // putting you through" plays (the second playback). The doctor does not
    // answer: the offer of a message is asked, not answered by that key (a
    // message would be recorded).
    let mut patient = Patient { type_ahead: Some((2, "1".into())), ..Patient::keys(&["1", "", "", ""]) };
    patient.bridge_answers = false;
    let t = call(svc.running.addr, "04 72 11 22 33", patient).await;
    assert!(t.apps().iter().any(|a| a == "bridge"), "{:?}", t.apps());
    assert!(t.questions >= 2, "the pre-menu, then the offer of a message: {:?}", t.apps());
    assert!(!t.apps().iter().any(|a| a == "record"), "a key typed before the question was heard answered it: {:?}", t.apps());
}

#[tokio::test]
async fn a_known_patient_books_in_four_keys_and_is_not_asked_a_name() {
    let svc = start(real_timeouts).await;
    let store = svc.running.store.clone();
    // Booked once before, by the practice, with a name.
    store
        .run_sync(|db| {
            let p = db.practice_id("Cabinet médical des Tilleuls")?;
            let d = db.doctor_id(p, "Docteur Paul Bernard")?;
            let ty = db.types(d)?.into_iter().find(|t| t.name == "consultation").unwrap().id;
            let slot = db.free_slots(d, ty, chrono::Utc::now(), None, 1)?[0];
            let req = standardiste::store::BookingRequest {
                doctor_id: d,
                type_id: ty,
                start: slot.start,
                patient_name: "Mme Test".into(),
                phone: Some(CALLER_E164.into()),
                name_recording: None,
                source: standardiste::agenda::Source::Staff,
                now: chrono::Utc::now(),
            };
            db.book(&req)?.unwrap();
            Ok(())
        })
        .unwrap();
    // menu 1, "as last time" 1, the first slot 1, confirm 1.
    let t = call(svc.running.addr, "0611223344", Patient::keys(&["1", "1", "1", "1"])).await;
    assert_eq!(t.questions, 4, "{:?}", t.apps());
    assert!(t.recordings.is_empty(), "the name on file is not asked");
    assert_eq!(outcome(&svc), "booked");
    let p = store.run_sync(|db| db.practice_id("Cabinet médical des Tilleuls")).unwrap();
    let mine = store.run_sync(move |db| db.future_appointments(p, CALLER_E164, chrono::Utc::now())).unwrap();
    assert_eq!(mine.len(), 2);
    assert!(mine.iter().all(|a| a.patient_name == "Mme Test"), "{mine:?}");
}
