//! A property over the real call driver and the scripted switch (issue 19):
//! whatever a switch and a caller do — any keys or none, a hang-up at any
//! playback, question or recording, garbage or a malformed event before any
//! application's completion, a switch that stops answering — the call ends:
//! the service hangs up, transfers, or closes after its `resume` (the
//! dialplan takes the call back), or the caller hung up; never a call left
//! waiting, never a panic; every call leaves exactly one call row, and the
//! next caller is served.

use crate::common;

use std::sync::atomic::Ordering::Relaxed;
use std::time::Duration;

use common::{HangupAt, Patient};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};

/// What the switch slips in before an application's completion.
fn garbage() -> impl Strategy<Value = String> {
    let event = |inner: String| format!("Content-Length: {}\nContent-Type: text/event-plain\n\n{inner}", inner.len());
    prop_oneof![
        "[ -~]{0,40}".prop_map(|s| format!("{s}\n\n")),
        Just("Content-Length: 99999999999\nContent-Type: text/event-plain\n\n".to_string()),
        Just(event("Event-Name: DTMF\nthis line has no colon\nDTMF-Digit: %FF%FE\n\n".into())),
        Just(event("Event-Name: CHANNEL_EXECUTE_COMPLETE\nApplication: playback\nApplication-UUID: not-ours\n\n".into())),
        Just(event("Event-Name: CHANNEL_HANGUP\nUnique-ID: someone-else\nHangup-Cause: NORMAL_CLEARING\n\n".into())),
        Just("Content-Length: 5\nContent-Type: text/event-plain\n\nEvent-Name: DTMF\n\n".to_string()),
        "[a-zA-Z-]{1,20}: [ -~]{0,30}".prop_map(move |h| event(format!("Event-Name: DTMF\n{h}\n\n"))),
    ]
}

/// A key, or several, or none (the question times out).
fn key() -> impl Strategy<Value = Option<String>> {
    prop_oneof![
        8 => prop::sample::select(vec!["0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "*", "#"]).prop_map(|k| Some(k.to_string())),
        2 => "[0-9*#]{2,8}".prop_map(Some),
        1 => Just(None),
    ]
}

fn hangup() -> impl Strategy<Value = HangupAt> {
    prop_oneof![
        3 => Just(HangupAt::Never),
        2 => (1usize..8).prop_map(HangupAt::Playback),
        2 => (1usize..8).prop_map(HangupAt::Question),
        1 => (1usize..3).prop_map(HangupAt::AfterRecording),
    ]
}

#[derive(Debug, Clone)]
struct Case {
    keys: Vec<Option<String>>,
    hangup: HangupAt,
    inject: Option<(usize, String)>,
    stall: Option<usize>,
    record_ms: u32,
}

fn case() -> impl Strategy<Value = Case> {
    (
        prop::collection::vec(key(), 0..9),
        hangup(),
        prop::option::weighted(0.4, (1usize..14, garbage())),
        prop::option::weighted(0.08, 2usize..12),
        prop::sample::select(vec![0u32, 400, 1500, 3000]),
    )
        .prop_map(|(keys, hangup, inject, stall, record_ms)| Case { keys, hangup, inject, stall, record_ms })
}

#[test]
fn any_sequence_of_keys_hang_ups_and_garbage_ends_the_call_and_leaves_one_row() {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    // A stalled switch meets the call's deadline (4 s) rather than the tests' 30 s.
    let svc = rt.block_on(common::start(|c| c.server.call_deadline_secs = 4));
    let store = svc.running.store.clone();
    let counters = svc.running.counters.clone();
    let mut runner = TestRunner::new(Config { cases: 64, failure_persistence: None, ..Config::default() });
    let result = runner.run(&case(), |c| {
        rt.block_on(async {
            let rows_before = store.run_sync(|db| db.calls(100_000)).unwrap().len();
            let finished_before = counters.finished.load(Relaxed);
            let mut patient = Patient::keys(&[]);
            patient.keys = c.keys.iter().cloned().collect();
            patient.hangup = c.hangup;
            patient.inject_before_execute = c.inject.clone();
            patient.stall_at_execute = c.stall;
            patient.record_ms = c.record_ms;
            let sw = common::SwitchCall::dial(svc.running.addr, "0611223344", "1000").await.map_err(|e| TestCaseError::fail(format!("dial: {e}")))?;
            // Every key answered or timed out (1 s each), a recording, the deadline: well within this.
            let t = tokio::time::timeout(Duration::from_secs(90), sw.run(patient))
                .await
                .map_err(|_| TestCaseError::fail(format!("the call never ended: {c:?}")))?
                .map_err(|e| TestCaseError::fail(format!("the switch's side failed: {e}: {c:?}")))?;
            prop_assert!(t.closed_by_service || t.hung_up, "{c:?}: {:?}", t.apps());
            prop_assert_eq!(t.commands.first().map(|c| c.line.as_str()), Some("resume"), "resume first: any close gives the call back to the dialplan");
            let ended_by = if t.transferred.is_some() {
                "transfer"
            } else if t.apps().iter().any(|a| a == "hangup") || t.commands.iter().any(|c| c.headers.get("call-command").is_some_and(|v| v == "hangup")) {
                "hangup"
            } else if t.hung_up {
                "caller"
            } else {
                "resume"
            };
            prop_assert!(["transfer", "hangup", "caller", "resume"].contains(&ended_by));
            // The call's task ends and writes its one row.
            let deadline = std::time::Instant::now() + Duration::from_secs(30);
            while counters.finished.load(Relaxed) == finished_before || store.run_sync(|db| db.calls(100_000)).unwrap().len() == rows_before {
                prop_assert!(std::time::Instant::now() < deadline, "the call's task did not end or left no row: {c:?}");
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
            prop_assert_eq!(store.run_sync(|db| db.calls(100_000)).unwrap().len(), rows_before + 1, "exactly one row: {:?}", c);
            prop_assert_eq!(counters.live(), 0, "no call left: {:?}", c);
            Ok(())
        })
    });
    if let Err(e) = result {
        panic!("{e}");
    }
    // Still serving: an ordinary call after all that.
    let t = rt.block_on(common::call(svc.running.addr, "0611223344", Patient::keys(&["0"])));
    assert!(t.transferred.is_some(), "the next caller is served: {:?}", t.apps());
}
