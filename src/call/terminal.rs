//! `standardiste try`: the same dialogue in a terminal. What would be said is
//! printed, keys are read from the keyboard (an empty line is "no key"), and
//! the real SQLite file is used: administrators check their rules before
//! forwarding their line. Bookings and messages made here are real.

use std::io::Write;

use tokio::io::{AsyncBufRead, AsyncBufReadExt};

use super::{Bridged, CallEvent, Channel, ChannelError, Completion, Gather, Gathered, Held, Music, RecordRequest, Recorded};
use crate::words::Utterance;

/// A channel whose caller is the person at the terminal.
pub struct TerminalChannel<R, W> {
    input: R,
    output: W,
    hung_up: bool,
}

impl<R: AsyncBufRead + Unpin + Send, W: Write + Send> TerminalChannel<R, W> {
    /// Read keys from `input`, print to `output`.
    pub fn new(input: R, output: W) -> Self {
        Self { input, output, hung_up: false }
    }

    fn print(&mut self, text: &str) -> Result<(), ChannelError> {
        writeln!(self.output, "{text}").and_then(|_| self.output.flush()).map_err(|e| ChannelError::Disconnected(e.to_string()))
    }

    /// A line typed by the user; `None` at end of input (the caller hangs up).
    async fn line(&mut self) -> Result<Option<String>, ChannelError> {
        let mut s = String::new();
        let n = self.input.read_line(&mut s).await.map_err(|e| ChannelError::Disconnected(e.to_string()))?;
        if n == 0 {
            self.hung_up = true;
            let _ = self.print("[l'appelant raccroche]");
            return Ok(None);
        }
        Ok(Some(s.trim().to_string()))
    }

    /// Output written so far (tests).
    pub fn into_output(self) -> W {
        self.output
    }
}

impl<R: AsyncBufRead + Unpin + Send, W: Write + Send> Channel for TerminalChannel<R, W> {
    async fn answer(&mut self) -> Result<Completion, ChannelError> {
        self.print("[décroché]")?;
        Ok(Completion::Done)
    }

    async fn play(&mut self, file: &str) -> Result<Completion, ChannelError> {
        self.print(&format!("[fichier joué: {file}]"))?;
        Ok(Completion::Done)
    }

    async fn say(&mut self, said: &Utterance) -> Result<Completion, ChannelError> {
        if self.hung_up {
            return Ok(Completion::HungUp);
        }
        self.print(&format!("« {said} »"))?;
        Ok(Completion::Done)
    }

    async fn gather(&mut self, g: &Gather) -> Result<Gathered, ChannelError> {
        if self.hung_up {
            return Ok(Gathered::HungUp);
        }
        self.print(&format!("« {} »", g.prompt))?;
        self.print(&format!("touches ({} au plus, Entrée seule = pas de touche) >", g.max))?;
        Ok(match self.line().await? {
            None => Gathered::HungUp,
            Some(s) if s.is_empty() => Gathered::Timeout,
            Some(s) => Gathered::Digits(s.chars().filter(|c| c.is_ascii_digit() || *c == '*' || *c == '#').take(g.max as usize).collect()),
        })
    }

    async fn record(&mut self, r: &RecordRequest) -> Result<Recorded, ChannelError> {
        if self.hung_up {
            return Ok(Recorded { secs: 0.0, hung_up: true });
        }
        self.print(&format!("« {} »", r.prompt))?;
        self.print(&format!("[bip — enregistrement de {} s au plus; tapez ce que vous diriez, Entrée seule = silence] >", r.max_secs))?;
        match self.line().await? {
            None => Ok(Recorded { secs: 0.0, hung_up: true }),
            Some(s) if s.is_empty() => Ok(Recorded { secs: 0.0, hung_up: false }),
            Some(s) => {
                // No microphone here: the text typed stands for the recording, kept beside it.
                let path = std::path::Path::new(&r.path);
                if let Some(dir) = path.parent() {
                    std::fs::create_dir_all(dir).map_err(|e| ChannelError::Disconnected(e.to_string()))?;
                }
                std::fs::write(path.with_extension("txt"), &s).map_err(|e| ChannelError::Disconnected(e.to_string()))?;
                self.print(&format!("[enregistré: {}]", r.path))?;
                Ok(Recorded { secs: (s.split_whitespace().count() as f64 * 0.4).max(1.0), hung_up: false })
            }
        }
    }

    async fn bridge(&mut self, dial: &str, timeout_secs: u32) -> Result<Bridged, ChannelError> {
        self.print(&format!("[mise en relation avec {dial}, {timeout_secs} s de sonnerie] décroche ? (o/n) >"))?;
        Ok(match self.line().await? {
            None => Bridged::HungUp,
            Some(s) if s.starts_with(['o', 'O', 'y', 'Y']) => {
                self.print("[conversation… puis l'interlocuteur raccroche]")?;
                Bridged::Answered
            }
            Some(_) => Bridged::Failed("pas de réponse".into()),
        })
    }

    async fn set_vars(&mut self, vars: &[(&str, String)]) -> Result<Completion, ChannelError> {
        for (k, v) in vars {
            self.print(&format!("[variable {k} = {v}]"))?;
        }
        Ok(Completion::Done)
    }

    async fn transfer(&mut self, extension: &str, context: &str) -> Result<Completion, ChannelError> {
        self.print(&format!("[transfert vers l'extension {extension} du contexte {context}]"))?;
        Ok(Completion::Done)
    }

    async fn hold<T: Send, F: std::future::Future<Output = T> + Send>(&mut self, music: &Music, stop: F) -> Result<Held<T>, ChannelError> {
        if self.hung_up {
            return Ok(Held::HungUp);
        }
        let music = match music {
            Music::Source(s) => s.as_str(),
            Music::RingBack => "tonalité",
            Music::Silence => "silence",
        };
        self.print(&format!("[musique d'attente: {music}]"))?;
        Ok(Held::Stopped(stop.await))
    }

    async fn connect_to(&mut self, leg: &str) -> Result<Bridged, ChannelError> {
        self.print(&format!("[mise en relation avec la secrétaire (ligne {leg})… puis elle raccroche]"))?;
        Ok(Bridged::Answered)
    }

    async fn park(&mut self) -> Result<Completion, ChannelError> {
        self.print("[en attente]")?;
        Ok(Completion::Done)
    }

    async fn hangup(&mut self) -> Result<Completion, ChannelError> {
        self.print("[raccroché par le standard]")?;
        self.hung_up = true;
        Ok(Completion::Done)
    }

    async fn next_event(&mut self, wait: std::time::Duration) -> Result<Option<CallEvent>, ChannelError> {
        if self.hung_up {
            return Ok(Some(CallEvent::HungUp));
        }
        match tokio::time::timeout(wait, self.line()).await {
            Err(_) => Ok(None),
            Ok(line) => Ok(match line? {
                None => Some(CallEvent::HungUp),
                Some(s) => s.chars().find(|c| c.is_ascii_digit() || *c == '*' || *c == '#').map(CallEvent::Digit),
            }),
        }
    }

    fn is_hung_up(&self) -> bool {
        self.hung_up
    }
}
