//! Transcribing messages in the background: a bounded queue and one worker
//! thread whose decoder uses the machine's cores, so transcription never runs
//! on a call's hot path and never takes more threads than the machine has.
//! The worker (and the decoding threads whisper.cpp starts from it, which
//! inherit it) runs in the idle scheduling class: a transcript can wait, a
//! caller cannot.
//! Each transcript is stored with its message (words of an emergency flag the
//! message urgent, `Db::set_transcript`), and a name said at booking becomes
//! the appointment's patient name. A recording the queue could not take
//! (full, or lost in a restart) is found again in the store once the
//! service is quiet: nothing a caller said stays without its text.

use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::mpsc::{Receiver, RecvTimeoutError, SyncSender, TrySendError, sync_channel};
use std::time::Instant;

use tracing::{info, warn};

use super::recognition::{Decoding, RecognitionError, Recognizer, read_wav_16k};
use crate::store::Store;

/// Messages waiting at most; beyond, a message keeps its audio without a
/// transcript until the worker's next look in the store (`Worker::sweep`).
const QUEUE: usize = 1000;
/// While the service is busy a transcript waits, but never longer than this:
/// a message's words may flag it urgent.
pub const MAX_DEFER: std::time::Duration = std::time::Duration::from_secs(600);

/// After this long without a job (and the service quiet), the worker looks
/// in the store for recordings left without text.
const SWEEP_EVERY: std::time::Duration = std::time::Duration::from_secs(60);
/// Recordings of each kind taken from the store per look.
const SWEEP_BATCH: usize = 50;

/// How often a deferred transcription looks whether the calls are fewer.
const QUIET_POLL: std::time::Duration = std::time::Duration::from_millis(500);

/// A name said at booking is never urgent: it waits until no call is live,
/// with the other names waiting, but never longer than this; past it, it is
/// transcribed like a message (while the calls are under the threshold).
pub const NAME_MAX_DEFER: std::time::Duration = std::time::Duration::from_secs(3600);
/// Names held in memory at most; past it they stay in the store, where the
/// sweep finds them once the service is quiet.
const NAMES_HELD: usize = 1000;

/// Whether the service is too busy for a transcription now (live calls over
/// a threshold). Monday morning's calls go first; the transcripts follow.
pub type Busy = std::sync::Arc<dyn Fn() -> bool + Send + Sync>;

/// What a recording belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Target {
    /// A message (its transcript; urgent when its words say so).
    Message(i64),
    /// The name a caller said at booking (becomes the appointment's patient name).
    AppointmentName(i64),
}

/// A recording to transcribe.
#[derive(Debug, Clone)]
pub struct Job {
    /// Where the text goes.
    pub target: Target,
    /// The recording.
    pub audio: PathBuf,
}

/// The pool's handle; clone it freely.
#[derive(Clone, Debug)]
pub struct TranscriptionPool {
    queue: SyncSender<Job>,
}

impl TranscriptionPool {
    /// Start the worker. `language`: the callers' language (`fr`); `busy`:
    /// while it says so, the next transcription waits and a running one
    /// stops, to start again once it says otherwise (at most [`MAX_DEFER`]
    /// after the job was queued; past that, it runs to its end).
    pub fn start(recognizer: Recognizer, store: Store, language: String, busy: Busy) -> Self {
        Self::start_with(recognizer, store, language, busy.clone(), busy)
    }

    /// Like [`start`](Self::start); `calls_live` says whether any call is
    /// live: while it does, the names said at booking wait (at most
    /// [`NAME_MAX_DEFER`]), and once it stops they are transcribed one after
    /// the other, a Monday morning's names in the quiet that follows it,
    /// instead of sharing the cores with the calls. Messages do not wait for
    /// quiet: their words may flag them urgent.
    pub fn start_with(recognizer: Recognizer, store: Store, language: String, busy: Busy, calls_live: Busy) -> Self {
        let (queue, jobs) = sync_channel::<Job>(QUEUE);
        let spawned = std::thread::Builder::new().name("transcription".into()).spawn(move || {
            if let Err(e) = super::run_when_idle() {
                warn!(error = ?e, "transcriptions run at normal priority: they may slow calls down under load");
            }
            Worker { recognizer, store, language, busy, calls_live, names: Vec::new(), swept: (0, 0), given_up: HashSet::new() }.run(jobs);
        });
        if let Err(e) = spawned {
            warn!(error = %e, "cannot start the transcription thread: messages keep their audio only");
        }
        Self { queue }
    }

    /// Queue a recording; `false` when the queue is full (the worker finds
    /// it in the store later, once the service is quiet) or the worker is
    /// gone (the recording keeps its audio, without text).
    pub fn submit(&self, job: Job) -> bool {
        match self.queue.try_send(job) {
            Ok(()) => true,
            Err(TrySendError::Full(job)) => {
                warn!(target = ?job.target, "transcription queue full: the recording is transcribed later, from the store, once the service is quiet");
                false
            }
            Err(TrySendError::Disconnected(job)) => {
                warn!(target = ?job.target, "transcription worker gone: the recording is kept without text");
                false
            }
        }
    }
}

/// The worker thread's state.
struct Worker {
    recognizer: Recognizer,
    store: Store,
    language: String,
    busy: Busy,
    calls_live: Busy,
    /// Names said at booking waiting for no call to be live, with when each
    /// was first held.
    names: Vec<(Job, Instant)>,
    /// Where the look through the store has got to: the last message and
    /// appointment ids taken; back to the start once nothing is left.
    swept: (i64, i64),
    /// Recordings that could not be transcribed (unreadable, the decoder
    /// failed): the sweep does not take them again until a restart.
    given_up: HashSet<Target>,
}

impl Worker {
    /// Jobs as they come; at start, and whenever no job came for
    /// [`SWEEP_EVERY`] while the service is quiet, the recordings the store
    /// still holds without text (the queue was full, the service restarted,
    /// the model was installed after they were left), a batch at a time,
    /// queued jobs first between batches.
    fn run(mut self, jobs: Receiver<Job>) {
        let mut next_sweep = Instant::now();
        loop {
            let until_sweep = next_sweep.saturating_duration_since(Instant::now());
            // Names waiting: look every QUIET_POLL whether the calls are gone.
            let wait = if self.names.is_empty() { until_sweep } else { until_sweep.min(QUIET_POLL) };
            match jobs.recv_timeout(wait) {
                Ok(job) => self.take(job),
                Err(RecvTimeoutError::Timeout) => {
                    self.names_if_quiet();
                    if Instant::now() >= next_sweep {
                        let more = !(self.busy)() && self.sweep();
                        next_sweep = if more { Instant::now() } else { Instant::now() + SWEEP_EVERY };
                    }
                }
                Err(RecvTimeoutError::Disconnected) => return,
            }
        }
    }

    /// A job now, or, a name while calls are live, held for the quiet.
    fn take(&mut self, job: Job) {
        match job.target {
            Target::AppointmentName(_) if (self.calls_live)() => {
                if self.names.iter().any(|(held, _)| held.target == job.target) {
                    return;
                }
                if self.names.len() < NAMES_HELD {
                    self.names.push((job, Instant::now()));
                }
                // Past NAMES_HELD the name stays in the store for the sweep.
            }
            _ => self.transcribe(job),
        }
        self.names_if_quiet();
    }

    /// The names held, one after the other, once no call is live (each one
    /// stops and starts again if a call comes in); a name held past
    /// [`NAME_MAX_DEFER`] goes at once, like a message.
    fn names_if_quiet(&mut self) {
        while let Some(at) = self.names.iter().position(|(_, since)| !(self.calls_live)() || since.elapsed() >= NAME_MAX_DEFER) {
            let (job, since) = self.names.remove(at);
            if since.elapsed() >= NAME_MAX_DEFER {
                self.transcribe(job);
                continue;
            }
            // A call came in: the name goes back to wait, the worker back to
            // the messages.
            let calls_live = self.calls_live.clone();
            if let Some(job) = self.transcribe_yielding(job, &move || calls_live(), false) {
                self.names.insert(at, (job, since));
                return;
            }
        }
    }

    /// One batch from the store; `true` when there may be more.
    fn sweep(&mut self) -> bool {
        let (messages, names) = match self.store.run_sync(|db| db.untranscribed(self.swept, SWEEP_BATCH)) {
            Ok(found) => found,
            Err(e) => {
                warn!(error = %e, "cannot look for recordings without text");
                return false;
            }
        };
        if messages.is_empty() && names.is_empty() {
            self.swept = (0, 0);
            return false;
        }
        self.swept = (messages.last().map_or(self.swept.0, |m| m.0), names.last().map_or(self.swept.1, |n| n.0));
        let found = messages
            .into_iter()
            .map(|(id, audio)| (Target::Message(id), audio))
            .chain(names.into_iter().map(|(id, audio)| (Target::AppointmentName(id), audio)));
        let jobs: Vec<Job> =
            found.filter(|(target, _)| !self.given_up.contains(target)).map(|(target, audio)| Job { target, audio: PathBuf::from(audio) }).collect();
        if !jobs.is_empty() {
            info!(count = jobs.len(), "recordings left without text: transcribing them now");
        }
        for job in jobs {
            self.take(job);
        }
        true
    }

    /// One job: waits while the service is busy, starts again when calls
    /// interrupt it, stores the text.
    fn transcribe(&mut self, job: Job) {
        let busy = self.busy.clone();
        // Waiting out the calls, it never hands the job back.
        let _ = self.transcribe_yielding(job, &move || busy(), true);
    }

    /// One job, stopped while `busy` says so (for [`MAX_DEFER`] at most):
    /// `wait_out`, it waits and starts again; otherwise the job is handed
    /// back, not done, for the caller to hold.
    fn transcribe_yielding(&mut self, job: Job, busy: &(dyn Fn() -> bool + Sync), wait_out: bool) -> Option<Job> {
        let samples = match read_wav_16k(&job.audio) {
            Ok(samples) => samples,
            Err(e) => {
                self.give_up(job.target, &e.to_string());
                return None;
            }
        };
        let queued = Instant::now();
        // Past the deferral limit, nothing interrupts it any more.
        let must_yield = || busy() && queued.elapsed() < MAX_DEFER;
        let (text, secs) = loop {
            while must_yield() {
                if !wait_out {
                    return Some(job);
                }
                std::thread::sleep(QUIET_POLL);
            }
            let started = Instant::now();
            match self.recognizer.transcribe_unless(&samples, &Decoding::message(&self.language), &must_yield) {
                // Calls came in: they have the cores; start again once they are gone.
                Err(RecognitionError::Interrupted) => {
                    info!(target = ?job.target, secs = started.elapsed().as_secs_f32(), "transcription interrupted by calls (whisper.cpp logs it as a failed encode); it starts again when they are fewer");
                }
                text => break (text, started.elapsed().as_secs_f32()),
            }
        };
        match (text, job.target) {
            (Ok(text), Target::Message(id)) => match self.store.run_sync(|db| db.set_transcript(id, &text, crate::words::intent::is_urgent(&text))) {
                Ok(urgent) => info!(message = id, urgent, secs, "message transcribed"),
                Err(e) => warn!(message = id, error = %e, "could not store the transcript"),
            },
            (Ok(text), Target::AppointmentName(id)) => match self.store.run_sync(|db| db.set_patient_name(id, &text)) {
                Ok(()) => info!(appointment = id, secs, "name transcribed"),
                Err(e) => warn!(appointment = id, error = %e, "could not store the name"),
            },
            (Err(e), target) => self.give_up(target, &e.to_string()),
        }
        None
    }

    fn give_up(&mut self, target: Target, error: &str) {
        warn!(?target, error, "not transcribed; the recording is kept");
        self.given_up.insert(target);
    }
}
