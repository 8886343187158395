//! The remote secretaries' queues, over real TCP: the service under test
//! takes calls from the scripted switch (outbound sockets) and rings the
//! secretaries' phones over its inbound link to the same scripted switch.
//! The agents' API is driven over HTTP.

use crate::common;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use common::*;
use serde_json::{Value, json};
use standardiste::queue::Level;
use standardiste::store::PracticeField;
use standardiste::store::Secretary;
use tokio::time::Instant;

struct Desk {
    svc: TestService,
    board: Arc<Switchboard>,
    practice: i64,
    /// An admin's token: the API acts on every secretary.
    token: String,
}

async fn desk(edit: impl FnOnce(&mut standardiste::config::Config)) -> Desk {
    let (svc, board) = linked(|c| {
        c.queue.announce_every_secs = 1;
        c.queue.wrap_up_secs = 1;
        c.queue.ring_secs = 2;
        c.queue.max_wait_secs = 120;
        edit(c)
    })
    .await;
    let practice = svc.running.store.run_sync(|db| db.practice_id(standardiste::store::demo::DEMO_PRACTICE)).unwrap();
    let token = token_for(&svc.running.store, "root", standardiste::store::Role::Admin, &[], None);
    Desk { svc, board, practice, token }
}

impl Desk {
    fn secretary(&self, id: &str, dial: &str, level: Level) {
        let s = Secretary { id: id.into(), name: id.to_uppercase(), dial: dial.into(), practices: vec![(self.practice, level)] };
        self.svc.running.store.run_sync(move |db| db.put_secretary(&s)).unwrap();
    }

    async fn api(&self, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
        let url = format!("http://{}{path}", self.svc.running.web_addr);
        let method = method.to_string();
        let bearer = format!("Bearer {}", self.token);
        tokio::task::spawn_blocking(move || {
            let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
            let mut resp = match (method.as_str(), body) {
                ("GET", _) => agent.get(&url).header("Authorization", &bearer).call(),
                (_, Some(b)) => agent.post(&url).header("Authorization", &bearer).send_json(b),
                (_, None) => agent.post(&url).header("Authorization", &bearer).send_empty(),
            }
            .expect("the API answers");
            let status = resp.status().as_u16();
            (status, resp.body_mut().read_json().unwrap_or(Value::Null))
        })
        .await
        .unwrap()
    }

    /// The call backs still to do.
    async fn open_callbacks(&self) -> Vec<Value> {
        self.api("GET", "/api/callbacks", None).await.1.as_array().cloned().unwrap_or_default()
    }

    async fn login(&self, id: &str) {
        let (status, v) = self.api("POST", &format!("/api/agents/{id}/login"), None).await;
        assert_eq!(status, 200, "{v}");
    }

    async fn queues(&self) -> Value {
        let (status, v) = self.api("GET", "/api/queues", None).await;
        assert_eq!(status, 200, "{v}");
        v
    }

    async fn stats(&self) -> Value {
        let (status, v) = self.api("GET", "/api/stats", None).await;
        assert_eq!(status, 200, "{v}");
        v.as_array().unwrap().iter().find(|s| s["practice_id"] == self.practice).cloned().unwrap_or(Value::Null)
    }

    fn dial(&self, caller: &str, patient: Patient) -> tokio::task::JoinHandle<Transcript> {
        let addr = self.svc.running.addr;
        let board = self.board.clone();
        let caller = caller.to_string();
        tokio::spawn(async move {
            let sw = SwitchCall::dial(addr, &caller, "1000").await.unwrap().with_board(board);
            tokio::time::timeout(Duration::from_secs(90), sw.run(patient)).await.expect("call finishes in time").expect("switch side works")
        })
    }

    fn agent_state(snapshot: &Value, id: &str) -> Value {
        snapshot["agents"].as_array().unwrap().iter().find(|a| a["id"] == id).unwrap()["state"].clone()
    }

    async fn until(&self, what: &str, f: impl Fn(&[(Instant, BoardEvent)]) -> bool) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while !f(&self.board.log()) {
            assert!(Instant::now() < deadline, "timed out waiting for {what}: {:#?}", self.board.log());
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

fn rang(log: &[(Instant, BoardEvent)]) -> Vec<Vec<String>> {
    log.iter().filter_map(|(_, e)| if let BoardEvent::Rang { dials, .. } = e { Some(dials.clone()) } else { None }).collect()
}

#[tokio::test]
async fn twenty_callers_three_secretaries_urgent_first_longest_idle_wrap_up() {
    let d = desk(|_| {}).await;
    let talk = Duration::from_millis(300);
    for (id, dial) in [("ana", "user/1101"), ("ben", "user/1102"), ("cleo", "user/1103")] {
        d.secretary(id, dial, Level::Primary);
        d.board.phone(dial, Phone::answers(Duration::from_millis(100), talk));
    }
    // Ana logs in first: she has been idle the longest.
    for id in ["ana", "ben", "cleo"] {
        d.login(id).await;
        tokio::time::sleep(Duration::from_millis(30)).await;
    }
    let urgent = [9usize, 14];
    let mut calls = Vec::new();
    let mut callers = Vec::new();
    for i in 0..20usize {
        let number = format!("+336112233{i:02}");
        let key = if urgent.contains(&i) { "9" } else { "0" };
        calls.push(d.dial(&number, Patient::keys(&[key])));
        callers.push(number);
        tokio::time::sleep(Duration::from_millis(40)).await;
    }
    // Once everyone has joined, the queue's order: urgent calls first, then by arrival.
    let deadline = Instant::now() + Duration::from_secs(20);
    let order: Vec<String> = loop {
        let q = d.queues().await;
        let waiting = q["waiting"].as_array().unwrap();
        let stats = q["stats"].as_array().unwrap().iter().find(|s| s["practice_id"] == d.practice).cloned().unwrap_or(Value::Null);
        if stats["offered"] == 20 {
            // Those not yet offered (their secretary's phone is not ringing).
            let order = waiting.iter().filter(|c| c["ringing"].as_array().unwrap().is_empty()).map(|c| c["caller"].as_str().unwrap().to_string()).collect();
            let urgent_flags: Vec<bool> = waiting.iter().map(|c| c["urgent"].as_bool().unwrap()).collect();
            let first_normal = urgent_flags.iter().position(|u| !u).unwrap_or(urgent_flags.len());
            assert!(urgent_flags[first_normal..].iter().all(|u| !u), "urgent calls wait ahead of the others: {urgent_flags:?}");
            let since: Vec<&str> = waiting[first_normal..].iter().map(|c| c["since"].as_str().unwrap()).collect();
            assert!(since.windows(2).all(|w| w[0] <= w[1]), "then by arrival");
            let positions: Vec<u64> = waiting.iter().map(|c| c["position"].as_u64().unwrap()).collect();
            assert_eq!(positions, (1..=waiting.len() as u64).collect::<Vec<_>>());
            break order;
        }
        assert!(Instant::now() < deadline, "20 calls did not join");
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert!(order.len() >= 12, "most callers waited: {}", order.len());
    let mut transcripts = Vec::new();
    for c in calls {
        transcripts.push(c.await.unwrap());
    }
    for (i, t) in transcripts.iter().enumerate() {
        assert_eq!(t.bridged_to.len(), 1, "caller {i} reached a secretary");
        assert!(t.holds >= 1, "caller {i} heard the music");
    }
    let log = d.board.log();
    // Offered (and so served) in the queue's order. Offers the queue makes at
    // the same moment reach the switch in the order their announcements
    // finish rendering, so the switch's order across secretaries is a race;
    // but each secretary is offered the head of the queue each time she is
    // free, so the calls rung to any one secretary follow the queue's order.
    let leg_to_caller: HashMap<String, String> = transcripts.iter().zip(&callers).map(|(t, c)| (t.bridged_to[0].clone(), c.clone())).collect();
    let rank = |c: &String| order.iter().position(|o| o == c);
    let mut per_secretary: HashMap<String, Vec<String>> = HashMap::new();
    let mut served = 0;
    for (_, e) in &log {
        if let BoardEvent::Rang { legs, dials, .. } = e
            && let Some(c) = leg_to_caller.get(&legs[0])
        {
            served += 1;
            per_secretary.entry(dials[0].clone()).or_default().push(c.clone());
        }
    }
    assert_eq!(served, 20);
    for (dial, calls) in &per_secretary {
        let ranks: Vec<usize> = calls.iter().filter_map(rank).collect();
        assert!(ranks.windows(2).all(|w| w[0] < w[1]), "{dial} was offered the waiting callers out of the queue's order: {calls:?} (queue: {order:?})");
    }
    // The urgent callers were offered before any caller who waited behind them.
    let first_offer = |c: &String| log.iter().position(|(_, e)| matches!(e, BoardEvent::Rang { legs, .. } if leg_to_caller.get(&legs[0]) == Some(c)));
    for u in order.iter().take_while(|c| urgent.iter().any(|i| **c == callers[*i])) {
        let last_waiting = order.last().unwrap();
        assert!(first_offer(u) < first_offer(last_waiting), "urgent {u} before {last_waiting}");
    }
    // The first pass rang the three secretaries, one call each. Like the
    // later passes, its offers reach the switch in the order their
    // announcements finish rendering (seen on a loaded CI machine: 1102,
    // 1103, 1101), so only the set counts here; which secretary the queue
    // picks first (the one idle the longest) is shown without a clock race
    // by src/queue/tests.rs.
    let offers = rang(&log);
    let mut first: Vec<String> = offers[..3].iter().map(|d| d.join(",")).collect();
    first.sort();
    assert_eq!(first, ["user/1101", "user/1102", "user/1103"]);
    // Wrap-up: no secretary is rung sooner than a second after the end of her last call.
    let leg_dial: HashMap<String, String> =
        log.iter().filter_map(|(_, e)| if let BoardEvent::Answered { dial, leg } = e { Some((leg.clone(), dial.clone())) } else { None }).collect();
    let mut last_end: HashMap<String, Instant> = HashMap::new();
    for (at, e) in &log {
        match e {
            BoardEvent::Unbridged { leg, .. } => {
                last_end.insert(leg_dial[leg].clone(), *at);
            }
            BoardEvent::Rang { dials, .. } => {
                if let Some(end) = last_end.get(&dials[0]) {
                    assert!(at.duration_since(*end) >= Duration::from_millis(950), "wrap-up honoured for {}: {:?}", dials[0], at.duration_since(*end));
                }
            }
            _ => {}
        }
    }
    // Position announcements: a caller far down the queue heard several.
    assert!(transcripts.iter().any(|t| t.holds >= 3), "waiting callers hear their position between spells of music");
    let stats = d.stats().await;
    assert_eq!((stats["offered"].as_u64(), stats["answered"].as_u64(), stats["abandoned"].as_u64()), (Some(20), Some(20), Some(0)), "{stats}");
    let (avg, longest) = (stats["average_wait_secs"].as_f64().unwrap(), stats["longest_wait_secs"].as_f64().unwrap());
    assert!(avg > 0.5 && longest >= avg, "{stats}");
}

#[tokio::test]
async fn a_caller_who_hangs_up_while_waiting_leaves_the_queue_as_abandoned() {
    let d = desk(|_| {}).await;
    d.secretary("ana", "user/1101", Level::Primary);
    d.board.phone("user/1101", Phone::answers(Duration::from_millis(100), Duration::from_millis(200)));
    d.login("ana").await;
    let (status, v) = d.api("POST", "/api/agents/ana/pause", Some(json!({ "reason": "déjeuner" }))).await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(Desk::agent_state(&d.queues().await, "ana"), json!({ "state": "paused", "reason": "déjeuner" }));
    let mut patient = Patient::keys(&["0"]);
    patient.hang_up_on_hold_after = Some(Duration::from_millis(1500));
    let t = d.dial("+33611223344", patient).await.unwrap();
    assert!(t.hung_up && t.bridged_to.is_empty());
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let stats = d.stats().await;
        if stats["abandoned"] == 1 {
            assert_eq!(stats["answered"], 0);
            assert!(stats["longest_wait_secs"].as_f64().unwrap() >= 1.4, "{stats}");
            break;
        }
        assert!(Instant::now() < deadline, "{stats}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(d.queues().await["waiting"].as_array().unwrap().is_empty());
    assert!(rang(&d.board.log()).is_empty(), "nobody was rung");
    let calls = d.svc.running.store.run_sync(|db| db.calls(5)).unwrap();
    assert_eq!(calls[0].outcome, "abandoned", "{:?}", calls[0]);
}

#[tokio::test]
async fn a_secretary_who_does_not_answer_is_paused_and_the_next_one_takes_the_call() {
    let d = desk(|c| c.queue.ring_secs = 1).await;
    d.secretary("ana", "user/1101", Level::Primary);
    d.secretary("ben", "user/1102", Level::Primary);
    d.board.phone("user/1101", Phone::never_answers());
    d.board.phone("user/1102", Phone::answers(Duration::from_millis(100), Duration::from_millis(200)));
    d.login("ana").await;
    tokio::time::sleep(Duration::from_millis(30)).await;
    d.login("ben").await;
    let t = d.dial("+33611223344", Patient::keys(&["0"])).await.unwrap();
    assert_eq!(t.bridged_to.len(), 1);
    assert_eq!(rang(&d.board.log()), vec![vec!["user/1101".to_string()], vec!["user/1102".to_string()]], "ana first (idle longest), then ben");
    let q = d.queues().await;
    assert_eq!(Desk::agent_state(&q, "ana"), json!({ "state": "paused", "reason": "pas de réponse" }));
    // Ana is back: she can take calls again.
    let (status, _) = d.api("POST", "/api/agents/ana/resume", None).await;
    assert_eq!(status, 200);
    assert_eq!(Desk::agent_state(&d.queues().await, "ana")["state"], "available");
}

#[tokio::test]
async fn a_line_failing_during_the_offer_puts_the_call_back_at_the_head() {
    let d = desk(|_| {}).await;
    d.secretary("cleo", "user/1103", Level::Primary);
    d.secretary("ana", "user/1101", Level::Primary);
    d.secretary("ben", "user/1102", Level::Primary);
    d.board.phone("user/1103", Phone::fails("USER_NOT_REGISTERED"));
    d.board.phone("user/1101", Phone { hang_up_during_announcement: true, ..Phone::answers(Duration::from_millis(100), Duration::from_millis(200)) });
    d.board.phone("user/1102", Phone::answers(Duration::from_millis(100), Duration::from_millis(200)));
    for id in ["cleo", "ana", "ben"] {
        d.login(id).await;
        tokio::time::sleep(Duration::from_millis(30)).await;
    }
    let t = d.dial("+33611223344", Patient::keys(&["0"])).await.unwrap();
    assert_eq!(t.bridged_to.len(), 1, "the call reached the third secretary");
    let dials: Vec<String> = rang(&d.board.log()).into_iter().map(|d| d[0].clone()).collect();
    assert_eq!(dials, ["user/1103", "user/1101", "user/1102"]);
    let q = d.queues().await;
    assert_eq!(Desk::agent_state(&q, "cleo"), json!({ "state": "paused", "reason": "téléphone en échec (USER_NOT_REGISTERED)" }));
    assert_eq!(Desk::agent_state(&q, "ana"), json!({ "state": "paused", "reason": "ligne coupée avant la mise en relation" }));
    let stats = d.stats().await;
    assert_eq!((stats["offered"].as_u64(), stats["answered"].as_u64()), (Some(1), Some(1)), "one call, answered once");
}

#[tokio::test]
async fn after_an_inbound_reconnect_the_queue_rebuilds_from_the_live_channels() {
    let d = desk(|c| c.queue.ring_secs = 10).await;
    d.secretary("ana", "user/1101", Level::Primary);
    d.board.phone("user/1101", Phone::answers(Duration::from_millis(1500), Duration::from_millis(200)));
    d.login("ana").await;
    // Two callers: one is served after the reconnect; the other's channel
    // is gone from the switch while the link is down.
    let served = d.dial("+33611223344", Patient::keys(&["0"]));
    d.until("ana's phone rings", |log| rang(log).len() == 1).await;
    let gone = d.dial("+33611223355", Patient::keys(&["0", ""]));
    let deadline = Instant::now() + Duration::from_secs(10);
    while d.queues().await["waiting"].as_array().unwrap().len() < 2 {
        assert!(Instant::now() < deadline);
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let gone_uuid =
        d.queues().await["waiting"].as_array().unwrap().iter().find(|c| c["caller"] == "+33611223355").unwrap()["uuid"].as_str().unwrap().to_string();
    d.board.unregister_call(&gone_uuid);
    // The switch drops the inbound link while ana's phone rings: the
    // originate's result is lost with it.
    d.board.drop_link();
    let mut state = d.svc.running.inbound.state();
    tokio::time::timeout(Duration::from_secs(10), state.wait_for(|s| s.connected && s.connections == 2)).await.expect("the service reconnects").unwrap();
    let t = tokio::time::timeout(Duration::from_secs(30), served).await.unwrap().unwrap();
    assert_eq!(t.bridged_to.len(), 1, "the waiting caller is served after the reconnect");
    let log = d.board.log();
    let legs: Vec<String> = log.iter().filter_map(|(_, e)| if let BoardEvent::Rang { legs, .. } = e { Some(legs[0].clone()) } else { None }).collect();
    assert!(legs.len() >= 2, "rung again after the reconnect: {legs:?}");
    assert!(log.iter().any(|(_, e)| *e == BoardEvent::Killed { leg: legs[0].clone() }), "the leg rung before the drop is hung up after the resync");
    assert_eq!(t.bridged_to[0], *legs.last().unwrap());
    // The caller whose channel vanished left the queue (abandoned) and was
    // offered a message by the receptionist; the other was answered.
    let g = tokio::time::timeout(Duration::from_secs(30), gone).await.unwrap().unwrap();
    assert!(g.bridged_to.is_empty());
    assert!(g.questions >= 2, "offered a message once the queue let go");
    let stats = d.stats().await;
    assert_eq!((stats["answered"].as_u64(), stats["abandoned"].as_u64()), (Some(1), Some(1)), "{stats}");
}

#[tokio::test]
async fn with_nobody_logged_in_the_caller_leaves_a_message_or_asks_to_be_called_back() {
    let d = desk(|_| {}).await;
    d.secretary("ana", "user/1101", Level::Primary);
    d.board.phone("user/1101", Phone::answers(Duration::from_millis(100), Duration::from_millis(200)));
    d.board.phone("sofia/gateway/operator/0611223344", Phone::answers(Duration::from_millis(100), Duration::from_millis(300)));
    // Nobody is logged in. The first caller asks to be called back…
    let t = d.dial("+33611223344", Patient::keys(&["0", "2"])).await.unwrap();
    assert_eq!(t.holds, 0, "never left ringing into nothing");
    assert!(t.bridged_to.is_empty());
    // …the second leaves a message.
    let m = d.dial("+33622334455", Patient::keys(&["0", "1", "1"])).await.unwrap();
    assert_eq!(m.recordings.len(), 1);
    let messages = d.svc.running.store.run_sync(move |db| db.messages(1)).unwrap();
    assert_eq!(messages.len(), 1);
    assert_eq!(messages[0].caller.as_deref(), Some("+33622334455"));
    let stats = d.stats().await;
    assert_eq!((stats["offered"].as_u64(), stats["taken_back"].as_u64()), (Some(2), Some(2)), "{stats}");
    // The call back is shown to the secretaries, who place it.
    let (_, list) = d.api("GET", "/api/callbacks", None).await;
    let list = list.as_array().unwrap().clone();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["caller"], "+33611223344");
    assert!(list[0]["reason"].as_str().unwrap().contains("touche 0"));
    let id = list[0]["id"].as_i64().unwrap();
    let (status, v) = d.api("POST", &format!("/api/callbacks/{id}/place"), Some(json!({ "agent": "ana" }))).await;
    assert_eq!(status, 409, "a secretary logged out cannot place it: {v}");
    d.login("ana").await;
    let (status, v) = d.api("POST", &format!("/api/callbacks/{id}/place"), Some(json!({ "agent": "ana" }))).await;
    assert_eq!(status, 200, "{v}");
    d.until("the patient is called back", |log| log.iter().any(|(_, e)| matches!(e, BoardEvent::CalledBack { .. }))).await;
    let log = d.board.log();
    assert!(
        log.iter().any(|(_, e)| *e == BoardEvent::CalledBack { patient: "sofia/gateway/operator/0611223344".into(), secretary: "user/1101".into() }),
        "{log:#?}"
    );
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let (_, all) = d.api("GET", "/api/callbacks?all=true", None).await;
        if all[0]["outcome"] == "answered" {
            assert_eq!(all[0]["placed_by"], "ana");
            break;
        }
        assert!(Instant::now() < deadline, "{all}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let (_, open) = d.api("GET", "/api/callbacks", None).await;
    assert!(open.as_array().unwrap().is_empty());
}

/// Two secretaries clicking "call back" at once place one call; a call back
/// that reaches nobody stays to do, with its attempts and last outcome, and
/// can be placed again.
#[tokio::test]
async fn two_clicks_place_one_call_back_and_one_that_reaches_nobody_stays_to_do() {
    // The patient's phone rings without an answer for 2 × 5 s: the second
    // click comes while the first call back rings, however busy the machine.
    let d = desk(|c| c.queue.ring_secs = 5).await;
    d.secretary("ana", "user/1101", Level::Primary);
    d.secretary("bea", "user/1102", Level::Primary);
    d.board.phone("user/1101", Phone::answers(Duration::from_millis(100), Duration::from_millis(200)));
    d.board.phone("user/1102", Phone::answers(Duration::from_millis(100), Duration::from_millis(200)));
    let patient = "sofia/gateway/operator/0611223344";
    d.board.phone(patient, Phone::never_answers());
    d.login("ana").await;
    d.login("bea").await;
    let (practice, limits) = (d.practice, standardiste::store::CallbackLimits { per_number: 10, per_practice: 10 });
    let id = d
        .svc
        .running
        .store
        .run_sync(move |db| db.request_callback(practice, "+33611223344", "rappel demandé", false, chrono::Utc::now(), limits))
        .unwrap()
        .unwrap();
    let place = format!("/api/callbacks/{id}/place");
    let ((a, va), (b, vb)) = tokio::join!(d.api("POST", &place, Some(json!({ "agent": "ana" }))), d.api("POST", &place, Some(json!({ "agent": "bea" }))));
    let mut statuses = [a, b];
    statuses.sort();
    assert_eq!(statuses, [200, 409], "one click places it, the other is told: {va} {vb}");
    let refused = if a == 409 { &va } else { &vb };
    assert!(refused["error"].as_str().unwrap_or_default().contains("being placed"), "{refused}");
    // The attempt reaches nobody: the call back stays to do, counted.
    let deadline = Instant::now() + Duration::from_secs(60);
    let entry = loop {
        let list = d.open_callbacks().await;
        if let Some(c) = list.iter().find(|c| c["id"] == id && c["attempts"] == 1) {
            break c.clone();
        }
        assert!(Instant::now() < deadline, "the failed attempt was not recorded: {list:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(entry["placed_at"].is_null(), "still to do: {entry}");
    assert!(entry["claimed_by"].is_null(), "nobody's any more: {entry}");
    assert!(!entry["outcome"].as_str().unwrap_or_default().is_empty(), "the last outcome is kept: {entry}");
    let rang_patient =
        |d: &Desk| d.board.log().iter().filter(|(_, e)| matches!(e, BoardEvent::Rang { dials, .. } if dials.iter().any(|x| x == patient))).count();
    assert_eq!(rang_patient(&d), 1, "two clicks, one call");
    // Placed again: a second attempt, counted too.
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let (status, v) = d.api("POST", &place, Some(json!({ "agent": "ana" }))).await;
        if status == 200 {
            break;
        }
        // ana may still be wrapping up the first attempt.
        assert!(Instant::now() < deadline, "{status} {v}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let deadline = Instant::now() + Duration::from_secs(60);
    while !d.open_callbacks().await.iter().any(|c| c["id"] == id && c["attempts"] == 2) {
        assert!(Instant::now() < deadline, "the second attempt was not recorded");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(rang_patient(&d), 2);
}

#[tokio::test]
async fn after_the_longest_wait_the_caller_is_offered_a_message() {
    let d = desk(|c| c.queue.max_wait_secs = 2).await;
    d.secretary("ana", "user/1101", Level::Primary);
    d.login("ana").await;
    let (status, _) = d.api("POST", "/api/agents/ana/pause", None).await;
    assert_eq!(status, 200);
    let t = d.dial("+33611223344", Patient::keys(&["0", "1", "1"])).await.unwrap();
    assert!(t.holds >= 1 && t.recordings.len() == 1, "waited, then left a message");
    let stats = d.stats().await;
    assert_eq!(stats["taken_back"], 1, "{stats}");
}

#[tokio::test]
async fn the_agents_api_says_what_is_wrong() {
    let d = desk(|_| {}).await;
    d.secretary("ana", "user/1101", Level::Primary);
    let (status, v) = d.api("POST", "/api/agents/nobody/login", None).await;
    assert_eq!(status, 404, "{v}");
    assert!(v["error"].as_str().unwrap().contains("nobody"));
    let (status, v) = d.api("POST", "/api/agents/ana/resume", None).await;
    assert_eq!(status, 409, "not paused: {v}");
    let (status, v) = d.api("POST", "/api/agents/ana/pause", Some(json!({ "why": 1 }))).await;
    assert_eq!(status, 400, "{v}");
    let (status, v) = d.api("GET", "/api/calls/no-such-call", None).await;
    assert_eq!(status, 404, "{v}");
    let (status, v) = d.api("POST", "/api/callbacks/99/place", Some(json!({ "agent": "ana" }))).await;
    assert_eq!(status, 404, "{v}");
    let (status, v) = d.api("GET", "/nope", None).await;
    assert_eq!(status, 404, "{v}");
}

#[tokio::test]
async fn a_secretary_reads_the_instructions_and_the_callers_history() {
    let d = desk(|_| {}).await;
    d.secretary("ana", "user/1101", Level::Primary);
    d.svc.running.store.run_sync(|db| db.set_practice_field(1, PracticeField::Instructions, Some("Pas de visite à domicile."))).unwrap();
    d.login("ana").await;
    d.api("POST", "/api/agents/ana/pause", None).await;
    let mut patient = Patient::keys(&["0"]);
    patient.hang_up_on_hold_after = Some(Duration::from_secs(3));
    let call = d.dial("+33611223344", patient);
    let deadline = Instant::now() + Duration::from_secs(10);
    let uuid = loop {
        let q = d.queues().await;
        if let Some(c) = q["waiting"].as_array().unwrap().first() {
            break c["uuid"].as_str().unwrap().to_string();
        }
        assert!(Instant::now() < deadline);
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    let (status, v) = d.api("GET", &format!("/api/calls/{uuid}"), None).await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["call"]["caller"], "+33611223344");
    assert_eq!(v["instructions"]["practice_instructions"], "Pas de visite à domicile.");
    assert!(v["instructions"]["doctors"].as_array().unwrap().len() >= 2);
    assert!(v["history"]["appointments"].is_array() && v["history"]["messages"].is_array());
    call.await.unwrap();
}

#[tokio::test]
async fn ring_all_rings_every_free_secretary_and_the_first_to_answer_takes_it() {
    let d = desk(|c| c.queue.strategy = standardiste::queue::Strategy::RingAll).await;
    d.secretary("ana", "user/1101", Level::Primary);
    d.secretary("ben", "user/1102", Level::Primary);
    d.board.phone("user/1101", Phone::never_answers());
    d.board.phone("user/1102", Phone::answers(Duration::from_millis(200), Duration::from_millis(200)));
    d.login("ana").await;
    d.login("ben").await;
    let t = d.dial("+33611223344", Patient::keys(&["0"])).await.unwrap();
    assert_eq!(t.bridged_to.len(), 1);
    let offers = rang(&d.board.log());
    assert_eq!(offers.len(), 1, "one ring, both phones");
    let mut dials = offers[0].clone();
    dials.sort();
    assert_eq!(dials, ["user/1101", "user/1102"]);
    let q = d.queues().await;
    assert_ne!(Desk::agent_state(&q, "ana")["state"], "paused", "ana did nothing wrong: ben answered first");
}

// The command line blocks its thread: the service answers from the others.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_command_line_speaks_the_agents_api() {
    let d = desk(|_| {}).await;
    let bin = env!("CARGO_BIN_EXE_standardiste");
    let cfg = d.svc.dir.path().join("standardiste.toml");
    std::fs::write(&cfg, format!("[database]\npath = \"{}\"\n", d.svc.config.database.path.display())).unwrap();
    let run = |args: &[&str]| std::process::Command::new(bin).arg("--config").arg(&cfg).args(args).output().unwrap();
    let out = run(&["secretary", "add", "ana", "--name", "Ana", "--dial", "user/1101", "--serves", standardiste::store::demo::DEMO_PRACTICE]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let out = run(&["secretary", "add", "bad", "--name", "Bad", "--dial", "user/1101", "--serves", "Nulle part"]);
    assert_eq!(out.status.code(), Some(65), "unknown practice");
    let api = format!("http://{}", d.svc.running.web_addr);
    // Without a token: a clear failure, not a silent 401.
    let out = run(&["agent", "login", "ana", "--api", &api]);
    assert_eq!(out.status.code(), Some(65), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stderr).contains("token"), "{}", String::from_utf8_lossy(&out.stderr));
    // An operator's account and token, made with the command line.
    let pw = d.svc.dir.path().join("pw");
    std::fs::write(&pw, "a-long-password-for-root\n").unwrap();
    let out = run(&["user", "add", "operator", "--role", "admin", "--password-file", pw.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let out = run(&["token", "create", "operator", "--name", "test"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let token = String::from_utf8(out.stdout).unwrap().trim().to_string();
    let run = |args: &[&str]| std::process::Command::new(bin).arg("--config").arg(&cfg).arg("--token").arg(&token).args(args).output().unwrap();
    let out = run(&["agent", "login", "ana", "--api", &api]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let out = run(&["agent", "pause", "ana", "--reason", "déjeuner", "--api", &api]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let out = run(&["queue", "show", "--api", &api]);
    let shown = String::from_utf8_lossy(&out.stdout);
    assert!(shown.contains("ana (Ana): en pause (déjeuner)"), "{shown}");
    let out = run(&["agent", "pause", "nobody", "--api", &api]);
    assert_eq!(out.status.code(), Some(65));
    assert!(String::from_utf8_lossy(&out.stderr).contains("nobody"));
    let out = run(&["queue", "stats", "--api", "http://127.0.0.1:9"]);
    assert_eq!(out.status.code(), Some(69), "no service there: {}", String::from_utf8_lossy(&out.stderr));
}

#[tokio::test]
async fn a_missing_music_stream_falls_back_to_the_ring_back_tone() {
    let d = desk(|c| {
        c.queue.music = "/nonexistent/moh.wav".into();
        c.queue.max_wait_secs = 2;
    })
    .await;
    d.secretary("ana", "user/1101", Level::Primary);
    d.login("ana").await;
    d.api("POST", "/api/agents/ana/pause", None).await;
    let t = d.dial("+33611223344", Patient::keys(&["0", "1", "1"])).await.unwrap();
    assert!(t.played.iter().any(|f| f == "/nonexistent/moh.wav"), "the configured music was tried");
    assert!(t.holds >= 1, "then the caller waited on the ring-back tone: {:?}", t.played);
    assert_eq!(t.recordings.len(), 1, "and left a message when the wait was over");
}

/// What the secretaries chose survives a restart of the service (issue 19):
/// logged in, paused with its reason, logged out; the new service serves
/// them at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_secretaries_states_survive_a_restart() {
    let d = desk(|_| {}).await;
    for (id, dial) in [("ana", "user/1101"), ("ben", "user/1102"), ("cy", "user/1103")] {
        d.secretary(id, dial, Level::Primary);
        d.login(id).await;
    }
    assert_eq!(d.api("POST", "/api/agents/ben/pause", Some(json!({ "reason": "déjeuner" }))).await.0, 200);
    assert_eq!(d.api("POST", "/api/agents/cy/logout", None).await.0, 200);
    let db = d.svc.config.database.path.clone();
    d.svc.running.shutdown();
    // A new service on the same database (as after a crash or an upgrade).
    let (svc, board) = linked(|c| c.database.path = db.clone()).await;
    let token = token_for(&svc.running.store, "root", standardiste::store::Role::Admin, &[], None);
    let again = Desk { svc, board, practice: d.practice, token };
    let q = again.queues().await;
    assert_eq!(Desk::agent_state(&q, "ana")["state"], "available", "{q}");
    assert_eq!(Desk::agent_state(&q, "ben"), json!({ "state": "paused", "reason": "déjeuner" }));
    assert_eq!(Desk::agent_state(&q, "cy")["state"], "logged_out", "{q}");
    // And the one available is offered the next call.
    again.board.phone("user/1101", Phone::answers(Duration::from_millis(200), Duration::from_secs(1)));
    let call = again.dial("0611223344", Patient::keys(&["0"]));
    again.until("ana's phone rings", |log| rang(log).iter().any(|dials| dials.contains(&"user/1101".to_string()))).await;
    drop(call);
}

/// A secretary's leg a crash left parked on the switch is hung up when the
/// next run connects (issue 19); a kept leg the switch no longer has is
/// forgotten; the legs of this run are not touched.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn legs_a_crash_left_parked_are_hung_up_at_the_next_start() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db.sqlite");
    {
        // What the last run kept before it rang, and never saw go.
        let store = standardiste::store::Store::open(&db).unwrap();
        store.run_sync(|db| db.keep_leg("0b7c2f1e-leftover-parked", chrono::Utc::now())).unwrap();
        store.run_sync(|db| db.keep_leg("0b7c2f1e-leftover-gone", chrono::Utc::now())).unwrap();
    }
    let board = Switchboard::new(SWITCH_PASSWORD);
    board.leftover_leg("0b7c2f1e-leftover-parked", "user/1101");
    board.leftover_leg("someone-elses-channel", "user/2000");
    let port = board.listen().await.unwrap();
    let svc = start(|c| {
        c.freeswitch.port = port;
        c.freeswitch.password = SWITCH_PASSWORD.into();
        c.database.path = db.clone();
    })
    .await;
    let deadline = Instant::now() + Duration::from_secs(20);
    while !board.log().iter().any(|(_, e)| matches!(e, BoardEvent::Killed { leg } if leg == "0b7c2f1e-leftover-parked")) {
        assert!(Instant::now() < deadline, "the leftover leg was not hung up: {:#?}", board.log());
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let deadline = Instant::now() + Duration::from_secs(10);
    while !svc.running.store.run_sync(|db| db.kept_legs()).unwrap().is_empty() {
        assert!(Instant::now() < deadline, "both kept legs forgotten");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(!board.log().iter().any(|(_, e)| matches!(e, BoardEvent::Killed { leg } if leg == "someone-elses-channel")), "a channel not ours is left alone");
}

/// What calls tell the queue (left, given back) is never dropped, however
/// many arrive before the task can read them (issue 19): 6 000 callers
/// queued, then every one leaves or is given back in one go, the task not
/// running in between (this test's runtime has one thread). The command
/// channel used to hold 4 096 and drop the rest: those calls stayed
/// "waiting" for good.
#[tokio::test]
async fn notices_about_callers_are_never_dropped_under_load() {
    const CALLS: usize = 6000;
    let d = desk(|_| {}).await;
    d.secretary("ana", "user/1101", Level::Primary);
    d.login("ana").await;
    // Paused: the calls wait and nobody is rung.
    assert_eq!(d.api("POST", "/api/agents/ana/pause", Some(json!({ "reason": "réunion" }))).await.0, 200);
    let queues = d.svc.running.queues.clone();
    let mut tickets = Vec::new();
    for i in 0..CALLS {
        let call = standardiste::queue::WaitingCall {
            uuid: format!("flood-{i}"),
            practice_id: d.practice,
            caller: Some(format!("06{i:08}")),
            reason: "test".into(),
            urgent: false,
            since: chrono::Utc::now(),
        };
        tickets.push(queues.join(call, "Cabinet").await.expect("queued"));
    }
    assert_eq!(d.queues().await["waiting"].as_array().unwrap().len(), CALLS);
    // No await in this loop: the queue task cannot read until it is over.
    for i in 0..CALLS {
        let uuid = format!("flood-{i}");
        if i % 2 == 0 { queues.leave(&uuid) } else { queues.give_back(&uuid) }
    }
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let stats = d.stats().await;
        let waiting = d.queues().await["waiting"].as_array().unwrap().len();
        if waiting == 0 {
            assert_eq!(stats["offered"], CALLS, "{stats}");
            assert_eq!(stats["abandoned"], CALLS / 2, "{stats}");
            assert_eq!(stats["taken_back"], CALLS / 2, "{stats}");
            break;
        }
        assert!(Instant::now() < deadline, "{waiting} calls still waiting: {stats}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    drop(tickets);
}
