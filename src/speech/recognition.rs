//! Speech recognition with whisper.cpp (whisper-rs), on a multilingual
//! Whisper model in ggml format made by `make model`. Decoding is tuned for
//! what a receptionist hears: greedy, no temperature fallback (one
//! hallucinating clip took 89 s with it), capped tokens, no timestamps, and a
//! hard time limit per utterance that aborts the decoder.
//!
//! Recognition is slow (seconds on two cores): it never runs on a call's hot
//! path but on a bounded pool of threads (`TranscriptionPool`).

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};
use std::time::{Duration, Instant};

use thiserror::Error;
use whisper_rs::{FullParams, SamplingStrategy, WhisperContext, WhisperContextParameters};

/// Recognition failed.
#[derive(Debug, Error)]
pub enum RecognitionError {
    /// No model at that path, or not a model.
    #[error("speech model {path}: {detail}")]
    Model {
        /// The model file.
        path: PathBuf,
        /// Why.
        detail: String,
    },
    /// The audio could not be read.
    #[error("audio {path}: {detail}")]
    Audio {
        /// The file.
        path: PathBuf,
        /// Why.
        detail: String,
    },
    /// The decoder failed or ran out of time.
    #[error("recognition: {0}")]
    Decode(String),
    /// Stopped because something more urgent wanted the cores; try again later.
    #[error("recognition interrupted: the service needed the cores")]
    Interrupted,
}

/// What the decoder's abort callback looks at. It lives on the stack of
/// [`Recognizer::transcribe_unless`] while whisper.cpp runs; whisper.cpp
/// only calls the callback during that call.
struct Abort<'a> {
    deadline: Instant,
    /// Stop when this says so.
    yield_to: &'a (dyn Fn() -> bool + Sync),
    /// 0: running; 1: over the time limit; 2: interrupted.
    why: AtomicU8,
}

/// whisper.cpp's abort callback; `data` is an [`Abort`]. (whisper-rs 0.16's
/// `set_abort_callback_safe` reads its boxed closure as the closure's own
/// type: its callback never saw the deadline. This one is ours.)
#[allow(unsafe_code)]
unsafe extern "C" fn should_abort(data: *mut std::ffi::c_void) -> bool {
    // SAFETY: `data` is the `&Abort` set in `transcribe_unless`, alive for the whole decode.
    let abort = unsafe { &*(data as *const Abort<'_>) };
    if abort.why.load(Ordering::Relaxed) != 0 {
        return true;
    }
    let why = if Instant::now() > abort.deadline {
        1
    } else if (abort.yield_to)() {
        2
    } else {
        return false;
    };
    abort.why.store(why, Ordering::Relaxed);
    true
}

/// How to decode one clip.
#[derive(Debug, Clone)]
pub struct Decoding {
    /// Language code (`fr`, `en`).
    pub language: String,
    /// Words likely to be said (biases the decoder).
    pub prompt: Option<String>,
    /// At most this many tokens per segment.
    pub max_tokens: i32,
    /// One segment only (short answers).
    pub single_segment: bool,
    /// Give up after this long.
    pub time_limit: Duration,
}

impl Decoding {
    /// For a short spoken answer at the menu.
    pub fn short_answer(language: &str, expected: &str) -> Self {
        Self { language: language.into(), prompt: Some(expected.into()), max_tokens: 24, single_segment: true, time_limit: Duration::from_secs(8) }
    }

    /// For a voice message of up to two minutes.
    pub fn message(language: &str) -> Self {
        Self { language: language.into(), prompt: None, max_tokens: 0, single_segment: false, time_limit: Duration::from_secs(120) }
    }
}

/// A loaded model; share it between threads.
#[derive(Clone)]
pub struct Recognizer {
    ctx: Arc<WhisperContext>,
    threads: i32,
}

impl std::fmt::Debug for Recognizer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Recognizer").field("threads", &self.threads).finish()
    }
}

impl Recognizer {
    /// Load a ggml model. `threads`: decoder threads per clip.
    pub fn load(path: &Path, threads: i32) -> Result<Self, RecognitionError> {
        let err = |detail: String| RecognitionError::Model { path: path.to_path_buf(), detail };
        if !path.is_file() {
            return Err(err("no such file (make model)".into()));
        }
        let text = path.to_str().ok_or_else(|| err("path is not UTF-8".into()))?;
        let ctx = WhisperContext::new_with_params(text, WhisperContextParameters::default()).map_err(|e| err(e.to_string()))?;
        Ok(Self { ctx: Arc::new(ctx), threads: threads.max(1) })
    }

    /// The same model, decoding with `threads` threads: the background
    /// transcriptions and the live answers share the cores between them.
    pub fn with_threads(&self, threads: i32) -> Self {
        Self { ctx: self.ctx.clone(), threads: threads.max(1) }
    }

    /// Transcribe 16 kHz mono samples. Blocking: call it from a worker thread.
    pub fn transcribe(&self, samples: &[f32], d: &Decoding) -> Result<String, RecognitionError> {
        self.transcribe_unless(samples, d, &|| false)
    }

    /// Transcribe, but stop once `yield_to` says so
    /// ([`RecognitionError::Interrupted`]): a background transcription gives
    /// the cores back when calls come in. whisper.cpp asks after each of its
    /// graphs: after the encoder (seconds on one thread), then at each token.
    pub fn transcribe_unless(&self, samples: &[f32], d: &Decoding, yield_to: &(dyn Fn() -> bool + Sync)) -> Result<String, RecognitionError> {
        if samples.is_empty() {
            return Ok(String::new());
        }
        let mut state = self.ctx.create_state().map_err(|e| RecognitionError::Decode(e.to_string()))?;
        let mut p = FullParams::new(SamplingStrategy::Greedy { best_of: 1 });
        p.set_n_threads(self.threads);
        p.set_language(Some(&d.language));
        p.set_translate(false);
        p.set_no_context(true);
        p.set_no_timestamps(true);
        p.set_single_segment(d.single_segment);
        p.set_max_tokens(d.max_tokens);
        p.set_temperature(0.0);
        p.set_temperature_inc(0.0);
        p.set_suppress_blank(true);
        p.set_print_progress(false);
        p.set_print_realtime(false);
        p.set_print_special(false);
        p.set_print_timestamps(false);
        if let Some(prompt) = &d.prompt {
            p.set_initial_prompt(prompt);
        }
        let abort = Abort { deadline: Instant::now() + d.time_limit, yield_to, why: AtomicU8::new(0) };
        // SAFETY: `should_abort` reads `abort`, which outlives `state.full` below.
        #[allow(unsafe_code)]
        unsafe {
            p.set_abort_callback(Some(should_abort));
            p.set_abort_callback_user_data(&abort as *const Abort<'_> as *mut std::ffi::c_void);
        }
        let decoded = state.full(p, samples);
        match abort.why.load(Ordering::Relaxed) {
            1 => return Err(RecognitionError::Decode(format!("over the time limit of {:?}", d.time_limit))),
            2 => return Err(RecognitionError::Interrupted),
            _ => {}
        }
        decoded.map_err(|e| RecognitionError::Decode(e.to_string()))?;
        let mut text = String::new();
        for segment in state.as_iter() {
            text.push_str(&segment.to_str_lossy().map_err(|e| RecognitionError::Decode(e.to_string()))?);
        }
        Ok(text.trim().to_string())
    }
}

/// Read a PCM 16-bit wav (any rate, mono or stereo) as 16 kHz mono samples.
pub fn read_wav_16k(path: &Path) -> Result<Vec<f32>, RecognitionError> {
    let err = |detail: &str| RecognitionError::Audio { path: path.to_path_buf(), detail: detail.to_string() };
    let data = std::fs::read(path).map_err(|e| err(&e.to_string()))?;
    let wav = super::pcm16(&data).map_err(err)?;
    let (pcm, channels, rate) = (&data[wav.data], wav.channels, wav.rate);
    let frame = 2 * channels as usize;
    let mono: Vec<f32> = pcm
        .chunks_exact(frame)
        .map(|f| {
            let sum: i32 = f.chunks_exact(2).map(|s| i16::from_le_bytes([s[0], s[1]]) as i32).sum();
            sum as f32 / channels as f32 / 32768.0
        })
        .collect();
    Ok(resample(&mono, rate, 16_000))
}

/// Linear resampling (speech band only; whisper wants 16 kHz).
pub fn resample(samples: &[f32], from: u32, to: u32) -> Vec<f32> {
    if from == to || samples.is_empty() {
        return samples.to_vec();
    }
    let n = (samples.len() as u64 * to as u64 / from as u64) as usize;
    let step = from as f64 / to as f64;
    (0..n)
        .map(|i| {
            let x = i as f64 * step;
            let j = x.floor() as usize;
            let frac = (x - j as f64) as f32;
            let a = samples[j.min(samples.len() - 1)];
            let b = samples[(j + 1).min(samples.len() - 1)];
            a + (b - a) * frac
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resampling_keeps_the_duration() {
        let one_second_8k = vec![0.5f32; 8000];
        assert_eq!(resample(&one_second_8k, 8000, 16000).len(), 16000);
        assert_eq!(resample(&vec![0.0; 22050], 22050, 16000).len(), 16000);
    }

    #[test]
    fn a_missing_model_is_a_clear_error() {
        let e = Recognizer::load(Path::new("/nonexistent/ggml-base.bin"), 1).unwrap_err();
        assert!(e.to_string().contains("make model"), "{e}");
    }
}
