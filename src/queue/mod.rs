//! The secretaries' queues, as plain state: agents (the remote secretaries)
//! and the calls waiting for them, which call goes to which secretary, and the
//! figures per practice. No IO and no clock of its own: every operation takes
//! `now`, so the rules are tested exactly. The task that owns this state,
//! takes commands on a channel and drives FreeSWITCH over the inbound Event
//! Socket builds on it.
//!
//! Rules: urgent calls first, then the longest waiting; a call is offered to
//! the available secretary serving its practice who has been idle longest
//! (primary secretaries before overflow ones); a secretary who does not
//! answer is paused ("no answer") and the call goes back to the head of the
//! queue; after a call a secretary is in wrap-up for a set time.

use std::collections::HashMap;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

pub use crate::agenda::Level;

/// A secretary's state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum AgentState {
    /// Not working.
    LoggedOut,
    /// Waiting for a call since then.
    Available {
        /// Idle since.
        since: DateTime<Utc>,
    },
    /// Their phone rings with this call.
    Offered {
        /// The call.
        call: String,
        /// Idle since (kept: an offer taken back or answered elsewhere does
        /// not cost them their turn).
        idle_since: DateTime<Utc>,
    },
    /// On this call.
    OnCall {
        /// The call.
        call: String,
    },
    /// Finishing the last call's notes until then.
    WrapUp {
        /// End of wrap-up.
        until: DateTime<Utc>,
    },
    /// Paused, with the reason.
    Paused {
        /// Why ("no answer", "lunch").
        reason: String,
    },
}

/// A secretary.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Agent {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Dial string of their phone (`user/1101`).
    pub dial: String,
    /// The practices they serve.
    pub practices: HashMap<i64, Level>,
    /// State.
    pub state: AgentState,
}

/// A caller waiting for a secretary.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WaitingCall {
    /// FreeSWITCH's unique id of the call.
    pub uuid: String,
    /// The practice called.
    pub practice_id: i64,
    /// The caller's number.
    pub caller: Option<String>,
    /// Why the receptionist handed it over, and what the caller tried.
    pub reason: String,
    /// Key 9 or words of an emergency.
    pub urgent: bool,
    /// Queued at.
    pub since: DateTime<Utc>,
}

/// Which available secretary a call is offered to.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Strategy {
    /// The one idle the longest (primary before overflow).
    #[default]
    LongestIdle,
    /// In turn, after the last one offered a call.
    RoundRobin,
    /// Every available one at once; the first to answer takes it.
    RingAll,
}

/// Figures per practice.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Stats {
    /// Calls queued.
    pub offered: u64,
    /// Calls a secretary took.
    pub answered: u64,
    /// Callers who hung up while waiting.
    pub abandoned: u64,
    /// Sum of the waits of answered calls (seconds).
    pub total_wait_secs: f64,
    /// Longest wait of an answered or abandoned call (seconds).
    pub longest_wait_secs: f64,
    /// Calls given back to the receptionist (waited too long, nobody logged
    /// in): the caller left a message or asked to be called back.
    pub taken_back: u64,
}

impl Stats {
    /// Average wait of answered calls.
    pub fn average_wait_secs(&self) -> f64 {
        if self.answered == 0 { 0.0 } else { self.total_wait_secs / self.answered as f64 }
    }
}

/// A queue operation that could not be done.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QueueError {
    /// No such secretary.
    #[error("unknown secretary {0}")]
    UnknownAgent(String),
    /// No such waiting call.
    #[error("no waiting call {0}")]
    UnknownCall(String),
    /// The secretary's state does not allow it.
    #[error("secretary {0} cannot do that now")]
    WrongState(String),
    /// The queue task is not running.
    #[error("the queue is not running")]
    Stopped,
}

/// The queues of every practice, and the secretaries.
#[derive(Debug, Clone)]
pub struct SecretaryQueue {
    agents: Vec<Agent>,
    waiting: Vec<WaitingCall>,
    stats: HashMap<i64, Stats>,
    wrap_up: Duration,
    strategy: Strategy,
    /// Round robin: index of the agent offered last.
    last_offered: Option<usize>,
}

fn secs(d: chrono::TimeDelta) -> f64 {
    d.num_milliseconds().max(0) as f64 / 1000.0
}

impl SecretaryQueue {
    /// Empty queues; a secretary spends `wrap_up` after each call.
    pub fn new(wrap_up: Duration) -> Self {
        Self { agents: Vec::new(), waiting: Vec::new(), stats: HashMap::new(), wrap_up, strategy: Strategy::LongestIdle, last_offered: None }
    }

    /// Choose how calls are offered.
    pub fn with_strategy(mut self, strategy: Strategy) -> Self {
        self.strategy = strategy;
        self
    }

    /// Whether this secretary is known.
    pub fn has_agent(&self, id: &str) -> bool {
        self.agents.iter().any(|a| a.id == id)
    }

    /// Update a secretary's name, phone and practices, keeping their state.
    pub fn update_agent(&mut self, id: &str, name: &str, dial: &str, practices: HashMap<i64, Level>) {
        match self.agents.iter_mut().find(|a| a.id == id) {
            Some(a) => {
                a.name = name.into();
                a.dial = dial.into();
                a.practices = practices;
            }
            None => self.add_agent(id, name, dial, practices),
        }
    }

    /// Add (or replace) a secretary, logged out.
    pub fn add_agent(&mut self, id: &str, name: &str, dial: &str, practices: HashMap<i64, Level>) {
        self.agents.retain(|a| a.id != id);
        self.agents.push(Agent { id: id.into(), name: name.into(), dial: dial.into(), practices, state: AgentState::LoggedOut });
    }

    fn agent_mut(&mut self, id: &str) -> Result<&mut Agent, QueueError> {
        self.agents.iter_mut().find(|a| a.id == id).ok_or_else(|| QueueError::UnknownAgent(id.into()))
    }

    /// A secretary starts working.
    pub fn login(&mut self, id: &str, now: DateTime<Utc>) -> Result<(), QueueError> {
        let a = self.agent_mut(id)?;
        if matches!(a.state, AgentState::LoggedOut) {
            a.state = AgentState::Available { since: now };
        }
        Ok(())
    }

    /// A secretary stops (not while a call rings or is taken).
    pub fn logout(&mut self, id: &str) -> Result<(), QueueError> {
        let a = self.agent_mut(id)?;
        if matches!(a.state, AgentState::Offered { .. } | AgentState::OnCall { .. }) {
            return Err(QueueError::WrongState(id.into()));
        }
        a.state = AgentState::LoggedOut;
        Ok(())
    }

    /// A secretary pauses, with a reason.
    pub fn pause(&mut self, id: &str, reason: &str) -> Result<(), QueueError> {
        let a = self.agent_mut(id)?;
        match a.state {
            AgentState::Available { .. } | AgentState::WrapUp { .. } | AgentState::Paused { .. } => {
                a.state = AgentState::Paused { reason: reason.into() };
                Ok(())
            }
            _ => Err(QueueError::WrongState(id.into())),
        }
    }

    /// A paused secretary is available again.
    pub fn resume(&mut self, id: &str, now: DateTime<Utc>) -> Result<(), QueueError> {
        let a = self.agent_mut(id)?;
        match a.state {
            AgentState::Paused { .. } => {
                a.state = AgentState::Available { since: now };
                Ok(())
            }
            _ => Err(QueueError::WrongState(id.into())),
        }
    }

    /// A call joins the queue; returns its position (1 = next).
    pub fn enqueue(&mut self, call: WaitingCall) -> usize {
        self.stats.entry(call.practice_id).or_default().offered += 1;
        let uuid = call.uuid.clone();
        self.waiting.push(call);
        self.sort();
        self.position(&uuid).unwrap_or(self.waiting.len())
    }

    /// Urgent first, then the longest waiting.
    fn sort(&mut self) {
        self.waiting.sort_by(|a, b| b.urgent.cmp(&a.urgent).then(a.since.cmp(&b.since)));
    }

    /// A call's position among the calls of its practice (1 = next).
    pub fn position(&self, uuid: &str) -> Option<usize> {
        let call = self.waiting.iter().find(|c| c.uuid == uuid)?;
        Some(self.waiting.iter().filter(|c| c.practice_id == call.practice_id).position(|c| c.uuid == uuid)? + 1)
    }

    /// The caller hung up while waiting.
    pub fn abandon(&mut self, uuid: &str, now: DateTime<Utc>) -> Result<WaitingCall, QueueError> {
        let i = self.waiting.iter().position(|c| c.uuid == uuid).ok_or_else(|| QueueError::UnknownCall(uuid.into()))?;
        let call = self.waiting.remove(i);
        let s = self.stats.entry(call.practice_id).or_default();
        s.abandoned += 1;
        s.longest_wait_secs = s.longest_wait_secs.max(secs(now - call.since));
        self.free_offered(uuid);
        let _ = now;
        Ok(call)
    }

    /// Secretaries whose phone rang for this call are free again, with their turn kept.
    fn free_offered(&mut self, uuid: &str) {
        for a in &mut self.agents {
            if let AgentState::Offered { call, idle_since } = &a.state
                && call == uuid
            {
                a.state = AgentState::Available { since: *idle_since };
            }
        }
    }

    /// The call leaves the queue for the receptionist (message or call back).
    pub fn take_back(&mut self, uuid: &str) -> Result<WaitingCall, QueueError> {
        let i = self.waiting.iter().position(|c| c.uuid == uuid).ok_or_else(|| QueueError::UnknownCall(uuid.into()))?;
        let call = self.waiting.remove(i);
        self.stats.entry(call.practice_id).or_default().taken_back += 1;
        self.free_offered(uuid);
        Ok(call)
    }

    /// An offer is withdrawn through nobody's fault (the link to the switch
    /// was lost): the secretary is available again, turn kept.
    pub fn offer_cancelled(&mut self, agent: &str) -> Result<(), QueueError> {
        let a = self.agent_mut(agent)?;
        match a.state {
            AgentState::Offered { idle_since, .. } => {
                a.state = AgentState::Available { since: idle_since };
                Ok(())
            }
            _ => Err(QueueError::WrongState(agent.into())),
        }
    }

    /// The secretary answered but the caller could not be put through (gone,
    /// or the bridge failed): the secretary is free at once, no wrap-up.
    pub fn release(&mut self, agent: &str, now: DateTime<Utc>) -> Result<(), QueueError> {
        let a = self.agent_mut(agent)?;
        match a.state {
            AgentState::OnCall { .. } | AgentState::Offered { .. } => {
                a.state = AgentState::Available { since: now };
                Ok(())
            }
            _ => Err(QueueError::WrongState(agent.into())),
        }
    }

    /// A call that was answered goes back to the queue with its place (its
    /// first arrival time): the bridge to the secretary failed.
    pub fn requeue(&mut self, call: WaitingCall, now: DateTime<Utc>) {
        let s = self.stats.entry(call.practice_id).or_default();
        s.answered = s.answered.saturating_sub(1);
        s.total_wait_secs = (s.total_wait_secs - secs(now - call.since)).max(0.0);
        self.waiting.push(call);
        self.sort();
    }

    /// The call this secretary is offered or on, if any.
    pub fn call_of(&self, agent: &str) -> Option<&str> {
        self.agents.iter().find(|a| a.id == agent).and_then(|a| match &a.state {
            AgentState::Offered { call, .. } | AgentState::OnCall { call } => Some(call.as_str()),
            _ => None,
        })
    }

    /// A waiting call.
    pub fn waiting_call(&self, uuid: &str) -> Option<&WaitingCall> {
        self.waiting.iter().find(|c| c.uuid == uuid)
    }

    /// Secretaries logged in (any state but logged out) for a practice.
    pub fn logged_in_for(&self, practice_id: i64) -> usize {
        self.agents.iter().filter(|a| a.practices.contains_key(&practice_id) && a.state != AgentState::LoggedOut).count()
    }

    /// Wrap-ups that are over end.
    pub fn tick(&mut self, now: DateTime<Utc>) {
        for a in &mut self.agents {
            if let AgentState::WrapUp { until } = a.state
                && until <= now
            {
                a.state = AgentState::Available { since: until };
            }
        }
    }

    /// Whether anyone is logged in for a practice.
    pub fn anyone_for(&self, practice_id: i64) -> bool {
        self.agents.iter().any(|a| a.practices.contains_key(&practice_id) && a.state != AgentState::LoggedOut)
    }

    /// The next offer to make with the longest-idle rule, if any: (call,
    /// secretary). Marks both as offered.
    pub fn next_offer(&mut self, now: DateTime<Utc>) -> Option<(WaitingCall, Agent)> {
        let strategy = std::mem::replace(&mut self.strategy, Strategy::LongestIdle);
        let offer = self.next_offers(now);
        self.strategy = strategy;
        offer.map(|(c, mut agents)| (c, agents.remove(0)))
    }

    fn offered_calls(&self) -> Vec<String> {
        self.agents.iter().filter_map(|a| if let AgentState::Offered { call, .. } = &a.state { Some(call.clone()) } else { None }).collect()
    }

    /// The next offer to make with the queue's strategy, if any: the call and
    /// the secretaries whose phones ring for it (several with ring-all).
    pub fn next_offers(&mut self, now: DateTime<Utc>) -> Option<(WaitingCall, Vec<Agent>)> {
        self.tick(now);
        let offered = self.offered_calls();
        let n = self.agents.len();
        for call in self.waiting.iter().filter(|c| !offered.contains(&c.uuid)) {
            let free: Vec<(Level, DateTime<Utc>, usize)> = self
                .agents
                .iter()
                .enumerate()
                .filter_map(|(i, a)| match (&a.state, a.practices.get(&call.practice_id)) {
                    (AgentState::Available { since }, Some(level)) => Some((*level, *since, i)),
                    _ => None,
                })
                .collect();
            let Some(best_level) = free.iter().map(|f| f.0).min() else { continue };
            let free: Vec<_> = free.into_iter().filter(|f| f.0 == best_level).collect();
            let chosen: Vec<usize> = match self.strategy {
                Strategy::LongestIdle => free.iter().min().map(|f| vec![f.2]).unwrap_or_default(),
                Strategy::RoundRobin => {
                    let start = self.last_offered.map(|l| l + 1).unwrap_or(0);
                    free.iter().map(|f| f.2).min_by_key(|i| (i + n - start % n.max(1)) % n.max(1)).map(|i| vec![i]).unwrap_or_default()
                }
                Strategy::RingAll => free.iter().map(|f| f.2).collect(),
            };
            if chosen.is_empty() {
                continue;
            }
            let call = call.clone();
            let mut agents = Vec::new();
            for i in chosen {
                if let AgentState::Available { since } = self.agents[i].state {
                    self.agents[i].state = AgentState::Offered { call: call.uuid.clone(), idle_since: since };
                }
                self.last_offered = Some(i);
                agents.push(self.agents[i].clone());
            }
            return Some((call, agents));
        }
        None
    }

    /// The secretary did not answer (or their leg failed): paused, and the
    /// call keeps its place at the head of the queue.
    pub fn offer_failed(&mut self, agent: &str, reason: &str) -> Result<(), QueueError> {
        let a = self.agent_mut(agent)?;
        if !matches!(a.state, AgentState::Offered { .. }) {
            return Err(QueueError::WrongState(agent.into()));
        }
        a.state = AgentState::Paused { reason: reason.into() };
        Ok(())
    }

    /// The secretary took the call: it leaves the queue.
    pub fn answered(&mut self, agent: &str, now: DateTime<Utc>) -> Result<WaitingCall, QueueError> {
        let call_id = match &self.agent_mut(agent)?.state {
            AgentState::Offered { call, .. } => call.clone(),
            _ => return Err(QueueError::WrongState(agent.into())),
        };
        let i = self.waiting.iter().position(|c| c.uuid == call_id).ok_or_else(|| QueueError::UnknownCall(call_id.clone()))?;
        let call = self.waiting.remove(i);
        // With ring-all, the others' phones stop ringing.
        self.free_offered(&call_id);
        self.agent_mut(agent)?.state = AgentState::OnCall { call: call_id };
        let s = self.stats.entry(call.practice_id).or_default();
        s.answered += 1;
        let wait = secs(now - call.since);
        s.total_wait_secs += wait;
        s.longest_wait_secs = s.longest_wait_secs.max(wait);
        Ok(call)
    }

    /// The secretary's call ended: wrap-up.
    pub fn call_ended(&mut self, agent: &str, now: DateTime<Utc>) -> Result<(), QueueError> {
        let wrap = chrono::TimeDelta::from_std(self.wrap_up).unwrap_or_default();
        let a = self.agent_mut(agent)?;
        if !matches!(a.state, AgentState::OnCall { .. }) {
            return Err(QueueError::WrongState(agent.into()));
        }
        a.state = AgentState::WrapUp { until: now + wrap };
        Ok(())
    }

    /// Calls waiting longer than `max_wait`, or for a practice nobody serves
    /// now: the receptionist offers them a message or a call back.
    pub fn to_take_back(&self, now: DateTime<Utc>, max_wait: Duration) -> Vec<String> {
        let max = chrono::TimeDelta::from_std(max_wait).unwrap_or_default();
        let offered = self.offered_calls();
        self.waiting.iter().filter(|c| !offered.contains(&c.uuid) && (now - c.since > max || !self.anyone_for(c.practice_id))).map(|c| c.uuid.clone()).collect()
    }

    /// The calls waiting, in the order they will be offered.
    pub fn waiting(&self) -> &[WaitingCall] {
        &self.waiting
    }

    /// The secretaries.
    pub fn agents(&self) -> &[Agent] {
        &self.agents
    }

    /// Every practice's figures.
    pub fn all_stats(&self) -> Vec<(i64, Stats)> {
        let mut v: Vec<(i64, Stats)> = self.stats.iter().map(|(k, s)| (*k, s.clone())).collect();
        v.sort_by_key(|(k, _)| *k);
        v
    }

    /// A secretary calls a patient back: on a call (`label`) until it ends.
    pub fn start_callback(&mut self, agent: &str, label: &str) -> Result<Agent, QueueError> {
        let a = self.agent_mut(agent)?;
        if !task::can_call_back(&a.state) {
            return Err(QueueError::WrongState(agent.into()));
        }
        a.state = AgentState::OnCall { call: label.into() };
        Ok(a.clone())
    }

    /// A practice's figures.
    pub fn stats(&self, practice_id: i64) -> Stats {
        self.stats.get(&practice_id).cloned().unwrap_or_default()
    }
}

pub mod handle;
pub mod legs;
pub mod lines;
pub mod task;

pub use handle::{JoinError, News, Queues, Snapshot, StatsView, TakeBack, Ticket, WaitingView};
pub use lines::{Leg, LineEvent, Lines, RingFailure};
pub use task::{Settings, start};

#[cfg(test)]
mod tests;
