//! Whole calls over TCP for each flow of the receptionist, checked in SQLite.

use crate::common;

use chrono::Utc;
use common::{Patient, call, start};
use standardiste::agenda::Source;
use standardiste::store::BookingRequest;

const CALLER: &str = "0611223344";
const CALLER_E164: &str = "+33611223344";

#[tokio::test]
async fn a_booking_made_by_keys_is_found_in_sqlite() {
    let svc = start(|_| {}).await;
    let store = svc.running.store.clone();
    // menu 1, doctor 1 (Martin: one type bookable by a new patient), slot 1, (name), confirm 1
    let t = call(svc.running.addr, CALLER, Patient::keys(&["1", "1", "1", "1"])).await;
    assert_eq!(t.recordings.len(), 1, "the name was recorded");
    assert!(t.missing_files.is_empty());
    // `#` ends the recording, in a variable scoped to `record`: no `set`
    // before or after it, and the channel's plain playbacks still cannot
    // be stopped by a key. The prompt and the beep are one playback.
    assert_eq!(t.record_terminators, ["#"]);
    assert_eq!(t.vars.get("playback_terminators").map(String::as_str), Some("none"));
    let apps = t.apps();
    assert!(!apps.iter().any(|a| a == "set"), "{apps:?}");
    let before = &apps[..apps.iter().position(|a| a == "record").unwrap()];
    assert_eq!(before.last().map(String::as_str), Some("playback"), "{apps:?}");
    assert!(t.played.iter().any(|f| f.starts_with("tone_stream://")), "the beep: {:?}", t.played);
    let p = store.run_sync(|db| db.practice_id("Cabinet médical des Tilleuls")).unwrap();
    let mine = store.run_sync(move |db| db.future_appointments(p, CALLER_E164, Utc::now())).unwrap();
    assert_eq!(mine.len(), 1);
    assert_eq!(mine[0].source, Source::Phone);
    assert_eq!(mine[0].name_recording.as_deref(), Some(t.recordings[0].as_str()));
    assert!(std::path::Path::new(&t.recordings[0]).exists());
    let calls = store.run_sync(|db| db.calls(5)).unwrap();
    assert_eq!(calls[0].outcome, "booked");
    // The slot the patient took is no longer offered.
    let d = mine[0].doctor_id;
    let ty = mine[0].type_id;
    let slots = store.run_sync(move |db| db.free_slots(d, ty, Utc::now(), None, 50)).unwrap();
    assert!(slots.iter().all(|s| s.start != mine[0].start));
}

fn book_for_caller(svc: &common::TestService) -> standardiste::agenda::Appointment {
    let store = svc.running.store.clone();
    store
        .run_sync(|db| {
            let p = db.practice_id("Cabinet médical des Tilleuls")?;
            let d = db.doctor_id(p, "Docteur Paul Bernard")?;
            let ty = db.types(d)?.into_iter().find(|t| t.name == "consultation").unwrap().id;
            let slot = db.free_slots(d, ty, Utc::now(), None, 1)?[0];
            let req = BookingRequest {
                doctor_id: d,
                type_id: ty,
                start: slot.start,
                patient_name: "Mme Test".into(),
                phone: Some(CALLER_E164.into()),
                name_recording: None,
                source: Source::Staff,
                now: Utc::now(),
            };
            Ok(db.book(&req)?.unwrap())
        })
        .unwrap()
}

#[tokio::test]
async fn a_cancellation_frees_the_slot() {
    let svc = start(|_| {}).await;
    let a = book_for_caller(&svc);
    // menu 2, appointment: 1 cancel, confirm 1
    let t = call(svc.running.addr, CALLER, Patient::keys(&["2", "1", "1"])).await;
    assert!(t.closed_by_service);
    let store = svc.running.store.clone();
    assert_eq!(store.run_sync(move |db| db.appointment(a.id)).unwrap().status, "cancelled");
    let (d, ty) = (a.doctor_id, a.type_id);
    let slots = store.run_sync(move |db| db.free_slots(d, ty, Utc::now(), None, 1)).unwrap();
    assert_eq!(slots[0].start, a.start, "the slot is offered again");
    assert_eq!(store.run_sync(|db| db.calls(1)).unwrap()[0].outcome, "cancelled");
}

#[tokio::test]
async fn a_move_swaps_the_slot_in_one_go() {
    let svc = start(|_| {}).await;
    let a = book_for_caller(&svc);
    // menu 2, appointment: 2 move, slot 1, confirm 1
    call(svc.running.addr, CALLER, Patient::keys(&["2", "2", "1", "1"])).await;
    let store = svc.running.store.clone();
    let moved = store.run_sync(move |db| db.appointment(a.id)).unwrap();
    assert_eq!(moved.status, "booked");
    assert_ne!(moved.start, a.start);
    assert_eq!(store.run_sync(|db| db.calls(1)).unwrap()[0].outcome, "moved");
}

#[tokio::test]
async fn key_9_queues_the_call_as_urgent_with_its_reason() {
    let svc = start(|_| {}).await;
    let t = call(svc.running.addr, CALLER, Patient::keys(&["9"])).await;
    assert_eq!(t.transferred.as_deref(), Some("secretariat XML standardiste"));
    assert_eq!(t.vars.get("standardiste_urgent").map(String::as_str), Some("true"));
    assert_eq!(t.vars.get("standardiste_reason").map(String::as_str), Some("urgence (touche 9)"));
    assert_eq!(t.vars.get("standardiste_practice").map(String::as_str), Some("Cabinet médical des Tilleuls"));
    assert!(t.commands.iter().any(|c| c.line.starts_with("api sched_del ")), "the switch-side deadline is lifted before the transfer");
}

#[tokio::test]
async fn an_allowed_correspondent_is_put_through_to_their_doctor() {
    let svc = start(|_| {}).await;
    let t = call(svc.running.addr, "04 72 11 22 33", Patient::keys(&["1"])).await;
    let bridge = t.commands.iter().find(|c| c.app() == Some("bridge")).expect("bridged");
    assert_eq!(bridge.arg(), "{call_timeout=25}user/1011");
    assert_eq!(svc.running.store.run_sync(|db| db.calls(1)).unwrap()[0].outcome, "doctor");
}

#[tokio::test]
async fn a_blocked_number_hears_one_sentence() {
    let svc = start(|_| {}).await;
    let t = call(svc.running.addr, "06 99 99 99 99", Patient::keys(&[])).await;
    assert_eq!(t.apps(), ["multiset", "answer", "playback"]);
    assert!(t.hung_up);
}

#[tokio::test]
async fn a_withheld_number_can_do_all_but_cancel() {
    let svc = start(|_| {}).await;
    let t = call(svc.running.addr, "anonymous", Patient::keys(&["2", "4", "0"])).await;
    assert_eq!(t.questions, 3, "menu, menu after the refusal, menu after the hours; then handed over");
    assert!(t.transferred.is_some());
    let calls = svc.running.store.run_sync(|db| db.calls(1)).unwrap();
    assert_eq!(calls[0].caller, None);
}

#[tokio::test]
async fn a_practice_recording_replaces_the_synthetic_voice() {
    let svc = start(|_| {}).await;
    let folder = svc.config.paths.prompts.join("practices").join("1");
    std::fs::create_dir_all(&folder).unwrap();
    let own = folder.join("menu.main.wav");
    std::fs::write(&own, common::wav_8k(8000)).unwrap();
    let t = call(svc.running.addr, CALLER, Patient::keys(&["0"])).await;
    let pagd = t.commands.iter().find(|c| c.app() == Some("play_and_get_digits")).unwrap();
    assert!(pagd.arg().contains(own.to_str().unwrap()), "{}", pagd.arg());
    assert!(t.missing_files.is_empty());
}

#[tokio::test]
async fn two_callers_at_once_are_offered_different_slots_and_both_book_the_first() {
    let svc = start(|_| {}).await;
    let store = svc.running.store.clone();
    let first_free = store
        .run_sync(|db| {
            let p = db.practice_id("Cabinet médical des Tilleuls")?;
            let d = db.doctor_id(p, "Docteur Claire Martin")?;
            let ty = db.types(d)?.into_iter().find(|t| t.name == "consultation").unwrap().id;
            db.free_slots(d, ty, Utc::now(), None, 4)
        })
        .unwrap();
    // The first caller hears the offer (question 3) and thinks; the second
    // books meanwhile, pressing 1 for their first slot too.
    let reached = std::sync::Arc::new(tokio::sync::Notify::new());
    let resume = std::sync::Arc::new(tokio::sync::Notify::new());
    let thinking = Patient { pause_at_question: Some((3, reached.clone(), resume.clone())), ..Patient::keys(&["1", "1", "1", "1"]) };
    let addr = svc.running.addr;
    let first = tokio::spawn(async move { call(addr, "0611223344", thinking).await });
    reached.notified().await;
    let second = call(addr, "0622334455", Patient::keys(&["1", "1", "1", "1"])).await;
    resume.notify_one();
    let first = first.await.unwrap();
    assert_eq!(first.recordings.len(), 1);
    assert_eq!(second.recordings.len(), 1);
    let booked = |phone: &'static str| {
        store.run_sync(move |db| {
            let p = db.practice_id("Cabinet médical des Tilleuls")?;
            db.future_appointments(p, phone, Utc::now())
        })
    };
    let (a, b) = (booked("+33611223344").unwrap(), booked("+33622334455").unwrap());
    // The slots offered to the first caller were held: the second was
    // offered the next three, and the first booked what they were offered,
    // not "this slot has just been taken".
    assert_eq!(a.len(), 1, "the first caller booked");
    assert_eq!(a[0].start, first_free[0].start);
    assert_eq!(b.len(), 1, "the second caller booked");
    assert_eq!(b[0].start, first_free[3].start);
    // Both calls' ends are recorded, booked, and nothing is held after them.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let calls = store.run_sync(|db| db.calls(5)).unwrap();
        if calls.len() == 2 && svc.running.holds.calls() == 0 {
            assert!(calls.iter().all(|c| c.outcome == "booked"), "{calls:?}");
            break;
        }
        assert!(std::time::Instant::now() < deadline, "{calls:?}, {} calls holding slots", svc.running.holds.calls());
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}
