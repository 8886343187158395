//! Transcribing messages in the background: a bounded queue and one worker
//! thread whose decoder uses the machine's cores, so transcription never runs
//! on a call's hot path and never takes more threads than the machine has.
//! Each transcript is stored with its message; words of an emergency flag the
//! message urgent (`Db::set_transcript`).

use std::path::PathBuf;
use std::sync::mpsc::{sync_channel, SyncSender, TrySendError};

use tracing::{info, warn};

use super::recognition::{read_wav_16k, Decoding, Recognizer};
use crate::store::Store;

/// Messages waiting at most; beyond, a message keeps its audio without a transcript.
const QUEUE: usize = 1000;

/// A message to transcribe.
#[derive(Debug, Clone)]
pub struct Job {
    /// The message row.
    pub message_id: i64,
    /// Its recording.
    pub audio: PathBuf,
}

/// The pool's handle; clone it freely.
#[derive(Clone, Debug)]
pub struct TranscriptionPool {
    queue: SyncSender<Job>,
}

impl TranscriptionPool {
    /// Start the worker. `language`: the callers' language (`fr`).
    pub fn start(recognizer: Recognizer, store: Store, language: String) -> Self {
        let (queue, jobs) = sync_channel::<Job>(QUEUE);
        let spawned = std::thread::Builder::new().name("transcription".into()).spawn(move || {
            while let Ok(job) = jobs.recv() {
                let started = std::time::Instant::now();
                let text = read_wav_16k(&job.audio).map_err(|e| e.to_string()).and_then(|samples| recognizer.transcribe(&samples, &Decoding::message(&language)).map_err(|e| e.to_string()));
                match text {
                    Ok(text) => {
                        let id = job.message_id;
                        match store.run_sync(|db| db.set_transcript(id, &text)) {
                            Ok(urgent) => info!(message = id, urgent, secs = started.elapsed().as_secs_f32(), "message transcribed"),
                            Err(e) => warn!(message = id, error = %e, "could not store the transcript"),
                        }
                    }
                    Err(e) => warn!(message = job.message_id, error = %e, "message not transcribed; its recording is kept"),
                }
            }
        });
        if let Err(e) = spawned {
            warn!(error = %e, "cannot start the transcription thread: messages keep their audio only");
        }
        Self { queue }
    }

    /// Queue a message; `false` when the queue is full or the worker gone
    /// (the message keeps its audio, without a transcript).
    pub fn submit(&self, job: Job) -> bool {
        match self.queue.try_send(job) {
            Ok(()) => true,
            Err(TrySendError::Full(job)) => {
                warn!(message = job.message_id, "transcription queue full: the message keeps its audio only");
                false
            }
            Err(TrySendError::Disconnected(job)) => {
                warn!(message = job.message_id, "transcription worker gone: the message keeps its audio only");
                false
            }
        }
    }
}
