//! The queue task's handle, what calls and the API hold: join, leave, tell
//! the task what became of a bridge; a secretary's state; the live state
//! and a call's details; placing a call-back. Each is a message to the task.

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tokio::sync::{mpsc, oneshot};
use tracing::warn;

use super::{Agent, QueueError, Stats, WaitingCall};
use crate::store::Callback;

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
#[derive(Debug, Clone, Serialize, Deserialize)]
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
#[derive(Debug, Clone, Serialize, Deserialize)]
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
#[derive(Debug, Clone, Serialize, Deserialize)]
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

pub(super) type Reply<T> = oneshot::Sender<T>;

pub(super) enum Command {
    Join { call: WaitingCall, practice: String, news: mpsc::UnboundedSender<News>, reply: Reply<Result<(), JoinError>> },
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
    RingDone { call: String, result: Result<String, super::RingFailure> },
    CallbackDone { id: i64, agent: String, patient_leg: String, result: Result<String, super::RingFailure> },
}

/// Handle on the queue task. Clone it freely.
///
/// The commands' channel is unbounded so that what a call tells the task
/// (left, given back, bridged, the bridge failed, ended) is never dropped
/// and never makes the call wait: every sender either waits for its reply
/// (one command in flight per asker) or sends a few notices in its call's
/// life, so what the channel holds is bounded by the calls and requests in
/// flight, not by time.
#[derive(Clone)]
pub struct Queues {
    pub(super) tx: mpsc::UnboundedSender<Command>,
    /// The task's state after each change, for the consoles.
    pub(super) changes: tokio::sync::broadcast::Sender<std::sync::Arc<Snapshot>>,
}

impl std::fmt::Debug for Queues {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Queues").field("running", &!self.tx.is_closed()).finish()
    }
}

/// A place in the queue: the news for this call arrive here.
pub struct Ticket {
    /// News from the queue.
    pub news: mpsc::UnboundedReceiver<News>,
}

impl Queues {
    /// The whole state after every change, from now on (the consoles' one
    /// channel; a receiver that falls behind skips to the latest).
    pub fn changes(&self) -> tokio::sync::broadcast::Receiver<std::sync::Arc<Snapshot>> {
        self.changes.subscribe()
    }

    async fn ask<T>(&self, make: impl FnOnce(Reply<T>) -> Command) -> Option<T> {
        let (tx, rx) = oneshot::channel();
        self.tx.send(make(tx)).ok()?;
        rx.await.ok()
    }

    fn tell(&self, cmd: Command) {
        // Only a stopped task refuses: the call then has nobody to tell.
        if self.tx.send(cmd).is_err() {
            warn!("the queue is not running: notice not delivered");
        }
    }

    /// Queue a call handed over by the receptionist.
    pub async fn join(&self, call: WaitingCall, practice: &str) -> Result<Ticket, JoinError> {
        let (news, rx) = mpsc::unbounded_channel();
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
