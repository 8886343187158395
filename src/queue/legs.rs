//! The legs' bookkeeping, as plain state: which phones ring for which call,
//! the leg a secretary answered, the calls being served, the legs a lost
//! link left behind (orphans), what the switch's live channels say after a
//! reconnect. Every change returns [`Effect`]s (ring these phones, hang this
//! leg up, tell a waiting caller) that the queue task performs; no IO and no
//! clock of its own, so that it is tested without a switch (`tests` below).

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use chrono::{DateTime, Utc};
use tracing::{debug, info, warn};

use super::{Agent, Leg, LineEvent, News, RingFailure, SecretaryQueue, TakeBack, WaitingCall};

/// An answered leg that never reports its park is taken as ready after this.
pub const PARK_GRACE: Duration = Duration::from_secs(20);
/// A conversation is assumed to last this long until one was measured.
const DEFAULT_HANDLE_SECS: f64 = 120.0;

/// What the task must do for the state to stay true.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// Ring these secretaries' phones for this call (the legs' ids are
    /// chosen here; the caller-id name and the announcement are the task's).
    Ring {
        /// The call offered.
        call: WaitingCall,
        /// One leg per secretary.
        legs: Vec<Leg>,
    },
    /// Hang this leg up (it may be gone already).
    HangUp(String),
    /// Tell the caller's task. Should it be gone, the task calls [`Legs::leave`].
    Tell(String, News),
    /// The call is over for the queue: its caller's task needs no more news.
    Forget(String),
}

/// A ring in progress: the legs ringing for one call.
#[derive(Debug)]
struct Ring {
    /// (agent, leg).
    legs: Vec<(String, String)>,
    /// The leg that answered (announcement playing), whose, and since when.
    answered: Option<(String, String, DateTime<Utc>)>,
}

/// A call a secretary answered.
#[derive(Debug)]
struct Served {
    call: WaitingCall,
    agent: String,
    leg: String,
    bridged_at: Option<DateTime<Utc>>,
}

/// What a leg is for.
#[derive(Debug, Clone)]
enum LegUse {
    Offer { agent: String, call: String },
    Callback { agent: String },
}

/// The queue's rules and its legs.
#[derive(Debug)]
pub struct Legs {
    /// Who takes which call.
    pub q: SecretaryQueue,
    rings: HashMap<String, Ring>,
    served: HashMap<String, Served>,
    legs: HashMap<String, LegUse>,
    parked_early: HashSet<String>,
    /// Legs whose ring was cut by a lost link: they may still ring or
    /// answer; the next resync hangs up those still live.
    orphans: HashSet<String>,
    /// The link to the switch is down: no offer until it is back.
    link_down: bool,
    /// Recent conversation lengths (seconds), for the wait estimate.
    handle_secs: f64,
    out: Vec<Effect>,
}

impl Legs {
    /// No call, no leg.
    pub fn new(q: SecretaryQueue) -> Self {
        Self {
            q,
            rings: HashMap::new(),
            served: HashMap::new(),
            legs: HashMap::new(),
            parked_early: HashSet::new(),
            orphans: HashSet::new(),
            link_down: false,
            handle_secs: DEFAULT_HANDLE_SECS,
            out: Vec::new(),
        }
    }

    /// Whether this run rang this leg and has not seen it go.
    pub fn knows_leg(&self, leg: &str) -> bool {
        self.legs.contains_key(leg) || self.orphans.contains(leg)
    }

    /// What the changes so far ask for, in order.
    pub fn effects(&mut self) -> Vec<Effect> {
        std::mem::take(&mut self.out)
    }

    fn hang_up(&mut self, leg: &str) {
        self.out.push(Effect::HangUp(leg.to_string()));
    }

    /// The secretaries whose phones ring for this call.
    pub fn ringing(&self, call: &str) -> Vec<String> {
        self.rings.get(call).map(|r| r.legs.iter().map(|(a, _)| a.clone()).collect()).unwrap_or_default()
    }

    /// A call waiting or being served.
    pub fn call(&self, uuid: &str) -> Option<&WaitingCall> {
        self.q.waiting_call(uuid).or_else(|| self.served.get(uuid).map(|s| &s.call))
    }

    /// How long the caller at `position` is expected to wait.
    pub fn estimate(&self, practice_id: i64, position: usize) -> Duration {
        let serving = self.q.logged_in_for(practice_id).max(1);
        let rounds = position.div_ceil(serving);
        Duration::from_secs_f64(rounds as f64 * self.handle_secs)
    }

    /// Ring the next calls' secretaries, while the link is up.
    fn offer_next(&mut self, now: DateTime<Utc>) {
        while !self.link_down
            && let Some((call, agents)) = self.q.next_offers(now)
        {
            self.offer(call, agents);
        }
    }

    fn offer(&mut self, call: WaitingCall, agents: Vec<Agent>) {
        let legs: Vec<Leg> = agents
            .iter()
            .map(|a| Leg { id: uuid::Uuid::new_v4().to_string(), dial: a.dial.clone(), caller_id_name: String::new(), caller_id_number: call.caller.clone() })
            .collect();
        for (a, l) in agents.iter().zip(&legs) {
            self.legs.insert(l.id.clone(), LegUse::Offer { agent: a.id.clone(), call: call.uuid.clone() });
        }
        let ring = Ring { legs: agents.iter().zip(&legs).map(|(a, l)| (a.id.clone(), l.id.clone())).collect(), answered: None };
        self.rings.insert(call.uuid.clone(), ring);
        info!(call = %call.uuid, agents = ?agents.iter().map(|a| a.id.as_str()).collect::<Vec<_>>(), "offering the call");
        self.out.push(Effect::Ring { call, legs });
    }

    /// The clock moved: wrap-ups end, long waits are given back, answered
    /// legs that never reported their park are taken as ready, and the
    /// next calls are offered.
    pub fn tick(&mut self, now: DateTime<Utc>, max_wait: Duration) {
        self.q.tick(now);
        for uuid in self.q.to_take_back(now, max_wait) {
            let Some(call) = self.q.waiting_call(&uuid) else { continue };
            let why = if self.q.anyone_for(call.practice_id) { TakeBack::TooLong } else { TakeBack::Nobody };
            let _ = self.q.take_back(&uuid);
            info!(call = %uuid, ?why, "given back to the receptionist");
            self.out.push(Effect::Tell(uuid, News::TakeBack(why)));
        }
        let late: Vec<(String, String, String)> = self
            .rings
            .iter()
            .filter_map(|(c, r)| {
                r.answered
                    .as_ref()
                    .filter(|(_, _, at)| (now - *at).to_std().unwrap_or_default() > PARK_GRACE)
                    .map(|(a, l, _)| (c.clone(), a.clone(), l.clone()))
            })
            .collect();
        for (call, agent, leg) in late {
            warn!(%leg, "no park reported after the announcement: bridging anyway");
            self.ready(&call, &agent, &leg, now);
        }
        self.offer_next(now);
    }

    /// What the phones rung for `call` gave.
    pub fn ring_done(&mut self, call: &str, result: Result<String, RingFailure>, now: DateTime<Utc>) {
        let Some(ring) = self.rings.get_mut(call) else {
            // The caller left meanwhile.
            if let Ok(leg) = result {
                self.hang_up(&leg);
            }
            return;
        };
        match result {
            Ok(leg) => match ring.legs.iter().find(|(_, l)| *l == leg).cloned() {
                Some((agent, _)) => {
                    ring.answered = Some((agent.clone(), leg.clone(), now));
                    if self.parked_early.remove(&leg) {
                        self.ready(call, &agent, &leg, now);
                    }
                }
                None => self.hang_up(&leg),
            },
            Err(failure) => {
                let ring = self.rings.remove(call).map(|r| r.legs).unwrap_or_default();
                for (agent, leg) in ring {
                    self.legs.remove(&leg);
                    if failure == RingFailure::LinkLost {
                        // Nobody's fault: the offer is made again once the
                        // link is back; the leg, if it still rings, is hung
                        // up then.
                        self.link_down = true;
                        self.orphans.insert(leg);
                        let _ = self.q.offer_cancelled(&agent);
                    } else if self.q.offer_failed(&agent, &failure.reason()).is_ok() {
                        info!(%agent, ?failure, call, "secretary did not take the call: paused, the call keeps its place");
                    }
                }
            }
        }
    }

    /// The secretary heard the announcement: the caller may be bridged.
    fn ready(&mut self, call: &str, agent: &str, leg: &str, now: DateTime<Utc>) {
        self.rings.remove(call);
        match self.q.answered(agent, now) {
            Ok(wc) => {
                info!(call, agent, "secretary ready: bridging the caller");
                self.served.insert(call.to_string(), Served { call: wc, agent: agent.to_string(), leg: leg.to_string(), bridged_at: None });
                self.out.push(Effect::Tell(call.to_string(), News::Ready { leg: leg.to_string() }));
            }
            Err(e) => {
                debug!(error = %e, "answered leg no longer wanted");
                self.legs.remove(leg);
                self.hang_up(leg);
                let _ = self.q.release(agent, now);
            }
        }
    }

    /// What the switch reports about legs.
    pub fn line_event(&mut self, ev: LineEvent, now: DateTime<Utc>) {
        match ev {
            LineEvent::Parked(leg) => {
                let Some(LegUse::Offer { agent, call }) = self.legs.get(&leg).cloned() else { return };
                let answered = self.rings.get(&call).and_then(|r| r.answered.as_ref()).is_some_and(|(_, l, _)| *l == leg);
                if answered {
                    self.ready(&call, &agent, &leg, now);
                } else {
                    self.parked_early.insert(leg);
                }
            }
            LineEvent::Gone(leg) => self.leg_gone(&leg, now),
            LineEvent::Resynced(live) => {
                self.link_down = false;
                let live: HashSet<String> = live.into_iter().collect();
                for leg in std::mem::take(&mut self.orphans) {
                    if live.contains(&leg) {
                        info!(%leg, "a leg rung before the link was lost is still up: hanging it up");
                        self.hang_up(&leg);
                    }
                }
                let lost_callers: Vec<String> = self.q.waiting().iter().filter(|c| !live.contains(&c.uuid)).map(|c| c.uuid.clone()).collect();
                for uuid in lost_callers {
                    warn!(call = %uuid, "no longer on the switch after the reconnect: abandoned");
                    self.leave(&uuid, now);
                }
                let dead: Vec<String> = self.legs.keys().filter(|l| !live.contains(*l)).cloned().collect();
                for leg in dead {
                    self.leg_gone(&leg, now);
                }
                // An answered leg whose park report was lost while away is ready.
                let parked: Vec<(String, String, String)> = self
                    .rings
                    .iter()
                    .filter_map(|(c, r)| r.answered.as_ref().filter(|(_, l, _)| live.contains(l)).map(|(a, l, _)| (c.clone(), a.clone(), l.clone())))
                    .collect();
                for (call, agent, leg) in parked {
                    self.ready(&call, &agent, &leg, now);
                }
                info!(waiting = self.q.waiting().len(), "queue rebuilt from the switch's live channels");
            }
        }
    }

    fn leg_gone(&mut self, leg: &str, now: DateTime<Utc>) {
        self.parked_early.remove(leg);
        match self.legs.remove(leg) {
            Some(LegUse::Offer { agent, call }) => {
                if let Some(ring) = self.rings.get_mut(&call) {
                    let failed_answered = ring.answered.as_ref().is_some_and(|(_, l, _)| l == leg);
                    ring.legs.retain(|(_, l)| l != leg);
                    if failed_answered || ring.legs.is_empty() {
                        let others = self.rings.remove(&call).map(|r| r.legs).unwrap_or_default();
                        for (other, other_leg) in others {
                            self.legs.remove(&other_leg);
                            let _ = self.q.offer_cancelled(&other);
                        }
                        if self.q.offer_failed(&agent, "ligne coupée avant la mise en relation").is_ok() {
                            warn!(%agent, call = %call, "the secretary's line failed during the offer: the call is back at the head of the queue");
                        }
                    }
                } else if self.served.get(&call).is_some_and(|s| s.leg == leg) {
                    self.finish(&call, now);
                }
            }
            Some(LegUse::Callback { agent }) => {
                let _ = self.q.call_ended(&agent, now);
            }
            None => {}
        }
    }

    /// The phones ringing for this call stop.
    fn stop_ringing(&mut self, uuid: &str) {
        if let Some(ring) = self.rings.remove(uuid) {
            for (_, leg) in ring.legs {
                self.legs.remove(&leg);
                self.hang_up(&leg);
            }
        }
    }

    /// The caller is gone (hung up, or their task no longer listens).
    pub fn leave(&mut self, uuid: &str, now: DateTime<Utc>) {
        self.out.push(Effect::Forget(uuid.to_string()));
        if self.q.waiting_call(uuid).is_some() {
            let _ = self.q.abandon(uuid, now);
            info!(call = %uuid, "the caller hung up while waiting");
            self.stop_ringing(uuid);
        } else if let Some(s) = self.served.remove(uuid) {
            if s.bridged_at.is_some() {
                self.served.insert(uuid.to_string(), s);
                self.finish(uuid, now);
            } else {
                // Answered, not yet bridged: the secretary is free at once.
                self.legs.remove(&s.leg);
                self.hang_up(&s.leg);
                let _ = self.q.release(&s.agent, now);
            }
        }
    }

    /// The receptionist takes the call back (a message rather than a wait
    /// in silence); a call no longer waiting is left.
    pub fn give_back(&mut self, uuid: &str, now: DateTime<Utc>) {
        if self.q.waiting_call(uuid).is_some() {
            self.stop_ringing(uuid);
            let _ = self.q.take_back(uuid);
            self.out.push(Effect::Forget(uuid.to_string()));
        } else {
            self.leave(uuid, now);
        }
    }

    /// The caller is bridged to the secretary.
    pub fn bridged(&mut self, uuid: &str, now: DateTime<Utc>) {
        if let Some(s) = self.served.get_mut(uuid) {
            s.bridged_at = Some(now);
        }
    }

    /// The caller could not be bridged to the secretary's leg: back to
    /// their place in the queue.
    pub fn bridge_failed(&mut self, uuid: &str, now: DateTime<Utc>) {
        if let Some(s) = self.served.remove(uuid) {
            warn!(call = %uuid, agent = %s.agent, "the caller could not be bridged: back to their place in the queue");
            self.legs.remove(&s.leg);
            self.hang_up(&s.leg);
            let _ = self.q.release(&s.agent, now);
            self.q.requeue(s.call, now);
        }
    }

    /// The conversation is over: wrap-up.
    pub fn finish(&mut self, uuid: &str, now: DateTime<Utc>) {
        self.out.push(Effect::Forget(uuid.to_string()));
        if let Some(s) = self.served.remove(uuid) {
            self.legs.remove(&s.leg);
            if let Some(at) = s.bridged_at {
                let secs = (now - at).num_milliseconds().max(0) as f64 / 1000.0;
                self.handle_secs = 0.8 * self.handle_secs + 0.2 * secs;
            }
            let _ = self.q.call_ended(&s.agent, now);
            debug!(call = %uuid, agent = %s.agent, "conversation over: wrap-up");
        }
    }

    /// A call back rings the patient on this leg for that secretary.
    pub fn callback_placed(&mut self, patient_leg: &str, agent: &str) {
        self.legs.insert(patient_leg.to_string(), LegUse::Callback { agent: agent.to_string() });
    }

    /// The call back reached nobody: the secretary is free again.
    pub fn callback_failed(&mut self, patient_leg: &str, agent: &str, now: DateTime<Utc>) {
        self.legs.remove(patient_leg);
        let _ = self.q.release(agent, now);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::queue::{AgentState, Level};
    use chrono::{TimeDelta, TimeZone};

    fn t(s: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 23, 8, 0, 0).unwrap() + TimeDelta::seconds(s)
    }

    fn call(uuid: &str) -> WaitingCall {
        WaitingCall { uuid: uuid.into(), practice_id: 1, caller: Some("+33611223344".into()), reason: "touche 0".into(), urgent: false, since: t(0) }
    }

    /// Anne and Bruno logged in, one call waiting, its phones ringing.
    fn ringing() -> (Legs, Vec<Leg>) {
        let mut q = SecretaryQueue::new(Duration::from_secs(30)).with_strategy(crate::queue::Strategy::RingAll);
        q.add_agent("anne", "Anne", "user/1101", [(1, Level::Primary)].into_iter().collect());
        q.add_agent("bruno", "Bruno", "user/1102", [(1, Level::Primary)].into_iter().collect());
        q.login("anne", t(0)).unwrap();
        q.login("bruno", t(1)).unwrap();
        q.enqueue(call("c1"));
        let mut legs = Legs::new(q);
        legs.tick(t(2), Duration::from_secs(600));
        let effects = legs.effects();
        let [Effect::Ring { call, legs: rung }] = effects.as_slice() else { panic!("{effects:?}") };
        assert_eq!(call.uuid, "c1");
        (legs, rung.clone())
    }

    fn state(legs: &Legs, agent: &str) -> AgentState {
        legs.q.agents().iter().find(|a| a.id == agent).unwrap().state.clone()
    }

    fn hang_ups(effects: &[Effect]) -> Vec<&str> {
        effects.iter().filter_map(|e| if let Effect::HangUp(l) = e { Some(l.as_str()) } else { None }).collect()
    }

    #[test]
    fn a_lost_link_with_phones_ringing_leaves_orphans_that_the_resync_hangs_up() {
        let (mut legs, rung) = ringing();
        assert_eq!(rung.len(), 2, "both phones ring");
        legs.ring_done("c1", Err(RingFailure::LinkLost), t(5));
        assert!(legs.effects().is_empty(), "nothing can be hung up without the link");
        assert!(matches!(state(&legs, "anne"), AgentState::Available { .. }), "nobody's fault: not paused");
        assert_eq!(legs.q.position("c1"), Some(1), "the call keeps its place");
        legs.tick(t(6), Duration::from_secs(600));
        assert!(legs.effects().is_empty(), "no offer while the link is down");
        // Back: Anne's phone still rings (live), Bruno's is gone, the caller is there.
        legs.line_event(LineEvent::Resynced(vec![rung[0].id.clone(), "c1".into()]), t(8));
        assert_eq!(hang_ups(&legs.effects()), vec![rung[0].id.as_str()], "the live orphan is hung up, once");
        legs.tick(t(9), Duration::from_secs(600));
        let effects = legs.effects();
        assert!(matches!(effects.as_slice(), [Effect::Ring { call, .. }] if call.uuid == "c1"), "offered again: {effects:?}");
    }

    #[test]
    fn a_leg_answered_for_a_caller_who_left_is_an_orphan_hung_up_at_once() {
        let (mut legs, rung) = ringing();
        legs.leave("c1", t(4));
        let effects = legs.effects();
        assert_eq!(hang_ups(&effects).len(), 2, "both phones stop: {effects:?}");
        assert!(effects.contains(&Effect::Forget("c1".into())));
        // The originate still answers for the gone caller.
        legs.ring_done("c1", Ok(rung[1].id.clone()), t(5));
        assert_eq!(hang_ups(&legs.effects()), vec![rung[1].id.as_str()]);
        // A leg nobody rang is hung up too.
        legs.ring_done("c1", Ok("stranger".into()), t(5));
        assert_eq!(hang_ups(&legs.effects()), vec!["stranger"]);
    }

    #[test]
    fn the_resync_abandons_callers_gone_and_readies_a_leg_whose_park_was_missed() {
        let (mut legs, rung) = ringing();
        legs.ring_done("c1", Ok(rung[0].id.clone()), t(5));
        assert!(legs.effects().is_empty(), "answered: the announcement plays, no bridge before the park");
        // The park report was lost with the link; the resync lists the leg live.
        legs.line_event(LineEvent::Resynced(vec!["c1".into(), rung[0].id.clone()]), t(7));
        let effects = legs.effects();
        assert!(effects.contains(&Effect::Tell("c1".into(), News::Ready { leg: rung[0].id.clone() })), "{effects:?}");
        assert!(matches!(state(&legs, "anne"), AgentState::OnCall { .. }));
        // Another caller vanished while the link was down.
        legs.q.enqueue(call("c2"));
        legs.line_event(LineEvent::Resynced(vec!["c1".into(), rung[0].id.clone()]), t(9));
        assert_eq!(legs.q.position("c2"), None, "abandoned");
        assert!(legs.effects().contains(&Effect::Forget("c2".into())));
    }

    #[test]
    fn no_answer_pauses_the_secretary_and_a_served_leg_gone_ends_the_conversation() {
        let (mut legs, rung) = ringing();
        legs.ring_done("c1", Err(RingFailure::NoAnswer), t(20));
        assert_eq!(state(&legs, "anne"), AgentState::Paused { reason: "pas de réponse".into() });
        legs.q.resume("anne", t(21)).unwrap();
        legs.tick(t(22), Duration::from_secs(600));
        let effects = legs.effects();
        let [Effect::Ring { legs: again, .. }] = effects.as_slice() else { panic!("{effects:?}") };
        assert_ne!(again[0].id, rung[0].id, "each ring its own legs");
        legs.line_event(LineEvent::Parked(again[0].id.clone()), t(23));
        legs.ring_done("c1", Ok(again[0].id.clone()), t(23));
        let effects = legs.effects();
        assert!(effects.contains(&Effect::Tell("c1".into(), News::Ready { leg: again[0].id.clone() })), "parked before the answer came: {effects:?}");
        legs.bridged("c1", t(24));
        legs.line_event(LineEvent::Gone(again[0].id.clone()), t(84));
        assert!(legs.effects().contains(&Effect::Forget("c1".into())));
        assert!(matches!(state(&legs, "anne"), AgentState::WrapUp { .. }), "{:?}", state(&legs, "anne"));
        assert_eq!(legs.estimate(1, 1), Duration::from_secs_f64(0.8 * 120.0 + 0.2 * 60.0), "the conversation's length counts");
    }
}
