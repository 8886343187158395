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

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::sync::{broadcast, mpsc};
use tracing::{info, warn};

use super::handle::Command;
use super::legs::{Effect, Legs};
use super::{AgentState, JoinError, Leg, LineEvent, Lines, News, Queues, Snapshot, StatsView, TakeBack, WaitingView};
use super::{QueueError, SecretaryQueue, Strategy, WaitingCall};
use crate::speech::Voice;
use crate::store::{Callback, Store};
use crate::words::Utterance;
use crate::words::catalogue::{Key, Lang};

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

struct Task<L: Lines> {
    /// The rules and the legs, as plain state.
    board: Legs,
    lines: Arc<L>,
    store: Store,
    voice: Voice,
    settings: Settings,
    tx: mpsc::UnboundedSender<Command>,
    /// Each waiting caller's task, and the practice's name.
    callers: HashMap<String, (mpsc::UnboundedSender<News>, String)>,
    /// The consoles' one channel: the whole state, after every change.
    changes: broadcast::Sender<Arc<Snapshot>>,
    /// What was last published (the state without the clock).
    published: String,
}

/// Snapshots a slow console may fall behind by (it then gets the latest).
const CHANGES_KEPT: usize = 16;

/// Start the queue task.
pub fn start<L: Lines>(lines: L, store: Store, voice: Voice, settings: Settings) -> Queues {
    let (tx, rx) = mpsc::unbounded_channel();
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
        board: Legs::new(q),
        lines,
        store,
        voice,
        settings,
        tx: tx.clone(),
        callers: HashMap::new(),
        changes: changes.clone(),
        published: String::new(),
    };
    tokio::spawn(task.run(rx, events));
    Queues { tx, changes }
}

impl<L: Lines> Task<L> {
    async fn run(mut self, mut rx: mpsc::UnboundedReceiver<Command>, mut events: Option<mpsc::UnboundedReceiver<LineEvent>>) {
        self.restore_presence().await;
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
                    Some(ev) => {
                        match &ev {
                            LineEvent::Gone(leg) => self.forget_leg(leg),
                            LineEvent::Resynced(live) => self.hang_up_leftovers(live).await,
                            _ => {}
                        }
                        self.board.line_event(ev, Utc::now())
                    }
                    None => events = None,
                },
                _ = tick.tick() => {}
            }
            self.housekeeping(Utc::now());
        }
        for (tx, _) in self.callers.values() {
            let _ = tx.send(News::TakeBack(TakeBack::Stopped));
        }
    }

    fn hang_up(&self, leg: &str) {
        let lines = self.lines.clone();
        let leg = leg.to_string();
        tokio::spawn(async move { lines.hang_up(&leg).await });
    }

    /// Carry out what the board's changes ask for (telling a caller who is
    /// gone changes the board again).
    fn perform(&mut self, now: DateTime<Utc>) {
        loop {
            let effects = self.board.effects();
            if effects.is_empty() {
                return;
            }
            for effect in effects {
                match effect {
                    Effect::Ring { call, legs } => self.ring(call, legs),
                    Effect::HangUp(leg) => self.hang_up(&leg),
                    Effect::Tell(uuid, news @ News::TakeBack(_)) => {
                        if let Some((tx, _)) = self.callers.remove(&uuid) {
                            let _ = tx.send(news);
                        }
                    }
                    Effect::Tell(uuid, news) => {
                        let told = self.callers.get(&uuid).is_some_and(|(tx, _)| tx.send(news).is_ok());
                        if !told {
                            self.board.leave(&uuid, now);
                        }
                    }
                    Effect::Forget(uuid) => {
                        self.callers.remove(&uuid);
                    }
                }
            }
        }
    }

    async fn command(&mut self, cmd: Command) {
        let now = Utc::now();
        match cmd {
            Command::Join { call, practice, news, reply } => {
                if !self.board.q.agents().iter().any(|a| a.practices.contains_key(&call.practice_id)) {
                    // A secretary added since the start: read the roster again,
                    // but only when one serves this practice (one cheap query
                    // per hand-over for the practices that have none).
                    let practice_id = call.practice_id;
                    if self.store.run(move |db| db.has_secretaries(practice_id)).await.unwrap_or(false) {
                        self.reload_agents().await;
                    }
                }
                if !self.board.q.agents().iter().any(|a| a.practices.contains_key(&call.practice_id)) {
                    let _ = reply.send(Err(JoinError::NoSecretaries));
                    return;
                }
                let uuid = call.uuid.clone();
                let practice_id = call.practice_id;
                let position = self.board.q.enqueue(call);
                if !self.board.q.anyone_for(practice_id) {
                    // Never left ringing into nothing: given back at once.
                    let _ = self.board.q.take_back(&uuid);
                    info!(call = %uuid, "no secretary logged in: given back to the receptionist");
                    let _ = news.send(News::TakeBack(TakeBack::Nobody));
                } else {
                    info!(call = %uuid, position, "queued for the secretaries");
                    self.callers.insert(uuid, (news, practice));
                }
                let _ = reply.send(Ok(()));
            }
            Command::Position { uuid, reply } => {
                let r = self.board.q.position(&uuid).and_then(|p| self.board.q.waiting_call(&uuid).map(|c| (p, self.board.estimate(c.practice_id, p))));
                let _ = reply.send(r);
            }
            Command::Leave { uuid } => self.board.leave(&uuid, now),
            Command::GiveBack { uuid } => self.board.give_back(&uuid, now),
            Command::Bridged { uuid } => self.board.bridged(&uuid, now),
            Command::BridgeFailed { uuid } => self.board.bridge_failed(&uuid, now),
            Command::Ended { uuid } => self.board.finish(&uuid, now),
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
                        self.board.q.update_agent(&s.id, &s.name, &s.dial, s.practices.into_iter().collect());
                        self.board.q.login(&id, now)
                    }
                    Err(_) if self.board.q.has_agent(&id) => self.board.q.login(&id, now),
                    Err(_) => Err(QueueError::UnknownAgent(id.clone())),
                };
                info!(agent = %id, ok = r.is_ok(), "secretary logs in");
                if r.is_ok() {
                    self.keep_presence(&id, "in", "").await;
                }
                let _ = reply.send(r);
            }
            Command::Logout { id, reply } => {
                self.know(&id).await;
                let r = self.board.q.logout(&id);
                if r.is_ok() {
                    self.keep_presence(&id, "out", "").await;
                }
                let _ = reply.send(r);
            }
            Command::Pause { id, reason, reply } => {
                self.know(&id).await;
                let r = self.board.q.pause(&id, &reason);
                if r.is_ok() {
                    self.keep_presence(&id, "paused", &reason).await;
                }
                let _ = reply.send(r);
            }
            Command::Resume { id, reply } => {
                self.know(&id).await;
                let r = self.board.q.resume(&id, now);
                if r.is_ok() {
                    self.keep_presence(&id, "in", "").await;
                }
                let _ = reply.send(r);
            }
            Command::Snapshot { reply } => {
                let _ = reply.send(self.snapshot(now));
            }
            Command::CallInfo { uuid, reply } => {
                let info = self.board.call(&uuid).cloned();
                let _ = reply.send(info);
            }
            Command::PlaceCallback { callback, practice, practice_number, agent, reply } => {
                let r = self.place_callback(callback, &practice, practice_number, &agent);
                let _ = reply.send(r);
            }
            Command::RingDone { call, result } => self.board.ring_done(&call, result, now),
            Command::CallbackDone { id, agent, patient_leg, result } => {
                let outcome = match &result {
                    Ok(_) => "answered".to_string(),
                    Err(failure) => failure.reason(),
                };
                info!(callback = id, %agent, %outcome, "call back placed");
                if result.is_err() {
                    self.board.callback_failed(&patient_leg, &agent, now);
                }
                let store = self.store.clone();
                let answered = result.is_ok();
                tokio::spawn(async move {
                    if let Err(e) = store.run(move |db| db.callback_attempt(id, &agent, now, answered, &outcome)).await {
                        warn!(error = %e, callback = id, "could not record the call back");
                    }
                });
            }
        }
    }

    fn forget_leg(&self, leg: &str) {
        let (store, leg) = (self.store.clone(), leg.to_string());
        tokio::spawn(async move {
            let _ = store.run(move |db| db.forget_leg(&leg)).await;
        });
    }

    /// After the inbound link (re)connects: the legs kept in the store that
    /// this run did not ring (a crash left them, parked or ringing) are hung
    /// up when the switch still has them, and forgotten.
    async fn hang_up_leftovers(&mut self, live: &[String]) {
        let kept = match self.store.run(|db| db.kept_legs()).await {
            Ok(k) => k,
            Err(e) => return warn!(error = %e, "could not read the legs kept"),
        };
        for leg in kept.into_iter().filter(|l| !self.board.knows_leg(l)) {
            if live.contains(&leg) {
                info!(%leg, "a secretary's leg left by the last run is still up: hanging it up");
                self.hang_up(&leg);
            }
            self.forget_leg(&leg);
        }
    }

    /// What a secretary chose, kept for the next start (a failure is logged:
    /// the change itself holds in this run).
    async fn keep_presence(&self, id: &str, presence: &'static str, reason: &str) {
        let (id, reason) = (id.to_string(), reason.to_string());
        if let Err(e) = self.store.run(move |db| db.set_presence(&id, presence, &reason)).await {
            warn!(error = %e, "could not keep the secretary's state for the next start");
        }
    }

    /// At start: the secretaries logged in or paused when the service last
    /// stopped (or was killed) are again, as they chose; one who was on a
    /// call or in wrap-up is available.
    async fn restore_presence(&mut self) {
        self.reload_agents().await;
        let presences = match self.store.run(|db| db.presences()).await {
            Ok(p) => p,
            Err(e) => return warn!(error = %e, "could not read the secretaries' states: all start logged out"),
        };
        let now = Utc::now();
        for (id, presence, reason) in presences {
            if !self.board.q.has_agent(&id) {
                continue;
            }
            let restored = self.board.q.login(&id, now).and_then(|()| if presence == "paused" { self.board.q.pause(&id, &reason) } else { Ok(()) });
            match restored {
                Ok(()) => info!(agent = %id, %presence, "secretary's state restored"),
                Err(e) => warn!(agent = %id, error = %e, "could not restore the secretary's state"),
            }
        }
    }

    /// A secretary added since the start is read from the store.
    async fn know(&mut self, id: &str) {
        if !self.board.q.has_agent(id) {
            self.reload_agents().await;
        }
    }

    async fn reload_agents(&mut self) {
        match self.store.run(|db| db.secretaries()).await {
            Ok(list) => {
                for s in list {
                    self.board.q.update_agent(&s.id, &s.name, &s.dial, s.practices.into_iter().collect());
                }
            }
            Err(e) => warn!(error = %e, "could not read the secretaries"),
        }
    }

    fn snapshot(&self, now: DateTime<Utc>) -> Snapshot {
        let waiting = self
            .board
            .q
            .waiting()
            .iter()
            .map(|c| WaitingView {
                call: c.clone(),
                practice: self.callers.get(&c.uuid).map(|(_, p)| p.clone()).unwrap_or_default(),
                waiting_secs: (now - c.since).num_seconds().max(0),
                position: self.board.q.position(&c.uuid).unwrap_or(0),
                ringing: self.board.ringing(&c.uuid),
            })
            .collect();
        let mut practices: BTreeMap<i64, ()> = BTreeMap::new();
        for a in self.board.q.agents() {
            for p in a.practices.keys() {
                practices.insert(*p, ());
            }
        }
        for (p, _) in self.board.q.all_stats() {
            practices.insert(p, ());
        }
        let stats = practices
            .keys()
            .map(|p| {
                let s = self.board.q.stats(*p);
                StatsView { practice_id: *p, average_wait_secs: s.average_wait_secs(), stats: s }
            })
            .collect();
        Snapshot { now, waiting, agents: self.board.q.agents().to_vec(), stats }
    }

    fn housekeeping(&mut self, now: DateTime<Utc>) {
        self.board.tick(now, self.settings.max_wait);
        self.perform(now);
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

    /// Ring the secretaries' legs for this call: each hears who the call is
    /// for and why.
    fn ring(&mut self, call: WaitingCall, mut legs: Vec<Leg>) {
        let practice = self.callers.get(&call.uuid).map(|(_, p)| p.clone()).unwrap_or_default();
        for leg in &mut legs {
            leg.caller_id_name = practice.clone();
        }
        let key = if call.urgent { Key("secretary.urgent") } else { Key("secretary.announce") };
        let said = Utterance::filled(self.settings.lang, key, vec![("practice", practice.as_str().into()), ("reason", call.reason.as_str().into())]);
        let (lines, voice, tx, ring, uuid) = (self.lines.clone(), self.voice.clone(), self.tx.clone(), self.settings.ring, call.uuid.clone());
        let store = self.store.clone();
        tokio::spawn(async move {
            // Kept before they ring: a leg a crash leaves parked is hung up
            // at the next start.
            let ids: Vec<String> = legs.iter().map(|l| l.id.clone()).collect();
            let now = Utc::now();
            if let Err(e) = store.run(move |db| ids.iter().try_for_each(|id| db.keep_leg(id, now))).await {
                warn!(error = %e, "could not keep the legs rung: a crash now would leave them to the switch");
            }
            let announcement = match voice.render_utterance(&said).await {
                Ok(files) => files,
                Err(e) => {
                    warn!(error = %e, "announcement could not be rendered: the secretary gets the call without it");
                    Vec::new()
                }
            };
            let result = lines.ring(legs, announcement, ring).await;
            let _ = tx.send(Command::RingDone { call: uuid, result });
        });
    }

    fn place_callback(&mut self, cb: Callback, practice: &str, practice_number: Option<String>, agent: &str) -> Result<(), QueueError> {
        let label = format!("rappel-{}", cb.id);
        let a = self.board.q.start_callback(agent, &label)?;
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
        self.board.callback_placed(&patient.id, agent);
        let (lines, tx, ring, id, agent, patient_leg) =
            (self.lines.clone(), self.tx.clone(), self.settings.ring * 2, cb.id, agent.to_string(), patient.id.clone());
        tokio::spawn(async move {
            let result = lines.call_back(patient, secretary, ring).await;
            let _ = tx.send(Command::CallbackDone { id, agent, patient_leg, result });
        });
        Ok(())
    }
}

/// Whether a state lets a secretary place a call back.
pub fn can_call_back(state: &AgentState) -> bool {
    matches!(state, AgentState::Available { .. } | AgentState::Paused { .. } | AgentState::WrapUp { .. })
}
