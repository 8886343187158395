//! [`Channel`] over one outbound Event Socket connection.
//!
//! Every application runs as a `sendmsg execute` carrying its own
//! `Event-UUID`; with `async`, the `+OK` only means *queued*, so each
//! operation waits for the `CHANNEL_EXECUTE_COMPLETE` whose
//! `Application-UUID` matches. A `CHANNEL_HANGUP` at any moment ends the wait
//! with a hang-up result; a malformed event is logged and skipped.

use std::time::Duration;

use freeswitch_esl_tokio::{EslClient, EslEvent, EslEventStream};
use tokio::time::Instant;
use tracing::{debug, warn};

use crate::call::{Bridged, CallEvent, Channel, ChannelError, Completion, Gather, Gathered, Held, Music, RecordRequest, Recorded};
use crate::speech::{Recordings, Voice};
use crate::words::Utterance;

use super::quote;

/// After `CHANNEL_HANGUP`, how long the completion of the running
/// application may take to arrive (it comes right after, in the captures).
const HANGUP_GRACE: Duration = Duration::from_secs(1);

/// How long the switch has to confirm a bridge it accepted, or the end of a
/// stopped playback.
const CONFIRM: Duration = Duration::from_secs(5);

/// Beep before a recording.
const BEEP: &str = "tone_stream://%(400,0,800)";

/// Music played when the configured one cannot be (a missing stream): the
/// French ring-back tone, endlessly.
const RING_BACK: &str = "tone_stream://%(1500,3500,440);loops=-1";

/// Silence, endlessly: when no music at all can be played.
const SILENCE: &str = "silence_stream://-1";

/// What the switch plays for these files, in order: one file, several in a
/// `file_string://a!b`, or a quarter second of silence for none.
pub fn playback_arg(files: &[std::path::PathBuf]) -> String {
    match files {
        [] => "silence_stream://250".to_string(),
        [one] => one.to_string_lossy().into_owned(),
        _ => format!("file_string://{}", files.iter().map(|f| f.to_string_lossy()).collect::<Vec<_>>().join("!")),
    }
}

/// A playback argument followed by the beep before a recording.
fn then_beep(arg: &str) -> String {
    match arg.strip_prefix("file_string://") {
        Some(list) => format!("file_string://{list}!{BEEP}"),
        None if arg.starts_with("silence_stream://") => BEEP.to_string(),
        None => format!("file_string://{arg}!{BEEP}"),
    }
}

/// The answer to `g` the caller typed ahead, if it is a whole one: the
/// keys up to a terminator or the most the question takes, at least its
/// fewest. Keys that stop short of either may go on during the question:
/// it is asked.
fn typed_answer(typed: &str, g: &Gather) -> Option<String> {
    let mut answer = String::new();
    for k in typed.chars() {
        if g.terminators.contains(k) {
            return Some(answer).filter(|a| a.len() >= usize::from(g.min.max(1)));
        }
        answer.push(k);
        if answer.len() >= usize::from(g.max.max(1)) {
            return Some(answer);
        }
    }
    None
}

/// What an application's run gave.
#[derive(Debug)]
struct Exec {
    /// Its `CHANNEL_EXECUTE_COMPLETE`, when it came.
    complete: Option<EslEvent>,
    /// The caller hung up.
    hung_up: bool,
    /// A `CHANNEL_BRIDGE` was seen while it ran.
    bridged: bool,
}

/// How the music on hold ended.
enum MusicEnd {
    /// It stopped (by itself, or after `uuid_break`).
    Ended,
    /// The caller hung up.
    HungUp,
}

/// One call's channel.
pub struct EslChannel {
    client: EslClient,
    events: EslEventStream,
    voice: Voice,
    uuid: String,
    hung_up: bool,
    gathers: u32,
    inter_digit_ms: u64,
    recordings: Option<Recordings>,
    /// When the switch's last awaited event came, until the next command.
    event_at: Option<std::time::Instant>,
    /// Where the time from that event to the next command goes.
    reaction: Option<prometheus_client::metrics::histogram::Histogram>,
    /// Keys the caller pressed while a sentence played (no key stops a
    /// plain playback, and the switch forgets them once it has read them):
    /// the next question takes them as its answer.
    typed_ahead: String,
}

fn lost(e: impl std::fmt::Display) -> ChannelError {
    ChannelError::Disconnected(e.to_string())
}

impl EslChannel {
    /// Wrap a connected, subscribed outbound connection.
    pub fn new(client: EslClient, events: EslEventStream, voice: Voice, uuid: String) -> Self {
        Self {
            client,
            events,
            voice,
            uuid,
            hung_up: false,
            gathers: 0,
            inter_digit_ms: 3000,
            recordings: None,
            event_at: None,
            reaction: None,
            typed_ahead: String::new(),
        }
    }

    /// Measure each reaction (the switch's event to the next command) into `h`.
    pub fn with_reaction(mut self, h: prometheus_client::metrics::histogram::Histogram) -> Self {
        self.reaction = Some(h);
        self
    }

    /// The channel's unique id.
    pub fn uuid(&self) -> &str {
        &self.uuid
    }

    /// The client, for api commands.
    pub fn client(&self) -> &EslClient {
        &self.client
    }

    /// Send a `sendmsg` and require its `+OK` (which, in async mode, only means queued).
    async fn send(&mut self, what: &str, msg: EslEvent) -> Result<(), ChannelError> {
        if let (Some(at), Some(h)) = (self.event_at.take(), &self.reaction) {
            h.observe(at.elapsed().as_secs_f64());
        }
        let reply = self.client.sendmsg(None, msg).await.map_err(lost)?;
        if reply.is_success() { Ok(()) } else { Err(ChannelError::Refused { command: what.to_string(), reply: reply.reply_text().unwrap_or("").to_string() }) }
    }

    /// Next well-formed event; `None` when the connection is over.
    async fn next_esl_event(&mut self) -> Result<Option<EslEvent>, ChannelError> {
        loop {
            match self.events.recv().await {
                Some(Ok(ev)) => return Ok(Some(ev)),
                Some(Err(e)) if e.is_connection_error() => return Err(lost(e)),
                Some(Err(e)) => {
                    // One malformed event does not end the call.
                    warn!(error = %e, "malformed event skipped");
                }
                None => return Ok(None),
            }
        }
    }

    /// Run one application and wait for its completion (or the hang-up).
    async fn execute(&mut self, app: &str, arg: Option<&str>) -> Result<Exec, ChannelError> {
        if self.hung_up {
            return Ok(Exec { complete: None, hung_up: true, bridged: false });
        }
        let id = uuid::Uuid::new_v4().to_string();
        let mut msg = EslEvent::new();
        msg.set_header("call-command", "execute");
        msg.set_header("execute-app-name", app);
        if let Some(arg) = arg {
            msg.set_header("execute-app-arg", quote::header_value(arg));
        }
        msg.set_header("Event-UUID", id.clone());
        self.send(app, msg).await?;
        // A key the switch reports while a plain playback runs was read (and
        // dropped) by that playback: the caller typed it ahead.
        let keeps_keys = app == "playback";
        let mut bridged = false;
        let mut grace: Option<Instant> = None;
        loop {
            let next = match grace {
                Some(until) => match tokio::time::timeout_at(until, self.next_esl_event()).await {
                    Ok(r) => r?,
                    Err(_) => return Ok(Exec { complete: None, hung_up: true, bridged }),
                },
                None => self.next_esl_event().await?,
            };
            let Some(ev) = next else {
                if self.hung_up {
                    return Ok(Exec { complete: None, hung_up: true, bridged });
                }
                return Err(ChannelError::Disconnected("the switch closed the connection".into()));
            };
            match ev.header_str("Event-Name").unwrap_or("") {
                "CHANNEL_EXECUTE_COMPLETE" if ev.header_str("Application-UUID") == Some(id.as_str()) => {
                    self.event_at = Some(std::time::Instant::now());
                    return Ok(Exec { complete: Some(ev), hung_up: self.hung_up, bridged });
                }
                "CHANNEL_HANGUP" => {
                    debug!(cause = ev.header_str("Hangup-Cause").unwrap_or("?"), "caller hung up");
                    self.hung_up = true;
                    grace.get_or_insert(Instant::now() + HANGUP_GRACE);
                }
                "CHANNEL_HANGUP_COMPLETE" => {
                    self.hung_up = true;
                    return Ok(Exec { complete: None, hung_up: true, bridged });
                }
                "CHANNEL_BRIDGE" => bridged = true,
                "DTMF" if keeps_keys => self.typed_ahead.extend(ev.header_str("DTMF-Digit").and_then(|d| d.chars().next())),
                _ => {}
            }
        }
    }

    /// What an event (or the connection's end) means for the music playing
    /// as `id`: its end, the caller gone, or nothing.
    fn music_event(&mut self, ev: Option<EslEvent>, id: &str) -> Option<MusicEnd> {
        let Some(ev) = ev else {
            self.hung_up = true;
            return Some(MusicEnd::HungUp);
        };
        match ev.header_str("Event-Name").unwrap_or("") {
            "CHANNEL_EXECUTE_COMPLETE" if ev.header_str("Application-UUID") == Some(id) => Some(MusicEnd::Ended),
            "CHANNEL_HANGUP" | "CHANNEL_HANGUP_COMPLETE" => {
                self.hung_up = true;
                Some(MusicEnd::HungUp)
            }
            _ => None,
        }
    }

    fn completion(exec: &Exec) -> Completion {
        if exec.hung_up { Completion::HungUp } else { Completion::Done }
    }

    async fn render(&self, said: &Utterance) -> Result<String, ChannelError> {
        let files = self.voice.render_for(said, self.recordings.as_ref()).await.map_err(|e| ChannelError::Speech(e.to_string()))?;
        Ok(playback_arg(&files))
    }

    /// Variables every call needs before the dialogue: no key stops a plain
    /// playback, a failed bridge does not hang up the caller, and the caller
    /// stays after a bridge ends.
    pub async fn prepare(&mut self) -> Result<Completion, ChannelError> {
        let e = self.execute("multiset", Some("playback_terminators=none continue_on_fail=true hangup_after_bridge=false")).await?;
        Ok(Self::completion(&e))
    }
}

impl Channel for EslChannel {
    async fn answer(&mut self) -> Result<Completion, ChannelError> {
        let e = self.execute("answer", None).await?;
        Ok(Self::completion(&e))
    }

    async fn play(&mut self, file: &str) -> Result<Completion, ChannelError> {
        let e = self.execute("playback", Some(file)).await?;
        Ok(Self::completion(&e))
    }

    async fn say(&mut self, said: &Utterance) -> Result<Completion, ChannelError> {
        if self.hung_up {
            return Ok(Completion::HungUp);
        }
        let file = self.render(said).await?;
        self.play(&file).await
    }

    async fn gather(&mut self, g: &Gather) -> Result<Gathered, ChannelError> {
        if self.hung_up {
            return Ok(Gathered::HungUp);
        }
        if let Some(keys) = typed_answer(&std::mem::take(&mut self.typed_ahead), g) {
            debug!(keys = %keys, "the question is answered by keys typed ahead: not asked");
            return Ok(Gathered::Digits(keys));
        }
        let file = self.render(&g.prompt).await?;
        // A fresh variable each time: a timeout must not read the last answer.
        self.gathers += 1;
        let var = format!("standardiste_keys_{}", self.gathers);
        let terminators = if g.terminators.is_empty() { "none" } else { g.terminators.as_str() };
        let arg = format!(
            "{} {} {} {} {} {} silence_stream://250 {} ^[0-9*#]+$ {}",
            g.min,
            g.max,
            g.tries.max(1),
            g.timeout_ms,
            terminators,
            file,
            var,
            self.inter_digit_ms
        );
        let e = self.execute("play_and_get_digits", Some(&arg)).await?;
        if e.hung_up {
            return Ok(Gathered::HungUp);
        }
        let digits = e.complete.as_ref().and_then(|c| c.header_str(&format!("variable_{var}"))).unwrap_or("").trim().to_string();
        if digits.is_empty() || digits == "_undef_" { Ok(Gathered::Timeout) } else { Ok(Gathered::Digits(digits)) }
    }

    async fn record(&mut self, r: &RecordRequest) -> Result<Recorded, ChannelError> {
        if self.hung_up {
            return Ok(Recorded { secs: 0.0, hung_up: true });
        }
        // The prompt and the beep in one playback, and `#` as the
        // recording's terminator in a variable scoped to `record` alone
        // (`%[...]`, read by the switch before it runs the application):
        // two applications where there were five (say, beep, set, record,
        // set back), three fewer events of about 3.5 KB each to parse.
        let prompt = self.render(&r.prompt).await?;
        if self.play(&then_beep(&prompt)).await? == Completion::HungUp {
            return Ok(Recorded { secs: 0.0, hung_up: true });
        }
        let arg = format!("%[playback_terminators=#]{} {} {} {}", r.path, r.max_secs, r.silence_threshold, r.silence_secs);
        let e = match self.execute("record", Some(&arg)).await {
            Ok(e) => e,
            // The switch went away mid-recording: what it wrote is kept.
            Err(ChannelError::Disconnected(why)) => {
                debug!(why, "the connection closed during the recording");
                self.hung_up = true;
                Exec { complete: None, hung_up: true, bridged: false }
            }
            Err(other) => return Err(other),
        };
        let reported: Option<f64> = e.complete.as_ref().and_then(|c| c.header_str("variable_record_ms")).and_then(|v| v.parse().ok());
        // No completion (the caller hung up and the switch's report was
        // lost): the file FreeSWITCH wrote says how long it is.
        let ms = reported.filter(|ms| *ms > 0.0).or_else(|| crate::speech::wav_seconds(std::path::Path::new(&r.path)).map(|s| s * 1000.0)).unwrap_or(0.0);
        Ok(Recorded { secs: ms / 1000.0, hung_up: e.hung_up || self.hung_up })
    }

    async fn bridge(&mut self, dial: &str, timeout_secs: u32) -> Result<Bridged, ChannelError> {
        // A dial string is an endpoint and a route, never variables or lists.
        let Some(dial) = quote::dial(dial) else {
            warn!("a dial string that is not technology/route was not dialled");
            return Ok(Bridged::Failed("INVALID_DIAL_STRING".into()));
        };
        let arg = format!("{{call_timeout={timeout_secs}}}{dial}");
        let e = self.execute("bridge", Some(&arg)).await?;
        if e.hung_up {
            return Ok(Bridged::HungUp);
        }
        let status = e.complete.as_ref().and_then(|c| c.header_str("variable_DIALSTATUS")).unwrap_or("");
        if e.bridged || status == "SUCCESS" {
            return Ok(Bridged::Answered);
        }
        let cause = e
            .complete
            .as_ref()
            .and_then(|c| c.header_str("variable_originate_disposition").or_else(|| c.header_str("variable_last_bridge_hangup_cause")))
            .unwrap_or(if status.is_empty() { "UNKNOWN" } else { status });
        Ok(Bridged::Failed(cause.to_string()))
    }

    async fn set_vars(&mut self, vars: &[(&str, String)]) -> Result<Completion, ChannelError> {
        if vars.is_empty() {
            return Ok(Completion::Done);
        }
        // All in one application: `multiset` with `|` between them (`^^|`),
        // a character no value keeps, so a value may hold spaces.
        let list: Vec<String> = vars.iter().map(|(name, value)| format!("{name}={}", quote::variable_value(value))).collect();
        let e = self.execute("multiset", Some(&format!("^^|{}", list.join("|")))).await?;
        Ok(Self::completion(&e))
    }

    async fn transfer(&mut self, extension: &str, context: &str) -> Result<Completion, ChannelError> {
        if self.hung_up {
            return Ok(Completion::HungUp);
        }
        // The switch-side deadline was for the receptionist, not for the queue.
        if let Err(e) = self.client.api(&format!("sched_del {}", self.uuid)).await {
            warn!(error = %e, "could not cancel the switch-side deadline");
        }
        let (Some(extension), Some(context)) = (quote::extension(extension), quote::extension(context)) else {
            return Err(ChannelError::Refused { command: "transfer".into(), reply: "not an extension and a context (^[A-Za-z0-9_+-]+$)".into() });
        };
        let e = self.execute("transfer", Some(&format!("{extension} XML {context}"))).await?;
        Ok(Self::completion(&e))
    }

    async fn hold<T: Send, F: std::future::Future<Output = T> + Send>(&mut self, music: &Music, stop: F) -> Result<Held<T>, ChannelError> {
        if self.hung_up {
            return Ok(Held::HungUp);
        }
        let music = match music {
            Music::Source(s) => s.as_str(),
            Music::RingBack => RING_BACK,
            Music::Silence => SILENCE,
        };
        let id = uuid::Uuid::new_v4().to_string();
        let mut msg = EslEvent::new();
        msg.set_header("call-command", "execute");
        msg.set_header("execute-app-name", "playback");
        msg.set_header("execute-app-arg", quote::header_value(music));
        msg.set_header("Event-UUID", id.clone());
        self.send("playback", msg).await?;
        let mut stop = std::pin::pin!(stop);
        let value = loop {
            tokio::select! {
                v = &mut stop => break v,
                ev = self.next_esl_event() => match self.music_event(ev?, &id) {
                    Some(MusicEnd::Ended) => return Ok(Held::MusicEnded),
                    Some(MusicEnd::HungUp) => return Ok(Held::HungUp),
                    None => {}
                }
            }
        };
        // Stop the music, and wait until it has stopped: whatever comes next
        // must not queue behind an endless stream.
        let brk = self.client.api(&format!("uuid_break {} all", self.uuid)).await.map_err(lost)?;
        if !brk.is_success() {
            debug!(reply = brk.body().unwrap_or(""), "uuid_break");
        }
        let until = Instant::now() + CONFIRM;
        loop {
            let ev = match tokio::time::timeout_at(until, self.next_esl_event()).await {
                Err(_) => {
                    warn!("the music did not report its end after uuid_break");
                    break;
                }
                Ok(ev) => ev?,
            };
            match self.music_event(ev, &id) {
                Some(MusicEnd::Ended) => break,
                Some(MusicEnd::HungUp) => return Ok(Held::HungUp),
                None => {}
            }
        }
        Ok(Held::Stopped(value))
    }

    async fn connect_to(&mut self, leg: &str) -> Result<Bridged, ChannelError> {
        if self.hung_up {
            return Ok(Bridged::HungUp);
        }
        // The conversation is the secretary's: no switch-side deadline on it.
        if let Err(e) = self.client.api(&format!("sched_del {}", self.uuid)).await {
            warn!(error = %e, "could not cancel the switch-side deadline");
        }
        let reply = self.client.api(&format!("uuid_bridge {} {}", self.uuid, leg)).await.map_err(lost)?;
        let body = reply.body().unwrap_or("").trim().to_string();
        if !body.starts_with("+OK") {
            return Ok(Bridged::Failed(body.trim_start_matches("-ERR").trim().to_string()));
        }
        let mut bridged = false;
        let confirm = Instant::now() + CONFIRM;
        loop {
            let ev = if bridged {
                self.next_esl_event().await?
            } else {
                match tokio::time::timeout_at(confirm, self.next_esl_event()).await {
                    Ok(ev) => ev?,
                    Err(_) => return Ok(Bridged::Failed("NO_BRIDGE".into())),
                }
            };
            let Some(ev) = ev else {
                self.hung_up = true;
                return Ok(Bridged::HungUp);
            };
            match ev.header_str("Event-Name").unwrap_or("") {
                "CHANNEL_BRIDGE" => bridged = true,
                "CHANNEL_UNBRIDGE" if bridged => return Ok(Bridged::Answered),
                "CHANNEL_HANGUP" | "CHANNEL_HANGUP_COMPLETE" => {
                    self.hung_up = true;
                    return Ok(if bridged { Bridged::Answered } else { Bridged::HungUp });
                }
                _ => {}
            }
        }
    }

    async fn park(&mut self) -> Result<Completion, ChannelError> {
        // park only completes when the call leaves the park: do not wait for it.
        let mut msg = EslEvent::new();
        msg.set_header("call-command", "execute");
        msg.set_header("execute-app-name", "park");
        self.send("park", msg).await?;
        Ok(if self.hung_up { Completion::HungUp } else { Completion::Done })
    }

    async fn hangup(&mut self) -> Result<Completion, ChannelError> {
        if self.hung_up {
            return Ok(Completion::HungUp);
        }
        let mut msg = EslEvent::new();
        msg.set_header("call-command", "hangup");
        msg.set_header("hangup-cause", "NORMAL_CLEARING");
        self.send("hangup", msg).await?;
        // Wait briefly for the switch to confirm; the socket closes after anyway.
        let until = Instant::now() + HANGUP_GRACE;
        while !self.hung_up {
            let left = until.saturating_duration_since(Instant::now());
            if left.is_zero() || self.next_event(left).await?.is_none() {
                break;
            }
        }
        self.hung_up = true;
        Ok(Completion::Done)
    }

    async fn next_event(&mut self, wait: Duration) -> Result<Option<CallEvent>, ChannelError> {
        let until = Instant::now() + wait;
        loop {
            let ev = match tokio::time::timeout_at(until, self.next_esl_event()).await {
                Err(_) => return Ok(None),
                Ok(Ok(Some(ev))) => ev,
                Ok(Ok(None)) if self.hung_up => return Ok(Some(CallEvent::HungUp)),
                Ok(Ok(None)) => return Err(ChannelError::Disconnected("the switch closed the connection".into())),
                Ok(Err(e)) => return Err(e),
            };
            match ev.header_str("Event-Name").unwrap_or("") {
                "DTMF" => {
                    if let Some(d) = ev.header_str("DTMF-Digit").and_then(|d| d.chars().next()) {
                        return Ok(Some(CallEvent::Digit(d)));
                    }
                }
                "CHANNEL_HANGUP" | "CHANNEL_HANGUP_COMPLETE" => {
                    self.hung_up = true;
                    return Ok(Some(CallEvent::HungUp));
                }
                "CHANNEL_EXECUTE_COMPLETE" => {
                    return Ok(Some(CallEvent::ExecuteComplete {
                        application: ev.header_str("Application").unwrap_or("").to_string(),
                        response: ev.header_str("Application-Response").unwrap_or("").to_string(),
                    }));
                }
                _ => {}
            }
        }
    }

    fn use_practice_recordings(&mut self, recordings: Recordings) {
        self.recordings = Some(recordings);
    }

    fn forget_typed_keys(&mut self) {
        self.typed_ahead.clear();
    }

    fn is_hung_up(&self) -> bool {
        self.hung_up
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn question(min: u8, max: u8) -> Gather {
        Gather { prompt: Utterance::empty(crate::words::catalogue::Lang::Fr), min, max, timeout_ms: 5000, terminators: "#".into(), tries: 1 }
    }

    /// What the service reads of an event, through the vendored header
    /// store (vendor/freeswitch-types/PATCHED.md): known names in any
    /// casing, channel variables as FreeSWITCH writes them.
    #[test]
    fn an_events_headers_are_found_in_any_casing_and_variables_as_written() {
        let mut e = EslEvent::new();
        e.set_header("unique-id", "abc");
        e.set_header("Application-Response", "FILE PLAYED");
        e.set_header("x-custom-thing", "1");
        e.set_header("variable_read_result", "success");
        e.set_header("variable_Sip_H_X", "kept");
        assert_eq!(e.header_str("Unique-ID"), Some("abc"));
        assert_eq!(e.header_str("UNIQUE-ID"), Some("abc"));
        assert_eq!(e.header_str("application-response"), Some("FILE PLAYED"));
        assert_eq!(e.header_str("X-Custom-Thing"), Some("1"), "an unknown dashed name is title-cased");
        assert_eq!(e.variable_str("read_result"), Some("success"));
        assert_eq!(e.header_str("variable_Sip_H_X"), Some("kept"));
        assert_eq!(e.header_str("variable_sip_h_x"), None, "a variable's casing is its own");
        assert_eq!(e.header_str("Missing-Header"), None);
        // One header spelt two ways is one entry; removing it by either.
        e.set_header("Unique-ID", "def");
        assert_eq!(e.header_str("unique-id"), Some("def"));
        assert_eq!(e.remove_header("UNIQUE-id").as_deref(), Some("def"));
        assert_eq!(e.header_str("Unique-ID"), None);
        assert_eq!(e.remove_header("x-CUSTOM-thing").as_deref(), Some("1"));
    }

    /// The published freeswitch-types 1.10.0's `normalize_header_key`.
    fn published_normalization(raw: &str) -> String {
        use freeswitch_esl_tokio::{EventHeader, case_alias_key};
        if let Ok(eh) = raw.parse::<EventHeader>() {
            return eh.as_str().to_string();
        }
        if case_alias_key(raw).is_none() {
            return raw.to_string();
        }
        let mut out = String::new();
        let mut capitalize_next = true;
        for c in raw.chars() {
            out.push(if c == '-' {
                '-'
            } else if capitalize_next {
                c.to_ascii_uppercase()
            } else {
                c.to_ascii_lowercase()
            });
            capitalize_next = c == '-';
        }
        out
    }

    #[test]
    fn the_vendored_header_store_normalizes_every_key_as_the_published_crate() {
        use freeswitch_esl_tokio::{EventHeader, normalize_header_key};
        let mut keys: Vec<String> = Vec::new();
        for h in EventHeader::ALL {
            let name = h.as_str();
            assert!(!name.to_ascii_lowercase().starts_with("variable_"), "a known name taken for a channel variable: {name}");
            keys.extend([name.to_string(), name.to_ascii_lowercase(), name.to_ascii_uppercase(), name.replace('-', "_")]);
        }
        keys.extend(
            [
                "variable_read_result",
                "variable_Sip_H_X",
                "VARIABLE_x",
                "Variable_y",
                "x-custom-thing",
                "X-Custom-Thing",
                "X-CUSTOM",
                "sip_h_X-Y",
                "a--b",
                "-",
                "",
                "ünï-kéy",
                "Ünï-Kéy",
            ]
            .map(String::from),
        );
        for key in &keys {
            assert_eq!(normalize_header_key(key), published_normalization(key), "{key:?}");
            let mut e = EslEvent::new();
            e.set_header(key.as_str(), "v");
            assert_eq!(e.header_str(&published_normalization(key)), Some("v"), "{key:?}");
        }
    }

    #[test]
    fn keys_typed_ahead_answer_only_a_whole_answer() {
        assert_eq!(typed_answer("4", &question(1, 1)).as_deref(), Some("4"));
        // One key answers a one-key question; the rest is not carried on.
        assert_eq!(typed_answer("12", &question(1, 1)).as_deref(), Some("1"));
        // A date of birth: six keys, or fewer ended by #; two keys alone are
        // not an answer (the caller may go on while it is asked).
        assert_eq!(typed_answer("170580", &question(6, 6)).as_deref(), Some("170580"));
        assert_eq!(typed_answer("17", &question(1, 6)), None);
        assert_eq!(typed_answer("17#", &question(1, 6)).as_deref(), Some("17"));
        assert_eq!(typed_answer("17#", &question(6, 6)), None);
        assert_eq!(typed_answer("#", &question(1, 1)), None);
        assert_eq!(typed_answer("", &question(1, 1)), None);
    }
}
