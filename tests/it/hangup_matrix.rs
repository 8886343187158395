//! The hang-up matrix (issue 19), over the real driver and the scripted
//! switch: each flow (booking by keys, cancelling, leaving a message) cut by
//! the caller's hang-up at every step — during each playback, during each
//! question (before its completion), right after the recording — and
//! checked: the agenda changes only once the confirmation key is pressed
//! (and then always), a recording of one second or more always becomes a
//! message (one under a second is dropped), every call leaves exactly one
//! call row. A call for the secretaries is cut the same way before the
//! queue, during the music and the announcements of its place, and during
//! the conversation with the secretary: one row, the right outcome, nobody
//! left waiting, the secretary free again.

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
    cut_call_on(svc, None, caller, patient).await
}

/// The same, on a switch whose `board` carries the secretaries' legs.
async fn cut_call_on(svc: &common::TestService, board: Option<&std::sync::Arc<common::Switchboard>>, caller: &str, patient: Patient) -> common::Transcript {
    let before = rows(&svc.running.store);
    let mut sw = common::SwitchCall::dial(svc.running.addr, caller, "1000").await.expect("dial");
    if let Some(b) = board {
        sw = sw.with_board(b.clone());
    }
    let t = tokio::time::timeout(Duration::from_secs(60), sw.run(patient)).await.expect("call finishes in time").expect("switch side works");
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

struct Desk {
    svc: common::TestService,
    board: std::sync::Arc<common::Switchboard>,
    practice: i64,
}

/// A service linked to the scripted switch with one remote secretary, Ana.
async fn desk(phone: common::Phone) -> Desk {
    let (svc, board) = common::linked(|c| {
        c.queue.announce_every_secs = 1;
        c.queue.wrap_up_secs = 1;
        c.queue.ring_secs = 2;
        c.queue.max_wait_secs = 120;
    })
    .await;
    let practice = svc.running.store.run_sync(|db| db.practice_id(standardiste::store::demo::DEMO_PRACTICE)).unwrap();
    let ana = standardiste::store::Secretary {
        id: "ana".into(),
        name: "Ana".into(),
        dial: "user/1101".into(),
        practices: vec![(practice, standardiste::queue::Level::Primary)],
    };
    svc.running.store.run_sync(move |db| db.put_secretary(&ana)).unwrap();
    board.phone("user/1101", phone);
    svc.running.queues.login("ana").await.unwrap();
    Desk { svc, board, practice }
}

impl Desk {
    /// The practice's queue figures, and how many calls wait.
    async fn queue(&self) -> (standardiste::queue::Stats, usize, standardiste::queue::AgentState) {
        let s = self.svc.running.queues.snapshot().await.expect("queue running");
        let stats = s.stats.iter().find(|v| v.practice_id == self.practice).map(|v| v.stats.clone()).unwrap_or_default();
        let ana = s.agents.iter().find(|a| a.id == "ana").unwrap().state.clone();
        (stats, s.waiting.len(), ana)
    }

    fn last_outcome(&self) -> String {
        self.svc.running.store.run_sync(|db| db.calls(1)).unwrap()[0].outcome.clone()
    }
}

/// Key 0 while the only secretary is paused: the caller waits (music, then
/// "vous êtes le prochain" every second). Cut at each playback and question
/// — the menu, the hand-over sentence, the announcements of their place —
/// and on hold: one row; a caller who had joined the queue is abandoned in
/// the row and in the queue's figures, and leaves nobody waiting.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_call_for_the_secretaries_cut_before_or_in_the_queue_is_abandoned_and_leaves_nobody_waiting() {
    let d = desk(common::Phone::answers(Duration::from_millis(100), Duration::from_secs(1))).await;
    d.svc.running.queues.pause("ana", "réunion").await.unwrap();
    let mut cuts = cuts(6);
    cuts.pop(); // every call ends by the caller: the last, on hold
    for (i, at) in cuts.into_iter().enumerate() {
        let caller = format!("06440001{i:02}");
        let (before, _, _) = d.queue().await;
        let patient = Patient { hangup: at, hang_up_on_hold_after: Some(Duration::from_millis(2500)), ..Patient::keys(&["0"]) };
        let t = cut_call_on(&d.svc, Some(&d.board), &caller, patient).await;
        assert!(t.hung_up, "{at:?}: the caller hung up");
        let joined = t.holds > 0;
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        let (after, waiting) = loop {
            let (after, waiting, _) = d.queue().await;
            if waiting == 0 && after.abandoned == before.abandoned + u64::from(joined) {
                break (after, waiting);
            }
            assert!(std::time::Instant::now() < deadline, "{at:?}: {waiting} waiting, {after:?} after {before:?}");
            tokio::time::sleep(Duration::from_millis(20)).await;
        };
        assert_eq!((after.offered, waiting), (before.offered + u64::from(joined), 0), "{at:?}");
        if joined {
            assert_eq!(d.last_outcome(), "abandoned", "{at:?}: joined the queue, then hung up");
        }
    }
}

/// Key 0, Ana answers: the caller hangs up during the conversation (capture
/// 15), or Ana does. One row, outcome "secretaries", counted answered, and
/// Ana is free again after her wrap-up.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_conversation_with_a_secretary_ended_by_either_side_frees_her() {
    let d = desk(common::Phone::answers(Duration::from_millis(100), Duration::from_secs(3))).await;
    for (i, caller_leaves) in [Some(Duration::from_millis(300)), None].into_iter().enumerate() {
        let caller = format!("06450001{i:02}");
        let (before, _, _) = d.queue().await;
        let patient = Patient { hang_up_bridged_after: caller_leaves, ..Patient::keys(&["0"]) };
        let t = cut_call_on(&d.svc, Some(&d.board), &caller, patient).await;
        assert_eq!(t.bridged_to.len(), 1, "{caller_leaves:?}: reached Ana");
        assert!(t.hung_up, "{caller_leaves:?}: the call ended");
        assert!(
            d.board.log().iter().any(|(_, e)| matches!(e, common::BoardEvent::Unbridged { leg, .. } if *leg == t.bridged_to[0])),
            "{caller_leaves:?}: the bridge ended"
        );
        assert_eq!(d.last_outcome(), "secretaries", "{caller_leaves:?}");
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        loop {
            let (after, waiting, ana) = d.queue().await;
            if matches!(ana, standardiste::queue::AgentState::Available { .. }) {
                assert_eq!((after.answered, after.abandoned, waiting), (before.answered + 1, before.abandoned, 0), "{caller_leaves:?}");
                break;
            }
            assert!(std::time::Instant::now() < deadline, "{caller_leaves:?}: Ana still {ana:?}");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}
