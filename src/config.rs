//! Configuration: a TOML file with documented defaults. Every field has a
//! `DEFAULT_*` next to it; `check` reports every problem with its line and a
//! hint (`standardiste check-config FILE`, exit code 64 on a bad file).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// Where FreeSWITCH's `socket` application connects.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8084";
/// mod_event_socket's inbound listener.
pub const DEFAULT_ESL_HOST: &str = "127.0.0.1";
/// Its port.
pub const DEFAULT_ESL_PORT: u16 = 8021;
/// Concurrent calls held at most; over it a call falls through to the dialplan's fallback.
pub const DEFAULT_MAX_CALLS: usize = 2000;
/// No call lasts longer in the receptionist's hands (seconds).
pub const DEFAULT_CALL_DEADLINE_SECS: u64 = 900;
/// Seconds FreeSWITCH keeps the socket after hang-up so the last events arrive.
pub const DEFAULT_LINGER_SECS: u64 = 5;
/// How long a caller has to press a key after a question (ms).
pub const DEFAULT_DIGIT_TIMEOUT_MS: u64 = 6000;
/// On shutdown, how long live calls may take to finish (seconds).
pub const DEFAULT_DRAIN_SECS: u64 = 60;
/// Dialplan context of the extensions the receptionist transfers to.
pub const DEFAULT_CONTEXT: &str = "standardiste";
/// Silence threshold for recordings (FreeSWITCH energy units).
pub const DEFAULT_SILENCE_THRESHOLD: u32 = 200;
/// Seconds of silence that end a recording.
pub const DEFAULT_SILENCE_SECS: u32 = 4;
/// The placeholder of `freeswitch-conf/event_socket.conf.xml`, refused like `ClueCon`.
pub const SAMPLE_PASSWORD: &str = "replace-me-with-openssl-rand-hex-16";
/// Most calls one service may hold (each is a socket and a task).
pub const MAX_MAX_CALLS: usize = 100_000;
/// Longest deadline, drain or wait: a day (no overflow in the timers).
pub const MAX_DEADLINE_SECS: u64 = 86_400;
/// Above this many live calls, transcriptions wait for a quieter moment.
pub const DEFAULT_TRANSCRIBE_BELOW_CALLS: usize = 50;

/// The whole file.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Outbound socket listener and call limits.
    pub server: Server,
    /// The inbound Event Socket connection.
    pub freeswitch: Freeswitch,
    /// SQLite file.
    pub database: Database,
    /// Folders shared with FreeSWITCH.
    pub paths: Paths,
    /// Text to speech.
    pub speech: Speech,
    /// The remote secretaries' queues.
    pub queue: Queue,
    /// The pages and the JSON API.
    pub web: Web,
    /// Mail to the practices.
    pub mail: Mail,
    /// `/metrics` and `/health`.
    pub metrics: MetricsListener,
    /// The log's format.
    pub log: Log,
    /// The practices' figures.
    pub stats: Stats,
    /// The command line as a client of the API.
    pub client: Client,
}

/// `[server]`
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Server {
    /// Address FreeSWITCH's `socket` application connects to.
    pub listen: String,
    /// Concurrent calls at most.
    pub max_calls: usize,
    /// Per-call deadline, seconds.
    pub call_deadline_secs: u64,
    /// `linger N` seconds.
    pub linger_secs: u64,
    /// Key timeout, ms.
    pub digit_timeout_ms: u64,
    /// Shutdown drain, seconds.
    pub drain_secs: u64,
    /// Dialplan context for transfers.
    pub context: String,
    /// Addresses besides loopback from which FreeSWITCH's `socket`
    /// application may connect (a switch on another host). Any other peer
    /// is handed back at once and never acted on.
    pub allowed_peers: Vec<String>,
    /// Check each new call against the inbound link before acting on it
    /// (`uuid_exists`, and the caller's number the switch holds): a local
    /// process that forges a call is handed back. While the link is down
    /// calls are taken unchecked (never refused: the caller comes first).
    pub verify_calls: bool,
}

/// `[freeswitch]`
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Freeswitch {
    /// Host of mod_event_socket.
    pub host: String,
    /// Port.
    pub port: u16,
    /// Password (`event_socket.conf.xml`).
    pub password: String,
}

/// `[database]`
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Database {
    /// SQLite file; created with the demo practice when missing.
    pub path: PathBuf,
    /// Seed the demo practice into a new file.
    pub demo: bool,
}

/// `[paths]`: folders FreeSWITCH and the service share.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Paths {
    /// Rendered prompts; FreeSWITCH plays from here.
    pub prompts: PathBuf,
    /// Recordings; FreeSWITCH writes here.
    pub recordings: PathBuf,
    /// The group FreeSWITCH and the service share when they run as two
    /// users: the folders are then made 2770 and the group's; empty, they
    /// are the service's user's alone (0700).
    pub switch_group: String,
}

/// `[speech]`
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Speech {
    /// The language the receptionist speaks: `fr` or `en` (set `voice` to match).
    pub language: crate::speech::catalogue::Lang,
    /// espeak-ng command.
    pub espeak: String,
    /// Voice.
    pub voice: String,
    /// Words per minute.
    pub rate: u32,
    /// Recording silence threshold.
    pub silence_threshold: u32,
    /// Seconds of silence ending a recording.
    pub silence_secs: u32,
    /// Whisper model (ggml) made by `make model`; without it messages are
    /// kept without transcripts and keys work everywhere.
    pub model: PathBuf,
    /// Above this many live calls, message transcriptions wait, and one
    /// under way stops to start again later (ten minutes at most), so that
    /// decoding never slows a caller down.
    pub transcribe_below_calls: usize,
}

impl Default for Server {
    fn default() -> Self {
        Self {
            listen: DEFAULT_LISTEN.into(),
            max_calls: DEFAULT_MAX_CALLS,
            call_deadline_secs: DEFAULT_CALL_DEADLINE_SECS,
            linger_secs: DEFAULT_LINGER_SECS,
            digit_timeout_ms: DEFAULT_DIGIT_TIMEOUT_MS,
            drain_secs: DEFAULT_DRAIN_SECS,
            context: DEFAULT_CONTEXT.into(),
            allowed_peers: Vec::new(),
            verify_calls: true,
        }
    }
}

impl Default for Freeswitch {
    fn default() -> Self {
        Self { host: DEFAULT_ESL_HOST.into(), port: DEFAULT_ESL_PORT, password: String::new() }
    }
}

impl Default for Database {
    fn default() -> Self {
        Self { path: PathBuf::from("var/standardiste.sqlite"), demo: true }
    }
}

impl Default for Paths {
    fn default() -> Self {
        Self { prompts: PathBuf::from("var/prompts"), recordings: PathBuf::from("var/recordings"), switch_group: String::new() }
    }
}

impl Default for Speech {
    fn default() -> Self {
        Self {
            language: crate::speech::catalogue::Lang::Fr,
            espeak: "espeak-ng".into(),
            voice: "fr".into(),
            rate: 150,
            silence_threshold: DEFAULT_SILENCE_THRESHOLD,
            silence_secs: DEFAULT_SILENCE_SECS,
            model: PathBuf::from("models/ggml-base.bin"),
            transcribe_below_calls: DEFAULT_TRANSCRIBE_BELOW_CALLS,
        }
    }
}

/// Seconds a secretary has after a call before the next one is offered.
pub const DEFAULT_WRAP_UP_SECS: u64 = 30;
/// A waiting caller hears their position this often (seconds).
pub const DEFAULT_ANNOUNCE_EVERY_SECS: u64 = 30;
/// After this long waiting, a caller is offered a message or a call back (seconds).
pub const DEFAULT_MAX_WAIT_SECS: u64 = 300;
/// A secretary's phone rings this long before the next one is tried (seconds).
pub const DEFAULT_RING_SECS: u64 = 15;
/// What waiting callers hear (FreeSWITCH's music on hold stream).
pub const DEFAULT_MUSIC: &str = "local_stream://moh";
/// Where the agents' API listens.
pub const DEFAULT_WEB_LISTEN: &str = "127.0.0.1:8085";

/// `[queue]`: how calls handed over wait for the remote secretaries.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Queue {
    /// Which secretary gets the next call: `longest_idle`, `round_robin` or `ring_all`.
    pub strategy: crate::queue::Strategy,
    /// Wrap-up after each call, seconds.
    pub wrap_up_secs: u64,
    /// Position and wait announcements, every so many seconds.
    pub announce_every_secs: u64,
    /// Longest wait before the caller is offered a message or a call back, seconds.
    pub max_wait_secs: u64,
    /// Ring time of a secretary's phone, seconds.
    pub ring_secs: u64,
    /// Music on hold (any FreeSWITCH playback source).
    pub music: String,
    /// How a patient is dialled for a call back: `{number}` is their number
    /// as the practice dials it (national form, e.g. 0611223344).
    pub callback_dial: String,
    /// Call-back requests taken from one number over a day.
    pub callbacks_per_number_per_day: u32,
    /// Call-back requests taken for one practice over a day.
    pub callbacks_per_practice_per_day: u32,
    /// A secretary available whose console has been closed (or cut off)
    /// this long is paused, "console fermée" (seconds).
    pub console_grace_secs: u64,
}

impl Default for Queue {
    fn default() -> Self {
        Self {
            strategy: crate::queue::Strategy::LongestIdle,
            wrap_up_secs: DEFAULT_WRAP_UP_SECS,
            announce_every_secs: DEFAULT_ANNOUNCE_EVERY_SECS,
            max_wait_secs: DEFAULT_MAX_WAIT_SECS,
            ring_secs: DEFAULT_RING_SECS,
            music: DEFAULT_MUSIC.into(),
            callback_dial: "sofia/gateway/operator/{number}".into(),
            callbacks_per_number_per_day: 3,
            callbacks_per_practice_per_day: 100,
            console_grace_secs: 120,
        }
    }
}

/// `[web]`: the pages and the JSON API, and who may use them.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Web {
    /// Address. Keep it on loopback, behind a TLS reverse proxy for anything else.
    pub listen: String,
    /// The `Host` values requests may carry (`standardiste.example.fr`);
    /// others get 421, which shuts out DNS rebinding. Empty: the listen
    /// address itself, with `localhost` and `127.0.0.1` at its port.
    pub hosts: Vec<String>,
    /// Served to browsers through a TLS reverse proxy: cookies are `Secure`,
    /// and the client's address is read from `X-Forwarded-For`.
    pub behind_tls_proxy: bool,
    /// A browser session ends after this long without a request (minutes).
    pub session_idle_minutes: u64,
    /// And after this long in all (hours), whatever happens.
    pub session_hours: u64,
    /// Failed log-ins in a row before an account is locked.
    pub login_lock_after: u32,
    /// How long it stays locked (seconds).
    pub login_lock_secs: u64,
    /// Failed log-ins from one address within 15 minutes before it is refused for the rest of them.
    pub login_address_limit: u32,
    /// Connections served at once; beyond, new ones wait in the kernel's
    /// queue (a slow client cannot take the descriptors the calls need).
    pub max_connections: usize,
    /// A request's headers must arrive within this time, and an idle
    /// connection is closed after it (seconds).
    pub header_timeout_secs: u64,
    /// Largest request body (bytes); recordings uploaded in the web space
    /// are the largest.
    pub max_body_bytes: usize,
    /// Let a doctor subscribe to a calendar on this host or a private
    /// network (off: a subscription could make the service fetch from inside).
    pub allow_private_calendars: bool,
}

impl Default for Web {
    fn default() -> Self {
        Self {
            listen: DEFAULT_WEB_LISTEN.into(),
            hosts: Vec::new(),
            behind_tls_proxy: false,
            session_idle_minutes: 30,
            session_hours: 12,
            login_lock_after: 10,
            login_lock_secs: 900,
            login_address_limit: 50,
            max_connections: 512,
            header_timeout_secs: 20,
            max_body_bytes: 8 * 1024 * 1024,
            allow_private_calendars: false,
        }
    }
}

/// `[mail]`: how the practices are told of messages and urgent calls, and
/// sent their daily summary. Without a `relay`, nothing is mailed (the
/// messages stay in the web space; the notices wait in the store).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Mail {
    /// The SMTP server (`smtp.example.fr`); empty: no mail.
    pub relay: String,
    /// Its port: 587 (submission, with `starttls`), 465 (TLS from the
    /// start), 25.
    pub port: u16,
    /// Upgrade the connection with STARTTLS, and refuse to send if the
    /// server cannot (on port 465 the connection is TLS from the start).
    pub starttls: bool,
    /// SMTP login, if the relay asks for one.
    pub username: String,
    /// Its password.
    pub password: String,
    /// The sender (`standardiste <standardiste@cabinet.fr>`).
    pub from: String,
    /// A message's mail waits this long for its transcript (seconds); an
    /// urgent one never waits.
    pub transcript_wait_secs: u64,
    /// How often the outbox is looked at (seconds).
    pub poll_secs: u64,
    /// The web space's address, for the links in the mails
    /// (`https://standardiste.cabinet.fr`); empty: no links.
    pub public_url: String,
}

/// `[stats]`: the figures a practice pays for.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Stats {
    /// What a télésecrétariat charges a call, in euros (0.50–1.20 € is
    /// usual): the saving is the calls finished without a human at this price.
    pub price_per_call: f64,
}

impl Default for Stats {
    fn default() -> Self {
        Self { price_per_call: 0.85 }
    }
}

/// `[log]`: the service's log, on standard error (journald under systemd).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Log {
    /// `text` (a line for people) or `json` (an object a line, for
    /// `journalctl -o json` and log shippers; each call's lines carry its
    /// span: uuid, practice, masked caller).
    pub format: LogFormat,
}

/// How log lines are written.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// For people.
    #[default]
    Text,
    /// One JSON object a line.
    Json,
}

/// `[metrics]`: Prometheus's `/metrics` and `/health`, on a listener of
/// their own (no log-in: keep it on loopback, or behind the scraper's
/// network rules).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MetricsListener {
    /// `address:port`; empty: no metrics listener.
    pub listen: String,
}

impl Default for MetricsListener {
    fn default() -> Self {
        Self { listen: "127.0.0.1:9184".into() }
    }
}

impl Default for Mail {
    fn default() -> Self {
        Self {
            relay: String::new(),
            port: 587,
            starttls: true,
            username: String::new(),
            password: String::new(),
            from: "standardiste <standardiste@localhost>".into(),
            transcript_wait_secs: 120,
            poll_secs: 5,
            public_url: String::new(),
        }
    }
}

/// `[client]`: how the command line (`agent`, `queue`, `callback`) reaches
/// the running service's API.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Client {
    /// A bearer token (`standardiste token create LOGIN`); `--token` and
    /// `STANDARDISTE_TOKEN` take precedence.
    pub token: String,
}

/// One problem in a configuration file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// 1-based line, when known.
    pub line: Option<usize>,
    /// What is wrong.
    pub message: String,
    /// How to fix it.
    pub hint: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.line {
            Some(l) => write!(f, "line {l}: {} (hint: {})", self.message, self.hint),
            None => write!(f, "{} (hint: {})", self.message, self.hint),
        }
    }
}

/// The configuration could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// File.
        path: PathBuf,
        /// Cause.
        source: std::io::Error,
    },
    /// The file has problems.
    #[error("{path}: {} problem(s):\n{}", problems.len(), problems.iter().map(|p| format!("  {p}")).collect::<Vec<_>>().join("\n"))]
    Invalid {
        /// File.
        path: PathBuf,
        /// Every problem found.
        problems: Vec<Problem>,
    },
}

fn line_of_offset(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

/// The line where `key` is set inside `[section]`, if it is set in the file.
fn line_of_key(text: &str, section: &str, key: &str) -> Option<usize> {
    let mut current = String::new();
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.starts_with('[') {
            current = line.trim_matches(|c| c == '[' || c == ']').trim().to_string();
            continue;
        }
        if current == section && line.split_once('=').is_some_and(|(k, _)| k.trim() == key) {
            return Some(i + 1);
        }
    }
    None
}

impl Config {
    /// Parse and check a configuration text. Every problem is reported, not just the first.
    pub fn parse(text: &str) -> Result<Self, Vec<Problem>> {
        let config: Config = match toml::from_str(text) {
            Ok(c) => c,
            Err(e) => {
                let line = e.span().map(|s| line_of_offset(text, s.start));
                let message = e.message().to_string();
                let hint = if message.contains("unknown field") {
                    "remove it or check its spelling; the README lists every key".to_string()
                } else if message.contains("invalid type") {
                    "numbers are written without quotes, texts between quotes".to_string()
                } else {
                    "see the example configuration in the README".to_string()
                };
                return Err(vec![Problem { line, message, hint }]);
            }
        };
        let problems = config.check(text);
        if problems.is_empty() { Ok(config) } else { Err(problems) }
    }

    /// Read and check a file.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read { path: path.to_path_buf(), source })?;
        Config::parse(&text).map_err(|problems| ConfigError::Invalid { path: path.to_path_buf(), problems })
    }

    /// Semantic checks; `text` is used to find lines.
    pub fn check(&self, text: &str) -> Vec<Problem> {
        let mut out = Vec::new();
        let mut bad = |section: &str, key: &str, message: String, hint: &str| {
            out.push(Problem { line: line_of_key(text, section, key), message: format!("[{section}] {key}: {message}"), hint: hint.to_string() });
        };
        if self.server.listen.parse::<SocketAddr>().is_err() {
            bad("server", "listen", format!("« {} » is not an address:port", self.server.listen), "write it as 127.0.0.1:8084");
        }
        if !(1..=MAX_MAX_CALLS).contains(&self.server.max_calls) {
            bad("server", "max_calls", format!("must be between 1 and {MAX_MAX_CALLS}"), "2000 is a good start for one host");
        }
        if !(10..=MAX_DEADLINE_SECS).contains(&self.server.call_deadline_secs) {
            bad(
                "server",
                "call_deadline_secs",
                format!("must be between 10 (a dialogue needs time) and {MAX_DEADLINE_SECS}"),
                "900 (15 minutes) is the default",
            );
        }
        if self.server.drain_secs > MAX_DEADLINE_SECS {
            bad("server", "drain_secs", format!("must be at most {MAX_DEADLINE_SECS}"), "60 lets live calls finish on a restart");
        }
        for (i, peer) in self.server.allowed_peers.iter().enumerate() {
            if peer.parse::<std::net::IpAddr>().is_err() {
                bad(
                    "server",
                    "allowed_peers",
                    format!("entry {} « {peer} » is not an IP address", i + 1),
                    "the address of the FreeSWITCH host, e.g. 192.0.2.10",
                );
            }
        }
        if self.server.linger_secs == 0 || self.server.linger_secs > 60 {
            bad("server", "linger_secs", "must be between 1 and 60".into(), "5 lets the last events arrive; plain linger (0) would never let go");
        }
        if !(1000..=60000).contains(&self.server.digit_timeout_ms) {
            bad("server", "digit_timeout_ms", "must be between 1000 and 60000".into(), "6000 gives an elderly caller time to find the key");
        }
        if !crate::agenda::text::is_extension(&self.server.context) {
            bad(
                "server",
                "context",
                "must be one word of letters, digits, _ + -".into(),
                "the dialplan context holding the secretaries' extension, e.g. standardiste",
            );
        }
        if self.freeswitch.host.trim().is_empty() {
            bad("freeswitch", "host", "is empty".into(), "127.0.0.1 when FreeSWITCH runs on this host");
        }
        if self.freeswitch.port == 0 {
            bad("freeswitch", "port", "must not be 0".into(), "8021 is mod_event_socket's default");
        }
        if self.freeswitch.password == "ClueCon" || self.freeswitch.password == SAMPLE_PASSWORD {
            bad(
                "freeswitch",
                "password",
                "is a well-known default (FreeSWITCH's, or the sample's)".into(),
                "set a password of your own in event_socket.conf.xml and here, e.g. `openssl rand -hex 16`",
            );
        }
        if self.freeswitch.password.contains(['\n', '\r']) {
            bad("freeswitch", "password", "contains a line break".into(), "one line only");
        }
        if !self.mail.relay.is_empty() {
            if self.mail.relay.contains(|c: char| c.is_whitespace() || c == '/') {
                bad("mail", "relay", format!("« {} » is not a host name", self.mail.relay), "the SMTP server's name, e.g. smtp.example.fr");
            }
            if self.mail.port == 0 {
                bad("mail", "port", "must not be 0".into(), "587 with starttls = true, or 465");
            }
            if self.mail.from.parse::<lettre::message::Mailbox>().is_err() {
                bad("mail", "from", format!("« {} » is not a mail address", self.mail.from), "e.g. standardiste <standardiste@cabinet.fr>");
            }
            if self.mail.username.is_empty() != self.mail.password.is_empty() {
                bad("mail", "password", "username and password go together".into(), "set both, or neither for a relay that needs no login");
            }
        }
        if !(5..=86400).contains(&self.queue.console_grace_secs) {
            bad("queue", "console_grace_secs", "must be between 5 and 86400".into(), "120 lets a page reload or a short network cut pass");
        }
        if !(1..=3600).contains(&self.mail.poll_secs) {
            bad("mail", "poll_secs", "must be between 1 and 3600".into(), "5 tells the doctor within seconds");
        }
        if self.mail.transcript_wait_secs > 3600 {
            bad("mail", "transcript_wait_secs", "must be at most 3600".into(), "120 lets the transcript join the mail");
        }
        if self.database.path.as_os_str().is_empty() {
            bad("database", "path", "is empty".into(), "e.g. /var/lib/standardiste/standardiste.sqlite");
        }
        for (key, p) in [("prompts", &self.paths.prompts), ("recordings", &self.paths.recordings)] {
            if p.as_os_str().is_empty() {
                bad("paths", key, "is empty".into(), "a folder FreeSWITCH can read and write");
            } else if p.to_string_lossy().contains(char::is_whitespace) {
                bad("paths", key, "contains a space".into(), "FreeSWITCH applications take paths as space-separated arguments: choose a path without spaces");
            } else if p.exists() && !p.is_dir() {
                bad("paths", key, format!("{} exists and is not a folder", p.display()), "point it to a folder");
            }
        }
        if let Err(e) = crate::freeswitch::folders::Folders::for_group(&self.paths.switch_group) {
            bad(
                "paths",
                "switch_group",
                e,
                "the group of FreeSWITCH's user (e.g. freeswitch), the service's user a member of it; or empty when both run as one user",
            );
        }
        if !(80..=450).contains(&self.speech.rate) {
            bad("speech", "rate", "must be between 80 and 450 words per minute".into(), "150 is calm and clear on the phone");
        }
        if self.speech.voice.trim().is_empty() {
            bad("speech", "voice", "is empty".into(), "fr");
        }
        if !(1..=10_000).contains(&self.speech.silence_threshold) {
            bad("speech", "silence_threshold", "must be between 1 and 10000".into(), "200, FreeSWITCH's energy units: a quiet room stays below it");
        }
        if !(1..=60).contains(&self.speech.silence_secs) {
            bad("speech", "silence_secs", "must be between 1 and 60".into(), "4 seconds of silence end a message");
        }
        if self.speech.transcribe_below_calls > MAX_MAX_CALLS {
            bad("speech", "transcribe_below_calls", format!("must be at most {MAX_MAX_CALLS}"), "50: above that many live calls, decoding waits");
        }
        if self.queue.callbacks_per_number_per_day > 100 {
            bad("queue", "callbacks_per_number_per_day", "must be between 0 and 100".into(), "3 call-backs a day for one number (0: none)");
        }
        if self.queue.callbacks_per_practice_per_day > 100_000 {
            bad("queue", "callbacks_per_practice_per_day", "must be between 0 and 100000".into(), "100 a day for one practice (0: none)");
        }
        if !(1..=3600).contains(&self.queue.announce_every_secs) {
            bad("queue", "announce_every_secs", "must be between 1 and 3600".into(), "30 keeps a waiting caller informed without talking over the music");
        }
        if !(5..=120).contains(&self.queue.ring_secs) {
            bad("queue", "ring_secs", "must be between 5 and 120".into(), "15 seconds, about four rings");
        }
        if !(1..=MAX_DEADLINE_SECS).contains(&self.queue.max_wait_secs) {
            bad("queue", "max_wait_secs", format!("must be between 1 and {MAX_DEADLINE_SECS}"), "300 (five minutes) before offering a message or a call back");
        }
        if self.queue.wrap_up_secs > 3600 {
            bad("queue", "wrap_up_secs", "must be at most 3600".into(), "30 seconds to finish the notes of a call");
        }
        if self.queue.music.trim().is_empty() || self.queue.music.contains(|c: char| c.is_control() || "${}[]',".contains(c)) {
            bad("queue", "music", "must be one playback source".into(), "local_stream://moh (mod_local_stream's default class)");
        }
        if !self.queue.callback_dial.contains("{number}") {
            bad("queue", "callback_dial", "does not contain {number}".into(), "e.g. sofia/gateway/operator/{number}");
        } else if !crate::agenda::text::is_dial(&self.queue.callback_dial.replace("{number}", "0611223344"))
            || self.queue.callback_dial.replace("{number}", "0611223344").parse::<freeswitch_esl_tokio::commands::Endpoint>().is_err()
        {
            bad("queue", "callback_dial", "is not a dial string FreeSWITCH can originate".into(), "e.g. sofia/gateway/operator/{number} or user/{number}");
        }
        if !(self.stats.price_per_call.is_finite() && (0.0..=100.0).contains(&self.stats.price_per_call)) {
            bad("stats", "price_per_call", "must be between 0 and 100 (euros)".into(), "0.85, a télésecrétariat's usual price of a call");
        }
        if !self.metrics.listen.is_empty() && self.metrics.listen.parse::<SocketAddr>().is_err() {
            bad("metrics", "listen", format!("« {} » is not an address:port", self.metrics.listen), "127.0.0.1:9184, or empty for none");
        }
        if self.web.listen.parse::<SocketAddr>().is_err() {
            bad("web", "listen", format!("« {} » is not an address:port", self.web.listen), "write it as 127.0.0.1:8085");
        }
        for h in &self.web.hosts {
            if h.is_empty() || h.contains(|c: char| c.is_whitespace() || c == '/') {
                bad("web", "hosts", format!("« {h} » is not a host name"), "a name as browsers send it in Host, e.g. standardiste.example.fr");
            }
        }
        if !(1..=24 * 60).contains(&self.web.session_idle_minutes) {
            bad("web", "session_idle_minutes", "must be between 1 and 1440".into(), "30 minutes");
        }
        if !(1..=24 * 7).contains(&self.web.session_hours) {
            bad("web", "session_hours", "must be between 1 and 168".into(), "12 hours: a working day");
        }
        if !(1..=100).contains(&self.web.login_lock_after) {
            bad("web", "login_lock_after", "must be between 1 and 100".into(), "10 failed log-ins in a row");
        }
        if !(1..=100_000).contains(&self.web.login_address_limit) {
            bad("web", "login_address_limit", "must be between 1 and 100000".into(), "50 failed log-ins from one address in 15 minutes");
        }
        if !(1..=MAX_DEADLINE_SECS).contains(&self.web.login_lock_secs) {
            bad("web", "login_lock_secs", format!("must be between 1 and {MAX_DEADLINE_SECS}"), "900 (15 minutes)");
        }
        if !(16..=65_536).contains(&self.web.max_connections) {
            bad("web", "max_connections", "must be between 16 and 65536".into(), "512");
        }
        if !(1..=600).contains(&self.web.header_timeout_secs) {
            bad("web", "header_timeout_secs", "must be between 1 and 600".into(), "20 seconds");
        }
        if !(1024..=256 * 1024 * 1024).contains(&self.web.max_body_bytes) {
            bad("web", "max_body_bytes", "must be between 1 KiB and 256 MiB".into(), "8 MiB holds a recorded sentence");
        }
        out
    }

    /// What is allowed but unwise: said by `check-config` and at start-up,
    /// never refused.
    pub fn warnings(&self) -> Vec<String> {
        let mut out = Vec::new();
        if self.freeswitch.password.trim().is_empty() {
            out.push(
                "[freeswitch] password is empty: it is never sent, so the inbound Event Socket link (the secretaries' queues, call-backs, checking each call) stays off until it is set".into(),
            );
        }
        let non_loopback = |a: &str| a.parse::<SocketAddr>().is_ok_and(|a| !a.ip().is_loopback());
        if non_loopback(&self.web.listen) && !self.web.behind_tls_proxy {
            out.push(format!(
                "[web] listen = \"{}\" is not a loopback address and [web] behind_tls_proxy is not set: passwords and health data would cross the network in clear; serve it through a TLS reverse proxy (README) and set behind_tls_proxy = true",
                self.web.listen
            ));
        }
        if non_loopback(&self.metrics.listen) {
            out.push(format!(
                "[metrics] listen = \"{}\" is not a loopback address: /metrics and /health answer without a log-in (the figures name no caller); let only the scraper reach it",
                self.metrics.listen
            ));
        }
        if non_loopback(&self.server.listen) {
            out.push(format!(
                "[server] listen = \"{}\" is not a loopback address: only FreeSWITCH's host should reach it ([server] allowed_peers)",
                self.server.listen
            ));
        }
        out
    }

    /// Listen address (checked).
    pub fn listen_addr(&self) -> SocketAddr {
        self.server.listen.parse().unwrap_or_else(|_| SocketAddr::from(([127, 0, 0, 1], 8084)))
    }

    /// Per-call deadline.
    pub fn call_deadline(&self) -> Duration {
        Duration::from_secs(self.server.call_deadline_secs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_file_means_defaults() {
        let c = Config::parse("").unwrap();
        assert_eq!(c.server.listen, DEFAULT_LISTEN);
        assert_eq!(c.freeswitch.port, DEFAULT_ESL_PORT);
    }

    #[test]
    fn every_problem_has_its_line() {
        let text = "[server]\nlisten = \"nowhere\"\nmax_calls = 0\n\n[freeswitch]\npassword = \"ClueCon\"\n[speech]\nrate = 9\n";
        let problems = Config::parse(text).unwrap_err();
        let lines: Vec<_> = problems.iter().map(|p| p.line).collect();
        assert_eq!(lines, vec![Some(2), Some(3), Some(6), Some(8)], "{problems:?}");
        assert!(problems.iter().all(|p| !p.hint.is_empty()));
    }

    #[test]
    fn syntax_and_unknown_keys_are_located() {
        let p = Config::parse("[server]\nlisten = \"127.0.0.1:1\"\nmax_cals = 3\n").unwrap_err();
        assert_eq!(p[0].line, Some(3));
        assert!(p[0].message.contains("unknown field"), "{}", p[0].message);
        let p = Config::parse("[server]\nmax_calls = \"many\"\n").unwrap_err();
        assert_eq!(p[0].line, Some(2));
        let p = Config::parse("[server\n").unwrap_err();
        assert_eq!(p[0].line, Some(1));
    }
}
