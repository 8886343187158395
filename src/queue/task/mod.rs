//! The one task that owns the secretaries' queues: it takes commands on a
//! channel (from calls waiting, from the agents' API), rings the secretaries'
//! phones through [`Lines`] (the switch, over the inbound Event Socket), and
//! tells each waiting caller's task what to do next ([`News`]).
//!
//! A call's life here: `join` (queued, or at once given back when nobody is
//! logged in) → offered (phones ring; no answer → the secretary is paused and
//! the next is tried) → the secretary answers and hears the announcement →
//! the leg is parked → [`News::Ready`]: the caller's task bridges itself to
//! that leg → the bridge ends → wrap-up. A caller who hangs up leaves at once
//! (abandoned); a leg that fails before the bridge leaves the call at the head
//! of the queue; after a reconnect of the inbound link the live channels the
//! switch lists decide what is still true.
//!
//! Must not know the Event Socket: [`Lines`] is what it asks of a switch.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::sync::{broadcast, mpsc};
use tracing::{debug, info, warn};

use super::handle::Command;
use super::{Agent, AgentState, JoinError, LINK_LOST, Leg, LineEvent, Lines, News, Queues, Snapshot, StatsView, TakeBack, WaitingView};
use super::{QueueError, SecretaryQueue, Strategy, WaitingCall};
use crate::speech::Voice;
use crate::speech::catalogue::{Key, Lang, fill};
use crate::store::{Callback, Store};

mod legs;

/// How the queues behave.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Which secretary gets the next call.
    pub strategy: Strategy,
    /// Wrap-up after each call.
    pub wrap_up: Duration,
    /// Longest wait before the caller is offered a message or a call back.
    pub max_wait: Duration,
    /// Ring time of a secretary's phone.
    pub ring: Duration,
    /// The language of the announcements.
    pub lang: Lang,
    /// How a patient is dialled back (`{number}` is their national number).
    pub callback_dial: String,
    /// How often the queue looks at the clock (wrap-ups, waits).
    pub tick: Duration,
}

/// A ring in progress: the legs ringing for one call.
struct Ring {
    legs: Vec<(String, String)>,
    /// The leg that answered (announcement playing) and since when.
    answered: Option<(String, String, DateTime<Utc>)>,
}

/// A call a secretary answered.
struct Served {
    call: WaitingCall,
    agent: String,
    leg: String,
    bridged_at: Option<DateTime<Utc>>,
}

/// What a leg is for.
#[derive(Clone)]
enum LegUse {
    Offer { agent: String, call: String },
    Callback { agent: String },
}

struct Task<L: Lines> {
    q: SecretaryQueue,
    lines: Arc<L>,
    store: Store,
    voice: Voice,
    settings: Settings,
    tx: mpsc::Sender<Command>,
    callers: HashMap<String, (mpsc::Sender<News>, String)>,
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
    /// The consoles' one channel: the whole state, after every change.
    changes: broadcast::Sender<Arc<Snapshot>>,
    /// What was last published (the state without the clock).
    published: String,
}

/// Snapshots a slow console may fall behind by (it then gets the latest).
const CHANGES_KEPT: usize = 16;
/// A conversation is assumed to last this long until one was measured.
const DEFAULT_HANDLE_SECS: f64 = 120.0;
/// An answered leg that never reports its park is taken as ready after this.
const PARK_GRACE: Duration = Duration::from_secs(20);

/// Start the queue task.
pub fn start<L: Lines>(lines: L, store: Store, voice: Voice, settings: Settings) -> Queues {
    let (tx, rx) = mpsc::channel(4096);
    let (changes, _) = broadcast::channel(CHANGES_KEPT);
    let mut q = SecretaryQueue::new(settings.wrap_up).with_strategy(settings.strategy);
    match store.run_sync(|db| db.secretaries()) {
        Ok(list) => {
            for s in list {
                q.add_agent(&s.id, &s.name, &s.dial, s.practices.into_iter().collect());
            }
        }
        Err(e) => warn!(error = %e, "could not read the secretaries; they are read again at login"),
    }
    let lines = Arc::new(lines);
    let events = lines.events();
    let task = Task {
        q,
        lines,
        store,
        voice,
        settings,
        tx: tx.clone(),
        callers: HashMap::new(),
        rings: HashMap::new(),
        served: HashMap::new(),
        legs: HashMap::new(),
        parked_early: HashSet::new(),
        orphans: HashSet::new(),
        link_down: false,
        handle_secs: DEFAULT_HANDLE_SECS,
        changes: changes.clone(),
        published: String::new(),
    };
    tokio::spawn(task.run(rx, events));
    Queues { tx, changes }
}

fn cause_reason(cause: &str) -> String {
    match cause {
        "NO_ANSWER" | "NO_USER_RESPONSE" | "ALLOTTED_TIMEOUT" | "RECOVERY_ON_TIMER_EXPIRE" => "pas de réponse".into(),
        "USER_BUSY" => "occupé".into(),
        other => format!("téléphone en échec ({other})"),
    }
}

impl<L: Lines> Task<L> {
    async fn run(mut self, mut rx: mpsc::Receiver<Command>, mut events: Option<broadcast::Receiver<LineEvent>>) {
        let mut tick = tokio::time::interval(self.settings.tick);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        loop {
            let event = async {
                match events.as_mut() {
                    Some(ev) => ev.recv().await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                cmd = rx.recv() => match cmd {
                    Some(cmd) => self.command(cmd).await,
                    None => break,
                },
                ev = event => match ev {
                    Ok(ev) => self.line_event(ev),
                    Err(broadcast::error::RecvError::Lagged(n)) => warn!(missed = n, "queue: switch reports missed; the next resync catches up"),
                    Err(broadcast::error::RecvError::Closed) => events = None,
                },
                _ = tick.tick() => {}
            }
            self.housekeeping(Utc::now());
        }
        for (tx, _) in self.callers.values() {
            let _ = tx.try_send(News::TakeBack(TakeBack::Stopped));
        }
    }

    fn hang_up(&self, leg: &str) {
        let lines = self.lines.clone();
        let leg = leg.to_string();
        tokio::spawn(async move { lines.hang_up(&leg).await });
    }

    fn estimate(&self, practice_id: i64, position: usize) -> Duration {
        let serving = self.q.logged_in_for(practice_id).max(1);
        let rounds = position.div_ceil(serving);
        Duration::from_secs_f64(rounds as f64 * self.handle_secs)
    }

    async fn command(&mut self, cmd: Command) {
        let now = Utc::now();
        match cmd {
            Command::Join { call, practice, news, reply } => {
                if !self.q.agents().iter().any(|a| a.practices.contains_key(&call.practice_id)) {
                    // A secretary added since the start: read the roster again,
                    // but only when one serves this practice (one cheap query
                    // per hand-over for the practices that have none).
                    let practice_id = call.practice_id;
                    if self.store.run(move |db| db.has_secretaries(practice_id)).await.unwrap_or(false) {
                        self.reload_agents().await;
                    }
                }
                if !self.q.agents().iter().any(|a| a.practices.contains_key(&call.practice_id)) {
                    let _ = reply.send(Err(JoinError::NoSecretaries));
                    return;
                }
                let uuid = call.uuid.clone();
                let practice_id = call.practice_id;
                let position = self.q.enqueue(call);
                if !self.q.anyone_for(practice_id) {
                    // Never left ringing into nothing: given back at once.
                    let _ = self.q.take_back(&uuid);
                    info!(call = %uuid, "no secretary logged in: given back to the receptionist");
                    let _ = news.try_send(News::TakeBack(TakeBack::Nobody));
                } else {
                    info!(call = %uuid, position, "queued for the secretaries");
                    self.callers.insert(uuid, (news, practice));
                }
                let _ = reply.send(Ok(()));
            }
            Command::Position { uuid, reply } => {
                let r = self.q.position(&uuid).and_then(|p| self.q.waiting_call(&uuid).map(|c| (p, self.estimate(c.practice_id, p))));
                let _ = reply.send(r);
            }
            Command::Leave { uuid } => self.leave(&uuid, now),
            Command::GiveBack { uuid } => {
                if self.q.waiting_call(&uuid).is_some() {
                    self.stop_ringing(&uuid);
                    let _ = self.q.take_back(&uuid);
                    self.callers.remove(&uuid);
                } else {
                    self.leave(&uuid, now);
                }
            }
            Command::Bridged { uuid } => {
                if let Some(s) = self.served.get_mut(&uuid) {
                    s.bridged_at = Some(now);
                }
            }
            Command::BridgeFailed { uuid } => {
                if let Some(s) = self.served.remove(&uuid) {
                    warn!(call = %uuid, agent = %s.agent, "the caller could not be bridged: back to their place in the queue");
                    self.legs.remove(&s.leg);
                    self.hang_up(&s.leg);
                    let _ = self.q.release(&s.agent, now);
                    self.q.requeue(s.call, now);
                }
            }
            Command::Ended { uuid } => self.finish(&uuid, now),
            Command::Login { id, reply } => {
                let r = match self
                    .store
                    .run({
                        let id = id.clone();
                        move |db| db.secretary(&id)
                    })
                    .await
                {
                    Ok(s) => {
                        self.q.update_agent(&s.id, &s.name, &s.dial, s.practices.into_iter().collect());
                        self.q.login(&id, now)
                    }
                    Err(_) if self.q.has_agent(&id) => self.q.login(&id, now),
                    Err(_) => Err(QueueError::UnknownAgent(id.clone())),
                };
                info!(agent = %id, ok = r.is_ok(), "secretary logs in");
                let _ = reply.send(r);
            }
            Command::Logout { id, reply } => {
                self.know(&id).await;
                let _ = reply.send(self.q.logout(&id));
            }
            Command::Pause { id, reason, reply } => {
                self.know(&id).await;
                let _ = reply.send(self.q.pause(&id, &reason));
            }
            Command::Resume { id, reply } => {
                self.know(&id).await;
                let _ = reply.send(self.q.resume(&id, now));
            }
            Command::Snapshot { reply } => {
                let _ = reply.send(self.snapshot(now));
            }
            Command::CallInfo { uuid, reply } => {
                let info = self.q.waiting_call(&uuid).or_else(|| self.served.get(&uuid).map(|s| &s.call)).cloned();
                let _ = reply.send(info);
            }
            Command::PlaceCallback { callback, practice, practice_number, agent, reply } => {
                let r = self.place_callback(callback, &practice, practice_number, &agent);
                let _ = reply.send(r);
            }
            Command::RingDone { call, result } => self.ring_done(&call, result, now),
            Command::CallbackDone { id, agent, patient_leg, result } => {
                let outcome = match &result {
                    Ok(_) => "answered".to_string(),
                    Err(cause) => cause.clone(),
                };
                info!(callback = id, %agent, %outcome, "call back placed");
                if result.is_err() {
                    self.legs.remove(&patient_leg);
                    let _ = self.q.release(&agent, now);
                }
                let store = self.store.clone();
                tokio::spawn(async move {
                    if let Err(e) = store.run(move |db| db.callback_placed(id, &agent, now, &outcome)).await {
                        warn!(error = %e, callback = id, "could not record the call back");
                    }
                });
            }
        }
    }

    /// A secretary added since the start is read from the store.
    async fn know(&mut self, id: &str) {
        if !self.q.has_agent(id) {
            self.reload_agents().await;
        }
    }

    async fn reload_agents(&mut self) {
        match self.store.run(|db| db.secretaries()).await {
            Ok(list) => {
                for s in list {
                    self.q.update_agent(&s.id, &s.name, &s.dial, s.practices.into_iter().collect());
                }
            }
            Err(e) => warn!(error = %e, "could not read the secretaries"),
        }
    }

    fn snapshot(&self, now: DateTime<Utc>) -> Snapshot {
        let waiting = self
            .q
            .waiting()
            .iter()
            .map(|c| WaitingView {
                call: c.clone(),
                practice: self.callers.get(&c.uuid).map(|(_, p)| p.clone()).unwrap_or_default(),
                waiting_secs: (now - c.since).num_seconds().max(0),
                position: self.q.position(&c.uuid).unwrap_or(0),
                ringing: self.rings.get(&c.uuid).map(|r| r.legs.iter().map(|(a, _)| a.clone()).collect()).unwrap_or_default(),
            })
            .collect();
        let mut practices: BTreeMap<i64, ()> = BTreeMap::new();
        for a in self.q.agents() {
            for p in a.practices.keys() {
                practices.insert(*p, ());
            }
        }
        for (p, _) in self.q.all_stats() {
            practices.insert(p, ());
        }
        let stats = practices
            .keys()
            .map(|p| {
                let s = self.q.stats(*p);
                StatsView { practice_id: *p, average_wait_secs: s.average_wait_secs(), stats: s }
            })
            .collect();
        Snapshot { now, waiting, agents: self.q.agents().to_vec(), stats }
    }

    fn leave(&mut self, uuid: &str, now: DateTime<Utc>) {
        self.callers.remove(uuid);
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

    /// The conversation is over: wrap-up.
    fn finish(&mut self, uuid: &str, now: DateTime<Utc>) {
        self.callers.remove(uuid);
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

    fn housekeeping(&mut self, now: DateTime<Utc>) {
        self.q.tick(now);
        for uuid in self.q.to_take_back(now, self.settings.max_wait) {
            let Some(call) = self.q.waiting_call(&uuid) else { continue };
            let why = if self.q.anyone_for(call.practice_id) { TakeBack::TooLong } else { TakeBack::Nobody };
            let _ = self.q.take_back(&uuid);
            info!(call = %uuid, ?why, "given back to the receptionist");
            if let Some((tx, _)) = self.callers.remove(&uuid) {
                let _ = tx.try_send(News::TakeBack(why));
            }
        }
        // Answered legs that never reported their park.
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
        while !self.link_down
            && let Some((call, agents)) = self.q.next_offers(now)
        {
            self.offer(call, agents);
        }
        self.publish(now);
    }

    /// Send the whole state to the consoles when it changed (waits grow
    /// with the clock: the pages count them from `since`). Nothing is
    /// built while no console listens.
    fn publish(&mut self, now: DateTime<Utc>) {
        if self.changes.receiver_count() == 0 {
            return;
        }
        let snapshot = self.snapshot(now);
        let calls: Vec<_> = snapshot.waiting.iter().map(|w| (&w.call, w.position, &w.ringing)).collect();
        let fingerprint = serde_json::to_string(&(calls, &snapshot.agents, &snapshot.stats)).unwrap_or_default();
        if fingerprint != self.published {
            self.published = fingerprint;
            let _ = self.changes.send(Arc::new(snapshot));
        }
    }

    fn offer(&mut self, call: WaitingCall, agents: Vec<Agent>) {
        let practice = self.callers.get(&call.uuid).map(|(_, p)| p.clone()).unwrap_or_default();
        let legs: Vec<Leg> = agents
            .iter()
            .map(|a| Leg {
                id: uuid::Uuid::new_v4().to_string(),
                dial: a.dial.clone(),
                caller_id_name: practice.clone(),
                caller_id_number: call.caller.clone(),
            })
            .collect();
        for (a, l) in agents.iter().zip(&legs) {
            self.legs.insert(l.id.clone(), LegUse::Offer { agent: a.id.clone(), call: call.uuid.clone() });
        }
        self.rings.insert(call.uuid.clone(), Ring { legs: agents.iter().zip(&legs).map(|(a, l)| (a.id.clone(), l.id.clone())).collect(), answered: None });
        let key = if call.urgent { Key("secretary.urgent") } else { Key("secretary.announce") };
        let text = fill(self.settings.lang, key, &[("practice", &practice), ("reason", &call.reason)]);
        info!(call = %call.uuid, agents = ?agents.iter().map(|a| a.id.as_str()).collect::<Vec<_>>(), "offering the call");
        let (lines, voice, tx, ring, uuid) = (self.lines.clone(), self.voice.clone(), self.tx.clone(), self.settings.ring, call.uuid.clone());
        tokio::spawn(async move {
            let announcement = match voice.render_utterance(&text).await {
                Ok(file) => file,
                Err(e) => {
                    warn!(error = %e, "announcement could not be rendered: the secretary gets the call without it");
                    String::new()
                }
            };
            let result = lines.ring(legs, announcement, ring).await;
            let _ = tx.send(Command::RingDone { call: uuid, result }).await;
        });
    }

    fn place_callback(&mut self, cb: Callback, practice: &str, practice_number: Option<String>, agent: &str) -> Result<(), QueueError> {
        let label = format!("rappel-{}", cb.id);
        let a = self.q.start_callback(agent, &label)?;
        // As the practice would dial it: the national number, digits only.
        let number: String = crate::agenda::phone::national(&cb.caller).chars().filter(|c| c.is_ascii_digit() || *c == '+').collect();
        let patient = Leg {
            id: uuid::Uuid::new_v4().to_string(),
            dial: self.settings.callback_dial.replace("{number}", &number),
            caller_id_name: practice.to_string(),
            caller_id_number: practice_number,
        };
        let secretary = Leg {
            id: uuid::Uuid::new_v4().to_string(),
            dial: a.dial.clone(),
            caller_id_name: format!("Rappel {practice}"),
            caller_id_number: Some(cb.caller.clone()),
        };
        self.legs.insert(patient.id.clone(), LegUse::Callback { agent: agent.to_string() });
        let (lines, tx, ring, id, agent, patient_leg) =
            (self.lines.clone(), self.tx.clone(), self.settings.ring * 2, cb.id, agent.to_string(), patient.id.clone());
        tokio::spawn(async move {
            let result = lines.call_back(patient, secretary, ring).await;
            let _ = tx.send(Command::CallbackDone { id, agent, patient_leg, result }).await;
        });
        Ok(())
    }
}

/// Whether a state lets a secretary place a call back.
pub fn can_call_back(state: &AgentState) -> bool {
    matches!(state, AgentState::Available { .. } | AgentState::Paused { .. } | AgentState::WrapUp { .. })
}
