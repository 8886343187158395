//! The call: the [`Channel`] trait (what can be done to a live call, whatever
//! the switch) and the driver that owns one call from its first event to its
//! last, performing the receptionist's actions and feeding results back.
//!
//! Knows nothing of the Event Socket (that is `freeswitch/`) nor of SQL
//! (that is `store/`).

pub mod driver;
pub mod holds;
pub mod life;
pub mod terminal;
mod wait;

use std::future::Future;

use thiserror::Error;

pub use driver::{CallSetup, CallSummary, DriverEnv};
pub use life::{Ended, run};

use crate::words::Utterance;

/// A channel operation could not be carried out (the connection is gone or
/// broke the protocol). A hang-up is *not* an error: it is a result.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum ChannelError {
    /// The switch closed the connection or it broke.
    #[error("connection to the switch lost: {0}")]
    Disconnected(String),
    /// The switch refused a command.
    #[error("the switch refused {command}: {reply}")]
    Refused {
        /// What was sent.
        command: String,
        /// What came back.
        reply: String,
    },
    /// A prompt could not be rendered.
    #[error("speech: {0}")]
    Speech(String),
}

/// The end of an operation that returns nothing else.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Completion {
    /// It ran to its end (or was stopped by a key where allowed).
    Done,
    /// The caller hung up meanwhile.
    HungUp,
}

/// Keys to collect after a prompt; a key stops the prompt at once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gather {
    /// The question.
    pub prompt: Utterance,
    /// Fewest keys.
    pub min: u8,
    /// Most keys.
    pub max: u8,
    /// Wait for the first key after the prompt (ms).
    pub timeout_ms: u64,
    /// Keys that end the input early.
    pub terminators: String,
    /// How many times the prompt is played if nothing comes.
    pub tries: u8,
}

/// The result of a [`Gather`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Gathered {
    /// Keys pressed.
    Digits(String),
    /// Nothing before the timeout.
    Timeout,
    /// The caller hung up.
    HungUp,
}

/// A recording to make.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordRequest {
    /// What the caller hears first (what to say, how to end), then the beep.
    pub prompt: Utterance,
    /// File the switch writes.
    pub path: String,
    /// Longest recording.
    pub max_secs: u32,
    /// Energy under which audio counts as silence.
    pub silence_threshold: u32,
    /// Seconds of silence that end it.
    pub silence_secs: u32,
}

/// What a recording gave.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Recorded {
    /// Length of what was recorded, seconds.
    pub secs: f64,
    /// Whether the caller hung up during (or right at the end of) the recording.
    pub hung_up: bool,
}

/// The result of a bridge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Bridged {
    /// Someone answered; the bridge is over and the caller is still there.
    Answered,
    /// Nobody answered (busy, no answer, unreachable): the cause.
    Failed(String),
    /// The caller hung up.
    HungUp,
}

/// What a waiting caller hears.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Music {
    /// The configured music (a file or a stream the switch knows).
    Source(String),
    /// When that one cannot be played: the ring-back tone, endlessly.
    RingBack,
    /// When nothing else plays: silence, endlessly.
    Silence,
}

/// How a hold ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Held<T> {
    /// What the caller was waiting for happened (the music is stopped).
    Stopped(T),
    /// The caller hung up.
    HungUp,
    /// The music stopped by itself (a missing source): nothing plays.
    MusicEnded,
}

/// A call's deadline, which the driver may move (a caller waiting for or
/// speaking with a secretary is not cut off at the receptionist's limit).
#[derive(Debug, Clone)]
pub struct Deadline(std::sync::Arc<tokio::sync::watch::Sender<tokio::time::Instant>>);

impl Deadline {
    /// A deadline at `at`.
    pub fn at(at: tokio::time::Instant) -> Self {
        Self(std::sync::Arc::new(tokio::sync::watch::channel(at).0))
    }

    /// Move it.
    pub fn set(&self, at: tokio::time::Instant) {
        self.0.send_replace(at);
    }

    /// When it is now.
    pub fn when(&self) -> tokio::time::Instant {
        *self.0.borrow()
    }

    /// Resolves once the deadline, as moved meanwhile, is reached.
    pub async fn reached(&self) {
        let mut rx = self.0.subscribe();
        loop {
            let at = *rx.borrow_and_update();
            tokio::select! {
                _ = tokio::time::sleep_until(at) => return,
                changed = rx.changed() => if changed.is_err() { return },
            }
        }
    }
}

/// Something that happened on the call between operations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallEvent {
    /// A key, whatever its source (RTP, INFO, in-band).
    Digit(char),
    /// The caller hung up.
    HungUp,
    /// An application finished.
    ExecuteComplete {
        /// Its name.
        application: String,
        /// Its response (`FILE PLAYED`, `_none_`…).
        response: String,
    },
}

/// What can be done to a live call. One implementation per switch; the rest
/// of the service speaks only this.
pub trait Channel: Send {
    /// Answer.
    fn answer(&mut self) -> impl Future<Output = Result<Completion, ChannelError>> + Send;
    /// Play a file; no key interrupts it.
    fn play(&mut self, file: &str) -> impl Future<Output = Result<Completion, ChannelError>> + Send;
    /// Say an utterance (rendered to speech, then played); no key interrupts it.
    fn say(&mut self, said: &Utterance) -> impl Future<Output = Result<Completion, ChannelError>> + Send;
    /// Ask a question and collect keys; a key stops the prompt.
    fn gather(&mut self, request: &Gather) -> impl Future<Output = Result<Gathered, ChannelError>> + Send;
    /// Say the request's prompt, beep and record; `#` or silence ends the
    /// recording, no key stops the prompt.
    fn record(&mut self, request: &RecordRequest) -> impl Future<Output = Result<Recorded, ChannelError>> + Send;
    /// Put the caller through to `dial`, waiting `timeout_secs` for an answer.
    fn bridge(&mut self, dial: &str, timeout_secs: u32) -> impl Future<Output = Result<Bridged, ChannelError>> + Send;
    /// Set channel variables the next hop reads (the reason for the secretaries…).
    fn set_vars(&mut self, vars: &[(&str, String)]) -> impl Future<Output = Result<Completion, ChannelError>> + Send;
    /// Hand the call to a dialplan extension; the receptionist's part ends.
    fn transfer(&mut self, extension: &str, context: &str) -> impl Future<Output = Result<Completion, ChannelError>> + Send;
    /// Keep the caller waiting with `music` until `stop` resolves (its value
    /// is returned once the music is stopped), or the caller hangs up.
    fn hold<T: Send, F: Future<Output = T> + Send>(&mut self, music: &Music, stop: F) -> impl Future<Output = Result<Held<T>, ChannelError>> + Send;
    /// Bridge the caller to a leg that is already up (a secretary waiting,
    /// parked); returns when that conversation is over.
    fn connect_to(&mut self, leg: &str) -> impl Future<Output = Result<Bridged, ChannelError>> + Send;
    /// Park the call (music on hold is the switch's business).
    fn park(&mut self) -> impl Future<Output = Result<Completion, ChannelError>> + Send;
    /// Hang up (a normal end of call).
    fn hangup(&mut self) -> impl Future<Output = Result<Completion, ChannelError>> + Send;
    /// Play the practice's own recordings in place of the fixed sentences
    /// they replace (see [`crate::speech::Recordings`]). A channel without a
    /// voice of its own ignores it.
    fn use_practice_recordings(&mut self, _recordings: crate::speech::Recordings) {}
    /// Keys typed while a sentence played answer the question asked right
    /// after it, in the same turn of the dialogue; at the next turn they are
    /// forgotten (the caller has not heard that question yet, or the keys
    /// were pressed during a sentence that no key may skip, the emergency
    /// advice). A channel that keeps no such keys ignores it.
    fn forget_typed_keys(&mut self) {}
    /// The next call event, or `None` when nothing happens within `wait`.
    fn next_event(&mut self, wait: std::time::Duration) -> impl Future<Output = Result<Option<CallEvent>, ChannelError>> + Send;
    /// Whether the caller is gone.
    fn is_hung_up(&self) -> bool;
}
