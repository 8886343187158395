//! The call controller over real TCP, against the scripted switch whose
//! frames come from ../shared/esl-captures.

use crate::common;

use std::sync::Arc;
use std::time::Duration;

use common::{HangupAt, Patient, SwitchCall, call, call_to, start};
use scripted_switch::{Captures, Door};
use standardiste::store::Store;

async fn wait_for<F: Fn() -> bool>(what: &str, f: F) {
    for _ in 0..200 {
        if f() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("timed out waiting for {what}");
}

fn outcomes(store: &Store) -> Vec<(String, String)> {
    store.run_sync(|db| db.calls(1000)).unwrap().into_iter().map(|c| (c.uuid, c.outcome)).collect()
}

#[tokio::test]
async fn a_whole_call_from_connect_to_hangup() {
    let svc = start(|_| {}).await;
    let t = call(svc.running.addr, "0611223344", Patient::keys(&["4", "3", "1"])).await;
    let lines: Vec<&str> = t.commands.iter().map(|c| c.line.as_str()).collect();
    assert_eq!(&lines[..2], &["resume", "myevents plain"], "{lines:?}");
    assert!(
        lines[2].starts_with("nixevent CHANNEL_EXECUTE ") && !lines[2].contains("CHANNEL_EXECUTE_COMPLETE") && !lines[2].contains("CHANNEL_HANGUP"),
        "{}",
        lines[2]
    );
    assert_eq!(lines[3], "linger 5");
    assert!(lines[4].starts_with("api sched_hangup +90") && lines[4].ends_with("ALLOTTED_TIMEOUT"), "{}", lines[4]);
    assert_eq!(
        t.apps(),
        [
            "multiset",
            "answer",
            "playback",
            "play_and_get_digits",
            "playback",
            "play_and_get_digits",
            // What to say, then the beep, in one; `#` scoped to `record`.
            "playback",
            "record",
            "play_and_get_digits",
            "playback"
        ]
    );
    assert!(t.commands.iter().any(|c| c.app() == Some("record") && c.arg().starts_with("%[playback_terminators=#]/")));
    assert_eq!(t.commands.last().unwrap().headers.get("call-command").map(String::as_str), Some("hangup"));
    assert!(t.missing_files.is_empty(), "every prompt was rendered before it was played: {:?}", t.missing_files);
    assert!(t.closed_by_service);
    // Every execute carries its own Event-UUID.
    let ids: Vec<&String> = t.commands.iter().filter_map(|c| c.headers.get("event-uuid")).collect();
    let mut unique = ids.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(ids.len(), unique.len());
    assert_eq!(ids.len(), t.apps().len());
    // The message is stored with its file and the caller's number.
    let store = &svc.running.store;
    let messages = store.run_sync(|db| db.messages(1)).unwrap();
    assert_eq!(messages.len(), 1);
    assert_eq!(messages[0].caller.as_deref(), Some("+33611223344"));
    assert!(std::path::Path::new(&messages[0].audio_path).exists());
    assert_eq!(messages[0].duration_secs, 4.2);
    wait_for("call record", || outcomes(store).len() == 1).await;
    assert_eq!(outcomes(store)[0].1, "message");
}

#[tokio::test]
async fn the_caller_hangs_up_during_a_prompt() {
    let svc = start(|_| {}).await;
    let patient = Patient { hangup: HangupAt::Playback(1), ..Patient::keys(&["1"]) };
    let t = call(svc.running.addr, "0611223344", patient).await;
    assert!(t.hung_up && t.closed_by_service);
    assert_eq!(t.apps(), ["multiset", "answer", "playback"], "nothing is sent after the hang-up");
    wait_for("call record", || outcomes(&svc.running.store).len() == 1).await;
    assert_eq!(outcomes(&svc.running.store)[0].1, "abandoned");
}

#[tokio::test]
async fn the_caller_hangs_up_during_digit_collection() {
    let svc = start(|_| {}).await;
    let patient = Patient { hangup: HangupAt::Question(1), ..Patient::keys(&["1"]) };
    let t = call(svc.running.addr, "0611223344", patient).await;
    assert!(t.hung_up && t.closed_by_service);
    assert_eq!(t.apps().last().map(String::as_str), Some("play_and_get_digits"));
    wait_for("call record", || outcomes(&svc.running.store).len() == 1).await;
    assert_eq!(outcomes(&svc.running.store)[0].1, "abandoned");
}

#[tokio::test]
async fn a_connection_closed_before_connect_is_answered_leaves_the_service_serving() {
    let svc = start(|_| {}).await;
    let mut sw = SwitchCall::dial(svc.running.addr, "0611223344", "1000").await.unwrap();
    let cmd = sw.command().await.unwrap().unwrap();
    assert_eq!(cmd.line, "connect");
    drop(sw);
    let counters = svc.running.counters.clone();
    wait_for("the task to end", || counters.finished.load(std::sync::atomic::Ordering::Relaxed) == 1).await;
    let t = call(svc.running.addr, "0611223344", Patient::keys(&["0"])).await;
    assert_eq!(t.transferred.as_deref(), Some("secretariat XML standardiste"));
}

#[tokio::test]
async fn a_garbage_frame_ends_the_connection_cleanly() {
    let svc = start(|_| {}).await;
    let patient = Patient { inject_before_execute: Some((2, "this is not an event socket frame\n\n".into())), ..Patient::keys(&["4"]) };
    let t = call(svc.running.addr, "0611223344", patient).await;
    assert!(t.closed_by_service, "the service closes: with resume sent first, the dialplan takes the call back");
    assert_eq!(t.commands[0].line, "resume");
    assert!(!t.apps().contains(&"play_and_get_digits".to_string()));
    let counters = svc.running.counters.clone();
    wait_for("the task to end", || counters.finished.load(std::sync::atomic::Ordering::Relaxed) == 1).await;
    let t = call(svc.running.addr, "0611223344", Patient::keys(&["0"])).await;
    assert!(t.transferred.is_some(), "the next call is served");
}

#[tokio::test]
async fn an_oversized_content_length_ends_the_connection_cleanly() {
    let svc = start(|_| {}).await;
    let frame = "Content-Length: 99999999999\nContent-Type: text/event-plain\n\n".to_string();
    let patient = Patient { inject_before_execute: Some((2, frame)), ..Patient::keys(&["4"]) };
    let t = call(svc.running.addr, "0611223344", patient).await;
    assert!(t.closed_by_service);
    let counters = svc.running.counters.clone();
    wait_for("the task to end", || counters.finished.load(std::sync::atomic::Ordering::Relaxed) == 1).await;
}

#[tokio::test]
async fn one_malformed_event_does_not_end_the_call() {
    let svc = start(|_| {}).await;
    // An event whose inner header block is broken (a line without a colon, bad UTF-8 escape).
    let inner = "Event-Name: DTMF\nthis line has no colon\nDTMF-Digit: %FF%FE\n\n";
    let frame = format!("Content-Length: {}\nContent-Type: text/event-plain\n\n{inner}", inner.len());
    let patient = Patient { inject_before_execute: Some((3, frame)), ..Patient::keys(&["0"]) };
    let t = call(svc.running.addr, "0611223344", patient).await;
    assert_eq!(t.transferred.as_deref(), Some("secretariat XML standardiste"), "the call went on to the end: {:?}", t.apps());
}

#[tokio::test]
async fn a_stalled_switch_hits_the_call_deadline() {
    let svc = start(|c| c.server.call_deadline_secs = 2).await;
    let patient = Patient { stall_at_execute: Some(3), ..Patient::keys(&["4"]) };
    let started = std::time::Instant::now();
    let t = call(svc.running.addr, "0611223344", patient).await;
    let took = started.elapsed();
    assert!(t.closed_by_service);
    assert!(took >= Duration::from_secs(2) && took < Duration::from_secs(10), "closed after {took:?}");
    assert!(t.commands.iter().any(|c| c.line.starts_with("api sched_hangup +62 ")), "the switch-side deadline is armed too");
    wait_for("call record", || outcomes(&svc.running.store).len() == 1).await;
    let calls = svc.running.store.run_sync(|db| db.calls(10)).unwrap();
    assert!(calls[0].detail.contains("délai maximal"), "{}", calls[0].detail);
}

#[tokio::test]
async fn an_unknown_dialled_number_goes_back_to_the_dialplan_unanswered() {
    let svc = start(|_| {}).await;
    let t = call_to(svc.running.addr, "0611223344", "4242", Patient::keys(&["1"])).await;
    assert!(t.closed_by_service);
    assert!(!t.apps().contains(&"answer".to_string()), "{:?}", t.apps());
    assert_eq!(t.commands[0].line, "resume");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hundred_concurrent_calls_all_complete() {
    let svc = start(|_| {}).await;
    // Warm the prompt cache with one call, as a running service would be.
    call(svc.running.addr, "0611223344", Patient::keys(&["4", "0"])).await;
    let addr = svc.running.addr;
    let mut tasks = Vec::new();
    for i in 0..200 {
        tasks.push(tokio::spawn(async move { call(addr, &format!("06{:08}", 10_000_000 + i), Patient::keys(&["4", "0"])).await }));
    }
    for task in tasks {
        let t = task.await.unwrap();
        assert_eq!(t.transferred.as_deref(), Some("secretariat XML standardiste"));
        assert!(t.closed_by_service);
        assert_eq!(t.vars.get("standardiste_reason").map(String::as_str), Some("demande du secrétariat (touche 0) (a essayé: horaires)"));
    }
    let counters = svc.running.counters.clone();
    wait_for("every task to end", || counters.finished.load(std::sync::atomic::Ordering::Relaxed) == 201).await;
}

#[tokio::test]
async fn over_the_cap_a_call_is_handed_back_to_the_dialplan() {
    let svc = start(|c| c.server.max_calls = 1).await;
    let reached = Arc::new(tokio::sync::Notify::new());
    let resume = Arc::new(tokio::sync::Notify::new());
    let first = Patient { pause_at_question: Some((1, reached.clone(), resume.clone())), ..Patient::keys(&["0"]) };
    let addr = svc.running.addr;
    let held = tokio::spawn(async move { call(addr, "0611223344", first).await });
    reached.notified().await;
    // The second call: connect, resume, close — never answered, never left parked.
    let mut sw = SwitchCall::dial(addr, "0622334455", "1000").await.unwrap();
    sw.connect().await.unwrap();
    let cmd = sw.command().await.unwrap().unwrap();
    assert_eq!(cmd.line, "resume");
    sw.conn.reply_raw_text("+OK").await.unwrap();
    assert!(sw.command().await.unwrap().is_none(), "closed right after resume");
    resume.notify_one();
    let t = held.await.unwrap();
    assert!(t.transferred.is_some());
    assert_eq!(svc.running.counters.over_cap.load(std::sync::atomic::Ordering::Relaxed), 1);
}

#[tokio::test]
async fn shutdown_lets_live_calls_finish_and_refuses_new_ones() {
    let svc = start(|_| {}).await;
    let reached = Arc::new(tokio::sync::Notify::new());
    let resume = Arc::new(tokio::sync::Notify::new());
    let patient = Patient { pause_at_question: Some((1, reached.clone(), resume.clone())), ..Patient::keys(&["0"]) };
    let addr = svc.running.addr;
    let live = tokio::spawn(async move { call(addr, "0611223344", patient).await });
    reached.notified().await;
    svc.running.shutdown();
    // New calls are refused: the socket application fails and the dialplan falls through.
    let mut refused = false;
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(addr).await.is_err() {
            refused = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(refused, "the listener is closed");
    resume.notify_one();
    let t = live.await.unwrap();
    assert_eq!(t.transferred.as_deref(), Some("secretariat XML standardiste"), "the live call finished its dialogue");
    tokio::time::timeout(Duration::from_secs(10), svc.running.wait()).await.expect("service stops after the drain").unwrap();
}

#[tokio::test]
async fn the_inbound_connection_survives_a_switch_restart() {
    let server = Door::bind("s3cret-test").await.unwrap();
    let port = server.port();
    let svc = start(|c| c.freeswitch.port = port).await;
    let mut state = svc.running.inbound.state();
    for (round, rows) in [(1u64, r#"{"row_count":1,"rows":[{"uuid":"aaa"}]}"#), (2, r#"{"row_count":2,"rows":[{"uuid":"aaa"},{"uuid":"bbb"}]}"#)] {
        let mut conn = tokio::time::timeout(Duration::from_secs(10), server.accept()).await.expect("the service (re)connects").unwrap();
        let sub = conn.read_command().await.unwrap();
        assert!(sub.starts_with("event plain ") && sub.contains("CHANNEL_HANGUP_COMPLETE") && sub.contains("BACKGROUND_JOB"), "{sub}");
        conn.reply_ok_text("event listener enabled plain").await.unwrap();
        let show = conn.read_command().await.unwrap();
        assert_eq!(show, "api show channels as json\n\n");
        conn.reply_api(rows).await.unwrap();
        tokio::time::timeout(Duration::from_secs(5), state.wait_for(|s| s.connected && s.connections == round)).await.unwrap().unwrap();
        let expected: Vec<String> = if round == 1 { vec!["aaa".into()] } else { vec!["aaa".into(), "bbb".into()] };
        assert_eq!(state.borrow().channels, expected, "resynchronised from show channels");
        // The switch restarts.
        conn.send_raw(Captures::get().disconnect_notice()).await.unwrap();
        conn.close().await;
        tokio::time::timeout(Duration::from_secs(5), state.wait_for(|s| !s.connected)).await.unwrap().unwrap();
    }
    // Calls are taken all along.
    let t = call(svc.running.addr, "0611223344", Patient::keys(&["0"])).await;
    assert!(t.transferred.is_some());
}

#[tokio::test]
async fn a_wrong_inbound_password_stops_the_service_with_a_clear_error() {
    let server = Door::bind("the-real-password").await.unwrap();
    let port = server.port();
    let svc = start(|c| c.freeswitch.port = port).await;
    let denied = server.accept().await.err().expect("the wrong password is refused");
    assert_eq!(denied.kind(), std::io::ErrorKind::PermissionDenied);
    let err = tokio::time::timeout(Duration::from_secs(10), svc.running.wait()).await.expect("stops").unwrap_err();
    assert!(err.to_string().contains("password"), "{err}");
    assert!(tokio::time::timeout(Duration::from_millis(800), server.accept()).await.is_err(), "no retry loop");
}

#[tokio::test]
async fn call_events_are_read_from_the_switch_frames() {
    use standardiste::call::{CallEvent, Channel};
    use standardiste::freeswitch::channel::EslChannel;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (accepted, sw) = tokio::join!(freeswitch_esl_tokio::EslClient::accept_outbound(&listener), SwitchCall::dial(addr, "0611223344", "1000"));
    let (client, events) = accepted.unwrap();
    let mut sw = sw.unwrap();
    let (data, connected) = tokio::join!(client.connect_session(), sw.connect());
    connected.unwrap();
    assert_eq!(data.unwrap().header("Unique-ID"), Some(sw.uuid.as_str()));
    let dir = tempfile::tempdir().unwrap();
    let mut channel = EslChannel::new(client, events, standardiste::speech::Voice::new("espeak-ng", "fr", 150, dir.path()), sw.uuid.clone());
    assert_eq!(channel.next_event(Duration::from_millis(100)).await.unwrap(), None, "nothing happened");
    let mut dtmf = sw.event("DTMF");
    dtmf.set("DTMF-Digit", "#");
    sw.conn.send_raw(&dtmf.frame()).await.unwrap();
    let mut done = sw.event("CHANNEL_EXECUTE_COMPLETE");
    done.set("Application", "playback").set("Application-Response", "FILE PLAYED");
    sw.conn.send_raw(&done.frame()).await.unwrap();
    let mut state = sw.event("CHANNEL_STATE");
    state.set("Channel-State", "CS_EXECUTE");
    sw.conn.send_raw(&state.frame()).await.unwrap();
    sw.caller_hangs_up(None).await.unwrap();
    let wait = Duration::from_secs(2);
    assert_eq!(channel.next_event(wait).await.unwrap(), Some(CallEvent::Digit('#')));
    assert_eq!(channel.next_event(wait).await.unwrap(), Some(CallEvent::ExecuteComplete { application: "playback".into(), response: "FILE PLAYED".into() }));
    assert_eq!(channel.next_event(wait).await.unwrap(), Some(CallEvent::HungUp), "other events are passed over");
    assert!(channel.is_hung_up());
}

#[tokio::test]
async fn without_a_voice_the_call_goes_to_the_secretaries_with_the_reason() {
    let svc = start(|c| c.speech.espeak = "/nonexistent/espeak-ng".into()).await;
    let t = call(svc.running.addr, "0611223344", Patient::keys(&[])).await;
    assert_eq!(t.transferred.as_deref(), Some("secretariat XML standardiste"));
    let reason = t.vars.get("standardiste_reason").cloned().unwrap_or_default();
    assert!(reason.starts_with("erreur du service: voix indisponible"), "{reason}");
    assert!(t.played.is_empty(), "nothing silent was played");
}
