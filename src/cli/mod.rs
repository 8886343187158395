//! The command line (clap): thin, calls into the library. Administrators use
//! it to create and edit practices, check their configuration, and read what
//! the receptionist did.

use std::io::Write;
use std::path::PathBuf;

use crate::agenda::RuleError;
use crate::config::Config;
use crate::store::StoreError;

/// Exit code for a bad configuration (EX_USAGE).
pub const EXIT_CONFIG: i32 = 64;
/// Exit code for bad input data (EX_DATAERR).
pub const EXIT_DATA: i32 = 65;
/// Exit code for a refused Event Socket password (EX_NOPERM).
pub const EXIT_AUTH: i32 = 77;
/// Exit code when the running service cannot be reached (EX_UNAVAILABLE).
pub const EXIT_UNAVAILABLE: i32 = 69;

pub mod agents;

mod accounts;
mod admin;
mod args;

pub use admin::run_admin;
pub use args::*;

/// A command failed; `code` is the process exit code.
#[derive(Debug)]
pub struct Failure {
    /// Exit code.
    pub code: i32,
    /// Message for standard error.
    pub message: String,
}

impl From<StoreError> for Failure {
    fn from(e: StoreError) -> Self {
        let code = match e {
            StoreError::Rule(_) | StoreError::NotFound(_) | StoreError::Invalid(_) => EXIT_DATA,
            _ => 1,
        };
        Failure { code, message: e.to_string() }
    }
}

impl From<RuleError> for Failure {
    fn from(e: RuleError) -> Self {
        Failure { code: EXIT_DATA, message: e.to_string() }
    }
}

pub(crate) fn data(message: impl Into<String>) -> Failure {
    Failure { code: EXIT_DATA, message: message.into() }
}

/// Any other failure: exit 1 with what went wrong.
pub fn failed(e: impl std::fmt::Display) -> Failure {
    Failure { code: 1, message: e.to_string() }
}

/// Load the configuration named on the command line (or the defaults).
/// `check-freeswitch`: the findings, one a line; a failure if any item fails.
pub async fn check_freeswitch(config: &Config, out: &mut dyn Write) -> Result<(), Failure> {
    let store = crate::service::open_store(config).map_err(failed)?;
    let numbers = store.run_sync(|db| db.practice_numbers())?;
    let findings = crate::freeswitch::check::check(config, &numbers).await;
    write!(out, "{}", crate::freeswitch::check::render(&findings)).map_err(failed)?;
    let failing = findings.iter().filter(|f| !f.ok).count();
    if failing == 0 {
        writeln!(out, "FreeSWITCH is ready for standardiste ({} items checked)", findings.len()).map_err(failed)?;
        Ok(())
    } else {
        Err(Failure { code: 1, message: format!("{failing} of {} items to fix", findings.len()) })
    }
}

pub fn load_config(path: Option<&PathBuf>) -> Result<Config, Failure> {
    match path {
        Some(p) => Config::load(p).map_err(|e| Failure { code: EXIT_CONFIG, message: e.to_string() }),
        None => Ok(Config::default()),
    }
}

/// `standardiste try`: the dialogue in a terminal, reading keys from `input`.
pub async fn try_dialogue<R, W>(config: &Config, practice_name: &str, caller: &str, input: R, output: W) -> Result<W, Failure>
where
    R: tokio::io::AsyncBufRead + Unpin + Send,
    W: Write + Send,
{
    use crate::call::CallSetup;
    use crate::call::terminal::TerminalChannel;

    let store = crate::service::open_store(config).map_err(failed)?;
    let name = practice_name.to_string();
    let did = store
        .run_sync(|db| {
            let id = admin::practice(db, &name).map_err(|f| StoreError::NotFound(f.message))?;
            Ok(db.snapshot(id)?.practice.dids.first().cloned())
        })
        .map_err(|e| data(e.to_string()))?
        .ok_or_else(|| data(format!("practice: « {practice_name} » n'a aucun numéro (standardiste practice did)")))?;
    let caller_e164 = crate::agenda::phone::caller_number(caller);
    if caller_e164.is_none() && !matches!(caller.trim().to_ascii_lowercase().as_str(), "anonymous" | "" | "private" | "unknown") {
        return Err(data(format!("caller: « {caller} » n'est pas un numéro lisible")));
    }
    let env = crate::service::driver_env(config, store.clone());
    let setup = CallSetup::new(format!("try-{}", uuid::Uuid::new_v4()), caller_e164, did);
    let channel = TerminalChannel::new(input, output);
    let ended = crate::call::run(&env, setup, None, async { Ok::<_, String>(channel) }).await;
    let summary = ended.summary;
    let Some(channel) = ended.channel else {
        return Err(Failure { code: 1, message: ended.error.unwrap_or_default() });
    };
    let mut output = channel.into_output();
    let _ = writeln!(output, "[fin de l'appel: {}{}{}]", summary.outcome.as_str(), if summary.detail.is_empty() { "" } else { " — " }, summary.detail);
    match ended.error {
        Some(e) => Err(Failure { code: 1, message: e }),
        None => Ok(output),
    }
}

/// `standardiste sounds`: every fixed sentence rendered; returns how many.
pub async fn render_sounds(config: &Config, out: Option<PathBuf>) -> Result<usize, Failure> {
    use crate::speech::Voice;
    use crate::words::catalogue::{static_sentences, text};

    let lang = config.speech.language;
    let out = out.unwrap_or_else(|| PathBuf::from("sounds").join(lang.voice()));
    std::fs::create_dir_all(&out).map_err(|e| Failure { code: 1, message: format!("{}: {e}", out.display()) })?;
    let voice = Voice::new(config.speech.espeak.clone(), config.speech.voice.clone(), config.speech.rate, config.paths.prompts.clone());
    let mut count = 0;
    for key in static_sentences() {
        let sentence = text(lang, key);
        // The pieces a call plays, into the cache…
        voice.render_utterance(&crate::words::Utterance::sentence(lang, key)).await.map_err(failed)?;
        // …and the whole sentence, named after its key.
        let whole = voice.render(sentence).await.map_err(failed)?;
        let target = out.join(format!("{}.wav", key.0));
        std::fs::copy(&whole, &target).map_err(|e| Failure { code: 1, message: format!("{}: {e}", target.display()) })?;
        count += 1;
    }
    Ok(count)
}

/// `standardiste transcribe`: the text of a wav file, and how long it took.
pub fn transcribe_file(config: &Config, file: &std::path::Path, language: &str) -> Result<(String, std::time::Duration), Failure> {
    use crate::speech::recognition::{Decoding, Recognizer, read_wav_16k};
    let threads = std::thread::available_parallelism().map(|n| n.get() as i32).unwrap_or(1);
    let r = Recognizer::load(&config.speech.model, threads).map_err(failed)?;
    let samples = read_wav_16k(file).map_err(|e| data(e.to_string()))?;
    let started = std::time::Instant::now();
    let text = r.transcribe(&samples, &Decoding::message(language)).map_err(failed)?;
    Ok((text, started.elapsed()))
}
