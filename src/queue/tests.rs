//! 20 callers and 3 secretaries, urgent first, longest idle, wrap-up,
//! abandon, no answer, nobody logged in, figures.

use std::collections::HashMap;
use std::time::Duration;

use chrono::{DateTime, TimeDelta, TimeZone, Utc};

use super::*;

fn t(s: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, 8, 0, 0).unwrap() + TimeDelta::seconds(s)
}

fn call(uuid: &str, practice: i64, since: i64, urgent: bool) -> WaitingCall {
    WaitingCall { uuid: uuid.into(), practice_id: practice, caller: None, reason: "touche 0".into(), urgent, since: t(since) }
}

fn serves(p: &[(i64, Level)]) -> HashMap<i64, Level> {
    p.iter().copied().collect()
}

fn three_secretaries() -> SecretaryQueue {
    let mut q = SecretaryQueue::new(Duration::from_secs(30));
    q.add_agent("anne", "Anne", "user/1101", serves(&[(1, Level::Primary)]));
    q.add_agent("bruno", "Bruno", "user/1102", serves(&[(1, Level::Primary)]));
    q.add_agent("chloe", "Chloé", "user/1103", serves(&[(1, Level::Overflow), (2, Level::Primary)]));
    q
}

#[test]
fn twenty_callers_three_secretaries_urgent_first_longest_idle_and_wrap_up() {
    let mut q = three_secretaries();
    q.login("bruno", t(0)).unwrap(); // idle the longest
    q.login("anne", t(5)).unwrap();
    q.login("chloe", t(1)).unwrap();
    for i in 0..20 {
        let pos = q.enqueue(call(&format!("c{i:02}"), 1, 10 + i, i == 13));
        assert!(pos >= 1);
    }
    assert_eq!(q.position("c13"), Some(1), "the urgent call goes first");
    assert_eq!(q.position("c00"), Some(2));
    // Offers: urgent call to the primary idle longest (bruno), then anne, then the overflow chloé.
    let (c, a) = q.next_offer(t(40)).unwrap();
    assert_eq!((c.uuid.as_str(), a.id.as_str()), ("c13", "bruno"));
    let (c, a) = q.next_offer(t(40)).unwrap();
    assert_eq!((c.uuid.as_str(), a.id.as_str()), ("c00", "anne"));
    let (c, a) = q.next_offer(t(40)).unwrap();
    assert_eq!((c.uuid.as_str(), a.id.as_str()), ("c01", "chloe"), "overflow only when no primary is free");
    assert!(q.next_offer(t(40)).is_none(), "everyone is busy");
    for a in ["bruno", "anne", "chloe"] {
        q.answered(a, t(45)).unwrap();
    }
    assert_eq!(q.waiting().len(), 17);
    // Anne hangs up first: wrap-up for 30 s, then she takes the next call.
    q.call_ended("anne", t(100)).unwrap();
    assert!(q.next_offer(t(110)).is_none(), "wrap-up is honoured");
    let (c, a) = q.next_offer(t(130)).unwrap();
    assert_eq!((c.uuid.as_str(), a.id.as_str()), ("c02", "anne"));
    // Serve everyone to the end.
    q.answered("anne", t(131)).unwrap();
    let mut now = 131;
    while !q.waiting().is_empty() {
        for a in ["anne", "bruno", "chloe"] {
            if matches!(q.agents().iter().find(|x| x.id == a).unwrap().state, AgentState::OnCall { .. }) {
                q.call_ended(a, t(now)).unwrap();
            }
        }
        now += 31;
        while let Some((_, a)) = q.next_offer(t(now)) {
            q.answered(&a.id, t(now)).unwrap();
        }
    }
    let s = q.stats(1);
    assert_eq!((s.offered, s.answered, s.abandoned), (20, 20, 0));
    assert!(s.average_wait_secs() > 0.0 && s.longest_wait_secs >= s.average_wait_secs());
}

#[test]
fn a_caller_who_hangs_up_leaves_the_queue_and_frees_the_ringing_secretary() {
    let mut q = three_secretaries();
    q.login("anne", t(0)).unwrap();
    q.enqueue(call("a", 1, 0, false));
    q.enqueue(call("b", 1, 5, false));
    let (c, _) = q.next_offer(t(10)).unwrap();
    assert_eq!(c.uuid, "a");
    q.abandon("a", t(12)).unwrap();
    assert_eq!(q.position("b"), Some(1));
    assert!(matches!(q.agents()[0].state, AgentState::Available { .. }), "anne's phone stops ringing");
    let (c, _) = q.next_offer(t(13)).unwrap();
    assert_eq!(c.uuid, "b");
    let s = q.stats(1);
    assert_eq!((s.offered, s.abandoned), (2, 1));
    assert_eq!(s.longest_wait_secs, 12.0);
    assert_eq!(q.abandon("zzz", t(14)).unwrap_err(), QueueError::UnknownCall("zzz".into()));
}

#[test]
fn a_secretary_who_does_not_answer_is_paused_and_the_call_keeps_its_place() {
    let mut q = three_secretaries();
    q.login("anne", t(0)).unwrap();
    q.login("bruno", t(2)).unwrap();
    q.enqueue(call("a", 1, 0, false));
    q.enqueue(call("b", 1, 1, false));
    let (c, a) = q.next_offer(t(10)).unwrap();
    assert_eq!((c.uuid.as_str(), a.id.as_str()), ("a", "anne"));
    q.offer_failed("anne", "pas de réponse").unwrap();
    assert_eq!(q.agents()[0].state, AgentState::Paused { reason: "pas de réponse".into() });
    let (c, a) = q.next_offer(t(30)).unwrap();
    assert_eq!((c.uuid.as_str(), a.id.as_str()), ("a", "bruno"), "the call went back to the head of the queue");
    q.resume("anne", t(40)).unwrap();
    let (c, a) = q.next_offer(t(41)).unwrap();
    assert_eq!((c.uuid.as_str(), a.id.as_str()), ("b", "anne"));
    assert_eq!(q.answered("chloe", t(42)).unwrap_err(), QueueError::WrongState("chloe".into()));
}

#[test]
fn calls_nobody_can_take_are_given_back_to_the_receptionist() {
    let mut q = three_secretaries();
    q.enqueue(call("p2", 2, 0, false));
    assert!(!q.anyone_for(2));
    assert_eq!(q.to_take_back(t(1), Duration::from_secs(300)), vec!["p2".to_string()], "nobody logged in for practice 2");
    q.login("chloe", t(1)).unwrap();
    q.pause("chloe", "déjeuner").unwrap();
    assert!(q.anyone_for(2), "paused still counts as there");
    assert!(q.next_offer(t(2)).is_none(), "but is offered nothing");
    assert!(q.to_take_back(t(200), Duration::from_secs(300)).is_empty());
    assert_eq!(q.to_take_back(t(301), Duration::from_secs(300)), vec!["p2".to_string()], "waited too long");
    assert_eq!(q.logout("nobody").unwrap_err(), QueueError::UnknownAgent("nobody".into()));
}

#[test]
fn round_robin_takes_turns_whatever_the_idle_time() {
    let mut q = three_secretaries().with_strategy(Strategy::RoundRobin);
    q.login("anne", t(0)).unwrap();
    q.login("bruno", t(0)).unwrap();
    for i in 0..4 {
        q.enqueue(call(&format!("c{i}"), 1, i, false));
    }
    let mut turns = Vec::new();
    for i in 0..4 {
        let (c, a) = q.next_offers(t(10 + i)).unwrap();
        turns.push(a[0].id.clone());
        q.answered(&a[0].id, t(10 + i)).unwrap();
        q.call_ended(&a[0].id, t(10 + i)).unwrap();
        assert_eq!(c.uuid, format!("c{i}"));
        // Everyone is free again at once.
        q.tick(t(100));
    }
    assert_eq!(turns, ["anne", "bruno", "anne", "bruno"]);
}

#[test]
fn ring_all_rings_every_free_primary_and_frees_the_others_on_answer() {
    let mut q = three_secretaries().with_strategy(Strategy::RingAll);
    for a in ["anne", "bruno", "chloe"] {
        q.login(a, t(0)).unwrap();
    }
    q.enqueue(call("c1", 1, 1, false));
    let (c, agents) = q.next_offers(t(2)).unwrap();
    assert_eq!(c.uuid, "c1");
    let ids: Vec<&str> = agents.iter().map(|a| a.id.as_str()).collect();
    assert_eq!(ids, ["anne", "bruno"], "the overflow secretary is not rung while primaries are free");
    q.answered("bruno", t(3)).unwrap();
    assert!(matches!(q.agents().iter().find(|a| a.id == "anne").unwrap().state, AgentState::Available { since } if since == t(0)), "anne keeps her turn");
}

#[test]
fn a_call_taken_back_frees_the_phones_ringing_for_it_and_counts_apart() {
    let mut q = three_secretaries();
    q.login("anne", t(0)).unwrap();
    q.enqueue(call("c1", 1, 1, false));
    let (_, a) = q.next_offer(t(2)).unwrap();
    assert_eq!(a.id, "anne");
    assert!(q.to_take_back(t(1000), Duration::from_secs(60)).is_empty(), "a call ringing a secretary is not taken back");
    q.offer_cancelled("anne").unwrap();
    assert_eq!(q.to_take_back(t(1000), Duration::from_secs(60)), vec!["c1".to_string()]);
    q.take_back("c1").unwrap();
    let s = q.stats(1);
    assert_eq!((s.offered, s.taken_back, s.abandoned), (1, 1, 0));
}
