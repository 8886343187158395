//! The hang-up matrix (issue 19), over the real driver and the scripted
//! switch: each flow (booking by keys, cancelling, leaving a message) cut by
//! the caller's hang-up at every step — during each playback, during each
//! question (before its completion), right after the recording — and
//! checked: the agenda changes only once the confirmation key is pressed
//! (and then always), a recording of one second or more always becomes a
//! message (one under a second is dropped), every call leaves exactly one
//! call row. (Hang-ups during the queue's music and a secretary's bridge are
//! in tests/it/queue.rs.)

use crate::common;

use std::time::Duration;

use common::{HangupAt, Patient};
use standardiste::store::Store;

fn rows(store: &Store) -> usize {
    store.run_sync(|db| db.calls(100_000)).unwrap().len()
}

fn booked(store: &Store, phone: &str) -> usize {
    let phone = standardiste::agenda::phone::normalize(phone).unwrap();
    store.run_sync(move |db| db.future_appointments(1, &phone, chrono::Utc::now())).unwrap().len()
}

fn messages_of(store: &Store, phone: &str) -> usize {
    let phone = standardiste::agenda::phone::normalize(phone).unwrap();
    store.run_sync(|db| db.messages(1)).unwrap().iter().filter(|m| m.caller.as_deref() == Some(phone.as_str())).count()
}

/// One call, then its row: the call's task has ended and written it.
async fn cut_call(svc: &common::TestService, caller: &str, patient: Patient) -> common::Transcript {
    let before = rows(&svc.running.store);
    let t = common::call(svc.running.addr, caller, patient).await;
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while rows(&svc.running.store) == before {
        assert!(std::time::Instant::now() < deadline, "{caller}: no call row");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(rows(&svc.running.store), before + 1, "{caller}: exactly one call row");
    t
}

/// Questions the caller answered before hanging up.
fn answered(t: &common::Transcript, at: HangupAt) -> usize {
    match at {
        HangupAt::Question(k) if t.questions >= k => k - 1,
        _ => t.questions,
    }
}

fn cuts(steps: usize) -> Vec<HangupAt> {
    let mut v: Vec<HangupAt> = (1..=steps).flat_map(|i| [HangupAt::Playback(i), HangupAt::Question(i)]).collect();
    v.push(HangupAt::AfterRecording(1));
    v.push(HangupAt::Never);
    v
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_booking_cut_anywhere_changes_the_agenda_only_after_its_confirmation_key() {
    let svc = common::start(|_| {}).await;
    let keys = ["1", "1", "1", "1", "1", "1"];
    // The whole call: how many questions up to the confirmation.
    let full = cut_call(&svc, "0611000000", Patient::keys(&keys)).await;
    assert_eq!(booked(&svc.running.store, "0611000000"), 1, "the uncut call books: {:?}", full.apps());
    let confirm_at = full.questions;
    for (i, at) in cuts(confirm_at + 2).into_iter().enumerate() {
        let caller = format!("06110001{i:02}");
        let t = cut_call(&svc, &caller, Patient { hangup: at, ..Patient::keys(&keys) }).await;
        let confirmed = answered(&t, at) >= confirm_at;
        assert_eq!(booked(&svc.running.store, &caller) == 1, confirmed, "{at:?}: answered {} of {confirm_at} questions", answered(&t, at));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancellation_cut_anywhere_cancels_only_after_its_confirmation_key() {
    let svc = common::start(|_| {}).await;
    let book = ["1", "1", "1", "1", "1", "1"];
    let cancel = ["2", "1", "1"];
    let caller = |i: usize| format!("06220001{i:02}");
    cut_call(&svc, &caller(99), Patient::keys(&book)).await;
    let full = cut_call(&svc, &caller(99), Patient::keys(&cancel)).await;
    assert_eq!(booked(&svc.running.store, &caller(99)), 0, "the uncut call cancels: {:?}", full.apps());
    // The confirmation is the last key pressed before "annulé".
    let confirm_at = 3;
    for (i, at) in cuts(full.questions + 1).into_iter().enumerate() {
        cut_call(&svc, &caller(i), Patient::keys(&book)).await;
        assert_eq!(booked(&svc.running.store, &caller(i)), 1);
        let t = cut_call(&svc, &caller(i), Patient { hangup: at, ..Patient::keys(&cancel) }).await;
        let confirmed = answered(&t, at) >= confirm_at;
        assert_eq!(booked(&svc.running.store, &caller(i)) == 0, confirmed, "{at:?}: answered {}", answered(&t, at));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_cut_anywhere_is_kept_once_recorded_for_a_second_or_more() {
    let svc = common::start(|_| {}).await;
    let keys = ["3", "1"];
    for record_ms in [1500u32, 400] {
        for (i, at) in cuts(4).into_iter().enumerate() {
            let caller = format!("0633{record_ms:04}{i:02}");
            let t = cut_call(&svc, &caller, Patient { hangup: at, record_ms, ..Patient::keys(&keys) }).await;
            let recorded = !t.recordings.is_empty();
            let kept = messages_of(&svc.running.store, &caller);
            if record_ms >= 1000 {
                assert_eq!(kept, usize::from(recorded), "{record_ms} ms, {at:?}: a recording of a second or more is a message");
            } else {
                assert_eq!(kept, 0, "{record_ms} ms, {at:?}: under a second is not a message");
            }
        }
    }
}
