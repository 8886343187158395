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
use serde::Serialize;

/// How a secretary serves a practice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// Takes the practice's calls first.
    Primary,
    /// Takes them when no primary secretary is free.
    Overflow,
}

/// A secretary's state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
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

/// Figures per practice.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
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
}

/// The queues of every practice, and the secretaries.
#[derive(Debug, Clone)]
pub struct SecretaryQueue {
    agents: Vec<Agent>,
    waiting: Vec<WaitingCall>,
    stats: HashMap<i64, Stats>,
    wrap_up: Duration,
}

fn secs(d: chrono::TimeDelta) -> f64 {
    d.num_milliseconds().max(0) as f64 / 1000.0
}

impl SecretaryQueue {
    /// Empty queues; a secretary spends `wrap_up` after each call.
    pub fn new(wrap_up: Duration) -> Self {
        Self { agents: Vec::new(), waiting: Vec::new(), stats: HashMap::new(), wrap_up }
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
        // A secretary whose phone rang for it is free again.
        for a in &mut self.agents {
            if a.state == (AgentState::Offered { call: uuid.to_string() }) {
                a.state = AgentState::Available { since: now };
            }
        }
        Ok(call)
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

    /// The next offer to make, if any: (call, secretary). Marks both as offered.
    pub fn next_offer(&mut self, now: DateTime<Utc>) -> Option<(WaitingCall, Agent)> {
        self.tick(now);
        let offered: Vec<String> = self.agents.iter().filter_map(|a| if let AgentState::Offered { call } = &a.state { Some(call.clone()) } else { None }).collect();
        for call in self.waiting.iter().filter(|c| !offered.contains(&c.uuid)) {
            let best = self
                .agents
                .iter()
                .enumerate()
                .filter_map(|(i, a)| match (&a.state, a.practices.get(&call.practice_id)) {
                    (AgentState::Available { since }, Some(level)) => Some((*level, *since, i)),
                    _ => None,
                })
                .min();
            if let Some((_, _, i)) = best {
                self.agents[i].state = AgentState::Offered { call: call.uuid.clone() };
                return Some((call.clone(), self.agents[i].clone()));
            }
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
            AgentState::Offered { call } => call.clone(),
            _ => return Err(QueueError::WrongState(agent.into())),
        };
        let i = self.waiting.iter().position(|c| c.uuid == call_id).ok_or_else(|| QueueError::UnknownCall(call_id.clone()))?;
        let call = self.waiting.remove(i);
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
        self.waiting.iter().filter(|c| now - c.since > max || !self.anyone_for(c.practice_id)).map(|c| c.uuid.clone()).collect()
    }

    /// The calls waiting, in the order they will be offered.
    pub fn waiting(&self) -> &[WaitingCall] {
        &self.waiting
    }

    /// The secretaries.
    pub fn agents(&self) -> &[Agent] {
        &self.agents
    }

    /// A practice's figures.
    pub fn stats(&self, practice_id: i64) -> Stats {
        self.stats.get(&practice_id).cloned().unwrap_or_default()
    }
}

#[cfg(test)]
mod tests;
