//! A scripted FreeSWITCH, for the tests and the load generator: it dials the
//! service's outbound listener as FreeSWITCH's `socket` application does, and
//! answers each command with frames taken from the real captures in
//! `../shared/esl-captures/` (connect reply, events, disconnect notices), with
//! only the values of the call substituted (unique id, numbers, application,
//! Application-UUID, variables). Framing is recomputed; header order and every
//! other header are the switch's own. No wire format is invented here.
//!
//! It also measures what the load generator reports: the time from the
//! switch's last frame to the service's next command.

use std::collections::{HashMap, VecDeque};
use std::io;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::time::Instant;

pub mod installed;
pub mod measure;
pub mod switchboard;
pub use installed::Installed;
pub use switchboard::{BoardEvent, Phone, Switchboard};

/// What FreeSWITCH leaves unencoded in event values (see the captures).
const FS_ENCODE: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.').remove(b'/').remove(b',');

/// The frames of a capture file: direction (`sent`/`received`) and bytes.
pub fn frames(path: &Path) -> io::Result<Vec<(String, String)>> {
    let data = std::fs::read(path).map_err(|e| io::Error::new(e.kind(), format!("capture {}: {e}", path.display())))?;
    let mut out = Vec::new();
    let mut pos = 0;
    while pos < data.len() {
        let nl = match data[pos..].iter().position(|b| *b == b'\n') {
            Some(i) => pos + i,
            None => break,
        };
        let line = String::from_utf8_lossy(&data[pos..nl]).to_string();
        pos = nl + 1;
        let parts: Vec<&str> = line.split(' ').collect();
        if parts.len() == 5 && (parts[0] == ">>>" || parts[0] == "<<<") && parts[4] == "bytes" {
            let n: usize = parts[3].parse().map_err(|_| io::Error::other(format!("bad frame length in {}: {line}", path.display())))?;
            let end = (pos + n).min(data.len());
            out.push((parts[1].to_string(), String::from_utf8_lossy(&data[pos..end]).to_string()));
            pos = end + 1;
        }
    }
    Ok(out)
}

/// A serialized event body: header lines in the switch's order. The captured
/// headers are shared by every event made from them; an event keeps only the
/// headers it changed or added, so making one costs no copy of the capture.
#[derive(Debug, Clone)]
pub struct EventBody {
    captured: Arc<[(String, String)]>,
    /// Headers set on this event, already encoded: a captured name replaces
    /// the captured value in place, a new name comes after the captured ones.
    changed: Vec<(String, String)>,
}

impl EventBody {
    fn parse(body: &str) -> Self {
        Self::parse_without(body, |_| false)
    }

    /// Parse, leaving out the headers `drop` names.
    fn parse_without(body: &str, drop: impl Fn(&str) -> bool) -> Self {
        let captured = body
            .lines()
            .filter(|l| !l.is_empty())
            .filter_map(|l| l.split_once(": ").map(|(k, v)| (k.to_string(), v.to_string())))
            .filter(|(k, _)| !drop(k))
            .collect();
        Self { captured, changed: Vec::new() }
    }

    /// Set a header to a (plain) value, encoded as the switch does.
    pub fn set(&mut self, name: &str, value: &str) -> &mut Self {
        let enc = utf8_percent_encode(value, FS_ENCODE).to_string();
        match self.changed.iter_mut().find(|(k, _)| k == name) {
            Some(h) => h.1 = enc,
            None => self.changed.push((name.to_string(), enc)),
        }
        self
    }

    /// A header's value as it goes on the wire.
    fn raw(&self, name: &str) -> Option<&str> {
        self.changed.iter().chain(self.captured.iter()).find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    /// A header's decoded value.
    pub fn get(&self, name: &str) -> Option<String> {
        self.raw(name).map(|v| percent_decode_str(v).decode_utf8_lossy().into_owned())
    }

    /// Every header line in the switch's order, the changes applied.
    fn lines(&self) -> impl Iterator<Item = (&str, &str)> {
        let captured = self.captured.iter().map(|(k, v)| {
            let v = self.changed.iter().find(|(c, _)| c == k).map_or(v, |(_, cv)| cv);
            (k.as_str(), v.as_str())
        });
        let added = self.changed.iter().filter(|(k, _)| !self.captured.iter().any(|(c, _)| c == k)).map(|(k, v)| (k.as_str(), v.as_str()));
        captured.chain(added)
    }

    fn write_lines(&self, out: &mut String, skip: Option<&str>) {
        for (k, v) in self.lines().filter(|(k, _)| Some(*k) != skip) {
            out.push_str(k);
            out.push_str(": ");
            out.push_str(v);
            out.push('\n');
        }
    }

    /// The whole `text/event-plain` frame of an event carrying a body
    /// (`BACKGROUND_JOB`): the headers, the body's own Content-Length, the body.
    pub fn frame_with_body(&self, body: &str) -> String {
        let mut inner = String::new();
        self.write_lines(&mut inner, Some("Content-Length"));
        inner.push_str(&format!("Content-Length: {}\n\n{body}", body.len()));
        format!("Content-Length: {}\nContent-Type: text/event-plain\n\n{inner}", inner.len())
    }

    /// The whole `text/event-plain` frame.
    pub fn frame(&self) -> String {
        let mut body = String::with_capacity(8192);
        self.write_lines(&mut body, None);
        body.push('\n');
        let mut out = String::with_capacity(body.len() + 64);
        out.push_str("Content-Length: ");
        out.push_str(&body.len().to_string());
        out.push_str("\nContent-Type: text/event-plain\n\n");
        out.push_str(&body);
        out
    }
}

/// Frames from the captures, ready to be replayed.
pub struct Captures {
    connect_reply: String,
    /// The id and the caller's number of the captured call, replaced in the
    /// connect reply by each call's own.
    captured_uuid: String,
    captured_caller: String,
    pub(crate) events: HashMap<String, EventBody>,
    /// `CHANNEL_EXECUTE_COMPLETE` by application, where the captures have
    /// one (the real ones grow as the call goes: 3.1 KB for the first
    /// `multiset`, 5.5 KB for a `play_and_get_digits` in capture 13).
    completions: HashMap<String, EventBody>,
    linger_notice: String,
    disconnect_notice: String,
}

/// Which captured frames a scripted switch replays.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Shape {
    /// The first captures' (01, 04, 09, 11): a softphone's call with every
    /// event subscribed, 4–7 KB events.
    #[default]
    Emulated,
    /// This service's own calls on a real switch (13–16): the connect
    /// reply, each application's completion, the DTMF and hang-up events as
    /// they reach the service after its `nixevent` (median 3.7 KB, about 100
    /// headers); the events they lack (the ones the service unsubscribes
    /// from, the bridge's) from the first captures.
    Real,
}

/// Where the captures are in a checkout: `../shared/esl-captures` beside the repository.
pub fn default_captures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/esl-captures")
}

fn missing(what: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, format!("no {what} in the captures"))
}

impl Captures {
    /// The captures of the checkout, loaded once.
    pub fn get() -> Arc<Captures> {
        static CAPS: OnceLock<Arc<Captures>> = OnceLock::new();
        CAPS.get_or_init(|| Arc::new(Captures::load(&default_captures_dir()).unwrap_or_else(|e| panic!("{e}")))).clone()
    }

    /// Load the frames from a captures folder (the first captures' shape).
    pub fn load(dir: &Path) -> io::Result<Captures> {
        Self::load_shaped(dir, Shape::Emulated)
    }

    /// Load the frames of `shape` from a captures folder.
    pub fn load_shaped(dir: &Path, shape: Shape) -> io::Result<Captures> {
        let (reply_file, notices_file, first): (&str, &str, &[&str]) = match shape {
            Shape::Emulated => ("01_outbound_async_basic_dtmf_bgapi_bridgefail.txt", "04_outbound_caller_hangup_mid_playback_linger5.txt", &[]),
            Shape::Real => (
                "13_standardiste_booking_by_keys.txt",
                "13_standardiste_booking_by_keys.txt",
                &[
                    "13_standardiste_booking_by_keys.txt",
                    "14_standardiste_message.txt",
                    "15_standardiste_urgent_to_secretary.txt",
                    "16_standardiste_cancel.txt",
                    "15b_standardiste_inbound_link.txt",
                ],
            ),
        };
        let replies = frames(&dir.join(reply_file))?;
        let connect_reply =
            replies.iter().find(|(d, f)| d == "received" && f.starts_with("Event-Name: CHANNEL_DATA")).ok_or_else(|| missing("connect reply"))?.1.clone();
        let header = |name: &str| connect_reply.lines().find_map(|l| l.strip_prefix(name)).map(str::to_string).ok_or_else(|| missing(name));
        let (captured_uuid, captured_caller) = (header("Unique-ID: ")?, header("Caller-Caller-ID-Number: ")?);
        let mut events = HashMap::new();
        let mut completions = HashMap::new();
        let others = [
            "01_outbound_async_basic_dtmf_bgapi_bridgefail.txt",
            "09_outbound_bridge_to_secretary_then_transfer.txt",
            "04_outbound_caller_hangup_mid_playback_linger5.txt",
            "11_inbound_auth_api_events_plain_json_bgapi.txt",
        ];
        // The shape's own captures first: the first event of a name wins.
        for file in first.iter().chain(others.iter()) {
            for (d, f) in frames(&dir.join(file))? {
                if d != "received" || !f.contains("Content-Type: text/event-plain") {
                    continue;
                }
                let Some(at) = f.find("\n\n") else { continue };
                let body = &f[at + 2..];
                // The captured call's answers are not this call's: the
                // switch sets them on each completion as the patient answers.
                let ev = match shape {
                    Shape::Emulated => EventBody::parse(body),
                    Shape::Real => EventBody::parse_without(body, |k| {
                        k.starts_with("variable_standardiste_keys_")
                            || matches!(k, "variable_read_result" | "variable_record_ms" | "variable_playback_terminator_used" | "variable_DIALSTATUS")
                    }),
                };
                if let Some(name) = ev.get("Event-Name") {
                    if name == "CHANNEL_EXECUTE_COMPLETE"
                        && let Some(app) = ev.get("Application")
                    {
                        completions.entry(app).or_insert_with(|| ev.clone());
                    }
                    events.entry(name).or_insert(ev);
                }
            }
        }
        let notices = frames(&dir.join(notices_file))?;
        let notice = |what: &str| notices.iter().find(|(_, f)| f.contains(what)).map(|(_, f)| f.clone()).ok_or_else(|| missing(what));
        let (linger_notice, disconnect_notice) = (notice("Content-Disposition: linger")?, notice("Content-Disposition: disconnect")?);
        for needed in [
            "CHANNEL_EXECUTE",
            "CHANNEL_EXECUTE_COMPLETE",
            "CHANNEL_ANSWER",
            "DTMF",
            "CHANNEL_HANGUP",
            "CHANNEL_HANGUP_COMPLETE",
            "CHANNEL_BRIDGE",
            "CHANNEL_UNBRIDGE",
            "CHANNEL_PARK",
            "CHANNEL_CREATE",
            "BACKGROUND_JOB",
        ] {
            if !events.contains_key(needed) {
                return Err(missing(needed));
            }
        }
        Ok(Captures { connect_reply, captured_uuid, captured_caller, events, completions, linger_notice, disconnect_notice })
    }

    /// The final disconnect notice, as FreeSWITCH sends it before closing.
    pub fn disconnect_notice(&self) -> &str {
        &self.disconnect_notice
    }
}

/// One command the service sent.
#[derive(Debug, Clone)]
pub struct Cmd {
    /// First line (`sendmsg`, `myevents`, `api …`).
    pub line: String,
    /// Headers of a sendmsg.
    pub headers: HashMap<String, String>,
}

impl Cmd {
    fn parse(raw: &str) -> Cmd {
        let mut lines = raw.lines();
        let line = lines.next().unwrap_or("").to_string();
        let headers = lines.filter_map(|l| l.split_once(": ").map(|(k, v)| (k.to_lowercase(), v.to_string()))).collect();
        Cmd { line, headers }
    }

    /// `execute-app-name`.
    pub fn app(&self) -> Option<&str> {
        self.headers.get("execute-app-name").map(String::as_str)
    }

    /// `execute-app-arg`.
    pub fn arg(&self) -> &str {
        self.headers.get("execute-app-arg").map(String::as_str).unwrap_or("")
    }
}

/// When the scripted caller hangs up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HangupAt {
    /// Never by themselves (keys run out: they hang up at the next question).
    Never,
    /// During the n-th playback (1-based).
    Playback(usize),
    /// During the n-th question.
    Question(usize),
    /// Right after the n-th recording ends.
    AfterRecording(usize),
}

/// How the scripted patient behaves.
#[derive(Debug, Clone)]
pub struct Patient {
    /// Keys per question; `None` lets the question time out.
    pub keys: VecDeque<Option<String>>,
    /// When they hang up.
    pub hangup: HangupAt,
    /// Length of each recording (ms).
    pub record_ms: u32,
    /// Whether a bridged phone answers.
    pub bridge_answers: bool,
    /// Stop replying to the n-th sendmsg's execution (the switch stalls).
    pub stall_at_execute: Option<usize>,
    /// Send this raw frame before answering the n-th execution.
    pub inject_before_execute: Option<(usize, String)>,
    /// At the n-th question, signal the first Notify and wait for the second.
    pub pause_at_question: Option<(usize, Arc<tokio::sync::Notify>, Arc<tokio::sync::Notify>)>,
    /// How long the patient takes to answer a question (listening, thinking);
    /// each answer takes between half and one and a half times this, at
    /// random, so that callers do not press keys in step.
    pub think: Duration,
    /// Whether the recordings the service asks for are written.
    pub write_recordings: bool,
    /// What the caller says when recorded (a wav); silence without it.
    pub voice: Option<PathBuf>,
    /// Hangs up after waiting this long on hold (music) in all.
    pub hang_up_on_hold_after: Option<Duration>,
    /// Hangs up this long into the conversation with a secretary (the
    /// bridge), before the secretary does; as capture 15 shows it: the
    /// caller's CHANNEL_HANGUP, CHANNEL_UNBRIDGE, CHANNEL_HANGUP_COMPLETE,
    /// and the secretary's leg hung up with it.
    pub hang_up_bridged_after: Option<Duration>,
    /// Presses these keys during the n-th playback (1-based), which goes on
    /// to its end (the service plays sentences that no key stops), as in
    /// capture 13: the DTMF events come before the playback's completion.
    pub type_ahead: Option<(usize, String)>,
    /// Plays in real time, as a switch does: a playback lasts its files'
    /// length, a recording its `record_ms` (a call then lasts about as long
    /// as on a real switch, and so do the service's timers). A question
    /// still lasts `think`: the patient robot of captures 13–16 pressed its
    /// key about half a second into each question, which stops the prompt.
    pub real_time: bool,
}

impl Patient {
    /// A patient pressing these keys.
    pub fn keys(keys: &[&str]) -> Patient {
        Patient {
            keys: keys.iter().map(|k| if k.is_empty() { None } else { Some(k.to_string()) }).collect(),
            hangup: HangupAt::Never,
            record_ms: 4200,
            bridge_answers: true,
            stall_at_execute: None,
            inject_before_execute: None,
            pause_at_question: None,
            think: Duration::ZERO,
            write_recordings: true,
            voice: None,
            hang_up_on_hold_after: None,
            hang_up_bridged_after: None,
            type_ahead: None,
            real_time: false,
        }
    }
}

/// What happened on the switch's side.
#[derive(Debug, Default, Clone)]
pub struct Transcript {
    /// Every command received.
    pub commands: Vec<Cmd>,
    /// Files played (existing or not).
    pub played: Vec<String>,
    /// Files played that did not exist.
    pub missing_files: Vec<String>,
    /// Questions asked (prompt files).
    pub questions: usize,
    /// Recordings written.
    pub recordings: Vec<String>,
    /// The caller hung up (or was hung up).
    pub hung_up: bool,
    /// The call was transferred: (extension, context).
    pub transferred: Option<String>,
    /// The service closed the connection.
    pub closed_by_service: bool,
    /// Variables set by the service.
    pub vars: HashMap<String, String>,
    /// Music on hold played (times).
    pub holds: usize,
    /// The legs the caller was bridged to with `uuid_bridge`.
    pub bridged_to: Vec<String>,
    /// The terminators in force at each recording (`#` ends one).
    pub record_terminators: Vec<String>,
    /// What ended each measured reaction (parallel to the latencies).
    pub reaction_kinds: Vec<String>,
    /// When each measured reaction ended (parallel to the latencies).
    pub reaction_ends: Vec<Instant>,
}

impl Transcript {
    /// Apps executed, in order.
    pub fn apps(&self) -> Vec<String> {
        self.commands.iter().filter_map(|c| c.app().map(str::to_string)).collect()
    }
}

/// The switch's end of one connection: commands in, frames out. Reading a
/// command is cancel-safe (bytes are moved out of the socket's buffer only
/// when they are kept), so waiting for one can race a timer without losing
/// half a command.
pub struct Conn {
    reader: BufReader<tokio::net::tcp::OwnedReadHalf>,
    partial: Vec<u8>,
    writer: tokio::net::tcp::OwnedWriteHalf,
}

impl Conn {
    /// The switch's end of an established connection.
    pub fn new(stream: TcpStream) -> Conn {
        let (read, writer) = stream.into_split();
        Conn { reader: BufReader::new(read), partial: Vec::new(), writer }
    }

    /// Write bytes verbatim.
    pub async fn send_raw(&mut self, data: &str) -> io::Result<()> {
        self.writer.write_all(data.as_bytes()).await
    }

    /// Next command, through its blank line. Cancel-safe.
    pub async fn read_command(&mut self) -> io::Result<String> {
        loop {
            if let Some(at) = self.partial.windows(2).position(|w| w == b"\n\n") {
                let command: Vec<u8> = self.partial.drain(..at + 2).collect();
                return Ok(String::from_utf8_lossy(&command).into_owned());
            }
            // The only await: fill_buf keeps its bytes until consumed.
            let buf = self.reader.fill_buf().await?;
            if buf.is_empty() {
                return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "closed"));
            }
            let n = buf.len();
            self.partial.extend_from_slice(buf);
            self.reader.consume(n);
        }
    }

    /// Close the connection (both ways).
    pub async fn close(mut self) {
        let _ = self.writer.shutdown().await;
    }

    /// `command/reply` with `Reply-Text` as given.
    pub async fn reply_raw_text(&mut self, text: &str) -> io::Result<()> {
        self.send_raw(&format!("Content-Type: command/reply\nReply-Text: {text}\n\n")).await
    }

    /// `command/reply` with `+OK <text>`.
    pub async fn reply_ok_text(&mut self, text: &str) -> io::Result<()> {
        self.reply_raw_text(&format!("+OK {text}")).await
    }

    /// `command/reply` with `-ERR <text>`.
    pub async fn reply_err(&mut self, text: &str) -> io::Result<()> {
        self.reply_raw_text(&format!("-ERR {text}")).await
    }

    /// `api/response` with a body.
    pub async fn reply_api(&mut self, body: &str) -> io::Result<()> {
        self.send_raw(&format!("Content-Type: api/response\nContent-Length: {}\n\n{body}", body.len())).await
    }
}

/// The switch's inbound Event Socket door on 127.0.0.1: each connection is
/// asked for the password as FreeSWITCH asks it (`auth/request`), a wrong one
/// refused as FreeSWITCH refuses it (`-ERR invalid`, the disconnect notice,
/// closed).
pub struct Door {
    listener: tokio::net::TcpListener,
    password: String,
    caps: Arc<Captures>,
}

impl Door {
    /// A door on a free port of 127.0.0.1 that lets in `password`.
    pub async fn bind(password: &str) -> io::Result<Door> {
        Ok(Door { listener: tokio::net::TcpListener::bind("127.0.0.1:0").await?, password: password.into(), caps: Captures::get() })
    }

    /// The door's port.
    pub fn port(&self) -> u16 {
        self.listener.local_addr().map(|a| a.port()).unwrap_or(0)
    }

    /// The next connection, logged in; a refused password is
    /// `ErrorKind::PermissionDenied` (the connection is closed).
    pub async fn accept(&self) -> io::Result<Conn> {
        let (stream, _) = self.listener.accept().await?;
        let _ = stream.set_nodelay(true);
        let mut conn = Conn::new(stream);
        log_in(&mut conn, &self.password, &self.caps).await?;
        Ok(conn)
    }
}

/// The switch's side of the inbound log-in on a new connection.
pub async fn log_in(conn: &mut Conn, password: &str, caps: &Captures) -> io::Result<()> {
    conn.send_raw("Content-Type: auth/request\n\n").await?;
    let auth = conn.read_command().await?;
    if auth.trim_end() != format!("auth {password}") {
        conn.send_raw("Content-Type: command/reply\nReply-Text: -ERR invalid\n\n").await?;
        conn.send_raw(caps.disconnect_notice()).await?;
        conn.writer.shutdown().await?;
        return Err(io::Error::new(io::ErrorKind::PermissionDenied, "wrong password"));
    }
    conn.reply_raw_text("+OK accepted").await
}

/// One call, from the switch's side.
pub struct SwitchCall {
    /// The connection.
    pub conn: Conn,
    /// When the last frame the service must react to was sent.
    pending_since: Option<Instant>,
    /// Reaction latencies measured on this call.
    pub latencies: Vec<Duration>,
    /// For each latency, the command that ended it (`sendmsg playback`, `api uuid_break`…).
    pub reaction_kinds: Vec<String>,
    /// For each latency, when the command was read.
    reaction_ends: Vec<Instant>,
    /// Event names the service unsubscribed with `nixevent`.
    nixed: std::collections::HashSet<String>,
    caps: Arc<Captures>,
    pub uuid: String,
    caller: String,
    destination: String,
    executes: usize,
    playbacks: usize,
    questions: usize,
    records: usize,
    board: Option<Arc<Switchboard>>,
    /// Music on hold playing: (argument, Application-UUID).
    music: Option<(String, String)>,
    /// When music on hold first started, for `hang_up_on_hold_after`.
    held_since: Option<Instant>,
    /// Bridged to this leg until then.
    bridge: Option<(String, Instant)>,
    /// When the caller hangs up during the bridge (`hang_up_bridged_after`).
    leaves_bridge: Option<Instant>,
}

/// A service that closed first while the caller hung up: nothing wrong.
fn gone_is_fine(r: io::Result<()>) -> io::Result<()> {
    match r {
        Err(e) if matches!(e.kind(), io::ErrorKind::BrokenPipe | io::ErrorKind::ConnectionReset) => Ok(()),
        other => other,
    }
}

/// A playback that never ends by itself: the music on hold, an endless tone
/// or silence. Only `uuid_break` (or a hang-up) stops it.
fn endless(arg: &str) -> bool {
    arg.starts_with("local_stream://") || arg.contains("loops=-1") || arg == "silence_stream://-1"
}

impl SwitchCall {
    /// Take part in an emulated switch: the call is listed in its live
    /// channels and can be bridged to the legs it originates.
    pub fn with_board(mut self, board: Arc<Switchboard>) -> Self {
        self.board = Some(board);
        self
    }

    /// Dial the service as FreeSWITCH's socket application does.
    pub async fn dial(addr: SocketAddr, caller: &str, destination: &str) -> io::Result<SwitchCall> {
        Self::dial_with(addr, caller, destination, Captures::get()).await
    }

    /// Dial with captures loaded from elsewhere (the load generator).
    pub async fn dial_with(addr: SocketAddr, caller: &str, destination: &str, caps: Arc<Captures>) -> io::Result<SwitchCall> {
        let stream = TcpStream::connect(addr).await?;
        let _ = stream.set_nodelay(true);
        Ok(SwitchCall {
            conn: Conn::new(stream),
            pending_since: None,
            latencies: Vec::new(),
            reaction_kinds: Vec::new(),
            reaction_ends: Vec::new(),
            nixed: Default::default(),
            caps,
            uuid: uuid::Uuid::new_v4().to_string(),
            caller: caller.to_string(),
            destination: destination.to_string(),
            executes: 0,
            playbacks: 0,
            questions: 0,
            records: 0,
            board: None,
            music: None,
            held_since: None,
            bridge: None,
            leaves_bridge: None,
        })
    }

    /// The captured connect reply, with this call's id and numbers.
    pub fn connect_reply(&self) -> String {
        let mut out = String::new();
        for line in self.caps.connect_reply.split_inclusive('\n') {
            let replaced = if line.starts_with("Caller-Destination-Number: ") || line.starts_with("Channel-Destination-Number: ") {
                let (k, _) = line.split_once(": ").unwrap();
                format!("{k}: {}\n", utf8_percent_encode(&self.destination, FS_ENCODE))
            } else {
                line.replace(&self.caps.captured_uuid, &self.uuid)
                    .replace(&self.caps.captured_caller, &utf8_percent_encode(&self.caller, FS_ENCODE).to_string())
            };
            out.push_str(&replaced);
        }
        out
    }

    /// A captured event of this name, rebound to this call.
    pub fn event(&self, name: &str) -> EventBody {
        let mut ev = self.caps.events.get(name).unwrap_or_else(|| panic!("no {name} captured")).clone();
        ev.set("Unique-ID", &self.uuid).set("Channel-Call-UUID", &self.uuid).set("Caller-Unique-ID", &self.uuid);
        ev
    }

    /// The completion of `app`, as captured for that application when the
    /// captures have one, rebound to this call (each caller sets its
    /// `Application` and the rest).
    pub fn completion(&self, app: &str) -> EventBody {
        match self.caps.completions.get(app) {
            Some(ev) => {
                let mut ev = ev.clone();
                ev.set("Unique-ID", &self.uuid).set("Channel-Call-UUID", &self.uuid).set("Caller-Unique-ID", &self.uuid);
                ev
            }
            None => self.event("CHANNEL_EXECUTE_COMPLETE"),
        }
    }

    /// Read the next command; `None` when the service closed the connection.
    pub async fn command(&mut self) -> io::Result<Option<Cmd>> {
        match self.conn.read_command().await {
            Ok(raw) => {
                let cmd = Cmd::parse(&raw);
                if let Some(since) = self.pending_since.take() {
                    let now = Instant::now();
                    self.latencies.push(now - since);
                    self.reaction_ends.push(now);
                    // What the service did next, for the breakdown of the figures.
                    let what = match cmd.app() {
                        Some(app) => format!("{} {app}", cmd.line),
                        None => cmd.line.split(' ').take(2).collect::<Vec<_>>().join(" "),
                    };
                    self.reaction_kinds.push(what);
                }
                Ok(Some(cmd))
            }
            Err(e) if e.kind() == io::ErrorKind::UnexpectedEof || e.kind() == io::ErrorKind::ConnectionReset => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Expect `connect` and answer it with the captured channel data.
    pub async fn connect(&mut self) -> io::Result<()> {
        let cmd = self.command().await?.ok_or_else(|| io::Error::other("closed before connect"))?;
        assert_eq!(cmd.line, "connect", "connect must be the first command");
        let reply = self.connect_reply();
        if let Some(b) = &self.board {
            b.register_call(&self.uuid, &self.caller);
        }
        self.conn.send_raw(&reply).await
    }

    /// Write whole frames as the switch, in one write (the event parsing
    /// benchmark streams captured events this way).
    pub async fn send_frames(&mut self, frames: &str) -> io::Result<()> {
        self.conn.send_raw(frames).await
    }

    async fn complete(&mut self, app: &str, arg: &str, id: &str, response: &str, vars: &[(&str, &str)]) -> io::Result<()> {
        let mut ex = self.event("CHANNEL_EXECUTE");
        ex.set("Application", app).set("Application-Data", arg).set("Application-UUID", id);
        self.send_event(&ex).await?;
        let mut done = self.completion(app);
        done.set("Application", app).set("Application-Data", arg).set("Application-Response", response).set("Application-UUID", id);
        for (k, v) in vars {
            done.set(&format!("variable_{k}"), v);
        }
        self.send_awaited(&done.frame()).await
    }

    /// Note the files of a playback argument (`file_string://a!b` or one path)
    /// and those that do not exist: FreeSWITCH would play silence for them.
    fn check_files(&self, arg: &str, t: &mut Transcript) {
        let list = arg.strip_prefix("file_string://").unwrap_or(arg);
        for f in list.split('!') {
            t.played.push(f.to_string());
            if !f.starts_with("silence_stream://") && !f.starts_with("tone_stream://") && !Path::new(f).exists() {
                t.missing_files.push(f.to_string());
            }
        }
    }

    /// Send an event unless the service unsubscribed from it (`nixevent`).
    async fn send_event(&mut self, ev: &EventBody) -> io::Result<()> {
        if ev.get("Event-Name").is_some_and(|n| self.nixed.contains(&n)) {
            return Ok(());
        }
        self.conn.send_raw(&ev.frame()).await
    }

    /// Send the frame the service is waiting for, and start the reaction clock.
    async fn send_awaited(&mut self, frame: &str) -> io::Result<()> {
        self.conn.send_raw(frame).await?;
        self.pending_since = Some(Instant::now());
        Ok(())
    }

    /// The caller hangs up: the order of capture 04. The service may close
    /// as soon as it has seen enough; writing the rest into a closed socket is
    /// what FreeSWITCH would do too, not a failure.
    pub async fn caller_hangs_up(&mut self, running: Option<(&str, &str, &str)>) -> io::Result<()> {
        gone_is_fine(self.caller_hangs_up_frames(running).await)
    }

    async fn caller_hangs_up_frames(&mut self, running: Option<(&str, &str, &str)>) -> io::Result<()> {
        let mut h = self.event("CHANNEL_HANGUP");
        h.set("Hangup-Cause", "NORMAL_CLEARING");
        self.send_event(&h).await?;
        if let Some((app, arg, id)) = running {
            let response = if app == "playback" { "PLAYBACK ERROR" } else { "_none_" };
            let mut done = self.completion(app);
            done.set("Application", app)
                .set("Application-Data", arg)
                .set("Application-Response", response)
                .set("Application-UUID", id)
                .set("Hangup-Cause", "NORMAL_CLEARING");
            self.send_event(&done).await?;
        }
        self.hangup_tail().await
    }

    /// The caller hangs up while bridged to `leg` (capture 15's order).
    async fn caller_hangs_up_bridged(&mut self, leg: &str) -> io::Result<()> {
        if let Some(b) = &self.board {
            b.unbridge(&self.uuid, leg);
        }
        gone_is_fine(self.caller_hangs_up_bridged_frames(leg).await)
    }

    async fn caller_hangs_up_bridged_frames(&mut self, leg: &str) -> io::Result<()> {
        for name in ["CHANNEL_HANGUP", "CHANNEL_UNBRIDGE", "CHANNEL_HANGUP_COMPLETE"] {
            let mut ev = self.event(name);
            ev.set("Hangup-Cause", "NORMAL_CLEARING").set("Other-Leg-Unique-ID", leg);
            if name == "CHANNEL_UNBRIDGE" {
                ev.set("Bridge-B-Unique-ID", leg);
            }
            self.send_event(&ev).await?;
        }
        let notice = self.linger_notice();
        self.conn.send_raw(&notice).await
    }

    /// The disconnect notice of a lingering socket, for this call.
    fn linger_notice(&self) -> String {
        self.caps.linger_notice.replace(
            self.caps.linger_notice.lines().find(|l| l.starts_with("Controlled-Session-UUID")).unwrap_or(""),
            &format!("Controlled-Session-UUID: {}", self.uuid),
        )
    }

    async fn hangup_tail(&mut self) -> io::Result<()> {
        let mut sock = self.completion("socket");
        sock.set("Application", "socket").set("Application-UUID", &uuid::Uuid::new_v4().to_string()).set("Hangup-Cause", "NORMAL_CLEARING");
        self.send_event(&sock).await?;
        let mut hc = self.event("CHANNEL_HANGUP_COMPLETE");
        hc.set("Hangup-Cause", "NORMAL_CLEARING");
        self.send_event(&hc).await?;
        let notice = self.linger_notice();
        self.conn.send_raw(&notice).await
    }

    /// Play the whole call for `patient`; returns when the service closes.
    pub async fn run(self, patient: Patient) -> io::Result<Transcript> {
        self.run_measured(patient).await.map(|(t, _)| t)
    }

    /// Play the whole call, and return the reaction latencies measured too.
    pub async fn run_measured(mut self, mut patient: Patient) -> io::Result<(Transcript, Vec<Duration>)> {
        self.connect().await?;
        let mut t = Transcript::default();
        let r = self.play(&mut patient, &mut t).await;
        if let Some(b) = &self.board {
            b.unregister_call(&self.uuid);
            if let Some((leg, _)) = self.bridge.take() {
                b.unbridge(&self.uuid, &leg);
            }
        }
        r?;
        t.closed_by_service = true;
        t.reaction_kinds = std::mem::take(&mut self.reaction_kinds);
        t.reaction_ends = std::mem::take(&mut self.reaction_ends);
        Ok((t, self.latencies))
    }

    /// The next thing to happen by itself: the patient leaving the music,
    /// or the secretary ending the conversation.
    fn next_timer(&self, patient: &Patient) -> Option<Instant> {
        let hang = match (&self.music, self.held_since, patient.hang_up_on_hold_after) {
            (Some(_), Some(since), Some(after)) => Some(since + after),
            _ => None,
        };
        [hang, self.bridge.as_ref().map(|(_, at)| *at), self.leaves_bridge].into_iter().flatten().min()
    }

    async fn timer_fired(&mut self, t: &mut Transcript) -> io::Result<()> {
        let now = Instant::now();
        if let Some(at) = self.leaves_bridge
            && at <= now
        {
            self.leaves_bridge = None;
            if let Some((leg, _)) = self.bridge.take() {
                t.hung_up = true;
                return self.caller_hangs_up_bridged(&leg).await;
            }
        }
        if let Some((leg, at)) = self.bridge.clone()
            && at <= now
        {
            self.bridge = None;
            let mut ev = self.event("CHANNEL_UNBRIDGE");
            ev.set("Other-Leg-Unique-ID", &leg).set("Bridge-B-Unique-ID", &leg);
            if let Some(b) = &self.board {
                b.unbridge(&self.uuid, &leg);
            }
            return self.send_awaited(&ev.frame()).await;
        }
        if let Some((arg, id)) = self.music.take() {
            t.hung_up = true;
            return self.caller_hangs_up(Some(("playback", &arg, &id))).await;
        }
        Ok(())
    }

    async fn play(&mut self, patient: &mut Patient, t: &mut Transcript) -> io::Result<()> {
        let mut stalled = false;
        loop {
            let cmd = match self.next_timer(patient) {
                Some(at) => tokio::select! {
                    c = self.command() => c?,
                    _ = tokio::time::sleep_until(at) => {
                        self.timer_fired(t).await?;
                        continue;
                    }
                },
                None => self.command().await?,
            };
            let Some(cmd) = cmd else { return Ok(()) };
            t.commands.push(cmd.clone());
            let line = cmd.line.clone();
            if line == "myevents" || line == "myevents plain" {
                self.pending_since = None;
                self.conn.reply_ok_text("Events Enabled").await?;
            } else if let Some(names) = line.strip_prefix("nixevent ") {
                // mod_event_socket clears these from the listener's event list.
                self.nixed.extend(names.split(' ').map(str::to_string));
                self.conn.reply_ok_text("events nixed").await?;
            } else if let Some(n) = line.strip_prefix("linger ") {
                self.conn.reply_ok_text(&format!("will linger {n} seconds")).await?;
            } else if line == "linger" {
                self.conn.reply_ok_text("will linger").await?;
            } else if line == "resume" {
                self.conn.reply_raw_text("+OK").await?;
            } else if line.starts_with("api uuid_break ") {
                self.conn.reply_api("+OK\n").await?;
                if let Some((arg, id)) = self.music.take() {
                    self.complete("playback", &arg, &id, "FILE PLAYED", &[]).await?;
                }
            } else if let Some(rest) = line.strip_prefix("api uuid_bridge ") {
                let leg = rest.split(' ').nth(1).unwrap_or("").to_string();
                let talk = self.board.as_ref().and_then(|b| b.bridge(&self.uuid, &leg));
                match talk {
                    Some(talk) if !t.hung_up => {
                        self.conn.reply_api(&format!("+OK {leg}\n")).await?;
                        t.bridged_to.push(leg.clone());
                        let mut ev = self.event("CHANNEL_BRIDGE");
                        ev.set("Other-Leg-Unique-ID", &leg).set("Bridge-A-Unique-ID", &self.uuid).set("Bridge-B-Unique-ID", &leg);
                        self.send_event(&ev).await?;
                        self.bridge = Some((leg, Instant::now() + talk));
                        self.leaves_bridge = patient.hang_up_bridged_after.map(|after| Instant::now() + after);
                    }
                    _ => self.conn.reply_api("-ERR Invalid uuid\n").await?,
                }
            } else if line.starts_with("api ") {
                self.conn.reply_api("+OK\n").await?;
            } else if line == "sendmsg" {
                self.conn.reply_raw_text("+OK").await?;
                if t.hung_up || stalled {
                    continue;
                }
                match cmd.headers.get("call-command").map(String::as_str) {
                    Some("hangup") => {
                        let mut h = self.event("CHANNEL_HANGUP");
                        h.set("Hangup-Cause", cmd.headers.get("hangup-cause").map(String::as_str).unwrap_or("NORMAL_CLEARING"));
                        t.hung_up = true;
                        let sent = async {
                            self.send_event(&h).await?;
                            self.hangup_tail().await
                        }
                        .await;
                        match sent {
                            Err(e) if matches!(e.kind(), io::ErrorKind::BrokenPipe | io::ErrorKind::ConnectionReset) => {}
                            other => other?,
                        }
                    }
                    Some("execute") => {
                        self.executes += 1;
                        if patient.stall_at_execute == Some(self.executes) {
                            stalled = true;
                            continue;
                        }
                        if let Some((_, frame)) = patient.inject_before_execute.as_ref().filter(|(n, _)| *n == self.executes) {
                            self.conn.send_raw(frame).await?;
                        }
                        let app = cmd.app().unwrap_or("").to_string();
                        let arg = cmd.arg().to_string();
                        let id = cmd.headers.get("event-uuid").cloned().unwrap_or_default();
                        self.execute(&app, &arg, &id, patient, t).await?;
                    }
                    _ => {}
                }
            } else {
                self.conn.reply_err("command not found").await?;
            }
        }
    }

    async fn execute(&mut self, app: &str, arg: &str, id: &str, patient: &mut Patient, t: &mut Transcript) -> io::Result<()> {
        match app {
            "answer" => {
                let ex = {
                    let mut e = self.event("CHANNEL_EXECUTE");
                    e.set("Application", "answer").set("Application-UUID", id);
                    e
                };
                self.send_event(&ex).await?;
                self.send_event(&self.event("CHANNEL_ANSWER")).await?;
                let mut done = self.completion("answer");
                done.set("Application", "answer").set("Application-Response", "_none_").set("Application-UUID", id);
                self.send_awaited(&done.frame()).await
            }
            "playback" if endless(arg) => {
                t.holds += 1;
                self.held_since.get_or_insert_with(Instant::now);
                let mut ex = self.event("CHANNEL_EXECUTE");
                ex.set("Application", "playback").set("Application-Data", arg).set("Application-UUID", id);
                self.send_event(&ex).await?;
                self.music = Some((arg.to_string(), id.to_string()));
                Ok(())
            }
            "playback" => {
                self.playbacks += 1;
                if !arg.starts_with("tone_stream://") {
                    self.check_files(arg, t);
                }
                if patient.hangup == HangupAt::Playback(self.playbacks) {
                    let mut ex = self.event("CHANNEL_EXECUTE");
                    ex.set("Application", "playback").set("Application-UUID", id);
                    self.send_event(&ex).await?;
                    t.hung_up = true;
                    return self.caller_hangs_up(Some(("playback", arg, id))).await;
                }
                if patient.real_time {
                    tokio::time::sleep(play_length(arg)).await;
                }
                if let Some((_, keys)) = patient.type_ahead.clone().filter(|(n, _)| *n == self.playbacks) {
                    for k in keys.chars() {
                        let mut d = self.event("DTMF");
                        d.set("DTMF-Digit", &k.to_string());
                        self.send_event(&d).await?;
                    }
                }
                self.complete("playback", arg, id, "FILE PLAYED", &[]).await
            }
            "play_and_get_digits" => {
                self.questions += 1;
                t.questions += 1;
                let parts: Vec<&str> = arg.split(' ').collect();
                let file = parts.get(5).copied().unwrap_or("");
                self.check_files(file, t);
                let var = parts.get(7).copied().unwrap_or("digits").to_string();
                if let Some((_, reached, resume)) = patient.pause_at_question.as_ref().filter(|(n, _, _)| *n == self.questions) {
                    reached.notify_one();
                    resume.notified().await;
                }
                if patient.hangup == HangupAt::Question(self.questions) || patient.keys.is_empty() {
                    let mut ex = self.event("CHANNEL_EXECUTE");
                    ex.set("Application", app).set("Application-UUID", id);
                    self.send_event(&ex).await?;
                    t.hung_up = true;
                    return self.caller_hangs_up(Some((app, arg, id))).await;
                }
                if !patient.think.is_zero() {
                    tokio::time::sleep(patient.think.mul_f64(0.5 + fastrand::f64())).await;
                }
                match patient.keys.pop_front().flatten() {
                    Some(keys) => {
                        let mut ex = self.event("CHANNEL_EXECUTE");
                        ex.set("Application", app).set("Application-UUID", id);
                        self.send_event(&ex).await?;
                        for k in keys.chars() {
                            let mut d = self.event("DTMF");
                            d.set("DTMF-Digit", &k.to_string());
                            self.send_event(&d).await?;
                        }
                        let mut done = self.completion(app);
                        done.set("Application", app).set("Application-Data", arg).set("Application-Response", "_none_").set("Application-UUID", id);
                        done.set(&format!("variable_{var}"), &keys).set("variable_read_result", "success");
                        self.send_awaited(&done.frame()).await
                    }
                    None => self.complete(app, arg, id, "_none_", &[("read_result", "timeout")]).await,
                }
            }
            "record" => {
                self.records += 1;
                // What stops it: `#` when its terminators hold it, scoped
                // to it or set on the channel; FreeSWITCH's default is `*`.
                let (scope, rest) = scope_variables(arg);
                let terminators = scope.get("playback_terminators").or_else(|| t.vars.get("playback_terminators")).cloned().unwrap_or_else(|| "*".into());
                t.record_terminators.push(terminators);
                let path = rest.split(' ').next().unwrap_or("").to_string();
                if patient.write_recordings {
                    // What FreeSWITCH writes: a wav of the caller's voice, on
                    // the channel's own thread (not the thread that answers
                    // every other call).
                    let (to, voice, samples) = (PathBuf::from(&path), patient.voice.clone(), (patient.record_ms as usize) * 8);
                    tokio::task::spawn_blocking(move || {
                        if let Some(parent) = to.parent() {
                            std::fs::create_dir_all(parent)?;
                        }
                        match voice {
                            Some(said) => std::fs::copy(said, &to).map(drop),
                            None => std::fs::write(&to, wav_8k(samples)),
                        }
                    })
                    .await
                    .map_err(io::Error::other)??;
                }
                t.recordings.push(path);
                if patient.real_time {
                    tokio::time::sleep(Duration::from_millis(patient.record_ms.into())).await;
                }
                let ms = patient.record_ms.to_string();
                self.complete("record", arg, id, "_none_", &[("record_ms", &ms)]).await?;
                if patient.hangup == HangupAt::AfterRecording(self.records) {
                    t.hung_up = true;
                    return self.caller_hangs_up(None).await;
                }
                Ok(())
            }
            "bridge" => {
                if patient.bridge_answers {
                    let mut ex = self.event("CHANNEL_EXECUTE");
                    ex.set("Application", app).set("Application-UUID", id);
                    self.send_event(&ex).await?;
                    self.send_event(&self.event("CHANNEL_BRIDGE")).await?;
                    self.send_event(&self.event("CHANNEL_UNBRIDGE")).await?;
                    let mut done = self.completion(app);
                    done.set("Application", app).set("Application-Response", "_none_").set("Application-UUID", id).set("variable_DIALSTATUS", "SUCCESS");
                    self.send_awaited(&done.frame()).await
                } else {
                    self.complete(app, arg, id, "_none_", &[("DIALSTATUS", "NOANSWER"), ("originate_disposition", "NO_ANSWER")]).await
                }
            }
            "set" => {
                if let Some((k, v)) = arg.split_once('=') {
                    t.vars.insert(k.to_string(), v.to_string());
                }
                self.complete(app, arg, id, "_none_", &[]).await
            }
            "multiset" => {
                // `^^X` first: X separates the pairs instead of a space.
                let (sep, list) = match arg.strip_prefix("^^").and_then(|r| r.chars().next().map(|c| (c, &r[c.len_utf8()..]))) {
                    Some((c, list)) => (c, list),
                    None => (' ', arg),
                };
                for (k, v) in list.split(sep).filter_map(|kv| kv.split_once('=')) {
                    t.vars.insert(k.to_string(), v.to_string());
                }
                self.complete(app, arg, id, "_none_", &[]).await
            }
            "transfer" => {
                t.transferred = Some(arg.to_string());
                self.complete(app, arg, id, "_none_", &[]).await?;
                let mut sock = self.completion("socket");
                sock.set("Application", "socket").set("Application-UUID", &uuid::Uuid::new_v4().to_string());
                self.send_event(&sock).await
            }
            _ => self.complete(app, arg, id, "_none_", &[]).await,
        }
    }
}

/// An application's argument as FreeSWITCH reads it before running it:
/// a leading `%[name=value,…]` (or `%X[…]` with `X` as the separator)
/// holds variables that exist for that one application, and the rest is
/// what it gets.
pub fn scope_variables(arg: &str) -> (HashMap<String, String>, &str) {
    let Some(after) = arg.strip_prefix('%') else { return (HashMap::new(), arg) };
    let (sep, list) = match after.strip_prefix('[') {
        Some(list) => (',', list),
        None => match after.chars().next() {
            Some(c) if after[c.len_utf8()..].starts_with('[') => (c, &after[c.len_utf8() + 1..]),
            _ => return (HashMap::new(), arg),
        },
    };
    let Some((vars, rest)) = list.split_once(']') else { return (HashMap::new(), arg) };
    let vars = vars.split(sep).filter_map(|kv| kv.split_once('=')).map(|(k, v)| (k.to_string(), v.to_string())).collect();
    (vars, rest)
}

/// How long the switch takes to play a playback argument: the wav files'
/// lengths (from their headers, read once each), a tone's or a silence's
/// own. A file that cannot be read plays as nothing, as FreeSWITCH skips it.
pub fn play_length(arg: &str) -> Duration {
    static LENGTHS: OnceLock<std::sync::Mutex<HashMap<String, Duration>>> = OnceLock::new();
    play_pieces(arg)
        .map(|f| {
            piece_length(f, |file| {
                let mut lengths = LENGTHS.get_or_init(Default::default).lock().unwrap_or_else(|p| p.into_inner());
                Some(*lengths.entry(file.to_string()).or_insert_with(|| wav_length(Path::new(file)).unwrap_or_default()))
            })
            .unwrap_or_default()
        })
        .sum()
}

/// Like [`play_length`], but a file that cannot be read is an error naming
/// it (for the tests that add up what a caller hears).
pub fn try_play_length(arg: &str) -> Result<Duration, String> {
    play_pieces(arg).map(|f| piece_length(f, |file| wav_length(Path::new(file))).ok_or_else(|| format!("{f}: not a readable wav"))).sum()
}

/// The pieces of a playback argument (`file_string://a!b` or one file).
fn play_pieces(arg: &str) -> impl Iterator<Item = &str> {
    arg.strip_prefix("file_string://").unwrap_or(arg).split('!')
}

/// One piece's length: a silence's, a tone's, or a file's from `file`.
fn piece_length(piece: &str, file: impl FnOnce(&str) -> Option<Duration>) -> Option<Duration> {
    if let Some(ms) = piece.strip_prefix("silence_stream://") {
        return Some(Duration::from_millis(ms.parse().unwrap_or(0)));
    }
    if piece.starts_with("tone_stream://") {
        // The beep before a recording: %(400,0,800).
        return Some(Duration::from_millis(400));
    }
    file(piece)
}

/// A wav file's length: its data bytes over the byte rate of its header.
fn wav_length(path: &Path) -> Option<Duration> {
    use std::io::Read as _;
    let mut head = [0u8; 44];
    std::fs::File::open(path).ok()?.read_exact(&mut head).ok()?;
    let byte_rate = u32::from_le_bytes(head[28..32].try_into().ok()?);
    let len = std::fs::metadata(path).ok()?.len().saturating_sub(44);
    (byte_rate > 0).then(|| Duration::from_secs_f64(len as f64 / f64::from(byte_rate)))
}

/// A valid 8 kHz mono 16-bit wav of `samples` samples of silence.
pub fn wav_8k(samples: usize) -> Vec<u8> {
    wav_8k_from(&vec![0; samples * 2])
}

/// A wav of these 8 kHz 16-bit mono samples (little-endian bytes).
pub fn wav_8k_from(pcm: &[u8]) -> Vec<u8> {
    let data_len = pcm.len() as u32;
    let mut v = Vec::with_capacity(44 + pcm.len());
    v.extend_from_slice(b"RIFF");
    v.extend_from_slice(&(36 + data_len).to_le_bytes());
    v.extend_from_slice(b"WAVEfmt ");
    v.extend_from_slice(&16u32.to_le_bytes());
    v.extend_from_slice(&1u16.to_le_bytes());
    v.extend_from_slice(&1u16.to_le_bytes());
    v.extend_from_slice(&8000u32.to_le_bytes());
    v.extend_from_slice(&16000u32.to_le_bytes());
    v.extend_from_slice(&2u16.to_le_bytes());
    v.extend_from_slice(&16u16.to_le_bytes());
    v.extend_from_slice(b"data");
    v.extend_from_slice(&data_len.to_le_bytes());
    v.extend_from_slice(pcm);
    v
}
