//! Speech: the voice and recognition. The voice renders an utterance
//! (`words::Utterance`) into wav files FreeSWITCH plays, piece by piece with
//! espeak-ng, cached on disk by a hash of text, voice and rate; a fixed
//! sentence the practice recorded itself is played from its recording.
//!
//! Recognition (`recognition`, whisper.cpp) turns messages into text on a
//! bounded pool of threads (`transcription`), never on a call's hot path.
//!
//! Owns the speech engines; knows nothing of calls, of the Event Socket (the
//! files are handed over as paths) nor of the sentences' wording (`words`).

pub mod recognition;
pub mod transcription;

use crate::words::utterance::CLAUSE_ENDS;
use crate::words::{Segment, Utterance};

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::{Arc, Mutex};

use sha2::{Digest, Sha256};
use thiserror::Error;
use tokio::sync::OnceCell;

/// espeak-ng processes running at once, at most.
const MAX_ENGINES: usize = 4;

/// Texts whose file name is remembered, at most.
const MAX_KNOWN_PATHS: usize = 20_000;

/// A prompt could not be rendered.
#[derive(Debug, Error)]
pub enum SpeechError {
    /// espeak-ng could not be started or failed.
    #[error("synthèse vocale ({command}): {detail}")]
    Engine {
        /// The command run.
        command: String,
        /// What went wrong.
        detail: String,
    },
    /// The cache folder could not be written.
    #[error("cache des messages {path}: {source}")]
    Cache {
        /// Folder.
        path: PathBuf,
        /// Cause.
        source: std::io::Error,
    },
}

/// Text to speech with espeak-ng, cached: a text is rendered once, then its
/// file is reused by every call. Calls asking for the same text at the same
/// moment (Monday morning) share one rendering.
#[derive(Debug, Clone)]
pub struct Voice {
    /// The espeak-ng command.
    pub command: String,
    /// espeak voice (`fr`).
    pub voice: String,
    /// Words per minute (espeak's `-s`); a calm rate for the phone.
    pub rate: u32,
    /// Where rendered files live. FreeSWITCH must be able to read it.
    pub cache_dir: PathBuf,
    inflight: Arc<Mutex<HashMap<PathBuf, Arc<OnceCell<()>>>>>,
    /// Files known to be rendered: the hot path asks no file system.
    rendered: Arc<Mutex<HashSet<PathBuf>>>,
    /// The file of each text already asked for: a booking call names about
    /// sixty pieces, and hashing each with SHA-256 every time was a
    /// twentieth of the service's instructions per call (callgrind).
    paths: Arc<Mutex<HashMap<String, PathBuf>>>,
    /// Sentences rendered by the engine, and found already rendered.
    figures: Arc<(std::sync::atomic::AtomicU64, std::sync::atomic::AtomicU64)>,
}

/// Split a text into the pieces rendered (and cached) one by one: sentences
/// and comma-separated clauses, each keeping its punctuation so the voice's
/// intonation stays right. Slot offers, read-backs and closings are built
/// from phrases that recur from call to call ("2 pour demain à 9 heures 20,");
/// cached piece by piece, a busy morning renders almost nothing.
pub fn pieces(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let bytes = text.as_bytes();
    for (i, c) in text.char_indices() {
        if matches!(c, '.' | '?' | '!' | ',' | ':') && bytes.get(i + 1) == Some(&b' ') {
            let piece = text[start..=i].trim();
            if !piece.is_empty() {
                out.push(piece);
            }
            start = i + 1;
        }
    }
    let last = text[start..].trim();
    if !last.is_empty() {
        out.push(last);
    }
    out
}

/// What playing `said` takes, in order: a practice's recording, or a piece
/// to render (its text, and whether the next piece runs on from it).
fn plan(said: &Utterance, recordings: Option<&Recordings>) -> Vec<Result<PathBuf, (String, bool)>> {
    let mut plan = Vec::new();
    for seg in said.segments() {
        if let (Segment::Sentence(key, _), Some(r)) = (&seg, recordings) {
            let own = r.folder.join(format!("{}.wav", key.0));
            if playable_wav(&own) {
                plan.push(Ok(own));
                continue;
            }
            if own.exists() {
                tracing::warn!(file = %own.display(), "the practice's recording cannot be played: using the synthetic voice");
            }
        }
        let cut = pieces(seg.text());
        // Only the last piece of joined words runs on into the next segment.
        let joined = matches!(seg, Segment::Joined(_));
        let last = cut.len().saturating_sub(1);
        plan.extend(cut.into_iter().enumerate().map(|(i, p)| Err((p.to_string(), joined && i == last))));
    }
    plan
}

/// How long a PCM wav lasts, in seconds; `None` for a missing or unreadable
/// file. Read only when the switch did not say (a recording whose report was
/// lost with a hang-up).
pub fn wav_seconds(path: &Path) -> Option<f64> {
    recognition::read_wav_16k(path).ok().map(|samples| samples.len() as f64 / 16_000.0)
}

/// Whether a file looks like a wav FreeSWITCH can play (RIFF/WAVE, some data).
fn playable_wav(path: &Path) -> bool {
    use std::io::Read;
    let mut head = [0u8; 12];
    let ok = std::fs::File::open(path).and_then(|mut f| f.read_exact(&mut head).map(|_| f)).ok().and_then(|f| f.metadata().ok()).map(|m| m.len() > 44);
    ok == Some(true) && &head[0..4] == b"RIFF" && &head[8..12] == b"WAVE"
}

/// A practice's own recordings: `<folder>/<key>.wav` replaces that sentence.
#[derive(Debug, Clone)]
pub struct Recordings {
    /// The practice's prompts folder.
    pub folder: PathBuf,
}

impl Voice {
    /// Render a whole utterance piece by piece; returns the files to play,
    /// in order (none for an empty utterance).
    pub async fn render_utterance(&self, said: &Utterance) -> Result<Vec<PathBuf>, SpeechError> {
        self.render_for(said, None).await
    }

    /// Like [`render_utterance`](Self::render_utterance), but a fixed sentence
    /// the practice recorded itself is played from its recording. A recording
    /// that is missing is no matter; one that cannot be played falls back to
    /// the synthetic voice with a warning, never to silence.
    pub async fn render_for(&self, said: &Utterance, recordings: Option<&Recordings>) -> Result<Vec<PathBuf>, SpeechError> {
        let plan = plan(said, recordings);
        let mut set = tokio::task::JoinSet::new();
        let mut files = vec![PathBuf::new(); plan.len()];
        for (i, item) in plan.into_iter().enumerate() {
            match item {
                Ok(file) => files[i] = file,
                // Already rendered (most of a busy day): no task to start.
                Err((piece, joined)) => {
                    let file = self.piece_path(&piece, joined);
                    if self.has_rendered(&file) {
                        files[i] = file;
                    } else {
                        let voice = self.clone();
                        set.spawn(async move { (i, voice.render_piece(&piece, joined).await) });
                    }
                }
            }
        }
        while let Some(joined) = set.join_next().await {
            let (i, rendered) = joined.map_err(|e| SpeechError::Engine { command: self.command.clone(), detail: e.to_string() })?;
            files[i] = rendered?;
        }
        Ok(files)
    }

    /// Render ahead what `said` will need, one piece at a time (a call
    /// rendering at the same moment waits for one engine at most); returns
    /// how many pieces were new.
    pub async fn prerender(&self, said: &[Utterance]) -> Result<usize, SpeechError> {
        let mut new = 0;
        for item in said.iter().flat_map(|u| plan(u, None)) {
            if let Err((piece, joined)) = item {
                let file = self.piece_path(&piece, joined);
                if !self.rendered.lock().unwrap_or_else(|p| p.into_inner()).contains(&file) {
                    self.render_piece(&piece, joined).await?;
                    new += 1;
                }
            }
        }
        Ok(new)
    }

    /// The files playing `said` takes, rendered or not (no recordings).
    pub fn files_for(&self, said: &Utterance) -> Vec<PathBuf> {
        plan(said, None).into_iter().map(|item| item.unwrap_or_else(|(piece, joined)| self.piece_path(&piece, joined))).collect()
    }

    /// A voice rendering into `cache_dir`.
    pub fn new(command: impl Into<String>, voice: impl Into<String>, rate: u32, cache_dir: impl Into<PathBuf>) -> Self {
        Self {
            command: command.into(),
            voice: voice.into(),
            rate,
            cache_dir: cache_dir.into(),
            inflight: Arc::new(Mutex::new(HashMap::new())),
            rendered: Arc::new(Mutex::new(HashSet::new())),
            paths: Arc::new(Mutex::new(HashMap::new())),
            figures: Arc::default(),
        }
    }

    /// The file a text renders to (whether rendered yet or not).
    pub fn path_for(&self, text: &str) -> PathBuf {
        if let Some(known) = self.paths.lock().unwrap_or_else(|p| p.into_inner()).get(text) {
            return known.clone();
        }
        let path = self.hashed_path(text);
        let mut paths = self.paths.lock().unwrap_or_else(|p| p.into_inner());
        // Bounded: a practice's sentences and a few months of dates fit; past
        // that the memory is given back and the hashing starts over.
        if paths.len() >= MAX_KNOWN_PATHS {
            paths.clear();
        }
        paths.insert(text.to_string(), path.clone());
        path
    }

    /// The file of a piece, joined or not.
    fn piece_path(&self, text: &str, joined: bool) -> PathBuf {
        if joined { self.path_for(&joined_key(text)) } else { self.path_for(text) }
    }

    fn hashed_path(&self, text: &str) -> PathBuf {
        let mut h = Sha256::new();
        h.update(self.voice.as_bytes());
        h.update([0]);
        h.update(self.rate.to_le_bytes());
        h.update([0]);
        h.update(text.as_bytes());
        let digest = h.finalize();
        let hex: String = digest.iter().take(16).map(|b| format!("{b:02x}")).collect();
        self.cache_dir.join(format!("{hex}.wav"))
    }

    /// Whether this voice has rendered (or found) that wav already (a
    /// cache hit, counted).
    fn has_rendered(&self, path: &Path) -> bool {
        let hit = self.rendered.lock().unwrap_or_else(|p| p.into_inner()).contains(path);
        if hit {
            self.figures.1.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
        hit
    }

    /// (Sentences rendered by the engine, sentences found already rendered)
    /// since start.
    pub fn cache_figures(&self) -> (u64, u64) {
        use std::sync::atomic::Ordering::Relaxed;
        (self.figures.0.load(Relaxed), self.figures.1.load(Relaxed))
    }

    /// Render `text` unless already cached; returns the wav's path.
    pub async fn render(&self, text: &str) -> Result<PathBuf, SpeechError> {
        self.render_piece(text, false).await
    }

    /// Render one piece; a `joined` piece is said as a clause that goes on
    /// (a comma's intonation) and its file ends 40 ms after its last sound
    /// instead of the comma's 200 ms pause, so that the next piece follows
    /// on as in one sentence. Its file is its own: the same words closing a
    /// clause keep their pause.
    async fn render_piece(&self, text: &str, joined: bool) -> Result<PathBuf, SpeechError> {
        let path = self.piece_path(text, joined);
        if self.has_rendered(&path) {
            return Ok(path);
        }
        let cell = {
            let mut map = self.inflight.lock().unwrap_or_else(|p| p.into_inner());
            map.entry(path.clone()).or_insert_with(|| Arc::new(OnceCell::new())).clone()
        };
        let result = cell.get_or_try_init(|| self.render_uncached(text, joined, &path)).await.map(|_| ());
        if result.is_ok() {
            self.rendered.lock().unwrap_or_else(|p| p.into_inner()).insert(path.clone());
        }
        self.inflight.lock().unwrap_or_else(|p| p.into_inner()).remove(&path);
        result.map(|_| path)
    }

    async fn render_uncached(&self, text: &str, joined: bool, path: &Path) -> Result<(), SpeechError> {
        use std::sync::atomic::Ordering::Relaxed;
        if tokio::fs::metadata(path).await.map(|m| m.len() > 44).unwrap_or(false) {
            self.figures.1.fetch_add(1, Relaxed);
            return Ok(());
        }
        self.figures.0.fetch_add(1, Relaxed);
        tokio::fs::create_dir_all(&self.cache_dir).await.map_err(|source| SpeechError::Cache { path: self.cache_dir.clone(), source })?;
        // Render to a private name, then rename: two calls rendering the same
        // text at once never see a half-written file.
        let tmp = path.with_extension(format!("{}.tmp", uuid::Uuid::new_v4().simple()));
        // A clause that goes on is said with a comma's intonation.
        let said = if joined && !text.ends_with(CLAUSE_ENDS) { std::borrow::Cow::Owned(format!("{text},")) } else { std::borrow::Cow::Borrowed(text) };
        self.run_engine(&said, &tmp, joined).await?;
        tokio::fs::rename(&tmp, path).await.map_err(|source| SpeechError::Cache { path: path.to_path_buf(), source })?;
        Ok(())
    }

    /// Run the engine on `text` into `out` on one of the engine threads;
    /// a `joined` piece's trailing silence is cut there too. A trim that
    /// fails leaves the piece with its pause (it is still speech, not lost).
    async fn run_engine(&self, text: &str, out: &Path, joined: bool) -> Result<(), SpeechError> {
        let engine_err = |detail: String| SpeechError::Engine { command: self.command.clone(), detail };
        let mut engine = std::process::Command::new(&self.command);
        engine.arg("-v").arg(&self.voice).arg("-s").arg(self.rate.to_string()).arg("-w").arg(out).arg("--stdin");
        let (text, file) = (text.to_string(), out.to_path_buf());
        let (done, result) = tokio::sync::oneshot::channel();
        let job: EngineJob = Box::new(move || {
            let rendered = run_engine_blocking(engine, &text);
            if rendered.is_ok()
                && joined
                && let Err(e) = trim_trailing_silence(&file, JOINED_TAIL)
            {
                tracing::warn!(file = %file.display(), error = %e, "a joined piece keeps its trailing pause");
            }
            let _ = done.send(rendered);
        });
        engine_threads()
            .map_err(|e| engine_err(format!("lancement impossible: {e}")))?
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .send(job)
            .map_err(|e| engine_err(e.to_string()))?;
        match result.await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(detail)) => {
                let _ = tokio::fs::remove_file(out).await;
                Err(engine_err(detail))
            }
            Err(_) => Err(engine_err("le fil de synthèse s'est arrêté".into())),
        }
    }
}

/// A rendering, run on an engine thread.
type EngineJob = Box<dyn FnOnce() + Send>;

/// The [`MAX_ENGINES`] threads the engines start from, in the idle class
/// (which the processes inherit: they run on the cores the calls leave),
/// started at the first rendering and kept: a thread started for each
/// rendering, as before, left each its own allocator pages (tens of MB of
/// resident memory after a thousand renderings ahead).
fn engine_threads() -> Result<&'static Mutex<std::sync::mpsc::Sender<EngineJob>>, &'static str> {
    static THREADS: std::sync::OnceLock<Result<Mutex<std::sync::mpsc::Sender<EngineJob>>, String>> = std::sync::OnceLock::new();
    THREADS
        .get_or_init(|| {
            let (jobs, queue) = std::sync::mpsc::channel::<EngineJob>();
            let queue = Arc::new(Mutex::new(queue));
            for i in 0..MAX_ENGINES {
                let queue = queue.clone();
                std::thread::Builder::new()
                    .name(format!("espeak-ng-{i}"))
                    .spawn(move || {
                        if let Err(e) = run_when_idle() {
                            tracing::debug!(error = ?e, "espeak-ng runs at normal priority");
                        }
                        loop {
                            let job = queue.lock().unwrap_or_else(|p| p.into_inner()).recv();
                            let Ok(job) = job else { return };
                            // A job that panics drops its answer (its caller
                            // is told the thread stopped); the thread goes on.
                            let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(job));
                        }
                    })
                    .map_err(|e| e.to_string())?;
            }
            Ok(Mutex::new(jobs))
        })
        .as_ref()
        .map_err(String::as_str)
}

/// What a joined piece keeps of silence after its last sound.
const JOINED_TAIL: std::time::Duration = std::time::Duration::from_millis(40);

/// The name a joined piece is cached under: never a text's (a control
/// character no sentence holds).
fn joined_key(text: &str) -> String {
    format!("{text}\u{1}joined")
}

/// Where a 16-bit PCM wav keeps its samples, and how they are laid out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pcm16 {
    /// Channels (interleaved).
    pub channels: u16,
    /// Frames per second.
    pub rate: u32,
    /// Offset of the `data` chunk's size field.
    pub size_at: usize,
    /// The samples' bytes, within the file.
    pub data: std::ops::Range<usize>,
}

/// Read a wav's chunks: a 16-bit PCM file's samples, or why not. espeak-ng
/// writes 0x7ffff… as the data size when it streams: what is there is taken.
pub fn pcm16(data: &[u8]) -> Result<Pcm16, &'static str> {
    if data.len() < 12 || &data[0..4] != b"RIFF" || &data[8..12] != b"WAVE" {
        return Err("not a RIFF/WAVE file");
    }
    let (mut pos, mut format) = (12usize, None);
    while pos + 8 <= data.len() {
        let id = &data[pos..pos + 4];
        let size = u32::from_le_bytes([data[pos + 4], data[pos + 5], data[pos + 6], data[pos + 7]]) as usize;
        let body = pos + 8;
        match id {
            b"fmt " if size >= 16 && body + 16 <= data.len() => {
                let u16_at = |o: usize| u16::from_le_bytes([data[body + o], data[body + o + 1]]);
                if u16_at(0) != 1 {
                    return Err("only PCM wav is read");
                }
                format = Some((u16_at(2), u32::from_le_bytes([data[body + 4], data[body + 5], data[body + 6], data[body + 7]]), u16_at(14)));
            }
            b"data" => {
                let Some((channels @ 1.., rate @ 1.., 16)) = format else { return Err("only 16-bit PCM is read") };
                return Ok(Pcm16 { channels, rate, size_at: pos + 4, data: body..body.saturating_add(size).min(data.len()) });
            }
            _ => {}
        }
        pos = body.saturating_add(size).saturating_add(size & 1);
    }
    Err("no data chunk")
}

/// Cut a 16-bit PCM wav's trailing silence (samples under about −42 dBFS)
/// down to `keep`. A file without sound, or with no more silence than
/// that, is left as it is; chunks after the data (espeak-ng writes none)
/// are dropped.
pub fn trim_trailing_silence(path: &Path, keep: std::time::Duration) -> std::io::Result<()> {
    const QUIET: u16 = 256;
    let bytes = std::fs::read(path)?;
    let wav = pcm16(&bytes).map_err(|what| std::io::Error::new(std::io::ErrorKind::InvalidData, format!("{}: {what}", path.display())))?;
    let data = &bytes[wav.data.clone()];
    let frame = 2 * wav.channels as usize;
    let frames = data.len() / frame;
    let loud = |f: usize| data[f * frame..(f + 1) * frame].chunks_exact(2).any(|s| i16::from_le_bytes([s[0], s[1]]).unsigned_abs() > QUIET);
    let Some(last) = (0..frames).rev().find(|&f| loud(f)) else { return Ok(()) };
    let kept = (last + 1 + (keep.as_secs_f64() * wav.rate as f64) as usize).min(frames);
    if kept == frames {
        return Ok(());
    }
    let len = kept * frame;
    let mut out = Vec::with_capacity(wav.data.start + len);
    out.extend_from_slice(&bytes[..wav.data.start]);
    out.extend_from_slice(&data[..len]);
    out[wav.size_at..wav.size_at + 4].copy_from_slice(&(len as u32).to_le_bytes());
    let riff = (out.len() - 8) as u32;
    out[4..8].copy_from_slice(&riff.to_le_bytes());
    std::fs::write(path, out)
}

/// Run espeak-ng with `text` on its standard input; the error says why it failed.
/// Longest an engine may take for one piece: espeak-ng renders a sentence
/// in a tenth of a second; one stuck past this is killed, and the caller
/// handed over with the reason instead of left in silence.
pub const ENGINE_DEADLINE: std::time::Duration = std::time::Duration::from_secs(10);

fn run_engine_blocking(engine: std::process::Command, text: &str) -> Result<(), String> {
    run_engine_until(engine, text, ENGINE_DEADLINE)
}

fn run_engine_until(mut engine: std::process::Command, text: &str, deadline: std::time::Duration) -> Result<(), String> {
    use std::io::{Read, Write};
    let mut child = engine.stdin(Stdio::piped()).stdout(Stdio::null()).stderr(Stdio::piped()).spawn().map_err(|e| format!("lancement impossible: {e}"))?;
    if let Some(mut stdin) = child.stdin.take()
        && let Err(e) = stdin.write_all(text.as_bytes())
    {
        let _ = child.kill();
        let _ = child.wait();
        return Err(e.to_string());
    }
    let started = std::time::Instant::now();
    let status = loop {
        match child.try_wait().map_err(|e| e.to_string())? {
            Some(status) => break status,
            None if started.elapsed() >= deadline => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!("arrêté après {} s sans fin", deadline.as_secs()));
            }
            None => std::thread::sleep(std::time::Duration::from_millis(5)),
        }
    };
    if !status.success() {
        let mut err = String::new();
        if let Some(mut e) = child.stderr.take() {
            let _ = e.read_to_string(&mut err);
        }
        return Err(format!("{status}: {}", err.trim()));
    }
    Ok(())
}

/// Put the calling thread (and the threads and processes it starts) in
/// Linux's `SCHED_IDLE` class: it runs only on a core nothing else wants, a
/// call's task waking up takes the core from it at once, and the scheduler
/// counts its core as free when it places a waking task. A nice level alone
/// still let background work hold a core for milliseconds while the calls'
/// threads queued on the other. For the speech engines and transcriptions.
pub fn run_when_idle() -> Result<(), thread_priority::Error> {
    use thread_priority::{NormalThreadSchedulePolicy, ThreadPriority, ThreadSchedulePolicy};
    thread_priority::set_thread_priority_and_policy(
        thread_priority::thread_native_id(),
        ThreadPriority::Min,
        ThreadSchedulePolicy::Normal(NormalThreadSchedulePolicy::Idle),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::words::catalogue::{Key, Lang};

    fn voice(dir: &Path, command: &str) -> Voice {
        Voice::new(command, "fr", 150, dir)
    }

    #[tokio::test]
    async fn a_text_is_rendered_once_and_shared() {
        let dir = tempfile::tempdir().unwrap();
        let v = voice(dir.path(), "espeak-ng");
        let text = "Cabinet médical des Tilleuls, bonjour.";
        let (a, b) = tokio::join!(v.render(text), v.render(text));
        let (a, b) = (a.unwrap(), b.unwrap());
        assert_eq!(a, b);
        let first = std::fs::metadata(&a).unwrap();
        assert!(first.len() > 10_000, "a real wav: {} bytes", first.len());
        let again = v.render(text).await.unwrap();
        assert_eq!(std::fs::metadata(&again).unwrap().modified().unwrap(), first.modified().unwrap());
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1, "no temporary file left");
        assert_ne!(v.path_for(text), Voice::new("espeak-ng", "fr", 120, dir.path()).path_for(text), "the rate is part of the key");
    }

    #[test]
    fn texts_are_cut_into_sentences_and_clauses() {
        assert_eq!(
            pieces("Tapez 1 pour demain à 9 heures, 2 pour demain à 9 heures 20, 3 pour d'autres créneaux."),
            vec!["Tapez 1 pour demain à 9 heures,", "2 pour demain à 9 heures 20,", "3 pour d'autres créneaux."]
        );
        assert_eq!(pieces("C'est noté: rendez-vous. Au revoir."), vec!["C'est noté:", "rendez-vous.", "Au revoir."]);
        assert_eq!(pieces("8 heures 30"), vec!["8 heures 30"]);
        assert!(pieces("  ").is_empty());
    }

    #[tokio::test]
    async fn an_utterance_plays_its_cached_pieces_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let v = voice(dir.path(), "espeak-ng");
        let one = v.render_utterance(&Utterance::words(Lang::Fr, "Bonjour.")).await.unwrap();
        assert_eq!(one, vec![v.path_for("Bonjour.")]);
        let two = v.render_utterance(&Utterance::words(Lang::Fr, "Bonjour.").then(Utterance::sentence(Lang::Fr, Key("goodbye")))).await.unwrap();
        assert_eq!(two, vec![v.path_for("Bonjour."), v.path_for("Au revoir.")]);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 2, "the shared piece is rendered once");
        assert!(v.render_utterance(&Utterance::empty(Lang::Fr)).await.unwrap().is_empty());
    }

    #[tokio::test]
    async fn a_practice_recording_wins_and_a_broken_one_falls_back_to_the_voice() {
        use crate::words::catalogue::text;
        let dir = tempfile::tempdir().unwrap();
        let own = dir.path().join("practice");
        std::fs::create_dir_all(&own).unwrap();
        let v = voice(&dir.path().join("cache"), "espeak-ng");
        let menu = text(Lang::Fr, Key("menu.main"));
        let invalid = text(Lang::Fr, Key("key.invalid"));
        let mut wav = b"RIFF\0\0\0\0WAVEfmt ".to_vec();
        wav.resize(2000, 0);
        std::fs::write(own.join("menu.main.wav"), &wav).unwrap();
        std::fs::write(own.join("key.invalid.wav"), b"not a wav at all").unwrap();
        let r = Recordings { folder: own.clone() };
        let said = Utterance::sentence(Lang::Fr, Key("key.invalid")).then_sentence(Key("menu.main"));
        assert_eq!(said.text(), format!("{invalid} {menu}"));
        let files = v.render_for(&said, Some(&r)).await.unwrap();
        assert_eq!(files.len(), 2);
        assert_eq!(files[0], v.path_for(invalid), "broken recording: the synthetic voice");
        assert_eq!(files[1], own.join("menu.main.wav"), "the practice's own recording");
        assert!(files[0].exists());
        // Without recordings, the fixed sentence is rendered piece by piece.
        let plain = v.render_utterance(&said).await.unwrap();
        assert_eq!(plain.len(), 1 + pieces(menu).len());
    }

    /// A 16-bit mono wav: `loud` seconds of a tone, then `quiet` of silence.
    fn tone_then_silence(path: &Path, rate: u32, loud: f64, quiet: f64) {
        let mut data = Vec::new();
        for i in 0..(loud * rate as f64) as usize {
            data.extend_from_slice(&(((i as f64 * 0.05).sin() * 8000.0) as i16).to_le_bytes());
        }
        data.resize(data.len() + 2 * (quiet * rate as f64) as usize, 0);
        let mut wav = b"RIFF".to_vec();
        wav.extend_from_slice(&(36 + data.len() as u32).to_le_bytes());
        wav.extend_from_slice(b"WAVEfmt ");
        wav.extend_from_slice(&16u32.to_le_bytes());
        wav.extend_from_slice(&[1, 0, 1, 0]);
        wav.extend_from_slice(&rate.to_le_bytes());
        wav.extend_from_slice(&(rate * 2).to_le_bytes());
        wav.extend_from_slice(&[2, 0, 16, 0]);
        wav.extend_from_slice(b"data");
        wav.extend_from_slice(&(data.len() as u32).to_le_bytes());
        wav.extend_from_slice(&data);
        std::fs::write(path, wav).unwrap();
    }

    /// (RIFF size, data size, file length).
    fn wav_sizes(path: &Path) -> (u32, u32, usize) {
        let b = std::fs::read(path).unwrap();
        (u32::from_le_bytes(b[4..8].try_into().unwrap()), u32::from_le_bytes(b[40..44].try_into().unwrap()), b.len())
    }

    #[test]
    fn trailing_silence_is_cut_to_what_is_kept_and_the_header_follows() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("a.wav");
        tone_then_silence(&f, 22_050, 0.5, 0.3);
        trim_trailing_silence(&f, std::time::Duration::from_millis(40)).unwrap();
        let (riff, data, len) = wav_sizes(&f);
        let kept = data as f64 / 2.0 / 22_050.0;
        assert!((0.53..0.55).contains(&kept), "{kept} s kept");
        assert_eq!((riff as usize, 44 + data as usize), (len - 8, len));
        // Nothing to cut, or nothing but silence: the file is left as it was.
        let before = std::fs::read(&f).unwrap();
        trim_trailing_silence(&f, std::time::Duration::from_millis(40)).unwrap();
        assert_eq!(std::fs::read(&f).unwrap(), before);
        tone_then_silence(&f, 16_000, 0.0, 0.5);
        let before = std::fs::read(&f).unwrap();
        trim_trailing_silence(&f, std::time::Duration::from_millis(40)).unwrap();
        assert_eq!(std::fs::read(&f).unwrap(), before);
        std::fs::write(&f, b"not a wav").unwrap();
        assert!(trim_trailing_silence(&f, std::time::Duration::from_millis(40)).is_err());
    }

    #[tokio::test]
    async fn a_slot_offer_renders_each_day_once_and_each_time_once() {
        use crate::words::{Fill, prompts};
        use chrono::TimeZone;
        use chrono_tz::Europe::Paris;
        let dir = tempfile::tempdir().unwrap();
        let v = voice(dir.path(), "espeak-ng");
        let at = |d, h, m| Paris.with_ymd_and_hms(2026, 12, d, h, m, 0).unwrap().with_timezone(&chrono::Utc);
        let now = at(1, 8, 0);
        let first = prompts::offer_slots(Lang::Fr, &[at(7, 9, 0), at(7, 9, 20), at(8, 9, 0)], Paris, now);
        let files = v.render_utterance(&first).await.unwrap();
        // "Tapez 1 pour le lundi 7 décembre" · "à 9 heures," · "2 pour le lundi 7 décembre" · … · "4 pour d'autres créneaux."
        assert_eq!(files.len(), 7);
        assert_eq!(files[1], files[5], "the same time, one file");
        let rendered = v.cache_figures().0;
        assert_eq!(rendered, 6, "six different pieces");
        // Another caller hears other slots of the same days: only the time
        // not said yet is new.
        let second = prompts::offer_slots(Lang::Fr, &[at(7, 9, 20), at(7, 9, 40), at(8, 9, 20)], Paris, now);
        v.render_utterance(&second).await.unwrap();
        assert_eq!(v.cache_figures().0, rendered + 1, "only « à 9 heures 40, »");
        // The read-backs of two slots of one day share their start.
        let confirm =
            |h, m| prompts::confirm_booking(Lang::Fr, Fill::Apart(crate::words::wording::when_apart(Lang::Fr, at(7, h, m), Paris, now)), "docteur martin");
        let one = v.render_utterance(&confirm(9, 0)).await.unwrap();
        let rendered = v.cache_figures().0;
        let two = v.render_utterance(&confirm(9, 20)).await.unwrap();
        assert_eq!((one[0] == two[0], one[1] == two[1]), (true, false));
        assert_eq!(v.cache_figures().0, rendered + 1, "only « à 9 heures 20 »");
        // A joined piece runs on: its pause is cut; the same words closing a
        // clause keep theirs.
        assert_eq!(one[0], v.path_for(&joined_key("Rendez-vous le lundi 7 décembre")));
        let tail = |f: &Path| {
            let b = std::fs::read(f).unwrap();
            let data = &b[44..];
            let last = data.chunks_exact(2).rposition(|s| i16::from_le_bytes([s[0], s[1]]).unsigned_abs() > 256).unwrap();
            (data.len() / 2 - last) as f64 / 22_050.0
        };
        let closing = v.render("Rendez-vous le lundi 7 décembre,").await.unwrap();
        assert!(tail(&one[0]) < 0.06, "joined piece's pause: {} s", tail(&one[0]));
        assert!(tail(&closing) > 0.15, "a clause's own pause: {} s", tail(&closing));
    }

    #[tokio::test]
    async fn rendered_ahead_a_piece_is_not_rendered_again() {
        let dir = tempfile::tempdir().unwrap();
        let v = voice(dir.path(), "espeak-ng");
        let said = [Utterance::words(Lang::Fr, "Bonjour, au revoir."), Utterance::words(Lang::Fr, "Bonjour, à demain.")];
        assert_eq!(v.prerender(&said).await.unwrap(), 3, "« Bonjour, » once");
        assert_eq!(v.prerender(&said).await.unwrap(), 0);
        let before = v.cache_figures().0;
        let files = v.render_utterance(&said[1]).await.unwrap();
        assert_eq!(v.cache_figures().0, before, "nothing left to render");
        assert_eq!(files, v.files_for(&said[1]));
        assert!(files.iter().all(|f| f.exists()));
    }

    #[test]
    fn a_stuck_engine_is_killed_past_its_deadline() {
        let dir = tempfile::tempdir().unwrap();
        let pid_file = dir.path().join("pid");
        let mut engine = std::process::Command::new("sh");
        engine.arg("-c").arg(format!("echo $$ > {}; exec sleep 60", pid_file.display()));
        let started = std::time::Instant::now();
        let e = run_engine_until(engine, "bonjour", std::time::Duration::from_millis(300)).unwrap_err();
        assert!(e.contains("arrêté"), "{e}");
        assert!(started.elapsed() < std::time::Duration::from_secs(30), "not waited for the end");
        let pid = std::fs::read_to_string(&pid_file).unwrap();
        assert!(!std::path::Path::new(&format!("/proc/{}", pid.trim())).exists(), "the engine process is gone");
    }

    #[tokio::test]
    async fn a_missing_engine_is_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        let v = voice(dir.path(), "/nonexistent/espeak-ng");
        let e = v.render("bonjour").await.unwrap_err();
        assert!(e.to_string().contains("/nonexistent/espeak-ng"), "{e}");
    }

    #[tokio::test]
    async fn the_engine_runs_in_the_idle_class() {
        use std::os::unix::fs::PermissionsExt;
        const SCHED_IDLE: &str = "5";
        let dir = tempfile::tempdir().unwrap();
        // An engine that writes, instead of speech, its scheduling policy
        // (field 41 of /proc/PID/stat).
        let engine = dir.path().join("engine.sh");
        std::fs::write(&engine, "#!/bin/sh\nwhile [ \"$1\" != -w ]; do shift; done\ncut -d' ' -f41 /proc/$$/stat > \"$2\"\n").unwrap();
        std::fs::set_permissions(&engine, std::fs::Permissions::from_mode(0o755)).unwrap();
        let v = voice(&dir.path().join("cache"), engine.to_str().unwrap());
        let out = v.render("bonjour").await.unwrap();
        assert_eq!(std::fs::read_to_string(out).unwrap().trim(), SCHED_IDLE);
        // The calls' own threads are not touched.
        assert_eq!(own_policy(), 0);
    }

    /// Field `policy` of /proc/thread-self/stat (man 5 proc: field 41).
    fn own_policy() -> u32 {
        let stat = std::fs::read_to_string("/proc/thread-self/stat").unwrap();
        let after_name = &stat[stat.rfind(')').unwrap() + 2..];
        after_name.split(' ').nth(41 - 3).unwrap().parse().unwrap()
    }

    #[test]
    fn a_background_thread_goes_to_the_idle_class() {
        const SCHED_OTHER: u32 = 0;
        const SCHED_IDLE: u32 = 5;
        let (before, after) = std::thread::spawn(|| {
            let before = own_policy();
            run_when_idle().unwrap();
            (before, own_policy())
        })
        .join()
        .unwrap();
        assert_eq!((before, after), (SCHED_OTHER, SCHED_IDLE));
    }
}
