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
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Serialize;
use tokio::sync::{broadcast, mpsc, oneshot};
use tracing::{debug, info, warn};

use super::{Agent, AgentState, Level, QueueError, SecretaryQueue, Stats, Strategy, WaitingCall};
use crate::speech::Voice;
use crate::speech::catalogue::{Key, Lang, fill};
use crate::store::{Callback, Store};

/// The cause a switch gives when its link went away with the answer.
pub const LINK_LOST: &str = "LINK_LOST";

/// One phone to ring.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Leg {
    /// The leg's unique id, chosen before it exists (FreeSWITCH's `origination_uuid`).
    pub id: String,
    /// Dial string.
    pub dial: String,
    /// Caller-id name shown on the phone.
    pub caller_id_name: String,
    /// Caller-id number shown on the phone.
    pub caller_id_number: Option<String>,
}

/// What the switch reports about legs, on its own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LineEvent {
    /// The leg is parked: its announcement is over, it waits for the bridge.
    Parked(String),
    /// The leg hung up.
    Gone(String),
    /// The link to the switch (re)connected; these channels are live.
    Resynced(Vec<String>),
}

/// What the queue asks of the switch.
pub trait Lines: Send + Sync + 'static {
    /// Ring these phones at once; whoever answers hears `announcement` (a
    /// playable file, or nothing when empty) and is then parked. Resolves with
    /// the leg that answered, or the switch's cause (`NO_ANSWER`, …,
    /// [`LINK_LOST`]).
    fn ring(&self, legs: Vec<Leg>, announcement: String, timeout: Duration) -> impl Future<Output = Result<String, String>> + Send;
    /// Hang a leg up (best effort: it may be gone already).
    fn hang_up(&self, leg: &str) -> impl Future<Output = ()> + Send;
    /// Dial the patient; once they answer, bridge them to the secretary.
    /// Resolves with the patient's leg, or the cause.
    fn call_back(&self, patient: Leg, secretary: Leg, timeout: Duration) -> impl Future<Output = Result<String, String>> + Send;
    /// The switch's reports about legs.
    fn events(&self) -> Option<broadcast::Receiver<LineEvent>>;
}

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

/// Why a waiting call is given back to the receptionist.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TakeBack {
    /// No secretary is logged in for the practice.
    Nobody,
    /// The caller waited longer than the maximum.
    TooLong,
    /// The queue is stopping.
    Stopped,
}

/// What a waiting caller's task is told.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum News {
    /// A secretary answered and heard the announcement: bridge to this leg.
    Ready {
        /// The secretary's leg.
        leg: String,
    },
    /// Nobody will answer: offer a message or a call back.
    TakeBack(TakeBack),
}

/// A call could not join.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JoinError {
    /// No secretary serves this practice at all: the practice's own
    /// secretaries' extension takes the call.
    #[error("no remote secretary serves this practice")]
    NoSecretaries,
    /// The queue task is gone.
    #[error("the queue is not running")]
    Stopped,
}

/// A waiting call, as a console shows it.
#[derive(Debug, Clone, Serialize)]
pub struct WaitingView {
    /// The call (id, practice, caller, reason, urgent, since).
    #[serde(flatten)]
    pub call: WaitingCall,
    /// Practice name.
    pub practice: String,
    /// Seconds waited.
    pub waiting_secs: i64,
    /// Position in its practice's queue (1 = next).
    pub position: usize,
    /// Secretaries whose phone rings for it now.
    pub ringing: Vec<String>,
}

/// A practice's figures, as the API gives them.
#[derive(Debug, Clone, Serialize)]
pub struct StatsView {
    /// Practice.
    pub practice_id: i64,
    /// Counts and waits.
    #[serde(flatten)]
    pub stats: Stats,
    /// Average wait of answered calls, seconds.
    pub average_wait_secs: f64,
}

/// The live state of every queue.
#[derive(Debug, Clone, Serialize)]
pub struct Snapshot {
    /// When it was taken.
    pub now: DateTime<Utc>,
    /// Calls waiting, in the order they will be offered.
    pub waiting: Vec<WaitingView>,
    /// Secretaries and their states.
    pub agents: Vec<Agent>,
    /// Figures per practice.
    pub stats: Vec<StatsView>,
}

type Reply<T> = oneshot::Sender<T>;

enum Command {
    Join { call: WaitingCall, practice: String, news: mpsc::Sender<News>, reply: Reply<Result<(), JoinError>> },
    Position { uuid: String, reply: Reply<Option<(usize, Duration)>> },
    Leave { uuid: String },
    GiveBack { uuid: String },
    Bridged { uuid: String },
    BridgeFailed { uuid: String },
    Ended { uuid: String },
    Login { id: String, reply: Reply<Result<(), QueueError>> },
    Logout { id: String, reply: Reply<Result<(), QueueError>> },
    Pause { id: String, reason: String, reply: Reply<Result<(), QueueError>> },
    Resume { id: String, reply: Reply<Result<(), QueueError>> },
    Snapshot { reply: Reply<Snapshot> },
    CallInfo { uuid: String, reply: Reply<Option<WaitingCall>> },
    PlaceCallback { callback: Callback, practice: String, practice_number: Option<String>, agent: String, reply: Reply<Result<(), QueueError>> },
    RingDone { call: String, result: Result<String, String> },
    CallbackDone { id: i64, agent: String, patient_leg: String, result: Result<String, String> },
}

/// Handle on the queue task. Clone it freely.
#[derive(Clone)]
pub struct Queues {
    tx: mpsc::Sender<Command>,
}

impl std::fmt::Debug for Queues {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Queues").field("pending_commands", &(self.tx.max_capacity() - self.tx.capacity())).finish()
    }
}

/// A place in the queue: the news for this call arrive here.
pub struct Ticket {
    /// News from the queue.
    pub news: mpsc::Receiver<News>,
}

impl Queues {
    async fn ask<T>(&self, make: impl FnOnce(Reply<T>) -> Command) -> Option<T> {
        let (tx, rx) = oneshot::channel();
        self.tx.send(make(tx)).await.ok()?;
        rx.await.ok()
    }

    fn tell(&self, cmd: Command) {
        // A full command queue must not block a call; the task catches up
        // from the switch's own reports (hang-ups, resync).
        if let Err(e) = self.tx.try_send(cmd) {
            warn!(error = %e, "queue command dropped");
        }
    }

    /// Queue a call handed over by the receptionist.
    pub async fn join(&self, call: WaitingCall, practice: &str) -> Result<Ticket, JoinError> {
        let (news, rx) = mpsc::channel(4);
        let practice = practice.to_string();
        self.ask(|reply| Command::Join { call, practice, news, reply }).await.unwrap_or(Err(JoinError::Stopped))?;
        Ok(Ticket { news: rx })
    }

    /// The call's position in its practice's queue and the estimated wait.
    pub async fn position(&self, uuid: &str) -> Option<(usize, Duration)> {
        let uuid = uuid.to_string();
        self.ask(|reply| Command::Position { uuid, reply }).await.flatten()
    }

    /// The caller hung up (or was taken back) before a secretary spoke.
    pub fn leave(&self, uuid: &str) {
        self.tell(Command::Leave { uuid: uuid.into() });
    }

    /// The call leaves the queue for the receptionist (nothing can be played
    /// to the caller while waiting): counted as given back, not abandoned.
    pub fn give_back(&self, uuid: &str) {
        self.tell(Command::GiveBack { uuid: uuid.into() });
    }

    /// The caller is bridged to the secretary.
    pub fn bridged(&self, uuid: &str) {
        self.tell(Command::Bridged { uuid: uuid.into() });
    }

    /// The bridge to the secretary failed: the call goes back to its place.
    pub fn bridge_failed(&self, uuid: &str) {
        self.tell(Command::BridgeFailed { uuid: uuid.into() });
    }

    /// The conversation with the secretary is over.
    pub fn ended(&self, uuid: &str) {
        self.tell(Command::Ended { uuid: uuid.into() });
    }

    /// A secretary starts working (their details are read again from the store).
    pub async fn login(&self, id: &str) -> Result<(), QueueError> {
        let id = id.to_string();
        self.ask(|reply| Command::Login { id, reply }).await.unwrap_or(Err(QueueError::Stopped))
    }

    /// A secretary stops.
    pub async fn logout(&self, id: &str) -> Result<(), QueueError> {
        let id = id.to_string();
        self.ask(|reply| Command::Logout { id, reply }).await.unwrap_or(Err(QueueError::Stopped))
    }

    /// A secretary pauses.
    pub async fn pause(&self, id: &str, reason: &str) -> Result<(), QueueError> {
        let (id, reason) = (id.to_string(), reason.to_string());
        self.ask(|reply| Command::Pause { id, reason, reply }).await.unwrap_or(Err(QueueError::Stopped))
    }

    /// A secretary is back.
    pub async fn resume(&self, id: &str) -> Result<(), QueueError> {
        let id = id.to_string();
        self.ask(|reply| Command::Resume { id, reply }).await.unwrap_or(Err(QueueError::Stopped))
    }

    /// Everything live.
    pub async fn snapshot(&self) -> Option<Snapshot> {
        self.ask(|reply| Command::Snapshot { reply }).await
    }

    /// A call waiting or with a secretary (practice, caller, reason).
    pub async fn call_info(&self, uuid: &str) -> Option<WaitingCall> {
        let uuid = uuid.to_string();
        self.ask(|reply| Command::CallInfo { uuid, reply }).await.flatten()
    }

    /// A secretary calls a patient back.
    pub async fn place_callback(&self, callback: Callback, practice: &str, practice_number: Option<String>, agent: &str) -> Result<(), QueueError> {
        let (practice, agent) = (practice.to_string(), agent.to_string());
        self.ask(|reply| Command::PlaceCallback { callback, practice, practice_number, agent, reply }).await.unwrap_or(Err(QueueError::Stopped))
    }
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
}

/// A conversation is assumed to last this long until one was measured.
const DEFAULT_HANDLE_SECS: f64 = 120.0;
/// An answered leg that never reports its park is taken as ready after this.
const PARK_GRACE: Duration = Duration::from_secs(20);

/// Start the queue task.
pub fn start<L: Lines>(lines: L, store: Store, voice: Voice, settings: Settings) -> Queues {
    let (tx, rx) = mpsc::channel(4096);
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
    };
    tokio::spawn(task.run(rx, events));
    Queues { tx }
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

    /// The phones ringing for this call stop.
    fn stop_ringing(&mut self, uuid: &str) {
        if let Some(ring) = self.rings.remove(uuid) {
            for (_, leg) in ring.legs {
                self.legs.remove(&leg);
                self.hang_up(&leg);
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

    fn ring_done(&mut self, call: &str, result: Result<String, String>, now: DateTime<Utc>) {
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
            Err(cause) => {
                let ring = self.rings.remove(call).map(|r| r.legs).unwrap_or_default();
                for (agent, leg) in ring {
                    self.legs.remove(&leg);
                    if cause == LINK_LOST {
                        // Nobody's fault: the offer is made again once the
                        // link is back; the leg, if it still rings, is hung
                        // up then.
                        self.link_down = true;
                        self.orphans.insert(leg);
                        let _ = self.q.offer_cancelled(&agent);
                    } else if self.q.offer_failed(&agent, &cause_reason(&cause)).is_ok() {
                        info!(%agent, %cause, call, "secretary did not take the call: paused, the call keeps its place");
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
                let told = self.callers.get(call).is_some_and(|(tx, _)| tx.try_send(News::Ready { leg: leg.to_string() }).is_ok());
                if told {
                    info!(call, agent, "secretary ready: bridging the caller");
                    self.served.insert(call.to_string(), Served { call: wc, agent: agent.to_string(), leg: leg.to_string(), bridged_at: None });
                } else {
                    self.legs.remove(leg);
                    self.hang_up(leg);
                    let _ = self.q.release(agent, now);
                }
            }
            Err(e) => {
                debug!(error = %e, "answered leg no longer wanted");
                self.legs.remove(leg);
                self.hang_up(leg);
                let _ = self.q.release(agent, now);
            }
        }
    }

    fn line_event(&mut self, ev: LineEvent) {
        let now = Utc::now();
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

/// Levels by name, for the command line and the API.
pub fn level_named(s: &str) -> Option<Level> {
    match s {
        "primary" => Some(Level::Primary),
        "overflow" => Some(Level::Overflow),
        _ => None,
    }
}

/// Whether a state lets a secretary place a call back.
pub fn can_call_back(state: &AgentState) -> bool {
    matches!(state, AgentState::Available { .. } | AgentState::Paused { .. } | AgentState::WrapUp { .. })
}
